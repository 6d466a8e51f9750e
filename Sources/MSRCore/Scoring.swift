/// A reviewer's answer to one checklist item.
public enum ItemAnswer: Equatable, Hashable, Sendable {
    case yes
    case no
    case notApplicable
    /// A scale or points value.
    case value(Int)
}

/// A failed critical item, listed wherever the score is shown.
public struct CriticalFailure: Equatable, Sendable {
    public var sectionID: String
    public var itemID: String
    public var scope: Checklist.Critical

    public init(sectionID: String, itemID: String, scope: Checklist.Critical) {
        self.sectionID = sectionID
        self.itemID = itemID
        self.scope = scope
    }
}

/// The score of one review, per docs/scoring (../shared/spec/scoring.md).
public struct ReviewScore: Equatable, Sendable {
    public struct SectionScore: Equatable, Sendable {
        public var id: String
        /// Earned after a failed `critical: section` item zeroed it.
        public var earned: Double
        public var possible: Double
        /// Earned before any auto-fail (some teams want both figures).
        public var earnedBeforeAutoFail: Double
        /// nil when nothing was possible ("—").
        public var percent: Double? { possible > 0 ? earned / possible * 100 : nil }
        public var percentBeforeAutoFail: Double? { possible > 0 ? earnedBeforeAutoFail / possible * 100 : nil }
    }

    public var sections: [SectionScore]
    public var criticalFailures: [CriticalFailure]
    public var passMark: Double
    /// Items that earn less than half their weight.
    public var failedItems: [String]

    public var earned: Double { sections.reduce(0) { $0 + $1.earned } }
    public var possible: Double { sections.reduce(0) { $0 + $1.possible } }

    /// The review percent: 0 after a failed `critical: session` item; nil when nothing was possible.
    public var percent: Double? {
        guard possible > 0 else { return nil }
        if criticalFailures.contains(where: { $0.scope == .session }) { return 0 }
        return earned / possible * 100
    }

    /// The percent with no auto-fail applied at all.
    public var percentBeforeAutoFail: Double? {
        let p = sections.reduce(0) { $0 + $1.possible }
        return p > 0 ? sections.reduce(0) { $0 + $1.earnedBeforeAutoFail } / p * 100 : nil
    }

    /// At least the pass mark and no critical failure. A review with no percent does not pass.
    public var passed: Bool {
        guard let percent else { return false }
        return criticalFailures.isEmpty && Score.rounded(percent) >= passMark
    }
}

public enum Score {
    /// The fraction of its weight an answer earns, or nil when it drops out (N/A, unanswered,
    /// or an answer that does not fit the item's kind).
    public static func fraction(_ answer: ItemAnswer?, kind: Checklist.Kind) -> Double? {
        switch (answer, kind) {
        case (nil, _), (.notApplicable?, _): return nil
        case (.yes?, .yesno): return 1
        case (.no?, .yesno): return 0
        case let (.value(v)?, .scale(n)) where (1...n).contains(v): return Double(v - 1) / Double(n - 1)
        case let (.value(v)?, .points(n)) where (0...n).contains(v): return Double(v) / Double(n)
        default: return nil
        }
    }

    /// Scores answers against a checklist. Unanswered items count on neither side (a draft's
    /// score is its score so far); submission refuses unanswered items separately.
    public static func review(_ checklist: Checklist, answers: [String: ItemAnswer]) -> ReviewScore {
        var sections: [ReviewScore.SectionScore] = []
        var failures: [CriticalFailure] = []
        var failed: [String] = []
        for section in checklist.sections {
            var earned = 0.0, possible = 0.0
            var zeroed = false
            for item in section.items {
                guard let f = fraction(answers[item.id], kind: item.kind) else { continue }
                earned += item.weight * f
                possible += item.weight
                if f < 0.5 {
                    failed.append(item.id)
                    if item.critical != .none {
                        failures.append(CriticalFailure(sectionID: section.id, itemID: item.id, scope: item.critical))
                        if item.critical == .section { zeroed = true }
                    }
                }
            }
            sections.append(.init(id: section.id, earned: zeroed ? 0 : earned, possible: possible, earnedBeforeAutoFail: earned))
        }
        return ReviewScore(sections: sections, criticalFailures: failures, passMark: checklist.passMark, failedItems: failed)
    }

    /// One decimal, rounded half away from zero. The nudge absorbs binary error, so that a
    /// percent that is exactly x.x5 in decimals (12.25 = 49/4) rounds up, not down.
    public static func rounded(_ percent: Double) -> Double {
        let scaled = abs(percent) * 10
        let r = (scaled + 0.5 + 1e-9).rounded(.down) / 10
        return percent < 0 ? -r : r
    }

    /// The percent as shown and exported: one decimal, or "—" when there is none.
    public static func text(_ percent: Double?, none: String = "—") -> String {
        guard let percent else { return none }
        let r = rounded(percent)
        let whole = Int64(abs(r) * 10 + 0.5)
        return (r < 0 ? "-" : "") + "\(whole / 10).\(whole % 10)"
    }
}
