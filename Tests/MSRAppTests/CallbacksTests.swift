import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// Issue 19's callback work list end to end through the built executable, on either backend:
/// import → list as a lead (a reviewer sees no phone) → take → no answer → again → reached;
/// two leads taking at once never both get one; overdue; retention keeps the outcome only.
final class CallbacksTests: XCTestCase {
    var dir = ""
    var db = ""

    override func setUp() { dir = makeTempDirectory("callbacks"); db = TestStore.location(in: dir) }
    override func tearDown() { removeTree(dir) }

    @discardableResult
    func msreview(_ who: String, at time: String, _ args: String...) -> ProcessResult {
        Executable.run(["--db", db, "--reviewer", who] + args, environment: ["MSREVIEW_NOW": time])
    }

    func list(_ who: String, at time: String, _ args: String...) throws -> [JSON] {
        let r = Executable.run(["--db", db, "--reviewer", who, "callbacks", "--json"] + args, environment: ["MSREVIEW_NOW": time])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSON.parse(r.stdout).arrayValue ?? []
    }

    func testTheWorkListFromImportToReachedAndRetention() throws {
        _ = try SampleGenerator(count: 54, seed: 3).generate(into: dir + "/spool")
        let t0 = "2027-01-01T00:00:00Z"
        XCTAssertEqual(msreview("lena", at: t0, "import", dir + "/spool").status, 0)
        for (who, role) in [("lena", "lead"), ("mark", "lead"), ("anna", "reviewer")] {
            XCTAssertEqual(msreview("lena", at: t0, "reviewers", "add", who, "--role", role).status, 0)
        }
        XCTAssertEqual(msreview("lena", at: t0, "checklists", "load", Repository.checklists).status, 0)

        // Every imported request is on the list, oldest first, with its name and phone for a lead.
        let all = try list("lena", at: t0, "--status", "all")
        XCTAssertEqual(all.count, 6, "one in nine generated sessions asks for a callback")
        let requested = all.compactMap { $0["requested_at"]?.stringValue }
        XCTAssertEqual(requested, requested.sorted())
        XCTAssertTrue(all.allSatisfy { $0["phone"]?.stringValue?.hasPrefix("+7 900") == true && $0["name"] == "Иван" && $0["status"] == "open" })
        // Every later step's clock counts from the newest request.
        let newest = try XCTUnwrap(Timestamp(rfc3339: try XCTUnwrap(requested.last)))
        func at(hours: Double) -> String { newest.adding(millis: Int64(hours * 3_600_000)).description }
        func id(_ c: JSON?) -> String? { c?["id"]?.numberValue.map { String(Int($0)) } }

        // A reviewer sees the callbacks of the sessions she holds, without name and phone.
        let session = try XCTUnwrap(all.first?["session_id"]?.stringValue)
        XCTAssertEqual(msreview("anna", at: at(hours: 0.5), "pull", session).status, 0)
        let hers = try list("anna", at: at(hours: 0.5))
        XCTAssertEqual(hers.map { $0["session_id"] }, [.string(session)])
        XCTAssertEqual(hers.first?["phone"], .null)
        XCTAssertEqual(hers.first?["name"], .null)
        let text = msreview("anna", at: at(hours: 0.5), "callbacks").stdout
        XCTAssertTrue(text.contains("(hidden)") && !text.contains("+7 900"), text)
        XCTAssertTrue(msreview("lena", at: at(hours: 0.5), "callbacks").stdout.contains("+7 900"))
        XCTAssertTrue(msreview("anna", at: at(hours: 0.5), "callbacks", "take", "1").stderr.contains("only a lead may work callbacks"))

        // Two leads taking every callback at once: each is taken exactly once.
        for c in all {
            let procs = ["lena", "mark"].map { who in
                Executable.runAsync(["--db", db, "--reviewer", who, "callbacks", "take", id(c)!], environment: ["MSREVIEW_NOW": at(hours: 1)])
            }
            for p in procs { p.waitUntilExit() }
            XCTAssertEqual(procs.filter { $0.terminationStatus == 0 }.count, 1, "callback #\(id(c)!) taken once")
        }
        let taken = try list("lena", at: at(hours: 1), "--status", "taken")
        XCTAssertEqual(taken.count, 6)
        XCTAssertEqual(Set(taken.compactMap { $0["taken_by"]?.stringValue }).isSubset(of: ["lena", "mark"]), true)
        // The newest request is the one worked (so its first attempt is within the deadline).
        let newestOne = try XCTUnwrap(taken.last)
        let worked = try XCTUnwrap(id(newestOne)), holder = try XCTUnwrap(newestOne["taken_by"]?.stringValue)
        let other = holder == "lena" ? "mark" : "lena"
        XCTAssertTrue(msreview(other, at: at(hours: 1), "callbacks", "done", worked, "--outcome", "reached").stderr
            .contains("\(other) does not hold callback #\(worked)"))
        XCTAssertTrue(msreview(other, at: at(hours: 1), "callbacks", "take", worked).stderr.contains("is taken by \(holder)"))

        // No answer: open again, the attempt kept; then reached, closed, both attempts listed.
        let none = msreview(holder, at: at(hours: 2), "callbacks", "done", worked, "--outcome", "no-answer", "--json")
        XCTAssertEqual(none.status, 0, none.stderr)
        XCTAssertEqual(try JSON.parse(none.stdout)["status"], "open")
        XCTAssertEqual(try JSON.parse(none.stdout)["attempts"], 1)
        XCTAssertEqual(msreview(holder, at: at(hours: 2), "callbacks", "done", worked, "--outcome", "maybe").status, 2)
        XCTAssertEqual(msreview(other, at: at(hours: 3), "callbacks", "take", worked).status, 0, "free again for anyone")
        let reached = msreview(other, at: at(hours: 3.1), "callbacks", "done", worked, "--outcome", "reached", "--note", "перезвонили, извинились", "--json")
        XCTAssertEqual(reached.status, 0, reached.stderr)
        let closed = try JSON.parse(reached.stdout)
        XCTAssertEqual(closed["status"], "done")
        XCTAssertEqual(closed["outcome"], "reached")
        XCTAssertEqual(closed["attempt_log"]?.arrayValue?.map { $0["outcome"] }, ["no-answer", "reached"])
        XCTAssertEqual(closed["attempt_log"]?.arrayValue?.map { $0["by"] }, [.string(holder), .string(other)])
        XCTAssertEqual(closed["attempt_log"]?.arrayValue?.last?["note"], "перезвонили, извинились")
        XCTAssertTrue(msreview(holder, at: at(hours: 4), "callbacks", "take", worked).stderr.contains("is done (reached)"))
        // Everything in the audit log, without the customer's phone.
        let log = msreview("lena", at: at(hours: 4), "log", "--action", "callback-take", "--action", "callback-attempt", "--json").stdout
        XCTAssertEqual(try JSON.parse(log).arrayValue?.count, 6 + 1 + 2)
        XCTAssertFalse(log.contains("+7 900"))

        // Overdue: a day after the newest request, every callback not attempted; not the one worked in time.
        let overdue = try list("lena", at: at(hours: 25), "--overdue")
        XCTAssertEqual(overdue.count, 5)
        XCTAssertFalse(overdue.contains { id($0) == worked })
        XCTAssertTrue(overdue.allSatisfy { $0["overdue"] == true })
        XCTAssertFalse(try list("lena", at: at(hours: 4), "--overdue").contains { id($0) == worked })

        // Scorecards: one reached, five overdue, no phone.
        let cards = msreview("lena", at: at(hours: 25), "scorecards", "--period", String(newest.localDate.prefix(7)), "--json")
        XCTAssertEqual(cards.status, 0, cards.stderr)
        let figures = try JSON.parse(cards.stdout)["scorecards"]?.arrayValue?.compactMap { $0["current"] } ?? []
        XCTAssertEqual(figures.compactMap { $0["callbacks_reached"]?.numberValue }.reduce(0, +), 1)
        XCTAssertEqual(figures.compactMap { $0["callbacks_overdue"]?.numberValue }.reduce(0, +), 5)
        XCTAssertEqual(figures.compactMap { $0["callback_first_attempt_median_minutes"]?.numberValue }, [120], "the first attempt, 2 h after the request")
        XCTAssertFalse(cards.stdout.contains("+7 900"))

        // Retention: 91 days after it closed the name and phone go; the outcome stays. 89 days: not yet.
        let early = msreview("lena", at: at(hours: 3.1 + 89 * 24), "purge", "--older-than", "36500d", "--dry-run", "--json")
        XCTAssertEqual(try JSON.parse(early.stdout)["callbacks_anonymised"], 0)
        let purge = msreview("lena", at: at(hours: 3.1 + 91 * 24), "purge", "--older-than", "36500d", "--json")
        XCTAssertEqual(purge.status, 0, purge.stderr)
        XCTAssertEqual(try JSON.parse(purge.stdout)["callbacks_anonymised"], 1)
        let done = try list("lena", at: at(hours: 5), "--status", "done")
        XCTAssertEqual(done.first?["phone"], .null)
        XCTAssertEqual(done.first?["name"], .null)
        XCTAssertEqual(done.first?["personal_data_purged"], true)
        XCTAssertEqual(done.first?["outcome"], "reached")
        XCTAssertEqual(try list("lena", at: at(hours: 5), "--status", "taken").first?["name"], "Иван", "open callbacks keep theirs")
    }
}
