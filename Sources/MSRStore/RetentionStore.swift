import MSRCore

/// Media of sessions past retention, and what was done about them.
public struct RetentionPlan: Equatable, Sendable {
    /// Sessions that started before the cutoff and still have their media.
    public var sessions: [String]
    /// Files to delete: used only by those sessions (a file a newer session shares is kept).
    public var files: [(sha256: String, size: Int64)]
    /// Files of those sessions kept because a session within retention uses them too.
    public var shared: Int
    /// Callbacks closed long enough ago whose customer's name and phone go (`callback_retention_days`).
    public var callbacks = 0

    public static func == (a: RetentionPlan, b: RetentionPlan) -> Bool {
        a.sessions == b.sessions && a.shared == b.shared && a.files.map(\.sha256) == b.files.map(\.sha256) && a.callbacks == b.callbacks
    }

    public var bytes: Int64 { files.reduce(0) { $0 + $1.size } }
}

extension Store {
    /// Media of the sessions whose start compares to the (two) bound cutoffs by `op`.
    static func mediaOfSessions(started op: String) -> String {
        """
        SELECT r.sha256 FROM recordings r JOIN sessions s ON s.id = r.session_id WHERE r.sha256 IS NOT NULL AND s.started_ms \(op) ?
        UNION SELECT p.sha256 FROM photos p JOIN sessions s ON s.id = p.session_id WHERE p.sha256 IS NOT NULL AND s.started_ms \(op) ?
        """
    }

    /// What purging media of sessions started before `cutoffMillis` would delete.
    public func retentionPlan(cutoffMillis: Int64) throws -> RetentionPlan {
        let old = Store.mediaOfSessions(started: "<")
        let recent = Store.mediaOfSessions(started: ">=")
        let c = SQLValue.integer(cutoffMillis)
        let sessions = try db.query("SELECT id FROM sessions WHERE started_ms < ? AND purged_at IS NULL ORDER BY started_ms, id", [c]) { $0.text(0) ?? "" }
        let files = try db.query("""
            SELECT m.sha256, m.size FROM media m
            WHERE m.purged_at IS NULL AND m.sha256 IN (\(old)) AND m.sha256 NOT IN (\(recent)) ORDER BY m.sha256
            """, [c, c, c, c]) { ($0.text(0) ?? "", $0.int(1) ?? 0) }
        let shared = Int(try db.scalar("""
            SELECT count(*) FROM media m WHERE m.purged_at IS NULL AND m.sha256 IN (\(old)) AND m.sha256 IN (\(recent))
            """, [c, c, c, c])?.int ?? 0)
        return RetentionPlan(sessions: sessions, files: files, shared: shared)
    }

    /// Records a purge whose files are gone: the rows stay, marked. Call inside a write transaction.
    public func markPurged(_ plan: RetentionPlan, at: Timestamp) throws {
        for f in plan.files {
            try db.execute("UPDATE media SET purged_at = ? WHERE sha256 = ?", [.text(at.description), .text(f.sha256)])
            if keepsMediaInDatabase { try db.execute("DELETE FROM media_chunks WHERE sha256 = ?", [.text(f.sha256)]) }
        }
        for s in plan.sessions {
            try db.execute("UPDATE sessions SET purged_at = ? WHERE id = ?", [.text(at.description), .text(s)])
        }
    }
}
