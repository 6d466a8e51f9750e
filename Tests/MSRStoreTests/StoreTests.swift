import Foundation
import MSRCore
import MSRMedia
import MSRStore
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
}
