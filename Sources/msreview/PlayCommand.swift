import Foundation
import Glibc
import MSRApp
import MSRAudio
import MSRCore
import MSRStore
import MSRTerminal
import MSRWorkstation

let playCommand = Command(
    words: ["play"], summary: "Play a session's recordings in the terminal (no workstation needed).",
    usage: "play SESSION [--from HH:MM:SS|mm:ss] [--speed X] [--volume V] [--device NAME]",
    details: """
    The recordings play on the session's clock, gaps skipped. Keys (the workstation's player
    keys, remapped by the same config lines): \(KeyTable.standard.bindings.filter { $0.context == .player && ![.nextMarker, .previousMarker].contains($0.command) }.map { $0.keys.map(KeyTable.name).joined(separator: " ") + " " + $0.help }.joined(separator: ", ")), q quit. When standard input is not a
    terminal it plays to the end and exits 0. The seconds heard are added to your listening
    coverage (--reviewer / $MSREVIEW_REVIEWER / OS user). The device is --device, else
    $MSREVIEW_AUDIO_DEVICE, else audio_device in the config, else "default".
    """,
    options: [
        OptionSpec(name: "from", value: "TIME", help: "start at HH:MM:SS (session clock) or mm:ss (into the audio)"),
        OptionSpec(name: "speed", value: "X", help: "0.75 to 2 (default 1)"),
        OptionSpec(name: "volume", value: "V", help: "0 to 1 (default 1)"),
        OptionSpec(name: "device", value: "NAME", help: "ALSA device, e.g. default, plughw:0, or file:FILE=out.wav,FORMAT=wav"),
        OptionSpec(name: "stats", value: nil, help: "(not on a terminal) print timing as JSON on stderr: first frame, seeks, speed × real time"),
    ],
    positionals: 1...1
) { inv in
    let store = try openStore(inv)
    let keys = try keyTable(inv, try loadConfig(inv))
    let session = inv.positionals[0]
    let timeline = try SessionAudio.timeline(store: store, session: session)
    let start = Timestamp(utcMillis: timeline.originMillis, offsetSeconds: (try store.session(session)).flatMap { Timestamp(rfc3339: $0.summary.startedAt)?.offsetSeconds } ?? 0)
    var from = timeline.startMillis ?? 0
    if let f = inv.value("from") {
        guard let ms = SessionAudio.moment(f, timeline: timeline, sessionStart: start) else {
            throw UsageError(message: "--from takes HH:MM:SS (session clock) or mm:ss (into the audio), not \"\(f)\"", command: inv.command.name)
        }
        from = ms
    }
    let speed = Double(inv.value("speed") ?? "1") ?? -1
    guard Player.speeds.contains(speed) else { throw UsageError(message: "--speed takes 0.75 to 2", command: inv.command.name) }
    let volume = Double(inv.value("volume") ?? "1") ?? -1
    guard (0...1).contains(volume) else { throw UsageError(message: "--volume takes 0 to 1", command: inv.command.name) }
    let device = AudioDevice.resolve(flag: inv.value("device"), environment: inv.environment, config: try loadConfig(inv))
    let reviewer = try actorName(inv, store)

    let sink = ALSASink(device: device)
    // Open the device up front so a missing sound card is one clear line, not a silent player.
    do { try sink.open(sampleRate: timeline.tracks[0].sampleRate, channels: timeline.tracks[0].channels) } catch {
        throw CommandError(message: "\(error) — no sound here; choose a device with --device (e.g. plughw:0)")
    }
    // Someone at a terminal listens in real time, even on the null and file PCMs.
    let player = Player(timeline: timeline, sink: sink, realTime: isatty(0) == 1)
    player.speed = speed
    player.volume = volume
    let started = DispatchTime.now()
    player.play(from: from)
    func saveCoverage() {
        _ = try? store.addListening(session: session, reviewer: reviewer, player.coverage, at: Timestamp.now())
    }
    defer {
        player.stop()
        saveCoverage()
    }
    guard isatty(0) == 1 else {
        var seeks: [Double] = []
        if inv.flag("stats") {
            // Seek latency: from the call to the first frame of the new place reaching the device.
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<10 {
                guard let lo = timeline.startMillis, let hi = timeline.endMillis, hi - lo > 2000 else { break }
                let target = Int64.random(in: lo...(hi - 1000), using: &rng)
                let before = player.framesWritten
                let t0 = DispatchTime.now()
                player.seek(to: target)
                while player.framesWritten == before || player.positionMillis < target, !player.isFinished, player.error == nil { usleep(50) }
                seeks.append(Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6)
            }
            player.seek(to: from)
        }
        player.waitUntilFinished(timeout: .infinity)
        if let e = player.error { throw CommandError(message: "\(e)") }
        if inv.flag("stats") {
            let wall = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            let first = player.firstWriteTime.map { Double($0.uptimeNanoseconds - started.uptimeNanoseconds) / 1e6 } ?? -1
            let audio = Double(timeline.tracks.reduce(0) { $0 + $1.frames * 1000 / Int64($1.sampleRate) }) / 1000
            seeks.sort()
            writeStderr(JSON.object([
                ("first_frame_ms", .number(first)), ("wall_s", .number(wall)), ("audio_s", .number(audio)),
                ("x_realtime", .number(audio / max(wall, 1e-9))),
                ("seek_ms_median", seeks.isEmpty ? .null : .number(seeks[seeks.count / 2])),
                ("seek_ms_max", seeks.last.map(JSON.number) ?? .null),
            ]).serialized() + "\n")
        }
        return 0
    }
    let terminal = RawTerminal()
    defer { terminal.restore() }
    var lastSave = Date()
    while true {
        let p = player.positionMillis
        let clock = Timestamp(utcMillis: p, offsetSeconds: start.offsetSeconds).local.timeString
        let state = player.isFinished ? "■" : player.isPaused ? "Ⅱ" : "▶"
        writeStderr("\r\u{1B}[K\(state) \(clock)  ×\(String(format: "%.2f", player.speed))  vol \(Int(player.volume * 100))%  [space ←/→ [ ] < > q]")
        if let e = player.error { writeStderr("\r\n"); throw CommandError(message: "\(e)") }
        if Date().timeIntervalSince(lastSave) > 5 { saveCoverage(); lastSave = Date() }
        guard let raw = terminal.readKey(timeoutMillis: 200) else { continue }
        let key: Key = raw == "left" ? .left : raw == "right" ? .right : .char(raw.first ?? " ")
        // The workstation's player keys, from the same table (remaps included); q quits.
        if raw == "\u{3}" || keys.command(for: key, in: [.queue]) == .quit { writeStderr("\r\n"); return 0 }
        switch keys.command(for: key, in: [.player]) {
        case .play: if player.isFinished { player.play(from: timeline.startMillis) } else { player.togglePause() }
        case .back5: player.seek(by: -5000)
        case .forward5: player.seek(by: 5000)
        case .back30: player.seek(by: -30000)
        case .forward30: player.seek(by: 30000)
        case .slower: player.speed = max(Player.speeds.lowerBound, player.speed - 0.25)
        case .faster: player.speed = min(Player.speeds.upperBound, player.speed + 0.25)
        case .volumeUp: player.volume += 0.1
        case .volumeDown: player.volume -= 0.1
        default: break
        }
    }
}

/// Standard input in raw mode for single-key control; restored on every exit path.
final class RawTerminal {
    private var saved = termios()
    private var active = false

    init() {
        guard tcgetattr(0, &saved) == 0 else { return }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        raw.c_cc.6 = 1  // VMIN
        raw.c_cc.5 = 0  // VTIME
        active = tcsetattr(0, TCSANOW, &raw) == 0
    }

    func restore() {
        if active { tcsetattr(0, TCSANOW, &saved) }
        active = false
    }

    deinit { restore() }

    /// One key ("left", "right", or the character), or nil after the timeout.
    func readKey(timeoutMillis: Int32) -> String? {
        var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&fds, 1, timeoutMillis) > 0 else { return nil }
        var buf = [UInt8](repeating: 0, count: 8)
        let n = read(0, &buf, 8)
        guard n > 0 else { return "q" }
        if n >= 3, buf[0] == 0x1B, buf[1] == UInt8(ascii: "[") {
            switch buf[2] {
            case UInt8(ascii: "D"): return "left"
            case UInt8(ascii: "C"): return "right"
            default: return nil
            }
        }
        return String(decoding: buf[0..<n], as: UTF8.self)
    }
}
