import MSRApp
import MSRCore
import MSRStore

func callbackJSON(_ c: CallbackItem, service: ReviewService, attempts: [CallbackItem.Attempt]? = nil) -> JSON {
    let now = Timestamp.now().utcMillis
    var fields: [(String, JSON)] = [
        ("id", .number(Double(c.id))), ("session_id", .string(c.sessionID)), ("location_id", .string(c.locationID)),
        ("location_name", c.locationName.map(JSON.string) ?? .null), ("employee_id", .string(c.employeeID)),
        ("topic", c.topic.map(JSON.string) ?? .null), ("requested_at", .string(Timestamp(utcMillis: c.requestedMillis, offsetSeconds: 0).description)),
        ("age_minutes", .number(Double((now - c.requestedMillis) / 60_000))),
        ("name", c.name.map(JSON.string) ?? .null), ("phone", c.phone.map(JSON.string) ?? .null),
        ("status", .string(c.status.rawValue)), ("taken_by", c.takenBy.map(JSON.string) ?? .null),
        ("attempts", .number(Double(c.attempts))), ("outcome", c.outcome.map { .string($0.rawValue) } ?? .null),
        ("overdue", .bool(service.isOverdue(c))), ("personal_data_purged", .bool(c.personalDataPurged)),
    ]
    if let attempts {
        fields.append(("attempt_log", .array(attempts.map { a in
            .object([("by", .string(a.actor)), ("at", .string(a.at)), ("outcome", .string(a.outcome.rawValue)), ("note", a.note.map(JSON.string) ?? .null)])
        })))
    }
    return .object(fields)
}

func printCallbacks(_ list: [CallbackItem], service: ReviewService) {
    let now = Timestamp.now().utcMillis
    let rows = list.map { c -> [String] in
        ["#\(c.id)", c.sessionID, c.locationID, c.employeeID, c.topic ?? "",
         Timestamp(utcMillis: c.requestedMillis, offsetSeconds: 0).description, c.age(now: now), c.shown(c.name), c.shown(c.phone),
         c.status.rawValue + (c.takenBy.map { " by \($0)" } ?? ""), "\(c.attempts)" + (c.outcome.map { " \($0.rawValue)" } ?? ""),
         service.isOverdue(c) ? "OVERDUE" : ""]
    }
    printTable(header: ["ID", "SESSION", "LOCATION", "EMPLOYEE", "TOPIC", "REQUESTED", "AGE", "NAME", "PHONE", "STATUS", "ATTEMPTS", ""], rows: rows,
               empty: "(no callbacks)")
}

func callbackID(_ inv: Invocation) throws -> Int64 { try recordNumber(inv, "a callback's number (as #N in msreview callbacks)") }

let callbacksCommand = Command(
    words: ["callbacks"], summary: "List the customers' callback requests: the work list of those who call back.",
    usage: "callbacks [--status open|taken|done|all] [--location ID]... [--overdue] [--json]",
    details: """
    Oldest request first, with its session, location, employee, topic, time, age and state; the
    name and phone for leads (and exporters) only — a reviewer sees "(hidden)", and sees only the
    callbacks of sessions they hold. --status defaults to open and taken (what is still to do).
    A callback not attempted within callback_deadline_hours (24) of the request is OVERDUE.
    Work one with: msreview callbacks take ID, then msreview callbacks done ID --outcome O.
    """,
    options: [
        OptionSpec(name: "status", value: "S", help: "open, taken, done or all (default: open and taken)"),
        OptionSpec(name: "location", value: "ID", help: "only this location's", repeatable: true),
        OptionSpec(name: "overdue", value: nil, help: "only those past the deadline without an attempt"),
        OptionSpec(name: "json", value: nil, help: "print an array of callbacks (see docs/cli.md)"),
    ]
) { inv in
    let statuses: [CallbackItem.Status] = try statusOption(inv, default: [.open, .taken])
    let service = try reviewService(inv)
    let list = try service.callbacks(statuses: statuses, locations: inv.all("location"), overdueOnly: inv.flag("overdue"))
    if inv.flag("json") { Output.json(.array(list.map { callbackJSON($0, service: service) })) } else { printCallbacks(list, service: service) }
    return 0
}

let callbacksTakeCommand = Command(
    words: ["callbacks", "take"], summary: "Take a callback to call the customer (leads; atomic, as pull is).",
    usage: "callbacks take ID [--json]",
    options: [OptionSpec(name: "json", value: nil, help: "print the callback")],
    positionals: 1...1
) { inv in
    let service = try reviewService(inv)
    let c = try service.takeCallback(try callbackID(inv))
    if inv.flag("json") { Output.json(callbackJSON(c, service: service)) } else { printCallbacks([c], service: service) }
    return 0
}

let callbacksDoneCommand = Command(
    words: ["callbacks", "done"], summary: "Record a call's outcome: reached, no-answer (tried again later), wrong-number, declined.",
    usage: "callbacks done ID --outcome reached|no-answer|wrong-number|declined [--note TEXT] [--json]",
    details: "Needs the callback taken by you. no-answer leaves it open for another try; the others close it. Every attempt is kept (--json lists them).",
    options: [
        OptionSpec(name: "outcome", value: "O", help: "reached, no-answer, wrong-number or declined (required)", required: true),
        OptionSpec(name: "note", value: "TEXT", help: "what was said or agreed"),
        OptionSpec(name: "json", value: nil, help: "print the callback with its attempts"),
    ],
    positionals: 1...1
) { inv in
    guard let outcome = CallbackItem.Outcome(rawValue: inv.value("outcome") ?? "") else {
        throw UsageError(message: "--outcome is reached, no-answer, wrong-number or declined, not \"\(inv.value("outcome") ?? "")\"", command: inv.command.name)
    }
    let service = try reviewService(inv)
    let id = try callbackID(inv)
    let c = try service.recordCallback(id, outcome: outcome, note: inv.value("note"))
    if inv.flag("json") { Output.json(callbackJSON(c, service: service, attempts: try service.callbackAttempts(id))) } else { printCallbacks([c], service: service) }
    return 0
}
