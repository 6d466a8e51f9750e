/// One recording placed on the session clock.
public struct Track: Equatable, Sendable {
    /// Path of the audio file (in the media store).
    public var path: String
    /// Session-clock moment (UTC ms) of its first frame.
    public var startMillis: Int64
    public var frames: Int64
    public var sampleRate: Int
    public var channels: Int
    /// The recording's file in the bundle: what listening coverage is kept by.
    public var recording: String

    public init(path: String, startMillis: Int64, frames: Int64, sampleRate: Int, channels: Int, recording: String? = nil) {
        (self.path, self.startMillis, self.frames, self.sampleRate, self.channels) = (path, startMillis, frames, sampleRate, channels)
        self.recording = recording ?? path
    }

    public var endMillis: Int64 { startMillis + frames * 1000 / Int64(max(sampleRate, 1)) }
}

/// A session's recordings on one clock: "10:21:12" means the same moment on the player,
/// the questionnaire and the photos. Gaps between recordings are skipped when playing.
public struct Timeline: Equatable, Sendable {
    public var tracks: [Track]
    /// The session's start, the origin for listening coverage (second 0).
    public var originMillis: Int64

    public init(tracks: [Track], originMillis: Int64? = nil) {
        self.tracks = tracks.filter { $0.frames > 0 }.sorted { $0.startMillis < $1.startMillis }
        self.originMillis = originMillis ?? self.tracks.first?.startMillis ?? 0
    }

    public var startMillis: Int64? { tracks.first?.startMillis }
    public var endMillis: Int64? { tracks.map(\.endMillis).max() }

    /// Where playing from `ms` begins: the track holding it, or the next track when `ms` is in
    /// a gap (or before the first). nil past the end.
    public func locate(_ ms: Int64) -> (track: Int, frame: Int64)? {
        for (i, t) in tracks.enumerated() {
            if ms < t.startMillis { return (i, 0) }
            if ms < t.endMillis { return (i, (ms - t.startMillis) * Int64(t.sampleRate) / 1000) }
        }
        return nil
    }

    /// The session-clock moment of a frame of a track.
    public func millis(track: Int, frame: Int64) -> Int64 {
        tracks[track].startMillis + frame * 1000 / Int64(max(tracks[track].sampleRate, 1))
    }
}

