import Glibc
import MSRCore
import MSRMedia
import MSRStore

/// Retention (`msreview purge`): media files of sessions older than the retention period are
/// deleted from the media directory. Hashes, findings, answers, reviews and scores stay, and so
/// do the stored envelopes and perceptual hashes, so exports, scorecards, audits and anti-fraud
/// re-checks keep working; only listening and looking at the photos end.
public struct Retention {
    public let service: ReviewService
    var store: Store { service.store }

    public init(_ service: ReviewService) { self.service = service }

    /// The longest retention a purge takes: 100 years (anything longer purges nothing anyway).
    public static let maxSeconds: Int64 = 36_525 * 86_400

    /// Reads `180d`, `26w` or `12h` as seconds: 1 hour to 100 years, else nil.
    public static func seconds(_ text: String) -> Int64? {
        guard let unit = text.last, text.count <= 12, let n = Int64(text.dropLast()), n > 0 else { return nil }
        let per: Int64
        switch unit {
        case "d": per = 86_400
        case "w": per = 7 * 86_400
        case "h": per = 3_600
        default: return nil
        }
        let (seconds, overflow) = n.multipliedReportingOverflow(by: per)
        return overflow || seconds > maxSeconds ? nil : seconds
    }

    /// Plans (and unless `dryRun`, carries out) a purge of media older than `seconds`. Lead only.
    /// Files go first, then the rows are marked: a crash in between leaves files already gone
    /// that the next purge marks.
    public func purge(olderThan seconds: Int64, dryRun: Bool) throws -> RetentionPlan {
        try service.requireLead("purge media")
        let t = service.now()
        var plan = try store.retentionPlan(cutoffMillis: t.utcMillis - seconds * 1000)
        let callbackCutoff = t.utcMillis - Int64(service.config["callback_retention_days"] * 86_400_000)
        guard !dryRun else {
            plan.callbacks = try store.purgeCallbackPersonalData(closedBefore: callbackCutoff, at: t, dryRun: true)
            return plan
        }
        let media = store.mediaRoot
        for f in plan.files {
            let path = media + "/" + f.sha256.prefix(2) + "/" + f.sha256
            if unlink(path) != 0 && errno != ENOENT { throw FileError(path: path, errno: errno) }
        }
        try store.write {
            try store.markPurged(plan, at: t)
            plan.callbacks = try store.purgeCallbackPersonalData(closedBefore: callbackCutoff, at: t, dryRun: false)
            try store.audit(actor: service.actor, action: "purge", sessionID: nil, reviewID: nil, reason: nil,
                            detail: .object([("older_than_seconds", seconds.json), ("sessions", plan.sessions.count.json),
                                             ("files", plan.files.count.json), ("bytes", plan.bytes.json), ("shared_kept", plan.shared.json),
                                             ("callbacks_anonymised", plan.callbacks.json)]), at: t)
        }
        return plan
    }
}
