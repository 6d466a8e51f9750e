import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// A small store whose scorecard figures were worked out by hand (see the comments per session).
///
/// Checklist `mini` (pass 80): section A — a1 yes/no weight 2, a2 scale 5 (N/A allowed), a3 yes/no
/// critical for the section; section B — b1 points 4, b2 yes/no critical for the session (N/A allowed).
final class ScorecardTests: XCTestCase {
    var dir = ""
    var db = ""

    static let checklist = """
        id: mini
        version: 1
        title: Mini standard
        pass: 80

        [a] Section A
        - a1: Greets
          weight: 2
        - a2: Tone
          kind: scale 5
          na: yes
        - a3: Identifies the customer
          critical: section

        [b] Section B
        - b1: Offers
          kind: points 4
        - b2: Keeps secrecy
          critical: session
          na: yes

        """

    struct Planned {
        var id: String, date: String, employee: String, location: String
        var answers: [(String, JSON)]
        var scale5: Int, nps: Int
        var fraud = false
    }

    static func answers(_ a1: String, _ a2: JSON, _ a3: String, _ b1: Int, _ b2: String) -> [(String, JSON)] {
        [("a1", a1.json), ("a2", a2), ("a3", a3.json), ("b1", b1.json), ("b2", b2.json)]
    }

    static let plan: [Planned] = [
        // E-1, November: 6/6 = 100 % pass; 2.5/5 = 50 % (a1 fails, a2 N/A); A zeroed by a3 → 1.75/6 = 29.2 %.
        Planned(id: "S-1", date: "2026-11-03", employee: "E-1", location: "L-1", answers: answers("yes", 5, "yes", 4, "yes"), scale5: 5, nps: 10),
        Planned(id: "S-2", date: "2026-11-10", employee: "E-1", location: "L-1", answers: answers("no", "na", "yes", 2, "yes"), scale5: 3, nps: 6),
        Planned(id: "S-3", date: "2026-11-17", employee: "E-1", location: "L-1", answers: answers("yes", 3, "no", 3, "yes"), scale5: 1, nps: 0, fraud: true),
        // E-1, October: b2 fails → the review is 0 %.
        Planned(id: "S-4", date: "2026-10-15", employee: "E-1", location: "L-1", answers: answers("yes", 5, "yes", 4, "no"), scale5: 4, nps: 8),
        // E-2, November: 100 %; 4.75/5 = 95 % (b2 N/A).
        Planned(id: "S-5", date: "2026-11-05", employee: "E-2", location: "L-1", answers: answers("yes", 5, "yes", 4, "yes"), scale5: 5, nps: 9),
        Planned(id: "S-6", date: "2026-11-12", employee: "E-2", location: "L-1", answers: answers("yes", 4, "yes", 4, "na"), scale5: 4, nps: 9),
        // E-3, November: everything fails, three times 0 % (a3 and b2 critical each time).
        Planned(id: "S-7", date: "2026-11-04", employee: "E-3", location: "L-2", answers: answers("no", 1, "no", 0, "no"), scale5: 2, nps: 3),
        Planned(id: "S-8", date: "2026-11-11", employee: "E-3", location: "L-2", answers: answers("no", 1, "no", 0, "no"), scale5: 2, nps: 3),
        Planned(id: "S-9", date: "2026-11-18", employee: "E-3", location: "L-2", answers: answers("no", 1, "no", 0, "no"), scale5: 2, nps: 3),
    ]

    override func setUpWithError() throws {
        dir = makeTempDirectory("scorecards"); db = TestStore.location(in: dir)
        for (i, p) in Self.plan.enumerated() {
            var b = BundleFixture.valid(p.id, photoSeed: UInt8(i + 1))
            let text = JSON.object(b.manifest).serialized().replacingOccurrences(of: "2026-11-20", with: p.date)
            guard case let .object(m) = try JSON.parse(text) else { return XCTFail("manifest") }
            b.manifest = m
            b.edit(["employee", "id"], p.employee.json)
            b.edit(["employee", "name"], (p.employee == "E-2" ? "<script>alert(1)</script> Ли" : "Анна").json)
            b.edit(["location", "id"], p.location.json)
            b.set("checklist", "mini".json)
            b.edit(["questionnaires", 0, "answers", 0, "value"], p.scale5.json)
            b.edit(["questionnaires", 0, "answers", 1, "value"], p.nps.json)
            // A questionnaire submitted after the session ended is fraud (answers-outside-session).
            if p.fraud { b.edit(["questionnaires", 0, "submitted_at"], "\(p.date)T10:30:00+03:00".json) }
            b.write(into: dir + "/spool")
        }
        try writeFile(dir + "/mini.checklist", Array(Self.checklist.utf8))
        let imported = Executable.run(["--db", db, "import", dir + "/spool"])
        XCTAssertEqual(imported.status, 0, imported.stdout + imported.stderr)
        let store = try Store(path: db)
        let lead = ReviewService(store: store, actor: "lena")
        try lead.addReviewer(id: "lena", role: .lead, name: nil)
        _ = try lead.loadChecklists([dir + "/mini.checklist"])
        try lead.addReviewer(id: "anna", role: .reviewer, name: nil)
        let anna = ReviewService(store: store, actor: "anna")
        XCTAssertEqual(try anna.pull(count: 20, checklist: "mini").count, Self.plan.count)
        for p in Self.plan {
            _ = try anna.score(session: p.id, answers: .object([("answers", .object(p.answers))]), source: "t", checklist: nil, submit: true)
        }
        let fraud = try store.db.query("SELECT session_id FROM findings WHERE severity = 'fraud' ORDER BY 1") { $0.text(0) ?? "" }
        XCTAssertEqual(fraud, ["S-3"], "the only fraud is the one planted")
    }

    override func tearDown() { if ProcessInfo.processInfo.environment["MSREVIEW_KEEP"] == nil { removeTree(dir) } }

    func scorecards(_ args: String...) throws -> JSON {
        let r = Executable.run(["--db", db, "--reviewer", "lena", "scorecards"] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSON.parse(r.stdout)
    }

    func card(_ doc: JSON, _ key: String) throws -> JSON {
        try XCTUnwrap(doc["scorecards"]?.arrayValue?.first { $0["key"]?.stringValue == key }, key)
    }

    func estimate(_ e: JSON?) -> [Double?] { ["value", "low", "high", "count"].map { e?[$0]?.numberValue } }

    func testHandComputedEmployeeFigures() throws {
        let doc = try scorecards("--period", "month", "--json")
        XCTAssertEqual(doc["period"]?["label"], "2026-11", "the latest reviewed month")
        XCTAssertEqual(doc["previous_period"]?["label"], "2026-10")
        XCTAssertEqual(doc["scorecards"]?.arrayValue?.compactMap { $0["key"]?.stringValue }, ["E-2", "E-1", "E-3"])

        let e1 = try card(doc, "E-1")
        let now = try XCTUnwrap(e1["current"])
        XCTAssertEqual(now["sessions_reviewed"], 3)
        // (100 + 50 + 29.17) / 3; t(2) = 4.303 gives −30.7…150.2, cut to the scale.
        XCTAssertEqual(estimate(now["mean_percent"]), [59.7, 0, 100, 3])
        // Wilson 1 of 3.
        XCTAssertEqual(estimate(now["pass_rate"]), [33.3, 6.1, 79.2, 3])
        XCTAssertEqual(now["passed"], 1)
        let critical = try XCTUnwrap(now["critical_failures"]?.arrayValue)
        XCTAssertEqual(critical.count, 1)
        XCTAssertEqual(critical.first?["session_id"], "S-3")
        XCTAssertEqual(critical.first?["item_id"], "a3")
        XCTAssertEqual(critical.first?["item"], "Identifies the customer")
        XCTAssertEqual(critical.first?["scope"], "section")
        let sections = try XCTUnwrap(now["sections"]?.arrayValue)
        XCTAssertEqual(sections.map { $0["section_id"] }, ["a", "b"])
        // A: 100, 33.3 (N/A drops out), 0 (critical) → 44.4; B: 100, 75, 87.5 → 87.5 with the bounded
        // mean's variance (78.125 × 21.875 + 2 × 156.25) / 3 = 673.8: 87.5 − 3.182 × √(673.8 / 3) = 39.8.
        XCTAssertEqual(estimate(sections[0]["mean_percent"]), [44.4, 0, 100, 3])
        XCTAssertEqual(estimate(sections[1]["mean_percent"]), [87.5, 39.8, 100, 3])
        // CSI from 5 and 3 (the fraud questionnaire's 1 left out); NPS from 10 and 6.
        XCTAssertEqual(estimate(now["csi"]), [75, 0, 100, 2])
        XCTAssertEqual(estimate(now["nps"]), [0, -100, 100, 2])
        XCTAssertEqual(now["questionnaires"], 3)
        XCTAssertEqual(now["questionnaires_left_out_for_fraud"], 1)
        XCTAssertEqual(now["callback_requests"], 3)

        let before = try XCTUnwrap(e1["previous"])
        XCTAssertEqual(before["sessions_reviewed"], 1)
        XCTAssertEqual(estimate(before["mean_percent"]), [0, nil, nil, 1], "one review has no interval")
        XCTAssertEqual(before["critical_failures"]?.arrayValue?.first?["item_id"], "b2")
        XCTAssertEqual(before["critical_failures"]?.arrayValue?.first?["scope"], "session")
        XCTAssertEqual(estimate(before["csi"]), [75, nil, nil, 1])
        XCTAssertEqual(e1["change"]?["mean_percent"], 59.7)
        XCTAssertEqual(e1["change"]?["pass_rate"], 33.3)
        XCTAssertEqual(e1["change"]?["csi"], 0)
        XCTAssertEqual(e1["change"]?["sessions_reviewed"], 2)
        let trend = try XCTUnwrap(e1["trend"]?.arrayValue)
        XCTAssertEqual(trend.count, 12)
        XCTAssertEqual(trend.first?["period"], "2025-12")
        XCTAssertEqual(trend.suffix(2).map { $0["mean_percent"]?["value"] }, [0, 59.7])

        // E-2: 100 and 95 → μ̃ = 81.67, variance (81.67 × 18.33 + 12.5) / 2 = 754.9, t(2): 97.5 − 4.303 × √(754.9 / 2) = 13.9.
        // E-3: three zeros are no certainty either: μ̃ = 12.5, variance 12.5 × 87.5 / 3 = 364.6, 0 + 3.182 × √(364.6 / 3) = 35.1.
        XCTAssertEqual(estimate(try card(doc, "E-2")["current"]?["mean_percent"]), [97.5, 13.9, 100, 2])
        XCTAssertEqual(estimate(try card(doc, "E-2")["current"]?["pass_rate"]), [100, 34.2, 100, 2])
        XCTAssertEqual(estimate(try card(doc, "E-3")["current"]?["mean_percent"]), [0, 0, 35.1, 3])
        XCTAssertEqual(try card(doc, "E-3")["current"]?["critical_failures"]?.arrayValue?.count, 6)
        // Ranks: every interval overlaps the others (two and three reviews prove no order), so
        // each may hold any place of the three.
        XCTAssertEqual(try ["E-1", "E-2", "E-3"].map { try card(doc, $0)["rank"] }, [1, 1, 1])
        XCTAssertEqual(try ["E-1", "E-2", "E-3"].map { try card(doc, $0)["rank_lowest"] }, [3, 3, 3])
        XCTAssertEqual(try card(doc, "E-2")["name"], .null, "no names without --include-personal-data")
    }

    func testPeriodsAndLocations() throws {
        let october = try scorecards("--period", "2026-10", "--json")
        XCTAssertEqual(october["scorecards"]?.arrayValue?.map { $0["key"] }, ["E-1"])
        let week = try scorecards("--period", "week", "--at", "2026-11-11", "--json")
        XCTAssertEqual(week["period"]?["label"], "2026-W46")
        XCTAssertEqual(week["period"]?["from"], "2026-11-09")
        XCTAssertEqual(week["previous_period"]?["label"], "2026-W45")
        XCTAssertEqual(Set(week["scorecards"]?.arrayValue?.compactMap { $0["key"]?.stringValue } ?? []), ["E-1", "E-2", "E-3"])
        XCTAssertEqual(try card(week, "E-1")["current"]?["sessions_reviewed"], 1, "S-2 only")
        XCTAssertEqual(try card(week, "E-2")["previous"]?["sessions_reviewed"], 1, "S-5 in the week before")
        let range = try scorecards("--from", "2026-11-01", "--to", "2026-11-20", "--json")
        XCTAssertEqual(range["previous_period"]?["from"], "2026-10-12")
        XCTAssertEqual(range["previous_period"]?["to"], "2026-10-31")
        XCTAssertEqual(try card(range, "E-1")["previous"]?["sessions_reviewed"], 1)

        let byLocation = try scorecards("--by", "location", "--json")
        let l1 = try card(byLocation, "L-1")
        XCTAssertEqual(l1["current"]?["sessions_reviewed"], 5)
        // (100 + 50 + 29.17 + 100 + 95) / 5.
        XCTAssertEqual(l1["current"]?["mean_percent"]?["value"], 74.8)
        XCTAssertNotEqual(l1["name"], .null, "location names are not personal data")

        for bad in [["--period", "2026-13"], ["--period", "fortnight"], ["--from", "2026-11-01"], ["--by", "reviewer", "--json"], ["--format", "html"]] {
            let r = Executable.run(["--db", db, "--reviewer", "lena", "scorecards"] + bad)
            XCTAssertEqual(r.status, 2, "\(bad): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").first?.hasPrefix("msreview: "), true, r.stderr)
        }
    }

    /// A lead's decision on S-3's fraud finding: confirmed it stays out of CSI/NPS and is counted
    /// as confirmed; dismissed it counts again. Exports, the audit log and a re-check agree.
    /// A dispute end to end through the CLI: opened within the window after approval, refused
    /// after it; arbitrated by a lead other than the approver; an accepted dispute overrides the
    /// item and moves the figures (worked out by hand), a rejected one moves none.
    func testADisputeIsOpenedInTimeArbitratedByAnotherLeadAndChangesTheFigures() throws {
        let store = try Store(path: db)
        let lead = ReviewService(store: store, actor: "lena")
        try lead.addReviewer(id: "mark", role: .lead, name: nil)
        // Every step's time follows the review's submission (whatever clock the set-up ran on).
        let submitted = try XCTUnwrap(try store.reviews(session: "S-3").first?.submittedMillis)
        func at(hours: Double) -> String { Timestamp(utcMillis: submitted + Int64(hours * 3_600_000), offsetSeconds: 0).description }
        func run(_ who: String, _ hours: Double, _ args: [String]) -> ProcessResult {
            Executable.run(["--db", db, "--reviewer", who] + args, environment: ["MSREVIEW_NOW": at(hours: hours)])
        }
        XCTAssertEqual(run("lena", 1, ["approve", "S-3"]).status, 0)
        XCTAssertEqual(run("lena", 1, ["approve", "S-7"]).status, 0)
        let before = try XCTUnwrap(try card(try scorecards("--period", "2026-11", "--json"), "E-1")["current"])
        XCTAssertEqual(before["mean_percent"]?["value"], 59.7)
        XCTAssertEqual(before["disputed_items"], 0)

        // Opening: leads only, a reason, an item of the checklist, within 14 days of the approval.
        let opened = run("lena", 24, ["dispute", "S-3", "--item", "a3", "--reason", "the customer was identified at 10:16", "--json"])
        XCTAssertEqual(opened.status, 0, opened.stderr)
        let dispute = try JSON.parse(opened.stdout)
        XCTAssertEqual(dispute["status"], "open")
        XCTAssertEqual(dispute["reviewer"], "anna")
        XCTAssertEqual(dispute["opened_at"], .string(at(hours: 24)))
        let id = String(Int(try XCTUnwrap(dispute["id"]?.numberValue)))
        XCTAssertEqual(run("lena", 25, ["dispute", "S-3", "--item", "a3", "--reason", "again"]).status, 1, "one open dispute per item")
        XCTAssertEqual(run("anna", 25, ["dispute", "S-2", "--item", "a1", "--reason", "x"]).status, 1, "a reviewer opens none")
        XCTAssertEqual(run("lena", 25, ["dispute", "S-2", "--item", "zz", "--reason", "x"]).status, 1, "no such item")
        XCTAssertEqual(run("lena", 25, ["dispute", "S-2", "--item", "a1"]).status, 2, "the reason is required")
        let late = run("mark", 1 + 14 * 24 + 1, ["dispute", "S-7", "--item", "a1", "--reason", "too late"])
        XCTAssertEqual(late.status, 1)
        XCTAssertEqual(late.stderr, "msreview: the dispute window of session S-7 closed at \(at(hours: 1 + 14 * 24)) (14 days after it was approved; setting dispute_days)\n")
        let inTime = run("mark", 1 + 14 * 24 - 1, ["dispute", "S-7", "--item", "a1", "--reason", "greeted in Russian", "--json"])
        XCTAssertEqual(inTime.status, 0, inTime.stderr)
        let second = String(Int(try XCTUnwrap(try JSON.parse(inTime.stdout)["id"]?.numberValue)))

        // Arbitration: not the approver, not a reviewer; once.
        let byApprover = run("lena", 30, ["dispute", "accept", id, "--answer", "yes"])
        XCTAssertEqual(byApprover.stderr, "msreview: lena approved the review: another lead arbitrates dispute #\(id)\n")
        XCTAssertEqual(run("anna", 30, ["dispute", "accept", id, "--answer", "yes"]).stderr, "msreview: only a lead may arbitrate disputes (anna is not a lead)\n")
        XCTAssertEqual(run("mark", 30, ["dispute", "accept", id]).status, 2, "accepting sets the answer")
        let accepted = run("mark", 30, ["dispute", "accept", id, "--answer", "yes", "--reason", "heard at 10:16", "--json"])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertEqual(try JSON.parse(accepted.stdout)["status"], "accepted")
        XCTAssertEqual(try JSON.parse(accepted.stdout)["decided_by"], "mark")
        XCTAssertTrue(run("mark", 31, ["dispute", "reject", id, "--reason", "no"]).stderr.contains("dispute #\(id) was accepted by mark"))
        XCTAssertEqual(run("mark", 31, ["dispute", "reject", second]).status, 2, "a rejection needs its reason")
        XCTAssertEqual(run("lena", 31, ["dispute", "reject", second, "--reason", "x"]).status, 1, "lena approved S-7")
        let rejected = run("mark", 31, ["dispute", "reject", second, "--reason", "no greeting on the recording"])
        XCTAssertEqual(rejected.status, 0, "opening it does not bar mark: \(rejected.stderr)")

        // The override carries the dispute; the review is 87.5 % now (A: 2 + 0.5 + 1 of 4, B: 0.75 + 1 of 2).
        let review = try JSON.parse(run("lena", 32, ["review", "S-3", "--json"]).stdout).arrayValue?.first
        XCTAssertEqual(review?["percent"], 87.5)
        let log = try JSON.parse(run("lena", 32, ["log", "S-3", "--json"]).stdout).arrayValue ?? []
        XCTAssertEqual(log.compactMap { $0["action"]?.stringValue }.filter { $0.hasPrefix("dispute") || $0 == "override" }, ["dispute-open", "override", "dispute-accept"])
        XCTAssertEqual(log.first { $0["action"] == "override" }?["reason"], .string("dispute #\(id): the customer was identified at 10:16 — heard at 10:16"))

        // The figures it changes: E-1's November is (100 + 50 + 87.5) / 3, two passes of three
        // (Wilson 20.8–93.9), no critical failure; E-3's rejected dispute changes nothing but its count.
        let doc = try scorecards("--period", "2026-11", "--json")
        let e1 = try XCTUnwrap(try card(doc, "E-1")["current"])
        XCTAssertEqual(e1["mean_percent"]?["value"], 79.2)
        XCTAssertEqual(estimate(e1["pass_rate"]), [66.7, 20.8, 93.9, 3])
        XCTAssertEqual(e1["critical_failures"]?.arrayValue?.count, 0)
        XCTAssertEqual(e1["disputed_items"], 1)
        XCTAssertEqual(e1["overturned_items"], 1)
        let e3 = try XCTUnwrap(try card(doc, "E-3")["current"])
        XCTAssertEqual(e3["mean_percent"]?["value"], 0)
        XCTAssertEqual(e3["disputed_items"], 1)
        XCTAssertEqual(e3["overturned_items"], 0)
        // The reviewer audit: one of anna's nine November reviews overturned (Wilson 2.0–43.5 %), the team's the same.
        let audit = try JSON.parse(run("lena", 32, ["audit", "reviewers", "--period", String(at(hours: 0).prefix(7)), "--json"]).stdout)
        let anna = try XCTUnwrap(audit["reviewers"]?.arrayValue?.first { $0["reviewer"] == "anna" })
        XCTAssertEqual([anna["overturned_percent"], anna["overturned_low"], anna["overturned_high"], anna["team_overturned_percent"]].map { $0?.numberValue },
                       [11.1, 2.0, 43.5, 11.1])
        XCTAssertEqual(anna["flags"]?.arrayValue?.contains("overturned"), false, "not above the team's")
        // Listed, with what each reader may see.
        let all = try JSON.parse(run("lena", 33, ["disputes", "--json"]).stdout).arrayValue ?? []
        XCTAssertEqual(all.map { $0["status"] }, ["accepted", "rejected"])
        XCTAssertEqual(try JSON.parse(run("anna", 33, ["disputes", "--status", "rejected", "--json"]).stdout).arrayValue?.map { $0["session_id"] }, ["S-7"],
                       "a reviewer sees the disputes of her own reviews")
        XCTAssertEqual(run("lena", 33, ["disputes", "--status", "open"]).stdout, "(no disputes)\n")
        XCTAssertEqual(run("lena", 33, ["disputes", "--status", "closed"]).status, 2)
    }

    func testALeadsDecisionOnAFraudFindingDecidesWhetherItsQuestionnaireCounts() throws {
        func run(_ who: String, _ args: [String]) -> ProcessResult { Executable.run(["--db", db, "--reviewer", who] + args) }
        func findingID() throws -> Int {
            let list = try JSON.parse(run("lena", ["fraud", "--session", "S-3", "--severity", "fraud", "--json"]).stdout)
            return Int(try XCTUnwrap(list.arrayValue?.first?["id"]?.numberValue))
        }
        let id = try findingID()
        let refused = run("anna", ["findings", "dismiss", String(id), "--reason", "looks fine"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "msreview: only a lead may dismiss findings (anna is not a lead)\n")
        XCTAssertEqual(run("lena", ["findings", "dismiss", String(id), "--reason", "   "]).status, 2, "a reason is required")
        XCTAssertEqual(run("lena", ["findings", "dismiss", String(id)]).status, 2, "a reason is required")
        XCTAssertEqual(run("lena", ["findings", "dismiss", "x7", "--reason", "r"]).status, 2)
        XCTAssertEqual(run("lena", ["findings", "dismiss", "999999", "--reason", "r"]).stderr,
                       "msreview: no finding #999999 (msreview fraud lists them with their ids)\n")

        let confirmed = run("lena", ["findings", "confirm", "#\(id)", "--reason", "the device clock was right", "--json"])
        XCTAssertEqual(confirmed.status, 0, confirmed.stderr)
        XCTAssertEqual(try JSON.parse(confirmed.stdout)["decision"]?["decision"], "confirmed")
        var e1 = try XCTUnwrap(try card(try scorecards("--period", "month", "--json"), "E-1")["current"])
        XCTAssertEqual(estimate(e1["csi"]), [75, 0, 100, 2], "still left out")
        XCTAssertEqual(e1["questionnaires_left_out_for_fraud"], 1)
        XCTAssertEqual(e1["questionnaires_left_out_confirmed"], 1)
        XCTAssertEqual(e1["questionnaires_kept_in_dismissed"], 0)

        // The latest decision stands: dismissed, S-3's answers (CSI 1 → 0, NPS 0) count again.
        XCTAssertEqual(run("lena", ["findings", "dismiss", String(id), "--reason", "submitted late by a slow tablet; customer confirmed by phone"]).status, 0)
        let doc = try scorecards("--period", "month", "--json")
        e1 = try XCTUnwrap(try card(doc, "E-1")["current"])
        XCTAssertEqual(estimate(e1["csi"]).first, 50, "(100 + 50 + 0) / 3")
        XCTAssertEqual(estimate(e1["csi"]).last, 3)
        XCTAssertEqual(try XCTUnwrap(e1["nps"]?["value"]?.numberValue), -33.3, accuracy: 1e-9, "1 promoter, 2 detractors of 3")
        XCTAssertEqual(e1["questionnaires_left_out_for_fraud"], 0)
        XCTAssertEqual(e1["questionnaires_left_out_confirmed"], 0)
        XCTAssertEqual(e1["questionnaires_kept_in_dismissed"], 1)

        let answers = try JSON.parse(run("lena", ["export", "questionnaires", "--format", "json"]).stdout).arrayValue ?? []
        let s3 = answers.filter { $0["session_id"] == "S-3" }
        XCTAssertFalse(s3.isEmpty)
        XCTAssertTrue(s3.allSatisfy { $0["left_out_for_fraud"] == false && $0["fraud_findings"] == "dismissed" })
        XCTAssertTrue(answers.filter { $0["session_id"] == "S-1" }.allSatisfy { $0["fraud_findings"] == "none" })
        let findings = try JSON.parse(run("lena", ["export", "findings", "--format", "json"]).stdout).arrayValue ?? []
        let decided = try XCTUnwrap(findings.first { $0["session_id"] == "S-3" && $0["severity"] == "fraud" })
        XCTAssertEqual(decided["decision"], "dismissed")
        XCTAssertEqual(decided["decided_by"], "lena")
        XCTAssertEqual(decided["decided_at"], "2026-11-25T12:00:00Z", "the pinned clock")
        XCTAssertTrue(findings.filter { $0["session_id"] != "S-3" }.allSatisfy { $0["decision"] == "undecided" })

        let log = try JSON.parse(run("lena", ["log", "S-3", "--json"]).stdout).arrayValue ?? []
        let entries = log.filter { ($0["action"]?.stringValue ?? "").hasSuffix("-finding") }
        XCTAssertEqual(entries.map { $0["action"]?.stringValue }, ["confirm-finding", "dismiss-finding"])
        XCTAssertEqual(entries.last?["reason"], "submitted late by a slow tablet; customer confirmed by phone")
        XCTAssertEqual(entries.last?["detail"]?["previous"], "confirmed")
        XCTAssertEqual(entries.last?["detail"]?["code"], "answers-outside-session")

        // A re-check deletes and derives the findings anew: the finding keeps its id and decision.
        XCTAssertEqual(run("lena", ["fraud", "--recheck"]).status, 0)
        XCTAssertEqual(try findingID(), id, "#N still names the same finding")
        let after = try JSON.parse(run("lena", ["fraud", "--session", "S-3", "--severity", "fraud", "--json"]).stdout)
        XCTAssertEqual(after.arrayValue?.first?["decision"]?["decision"], "dismissed")
        XCTAssertEqual(try card(try scorecards("--period", "month", "--json"), "E-1")["current"]?["questionnaires_kept_in_dismissed"], 1)
        let undecided = try JSON.parse(run("lena", ["fraud", "--decision", "undecided", "--json"]).stdout).arrayValue ?? []
        XCTAssertFalse(undecided.contains { $0["session_id"] == "S-3" && $0["severity"] == "fraud" })
        let html = Executable.run(["--db", db, "--reviewer", "lena", "scorecards", "--period", "month", "--out", dir + "/html"])
        XCTAssertEqual(html.status, 0, html.stderr)
        let page = String(decoding: try readFile(dir + "/html/employee-E-1.html"), as: UTF8.self)
        XCTAssertTrue(page.contains("Kept in: fraud findings dismissed"), "the scorecard shows decisions apart")
    }

    func testCSVFilesRoundTripThroughPython() throws {
        let r = Executable.run(["--db", db, "--reviewer", "lena", "scorecards", "--format", "csv", "--out", dir + "/csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try pythonCSV(dir + "/csv/scorecards.csv")
        let header = try XCTUnwrap(rows.first)
        func column(_ key: String, _ name: String) throws -> String {
            let row = try XCTUnwrap(rows.first { $0.first == key })
            return row[try XCTUnwrap(header.firstIndex(of: name), name)]
        }
        XCTAssertEqual(header.first, "employee_id")
        XCTAssertFalse(header.contains("name"))
        XCTAssertEqual(try column("E-1", "mean_percent"), "59.7")
        XCTAssertEqual(try column("E-1", "pass_rate_low"), "6.1")
        XCTAssertEqual(try column("E-1", "questionnaires_left_out_for_fraud"), "1")
        XCTAssertEqual(try column("E-1", "previous_mean_percent"), "0")
        XCTAssertEqual(try column("E-1", "change_mean_percent"), "59.7")
        XCTAssertEqual(try column("E-3", "rank"), "1")
        XCTAssertEqual(try column("E-3", "rank_lowest"), "3")
        let critical = try pythonCSV(dir + "/csv/critical-failures.csv")
        XCTAssertEqual(critical.count - 1, 1 + 1 + 6, "E-1 now and before, E-3 twice three times")
        let sections = try pythonCSV(dir + "/csv/sections.csv")
        XCTAssertTrue(sections.contains { $0.prefix(4) == ["E-1", "2026-11", "mini", "a"] && $0[5] == "44.4" }, "\(sections)")
        XCTAssertEqual(try pythonCSV(dir + "/csv/trend.csv").count, 1 + 3 * 12)
    }

    func testHTMLIsSelfContainedAndEscaped() throws {
        let r = Executable.run(["--db", db, "--reviewer", "lena", "scorecards", "--out", dir + "/html", "--include-personal-data"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("3 employee scorecards for 2026-11"), r.stdout)
        let index = String(decoding: try readFile(dir + "/html/index.html"), as: UTF8.self)
        let card = String(decoding: try readFile(dir + "/html/employee-E-2.html"), as: UTF8.self)
        for page in [index, card] {
            XCTAssertFalse(page.lowercased().contains("<script"), "no script, and a hostile name is escaped")
            XCTAssertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; Ли"))
            XCTAssertTrue(page.contains("default-src 'none'"))
            XCTAssertFalse(page.contains("http://") || page.contains("https://"), "nothing loaded from outside")
            XCTAssertTrue(page.contains("<svg"))
        }
        XCTAssertTrue(index.contains("href=\"employee-E-1.html\""))
        XCTAssertTrue(index.contains("<tr><td class=\"n\">1–3</td><td class=\"who\"><a href=\"employee-E-2.html\""), "a rank is the range of places")
        // The trend's axis: short month names at 12 px (9 pt printed), the year under the first
        // month and January, and months without reviews shaded as gaps.
        XCTAssertTrue(card.contains("<text class=\"axis\"") && card.contains(">Dec</text>") && card.contains(">Jan</text>"), card)
        XCTAssertTrue(card.contains(">2025</text>") && card.contains(">2026</text>"))
        XCTAssertTrue(card.contains("fill=\"#f6f8fa\"") && card.contains("shaded: no reviews"))
        XCTAssertTrue(card.contains("svg text.axis { font-size: 12px; }"))
        XCTAssertTrue(card.contains("rank 1–3 of 3"), card)
        // CSI and NPS on the index carry their answer counts; from a handful of answers, grey.
        XCTAssertTrue(index.range(of: "<td class=\"n stack\">(<span class=\"flat\">)?-?[0-9.]+(</span>)? <span class=\"ci\">n=[0-9]+</span></td>", options: .regularExpression) != nil, index)
        XCTAssertTrue(card.contains("size: A4"))
        XCTAssertTrue(card.contains("97.5 <span class=\"ci\">[13.9–100.0] n=2</span>"), card)
        XCTAssertEqual(ScorecardHTML.fileName(.employee, "../x y"), "employee-.._2fx_20y.html")
    }
}

extension ScorecardTests {
    /// Width and height from a PNG's IHDR chunk.
    func pngSize(_ path: String) throws -> (Int, Int) {
        let b = try readFile(path)
        XCTAssertEqual(Array(b.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
        func be32(_ i: Int) -> Int { b[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    func testRendersInHeadlessChromiumWithoutConsoleErrors() throws {
        guard Chromium.isInstalled else { return XCTFail("chromium is not installed: run make test (it installs Debian's chromium)") }
        XCTAssertEqual(Executable.run(["--db", db, "--reviewer", "lena", "scorecards", "--out", dir + "/html", "--include-personal-data"]).status, 0)
        // The check is live: a page that breaks the policy does show up in the console.
        try writeFile(dir + "/bad.html", Array("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"><img src=\"http://x.invalid/a.png\">".utf8))
        XCTAssertFalse(Chromium.render(dir + "/bad.html", screenshot: dir + "/bad.png").console.isEmpty, "console messages are caught")

        for page in ["index.html", "employee-E-1.html", "employee-E-2.html"] {
            let png = dir + "/" + page + ".png"
            let r = Chromium.render(dir + "/html/" + page, screenshot: png, width: 800, height: 1100)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.console, [], page)
            XCTAssertEqual(try pngSize(png).0, 800)
            XCTAssertGreaterThan(try readFile(png).count, 10_000, "\(page) drew something")
        }
        let pdf = dir + "/card.pdf"
        let printed = Chromium.render(dir + "/html/employee-E-1.html", pdf: pdf)
        XCTAssertEqual(printed.console, [])
        let text = String(decoding: try readFile(pdf), as: UTF8.self)
        XCTAssertTrue(text.contains("/MediaBox [0 0 594.95996 841.91998]"), "printed on A4 (@page size)")
        // Each card on one A4 page, customer satisfaction included; the index whole, its last column too.
        guard PrintedPDF.isInstalled else { return XCTFail("poppler-utils is not installed: run make test") }
        for page in ["employee-E-1.html", "employee-E-2.html", "employee-E-3.html", "index.html"] {
            let out = dir + "/" + page + ".pdf"
            XCTAssertEqual(Chromium.render(dir + "/html/" + page, pdf: out).status, 0)
            XCTAssertEqual(PrintedPDF.pages(out), 1, "\(page) prints on one A4 page")
            let printedText = PrintedPDF.text(out)
            if page == "index.html" {
                // The last column's heading and E-3's NPS, the right-most figure of the last row.
                XCTAssertTrue(printedText.contains("NPS") && printedText.contains("-100.0"), "the right-hand column is printed: \(printedText)")
            } else {
                XCTAssertTrue(printedText.contains("NPS") && printedText.contains("CSI"), "customer satisfaction on the same page: \(printedText)")
            }
        }
    }
}
