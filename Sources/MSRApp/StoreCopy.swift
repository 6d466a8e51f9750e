import Glibc
import MSRCore
import MSRMedia
import MSRStore

/// Why a store copy was refused or came out short.
public enum StoreCopyError: Error, CustomStringConvertible {
    case destinationNotEmpty(String, sessions: Int)
    case sameStore
    case countMismatch(table: String, source: Int, copied: Int)

    public var description: String {
        switch self {
        case let .destinationNotEmpty(d, n): return "the destination \(d) already holds \(n) session(s) or reviewers; copy into an empty store"
        case .sameStore: return "--from and --to name the same store"
        case let .countMismatch(t, s, c): return "\(t): \(s) row(s) in the source, \(c) in the copy"
        }
    }
}

/// What a copy did, table by table, and the media it moved and verified.
public struct StoreCopyReport: Sendable {
    public var tables: [(name: String, rows: Int)] = []
    public var media = 0
    public var mediaBytes: Int64 = 0
    /// Media the source names but could not give whole (missing or not matching their SHA-256).
    public var damagedMedia: [String] = []

    public var json: JSON {
        .object([
            ("tables", .object(tables.map { ($0.name, $0.rows.json) })),
            ("media", media.json), ("media_bytes", mediaBytes.json),
            ("damaged_media", .array(damagedMedia.map(JSON.string))),
        ])
    }
}

/// Copies a whole store into an empty one of either backend — sessions, manifests, media,
/// findings, reviews, overrides, audit log, coverage, calibration rounds — in one transaction,
/// then checks every table's row count and every medium's SHA-256. A one-person store grows into
/// a team store this way, and a team store is taken out as one SQLite file for an audit.
public enum StoreCopier {
    public static func copy(from source: Store, to destination: Store, progress: ((String) -> Void)? = nil) throws -> StoreCopyReport {
        guard source.path != destination.path else { throw StoreCopyError.sameStore }
        let existing = try destination.sessionCount()
        let registered = try destination.reviewers()
        if existing > 0 || !registered.isEmpty {
            throw StoreCopyError.destinationNotEmpty(destination.isPostgres ? StoreLocator.redacted(destination.path) : destination.path, sessions: existing)
        }
        var report = StoreCopyReport()
        let media = try source.storedMedia()
        let sourceFiles = source.keepsMediaInDatabase ? nil : try MediaStore(root: source.mediaRoot)
        let destinationFiles = destination.keepsMediaInDatabase ? nil : try MediaStore(root: destination.mediaRoot)

        /// Streams a source medium in pieces (its file, or its chunks).
        func read(_ sha: String, _ write: ([UInt8]) throws -> Void) throws {
            if let sourceFiles {
                try forEachChunk(of: sourceFiles.path(for: sha), chunkBytes: Store.mediaChunkBytes) { _, bytes in try write(bytes) }
            } else if try source.forEachMediaChunk(sha, write) == 0 {
                throw MediaUnavailable(sha256: sha)
            }
        }

        try destination.write {
            for table in Store.copiedTables {
                progress?("copying \(table)")
                report.tables.append((table, try destination.copyRows(table, from: source)))
                if table == "review_answers" { try destination.copyReviewStatuses(from: source) }
            }
            try destination.continueIdentities()
            try destination.grantTeamRolesToReviewers()
            for (i, m) in media.enumerated() {
                if i % 50 == 0 { progress?("copying media \(i + 1)/\(media.count)") }
                do {
                    if let destinationFiles {
                        _ = try destinationFiles.ingest(expected: m.sha256) { write in try read(m.sha256, write) }
                    } else {
                        // Into the team store's chunks, hashed on the way: only a whole, matching copy commits.
                        let hasher = SHA256Hasher()
                        var index = 0
                        try destination.write {
                            try read(m.sha256) { bytes in
                                hasher.update(bytes)
                                try destination.putMediaChunk(m.sha256, index: index, bytes: bytes)
                                index += 1
                            }
                            let actual = hasher.finalizeHex()
                            if actual != m.sha256 { throw MediaMismatch(expected: m.sha256, actual: actual) }
                        }
                    }
                    report.media += 1
                    report.mediaBytes += m.size
                } catch is MediaMismatch {
                    report.damagedMedia.append(m.sha256)
                } catch is MediaUnavailable {
                    report.damagedMedia.append(m.sha256)
                } catch let e as FileError where e.errno == ENOENT {
                    report.damagedMedia.append(m.sha256)
                }
            }
            // The copy holds exactly what the source does.
            for (table, rows) in report.tables {
                let source = try source.rowCount(table), copied = try destination.rowCount(table)
                guard source == rows, copied == rows else { throw StoreCopyError.countMismatch(table: table, source: source, copied: copied) }
            }
            try destinationFiles?.sync()
        }
        try destination.analyze()
        return report
    }
}
