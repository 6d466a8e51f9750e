import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

final class ExportTests: XCTestCase {
    var dir = ""
    var db = ""
    let hostile = ["=1+1", "+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "\tx", "\rx", "a,b \"c\"\nd — Анна", "\u{1}=1+41", " =1+1"]

    override func setUpWithError() throws {
        dir = makeTempDirectory("export"); db = TestStore.location(in: dir)
        var b = BundleFixture.valid("S-EVIL")
        b.edit(["employee", "name"], "=HYPERLINK(\"http://x\")".json)
        b.write(into: dir + "/spool")
        XCTAssertEqual(Executable.run(["--db", db, "import", Repository.samples, dir + "/spool"]).status, 0)
        let store = try Store(path: db)
        let lead = ReviewService(store: store, actor: "lena")
        try lead.addReviewer(id: "lena", role: .lead, name: nil)
        _ = try lead.loadChecklists([Repository.checklists])
        try lead.addReviewer(id: "anna", role: .reviewer, name: nil)
        let anna = ReviewService(store: store, actor: "anna")
        _ = try anna.pull(count: 10, checklist: "bank-branch")
        let c = try anna.checklist("bank-branch")
        for session in ["S-EVIL", "S-20261120-0001"] {
            let answers = topAnswers(c)
            let comments = zip(c.items.prefix(hostile.count), hostile).map { ($0.0.id, JSON.string($0.1)) }
            _ = try anna.score(session: session, answers: .object([("answers", .object(answers)), ("comments", .object(comments))]),
                               source: "t", checklist: nil, submit: true)
        }
    }

    override func tearDown() { removeTree(dir) }

    func export(_ args: String...) -> ProcessResult { Executable.run(["--db", db, "--reviewer", "lena", "export"] + args) }

    func testCSVRoundTripsThroughPythonAndNeutralisesFormulas() throws {
        let r = export("items", "--out", dir + "/items.csv", "--bom")
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try pythonCSV(dir + "/items.csv")
        let header = try XCTUnwrap(rows.first)
        XCTAssertEqual(header.first, "review_id")
        let comment = try XCTUnwrap(header.firstIndex(of: "comment"))
        XCTAssertEqual(rows.count - 1, 2 * 26, "one row per item of each submitted review")
        let comments = rows.dropFirst().map { $0[comment] }.filter { !$0.isEmpty }
        // A formula (after any leading controls) gets an apostrophe; a plain number ("-2") stays a number.
        func acted(_ s: String) -> Bool {
            let skipped = s.drop { $0.unicodeScalars.allSatisfy { $0.value < 0x21 || $0.value == 0x7F } }
            return s.unicodeScalars.first.map { $0.value < 0x20 } == true || ["=", "+", "-", "@"].contains(String(skipped.prefix(1)))
        }
        for h in hostile {
            let expected = acted(h) && h != "-2" ? "'" + h : h
            XCTAssertTrue(comments.contains(expected), "\(h.debugDescription) → \(comments)")
        }
        XCTAssertFalse(comments.contains { acted($0) && $0 != "-2" }, "no cell starts a formula")
    }

    func testPersonalDataOnlyWhenAskedFor() throws {
        let plain = export("reviews").stdout
        XCTAssertFalse(plain.contains("employee_name"))
        XCTAssertFalse(plain.contains("Анна Петрова"))
        XCTAssertFalse(plain.contains("HYPERLINK"))
        XCTAssertFalse(export("questionnaires").stdout.contains("Иван"), "callback requests are never exported")
        let full = export("reviews", "--include-personal-data").stdout
        XCTAssertTrue(full.contains("employee_name"))
        XCTAssertTrue(full.contains("Анна Петрова"))
        XCTAssertTrue(full.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "a formula in a name is neutralised too: \(full)")
    }

    func testJSONAndFilters() throws {
        let reviews = try JSON.parse(export("reviews", "--format", "json").stdout)
        XCTAssertEqual(reviews.arrayValue?.count, 2)
        XCTAssertEqual(reviews.arrayValue?.first?["percent"], 100)
        XCTAssertEqual(reviews.arrayValue?.first?["passed"], true)
        let q = try JSON.parse(export("questionnaires", "--format", "json", "--location", "PH-003").stdout)
        XCTAssertEqual(Set(q.arrayValue?.compactMap { $0["session_id"]?.stringValue } ?? []), ["S-20261120-0003", "S-20261120-0006"])
        XCTAssertEqual(q.arrayValue?.first { $0["session_id"] == "S-20261120-0003" }?["left_out_for_fraud"], true)
        XCTAssertEqual(q.arrayValue?.first { $0["session_id"] == "S-20261120-0006" }?["left_out_for_fraud"], false)
        let f = try JSON.parse(export("findings", "--format", "json", "--from", "2026-11-20", "--to", "2026-11-20").stdout)
        XCTAssertEqual(f.arrayValue?.first?.objectValue?.map(\.0).prefix(6), ["session_id", "questionnaire_id", "file", "code", "severity", "detail"])
        XCTAssertEqual(try JSON.parse(export("findings", "--format", "json", "--from", "2027-01-01").stdout), .array([]))
    }

    func testOutIsWholeOrNothing() {
        let bad = export("findings", "--out", dir + "/no/such/dir/f.csv")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("msreview: cannot write"), bad.stderr)
        XCTAssertEqual(export("nonsense").status, 2)
        XCTAssertEqual(export("findings", "--out", dir + "/f.csv").status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".partial") }, [])
    }
}
