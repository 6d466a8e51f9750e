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
