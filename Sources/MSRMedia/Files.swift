import Glibc

/// Writes a whole file (creating or truncating it).
public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileError(path: path, errno: errno, writing: true) }
    defer { close(fd) }
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
        if n < 0 { if errno == EINTR { continue }; throw FileError(path: path, errno: errno, writing: true) }
        done += n
    }
}

/// Reads a whole file (refused, EFBIG, when larger than `maxBytes`).
public func readFile(_ path: String, maxBytes: Int64 = .max) throws(FileError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileError(path: path, errno: errno) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw FileError(path: path, errno: errno) }
    guard Int64(st.st_size) <= maxBytes else { throw FileError(path: path, errno: EFBIG) }
    var out: [UInt8] = []
    out.reserveCapacity(Int(st.st_size))
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; throw FileError(path: path, errno: errno) }
        if n == 0 { break }
        out.append(contentsOf: buf[0..<n])
        if Int64(out.count) > maxBytes { throw FileError(path: path, errno: EFBIG) }
    }
    return out
}

/// Reads a file in pieces of `chunkBytes` (the last may be shorter), in order.
public func forEachChunk(of path: String, chunkBytes: Int, _ body: (_ index: Int, _ bytes: [UInt8]) throws -> Void) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileError(path: path, errno: errno) }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: chunkBytes)
    var index = 0
    while true {
        var filled = 0
        while filled < chunkBytes {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, chunkBytes - filled) }
            if n < 0 { if errno == EINTR { continue }; throw FileError(path: path, errno: errno) }
            if n == 0 { break }
            filled += n
        }
        if filled == 0 { return }
        try body(index, filled == chunkBytes ? buf : Array(buf[0..<filled]))
        index += 1
        if filled < chunkBytes { return }
    }
}

/// Writes `path` whole or not at all: `body` writes to a temporary file beside it, which is
/// renamed over `path` only when `body` returns; on error nothing is left behind. `durable`
/// syncs the file before the rename (an export); reports of many pages that can be written again
/// skip it.
public func withAtomicFile<T>(_ path: String, durable: Bool = true, _ body: (Int32) throws -> T) throws -> T {
    // Only a regular file is replaced: never a device (/dev/full), a FIFO, a socket, a
    // directory or a symbolic link, which the rename would swap for a file of ours.
    var st = stat()
    if lstat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
        throw NotARegularFile(path: path, kind: fileKind(st.st_mode))
    }
    let temporary = path + ".partial-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileError(path: path, errno: errno, writing: true) }
    do {
        let result = try body(fd)
        guard !durable || fsync(fd) == 0 else { throw FileError(path: path, errno: errno, writing: true) }
        guard close(fd) == 0 else { let e = errno; unlink(temporary); throw FileError(path: path, errno: e, writing: true) }
        guard rename(temporary, path) == 0 else { let e = errno; unlink(temporary); throw FileError(path: path, errno: e, writing: true) }
        return result
    } catch {
        close(fd)
        unlink(temporary)
        throw error
    }
}

/// Writes a whole file atomically (see `withAtomicFile`).
public func writeFileAtomically(_ path: String, _ bytes: [UInt8], durable: Bool = true) throws {
    try withAtomicFile(path, durable: durable) { fd in
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 { if errno == EINTR { continue }; throw FileError(path: path, errno: errno, writing: true) }
            done += n
        }
    }
}

public struct FileError: Error, CustomStringConvertible {
    public var path: String
    public var errno: Int32
    public var writing = false

    public init(path: String, errno: Int32, writing: Bool = false) { (self.path, self.errno, self.writing) = (path, errno, writing) }

    public var description: String { (writing ? "cannot write " : "") + "\(path): \(String(cString: strerror(errno)))" }
}

/// An output path that names something other than a regular file (or nothing).
public struct NotARegularFile: Error, CustomStringConvertible {
    public var path: String
    public var kind: String
    public var description: String { "\(path) is \(kind), not a regular file: give a new name or a regular file to replace" }
}

func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFLNK: return "a symbolic link"
    case S_IFDIR: return "a directory"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFIFO: return "a FIFO"
    case S_IFSOCK: return "a socket"
    default: return "not a regular file"
    }
}
