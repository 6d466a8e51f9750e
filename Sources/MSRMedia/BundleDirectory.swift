import CLinux
import Glibc
import MSRCore

/// Why a file of a bundle could not be opened.
public enum BundleFileError: Error, Equatable, CustomStringConvertible, Sendable {
    case missing(String)
    case escapes(String, reason: String)
    case notRegular(String)
    /// A symbolic link that stays inside the bundle: not followed (one leading out is `escapes`).
    case symlink(String)
    case tooLarge(String, size: Int64, limit: Int64)
    case io(String, errno: Int32)

    public var description: String {
        switch self {
        case let .missing(p): return "\(p): no such file in the bundle"
        case let .escapes(p, reason): return "\(p): \(reason)"
        case let .notRegular(p): return "\(p): not a regular file"
        case let .symlink(p): return "\(p): a symbolic link; links in bundles are not followed"
        case let .tooLarge(p, size, limit): return "\(p): \(size) bytes, over the limit of \(limit)"
        case let .io(p, e): return "\(p): \(String(cString: strerror(e)))"
        }
    }
}

/// A bundle directory on disk, from which files are read without ever leaving it.
///
/// Every file is opened beneath the bundle's own descriptor with `openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS)` (on kernels without it, a walk opening each component with
/// `O_NOFOLLOW`): `..`, absolute paths and symbolic links are never followed. A link that would
/// lead out of the bundle rejects it (`escapes`); one that stays inside is reported (`symlink`).
/// Only regular files, within a size limit, are returned.
public final class BundleDirectory {
    public let path: String
    private let fd: Int32
    /// false: always walk (the path taken on kernels without openat2; for tests).
    private let kernelResolve: Bool

    public init(path: String, kernelResolve: Bool = true) throws(BundleFileError) {
        self.path = path
        self.kernelResolve = kernelResolve
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .io(path, errno: errno) }
    }

    deinit { close(fd) }

    /// Opens a regular file of the bundle for reading. The caller closes the descriptor.
    public func openFile(_ relative: String, maxBytes: Int64) throws(BundleFileError) -> (fd: Int32, size: Int64) {
        if let problem = BundlePath.problem(relative) { throw .escapes(relative, reason: problem) }
        // O_NONBLOCK: opening a FIFO must not hang; it is cleared once the file proves regular.
        var f = kernelResolve ? msr_open_beneath(fd, relative, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1
        var err = kernelResolve ? errno : ENOSYS
        if f < 0 && err == ENOSYS { (f, err) = walk(relative) }
        guard f >= 0 else {
            switch err {
            case ENOENT, ENOTDIR: throw .missing(relative)
            case ELOOP: throw linkProblem(relative)
            case EXDEV: throw .escapes(relative, reason: "\"\(relative)\" leads outside the bundle")
            default: throw .io(relative, errno: err)
            }
        }
        return try checkRegular(f, relative, maxBytes: maxBytes)
    }

    /// The same as openat2 beneath, one component at a time with O_NOFOLLOW.
    private func walk(_ relative: String) -> (Int32, Int32) {
        var dir = dup(fd)
        if dir < 0 { return (-1, errno) }
        let parts = relative.split(separator: "/").map(String.init)
        for (i, part) in parts.enumerated() {
            let last = i == parts.count - 1
            let next = openat(dir, part, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY))
            let err = errno
            close(dir)
            if next < 0 { return (-1, err == ENOTDIR && !last ? ELOOP : err) }
            dir = next
        }
        return (dir, 0)
    }

    /// A link on the way: where would it lead? Outside (or nowhere) rejects the bundle.
    private func linkProblem(_ relative: String) -> BundleFileError {
        guard let r = realpath(path + "/" + relative, nil) else {
            return .escapes(relative, reason: "symbolic link \"\(relative)\" points to nothing inside the bundle")
        }
        let resolved = String(cString: r)
        free(r)
        guard let root = realpath(path, nil) else { return .io(relative, errno: errno) }
        defer { free(root) }
        guard resolved.hasPrefix(String(cString: root) + "/") else {
            return .escapes(relative, reason: "\"\(relative)\" resolves through a symbolic link outside the bundle")
        }
        return .symlink(relative)
    }

    private func checkRegular(_ fd: Int32, _ relative: String, maxBytes: Int64) throws(BundleFileError) -> (fd: Int32, size: Int64) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw .io(relative, errno: e) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { close(fd); throw .notRegular(relative) }
        let size = Int64(st.st_size)
        guard size <= maxBytes else { close(fd); throw .tooLarge(relative, size: size, limit: maxBytes) }
        _ = fcntl(fd, F_SETFL, 0)
        return (fd, size)
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
