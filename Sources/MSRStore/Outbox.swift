import MSRCore

/// One message of the alert outbox: written in the transaction of what caused it, delivered
/// afterwards, retried with backoff until it goes or is given up.
public struct OutboxMessage: Equatable, Sendable {
    public enum Status: String, Sendable, CaseIterable { case pending, sent, failed }
    public var id: Int64
    public var kind: AlertKind
    public var sessionID: String?
    public var route: String
    public var recipient: String
    public var subject: String
    public var body: String
    public var messageID: String
    public var status: Status
    public var attempts: Int
    public var nextMillis: Int64
    public var lastError: String?
    public var createdMillis: Int64
    public var sentMillis: Int64?
}

extension Store {
    static let outboxColumns = "id, kind, session_id, route, recipient, subject, body, message_id, status, attempts, next_ms, last_error, created_ms, sent_ms"

    static func outboxMessage(_ r: Row) -> OutboxMessage {
        OutboxMessage(id: r.int(0) ?? 0, kind: AlertKind(rawValue: r.text(1) ?? "") ?? .fraud, sessionID: r.text(2), route: r.text(3) ?? "",
                      recipient: r.text(4) ?? "", subject: r.text(5) ?? "", body: r.text(6) ?? "", messageID: r.text(7) ?? "",
                      status: OutboxMessage.Status(rawValue: r.text(8) ?? "") ?? .pending, attempts: Int(r.int(9) ?? 0),
                      nextMillis: r.int(10) ?? 0, lastError: r.text(11), createdMillis: r.int(12) ?? 0, sentMillis: r.int(13))
    }

    /// Adds messages to the outbox (inside the caller's transaction: the cause's). The
    /// Message-ID is fixed here (`<created ms>.<random>.alert@msreview`), written without reading
    /// the row back (on a team store a reviewer's submit may add alerts it cannot read).
    public func enqueue(_ messages: [(kind: AlertKind, session: String?, route: String, recipient: String, subject: String, body: String)],
                        at: Timestamp) throws {
        var rng = SystemRandomNumberGenerator()
        // Up to 50 rows a statement: an import's batch of alerts is a few statements, not one per message.
        for start in stride(from: 0, to: messages.count, by: 50) {
            let chunk = messages[start..<min(start + 50, messages.count)]
            var params: [SQLValue] = []
            for m in chunk {
                let token = String(rng.next() as UInt64, radix: 36)
                params += [.text(m.kind.rawValue), m.session.sqlValue, .text(m.route), .text(m.recipient), .text(m.subject), .text(m.body),
                           .text("\(at.utcMillis).\(token).alert@msreview"), .integer(at.utcMillis), .integer(at.utcMillis)]
            }
            try db.execute("INSERT INTO alert_outbox (kind, session_id, route, recipient, subject, body, message_id, status, attempts, next_ms, created_ms) VALUES "
                           + Array(repeating: "(?,?,?,?,?,?,?,'pending',0,?,?)", count: chunk.count).joined(separator: ", "), params)
        }
    }

    /// Messages of the outbox, newest first, of some statuses (none given: all).
    public func outbox(statuses: [OutboxMessage.Status] = [], id: Int64? = nil, limit: Int = 1000) throws -> [OutboxMessage] {
        var conds: [String] = [], params: [SQLValue] = []
        if !statuses.isEmpty {
            conds.append("status IN (" + statuses.map { _ in "?" }.joined(separator: ", ") + ")")
            params += statuses.map { .text($0.rawValue) }
        }
        if let id { conds.append("id = ?"); params.append(.integer(id)) }
        let w = conds.isEmpty ? "" : "WHERE " + conds.joined(separator: " AND ")
        return try db.query("SELECT \(Store.outboxColumns) FROM alert_outbox \(w) ORDER BY id DESC LIMIT ?", params + [.integer(Int64(limit))],
                            Store.outboxMessage)
    }

    /// Pending messages due by `now`, oldest first.
    public func dueMessages(now: Int64, limit: Int) throws -> [OutboxMessage] {
        try db.query("SELECT \(Store.outboxColumns) FROM alert_outbox WHERE status = 'pending' AND next_ms <= ? ORDER BY id LIMIT ?",
                     [.integer(now), .integer(Int64(limit))], Store.outboxMessage)
    }

    /// Records a delivery: sent, or failed once more (pending again at `retryAt`, or failed for good when nil).
    public func markDelivery(_ id: Int64, sentAt: Timestamp?, error: String?, retryAt: Int64?) throws {
        if let sentAt {
            try db.execute("UPDATE alert_outbox SET status = 'sent', attempts = attempts + 1, sent_ms = ?, last_error = NULL WHERE id = ?",
                           [.integer(sentAt.utcMillis), .integer(id)])
        } else {
            try db.execute("UPDATE alert_outbox SET status = ?, attempts = attempts + 1, next_ms = coalesce(?, next_ms), last_error = ? WHERE id = ?",
                           [.text(retryAt == nil ? "failed" : "pending"), retryAt.map { .integer($0) } ?? .null, error.sqlValue, .integer(id)])
        }
    }

    /// Puts failed (or all pending) messages back to be sent now.
    public func retryOutbox(id: Int64?, now: Int64) throws -> Int {
        if let id {
            return try db.query("UPDATE alert_outbox SET status = 'pending', next_ms = ? WHERE id = ? AND status <> 'sent' RETURNING id",
                                [.integer(now), .integer(id)]) { $0.int(0) ?? 0 }.count
        }
        return try db.query("UPDATE alert_outbox SET status = 'pending', next_ms = ? WHERE status = 'failed' RETURNING id",
                            [.integer(now)]) { $0.int(0) ?? 0 }.count
    }
}
