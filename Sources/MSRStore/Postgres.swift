import CPQ
import Glibc

/// A connection to PostgreSQL through libpq, speaking the store's SQL: `?` placeholders become
/// `$n`, values travel as text (bytea in binary) with their types inferred by the server, and
/// each statement is prepared once per connection.
///
/// Not thread-safe: a libpq connection serves one thread at a time.
final class PostgresConnection {
    let conninfo: String
    private var conn: OpaquePointer?
    private var prepared: [String: String] = [:]
    private(set) var changes = 0
    /// A BEGIN was sent and no COMMIT or ROLLBACK yet.
    private var transactionOpen = false
    private var retrying = false

    static func isRead(_ sql: String) -> Bool {
        let head = sql.drop(while: { $0 == " " || $0 == "\n" }).prefix(6).uppercased()
        return head == "SELECT" && !sql.contains("msr_claim(")
    }

    init(conninfo: String) throws(StoreError) {
        self.conninfo = conninfo
        conn = PQconnectdb(conninfo)
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { PostgresConnection.oneLine(String(cString: PQerrorMessage($0))) } ?? "cannot connect"
            PQfinish(conn)
            self.conn = nil
            throw StoreError(code: 1, message: message, context: StoreLocator.redacted(conninfo), sqlState: "08001")
        }
        msr_pq_silence_notices(conn)
        // Text comparisons and ORDER BY are bytewise, as in SQLite, whatever the server's locale.
        _ = try? execute("SET client_encoding = 'UTF8'", [])
    }

    deinit { PQfinish(conn) }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// `?` outside quotes → `$1, $2, …`; SQLite's `BEGIN IMMEDIATE|DEFERRED` → `BEGIN`.
    static func translate(_ sql: String) -> String {
        if sql == "BEGIN IMMEDIATE" || sql == "BEGIN DEFERRED" { return "BEGIN" }
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quote: Character? = nil
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        return out
    }

    private func failure(_ res: OpaquePointer?, _ sql: String) -> StoreError {
        let state = res.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        var message = res.map { String(cString: PQresultErrorMessage($0)) } ?? ""
        if message.isEmpty, let conn { message = String(cString: PQerrorMessage(conn)) }
        if let conn, PQstatus(conn) != CONNECTION_OK {
            return StoreError(code: 1, message: "lost the connection to the PostgreSQL server: " + PostgresConnection.oneLine(message),
                              context: "", sqlState: "08006")
        }
        return StoreError(code: 1, message: PostgresConnection.oneLine(message.replacingOccurrences(of: "ERROR:  ", with: "")),
                          context: String(sql.prefix(120)), sqlState: state ?? "XX000")
    }

    /// The prepared statement's name for `sql`, preparing it on first use.
    private func statement(_ sql: String) throws(StoreError) -> String {
        if let name = prepared[sql] { return name }
        let name = "msr\(prepared.count + 1)"
        let res = PQprepare(conn, name, PostgresConnection.translate(sql), 0, nil)
        defer { PQclear(res) }
        guard PQresultStatus(res) == PGRES_COMMAND_OK else { throw failure(res, sql) }
        prepared[sql] = name
        return name
    }

    /// Runs a prepared statement with `params` (`prepared: false`: unnamed, for statements the
    /// server does not prepare, such as DECLARE); the caller clears the result.
    private func run(_ sql: String, _ params: [SQLValue], prepared usePrepared: Bool = true) throws(StoreError) -> OpaquePointer {
        let ends = sql == "COMMIT" || sql == "ROLLBACK"
        if sql == "BEGIN IMMEDIATE" || sql == "BEGIN DEFERRED" || sql.hasPrefix("BEGIN") && !sql.contains(";") { transactionOpen = true }
        defer { if ends { transactionOpen = false } }
        // A connection lost earlier is made again before the next statement — but never inside a
        // transaction: its first statements died with the old connection, and what followed must
        // not commit on its own.
        if PQstatus(conn) != CONNECTION_OK {
            if transactionOpen || ends {
                throw StoreError(code: 1, message: "lost the connection to the PostgreSQL server", context: "", sqlState: "08006")
            }
            PQreset(conn)
            prepared = [:]
            guard PQstatus(conn) == CONNECTION_OK else {
                throw StoreError(code: 1, message: "cannot reach the PostgreSQL server: " + PostgresConnection.oneLine(String(cString: PQerrorMessage(conn))),
                                 context: "", sqlState: "08006")
            }
        }
        let name = usePrepared ? try statement(sql) : ""
        let text = usePrepared ? "" : PostgresConnection.translate(sql)
        var storage: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        storage.reserveCapacity(params.count)
        defer { for p in storage { free(p) } }
        for p in params {
            switch p {
            case .null:
                storage.append(nil); lengths.append(0); formats.append(0)
            case let .integer(v):
                storage.append(strdup(String(v))); lengths.append(0); formats.append(0)
            case let .real(v):
                storage.append(strdup(v.isFinite ? "\(v)" : (v.isNaN ? "NaN" : (v < 0 ? "-Infinity" : "Infinity")))); lengths.append(0); formats.append(0)
            case let .text(s):
                // PostgreSQL text cannot hold NUL; a C string would silently cut it there.
                guard !s.utf8.contains(0) else {
                    throw StoreError(code: 1, message: "text with a NUL character cannot be stored", context: String(sql.prefix(120)), sqlState: "22021")
                }
                storage.append(strdup(s)); lengths.append(0); formats.append(0)
            case let .blob(b):
                let m = malloc(max(1, b.count))!.assumingMemoryBound(to: CChar.self)
                b.withUnsafeBytes { if $0.count > 0 { memcpy(m, $0.baseAddress!, $0.count) } }
                storage.append(m); lengths.append(Int32(b.count)); formats.append(1)
            }
        }
        let res: OpaquePointer? = storage.withUnsafeBufferPointer { values in
            values.withMemoryRebound(to: UnsafePointer<CChar>?.self) { v in
                usePrepared ? PQexecPrepared(conn, name, Int32(params.count), v.baseAddress, lengths, formats, 0)
                    : PQexecParams(conn, text, Int32(params.count), nil, v.baseAddress, lengths, formats, 0)
            }
        }
        let status = PQresultStatus(res)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK, let res else {
            let e = failure(res, sql)
            PQclear(res)
            // A statement prepared before a lost connection is gone with it.
            if e.isConnectionLost { prepared = [:] }
            // The server went away since the last statement (a restart): a read outside a
            // transaction is simply asked again on a new connection. A write is not — it might
            // have been done before the connection broke.
            if e.isConnectionLost, !transactionOpen, !retrying, PostgresConnection.isRead(sql) {
                retrying = true
                defer { retrying = false }
                return try run(sql, params, prepared: usePrepared)
            }
            throw e
        }
        changes = Int(String(cString: PQcmdTuples(res))) ?? 0
        return res
    }

    func execute(_ sql: String, _ params: [SQLValue]) throws(StoreError) {
        PQclear(try run(sql, params))
    }

    func executeScript(_ sql: String) throws(StoreError) {
        let res = PQexec(conn, sql)
        defer { PQclear(res) }
        let status = PQresultStatus(res)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else { throw failure(res, "schema script") }
    }

    func forEach(_ sql: String, _ params: [SQLValue], _ body: (Row) throws -> Bool) throws {
        let res = try run(sql, params)
        defer { PQclear(res) }
        let n = PQntuples(res)
        var i: Int32 = 0
        while i < n {
            if try !body(Row(postgres: res, row: i)) { return }
            i += 1
        }
    }

    /// Streams a large result through a cursor, `batch` rows per round trip, so memory stays flat
    /// however many rows; outside a transaction it opens a read-only one for the cursor's life.
    /// The body may run other statements on this connection between batches.
    func stream(_ sql: String, _ params: [SQLValue], batch: Int = 2000, _ body: (Row) throws -> Bool) throws {
        let own = isIdle
        if own { try execute("BEGIN READ ONLY", []) }
        cursors += 1
        let name = "msr_cursor\(cursors)"
        do {
            PQclear(try run("DECLARE \(name) NO SCROLL CURSOR FOR " + sql, params, prepared: false))
            var more = true
            while more {
                let res = try run("FETCH \(batch) FROM \(name)", [])
                defer { PQclear(res) }
                let n = PQntuples(res)
                more = n == Int32(batch)
                var i: Int32 = 0
                while i < n {
                    if try !body(Row(postgres: res, row: i)) { more = false; break }
                    i += 1
                }
            }
            try execute("CLOSE \(name)", [])
            if own { try execute("COMMIT", []) }
        } catch {
            if own { try? execute("ROLLBACK", []) }
            throw error
        }
    }
    private var cursors = 0

    /// No transaction is open (on a lost connection: none was begun on it, so the next statement
    /// may connect again).
    var isIdle: Bool { PQstatus(conn) == CONNECTION_OK ? PQtransactionStatus(conn) == PQTRANS_IDLE : !transactionOpen }

}

/// Reading PostgreSQL's text-format values as the store's values.
enum PostgresValue {
    static func value(_ res: OpaquePointer, _ row: Int32, _ col: Int32) -> SQLValue {
        if PQgetisnull(res, row, col) == 1 { return .null }
        guard let p = PQgetvalue(res, row, col) else { return .null }
        let n = Int(PQgetlength(res, row, col))
        switch PQftype(res, col) {
        case 20, 21, 23, 26: return .integer(integer(p, n))
        case 700, 701: return .real(strtod(p, nil))
        case 1700:
            let raw = UnsafeRawBufferPointer(start: p, count: n)
            if !raw.contains(UInt8(ascii: ".")), !raw.contains(UInt8(ascii: "e")), !raw.contains(UInt8(ascii: "N")) { return .integer(integer(p, n)) }
            return .real(strtod(p, nil))
        case 16: return .integer(p.pointee == CChar(UInt8(ascii: "t")) ? 1 : 0)
        case 17: return .blob(bytea(p, n))
        default: return .text(String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self))
        }
    }

    static func integer(_ p: UnsafePointer<CChar>, _ n: Int) -> Int64 {
        var v: Int64 = 0
        var i = 0
        var negative = false
        if n > 0, p[0] == CChar(UInt8(ascii: "-")) { negative = true; i = 1 }
        while i < n {
            let d = Int64(UInt8(bitPattern: p[i])) - 48
            guard d >= 0, d <= 9 else { break }
            v = v &* 10 &+ d
            i += 1
        }
        return negative ? -v : v
    }

    /// bytea's hex output (`\x0a1b…`).
    static func bytea(_ p: UnsafePointer<CChar>, _ n: Int) -> [UInt8] {
        guard n >= 2, p[0] == CChar(UInt8(ascii: "\\")), p[1] == CChar(UInt8(ascii: "x")) else {
            return Array(UnsafeRawBufferPointer(start: p, count: n))
        }
        func nibble(_ c: CChar) -> UInt8 {
            let b = UInt8(bitPattern: c)
            return b <= 57 ? b - 48 : (b | 0x20) - 87
        }
        var out = [UInt8]()
        out.reserveCapacity((n - 2) / 2)
        var i = 2
        while i + 1 < n {
            out.append(nibble(p[i]) << 4 | nibble(p[i + 1]))
            i += 2
        }
        return out
    }
}

/// Which store a `--db` value names: a libpq URI (`postgresql://`, `postgres://`) or a
/// `service=NAME` from pg_service.conf is PostgreSQL; anything else is a SQLite path.
public enum StoreLocator: Equatable, Sendable {
    case sqlite(path: String)
    case postgres(conninfo: String)

    public init(_ text: String) {
        if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") || text.hasPrefix("service=") {
            self = .postgres(conninfo: text)
        } else {
            self = .sqlite(path: text)
        }
    }

    public var isPostgres: Bool { if case .postgres = self { return true }; return false }

    /// The conninfo without a password, for messages.
    public static func redacted(_ conninfo: String) -> String {
        var s = conninfo
        // postgresql://user:secret@host → postgresql://user:***@host
        if let scheme = s.range(of: "://"), let at = s[scheme.upperBound...].firstIndex(of: "@") {
            let userinfo = s[scheme.upperBound..<at]
            if let colon = userinfo.firstIndex(of: ":") { s.replaceSubrange(s.index(after: colon)..<at, with: "***") }
        }
        if let r = s.range(of: "password=") {
            let end = s[r.upperBound...].firstIndex(where: { $0 == "&" || $0 == " " }) ?? s.endIndex
            s.replaceSubrange(r.upperBound..<end, with: "***")
        }
        return s
    }
}
