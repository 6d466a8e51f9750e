import CALSA
import Glibc

/// Why audio output failed; playback stops but the rest of msreview carries on.
public struct AudioDeviceError: Error, CustomStringConvertible, Sendable {
    public var device: String
    public var message: String
    public var description: String { "audio device \"\(device)\": \(message)" }
}

/// Where decoded audio goes. The ALSA PCM in real use; tests use ALSA's `file` PCM.
public protocol AudioSink: AnyObject {
    func open(sampleRate: Int, channels: Int) throws(AudioDeviceError)
    /// Writes interleaved float frames; blocks as the device paces (or not, for file/null PCMs).
    func write(_ samples: UnsafeBufferPointer<Float>, frames: Int) throws(AudioDeviceError)
    /// Frames written but not yet heard.
    var delayFrames: Int { get }
    /// Discards what is queued (seek, pause).
    func discard()
    /// Plays out what is queued (end of playback); the sink stays ready for more.
    func drain()
    func close()
    /// Whether writing waits for the audio to be heard. ALSA's `null` and `file` PCMs take
    /// everything at once: a listener needs the player to keep real time itself.
    var pacesItself: Bool { get }
}

extension AudioSink {
    public var pacesItself: Bool { true }
}

/// An ALSA PCM: signed 16-bit samples (what every device takes), the recording's rate and
/// channels, `soft_resample=1`, and underruns recovered silently. ALSA's own error printing is
/// silenced once per process.
public final class ALSASink: AudioSink {
    public let device: String
    private var pcm: OpaquePointer?
    private var format: (Int, Int)?
    private var pcm16: [Int16] = []

    /// The 16-bit value of a float sample (libsndfile's scale: ±1.0 is ±32768), clipped.
    @inline(__always) public static func quantize(_ f: Float) -> Int16 {
        let v = (f * 32768).rounded()
        return v >= 32767 ? 32767 : v <= -32768 ? -32768 : Int16(v)
    }

    public init(device: String) {
        self.device = device
        ALSASink.silenceOnce
    }

    private static let silenceOnce: Void = { msr_alsa_silence() }()

    deinit { close() }

    public func open(sampleRate: Int, channels: Int) throws(AudioDeviceError) {
        if let f = format, f == (sampleRate, channels), pcm != nil { return }
        close()
        var handle: OpaquePointer?
        var rc = snd_pcm_open(&handle, device, SND_PCM_STREAM_PLAYBACK, 0)
        guard rc >= 0, let handle else { throw AudioDeviceError(device: device, message: String(cString: snd_strerror(rc))) }
        rc = snd_pcm_set_params(handle, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, UInt32(channels), UInt32(sampleRate),
                                1 /* soft_resample */, 100_000 /* µs latency */)
        guard rc >= 0 else {
            snd_pcm_close(handle)
            throw AudioDeviceError(device: device, message: String(cString: snd_strerror(rc)))
        }
        pcm = handle
        format = (sampleRate, channels)
    }

    public func write(_ samples: UnsafeBufferPointer<Float>, frames: Int) throws(AudioDeviceError) {
        guard let pcm, let (_, channels) = format else { return }
        let count = frames * channels
        if pcm16.count < count { pcm16 = [Int16](repeating: 0, count: count) }
        for i in 0..<count { pcm16[i] = ALSASink.quantize(samples[i]) }
        var done = 0
        while done < frames {
            let n = pcm16.withUnsafeBufferPointer { snd_pcm_writei(pcm, $0.baseAddress! + done * channels, snd_pcm_uframes_t(frames - done)) }
            if n >= 0 { done += Int(n); continue }
            // Underrun or suspend: recover without a word, as a player must.
            if snd_pcm_recover(pcm, Int32(n), 1) < 0 {
                throw AudioDeviceError(device: device, message: String(cString: snd_strerror(Int32(n))))
            }
        }
    }

    public var delayFrames: Int {
        guard let pcm else { return 0 }
        var delay: snd_pcm_sframes_t = 0
        return snd_pcm_delay(pcm, &delay) >= 0 ? max(0, Int(delay)) : 0
    }

    public func discard() {
        guard let pcm else { return }
        snd_pcm_drop(pcm)
        snd_pcm_prepare(pcm)
    }

    public func drain() {
        guard let pcm else { return }
        snd_pcm_drain(pcm)
        // Drained, the PCM is in SETUP: prepared again, a seek after the end plays at once.
        snd_pcm_prepare(pcm)
    }

    public var pacesItself: Bool { !(device == "null" || device.hasPrefix("file:") || device.hasPrefix("file ")) }

    public func close() {
        if let pcm { snd_pcm_close(pcm) }
        pcm = nil
        format = nil
    }
}
