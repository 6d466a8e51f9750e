import Foundation
import Glibc
import MSRCore
import MSRMedia
import MSRStore

/// The result of `msreview import`, in the shape the bundle format fixes for `--json`.
public struct ImportReport: Sendable {
    public struct Rejection: Equatable, Sendable {
        public var path: String
        public var error: String
    }

    public var imported = 0
    public var unchanged = 0
    public var rejected: [Rejection] = []
    public var warnings: [String] = []
    /// Ids of the sessions this run added.
    public var importedSessions: [String] = []

    public init() {}

    public var json: JSON {
        .object([
            ("imported", .number(Double(imported))),
            ("unchanged", .number(Double(unchanged))),
            ("rejected", .array(rejected.map { .object([("path", .string($0.path)), ("error", .string($0.error))]) })),
            ("warnings", .array(warnings.map(JSON.string))),
        ])
    }
}

/// A failure of the store or media directory (not of a bundle): the import stops, and what
/// was committed before stays committed. Re-running the import completes it.
public struct ImportFailure: Error, CustomStringConvertible {
    public var message: String
    public var report: ImportReport
    public var description: String { message }
}

/// One thing the import was asked to read.
enum BundleSource: Sendable {
    case directory(path: String)
    case tar(path: String)
}

/// Imports session bundles into the store, per the bundle format's import rules.
public final class Importer {
    let store: Store
    let media: MediaStore
    let now: () -> Timestamp
    /// Called with (bundles done, bundles in all) as work proceeds.
    public var progress: ((Int, Int) -> Void)?
    /// Bundles prepared before their rows are written in one transaction.
    public var batchSize = 100
    /// Bundles are read, hashed, copied and decoded on this many threads at once (each with its
    /// own read connection and media writer); rows are written by the calling thread alone.
    public var workers: Int

    public static let maxAudioBytes: Int64 = 2 << 30
    let thresholds: FraudThresholds
    /// Alert rules and routes: when configured, the alerts a bundle raises are written with it,
    /// and the outbox is delivered at the end of the run.
    public var alerts: AlertSettings? = nil

    /// Makes the decoder runner of each worker: in this process by default; the command line
    /// isolates the decoders in child processes (`IsolatedProber`).
    let makeProber: () -> MediaProber
    /// One engine for every batch, so its in-memory index of stored photo hashes is read once.
    lazy var fraud = FraudEngine(store: store, thresholds: thresholds, now: now)

    public init(store: Store, thresholds: FraudThresholds = FraudThresholds(), now: @escaping () -> Timestamp = Timestamp.now,
                workers: Int? = nil, prober: @escaping () -> MediaProber = { InProcessProber() }) throws(MediaStoreError) {
        self.store = store
        self.media = try MediaStore(root: store.mediaRoot)
        self.thresholds = thresholds
        self.now = now
        self.makeProber = prober
        self.workers = max(1, min(workers ?? sysconf(Int32(_SC_NPROCESSORS_ONLN)), 8))
    }

    /// Imports every bundle found under `paths`. Bundle problems are reported, never thrown.
    ///
    /// A pipeline: while the calling thread writes one batch (rows, anti-fraud checks, commit),
    /// the workers prepare the next two, so reading and writing overlap as well as the bundles.
    public func run(paths: [String]) throws(ImportFailure) -> ImportReport {
        var report = ImportReport()
        var sources: [(label: String, source: BundleSource)] = []
        for path in paths { enumerate(path, into: &sources, report: &report) }
        guard !sources.isEmpty else { return report }
        // The report's shape is the spec's: what was reclaimed is said as a warning.
        let reclaimed = Importer.reclaimTemporaries(in: media.root + "/tmp")
        if reclaimed > 0 { report.warnings.append("removed \(reclaimed) leftover(s) of killed imports from the media store's tmp/") }
        do { try store.usePageCache(mebibytes: 64) } catch {
            throw ImportFailure(message: "store: \(error)", report: report)
        }

        let preparers: [BundlePreparer]
        do {
            preparers = try (0..<workers).map { _ throws in
                try BundlePreparer(store: Store(path: store.path, readOnly: true), media: MediaStore(root: store.mediaRoot), now: now,
                                   prober: makeProber())
            }
        } catch {
            throw ImportFailure(message: "cannot open the store for reading: \(error)", report: report)
        }
        // Workers run up to two batches ahead of the writer, taking bundles as they come free
        // (a slow bundle holds up no other worker), so neither side waits at batch boundaries.
        let queue = PreparationQueue(sources: sources, window: 2 * batchSize)
        queue.start(preparers)
        defer { queue.stop() }  // on an error, let the workers finish before it goes up
        var done = 0
        while done < sources.count {
            let end = min(done + batchSize, sources.count)
            var pending = queue.take(done..<end)
            try flush(&pending, report: &report)
            done = end
            progress?(done, sources.count)
        }
        // Alerts go out once the sessions are in; a server that is down leaves them in the outbox.
        if let alerts, alerts.isConfigured, alerts.smtp != nil || alerts.sms != nil {
            do {
                let sent = try AlertSender(store: store, settings: alerts, now: now).send()
                if !sent.errors.isEmpty {
                    report.warnings.append("alerts: \(sent.sent) sent, \(sent.waiting) waiting in the outbox, \(sent.failed) failed: \(sent.errors.joined(separator: "; ")) (msreview alerts send tries again)")
                }
            } catch {
                report.warnings.append("alerts were not sent (they wait in the outbox): \(error)")
            }
        }
        // The sessions are in; a search index left fragmented would only make searches slower.
        do { try store.write { try store.compactSearchIndex(added: report.imported) } } catch {
            report.warnings.append("the search index was not merged (searches stay correct, a little slower): \(error)")
        }
        return report
    }

    // MARK: Finding the bundles

    func enumerate(_ path: String, into sources: inout [(label: String, source: BundleSource)], report: inout ImportReport) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            report.rejected.append(.init(path: path, error: "cannot read: " + String(cString: strerror(errno))))
            return
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            if exists(path + "/session.json") {
                sources.append((path, .directory(path: path)))
                return
            }
            // A spool: every subdirectory and tar file is a bundle; nothing is searched deeper.
            guard let entries = directoryEntries(path) else {
                report.rejected.append(.init(path: path, error: "cannot read directory: " + String(cString: strerror(errno))))
                return
            }
            for name in entries where !name.hasPrefix(".") {
                let child = (path.hasSuffix("/") ? path : path + "/") + name
                var cs = stat()
                guard stat(child, &cs) == 0 else {
                    report.warnings.append("\(child): cannot read (\(String(cString: strerror(errno)))), ignored")
                    continue
                }
                if (cs.st_mode & S_IFMT) == S_IFDIR {
                    sources.append((child, .directory(path: child)))
                } else if (cs.st_mode & S_IFMT) == S_IFREG && TarBundle.isTarName(name) {
                    sources.append((child, .tar(path: child)))
                } else {
                    report.warnings.append("\(child): not a bundle (neither a directory nor a .tar/.tar.gz/.tgz file), ignored")
                }
            }
        } else if (st.st_mode & S_IFMT) == S_IFREG && TarBundle.isTarName(path) {
            sources.append((path, .tar(path: path)))
        } else {
            report.rejected.append(.init(path: path, error: "not a bundle directory, spool directory or .tar/.tar.gz/.tgz bundle"))
        }
    }

    // MARK: Writing a batch

    /// Writes the batch in one IMMEDIATE transaction with a savepoint per bundle, committed only
    /// once its media are flushed to disk: each bundle is all-or-nothing, and a crash loses at
    /// most the batch.
    func flush(_ pending: inout [Prepared], report: inout ImportReport) throws(ImportFailure) {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll()
        var batchReport = report
        // Bundles prepared before a failure of our own storage are still written; then the import stops.
        let failure = batch.firstIndex { if case .failed = $0 { return true }; return false }
        let writable = failure.map { Array(batch[..<$0]) } ?? batch
        do {
            // The batch's media reach the disk while its rows are written; the commit waits for
            // them, so no committed row ever names a file a power loss could take back.
            let synced = PendingSync(media)
            defer { _ = try? synced.wait() }
            let at = now()
            try store.write {
                var inserted: [SessionBundle] = []
                for item in writable {
                    switch item {
                    case .failed: break
                    case let .rejected(label, sessionID, error):
                        batchReport.rejected.append(.init(path: label, error: error))
                        try store.logImport(path: label, sessionID: sessionID, outcome: .rejected, error: error, at: at)
                    case let .known(label, sessionID, digest, warnings, restored):
                        try settleKnown(label: label, sessionID: sessionID, digest: digest, warnings: warnings, at: at, report: &batchReport)
                        try storeMediaInDatabase(restored, replacing: true)
                    case let .ready(label, bundle, warnings):
                        let id = bundle.manifest.sessionID
                        if try store.bundleDigest(of: id) != nil {
                            // Another process stored it since we looked.
                            try settleKnown(label: label, sessionID: id, digest: bundle.digest, warnings: warnings, at: at, report: &batchReport)
                            continue
                        }
                        try store.write {
                            try store.insert(bundle)
                            try storeMediaInDatabase(bundle)
                        }
                        inserted.append(bundle)
                        try store.logImport(path: label, sessionID: id, outcome: .imported, error: nil, at: at)
                        batchReport.imported += 1
                        batchReport.importedSessions.append(id)
                        batchReport.warnings += warnings
                    }
                }
                // The anti-fraud checks run in the same transaction: a session is never stored unchecked.
                try fraud.checkNew(inserted)
                // And so are its alerts written: none lost, none for a session not stored.
                if let alerts, alerts.isConfigured, !inserted.isEmpty {
                    let findings = try store.findings(sessions: inserted.map(\.manifest.sessionID))
                    try store.enqueue(inserted.flatMap { b in
                        alerts.messages(for: AlertEvent.ofImport(b.manifest, findings: findings[b.manifest.sessionID] ?? [], thresholds: alerts.thresholds))
                    }, at: at)
                }
                try synced.wait()
            }
            report = batchReport
        } catch {
            fraud.forgetStoredPhotos()  // it may hold rows of the transaction just rolled back
            throw ImportFailure(message: "import stopped, \(batch.count) bundle(s) of the last batch not stored: \(error)", report: report)
        }
        if let failure, case let .failed(label, error) = batch[failure] {
            throw ImportFailure(message: "import stopped at \(label): \(error); \(batch.count - failure) bundle(s) not stored, run the import again when fixed",
                                report: report)
        }
    }

    /// A team store holds the media themselves: those a new session brings go into it in the
    /// session's own transaction, chunk by chunk from the local copy just written.
    func storeMediaInDatabase(_ bundle: SessionBundle) throws {
        try storeMediaInDatabase(Set(bundle.recordings.compactMap(\.sha256) + bundle.photos.compactMap(\.sha256)).sorted())
    }

    /// `replacing`: the stored chunks are damaged or partly gone; they are written anew.
    func storeMediaInDatabase(_ shas: [String], replacing: Bool = false) throws {
        guard store.keepsMediaInDatabase else { return }
        if replacing { for sha in shas { try store.deleteMediaChunks(sha) } }
        for sha in shas where try store.mediaChunkCount(sha) == 0 {
            try forEachChunk(of: media.path(for: sha), chunkBytes: Store.mediaChunkBytes) { i, bytes in
                try store.putMediaChunk(sha, index: i, bytes: bytes)
            }
        }
    }

    func settleKnown(label: String, sessionID: String, digest: String, warnings: [String], at: Timestamp,
                     report: inout ImportReport) throws {
        if try store.bundleDigest(of: sessionID) == digest {
            report.unchanged += 1
            report.warnings += warnings
            try store.logImport(path: label, sessionID: sessionID, outcome: .unchanged, error: nil, at: at)
        } else {
            let error = "conflict: session \(sessionID) is already stored from a different bundle; the stored session is kept"
            report.rejected.append(.init(path: label, error: error))
            try store.logImport(path: label, sessionID: sessionID, outcome: .rejected, error: error, at: at)
        }
    }
}

extension Importer {
    /// Removes what an import killed earlier (kill -9, power loss) left in the media store's
    /// temporary directory: unpacked bundles and half-written media of processes that are gone.
    /// Those of a live import (another process) are left alone. Returns how many were removed.
    static func reclaimTemporaries(in directory: String) -> Int {
        var removed = 0
        for name in directoryEntries(directory) ?? [] {
            let parts = name.split(separator: "-")
            guard (parts.count >= 3 && parts[0] == "bundle") || (parts.count >= 2 && parts[0] == "ingest") else { continue }
            if parts[0] == "bundle", let pid = pid_t(parts[1]), pid > 0, kill(pid, 0) == 0 || errno == EPERM { continue }
            if parts[0] == "ingest" {
                // Named ingest files carry no owner: only those older than an hour are surely stale.
                var st = stat()
                guard stat(directory + "/" + name, &st) == 0, time(nil) - st.st_mtim.tv_sec > 3600 else { continue }
            }
            removeTree(directory + "/" + name)
            removed += 1
        }
        return removed
    }
}

func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// `H:MM:SS.t` (or `M:SS.t`) of a duration, for findings.
func clockText(_ ms: Int64) -> String {
    let s = ms / 1000, tenth = ms % 1000 / 100
    func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return (s >= 3600 ? "\(s / 3600):" + two(s % 3600 / 60) : "\(s / 60)") + ":" + two(s % 60) + ".\(tenth)"
}

func lastComponent(_ path: String) -> String {
    var p = path
    while p.hasSuffix("/") && p.count > 1 { p.removeLast() }
    return p.split(separator: "/").last.map(String.init) ?? p
}

/// A `syncfs` of the media store running on its own thread; `wait` returns its outcome (again
/// and again, once it is known).
final class PendingSync: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var failure: MediaStoreError?

    init(_ media: MediaStore) {
        Thread.detachNewThread {
            do throws(MediaStoreError) { try media.sync() } catch { self.failure = error }
            self.done.signal()
        }
    }

    func wait() throws(MediaStoreError) {
        done.wait()
        done.signal()
        if let failure { throw failure }
    }
}

/// What preparing one bundle gave: rows to write, a known session to compare, or a rejection.
enum Prepared: Sendable {
    case ready(label: String, bundle: SessionBundle, warnings: [String])
    /// The session exists; only its digest is known, to compare under the write lock.
    case known(label: String, sessionID: String, digest: String, warnings: [String], restored: [String] = [])
    case rejected(label: String, sessionID: String?, error: String)
    /// Our own storage failed (a full disk, an I/O error): not the bundle's fault — the import stops.
    case failed(label: String, error: String)
}

/// Reads one bundle at a time — validation, hashing, copying into the media store, decoding —
/// without writing a row. One per worker thread: it owns a read connection and a media writer.
final class BundlePreparer: @unchecked Sendable {
    let store: Store
    let media: MediaStore
    let now: () -> Timestamp
    let prober: MediaProber

    init(store: Store, media: MediaStore, now: @escaping () -> Timestamp, prober: MediaProber) {
        (self.store, self.media, self.now, self.prober) = (store, media, now, prober)
    }

    func prepare(label: String, source: BundleSource) -> Prepared {
        switch source {
        case let .directory(path):
            return prepareDirectory(label: label, path: path, nameForCheck: lastComponent(path))
        case let .tar(path):
            let tmp = media.root + "/tmp/bundle-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
            defer { removeTree(tmp) }
            do {
                // The manifest first (read in place), then only what it names is unpacked: an
                // unlisted member is checked and counted against the caps but never written.
                let found = try TarBundle.readFile("session.json", archive: path, maxBytes: Manifest.maxBytes)
                guard let size = found.size else {
                    return .rejected(label: label, sessionID: nil, error: "no session.json in the archive's top directory \"\(found.top)\"")
                }
                guard let bytes = found.bytes else { return .rejected(label: label, sessionID: nil, error: Self.manifestTooLarge(size)) }
                let manifest: Manifest
                do { manifest = try Manifest.parse(bytes) } catch {
                    return .rejected(label: label, sessionID: nil, error: error.description)
                }
                let named = Set(manifest.files).union(["session.json"])
                try makeDirectories(tmp)
                let unpacked = try TarBundle.extract(archive: path, into: tmp, keep: { named.contains($0) })
                return prepareDirectory(label: label, path: tmp + "/" + unpacked.top, nameForCheck: unpacked.top,
                                        read: (bytes, manifest), unpackedElsewhere: unpacked.skipped)
            } catch let e as TarError {
                if e.localErrno != nil { return .failed(label: label, error: e.message) }
                return .rejected(label: label, sessionID: nil, error: e.message)
            } catch {
                return .failed(label: label, error: "\(error)")
            }
        }
    }

    static func manifestTooLarge(_ size: Int64) -> String { "session.json: \(size) bytes, over the 1 MiB limit" }

    /// `read`: the manifest when the caller has read it already (from a tar); `unpackedElsewhere`:
    /// files of the bundle that are not in `path` (a tar's unlisted members, never unpacked).
    func prepareDirectory(label: String, path: String, nameForCheck: String,
                          read: (bytes: [UInt8], manifest: Manifest)? = nil, unpackedElsewhere: [String] = []) -> Prepared {
        let dir: BundleDirectory
        do { dir = try BundleDirectory(path: path) } catch {
            return .rejected(label: label, sessionID: nil, error: error.description)
        }
        let manifestBytes: [UInt8]
        let manifest: Manifest
        if let read {
            (manifestBytes, manifest) = read
        } else {
            do {
                manifestBytes = try dir.readFile("session.json", maxBytes: Int64(Manifest.maxBytes))
            } catch let e {
                switch e {
                case .missing: return .rejected(label: label, sessionID: nil, error: "session.json: missing (a bundle directory needs a manifest)")
                case let .tooLarge(_, size, _): return .rejected(label: label, sessionID: nil, error: Self.manifestTooLarge(size))
                default: return .rejected(label: label, sessionID: nil, error: e.description)
                }
            }
            do { manifest = try Manifest.parse(manifestBytes) } catch {
                return .rejected(label: label, sessionID: nil, error: error.description)
            }
        }
        var warnings: [String] = []
        if nameForCheck != manifest.sessionID {
            warnings.append("\(label): bundle directory \"\(nameForCheck)\" is not named after its session id \(manifest.sessionID)")
        }
        let named = Set(manifest.files).union(["session.json"])
        let extra = (dir.allFiles() + unpackedElsewhere).filter { !named.contains($0) }
        if !extra.isEmpty {
            let shown = extra.prefix(5).joined(separator: ", ") + (extra.count > 5 ? ", …" : "")
            warnings.append("\(label): \(extra.count) file(s) not named by the manifest ignored: \(shown)")
        }

        // Open every named file first: a path escaping the bundle rejects it before anything is copied.
        var opened: [String: Result<(fd: Int32, size: Int64), BundleFileError>] = [:]
        defer { for case let .success(f) in opened.values { close(f.fd) } }
        let photoFiles = Set(manifest.photos.map(\.file))
        for file in manifest.files {
            let limit = photoFiles.contains(file) ? PhotoFile.maxBytes : Importer.maxAudioBytes
            do { opened[file] = .success(try dir.openFile(file, maxBytes: limit)) } catch {
                if case let .escapes(_, reason) = error {
                    return .rejected(label: label, sessionID: manifest.sessionID, error: "\(file): \(reason)")
                }
                opened[file] = .failure(error)
            }
        }
        let manifestSHA = SHA256Hasher.hex(manifestBytes)
        let known: String?
        do { known = try store.bundleDigest(of: manifest.sessionID) } catch {
            return .rejected(label: label, sessionID: manifest.sessionID, error: "store: \(error)")
        }
        if known != nil {
            // Only the digest is needed: hash without copying — except that a stored copy of this
            // session's media gone missing or damaged is restored from the bundle.
            var hashes: [String: String] = [:]
            for (file, r) in opened {
                if case let .success(f) = r, let h = hashOnly(f.fd) { hashes[file] = h }
            }
            var restored: [String] = []
            do {
                let stored = Set(try store.mediaReferences(session: manifest.sessionID).map(\.sha256))
                for (file, h) in hashes.sorted(by: { $0.key < $1.key }) where stored.contains(h) && !restored.contains(h) {
                    let local = media.path(for: h)
                    if store.keepsMediaInDatabase {
                        // A team store's copy is its chunks: restored by the writer (it alone writes).
                        if try MediaVerifier.hashChunks(store, h) == h { continue }
                    } else if MediaVerifier.hashFile(local) == h {
                        continue
                    }
                    guard case let .success(f) = opened[file], lseek(f.fd, 0, SEEK_SET) == 0 else { continue }
                    unlink(local)
                    let copy = try media.ingest(fd: f.fd, name: label + "/" + file)
                    if copy.sha256 == h { restored.append(h) }
                }
            } catch let e as MediaStoreError {
                return .failed(label: label, error: "media store: \(e)")
            } catch {
                return .rejected(label: label, sessionID: manifest.sessionID, error: "store: \(error)")
            }
            if !restored.isEmpty {
                warnings.append("\(label): restored \(restored.count) stored media file(s) of \(manifest.sessionID) that were missing or damaged")
            }
            return .known(label: label, sessionID: manifest.sessionID,
                          digest: BundlePreparer.digest(manifestSHA: manifestSHA, files: manifest.files, hashes: hashes),
                          warnings: warnings, restored: restored)
        }

        var findings: [Finding] = []
        var hashes: [String: String] = [:]
        func finding(_ file: String, _ code: FindingCode, _ detail: String) {
            findings.append(Finding(sessionID: manifest.sessionID, file: file, code: code, detail: detail))
        }
        /// Copies a file into the media store; returns its facts or nil when it is missing/unopenable.
        func ingest(_ file: String, expected: String?) throws(MediaStoreError) -> (StoredMedia, FileStatus)? {
            guard let r = opened[file] else { return nil }
            switch r {
            case let .failure(e):
                if case .missing = e { finding(file, .fileMissing, "named by the manifest but absent from the bundle") }
                else { finding(file, .fileUnreadable, e.description) }
                return nil
            case let .success(f):
                let stored = try media.ingest(fd: f.fd, name: label + "/" + file)
                hashes[file] = stored.sha256
                if let expected, expected != stored.sha256 {
                    finding(file, .fileTampered, "SHA-256 \(stored.sha256) differs from the manifest's \(expected)")
                    return (stored, .tampered)
                }
                return (stored, .ok)
            }
        }
        var recordings: [RecordingFacts] = []
        var photos: [PhotoFacts] = []
        do {
            for r in manifest.recordings {
                var facts = RecordingFacts(entry: r, status: .missing)
                if let (stored, status) = try ingest(r.file, expected: r.sha256) {
                    facts.sha256 = stored.sha256
                    facts.size = stored.size
                    facts.status = status
                    do {
                        // Decoded once here: the silence check and the waveform reuse the envelope.
                        let probe = try prober.audio(path: media.path(for: stored.sha256))
                        let info = probe.info
                        facts.frames = info.frames
                        facts.sampleRate = info.sampleRate
                        facts.channels = info.channels
                        facts.durationMillis = info.durationMillis
                        facts.container = info.container
                        facts.encoding = info.encoding
                        facts.envelope = probe.envelope
                        if probe.isShort {
                            // Kept, with the duration it decodes to; what the header claims is not the evidence.
                            let usable = info.sampleRate > 0 && probe.headerFrames <= AudioFile.maxDurationSeconds * Int64(info.sampleRate)
                            let claim = usable ? "of the \(clockText(probe.headerFrames * 1000 / Int64(info.sampleRate))) its header claims"
                                               : "(its header names no usable length)"
                            finding(r.file, .fileUnreadable, "does not decode to its end: \(clockText(info.durationMillis)) decoded "
                                    + claim + (probe.decodeError.map { " (\($0))" } ?? ""))
                        }
                    } catch {
                        finding(r.file, .fileUnreadable, error.message)
                        if status == .ok { facts.status = .unreadable }
                    }
                } else if case .failure(let e)? = opened[r.file], case .missing = e {
                    facts.status = .missing
                } else {
                    facts.status = .unreadable
                }
                recordings.append(facts)
            }
            for p in manifest.photos {
                var facts = PhotoFacts(entry: p, status: .missing)
                if let (stored, status) = try ingest(p.file, expected: p.sha256) {
                    facts.sha256 = stored.sha256
                    facts.size = stored.size
                    facts.status = status
                    do {
                        let info = try prober.photo(path: media.path(for: stored.sha256))
                        facts.width = info.width
                        facts.height = info.height
                        facts.thumbnail = info.thumbnail
                        if let damage = info.damage { finding(p.file, .fileDamaged, "decoded past damaged data: " + damage) }
                        if let civil = info.exifDateTime {
                            facts.exifText = civil.dateString + " " + civil.timeString
                            facts.exifTime = PhotoFile.captureTime(info, timezone: manifest.location.timezone)
                            facts.exifOffsetKnown = info.exifOffsetSeconds != nil
                        }
                    } catch {
                        finding(p.file, .fileUnreadable, error.message)
                        if status == .ok { facts.status = .unreadable }
                    }
                } else if case .failure(let e)? = opened[p.file], case .missing = e {
                    facts.status = .missing
                } else {
                    facts.status = .unreadable
                }
                photos.append(facts)
            }
        } catch {
            return .failed(label: label, error: "media store: \(error)")
        }
        let bundle = SessionBundle(
            manifest: manifest, manifestBytes: manifestBytes, manifestSHA256: manifestSHA,
            digest: BundlePreparer.digest(manifestSHA: manifestSHA, files: manifest.files, hashes: hashes),
            source: label, importedAt: now(), recordings: recordings, photos: photos, findings: findings)
        return .ready(label: label, bundle: bundle, warnings: warnings)
    }

    /// Identity of a bundle's content: its manifest and every named file (or its absence).
    static func digest(manifestSHA: String, files: [String], hashes: [String: String]) -> String {
        var text = "msr-bundle-digest/1\n" + manifestSHA + "\n"
        for f in files { text += f + "\u{0}" + (hashes[f] ?? "-") + "\n" }
        return SHA256Hasher.hex(Array(text.utf8))
    }

    func hashOnly(_ fd: Int32) -> String? {
        let h = SHA256Hasher()
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            buf.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return h.finalizeHex()
    }

}

/// The bundles of one import, prepared by worker threads in order of a shared counter and
/// handed to the writer in source order. A worker starts bundle i only while i is within
/// `window` of the last bundle the writer took, which bounds what waits in memory.
final class PreparationQueue: @unchecked Sendable {
    private let sources: [(label: String, source: BundleSource)]
    private let window: Int
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var next = 0
    private var taken = 0
    private var running = 0
    private var stopped = false
    private var results: [Int: Prepared] = [:]

    init(sources: [(label: String, source: BundleSource)], window: Int) {
        self.sources = sources
        self.window = max(1, window)
    }

    func start(_ preparers: [BundlePreparer]) {
        condition.lock()
        running = preparers.count
        condition.unlock()
        for preparer in preparers { Thread.detachNewThread { self.work(preparer) } }
    }

    private func work(_ preparer: BundlePreparer) {
        while true {
            condition.lock()
            while !stopped && next < sources.count && next >= taken + window { condition.wait() }
            if stopped || next >= sources.count {
                running -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let i = next
            next += 1
            condition.unlock()
            let result = preparer.prepare(label: sources[i].label, source: sources[i].source)
            condition.lock()
            results[i] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The results of `range` (the next bundles in order), once all are prepared.
    func take(_ range: Range<Int>) -> [Prepared] {
        condition.lock()
        defer { condition.unlock() }
        while range.contains(where: { results[$0] == nil }) { condition.wait() }
        taken = range.upperBound
        condition.broadcast()
        return range.map { results.removeValue(forKey: $0)! }
    }

    /// Stops handing out bundles and waits for the workers to finish the ones they hold.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
