import Glibc
import MSRApp
import MSRCore
import MSRMedia
import MSRStore

/// The review service for this run: the store, who is acting, and the settings.
func reviewService(_ inv: Invocation, creatingStore: Bool = false) throws -> ReviewService {
    let config = try loadConfig(inv)
    let store = try openStore(inv, creating: creatingStore)
    return ReviewService(store: store, actor: try actorName(inv, store),
                         config: config)
}

let byOption = OptionSpec(name: "by", value: "REVIEWER", help: "the review of this reviewer (leads; needed when several reviewed the session)")

let pullCommand = Command(
    words: ["pull"], summary: "Claim the next unclaimed sessions for review, oldest first.",
    usage: "pull [SESSION...] [--count N] [--checklist ID] [--json]",
    details: """
    Claims are atomic: several reviewers pulling at once never get the same session. A claim (and
    a draft not touched since) expires after claim_hours (config, default 24); an expired claim
    goes to whoever pulls next. --checklist takes only sessions naming that checklist, or none.
    Given SESSION ids, claims exactly those (each must be free: new, or its claim run out),
    refusing with a reason any that is not.
    On a team store (PostgreSQL) the media of the claimed sessions are fetched into this
    machine's cache ($XDG_CACHE_HOME/msreview/media), with progress on a terminal.
    """,
    options: [
        OptionSpec(name: "count", value: "N", help: "how many sessions (default 1)"),
        OptionSpec(name: "checklist", value: "ID", help: "only sessions scored against this checklist (or naming none)"),
        OptionSpec(name: "json", value: nil, help: "print {\"claimed\": [session ids]}"),
    ],
    positionals: 0...1000
) { inv in
    let service = try reviewService(inv)
    var ids: [String] = []
    // Each free session named is claimed; one that is not does not hold up the others, and is named after.
    var refused: [String] = []
    if inv.positionals.isEmpty {
        ids = try service.pull(count: try inv.int("count", default: 1, range: 1...10_000), checklist: inv.value("checklist"))
    } else {
        for id in inv.positionals {
            do {
                try service.claim(session: id)
                ids.append(id)
            } catch let e as ReviewError {
                refused.append("\(id): \(e)")
            }
        }
    }
    if service.store.keepsMediaInDatabase, !ids.isEmpty {
        // A team store: the claimed sessions' media come to this machine now, so the review needs no round trip.
        let media = try LocalMedia(store: service.store, capBytes: Int64(service.config["media_cache_mb"]) << 20)
        for (i, id) in ids.enumerated() {
            Output.progress("fetching media \(i + 1)/\(ids.count)")
            if let detail = try service.store.session(id) { try media.fetch(detail) }
        }
        Output.endProgress()
    }
    if inv.flag("json") { Output.json(.object([("claimed", ids.json)])) } else {
        for id in ids { Output.line(id) }
        if ids.isEmpty, refused.isEmpty { Output.line("(nothing to claim)") }
    }
    if !refused.isEmpty { throw CommandError(message: "not claimed: " + refused.joined(separator: "; ")) }
    return 0
}

let releaseCommand = Command(
    words: ["release"], summary: "Give a claimed session back to the queue.",
    usage: "release SESSION", positionals: 1...1
) { inv in
    try reviewService(inv).release(session: inv.positionals[0])
    Output.line("released \(inv.positionals[0])")
    return 0
}

let scoreCommand = Command(
    words: ["score"], summary: "Fill your review of a session from a JSON answers file (saved as a draft).",
    usage: "score SESSION --answers FILE [--checklist ID] [--submit] [--json]",
    details: """
    FILE (or - for standard input) is {"ITEM": "yes"|"no"|"na"|NUMBER, ...}, or
    {"answers": {...}, "comments": {"ITEM": "text"}, "evidence": {"ITEM": ["HH:MM:SS" or RFC 3339, ...]}}.
    Answers not in the file keep their earlier value. The checklist is the review's, else
    --checklist, else the one the session's manifest names (latest loaded version).
    --submit refuses while an item is unanswered or a failing evidence item cites no moment.
    """,
    options: [
        OptionSpec(name: "answers", value: "FILE", help: "the answers (JSON); - reads standard input (required)", required: true),
        OptionSpec(name: "checklist", value: "ID", help: "checklist for a session whose manifest names none"),
        OptionSpec(name: "submit", value: nil, help: "submit the review after saving"),
        OptionSpec(name: "json", value: nil, help: "print the review (see review --json)"),
    ],
    positionals: 1...1
) { inv in
    let file = inv.value("answers") ?? "-"
    let bytes: [UInt8]
    do { bytes = file == "-" ? try readStandardInput(maxBytes: answersMaxBytes) : try readFile(file, maxBytes: answersMaxBytes) } catch {
        throw CommandError(message: (error as? FileError)?.errno == EFBIG ? "\(file): over the \(answersMaxBytes >> 20) MiB an answers file may hold"
                                                           : "cannot read \(file): \(error)")
    }
    let doc: JSON
    do { doc = try JSON.parse(bytes) } catch { throw CommandError(message: "\(file): not valid JSON: \(error)") }
    let view = try reviewService(inv).score(session: inv.positionals[0], answers: doc, source: file,
                                            checklist: inv.value("checklist"), submit: inv.flag("submit"))
    if inv.flag("json") { Output.json(view.json) } else { printReview(view) }
    return 0
}

/// The largest answers file `score` reads (a checklist's answers with comments are a few KiB).
let answersMaxBytes: Int64 = 4 << 20

/// Standard input, whole, refused (EFBIG) past `maxBytes`.
func readStandardInput(maxBytes: Int64) throws(FileError) -> [UInt8] {
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; throw FileError(path: "standard input", errno: errno) }
        if n == 0 { break }
        out += buf[0..<n]
        if Int64(out.count) > maxBytes { throw FileError(path: "standard input", errno: EFBIG) }
    }
    return out
}

let reviewCommand = Command(
    words: ["review"], summary: "Show a review of a session with its score breakdown.",
    usage: "review SESSION [--by REVIEWER] [--json]",
    details: "A reviewer sees only their own reviews; a lead sees every review of the session.",
    options: [byOption, OptionSpec(name: "json", value: nil, help: "print an array of review objects (see docs/cli.md)")],
    positionals: 1...1
) { inv in
    let views = try reviewService(inv).reviews(session: inv.positionals[0], reviewer: inv.value("by"))
    if inv.flag("json") { Output.json(.array(views.map(\.json))) } else {
        for (i, v) in views.enumerated() {
            if i > 0 { Output.line() }
            printReview(v)
        }
    }
    return 0
}

func printReview(_ v: ReviewView) {
    let r = v.record
    Output.line("Review #\(r.id) of \(r.sessionID) by \(r.reviewer)   [\(r.status.rawValue)]")
    guard let c = v.checklist, let s = v.score else {
        Output.line("Checklist not chosen yet.")
        return
    }
    Output.line("Checklist \(c.id) v\(c.version) — \(c.title)")
    let verdict = s.passed ? "PASS" : "FAIL"
    Output.line("Score     \(percentLabel(s.percent))  (before auto-fail \(percentLabel(s.percentBeforeAutoFail)), pass mark \(percentLabel(c.passMark)))  \(verdict)")
    for f in s.criticalFailures { Output.line("  critical failure: \(f.itemID) (\(f.scope.rawValue)) in \(f.sectionID)") }
    for (section, sc) in zip(c.sections, s.sections) {
        Output.line()
        Output.line("[\(section.id)] \(section.title)  \(percentLabel(sc.percent))" + (sc.earned != sc.earnedBeforeAutoFail ? " (before auto-fail \(percentLabel(sc.percentBeforeAutoFail)))" : ""))
        for item in section.items {
            let e = v.effective[item.id]
            let mark = e.map { $0.answer.text } ?? "·"
            let failed = s.failedItems.contains(item.id) ? " ✗" : ""
            let ev = (e?.evidence ?? []).map { Timestamp(utcMillis: $0, offsetSeconds: v.sessionStart.offsetSeconds).local.timeString }
            var line = "  \(mark.padding(toLength: 3)) \(item.id)\(failed)  \(item.text)"
            if !ev.isEmpty { line += "  @" + ev.joined(separator: ", @") }
            Output.line(line)
            if let comment = e?.comment { Output.line("      “\(comment)”") }
        }
    }
    if let b = v.blockers, !b.isEmpty, r.status.isOpen { Output.line(); Output.line("Before submitting: \(b.description)") }
    for o in v.overrides {
        Output.line("override \(o.itemID): \(o.before?.text ?? "—") → \(o.after.text) by \(o.lead) at \(o.at): \(o.reason)")
    }
}

let returnCommand = Command(
    words: ["return"], summary: "Send a submitted review back to its reviewer (leads).",
    usage: "return SESSION --reason TEXT [--by REVIEWER]",
    options: [OptionSpec(name: "reason", value: "TEXT", help: "why (required; recorded in the audit log)", required: true), byOption],
    positionals: 1...1
) { inv in
    try reviewService(inv).returnReview(session: inv.positionals[0], reviewer: inv.value("by"), reason: inv.value("reason") ?? "")
    Output.line("returned \(inv.positionals[0])")
    return 0
}

let approveCommand = Command(
    words: ["approve"], summary: "Approve a submitted review (leads).",
    usage: "approve SESSION [--by REVIEWER]", options: [byOption], positionals: 1...1
) { inv in
    try reviewService(inv).approve(session: inv.positionals[0], reviewer: inv.value("by"))
    Output.line("approved \(inv.positionals[0])")
    return 0
}

let overrideCommand = Command(
    words: ["override"], summary: "Change one answer of a submitted review, with a reason (leads).",
    usage: "override SESSION --item ID --answer VALUE --reason TEXT [--by REVIEWER] [--json]",
    details: "The submitted review is not changed in place: the override (who, when, why, before and after) is appended to the audit log and the score is recomputed with it.",
    options: [
        OptionSpec(name: "item", value: "ID", help: "the checklist item (required)", required: true),
        OptionSpec(name: "answer", value: "VALUE", help: "yes, no, na or a number (required)", required: true),
        OptionSpec(name: "reason", value: "TEXT", help: "why (required)", required: true),
        byOption,
        OptionSpec(name: "json", value: nil, help: "print the review afterwards"),
    ],
    positionals: 1...1
) { inv in
    let view = try reviewService(inv).override(session: inv.positionals[0], reviewer: inv.value("by"), item: inv.value("item") ?? "",
                                               answer: inv.value("answer") ?? "", reason: inv.value("reason") ?? "")
    if inv.flag("json") { Output.json(view.json) } else { printReview(view) }
    return 0
}

let logCommand = Command(
    words: ["log"], summary: "Show the append-only audit log (claims, submits, returns, approvals, overrides, decisions on findings).",
    usage: "log [SESSION] [--action A]... [--json]",
    details: """
    Leads see every entry; reviewers see their own actions and those on their reviews. Each entry
    says who, when, what, on which session and review, why (returns and overrides need a reason)
    and the details (an override's item with its answer before and after). --action keeps only
    some actions, e.g. --action return --action override --action approve.
    """,
    options: [OptionSpec(name: "action", value: "A", help: "only entries of this action (claim, submit, return, approve, override, confirm-finding, dismiss-finding, calibrate, audit-sample, …)", repeatable: true),
              OptionSpec(name: "json", value: nil, help: "print an array of entries")],
    positionals: 0...1
) { inv in
    let service = try reviewService(inv)
    let actions = Set(inv.all("action"))
    let entries = try service.auditLog(session: inv.positionals.first).filter { actions.isEmpty || actions.contains($0.action) }
    if inv.flag("json") {
        Output.json(.array(entries.map { e in
            .object([("id", e.id.json), ("at", .string(e.at)), ("actor", .string(e.actor)), ("action", .string(e.action)),
                     ("session_id", e.sessionID.json), ("review_id", e.reviewID.json), ("reason", e.reason.json), ("detail", e.detail)])
        }))
    } else {
        for e in entries {
            var line = "\(e.at)  \(e.actor.padding(toLength: 10)) \(e.action.padding(toLength: 15)) \(e.sessionID ?? "")"
            if let r = e.reason { line += "  reason: \(r)" }
            if case let .object(m) = e.detail, !m.isEmpty { line += "  " + e.detail.serialized() }
            Output.line(line)
        }
        if entries.isEmpty { Output.line("(no entries)") }
    }
    return 0
}

let scoresRecomputeCommand = Command(
    words: ["scores", "recompute"], summary: "Recompute every stored review's score from its answers and checklist version.",
    usage: "scores recompute [--json]",
    options: [OptionSpec(name: "json", value: nil, help: "print {\"reviews\": N, \"changed\": N}")]
) { inv in
    let (n, changed) = try reviewService(inv).recomputeAll()
    if inv.flag("json") { Output.json(.object([("reviews", n.json), ("changed", changed.json)])) } else {
        Output.line("\(n) reviews scored, \(changed) changed")
    }
    return 0
}

let checklistsLoadCommand = Command(
    words: ["checklists", "load"], summary: "Load checklist files (or directories of *.checklist) into the store.",
    usage: "checklists load PATH... [--json]",
    details: "A stored id and version never changes: a changed file must raise its version. Only leads load, once a lead exists.",
    options: [OptionSpec(name: "json", value: nil, help: "print [{\"file\", \"id\", \"version\", \"new\"}]")],
    positionals: 1...Int.max
) { inv in
    let loaded = try reviewService(inv, creatingStore: true).loadChecklists(inv.positionals)
    if inv.flag("json") {
        Output.json(.array(loaded.map { .object([("file", .string($0.file)), ("id", .string($0.id)), ("version", $0.version.json), ("new", .bool($0.new))]) }))
    } else {
        for l in loaded { Output.line("\(l.new ? "loaded   " : "unchanged") \(l.id) v\(l.version)  \(l.file)") }
    }
    return 0
}

let checklistsListCommand = Command(
    words: ["checklists", "list"], summary: "List the checklist versions in the store.",
    usage: "checklists list [--json]",
    options: [OptionSpec(name: "json", value: nil, help: "print [{\"id\", \"version\", \"title\", \"source\", \"loaded_at\"}]")]
) { inv in
    let versions = try openStore(inv).checklistVersions()
    if inv.flag("json") {
        Output.json(.array(versions.map { .object([("id", .string($0.id)), ("version", $0.version.json), ("title", .string($0.title)),
                                                   ("source", .string($0.source)), ("loaded_at", .string($0.loadedAt))]) }))
    } else {
        printTable(header: ["CHECKLIST", "VERSION", "TITLE", "SOURCE"], rows: versions.map { [$0.id, "\($0.version)", $0.title, $0.source] })
    }
    return 0
}

let checklistsShowCommand = Command(
    words: ["checklists", "show"], summary: "Show a stored checklist with its items and guidance.",
    usage: "checklists show ID [--version N] [--json]",
    options: [OptionSpec(name: "version", value: "N", help: "this version (default: the latest)"),
              OptionSpec(name: "json", value: nil, help: "print the checklist as JSON")],
    positionals: 1...1
) { inv in
    let store = try openStore(inv)
    let version = inv.value("version") == nil ? nil : try inv.int("version", default: 1, range: 1...Int(Int32.max))
    guard let (_, text) = try store.checklistText(inv.positionals[0], version: version) else {
        throw CommandError(message: "no checklist \"\(inv.positionals[0])\"" + (version.map { " version \($0)" } ?? "") + " in the store")
    }
    let c = try Checklist.parse(text, file: inv.positionals[0])
    if inv.flag("json") { Output.json(c.json); return 0 }
    Output.line("\(c.id) v\(c.version) — \(c.title)   pass mark \(Score.text(c.passMark))%   \(c.items.count) items")
    for s in c.sections {
        Output.line()
        Output.line("[\(s.id)] \(s.title)")
        for i in s.items {
            var tags: [String] = []
            switch i.kind {
            case .yesno: tags.append("yes/no")
            case let .scale(n): tags.append("1–\(n)")
            case let .points(n): tags.append("0–\(n) pts")
            }
            if i.weight != 1 { tags.append("weight \(JSON.format(number: i.weight))") }
            if i.allowsNA { tags.append("N/A") }
            if i.critical != .none { tags.append("CRITICAL (\(i.critical.rawValue))") }
            if i.evidenceOnFail { tags.append("evidence") }
            Output.line("  \(i.id): \(i.text)  [\(tags.joined(separator: ", "))]")
            if !i.guidance.isEmpty { Output.line("      \(i.guidance)") }
        }
    }
    return 0
}

let reviewersAddCommand = Command(
    words: ["reviewers", "add"], summary: "Register a reviewer (leads; the first lead is set up with --role lead).",
    usage: "reviewers add ID [--role reviewer|lead|exporter] [--name NAME]",
    details: """
    A reviewer fills checklists and sees only the sessions they claimed; a lead sees and decides
    everything; an exporter runs exports, scorecards and fraud reports (personal data included,
    each such run recorded in the audit log) and reads no drafts and does no reviews.
    """,
    options: [OptionSpec(name: "role", value: "ROLE", help: "reviewer (default), lead or exporter"),
              OptionSpec(name: "name", value: "NAME", help: "display name")],
    positionals: 1...1
) { inv in
    guard let role = Reviewer.Role(rawValue: inv.value("role") ?? "reviewer") else {
        throw UsageError(message: "--role is reviewer, lead or exporter", command: inv.command.name)
    }
    try reviewService(inv, creatingStore: true).addReviewer(id: inv.positionals[0], role: role, name: inv.value("name"))
    Output.line("added \(inv.positionals[0]) (\(role.rawValue))")
    return 0
}

let reviewersListCommand = Command(
    words: ["reviewers", "list"], summary: "List reviewers and their roles.",
    usage: "reviewers list [--json]",
    options: [OptionSpec(name: "json", value: nil, help: "print [{\"id\", \"name\", \"role\"}]")]
) { inv in
    let list = try openStore(inv).reviewers()
    if inv.flag("json") {
        Output.json(.array(list.map { .object([("id", .string($0.id)), ("name", $0.name.json), ("role", .string($0.role.rawValue))]) }))
    } else {
        printTable(header: ["REVIEWER", "ROLE", "NAME"], rows: list.map { [$0.id, $0.role.rawValue, $0.name ?? ""] })
    }
    return 0
}

let reviewersRoleCommand = Command(
    words: ["reviewers", "role"], summary: "Change a reviewer's role (leads).",
    usage: "reviewers role ID reviewer|lead|exporter", positionals: 2...2
) { inv in
    guard let role = Reviewer.Role(rawValue: inv.positionals[1]) else {
        throw UsageError(message: "the role is reviewer, lead or exporter, not \"\(inv.positionals[1])\"", command: inv.command.name)
    }
    try reviewService(inv).setRole(id: inv.positionals[0], role: role)
    Output.line("\(inv.positionals[0]) is now \(role.rawValue)")
    return 0
}

/// "72.5%" or "—" (no percent is never shown as 0).
func percentLabel(_ p: Double?) -> String { p == nil ? "—" : Score.text(p) + "%" }

/// The settings for this run: the config file, then `--set` overrides.
func loadConfig(_ inv: Invocation) throws -> Config {
    do throws(Config.Problem) {
        return try Config.load(environment: inv.environment, overrides: inv.all("set"))
    } catch {
        throw UsageError(message: error.message, command: inv.command.name)
    }
}
