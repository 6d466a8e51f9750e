import Glibc
import MSRCore

/// What decoding a recording gives the import: its header facts and its 100 ms envelope.
public struct AudioProbe: Equatable, Sendable {
    /// What the file decodes to: `frames` counts the frames actually decoded, not the header's.
    public var info: AudioInfo
    /// nil when the header reads but the samples do not decode through.
    public var envelope: [UInt16]?
    /// The frames the header claims (a crafted or truncated file's differ from the decoded ones).
    public var headerFrames: Int64 = 0
    /// Why decoding stopped before the end, when it did.
    public var decodeError: String? = nil

    public init(info: AudioInfo, envelope: [UInt16]?, headerFrames: Int64 = 0, decodeError: String? = nil) {
        (self.info, self.envelope, self.headerFrames, self.decodeError) = (info, envelope, headerFrames, decodeError)
    }

    /// The file does not decode to the end its header names (more than 100 ms short), or failed on the way.
    public var isShort: Bool {
        decodeError != nil || (info.sampleRate > 0 && headerFrames - info.frames > Int64(info.sampleRate / 10))
    }
}

/// Runs the C decoders (libsndfile, libjpeg-turbo, libexif) on media from bundles.
public protocol MediaProber: AnyObject {
    func audio(path: String) throws(AudioError) -> AudioProbe
    func photo(path: String) throws(PhotoError) -> PhotoInfo
}

/// Decodes in this process (tests, and files already vetted).
public final class InProcessProber: MediaProber {
    public init() {}

    public func audio(path: String) throws(AudioError) -> AudioProbe { try AudioFile.measure(path: path) }

    public func photo(path: String) throws(PhotoError) -> PhotoInfo {
        let bytes: [UInt8]
        do { bytes = try readFile(path, maxBytes: PhotoFile.maxBytes) } catch { throw PhotoError(message: "cannot read it: \(error)") }
        return try PhotoFile.inspect(bytes)
    }
}

/// Limits of the decoder child process.
public struct ProbeLimits: Sendable {
    /// Address space of the child (RLIMIT_AS).
    public var memoryBytes: UInt64 = 2 << 30
    /// CPU seconds the child may use in all (RLIMIT_CPU); it is restarted when they run out.
    public var cpuSeconds: UInt64 = 600
    /// Wall-clock seconds one file may take before the child is killed.
    public var secondsPerFile: Int32 = 60

    public init() {}
}

/// Decodes in a child process (`msreview probe-server`) with CPU, memory and wall-clock limits,
/// so a decoder that crashes or hangs on a crafted file costs that file (`file-unreadable`), never
/// the import. The child is started on first use and again after it dies.
public final class IsolatedProber: MediaProber {
    let executable: String
    let limits: ProbeLimits
    var pid: pid_t = 0
    var channel: Int32 = -1
    var pending: [UInt8] = []
    var receiveBuffer = [UInt8](repeating: 0, count: 1 << 16)

    public init(executable: String, limits: ProbeLimits = ProbeLimits()) {
        self.executable = executable
        self.limits = limits
    }

    deinit { stop() }

    public func audio(path: String) throws(AudioError) -> AudioProbe {
        let reply: JSON
        do { reply = try ask("audio", path) } catch { throw AudioError(message: error.message) }
        guard reply["ok"] == .bool(true) else { throw AudioError(message: reply["error"]?.stringValue ?? "the decoder failed") }
        let info = AudioInfo(frames: Int64(reply["frames"]?.numberValue ?? 0), sampleRate: Int(reply["rate"]?.numberValue ?? 0),
                             channels: Int(reply["channels"]?.numberValue ?? 0), container: reply["container"]?.stringValue ?? "",
                             encoding: reply["encoding"]?.stringValue ?? "")
        return AudioProbe(info: info, envelope: reply["envelope"]?.stringValue.flatMap(ProbeServer.decodeEnvelope),
                          headerFrames: Int64(exactly: (reply["header_frames"]?.numberValue ?? 0).rounded()) ?? 0,
                          decodeError: reply["decode_error"]?.stringValue)
    }

    public func photo(path: String) throws(PhotoError) -> PhotoInfo {
        let reply: JSON
        do { reply = try ask("photo", path) } catch { throw PhotoError(message: error.message) }
        guard reply["ok"] == .bool(true) else { throw PhotoError(message: reply["error"]?.stringValue ?? "the decoder failed") }
        var info = PhotoInfo(width: Int(reply["width"]?.numberValue ?? 0), height: Int(reply["height"]?.numberValue ?? 0),
                             exifDateTime: reply["exif"]?.stringValue.flatMap { CivilTime(exif: $0) },
                             exifOffsetSeconds: reply["offset"]?.numberValue.map { Int($0) })
        if let o = reply["orientation"]?.numberValue { info.orientation = Int(o) }
        if let hex = reply["thumbnail"]?.stringValue, let pixels = ProbeServer.decodeHex(hex) {
            info.thumbnail = PhotoThumbnail(pixels: pixels)
        }
        info.damage = reply["damage"]?.stringValue
        return info
    }

    struct Failure: Error { var message: String }

    func ask(_ kind: String, _ path: String) throws(Failure) -> JSON {
        guard !path.utf8.contains(where: { $0 == 10 || $0 == 9 }) else { throw Failure(message: "unusable file name") }
        if pid == 0 { try start() }
        let line = Array((kind + "\t" + path + "\n").utf8)
        var sent = 0
        while sent < line.count {
            let n = line.withUnsafeBytes { send(channel, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; throw died() }
            sent += n
        }
        // Wait for one reply line, at most secondsPerFile.
        let deadline = monotonicMillis() + Int64(limits.secondsPerFile) * 1000
        while true {
            if let nl = pending.firstIndex(of: 10) {
                let reply = Array(pending[..<nl])
                pending.removeFirst(nl + 1)
                guard let json = try? JSON.parse(reply) else { stop(); throw Failure(message: "the decoder answered nonsense") }
                return json
            }
            let left = deadline - monotonicMillis()
            if left <= 0 {
                stop()
                throw Failure(message: "the decoder took longer than \(limits.secondsPerFile) s and was stopped")
            }
            var p = pollfd(fd: channel, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(min(left, 1000)))
            if r < 0 { if errno == EINTR { continue }; throw died() }
            if r == 0 { continue }
            let n = receiveBuffer.withUnsafeMutableBytes { recv(channel, $0.baseAddress, $0.count, 0) }
            if n < 0 { if errno == EINTR { continue }; throw died() }
            if n == 0 { throw died() }
            pending += receiveBuffer[0..<n]
        }
    }

    /// The child is gone: reap it and say how it ended.
    func died() -> Failure {
        var status: Int32 = 0
        let child = pid
        if channel >= 0 { close(channel); channel = -1 }
        pid = 0
        pending = []
        guard child > 0, waitpid(child, &status, 0) == child else { return Failure(message: "the decoder process failed") }
        let signal = status & 0x7f
        if signal == SIGXCPU { return Failure(message: "the decoder ran out of CPU time and was stopped") }
        if signal != 0 { return Failure(message: "the decoder crashed (signal \(signal))") }
        return Failure(message: "the decoder exited (status \((status >> 8) & 0xff))")
    }

    func start() throws(Failure) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw Failure(message: "cannot start the decoder: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let args = [executable, "probe-server", String(limits.memoryBytes), String(limits.cpuSeconds)]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        // The child's environment: ours, without Swift's crash backtracer (a crash should end the
        // child at once, not spend seconds symbolicating).
        var env: [UnsafeMutablePointer<CChar>?] = []
        var e = environ
        while let entry = e.pointee {
            if !String(cString: entry).hasPrefix("SWIFT_BACKTRACE=") { env.append(strdup(entry)) }
            e += 1
        }
        env += [strdup("SWIFT_BACKTRACE=enable=no"), nil]
        defer { for x in env { free(x) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, nil, &argv, &env)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw Failure(message: "cannot start the decoder \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        channel = fds[0]
    }

    func stop() {
        if pid > 0 {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            pid = 0
        }
        if channel >= 0 { close(channel); channel = -1 }
        pending = []
    }
}

func monotonicMillis() -> Int64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
}

/// The child side: limits itself, then answers one JSON line per request line until its input ends.
public enum ProbeServer {
    public static func serve(memoryBytes: UInt64, cpuSeconds: UInt64) -> Int32 {
        func limit(_ resource: Int32, _ value: UInt64) {
            var l = rlimit(rlim_cur: rlim_t(value), rlim_max: rlim_t(value))
            setrlimit(__rlimit_resource_t(UInt32(resource)), &l)
        }
        limit(Int32(RLIMIT_AS.rawValue), memoryBytes)
        limit(Int32(RLIMIT_CPU.rawValue), cpuSeconds)
        limit(Int32(RLIMIT_FSIZE.rawValue), 0)  // a decoder has no business writing files
        limit(Int32(RLIMIT_CORE.rawValue), 0)
        let test = getenv("MSREVIEW_PROBE_TEST").map { String(cString: $0) }
        var input: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            guard let nl = input.firstIndex(of: 10) else {
                let n = buf.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return 0 }
                input += buf[0..<n]
                continue
            }
            let line = String(decoding: input[..<nl], as: UTF8.self)
            input.removeFirst(nl + 1)
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { reply(.object([("ok", false), ("error", "bad request")])); continue }
            // Test hook (docs/reliability.md): make this child crash or hang on a named file.
            if let test, test == "crash:" + lastPathComponent(parts[1]) { raise(SIGSEGV) }
            if let test, test == "hang:" + lastPathComponent(parts[1]) { while true { pause() } }
            reply(parts[0] == "audio" ? audio(parts[1]) : photo(parts[1]))
        }
    }

    static func lastPathComponent(_ p: String) -> String { p.split(separator: "/").last.map(String.init) ?? p }

    static func reply(_ j: JSON) {
        let bytes = Array((j.serialized() + "\n").utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + done, $0.count - done) }
            if n < 0 { if errno == EINTR { continue }; exit(1) }
            done += n
        }
    }

    static func audio(_ path: String) -> JSON {
        do {
            let probe = try AudioFile.measure(path: path)
            let (info, envelope) = (probe.info, probe.envelope)
            return .object([("ok", true), ("frames", .number(Double(info.frames))), ("rate", info.sampleRate.json),
                            ("channels", info.channels.json), ("container", .string(info.container)), ("encoding", .string(info.encoding)),
                            ("envelope", envelope.map { .string(encodeEnvelope($0)) } ?? .null),
                            ("header_frames", .number(Double(probe.headerFrames))), ("decode_error", probe.decodeError.json)])
        } catch {
            return .object([("ok", false), ("error", .string(error.message))])
        }
    }

    static func photo(_ path: String) -> JSON {
        do {
            let info = try InProcessProber().photo(path: path)
            var exif = JSON.null, offset = JSON.null, thumbnail = JSON.null, damage = JSON.null
            if let t = info.exifDateTime { exif = .string(t.dateString + " " + t.timeString) }
            if let o = info.exifOffsetSeconds { offset = o.json }
            if let t = info.thumbnail { thumbnail = .string(hexString(t.pixels)) }
            if let d = info.damage { damage = .string(d) }
            return .object([("ok", true), ("width", info.width.json), ("height", info.height.json), ("exif", exif), ("offset", offset),
                            ("orientation", info.orientation.json), ("thumbnail", thumbnail), ("damage", damage)])
        } catch {
            return .object([("ok", false), ("error", .string(error.message))])
        }
    }

    /// Four hex digits per value, most significant first.
    static func encodeEnvelope(_ values: [UInt16]) -> String {
        hexString(values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
    }

    static func decodeEnvelope(_ s: String) -> [UInt16]? {
        guard let bytes = decodeHex(s), bytes.count % 2 == 0 else { return nil }
        var out: [UInt16] = []
        out.reserveCapacity(bytes.count / 2)
        var i = 0
        while i < bytes.count {
            let high = UInt16(bytes[i]), low = UInt16(bytes[i + 1])
            out.append(high << 8 | low)
            i += 2
        }
        return out
    }

    /// Lowercase hex (as `hexString` writes it) back to bytes; nil for anything else.
    static func decodeHex(_ s: String) -> [UInt8]? {
        let digits = Array(s.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            var v: UInt8 = 0
            for b in digits[i..<i + 2] {
                let d: UInt8
                switch b {
                case 48...57: d = b - 48
                case 97...102: d = b - 87
                default: return nil
                }
                v = v << 4 | d
            }
            out.append(v)
            i += 2
        }
        return out
    }
}
