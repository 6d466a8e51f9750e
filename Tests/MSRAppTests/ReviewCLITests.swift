import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// The review commands through the built executable, with several processes at once.
final class ReviewCLITests: XCTestCase {
    var dir = ""
    var db = ""

    override func setUp() { dir = makeTempDirectory("review-cli"); db = TestStore.location(in: dir) }
    override func tearDown() { removeTree(dir) }

    @discardableResult
    func msreview(_ reviewer: String, _ args: String...) -> ProcessResult {
        Executable.run(["--db", db, "--reviewer", reviewer] + args)
    }

    func setUpStore(generated: Int? = nil, reviewers: [String]) throws {
        if let generated {
            _ = try SampleGenerator(count: generated, seed: 5).generate(into: dir + "/spool")
            XCTAssertEqual(msreview("lead", "import", dir + "/spool").status, 0)
        } else {
            XCTAssertEqual(msreview("lead", "import", Repository.samples).status, 0)
        }
        XCTAssertEqual(msreview("lead", "reviewers", "add", "lead", "--role", "lead").status, 0)
        XCTAssertEqual(msreview("lead", "checklists", "load", Repository.checklists).status, 0)
        for r in reviewers { XCTAssertEqual(msreview("lead", "reviewers", "add", r).status, 0) }
    }

    func shell(_ script: String) throws -> Process { try Executable.shell(script, in: dir) }

    /// Six processes pulling from one store at once: no session claimed twice, none lost.
    func testConcurrentPullsNeverClaimTwiceAndLoseNone() throws {
        let reviewers = (1...6).map { "r\($0)" }
        try setUpStore(generated: 150, reviewers: reviewers)
        let procs = try reviewers.map { r in
            try shell("""
                while true; do
                  out=$("\(Executable.path)" --db "\(db)" --reviewer \(r) pull --count 2 2>>err-\(r).txt) || { echo FAIL >> err-\(r).txt; break; }
                  [ "$out" = "(nothing to claim)" ] && break
                  echo "$out" >> claimed-\(r).txt
                done
                """)
        }
        for p in procs { p.waitUntilExit() }
        var all: [String] = []
        for r in reviewers {
            XCTAssertEqual((try? readFile(dir + "/err-\(r).txt")) ?? [], [], "\(r) saw errors")
            all += String(decoding: (try? readFile(dir + "/claimed-\(r).txt")) ?? [], as: UTF8.self).split(separator: "\n").map(String.init)
        }
        XCTAssertEqual(all.count, 150, "every session claimed")
        XCTAssertEqual(Set(all).count, 150, "no session claimed twice")
        XCTAssertGreaterThan(Set(reviewers.filter { ((try? readFile(dir + "/claimed-\($0).txt")) ?? []).count > 0 }).count, 1,
                             "the work was shared")
        let store = try Store(path: db)
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM reviews WHERE status = 'claimed'")?.int, 150)
        XCTAssertEqual(try store.db.scalar("SELECT count(DISTINCT session_id) FROM reviews")?.int, 150)
    }

    /// `pull SESSION...` claims exactly the sessions named; one held by someone else is refused
    /// with its reason (exit 1) and does not stop the others. `sessions` shows who holds each and
    /// when the claim runs out, filters by holder (leads), and lists released reviews.
    func testPullNamedSessionsHeldByAndReleased() throws {
        try setUpStore(reviewers: ["anna", "boris"])
        XCTAssertEqual(msreview("boris", "pull", "S-20261120-0003").status, 0)
        let r = msreview("anna", "pull", "S-20261120-0005", "S-20261120-0003", "S-20261120-0002", "--json")
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(try JSON.parse(r.stdout)["claimed"]?.arrayValue?.compactMap(\.stringValue), ["S-20261120-0005", "S-20261120-0002"])
        XCTAssertTrue(r.stderr.hasPrefix("msreview: not claimed: S-20261120-0003: "), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line")

        let held = try JSON.parse(msreview("lead", "sessions", "--held-by", "anna", "--json").stdout)
        XCTAssertEqual(Set(held.arrayValue?.compactMap { $0["session_id"]?.stringValue } ?? []), ["S-20261120-0002", "S-20261120-0005"])
        XCTAssertEqual(held.arrayValue?.compactMap { $0["reviewer"]?.stringValue }, ["anna", "anna"])
        // The pinned clock (2026-11-25T12:00:00Z) plus claim_hours (24).
        XCTAssertEqual(held.arrayValue?.first?["claim_expires_at"]?.stringValue, "2026-11-26T12:00:00Z")
        XCTAssertEqual(msreview("lead", "sessions", "--held-by", "boris").stdout.components(separatedBy: "S-20261120-0003").count, 2)

        XCTAssertEqual(msreview("anna", "release", "S-20261120-0005").status, 0)
        let released = try JSON.parse(msreview("lead", "sessions", "--status", "released", "--held-by", "anna", "--json").stdout)
        XCTAssertEqual(released.arrayValue?.compactMap { $0["session_id"]?.stringValue }, ["S-20261120-0005"])
        XCTAssertEqual(released.arrayValue?.first?["status"]?.stringValue, "new", "back in the queue")
        XCTAssertEqual(msreview("boris", "pull", "S-20261120-0005").status, 0, "free again for anyone")
    }

    /// `keys` lists the one key table, with the config's remaps; a wrong line is a usage error.
    func testKeysListsTheTableWithTheConfigsRemaps() throws {
        try setUpStore(reviewers: [])
        let config = dir + "/config"
        try FileManager.default.createDirectory(atPath: config + "/msreview", withIntermediateDirectories: true)
        let env = ["XDG_CONFIG_HOME": config]
        func keys(_ r: ProcessResult) throws -> [String: [String]] {
            var out: [String: [String]] = [:]
            for b in try JSON.parse(r.stdout).arrayValue ?? [] {
                out["\(b["context"]?.stringValue ?? "").\(b["command"]?.stringValue ?? "")"] = b["keys"]?.arrayValue?.compactMap(\.stringValue)
            }
            return out
        }
        let standard = try keys(Executable.run(["--db", db, "keys", "--json"], environment: env))
        XCTAssertEqual(standard["review.yes"], ["y"])
        XCTAssertEqual(standard["queue.down"], ["j", "↓"])
        XCTAssertEqual(standard["global.redraw"], ["Ctrl-L"])
        try writeFile(config + "/msreview/config", Array("key.review.yes = Y, Ctrl-Y\nkey.queue.down = ↓\n".utf8))
        let remapped = try keys(Executable.run(["--db", db, "keys", "--json"], environment: env))
        XCTAssertEqual(remapped["review.yes"], ["Y", "Ctrl-Y"], "the names keys prints are accepted back")
        XCTAssertEqual(remapped["queue.down"], ["↓"])
        XCTAssertEqual(remapped.count, standard.count)
        let text = Executable.run(["--db", db, "keys"], environment: env).stdout
        XCTAssertTrue(text.range(of: "\nreview +yes +Y Ctrl-Y", options: .regularExpression) != nil, text)
        try writeFile(config + "/msreview/config", Array("key.review.yess = Y\n".utf8))
        let bad = Executable.run(["--db", db, "keys"], environment: env)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("config:1: review has no command \"yess\""), bad.stderr)
    }

    /// kill -9 while drafts are being saved: the last completed change is intact, nothing torn.
    func testKillDuringDraftSaveKeepsTheLastCompletedChange() throws {
        try setUpStore(reviewers: ["anna"])
        XCTAssertEqual(msreview("anna", "pull", "--checklist", "bank-branch").stdout, "S-20261120-0001\n")
        let items = Repository.itemIDs("bank-branch")
        let scales = ["tone": 5, "clarify_terms": 3, "benefit_language": 5, "objection_answered": 5]
        for i in 1...300 {
            var answers: [(String, JSON)] = []
            for id in items { answers.append((id, scales[id].map { .number(Double(($0 == 3 ? i % 4 : i % 5 + 1))) } ?? "yes")) }
            let doc = JSON.object([("answers", .object(answers)),
                                   ("comments", .object(items.prefix(3).map { ($0, .string("v\(i)")) }))])
            try writeFile(dir + "/f\(i).json", Array(doc.serialized().utf8))
        }
        let loop = try shell("""
            for i in $(seq 1 300); do
              "\(Executable.path)" --db "\(db)" --reviewer anna score S-20261120-0001 --answers f$i.json > /dev/null &
              echo $! > child.pid
              wait $! && { echo $i > acked.tmp; mv acked.tmp acked; }
            done
            """)
        // Let some saves complete, then kill the saver and the loop without warning.
        var acked = 0
        let deadline = Date().addingTimeInterval(60)
        while acked < 5 && Date() < deadline {
            usleep(50_000)
            acked = Int(String(decoding: (try? readFile(dir + "/acked")) ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        usleep(UInt32.random(in: 0...200_000))
        kill(loop.processIdentifier, SIGKILL)
        if let pid = Int32(String(decoding: (try? readFile(dir + "/child.pid")) ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
        }
        loop.waitUntilExit()
        usleep(100_000)
        acked = Int(String(decoding: (try? readFile(dir + "/acked")) ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        XCTAssertGreaterThanOrEqual(acked, 5)

        let store = try Store(path: db)
        XCTAssertEqual(try store.integrityCheck(), "ok")
        let review = try XCTUnwrap(try store.reviews(session: "S-20261120-0001").last)
        let answers = try store.answers(review: review.id)
        let versions = Set(items.prefix(3).compactMap { answers[$0]?.comment })
        XCTAssertEqual(versions.count, 1, "every comment from one and the same save: \(versions)")
        let saved = Int(versions.first!.dropFirst())!
        XCTAssertTrue(saved == acked || saved == acked + 1, "saved v\(saved), last acknowledged v\(acked)")
        XCTAssertEqual(answers["tone"]?.answer, .value(saved % 5 + 1), "the answers belong to the same save as the comments")
        XCTAssertEqual(answers.count, items.count)
    }

    /// Every command that reads or changes a review refuses another reviewer's.
    func testNoCommandLetsAReviewerReachAnothersReview() throws {
        try setUpStore(reviewers: ["anna", "bob"])
        XCTAssertEqual(msreview("anna", "pull", "--checklist", "bank-branch").stdout, "S-20261120-0001\n")
        try writeFile(dir + "/a.json", Array(#"{"greet": "yes", "tone": 5}"#.utf8))
        XCTAssertEqual(msreview("anna", "score", "S-20261120-0001", "--answers", dir + "/a.json").status, 0)
        let attempts: [[String]] = [
            ["review", "S-20261120-0001"], ["review", "S-20261120-0001", "--by", "anna"], ["review", "S-20261120-0001", "--json"],
            ["score", "S-20261120-0001", "--answers", dir + "/a.json"], ["score", "S-20261120-0001", "--answers", dir + "/a.json", "--submit"],
            ["release", "S-20261120-0001"], ["override", "S-20261120-0001", "--item", "greet", "--answer", "no", "--reason", "x"],
            ["return", "S-20261120-0001", "--reason", "x"], ["approve", "S-20261120-0001"],
        ]
        for args in attempts {
            let r = Executable.run(["--db", db, "--reviewer", "bob"] + args)
            XCTAssertEqual(r.status, 1, "bob \(args): \(r.stdout)")
            XCTAssertFalse(r.stdout.contains("greet"), "bob \(args) printed anna's answers")
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line: \(r.stderr)")
        }
        XCTAssertFalse(msreview("bob", "log", "S-20261120-0001").stdout.contains("claim"))
        let review = try JSON.parse(msreview("anna", "review", "S-20261120-0001", "--json").stdout)
        XCTAssertEqual(review.arrayValue?.first?["status"], "draft")
        XCTAssertEqual(review.arrayValue?.first?["items"]?.arrayValue?.first { $0["id"] == "tone" }?["answer"], 5)
    }

    func testOverrideMessagesAndAuditLogJSON() throws {
        try setUpStore(reviewers: ["anna"])
        _ = msreview("anna", "pull", "--checklist", "bank-branch")
        let answers = JSON.object(Repository.itemIDs("bank-branch").map { ($0, ["tone", "benefit_language", "objection_answered"].contains($0) ? 5 : $0 == "clarify_terms" ? 3 : "yes") })
        try writeFile(dir + "/all.json", Array(answers.serialized().utf8))
        let submitted = msreview("anna", "score", "S-20261120-0001", "--answers", dir + "/all.json", "--submit", "--json")
        XCTAssertEqual(submitted.status, 0, submitted.stderr)
        XCTAssertEqual(try JSON.parse(submitted.stdout)["percent"], 100)

        // A missing or blank required option is a usage error (2), before anything is done.
        let noReason = msreview("lead", "override", "S-20261120-0001", "--item", "greet", "--answer", "no")
        XCTAssertEqual(noReason.status, 2)
        XCTAssertEqual(noReason.stderr, "msreview: --reason TEXT is required\nTry 'msreview override --help'.\n")
        XCTAssertEqual(msreview("lead", "override", "S-20261120-0001", "--item", "greet", "--reason", "r").status, 2, "--answer")
        XCTAssertEqual(msreview("lead", "override", "S-20261120-0001", "--answer", "no", "--reason", "r").status, 2, "--item")
        let blank = msreview("lead", "return", "S-20261120-0001", "--reason", "  ")
        XCTAssertEqual(blank.status, 2)
        XCTAssertTrue(blank.stderr.hasPrefix("msreview: --reason TEXT is required (not blank)\n"), blank.stderr)
        XCTAssertEqual(msreview("lead", "return", "S-20261120-0001").status, 2)
        XCTAssertEqual(msreview("anna", "score", "S-20261120-0001").status, 2, "--answers")
        XCTAssertEqual(msreview("lead", "log", "S-20261120-0001").stdout.components(separatedBy: "\n").filter { $0.contains("return") || $0.contains("override") }, [],
                       "nothing was done")
        let notLead = msreview("anna", "override", "S-20261120-0001", "--item", "greet", "--answer", "no", "--reason", "r")
        XCTAssertEqual(notLead.stderr, "msreview: only a lead may override reviews (anna is not a lead)\n")
        let ok = msreview("lead", "override", "S-20261120-0001", "--item", "greet", "--answer", "no", "--reason", "нет приветствия", "--json")
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let j = try JSON.parse(ok.stdout)
        XCTAssertEqual(j["overrides"]?.arrayValue?.first?["reason"], "нет приветствия")
        // score --json and override --json: one object, the shape of review --json's elements (docs/cli.md).
        let listed = try JSON.parse(msreview("lead", "review", "S-20261120-0001", "--json").stdout).arrayValue?.first
        XCTAssertEqual(j.objectValue?.map(\.0), listed?.objectValue?.map(\.0))
        XCTAssertEqual(try JSON.parse(submitted.stdout).objectValue?.map(\.0), listed?.objectValue?.map(\.0))
        let log = try JSON.parse(msreview("lead", "log", "S-20261120-0001", "--json").stdout)
        let last = try XCTUnwrap(log.arrayValue?.last)
        XCTAssertEqual(last.objectValue?.map(\.0), ["id", "at", "actor", "action", "session_id", "review_id", "reason", "detail"])
        XCTAssertEqual(last["action"], "override")
        XCTAssertEqual(last["detail"]?["before"], "yes")
        XCTAssertEqual(last["detail"]?["after"], "no")
    }
}
