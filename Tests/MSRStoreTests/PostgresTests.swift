import Foundation
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// The store's two backends at the level of the SQL they speak. The locator and version tests
/// run everywhere; the server tests in the PostgreSQL pass of `make test`.
final class PostgresTests: XCTestCase {
    var dir = ""
    override func setUp() { dir = makeTempDirectory("pg") }
    override func tearDown() { removeTree(dir) }

    func testLocatorAndRedaction() {
        XCTAssertEqual(StoreLocator("postgresql:///msr?host=/run/pg"), .postgres(conninfo: "postgresql:///msr?host=/run/pg"))
        XCTAssertEqual(StoreLocator("postgres://anna@db/msr"), .postgres(conninfo: "postgres://anna@db/msr"))
        XCTAssertEqual(StoreLocator("service=team"), .postgres(conninfo: "service=team"))
        XCTAssertEqual(StoreLocator("/home/anna/msreview.sqlite"), .sqlite(path: "/home/anna/msreview.sqlite"))
        XCTAssertEqual(StoreLocator("postgresql.sqlite"), .sqlite(path: "postgresql.sqlite"))
        XCTAssertEqual(StoreLocator.redacted("postgresql://anna:s3cret@db/msr"), "postgresql://anna:***@db/msr")
        XCTAssertEqual(StoreLocator.redacted("postgresql:///msr?user=anna&password=s3cret&sslmode=require"),
                       "postgresql:///msr?user=anna&password=***&sslmode=require")
    }

    func testAStoreWhoseSchemaIsNewerIsRefused() throws {
        let path = TestStore.location(in: dir)
        let store = try Store(path: path)
        if store.isPostgres {
            try store.db.execute("UPDATE msreview_schema SET version = 99")
        } else {
            try store.db.execute("PRAGMA user_version = 99")
        }
        XCTAssertThrowsError(try Store(path: path)) {
            XCTAssertTrue("\($0)".contains("newer than this msreview knows"), "\($0)")
        }
    }

    func testValuesRoundTripThroughTheServer() throws {
        try XCTSkipUnless(TestStore.isPostgres, "needs the PostgreSQL pass")
        let store = try Store(path: TestStore.location(in: dir))
        let db = store.db
        XCTAssertEqual(db.dialect, .postgres)
        let blob: [UInt8] = [0, 1, 2, 255, 0x5C, 0x78, 0]
        let row = try db.query("SELECT CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION), CAST(? AS TEXT), CAST(? AS BYTEA), CAST(? AS TEXT), '?' || 'x'",
                               [.integer(-9_007_199_254_740_993), .real(0.1), .text("Анна «?»"), .blob(blob), .null]) { r in
            (r.int(0), r.double(1), r.text(2), r[3].blob, r[4], r.text(5))
        }
        XCTAssertEqual(row.first?.0, -9_007_199_254_740_993)
        XCTAssertEqual(row.first?.1, 0.1)
        XCTAssertEqual(row.first?.2, "Анна «?»", "a ? inside a value is no placeholder")
        XCTAssertEqual(row.first?.3, blob)
        XCTAssertEqual(row.first?.4, .null)
        XCTAssertEqual(row.first?.5, "?x", "a ? inside a quoted literal is no placeholder")
        XCTAssertEqual(try db.scalar("SELECT sum(x) FROM (VALUES (1), (2)) t(x)")?.int, 3, "numeric sums read as integers")
        XCTAssertThrowsError(try db.execute("INSERT INTO import_log (at, path, outcome) VALUES (?, ?, ?)", [.text("now"), .text("a\u{0}b"), .text("x")])) {
            XCTAssertTrue("\($0)".contains("NUL"), "\($0)")
        }
        // Nested transactions are savepoints, each all-or-nothing; ordering is bytewise as in SQLite.
        try store.write {
            try db.execute("INSERT INTO import_log (at, path, outcome) VALUES ('a', 'B', 'x')")
            try? store.write {
                try db.execute("INSERT INTO import_log (at, path, outcome) VALUES ('a', 'dropped', 'x')")
                throw StoreError(code: 1, message: "inner", context: "")
            }
            try db.execute("INSERT INTO import_log (at, path, outcome) VALUES ('a', 'a', 'x')")
        }
        XCTAssertEqual(try db.query("SELECT path FROM import_log ORDER BY path") { $0.text(0) ?? "" }, ["B", "a"])
    }

    func testAnEmptyDatabaseIsNoStoreUntilSomethingIsPutIn() throws {
        try XCTSkipUnless(TestStore.isPostgres, "needs the PostgreSQL pass")
        let uri = TestStore.location(in: dir)
        XCTAssertThrowsError(try Store(path: uri, create: false)) { XCTAssertTrue(($0 as? StoreError)?.isNoStore == true, "\($0)") }
        _ = try Store(path: uri)
        XCTAssertNoThrow(try Store(path: uri, create: false))
    }
}
