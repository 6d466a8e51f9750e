import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// QA lead tools through the built executable on a real store of the samples.
final class AuditCLITests: XCTestCase {
    var dir = ""
    var db = ""
    let session = "S-20261120-0001"
    var items: [String] { Repository.itemIDs("bank-branch") }

    override func setUpWithError() throws {
        dir = makeTempDirectory("audit-cli"); db = TestStore.location(in: dir)
        XCTAssertEqual(msreview("lena", "import", Repository.samples).status, 0)
        XCTAssertEqual(msreview("lena", "reviewers", "add", "lena", "--role", "lead").status, 0)
        XCTAssertEqual(msreview("lena", "checklists", "load", Repository.checklists).status, 0)
        for r in ["anna", "bob", "cleo"] { XCTAssertEqual(msreview("lena", "reviewers", "add", r).status, 0) }
    }

    override func tearDown() { removeTree(dir) }

    @discardableResult
    func msreview(_ reviewer: String, _ args: String...) -> ProcessResult {
        Executable.run(["--db", db, "--reviewer", reviewer] + args)
    }

    /// Writes an answers file: every item of bank-branch at its top answer, except `changes`.
    func answers(_ name: String, _ changes: [String: JSON] = [:]) throws -> String {
        let c = try ReviewService(store: try Store(path: db), actor: "lena").checklist("bank-branch")
        return try writeAnswersFile(dir + "/" + name + ".json", topAnswers(c, except: changes))
    }

    /// A yes/no item and a scale item of bank-branch that are not critical and need no evidence.
    func plainItems() throws -> (String, String) {
        let c = try ReviewService(store: try Store(path: db), actor: "lena").checklist("bank-branch")
        let plain = c.items.filter { !$0.evidenceOnFail && $0.critical == .none }
        let yesno = try XCTUnwrap(plain.first { if case .yesno = $0.kind { return true }; return false })
        let scale = try XCTUnwrap(plain.first { if case .scale = $0.kind { return true }; return false })
        return (yesno.id, scale.id)
    }

    func json(_ r: ProcessResult, file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return try JSON.parse(r.stdout)
    }

    func testCalibrationStaysBlindUntilAllHaveSubmitted() throws {
        XCTAssertEqual(msreview("anna", "calibrate", session, "--reviewers", "anna,bob").status, 1, "lead only")
        XCTAssertEqual(msreview("lena", "calibrate", session, "--reviewers", "anna").status, 1, "two or more reviewers")
        let round = try json(msreview("lena", "calibrate", session, "--reviewers", "anna,bob", "--json"))
        XCTAssertEqual(round["reviewers"], .array(["anna", "bob"]))
        XCTAssertEqual(round["checklist"]?.stringValue?.hasPrefix("bank-branch@"), true)

        XCTAssertEqual(msreview("anna", "score", session, "--answers", try answers("anna"), "--submit").status, 0)
        // Nobody reads anna's review yet: not bob, not the lead, not through the calibration report.
        for (who, args) in [("bob", ["review", session, "--by", "anna"]), ("lena", ["review", session, "--by", "anna"]),
                            ("lena", ["review", session])] {
            let r = Executable.run(["--db", db, "--reviewer", who] + args)
            XCTAssertEqual(r.status, 1, "\(who) \(args)")
            XCTAssertTrue(r.stderr.contains("blind calibration") && r.stderr.contains("1 of 2"), r.stderr)
            XCTAssertFalse(r.stdout.contains("greet"))
        }
        let early = try json(msreview("lena", "audit", "calibration", session, "--json")).arrayValue ?? []
        XCTAssertEqual(early.first?["complete"], false)
        XCTAssertEqual(early.first?["submitted"], 1)
        XCTAssertNil(early.first?["items"], "no answers before all have submitted")
        XCTAssertFalse(msreview("lena", "audit", "calibration", session, "--format", "html").stdout.contains(">yes<"))
        XCTAssertEqual(msreview("cleo", "audit", "calibration", session).status, 1, "not cleo's round")
        XCTAssertEqual(msreview("bob", "review", session, "--json").status, 0, "bob reads his own claim")

        // bob differs on two items that need no evidence when they fail: a yes/no and a scale.
        let (yesno, scale) = try plainItems()
        let bob = msreview("bob", "score", session, "--answers", try answers("bob", [yesno: "no", scale: 1]), "--submit")
        XCTAssertEqual(bob.status, 0, bob.stderr)
        XCTAssertEqual(msreview("bob", "review", session, "--by", "anna", "--json").status, 0, "visible to the round once complete")
        let done = (try json(msreview("lena", "audit", "calibration", session, "--json"))).arrayValue?.first
        XCTAssertEqual(done?["complete"], true)
        let n = Double(items.count)
        XCTAssertEqual(done?["percent_agreement"], .number(Score.rounded((n - 2) / n * 100)))
        let greet = try XCTUnwrap(done?["items"]?.arrayValue?.first { $0["item_id"]?.stringValue == yesno })
        XCTAssertEqual(greet["answers"]?.arrayValue?.map { $0["answer"] }, ["yes", "no"])
        XCTAssertEqual(greet["consensus"], .null, "one yes, one no: no majority")
        XCTAssertEqual(greet["agreed"], false)
        XCTAssertNotNil(done?["alpha_nominal"]?.numberValue)
        let text = msreview("anna", "audit", "calibration", session).stdout
        XCTAssertTrue(text.contains("agreement") && text.contains("alpha nominal"), text)
        // The calibration did not move the session in the queue: it can still be pulled for work.
        XCTAssertTrue(msreview("cleo", "pull", "--count", "8").stdout.contains(session))
    }

    func testReviewerAuditFiguresFormatsAndHTML() throws {
        // anna: four reviews, all top answers (straight-lined), one session listened to in full.
        XCTAssertEqual(msreview("anna", "pull", "--count", "4", "--checklist", "bank-branch").status, 0)
        let mine = try ReviewService(store: try Store(path: db), actor: "anna").store.reviews(reviewer: "anna").map(\.sessionID)
        XCTAssertFalse(mine.isEmpty)
        let heard = mine[0]
        XCTAssertEqual(msreview("anna", "play", heard, "--device", "null").status, 0)
        // A second session from its second 1 on: exactly what was played counts, not the seconds it touched.
        XCTAssertGreaterThan(mine.count, 1)
        XCTAssertEqual(msreview("anna", "play", mine[1], "--device", "null", "--from", "00:01").status, 0)
        let store = try Store(path: db)
        let audio = try store.audioMillis(session: mine[1])
        XCTAssertEqual(try store.heardMillis(session: mine[1], reviewer: "anna"), audio - 1000)
        let shares = [1.0, Double(audio - 1000) / Double(audio)] + Array(repeating: 0.0, count: mine.count - 2)
        for s in mine { XCTAssertEqual(msreview("anna", "score", s, "--answers", try answers("a-" + s), "--submit").status, 0) }
        let doc = try json(msreview("lena", "audit", "reviewers", "--json"))
        let anna = try XCTUnwrap(doc["reviewers"]?.arrayValue?.first { $0["reviewer"] == "anna" })
        XCTAssertEqual(anna["reviews"], .number(Double(mine.count)))
        XCTAssertEqual(anna["straight_lined"], .number(Double(mine.count)))
        XCTAssertEqual(anna["unheard_submits"], .number(Double(mine.count - 2)), "all but the sessions she played")
        XCTAssertEqual(try XCTUnwrap(anna["listened_percent"]?.numberValue), (shares.reduce(0, +) / Double(shares.count) * 1000).rounded() / 10, accuracy: 1e-9)
        XCTAssertEqual(anna["flags"]?.arrayValue?.contains("straight-lining"), true)
        XCTAssertEqual(anna["flags"]?.arrayValue?.contains("unheard-submits"), true)
        XCTAssertEqual(anna["score_bias"], 0, "the only reviewer on the checklist")
        XCTAssertNotNil(doc["reviewers"]?.arrayValue?.first { $0["reviewer"] == "cleo" }, "every reviewer is listed")
        XCTAssertEqual(msreview("anna", "audit", "reviewers").status, 1, "lead only")

        XCTAssertEqual(msreview("lena", "audit", "reviewers", "--format", "csv", "--out", dir + "/audit.csv").status, 0)
        let rows = try pythonCSV(dir + "/audit.csv")
        XCTAssertEqual(rows.first?.first, "reviewer")
        let flags = try XCTUnwrap(rows.first?.firstIndex(of: "flags"))
        XCTAssertTrue(rows.contains { $0.first == "anna" && $0[flags].contains("straight-lining") }, "\(rows)")
        let text = msreview("lena", "audit", "reviewers").stdout
        XCTAssertTrue(text.contains("anna") && text.contains("straight-lining"), text)

        // A reviewer whose long id would stretch the first column past the page's right margin.
        XCTAssertEqual(msreview("lena", "reviewers", "add", "konstantin.konstantinopolsky-quality-assurance-contractor").status, 0)
        XCTAssertEqual(msreview("lena", "audit", "reviewers", "--format", "html", "--out", dir + "/audit.html").status, 0)
        let html = String(decoding: try readFile(dir + "/audit.html"), as: UTF8.self)
        XCTAssertFalse(html.lowercased().contains("<script"))
        XCTAssertTrue(html.contains("straight-lining"))
        guard Chromium.isInstalled else { return XCTFail("chromium is not installed: run make test") }
        let r = Chromium.render(dir + "/audit.html", screenshot: dir + "/audit.png", width: 800, height: 900)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.console, [], "no console errors")
        XCTAssertGreaterThan(try readFile(dir + "/audit.png").count, 10_000)
        // Printed: A4 portrait, nothing cut at the right (the flags are the last column).
        guard PrintedPDF.isInstalled else { return XCTFail("poppler-utils is not installed: run make test") }
        let pdf = dir + "/audit.pdf"
        XCTAssertEqual(Chromium.render(dir + "/audit.html", pdf: pdf).status, 0)
        XCTAssertEqual(PrintedPDF.pages(pdf), 1)
        let printed = PrintedPDF.text(pdf)
        XCTAssertTrue(printed.contains("Re-audit") && printed.contains("Calib."), "the right-hand columns are printed: \(printed)")
    }

    func testReauditSampleIsReproducibleAndShowsDisagreement() throws {
        XCTAssertEqual(msreview("anna", "pull", "--count", "6", "--checklist", "bank-branch").status, 0)
        let mine = try ReviewService(store: try Store(path: db), actor: "anna").store.reviews(reviewer: "anna").map(\.sessionID)
        for s in mine { XCTAssertEqual(msreview("anna", "score", s, "--answers", try answers("a-" + s), "--submit").status, 0) }
        func draw(_ seed: String) throws -> [JSON] {
            try json(msreview("lena", "audit", "sample", "--percent", "50", "--seed", seed, "--dry-run", "--json"))["drawn"]?.arrayValue ?? []
        }
        let first = try draw("7")
        XCTAssertEqual(first.count, Int((Double(mine.count) * 0.5).rounded()))
        XCTAssertEqual(try draw("7"), first, "the same seed draws the same reviews")
        XCTAssertNotEqual(try (1...5).map { try draw(String($0)) }.count { $0 != first }, 0, "other seeds draw otherwise")
        XCTAssertEqual(msreview("lena", "audit", "sample", "--percent", "0").status, 2)
        XCTAssertEqual(msreview("anna", "audit", "sample", "--percent", "10").status, 1, "lead only")

        let sample = try json(msreview("lena", "audit", "sample", "--percent", "50", "--seed", "7", "--json"))
        XCTAssertEqual(sample["drawn"], .array(first))
        let target = try XCTUnwrap(first.first?["session_id"]?.stringValue)
        // The lead's re-audit is an ordinary claim: score it, disagreeing on one item.
        let (yesno, _) = try plainItems()
        let second = msreview("lena", "score", target, "--answers", try answers("lena", [yesno: "no"]), "--submit")
        XCTAssertEqual(second.status, 0, second.stderr)
        let list = try json(msreview("lena", "audit", "reaudits", "--json")).arrayValue ?? []
        let done = try XCTUnwrap(list.first { $0["session_id"]?.stringValue == target })
        XCTAssertEqual(done["reviewer"], "anna")
        XCTAssertEqual(done["differences"]?.arrayValue?.map { $0["item_id"] }, [.string(yesno)])
        XCTAssertEqual(done["differences"]?.arrayValue?.first?["reviewer"], "yes")
        let anna = try XCTUnwrap(try json(msreview("lena", "audit", "reviewers", "--json"))["reviewers"]?.arrayValue?.first { $0["reviewer"] == "anna" })
        XCTAssertEqual(anna["reaudits"], 1)
        XCTAssertEqual(anna["reaudit_disagreement"], .number(Score.rounded(100 / Double(items.count))))
        XCTAssertTrue(msreview("lena", "log", "--json").stdout.contains("audit-sample"), "the draw is in the audit log")
    }
}
