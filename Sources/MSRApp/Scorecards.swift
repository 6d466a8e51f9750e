import MSRCore
import MSRStore

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
    /// The moment the report is made (overdue callbacks are counted at it) and the callback deadline.
    public var now = Timestamp.now()
    public var callbackDeadlineHours = Config.defaults["callback_deadline_hours"]!
    /// Periods in the trend chart, the reported one included.
    public var trendLength = 12

    public init(store: Store) { self.store = store }

    func filter(from: String, to: String) -> SessionFilter {
        var f = SessionFilter()
        (f.locations, f.employees, f.fromDate, f.toDate) = (locations, employees, from, to)
        return f
    }

    /// The reported period for a choice.
    public func resolve(_ choice: PeriodChoice) throws -> ReportingPeriod {
        switch choice {
        case let .fixed(p): return p
        case let .latest(unit, at):
            var day = at.flatMap(ReportingPeriod.day)
            if day == nil {
                let latest = try store.latestSessionDate(filter(from: "0000-01-01", to: "9999-12-31"))
                day = latest.flatMap(ReportingPeriod.day) ?? ReportingPeriod.day(Timestamp.now().localDate)
            }
            return ReportingPeriod.containing(day: day!, unit: unit)
        }
    }

    public func report(_ period: ReportingPeriod) throws -> ScorecardReport {
        var builder = ScorecardBuilder(periods: period.series(max(2, trendLength)))
        let (from, to) = builder.span
        let sessions = filter(from: ReportingPeriod.date(from), to: ReportingPeriod.date(to))
        let showName = subject == .location || includePersonalData
        let scorer = ReviewScorer(ReviewService(store: store, actor: "scorecards"))

        try store.forEachReviewOfRecord(sessions, by: subject, names: showName, checklist: checklist) { r in
            let scored = try scorer.score(review: r.reviewID, checklist: r.checklistID, version: r.checklistVersion, submittedMillis: r.submittedMillis)
            builder.addReview(key: r.key, name: r.name, localDate: r.localDate, sessionID: r.sessionID,
                              reviewID: r.reviewID, checklist: scored.checklist, score: scored.score)
            return true
        }

        // Questionnaires and callbacks only matter for the reported and the previous period.
        let recent = builder.periods.suffix(2)
        let recentSessions = filter(from: recent.first!.fromDate, to: recent.last!.toDate)
        var current: QuestionnaireRating? = nil
        var scale5: [Int] = [], nps: [Int] = []
        func flush() {
            if let c = current {
                builder.addQuestionnaire(key: c.key, name: c.name, localDate: c.localDate, fraud: c.fraud, scale5: scale5, nps: nps)
            }
            (scale5, nps) = ([], [])
        }
        try store.forEachQuestionnaireRating(recentSessions, by: subject, names: showName) { r in
            if current?.questionnaire != r.questionnaire {
                flush()
                current = r
            }
            if let v = r.number {
                if r.kind == "scale5" { scale5.append(Int(v)) } else if r.kind == "nps" { nps.append(Int(v)) }
            }
            return true
        }
        flush()
        try store.forEachCallbackCount(recentSessions, by: subject, names: showName) { key, name, day, count in
            builder.addCallbackRequests(key: key, name: name, localDate: day, count: count)
            return true
        }
        try store.forEachCallbackWork(recentSessions, by: subject, names: showName, deadlineMillis: Int64(callbackDeadlineHours * 3_600_000),
                                      now: now.utcMillis) { key, name, day, reached, first, overdue in
            builder.addCallbackWork(key: key, name: name, localDate: day, reached: reached, firstAttemptMinutes: first, overdue: overdue)
            return true
        }
        try store.forEachDisputeCount(recentSessions, by: subject, names: showName) { key, name, day, disputed, overturned in
            builder.addDisputes(key: key, name: name, localDate: day, disputed: disputed, overturned: overturned)
            return true
        }
        return ScorecardReport(subject: subject, periods: builder.periods, cards: builder.build(), includesNames: showName)
    }
}
