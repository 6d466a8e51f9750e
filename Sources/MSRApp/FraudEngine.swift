import MSRCore
import MSRMedia
import MSRStore

extension FraudThresholds {
    /// Thresholds from the settings (config file and `--set`).
    public init(_ config: Config) {
        self.init()
        windowSeconds = config["window_seconds"]
        exifToleranceSeconds = config["exif_tolerance_seconds"]
        minSecondsPerAnswer = config["min_seconds_per_answer"]
        silentShare = config["silent_share"]
        silentDBFS = config["silent_dbfs"]
        overlapSeconds = config["overlap_seconds"]
        futureSeconds = config["future_seconds"]
        similarDistance = Int(config["similar_distance"])
        probablyCorrelation = config["similar_probably"]
        maybeCorrelation = config["similar_maybe"]
    }
}

/// Runs the anti-fraud catalogue against the store: for new sessions at import (and the
/// stored sessions they affect), or again over stored sessions on demand.
public final class FraudEngine {
    let store: Store
    let t: FraudThresholds
    let media: MediaStore?
    /// Decodes media for the backfill (the command line passes the isolated child, as import does).
    let prober: MediaProber
    let now: () -> Timestamp
    /// Row id and hash of every stored photo use, for similarity look-ups; read from the store
    /// once and then only the rows after the last id held (`syncStoredPhotos`). One engine serves
    /// a whole import, so each batch reads just its own new rows.
    var storedPhotos: PhotoIndex<Int64>
    var storedPhotosGeneration: Int64?
    /// During a re-check: the deleted findings' ids, for the ones derived again.
    var recycled: RecycledFindingIDs?

    public init(store: Store, thresholds: FraudThresholds, media: MediaStore? = nil, prober: MediaProber = InProcessProber(),
                now: @escaping () -> Timestamp = Timestamp.now) {
        self.store = store
        self.t = thresholds
        self.media = media
        self.prober = prober
        self.now = now
        storedPhotos = PhotoIndex(distance: thresholds.similarDistance)
    }

    /// Drops the in-memory index (after a rolled-back write); the next look-up reads it anew.
    func forgetStoredPhotos() { storedPhotosGeneration = nil }

    /// Brings the in-memory index up to the store (call inside the write transaction). When
    /// uses were deleted since (a re-check), ids may be reused: the index is read anew.
    func syncStoredPhotos() throws {
        let generation = try store.photoUsesGeneration()
        if generation != storedPhotosGeneration {
            storedPhotos = PhotoIndex(distance: t.similarDistance)
            storedPhotosGeneration = generation
        }
        // Rows come in id order, so the last id held is where the store's new rows begin.
        try store.forEachPhotoPrints(after: storedPhotos.payloads.last ?? 0) { id, prints in storedPhotos.insert(id, prints: prints) }
    }

    func withAudio(_ e: SessionEvidence) -> SessionEvidence {
        var e = e
        var loud = 0, total = 0
        for r in e.recordings {
            guard let env = r.envelope else { continue }
            loud += AudioFile.loudFrames(env, dbfs: t.silentDBFS)
            total += env.count
        }
        e.loudFrames = loud
        e.totalFrames = total
        return e
    }

    func uses(_ e: SessionEvidence) -> [PhotoUse] {
        // Each photo is printed once, however many questionnaires use it.
        var prints: [String: [UInt64]] = [:]
        return e.manifest.questionnaires.flatMap { q in
            FraudCheck.photos(of: q, in: e.photos, t: t).compactMap { p in
                p.sha256.map { sha in
                    if prints[sha] == nil {
                        prints[sha] = p.thumbnail.flatMap { $0.lowDetailReason == nil ? PhotoMatcher.storedPrints($0) : nil } ?? []
                    }
                    return PhotoUse(sessionID: e.manifest.sessionID, questionnaireID: q.id, questionnaireStart: q.startedAt.utcMillis,
                                    file: p.entry.file, sha256: sha, thumbnail: p.thumbnail, prints: prints[sha])
                }
            }
        }
    }

    /// Checks sessions just inserted (inside the import's transaction) and flags the stored
    /// sessions they affect — a reused photo or an overlap found later flags the later session,
    /// and a late-arriving earlier session makes the former original a reuse — without
    /// rescanning the store: only the photos, devices and employees involved are looked up.
    public func checkNew(_ bundles: [SessionBundle]) throws {
        let at = now()
        var newUses: [PhotoUse] = []
        for b in bundles {
            let e = withAudio(SessionEvidence(manifest: b.manifest, recordings: b.recordings, photos: b.photos,
                                              loudFrames: 0, totalFrames: 0, importedAt: b.importedAt))
            for f in FraudCheck.local(e, t) { try store.addFindingIfAbsent(f, at: at, reusing: recycled) }
            let u = uses(e)
            try store.addPhotoUses(u)
            newUses += u
        }
        try flagPhotoPartners(of: newUses, at: at)
        let fresh = bundles.map(\.manifest)
        guard let from = fresh.map(\.startedAt.utcMillis).min(), let to = fresh.map(\.endedAt.utcMillis).max() else { return }
        let nearby = try store.intervals(devices: Set(fresh.map(\.deviceID)), employees: Set(fresh.map(\.employee.id)), from: from, to: to)
        let ids = Set(fresh.map(\.sessionID))
        // Only pairs with a new session: the others were checked when they arrived.
        for f in FraudCheck.overlaps(nearby, t: t) {
            let other = String(f.detail.dropFirst("overlaps ".count).prefix { $0 != " " })
            if ids.contains(f.sessionID) || ids.contains(other) { try store.addFindingIfAbsent(f, at: at, reusing: recycled) }
        }
    }

    /// Recomputes every derived finding (all but file-*) of all sessions, or of one session and
    /// its reuse/similarity/overlap partners. Returns how many sessions were checked.
    /// Cross-session checks use in-memory indexes: a sort per device/employee for overlaps,
    /// SHA-256 groups for reuse, band buckets for similarity — never all pairs.
    @discardableResult
    public func recheck(session: String? = nil, progress: ((Int) -> Void)? = nil) throws -> Int {
        let at = now()
        recycled = RecycledFindingIDs()
        defer { recycled = nil }
        return try store.write {
            var count = 0
            var allUses: [PhotoUse] = []
            var local: [Finding] = []
            if session == nil { try store.clearPhotoUses() }
            try store.forEachEvidence(sessions: session.map { [$0] }) { raw in
                let e = withAudio(try backfill(raw))
                local += FraudCheck.local(e, t)
                let u = uses(e)
                if let session { try store.replacePhotoUses(session: session, u) }
                else { try store.addPhotoUses(u) }
                allUses += u
                count += 1
                if count % 1000 == 0 { progress?(count) }
            }
            if let session, count == 0 { throw ReviewError.noSession(session) }
            if let session {
                // One session: its own findings anew; partners only gain what concerns it.
                try store.deleteFindings(sessions: [session], codes: Store.derivedCodes, keeping: recycled)
                for f in local { try store.addFindings([f], at: at, reusing: recycled) }
                try flagPhotoPartners(of: allUses, at: at)
                if let me = try store.allIntervalsFor(session) {
                    let nearby = try store.intervals(devices: [me.deviceID], employees: [me.employeeID], from: me.start, to: me.end)
                    for f in FraudCheck.overlaps(nearby, t: t) where f.sessionID == session || f.detail.hasPrefix("overlaps \(session) ") {
                        try store.addFindingIfAbsent(f, at: at, reusing: recycled)
                    }
                }
                return count
            }
            try store.deleteFindings(sessions: nil, codes: Store.derivedCodes, keeping: recycled)
            var findings = local
            findings += FraudCheck.reused(allUses)
            let index = PhotoIndex<PhotoUse>(distance: t.similarDistance)
            let memo = PhotoMatchMemo()
            var queries: [String: [UInt64]] = [:]
            for u in allUses.sorted(by: PhotoUse.earlier) {
                if u.thumbnail != nil {
                    if queries[u.sha256] == nil { queries[u.sha256] = u.queryPrints }
                    if let f = FraudCheck.similar(u, candidates: index.near(queries[u.sha256]!), t: t, memo: memo) { findings.append(f) }
                }
                index.insert(u)
            }
            findings += FraudCheck.overlaps(try store.allIntervals(), t: t)
            try store.addFindings(findings, at: at, reusing: recycled)
            return count
        }
    }

    /// Reuse and similarity between the given photo uses (already stored) and every stored one,
    /// through the SHA-256 index and the in-memory band index: the later use of each pair is
    /// flagged — also a stored one, when an earlier photo arrives late.
    func flagPhotoPartners(of uses: [PhotoUse], at: Timestamp) throws {
        if uses.contains(where: { $0.thumbnail != nil }) { try syncStoredPhotos() }
        for sha in Set(uses.map(\.sha256)) {
            for f in FraudCheck.reused(try store.photoUses(sha256: sha)) { try store.addFindingIfAbsent(f, at: at, reusing: recycled) }
        }
        // Partners are uses of *other* photos near the hash (copies of the same file are reuse,
        // above), looked up once per photo: a bundle whose thousands of questionnaires share one
        // photo costs one look-up, not one per questionnaire over all the others (quadratic).
        var partners: [String: [PhotoUse]] = [:]
        let memo = PhotoMatchMemo()
        for u in uses {
            guard u.thumbnail != nil else { continue }
            if partners[u.sha256] == nil {
                partners[u.sha256] = try store.photoUses(ids: storedPhotos.near(u.queryPrints)).filter { $0.sha256 != u.sha256 }
            }
            let candidates = partners[u.sha256]!
            if let f = FraudCheck.similar(u, candidates: candidates, t: t, memo: memo) { try store.addFindingIfAbsent(f, at: at, reusing: recycled) }
            // A stored use that is later than this one is the copy: matched the other way round.
            for c in candidates where PhotoUse.earlier(u, c) {
                if let f = FraudCheck.similar(c, candidates: [u], t: t, memo: memo) { try store.addFindingIfAbsent(f, at: at, reusing: recycled) }
            }
        }
    }

    /// Stores made before the engine lack envelopes and hashes: compute them from the media once.
    func backfill(_ e: SessionEvidence) throws -> SessionEvidence {
        guard let media else { return e }
        var e = e
        for i in e.recordings.indices where e.recordings[i].envelope == nil && e.recordings[i].durationMillis != nil {
            guard let sha = e.recordings[i].sha256, let env = (try? prober.audio(path: media.path(for: sha)))?.envelope else { continue }
            e.recordings[i].envelope = env
            try store.setEnvelope(session: e.manifest.sessionID, file: e.recordings[i].entry.file, env)
        }
        for i in e.photos.indices where e.photos[i].thumbnail == nil && e.photos[i].sha256 != nil && e.photos[i].status != .unreadable && e.photos[i].status != .missing {
            guard let sha = e.photos[i].sha256, let t = (try? prober.photo(path: media.path(for: sha)))?.thumbnail else { continue }
            e.photos[i].thumbnail = t
            try store.setThumbnail(session: e.manifest.sessionID, file: e.photos[i].entry.file, t)
        }
        return e
    }
}
