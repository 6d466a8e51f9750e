import CLinux
import Glibc

/// A medium that did not hash to the SHA-256 it was stored under.
public struct MediaMismatch: Error, CustomStringConvertible, Sendable {
    public var expected, actual: String
    public init(expected: String, actual: String) { (self.expected, self.actual) = (expected, actual) }
    public var description: String { "media \(expected.prefix(12))… read back with SHA-256 \(actual.prefix(12))…: damaged in the store" }
}

/// A media file's place in the content-addressed store.
public struct StoredMedia: Equatable, Sendable {
    public var sha256: String
    public var size: Int64
}

public struct MediaStoreError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var errno: Int32
    public var description: String { "\(path): \(String(cString: strerror(errno)))" }
}

/// The workstation's own copy of every imported media file, named by SHA-256
/// (`media/ab/abcdef…`), so evidence outlives the spool it came from.
///
/// Files are written to `tmp/` and renamed into place, so a reader never sees a partial
/// file; `sync()` flushes them before the store commits the rows that point at them.
public final class MediaStore: @unchecked Sendable {
    public let root: String
    private let chunk = 1 << 20
    private var buffer: UnsafeMutableRawPointer
    /// Fan-out directories known to exist (saves a failing mkdir per file).
    private var madeDirectories = Set<Substring>()

    public init(root: String) throws(MediaStoreError) {
        self.root = root
        buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        try makeDirectories(root + "/tmp")
    }

    deinit { buffer.deallocate() }

    public func path(for sha256: String) -> String {
        root + "/" + sha256.prefix(2) + "/" + sha256
    }

    public func contains(_ sha256: String) -> Bool { access(path(for: sha256), F_OK) == 0 }

    /// Copies everything readable from `fd` into the store while hashing it.
    public func ingest(fd: Int32, name: String) throws(MediaStoreError) -> StoredMedia {
        let hasher = SHA256Hasher()
        let (tmp, out) = try makeTemp()
        var size: Int64 = 0
        while true {
            let n = read(fd, buffer, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(out); if !tmp.isEmpty { unlink(tmp) }
                throw MediaStoreError(path: name, errno: e)
            }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: n))
            try writeFully(out, buffer, n, tmp)
            size += Int64(n)
        }
        return try place(tmp, out, hasher.finalizeHex(), size)
    }

    /// Stores a file that arrives in pieces (a team store's chunks), hashing as it goes; it is
    /// placed only when its SHA-256 is `expected`, so the cache never holds a wrong copy.
    public func ingest(expected: String, _ produce: (_ write: ([UInt8]) throws -> Void) throws -> Void) throws -> StoredMedia {
        let hasher = SHA256Hasher()
        let (tmp, out) = try makeTemp()
        var size: Int64 = 0
        do {
            try produce { bytes in
                try bytes.withUnsafeBytes { p in
                    guard let base = p.baseAddress, p.count > 0 else { return }
                    hasher.update(p)
                    try self.writeFully(out, base, p.count, tmp)
                }
                size += Int64(bytes.count)
            }
        } catch {
            close(out); if !tmp.isEmpty { unlink(tmp) }
            throw error
        }
        let sha = hasher.finalizeHex()
        guard sha == expected else {
            close(out); if !tmp.isEmpty { unlink(tmp) }
            throw MediaMismatch(expected: expected, actual: sha)
        }
        return try place(tmp, out, sha, size)
    }

    /// Stores bytes already in memory.
    public func ingest(bytes: [UInt8]) throws(MediaStoreError) -> StoredMedia {
        let sha = SHA256Hasher.hex(bytes)
        let (tmp, out) = try makeTemp()
        var failure: MediaStoreError?
        bytes.withUnsafeBytes { p in
            guard let base = p.baseAddress, p.count > 0 else { return }
            do { try writeFully(out, base, p.count, tmp) } catch { failure = error as? MediaStoreError }
        }
        if let failure { throw failure }
        return try place(tmp, out, sha, Int64(bytes.count))
    }

    /// Flushes the file system holding the store (one `syncfs` for a whole batch of files).
    public func sync() throws(MediaStoreError) {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw MediaStoreError(path: root, errno: errno) }
        defer { close(fd) }
        if msr_syncfs(fd) != 0 { throw MediaStoreError(path: root, errno: errno) }
    }

    private func makeTemp() throws(MediaStoreError) -> (String, Int32) {
        let anonymous = msr_open_tmpfile(root + "/tmp", 0o444)
        if anonymous >= 0 { return ("", anonymous) }
        // Created read-only: the stored copy is evidence and is never written again once placed.
        while true {
            let name = root + "/tmp/ingest-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
            if fd >= 0 { return (name, fd) }
            if errno != EEXIST { throw MediaStoreError(path: root + "/tmp", errno: errno) }
        }
    }

    private func writeFully(_ fd: Int32, _ p: UnsafeRawPointer, _ count: Int, _ tmp: String) throws(MediaStoreError) {
        var done = 0
        while done < count {
            let n = write(fd, p + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd); if !tmp.isEmpty { unlink(tmp) }
                throw MediaStoreError(path: tmp.isEmpty ? root + "/tmp" : tmp, errno: e)
            }
            done += n
        }
    }

    /// Gives the written file its content name: `linkat` for an unnamed O_TMPFILE (an existing
    /// copy wins, same bytes), else `rename` of the named temporary file.
    private func place(_ tmp: String, _ fd: Int32, _ sha: String, _ size: Int64) throws(MediaStoreError) -> StoredMedia {
        let dest = path(for: sha)
        let fan = sha.prefix(2)
        if !madeDirectories.contains(fan) {
            do { try makeDirectories(root + "/" + fan) } catch { close(fd); if !tmp.isEmpty { unlink(tmp) }; throw error }
            madeDirectories.insert(fan)
        }
        if tmp.isEmpty {
            defer { close(fd) }
            if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, dest, AT_SYMLINK_FOLLOW) != 0 && errno != EEXIST {
                throw MediaStoreError(path: dest, errno: errno)
            }
            return StoredMedia(sha256: sha, size: size)
        }
        if close(fd) != 0 { let e = errno; unlink(tmp); throw MediaStoreError(path: tmp, errno: e) }
        // Renaming over an existing copy is harmless: same name, same bytes.
        if rename(tmp, dest) != 0 { let e = errno; unlink(tmp); throw MediaStoreError(path: dest, errno: e) }
        return StoredMedia(sha256: sha, size: size)
    }
}

/// `mkdir -p`.
public func makeDirectories(_ path: String) throws(MediaStoreError) {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST { throw MediaStoreError(path: current, errno: errno) }
    }
}
