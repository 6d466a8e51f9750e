import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTerminal
import MSRTestSupport
import MSRWorkstation
import XCTest

/// Hostile input, round 2: settings and files with bounds, output that cannot be turned against
/// its reader (terminal control characters, device and link outputs, write errors), and usage
/// errors for unknown values. Each test is one class of what broke.
final class HostileOutputTests: XCTestCase {
    var dir = ""
    var db: String { dir + "/s.sqlite" }

    override func setUp() { dir = makeTempDirectory("hostile-out") }
    override func tearDown() { removeTree(dir) }

    func msreview(_ args: String..., env: [String: String] = [:]) -> ProcessResult {
        Executable.run(["--db", db] + args, environment: ["XDG_CONFIG_HOME": dir + "/config"].merging(env) { $1 })
    }

    func assertUsageError(_ r: ProcessResult, naming: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(naming), r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("msreview: "), r.stderr, file: file, line: line)
    }

    /// Every setting has a range; a value outside it is a usage error naming it, from --set or
    /// the config file, before anything runs (values like these once crashed with a trap).
    func testSettingsOutsideTheirRangeAreUsageErrors() throws {
        XCTAssertEqual(msreview("import", Repository.samples).status, 0)
        for (key, value) in [("claim_hours", "3e12"), ("window_seconds", "1e300"), ("future_seconds", "1e18"), ("similar_distance", "16"),
                             ("claim_hours", "nan"), ("claim_hours", "inf"), ("overlap_seconds", "-1"), ("media_cache_mb", "1")] {
            assertUsageError(msreview("--set", "\(key)=\(value)", "pull"), naming: key)
        }
        for key in Config.defaults.keys { XCTAssertNotNil(Config.ranges[key], "\(key) has a range") }
        try makeDirectories(dir + "/config/msreview")
        try writeFile(dir + "/config/msreview/config", Array("# team\nfuture_seconds = 1e18\n".utf8))
        let r = msreview("import", Repository.samples)
        assertUsageError(r, naming: "config:2: future_seconds needs a number from 0 to")
        for age in ["99999999999999d", "36526d", "0d", "5y", "-3d"] {
            assertUsageError(msreview("--reviewer", "x", "purge", "--older-than", age, env: ["XDG_CONFIG_HOME": dir + "/none"]), naming: "--older-than AGE")
        }
    }

    /// A config, answers or checklist file given as an endless file is refused at its bound.
    func testEndlessInputFilesAreRefusedAtTheirBound() throws {
        try makeDirectories(dir + "/config/msreview")
        XCTAssertEqual(symlink("/dev/zero", dir + "/config/msreview/config"), 0)
        assertUsageError(msreview("sessions"), naming: "over the 64 KiB a config file may hold")
        let env = ["XDG_CONFIG_HOME": dir + "/none"]
        XCTAssertEqual(msreview("import", Repository.samples, env: env).status, 0)
        XCTAssertEqual(msreview("--reviewer", "lena", "reviewers", "add", "lena", "--role", "lead", env: env).status, 0)
        XCTAssertEqual(msreview("--reviewer", "lena", "checklists", "load", Repository.checklists, env: env).status, 0)
        XCTAssertEqual(msreview("--reviewer", "lena", "pull", env: env).status, 0)
        let session = try XCTUnwrap(try Store(path: db).reviews(reviewer: "lena").first?.sessionID)
        let answers = msreview("--reviewer", "lena", "score", session, "--answers", "/dev/zero", env: env)
        XCTAssertEqual(answers.status, 1)
        XCTAssertTrue(answers.stderr.contains("over the 4 MiB an answers file may hold"), answers.stderr)
        let checklist = msreview("checklists", "validate", "/dev/zero", env: env)
        XCTAssertEqual(checklist.status, 1)
        XCTAssertTrue(checklist.stdout.contains("/dev/zero:0:"), checklist.stdout)
        let load = msreview("--reviewer", "lena", "checklists", "load", "/dev/zero", env: env)
        XCTAssertEqual(load.status, 1)
        XCTAssertTrue(load.stderr.contains("over the 1 MiB a checklist file may hold"), load.stderr)
    }

    /// Unknown values of enumerated options are usage errors, not empty results.
    func testUnknownStatusIsAUsageError() {
        XCTAssertEqual(msreview("import", Repository.samples).status, 0)
        assertUsageError(msreview("sessions", "--status", "bogus"), naming: "--status is one of new, claimed")
        XCTAssertEqual(msreview("sessions", "--status", "new").status, 0)
    }

    /// Bundle-supplied names with ESC, BEL, CR and newlines reach no terminal raw: text output
    /// shows them as escapes (no forged report line), JSON escapes them.
    func testControlCharactersInBundleTextAreMadeVisible() throws {
        var b = BundleFixture.valid("S-EVIL-0001")
        b.edit(["location", "name"], "\u{1B}[31mRed\u{07}\rForged line\nimported 99".json)
        b.edit(["employee", "name"], "Анна\u{202E}etaP\u{9B}2J".json)
        b.write(into: dir + "/spool")
        let imported = msreview("import", dir + "/spool")
        XCTAssertEqual(imported.status, 0, imported.stderr)
        for args in [["sessions"], ["show", "S-EVIL-0001"], ["fraud"]] {
            let out = Executable.run(["--db", db] + args).stdout
            for raw in ["\u{1B}", "\u{07}", "\r", "\u{202E}", "\u{9B}"] { XCTAssertFalse(out.contains(raw), "\(args): \(out.debugDescription)") }
            XCTAssertFalse(out.contains("\nimported 99"), "no forged line")
        }
        let show = msreview("show", "S-EVIL-0001").stdout
        XCTAssertTrue(show.contains("\\x1B[31mRed\\x07\\x0DForged line\\x0Aimported 99"), show)
        XCTAssertTrue(show.contains("Анна\\u202EetaP\\x9B2J"), show)
        let json = msreview("show", "S-EVIL-0001", "--json").stdout
        XCTAssertTrue(json.contains("\\u001b[31mRed\\u0007\\rForged line\\nimported 99"), json)
        XCTAssertTrue(json.contains("\\u009b"), json)
        XCTAssertEqual(try JSON.parse(json)["location_name"]?.stringValue, "\u{1B}[31mRed\u{07}\rForged line\nimported 99", "kept whole in the store")
        XCTAssertEqual(TerminalText.visible("ok"), "ok")
    }

    /// The workstation draws the same text as visible escapes, in the queue and the session.
    func testTheWorkstationShowsControlCharactersAsEscapes() throws {
        var b = BundleFixture.valid("S-EVIL-0002")
        b.edit(["location", "name"], "\u{1B}]0;pwned\u{07}".json)
        b.edit(["employee", "name"], "Анна\u{1B}[2J".json)
        b.write(into: dir + "/spool")
        XCTAssertEqual(msreview("import", dir + "/spool").status, 0)
        let ws = try Workstation(store: try Store(path: db), reviewer: "solo", config: Config(), device: "null", width: 120, height: 30)
        ws.dispatch(.key(.enter))
        XCTAssertEqual(ws.state.screen, .session)
        let text = view(ws.state).text
        XCTAssertEqual(text.unicodeScalars.filter { TerminalText.isUnsafe($0.value) && $0 != "\n" }.map(\.value), [], text)
        XCTAssertTrue(text.contains("Анна\\x1B[2J"), text)
    }

    /// --out replaces only a regular file (or makes a new one): never a device, FIFO, link or directory.
    func testOutputGoesOnlyToARegularFileOrANewName() throws {
        XCTAssertEqual(msreview("import", Repository.samples).status, 0)
        XCTAssertEqual(symlink(dir + "/target.csv", dir + "/link.csv"), 0)
        XCTAssertEqual(mkfifo(dir + "/fifo", 0o600), 0)
        try makeDirectories(dir + "/folder")
        for (out, kind) in [("/dev/full", "a character device"), (dir + "/link.csv", "a symbolic link"), (dir + "/fifo", "a FIFO"), (dir + "/folder", "a directory")] {
            let r = msreview("export", "findings", "--out", out)
            XCTAssertEqual(r.status, 1, out)
            XCTAssertEqual(r.stderr, "msreview: \(out) is \(kind), not a regular file: give a new name or a regular file to replace\n")
        }
        var st = stat()
        XCTAssertEqual(lstat("/dev/full", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "the device is still a device")
        XCTAssertEqual(lstat(dir + "/link.csv", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFLNK)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/target.csv"))
        try writeFile(dir + "/old.csv", Array("old".utf8))
        XCTAssertEqual(msreview("export", "findings", "--out", dir + "/old.csv").status, 0)
        XCTAssertEqual(msreview("export", "findings", "--out", dir + "/new.csv").status, 0)
        XCTAssertTrue(String(decoding: try readFile(dir + "/old.csv"), as: UTF8.self).hasPrefix("session_id,"))
    }

    /// Every command checks its writes: a full disk on standard output is exit 1 with one line;
    /// a closed pipe ends the command quietly.
    func testWriteErrorsOnStandardOutputAreFailures() throws {
        XCTAssertEqual(msreview("import", Repository.samples).status, 0)
        for args in [["sessions", "--json"], ["sessions"], ["show", "S-20261120-0001"], ["export", "findings"], ["fraud", "--format", "csv"], ["--help"]] {
            let script = "'\(Executable.path)' --db '\(db)' \(args.joined(separator: " ")) > /dev/full 2> '\(dir)/err'; echo $? > '\(dir)/rc'"
            XCTAssertEqual(system(script), 0)
            let rc = String(decoding: try readFile(dir + "/rc"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let err = String(decoding: try readFile(dir + "/err"), as: UTF8.self)
            XCTAssertEqual(rc, "1", "\(args): \(err)")
            XCTAssertEqual(err.filter { $0 == "\n" }.count, 1, "\(args): \(err)")
            XCTAssertTrue(err.contains("No space left on device"), "\(args): \(err)")
        }
        // A reader that stops early (more output than a pipe holds): no message, the command just ends.
        _ = try SampleGenerator(count: 400, seed: 3).generate(into: dir + "/spool")
        XCTAssertEqual(msreview("import", dir + "/spool").status, 0)
        for args in ["sessions --json", "sessions", "export questionnaires"] {
            XCTAssertEqual(system("'\(Executable.path)' --db '\(db)' \(args) 2> '\(dir)/err' | head -c 10 > /dev/null"), 0)
            XCTAssertEqual(String(decoding: try readFile(dir + "/err"), as: UTF8.self), "", args)
        }
    }
}

/// Faults and odd states, round 2: what a killed import leaves behind is reclaimed; ids that
/// start with "-" are reachable after `--`.
final class OddStateTests: XCTestCase {
    var dir = ""
    var db: String { dir + "/s.sqlite" }

    override func setUp() { dir = makeTempDirectory("odd") }
    override func tearDown() { removeTree(dir) }

    func testTheNextImportReclaimsWhatAKilledImportLeftBehind() throws {
        // A real kill -9 in the middle of a tar import, then leftovers of two more dead imports.
        var gen = SampleGenerator(count: 300, seed: 21)
        gen.tar = true
        _ = try gen.generate(into: dir + "/spool")
        let p = Executable.runAsync(["--db", db, "import", dir + "/spool"])
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, p.isRunning, ((try? Store(path: db, readOnly: true).sessionCount()) ?? 0) == 0 { usleep(10_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let tmp = Store.mediaRoot(for: db) + "/tmp"
        try makeDirectories(tmp + "/bundle-999999-7/audio")
        try writeFile(tmp + "/bundle-999999-7/audio/big.flac", [UInt8](repeating: 1, count: 1 << 20))
        try writeFile(tmp + "/ingest-old", [1, 2, 3])
        var old = [timeval(tv_sec: 1_000_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000_000, tv_usec: 0)]
        XCTAssertEqual(utimes(tmp + "/ingest-old", &old), 0)
        try makeDirectories(tmp + "/bundle-\(getpid())-1")  // a live import's (this process is alive)
        let before = (directoryEntries(tmp) ?? []).count
        let rerun = Executable.run(["--db", db, "import", dir + "/spool", "--json"])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let warnings = try JSON.parse(rerun.stdout)["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertTrue(warnings.contains("removed \(before - 1) leftover(s) of killed imports from the media store's tmp/"),
                      "every leftover of a dead import, and nothing else: \(warnings)")
        XCTAssertEqual(directoryEntries(tmp) ?? [], ["bundle-\(getpid())-1"])
        XCTAssertEqual(try Store(path: db).sessionCount(), 300)
    }

    func testIdsThatStartWithADashAreReachableAfterDoubleDash() throws {
        var b = BundleFixture.valid("-2-3")
        b.write(into: dir + "/spool")
        XCTAssertEqual(Executable.run(["--db", db, "import", dir + "/spool"]).status, 0)
        let plain = Executable.run(["--db", db, "show", "-2-3"])
        XCTAssertEqual(plain.status, 2)
        XCTAssertTrue(plain.stderr.contains("goes after --"), plain.stderr)
        // Global options before the command still apply with --.
        let shown = Executable.run(["--db", db, "show", "--", "-2-3"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.hasPrefix("Session   -2-3"), shown.stdout)
        XCTAssertEqual(Executable.run(["--db", db, "show", "--json", "--", "-2-3"]).status, 0)
    }
}

/// A bundle never stops the spool: whatever is wrong with one bundle rejects that bundle, with
/// its reason, and the import goes on; every bundle has bounds.
final class SpoolTests: XCTestCase {
    var dir = ""
    var db: String { dir + "/s.sqlite" }

    override func setUp() { dir = makeTempDirectory("spool") }
    override func tearDown() { removeTree(dir) }

    func testNamesTheFileSystemCannotHoldAndOversizedMembersRejectOnlyTheirBundle() throws {
        let spool = dir + "/spool"
        try makeDirectories(spool)
        let long = String(repeating: "n", count: 300)
        _ = BundleFixture.valid("S-A-LONGNAME").writeTar(into: spool, extra: [TarEntry(name: "S-A-LONGNAME/" + long, data: [1])])
        let deep = (0..<25).map { _ in String(repeating: "d", count: 200) }.joined(separator: "/")
        _ = BundleFixture.valid("S-B-DEEPPATH").writeTar(into: spool, extra: [TarEntry(name: "S-B-DEEPPATH/" + deep + "/x", data: [1])])
        // A header that claims 3 GiB: refused before a byte is written.
        let huge = spool + "/S-C-HUGE.tar"
        XCTAssertEqual(system("""
            python3 -c "import tarfile,io,sys; t=tarfile.TarInfo('S-C-HUGE/audio/big.wav'); t.size=3<<30; sys.stdout.buffer.write(t.tobuf(format=tarfile.GNU_FORMAT))" > '\(huge)'
            """), 0)
        BundleFixture.valid("S-D-FINE", photoSeed: 4).write(into: spool)
        let r = Executable.run(["--db", db, "import", spool, "--json"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let report = try JSON.parse(r.stdout)
        XCTAssertEqual(report["imported"]?.numberValue, 1, "the good bundle after them is stored")
        let reasons = (report["rejected"]?.arrayValue ?? []).map { ($0["path"]?.stringValue ?? "", $0["error"]?.stringValue ?? "") }
        XCTAssertEqual(reasons.count, 3, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.0.hasSuffix("S-A-LONGNAME.tar.gz") && $0.1.contains("name component over 255 bytes") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.0.hasSuffix("S-B-DEEPPATH.tar.gz") && $0.1.contains("has a path over") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.0.hasSuffix("S-C-HUGE.tar") && $0.1.contains("over the 1 GiB a member may hold") }, "\(reasons)")
        XCTAssertFalse(r.stderr.contains("import stopped"), r.stderr)
        // The same on every rerun: nothing is stopped, the rejections are logged again.
        let again = Executable.run(["--db", db, "import", spool, "--json"])
        XCTAssertEqual(try JSON.parse(again.stdout)["unchanged"]?.numberValue, 1)
        XCTAssertEqual(try JSON.parse(again.stdout)["rejected"]?.arrayValue?.count, 3)
    }

    /// An unlisted member is never unpacked, wherever it stands: 256 MiB of zeros (256 KiB as
    /// .tar.gz) before the manifest imports on a 24 MiB disk, with the file named in a warning.
    func testUnlistedMembersAreNeverUnpacked() throws {
        let spool = dir + "/spool", staging = dir + "/staging"
        try makeDirectories(spool)
        let fixture = BundleFixture.valid("S-UNLISTED")
        _ = fixture.write(into: staging)
        let archive = spool + "/S-UNLISTED.tar.gz"
        XCTAssertEqual(system("""
            cd '\(staging)' && python3 -c "
            import tarfile, io, os, sys
            class Zeros(io.RawIOBase):
                def __init__(self, n): self.n = n
                def readable(self): return True
                def readinto(self, b):
                    k = min(len(b), self.n); b[:k] = bytes(k); self.n -= k; return k
            with tarfile.open(sys.argv[1], 'w:gz', compresslevel=1) as t:
                t.add('S-UNLISTED', recursive=False)
                big = tarfile.TarInfo('S-UNLISTED/cache/dump.bin'); big.size = 256 << 20
                t.addfile(big, io.BufferedReader(Zeros(big.size)))
                t.add('S-UNLISTED/session.json')
                for root, _, files in os.walk('S-UNLISTED'):
                    for f in sorted(files):
                        if f != 'session.json': t.add(os.path.join(root, f))
            " '\(archive)'
            """), 0)
        var store = db
        if getuid() == 0, system("mkdir -p '\(dir)/small' && mount -t tmpfs -o size=24m tmpfs '\(dir)/small' 2>/dev/null") == 0 {
            store = dir + "/small/s.sqlite"
        } else {
            print("SpoolTests: not root, so no small disk: checking the warning only")
        }
        defer { _ = system("umount -l '\(dir)/small' 2>/dev/null") }
        let r = Executable.run(["--db", store, "import", spool, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try JSON.parse(r.stdout)
        XCTAssertEqual(report["imported"]?.numberValue, 1, r.stdout)
        let warnings = report["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertTrue(warnings.contains { $0.contains("1 file(s) not named by the manifest ignored: cache/dump.bin") }, "\(warnings)")
        XCTAssertEqual(try Store(path: store, readOnly: true).sessionCount(), 1)
    }

    /// A manifest near the 1 MiB cap (7,500 questionnaires on one photo) imports whole, with its
    /// findings once each; reviewers pulling meanwhile never see "database is locked".
    func testALargeManifestImportsWholeAndPullsNeverFailMeanwhile() throws {
        let spool = dir + "/spool"
        _ = try SampleGenerator(count: 300, seed: 8).generate(into: spool)
        XCTAssertEqual(system("python3 '\(Repository.root)/tools/big-manifest.py' 7500 '\(spool)/S-QUAD' > /dev/null"), 0)
        XCTAssertEqual(Executable.run(["--db", db, "import", Repository.samples]).status, 0)
        XCTAssertEqual(Executable.run(["--db", db, "--reviewer", "lena", "reviewers", "add", "lena", "--role", "lead"]).status, 0)
        XCTAssertEqual(Executable.run(["--db", db, "--reviewer", "lena", "reviewers", "add", "anna"]).status, 0)
        let importer = Executable.runAsync(["--db", db, "import", spool])
        var pulls = 0
        var failures: [String] = []
        while importer.isRunning {
            let r = Executable.run(["--db", db, "--reviewer", "anna", "pull"])
            if r.status != 0 { failures.append(r.stderr) }
            pulls += 1
        }
        importer.waitUntilExit()
        XCTAssertEqual(importer.terminationStatus, 0)
        XCTAssertEqual(failures, [], "a pull failed while the import ran")
        XCTAssertGreaterThan(pulls, 0)
        let store = try Store(path: db)
        let quad = try XCTUnwrap(try store.session("S-QUAD-7500"))
        XCTAssertEqual(quad.questionnaires.count, 7500)
        let keys = quad.findings.map { "\($0.code.rawValue) \($0.questionnaireID ?? "") \($0.file ?? "")" }
        XCTAssertEqual(keys.count, Set(keys).count, "each finding once")
    }
}

/// Media are what they decode to, not what their headers say (real FLAC and OGG from libsndfile,
/// then lied about or cut short).
final class DecodedMediaTests: XCTestCase {
    var dir = ""
    var db: String { dir + "/s.sqlite" }

    override func setUp() { dir = makeTempDirectory("decoded") }
    override func tearDown() { removeTree(dir) }

    func importOne(_ id: String, format: AudioFile.WriteFormat, _ mangle: ([UInt8]) -> [UInt8]) throws -> (durationMs: Double?, findings: [String]) {
        var b = BundleFixture.valid(id, audio: format)
        let file = "audio/rec-001." + format.rawValue
        let bytes = mangle(MediaFixtures.audio(format, seconds: 2))
        b.files[file] = bytes
        b.edit(["recordings", 0, "sha256"], SHA256Hasher.hex(bytes).json)
        b.write(into: dir + "/spool-" + id)
        let r = Executable.run(["--db", db, "import", dir + "/spool-" + id])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try JSON.parse(Executable.run(["--db", db, "show", id, "--json"]).stdout)
        let duration = s["recordings"]?.arrayValue?.first?["duration_ms"]?.numberValue
        let findings = (s["findings"]?.arrayValue ?? []).filter { $0["file"]?.stringValue == file }
            .map { ($0["code"]?.stringValue ?? "") + ": " + ($0["detail"]?.stringValue ?? "") }
        return (duration, findings)
    }

    func testAHeaderThatClaimsHoursIsNotTheDuration() throws {
        // FLAC STREAMINFO's 36-bit total-samples field set to 5.9 hours at 8 kHz.
        let (duration, findings) = try importOne("S-FLAC-LIES", format: .flac) { b in
            var b = b
            let total: UInt64 = 5_9 * 360 * 8000 + 123
            b[21] = (b[21] & 0xF0) | UInt8((total >> 32) & 0x0F)
            for k in 0..<4 { b[22 + k] = UInt8((total >> (24 - 8 * UInt64(k))) & 0xFF) }
            return b
        }
        XCTAssertEqual(try XCTUnwrap(duration), 2000, accuracy: 150, "the decoded duration, not 5.9 hours")
        XCTAssertTrue(findings.contains { $0.hasPrefix("file-unreadable: does not decode to its end: 0:02") && $0.contains("5:54:00") }, "\(findings)")
    }

    func testTruncatedFLACAndOGGGetAnIntegrityFindingWithTheDecodedDuration() throws {
        // Cut at several points: libsndfile either refuses the file (malformed) or opens it with a
        // length it cannot know; either way the finding says so, with what decodes.
        for (format, share) in [(AudioFile.WriteFormat.flac, 55), (.ogg, 55), (.ogg, 80), (.ogg, 95)] {
            let id = "S-CUT-\(format.rawValue.uppercased())-\(share)"
            let (duration, findings) = try importOne(id, format: format) { Array($0.prefix($0.count * share / 100)) }
            XCTAssertFalse(findings.contains { $0.contains("over 6 hours") }, "\(findings)")
            XCTAssertTrue(findings.contains { $0.hasPrefix("file-unreadable: ") }, "\(format) \(share)%: \(findings)")
            if let ms = duration {
                XCTAssertLessThan(ms, 1800, "\(format) \(share)%: what decodes, not the header's 2 s")
                XCTAssertTrue(findings.contains { $0.hasPrefix("file-unreadable: does not decode to its end") }, "\(format) \(share)%: \(findings)")
            }
        }
    }
}
