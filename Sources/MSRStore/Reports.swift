import MSRCore

/// What reports group sessions by: the employee served, or the location.
public enum ScorecardSubject: String, Sendable { case employee, location }

/// A submitted or approved review with its session, as exports read it.
public struct DecidedReview: Sendable {
    public var reviewID: Int64
    public var sessionID: String
    public var startedAt: String
    public var localDate: String
    public var locationID: String
    public var employeeID: String
    public var employeeName: String?
    public var checklistID: String
    public var checklistVersion: Int
    public var reviewer: String
    public var status: String
    public var submittedAt: String?
    public var submittedMillis: Int64?
    public var purpose: String
}

/// One answer of a customer's questionnaire with its session.
public struct QuestionnaireAnswerRecord: Sendable {
    public var sessionID, localDate, locationID, employeeID, questionnaireID: String
    public var form: String?
    public var startedAt, submittedAt, question, kind: String
    /// The answer as the device sent it (JSON text).
    public var valueJSON: String
    public var answeredAt: String?
    /// Its fraud findings and their decisions (undecided or confirmed: left out of CSI and NPS).
    public var fraud: FraudStanding
    public var leftOutForFraud: Bool { fraud.leavesOut }
}

/// A finding with the session it belongs to.
public struct SessionFindingRecord: Sendable {
    public var sessionID: String
    public var questionnaireID, file: String?
    public var code, severity, detail, localDate, locationID, employeeID: String
    /// The lead's decision standing on it, if any.
    public var decision: FindingDecision?
}

/// The review of record of a session (scorecards): its approved review, else its latest submitted one.
public struct ReviewOfRecord: Sendable {
    public var key: String
    public var name: String?
    public var localDate, sessionID: String
    public var reviewID: Int64
    public var checklistID: String
    public var checklistVersion: Int
    public var submittedMillis: Int64?
}

/// One questionnaire's rating answer (scale5 or NPS), or the questionnaire alone when it has none.
public struct QuestionnaireRating: Sendable {
    public var key: String
    public var name: String?
    public var localDate: String
    /// Session and questionnaire id: rows of one questionnaire come together.
    public var questionnaire: String
    public var fraud: FraudStanding
    public var kind: String?
    public var number: Double?
}

/// SQL for the `FraudStanding` of questionnaire `q` of session `s`: a fraud finding left
/// undecided or confirmed leaves it out of CSI and NPS (scoring.md); one a lead dismissed does
/// not. Most questionnaires have none, which the first probe settles.
let questionnaireFraudStandingSQL: String = {
    let fraud = "FROM findings f WHERE f.session_id = s.id AND f.questionnaire_id = q.id AND f.severity = 'fraud'"
    let decision = "coalesce((SELECT d.decision FROM finding_decisions d WHERE d.id = \(latestDecisionSQL("f"))), '')"
    return """
        CASE WHEN NOT EXISTS (SELECT 1 \(fraud)) THEN 0
             WHEN EXISTS (SELECT 1 \(fraud) AND \(decision) = 'confirmed') THEN 2
             WHEN EXISTS (SELECT 1 \(fraud) AND \(decision) = '') THEN 1
             ELSE 3 END
        """
}()

/// SQL for the review of record of session `s`.
let reviewOfRecordSQL = """
    (SELECT r2.id FROM reviews r2 WHERE r2.session_id = s.id AND r2.status IN ('submitted', 'approved') AND r2.checklist_id IS NOT NULL
       AND r2.purpose = 'work'
     ORDER BY r2.status = 'approved' DESC, r2.submitted_ms DESC, r2.id DESC LIMIT 1)
    """

extension Store {
    /// The filter's WHERE clause, never empty (so conditions can follow with AND).
    func nonEmptyWhere(_ f: SessionFilter) throws(StoreError) -> (String, [SQLValue]) {
        let (w, p) = try whereClause(f)
        return (w.isEmpty ? "WHERE 1 = 1" : w, p)
    }

    /// Submitted and approved reviews (with a checklist) of the filtered sessions, in session order.
    public func forEachDecidedReview(_ filter: SessionFilter, checklist: String?, _ body: (DecidedReview) throws -> Bool) throws {
        let (w, params) = try nonEmptyWhere(filter)
        var sql = """
            SELECT r.id, s.id, s.started_at, s.local_date, s.location_id, s.employee_id, s.employee_name, r.checklist_id, r.checklist_version,
              r.reviewer, r.status, r.submitted_at, r.submitted_ms, r.purpose
            FROM reviews r JOIN sessions s ON s.id = r.session_id \(w)
              AND r.status IN ('submitted', 'approved') AND r.checklist_id IS NOT NULL
            """
        var p = params
        if let checklist { sql += " AND r.checklist_id = ?"; p.append(.text(checklist)) }
        sql += " ORDER BY s.started_ms, s.id, r.id"
        try db.stream(sql, p) { r in
            try body(DecidedReview(
                reviewID: r.int(0) ?? 0, sessionID: r.text(1) ?? "", startedAt: r.text(2) ?? "", localDate: r.text(3) ?? "",
                locationID: r.text(4) ?? "", employeeID: r.text(5) ?? "", employeeName: r.text(6), checklistID: r.text(7) ?? "",
                checklistVersion: Int(r.int(8) ?? 0), reviewer: r.text(9) ?? "", status: r.text(10) ?? "", submittedAt: r.text(11),
                submittedMillis: r.int(12), purpose: r.text(13) ?? "work"))
        }
    }

    /// Every questionnaire answer of the filtered sessions, in session, questionnaire and answer order.
    public func forEachQuestionnaireAnswer(_ filter: SessionFilter, _ body: (QuestionnaireAnswerRecord) throws -> Bool) throws {
        let (w, params) = try nonEmptyWhere(filter)
        try db.stream("""
            SELECT s.id, s.local_date, s.location_id, s.employee_id, q.id, q.form, q.started_at, q.submitted_at,
              a.question, a.kind, a.value, a.answered_at, \(questionnaireFraudStandingSQL)
            FROM sessions s JOIN questionnaires q ON q.session_id = s.id
              JOIN answers a ON a.session_id = q.session_id AND a.questionnaire_id = q.id
            \(w) ORDER BY s.started_ms, s.id, q.idx, a.idx
            """, params) { r in
            try body(QuestionnaireAnswerRecord(
                sessionID: r.text(0) ?? "", localDate: r.text(1) ?? "", locationID: r.text(2) ?? "", employeeID: r.text(3) ?? "",
                questionnaireID: r.text(4) ?? "", form: r.text(5), startedAt: r.text(6) ?? "", submittedAt: r.text(7) ?? "",
                question: r.text(8) ?? "", kind: r.text(9) ?? "", valueJSON: r.text(10) ?? "null", answeredAt: r.text(11),
                fraud: FraudStanding(rawValue: Int(r.int(12) ?? 0)) ?? .none))
        }
    }

    /// Every finding of the filtered sessions, by session, questionnaire, code and file.
    public func forEachFinding(_ filter: SessionFilter, _ body: (SessionFindingRecord) throws -> Bool) throws {
        let (w, params) = try nonEmptyWhere(filter)
        try db.stream("""
            SELECT f.session_id, f.questionnaire_id, f.file, f.code, f.severity, f.detail, s.local_date, s.location_id, s.employee_id,
              d.decision, d.reason, d.decided_by, d.decided_at
            FROM findings f JOIN sessions s ON s.id = f.session_id LEFT JOIN finding_decisions d ON d.id = \(latestDecisionSQL("f")) \(w)
            ORDER BY f.session_id, coalesce(f.questionnaire_id, ''), f.code, coalesce(f.file, '')
            """, params) { r in
            try body(SessionFindingRecord(
                sessionID: r.text(0) ?? "", questionnaireID: r.text(1), file: r.text(2), code: r.text(3) ?? "", severity: r.text(4) ?? "",
                detail: r.text(5) ?? "", localDate: r.text(6) ?? "", locationID: r.text(7) ?? "", employeeID: r.text(8) ?? "",
                decision: Store.decision(r, from: 9)))
        }
    }

    /// The latest local day of a filtered session with a review of record, else of any filtered session.
    public func latestSessionDate(_ filter: SessionFilter) throws -> String? {
        let (w, p) = try nonEmptyWhere(filter)
        return try db.scalar("SELECT max(s.local_date) FROM sessions s \(w) AND \(reviewOfRecordSQL) IS NOT NULL", p)?.string
            ?? (try db.scalar("SELECT max(s.local_date) FROM sessions s \(w)", p)?.string)
    }

    func subjectColumns(_ subject: ScorecardSubject, names: Bool) -> (key: String, name: String) {
        let (key, name) = subject == .employee ? ("s.employee_id", "s.employee_name") : ("s.location_id", "s.location_name")
        return (key, names ? name : "NULL")
    }

    /// The review of record of each filtered session that has one.
    public func forEachReviewOfRecord(_ filter: SessionFilter, by subject: ScorecardSubject, names: Bool, checklist: String?,
                                      _ body: (ReviewOfRecord) throws -> Bool) throws {
        let (w, params) = try nonEmptyWhere(filter)
        let (key, name) = subjectColumns(subject, names: names)
        var sql = """
            SELECT \(key), \(name), s.local_date, s.id, r.id, r.checklist_id, r.checklist_version, r.submitted_ms
            FROM sessions s JOIN reviews r ON r.id = \(reviewOfRecordSQL) \(w)
            """
        var p = params
        if let checklist { sql += " AND r.checklist_id = ?"; p.append(.text(checklist)) }
        try db.forEach(sql, p) { r in
            try body(ReviewOfRecord(key: r.text(0) ?? "", name: r.text(1), localDate: r.text(2) ?? "", sessionID: r.text(3) ?? "",
                                    reviewID: r.int(4) ?? 0, checklistID: r.text(5) ?? "", checklistVersion: Int(r.int(6) ?? 0),
                                    submittedMillis: r.int(7)))
        }
    }

    /// The rating answers (scale5, NPS) of every questionnaire of the filtered sessions, the rows of
    /// one questionnaire together; a questionnaire without ratings gives one row without a kind.
    public func forEachQuestionnaireRating(_ filter: SessionFilter, by subject: ScorecardSubject, names: Bool,
                                           _ body: (QuestionnaireRating) throws -> Bool) throws {
        let (w, params) = try nonEmptyWhere(filter)
        let (key, name) = subjectColumns(subject, names: names)
        try db.forEach("""
            SELECT \(key), \(name), s.local_date, s.id, q.id, \(questionnaireFraudStandingSQL), a.kind, a.number
            FROM sessions s JOIN questionnaires q ON q.session_id = s.id
              LEFT JOIN answers a ON a.session_id = q.session_id AND a.questionnaire_id = q.id AND a.kind IN ('scale5', 'nps')
            \(w) ORDER BY s.id, q.id
            """, params) { r in
            try body(QuestionnaireRating(key: r.text(0) ?? "", name: r.text(1), localDate: r.text(2) ?? "",
                                         questionnaire: (r.text(3) ?? "") + "\u{1F}" + (r.text(4) ?? ""),
                                         fraud: FraudStanding(rawValue: Int(r.int(5) ?? 0)) ?? .none, kind: r.text(6), number: r.double(7)))
        }
    }

    /// How many callback requests each filtered session has (sessions with none are left out).
    public func forEachCallbackCount(_ filter: SessionFilter, by subject: ScorecardSubject, names: Bool,
                                     _ body: (_ key: String, _ name: String?, _ localDate: String, _ count: Int) throws -> Bool) throws {
        let (w, params) = try nonEmptyWhere(filter)
        let (key, name) = subjectColumns(subject, names: names)
        try db.forEach("""
            SELECT \(key), \(name), s.local_date, count(*) FROM sessions s JOIN callback_requests c ON c.session_id = s.id
            \(w) GROUP BY s.id
            """, params) { r in
            try body(r.text(0) ?? "", r.text(1), r.text(2) ?? "", Int(r.int(3) ?? 0))
        }
    }

    /// The cached score of every review that has a checklist.
    public func reviewScores() throws -> [(id: Int64, checklistID: String, version: Int, percent: Double?, passed: Bool?, submittedMillis: Int64?)] {
        try db.query("SELECT id, checklist_id, checklist_version, percent, passed, submitted_ms FROM reviews WHERE checklist_id IS NOT NULL") {
            ($0.int(0) ?? 0, $0.text(1) ?? "", Int($0.int(2) ?? 0), $0.double(3), $0.int(4).map { $0 != 0 }, $0.int(5))
        }
    }
}
