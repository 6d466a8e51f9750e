import Glibc
import MSRCore
import MSRMedia
import MSRStore

/// What `verify` found wrong with a stored medium.
public struct MediaProblem: Sendable {
    public enum Kind: String, Sendable { case missing, changed }
    public var kind: Kind
    public var sha256: String
    /// SHA-256 of what is there now (changed only).
    public var actual: String?
    /// The sessions and files that use it.
    public var uses: [(session: String, file: String)]

    public var json: JSON {
        .object([("problem", .string(kind.rawValue)), ("sha256", .string(sha256)), ("actual_sha256", actual.json),
                 ("uses", .array(uses.map { .object([("session_id", .string($0.session)), ("file", .string($0.file))]) }))])
    }
}

/// Stored evidence stays verifiable: every medium is hashed again against the SHA-256 recorded at
/// import — the file of a SQLite store, the chunks of a team store (whose local cache copies
/// are checked too, and a wrong one removed, so it is fetched again).
public enum MediaVerifier {
    public static func verify(_ store: Store, session: String? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> (checked: Int, problems: [MediaProblem]) {
        let refs = try store.mediaReferences(session: session)
        var bySHA: [String: [MediaReference]] = [:]
        var order: [String] = []
        for r in refs {
            if bySHA[r.sha256] == nil { order.append(r.sha256) }
            bySHA[r.sha256, default: []].append(r)
        }
        let files = try MediaStore(root: store.mediaRoot)
        var problems: [MediaProblem] = []
        for (i, sha) in order.enumerated() {
            progress?(i + 1, order.count)
            let uses = bySHA[sha]!.map { (session: $0.sessionID, file: $0.file) }
            let hasher = SHA256Hasher()
            var found = true
            if store.keepsMediaInDatabase {
                found = try store.forEachMediaChunk(sha) { hasher.update($0) } > 0
                // A cache copy that is not what it is named after goes; the next use fetches it again.
                let cached = files.path(for: sha)
                if access(cached, F_OK) == 0, hashFile(cached) != sha { unlink(cached) }
            } else {
                let path = files.path(for: sha)
                if access(path, F_OK) != 0 { found = false } else {
                    do { try forEachChunk(of: path, chunkBytes: 1 << 20) { _, b in hasher.update(b) } } catch { found = false }
                }
            }
            if !found {
                problems.append(MediaProblem(kind: .missing, sha256: sha, actual: nil, uses: uses))
                continue
            }
            let actual = hasher.finalizeHex()
            if actual != sha { problems.append(MediaProblem(kind: .changed, sha256: sha, actual: actual, uses: uses)) }
        }
        return (order.count, problems)
    }

    /// SHA-256 of a team store's chunks of a medium (nil when it has none).
    static func hashChunks(_ store: Store, _ sha: String) throws -> String? {
        let h = SHA256Hasher()
        return try store.forEachMediaChunk(sha) { h.update($0) } > 0 ? h.finalizeHex() : nil
    }

    static func hashFile(_ path: String) -> String? {
        let h = SHA256Hasher()
        do { try forEachChunk(of: path, chunkBytes: 1 << 20) { _, b in h.update(b) } } catch { return nil }
        return h.finalizeHex()
    }
}
