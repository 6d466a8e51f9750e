import MSRCore
import MSRMail
import MSRStore

/// The alert rules and routes of the config file (docs/alerts.md):
///
///     smtp.url = smtp://mail.example.org:587      smtp.from = msreview@example.org
///     smtp.starttls = yes   smtp.user = …   smtp.password = …
///     alert.route.NAME.email = a@example.org, b@example.org
///     alert.route.NAME.kinds = negative-feedback, callback-request     (default: every kind)
///     alert.route.NAME.locations = BR-001, BR-002                      (none: the fallback)
///     alert.route.NAME.personal_data = yes                             (default no)
///     alert_scale5_max = 2   alert_nps_max = 6   alert_retry_minutes = 5   alert_max_attempts = 8
public struct AlertSettings: Equatable, Sendable {
    public var routes: [AlertRoute] = []
    public var smtp: SMTPServer?
    public var sms: SMSGateway?
    public var thresholds = AlertThresholds()
    public var retryMinutes = 5.0
    public var maxAttempts = 8
    /// A callback without an attempt this long after its request raises an overdue-callback alert.
    public var callbackDeadlineMillis: Int64 = 24 * 3_600_000

    /// Alerts are written only when some route is configured.
    public var isConfigured: Bool { !routes.isEmpty }

    public init(_ config: Config) {
        var byName: [String: AlertRoute] = [:]
        for (key, value) in config.strings {
            guard let parts = AlertSettings.routeKey(key) else { continue }
            var r = byName[parts[0]] ?? AlertRoute(name: parts[0])
            let list = AlertSettings.items(value)
            switch parts[1] {
            case "email": r.emails = list
            case "sms": r.phones = list
            case "kinds": r.kinds = Set(list.compactMap(AlertKind.init(rawValue:)))
            case "locations": r.locations = Set(list)
            case "personal_data": r.personalData = value == "yes"
            case "digest": r.digestMinutes = Int(value) ?? 0
            default: break
            }
            byName[parts[0]] = r
        }
        routes = byName.keys.sorted().map { byName[$0]! }
        if let url = config.strings["smtp.url"] {
            var s = SMTPServer(url: url, from: config.strings["smtp.from"] ?? "msreview@localhost")
            s.user = config.strings["smtp.user"]
            s.password = config.strings["smtp.password"]
            s.startTLS = config.strings["smtp.starttls"] == "yes"
            s.caFile = config.strings["smtp.ca_file"]
            smtp = s
        }
        if let url = config.strings["sms.url"] {
            var g = SMSGateway(url: url)
            if let m = config.strings["sms.method"] { g.method = m }
            if let b = config.strings["sms.body"] { g.body = b }
            if let c = config.strings["sms.content_type"] { g.contentType = c }
            sms = g
        }
        thresholds.scale5Max = Int(config["alert_scale5_max"])
        thresholds.npsMax = Int(config["alert_nps_max"])
        retryMinutes = config["alert_retry_minutes"]
        callbackDeadlineMillis = Int64(config["callback_deadline_hours"] * 3_600_000)
        maxAttempts = Int(config["alert_max_attempts"])
    }

    /// `alert.route.NAME.FIELD` as [NAME, FIELD].
    static func routeKey(_ key: String) -> [String]? {
        guard key.hasPrefix("alert.route.") else { return nil }
        let parts = key.dropFirst("alert.route.".count).split(separator: ".", maxSplits: 1).map(String.init)
        return parts.count == 2 ? parts : nil
    }

    /// A comma-separated list of a config line, its items trimmed, empty ones dropped.
    static func items(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The config keys of routes and the server, checked as the config is read.
    public static func check(_ key: String, _ value: String) -> String? {
        if key.hasPrefix("alert.route.") {
            guard let parts = routeKey(key), Identifier.isValid(parts[0]) else { return "a route is alert.route.NAME.email|sms|kinds|locations|personal_data|digest" }
            switch parts[1] {
            case "email":
                let list = items(value)
                guard list.allSatisfy({ $0.contains("@") && !$0.contains(" ") && !$0.contains("<") && !$0.contains(">") && $0.utf8.count <= 254 }) else {
                    return "\(key) takes e-mail addresses, comma-separated"
                }
            case "kinds":
                for k in items(value) where AlertKind(rawValue: k) == nil {
                    return "\(key): unknown kind \"\(k)\" (known: \(AlertKind.allCases.map(\.rawValue).joined(separator: ", ")))"
                }
            case "locations": break
            case "sms":
                let list = items(value)
                guard list.allSatisfy({ $0.utf8.count <= 20 && $0.allSatisfy { "+0123456789".contains($0) } }) else {
                    return "\(key) takes phone numbers (+ and digits), comma-separated"
                }
            case "personal_data": if !["yes", "no"].contains(value) { return "\(key) is yes or no" }
            case "digest": if Int(value).map({ (0...10_080).contains($0) }) != true { return "\(key) is minutes, 0 to 10080 (a week)" }
            default: return "a route is alert.route.NAME.email|sms|kinds|locations|personal_data|digest, not \(parts[1])"
            }
            return nil
        }
        switch key {
        case "smtp.url": return value.hasPrefix("smtp://") || value.hasPrefix("smtps://") ? nil : "smtp.url is smtp://HOST[:PORT] or smtps://HOST[:PORT]"
        case "smtp.from": return value.contains("@") && !value.contains(" ") ? nil : "smtp.from is an e-mail address"
        case "smtp.starttls": return ["yes", "no"].contains(value) ? nil : "smtp.starttls is yes or no"
        case "smtp.user", "smtp.password", "smtp.ca_file": return nil
        case "sms.url": return value.hasPrefix("http://") || value.hasPrefix("https://") ? nil : "sms.url is an http:// or https:// URL"
        case "sms.method": return ["GET", "POST", "PUT"].contains(value) ? nil : "sms.method is GET, POST or PUT"
        case "sms.body", "sms.content_type": return nil
        default: return "unknown setting \"\(key)\""
        }
    }

    /// One message per recipient of each route an event goes to.
    public func messages(for events: [AlertEvent]) -> [(kind: AlertKind, session: String?, route: String, recipient: String, subject: String, body: String)] {
        events.flatMap { e in
            AlertRoute.routes(for: e, in: routes).flatMap { r in
                let m = AlertMessage.compose(e, personalData: r.personalData)
                let text = AlertMessage.sms(e, personalData: r.personalData)
                return r.emails.map { (e.kind, Optional(e.sessionID), r.name, $0, m.subject, m.body) }
                    + r.phones.map { (e.kind, Optional(e.sessionID), r.name, "sms:" + $0, m.subject, text) }
            }
        }
    }
}

/// Delivers the outbox's due messages, each marked in its own transaction once the server has
/// taken it (so a crash between sends at most that one again, with its Message-ID); a failure
/// is retried after `retryMinutes` × 2^attempts, and given up after `maxAttempts`.
public struct AlertSender {
    public let store: Store
    public let settings: AlertSettings
    public var now: () -> Timestamp

    public init(store: Store, settings: AlertSettings, now: @escaping () -> Timestamp = Timestamp.now) {
        (self.store, self.settings, self.now) = (store, settings, now)
    }

    public struct Report: Equatable, Sendable {
        public var sent = 0
        public var failed = 0
        public var waiting = 0
        public var errors: [String] = []
        public var json: JSON {
            .object([("sent", sent.json), ("failed", failed.json), ("waiting", waiting.json), ("errors", .array(errors.map(JSON.string)))])
        }
    }

    /// Hands one message to its channel; the reason when it did not go.
    func deliver(_ m: OutboxMessage) -> DeliveryError? {
        if m.recipient.hasPrefix("sms:") {
            guard let gateway = settings.sms else { return DeliveryError(message: "no SMS gateway: set sms.url in the config", permanent: false) }
            return Delivery.trySend(sms: m.body, to: String(m.recipient.dropFirst(4)), via: gateway)
        }
        guard let smtp = settings.smtp else { return DeliveryError(message: "no mail server: set smtp.url in the config", permanent: false) }
        let bytes = MailMessage.render(from: smtp.from, to: m.recipient, subject: m.subject, body: m.body, messageID: m.messageID,
                                       date: Timestamp(utcMillis: m.createdMillis, offsetSeconds: 0))
        return Delivery.trySend(bytes, to: [m.recipient], via: smtp)
    }

    /// One message for a recipient's gathered alerts: each one's text in turn. Its Message-ID
    /// is the first alert's with `.digest`, so a digest sent again after a crash is the same one.
    static func digest(_ batch: [OutboxMessage]) -> OutboxMessage {
        var d = batch[0]
        d.subject = "msreview: сводка оповещений — \(batch.count) (сессий: \(Set(batch.compactMap(\.sessionID)).count))"
        d.body = batch.enumerated().map { i, m in "\(i + 1). \(m.subject)\n\n\(m.body)" }.joined(separator: "\n")
        d.messageID = "digest." + batch[0].messageID
        d.attempts = batch.map(\.attempts).max() ?? 0
        return d
    }

    public enum Failure: Error, CustomStringConvertible {
        case noServer
        public var description: String { "no mail server: set smtp.url (and smtp.from), or sms.url, in the config (docs/alerts.md)" }
    }

    public func send(limit: Int = 10_000) throws -> Report {
        guard settings.smtp != nil || settings.sms != nil else { throw Failure.noServer }
        var report = Report()
        // Callbacks that have waited past the deadline since the last run raise their alert first.
        if settings.isConfigured {
            let t = now()
            try store.write {
                let overdue = try store.takeNewlyOverdueCallbacks(requestedBefore: t.utcMillis - settings.callbackDeadlineMillis, at: t)
                let events = overdue.map { c in
                    AlertEvent(kind: .overdueCallback, sessionID: c.sessionID, locationID: c.locationID, locationName: c.locationName,
                               employeeID: c.employeeID, at: Timestamp(utcMillis: c.requestedMillis, offsetSeconds: 0),
                               summary: "запрос #\(c.id) ждёт звонка с \(Timestamp(utcMillis: c.requestedMillis, offsetSeconds: 0)), тема: \(c.topic ?? "не указана")",
                               personal: [c.name, c.phone].compactMap { $0 }.joined(separator: ", ").nilIfEmpty)
                }
                try store.enqueue(settings.messages(for: events), at: t)
            }
        }
        let due = try store.dueMessages(now: now().utcMillis, limit: limit)
        let digestOf = Dictionary(uniqueKeysWithValues: settings.routes.map { ($0.name, $0.digestMinutes) })
        // A digest route's e-mails to one recipient go as one message once the oldest has waited
        // its period; until then they wait.
        var batches: [[OutboxMessage]] = []
        var gathered: [String: [OutboxMessage]] = [:]
        for m in due {
            if let d = digestOf[m.route], d > 0, !m.recipient.hasPrefix("sms:") {
                gathered[m.route + "\u{0}" + m.recipient, default: []].append(m)
            } else {
                batches.append([m])
            }
        }
        for key in gathered.keys.sorted() {
            let group = gathered[key]!
            let minutes = digestOf[group[0].route] ?? 0
            if group[0].createdMillis + Int64(minutes) * 60_000 <= now().utcMillis { batches.append(group) } else { report.waiting += group.count }
        }
        for batch in batches {
            let m = batch.count == 1 ? batch[0] : AlertSender.digest(batch)
            if let error = deliver(m) {
                let attempts = m.attempts + 1
                let giveUp = error.permanent || attempts >= settings.maxAttempts
                let wait = Int64(settings.retryMinutes * 60_000) << Int64(min(attempts - 1, 20))
                try store.write {
                    for b in batch { try store.markDelivery(b.id, sentAt: nil, error: error.message, retryAt: giveUp ? nil : now().utcMillis + wait) }
                }
                if giveUp { report.failed += batch.count } else { report.waiting += batch.count }
                if !report.errors.contains(error.message) { report.errors.append(error.message) }
            } else {
                try store.write { for b in batch { try store.markDelivery(b.id, sentAt: now(), error: nil, retryAt: nil) } }
                report.sent += batch.count
            }
        }
        return report
    }
}
