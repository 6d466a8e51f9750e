import Glibc
import MSRCore

/// Why a file of a bundle could not be opened.
public enum BundleFileError: Error, Equatable, CustomStringConvertible, Sendable {
    case missing(String)
    case escapes(String, reason: String)
    case notRegular(String)
    case tooLarge(String, size: Int64, limit: Int64)
    case io(String, errno: Int32)

    public var description: String {
        switch self {
        case let .missing(p): return "\(p): no such file in the bundle"
        case let .escapes(p, reason): return "\(p): \(reason)"
        case let .notRegular(p): return "\(p): not a regular file"
        case let .tooLarge(p, size, limit): return "\(p): \(size) bytes, over the limit of \(limit)"
        case let .io(p, e): return "\(p): \(String(cString: strerror(e)))"
        }
    }
}

/// A bundle directory on disk, from which files are read without ever leaving it.
///
/// Each path component is opened with `O_NOFOLLOW` beneath the bundle's own descriptor,
/// so `..`, absolute paths and symlinks that point out cannot reach anything else. A
/// symlink whose target stays inside the bundle is followed (the format allows it).
public final class BundleDirectory {
    public let path: String
    private let fd: Int32

    public init(path: String) throws(BundleFileError) {
        self.path = path
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .io(path, errno: errno) }
    }

    /// The bundle's canonical path, needed only to judge where a symlink leads.
    private var realRoot: String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    deinit { close(fd) }

    /// Opens a regular file of the bundle for reading. The caller closes the descriptor.
    public func openFile(_ relative: String, maxBytes: Int64) throws(BundleFileError) -> (fd: Int32, size: Int64) {
        if let problem = BundlePath.problem(relative) { throw .escapes(relative, reason: problem) }
        var dir = dup(fd)
        if dir < 0 { throw .io(relative, errno: errno) }
        let parts = relative.split(separator: "/").map(String.init)
        for (i, part) in parts.enumerated() {
            let last = i == parts.count - 1
            let flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY)
            let next = openat(dir, part, flags)
            let err = errno
            close(dir)
            if next < 0 {
                if err == ENOENT { throw .missing(relative) }
                if err == ELOOP || err == ENOTDIR {
                    // A symlink (or a file where a directory was expected): follow it only if it stays inside.
                    return try openThroughLink(relative, maxBytes: maxBytes)
                }
                throw .io(relative, errno: err)
            }
            dir = next
        }
        return try checkRegular(dir, relative, maxBytes: maxBytes)
    }

    private func checkRegular(_ fd: Int32, _ relative: String, maxBytes: Int64) throws(BundleFileError) -> (fd: Int32, size: Int64) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw .io(relative, errno: e) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { close(fd); throw .notRegular(relative) }
        let size = Int64(st.st_size)
        guard size <= maxBytes else { close(fd); throw .tooLarge(relative, size: size, limit: maxBytes) }
        // Clear O_NONBLOCK now that we know it is a regular file (it only guarded FIFOs).
        _ = fcntl(fd, F_SETFL, 0)
        return (fd, size)
    }

    private func openThroughLink(_ relative: String, maxBytes: Int64) throws(BundleFileError) -> (fd: Int32, size: Int64) {
        let full = path + "/" + relative
        guard let r = realpath(full, nil) else {
            if errno == ENOENT { throw .escapes(relative, reason: "symbolic link \"\(relative)\" points to nothing inside the bundle") }
            throw .io(relative, errno: errno)
        }
        let resolved = String(cString: r)
        free(r)
        guard let realRoot, resolved.hasPrefix(realRoot + "/") else {
            throw .escapes(relative, reason: "\"\(relative)\" resolves through a symbolic link outside the bundle")
        }
        let inner = String(resolved.dropFirst(realRoot.count + 1))
        if inner == relative { throw .notRegular(relative) }
        return try openFile(inner, maxBytes: maxBytes)
    }

    /// Reads a whole small file of the bundle (the manifest, a photo).
    public func readFile(_ relative: String, maxBytes: Int64) throws(BundleFileError) -> [UInt8] {
        let (f, size) = try openFile(relative, maxBytes: maxBytes)
        defer { close(f) }
        return try readAll(f, size: size, name: relative)
    }

    /// Names of the entries directly in a directory of the bundle ("" for the top).
    public func list(_ relative: String = "") -> [String] {
        directoryEntries(relative.isEmpty ? path : path + "/" + relative) ?? []
    }

    /// Every regular file below the bundle, as relative paths (for the unnamed-files warning).
    public func allFiles() -> [String] {
        var out: [String] = []
        func walk(_ rel: String, depth: Int) {
            guard depth < 16 else { return }
            for name in list(rel) {
                let child = rel.isEmpty ? name : rel + "/" + name
                var st = stat()
                guard lstat(path + "/" + child, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR { walk(child, depth: depth + 1) } else { out.append(child) }
            }
        }
        walk("", depth: 0)
        return out
    }
}

/// Reads exactly `size` bytes (or to end of file, if it shrank) from a descriptor.
public func readAll(_ fd: Int32, size: Int64, name: String) throws(BundleFileError) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: Int(size))
    var got = 0
    while got < out.count {
        let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, $0.count - got) }
        if n < 0 { if errno == EINTR { continue }; throw .io(name, errno: errno) }
        if n == 0 { break }
        got += n
    }
    if got < out.count { out.removeLast(out.count - got) }
    return out
}

/// The names in a directory, sorted, without `.` and `..`; nil when it cannot be read (errno set).
public func directoryEntries(_ path: String) -> [String]? {
    guard let d = opendir(path) else { return nil }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafePointer(to: e.pointee.d_name) { p in
            p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}
