import MSRApp
import MSRCore
import MSRStore

let storeCopyCommand = Command(
    words: ["store", "copy"], summary: "Copy a whole store into an empty one (SQLite ⇄ PostgreSQL), verified.",
    usage: "store copy --from SRC --to DST [--json]",
    details: """
    SRC and DST are store paths or PostgreSQL URIs (as --db takes them). Everything is copied in
    one transaction — sessions, manifests, media, findings, reviews, overrides, the audit log,
    listening coverage, calibration rounds, re-audit samples — then every table's row count and
    every medium's SHA-256 are checked. DST must be empty (a new SQLite path is created; a
    PostgreSQL database must exist). A one-person store grows into a team store this way, and a
    team store is taken out as one file for an audit. Only a lead of SRC (or its owner) may copy.
    Exit status 1 when a medium of SRC is missing or damaged (the rest is copied and listed).
    """,
    options: [
        OptionSpec(name: "from", value: "SRC", help: "the store to copy"),
        OptionSpec(name: "to", value: "DST", help: "the empty store to copy into (created when a new SQLite path)"),
        OptionSpec(name: "json", value: nil, help: "print {\"tables\": {NAME: rows}, \"media\", \"media_bytes\", \"damaged_media\"}"),
    ]
) { inv in
    guard let from = inv.value("from"), let to = inv.value("to") else {
        throw UsageError(message: "--from SRC and --to DST are required", command: inv.command.name)
    }
    func open(_ where_: String, create: Bool) throws -> Store {
        do { return try Store(path: where_, create: create) } catch {
            throw CommandError(message: error.isNoStore ? "no store at \(where_)" : "cannot open the store \(StoreLocator.redacted(where_)): \(error)")
        }
    }
    let source = try open(from, create: false)
    let access = try SessionAccess(store: source, actor: try actorName(inv, source))
    guard access.seesEverySession else { throw ReviewError.leadOnly(actor: access.actor, action: "copy a store") }
    let destination = try open(to, create: true)
    let report = try StoreCopier.copy(from: source, to: destination) { Output.progress($0) }
    Output.endProgress()
    if inv.flag("json") {
        Output.json(report.json)
    } else {
        for t in report.tables { Output.line(t.name.padding(toLength: 18) + " \(t.rows)") }
        Output.line("media".padding(toLength: 18) + " \(report.media) (\(report.mediaBytes) bytes, SHA-256 verified)")
        for d in report.damagedMedia { Output.line("damaged   \(d): missing or not matching its SHA-256 in the source") }
        Output.line("copied to \(StoreLocator.redacted(to))")
    }
    return report.damagedMedia.isEmpty ? 0 : 1
}

let verifyCommand = Command(
    words: ["verify"], summary: "Hash every stored medium again against the SHA-256 recorded at import.",
    usage: "verify [--session S] [--json]",
    details: """
    Reads every recording and photo the store holds (a SQLite store's files, a team store's
    chunks) and lists what is missing or no longer matches its SHA-256, with the sessions and
    files that use it. Importing a session's original bundle again restores its missing or
    damaged media. Purged media (retention) are not checked. Leads (or the store's one user) only.
    Run it weekly, and after restoring a backup or moving the store (docs/reliability.md).
    Exit status 1 when anything is missing or changed.
    """,
    options: [
        OptionSpec(name: "session", value: "S", help: "only the media of this session"),
        OptionSpec(name: "json", value: nil, help: "print {\"checked\": N, \"problems\": [{\"problem\", \"sha256\", \"actual_sha256\", \"uses\"}]}"),
    ]
) { inv in
    let access = try sessionAccess(inv)
    guard access.seesEverySession else { throw ReviewError.leadOnly(actor: access.actor, action: "verify the store's media") }
    let (checked, problems) = try MediaVerifier.verify(access.store, session: inv.value("session")) { done, total in
        if done % 100 == 0 || done == total { Output.progress("verifying \(done)/\(total) media") }
    }
    Output.endProgress()
    if inv.flag("json") {
        Output.json(.object([("checked", checked.json), ("problems", .array(problems.map(\.json)))]))
    } else {
        for p in problems {
            let uses = p.uses.map { "\($0.session): \($0.file)" }.joined(separator: ", ")
            Output.line("\(p.kind.rawValue.padding(toLength: 8)) \(p.sha256.prefix(16))…  \(uses)" + (p.actual.map { "  (now \($0.prefix(16))…)" } ?? ""))
        }
        let missing = problems.filter { $0.kind == .missing }.count
        Output.line("\(checked) media checked: \(missing) missing, \(problems.count - missing) changed"
                    + (problems.isEmpty ? "" : " — import the sessions' bundles again to restore them"))
    }
    return problems.isEmpty ? 0 : 1
}
