import MSRApp
import MSRCore
import MSRStore

let purgeCommand = Command(
    words: ["purge"], summary: "Delete media past retention, keeping hashes, findings, reviews and scores (lead only).",
    usage: "purge --older-than AGE [--dry-run] [--json]",
    details: """
    AGE is days, weeks or hours: 180d, 26w, 12h. Every audio and photo file of sessions that
    started longer ago than AGE is deleted from the media directory, unless a newer session uses
    the same file. The rows stay — hashes, findings, questionnaires, reviews and scores, the
    stored waveform envelopes and perceptual hashes — so exports, scorecards, audits and
    'fraud --recheck' keep working; playing those sessions and looking at their photos does not.
    Names and phones of callbacks closed more than callback_retention_days (90) ago go too; their
    outcomes and attempts stay. The purge is in the audit log. --dry-run says what would go and
    deletes nothing.
    """,
    options: [
        OptionSpec(name: "older-than", value: "AGE", help: "retention: 180d, 26w or 12h (1h to 36525d)"),
        OptionSpec(name: "dry-run", value: nil, help: "only say what would be deleted"),
        OptionSpec(name: "json", value: nil, help: "print {\"sessions\", \"files\", \"bytes\", \"shared_kept\", \"callbacks_anonymised\", \"dry_run\"}"),
    ]
) { inv in
    guard let age = inv.value("older-than"), let seconds = Retention.seconds(age) else {
        throw UsageError(message: "purge needs --older-than AGE from 1h to 36525d (100 years), e.g. 180d, 26w or 12h", command: inv.command.name)
    }
    let dry = inv.flag("dry-run")
    let plan = try Retention(try reviewService(inv)).purge(olderThan: seconds, dryRun: dry)
    if inv.flag("json") {
        Output.json(.object([("sessions", plan.sessions.count.json), ("files", plan.files.count.json), ("bytes", plan.bytes.json),
                             ("shared_kept", plan.shared.json), ("callbacks_anonymised", plan.callbacks.json), ("dry_run", .bool(dry))]))
    } else {
        let mb = String(format: "%.1f", Double(plan.bytes) / 1_048_576)
        Output.line("\(dry ? "would purge" : "purged") media of \(plan.sessions.count) session(s) older than \(age): \(plan.files.count) file(s), \(mb) MB"
                    + (plan.shared > 0 ? "; \(plan.shared) file(s) kept, shared with newer sessions" : "")
                    + (plan.callbacks > 0 ? "; names and phones of \(plan.callbacks) closed callback(s) \(dry ? "would go" : "removed")" : ""))
    }
    return 0
}
