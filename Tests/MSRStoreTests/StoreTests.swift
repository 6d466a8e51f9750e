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
    }
}
