import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// The review lifecycle, roles and queue, against a real store holding the sample bundles.
final class ReviewTests: XCTestCase {
    var dir = ""
    var store: Store!
    let clock = TestClock()

    override func setUpWithError() throws {
        dir = makeTempDirectory("reviews")
        store = try Store(path: TestStore.location(in: dir, name: "s"))
        _ = try Importer(store: store, now: { self.clock.now }).run(paths: [Repository.samples])
        let lead = service("lena")
        try lead.addReviewer(id: "lena", role: .lead, name: "Елена")
        _ = try lead.loadChecklists([Repository.checklists])
        try lead.addReviewer(id: "anna", role: .reviewer, name: nil)
        try lead.addReviewer(id: "bob", role: .reviewer, name: nil)
    }

    override func tearDown() {
        store = nil
        removeTree(dir)
    }

    func service(_ actor: String, claimHours: Double = 24) -> ReviewService {
        var config = Config()
        config.values["claim_hours"] = claimHours
        return ReviewService(store: store, actor: actor, config: config, now: { self.clock.now })
    }

    /// Every bank-branch item answered "yes" (or its top value), with overrides by `changes`.
    func bankAnswers(_ changes: [String: JSON] = [:], evidence: [String: [String]] = [:]) -> JSON {
        let c = try! service("lena").checklist("bank-branch")
        var answers: [(String, JSON)] = c.items.map { item in
            switch item.kind {
            case .yesno: return (item.id, .string("yes"))
            case let .scale(n), let .points(n): return (item.id, .number(Double(n)))
            }
        }
        for (k, v) in changes { answers[answers.firstIndex { $0.0 == k }!].1 = v }
        return .object([("answers", .object(answers)),
                        ("evidence", .object(evidence.map { ($0.key, .array($0.value.map(JSON.string))) }))])
    }

    func testFirstLeadIsExplicitThenOnlyLeadsAddReviewers() throws {
        let fresh = try Store(path: TestStore.location(in: dir, name: "fresh"))
        let s = ReviewService(store: fresh, actor: "someone")
        XCTAssertThrowsError(try s.addReviewer(id: "someone", role: .reviewer, name: nil)) {
            XCTAssertTrue("\($0)".contains("--role lead"), "\($0)")
        }
        try s.addReviewer(id: "someone", role: .lead, name: nil)
        XCTAssertThrowsError(try service("anna").addReviewer(id: "carl", role: .reviewer, name: nil)) {
            XCTAssertEqual($0 as? ReviewError, .leadOnly(actor: "anna", action: "add reviewers"))
        }
        XCTAssertThrowsError(try service("lena").setRole(id: "lena", role: .reviewer)) { XCTAssertTrue("\($0)".contains("only lead")) }
        XCTAssertThrowsError(try service("nobody").pull(count: 1, checklist: nil)) {
            XCTAssertEqual($0 as? ReviewError, .notRegistered("nobody"))
        }
    }

    func testPullClaimsOldestFirstAndNeverTwice() throws {
        let a = try service("anna").pull(count: 3, checklist: nil)
        let b = try service("bob").pull(count: 3, checklist: nil)
        XCTAssertEqual(Set(a).intersection(b), [])
        // Oldest first by the moment the session started (UTC): Vladivostok's 15:05+10 is earliest.
        XCTAssertEqual(a.count, 3)
        XCTAssertTrue(a.contains("S-20261120-0005"))
        let rest = try service("anna").pull(count: 100, checklist: nil)
        XCTAssertEqual(Set(a + b + rest).count, 8)
        XCTAssertEqual(try service("bob").pull(count: 1, checklist: nil), [])
        XCTAssertEqual(try store.sessions(SessionFilter()).map(\.status), Array(repeating: "claimed", count: 8))
    }

    func testPullByChecklist() throws {
        let ids = try service("anna").pull(count: 10, checklist: "pharmacy")
        XCTAssertEqual(ids, ["S-20261120-0003", "S-20261120-0006"])
    }

    func testClaimsExpireAndPassToTheNextPuller() throws {
        let first = try service("anna", claimHours: 1).pull(count: 1, checklist: nil)
        clock.advance(seconds: 1800)
        XCTAssertFalse(try service("bob", claimHours: 1).pull(count: 8, checklist: nil).contains(first[0]), "still held")
        clock.advance(seconds: 1900)
        XCTAssertEqual(try service("bob", claimHours: 1).pull(count: 8, checklist: nil), first, "expired after an hour")
        let history = try store.reviews(session: first[0])
        XCTAssertEqual(history.map(\.status), [.expired, .claimed])
        XCTAssertThrowsError(try service("anna").score(session: first[0], answers: bankAnswers(), source: "a", checklist: nil, submit: false))
    }

    func testDraftSubmitAndImmutability() throws {
        let id = "S-20261120-0001"
        _ = try service("anna").pull(count: 1, checklist: "bank-branch")
        let partial = try service("anna").score(session: id, answers: .object([("greet", "yes".json), ("tone", 4.json)]),
                                                source: "a.json", checklist: nil, submit: false)
        XCTAssertEqual(partial.record.status, .draft)
        XCTAssertEqual(partial.record.checklistVersion, 1)
        XCTAssertFalse(partial.blockers!.unanswered.isEmpty)
        // A refused submit keeps the draft it saved.
        XCTAssertThrowsError(try service("anna").score(session: id, answers: .object([("introduce", "yes".json)]),
                                                       source: "b.json", checklist: nil, submit: true)) {
            guard case .incomplete = $0 as! ReviewError else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(try store.answers(review: partial.record.id)["introduce"]?.answer, .yes)

        // A failing evidence item needs a moment of the recording.
        XCTAssertThrowsError(try service("anna").score(session: id, answers: bankAnswers(["greet": "no"]), source: "c", checklist: nil, submit: true)) {
            XCTAssertEqual(($0 as! ReviewError), .incomplete(SubmitBlockers(unanswered: [], missingEvidence: ["greet"])))
        }
        let done = try service("anna").score(session: id, answers: bankAnswers(["greet": "no"], evidence: ["greet": ["10:15:05"]]),
                                             source: "d", checklist: nil, submit: true)
        XCTAssertEqual(done.record.status, .submitted)
        XCTAssertEqual(done.entries["greet"]?.evidence, [Timestamp(rfc3339: "2026-11-20T10:15:05+03:00")!.utcMillis])
        XCTAssertEqual(try store.sessions(SessionFilter()).first { $0.id == id }?.status, "submitted")
        // Submitted: no more changes, not even straight through SQL.
        XCTAssertThrowsError(try service("anna").score(session: id, answers: bankAnswers(), source: "e", checklist: nil, submit: false))
        XCTAssertThrowsError(try store.db.execute("UPDATE review_answers SET answer = 'yes' WHERE review_id = ?", [.integer(done.record.id)])) {
            XCTAssertTrue("\($0)".contains("never changes in place"), "\($0)")
        }
        XCTAssertThrowsError(try store.db.execute("DELETE FROM audit_log"))
    }

    func testAnswersAreCheckedAgainstTheChecklist() throws {
        let id = "S-20261120-0001"
        _ = try service("anna").pull(count: 1, checklist: "bank-branch")
        func refused(_ doc: JSON, _ message: String, checklist: String? = nil) {
            XCTAssertThrowsError(try service("anna").score(session: id, answers: doc, source: "f.json", checklist: checklist, submit: false)) {
                XCTAssertTrue("\($0)".contains(message), "\($0)")
            }
        }
        refused(.object([("nope", "yes".json)]), "f.json: answers.nope: no such item in bank-branch v1")
        refused(.object([("tone", 6.json)]), "tone takes 1 to 5, not 6")
        refused(.object([("greet", "na".json)]), "\"not applicable\" is not allowed for greet")
        refused(.object([("greet", 1.5.json)]), "is not yes, no, na or a whole number")
        refused(.object([("answers", .object([("greet", "no".json)])), ("evidence", .object([("greet", .array(["23:59:00".json]))]))]), "outside the session")
        refused(.object([("greet", "yes".json)]), "scored against bank-branch, not pharmacy", checklist: "pharmacy")
        XCTAssertThrowsError(try service("anna").score(session: "S-20261120-0002", answers: .object([]), source: "g", checklist: nil, submit: false)) {
            XCTAssertEqual($0 as? ReviewError, .noOpenReview(session: "S-20261120-0002", reviewer: "anna"))
        }
    }

    func testReviewersSeeOnlyTheirOwnLeadsSeeAll() throws {
        let id = "S-20261120-0001"
        _ = try service("anna").pull(count: 1, checklist: "bank-branch")
        _ = try service("anna").score(session: id, answers: bankAnswers(), source: "a", checklist: nil, submit: true)
        XCTAssertThrowsError(try service("bob").reviews(session: id)) { XCTAssertEqual($0 as? ReviewError, .noReview(session: id, reviewer: "bob")) }
        XCTAssertThrowsError(try service("bob").reviews(session: id, reviewer: "anna")) { XCTAssertEqual($0 as? ReviewError, .othersReview(actor: "bob")) }
        XCTAssertThrowsError(try service("bob").release(session: id))
        XCTAssertThrowsError(try service("bob").submit(session: id))
        XCTAssertEqual(try service("anna").reviews(session: id).count, 1)
        XCTAssertEqual(try service("lena").reviews(session: id).map(\.record.reviewer), ["anna"])
        XCTAssertTrue(try service("bob").auditLog(session: id).isEmpty, "bob sees none of anna's trail")
        XCTAssertFalse(try service("anna").auditLog(session: id).isEmpty)
    }

    func testLeadActionsOverrideReturnApprove() throws {
        let id = "S-20261120-0001"
        _ = try service("anna").pull(count: 1, checklist: "bank-branch")
        let submitted = try service("anna").score(session: id, answers: bankAnswers(), source: "a", checklist: nil, submit: true)
        XCTAssertEqual(submitted.score?.percent, 100)

        XCTAssertThrowsError(try service("anna").override(session: id, reviewer: nil, item: "greet", answer: "no", reason: "x")) {
            XCTAssertEqual($0 as? ReviewError, .leadOnly(actor: "anna", action: "override reviews"))
        }
        XCTAssertThrowsError(try service("lena").override(session: id, reviewer: nil, item: "greet", answer: "no", reason: "  ")) {
            XCTAssertEqual($0 as? ReviewError, .reasonRequired("override"))
        }
        clock.advance(seconds: 60)
        let after = try service("lena").override(session: id, reviewer: nil, item: "identification", answer: "no", reason: "паспорт не проверен")
        XCTAssertEqual(after.score?.percent, 0, "a failed critical: session item zeroes the review")
        XCTAssertEqual(after.entries["identification"]?.answer, .yes, "the submitted answer is unchanged")
        XCTAssertEqual(after.effective["identification"]?.answer, .no)
        XCTAssertEqual(try store.review(id: after.record.id)?.percent, 0)
        let entry = try XCTUnwrap(try store.auditLog(session: id).last)
        XCTAssertEqual(entry.action, "override")
        XCTAssertEqual(entry.actor, "lena")
        XCTAssertEqual(entry.reason, "паспорт не проверен")
        XCTAssertEqual(entry.detail["before"], "yes".json)
        XCTAssertEqual(entry.detail["after"], "no".json)
        XCTAssertEqual(entry.detail["percent_before"], .number(100))
        XCTAssertEqual(entry.detail["percent_after"], .number(0))

        XCTAssertThrowsError(try service("lena").returnReview(session: id, reviewer: nil, reason: "")) {
            XCTAssertEqual($0 as? ReviewError, .reasonRequired("return"))
        }
        try service("lena").returnReview(session: id, reviewer: nil, reason: "проверьте идентификацию")
        XCTAssertEqual(try store.reviews(session: id).last?.status, .returned)
        // Returned: a draft again for its reviewer, who fixes and submits anew.
        clock.advance(seconds: 60)
        let fixed = try service("anna").score(session: id, answers: .object([("identification", "na".json)]), source: "b", checklist: nil, submit: true)
        XCTAssertEqual(fixed.record.status, .submitted)
        XCTAssertEqual(fixed.overrides, [], "the old override belonged to the earlier submission")
        XCTAssertThrowsError(try service("anna").approve(session: id, reviewer: nil))
        try service("lena").approve(session: id, reviewer: nil)
        XCTAssertEqual(try store.reviews(session: id).last?.status, .approved)
        XCTAssertEqual(try store.auditLog(session: id).map(\.action), ["claim", "submit", "override", "return", "submit", "approve"])
    }

    func testChecklistVersionsAreImmutableAndReviewsKeepTheirs() throws {
        let id = "S-20261120-0001"
        _ = try service("anna").pull(count: 1, checklist: "bank-branch")
        _ = try service("anna").score(session: id, answers: bankAnswers(), source: "a", checklist: nil, submit: true)
        let text = String(decoding: try readFile(Repository.checklists + "/bank-branch.checklist"), as: UTF8.self)
        let changedDir = dir + "/changed"
        try makeDirectories(changedDir)
        // Same version, different text: refused.
        try writeFile(changedDir + "/bank-branch.checklist", Array(text.replacingOccurrences(of: "pass: 80", with: "pass: 90").utf8))
        XCTAssertThrowsError(try service("lena").loadChecklists([changedDir])) { XCTAssertTrue("\($0)".contains("higher version"), "\($0)") }
        // A new version with a new item loads; the stored review keeps version 1 and its score.
        let v2 = text.replacingOccurrences(of: "version: 1", with: "version: 2")
            + "- extra: Новый пункт\n  kind: yesno\n"
        try writeFile(changedDir + "/bank-branch.checklist", Array(v2.utf8))
        XCTAssertEqual(try service("lena").loadChecklists([changedDir]).map(\.version), [2])
        XCTAssertEqual(try service("lena").loadChecklists([Repository.checklists + "/bank-branch.checklist"]).map(\.new), [false])
        let r = try service("anna").reviews(session: id)[0]
        XCTAssertEqual(r.checklist?.version, 1)
        XCTAssertEqual(r.score?.percent, 100)
        XCTAssertEqual(try service("lena").recomputeAll().changed, 0)
        XCTAssertEqual(try service("lena").checklist("bank-branch").version, 2)
    }

    func testReleaseReturnsTheSessionToTheQueue() throws {
        let id = try service("anna").pull(count: 1, checklist: nil)[0]
        try service("anna").release(session: id)
        XCTAssertEqual(try store.sessions(SessionFilter()).first { $0.id == id }?.status, "new")
        XCTAssertEqual(try service("bob").pull(count: 1, checklist: nil), [id])
    }

    func testRecomputeRestoresCachedScores() throws {
        _ = try service("anna").pull(count: 1, checklist: "bank-branch")
        let v = try service("anna").score(session: "S-20261120-0001", answers: bankAnswers(["tone": 3]), source: "a", checklist: nil, submit: true)
        try store.setScore(review: v.record.id, percent: 1, passed: false)
        XCTAssertEqual(try service("lena").recomputeAll().changed, 1)
        XCTAssertEqual(try store.review(id: v.record.id)?.percent, v.score?.percent)
    }
}
