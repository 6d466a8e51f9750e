import Foundation
import MSRCore
import MSRMedia
@testable import MSRStore
import MSRTestSupport
import XCTest

final class StoreTests: XCTestCase {
    var dir = ""
    override func setUp() { dir = makeTempDirectory("store") }
    override func tearDown() { removeTree(dir) }

    func testCreatesMigratedWALStoreWithForeignKeys() throws {
        let path = dir + "/nested/deeper/msreview.sqlite"
        let store = try Store(path: path)
        XCTAssertGreaterThanOrEqual(store.schemaVersion, 1)
        XCTAssertEqual(try store.db.scalar("PRAGMA journal_mode")?.string, "wal")
        XCTAssertEqual(try store.db.scalar("PRAGMA foreign_keys")?.int, 1)
        XCTAssertEqual(store.mediaRoot, dir + "/nested/deeper/msreview.media")
        // Reopening does not migrate again.
        let v = store.schemaVersion
        XCTAssertEqual(try Store(path: path).schemaVersion, v)
    }

    func testValuesAreBoundNeverSpliced() throws {
        let store = try Store(path: dir + "/s.sqlite")
        let hostile = "x'); DROP TABLE sessions; --"
        try store.db.execute("INSERT INTO import_log (at, path, outcome) VALUES (?, ?, ?)", [.text("now"), .text(hostile), .text("rejected")])
        XCTAssertEqual(try store.db.scalar("SELECT path FROM import_log")?.string, hostile)
        XCTAssertNotNil(try store.db.scalar("SELECT count(*) FROM sessions"))
    }

    func testTransactionsRollBackWholeAndSavepointsNest() throws {
        let store = try Store(path: dir + "/s.sqlite")
        struct Boom: Error {}
        XCTAssertThrowsError(try store.write {
            try store.db.execute("INSERT INTO import_log (at, path, outcome) VALUES ('a','1','x')")
            throw Boom()
        })
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM import_log")?.int, 0)
        try store.write {
            try store.db.execute("INSERT INTO import_log (at, path, outcome) VALUES ('a','kept','x')")
            _ = try? store.write {
                try store.db.execute("INSERT INTO import_log (at, path, outcome) VALUES ('a','dropped','x')")
                throw Boom()
            }
        }
        XCTAssertEqual(try store.db.query("SELECT path FROM import_log") { $0.text(0) }, ["kept"])
    }

    func testReadOnlyStoreRefusesWrites() throws {
        let path = dir + "/s.sqlite"
        _ = try Store(path: path)
        let ro = try Store(path: path, readOnly: true)
        XCTAssertThrowsError(try ro.db.execute("INSERT INTO import_log (at, path, outcome) VALUES ('a','b','c')"))
    }

    /// A store written by schema 6 (manifest inline in `sessions`, a band table of photo
    /// hashes) opens as schema 7 with nothing lost: manifests in their own table, the band
    /// table gone, and overlap look-ups answered from the device/employee indexes alone.
    func testMigrationSevenMovesManifestsOutOfSessions() throws {
        let path = dir + "/six.sqlite"
        let manifest = try readFile(Repository.samples + "/S-20261120-0001/session.json")
        let m = try Manifest.parse(manifest)
        do {
            let db = try Database(path: path)
            try db.transaction {
                for script in Schema.migrations[0..<6] { try db.executeScript(script) }
                try db.execute("PRAGMA user_version = 6")
                try db.execute("""
                    INSERT INTO sessions (id, device_id, location_id, employee_id, started_at, started_ms, ended_at, ended_ms,
                      local_date, manifest, manifest_sha256, bundle_digest, source, imported_at, imported_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'm', 'd', 'src', 'now', 0)
                    """, [.text(m.sessionID), .text(m.deviceID), .text(m.location.id), .text(m.employee.id),
                          .text(m.startedAt.description), .integer(m.startedAt.utcMillis), .text(m.endedAt.description),
                          .integer(m.endedAt.utcMillis), .text(m.startedAt.localDate), .blob(manifest)])
                try db.execute("""
                    INSERT INTO photo_uses (id, sha256, session_id, questionnaire_id, q_started_ms, file, phash)
                    VALUES (5, 'aa', ?, 'Q1', 0, 'photos/p.jpg', 12345)
                    """, [.text(m.sessionID)])
                try db.execute("INSERT INTO photo_bands (band, use_id) VALUES (1, 5)")
            }
        }
        let store = try Store(path: path)
        XCTAssertEqual(store.schemaVersion, Schema.migrations.count, "migrated to the latest")
        XCTAssertEqual(try store.db.scalar("PRAGMA integrity_check")?.string, "ok")
        XCTAssertEqual(try store.db.scalar("SELECT bytes FROM manifests WHERE session_id = ?", [.text(m.sessionID)])?.blob, manifest)
        XCTAssertEqual(try store.db.query("SELECT name FROM pragma_table_info('sessions') WHERE name = 'manifest'") { $0.text(0) }, [])
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'photo_bands'")?.int, 0)
        var seen: [String] = []
        try store.forEachEvidence { seen.append($0.manifest.sessionID) }
        XCTAssertEqual(seen, [m.sessionID], "the evidence reads the moved manifest")
        // Migration 9: an old 64-bit dHash is not a print (`fraud --recheck` makes prints from the media).
        var prints: [Int64: [UInt64]] = [:]
        try store.forEachPhotoPrints(after: 0) { prints[$0] = $1 }
        XCTAssertEqual(prints, [:])
        try store.db.execute("UPDATE photo_uses SET prints = ? WHERE id = 5", [.blob(Store.printBytes([12345, .max]))])
        try store.forEachPhotoPrints(after: 0) { prints[$0] = $1 }
        XCTAssertEqual(prints, [5: [12345, .max]])
        let generation = try store.photoUsesGeneration()
        try store.write { try store.clearPhotoUses() }
        XCTAssertNotEqual(try store.photoUsesGeneration(), generation, "deleting uses tells in-memory indexes to read anew")
        // The overlap query reads the index only (no look-up of the session rows).
        for column in ["device_id", "employee_id"] {
            let plan = try store.db.query("""
                EXPLAIN QUERY PLAN SELECT id, device_id, employee_id, started_ms, ended_ms FROM sessions
                WHERE \(column) = ? AND started_ms BETWEEN ? AND ?
                """, [.text("x"), .integer(0), .integer(1)]) { $0.text(3) ?? "" }.joined(separator: "; ")
            XCTAssertTrue(plan.contains("COVERING INDEX"), plan)
        }
        let intervals = try store.intervals(devices: [m.deviceID], employees: [], from: m.startedAt.utcMillis, to: m.endedAt.utcMillis)
        XCTAssertEqual(intervals.map(\.sessionID), [m.sessionID])
        // Migration 11 folded and indexed the stored session: found in any case, by index or scan.
        for q in [m.sessionID.lowercased(), "20261120-00", String(m.employee.id.prefix(2)).lowercased()] {
            var f = SessionFilter()
            f.search = q
            XCTAssertEqual(try store.sessions(f).map(\.id), [m.sessionID], q)
        }
    }

    /// Migration 12 rebuilds the reviewers table (the exporter role) with every review still
    /// pointing at its reviewer, and turns the whole seconds of listening into spans of each
    /// recording's own time; new listening then adds exact spans.
    func testMigrationTwelveAddsTheExporterAndListeningSpans() throws {
        let path = dir + "/eleven.sqlite"
        do {
            let db = try Database(path: path)
            try db.transaction {
                for script in Schema.migrations[0..<11] { try db.executeScript(script) }
                try db.execute("PRAGMA user_version = 11")
                try db.execute("""
                    INSERT INTO sessions (id, device_id, location_id, employee_id, started_at, started_ms, ended_at, ended_ms,
                      local_date, manifest_sha256, bundle_digest, source, imported_at, imported_ms, search_fold)
                    VALUES ('S-1', 'D', 'L', 'E', 't', 100000, 't', 200000, '2026-11-20', 'm', 'd', 'src', 'now', 0, 's-1')
                    """)
                try db.execute("""
                    INSERT INTO recordings (session_id, idx, file, started_at, started_ms, status, duration_ms)
                    VALUES ('S-1', 0, 'a.wav', 't', 100000, 'ok', 1500), ('S-1', 1, 'b.wav', 't', 111500, 'ok', 2000)
                    """)
                try db.execute("INSERT INTO reviewers (id, role, added_at, added_by) VALUES ('anna', 'reviewer', 't', 'x'), ('lena', 'lead', 't', 'x')")
                try db.execute("INSERT INTO reviews (id, session_id, reviewer, status, claimed_at, claimed_ms, updated_ms) VALUES (7, 'S-1', 'anna', 'draft', 't', 0, 0)")
                // Seconds 0 and 11 of the session clock: a.wav 0–1000, b.wav 0–500.
                try db.execute("INSERT INTO listening (session_id, reviewer, seconds, heard, updated_ms) VALUES ('S-1', 'anna', ?, 2, 0)",
                               [.blob([0b0000_0001, 0b0000_1000])])
            }
        }
        let store = try Store(path: path)
        XCTAssertEqual(store.schemaVersion, Schema.migrations.count)
        XCTAssertEqual(try store.db.scalar("PRAGMA integrity_check")?.string, "ok")
        XCTAssertEqual(try store.reviewers().map(\.role), [.reviewer, .lead])
        try store.addReviewer(Reviewer(id: "erik", name: nil, role: .exporter), by: "lena", at: Timestamp(rfc3339: "2026-11-20T10:00:00Z")!)
        XCTAssertEqual(try store.reviewer("erik")?.role, .exporter)
        XCTAssertEqual(try store.review(id: 7)?.reviewer, "anna")
        XCTAssertThrowsError(try store.db.execute("INSERT INTO reviews (session_id, reviewer, status, claimed_at, claimed_ms, updated_ms) VALUES ('S-1', 'nobody', 'draft', 't', 0, 0)"),
                             "foreign keys hold again after the rebuild")
        XCTAssertEqual(try store.listening(session: "S-1", reviewer: "anna").spans, ["a.wav": [0..<1000], "b.wav": [0..<500]])
        XCTAssertEqual(try store.heardMillis(session: "S-1", reviewer: "anna"), 1500)
        XCTAssertEqual(try store.audioMillis(session: "S-1"), 3500)
        var played = Coverage()
        played.add(recording: "a.wav", from: 750, to: 1500)
        played.add(recording: "b.wav", from: 1500, to: 2600)    // the last chunk overruns the file
        XCTAssertEqual(try store.addListening(session: "S-1", reviewer: "anna", played, at: Timestamp(rfc3339: "2026-11-20T10:00:00Z")!),
                       1500 + 500 + 500, "a.wav whole, b.wav 0–500 and 1500–2000")
        XCTAssertEqual(try store.heardMillis(session: "S-1", reviewer: "anna"), 2500)
    }

    /// A search reads the trigram index in the queue's order, also when sessions of one
    /// millisecond arrive out of id order: every page, either way, equals the plain listing's.
    func testSearchWindowsFollowTheQueuesOrderThroughTies() throws {
        let store = try Store(path: dir + "/s.sqlite")
        func add(_ id: String, _ ms: Int64, _ name: String) throws {
            try store.db.execute("""
                INSERT INTO sessions (id, device_id, location_id, employee_id, employee_name, started_at, started_ms, ended_at, ended_ms,
                  local_date, manifest_sha256, bundle_digest, source, imported_at, imported_ms, search_fold)
                VALUES (?, 'D', 'L', 'E', ?, 't', ?, 't', ?, '2026-11-20', 'm', 'd', 'src', 'now', 0, ?)
                """, [.text(id), .text(name), .integer(ms), .integer(ms), .text((id + " " + name).lowercased())])
        }
        // Arrival order differs from (started_ms, id): ties at 1000 and 3000 come highest id first.
        let rows: [(String, Int64, String)] = [("S-5", 3000, "Анна"), ("S-2", 1000, "Анна"), ("S-9", 500, "Борис"), ("S-1", 1000, "Анна"),
                                               ("S-4", 3000, "Анна"), ("S-3", 1000, "Борис"), ("S-0", 1000, "анна"), ("S-6", 4000, "Анна")]
        for (id, ms, name) in rows { try add(id, ms, name) }
        let expected = rows.filter { $0.2.lowercased() == "анна" }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
        XCTAssertEqual(expected, ["S-0", "S-1", "S-2", "S-4", "S-5", "S-6"])
        for query in ["АННА", "нна", "ан"] {   // the index (3+ characters) and the scan (shorter)
            var f = SessionFilter()
            f.search = query
            XCTAssertEqual(try store.sessions(f).map(\.id), expected, query)
            XCTAssertEqual(try store.sessionCount(f), 6)
            XCTAssertEqual(try store.sessionCount(f, cap: 4), 4)
            f.descending = true
            XCTAssertEqual(try store.sessions(f).map(\.id), expected.reversed(), query)
            // Two at a time by key, both ways, across the ties.
            for descending in [false, true] {
                var pages: [String] = []
                var g = SessionFilter()
                g.search = query
                g.descending = descending
                g.limit = 2
                while true {
                    let page = try store.sessions(g)
                    if page.isEmpty { break }
                    pages += page.map(\.id)
                    if descending { g.before = (page.last!.startedMillis, page.last!.id) } else { g.after = (page.last!.startedMillis, page.last!.id) }
                }
                XCTAssertEqual(pages, descending ? expected.reversed() : expected, "\(query) paged, descending: \(descending)")
            }
        }
        var index = SessionFilter()
        index.search = "анна"
        let plan = try store.db.query("EXPLAIN QUERY PLAN SELECT s.id \(store.sessionSource(index).from) WHERE session_search MATCH '\"анна\"' ORDER BY session_search.rowid LIMIT 3") { $0.text(3) ?? "" }
        XCTAssertFalse(plan.joined().contains("TEMP B-TREE"), "the index's order is the queue's, up to ties: \(plan)")
        // Deleting a session takes it out of the index.
        try store.db.execute("DELETE FROM sessions WHERE id = 'S-1'")
        XCTAssertEqual(try store.sessions(index).map(\.id), ["S-0", "S-2", "S-4", "S-5", "S-6"])
        // A bound: 4096 sessions to a millisecond (each arrival costs the same, in any order).
        try store.write { for i in (0..<4096).reversed() { try add("T-\(i)", 7000, "x") } }
        XCTAssertThrowsError(try add("T-z", 7000, "x")) { XCTAssertTrue("\($0)".contains("more than 4096 sessions start in the same millisecond"), "\($0)") }
    }

    /// Each import transaction leaves index segments of its own; once the sessions added since
    /// the last merge are a tenth of all, the import merges them into one, and searches find the same.
    func testSearchIndexIsMergedOnceItGrowsByATenth() throws {
        let store = try Store(path: dir + "/s.sqlite")
        var n = 0
        func addBatch(_ count: Int) throws {
            try store.write {
                for _ in 0..<count {
                    let id = "S-\(n)"
                    try store.db.execute("""
                        INSERT INTO sessions (id, device_id, location_id, employee_id, employee_name, started_at, started_ms, ended_at, ended_ms,
                          local_date, manifest_sha256, bundle_digest, source, imported_at, imported_ms, search_fold)
                        VALUES (?, 'D', 'L', 'E', 'Анна', 't', ?, 't', ?, '2026-11-20', 'm', 'd', 'src', 'now', 0, ?)
                        """, [.text(id), .integer(Int64(n)), .integer(Int64(n)), .text(id.lowercased() + " анна")])
                    n += 1
                }
            }
        }
        func segments() throws -> Int { (try store.db.scalar("SELECT count(DISTINCT segid) FROM session_search_idx")?.int).map { Int($0) } ?? 0 }
        func unmerged() throws -> Int { (try store.db.scalar("SELECT value FROM meta WHERE key = 'search_unmerged'")?.int).map { Int($0) } ?? -1 }
        var search = SessionFilter()
        search.search = "анна"
        search.limit = 1000
        for _ in 0..<5 { try addBatch(20) }
        XCTAssertGreaterThan(try segments(), 1)
        try store.write { try store.compactSearchIndex(added: 100) }
        XCTAssertEqual(try segments(), 1)
        XCTAssertEqual(try unmerged(), 0)
        XCTAssertEqual(try store.sessions(search).count, 100)
        // 9 more on 109 is under a tenth: left as it is, and counted towards the next merge.
        try addBatch(9)
        try store.write { try store.compactSearchIndex(added: 9) }
        XCTAssertGreaterThan(try segments(), 1)
        XCTAssertEqual(try unmerged(), 9)
        try addBatch(3)
        try store.write { try store.compactSearchIndex(added: 3) }
        XCTAssertEqual(try segments(), 1)
        XCTAssertEqual(try unmerged(), 0)
        XCTAssertEqual(try store.sessions(search).count, 112)
        search.search = "s-11"
        XCTAssertEqual(Set(try store.sessions(search).map(\.id)), ["S-11", "S-110", "S-111"])
    }
}
