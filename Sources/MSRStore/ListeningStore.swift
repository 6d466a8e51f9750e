import MSRCore

extension Store {
    /// Adds what the reviewer played of a session (spans of each recording's own time) to what
    /// they had heard before; the union survives restarts. Returns the milliseconds heard in all,
    /// each recording counted no longer than it lasts.
    @discardableResult
    public func addListening(session: String, reviewer: String, _ played: Coverage, at: Timestamp) throws -> Int64 {
        try write {
            var merged = try listening(session: session, reviewer: reviewer)
            merged.formUnion(played)
            let heard = merged.heardMillis(lengths: try recordingLengths(session: session))
            try db.execute("""
                INSERT INTO listening (session_id, reviewer, seconds, heard, spans, heard_ms, updated_ms) VALUES (?,?,?,?,?,?,?)
                ON CONFLICT (session_id, reviewer) DO UPDATE SET spans = excluded.spans, heard = excluded.heard,
                  heard_ms = excluded.heard_ms, updated_ms = excluded.updated_ms
                """, [.text(session), .text(reviewer), .blob([]), .integer((heard + 999) / 1000), .text(merged.json.serialized()),
                      .integer(heard), .integer(at.utcMillis)])
            return heard
        }
    }

    /// What the reviewer has played of a session (empty when nothing).
    public func listening(session: String, reviewer: String) throws -> Coverage {
        guard let text = try db.scalar("SELECT spans FROM listening WHERE session_id = ? AND reviewer = ?", [.text(session), .text(reviewer)])?.string,
              let json = try? JSON.parse(text), let c = Coverage(json: json) else { return Coverage() }
        return c
    }

    /// Milliseconds of its audio the reviewer has played.
    public func heardMillis(session: String, reviewer: String) throws -> Int64 {
        try db.scalar("SELECT heard_ms FROM listening WHERE session_id = ? AND reviewer = ?", [.text(session), .text(reviewer)])?.int ?? 0
    }

    /// Milliseconds of audio a session has (its readable recordings).
    public func audioMillis(session: String) throws -> Int64 {
        try db.scalar("SELECT coalesce(sum(duration_ms), 0) FROM recordings WHERE session_id = ? AND duration_ms IS NOT NULL",
                      [.text(session)])?.int ?? 0
    }

    /// Each readable recording's length, by its file in the bundle.
    func recordingLengths(session: String) throws -> [String: Int64] {
        Dictionary(try db.query("SELECT file, duration_ms FROM recordings WHERE session_id = ? AND duration_ms IS NOT NULL", [.text(session)]) {
            ($0.text(0) ?? "", $0.int(1) ?? 0)
        }, uniquingKeysWith: max)
    }

    /// Migration 12: the whole seconds of the session clock kept before become spans of each
    /// recording (as exact as those seconds were; see `Coverage(sessionSeconds:)`).
    func convertListening() throws {
        let rows = try db.query("SELECT l.session_id, l.reviewer, l.seconds, s.started_ms FROM listening l JOIN sessions s ON s.id = l.session_id") {
            ($0.text(0) ?? "", $0.text(1) ?? "", $0[2].blob ?? [], $0.int(3) ?? 0)
        }
        for (session, reviewer, bitmap, origin) in rows {
            let recordings = try db.query("SELECT file, started_ms, duration_ms FROM recordings WHERE session_id = ? AND duration_ms IS NOT NULL",
                                          [.text(session)]) { (file: $0.text(0) ?? "", startMillis: $0.int(1) ?? 0, lengthMillis: $0.int(2) ?? 0) }
            let c = Coverage(sessionSeconds: bitmap, origin: origin, recordings: recordings)
            try db.execute("UPDATE listening SET spans = ?, heard_ms = ? WHERE session_id = ? AND reviewer = ?",
                           [.text(c.json.serialized()), .integer(c.heardMillis()), .text(session), .text(reviewer)])
        }
    }
}
