import MSRCore

extension Store {
    static let disputeColumns = """
        d.id, d.review_id, d.session_id, d.item_id, d.reason, d.opened_by, d.opened_at, d.opened_ms, d.status,
        d.decided_by, d.decided_at, d.decision_reason, d.answer, r.reviewer
        """

    static func dispute(_ r: Row) -> Dispute {
        Dispute(id: r.int(0) ?? 0, reviewID: r.int(1) ?? 0, sessionID: r.text(2) ?? "", itemID: r.text(3) ?? "", reason: r.text(4) ?? "",
                openedBy: r.text(5) ?? "", openedAt: r.text(6) ?? "", openedMillis: r.int(7) ?? 0,
                status: Dispute.Status(rawValue: r.text(8) ?? "") ?? .open, decidedBy: r.text(9), decidedAt: r.text(10),
                decisionReason: r.text(11), answer: r.text(12), reviewer: r.text(13) ?? "")
    }

    /// Opens a dispute; nil when the item already has an open one. Call inside `write`.
    public func openDispute(review: Int64, session: String, item: String, reason: String, by actor: String, at: Timestamp) throws -> Int64? {
        if try db.scalar("SELECT 1 FROM disputes WHERE review_id = ? AND item_id = ? AND status = 'open'", [.integer(review), .text(item)]) != nil {
            return nil
        }
        return try db.scalar("""
            INSERT INTO disputes (review_id, session_id, item_id, reason, opened_by, opened_at, opened_ms) VALUES (?,?,?,?,?,?,?) RETURNING id
            """, [.integer(review), .text(session), .text(item), .text(reason), .text(actor), .text(at.description), .integer(at.utcMillis)])?.int
    }

    public func dispute(id: Int64) throws -> Dispute? {
        try db.query("SELECT \(Store.disputeColumns) FROM disputes d JOIN reviews r ON r.id = d.review_id WHERE d.id = ?",
                     [.integer(id)], Store.dispute).first
    }

    /// Disputes, oldest first; of one status, one session, one reviewer's reviews when given.
    public func disputes(status: Dispute.Status? = nil, session: String? = nil, reviewer: String? = nil) throws -> [Dispute] {
        var conds: [String] = [], params: [SQLValue] = []
        if let status { conds.append("d.status = ?"); params.append(.text(status.rawValue)) }
        if let session { conds.append("d.session_id = ?"); params.append(.text(session)) }
        if let reviewer { conds.append("r.reviewer = ?"); params.append(.text(reviewer)) }
        let w = conds.isEmpty ? "" : "WHERE " + conds.joined(separator: " AND ")
        return try db.query("SELECT \(Store.disputeColumns) FROM disputes d JOIN reviews r ON r.id = d.review_id \(w) ORDER BY d.opened_ms, d.id",
                            params, Store.dispute)
    }

    /// Records the decision on an open dispute; false when it was no longer open. Call inside `write`.
    public func decideDispute(id: Int64, _ status: Dispute.Status, by actor: String, at: Timestamp, reason: String?, answer: String?) throws -> Bool {
        try db.scalar("""
            UPDATE disputes SET status = ?, decided_by = ?, decided_at = ?, decided_ms = ?, decision_reason = ?, answer = ?
            WHERE id = ? AND status = 'open' RETURNING id
            """, [.text(status.rawValue), .text(actor), .text(at.description), .integer(at.utcMillis), reason.sqlValue, answer.sqlValue,
                  .integer(id)]) != nil
    }

    /// Disputed and overturned items per subject, by the session's day, of work reviews.
    public func forEachDisputeCount(_ filter: SessionFilter, by subject: ScorecardSubject, names: Bool,
                                    _ body: (_ key: String, _ name: String?, _ localDate: String, _ disputed: Int, _ overturned: Int) throws -> Bool) throws {
        let (w, params) = try nonEmptyWhere(filter)
        let (key, name) = subjectColumns(subject, names: names)
        try db.forEach("""
            SELECT \(key), \(name), s.local_date, count(DISTINCT d.review_id || ' ' || d.item_id),
              count(DISTINCT CASE WHEN d.status = 'accepted' THEN d.review_id || ' ' || d.item_id END)
            FROM sessions s JOIN disputes d ON d.session_id = s.id JOIN reviews r ON r.id = d.review_id AND r.purpose = 'work'
            \(w) GROUP BY s.id
            """, params) { r in
            try body(r.text(0) ?? "", r.text(1), r.text(2) ?? "", Int(r.int(3) ?? 0), Int(r.int(4) ?? 0))
        }
    }

    /// Reviews submitted in [from, to) that had an item overturned by an accepted dispute.
    public func overturnedReviews(fromMillis: Int64, toMillis: Int64) throws -> Set<Int64> {
        Set(try db.query("""
            SELECT DISTINCT d.review_id FROM disputes d JOIN reviews r ON r.id = d.review_id
            WHERE d.status = 'accepted' AND r.submitted_ms >= ? AND r.submitted_ms < ?
            """, [.integer(fromMillis), .integer(toMillis)]) { $0.int(0) ?? 0 })
    }

    /// When a review was last approved, and by whom (the audit log keeps it).
    public func approval(review: Int64) throws -> (by: String, atMillis: Int64)? {
        try db.query("SELECT actor, at_ms FROM audit_log WHERE review_id = ? AND action = 'approve' ORDER BY id DESC LIMIT 1",
                     [.integer(review)]) { ($0.text(0) ?? "", $0.int(1) ?? 0) }.first
    }
}
