/// A reporting period: whole local days `from…to` (inclusive) in each location's own time zone,
/// as scoring.md asks. Days are counted from 1970-01-01 so that periods compare by arithmetic.
public struct ReportingPeriod: Equatable, Hashable, Sendable {
    public enum Unit: String, Sendable { case day, week, month, range }

    public var unit: Unit
    public var from: Int
    public var to: Int

    public init(unit: Unit, from: Int, to: Int) { (self.unit, self.from, self.to) = (unit, from, to) }

    public var length: Int { to - from + 1 }
    public var fromDate: String { ReportingPeriod.date(from) }
    public var toDate: String { ReportingPeriod.date(to) }

    /// How the period is named: `2026-11-20`, `2026-W47`, `2026-11`, or `2026-11-01…2026-11-15`.
    public var label: String {
        switch unit {
        case .day: return fromDate
        case .month: return String(fromDate.prefix(7))
        case .week:
            let (year, week) = ReportingPeriod.isoWeek(ofDay: from)
            return "\(year)-W" + (week < 10 ? "0" : "") + "\(week)"
        case .range: return fromDate + "…" + toDate
        }
    }

    /// The period just before, of the same kind: the previous day, ISO week or calendar month, or
    /// for an explicit range the range of equal length that ends the day before it starts.
    public var previous: ReportingPeriod {
        switch unit {
        case .day, .week, .range: return ReportingPeriod(unit: unit, from: from - length, to: from - 1)
        case .month:
            let c = ReportingPeriod.civil(from)
            let (y, m) = c.month == 1 ? (c.year - 1, 12) : (c.year, c.month - 1)
            return ReportingPeriod.month(year: y, month: m)
        }
    }

    /// The period just after, of the same kind.
    public var next: ReportingPeriod {
        switch unit {
        case .day, .week, .range: return ReportingPeriod(unit: unit, from: to + 1, to: to + length)
        case .month: return ReportingPeriod.containing(day: to + 1, unit: .month)
        }
    }

    /// This period and the `count − 1` before it, oldest first (the scorecards' trend).
    public func series(_ count: Int) -> [ReportingPeriod] {
        var periods = [self]
        while periods.count < count { periods.append(periods.last!.previous) }
        return periods.reversed()
    }

    public func contains(day: Int) -> Bool { day >= from && day <= to }

    public static func month(year: Int, month: Int) -> ReportingPeriod {
        let first = Timestamp.daysFromCivil(year: year, month: month, day: 1)
        return ReportingPeriod(unit: .month, from: first, to: first + Timestamp.daysIn(month: month, year: year) - 1)
    }

    /// The ISO week (Monday to Sunday) holding `day`.
    public static func week(containing day: Int) -> ReportingPeriod {
        let monday = day - weekdayIndex(day)
        return ReportingPeriod(unit: .week, from: monday, to: monday + 6)
    }

    /// The period of `unit` holding `day` (for `.range`, the day itself).
    public static func containing(day: Int, unit: Unit) -> ReportingPeriod {
        switch unit {
        case .day, .range: return ReportingPeriod(unit: .day, from: day, to: day)
        case .week: return week(containing: day)
        case .month:
            let c = civil(day)
            return month(year: c.year, month: c.month)
        }
    }

    /// Reads an explicit period: `YYYY-MM-DD`, `YYYY-Www` (ISO week) or `YYYY-MM`.
    public init?(parsing text: String) {
        if text.count == 10, let d = ReportingPeriod.day(text) {
            self.init(unit: .day, from: d, to: d)
        } else if text.count == 8, text.dropFirst(4).hasPrefix("-W"), let y = Int(text.prefix(4)), let w = Int(text.suffix(2)),
                  w >= 1, w <= ReportingPeriod.isoWeeks(in: y) {
            let week1 = ReportingPeriod.week(containing: Timestamp.daysFromCivil(year: y, month: 1, day: 4))
            self.init(unit: .week, from: week1.from + (w - 1) * 7, to: week1.from + (w - 1) * 7 + 6)
        } else if text.count == 7, let d = ReportingPeriod.day(text + "-01") {
            let c = ReportingPeriod.civil(d)
            self = ReportingPeriod.month(year: c.year, month: c.month)
        } else {
            return nil
        }
    }

    /// Day number of a `YYYY-MM-DD` date, nil unless it is a real calendar day.
    public static func day(_ text: String) -> Int? {
        guard text.count == 10, let c = CivilTime(date: text) else { return nil }
        return Timestamp.daysFromCivil(year: c.year, month: c.month, day: c.day)
    }

    public static func date(_ day: Int) -> String { civil(day).dateString }

    static func civil(_ day: Int) -> CivilTime { CivilTime(utcMillis: Int64(day) * 86_400_000) }

    /// Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
    static func weekdayIndex(_ day: Int) -> Int { ((day % 7) + 7 + 3) % 7 }

    /// ISO 8601 week-numbering year and week of a day.
    public static func isoWeek(ofDay day: Int) -> (year: Int, week: Int) {
        let thursday = day - weekdayIndex(day) + 3
        let year = civil(thursday).year
        let jan1 = Timestamp.daysFromCivil(year: year, month: 1, day: 1)
        return (year, (thursday - jan1) / 7 + 1)
    }

    static func isoWeeks(in year: Int) -> Int {
        isoWeek(ofDay: Timestamp.daysFromCivil(year: year, month: 12, day: 28)).week
    }
}

/// Every figure scoring.md lists for one employee (or location) in one period.
public struct ScorecardFigures: Equatable, Sendable {
    public struct CriticalFailureRecord: Equatable, Sendable {
        public var sessionID: String
        public var reviewID: Int64
        public var checklistID: String
        public var sectionID: String
        public var itemID: String
        public var itemText: String
        public var scope: Checklist.Critical
        public var localDate: String
    }

    public struct SectionFigure: Equatable, Sendable {
        public var checklistID: String
        public var sectionID: String
        public var title: String
        /// Mean of the reviews' section percents (sections with nothing possible left out).
        public var percent: Estimate?
    }

    public var sessionsReviewed = 0
    /// Mean review percent, Student's t interval.
    public var meanPercent: Estimate?
    /// Share of reviews that passed, as a fraction with its Wilson interval.
    public var passRate: Estimate?
    public var passed = 0
    public var criticalFailures: [CriticalFailureRecord] = []
    public var sections: [SectionFigure] = []
    public var csi: Estimate?
    public var nps: Estimate?
    public var questionnaires = 0
    /// Left out for a fraud finding undecided or confirmed; of them, confirmed by a lead.
    public var questionnairesLeftOutForFraud = 0
    public var questionnairesLeftOutConfirmed = 0
    /// Counted although they had fraud findings: a lead dismissed every one.
    public var questionnairesKeptInDismissed = 0
    public var callbackRequests = 0
    /// Items of this subject's reviews disputed, and of them overturned (a dispute accepted).
    public var disputedItems = 0
    public var overturnedItems = 0
    /// Callback requests worked: reached, the median minutes from request to first attempt,
    /// and those with no attempt within the deadline (no personal data).
    public var callbacksReached = 0
    public var callbackFirstAttemptMedianMinutes: Double?
    public var callbacksOverdue = 0

    public init() {}

    /// True when nothing happened in the period.
    public var isEmpty: Bool { sessionsReviewed == 0 && questionnaires == 0 && callbackRequests == 0 && disputedItems == 0 }
}

/// One scorecard: a subject (employee or location) in a period, beside the previous period and
/// the trend of the mean review percent.
public struct Scorecard: Equatable, Sendable {
    public var key: String
    public var name: String?
    public var current: ScorecardFigures
    public var previous: ScorecardFigures
    /// Mean review percent per period of the series, oldest first; the last is the current period.
    public var trend: [Estimate?]
    /// The places it may hold by mean review percent among the subjects with reviews (nil without
    /// any): `rank` the highest, `rankLowest` the lowest (`Statistics.rank`; equal when certain).
    public var rank: Int?
    public var rankLowest: Int? = nil
    /// "3" or "2–9".
    public var rankText: String? { rank.map { r in rankLowest.map { $0 == r ? "\(r)" : "\(r)–\($0)" } ?? "\(r)" } }
    /// The pass mark of the checklists of its reviews, when they all share one.
    public var passMark: Double?
}

/// Collects reviews, questionnaire answers and callback requests for a series of periods and
/// turns them into scorecards. Pure: the store feeds it rows.
public struct ScorecardBuilder {
    public let periods: [ReportingPeriod]
    var subjects: [String: Subject] = [:]
    /// Every (checklist, section) seen, numbered: samples count by number, not by string keys.
    var sections: [(checklistID: String, sectionID: String, title: String)] = []
    var sectionNumbers: [String: [Int]] = [:]  // "id@version" → number of each section in order

    struct Sample {
        var percents: [Double] = []
        var passed = 0
        var reviewed = 0
        var sessions = Set<String>()
        var passMarks = Set<Double>()
        var critical: [ScorecardFigures.CriticalFailureRecord] = []
        /// Section percents by (checklist, section) position in `ScorecardBuilder.sections`.
        var sectionOrder: [Int] = []
        var sectionPercents: [Int: [Double]] = [:]
        var scale5: [Int] = []
        var nps: [Int] = []
        var questionnaires = 0
        var leftOut = 0
        var leftOutConfirmed = 0
        var keptInDismissed = 0
        var callbacks = 0
        var disputed = 0
        var overturned = 0
        var callbacksReached = 0
        var firstAttemptMinutes: [Double] = []
        var callbacksOverdue = 0
    }

    struct Subject {
        var name: String?
        var samples: [Sample]
    }

    /// `periods` oldest first; the last is the period reported, the one before it its previous.
    public init(periods: [ReportingPeriod]) {
        precondition(!periods.isEmpty)
        self.periods = periods
    }

    /// The first and last day any input can fall on.
    public var span: (from: Int, to: Int) { (periods.map(\.from).min()!, periods.map(\.to).max()!) }

    func periodIndex(_ localDate: String) -> Int? {
        guard let d = ReportingPeriod.day(localDate) else { return nil }
        return periods.lastIndex { $0.contains(day: d) }
    }

    mutating func withSample(_ key: String, _ name: String?, _ localDate: String, _ body: (inout Sample) -> Void) {
        guard let i = periodIndex(localDate) else { return }
        let count = periods.count
        // One hash lookup: the subject is created if new and mutated in place.
        func update(_ subject: inout Subject) {
            if subject.name == nil { subject.name = name }
            body(&subject.samples[i])
        }
        update(&subjects[key, default: Subject(name: name, samples: Array(repeating: Sample(), count: count))])
    }

    mutating func sectionNumbers(of checklist: Checklist) -> [Int] {
        let k = checklist.id + "@" + String(checklist.version)
        if let known = sectionNumbers[k] { return known }
        var numbers: [Int] = []
        for section in checklist.sections {
            if let n = sections.firstIndex(where: { $0.checklistID == checklist.id && $0.sectionID == section.id }) {
                numbers.append(n)
            } else {
                sections.append((checklist.id, section.id, section.title))
                numbers.append(sections.count - 1)
            }
        }
        sectionNumbers[k] = numbers
        return numbers
    }

    /// Adds the review of record of one session.
    public mutating func addReview(key: String, name: String?, localDate: String, sessionID: String, reviewID: Int64,
                                   checklist: Checklist, score: ReviewScore) {
        let numbers = sectionNumbers(of: checklist)
        withSample(key, name, localDate) { s in
            s.reviewed += 1
            s.sessions.insert(sessionID)
            s.passMarks.insert(checklist.passMark)
            if let p = score.percent { s.percents.append(p) }
            if score.passed { s.passed += 1 }
            for f in score.criticalFailures {
                let text = checklist.items.first { $0.id == f.itemID }?.text ?? f.itemID
                s.critical.append(.init(sessionID: sessionID, reviewID: reviewID, checklistID: checklist.id, sectionID: f.sectionID,
                                        itemID: f.itemID, itemText: text, scope: f.scope, localDate: localDate))
            }
            for (n, scored) in zip(numbers, score.sections) {
                if s.sectionPercents[n] == nil { s.sectionOrder.append(n); s.sectionPercents[n] = [] }
                if let p = scored.percent { s.sectionPercents[n]!.append(p) }
            }
        }
    }

    /// Adds one questionnaire; `scale5` and `nps` are its answers of those kinds. A questionnaire
    /// with a fraud finding not dismissed counts only as left out.
    public mutating func addQuestionnaire(key: String, name: String?, localDate: String, fraud: FraudStanding, scale5: [Int], nps: [Int]) {
        withSample(key, name, localDate) { s in
            s.questionnaires += 1
            if fraud == .confirmed { s.leftOutConfirmed += 1 }
            if fraud == .dismissed { s.keptInDismissed += 1 }
            if fraud.leavesOut { s.leftOut += 1; return }
            s.scale5 += scale5
            s.nps += nps
        }
    }

    public mutating func addCallbackRequests(key: String, name: String?, localDate: String, count: Int) {
        withSample(key, name, localDate) { $0.callbacks += count }
    }

    /// Adds one callback request as it was worked.
    public mutating func addCallbackWork(key: String, name: String?, localDate: String, reached: Bool, firstAttemptMinutes: Double?, overdue: Bool) {
        withSample(key, name, localDate) { s in
            if reached { s.callbacksReached += 1 }
            if let m = firstAttemptMinutes { s.firstAttemptMinutes.append(m) }
            if overdue { s.callbacksOverdue += 1 }
        }
    }

    /// Adds the disputed and overturned items of one session's reviews.
    public mutating func addDisputes(key: String, name: String?, localDate: String, disputed: Int, overturned: Int) {
        withSample(key, name, localDate) { s in
            s.disputed += disputed
            s.overturned += overturned
        }
    }

    func figures(_ s: Sample) -> ScorecardFigures {
        var f = ScorecardFigures()
        f.sessionsReviewed = s.sessions.count
        f.meanPercent = Statistics.mean(s.percents, within: 0...100)
        f.passRate = Statistics.wilson(successes: s.passed, of: s.reviewed)
        f.passed = s.passed
        f.criticalFailures = s.critical
        f.sections = s.sectionOrder.map { n in
            let (c, id, title) = sections[n]
            return .init(checklistID: c, sectionID: id, title: title, percent: Statistics.mean(s.sectionPercents[n] ?? [], within: 0...100))
        }
        f.csi = Statistics.csi(s.scale5)
        f.nps = Statistics.nps(s.nps)
        f.questionnaires = s.questionnaires
        f.questionnairesLeftOutForFraud = s.leftOut
        f.questionnairesLeftOutConfirmed = s.leftOutConfirmed
        f.questionnairesKeptInDismissed = s.keptInDismissed
        f.callbackRequests = s.callbacks
        f.disputedItems = s.disputed
        f.overturnedItems = s.overturned
        f.callbacksReached = s.callbacksReached
        f.callbackFirstAttemptMedianMinutes = ReviewerAuditing.median(s.firstAttemptMinutes)
        f.callbacksOverdue = s.callbacksOverdue
        return f
    }

    /// Scorecards of every subject seen in the reported or the previous period, ranked; ordered by
    /// rank, then mean percent (highest first), then key.
    public func build() -> [Scorecard] {
        let last = periods.count - 1
        var cards: [Scorecard] = subjects.compactMap { key, subject in
            let current = figures(subject.samples[last])
            let previous = last > 0 ? figures(subject.samples[last - 1]) : ScorecardFigures()
            if current.isEmpty && previous.isEmpty { return nil }
            let marks = subject.samples.reduce(into: Set<Double>()) { $0.formUnion($1.passMarks) }
            return Scorecard(key: key, name: subject.name, current: current, previous: previous,
                             trend: subject.samples.map { Statistics.mean($0.percents, within: 0...100) }, rank: nil,
                             passMark: marks.count == 1 ? marks.first : nil)
        }
        // A single review has no interval; for ranking it could lie anywhere on the scale.
        let ranked = cards.indices.filter { cards[$0].current.meanPercent != nil }
        let estimates = ranked.map { i -> Estimate in
            let e = cards[i].current.meanPercent!
            return e.count < 2 ? Estimate(value: e.value, low: 0, high: 100, count: e.count) : e
        }
        for (i, r) in zip(ranked, Statistics.rank(estimates)) { (cards[i].rank, cards[i].rankLowest) = (r.lowerBound, r.upperBound) }
        cards.sort {
            let (a, b) = ($0.rank ?? Int.max, $1.rank ?? Int.max)
            if a != b { return a < b }
            let (l, m) = ($0.rankLowest ?? Int.max, $1.rankLowest ?? Int.max)
            if l != m { return l < m }
            let (x, y) = ($0.current.meanPercent?.value ?? -1, $1.current.meanPercent?.value ?? -1)
            if x != y { return x > y }
            return $0.key < $1.key
        }
        return cards
    }
}
