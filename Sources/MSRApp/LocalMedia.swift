import Glibc
import MSRCore
import MSRMedia
import MSRStore

/// A medium the store does not hold (purged, or never stored).
public struct MediaUnavailable: Error, CustomStringConvertible, Sendable {
    public var sha256: String
    public var description: String { "media \(sha256.prefix(12))… is not in the store" }
}

/// The media of a store, as files on this machine. A SQLite store's media are the directory
/// beside it. A team store (PostgreSQL) holds them itself; each machine keeps a cache by SHA-256
/// (`$XDG_CACHE_HOME/msreview/media`), filled on first use and verified on fetch, size-capped
/// with least-recently-used eviction. After the first fetch, play, preview and the waveform need
/// no round trip.
public final class LocalMedia {
    public let store: Store
    let files: MediaStore
    public let capBytes: Int64
    /// Bytes in the cache, counted on the first fetch and kept up to date after it.
    private var cachedBytes: Int64?

    public init(store: Store, capBytes: Int64 = 4 << 30) throws {
        self.store = store
        self.capBytes = capBytes
        files = try MediaStore(root: store.mediaRoot)
    }

    /// The local file of a medium, fetched from the store first when it is not here yet.
    public func path(for sha256: String) throws -> String {
        let local = files.path(for: sha256)
        guard store.keepsMediaInDatabase else { return local }
        if access(local, F_OK) == 0 {
            utimensat(AT_FDCWD, local, nil, 0)  // most recently used
            return local
        }
        let stored = try files.ingest(expected: sha256) { write in
            if try store.forEachMediaChunk(sha256, write) == 0 { throw MediaUnavailable(sha256: sha256) }
        }
        try evict(adding: stored.size, keep: local)
        return local
    }

    /// Whether the store has lost a medium it recorded (a SQLite store's file is gone; a team
    /// store holds no chunk of it). Purged media are not "lost".
    public func isGone(_ sha256: String) throws -> Bool {
        store.keepsMediaInDatabase ? try store.mediaChunkCount(sha256) == 0 : access(files.path(for: sha256), F_OK) != 0
    }

    /// Fetches every stored medium of a session that is not here yet; returns how many were fetched.
    @discardableResult
    public func fetch(_ detail: SessionDetail) throws -> Int {
        guard store.keepsMediaInDatabase, detail.mediaPurgedAt == nil else { return 0 }
        var fetched = 0
        for sha in Set(detail.recordings.compactMap(\.sha256) + detail.photos.compactMap(\.sha256)).sorted() {
            if access(files.path(for: sha), F_OK) != 0 {
                // One lost or damaged medium does not keep the others from this machine
                // (what cannot be fetched is said where it is used; verify lists it).
                do { _ = try path(for: sha); fetched += 1 } catch is MediaUnavailable { continue } catch is MediaMismatch { continue }
            }
        }
        return fetched
    }

    /// Deletes the least recently used files until the cache is under 90 % of its cap.
    func evict(adding bytes: Int64, keep: String) throws {
        if cachedBytes == nil { cachedBytes = cacheFiles().reduce(0) { $0 + $1.size } } else { cachedBytes! += bytes }
        guard cachedBytes! > capBytes else { return }
        for f in cacheFiles().sorted(by: { $0.used < $1.used }) where f.path != keep {
            guard cachedBytes! > capBytes * 9 / 10 else { break }
            if unlink(f.path) == 0 { cachedBytes! -= f.size }
        }
    }

    func cacheFiles() -> [(path: String, size: Int64, used: Int)] {
        var out: [(String, Int64, Int)] = []
        for fan in directoryEntries(files.root) ?? [] where fan.count == 2 {
            for name in directoryEntries(files.root + "/" + fan) ?? [] {
                let p = files.root + "/" + fan + "/" + name
                var st = stat()
                if stat(p, &st) == 0 { out.append((p, Int64(st.st_size), st.st_mtim.tv_sec)) }
            }
        }
        return out
    }
}
