/// What import found of a file named by the manifest.
public enum FileStatus: String, Sendable {
    /// Present, matching its `sha256` (if given), readable.
    case ok
    case missing
    /// Present but its SHA-256 differs from the manifest's (it may still be readable).
    case tampered
    /// Present but the decoder cannot read it.
    case unreadable
}

/// A recording as imported: the manifest's entry plus what the file itself says.
public struct RecordingFacts: Equatable, Sendable {
    public var entry: Manifest.Recording
    public var sha256: String?
    public var size: Int64?
    public var status: FileStatus
    public var frames: Int64?
    public var sampleRate: Int?
    public var channels: Int?
    public var durationMillis: Int64?
    public var container: String?
    public var encoding: String?
    /// RMS of every 100 ms frame (× 65535 of full scale), decoded once at import.
    public var envelope: [UInt16]?

    public init(entry: Manifest.Recording, sha256: String? = nil, size: Int64? = nil, status: FileStatus) {
        self.entry = entry
        self.sha256 = sha256
        self.size = size
        self.status = status
    }

    /// The interval the recording covers on the session clock, if its duration is known.
    public var interval: (start: Timestamp, end: Timestamp)? {
        guard let d = durationMillis else { return nil }
        return (entry.startedAt, entry.startedAt.adding(millis: d))
    }
}

/// A photo as imported: the manifest's entry plus what the JPEG itself says.
public struct PhotoFacts: Equatable, Sendable {
    public var entry: Manifest.Photo
    public var sha256: String?
    public var size: Int64?
    public var status: FileStatus
    public var width: Int?
    public var height: Int?
    /// EXIF capture time as written (`YYYY-MM-DD HH:MM:SS`).
    public var exifText: String?
    /// EXIF capture moment, resolved per the bundle format (offset, else zone, else UTC).
    public var exifTime: Timestamp?
    /// Whether OffsetTimeOriginal was present.
    public var exifOffsetKnown: Bool
    /// The upright 32×32 thumbnail near-duplicate matching reads, when the photo decodes.
    public var thumbnail: PhotoThumbnail?

    public init(entry: Manifest.Photo, sha256: String? = nil, size: Int64? = nil, status: FileStatus) {
        self.entry = entry
        self.sha256 = sha256
        self.size = size
        self.status = status
        exifOffsetKnown = false
    }
}

/// A validated bundle ready to be stored: manifest, file facts and import-time findings.
public struct SessionBundle: Sendable {
    public var manifest: Manifest
    public var manifestBytes: [UInt8]
    public var manifestSHA256: String
    /// Identity of the bundle's content (manifest and every named file), for idempotent re-import.
    public var digest: String
    public var source: String
    public var importedAt: Timestamp
    public var recordings: [RecordingFacts]
    public var photos: [PhotoFacts]
    public var findings: [Finding]

    public init(manifest: Manifest, manifestBytes: [UInt8], manifestSHA256: String, digest: String, source: String,
                importedAt: Timestamp, recordings: [RecordingFacts], photos: [PhotoFacts], findings: [Finding]) {
        self.manifest = manifest
        self.manifestBytes = manifestBytes
        self.manifestSHA256 = manifestSHA256
        self.digest = digest
        self.source = source
        self.importedAt = importedAt
        self.recordings = recordings
        self.photos = photos
        self.findings = findings
    }
}
