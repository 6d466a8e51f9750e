import MSRCore

/// A customer's request to be called back, as the people who call back work it.
public struct CallbackItem: Equatable, Sendable {
    public enum Status: String, Sendable, CaseIterable { case open, taken, done }
    public enum Outcome: String, Sendable, CaseIterable {
        case reached, noAnswer = "no-answer", wrongNumber = "wrong-number", declined
        /// No answer leaves the callback to be tried again; the others close it.
        public var closes: Bool { self != .noAnswer }
    }
    public struct Attempt: Equatable, Sendable {
        public var actor: String
        public var at: String
        public var outcome: Outcome
        public var note: String?
    }

    public var id: Int64
    public var sessionID: String
    public var locationID: String
    public var locationName: String?
    public var employeeID: String
    public var topic: String?
    public var requestedMillis: Int64
    /// Personal data: nil unless the caller may see it (or retention removed it).
    public var name: String?
    public var phone: String?
    public var status: Status
    public var takenBy: String?
    public var takenMillis: Int64?
    public var attempts: Int
    public var firstAttemptMillis: Int64?
    public var outcome: Outcome?
    public var closedMillis: Int64?
    public var personalDataPurged: Bool
    /// The caller may not see the name and phone (nil above does not say why).
    public var personalDataWithheld = false

    /// Not done, and no attempt within `deadlineMillis` of the request (by `now`).
    public func isOverdue(now: Int64, deadlineMillis: Int64) -> Bool {
        status != .done && (firstAttemptMillis ?? now) - requestedMillis > deadlineMillis
    }

    /// How long the customer has waited, as lists show it: `45m`, `3h05`, `4d`.
    public func age(now: Int64) -> String {
        let m = max(0, (now - requestedMillis) / 60_000)
        return m >= 2_880 ? "\(m / 1_440)d" : m >= 60 ? "\(m / 60)h" + (m % 60 < 10 ? "0" : "") + "\(m % 60)" : "\(m)m"
    }

    /// The name or phone as a list shows it: what is stored, or why it is not there.
    public func shown(_ value: String?) -> String {
        personalDataPurged ? "(purged)" : personalDataWithheld ? "(hidden)" : value ?? ""
    }
}

extension Store {
    /// Names and phones are not even selected for a caller who may not see them (on a team
    /// store a reviewer's login has no privilege on those columns).
    static func callbackColumns(personalData: Bool) -> String {
        """
        c.id, c.session_id, s.location_id, s.location_name, s.employee_id, r.topic, c.requested_ms, \(personalData ? "r.name, r.phone" : "NULL, NULL"), c.status,
        c.taken_by, c.taken_ms, c.attempts, c.first_attempt_ms, c.outcome, c.closed_ms, c.pii_purged_at
        """
    }
    static let callbackFrom = "FROM callbacks c JOIN callback_requests r ON r.session_id = c.session_id AND r.idx = c.idx JOIN sessions s ON s.id = c.session_id"

    static func callbackItem(_ r: Row, personalData: Bool) -> CallbackItem {
        CallbackItem(id: r.int(0) ?? 0, sessionID: r.text(1) ?? "", locationID: r.text(2) ?? "", locationName: r.text(3), employeeID: r.text(4) ?? "",
                     topic: r.text(5), requestedMillis: r.int(6) ?? 0, name: personalData ? r.text(7) : nil, phone: personalData ? r.text(8) : nil,
                     status: CallbackItem.Status(rawValue: r.text(9) ?? "") ?? .open, takenBy: r.text(10), takenMillis: r.int(11),
                     attempts: Int(r.int(12) ?? 0), firstAttemptMillis: r.int(13), outcome: r.text(14).flatMap(CallbackItem.Outcome.init(rawValue:)),
                     closedMillis: r.int(15), personalDataPurged: r.text(16) != nil, personalDataWithheld: !personalData)
    }

    /// Callbacks, oldest request first. `overdueBefore`: only those not done whose request is
    /// older than this moment. `sessionsOf`: only sessions this reviewer holds a claim or review of.
    public func callbacks(statuses: [CallbackItem.Status], locations: [String] = [], overdueBefore: Int64? = nil, id: Int64? = nil,
                          sessionsOf reviewer: String? = nil, personalData: Bool) throws -> [CallbackItem] {
        var conds: [String] = [], params: [SQLValue] = []
        if !statuses.isEmpty {
            conds.append("c.status IN (" + statuses.map { _ in "?" }.joined(separator: ", ") + ")")
            params += statuses.map { .text($0.rawValue) }
        }
        if !locations.isEmpty {
            conds.append("s.location_id IN (" + locations.map { _ in "?" }.joined(separator: ", ") + ")")
            params += locations.map { .text($0) }
        }
        if let t = overdueBefore { conds.append("c.status <> 'done' AND c.requested_ms < ?"); params.append(.integer(t)) }
        if let id { conds.append("c.id = ?"); params.append(.integer(id)) }
        if let reviewer {
            conds.append("EXISTS (SELECT 1 FROM reviews v WHERE v.session_id = c.session_id AND v.reviewer = ? AND v.status NOT IN ('released', 'expired'))")
            params.append(.text(reviewer))
        }
        let w = conds.isEmpty ? "" : "WHERE " + conds.joined(separator: " AND ")
        return try db.query("SELECT \(Store.callbackColumns(personalData: personalData)) \(Store.callbackFrom) \(w) ORDER BY c.requested_ms, c.id", params) {
            Store.callbackItem($0, personalData: personalData)
        }
    }

    public func callbackAttempts(_ id: Int64) throws -> [CallbackItem.Attempt] {
        try db.query("SELECT actor, at, outcome, note FROM callback_attempts WHERE callback_id = ? ORDER BY id", [.integer(id)]) {
            CallbackItem.Attempt(actor: $0.text(0) ?? "", at: $0.text(1) ?? "", outcome: CallbackItem.Outcome(rawValue: $0.text(2) ?? "") ?? .noAnswer,
                                 note: $0.text(3))
        }
    }

    /// Takes a callback for `actor` in one statement: open, already the actor's, or taken by
    /// someone whose take is older than `staleBefore`. Returns whether it was taken. Call inside `write`.
    public func takeCallback(_ id: Int64, by actor: String, at: Timestamp, staleBefore: Int64) throws -> Bool {
        try db.scalar("""
            UPDATE callbacks SET status = 'taken', taken_by = ?, taken_ms = ?
            WHERE id = ? AND (status = 'open' OR (status = 'taken' AND (taken_by = ? OR taken_ms < ?))) RETURNING id
            """, [.text(actor), .integer(at.utcMillis), .integer(id), .text(actor), .integer(staleBefore)]) != nil
    }

    /// Records an attempt on a callback the actor holds: a closing outcome closes it, no answer
    /// leaves it open for another try. Returns false when the actor does not hold it. Call inside `write`.
    public func recordCallbackAttempt(_ id: Int64, by actor: String, at: Timestamp, outcome: CallbackItem.Outcome, note: String?) throws -> Bool {
        let updated = try db.scalar("""
            UPDATE callbacks SET attempts = attempts + 1, first_attempt_ms = coalesce(first_attempt_ms, ?), outcome = ?, status = ?,
              taken_by = CASE WHEN ? = 'done' THEN taken_by END, taken_ms = CASE WHEN ? = 'done' THEN taken_ms END, closed_ms = ?
            WHERE id = ? AND status = 'taken' AND taken_by = ? RETURNING id
            """, [.integer(at.utcMillis), .text(outcome.rawValue), .text(outcome.closes ? "done" : "open"),
                  .text(outcome.closes ? "done" : "open"), .text(outcome.closes ? "done" : "open"),
                  outcome.closes ? .integer(at.utcMillis) : .null, .integer(id), .text(actor)]) != nil
        guard updated else { return false }
        try db.execute("INSERT INTO callback_attempts (callback_id, actor, at, at_ms, outcome, note) VALUES (?,?,?,?,?,?)",
                       [.integer(id), .text(actor), .text(at.description), .integer(at.utcMillis), .text(outcome.rawValue), note.sqlValue])
        return true
    }

    /// Callbacks that became overdue (not done, no attempt, requested before `before`) and have
    /// raised no alert yet; marked as alerted in the same call. Call inside `write`.
    public func takeNewlyOverdueCallbacks(requestedBefore before: Int64, at: Timestamp) throws -> [CallbackItem] {
        let list = try db.query("""
            SELECT \(Store.callbackColumns(personalData: true)) \(Store.callbackFrom)
            WHERE c.status <> 'done' AND c.attempts = 0 AND c.requested_ms < ? AND c.overdue_alerted_ms IS NULL ORDER BY c.requested_ms, c.id
            """, [.integer(before)]) { Store.callbackItem($0, personalData: true) }
        for c in list { try db.execute("UPDATE callbacks SET overdue_alerted_ms = ? WHERE id = ?", [.integer(at.utcMillis), .integer(c.id)]) }
        return list
    }

    /// Retention: removes the names and phones of callbacks closed before `cutoffMillis` (the
    /// outcome, the attempts and the counts stay). Returns how many. Call inside `write`.
    public func purgeCallbackPersonalData(closedBefore cutoffMillis: Int64, at: Timestamp, dryRun: Bool) throws -> Int {
        let ids = try db.query("SELECT id FROM callbacks WHERE status = 'done' AND closed_ms < ? AND pii_purged_at IS NULL ORDER BY id",
                               [.integer(cutoffMillis)]) { $0.int(0) ?? 0 }
        guard !dryRun else { return ids.count }
        for id in ids {
            try db.execute("""
                UPDATE callback_requests SET name = NULL, phone = NULL
                WHERE EXISTS (SELECT 1 FROM callbacks c WHERE c.id = ? AND c.session_id = callback_requests.session_id AND c.idx = callback_requests.idx)
                """, [.integer(id)])
            try db.execute("UPDATE callbacks SET pii_purged_at = ? WHERE id = ?", [.text(at.description), .integer(id)])
        }
        return ids.count
    }

    /// Per subject and session day: callbacks reached, minutes from request to first attempt,
    /// and whether each was overdue (no attempt within the deadline, counted at `now`).
    public func forEachCallbackWork(_ filter: SessionFilter, by subject: ScorecardSubject, names: Bool, deadlineMillis: Int64, now: Int64,
                                    _ body: (_ key: String, _ name: String?, _ localDate: String, _ reached: Bool, _ firstAttemptMinutes: Double?, _ overdue: Bool) throws -> Bool) throws {
        let (w, params) = try nonEmptyWhere(filter)
        let (key, name) = subjectColumns(subject, names: names)
        try db.forEach("""
            SELECT \(key), \(name), s.local_date, c.outcome, c.first_attempt_ms - c.requested_ms, coalesce(c.first_attempt_ms, ?) - c.requested_ms
            FROM sessions s JOIN callbacks c ON c.session_id = s.id \(w)
            """, [.integer(now)] + params) { r in
            let first = r.int(4).map { Double($0) / 60_000 }
            return try body(r.text(0) ?? "", r.text(1), r.text(2) ?? "", r.text(3) == "reached", first, (r.int(5) ?? 0) > deadlineMillis)
        }
    }
}
