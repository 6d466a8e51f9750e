import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTerminal
import MSRTestSupport
import MSRWorkstation
import XCTest

/// Team mode on a real PostgreSQL server, each person with their own login: the server itself
/// enforces who reads and changes what (grants and row-level security), not only the client.
/// Runs in the PostgreSQL pass of `make test` (skipped elsewhere).
final class TeamTests: XCTestCase {
    var dir = ""
    var db = ""

    override func setUpWithError() throws {
        try XCTSkipUnless(TestStore.isPostgres, "team mode needs the PostgreSQL pass (MSREVIEW_TEST_BACKEND=postgres)")
        dir = makeTempDirectory("team")
        db = TestStore.location(in: dir)
    }

    override func tearDown() { removeTree(dir) }

    /// The store's URI for one person's login.
    func uri(_ login: String) -> String {
        var parts = db.split(separator: "?", maxSplits: 1).map(String.init)
        let query = parts.count > 1 ? parts[1].split(separator: "&").filter { !$0.hasPrefix("user=") }.joined(separator: "&") : ""
        parts = [parts[0], query + (query.isEmpty ? "" : "&") + "user=" + login]
        return parts.joined(separator: "?")
    }

    @discardableResult
    func msreview(as login: String, _ args: [String], env: [String: String] = [:]) -> ProcessResult {
        Executable.run(["--db", uri(login)] + args, environment: ["XDG_CACHE_HOME": dir + "/cache-" + login].merging(env) { $1 })
    }

    /// `psql` under a login: (exit status, output and errors).
    func psql(as login: String, _ sql: String) -> (Int32, String) {
        let r = Executable.run(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql, uri(login)], program: "/usr/bin/psql")
        return (r.status, r.stdout + r.stderr)
    }

    func setUpTeam(reviewers: [String], spool: String? = nil) throws {
        let admin = TestStore.adminLogin
        XCTAssertEqual(msreview(as: admin, ["import", spool ?? Repository.samples]).status, 0)
        XCTAssertEqual(msreview(as: admin, ["--reviewer", "lena", "reviewers", "add", "lena", "--role", "lead"]).status, 0)
        XCTAssertEqual(msreview(as: admin, ["--reviewer", "lena", "checklists", "load", Repository.checklists]).status, 0)
        for r in reviewers {
            let added = msreview(as: admin, ["--reviewer", "lena", "reviewers", "add", r])
            XCTAssertEqual(added.status, 0, added.stderr)
        }
    }

    func checklist(_ id: String) throws -> Checklist {
        try ReviewService(store: try Store(path: db), actor: "lena").checklist(id)
    }

    func testAReviewersOwnPsqlSeesNoOneElsesReviewsAndNoPhonesAndCannotChangeTheLog() throws {
        try setUpTeam(reviewers: ["anna", "bob"])
        XCTAssertEqual(msreview(as: "anna", ["pull"]).status, 0)
        XCTAssertEqual(msreview(as: "bob", ["pull"]).status, 0)
        for who in ["anna", "bob"] {
            let session = try XCTUnwrap(try Store(path: db).reviews(reviewer: who).first?.sessionID)
            let c = try checklist(try XCTUnwrap(try Store(path: db).session(session)?.summary.checklist))
            let file = try writeAnswersFile(dir + "/\(who).json", topAnswers(c))
            let r = msreview(as: who, ["score", session, "--answers", file])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        // Reviews, their answers and listening: anna's own only.
        XCTAssertEqual(psql(as: "anna", "SELECT DISTINCT reviewer FROM reviews").1, "anna\n")
        XCTAssertEqual(psql(as: "anna", "SELECT count(*) FROM review_answers a JOIN reviews r ON r.id = a.review_id WHERE r.reviewer = 'bob'").1, "0\n")
        XCTAssertNotEqual(psql(as: "lena", "SELECT count(*) FROM review_answers").1, psql(as: "anna", "SELECT count(*) FROM review_answers").1,
                          "the lead sees both drafts, anna only hers")
        XCTAssertEqual(psql(as: "anna", "UPDATE reviews SET percent = 0 WHERE reviewer = 'bob'").1, "UPDATE 0\n")
        // Customers' names and phones: not readable at all; the topic is.
        for column in ["phone", "name", "*"] {
            let (status, out) = psql(as: "anna", "SELECT \(column) FROM callback_requests")
            XCTAssertNotEqual(status, 0)
            XCTAssertTrue(out.contains("permission denied"), out)
        }
        XCTAssertEqual(psql(as: "anna", "SELECT topic FROM callback_requests LIMIT 1").0, 0)
        // The callback list works for her login, without names and phones; only leads work callbacks.
        let callbacks = msreview(as: "anna", ["callbacks", "--status", "all", "--json"])
        XCTAssertEqual(callbacks.status, 0, callbacks.stderr)
        XCTAssertFalse(callbacks.stdout.contains("+7"), callbacks.stdout)
        XCTAssertNotEqual(psql(as: "anna", "UPDATE callbacks SET status = 'done'").0, 0)
        XCTAssertEqual(msreview(as: "lena", ["callbacks", "take", "1"]).status, 0)
        XCTAssertEqual(psql(as: "lena", "SELECT count(phone) > 0 FROM callback_requests").1, "t\n")
        // The audit log: appended to, never changed — by anyone, the owner included.
        for login in ["anna", "lena", TestStore.adminLogin] {
            for sql in ["UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
                let (status, out) = psql(as: login, sql)
                XCTAssertNotEqual(status, 0, "\(login): \(sql) → \(out)")
            }
        }
        XCTAssertNotEqual(psql(as: "anna", "INSERT INTO audit_log (at, at_ms, actor, action) VALUES ('x', 1, 'bob', 'forged')").0, 0,
                          "nobody writes an entry in another's name")
        XCTAssertEqual(psql(as: "anna", "SELECT DISTINCT actor FROM audit_log").1, "anna\n")
        // The client: the login is the reviewer; --reviewer cannot name another.
        let other = msreview(as: "anna", ["--reviewer", "bob", "sessions"])
        XCTAssertEqual(other.status, 2)
        XCTAssertTrue(other.stderr.contains("you act as your database login \"anna\""), other.stderr)
        XCTAssertEqual(msreview(as: "anna", ["approve", "S-20261120-0001", "--by", "bob"]).status, 1, "a lead's action")
        // Decisions on findings: read by all, made by leads in their own name, never changed.
        let forged = "INSERT INTO finding_decisions (session_id, code, detail, decision, reason, decided_by, decided_at) "
        let values = "SELECT session_id, code, detail, 'dismissed', 'x', '%@', 'x' FROM findings LIMIT 1"
        let (anna, annaOut) = psql(as: "anna", forged + values.replacingOccurrences(of: "%@", with: "anna"))
        XCTAssertNotEqual(anna, 0, "a reviewer decides no finding: \(annaOut)")
        XCTAssertTrue(annaOut.contains("permission denied"), annaOut)
        XCTAssertNotEqual(psql(as: "lena", forged + values.replacingOccurrences(of: "%@", with: "bob")).0, 0, "nor a lead in another's name")
        XCTAssertEqual(psql(as: "lena", forged + values.replacingOccurrences(of: "%@", with: "lena")).1, "INSERT 0 1\n")
        XCTAssertEqual(psql(as: "anna", "SELECT decided_by FROM finding_decisions").1, "lena\n", "everyone reads the decisions")
        for login in ["lena", TestStore.adminLogin] {
            XCTAssertNotEqual(psql(as: login, "UPDATE finding_decisions SET decision = 'confirmed'").0, 0, "\(login) changes no decision")
        }
        let refused = msreview(as: "anna", ["findings", "dismiss", "1", "--reason", "x"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("only a lead may dismiss findings"), refused.stderr)
    }

    /// The exporter's login reads what reports need — submitted reviews, phones — and no draft,
    /// no listening; writes nothing but its own audit entries; and claims nothing.
    func testAnExportersOwnPsqlReadsSubmittedReviewsOnlyAndWritesOnlyItsOwnLog() throws {
        try setUpTeam(reviewers: ["anna"])
        XCTAssertEqual(msreview(as: TestStore.adminLogin, ["--reviewer", "lena", "reviewers", "add", "erik", "--role", "exporter"]).status, 0)
        XCTAssertEqual(msreview(as: "anna", ["pull", "--count", "2", "--checklist", "bank-branch"]).status, 0)
        let mine = try Store(path: db).reviews(reviewer: "anna").map(\.sessionID)
        XCTAssertEqual(mine.count, 2)
        let c = try checklist(try XCTUnwrap(try Store(path: db).session(mine[0])?.summary.checklist))
        let file = try writeAnswersFile(dir + "/a.json", topAnswers(c))
        XCTAssertEqual(msreview(as: "anna", ["score", mine[0], "--answers", file, "--submit"]).status, 0)
        XCTAssertEqual(msreview(as: "anna", ["score", mine[1], "--answers", file]).status, 0, "a draft")
        XCTAssertEqual(psql(as: "erik", "SELECT status FROM reviews").1, "submitted\n", "the draft is not readable")
        XCTAssertEqual(psql(as: "erik", "SELECT count(*) > 0 FROM review_answers").1, "t\n")
        XCTAssertEqual(psql(as: "erik", "SELECT count(*) FROM review_answers a JOIN reviews r ON r.id = a.review_id WHERE r.status = 'draft'").1, "0\n")
        XCTAssertEqual(psql(as: "erik", "SELECT count(phone) > 0 FROM callback_requests").1, "t\n")
        for sql in ["SELECT * FROM listening", "UPDATE reviews SET percent = 0", "INSERT INTO reviews (session_id, reviewer, status, claimed_at, claimed_ms, updated_ms) VALUES ('S-20261120-0001', 'erik', 'claimed', 'x', 0, 0)",
                    "SELECT * FROM msr_claim('erik', 1, NULL, 0, 'x', 1)", "UPDATE sessions SET status = 'new'"] {
            let (status, out) = psql(as: "erik", sql)
            XCTAssertNotEqual(status, 0, "\(sql) → \(out)")
        }
        XCTAssertNotEqual(psql(as: "erik", "INSERT INTO audit_log (at, at_ms, actor, action) VALUES ('x', 1, 'lena', 'forged')").0, 0)
        // Through the client: reports run, reviews do not, personal data is on record.
        XCTAssertEqual(msreview(as: "erik", ["pull"]).status, 1)
        let export = msreview(as: "erik", ["export", "reviews", "--format", "json", "--include-personal-data"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertEqual(try JSON.parse(export.stdout).arrayValue?.count, 1)
        XCTAssertEqual(msreview(as: "erik", ["scorecards", "--period", "2026-11", "--json"]).status, 0)
        XCTAssertEqual(msreview(as: "erik", ["fraud", "--json"]).status, 0)
        XCTAssertEqual(psql(as: "lena", "SELECT actor || ' ' || (detail::json->>'report') FROM audit_log WHERE action = 'personal-data'").1, "erik export reviews\n")
    }

    /// A reviewer's own login submits a review failing a critical item with alert routes
    /// configured: the alert is written with the submit (insert only; she cannot read the
    /// outbox), and the lead sees it.
    func testAReviewersSubmitWritesItsAlertWithoutReadingTheOutbox() throws {
        try setUpTeam(reviewers: ["anna"])
        try makeDirectories(dir + "/config/msreview")
        try writeFile(dir + "/config/msreview/config", Array("alert.route.qa.email = qa@example.org\nalert.route.qa.kinds = critical-failure\n".utf8))
        let env = ["XDG_CONFIG_HOME": dir + "/config"]
        XCTAssertEqual(msreview(as: "anna", ["pull", "--checklist", "bank-branch"], env: env).status, 0)
        let session = try XCTUnwrap(try Store(path: db).reviews(reviewer: "anna").first?.sessionID)
        let c = try checklist("bank-branch")
        let critical = try XCTUnwrap(c.items.first { $0.critical != .none && $0.kind == .yesno })
        // A failed critical item cites its moment (the checklist asks for evidence).
        let start = try XCTUnwrap(try Store(path: db).session(session)?.recordings.first?.entry.startedAt)
        let cited = Timestamp(utcMillis: start.utcMillis + 1_000, offsetSeconds: start.offsetSeconds).description
        let file = dir + "/a.json"
        try writeFile(file, Array(JSON.object([("answers", .object(topAnswers(c, except: [critical.id: "no"]))),
                                               ("evidence", .object([(critical.id, .array([.string(cited)]))]))]).serialized().utf8))
        let submitted = msreview(as: "anna", ["score", session, "--answers", file, "--submit"], env: env)
        XCTAssertEqual(submitted.status, 0, submitted.stderr)
        XCTAssertNotEqual(psql(as: "anna", "SELECT count(*) FROM alert_outbox").0, 0, "she cannot read the outbox")
        let list = msreview(as: "lena", ["alerts", "list", "--json"], env: env)
        XCTAssertEqual(list.status, 0, list.stderr)
        let alerts = try JSON.parse(list.stdout).arrayValue ?? []
        XCTAssertEqual(alerts.map { $0["kind"] }, ["critical-failure"])
        XCTAssertEqual(alerts.first?["session_id"], .string(session))
        let shown = try JSON.parse(msreview(as: "lena", ["alerts", "show", "1", "--json"], env: env).stdout)
        XCTAssertTrue(shown["body"]?.stringValue?.contains(critical.text) == true, shown["body"]?.stringValue ?? "")
    }

    /// The media live in the database; each machine fetches them on first use into its own cache
    /// (pull fetches what it claims), verifies them, and keeps the cache under its cap.
    func testMediaComeFromTheDatabaseVerifiedIntoACappedCache() throws {
        try setUpTeam(reviewers: ["anna"])
        let store = try Store(path: db)
        XCTAssertGreaterThan(try store.rowCount("media_chunks"), 0)
        // Another machine: an empty cache; pull brings the claimed session's media.
        let cache = dir + "/cache-anna/msreview/media"
        XCTAssertEqual(msreview(as: "anna", ["pull"]).status, 0)
        let claimed = try XCTUnwrap(try store.reviews(reviewer: "anna").first?.sessionID)
        let detail = try XCTUnwrap(try store.session(claimed))
        for sha in detail.recordings.compactMap(\.sha256) + detail.photos.compactMap(\.sha256) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: cache + "/" + sha.prefix(2) + "/" + sha), "pull fetched \(sha)")
        }
        // A chunk damaged in the database is refused on fetch: nothing wrong enters a cache.
        let sha = try XCTUnwrap(detail.recordings.first?.sha256)
        try store.db.execute("UPDATE media_chunks SET bytes = ? WHERE sha256 = ? AND idx = 0", [.blob([1, 2, 3]), .text(sha)])
        let cacheHome = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"]
        setenv("XDG_CACHE_HOME", dir + "/cache-fresh", 1)
        defer { if let cacheHome { setenv("XDG_CACHE_HOME", cacheHome, 1) } else { unsetenv("XDG_CACHE_HOME") } }
        let local = try LocalMedia(store: store, capBytes: 1 << 30)
        XCTAssertThrowsError(try local.path(for: sha)) { XCTAssertTrue($0 is MediaMismatch, "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/cache-fresh/msreview/media/" + sha.prefix(2) + "/" + sha))
        // A small cap: fetching everything keeps the most recently used files under it.
        let all = try store.storedMedia().filter { $0.sha256 != sha }
        let capped = try LocalMedia(store: store, capBytes: all.map(\.size).reduce(0, +) / 3)
        for m in all { _ = try capped.path(for: m.sha256) }
        var kept: Int64 = 0
        for m in all where FileManager.default.fileExists(atPath: dir + "/cache-fresh/msreview/media/" + m.sha256.prefix(2) + "/" + m.sha256) { kept += m.size }
        XCTAssertLessThanOrEqual(kept, capped.capBytes + (all.map(\.size).max() ?? 0), "evicted down to the cap")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/cache-fresh/msreview/media/" + all.last!.sha256.prefix(2) + "/" + all.last!.sha256),
                      "the most recent fetch stays")
    }

    /// `pg_ctl restart` in the middle of a review: the answer given while the server is away is
    /// kept (on screen, and on disk), and saved once the server is back.
    func testAnAnswerGivenWhileTheServerRestartsIsSavedWhenItIsBack() throws {
        try setUpTeam(reviewers: ["anna"])
        setenv("XDG_STATE_HOME", dir + "/state", 1)
        let ws = try Workstation(store: try Store(path: uri("anna")), reviewer: "anna", config: Config(), device: "null", width: 120, height: 40)
        ws.dispatch(.key(.char("p")))
        ws.dispatch(.key(.enter))
        XCTAssertEqual(ws.state.screen, .session)
        let first = try XCTUnwrap(ws.state.currentItem)
        ws.dispatch(.key(.char("y")))
        XCTAssertEqual(ws.state.unsavedChanges, 0)
        let second = try XCTUnwrap(ws.state.currentItem)
        let reviewID = try XCTUnwrap(ws.state.review?.record.id)

        try TestStore.stopServer()
        ws.dispatch(.key(.char("n")))
        XCTAssertEqual(ws.state.unsavedChanges, 1, ws.state.status)
        XCTAssertTrue(view(ws.state).text.contains("1 change not saved yet"), ws.state.status)
        ws.tick()  // a retry while the server is down keeps the change
        XCTAssertEqual(ws.state.unsavedChanges, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/state/msreview/unsaved").count, 1, "kept on disk too")

        try TestStore.startServer()
        let deadline = Date().addingTimeInterval(30)
        while ws.state.unsavedChanges > 0, Date() < deadline {
            ws.tick()
            usleep(200_000)
        }
        XCTAssertEqual(ws.state.unsavedChanges, 0, ws.state.status)
        XCTAssertTrue(ws.state.status.contains("saved the 1 change"), ws.state.status)
        let answers = try Store(path: uri("anna")).answers(review: reviewID)
        XCTAssertEqual(answers[first.id]?.answer, .yes)
        XCTAssertEqual(answers[second.id]?.answer, .no, "the answer given while the server was away")
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: dir + "/state/msreview/unsaved"))?.count ?? 0, 0)
        // Reads need nothing: the queue loads again over the new connection.
        ws.dispatch(.key(.char("q")))
        XCTAssertEqual(ws.state.screen, .queue)
        XCTAssertEqual(ws.state.total, 1, ws.state.status)
    }

    /// After a lost connection the store connects again by itself — but never in the middle of a
    /// transaction, whose first statements died with the old connection: the rest fails too.
    func testALostConnectionIsMadeAgainOnlyBetweenTransactions() throws {
        let store = try Store(path: db)
        XCTAssertEqual(try store.sessionCount(), 0)
        try TestStore.stopServer()
        try TestStore.startServer()
        XCTAssertEqual(try store.sessionCount(), 0, "a read after the restart")
        XCTAssertThrowsError(try store.write {
            try store.db.execute("INSERT INTO import_log (at, path, outcome) VALUES ('a', 'first', 'x')")
            try TestStore.stopServer()
            try TestStore.startServer()
            try store.db.execute("INSERT INTO import_log (at, path, outcome) VALUES ('a', 'second', 'x')")
        }) { XCTAssertTrue(($0 as? StoreError)?.isConnectionLost == true, "\($0)") }
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM import_log")?.int, 0, "neither half committed")
    }

    /// A batch command against a server that is gone: one line, exit 1.
    func testABatchCommandWithoutItsServerSaysSoInOneLine() throws {
        try setUpTeam(reviewers: ["anna"])
        try TestStore.stopServer()
        defer { try? TestStore.startServer() }
        let r = msreview(as: "anna", ["sessions"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("msreview: cannot open the store postgresql:///"), r.stderr)
    }

    /// Eight reviewers, each with their own login, pull, score and submit while an importer adds
    /// sessions: no session claimed twice, none lost, every review reads back as submitted.
    func testEightLoginsPullScoreAndSubmitWhileAnImportRuns() throws {
        // 160 sessions: the first half imported before the reviewers start, the second while they work.
        let plan = try SampleGenerator(count: 160, seed: 11).generate(into: dir + "/first")
        try makeDirectories(dir + "/second")
        for id in plan.sessions.sorted().suffix(80) { XCTAssertEqual(rename(dir + "/first/" + id, dir + "/second/" + id), 0) }
        let reviewers = (1...8).map { "r\($0)" }
        try setUpTeam(reviewers: reviewers, spool: dir + "/first")
        var files: [String: String] = [:]
        for c in SampleGenerator.checklists { files[c] = try writeAnswersFile(dir + "/\(c).json", topAnswers(try checklist(c))) }
        let importer = Executable.runAsync(["--db", uri(TestStore.adminLogin), "import", dir + "/second"])
        // Each reviewer works one checklist's sessions (so it knows which answers to give) until
        // none is left once the import has ended (its marker file): never a guess at how long it takes.
        let imported = dir + "/imported"
        let workers = try reviewers.enumerated().map { i, r -> Process in
            let c = SampleGenerator.checklists[i % 4]
            return try Executable.shell("""
                export XDG_CACHE_HOME='\(dir)/cache-\(r)'; m='\(Executable.path)'; u='\(uri(r))'
                while :; do
                  [ -e '\(imported)' ] && ended=1 || ended=0
                  id=$("$m" --db "$u" pull --checklist \(c) 2>>'\(dir)/err-\(r)') || { echo "pull failed" >> '\(dir)/err-\(r)'; break; }
                  if [ "$id" = "(nothing to claim)" ]; then [ $ended = 1 ] && break; sleep 0.2; continue; fi
                  "$m" --db "$u" score "$id" --answers '\(files[c]!)' --submit >/dev/null 2>>'\(dir)/err-\(r)' && echo "$id" >> '\(dir)/done-\(r)'
                done
                """)
        }
        importer.waitUntilExit()
        XCTAssertEqual(importer.terminationStatus, 0, "the import ran beside the reviewers")
        try writeFile(imported, [])
        for w in workers { w.waitUntilExit() }
        var submitted: [String: String] = [:]
        for r in reviewers {
            XCTAssertEqual(String(decoding: (try? readFile(dir + "/err-\(r)")) ?? [], as: UTF8.self), "", "\(r) saw errors")
            for id in String(decoding: (try? readFile(dir + "/done-\(r)")) ?? [], as: UTF8.self).split(separator: "\n") {
                XCTAssertNil(submitted[String(id)], "\(id) submitted by two reviewers")
                submitted[String(id)] = r
            }
        }
        let store = try Store(path: db)
        XCTAssertEqual(try store.integrityCheck(), "ok")
        XCTAssertEqual(try store.sessionCount(), 160)
        let left = try store.sessions(SessionFilter()).filter { $0.status != "submitted" }
        XCTAssertEqual(left.count + submitted.count, 160, "none lost")
        XCTAssertEqual(left.count, 0, "every session reviewed: \(left.map(\.status))")
        // Every submitted review reads back exactly as submitted, through its own reviewer's login.
        for (id, r) in submitted.sorted(by: { $0.key < $1.key }).prefix(40) {
            let out = msreview(as: r, ["review", id, "--json"])
            XCTAssertEqual(out.status, 0, out.stderr)
            let review = try XCTUnwrap(try JSON.parse(out.stdout).arrayValue?.first)
            XCTAssertEqual(review["status"]?.stringValue, "submitted")
            let c = try checklist(try XCTUnwrap(review["checklist"]?["id"]?.stringValue ?? review["checklist"]?.stringValue))
            let given = Dictionary(uniqueKeysWithValues: (review["items"]?.arrayValue ?? []).map { ($0["id"]?.stringValue ?? "", $0["answer_given"] ?? .null) })
            for (item, value) in topAnswers(c) { XCTAssertEqual(given[item], value, "\(id) \(item)") }
        }
    }
}
