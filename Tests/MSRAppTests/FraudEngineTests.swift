import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// The anti-fraud engine over real bundles: at import, across sessions, and on re-check.
final class FraudEngineTests: XCTestCase {
    var dir = ""
    var store: Store!

    override func setUp() {
        dir = makeTempDirectory("fraud")
        store = try! Store(path: TestStore.location(in: dir, name: "s"))
    }

    override func tearDown() {
        store = nil
        removeTree(dir)
    }

    func importBundles(_ bundles: [BundleFixture], thresholds: FraudThresholds = FraudThresholds()) throws {
        let spool = dir + "/spool-\(UUID().uuidString)"
        for b in bundles { b.write(into: spool) }
        let r = try Importer(store: store, thresholds: thresholds, now: { Timestamp(rfc3339: "2026-11-21T00:00:00Z")! }).run(paths: [spool])
        XCTAssertEqual(r.rejected, [])
    }

    func codes(_ session: String) throws -> [FindingCode] { try store.findings(sessionID: session).map(\.code) }

    /// A smooth, detailed picture that looks the same at any size.
    func picture(width: Int, height: Int, variant: Double = 0) -> [UInt8] {
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let u = Double(x) / Double(width), v = Double(y) / Double(height)
                let g = 128 + 100 * sin(7 * u + 3 * v + variant) * cos(5 * v - 2 * u + variant * 2)
                let o = (y * width + x) * 3
                px[o] = UInt8(max(0, min(255, g))); px[o + 1] = UInt8(max(0, min(255, 255 - g))); px[o + 2] = 90
            }
        }
        return px
    }

    func bundle(_ id: String, photo: [UInt8], start: String = "10:15:02", employee: String = "E-1203", device: String = "DEV-0042") -> BundleFixture {
        var b = BundleFixture.valid(id)
        b.files["photos/p-001.jpg"] = photo
        b.edit(["photos", 0, "sha256"], SHA256Hasher.hex(photo).json)
        b.edit(["employee", "id"], employee.json)
        b.set("device_id", device.json)
        // Shift the whole session (and its questionnaire and photo) to `start`.
        let base = Timestamp(rfc3339: "2026-11-20T10:15:02+03:00")!
        let shift = Timestamp(rfc3339: "2026-11-20T\(start)+03:00")!.utcMillis - base.utcMillis
        func moved(_ s: String) -> JSON { .string(Timestamp(rfc3339: s)!.adding(millis: shift).description) }
        b.set("started_at", moved("2026-11-20T10:15:02+03:00"))
        b.set("ended_at", moved("2026-11-20T10:24:40+03:00"))
        b.edit(["recordings", 0, "started_at"], moved("2026-11-20T10:15:03+03:00"))
        b.edit(["photos", 0, "taken_at"], moved("2026-11-20T10:15:10+03:00"))
        b.edit(["questionnaires", 0, "started_at"], moved("2026-11-20T10:15:05+03:00"))
        b.edit(["questionnaires", 0, "submitted_at"], moved("2026-11-20T10:15:40+03:00"))
        for (i, t) in ["10:15:12", "10:15:25", "10:15:38"].enumerated() {
            b.edit(["questionnaires", 0, "answers", .index(i), "answered_at"], moved("2026-11-20T\(t)+03:00"))
        }
        b.remove("callback_requests")
        return b
    }

    func photo(_ variant: Double, width: Int = 192, height: Int = 144, quality: Int = 85, exif: String = "2026:11:20 10:15:10") -> [UInt8] {
        try! PhotoFile.encode(rgb: picture(width: width, height: height, variant: variant), width: width, height: height,
                              quality: quality, exifTime: CivilTime(exif: exif), exifOffset: "+03:00")
    }

    func testReusedPhotoFlagsTheLaterUseEvenWhenTheOriginalArrivesLate() throws {
        let shared = photo(1)
        // The later session arrives first: nothing to compare with yet.
        try importBundles([bundle("S-LATER", photo: shared, start: "12:00:00", employee: "E-2", device: "D-2")])
        XCTAssertEqual(try codes("S-LATER").filter { $0 == .photoReused }, [])
        // The earlier one arrives: the stored later session is flagged, the original is not.
        try importBundles([bundle("S-EARLY", photo: shared, start: "10:15:02", employee: "E-1", device: "D-1")])
        XCTAssertTrue(try codes("S-LATER").contains(.photoReused))
        XCTAssertFalse(try codes("S-EARLY").contains(.photoReused))
        XCTAssertTrue(try store.findings(sessionID: "S-LATER").first { $0.code == .photoReused }!.detail.contains("S-EARLY"))
        // Photo time mismatches aside (the EXIF belongs to the first session), that is all.
        XCTAssertEqual(Set(try codes("S-EARLY")), [])
    }

    func testSimilarPhotoIsCaughtAfterResaveAndResize() throws {
        try importBundles([bundle("S-A", photo: photo(2, exif: "2026:11:20 09:30:08"), start: "09:30:00", employee: "E-1", device: "D-1")])
        let resaved = photo(2, width: 96, height: 72, quality: 60, exif: "2026:11:20 11:30:08")  // half the size, re-saved
        try importBundles([bundle("S-B", photo: resaved, start: "11:30:00", employee: "E-2", device: "D-2"),
                           bundle("S-C", photo: photo(4, exif: "2026:11:20 12:30:08"), start: "12:30:00", employee: "E-3", device: "D-3")])
        let f = try XCTUnwrap(try store.findings(sessionID: "S-B").first { $0.code == .photoSimilar })
        XCTAssertTrue(f.detail.contains("S-A") && f.detail.contains("distance") && f.grade != nil && f.grade! <= .probably, f.detail)
        XCTAssertEqual(f.severity, .fraud, "a graded copy weighs as fraud")
        XCTAssertFalse(try codes("S-C").contains(.photoSimilar), "a different picture is not similar")
        XCTAssertFalse(try codes("S-A").contains(.photoSimilar), "the original is not flagged")
    }

    /// A re-saved copy imported before its original: when the original arrives, the stored copy
    /// is flagged against it (matched the other way round), and the original stays clean.
    func testSimilarPhotoFlagsTheStoredCopyWhenTheOriginalArrivesLate() throws {
        let resaved = photo(2, width: 96, height: 72, quality: 60, exif: "2026:11:20 11:30:08")
        try importBundles([bundle("S-B", photo: resaved, start: "11:30:00", employee: "E-2", device: "D-2")])
        XCTAssertFalse(try codes("S-B").contains(.photoSimilar), "nothing to compare with yet")
        try importBundles([bundle("S-A", photo: photo(2, exif: "2026:11:20 09:30:08"), start: "09:30:00", employee: "E-1", device: "D-1")])
        let f = try XCTUnwrap(try store.findings(sessionID: "S-B").first { $0.code == .photoSimilar })
        XCTAssertTrue(f.detail.contains("of S-A Q1"), f.detail)
        XCTAssertFalse(try codes("S-A").contains(.photoSimilar), "the original is not flagged")
    }

    /// The importer keeps the stored photo hashes in memory between batches and runs. A full
    /// re-check deletes and re-adds every photo use, so row ids now name other photos: the
    /// next import must read the index anew, or a copy of the original would go unnoticed.
    func testOneImporterSeesPhotoUsesRenumberedByARecheck() throws {
        let importer = try Importer(store: store, now: { Timestamp(rfc3339: "2026-11-21T00:00:00Z")! })
        func run(_ b: BundleFixture) throws {
            let spool = dir + "/spool-\(UUID().uuidString)"
            b.write(into: spool)
            XCTAssertEqual(try importer.run(paths: [spool]).rejected, [])
        }
        // Imported in this order, the original's use is row 1; the re-check (by session id) swaps them.
        try run(bundle("S-2-ORIG", photo: photo(2, exif: "2026:11:20 09:30:08"), start: "09:30:00", employee: "E-1", device: "D-1"))
        try run(bundle("S-1-OTHER", photo: photo(4, exif: "2026:11:20 08:30:08"), start: "08:30:00", employee: "E-3", device: "D-3"))
        let originalUse = try store.db.scalar("SELECT id FROM photo_uses WHERE session_id = 'S-2-ORIG'")?.int
        try FraudEngine(store: store, thresholds: FraudThresholds()).recheck()
        XCTAssertNotEqual(try store.db.scalar("SELECT id FROM photo_uses WHERE session_id = 'S-2-ORIG'")?.int, originalUse, "renumbered")
        if !TestStore.isPostgres {
            // SQLite hands the freed row ids out again: row 1 now names the other photo.
            XCTAssertEqual(try store.db.scalar("SELECT session_id FROM photo_uses WHERE id = 1")?.string, "S-1-OTHER")
        }
        let resaved = photo(2, width: 96, height: 72, quality: 60, exif: "2026:11:20 11:30:08")  // half the size, re-saved
        try run(bundle("S-3-COPY", photo: resaved, start: "11:30:00", employee: "E-2", device: "D-2"))
        let f = try XCTUnwrap(try store.findings(sessionID: "S-3-COPY").first { $0.code == .photoSimilar })
        XCTAssertTrue(f.detail.contains("S-2-ORIG"), f.detail)
    }

    func testOverlapFlagsBothSessionsAtImport() throws {
        try importBundles([bundle("S-1", photo: photo(5, exif: "2026:11:20 10:00:08"), start: "10:00:00")])
        XCTAssertEqual(try codes("S-1"), [])
        try importBundles([bundle("S-2", photo: photo(6, exif: "2026:11:20 10:05:08"), start: "10:05:00", device: "D-9")])
        XCTAssertTrue(try codes("S-1").contains(.sessionOverlap), "the stored session is flagged too")
        XCTAssertTrue(try codes("S-2").contains(.sessionOverlap))
        // With a looser threshold, a re-check clears them.
        var loose = FraudThresholds()
        loose.overlapSeconds = 3600
        try FraudEngine(store: store, thresholds: loose).recheck()
        XCTAssertFalse(try codes("S-1").contains(.sessionOverlap))
    }

    func testSilenceIsJudgedOnTheDecodedEnvelope() throws {
        func audio(loudTenths: Int) -> [UInt8] {
            let rate = 8000
            var samples = [Int16](repeating: 0, count: rate * 10)
            for i in 0..<(loudTenths * rate / 10) { samples[i] = Int16(8000 * sin(Double(i) * 0.3)) }
            let path = dir + "/a-\(loudTenths).wav"
            try! AudioFile.write(path: path, samples: samples, sampleRate: rate, format: .wav)
            return try! readFile(path)
        }
        var quiet = bundle("S-QUIET", photo: photo(7, exif: "2026:11:20 10:00:08"), start: "10:00:00", employee: "E-1", device: "D-1")
        var enough = bundle("S-ENOUGH", photo: photo(8, exif: "2026:11:20 13:00:08"), start: "13:00:00", employee: "E-2", device: "D-2")
        for (b, tenths) in [(0, 4), (1, 5)] {
            let bytes = audio(loudTenths: tenths)
            if b == 0 { quiet.files["audio/rec-001.wav"] = bytes; quiet.edit(["recordings", 0, "sha256"], SHA256Hasher.hex(bytes).json) }
            else { enough.files["audio/rec-001.wav"] = bytes; enough.edit(["recordings", 0, "sha256"], SHA256Hasher.hex(bytes).json) }
        }
        try importBundles([quiet, enough])
        XCTAssertTrue(try codes("S-QUIET").contains(.audioSilent), "4 of 100 frames loud")
        XCTAssertFalse(try codes("S-ENOUGH").contains(.audioSilent), "5 of 100 frames loud")
        let stored = try XCTUnwrap(try store.db.scalar("SELECT envelope FROM recordings WHERE session_id = 'S-QUIET'")?.blob)
        XCTAssertEqual(Store.envelope(from: stored).count, 100, "one value per 100 ms, kept for the waveform")
    }

    func testRecheckReproducesImportFindingsAndKeepsFileFindings() throws {
        var gen = SampleGenerator(count: 120, seed: 21)
        gen.tar = false
        let plan = try gen.generate(into: dir + "/gen")
        _ = try Importer(store: store, now: { Timestamp(rfc3339: "2026-11-21T00:00:00Z")! }).run(paths: [dir + "/gen"])
        func keys() throws -> Set<String> {
            Set(try store.findings().map { "\($0.sessionID)|\($0.questionnaireID ?? "")|\($0.file ?? "")|\($0.code.rawValue)" })
        }
        let atImport = try keys()
        XCTAssertFalse(atImport.isEmpty)
        for (id, planted) in plan.planted {
            let found = try codes(id).map(\.rawValue)
            XCTAssertTrue(found.contains(planted), "\(id) should carry \(planted): \(found)")
        }
        XCTAssertEqual(try FraudEngine(store: store, thresholds: FraudThresholds()).recheck(), 120)
        XCTAssertEqual(try keys(), atImport, "a re-check finds what import found")
        try FraudEngine(store: store, thresholds: FraudThresholds()).recheck(session: plan.sessions[37])
        XCTAssertEqual(try keys(), atImport)
    }
}
