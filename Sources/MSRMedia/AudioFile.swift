import CSndFile
import Foundation
import Glibc

/// What the header of a recording says, as read by libsndfile.
public struct AudioInfo: Equatable, Sendable {
    public var frames: Int64
    public var sampleRate: Int
    public var channels: Int
    /// `wav`, `flac` or `ogg`.
    public var container: String
    /// The sample encoding, e.g. `pcm16`, `vorbis`.
    public var encoding: String

    public var durationMillis: Int64 { sampleRate > 0 ? frames * 1000 / Int64(sampleRate) : 0 }
}

public struct AudioError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// Reading and writing audio files through libsndfile.
public enum AudioFile {
    /// Limits on what a bundle may carry; anything beyond is unreadable by policy.
    public static let maxChannels = 8
    public static let sampleRates = 4000...192_000
    public static let maxDurationSeconds: Int64 = 6 * 3600

    /// Reads the header only (no decode). Formats other than WAV, FLAC and OGG (Vorbis/Opus),
    /// and rarely used codecs with a history of decoder bugs (ADPCM and the like), are refused.
    public static func probe(path: String) throws(AudioError) -> AudioInfo {
        var info = SF_INFO()
        guard let f = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioError(message: "libsndfile cannot read it: " + String(cString: sf_strerror(nil)))
        }
        sf_close(f)
        return try check(info)
    }

    static func check(_ info: SF_INFO) throws(AudioError) -> AudioInfo {
        let major = Int(info.format) & Int(SF_FORMAT_TYPEMASK)
        let sub = Int(info.format) & Int(SF_FORMAT_SUBMASK)
        let container: String
        switch major {
        case Int(SF_FORMAT_WAV), Int(SF_FORMAT_WAVEX): container = "wav"
        case Int(SF_FORMAT_FLAC): container = "flac"
        case Int(SF_FORMAT_OGG): container = "ogg"
        default: throw AudioError(message: "audio container 0x\(String(major, radix: 16)) is not WAV, FLAC or OGG")
        }
        let encodings: [Int: String] = [
            Int(SF_FORMAT_PCM_U8): "pcm8u", Int(SF_FORMAT_PCM_S8): "pcm8", Int(SF_FORMAT_PCM_16): "pcm16",
            Int(SF_FORMAT_PCM_24): "pcm24", Int(SF_FORMAT_PCM_32): "pcm32", Int(SF_FORMAT_FLOAT): "float",
            Int(SF_FORMAT_DOUBLE): "double", Int(SF_FORMAT_ULAW): "ulaw", Int(SF_FORMAT_ALAW): "alaw",
            Int(SF_FORMAT_VORBIS): "vorbis", Int(SF_FORMAT_OPUS): "opus",
        ]
        guard let encoding = encodings[sub] else {
            throw AudioError(message: "audio encoding 0x\(String(sub, radix: 16)) is not accepted (PCM, float, µ-law, A-law, FLAC, Vorbis, Opus only)")
        }
        guard (1...maxChannels).contains(Int(info.channels)) else {
            throw AudioError(message: "\(info.channels) channels (at most \(maxChannels))")
        }
        guard sampleRates.contains(Int(info.samplerate)) else {
            throw AudioError(message: "sample rate \(info.samplerate) Hz out of range")
        }
        // The duration is what the file decodes to (measure), never the header's claim alone.
        return AudioInfo(frames: info.frames, sampleRate: Int(info.samplerate), channels: Int(info.channels),
                         container: container, encoding: container == "flac" ? "flac" : encoding)
    }

    /// The RMS level of every 100 ms frame (all channels), decoded once with libsndfile.
    /// Each value is RMS × 65535 of full scale (0 … 65535), so −45 dBFS ≈ 368.
    public static func envelope(path: String) throws(AudioError) -> [UInt16] { try measure(path: path).envelope ?? [] }

    /// The header facts (refused like `probe`) and the envelope, from one opening of the file.
    public static func measure(path: String) throws(AudioError) -> AudioProbe {
        var info = SF_INFO()
        guard let f = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioError(message: "libsndfile cannot read it: " + String(cString: sf_strerror(nil)))
        }
        defer { sf_close(f) }
        var facts = try check(info)
        let channels = Int(info.channels)
        let frameLength = max(1, Int(info.samplerate) / 10)
        var buffer = [Float](repeating: 0, count: frameLength * channels)
        var out: [UInt16] = []
        let maxFrames = maxDurationSeconds * Int64(info.samplerate)
        // The header's length only sizes the buffer, within the cap: it may lie.
        out.reserveCapacity(Int(min(max(info.frames, 0), maxFrames)) / frameLength + 1)
        var decoded: Int64 = 0
        while true {
            let got = buffer.withUnsafeMutableBufferPointer { sf_readf_float(f, $0.baseAddress, sf_count_t(frameLength)) }
            if got <= 0 { break }
            decoded += Int64(got)
            if decoded > maxFrames { throw AudioError(message: "decodes to over \(maxDurationSeconds / 3600) hours") }
            var sum: Double = 0
            for i in 0..<(Int(got) * channels) { let v = Double(buffer[i]); sum += v * v }
            let rms = (sum / Double(Int(got) * channels)).squareRoot()
            out.append(UInt16(max(0, min(65535, (rms * 65535).rounded()))))
            if got < frameLength { break }
        }
        let error = sf_error(f)
        facts.frames = decoded
        // A header length past the cap is unusable; kept just past it (it also travels as a JSON number).
        return AudioProbe(info: facts, envelope: out, headerFrames: min(max(info.frames, 0), maxFrames + 1),
                          decodeError: error == 0 ? nil : String(cString: sf_strerror(f)))
    }

    /// Every sample of a file as float, interleaved (for tests and small files).
    public static func decodeAll(path: String) throws(AudioError) -> (samples: [Float], sampleRate: Int, channels: Int) {
        var info = SF_INFO()
        guard let f = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioError(message: "libsndfile cannot read \(path): " + String(cString: sf_strerror(nil)))
        }
        defer { sf_close(f) }
        var out = [Float](repeating: 0, count: Int(info.frames) * Int(info.channels))
        let got = out.withUnsafeMutableBufferPointer { sf_readf_float(f, $0.baseAddress, info.frames) }
        return (Array(out[0..<(Int(got) * Int(info.channels))]), Int(info.samplerate), Int(info.channels))
    }

    /// Frames of an envelope whose RMS reaches `dbfs`.
    public static func loudFrames(_ envelope: [UInt16], dbfs: Double) -> Int {
        let threshold = pow(10, dbfs / 20) * 65535
        return envelope.reduce(0) { $0 + (Double($1) >= threshold ? 1 : 0) }
    }

    public enum WriteFormat: String, Sendable { case wav, flac, ogg }

    /// Writes mono 16-bit samples (used by the sample generator and tests).
    public static func write(path: String, samples: [Int16], sampleRate: Int, format: WriteFormat) throws(AudioError) {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = 1
        switch format {
        case .wav: info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .flac: info.format = Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        case .ogg: info.format = Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        }
        guard let f = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw AudioError(message: "\(path): cannot write \(format.rawValue): " + String(cString: sf_strerror(nil)))
        }
        let written = samples.withUnsafeBufferPointer { sf_write_short(f, $0.baseAddress, sf_count_t($0.count)) }
        sf_close(f)
        guard written == samples.count else { throw AudioError(message: "\(path): short write") }
    }
}
