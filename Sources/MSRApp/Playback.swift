import Glibc
import MSRAudio
import MSRCore
import MSRMedia
import MSRStore

/// A session's audio, ready for the player: its recordings on the session clock.
public enum SessionAudio {
    public struct NoAudio: Error, CustomStringConvertible {
        public var session: String
        /// When the media were deleted past retention, if that is why.
        public var purgedAt: String? = nil

        public init(session: String, purgedAt: String? = nil) { (self.session, self.purgedAt) = (session, purgedAt) }

        public var description: String {
            purgedAt.map { "session \(session): its recordings were purged on \($0) (retention); the waveform and scores remain" }
                ?? "session \(session) has no playable recording"
        }
    }

    /// A recording's stored copy is missing from the media store.
    public struct MediaGone: Error, CustomStringConvertible {
        public var session: String
        public var file: String
        public var description: String {
            "session \(session): the stored copy of \(file) is gone from the media store (msreview verify lists what is; importing the session's bundle again restores it)"
        }
    }

    public static func timeline(store: Store, session: String) throws -> Timeline {
        guard let detail = try store.session(session) else { throw ReviewError.noSession(session) }
        try LocalMedia(store: store).fetch(detail)
        return try timeline(detail, mediaRoot: store.mediaRoot)
    }

    /// The timeline of a session already loaded.
    public static func timeline(_ detail: SessionDetail, mediaRoot media: String) throws -> Timeline {
        let session = detail.summary.id
        if let purged = detail.mediaPurgedAt { throw NoAudio(session: session, purgedAt: purged) }
        var tracks: [Track] = []
        for r in detail.recordings {
            guard let sha = r.sha256, let frames = r.frames, let rate = r.sampleRate, let channels = r.channels,
                  r.status == .ok || r.status == .tampered else { continue }
            let path = media + "/" + sha.prefix(2) + "/" + sha
            // A recording whose stored copy is gone is said, not played as silence.
            guard access(path, F_OK) == 0 else { throw MediaGone(session: session, file: r.entry.file) }
            tracks.append(Track(path: path, startMillis: r.entry.startedAt.utcMillis, frames: frames, sampleRate: rate, channels: channels,
                                recording: r.entry.file))
        }
        guard !tracks.isEmpty else { throw NoAudio(session: session) }
        let origin = Timestamp(rfc3339: detail.summary.startedAt)?.utcMillis
        return Timeline(tracks: tracks, originMillis: origin)
    }

    /// `HH:MM:SS` (a moment on the session's clock) or `mm:ss` (from the start of its audio).
    public static func moment(_ text: String, timeline: Timeline, sessionStart: Timestamp) -> Int64? {
        let parts = text.split(separator: ":")
        if parts.count == 3 { return SessionMoment.parse(text, sessionStart: sessionStart)?.utcMillis }
        if parts.count == 2, let m = Int(parts[0]), let s = Int(parts[1]), m >= 0, (0...59).contains(s) {
            return (timeline.startMillis ?? 0) + Int64(m * 60 + s) * 1000
        }
        return Timestamp(rfc3339: text)?.utcMillis
    }
}

/// The audio device: `--device`, else `$MSREVIEW_AUDIO_DEVICE`, else the config's
/// `audio_device`, else ALSA's `default`.
public enum AudioDevice {
    public static func resolve(flag: String?, environment: [String: String], config: Config) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["MSREVIEW_AUDIO_DEVICE"], !env.isEmpty { return env }
        return config.strings["audio_device"] ?? "default"
    }
}
