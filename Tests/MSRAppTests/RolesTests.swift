import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// The third role (issue 18): an exporter runs exports, scorecards and fraud reports, reads no
/// drafts and does no reviews; reports are for leads and exporters only, and personal data in
/// them is recorded in the audit log. Through the built executable, on either backend.
final class RolesTests: XCTestCase {
    var dir = ""
    var db = ""

    override func setUp() { dir = makeTempDirectory("roles"); db = TestStore.location(in: dir) }
    override func tearDown() { removeTree(dir) }

    @discardableResult
    func msreview(_ who: String, _ args: String...) -> ProcessResult {
        Executable.run(["--db", db, "--reviewer", who] + args)
    }

    func testTheExporterReportsAndNothingElseAndPersonalDataIsOnRecord() throws {
        XCTAssertEqual(msreview("lena", "import", Repository.samples).status, 0)
        XCTAssertEqual(msreview("lena", "reviewers", "add", "lena", "--role", "lead").status, 0)
        XCTAssertEqual(msreview("lena", "checklists", "load", Repository.checklists).status, 0)
        XCTAssertEqual(msreview("lena", "reviewers", "add", "anna").status, 0)
        let added = msreview("lena", "reviewers", "add", "erik", "--role", "exporter")
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertEqual(added.stdout, "added erik (exporter)\n")
        XCTAssertEqual(msreview("lena", "reviewers", "add", "x", "--role", "boss").status, 2)
        // anna: one review submitted, one left a draft.
        XCTAssertEqual(msreview("anna", "pull", "--count", "2", "--checklist", "bank-branch").status, 0)
        let mine = try Store(path: db).reviews(reviewer: "anna").map(\.sessionID).sorted()
        XCTAssertEqual(mine.count, 2)
        let c = try ReviewService(store: try Store(path: db), actor: "lena").checklist("bank-branch")
        let file = try writeAnswersFile(dir + "/a.json", topAnswers(c))
        XCTAssertEqual(msreview("anna", "score", mine[0], "--answers", file, "--submit").status, 0)
        XCTAssertEqual(msreview("anna", "score", mine[1], "--answers", file).status, 0)

        // No reviews by an exporter, in any command.
        for args in [["pull"], ["pull", mine[1]], ["score", mine[0], "--answers", file], ["release", mine[0]]] {
            let r = Executable.run(["--db", db, "--reviewer", "erik"] + args)
            XCTAssertEqual(r.status, 1, "\(args)")
            XCTAssertTrue(r.stderr.hasSuffix("erik is an exporter: exporters run exports, scorecards and fraud reports, and do no reviews\n"), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1)
        }
        XCTAssertTrue(msreview("erik", "approve", mine[0]).stderr.contains("only a lead may approve reviews (erik is not a lead)"))
        // Submitted reviews are readable, drafts are not.
        let submitted = msreview("erik", "review", mine[0], "--json")
        XCTAssertEqual(submitted.status, 0, submitted.stderr)
        XCTAssertEqual(try JSON.parse(submitted.stdout).arrayValue?.first?["status"], "submitted")
        let draft = msreview("erik", "review", mine[1], "--json")
        XCTAssertEqual(draft.status, 1)
        XCTAssertEqual(draft.stderr, "msreview: no review of session \(mine[1])\n")
        XCTAssertEqual(msreview("lena", "review", mine[1], "--json").status, 0, "a lead reads the draft")

        // Reports: leads and exporters; not a reviewer, not someone unregistered.
        for who in ["lena", "erik"] {
            XCTAssertEqual(msreview(who, "export", "reviews", "--format", "json").status, 0, who)
            XCTAssertEqual(msreview(who, "scorecards", "--period", "2026-11", "--json").status, 0, who)
            XCTAssertEqual(msreview(who, "fraud", "--json").status, 0, who)
        }
        for (args, what) in [(["export", "items"], "run exports"), (["scorecards", "--json"], "run scorecards"), (["fraud"], "read fraud reports")] {
            let r = Executable.run(["--db", db, "--reviewer", "anna"] + args)
            XCTAssertEqual(r.status, 1)
            XCTAssertEqual(r.stderr, "msreview: only a lead or an exporter may \(what) (anna is a reviewer)\n")
            let stranger = Executable.run(["--db", db, "--reviewer", "zed"] + args)
            XCTAssertEqual(stranger.status, 1)
            XCTAssertTrue(stranger.stderr.contains("reviewer \"zed\" is not registered"), stranger.stderr)
        }
        XCTAssertTrue(msreview("erik", "fraud", "--recheck").stderr.contains("only a lead may re-run the checks"))

        // Personal data: each run that asks for it is recorded (who, what, with which filter);
        // a run without it is not.
        let names = msreview("erik", "export", "reviews", "--include-personal-data", "--location", "BR-001", "--location", "BR-002")
        XCTAssertEqual(names.status, 0, names.stderr)
        XCTAssertTrue(names.stdout.contains("employee_name"))
        XCTAssertEqual(msreview("erik", "scorecards", "--period", "2026-11", "--json", "--include-personal-data").status, 0)
        let log = try JSON.parse(msreview("lena", "log", "--action", "personal-data", "--json").stdout).arrayValue ?? []
        XCTAssertEqual(log.map { $0["actor"] }, ["erik", "erik"])
        XCTAssertEqual(log.map { $0["detail"]?["report"] }, ["export reviews", "scorecards"])
        XCTAssertEqual(log.first?["detail"]?["location"], .array(["BR-001", "BR-002"]))
        let pinned = try XCTUnwrap(Executable.childEnvironment[Clock.variable].flatMap(Timestamp.init(rfc3339:)))
        XCTAssertEqual(log.first?["at"], .string(pinned.description), "stamped by the injected clock")
        XCTAssertEqual(try JSON.parse(msreview("erik", "log", "--json").stdout).arrayValue?.count, 2, "the exporter reads its own entries")
    }
}
