import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// The bundle format's import rules, against a real SQLite file and real media.
let fileCodes: Set<FindingCode> = [.fileMissing, .fileTampered, .fileUnreadable, .fileDamaged]

final class ImportTests: XCTestCase {
    var dir = ""
    var spool = ""
    var store: Store!

    override func setUp() {
        dir = makeTempDirectory("import")
        spool = dir + "/spool"
        try! makeDirectories(spool)
        store = try! Store(path: TestStore.location(in: dir, name: "s"))
    }

    override func tearDown() {
        store = nil
        removeTree(dir)
    }

    func runImport(_ paths: [String]) throws -> ImportReport {
        try Importer(store: store, now: { Timestamp(rfc3339: "2026-11-23T12:00:00Z")! }).run(paths: paths)
    }

    func count(_ table: String) -> Int64 { (try? store.db.scalar("SELECT count(*) FROM \(table)"))??.int ?? -1 }

    /// A snapshot of a directory tree: relative path → bytes.
    func snapshot(_ root: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: root)!
        while let p = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + p, isDirectory: &isDir), !isDir.boolValue {
                out[p] = FileManager.default.contents(atPath: root + "/" + p)
            }
        }
        return out
    }

    func testImportsADirectoryBundleWithEverything() throws {
        let path = BundleFixture.valid().write(into: spool)
        let report = try runImport([path])
        XCTAssertEqual(report.imported, 1)
        XCTAssertEqual(report.rejected, [])
        let s = try XCTUnwrap(try store.session("S-20261120-0001", personalData: true))
        XCTAssertEqual(s.summary.employeeName, "Анна Петрова")
        XCTAssertEqual(s.recordings.first?.durationMillis, 2000)
        XCTAssertEqual(s.recordings.first?.status, .ok)
        XCTAssertEqual(s.photos.first?.exifText, "2026-11-20 10:15:10")
        XCTAssertTrue(s.photos.first?.exifOffsetKnown ?? false)
        XCTAssertEqual(s.questionnaires.first?.answers.count, 3)
        XCTAssertEqual(s.callbackRequests.first?.name, "Иван")
        XCTAssertEqual(s.findings, [])
        // The media now live in the store's own content-addressed directory.
        let sha = try XCTUnwrap(s.photos.first?.sha256)
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.mediaRoot + "/" + sha.prefix(2) + "/" + sha))
        XCTAssertEqual(count("import_log"), 1)
        // The import merged the search index it grew (StoreTests covers the rule); PostgreSQL has none to merge.
        if !store.isPostgres {
            XCTAssertEqual((try store.db.scalar("SELECT value FROM meta WHERE key = 'search_unmerged'"))?.int, 0)
            XCTAssertEqual((try store.db.scalar("SELECT count(DISTINCT segid) FROM session_search_idx"))?.int, 1)
        }
    }

    func testImportsTarAndGzipBundlesAndFormats() throws {
        BundleFixture.valid("S-A", audio: .flac).writeTar(into: spool, gzip: true)
        BundleFixture.valid("S-B", audio: .ogg, photoSeed: 2).writeTar(into: spool, gzip: false)
        var c = BundleFixture.valid("S-C", photoSeed: 3)
        c.files["notes.txt"] = Array("hi".utf8)
        c.write(into: spool)
        let report = try runImport([spool])
        XCTAssertEqual(report.imported, 3, "\(report.rejected)")
        XCTAssertEqual(try store.session("S-A")?.recordings.first?.container, "flac")
        XCTAssertEqual(try store.session("S-B")?.recordings.first?.container, "ogg")
        XCTAssertTrue(report.warnings.contains { $0.contains("notes.txt") && $0.contains("not named by the manifest") }, "\(report.warnings)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.mediaRoot + "/tmp"), [],
                       "unpacked tar bundles and temporary media are cleaned up")
    }

    func testSpoolRules() throws {
        BundleFixture.valid().write(into: spool)
        try makeDirectories(spool + "/empty-dir")
        try writeFile(spool + "/README", Array("about this spool".utf8))
        try makeDirectories(spool + "/.hidden")
        let report = try runImport([spool])
        XCTAssertEqual(report.imported, 1)
        XCTAssertEqual(report.rejected.map(\.path), [spool + "/empty-dir"])
        XCTAssertTrue(report.rejected[0].error.contains("session.json"), report.rejected[0].error)
        XCTAssertTrue(report.warnings.contains { $0.contains("README") && $0.contains("not a bundle") })
        XCTAssertFalse(report.warnings.contains { $0.contains(".hidden") })
    }

    func testEveryRejectionLeavesNothingAndTheSpoolUntouched() throws {
        var cases: [(String, (inout BundleFixture) -> Void, [UInt8]?, String)] = []
        cases.append(("not-json", { _ in }, Array("{oops".utf8), "not valid JSON"))
        cases.append(("too-big", { _ in }, Array(repeating: 0x20, count: (1 << 20) + 1), "over the 1 MiB limit"))
        cases.append(("format", { $0.set("format", "msr-bundle/9".json) }, nil, "format"))
        cases.append(("required", { $0.remove("employee") }, nil, "employee: required field is missing"))
        cases.append(("rule", { $0.set("started_at", "2026-11-20T10:15:02".json) }, nil, "explicit offset"))
        cases.append(("escape", { $0.edit(["recordings", 0, "file"], "../../etc/passwd".json) }, nil, "escapes the bundle"))
        cases.append(("absolute", { $0.edit(["photos", 0, "file"], "/etc/passwd".json) }, nil, "absolute path"))
        for (i, c) in cases.enumerated() {
            var b = BundleFixture.valid("S-R\(i)", photoSeed: UInt8(i + 10))
            c.1(&b)
            b.write(into: spool, name: c.0, manifestOverride: c.2)
        }
        // A symlink that resolves outside the bundle.
        var link = BundleFixture.valid("S-LINK", photoSeed: 40)
        link.files.removeValue(forKey: "photos/p-001.jpg")
        let lp = link.write(into: spool, name: "symlink-out")
        try writeFile(dir + "/outside.jpg", MediaFixtures.jpeg())
        try makeDirectories(lp + "/photos")
        XCTAssertEqual(symlink(dir + "/outside.jpg", lp + "/photos/p-001.jpg"), 0)
        // A missing manifest.
        let noManifest = BundleFixture.valid("S-NOMAN", photoSeed: 41)
        noManifest.write(into: spool, name: "no-manifest")
        unlink(spool + "/no-manifest/session.json")

        let before = snapshot(spool)
        let report = try runImport([spool])
        XCTAssertEqual(report.imported, 0, "\(report.importedSessions)")
        XCTAssertEqual(report.rejected.count, cases.count + 2, "\(report.rejected)")
        for c in cases {
            guard let r = report.rejected.first(where: { $0.path.hasSuffix("/" + c.0) }) else { XCTFail(c.0); continue }
            XCTAssertTrue(r.error.contains(c.3), "\(c.0): \(r.error)")
            XCTAssertFalse(r.error.contains("\n"), "one line")
        }
        XCTAssertTrue(report.rejected.first { $0.path.hasSuffix("symlink-out") }?.error.contains("outside the bundle") ?? false)
        XCTAssertTrue(report.rejected.first { $0.path.hasSuffix("no-manifest") }?.error.contains("session.json: missing") ?? false)
        for table in ["sessions", "recordings", "photos", "questionnaires", "answers", "findings", "media"] {
            XCTAssertEqual(count(table), 0, table)
        }
        XCTAssertEqual(count("import_log"), Int64(cases.count + 2), "each rejection is logged")
        XCTAssertEqual(snapshot(spool), before, "the spool is never changed")
    }

    func testReimportIsUnchangedAndADifferentBundleIsAConflict() throws {
        let b = BundleFixture.valid()
        b.write(into: spool, name: "first")
        b.writeTar(into: spool)
        var r = try runImport([spool])
        XCTAssertEqual(r.imported, 1)
        XCTAssertEqual(r.unchanged, 1, "the tar of the same bundle is the same bundle")
        r = try runImport([spool])
        XCTAssertEqual(r.imported, 0)
        XCTAssertEqual(r.unchanged, 2)
        let stored = try store.session(b.id)

        var changed = b
        changed.edit(["employee", "name"], "Мария Иванова".json)
        changed.write(into: dir, name: "changed")
        var sameManifestOtherPhoto = b
        sameManifestOtherPhoto.files["photos/p-001.jpg"] = MediaFixtures.jpeg(seed: 99)
        sameManifestOtherPhoto.write(into: dir, name: "swapped-photo")
        r = try runImport([dir + "/changed", dir + "/swapped-photo"])
        XCTAssertEqual(r.imported, 0)
        XCTAssertEqual(r.rejected.count, 2)
        XCTAssertTrue(r.rejected.allSatisfy { $0.error.contains("conflict") }, "\(r.rejected)")
        XCTAssertEqual(try store.session(b.id)?.summary, stored?.summary, "the stored session is kept")
        XCTAssertEqual(try store.session(b.id)?.photos, stored?.photos)
        XCTAssertEqual(count("sessions"), 1)
    }

    func testIntegrityProblemsAreImportedWithFindings() throws {
        var missing = BundleFixture.valid("S-MISSING")
        missing.files.removeValue(forKey: "photos/p-001.jpg")
        missing.write(into: spool)

        var tampered = BundleFixture.valid("S-TAMPERED", photoSeed: 5)
        tampered.files["photos/p-001.jpg"] = MediaFixtures.jpeg(seed: 6)
        tampered.write(into: spool)

        var corrupt = BundleFixture.valid("S-CORRUPT", photoSeed: 7)
        let jpeg = MediaFixtures.jpeg(width: 64, height: 64, seed: 7)
        corrupt.files["photos/p-001.jpg"] = Array(jpeg.prefix(jpeg.count / 2))
        corrupt.files["audio/rec-001.wav"] = Array("RIFF....WAVEfmt garbage".utf8)
        corrupt.edit(["photos", 0, "sha256"], nil)
        corrupt.edit(["recordings", 0, "sha256"], nil)
        corrupt.write(into: spool)

        // A photo that is a symbolic link to a file inside the bundle: not followed, unreadable.
        var linked = BundleFixture.valid("S-LINKED", photoSeed: 8)
        linked.files["photos/real.jpg"] = linked.files.removeValue(forKey: "photos/p-001.jpg")
        let lp = linked.write(into: spool)
        XCTAssertEqual(symlink("real.jpg", lp + "/photos/p-001.jpg"), 0)

        let r = try runImport([spool])
        XCTAssertEqual(r.imported, 4, "\(r.rejected)")
        let fl = try XCTUnwrap(try store.session("S-LINKED"))
        XCTAssertEqual(fl.findings.filter { fileCodes.contains($0.code) }.map(\.code), [.fileUnreadable])
        XCTAssertTrue(fl.findings.first { $0.code == .fileUnreadable }?.detail.contains("symbolic link") ?? false)
        let fm = try XCTUnwrap(try store.session("S-MISSING"))
        XCTAssertEqual(fm.findings.map(\.code).filter(fileCodes.contains), [.fileMissing])
        XCTAssertEqual(fm.findings.first?.file, "photos/p-001.jpg")
        XCTAssertEqual(fm.photos.first?.status, .missing)

        let ft = try XCTUnwrap(try store.session("S-TAMPERED"))
        XCTAssertEqual(ft.findings.map(\.code).filter(fileCodes.contains), [.fileTampered])
        XCTAssertEqual(ft.findings.first { $0.code == .fileTampered }?.severity, .integrity)
        XCTAssertEqual(ft.photos.first?.status, .tampered)
        XCTAssertNotNil(ft.photos.first?.sha256, "the tampered file is kept as evidence")

        let fc = try XCTUnwrap(try store.session("S-CORRUPT"))
        // The cut photo decodes as far as it goes: damaged, not unreadable; the garbage WAV is unreadable.
        XCTAssertEqual(fc.findings.filter { fileCodes.contains($0.code) }.map { "\($0.code.rawValue) \($0.file ?? "")" }.sorted(),
                       ["file-damaged photos/p-001.jpg", "file-unreadable audio/rec-001.wav"])
        XCTAssertTrue(fc.findings.first { $0.code == .fileDamaged }?.detail.contains("Premature end") ?? false)
        XCTAssertEqual(fc.recordings.first?.status, .unreadable)
        XCTAssertNil(fc.recordings.first?.durationMillis)
    }

    func testSamplesGeneratorOutputImportsCleanly() throws {
        var gen = SampleGenerator(count: 40, seed: 3)
        gen.tar = true
        let plan = try gen.generate(into: spool)
        let r = try runImport([spool])
        XCTAssertEqual(r.imported, 40, "\(r.rejected)")
        XCTAssertEqual(r.rejected, [])
        let tampered = plan.planted.filter { $0.value == "file-tampered" }.map(\.key)
        for id in tampered {
            XCTAssertEqual(try store.session(id)?.findings.map(\.code).filter(fileCodes.contains), [.fileTampered])
        }
        // Same seed, same bytes.
        let again = makeTempDirectory("again")
        defer { removeTree(again) }
        var gen2 = SampleGenerator(count: 40, seed: 3)
        gen2.tar = false
        _ = try gen2.generate(into: again)
        var gen3 = gen2
        let third = makeTempDirectory("third")
        defer { removeTree(third) }
        _ = try gen3.generate(into: third)
        gen3.count = 0
        XCTAssertEqual(snapshot(again), snapshot(third))
    }

    /// Bundles are prepared on several threads and written in batches: whatever the number of
    /// workers and the batch size, the store ends up the same, and a duplicate in the spool is
    /// settled as unchanged.
    func testParallelPreparationStoresTheSameAsOneWorker() throws {
        _ = try SampleGenerator(count: 60, seed: 9).generate(into: spool)
        BundleFixture.valid("S-20261120-0001").write(into: spool, name: "a-copy")
        BundleFixture.valid("S-20261120-0001").write(into: spool, name: "b-copy")
        func contents(workers: Int, batch: Int) throws -> ([String], [String], ImportReport) {
            let s = try Store(path: dir + "/w\(workers)-\(batch)/s.sqlite")
            let importer = try Importer(store: s, now: { Timestamp(rfc3339: "2026-11-23T12:00:00Z")! }, workers: workers)
            importer.batchSize = batch
            let report = try importer.run(paths: [spool])
            // The writer keeps up to 64 MiB of pages (BENCHMARKS.md: with 2 MiB it re-read ~140 per bundle).
            XCTAssertEqual(try s.db.scalar("PRAGMA cache_size")?.int, -65536)
            let sessions = try s.db.query("SELECT id || ' ' || bundle_digest FROM sessions ORDER BY id") { $0.text(0) ?? "" }
            let findings = try s.db.query("SELECT session_id || ' ' || code || ' ' || coalesce(file, '') FROM findings ORDER BY 1") { $0.text(0) ?? "" }
            return (sessions, findings, report)
        }
        let (one, oneFindings, oneReport) = try contents(workers: 1, batch: 100)
        XCTAssertEqual(try Store(path: dir + "/w1-100/s.sqlite").db.scalar("PRAGMA cache_size")?.int, -2000,
                       "other connections keep SQLite's default (scans gain nothing from more)")
        XCTAssertEqual(oneReport.imported, 61)
        XCTAssertEqual(oneReport.unchanged, 1, "the second copy of the same bundle")
        for (workers, batch) in [(2, 7), (4, 100), (3, 1)] {
            let (sessions, findings, report) = try contents(workers: workers, batch: batch)
            XCTAssertEqual(sessions, one, "\(workers) workers, batches of \(batch)")
            XCTAssertEqual(findings, oneFindings, "\(workers) workers, batches of \(batch)")
            XCTAssertEqual([report.imported, report.unchanged, report.rejected.count], [61, 1, 0])
        }
    }
}
