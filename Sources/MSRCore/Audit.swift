/// Krippendorff's alpha: agreement among coders (here reviewers) over units (here checklist items),
/// with missing values (here N/A or unanswered), computed through the coincidence of pairable values:
/// α = 1 − D_o / D_e. Only units with at least two values count.
public enum Krippendorff {
    public enum Metric: String, Sendable { case nominal, interval }

    static func delta2(_ a: Double, _ b: Double, _ metric: Metric) -> Double {
        switch metric {
        case .nominal: return a == b ? 0 : 1
        case .interval: return (a - b) * (a - b)
        }
    }

    /// `units[u][c]` is coder c's value for unit u, nil when missing. nil when fewer than two
    /// pairable values exist or when every value is the same (no expected disagreement).
    public static func alpha(_ units: [[Double?]], metric: Metric) -> Double? {
        let pairable = units.map { $0.compactMap { $0 } }.filter { $0.count >= 2 }
        let n = Double(pairable.reduce(0) { $0 + $1.count })
        guard n > 1 else { return nil }
        var observed = 0.0
        for values in pairable {
            var sum = 0.0
            for i in values.indices { for j in values.indices where i != j { sum += delta2(values[i], values[j], metric) } }
            observed += sum / Double(values.count - 1)
        }
        observed /= n
        // Expected disagreement over all pairs of pairable values, by distinct value for speed.
        var counts: [Double: Double] = [:]
        for values in pairable { for v in values { counts[v, default: 0] += 1 } }
        var expected = 0.0
        for (a, na) in counts { for (b, nb) in counts where a != b { expected += na * nb * delta2(a, b, metric) } }
        expected /= n * (n - 1)
        guard expected > 0 else { return nil }
        return 1 - observed / expected
    }
}

/// The consensus of several reviewers on one item (scoring.md, "Calibration").
public enum Consensus: Equatable, Sendable {
    /// The majority answer (yes/no, or N/A when most said so).
    case answer(ItemAnswer)
    /// The median of the numeric answers of a scale or points item.
    case median(Double)
    /// No majority (yes/no split evenly), or nobody answered.
    case none

    public var text: String {
        switch self {
        case let .answer(a): return a.text
        case let .median(m): return JSON.format(number: m)
        case .none: return "—"
        }
    }

    /// The consensus as a fraction of the item's scale (nil for N/A or none).
    public func fraction(_ kind: Checklist.Kind) -> Double? {
        switch self {
        case let .answer(a): return Score.fraction(a, kind: kind)
        case let .median(m):
            switch kind {
            case .yesno: return nil
            case let .scale(n): return (m - 1) / Double(n - 1)
            case let .points(n): return m / Double(n)
            }
        case .none: return nil
        }
    }

    /// Majority for yes/no; for scales and points the median of the numeric answers; N/A when
    /// more than half of the answers are N/A.
    public static func of(_ answers: [ItemAnswer], kind: Checklist.Kind) -> Consensus {
        guard !answers.isEmpty else { return .none }
        let na = answers.filter { $0 == .notApplicable }.count
        if na * 2 > answers.count { return .answer(.notApplicable) }
        switch kind {
        case .yesno:
            let yes = answers.filter { $0 == .yes }.count, no = answers.filter { $0 == .no }.count
            return yes == no ? .none : .answer(yes > no ? .yes : .no)
        case .scale, .points:
            let values = answers.compactMap { a -> Double? in if case let .value(v) = a { return Double(v) }; return nil }.sorted()
            guard !values.isEmpty else { return .none }
            let mid = values.count / 2
            return .median(values.count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2)
        }
    }
}

/// What a calibration of one session shows once every reviewer has submitted.
public struct CalibrationReport: Equatable, Sendable {
    public struct Item: Equatable, Sendable {
        public var sectionID: String
        public var itemID: String
        public var text: String
        public var kind: Checklist.Kind
        /// Each reviewer's answer, in `reviewers` order (nil: not answered).
        public var answers: [ItemAnswer?]
        public var consensus: Consensus
        public var agreed: Bool
    }

    public var reviewers: [String]
    public var items: [Item]
    public var percents: [Double?]
    /// Share of items on which every reviewer gave the same answer.
    public var percentAgreement: Double?
    /// Over the yes/no items.
    public var alphaNominal: Double?
    /// Over the scale and points items, on fractions of each item's scale (so items of different
    /// ranges are comparable).
    public var alphaInterval: Double?
    /// Max − min of the review percents as shown (each rounded to one decimal first, so the
    /// figures beside it add up).
    public var spread: Double?
    /// Per reviewer: mean absolute difference from the consensus, in percentage points of each
    /// item's scale, over the items the reviewer answered that have a consensus. N/A against a
    /// consensus with a value, or a value against an N/A consensus, is a full disagreement (100);
    /// N/A against N/A is agreement (0).
    public var deviations: [Double?]

    public init(checklist: Checklist, reviewers: [String], answers: [[String: ItemAnswer]]) {
        self.reviewers = reviewers
        var items: [Item] = []
        for section in checklist.sections {
            for item in section.items {
                let given = answers.map { $0[item.id] }
                let consensus = Consensus.of(given.compactMap { $0 }, kind: item.kind)
                let agreed = given.allSatisfy { $0 != nil } && Set(given.compactMap { $0 }).count == 1
                items.append(Item(sectionID: section.id, itemID: item.id, text: item.text, kind: item.kind,
                                  answers: given, consensus: consensus, agreed: agreed))
            }
        }
        self.items = items
        percents = answers.map { Score.review(checklist, answers: $0).percent }
        percentAgreement = items.isEmpty ? nil : Double(items.filter(\.agreed).count) / Double(items.count) * 100
        func units(_ keep: (Checklist.Kind) -> Bool) -> [[Double?]] {
            items.filter { keep($0.kind) }.map { item in item.answers.map { $0.flatMap { Score.fraction($0, kind: item.kind) } } }
        }
        alphaNominal = Krippendorff.alpha(units { if case .yesno = $0 { return true }; return false }, metric: .nominal)
        alphaInterval = Krippendorff.alpha(units { if case .yesno = $0 { return false }; return true }, metric: .interval)
        let shown = percents.compactMap { $0 }.map { ($0 * 10).rounded() / 10 }
        spread = shown.isEmpty ? nil : ((shown.max()! - shown.min()!) * 10).rounded() / 10
        deviations = reviewers.indices.map { r in
            let diffs = items.compactMap { item -> Double? in
                guard let given = item.answers[r], item.consensus != .none else { return nil }
                let a = Score.fraction(given, kind: item.kind), c = item.consensus.fraction(item.kind)
                switch (a, c) {
                case let (a?, c?): return abs(a - c) * 100
                case (nil, nil): return 0
                default: return 100
                }
            }
            return diffs.isEmpty ? nil : diffs.reduce(0, +) / Double(diffs.count)
        }
    }
}

/// Thresholds that flag a reviewer in the audit (configurable; see docs/audit.md).
public struct AuditThresholds: Equatable, Sendable {
    /// A review is an unheard submit when under this share of its audio was played.
    public var unheardShare = 0.5
    /// Flag: mean listened share under this.
    public var minListened = 0.8
    /// Flag: straight-lined reviews over this share of the reviewer's reviews.
    public var maxStraightLining = 0.2
    /// Flag: N/A rate this many percentage points above the team's.
    public var naRateExcess = 10.0
    /// Flag: score bias beyond ± this many points with an interval that excludes 0.
    public var maxBias = 10.0
    /// Flag: calibration deviation over this many points.
    public var maxCalibrationDeviation = 15.0
    /// Flag: median review time under this share of the team's median.
    public var minTimeShare = 0.5
    /// Flag: a share of reviews overturned by disputes above this, and (by its Wilson interval)
    /// surely above the team's.
    public var maxOverturnShare = 0.1

    public init() {}
}

/// One submitted review as the reviewer audit sees it.
public struct AuditedReview: Sendable {
    public var reviewer: String
    public var checklistID: String
    public var percent: Double?
    /// Wall time from opening the session to submitting, when the opening was recorded.
    public var seconds: Double?
    /// Share of the session's audio the reviewer played (nil: the session has no audio).
    public var listened: Double?
    /// Each applicable answer as a fraction of its item's scale.
    public var fractions: [Double]
    public var answers: Int
    public var notApplicable: Int
    /// An item of it was overturned: a dispute accepted by a lead.
    public var overturned: Bool

    public init(reviewer: String, checklistID: String, percent: Double?, seconds: Double?, listened: Double?,
                fractions: [Double], answers: Int, notApplicable: Int, overturned: Bool = false) {
        (self.reviewer, self.checklistID, self.percent, self.seconds, self.listened) = (reviewer, checklistID, percent, seconds, listened)
        (self.fractions, self.answers, self.notApplicable, self.overturned) = (fractions, answers, notApplicable, overturned)
    }

    /// Every applicable answer the same value (as a fraction of its scale: yes and 5 of 5 alike),
    /// with at least two of them.
    public var straightLined: Bool { fractions.count >= 2 && Set(fractions).count == 1 }
}

/// The reviewer audit's figures for one reviewer (scoring.md, "Reviewer audit").
public struct ReviewerAudit: Equatable, Sendable {
    public var reviewer: String
    public var reviews = 0
    public var medianSeconds: Double?
    public var listened: Estimate?
    public var unheardSubmits = 0
    public var straightLined = 0
    public var naRate: Double?
    /// The team's N/A rate on the same checklists, weighted by this reviewer's answers per checklist.
    public var teamNARate: Double?
    /// Mean of (review percent − the mean of all reviews on the same checklist), t interval.
    public var bias: Estimate?
    public var calibrationDeviation: Double?
    public var calibrations = 0
    /// Re-audits of this reviewer's reviews that a lead has submitted.
    public var reaudits = 0
    /// Mean share (percent) of items on which the lead's re-audit answered differently.
    public var reauditDisagreement: Double?
    /// Mean of (the lead's percent − this reviewer's percent).
    public var reauditDifference: Double?
    /// Share of the reviews with an item overturned by an accepted dispute (0–1, Wilson interval).
    public var overturned: Estimate?
    /// The same share over every reviewer's reviews of the period (0–1).
    public var teamOverturned: Double?
    public var flags: [String] = []

    public init(reviewer: String) { self.reviewer = reviewer }
}

public enum ReviewerAuditing {
    static func median(_ v: [Double]) -> Double? {
        guard !v.isEmpty else { return nil }
        let s = v.sorted(), m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }

    /// Figures per reviewer from their reviews of the period and their calibration deviations
    /// (`calibration[reviewer]` = per-calibration mean absolute differences), flags included.
    public static func figures(_ reviews: [AuditedReview], calibration: [String: [Double]], reviewers: [String],
                               thresholds: AuditThresholds = AuditThresholds()) -> (rows: [ReviewerAudit], teamMedianSeconds: Double?) {
        var checklistPercents: [String: [Double]] = [:]
        var checklistNA: [String: (na: Int, all: Int)] = [:]
        for r in reviews {
            if let p = r.percent { checklistPercents[r.checklistID, default: []].append(p) }
            checklistNA[r.checklistID, default: (0, 0)].na += r.notApplicable
            checklistNA[r.checklistID, default: (0, 0)].all += r.answers
        }
        let checklistMean = checklistPercents.mapValues { $0.reduce(0, +) / Double($0.count) }
        let teamMedian = median(reviews.compactMap(\.seconds))
        let teamOverturned = reviews.isEmpty ? nil : Double(reviews.filter(\.overturned).count) / Double(reviews.count)
        let byReviewer = Dictionary(grouping: reviews, by: \.reviewer)
        let everyone = Set(reviewers).union(byReviewer.keys).union(calibration.keys).sorted()
        let rows = everyone.map { who -> ReviewerAudit in
            var a = ReviewerAudit(reviewer: who)
            let mine = byReviewer[who] ?? []
            a.reviews = mine.count
            a.medianSeconds = median(mine.compactMap(\.seconds))
            let heard = mine.compactMap(\.listened)
            a.listened = Statistics.mean(heard.map { $0 * 100 }, within: 0...100)
            a.unheardSubmits = heard.filter { $0 < thresholds.unheardShare }.count
            a.straightLined = mine.filter(\.straightLined).count
            let answers = mine.reduce(0) { $0 + $1.answers }
            if answers > 0 {
                a.naRate = Double(mine.reduce(0) { $0 + $1.notApplicable }) / Double(answers) * 100
                var expected = 0.0
                for (c, group) in Dictionary(grouping: mine, by: \.checklistID) {
                    let team = checklistNA[c]!
                    expected += Double(group.reduce(0) { $0 + $1.answers }) * (team.all > 0 ? Double(team.na) / Double(team.all) : 0)
                }
                a.teamNARate = expected / Double(answers) * 100
            }
            a.bias = Statistics.mean(mine.compactMap { r in r.percent.map { $0 - checklistMean[r.checklistID]! } })
            let deviations = calibration[who] ?? []
            a.calibrations = deviations.count
            a.calibrationDeviation = deviations.isEmpty ? nil : deviations.reduce(0, +) / Double(deviations.count)
            a.overturned = Statistics.wilson(successes: mine.filter(\.overturned).count, of: mine.count)
            a.teamOverturned = teamOverturned

            if a.unheardSubmits > 0 { a.flags.append("unheard-submits") }
            if let l = a.listened, l.value < thresholds.minListened * 100 { a.flags.append("listened-little") }
            if a.reviews > 0, Double(a.straightLined) / Double(a.reviews) > thresholds.maxStraightLining { a.flags.append("straight-lining") }
            if let na = a.naRate, let team = a.teamNARate, na - team > thresholds.naRateExcess { a.flags.append("na-rate") }
            if let b = a.bias, b.count > 1, abs(b.value) > thresholds.maxBias, b.low > 0 || b.high < 0 { a.flags.append(b.value > 0 ? "lenient" : "harsh") }
            if let d = a.calibrationDeviation, d > thresholds.maxCalibrationDeviation { a.flags.append("calibration") }
            if let m = a.medianSeconds, let t = teamMedian, t > 0, m < t * thresholds.minTimeShare { a.flags.append("fast") }
            if let o = a.overturned, let t = teamOverturned, o.value > thresholds.maxOverturnShare, o.low > t { a.flags.append("overturned") }
            return a
        }
        return (rows, teamMedian)
    }
}
