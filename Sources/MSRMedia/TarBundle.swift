import CArchive
import Glibc
import MSRCore

private let fileTypeRegular: UInt32 = 0o100000
private let fileTypeDirectory: UInt32 = 0o040000
private let fileTypeSymlink: UInt32 = 0o120000

public struct TarError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// Set when writing into our own directory failed (a full disk, say): not the archive's fault.
    public var localErrno: Int32? = nil
    public var description: String { message }

    /// An unpacking error: ours when our storage failed (no space, I/O, read-only, out of file
    /// handles or memory), else the archive's (a name too long, an invalid name, …).
    static func unpacking(_ shown: String, _ e: Int32) -> TarError {
        let ours: Set<Int32> = [ENOSPC, EDQUOT, EIO, EROFS, EMFILE, ENFILE, ENOMEM]
        return TarError(message: "cannot unpack \"\(shown)\": " + String(cString: strerror(e)), localErrno: ours.contains(e) ? e : nil)
    }
}

/// Unpacks a tar bundle (`.tar`, `.tar.gz`, `.tgz`) with libarchive into a directory of ours.
///
/// Nothing is written outside `destination`: member names are checked before anything is
/// created, only directories and regular files are accepted (links, devices and FIFOs
/// refuse the bundle), files are created with `O_EXCL | O_NOFOLLOW`, and sizes are capped.
/// Only the members a caller keeps (the manifest and the files it names) are written: the rest
/// are checked, counted against the caps and skipped, so an unlisted file costs no disk.
public enum TarBundle {
    public static let maxMembers = 10_000
    /// All members together (six hours of 48 kHz stereo WAV is 4 GiB; real bundles are MiBs).
    public static let maxTotalBytes: Int64 = 2 << 30
    /// One member.
    public static let maxMemberBytes: Int64 = 1 << 30
    /// What a file system holds: a name component, and a whole path.
    public static let maxNameBytes = Int(NAME_MAX)
    public static let maxPathBytes = Int(PATH_MAX) - 256

    /// What `readFile` found: the archive's top directory, and the file's size (nil when the
    /// archive does not hold it) and bytes (nil when over the bound asked for).
    public struct FoundFile: Sendable {
        public var top: String
        public var size: Int64?
        public var bytes: [UInt8]?

        init(top: String) { self.top = top }
    }

    /// What `extract` wrote and what it skipped.
    public struct Unpacked: Sendable {
        /// The single top-level directory.
        public var top: String
        /// Files inside the top directory that were not kept (paths relative to it), in archive order.
        public var skipped: [String]
    }

    /// Reads one file of the top directory (`relative` to it, e.g. `session.json`) without
    /// writing anything, stopping at it. Every member before it is checked as `extract` checks
    /// it; an archive without it is read to its end.
    public static func readFile(_ relative: String, archive path: String, maxBytes: Int) throws(TarError) -> FoundFile {
        var found: FoundFile?
        try walk(archive: path) { (a, m) throws(TarError) -> Bool in
            if found == nil { found = FoundFile(top: m.top) }
            guard !m.isDirectory, m.inside == relative else { return true }
            found?.size = m.size
            guard m.size <= Int64(maxBytes) else { return false }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(m.size))
            try readData(a, m) { chunk in bytes.append(contentsOf: chunk) }
            found?.bytes = bytes
            return false
        }
        guard let found else { throw TarError(message: "tar archive is empty") }
        return found
    }

    /// Unpacks the members `keep` accepts (paths relative to the top directory) into
    /// `destination`; directories are always made. Returns the top directory's name.
    public static func extract(archive path: String, into destination: String,
                               keep: (String) -> Bool = { _ in true }) throws(TarError) -> Unpacked {
        var top: String?
        var skipped: [String] = []
        try walk(archive: path) { (a, m) throws(TarError) -> Bool in
            top = m.top
            let target = destination + "/" + m.name
            if target.utf8.count > maxPathBytes {
                throw TarError(message: "tar member \"\(m.shown)…\" has a path over \(maxPathBytes) bytes")
            }
            if m.isDirectory {
                do throws(MediaStoreError) { try makeDirectories(target) } catch { throw TarError.unpacking(m.shown, error.errno) }
                return true
            }
            guard keep(m.inside) else {
                skipped.append(m.inside)
                return true
            }
            do throws(MediaStoreError) {
                try makeDirectories(destination + "/" + m.parts.dropLast().joined(separator: "/"))
            } catch {
                throw TarError.unpacking(m.shown, error.errno)
            }
            let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd < 0 {
                if errno == EEXIST { throw TarError(message: "tar member \"\(m.shown)\" appears twice") }
                throw TarError.unpacking(m.shown, errno)
            }
            defer { close(fd) }
            try readData(a, m) { (chunk: UnsafeRawBufferPointer) throws(TarError) in
                var done = 0
                while done < chunk.count {
                    let w = Glibc.write(fd, chunk.baseAddress! + done, chunk.count - done)
                    if w < 0 {
                        if errno == EINTR { continue }
                        throw TarError.unpacking(m.shown, errno)
                    }
                    done += w
                }
            }
            return true
        }
        guard let top else { throw TarError(message: "tar archive is empty") }
        return Unpacked(top: top, skipped: skipped)
    }

    /// One checked member: a plain relative name under the single top directory.
    private struct Member {
        var name: String
        var parts: [Substring]
        var shown: String
        var isDirectory: Bool
        var size: Int64
        var top: String { String(parts[0]) }
        /// The name inside the top directory ("" for the top directory itself).
        var inside: String { parts.dropFirst().joined(separator: "/") }
    }

    /// Reads the archive's headers in order, checking each member (name, kind, the single top
    /// directory, member count, sizes), and hands each to `body` until it returns false. A member
    /// whose data `body` does not read is skipped by libarchive.
    private static func walk(archive path: String, _ body: (OpaquePointer, Member) throws(TarError) -> Bool) throws(TarError) {
        guard let a = archive_read_new() else { throw TarError(message: "libarchive: out of memory") }
        defer { archive_read_free(a) }
        archive_read_support_filter_gzip(a)
        archive_read_support_format_tar(a)
        guard archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK else {
            throw TarError(message: "not a readable tar archive: " + errorString(a))
        }
        var top: String?
        var members = 0
        var total: Int64 = 0
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(a, &entry)
            if r == ARCHIVE_EOF { return }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry else {
                throw TarError(message: "corrupt tar archive: " + errorString(a))
            }
            members += 1
            if members > maxMembers { throw TarError(message: "tar archive has more than \(maxMembers) members") }
            guard let rawName = archive_entry_pathname(entry) else { throw TarError(message: "tar member without a name") }
            var name = String(cString: rawName)
            let shown = String(name.prefix(200))
            while name.hasPrefix("./") { name.removeFirst(2) }
            while name.hasSuffix("/") { name.removeLast() }
            if name.isEmpty || name == "." { continue }
            if name.hasPrefix("/") { throw TarError(message: "tar member \"\(shown)\" has an absolute path and escapes the bundle") }
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            if parts.contains(where: { $0.utf8.count > maxNameBytes }) {
                throw TarError(message: "tar member \"\(shown)…\" has a name component over \(maxNameBytes) bytes")
            }
            if name.utf8.count > maxPathBytes {
                throw TarError(message: "tar member \"\(shown)…\" has a path over \(maxPathBytes) bytes")
            }
            if parts.contains("..") { throw TarError(message: "tar member \"\(shown)\" escapes the bundle (.. segment)") }
            if parts.contains(where: { $0.isEmpty || $0 == "." }) {
                throw TarError(message: "tar member \"\(shown)\" is not in plain form")
            }
            let type = archive_entry_filetype(entry)
            let isDir = type == fileTypeDirectory
            if archive_entry_hardlink(entry) != nil || type == fileTypeSymlink {
                throw TarError(message: "tar member \"\(shown)\" is a link; bundles hold only regular files and directories")
            }
            guard isDir || type == fileTypeRegular else {
                throw TarError(message: "tar member \"\(shown)\" is not a regular file or directory")
            }
            let first = String(parts[0])
            if let top, top != first {
                throw TarError(message: "tar archive holds more than one top directory (\"\(top)\" and \"\(first)\")")
            }
            top = first
            if !isDir && parts.count == 1 {
                throw TarError(message: "tar member \"\(shown)\" is a file outside the bundle's top directory")
            }
            var size: Int64 = 0
            if !isDir {
                size = max(archive_entry_size(entry), 0)
                if size > maxMemberBytes { throw TarError(message: "tar member \"\(shown)\" is over the \(maxMemberBytes >> 30) GiB a member may hold") }
                if total + size > maxTotalBytes { throw TarError(message: "tar archive unpacks to more than \(maxTotalBytes >> 30) GiB") }
            }
            let member = Member(name: name, parts: parts, shown: shown, isDirectory: isDir, size: size)
            total += size
            if try !body(a, member) { return }
        }
    }

    /// Reads the current member's data in chunks, never more than its header declared.
    private static func readData(_ a: OpaquePointer, _ m: Member, _ sink: (UnsafeRawBufferPointer) throws(TarError) -> Void) throws(TarError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var read: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress, $0.count) }
            if n == 0 { return }
            if n < 0 { throw TarError(message: "corrupt data in tar member \"\(m.shown)\": " + errorString(a)) }
            read += Int64(n)
            if read > m.size { throw TarError(message: "tar member \"\(m.shown)\" is larger than its header says") }
            let failure: TarError? = buffer.withUnsafeBytes { p in
                do throws(TarError) { try sink(UnsafeRawBufferPointer(rebasing: p[0..<n])); return nil } catch { return error }
            }
            if let failure { throw failure }
        }
    }

    /// Whether a file name is a tar bundle by its ending.
    public static func isTarName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".tar") || lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz")
    }

    private static func errorString(_ a: OpaquePointer) -> String {
        if let s = archive_error_string(a) { return String(cString: s) }
        return "unknown error"
    }

    /// Writes a tar (or tar.gz) of `files` (path inside archive → bytes). Used by the sample
    /// generator and by tests, which also need hostile archives (absolute names, links).
    public static func write(to path: String, gzip: Bool, entries: [TarEntry]) throws(TarError) {
        guard let a = archive_write_new() else { throw TarError(message: "libarchive: out of memory") }
        defer { archive_write_free(a) }
        archive_write_set_format_pax_restricted(a)
        if gzip { archive_write_add_filter_gzip(a) }
        guard archive_write_open_filename(a, path) == ARCHIVE_OK else { throw TarError(message: errorString(a)) }
        for e in entries {
            guard let entry = archive_entry_new() else { throw TarError(message: "libarchive: out of memory") }
            defer { archive_entry_free(entry) }
            archive_entry_set_pathname(entry, e.name)
            archive_entry_set_mtime(entry, 1_763_600_000, 0)
            switch e.kind {
            case .file:
                archive_entry_set_filetype(entry, fileTypeRegular)
                archive_entry_set_perm(entry, 0o644)
                archive_entry_set_size(entry, Int64(e.data.count))
            case .directory:
                archive_entry_set_filetype(entry, fileTypeDirectory)
                archive_entry_set_perm(entry, 0o755)
            case let .symlink(target):
                archive_entry_set_filetype(entry, fileTypeSymlink)
                archive_entry_set_perm(entry, 0o777)
                archive_entry_set_symlink(entry, target)
            case let .hardlink(target):
                archive_entry_set_filetype(entry, fileTypeRegular)
                archive_entry_set_hardlink(entry, target)
            }
            guard archive_write_header(a, entry) == ARCHIVE_OK else { throw TarError(message: errorString(a)) }
            if case .file = e.kind, !e.data.isEmpty {
                let n = e.data.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
                guard n == e.data.count else { throw TarError(message: errorString(a)) }
            }
        }
        guard archive_write_close(a) == ARCHIVE_OK else { throw TarError(message: errorString(a)) }
    }
}

public struct TarEntry: Sendable {
    public enum Kind: Sendable { case file, directory, symlink(String), hardlink(String) }
    public var name: String
    public var kind: Kind
    public var data: [UInt8]

    public init(name: String, kind: Kind = .file, data: [UInt8] = []) {
        self.name = name
        self.kind = kind
        self.data = data
    }
}

/// `rm -rf` for our own temporary directories (never follows symlinks).
public func removeTree(_ path: String) {
    var st = stat()
    guard lstat(path, &st) == 0 else { return }
    if (st.st_mode & S_IFMT) == S_IFDIR {
        for n in directoryEntries(path) ?? [] { removeTree(path + "/" + n) }
        rmdir(path)
    } else {
        unlink(path)
    }
}
