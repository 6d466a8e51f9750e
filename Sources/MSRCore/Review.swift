/// A reviewer's answer to one item, with its comment and the moments of the recording cited.
public struct ItemEntry: Equatable, Sendable {
    public var answer: ItemAnswer
    public var comment: String?
    /// Moments on the session clock (UTC milliseconds).
    public var evidence: [Int64]

    public init(answer: ItemAnswer, comment: String? = nil, evidence: [Int64] = []) {
        self.answer = answer
        self.comment = comment
        self.evidence = evidence
    }
}

/// Where a review stands in its lifecycle (scoring.md: claimed → draft → submitted → approved;
/// a lead may return a submitted review, which makes it a draft again).
public enum ReviewStatus: String, CaseIterable, Sendable {
    case claimed, draft, submitted, approved, returned
    /// Given up by its reviewer, or taken over after its claim expired: kept as history.
    case released, expired

    /// The reviewer may still change it.
    public var isOpen: Bool { self == .claimed || self == .draft || self == .returned }
}

extension ItemAnswer {
    /// `yes`, `no`, `na` or a whole number, as stored and as written in answer files.
    public var text: String {
        switch self {
        case .yes: return "yes"
        case .no: return "no"
        case .notApplicable: return "na"
        case let .value(v): return String(v)
        }
    }

    public init?(text: String) {
        switch text.lowercased() {
        case "yes", "y", "true": self = .yes
        case "no", "n", "false": self = .no
        case "na", "n/a": self = .notApplicable
        default:
            guard let v = Int(text) else { return nil }
            self = .value(v)
        }
    }

    public var json: JSON {
        if case let .value(v) = self { return .number(Double(v)) }
        return .string(text)
    }
}

/// Why an answer cannot be given to an item, or nil when it can.
public func answerProblem(_ answer: ItemAnswer, for item: Checklist.Item) -> String? {
    switch (answer, item.kind) {
    case (.notApplicable, _):
        return item.allowsNA ? nil : "\"not applicable\" is not allowed for \(item.id)"
    case (.yes, .yesno), (.no, .yesno): return nil
    case let (.value(v), .scale(n)): return (1...n).contains(v) ? nil : "\(item.id) takes 1 to \(n), not \(v)"
    case let (.value(v), .points(n)): return (0...n).contains(v) ? nil : "\(item.id) takes 0 to \(n), not \(v)"
    case (_, .yesno): return "\(item.id) takes yes or no"
    case let (_, .scale(n)): return "\(item.id) takes a number from 1 to \(n)"
    case let (_, .points(n)): return "\(item.id) takes a number from 0 to \(n)"
    }
}

/// What keeps a review from being submitted (scoring.md's two rules).
public struct SubmitBlockers: Equatable, Sendable {
    public var unanswered: [String]
    /// Failing `evidence` items that cite no moment of the recording.
    public var missingEvidence: [String]

    public init(unanswered: [String], missingEvidence: [String]) {
        self.unanswered = unanswered
        self.missingEvidence = missingEvidence
    }

    public var isEmpty: Bool { unanswered.isEmpty && missingEvidence.isEmpty }

    public var description: String {
        var parts: [String] = []
        if !unanswered.isEmpty { parts.append("unanswered: " + unanswered.joined(separator: ", ")) }
        if !missingEvidence.isEmpty { parts.append("failing without evidence: " + missingEvidence.joined(separator: ", ")) }
        return parts.joined(separator: "; ")
    }

    public static func of(_ checklist: Checklist, _ entries: [String: ItemEntry]) -> SubmitBlockers {
        var b = SubmitBlockers(unanswered: [], missingEvidence: [])
        for item in checklist.items {
            guard let e = entries[item.id] else { b.unanswered.append(item.id); continue }
            if item.evidenceOnFail, let f = Score.fraction(e.answer, kind: item.kind), f < 0.5, e.evidence.isEmpty {
                b.missingEvidence.append(item.id)
            }
        }
        return b
    }
}

/// Moments of a session, as reviewers cite them.
public enum SessionMoment {
    /// Parses an RFC 3339 time, or `HH:MM:SS` on the session's own clock (its start's offset,
    /// on the day that puts it nearest the session). Returns nil for anything else.
    public static func parse(_ text: String, sessionStart: Timestamp) -> Timestamp? {
        if let t = Timestamp(rfc3339: text) { return t }
        let parts = text.split(separator: ":")
        guard parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]), let s = Int(parts[2]),
              (0...23).contains(h), (0...59).contains(m), (0...59).contains(s) else { return nil }
        let local = sessionStart.local
        let base = CivilTime(year: local.year, month: local.month, day: local.day, hour: h, minute: m, second: s)
        let candidate = base.millisAsUTC - Int64(sessionStart.offsetSeconds) * 1000
        // Sessions can cross midnight: take the reading closest to the start.
        let day: Int64 = 86_400_000
        let best = [candidate - day, candidate, candidate + day].min { abs($0 - sessionStart.utcMillis) < abs($1 - sessionStart.utcMillis) }!
        return Timestamp(utcMillis: best, offsetSeconds: sessionStart.offsetSeconds)
    }
}
