/// The media themselves, in a team store (PostgreSQL): content-addressed chunks, written in the
/// same transaction as the rows of the session that brings them. A SQLite store keeps its media
/// as files beside it instead, and none of this is used.
extension Store {
    public static let mediaChunkBytes = 1 << 20

    /// PostgreSQL stores hold the media; each machine keeps a local cache of them.
    public var keepsMediaInDatabase: Bool { isPostgres }

    /// How many chunks of a medium the store holds (0: none).
    public func mediaChunkCount(_ sha256: String) throws(StoreError) -> Int {
        Int(try db.scalar("SELECT count(*) FROM media_chunks WHERE sha256 = ?", [.text(sha256)])?.int ?? 0)
    }

    public func putMediaChunk(_ sha256: String, index: Int, bytes: [UInt8]) throws(StoreError) {
        try db.execute("INSERT INTO media_chunks (sha256, idx, bytes) VALUES (?, ?, ?) ON CONFLICT (sha256, idx) DO NOTHING",
                       [.text(sha256), .integer(Int64(index)), .blob(bytes)])
    }

    public func deleteMediaChunks(_ sha256: String) throws(StoreError) {
        try db.execute("DELETE FROM media_chunks WHERE sha256 = ?", [.text(sha256)])
    }

    /// Streams a medium's chunks in order, one round trip each (never the whole file in memory).
    /// Returns how many chunks there were.
    @discardableResult
    public func forEachMediaChunk(_ sha256: String, _ body: ([UInt8]) throws -> Void) throws -> Int {
        var i = 0
        while let chunk = try db.scalar("SELECT bytes FROM media_chunks WHERE sha256 = ? AND idx = ?", [.text(sha256), .integer(Int64(i))])?.blob {
            try body(chunk)
            i += 1
        }
        return i
    }
}

/// A stored medium and where sessions use it.
public struct MediaReference: Sendable {
    public var sha256: String
    public var size: Int64
    public var sessionID: String
    public var file: String
}

extension Store {
    /// Every use of a stored (not purged) medium by a recording or photo; one session's when given.
    public func mediaReferences(session: String? = nil) throws -> [MediaReference] {
        let only = session == nil ? "" : " AND x.session_id = ?"
        let p: [SQLValue] = session.map { [.text($0), .text($0)] } ?? []
        return try db.query("""
            SELECT m.sha256, m.size, x.session_id, x.file FROM media m JOIN recordings x ON x.sha256 = m.sha256 WHERE m.purged_at IS NULL\(only)
            UNION ALL
            SELECT m.sha256, m.size, x.session_id, x.file FROM media m JOIN photos x ON x.sha256 = m.sha256 WHERE m.purged_at IS NULL\(only)
            ORDER BY 1, 3, 4
            """, p) { MediaReference(sha256: $0.text(0) ?? "", size: $0.int(1) ?? 0, sessionID: $0.text(2) ?? "", file: $0.text(3) ?? "") }
    }
}
