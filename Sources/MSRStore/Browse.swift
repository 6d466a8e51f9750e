import MSRCore

/// The statuses a session moves through in the work queue.
public let sessionStatuses = ["new", "claimed", "draft", "submitted", "approved", "returned"]

/// Which sessions to list. Dates are `YYYY-MM-DD` (the session's local day) or RFC 3339 moments.
public struct SessionFilter: Sendable {
    public var statuses: [String] = []
    public var locations: [String] = []
    public var employees: [String] = []
    public var fromDate: String?
    public var toDate: String?
    public var fromMillis: Int64?
    public var toMillis: Int64?
    public var flagged: Bool = false
    /// Only sessions with an open dispute.
    public var disputed: Bool = false
    /// Only sessions this reviewer holds a claim or review of (released and expired ones aside).
    public var reviewer: String?
    /// Only sessions with a review (by `reviewer`, when given) in one of these statuses — for
    /// the review-only statuses `released` and `expired`, which the session's own status never is.
    public var reviewStatuses: [String] = []
    /// Text in the id, location, employee (id or name) or start time (so "2026-11-20" is a date filter).
    public var search: String?
    public var limit: Int?
    public var offset: Int = 0
    /// Keyset paging: only sessions after (or before) this (started_ms, id), without OFFSET.
    public var after: (millis: Int64, id: String)?
    public var before: (millis: Int64, id: String)?
    /// Newest first (to page from the end cheaply).
    public var descending = false

    public init() {}
}

/// One line of the session list.
public struct SessionSummary: Equatable, Sendable {
    public var id: String
    public var startedAt: String
    public var endedAt: String
    public var locationID: String
    public var locationName: String?
    public var employeeID: String
    public var employeeName: String?
    public var deviceID: String
    public var checklist: String?
    public var status: String
    public var fraud: Int
    public var suspect: Int
    public var integrity: Int
    /// `started_at` in UTC milliseconds: the list's sort key (with the id).
    public var startedMillis: Int64 = 0
    /// The reviewer holding the session's live work review (claim, draft, returned, submitted or
    /// approved), with when it was claimed and when the claim runs out (queue listings only).
    public var reviewer: String? = nil
    public var claimedMillis: Int64? = nil
    public var expiresMillis: Int64? = nil
}

/// Everything stored about one session.
public struct SessionDetail: Sendable {
    public var summary: SessionSummary
    public var timezone: String?
    public var hours: Manifest.OpeningHours?
    public var source: String
    public var importedAt: String
    public var recordings: [RecordingFacts]
    public var photos: [PhotoFacts]
    public var questionnaires: [Manifest.Questionnaire]
    public var callbackRequests: [Manifest.CallbackRequest]
    public var findings: [StoredFinding]
    /// When the session's media were deleted past retention (its rows, hashes and findings stay).
    public var mediaPurgedAt: String? = nil
}

extension Store {
    /// `indexFirst`: the statement reads `FROM session_search JOIN sessions s` (`searchIndexFrom`),
    /// walking the trigram index in queue order, rather than `FROM sessions s`.
    func whereClause(_ f: SessionFilter, indexFirst: Bool = false) throws(StoreError) -> (String, [SQLValue]) {
        var conds: [String] = []
        var params: [SQLValue] = []
        func anyOf(_ column: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            conds.append("\(column) IN (" + Array(repeating: "?", count: values.count).joined(separator: ",") + ")")
            params += values.map(SQLValue.text)
        }
        anyOf("s.status", f.statuses)
        anyOf("s.location_id", f.locations)
        anyOf("s.employee_id", f.employees)
        if let d = f.fromDate { conds.append("s.local_date >= ?"); params.append(.text(d)) }
        if let d = f.toDate { conds.append("s.local_date <= ?"); params.append(.text(d)) }
        if let t = f.fromMillis { conds.append("s.started_ms >= ?"); params.append(.integer(t)) }
        if let t = f.toMillis { conds.append("s.started_ms <= ?"); params.append(.integer(t)) }
        if f.flagged { conds.append("EXISTS (SELECT 1 FROM findings x WHERE x.session_id = s.id)") }
        if f.disputed { conds.append("EXISTS (SELECT 1 FROM disputes x WHERE x.session_id = s.id AND x.status = 'open')") }
        if let a = f.after {
            conds.append("(s.started_ms > ? OR (s.started_ms = ? AND s.id > ?))")
            params += [.integer(a.millis), .integer(a.millis), .text(a.id)]
        }
        if let b = f.before {
            conds.append("(s.started_ms < ? OR (s.started_ms = ? AND s.id < ?))")
            params += [.integer(b.millis), .integer(b.millis), .text(b.id)]
        }
        if !f.reviewStatuses.isEmpty {
            conds.append("EXISTS (SELECT 1 FROM reviews rs WHERE rs.session_id = s.id AND rs.purpose = 'work' AND rs.status IN ("
                         + Array(repeating: "?", count: f.reviewStatuses.count).joined(separator: ",") + ")"
                         + (f.reviewer == nil ? "" : " AND rs.reviewer = ?") + ")")
            params += f.reviewStatuses.map(SQLValue.text)
            if let r = f.reviewer { params.append(.text(r)) }
        }
        if let r = f.reviewer, f.reviewStatuses.isEmpty {
            conds.append("EXISTS (SELECT 1 FROM reviews r WHERE r.session_id = s.id AND r.reviewer = ? AND r.status NOT IN ('released', 'expired'))")
            params.append(.text(r))
        }
        if let q = f.search, !q.isEmpty {
            let (cond, value) = searchCondition(q, indexFirst: indexFirst)
            conds.append(cond)
            params.append(value)
            // The index's row ids are the queue's order: a page after (or before) a session
            // starts the index's walk at its millisecond, not at the beginning.
            if indexFirst, let a = f.after { conds.append("session_search.rowid >= ?"); params.append(.integer(a.millis &* Store.searchRowsPerMillisecond)) }
            if indexFirst, let b = f.before { conds.append("session_search.rowid < ?"); params.append(.integer((b.millis &+ 1) &* Store.searchRowsPerMillisecond)) }
        }
        return (conds.isEmpty ? "" : "WHERE " + conds.joined(separator: " AND "), params)
    }

    /// The condition a search puts on `s`: the text, case-folded, anywhere in the session's
    /// folded search text. On SQLite a text of three characters or more is looked up in the
    /// trigram index, whose row ids follow the queue's order (migration 11); a shorter one is
    /// checked row by row along the queue's order. PostgreSQL uses its trigram index when it has one.
    func searchCondition(_ query: String, indexFirst: Bool) -> (String, SQLValue) {
        let folded = String(query.lowercased().prefix(200))
        if isPostgres {
            let like = "%" + folded.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            return ("s.search_fold LIKE ? ESCAPE '\\'", .text(like))
        }
        guard let phrase = Store.searchPhrase(query) else { return ("instr(s.search_fold, ?) > 0", .text(folded)) }
        if indexFirst { return ("session_search MATCH ?", .text(phrase)) }
        return ("s.search_rowid IN (SELECT rowid FROM session_search WHERE session_search MATCH ?)", .text(phrase))
    }

    /// The trigram index's query for a search (nil when it is too short for trigrams).
    static func searchPhrase(_ query: String) -> String? {
        let folded = String(query.lowercased().prefix(200))
        guard folded.count >= 3 else { return nil }
        return "\"" + folded.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Whether a filter's sessions are read by walking the trigram index (SQLite, a search of
    /// three characters or more), and the FROM clause that goes with it.
    func sessionSource(_ f: SessionFilter) -> (indexFirst: Bool, from: String) {
        if !isPostgres, let q = f.search, Store.searchPhrase(q) != nil {
            return (true, "FROM session_search JOIN sessions s ON s.search_rowid = session_search.rowid")
        }
        return (false, "FROM sessions s")
    }

    /// A window of a search read from the trigram index: matches up to the whole millisecond of
    /// the window's last one in the index's order (ties within a millisecond are in arrival
    /// order there), so that sorting them by (started_ms, id) and cutting gives the window
    /// exactly, having read about as many index rows as the window holds.
    func searchWindowBound(_ f: SessionFilter, from: String, whereSQL: String, params: [SQLValue], limit: Int) -> (String, [SQLValue]) {
        let last = "(SELECT session_search.rowid \(from) \(whereSQL) ORDER BY session_search.rowid\(f.descending ? " DESC" : "") LIMIT 1 OFFSET ?)"
        let bound = f.descending ? "session_search.rowid >= coalesce((\(last) >> 12) << 12, -9223372036854775808)"
                                 : "session_search.rowid < coalesce(((\(last) >> 12) + 1) << 12, 9223372036854775807)"
        return (whereSQL + " AND " + bound, params + params + [.integer(Int64(f.offset + limit - 1))])
    }

    /// How many sessions a filter selects, counted up to `cap` (a search of many sessions is
    /// shown at once as "cap or more", and counted exactly afterwards).
    public func sessionCount(_ filter: SessionFilter, cap: Int) throws -> Int {
        let source = sessionSource(filter)
        let (whereSQL, params) = try whereClause(filter, indexFirst: source.indexFirst)
        return Int(try db.scalar("SELECT count(*) FROM (SELECT 1 \(source.from) \(whereSQL) LIMIT ?) AS capped", params + [.integer(Int64(cap))])?.int ?? 0)
    }

    /// Sessions in time order, with their finding counts by severity.
    public func sessions(_ filter: SessionFilter) throws -> [SessionSummary] {
        let source = sessionSource(filter)
        let (whereSQL, params) = try whereClause(filter, indexFirst: source.indexFirst)
        func select(_ whereSQL: String, _ params: [SQLValue], order: String, limit: Int?, offset: Int) throws -> [SessionSummary] {
            var sql = """
                SELECT s.id, s.started_at, s.ended_at, s.location_id, s.location_name, s.employee_id, s.employee_name,
                  s.device_id, s.checklist, s.status,
                  (SELECT count(*) FROM findings f WHERE f.session_id = s.id AND f.severity = 'fraud'),
                  (SELECT count(*) FROM findings f WHERE f.session_id = s.id AND f.severity = 'suspect'),
                  (SELECT count(*) FROM findings f WHERE f.session_id = s.id AND f.severity = 'integrity'),
                  s.started_ms, cr.reviewer, cr.claimed_ms, cr.expires_ms
                \(source.from)
                LEFT JOIN reviews cr ON cr.id = (SELECT max(x.id) FROM reviews x WHERE x.session_id = s.id AND x.purpose = 'work'
                                                 AND x.status NOT IN ('released', 'expired'))
                \(whereSQL)
                ORDER BY \(order)
                """
            var p = params
            if let limit {
                sql += " LIMIT ? OFFSET ?"
                p += [.integer(Int64(limit)), .integer(Int64(offset))]
            }
            return try db.query(sql, p) { r in
                var summary = Store.summary(r)
                summary.startedMillis = r.int(13) ?? 0
                summary.reviewer = r.text(14)
                summary.claimedMillis = r.int(15)
                summary.expiresMillis = r.int(16)
                return summary
            }
        }
        let desc = filter.descending ? " DESC" : ""
        let queueOrder = "s.started_ms\(desc), s.id\(desc)"
        func sorted(_ rows: [SessionSummary]) -> [SessionSummary] {
            rows.sorted { filter.descending ? ($0.startedMillis, $0.id) > ($1.startedMillis, $1.id) : ($0.startedMillis, $0.id) < ($1.startedMillis, $1.id) }
        }
        guard source.indexFirst, let limit = filter.limit, limit > 0 else {
            return try select(whereSQL, params, order: queueOrder, limit: filter.limit, offset: filter.offset)
        }
        if filter.offset > 0 {
            let (bounded, p) = searchWindowBound(filter, from: source.from, whereSQL: whereSQL, params: params, limit: limit)
            return try select(bounded, p, order: queueOrder, limit: limit, offset: filter.offset)
        }
        // A window from the start (or from a key): one walk of the index in its order, which is
        // the queue's up to ties within a millisecond; the millisecond where the walk stopped is
        // read whole, so that no tie of it is missed, and the window cut from the sorted rows.
        let walked = try select(whereSQL, params, order: "session_search.rowid" + desc, limit: limit + 1, offset: 0)
        guard walked.count > limit else { return sorted(walked) }
        let edge = walked[limit].startedMillis
        let group = try select(whereSQL + " AND session_search.rowid >= ? AND session_search.rowid < ?",
                               params + [.integer(edge &* Store.searchRowsPerMillisecond), .integer((edge &+ 1) &* Store.searchRowsPerMillisecond)],
                               order: "session_search.rowid", limit: nil, offset: 0)
        return Array(sorted(walked.filter { $0.startedMillis != edge } + group).prefix(limit))
    }

    static func summary(_ r: Row) -> SessionSummary {
        SessionSummary(id: r.text(0) ?? "", startedAt: r.text(1) ?? "", endedAt: r.text(2) ?? "", locationID: r.text(3) ?? "",
                       locationName: r.text(4), employeeID: r.text(5) ?? "", employeeName: r.text(6), deviceID: r.text(7) ?? "",
                       checklist: r.text(8), status: r.text(9) ?? "", fraud: Int(r.int(10) ?? 0),
                       suspect: Int(r.int(11) ?? 0), integrity: Int(r.int(12) ?? 0))
    }

    /// How many sessions a filter selects (limit and offset aside).
    public func sessionCount(_ filter: SessionFilter) throws -> Int {
        let source = sessionSource(filter)
        let (whereSQL, params) = try whereClause(filter, indexFirst: source.indexFirst)
        return Int(try db.scalar("SELECT count(*) \(source.from) \(whereSQL)", params)?.int ?? 0)
    }

    /// Whether the session with this id is among those the filter selects.
    public func hasSession(_ id: String, matching filter: SessionFilter) throws -> Bool {
        let (whereSQL, params) = try whereClause(filter)
        let sql = "SELECT 1 FROM sessions s " + (whereSQL.isEmpty ? "WHERE" : whereSQL + " AND") + " s.id = ?"
        return try db.scalar(sql, params + [.text(id)]) != nil
    }

    /// The 100 ms envelope of a session's first readable recording (for the waveform).
    public func envelope(session: String) throws -> [UInt16] {
        guard let bytes = try db.scalar("SELECT envelope FROM recordings WHERE session_id = ? AND envelope IS NOT NULL ORDER BY started_ms LIMIT 1",
                                        [.text(session)])?.blob else { return [] }
        return Store.envelope(from: bytes)
    }

    /// When a session started, as the device wrote it (nil if there is no such session).
    public func sessionStart(_ id: String) throws(StoreError) -> Timestamp? {
        try db.scalar("SELECT started_at FROM sessions WHERE id = ?", [.text(id)])?.string.flatMap(Timestamp.init(rfc3339:))
    }

    public func sessionExists(_ id: String) throws(StoreError) -> Bool {
        try db.scalar("SELECT 1 FROM sessions WHERE id = ?", [.text(id)]) != nil
    }

    public func sessionCount() throws(StoreError) -> Int { Int(try db.scalar("SELECT count(*) FROM sessions")?.int ?? 0) }

    /// The whole stored record of a session, or nil if there is none with that id. Customers'
    /// names and phones are read only with `personalData` (a team store lets only leads read them).
    public func session(_ id: String, personalData: Bool = false) throws -> SessionDetail? {
        let rows = try db.query("""
            SELECT s.id, s.started_at, s.ended_at, s.location_id, s.location_name, s.employee_id, s.employee_name,
              s.device_id, s.checklist, s.status,
              (SELECT count(*) FROM findings f WHERE f.session_id = s.id AND f.severity = 'fraud'),
              (SELECT count(*) FROM findings f WHERE f.session_id = s.id AND f.severity = 'suspect'),
              (SELECT count(*) FROM findings f WHERE f.session_id = s.id AND f.severity = 'integrity'),
              s.location_tz, s.hours_open, s.hours_close, s.source, s.imported_at, s.purged_at
            FROM sessions s WHERE s.id = ?
            """, [.text(id)]) { r -> (SessionSummary, String?, Manifest.OpeningHours?, String, String, String?) in
            var hours: Manifest.OpeningHours?
            if let o = r.int(14), let c = r.int(15) { hours = Manifest.OpeningHours(open: Int(o), close: Int(c)) }
            return (Store.summary(r), r.text(13), hours, r.text(16) ?? "", r.text(17) ?? "", r.text(18))
        }
        guard let head = rows.first else { return nil }
        let ts: (String?) -> Timestamp? = { $0.flatMap(Timestamp.init(rfc3339:)) }

        let recordings = try db.query("""
            SELECT file, started_at, manifest_sha256, sha256, size, status, frames, sample_rate, channels, duration_ms, container, encoding
            FROM recordings WHERE session_id = ? ORDER BY idx
            """, [.text(id)]) { r -> RecordingFacts in
            var f = RecordingFacts(entry: Manifest.Recording(file: r.text(0) ?? "", startedAt: ts(r.text(1)) ?? Timestamp(utcMillis: 0),
                                                             sha256: r.text(2)),
                                   sha256: r.text(3), size: r.int(4), status: FileStatus(rawValue: r.text(5) ?? "") ?? .missing)
            f.frames = r.int(6)
            f.sampleRate = r.int(7).map(Int.init)
            f.channels = r.int(8).map(Int.init)
            f.durationMillis = r.int(9)
            f.container = r.text(10)
            f.encoding = r.text(11)
            return f
        }
        let photos = try db.query("""
            SELECT file, taken_at, manifest_sha256, sha256, size, status, width, height, exif_time, exif_ms, exif_offset_known, thumb
            FROM photos WHERE session_id = ? ORDER BY idx
            """, [.text(id)]) { r -> PhotoFacts in
            var p = PhotoFacts(entry: Manifest.Photo(file: r.text(0) ?? "", takenAt: ts(r.text(1)), sha256: r.text(2)),
                               sha256: r.text(3), size: r.int(4), status: FileStatus(rawValue: r.text(5) ?? "") ?? .missing)
            p.width = r.int(6).map(Int.init)
            p.height = r.int(7).map(Int.init)
            p.exifText = r.text(8)
            p.exifTime = r.int(9).map { Timestamp(utcMillis: $0) }
            p.exifOffsetKnown = r.int(10) == 1
            p.thumbnail = r[11].blob.flatMap(PhotoThumbnail.init(pixels:))
            return p
        }
        var answers: [String: [Manifest.Answer]] = [:]
        try db.forEach("""
            SELECT questionnaire_id, question, text, kind, value, answered_at FROM answers WHERE session_id = ?
            ORDER BY questionnaire_id, idx
            """, [.text(id)]) { r in
            let kind = AnswerKind(rawValue: r.text(3) ?? "") ?? .text
            let raw = (try? JSON.parse(r.text(4) ?? "null")) ?? .null
            let value: AnswerValue
            switch raw {
            case let .number(n): value = .number(Int(n))
            case let .bool(b): value = .bool(b)
            default: value = .text(raw.stringValue ?? "")
            }
            answers[r.text(0) ?? "", default: []].append(
                Manifest.Answer(question: r.text(1) ?? "", text: r.text(2), kind: kind, value: value, answeredAt: ts(r.text(5))))
            return true
        }
        let questionnaires = try db.query("""
            SELECT id, form, started_at, submitted_at, photos FROM questionnaires WHERE session_id = ? ORDER BY idx
            """, [.text(id)]) { r -> Manifest.Questionnaire in
            let photos = ((try? JSON.parse(r.text(4) ?? "[]"))?.arrayValue ?? []).compactMap(\.stringValue)
            let qid = r.text(0) ?? ""
            return Manifest.Questionnaire(id: qid, form: r.text(1), startedAt: ts(r.text(2)) ?? Timestamp(utcMillis: 0),
                                          submittedAt: ts(r.text(3)) ?? Timestamp(utcMillis: 0), photos: photos,
                                          answers: answers[qid] ?? [])
        }
        let callbacks = try db.query(personalData
            ? "SELECT topic, at, name, phone FROM callback_requests WHERE session_id = ? ORDER BY idx"
            : "SELECT topic, at FROM callback_requests WHERE session_id = ? ORDER BY idx", [.text(id)]) { r in
            Manifest.CallbackRequest(name: personalData ? r.text(2) : nil, phone: personalData ? r.text(3) : nil, topic: r.text(0), at: ts(r.text(1)))
        }
        return SessionDetail(summary: head.0, timezone: head.1, hours: head.2, source: head.3, importedAt: head.4,
                             recordings: recordings, photos: photos, questionnaires: questionnaires,
                             callbackRequests: callbacks, findings: try storedFindings(sessionID: id), mediaPurgedAt: head.5)
    }

    /// Stored findings, in the bundle format's order; all sessions when `sessionID` is nil.
    public func findings(sessionID: String? = nil) throws -> [Finding] {
        try storedFindings(sessionID: sessionID).map(\.finding)
    }

    /// Stored findings with their ids and the decision standing on each, in the bundle format's order.
    public func storedFindings(sessionID: String? = nil, id: Int64? = nil) throws -> [StoredFinding] {
        var conds: [String] = [], params: [SQLValue] = []
        if let sessionID { conds.append("f.session_id = ?"); params.append(.text(sessionID)) }
        if let id { conds.append("f.id = ?"); params.append(.integer(id)) }
        let sql = """
            SELECT f.id, f.session_id, f.questionnaire_id, f.file, f.code, f.detail, d.decision, d.reason, d.decided_by, d.decided_at
            FROM findings f LEFT JOIN finding_decisions d ON d.id = \(latestDecisionSQL("f"))
            \(conds.isEmpty ? "" : "WHERE " + conds.joined(separator: " AND "))
            """
        let rows = try db.query(sql, params) { r -> StoredFinding? in
            guard let code = FindingCode(rawValue: r.text(4) ?? "") else { return nil }
            let f = Finding(stored: r.text(1) ?? "", questionnaireID: r.text(2), file: r.text(3), code: code, detail: r.text(5) ?? "")
            return StoredFinding(id: r.int(0) ?? 0, finding: f, decision: Store.decision(r, from: 6))
        }
        return rows.compactMap { $0 }.sorted { Finding.specOrder($0.finding, $1.finding) }
    }

    /// The findings of some sessions (a batch of an import), by session; without decisions.
    public func findings(sessions: [String]) throws -> [String: [Finding]] {
        guard !sessions.isEmpty else { return [:] }
        var out: [String: [Finding]] = [:]
        for chunk in stride(from: 0, to: sessions.count, by: 500).map({ Array(sessions[$0..<min($0 + 500, sessions.count)]) }) {
            try db.forEach("SELECT session_id, questionnaire_id, file, code, detail FROM findings WHERE session_id IN ("
                           + chunk.map { _ in "?" }.joined(separator: ", ") + ")", chunk.map { .text($0) }) { r in
                if let code = FindingCode(rawValue: r.text(3) ?? "") {
                    let id = r.text(0) ?? ""
                    out[id, default: []].append(Finding(stored: id, questionnaireID: r.text(1), file: r.text(2), code: code, detail: r.text(4) ?? ""))
                }
                return true
            }
        }
        return out
    }

    /// Records a lead's decision on a finding (append-only: the latest decision stands).
    public func addFindingDecision(on f: Finding, _ d: FindingDecision) throws {
        try db.execute("""
            INSERT INTO finding_decisions (session_id, questionnaire_id, file, code, detail, decision, reason, decided_by, decided_at)
            VALUES (?,?,?,?,?,?,?,?,?)
            """, [.text(f.sessionID), f.questionnaireID.sqlValue, f.file.sqlValue, .text(f.code.rawValue), .text(f.detail),
                  .text(d.verdict.rawValue), .text(d.reason), .text(d.by), .text(d.at)])
    }
}

extension Store {
    /// A decision read from four columns (decision, reason, decided_by, decided_at) from `column` on.
    static func decision(_ r: Row, from column: Int32) -> FindingDecision? {
        r.text(column).flatMap(FindingVerdict.init(rawValue:)).map {
            FindingDecision(verdict: $0, reason: r.text(column + 1) ?? "", by: r.text(column + 2) ?? "", at: r.text(column + 3) ?? "")
        }
    }
}

/// SQL for the id of the latest decision on finding `f` (nil when undecided): decisions belong
/// to a finding's content, which a re-check re-derives, not to its row id.
func latestDecisionSQL(_ f: String) -> String {
    """
    (SELECT d2.id FROM finding_decisions d2 WHERE d2.session_id = \(f).session_id AND d2.code = \(f).code
       AND coalesce(d2.questionnaire_id, '') = coalesce(\(f).questionnaire_id, '') AND coalesce(d2.file, '') = coalesce(\(f).file, '')
       AND d2.detail = \(f).detail ORDER BY d2.id DESC LIMIT 1)
    """
}
