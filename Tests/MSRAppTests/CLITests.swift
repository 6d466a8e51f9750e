import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// Runs the built `msreview` and checks its output, exit codes and JSON contracts.
final class CLITests: XCTestCase {
    var dir = ""
    var db = ""

    override func setUp() { dir = makeTempDirectory("cli"); db = TestStore.location(in: dir) }
    override func tearDown() { removeTree(dir) }

    func msreview(_ args: String...) -> ProcessResult { Executable.run(["--db", db] + args) }

    func testHelpAndUsageErrors() {
        let top = Executable.run(["--help"])
        XCTAssertEqual(top.status, 0)
        for c in ["import", "sessions", "show", "samples generate"] { XCTAssertTrue(top.stdout.contains("  " + c), c) }
        let help = msreview("import", "--help")
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("Usage: msreview import PATH..."))
        XCTAssertTrue(help.stdout.contains("--json"))
        let unknown = msreview("frobnicate")
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("unknown command \"frobnicate\""), unknown.stderr)
        let badOption = msreview("sessions", "--colour")
        XCTAssertEqual(badOption.status, 2)
        XCTAssertTrue(badOption.stderr.contains("unknown option --colour"))
        XCTAssertTrue(badOption.stderr.contains("Try 'msreview sessions --help'"))
        XCTAssertEqual(msreview("import").status, 2, "import needs a PATH")
        XCTAssertEqual(msreview("sessions", "--from", "yesterday").status, 2)
    }

    /// Every command stamps time from one clock, which MSREVIEW_NOW pins; a bad value is a usage error.
    func testInjectedClockStampsEveryWrite() throws {
        XCTAssertEqual(msreview("import", Repository.samples).status, 0)
        let at = "2031-03-04T05:06:07Z"
        XCTAssertEqual(Executable.run(["--db", db, "--reviewer", "lena", "reviewers", "add", "lena", "--role", "lead"],
                                      environment: [Clock.variable: at]).status, 0)
        let log = try JSON.parse(Executable.run(["--db", db, "--reviewer", "lena", "log", "--json"]).stdout)
        XCTAssertEqual(log.arrayValue?.last?["at"]?.stringValue, at)
        let bad = Executable.run(["--db", db, "sessions"], environment: [Clock.variable: "tomorrow"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "msreview: MSREVIEW_NOW=tomorrow is not an RFC 3339 moment (e.g. 2026-11-25T12:00:00Z)\n")
    }

    /// One policy for `sessions`, `show` and the workstation: a reviewer sees only what they hold,
    /// without customers' phones; a lead sees all; the one user of a store without reviewers too.
    func testSessionAccessPolicy() throws {
        XCTAssertEqual(msreview("import", Repository.samples).status, 0)
        func ids(_ who: String?) throws -> [String] {
            let r = Executable.run(["--db", db] + (who.map { ["--reviewer", $0] } ?? []) + ["sessions", "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try JSON.parse(r.stdout).arrayValue?.compactMap { $0["session_id"]?.stringValue } ?? []
        }
        XCTAssertEqual(try ids("anyone").count, 8, "a store without reviewers belongs to its one user")
        func as_(_ who: String, _ args: String...) -> ProcessResult { Executable.run(["--db", db, "--reviewer", who] + args) }
        XCTAssertEqual(as_("lena", "reviewers", "add", "lena", "--role", "lead").status, 0)
        XCTAssertEqual(as_("lena", "reviewers", "add", "anna").status, 0)
        XCTAssertEqual(as_("lena", "checklists", "load", Repository.checklists).status, 0)
        XCTAssertEqual(try ids("lena").count, 8)
        XCTAssertEqual(try ids("anna"), [], "a reviewer sees no session before pulling one")
        XCTAssertEqual(as_("anna", "pull").status, 0)
        let mine = try ids("anna")
        XCTAssertEqual(mine.count, 1)
        let other = try XCTUnwrap(try ids("lena").first { !mine.contains($0) })
        let hidden = as_("anna", "show", other)
        XCTAssertEqual(hidden.status, 1)
        XCTAssertEqual(hidden.stderr, "msreview: no session \"\(other)\"\n", "reported as a missing session")
        XCTAssertEqual(as_("mallory", "sessions").status, 1, "an unregistered user on a team store sees nothing")
        // Customers' phones: the lead sees them, the reviewer holding the session does not.
        let withCallback = try XCTUnwrap(try ids("lena").first { id in
            (try? JSON.parse(as_("lena", "show", id, "--json").stdout))?["callback_requests"]?.arrayValue?.isEmpty == false
        })
        let phone = try XCTUnwrap(try JSON.parse(as_("lena", "show", withCallback, "--json").stdout)["callback_requests"]?.arrayValue?.first?["phone"]?.stringValue)
        XCTAssertNotEqual(phone, "(hidden)")
        XCTAssertTrue(as_("lena", "show", withCallback).stdout.contains(phone))
        XCTAssertEqual(as_("anna", "pull", "--count", "8").status, 0)
        XCTAssertEqual(try ids("anna").count, 8)
        let toReviewer = as_("anna", "show", withCallback)
        XCTAssertEqual(toReviewer.status, 0, toReviewer.stderr)
        XCTAssertFalse(toReviewer.stdout.contains(phone), toReviewer.stdout)
        XCTAssertTrue(toReviewer.stdout.contains("(hidden)"), toReviewer.stdout)
        let json = try JSON.parse(as_("anna", "show", withCallback, "--json").stdout)
        XCTAssertEqual(json["callback_requests"]?.arrayValue?.first?["phone"]?.stringValue, "(hidden)")
        XCTAssertNotNil(json["callback_requests"]?.arrayValue?.first?["topic"]?.stringValue, "the topic stays")
    }

    func testStoreIsFoundFromTheEnvironment() throws {
        let spool = dir + "/spool"
        BundleFixture.valid().write(into: spool)
        let xdg = dir + "/xdg"
        let r = Executable.run(["import", spool], environment: ["XDG_DATA_HOME": xdg, "MSREVIEW_DB": ""])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: xdg + "/msreview/msreview.sqlite"))
        let env = Executable.run(["sessions", "--json"], environment: ["MSREVIEW_DB": xdg + "/msreview/msreview.sqlite"])
        XCTAssertTrue(env.stdout.contains("S-20261120-0001"))
    }

    func testImportJSONReportMatchesTheSpec() throws {
        let spool = dir + "/spool"
        BundleFixture.valid().write(into: spool)
        var bad = BundleFixture.valid("S-BAD")
        bad.set("format", "nope".json)
        bad.write(into: spool)
        try writeFile(spool + "/README.txt", Array("x".utf8))
        let r = msreview("import", spool, "--json")
        XCTAssertEqual(r.status, 1, "a rejected bundle makes the batch command fail")
        let j = try JSON.parse(r.stdout)
        XCTAssertEqual(j.objectValue?.map(\.0), ["imported", "unchanged", "rejected", "warnings"])
        XCTAssertEqual(j["imported"], .number(1))
        XCTAssertEqual(j["unchanged"], .number(0))
        XCTAssertEqual(j["rejected"]?.arrayValue?.first?["path"], .string(spool + "/S-BAD"))
        XCTAssertTrue(j["rejected"]?.arrayValue?.first?["error"]?.stringValue?.contains("format") ?? false)
        XCTAssertEqual(j["warnings"]?.arrayValue?.count, 1)
        XCTAssertEqual(r.stderr, "", "no progress noise when stderr is not a terminal")
        let again = msreview("import", spool + "/S-20261120-0001", "--json")
        XCTAssertEqual(again.status, 0)
        XCTAssertEqual(try JSON.parse(again.stdout)["unchanged"], .number(1))
    }

    func testSessionsAndShow() throws {
        let spool = dir + "/spool"
        BundleFixture.valid("S-1").write(into: spool)
        var other = BundleFixture.valid("S-2", photoSeed: 2)
        other.edit(["employee", "id"], "E-9".json)
        other.edit(["location", "id"], "BR-2".json)
        other.set("started_at", "2026-11-21T10:15:02+03:00".json)
        other.set("ended_at", "2026-11-21T10:24:40+03:00".json)
        other.files["photos/p-001.jpg"] = MediaFixtures.jpeg(seed: 77)
        other.write(into: spool)
        XCTAssertEqual(msreview("import", spool).status, 0)

        let all = try JSON.parse(msreview("sessions", "--json").stdout)
        XCTAssertEqual(all.arrayValue?.compactMap { $0["session_id"]?.stringValue }, ["S-1", "S-2"])
        let first = try XCTUnwrap(all.arrayValue?.first)
        XCTAssertEqual(first.objectValue?.map(\.0), ["session_id", "started_at", "ended_at", "location_id", "location_name",
                                                      "employee_id", "employee_name", "device_id", "checklist", "status", "findings",
                                                      "reviewer", "claim_expires_at"])
        func ids(_ args: String...) throws -> [String] {
            let r = Executable.run(["--db", db, "sessions", "--json"] + args)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try JSON.parse(r.stdout).arrayValue?.compactMap { $0["session_id"]?.stringValue } ?? []
        }
        XCTAssertEqual(try ids("--employee", "E-9"), ["S-2"])
        XCTAssertEqual(try ids("--location", "BR-017"), ["S-1"])
        XCTAssertEqual(try ids("--from", "2026-11-21"), ["S-2"])
        XCTAssertEqual(try ids("--to", "2026-11-20"), ["S-1"])
        XCTAssertEqual(try ids("--from", "2026-11-20T08:00:00Z", "--to", "2026-11-21T23:00:00+03:00"), ["S-2"])
        XCTAssertEqual(try ids("--status", "new", "--status", "approved"), ["S-1", "S-2"])
        XCTAssertEqual(try ids("--status", "approved"), [])
        XCTAssertEqual(try ids("--flagged"), ["S-2"], "S-2's photo does not match its sha256")

        let text = msreview("sessions")
        XCTAssertTrue(text.stdout.contains("Анна Петрова"))
        XCTAssertTrue(text.stdout.contains("1 integrity"))

        let show = msreview("show", "S-2")
        XCTAssertEqual(show.status, 0)
        XCTAssertTrue(show.stdout.contains("audio/rec-001.wav"))
        XCTAssertTrue(show.stdout.contains("0:02"), show.stdout)
        XCTAssertTrue(show.stdout.contains("EXIF 2026-11-20 10:15:10"))
        XCTAssertTrue(show.stdout.contains("rate_specialist (scale5) = 5"))
        XCTAssertTrue(show.stdout.contains("file-tampered"))
        let sj = try JSON.parse(msreview("show", "S-1", "--json").stdout)
        XCTAssertEqual(sj["recordings"]?.arrayValue?.first?["duration_ms"], .number(2000))
        XCTAssertEqual(sj["photos"]?.arrayValue?.first?["exif_time"], .string("2026-11-20 10:15:10"))
        XCTAssertEqual(sj["questionnaires"]?.arrayValue?.first?["answers"]?.arrayValue?.count, 3)
        XCTAssertEqual(sj["hours"]?["open"], .string("09:00"))
        XCTAssertEqual(sj["findings"], .array([]))

        let missing = msreview("show", "S-404")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no session \"S-404\""))
    }

    func testUnopenableStoreIsOneClearLine() {
        let r = Executable.run(["--db", "/proc/no/such/dir/s.sqlite", "import", Repository.samples])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("msreview: cannot open the store /proc/no/such/dir/s.sqlite"), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1)
    }

    /// A mistyped --db is an error for every command that only reads or changes what is stored,
    /// and leaves nothing behind; only the commands that put something in create a store.
    func testReadingCommandsNeverCreateAStore() throws {
        let typo = dir + "/typo/s.sqlite"
        for args in [["sessions"], ["show", "S-1"], ["export", "reviews"], ["scorecards", "--json"], ["fraud"], ["pull"],
                     ["audit", "reviewers"], ["log"], ["checklists", "list"], ["reviewers", "list"]] {
            let r = Executable.run(["--db", typo] + args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr, "msreview: no store at \(typo) (import bundles first, or give --db PATH)\n", "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/typo"), "\(args) created the store's directory")
        }
        XCTAssertEqual(Executable.run(["--db", typo, "import", Repository.samples]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: typo))
    }

    /// kill -9 in the middle of a large import: no partial session, and a rerun completes.
    func testKillDuringImportLeavesNoPartialSessionAndRerunCompletes() throws {
        let spool = dir + "/spool"
        let total = 600
        _ = try SampleGenerator(count: total, seed: 11).generate(into: spool)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Executable.path)
        p.arguments = ["--db", db, "import", spool]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until at least one batch is committed, then kill without warning.
        var seen = 0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, p.isRunning {
            if let s = try? Store(path: db, readOnly: true), let n = try? s.sessionCount(), n > 0 { seen = n; break }
            usleep(20_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertGreaterThan(seen, 0)

        let store = try Store(path: db)
        XCTAssertEqual(try store.integrityCheck(), "ok")
        let stored = try store.sessionCount()
        XCTAssertLessThan(stored, total, "the kill landed mid-import")
        // Every stored session is whole: its rows match its own manifest.
        try store.db.forEach("SELECT s.id, m.bytes FROM sessions s LEFT JOIN manifests m ON m.session_id = s.id") { row in
            let id = row.text(0)!
            let m = try Manifest.parse(try XCTUnwrap(row[1].blob, "\(id) has no manifest"))
            let recs = try store.db.scalar("SELECT count(*) FROM recordings WHERE session_id = ?", [.text(id)])?.int
            let photos = try store.db.scalar("SELECT count(*) FROM photos WHERE session_id = ?", [.text(id)])?.int
            let answers = try store.db.scalar("SELECT count(*) FROM answers WHERE session_id = ?", [.text(id)])?.int
            XCTAssertEqual(recs, Int64(m.recordings.count), id)
            XCTAssertEqual(photos, Int64(m.photos.count), id)
            XCTAssertEqual(answers, Int64(m.questionnaires.reduce(0) { $0 + $1.answers.count }), id)
            return true
        }
        let rerun = msreview("import", spool, "--json")
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let j = try JSON.parse(rerun.stdout)
        XCTAssertEqual(j["imported"]?.numberValue.map(Int.init), total - stored)
        XCTAssertEqual(j["unchanged"]?.numberValue.map(Int.init), stored)
        XCTAssertEqual(try store.sessionCount(), total)
    }
}

final class ChecklistCLITests: XCTestCase {
    func testValidateReportsFileAndLine() throws {
        let dir = makeTempDirectory("checklists")
        defer { removeTree(dir) }
        try writeFile(dir + "/good.checklist", Array("id: good\nversion: 1\n[s] S\n- a: Поздоровался\n  kind: scale 5\n".utf8))
        try writeFile(dir + "/bad.checklist", Array("id: bad\nversion: 1\n[s] S\n- a: A\n  kind: stars\n  weight: 0\n".utf8))
        let ok = Executable.run(["checklists", "validate", dir + "/good.checklist"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("ok — good v1, 1 sections, 1 items, pass 80.0%"), ok.stdout)
        let bad = Executable.run(["checklists", "validate", dir + "/good.checklist", dir + "/bad.checklist"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stdout.contains(dir + "/bad.checklist:5: kind must be yesno, scale N or points N"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains(dir + "/bad.checklist:6: weight must be a number above 0"), bad.stdout)
        let json = try JSON.parse(Executable.run(["checklists", "validate", dir + "/bad.checklist", "--json"]).stdout)
        XCTAssertEqual(json.arrayValue?.first?["line"], .number(5))
        XCTAssertEqual(json.arrayValue?.count, 2)
    }
}

final class FraudCLITests: XCTestCase {
    func testFraudCommandFormatsAndExplain() throws {
        let dir = makeTempDirectory("fraud-cli")
        defer { removeTree(dir) }
        let db = dir + "/s.sqlite"
        XCTAssertEqual(Executable.run(["--db", db, "import", Repository.samples]).status, 0)
        let json = try JSON.parse(Executable.run(["--db", db, "fraud", "--format", "json"]).stdout)
        let findings = try XCTUnwrap(json.arrayValue)
        XCTAssertEqual(findings.first?.objectValue?.map(\.0), ["session_id", "questionnaire_id", "file", "code", "severity", "detail", "id", "decision"],
                       "the bundle format's fields first, in its order; then the id and a lead's decision")
        let keys = findings.map { "\($0["session_id"]!.stringValue!) \($0["code"]!.stringValue!)" }
        for expected in ["S-20261120-0003 photo-reused", "S-20261120-0004 photo-missing", "S-20261120-0004 answers-too-fast",
                         "S-20261120-0006 session-overlap", "S-20261120-0007 file-tampered", "S-20261120-0007 photo-time-mismatch",
                         "S-20261120-0008 audio-silent", "S-20261120-0008 outside-hours"] {
            XCTAssertTrue(keys.contains(expected), "missing \(expected) in \(keys)")
        }
        XCTAssertFalse(keys.contains { $0.hasPrefix("S-20261120-0005") }, "EXIF without offset in Vladivostok is clean")
        let sorted = findings.map { [$0["session_id"]!.stringValue!, $0["questionnaire_id"]?.stringValue ?? "", $0["code"]!.stringValue!] }
        XCTAssertEqual(sorted, sorted.sorted { $0.lexicographicallyPrecedes($1) }, "sorted by session, questionnaire, code")

        let fraudOnly = try JSON.parse(Executable.run(["--db", db, "fraud", "--json", "--severity", "fraud"]).stdout)
        XCTAssertEqual(Set(fraudOnly.arrayValue!.compactMap { $0["code"]?.stringValue }), ["photo-reused", "photo-missing"])
        let csv = Executable.run(["--db", db, "fraud", "--format", "csv", "--session", "S-20261120-0004"]).stdout
        XCTAssertTrue(csv.hasPrefix("session_id,questionnaire_id,file,code,severity,detail,id,decision,decision_reason,decided_by,decided_at\r\n"), csv)
        XCTAssertEqual(csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, 3)

        // A looser threshold for one run: the too-fast answers pass, and a re-check stores that.
        let loose = Executable.run(["--db", db, "fraud", "--recheck", "--json", "--session", "S-20261120-0004", "--set", "min_seconds_per_answer=0.5"])
        XCTAssertEqual(loose.status, 0, loose.stderr)
        XCTAssertFalse(loose.stdout.contains("answers-too-fast"))
        XCTAssertTrue(Executable.run(["--db", db, "fraud", "--recheck", "--json"]).stdout.contains("answers-too-fast"))

        let explain = Executable.run(["fraud", "--explain", "photo-time-mismatch", "--set", "exif_tolerance_seconds=300"])
        XCTAssertTrue(explain.stdout.contains("300 s"), explain.stdout)
        XCTAssertEqual(Executable.run(["fraud", "--explain", "nope"]).status, 2)
        XCTAssertEqual(Executable.run(["fraud", "--set", "silent_dbfs=5"]).status, 2)
        let flagged = try JSON.parse(Executable.run(["--db", db, "sessions", "--flagged", "--json"]).stdout)
        XCTAssertEqual(flagged.arrayValue?.compactMap { $0["session_id"]?.stringValue }.sorted(),
                       ["S-20261120-0003", "S-20261120-0004", "S-20261120-0006", "S-20261120-0007", "S-20261120-0008"])
        XCTAssertTrue(Executable.run(["--db", db, "show", "S-20261120-0008"]).stdout.contains("audio-silent"))
    }
}
