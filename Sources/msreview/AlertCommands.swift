import MSRApp
import MSRCore
import MSRStore

/// The outbox holds names and phones where a route allows them: leads (or the one user of a
/// store without reviewers) only.
func outboxAccess(_ inv: Invocation) throws -> SessionAccess {
    let access = try sessionAccess(inv)
    switch access.standing {
    case .owner, .lead: return access
    case .stranger: throw ReviewError.notRegistered(access.actor)
    case .reviewer, .exporter: throw ReviewError.leadOnly(actor: access.actor, action: "read or send the alert outbox")
    }
}

func outboxJSON(_ m: OutboxMessage, body: Bool) -> JSON {
    var fields: [(String, JSON)] = [
        ("id", .number(Double(m.id))), ("kind", .string(m.kind.rawValue)), ("session_id", m.sessionID.map(JSON.string) ?? .null),
        ("route", .string(m.route)), ("recipient", .string(m.recipient)), ("subject", .string(m.subject)), ("status", .string(m.status.rawValue)),
        ("attempts", .number(Double(m.attempts))), ("created_at", .string(Timestamp(utcMillis: m.createdMillis, offsetSeconds: 0).description)),
        ("next_attempt_at", m.status == .pending ? .string(Timestamp(utcMillis: m.nextMillis, offsetSeconds: 0).description) : .null),
        ("sent_at", m.sentMillis.map { .string(Timestamp(utcMillis: $0, offsetSeconds: 0).description) } ?? .null),
        ("last_error", m.lastError.map(JSON.string) ?? .null), ("message_id", .string(m.messageID)),
    ]
    if body { fields.append(("body", .string(m.body))) }
    return .object(fields)
}

let alertsSendCommand = Command(
    words: ["alerts", "send"], summary: "Deliver the alert outbox's due messages (cron may run it).",
    usage: "alerts send [--json]",
    details: """
    Each message is marked sent once the mail server has accepted it; one that fails waits
    alert_retry_minutes (5) × 2^attempts and is given up after alert_max_attempts (8). A
    message sent again after a crash carries the same Message-ID. See docs/alerts.md.
    """,
    options: [OptionSpec(name: "json", value: nil, help: "print {\"sent\", \"failed\", \"waiting\", \"errors\"}")]
) { inv in
    let access = try outboxAccess(inv)
    let report = try AlertSender(store: access.store, settings: AlertSettings(try loadConfig(inv))).send()
    if inv.flag("json") { Output.json(report.json) } else {
        Output.line("\(report.sent) sent, \(report.waiting) waiting, \(report.failed) failed")
        for e in report.errors { Output.line("error     \(e)") }
    }
    return report.waiting + report.failed > 0 && report.sent == 0 ? 1 : 0
}

let alertsListCommand = Command(
    words: ["alerts", "list"], summary: "List the alert outbox: pending, sent, failed, and why.",
    usage: "alerts list [--status pending|sent|failed]... [--json]",
    options: [
        OptionSpec(name: "status", value: "S", help: "only messages with this status", repeatable: true),
        OptionSpec(name: "json", value: nil, help: "print an array of messages (see docs/alerts.md)"),
    ]
) { inv in
    let access = try outboxAccess(inv)
    let statuses: [OutboxMessage.Status] = try statusOption(inv, default: [])
    let list = try access.store.outbox(statuses: statuses)
    if inv.flag("json") { Output.json(.array(list.map { outboxJSON($0, body: false) })) } else {
        printTable(header: ["ID", "KIND", "SESSION", "ROUTE", "TO", "STATUS", "TRIES", "ERROR"], rows: list.map { m in
            ["#\(m.id)", m.kind.rawValue, m.sessionID ?? "", m.route, m.recipient, m.status.rawValue, "\(m.attempts)", m.lastError ?? ""]
        }, empty: "(no alerts)")
    }
    return 0
}

let alertsShowCommand = Command(
    words: ["alerts", "show"], summary: "Show one alert with its message.",
    usage: "alerts show ID [--json]",
    options: [OptionSpec(name: "json", value: nil, help: "print the message with its body")],
    positionals: 1...1
) { inv in
    let access = try outboxAccess(inv)
    let id = try recordNumber(inv, "an alert's number (as #N in msreview alerts list)")
    guard let m = try access.store.outbox(id: id).first else { throw CommandError(message: "no alert #\(id)") }
    if inv.flag("json") { Output.json(outboxJSON(m, body: true)) } else {
        Output.line("#\(m.id) \(m.kind.rawValue) to \(m.recipient) (route \(m.route)): \(m.status.rawValue), \(m.attempts) attempt(s)" + (m.lastError.map { " — \($0)" } ?? ""))
        Output.line("Subject: \(m.subject)")
        Output.line("")
        for line in m.body.split(separator: "\n", omittingEmptySubsequences: false) { Output.line(String(line)) }
    }
    return 0
}

let alertsRetryCommand = Command(
    words: ["alerts", "retry"], summary: "Put failed alerts (or one not yet sent) back to be sent now.",
    usage: "alerts retry [ID] [--json]",
    options: [OptionSpec(name: "json", value: nil, help: "print {\"requeued\": N}")],
    positionals: 0...1
) { inv in
    let access = try outboxAccess(inv)
    let id = try inv.positionals.first.map { try recordNumber(inv, "an alert's number (as #N in msreview alerts list)", $0) }
    let n = try access.store.write { try access.store.retryOutbox(id: id, now: Timestamp.now().utcMillis) }
    if inv.flag("json") { Output.json(.object([("requeued", n.json)])) } else { Output.line("\(n) alert(s) to be sent again (msreview alerts send)") }
    return 0
}
