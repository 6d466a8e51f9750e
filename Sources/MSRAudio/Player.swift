import CRubberBand
import CSndFile
import Foundation
import MSRCore

/// Plays a session's recordings: a decoder thread (libsndfile, Rubber Band for speed) fills a
/// short queue of chunks; an output thread writes them to the sink. Every control call only
/// changes shared state under one lock — the threads act on it — so no C handle is ever
/// touched by two threads.
public final class Player: @unchecked Sendable {
    public let timeline: Timeline
    let sink: AudioSink

    struct Chunk {
        var generation: Int
        var samples: [Float]
        var frames: Int
        var rate: Int
        var channels: Int
        var sourceStart: Int64
        var sourceEnd: Int64
        var endOfStream = false
        /// The timeline's track the samples come from.
        var track = 0
    }

    private let state = NSCondition()
    private var queue: [Chunk] = []
    private let queueLimit = 12
    private var generation = 0
    private var seekTarget: Int64?
    private var paused = true
    private var stopping = false
    private var discardPending = false
    private var started = false
    private var finishedFlag = false
    private var position: Int64
    private var coverageStore = Coverage()
    private var failure: AudioDeviceError?
    private var speedValue = 1.0
    private var volumeValue = 1.0
    private var framesWrittenTotal = 0
    private var firstWrite: DispatchTime?
    private var threads: [Thread] = []
    private var running = 0
    /// Keep real time even when the sink does not (ALSA's `null` and `file` PCMs): what a person
    /// listening needs. Off, an unpaced sink takes the audio as fast as it decodes (tests, benchmarks).
    public let realTime: Bool

    public static let speeds: ClosedRange<Double> = 0.75...2.0

    public init(timeline: Timeline, sink: AudioSink, realTime: Bool = false) {
        self.timeline = timeline
        self.sink = sink
        self.realTime = realTime && !sink.pacesItself
        position = timeline.startMillis ?? 0
    }

    deinit { stop() }

    // MARK: Control (any thread)

    /// Starts (or restarts) playing from a session-clock moment (default: where it is).
    public func play(from ms: Int64? = nil) {
        state.lock()
        let target = ms ?? position
        restartLocked(at: target)
        paused = false
        let needThreads = !started
        started = true
        state.broadcast()
        state.unlock()
        if needThreads { startThreads() }
    }

    public func pause() {
        state.lock()
        if !paused {
            paused = true
            // What the device still holds is dropped; resume restarts exactly at the position.
            restartLocked(at: position)
        }
        state.broadcast()
        state.unlock()
    }

    public func resume() {
        state.lock()
        paused = false
        state.broadcast()
        state.unlock()
    }

    public func togglePause() { isPaused ? resume() : pause() }

    public func seek(to ms: Int64) {
        state.lock()
        let lo = timeline.startMillis ?? 0, hi = timeline.endMillis ?? 0
        restartLocked(at: min(max(ms, lo), hi))
        state.broadcast()
        state.unlock()
    }

    public func seek(by deltaMillis: Int64) { seek(to: positionMillis + deltaMillis) }

    /// Playback speed, 0.75× to 2×, pitch preserved.
    public var speed: Double {
        get { state.lock(); defer { state.unlock() }; return speedValue }
        set {
            state.lock()
            speedValue = min(max(newValue, Player.speeds.lowerBound), Player.speeds.upperBound)
            restartLocked(at: position)
            state.broadcast()
            state.unlock()
        }
    }

    /// 0 (mute) to 1.
    public var volume: Double {
        get { state.lock(); defer { state.unlock() }; return volumeValue }
        set { state.lock(); volumeValue = min(max(newValue, 0), 1); state.unlock() }
    }

    private func restartLocked(at ms: Int64) {
        generation += 1
        seekTarget = ms
        queue.removeAll()
        discardPending = true
        finishedFlag = false
        position = ms
    }

    // MARK: State (any thread)

    /// The moment being heard, on the session clock.
    public var positionMillis: Int64 { state.lock(); defer { state.unlock() }; return position }
    public var isPaused: Bool { state.lock(); defer { state.unlock() }; return paused }
    public var isFinished: Bool { state.lock(); defer { state.unlock() }; return finishedFlag }
    public var error: AudioDeviceError? { state.lock(); defer { state.unlock() }; return failure }
    public var coverage: Coverage { state.lock(); defer { state.unlock() }; return coverageStore }
    public var framesWritten: Int { state.lock(); defer { state.unlock() }; return framesWrittenTotal }
    /// When the first frame reached the sink (for the latency benchmark).
    public var firstWriteTime: DispatchTime? { state.lock(); defer { state.unlock() }; return firstWrite }

    /// Waits until playback reaches the end (or fails, or is stopped); false on timeout.
    @discardableResult
    public func waitUntilFinished(timeout: TimeInterval) -> Bool {
        let deadline = timeout.isFinite ? Date().addingTimeInterval(timeout) : nil
        state.lock()
        defer { state.unlock() }
        while !finishedFlag && failure == nil && !stopping {
            if let deadline {
                if !state.wait(until: deadline) { return false }
            } else {
                state.wait()
            }
        }
        return true
    }

    /// Stops both threads and closes the device.
    public func stop() {
        state.lock()
        stopping = true
        state.broadcast()
        while running > 0 { state.wait() }
        state.unlock()
        sink.close()
    }

    // MARK: Threads

    private func startThreads() {
        state.lock()
        running = 2
        state.unlock()
        let decoder = Thread { [unowned self] in self.decodeLoop(); self.threadEnded() }
        let output = Thread { [unowned self] in self.outputLoop(); self.threadEnded() }
        decoder.name = "msreview-decoder"
        output.name = "msreview-output"
        threads = [decoder, output]
        decoder.start()
        output.start()
    }

    private func threadEnded() {
        state.lock()
        running -= 1
        state.broadcast()
        state.unlock()
    }

    private func decodeLoop() {
        let decoder = Decoder(timeline: timeline)
        var myGeneration = -1
        var atEnd = false
        while true {
            state.lock()
            while !stopping && seekTarget == nil && (queue.count >= queueLimit || atEnd) { state.wait() }
            if stopping { state.unlock(); break }
            if let target = seekTarget {
                seekTarget = nil
                myGeneration = generation
                decoder.seek(to: target, speed: speedValue)
                atEnd = false
            }
            let gen = myGeneration
            state.unlock()

            var chunk = decoder.next()
            chunk.generation = gen
            if chunk.endOfStream { atEnd = true }
            state.lock()
            if gen == generation { queue.append(chunk); state.broadcast() }
            state.unlock()
        }
    }

    private func outputLoop() {
        var scratch: [Float] = []
        while true {
            state.lock()
            while !stopping && (queue.isEmpty || paused) && !(discardPending) { state.wait() }
            if stopping { state.unlock(); break }
            if discardPending {
                discardPending = false
                state.unlock()
                sink.discard()
                continue
            }
            let chunk = queue.removeFirst()
            let current = generation
            let vol = Float(volumeValue)
            let speed = speedValue
            state.broadcast()
            state.unlock()
            guard chunk.generation == current else { continue }

            if chunk.endOfStream {
                sink.drain()
                state.lock()
                if chunk.generation == generation {
                    finishedFlag = true
                    position = timeline.endMillis ?? position
                }
                state.broadcast()
                state.unlock()
                continue
            }
            do {
                try sink.open(sampleRate: chunk.rate, channels: chunk.channels)
                if vol == 1 {
                    try chunk.samples.withUnsafeBufferPointer { try sink.write($0, frames: chunk.frames) }
                } else {
                    scratch = chunk.samples.map { $0 * vol }
                    try scratch.withUnsafeBufferPointer { try sink.write($0, frames: chunk.frames) }
                }
            } catch {
                state.lock()
                failure = (error as? AudioDeviceError) ?? AudioDeviceError(device: "", message: "\(error)")
                finishedFlag = true
                state.broadcast()
                state.unlock()
                return
            }
            let delayMillis = Int64(Double(sink.delayFrames) * 1000 / Double(chunk.rate) * speed)
            state.lock()
            if firstWrite == nil { firstWrite = DispatchTime.now() }
            framesWrittenTotal += chunk.frames
            if chunk.generation == generation {
                if !chunk.endOfStream, timeline.tracks.indices.contains(chunk.track) {
                    let t = timeline.tracks[chunk.track]
                    coverageStore.add(recording: t.recording, from: chunk.sourceStart - t.startMillis, to: chunk.sourceEnd - t.startMillis)
                }
                position = max(chunk.sourceStart, chunk.sourceEnd - delayMillis)
            }
            if realTime {
                // As long as the chunk lasts at this speed, or until a seek, pause or stop.
                let until = Date().addingTimeInterval(Double(chunk.frames) / Double(chunk.rate) / speed)
                position = chunk.sourceStart
                while chunk.generation == generation, !paused, !stopping, state.wait(until: until) {}
                if chunk.generation == generation { position = chunk.sourceEnd }
            }
            state.unlock()
        }
    }
}

/// Reads the timeline's tracks in order with libsndfile, through Rubber Band when the speed
/// is not 1 (real-time mode, pitch kept). Used only by the decoder thread.
final class Decoder {
    let timeline: Timeline
    let planes = Planes()
    var track = 0
    var frame: Int64 = 0
    var file: OpaquePointer?
    var info = SF_INFO()
    var speed = 1.0
    var stretcher: RubberBandState?
    /// Where the input Rubber Band holds without output yet began: the next chunk it gives
    /// covers from there (so what was heard counts whole, at any speed).
    var heldFrom: Int64?
    var flushed = false
    var input: [Float] = []

    init(timeline: Timeline) { self.timeline = timeline }

    deinit { closeFile() }

    func closeFile() {
        if let file { sf_close(file) }
        file = nil
        if let stretcher { rubberband_delete(stretcher) }
        stretcher = nil
    }

    func seek(to ms: Int64, speed: Double) {
        heldFrom = nil
        closeFile()
        self.speed = speed
        if let (t, f) = timeline.locate(ms) { track = t; frame = f } else { track = timeline.tracks.count; frame = 0 }
    }

    /// Opens the current track (and its stretcher) if needed; false past the last track.
    func ensureOpen() -> Bool {
        while track < timeline.tracks.count {
            if file != nil { return true }
            info = SF_INFO()
            if let f = sf_open(timeline.tracks[track].path, Int32(SFM_READ), &info) {
                file = f
                if frame > 0 { sf_seek(f, sf_count_t(frame), SEEK_SET) }
                flushed = false
                if speed != 1 {
                    let options = Int32(RubberBandOptionProcessRealTime.rawValue) | Int32(RubberBandOptionEngineFaster.rawValue)
                    stretcher = rubberband_new(UInt32(info.samplerate), UInt32(info.channels), options, 1 / speed, 1.0)
                    rubberband_set_max_process_size(stretcher, 4096)
                }
                return true
            }
            // An unreadable track is skipped (import already recorded it as file-unreadable).
            track += 1
            frame = 0
        }
        return false
    }

    func next() -> Player.Chunk {
        while ensureOpen() {
            let rate = Int(info.samplerate), channels = Int(info.channels)
            let block = max(256, rate / 20)
            if input.count < block * channels { input = [Float](repeating: 0, count: block * channels) }
            let got = input.withUnsafeMutableBufferPointer { Int(sf_readf_float(file, $0.baseAddress, sf_count_t(block))) }
            let start = timeline.millis(track: track, frame: frame)
            frame += Int64(max(got, 0))
            let end = timeline.millis(track: track, frame: frame)
            let last = got < block
            let from = track
            if stretcher == nil {
                if got > 0 {
                    if last { closeFile(); track += 1; frame = 0 }
                    return Player.Chunk(generation: 0, samples: Array(input[0..<(got * channels)]), frames: got, rate: rate,
                                        channels: channels, sourceStart: start, sourceEnd: end, track: from)
                }
            } else {
                let out = stretch(got: max(got, 0), channels: channels, final: last)
                let spanStart = heldFrom ?? start
                heldFrom = nil
                if last { closeFile(); track += 1; frame = 0 }
                if !out.isEmpty {
                    return Player.Chunk(generation: 0, samples: out, frames: out.count / channels, rate: rate, channels: channels,
                                        sourceStart: spanStart, sourceEnd: end, track: from)
                }
                if got > 0 { if !last { heldFrom = spanStart }; continue }
            }
            if last { closeFile(); track += 1; frame = 0 }
        }
        return Player.Chunk(generation: 0, samples: [], frames: 0, rate: 0, channels: 0,
                            sourceStart: timeline.endMillis ?? 0, sourceEnd: timeline.endMillis ?? 0, endOfStream: true)
    }

    /// Feeds `got` interleaved frames to Rubber Band and returns what it has ready, interleaved.
    func stretch(got: Int, channels: Int, final: Bool) -> [Float] {
        guard let stretcher else { return [] }
        planes.reserve(channels: channels, frames: max(got, 4096))
        for c in 0..<channels { for i in 0..<got { planes.input[c][i] = input[i * channels + c] } }
        planes.inputPointers.withUnsafeBufferPointer { rubberband_process(stretcher, $0.baseAddress, UInt32(got), final ? 1 : 0) }
        var out: [Float] = []
        while true {
            let available = min(Int(rubberband_available(stretcher)), planes.capacity)
            if available <= 0 { break }
            let n = planes.outputPointers.withUnsafeBufferPointer { Int(rubberband_retrieve(stretcher, $0.baseAddress, UInt32(available))) }
            if n <= 0 { break }
            out.reserveCapacity(out.count + n * channels)
            for i in 0..<n { for c in 0..<channels { out.append(planes.output[c][i]) } }
        }
        return out
    }
}

/// Per-channel buffers Rubber Band reads and writes, owned here so their addresses stay valid.
final class Planes {
    var input: [UnsafeMutablePointer<Float>] = []
    var output: [UnsafeMutablePointer<Float>] = []
    var capacity = 0
    var inputPointers: [UnsafePointer<Float>?] { input.map { UnsafePointer($0) } }
    var outputPointers: [UnsafeMutablePointer<Float>?] { output.map { $0 } }

    func reserve(channels: Int, frames: Int) {
        guard channels != input.count || frames > capacity else { return }
        free()
        capacity = frames
        input = (0..<channels).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: frames) }
        output = (0..<channels).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: frames) }
    }

    func free() {
        for p in input + output { p.deallocate() }
        input = []
        output = []
        capacity = 0
    }

    deinit { free() }
}
