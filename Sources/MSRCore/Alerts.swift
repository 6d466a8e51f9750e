import Foundation

/// What an alert is about (the names the config's routes use).
public enum AlertKind: String, CaseIterable, Sendable {
    case negativeFeedback = "negative-feedback"
    case callbackRequest = "callback-request"
    case fraud
    case criticalFailure = "critical-failure"
    case overdueCallback = "overdue-callback"

    /// The subject's words (the messages are in Russian, as the people at the locations read them).
    var title: String {
        switch self {
        case .negativeFeedback: return "негативный отзыв клиента"
        case .callbackRequest: return "клиент просит перезвонить"
        case .fraud: return "подозрение на подлог"
        case .criticalFailure: return "нарушен критический пункт стандарта"
        case .overdueCallback: return "просрочен обратный звонок"
        }
    }
}

/// When a questionnaire counts as negative feedback: a `scale5` answer at or below `scale5Max`,
/// or an NPS answer at or below `npsMax` (a detractor).
public struct AlertThresholds: Equatable, Sendable {
    public var scale5Max = 2
    public var npsMax = 6
    public init() {}
}

/// Something that happened that someone responsible for a location should hear about.
public struct AlertEvent: Equatable, Sendable {
    public var kind: AlertKind
    public var sessionID: String
    public var locationID: String
    public var locationName: String?
    public var employeeID: String
    public var at: Timestamp
    /// What happened, without personal data.
    public var summary: String
    /// The customer's name and phone (a callback request), for routes that may carry them.
    public var personal: String?

    public init(kind: AlertKind, sessionID: String, locationID: String, locationName: String?, employeeID: String, at: Timestamp,
                summary: String, personal: String? = nil) {
        (self.kind, self.sessionID, self.locationID, self.locationName, self.employeeID) = (kind, sessionID, locationID, locationName, employeeID)
        (self.at, self.summary, self.personal) = (at, summary, personal)
    }

    /// The events a newly imported session raises: negative questionnaires, callback requests,
    /// fraud findings (one event for all of a session's).
    public static func ofImport(_ m: Manifest, findings: [Finding], thresholds: AlertThresholds) -> [AlertEvent] {
        func event(_ kind: AlertKind, _ at: Timestamp, _ summary: String, personal: String? = nil) -> AlertEvent {
            AlertEvent(kind: kind, sessionID: m.sessionID, locationID: m.location.id, locationName: m.location.name, employeeID: m.employee.id,
                       at: at, summary: summary, personal: personal)
        }
        var out: [AlertEvent] = []
        for q in m.questionnaires {
            let low = q.answers.compactMap { a -> String? in
                guard case let .number(v) = a.value else { return nil }
                if a.kind == .scale5, v <= thresholds.scale5Max { return "«\(a.text ?? a.question)»: \(v) из 5" }
                if a.kind == .nps, v <= thresholds.npsMax { return "«\(a.text ?? a.question)»: \(v) из 10" }
                return nil
            }
            if !low.isEmpty { out.append(event(.negativeFeedback, q.submittedAt, "анкета \(q.id): " + low.joined(separator: "; "))) }
        }
        for c in m.callbackRequests {
            let who = [c.name, c.phone].compactMap { $0 }.joined(separator: ", ")
            out.append(event(.callbackRequest, c.at ?? m.endedAt, "тема: \(c.topic ?? "не указана")", personal: who.isEmpty ? nil : who))
        }
        let fraud = findings.filter { $0.severity == .fraud }
        if !fraud.isEmpty {
            out.append(event(.fraud, m.endedAt, fraud.map { "\($0.code.rawValue): \($0.detail)" }.joined(separator: "; ")))
        }
        return out
    }
}

/// Who hears of which alerts: e-mail addresses, for some kinds (none given: all), at some
/// locations (none given: the fallback, for every location no other route takes), with or
/// without the customer's name and phone.
public struct AlertRoute: Equatable, Sendable {
    public var name: String
    public var emails: [String] = []
    /// Numbers for SMS (through the configured HTTP gateway).
    public var phones: [String] = []
    public var kinds: Set<AlertKind> = []
    public var locations: Set<String> = []
    public var personalData = false
    /// Minutes over which a recipient's e-mails are gathered into one digest (0: each at once).
    public var digestMinutes = 0

    public init(name: String) { self.name = name }

    public var isFallback: Bool { locations.isEmpty }

    /// The routes an event goes to: those naming its location and kind; when none does, the
    /// fallback routes taking its kind.
    public static func routes(for e: AlertEvent, in routes: [AlertRoute]) -> [AlertRoute] {
        let takes = routes.filter { $0.kinds.isEmpty || $0.kinds.contains(e.kind) }
        let local = takes.filter { $0.locations.contains(e.locationID) }
        return local.isEmpty ? takes.filter(\.isFallback) : local
    }
}

/// A plain message for one recipient: what happened, where, when, the session and how to open it.
public struct AlertMessage: Equatable, Sendable {
    public var subject: String
    public var body: String

    public static func compose(_ e: AlertEvent, personalData: Bool) -> AlertMessage {
        let place = e.locationName.map { "\($0) (\(e.locationID))" } ?? e.locationID
        var lines = [
            "Что случилось: \(e.kind.title) — \(e.summary)",
            "Где: \(place), сотрудник \(e.employeeID)",
            "Когда: \(e.at.localDate) \(e.at.local.timeString) (\(e.at.description))",
            "Сессия: \(e.sessionID)",
            "Открыть: msreview show \(e.sessionID); в рабочем месте: / \(e.sessionID), Enter" + (e.kind == .callbackRequest || e.kind == .overdueCallback ? "; обратные звонки: C" : ""),
        ]
        if personalData, let p = e.personal { lines.append("Клиент: \(p)") }
        return AlertMessage(subject: "msreview: \(e.kind.title) — \(place), \(e.sessionID)", body: lines.joined(separator: "\n") + "\n")
    }

    /// An SMS: the subject's words, the time, and the customer when the route may carry them.
    public static func sms(_ e: AlertEvent, personalData: Bool) -> String {
        let place = e.locationName ?? e.locationID
        return "msreview: \(e.kind.title), \(place), \(e.at.local.timeString), \(e.sessionID)" + (personalData ? e.personal.map { ". Клиент: \($0)" } ?? "" : "")
    }
}

/// An Internet message (RFC 5322) in UTF-8: the subject as RFC 2047 encoded words, the body in
/// base64 (any server takes it, 8BITMIME or not), and a Message-ID fixed when the alert was
/// written, so a message sent again after a crash is recognisably the same one.
public enum MailMessage {
    public static func render(from: String, to: String, subject: String, body: String, messageID: String, date: Timestamp) -> [UInt8] {
        var headers = [
            "From: \(from)", "To: \(to)", "Subject: " + encodedWords(subject), "Date: " + rfc5322Date(date),
            "Message-ID: <\(messageID)>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
        ].joined(separator: "\r\n")
        headers += "\r\n\r\n"
        let encoded = Data(body.utf8).base64EncodedString()
        var lines: [String] = []
        var i = encoded.startIndex
        while i < encoded.endIndex {
            let j = encoded.index(i, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[i..<j]))
            i = j
        }
        return Array((headers + lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// `=?UTF-8?B?…?=` words of at most 75 characters, whole characters each, folded; plain ASCII
    /// without specials stays as it is.
    public static func encodedWords(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && !text.contains("=?") { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for ch in text {
            let bytes = Array(String(ch).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `Thu, 26 Nov 2026 12:00:00 +0000`.
    public static func rfc5322Date(_ t: Timestamp) -> String {
        let c = Timestamp(utcMillis: t.utcMillis, offsetSeconds: 0).local
        let days = Timestamp.daysFromCivil(year: c.year, month: c.month, day: c.day)   // 0 = Thursday, 1970-01-01
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((days % 7) + 7) % 7]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekday), \(c.day) \(months[max(0, min(11, c.month - 1))]) \(c.year) \(c.timeString) +0000"
    }
}
