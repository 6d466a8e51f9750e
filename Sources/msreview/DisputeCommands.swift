import MSRApp
import MSRCore

func disputeLine(_ d: Dispute) -> String {
    var line = "#\(d.id)".padding(toLength: 6) + " \(d.sessionID)  \(d.itemID.padding(toLength: 14)) \(d.status.rawValue.padding(toLength: 9)) "
        + "review by \(d.reviewer), opened by \(d.openedBy) at \(d.openedAt): \(d.reason)"
    if let by = d.decidedBy {
        line += " — \(d.status.rawValue) by \(by) at \(d.decidedAt ?? "?")" + (d.answer.map { ", answer \($0)" } ?? "") + (d.decisionReason.map { ": \($0)" } ?? "")
    }
    return line
}

func disputeID(_ inv: Invocation) throws -> Int64 { try recordNumber(inv, "a dispute's number (as #N in msreview disputes)") }

let disputeCommand = Command(
    words: ["dispute"], summary: "Open a dispute on an item of a submitted or approved review (leads, for the employee's manager).",
    usage: "dispute SESSION --item ITEM --reason TEXT [--by REVIEWER] [--json]",
    details: """
    Within dispute_days (14) of the review's approval, or of its submission while it is not
    approved. One open dispute per item. A lead other than the one who approved the review (and
    other than its reviewer) decides it: msreview dispute accept|reject ID. Goes into the audit log.
    """,
    options: [
        OptionSpec(name: "item", value: "ITEM", help: "the checklist item disputed (required)", required: true),
        OptionSpec(name: "reason", value: "TEXT", help: "the employee's case (required)", required: true),
        byOption,
        OptionSpec(name: "json", value: nil, help: "print the dispute (see docs/cli.md)"),
    ],
    positionals: 1...1
) { inv in
    let d = try reviewService(inv).openDispute(session: inv.positionals[0], reviewer: inv.value("by"), item: inv.value("item") ?? "",
                                              reason: inv.value("reason") ?? "")
    if inv.flag("json") { Output.json(d.json) } else { Output.line(disputeLine(d)) }
    return 0
}

let disputeAcceptCommand = Command(
    words: ["dispute", "accept"], summary: "Uphold a dispute: the item is overridden, the dispute its reason (another lead).",
    usage: "dispute accept ID --answer VALUE [--reason TEXT] [--json]",
    details: "Records an override of the disputed item (reason \"dispute #ID: …\"), so the score, scorecards and exports follow.",
    options: [
        OptionSpec(name: "answer", value: "VALUE", help: "the item's answer now: yes, no, na or a number (required)", required: true),
        OptionSpec(name: "reason", value: "TEXT", help: "the arbiter's note, added to the override's reason"),
        OptionSpec(name: "json", value: nil, help: "print the dispute"),
    ],
    positionals: 1...1
) { inv in
    let d = try reviewService(inv).decideDispute(id: try disputeID(inv), accept: true, answer: inv.value("answer"), reason: inv.value("reason"))
    if inv.flag("json") { Output.json(d.json) } else { Output.line(disputeLine(d)) }
    return 0
}

let disputeRejectCommand = Command(
    words: ["dispute", "reject"], summary: "Turn a dispute down, with a reason (another lead).",
    usage: "dispute reject ID --reason TEXT [--json]",
    options: [
        OptionSpec(name: "reason", value: "TEXT", help: "why (required)", required: true),
        OptionSpec(name: "json", value: nil, help: "print the dispute"),
    ],
    positionals: 1...1
) { inv in
    let d = try reviewService(inv).decideDispute(id: try disputeID(inv), accept: false, answer: nil, reason: inv.value("reason"))
    if inv.flag("json") { Output.json(d.json) } else { Output.line(disputeLine(d)) }
    return 0
}

let disputesCommand = Command(
    words: ["disputes"], summary: "List disputes: open, accepted, rejected.",
    usage: "disputes [--status open|accepted|rejected|all] [--session S] [--json]",
    details: "Leads and exporters see every dispute; a reviewer those on their own reviews. Oldest first; --status defaults to all.",
    options: [
        OptionSpec(name: "status", value: "S", help: "open, accepted, rejected or all (default)"),
        OptionSpec(name: "session", value: "S", help: "only this session's"),
        OptionSpec(name: "json", value: nil, help: "print an array of disputes (see docs/cli.md)"),
    ]
) { inv in
    let statuses: [Dispute.Status] = try statusOption(inv, default: [])
    let list = try reviewService(inv).disputes(status: statuses.first, session: inv.value("session"))
    if inv.flag("json") { Output.json(.array(list.map(\.json))) } else {
        for d in list { Output.line(disputeLine(d)) }
        if list.isEmpty { Output.line("(no disputes)") }
    }
    return 0
}
