/// The parsed, validated `session.json` of a session bundle (`msr-bundle/1`).
///
/// Everything here has passed the field rules of the bundle format; code that holds
/// a `Manifest` never re-checks them.
public struct Manifest: Equatable, Sendable {
    public static let format = "msr-bundle/1"
    /// Manifests above this size are rejected before parsing.
    public static let maxBytes = 1 << 20

    public var sessionID: String
    public var deviceID: String
    public var location: Location
    public var employee: Employee
    public var startedAt: Timestamp
    public var endedAt: Timestamp
    public var checklist: String?
    public var recordings: [Recording]
    public var photos: [Photo]
    public var questionnaires: [Questionnaire]
    public var callbackRequests: [CallbackRequest]

    public init(sessionID: String, deviceID: String, location: Location, employee: Employee, startedAt: Timestamp, endedAt: Timestamp,
                checklist: String?, recordings: [Recording], photos: [Photo], questionnaires: [Questionnaire], callbackRequests: [CallbackRequest]) {
        (self.sessionID, self.deviceID, self.location, self.employee, self.startedAt, self.endedAt) = (sessionID, deviceID, location, employee, startedAt, endedAt)
        (self.checklist, self.recordings, self.photos, self.questionnaires, self.callbackRequests) = (checklist, recordings, photos, questionnaires, callbackRequests)
    }

    public struct Location: Equatable, Sendable {
        public init(id: String, name: String? = nil, timezone: String? = nil, hours: OpeningHours? = nil) {
            self.id = id
            self.name = name
            self.timezone = timezone
            self.hours = hours
        }

        public var id: String
        public var name: String?
        public var timezone: String?
        public var hours: OpeningHours?
    }

    public struct OpeningHours: Equatable, Sendable {
        public init(open: Int, close: Int) {
            self.open = open
            self.close = close
        }

        /// Minutes after local midnight.
        public var open: Int
        public var close: Int
        public var openText: String { Self.text(open) }
        public var closeText: String { Self.text(close) }
        static func text(_ m: Int) -> String { pad(m / 60, 2) + ":" + pad(m % 60, 2) }
    }

    public struct Employee: Equatable, Sendable {
        public init(id: String, name: String? = nil) {
            self.id = id
            self.name = name
        }

        public var id: String
        public var name: String?
    }

    public struct Recording: Equatable, Sendable {
        public init(file: String, startedAt: Timestamp, sha256: String? = nil) {
            self.file = file
            self.startedAt = startedAt
            self.sha256 = sha256
        }

        public var file: String
        public var startedAt: Timestamp
        public var sha256: String?
    }

    public struct Photo: Equatable, Sendable {
        public init(file: String, takenAt: Timestamp? = nil, sha256: String? = nil) {
            self.file = file
            self.takenAt = takenAt
            self.sha256 = sha256
        }

        public var file: String
        public var takenAt: Timestamp?
        public var sha256: String?
    }

    public struct Questionnaire: Equatable, Sendable {
        public init(id: String, form: String? = nil, startedAt: Timestamp, submittedAt: Timestamp, photos: [String], answers: [Answer]) {
            self.id = id
            self.form = form
            self.startedAt = startedAt
            self.submittedAt = submittedAt
            self.photos = photos
            self.answers = answers
        }

        public var id: String
        public var form: String?
        public var startedAt: Timestamp
        public var submittedAt: Timestamp
        public var photos: [String]
        public var answers: [Answer]
    }

    public struct Answer: Equatable, Sendable {
        public init(question: String, text: String? = nil, kind: AnswerKind, value: AnswerValue, answeredAt: Timestamp? = nil) {
            self.question = question
            self.text = text
            self.kind = kind
            self.value = value
            self.answeredAt = answeredAt
        }

        public var question: String
        public var text: String?
        public var kind: AnswerKind
        public var value: AnswerValue
        public var answeredAt: Timestamp?
    }

    public struct CallbackRequest: Equatable, Sendable {
        public init(name: String? = nil, phone: String? = nil, topic: String? = nil, at: Timestamp? = nil) {
            self.name = name
            self.phone = phone
            self.topic = topic
            self.at = at
        }

        public var name: String?
        public var phone: String?
        public var topic: String?
        public var at: Timestamp?
    }

    /// Every file the manifest names, recordings first, without repeats.
    public var files: [String] {
        var seen = Set<String>()
        return (recordings.map(\.file) + photos.map(\.file)).filter { seen.insert($0).inserted }
    }

    /// Every timestamp the manifest carries (for the future-timestamp check).
    public var allTimestamps: [Timestamp] {
        var t = [startedAt, endedAt]
        t += recordings.map(\.startedAt)
        t += photos.compactMap(\.takenAt)
        for q in questionnaires {
            t += [q.startedAt, q.submittedAt]
            t += q.answers.compactMap(\.answeredAt)
        }
        t += callbackRequests.compactMap(\.at)
        return t
    }
}

public enum AnswerKind: String, CaseIterable, Sendable {
    case scale5, nps, yesno, choice, text
}

public enum AnswerValue: Equatable, Sendable {
    case number(Int)
    case bool(Bool)
    case text(String)

    public var json: JSON {
        switch self {
        case let .number(n): return .number(Double(n))
        case let .bool(b): return .bool(b)
        case let .text(s): return .string(s)
        }
    }

    public var display: String {
        switch self {
        case let .number(n): return String(n)
        case let .bool(b): return b ? "yes" : "no"
        case let .text(s): return s
        }
    }
}
