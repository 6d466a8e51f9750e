import CPQ
import CSQLite
import Glibc

/// A value bound to or read from SQLite. Every value in msreview's SQL goes through here as a
/// bound parameter; no value is ever spliced into SQL text.
public enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var int: Int64? { if case let .integer(v) = self { return v }; if case let .real(d) = self { return Int64(d) }; return nil }
    public var double: Double? { if case let .real(v) = self { return v }; if case let .integer(i) = self { return Double(i) }; return nil }
    public var string: String? { if case let .text(s) = self { return s }; return nil }
    public var blob: [UInt8]? { if case let .blob(b) = self { return b }; if case let .text(s) = self { return Array(s.utf8) }; return nil }
    public var isNull: Bool { self == .null }
}

/// Conversions from Swift values to bound parameters.
public protocol SQLBindable { var sqlValue: SQLValue { get } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable { public var sqlValue: SQLValue { self?.sqlValue ?? .null } }

/// A store failure (SQLite or PostgreSQL) with the statement that caused it.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public var message: String
    public var context: String
    /// PostgreSQL's SQLSTATE (nil for SQLite).
    public var sqlState: String?

    public init(code: Int32, message: String, context: String, sqlState: String? = nil) {
        (self.code, self.message, self.context, self.sqlState) = (code, message, context, sqlState)
    }

    /// One line: the statement's whitespace (it may span lines) is folded.
    public var description: String {
        let where_ = context.split(whereSeparator: { $0 == "\n" || $0 == " " || $0 == "\t" }).joined(separator: " ")
        return where_.isEmpty ? message : "\(message) (\(where_))"
    }
    /// Nothing is stored at that path (reading commands never create a store).
    public static func noStore(_ path: String) -> StoreError { StoreError(code: SQLITE_CANTOPEN, message: "no store at \(path)", context: "") }
    public var isNoStore: Bool { code == SQLITE_CANTOPEN && message.hasPrefix("no store at ") }
    /// The database is busy beyond the busy timeout.
    public var isBusy: Bool { sqlState == nil ? (code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED) : sqlState == "55P03" }
    public var isConstraint: Bool { sqlState == nil ? code & 0xFF == SQLITE_CONSTRAINT : sqlState!.hasPrefix("23") }
    /// A serialization failure or deadlock: the transaction is retried, never shown to the user.
    public var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// The PostgreSQL server went away (the connection is re-established on the next use).
    public var isConnectionLost: Bool { sqlState.map { $0.hasPrefix("08") || $0 == "57P01" || $0 == "57P02" || $0 == "57P03" } ?? false }
}

/// One row of a result, read by column index.
public struct Row {
    enum Source { case sqlite(OpaquePointer), postgres(OpaquePointer, Int32) }
    let source: Source

    init(stmt: OpaquePointer) { source = .sqlite(stmt) }
    init(postgres res: OpaquePointer, row: Int32) { source = .postgres(res, row) }

    public subscript(_ i: Int32) -> SQLValue {
        switch source {
        case let .postgres(res, row): return PostgresValue.value(res, row, i)
        case let .sqlite(stmt):
            switch sqlite3_column_type(stmt, i) {
            case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, i))
            case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, i))
            case SQLITE_TEXT: return .text(text(i) ?? "")
            case SQLITE_BLOB:
                let n = Int(sqlite3_column_bytes(stmt, i))
                guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return .blob([]) }
                return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
            default: return .null
            }
        }
    }

    public func text(_ i: Int32) -> String? {
        switch source {
        case let .postgres(res, row):
            if PQgetisnull(res, row, i) == 1 { return nil }
            if PQftype(res, i) == 17 { return self[i].blob.map { String(decoding: $0, as: UTF8.self) } }
            guard let p = PQgetvalue(res, row, i) else { return nil }
            return String(decoding: UnsafeRawBufferPointer(start: p, count: Int(PQgetlength(res, row, i))), as: UTF8.self)
        case let .sqlite(stmt):
            guard let p = sqlite3_column_text(stmt, i) else { return nil }
            let n = Int(sqlite3_column_bytes(stmt, i))
            return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        }
    }

    public func int(_ i: Int32) -> Int64? {
        switch source {
        case .postgres: return self[i].int
        case let .sqlite(stmt): return sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : sqlite3_column_int64(stmt, i)
        }
    }

    public func double(_ i: Int32) -> Double? {
        switch source {
        case .postgres: return self[i].double
        case let .sqlite(stmt): return sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : sqlite3_column_double(stmt, i)
        }
    }

    public var count: Int32 {
        switch source {
        case let .postgres(res, _): return PQnfields(res)
        case let .sqlite(stmt): return sqlite3_column_count(stmt)
        }
    }
}

/// The SQL a store speaks. Statements are written once, in the common subset; the few places
/// where the two differ ask for the dialect.
public enum SQLDialect: Sendable { case sqlite, postgres }

/// A connection to the store's database: an SQLite file in WAL mode, or a PostgreSQL server
/// (`PostgresConnection`), with its prepared statements cached.
///
/// Not thread-safe: one connection per thread or process (the database's own locking coordinates them).
public final class Database {
    public let path: String
    public let dialect: SQLDialect
    private let postgres: PostgresConnection?
    private var handle: OpaquePointer?
    private var cache: [String: OpaquePointer] = [:]
    private var savepointDepth = 0
    /// Statements run on this connection: on PostgreSQL each is one round trip to the server.
    public private(set) var statementCount = 0

    /// Opens (creating when `create`) the database and sets WAL, foreign keys and a busy timeout.
    /// `immutable`: the file lives on a read-only file system, so nothing can change it — opened
    /// read-only without locks or a shared-memory file (which could not be created there).
    public init(path: String, create: Bool = true, readOnly: Bool = false, immutable: Bool = false,
                busyTimeoutMillis: Int32 = 10_000) throws(StoreError) {
        self.path = path
        dialect = .sqlite
        postgres = nil
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= readOnly || immutable ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
        var name = path
        if immutable {
            flags |= SQLITE_OPEN_URI
            let encoded = path.utf8.map { b -> String in
                b == UInt8(ascii: "%") || b == UInt8(ascii: "?") || b == UInt8(ascii: "#") ? "%" + String(b, radix: 16, uppercase: true) : String(UnicodeScalar(b))
            }.joined()
            name = "file:" + encoded + "?immutable=1"
        }
        let rc = sqlite3_open_v2(name, &handle, flags, nil)
        guard rc == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(handle)
            handle = nil
            throw StoreError(code: rc, message: message, context: path)
        }
        sqlite3_busy_timeout(handle, busyTimeoutMillis)
        sqlite3_extended_result_codes(handle, 1)
        if !readOnly && !immutable { try execute("PRAGMA journal_mode = WAL") }
        // FULL: a committed review change survives power loss, not only a crash.
        try execute("PRAGMA synchronous = FULL")
        try execute("PRAGMA foreign_keys = ON")
        // Savepoint (statement) journals in memory: on disk they cost a write per page touched.
        try execute("PRAGMA temp_store = MEMORY")
    }

    /// Connects to PostgreSQL (`conninfo`: a libpq URI or `service=NAME`).
    public init(postgres conninfo: String) throws(StoreError) {
        path = conninfo
        dialect = .postgres
        postgres = try PostgresConnection(conninfo: conninfo)
    }

    deinit {
        for (_, s) in cache { sqlite3_finalize(s) }
        if handle != nil { sqlite3_close_v2(handle) }
    }

    private func error(_ rc: Int32, _ context: String) -> StoreError {
        StoreError(code: rc, message: String(cString: sqlite3_errmsg(handle)), context: context)
    }

    private func prepared(_ sql: String) throws(StoreError) -> OpaquePointer {
        if let s = cache[sql] { return s }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, String(sql.prefix(120))) }
        cache[sql] = stmt
        return stmt
    }

    private func bind(_ stmt: OpaquePointer, _ params: [SQLValue], _ sql: String) throws(StoreError) {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch p {
            case .null: rc = sqlite3_bind_null(stmt, idx)
            case let .integer(v): rc = sqlite3_bind_int64(stmt, idx, v)
            case let .real(v): rc = sqlite3_bind_double(stmt, idx, v)
            // With its byte length: a NUL inside is kept, never a silent cut (callers refuse NULs first).
            case let .text(s): rc = msr_sqlite3_bind_text_transient(stmt, idx, s, Int32(s.utf8.count))
            case let .blob(b): rc = b.withUnsafeBytes { msr_sqlite3_bind_blob_transient(stmt, idx, $0.baseAddress, Int32($0.count)) }
            }
            guard rc == SQLITE_OK else { throw error(rc, String(sql.prefix(120))) }
        }
    }

    /// Runs a statement that returns no rows (or whose rows are not needed).
    public func execute(_ sql: String, _ params: [SQLValue] = []) throws(StoreError) {
        statementCount += 1
        if let postgres { return try postgres.execute(sql, params) }
        let stmt = try prepared(sql)
        try bind(stmt, params, sql)
        defer { sqlite3_reset(stmt) }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            if rc != SQLITE_ROW { throw error(rc, String(sql.prefix(120))) }
        }
    }

    /// Runs several statements separated by semicolons (schema scripts). No parameters.
    public func executeScript(_ sql: String) throws(StoreError) {
        statementCount += 1
        if let postgres { return try postgres.executeScript(sql) }
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? "error"
            sqlite3_free(err)
            throw StoreError(code: rc, message: message, context: "schema script")
        }
    }

    /// Streams the rows of a query to `body`; return false from `body` to stop early.
    public func forEach(_ sql: String, _ params: [SQLValue] = [], _ body: (Row) throws -> Bool) throws {
        statementCount += 1
        if let postgres { return try postgres.forEach(sql, params, body) }
        let stmt = try prepared(sql)
        try bind(stmt, params, sql)
        defer { sqlite3_reset(stmt) }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw error(rc, String(sql.prefix(120))) }
            if try !body(Row(stmt: stmt)) { return }
        }
    }

    /// Like `forEach`, for results too large to hold: PostgreSQL streams them through a cursor
    /// (SQLite always steps through its rows).
    public func stream(_ sql: String, _ params: [SQLValue] = [], _ body: (Row) throws -> Bool) throws {
        statementCount += 1
        if let postgres { return try postgres.stream(sql, params, body) }
        try forEach(sql, params, body)
    }

    /// All rows of a query, each mapped by `transform`.
    public func query<T>(_ sql: String, _ params: [SQLValue] = [], _ transform: (Row) throws -> T) throws -> [T] {
        var out: [T] = []
        try forEach(sql, params) { row in out.append(try transform(row)); return true }
        return out
    }

    /// The first column of the first row, if any.
    public func scalar(_ sql: String, _ params: [SQLValue] = []) throws(StoreError) -> SQLValue? {
        statementCount += 1
        if let postgres {
            var v: SQLValue? = nil
            do { try postgres.forEach(sql, params) { v = $0[0]; return false } } catch { throw error as! StoreError }
            return v
        }
        let stmt = try prepared(sql)
        try bind(stmt, params, sql)
        defer { sqlite3_reset(stmt) }
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_DONE { return nil }
        guard rc == SQLITE_ROW else { throw error(rc, String(sql.prefix(120))) }
        return Row(stmt: stmt)[0]
    }

    /// The id the last INSERT gave its row (PostgreSQL: the last identity value of this session).
    public var lastInsertRowID: Int64 {
        if postgres != nil { return (try? scalar("SELECT lastval()"))??.int ?? 0 }
        return sqlite3_last_insert_rowid(handle)
    }
    public var changes: Int { postgres?.changes ?? Int(sqlite3_changes(handle)) }

    /// Runs `body` in a transaction. `IMMEDIATE` takes the write lock at the start, so a busy
    /// database waits in the busy handler instead of failing at the first write.
    /// Nested calls become savepoints, each all-or-nothing on its own.
    public func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        if savepointDepth > 0 || !isAutocommit {
            let name = "sp\(savepointDepth)"
            try execute("SAVEPOINT \(name)")
            savepointDepth += 1
            do {
                let result = try body()
                savepointDepth -= 1
                try execute("RELEASE \(name)")
                return result
            } catch {
                savepointDepth -= 1
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
                throw error
            }
        }
        // PostgreSQL may fail a transaction for a serialization conflict or a deadlock; it is
        // run again (a few times, with a short pause), never reported to the user.
        var attempt = 0
        while true {
            try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
            do {
                let result = try body()
                try execute("COMMIT")
                return result
            } catch {
                if !isAutocommit { try? execute("ROLLBACK") }
                if let e = error as? StoreError, e.isRetryable, attempt < 8 {
                    attempt += 1
                    usleep(UInt32(1000 << min(attempt, 6)))
                    continue
                }
                throw error
            }
        }
    }

    public var isAutocommit: Bool { postgres?.isIdle ?? (sqlite3_get_autocommit(handle) != 0) }
}
