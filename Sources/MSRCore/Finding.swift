/// How serious an anti-fraud finding is.
public enum Severity: String, CaseIterable, Comparable, Sendable {
    case fraud, suspect, integrity

    private var rank: Int { self == .fraud ? 0 : self == .suspect ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// The anti-fraud catalogue of the bundle format, plus msreview's own checks.
public enum FindingCode: String, CaseIterable, Sendable {
    case photoMissing = "photo-missing"
    case photoReused = "photo-reused"
    case photoSimilar = "photo-similar"
    case photoTimeMismatch = "photo-time-mismatch"
    case photoNoExif = "photo-no-exif"
    case answersOutsideSession = "answers-outside-session"
    case answersOutOfOrder = "answers-out-of-order"
    case answersTooFast = "answers-too-fast"
    case audioMissing = "audio-missing"
    case audioSilent = "audio-silent"
    case sessionOverlap = "session-overlap"
    case outsideHours = "outside-hours"
    case futureTimestamp = "future-timestamp"
    case fileMissing = "file-missing"
    case fileTampered = "file-tampered"
    case fileUnreadable = "file-unreadable"
    case fileDamaged = "file-damaged"

    public var severity: Severity {
        switch self {
        case .photoMissing, .photoReused, .answersOutsideSession: return .fraud
        case .answersOutOfOrder, .futureTimestamp, .fileMissing, .fileTampered, .fileUnreadable, .fileDamaged: return .integrity
        default: return .suspect
        }
    }
}

/// A lead's verdict on a finding.
public enum FindingVerdict: String, CaseIterable, Sendable {
    /// The evidence holds: the finding stands as raised.
    case confirmed
    /// A false alarm: the finding stays on record but no longer counts (a dismissed `fraud`
    /// finding does not keep its questionnaire out of CSI and NPS).
    case dismissed
}

/// Where a questionnaire stands on `fraud` findings, which decides whether CSI and NPS count it.
public enum FraudStanding: Int, CaseIterable, Sendable {
    /// No fraud finding.
    case none = 0
    /// A fraud finding no lead has decided: left out.
    case undecided = 1
    /// A fraud finding a lead confirmed: left out.
    case confirmed = 2
    /// Fraud findings, every one dismissed: counted again.
    case dismissed = 3

    public var leavesOut: Bool { self == .undecided || self == .confirmed }
    public var name: String { String(describing: self) }
}

/// Who decided what about a finding, when and why.
public struct FindingDecision: Equatable, Sendable {
    public var verdict: FindingVerdict
    public var reason: String
    public var by: String
    public var at: String

    public init(verdict: FindingVerdict, reason: String, by: String, at: String) {
        self.verdict = verdict
        self.reason = reason
        self.by = by
        self.at = at
    }

    public var json: JSON {
        .object([("decision", .string(verdict.rawValue)), ("reason", .string(reason)), ("by", .string(by)), ("at", .string(at))])
    }
}

/// A finding as the store holds it: its row id (what a lead names when deciding) and the
/// decision standing on it. It reads as the finding it holds (`stored.code`, `stored.detail`).
@dynamicMemberLookup
public struct StoredFinding: Equatable, Sendable {
    public var id: Int64
    public var finding: Finding
    public var decision: FindingDecision?

    public init(id: Int64, finding: Finding, decision: FindingDecision? = nil) {
        self.id = id
        self.finding = finding
        self.decision = decision
    }

    public subscript<T>(dynamicMember path: KeyPath<Finding, T>) -> T { finding[keyPath: path] }

    /// The bundle format's object, then the id and the decision (null while undecided).
    public var json: JSON {
        guard case var .object(members) = finding.json else { return finding.json }
        members += [("id", .number(Double(id))), ("decision", decision?.json ?? .null)]
        return .object(members)
    }
}

/// One anti-fraud or integrity finding about a session, a questionnaire of it, or one of its files.
public struct Finding: Equatable, Hashable, Sendable {
    public var sessionID: String
    public var questionnaireID: String?
    public var file: String?
    public var code: FindingCode
    public var detail: String
    /// A photo match's grade, which sets its severity (`photo-similar` only).
    public var grade: PhotoMatchGrade?

    public init(sessionID: String, questionnaireID: String? = nil, file: String? = nil, code: FindingCode, detail: String,
                grade: PhotoMatchGrade? = nil) {
        self.sessionID = sessionID
        self.questionnaireID = questionnaireID
        self.file = file
        self.code = code
        self.detail = detail
        self.grade = grade
    }

    /// A finding as stored: the grade of a photo match is the first word of its detail.
    public init(stored sessionID: String, questionnaireID: String?, file: String?, code: FindingCode, detail: String) {
        let grade = code == .photoSimilar ? PhotoMatchGrade(rawValue: String(detail.prefix { $0 != ":" })) : nil
        self.init(sessionID: sessionID, questionnaireID: questionnaireID, file: file, code: code, detail: detail, grade: grade)
    }

    public var severity: Severity { grade?.severity ?? code.severity }

    /// The machine-readable form fixed by the bundle format.
    public var json: JSON {
        .object([
            ("session_id", .string(sessionID)),
            ("questionnaire_id", questionnaireID.map(JSON.string) ?? .null),
            ("file", file.map(JSON.string) ?? .null),
            ("code", .string(code.rawValue)),
            ("severity", .string(severity.rawValue)),
            ("detail", .string(detail)),
        ])
    }

    /// The spec's order: by session, questionnaire, code (then file, detail for determinism).
    public static func specOrder(_ a: Finding, _ b: Finding) -> Bool {
        if a.sessionID != b.sessionID { return a.sessionID < b.sessionID }
        if a.questionnaireID != b.questionnaireID { return (a.questionnaireID ?? "") < (b.questionnaireID ?? "") }
        if a.code != b.code { return a.code.rawValue < b.code.rawValue }
        if a.file != b.file { return (a.file ?? "") < (b.file ?? "") }
        return a.detail < b.detail
    }
}
