import MSRCore

extension Store {
    /// Adds played seconds (a bitmap, one bit per second from the session's start) to what the
    /// reviewer has heard of the session; the union survives restarts. Returns the new total.
    @discardableResult
    public func addListening(session: String, reviewer: String, bitmap: [UInt8], at: Timestamp) throws -> Int {
        try write {
            var merged = try listening(session: session, reviewer: reviewer)
            if merged.count < bitmap.count { merged += [UInt8](repeating: 0, count: bitmap.count - merged.count) }
            for (i, b) in bitmap.enumerated() { merged[i] |= b }
            let heard = merged.reduce(0) { $0 + $1.nonzeroBitCount }
            try db.execute("""
                INSERT INTO listening (session_id, reviewer, seconds, heard, updated_ms) VALUES (?,?,?,?,?)
                ON CONFLICT (session_id, reviewer) DO UPDATE SET seconds = excluded.seconds, heard = excluded.heard, updated_ms = excluded.updated_ms
                """, [.text(session), .text(reviewer), .blob(merged), .integer(Int64(heard)), .integer(at.utcMillis)])
            return heard
        }
    }

    /// The bitmap of seconds the reviewer has played (empty when none).
    public func listening(session: String, reviewer: String) throws -> [UInt8] {
        try db.scalar("SELECT seconds FROM listening WHERE session_id = ? AND reviewer = ?", [.text(session), .text(reviewer)])?.blob ?? []
    }

    /// Seconds of audio a session has (sum of readable recordings, rounded up).
    public func audioSeconds(session: String) throws -> Int {
        Int(try db.scalar("SELECT coalesce(sum((duration_ms + 999) / 1000), 0) FROM recordings WHERE session_id = ? AND duration_ms IS NOT NULL",
                          [.text(session)])?.int ?? 0)
    }
}
