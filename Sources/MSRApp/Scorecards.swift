import MSRCore
import MSRStore

/// SQL true when questionnaire `q` of session `s` has a fraud finding: such questionnaires are
/// left out of CSI and NPS (scoring.md) and flagged in exports.
let questionnaireHasFraudSQL =
    "EXISTS (SELECT 1 FROM findings f WHERE f.session_id = s.id AND f.questionnaire_id = q.id AND f.severity = 'fraud')"

/// SQL for the review of record of session `s` in scorecards: its approved review if any, else the
/// latest submitted one.
let reviewOfRecordSQL = """
    (SELECT r2.id FROM reviews r2 WHERE r2.session_id = s.id AND r2.status IN ('submitted', 'approved') AND r2.checklist_id IS NOT NULL
       AND r2.purpose = 'work'
     ORDER BY r2.status = 'approved' DESC, r2.submitted_ms DESC, r2.id DESC LIMIT 1)
    """

/// What a scorecard is about.
public enum ScorecardSubject: String, Sendable { case employee, location }

/// Reads the store into scorecards (scoring.md, "Employee scorecard").
public struct ScorecardReport: Sendable {
    public var subject: ScorecardSubject
    public var periods: [ReportingPeriod]
    public var cards: [Scorecard]
    /// Names are shown for locations always, for employees only when asked for (personal data).
    public var includesNames: Bool

    public var period: ReportingPeriod { periods.last! }
    public var previousPeriod: ReportingPeriod { periods.count > 1 ? periods[periods.count - 2] : periods.last!.previous }
}

/// How to choose the reported period.
public enum PeriodChoice: Sendable, Equatable {
    /// The day, ISO week or month holding the latest reviewed session (or `at`, when given).
    case latest(ReportingPeriod.Unit, at: String?)
    case fixed(ReportingPeriod)
}

public struct ScorecardService {
    public var store: Store
    public var subject: ScorecardSubject = .employee
    public var locations: [String] = []
    public var employees: [String] = []
    public var checklist: String?
    public var includePersonalData = false
    /// Periods in the trend chart, the reported one included.
    public var trendLength = 12

    public init(store: Store) { self.store = store }

    var keyColumns: (String, String) {
        subject == .employee ? ("s.employee_id", "s.employee_name") : ("s.location_id", "s.location_name")
    }

    func filter(from: String, to: String) -> (String, [SQLValue]) {
        var f = SessionFilter()
        (f.locations, f.employees, f.fromDate, f.toDate) = (locations, employees, from, to)
        let (w, p) = store.sessionWhere(f)
        return (w.isEmpty ? "WHERE 1" : w, p)
    }

    /// The reported period for a choice.
    public func resolve(_ choice: PeriodChoice) throws -> ReportingPeriod {
        switch choice {
        case let .fixed(p): return p
        case let .latest(unit, at):
            var day = at.flatMap(ReportingPeriod.day)
            if day == nil {
                let (w, p) = filter(from: "0000-01-01", to: "9999-12-31")
                let latest = try store.db.scalar("SELECT max(s.local_date) FROM sessions s \(w) AND \(reviewOfRecordSQL) IS NOT NULL", p)?.string
                    ?? (try store.db.scalar("SELECT max(s.local_date) FROM sessions s \(w)", p)?.string)
                day = latest.flatMap(ReportingPeriod.day) ?? ReportingPeriod.day(Timestamp.now().localDate)
            }
            return ReportingPeriod.containing(day: day!, unit: unit)
        }
    }

    public func report(_ period: ReportingPeriod) throws -> ScorecardReport {
        var builder = ScorecardBuilder(periods: period.series(max(2, trendLength)))
        let (from, to) = builder.span
        let (w, p) = filter(from: ReportingPeriod.date(from), to: ReportingPeriod.date(to))
        let (key, name) = keyColumns
        let showName = subject == .location || includePersonalData
        let nameSQL = showName ? name : "NULL"
        let scorer = ReviewScorer(ReviewService(store: store, actor: "scorecards"))

        var sql = """
            SELECT \(key), \(nameSQL), s.local_date, s.id, r.id, r.checklist_id, r.checklist_version, r.submitted_ms
            FROM sessions s JOIN reviews r ON r.id = \(reviewOfRecordSQL) \(w)
            """
        var params = p
        if let checklist { sql += " AND r.checklist_id = ?"; params.append(.text(checklist)) }
        try store.db.forEach(sql, params) { r in
            let reviewID = r.int(4) ?? 0
            let scored = try scorer.score(review: reviewID, checklist: r.text(5) ?? "", version: Int(r.int(6) ?? 0), submittedMillis: r.int(7))
            builder.addReview(key: r.text(0) ?? "", name: r.text(1), localDate: r.text(2) ?? "", sessionID: r.text(3) ?? "",
                              reviewID: reviewID, checklist: scored.checklist, score: scored.score)
            return true
        }

        // Questionnaires and callbacks only matter for the reported and the previous period.
        let recent = builder.periods.suffix(2)
        let (qw, qp) = filter(from: recent.first!.fromDate, to: recent.last!.toDate)
        var current: (String, String?, String, String, Bool)? = nil
        var scale5: [Int] = [], nps: [Int] = []
        func flush() {
            if let c = current { builder.addQuestionnaire(key: c.0, name: c.1, localDate: c.2, fraud: c.4, scale5: scale5, nps: nps) }
            (scale5, nps) = ([], [])
        }
        try store.db.forEach("""
            SELECT \(key), \(nameSQL), s.local_date, s.id || char(31) || q.id, \(questionnaireHasFraudSQL), a.kind, a.number
            FROM sessions s JOIN questionnaires q ON q.session_id = s.id
              LEFT JOIN answers a ON a.session_id = q.session_id AND a.questionnaire_id = q.id AND a.kind IN ('scale5', 'nps')
            \(qw) ORDER BY s.id, q.id
            """, qp) { r in
            let id = r.text(3) ?? ""
            if current?.3 != id {
                flush()
                current = (r.text(0) ?? "", r.text(1), r.text(2) ?? "", id, r.int(4) == 1)
            }
            if let v = r.double(6) {
                if r.text(5) == "scale5" { scale5.append(Int(v)) } else if r.text(5) == "nps" { nps.append(Int(v)) }
            }
            return true
        }
        flush()
        try store.db.forEach("""
            SELECT \(key), \(nameSQL), s.local_date, count(*) FROM sessions s JOIN callback_requests c ON c.session_id = s.id
            \(qw) GROUP BY s.id
            """, qp) { r in
            builder.addCallbackRequests(key: r.text(0) ?? "", name: r.text(1), localDate: r.text(2) ?? "", count: Int(r.int(3) ?? 0))
            return true
        }
        return ScorecardReport(subject: subject, periods: builder.periods, cards: builder.build(), includesNames: showName)
    }
}
