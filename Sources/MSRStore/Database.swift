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

/// An SQLite failure with the statement that caused it.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public var message: String
    public var context: String

    /// One line: the statement's whitespace (it may span lines) is folded.
    public var description: String {
        let where_ = context.split(whereSeparator: { $0 == "\n" || $0 == " " || $0 == "\t" }).joined(separator: " ")
        return where_.isEmpty ? message : "\(message) (\(where_))"
    }
    /// The database file is busy beyond the busy timeout.
    public var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }
    public var isConstraint: Bool { code & 0xFF == SQLITE_CONSTRAINT }
}

/// One row of a result, read by column index.
public struct Row {
    let stmt: OpaquePointer

    public subscript(_ i: Int32) -> SQLValue {
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

    public func text(_ i: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, i) else { return nil }
        let n = Int(sqlite3_column_bytes(stmt, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    public func int(_ i: Int32) -> Int64? {
        sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : sqlite3_column_int64(stmt, i)
    }

    public func double(_ i: Int32) -> Double? {
        sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : sqlite3_column_double(stmt, i)
    }

    public var count: Int32 { sqlite3_column_count(stmt) }
}

/// A connection to an SQLite file in WAL mode, with its prepared statements cached.
///
/// Not thread-safe: one connection per thread or process (SQLite's own locking coordinates them).
public final class Database {
    public let path: String
    private var handle: OpaquePointer?
    private var cache: [String: OpaquePointer] = [:]
    private var savepointDepth = 0

    /// Opens (creating when `create`) the database and sets WAL, foreign keys and a busy timeout.
    /// `immutable`: the file lives on a read-only file system, so nothing can change it — opened
    /// read-only without locks or a shared-memory file (which could not be created there).
    public init(path: String, create: Bool = true, readOnly: Bool = false, immutable: Bool = false,
                busyTimeoutMillis: Int32 = 10_000) throws(StoreError) {
        self.path = path
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

    deinit {
        for (_, s) in cache { sqlite3_finalize(s) }
        sqlite3_close_v2(handle)
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
            case let .text(s): rc = msr_sqlite3_bind_text_transient(stmt, idx, s, -1)
            case let .blob(b): rc = b.withUnsafeBytes { msr_sqlite3_bind_blob_transient(stmt, idx, $0.baseAddress, Int32($0.count)) }
            }
            guard rc == SQLITE_OK else { throw error(rc, String(sql.prefix(120))) }
        }
    }

    /// Runs a statement that returns no rows (or whose rows are not needed).
    public func execute(_ sql: String, _ params: [SQLValue] = []) throws(StoreError) {
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

    /// All rows of a query, each mapped by `transform`.
    public func query<T>(_ sql: String, _ params: [SQLValue] = [], _ transform: (Row) throws -> T) throws -> [T] {
        var out: [T] = []
        try forEach(sql, params) { row in out.append(try transform(row)); return true }
        return out
    }

    /// The first column of the first row, if any.
    public func scalar(_ sql: String, _ params: [SQLValue] = []) throws(StoreError) -> SQLValue? {
        let stmt = try prepared(sql)
        try bind(stmt, params, sql)
        defer { sqlite3_reset(stmt) }
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_DONE { return nil }
        guard rc == SQLITE_ROW else { throw error(rc, String(sql.prefix(120))) }
        return Row(stmt: stmt)[0]
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }

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
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if !isAutocommit { try? execute("ROLLBACK") }
            throw error
        }
    }

    public var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }
}
