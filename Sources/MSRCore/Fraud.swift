/// Thresholds of the anti-fraud catalogue; defaults are the bundle format's.
public struct FraudThresholds: Equatable, Sendable {
    /// A questionnaire's window is [started − window, submitted + window].
    public var windowSeconds: Double = 60
    public var exifToleranceSeconds: Double = 120
    public var minSecondsPerAnswer: Double = 1.0
    /// Share of 100 ms frames that must reach `silentDBFS` for the audio not to be silent.
    public var silentShare: Double = 0.05
    public var silentDBFS: Double = -45
    public var overlapSeconds: Double = 5
    public var futureSeconds: Double = 300
    /// Largest Hamming distance (of 63 bits) between two photos' closest prints for them to be
    /// compared at all (see `PhotoMatcher`).
    public var similarDistance: Int = 8
    /// Correlation of the aligned thumbnails from which a match is `probably` …
    public var probablyCorrelation: Double = 0.95
    /// … and `maybe`.
    public var maybeCorrelation: Double = 0.80

    public init() {}
}

/// What the checks need to know of one stored or incoming session.
public struct SessionEvidence: Sendable {
    public var manifest: Manifest
    public var recordings: [RecordingFacts]
    public var photos: [PhotoFacts]
    /// 100 ms frames that reach the loudness threshold, and all frames, over readable recordings.
    public var loudFrames: Int
    public var totalFrames: Int
    public var importedAt: Timestamp

    public init(manifest: Manifest, recordings: [RecordingFacts], photos: [PhotoFacts], loudFrames: Int, totalFrames: Int, importedAt: Timestamp) {
        self.manifest = manifest
        self.recordings = recordings
        self.photos = photos
        self.loudFrames = loudFrames
        self.totalFrames = totalFrames
        self.importedAt = importedAt
    }
}

/// A photo as used by one questionnaire: the unit the reuse and similarity checks compare.
public struct PhotoUse: Equatable, Hashable, Sendable {
    public var sessionID: String
    public var questionnaireID: String
    public var questionnaireStart: Int64
    public var file: String
    public var sha256: String
    /// The photo's thumbnail when it has enough detail to be matched (see `PhotoThumbnail.lowDetailReason`).
    public var thumbnail: PhotoThumbnail?

    /// What the similarity index holds for this use: its six prints (none without a thumbnail).
    public var prints: [UInt64]

    /// `prints`, when the caller has them (one photo used by many questionnaires is printed once).
    public init(sessionID: String, questionnaireID: String, questionnaireStart: Int64, file: String, sha256: String,
                thumbnail: PhotoThumbnail?, prints: [UInt64]? = nil) {
        (self.sessionID, self.questionnaireID, self.questionnaireStart, self.file, self.sha256) =
            (sessionID, questionnaireID, questionnaireStart, file, sha256)
        if let prints {
            self.thumbnail = prints.isEmpty ? nil : thumbnail
            self.prints = prints
        } else {
            self.thumbnail = thumbnail.flatMap { $0.lowDetailReason == nil ? $0 : nil }
            self.prints = self.thumbnail.map(PhotoMatcher.storedPrints) ?? []
        }
    }
    /// What it is looked up with: its thirteen turned, mirrored, cropped and rotated prints.
    public var queryPrints: [UInt64] { thumbnail.map(PhotoMatcher.queryPrints) ?? [] }

    /// Earlier questionnaires first (ties by session, questionnaire, file): the first use is the original.
    public static func earlier(_ a: PhotoUse, _ b: PhotoUse) -> Bool {
        (a.questionnaireStart, a.sessionID, a.questionnaireID, a.file) < (b.questionnaireStart, b.sessionID, b.questionnaireID, b.file)
    }
}

/// A session's place in time, for the overlap check.
public struct SessionInterval: Equatable, Sendable {
    public var sessionID: String
    public var deviceID: String
    public var employeeID: String
    public var start: Int64
    public var end: Int64

    public init(sessionID: String, deviceID: String, employeeID: String, start: Int64, end: Int64) {
        (self.sessionID, self.deviceID, self.employeeID, self.start, self.end) = (sessionID, deviceID, employeeID, start, end)
    }
}

/// The anti-fraud checks: pure functions of sessions and their indexes.
public enum FraudCheck {
    /// Photos "of" a questionnaire: those the device linked to it, else the bundle's photos
    /// taken inside its window.
    public static func photos(of q: Manifest.Questionnaire, in photos: [PhotoFacts], t: FraudThresholds) -> [PhotoFacts] {
        if !q.photos.isEmpty { return photos.filter { q.photos.contains($0.entry.file) } }
        let (from, to) = window(q, t)
        return photos.filter { p in p.entry.takenAt.map { $0.utcMillis >= from && $0.utcMillis <= to } ?? false }
    }

    public static func window(_ q: Manifest.Questionnaire, _ t: FraudThresholds) -> (Int64, Int64) {
        let w = Int64(t.windowSeconds * 1000)
        return (q.startedAt.utcMillis - w, q.submittedAt.utcMillis + w)
    }

    /// Every check that needs only the session itself (all but reuse, similarity and overlap;
    /// file-* findings come from import, which alone saw the bundle's files).
    public static func local(_ s: SessionEvidence, _ t: FraudThresholds) -> [Finding] {
        let m = s.manifest
        var out: [Finding] = []
        func add(_ q: String?, _ file: String?, _ code: FindingCode, _ detail: String) {
            out.append(Finding(sessionID: m.sessionID, questionnaireID: q, file: file, code: code, detail: detail))
        }
        for q in m.questionnaires {
            let (from, to) = window(q, t)
            let mine = photos(of: q, in: s.photos, t: t)
            let anyInWindow = s.photos.contains { p in p.entry.takenAt.map { $0.utcMillis >= from && $0.utcMillis <= to } ?? false }
            if q.photos.isEmpty && !anyInWindow {
                add(q.id, nil, .photoMissing, "no photo linked and none taken between \(clock(from, q.startedAt)) and \(clock(to, q.startedAt))")
            }
            for p in mine {
                if let exif = p.exifTime, let taken = p.entry.takenAt {
                    let diff = abs(exif.utcMillis - taken.utcMillis)
                    if Double(diff) > t.exifToleranceSeconds * 1000 {
                        add(q.id, p.entry.file, .photoTimeMismatch, "EXIF capture time \(p.exifText ?? "") is \(seconds(diff)) from taken_at \(taken)")
                    }
                }
                if q.photos.contains(p.entry.file), let taken = p.entry.takenAt, taken.utcMillis < from || taken.utcMillis > to {
                    add(q.id, p.entry.file, .photoTimeMismatch, "linked photo taken at \(taken), outside the questionnaire's window")
                }
                if p.exifTime == nil, p.status != .missing, p.status != .unreadable {
                    add(q.id, p.entry.file, .photoNoExif, "the photo carries no EXIF capture time")
                }
            }
            var outside: [String] = []
            for (name, ts) in [("started_at", q.startedAt), ("submitted_at", q.submittedAt)] where ts < m.startedAt || ts > m.endedAt {
                outside.append("\(name) \(ts)")
            }
            for a in q.answers { if let at = a.answeredAt, at < m.startedAt || at > m.endedAt { outside.append("\(a.question) answered \(at)") } }
            if !outside.isEmpty {
                add(q.id, nil, .answersOutsideSession, outside.prefix(3).joined(separator: "; ") + " outside the session \(m.startedAt) – \(m.endedAt)")
            }
            var disorder: [String] = []
            if q.submittedAt < q.startedAt { disorder.append("submitted \(q.submittedAt) before started \(q.startedAt)") }
            for a in q.answers { if let at = a.answeredAt, at < q.startedAt || at > q.submittedAt { disorder.append("\(a.question) answered \(at) outside the questionnaire") } }
            if !disorder.isEmpty { add(q.id, nil, .answersOutOfOrder, disorder.prefix(3).joined(separator: "; ")) }
            if !q.answers.isEmpty {
                let perAnswer = Double(q.submittedAt.utcMillis - q.startedAt.utcMillis) / 1000 / Double(q.answers.count)
                if perAnswer < t.minSecondsPerAnswer {
                    add(q.id, nil, .answersTooFast, "\(q.answers.count) answers in \(seconds(q.submittedAt.utcMillis - q.startedAt.utcMillis)): \(decimal(perAnswer)) s per answer (under \(decimal(t.minSecondsPerAnswer)) s)")
                }
            }
            let covered = s.recordings.contains { r in
                guard let (a, b) = r.interval.map({ ($0.start.utcMillis, $0.end.utcMillis) }) else { return false }
                return a <= to && b >= from
            }
            if !covered { add(q.id, nil, .audioMissing, "no recording covers \(clock(from, q.startedAt)) – \(clock(to, q.startedAt))") }
        }
        if s.totalFrames > 0 {
            let share = Double(s.loudFrames) / Double(s.totalFrames)
            if share < t.silentShare {
                add(nil, nil, .audioSilent, "\(decimal(share * 100))% of 100 ms frames reach \(decimal(t.silentDBFS)) dBFS (under \(decimal(t.silentShare * 100))%)")
            }
        }
        if let hours = m.location.hours {
            let zone = m.location.timezone
            for (name, ts) in [("starts", m.startedAt), ("ends", m.endedAt)] {
                let offset = zone.flatMap { Zone.offset(of: ts, in: $0) } ?? ts.offsetSeconds
                let local = Timestamp(utcMillis: ts.utcMillis, offsetSeconds: offset).local
                let minute = local.hour * 60 + local.minute
                let second = minute * 60 + local.second
                let open = hours.open * 60, close = hours.close * 60
                let inside = open <= close ? (second >= open && second <= close) : (second >= open || second <= close)
                if !inside {
                    add(nil, nil, .outsideHours, "\(name) at \(local.timeString) local, outside opening hours \(hours.openText)–\(hours.closeText)")
                    break
                }
            }
        }
        let limit = s.importedAt.utcMillis + Int64(t.futureSeconds * 1000)
        if let latest = m.allTimestamps.max(), latest.utcMillis > limit {
            add(nil, nil, .futureTimestamp, "\(latest) is \(seconds(latest.utcMillis - s.importedAt.utcMillis)) after the import at \(s.importedAt)")
        }
        return out
    }

    /// photo-reused over every use of the given photos: all but the earliest use of each
    /// SHA-256 are flagged, naming the original.
    public static func reused(_ uses: [PhotoUse]) -> [Finding] {
        var out: [Finding] = []
        for (_, group) in Dictionary(grouping: uses, by: \.sha256) where group.count > 1 {
            let sorted = group.sorted(by: PhotoUse.earlier)
            let original = sorted[0]
            for u in sorted.dropFirst() {
                out.append(Finding(sessionID: u.sessionID, questionnaireID: u.questionnaireID, file: u.file, code: .photoReused,
                                   detail: "byte-identical to \(original.file) of \(original.sessionID) \(original.questionnaireID) (the original)"))
            }
        }
        return out
    }

    /// photo-similar: for a use, the nearest earlier use of a *different* photo in another
    /// session (several photos of one service are alike by nature), graded by `PhotoMatcher`:
    /// the best grade, then the highest correlation, then the earliest. `candidates` must hold
    /// every use that could match (see `PhotoIndex`).
    public static func similar(_ use: PhotoUse, candidates: [PhotoUse], t: FraudThresholds, memo: PhotoMatchMemo? = nil) -> Finding? {
        guard let mine = use.thumbnail else { return nil }
        var best: (PhotoUse, PhotoMatch)?
        for c in candidates where c.sha256 != use.sha256 && c.sessionID != use.sessionID && PhotoUse.earlier(c, use) {
            guard let theirs = c.thumbnail else { continue }
            let matched: PhotoMatch?
            if let memo { matched = memo.match(use.sha256, mine, c.sha256, theirs, t) } else { matched = PhotoMatcher.match(mine, theirs, t: t) }
            guard let m = matched else { continue }
            if let (bc, bm) = best, (bm.grade, -bm.correlation) < (m.grade, -m.correlation)
                || ((bm.grade, -bm.correlation) == (m.grade, -m.correlation) && PhotoUse.earlier(bc, c)) { continue }
            best = (c, m)
        }
        guard let (c, m) = best else { return nil }
        let how = m.transform.map { "\($0); " } ?? ""
        let r = (m.correlation * 100).rounded() / 100
        return Finding(sessionID: use.sessionID, questionnaireID: use.questionnaireID, file: use.file, code: .photoSimilar,
                       detail: "\(m.grade.rawValue): \(m.grade == .definitely ? "the same picture as" : "resembles") \(c.file) of \(c.sessionID) \(c.questionnaireID) (\(how)distance \(m.distance) of \(PhotoMatcher.printBits), correlation \(r))",
                       grade: m.grade)
    }

    /// session-overlap over a set of sessions: each session overlapped by another with the same
    /// device or employee for more than the threshold gets one finding per other session.
    /// Sorted sweep per device and per employee: O(n log n + overlaps).
    public static func overlaps(_ sessions: [SessionInterval], t: FraudThresholds, only: Set<String>? = nil) -> [Finding] {
        let minimum = Int64(t.overlapSeconds * 1000)
        var found: [String: [String: (Int64, String)]] = [:]  // session → other → (overlap, why)
        func sweep(_ key: (SessionInterval) -> String, _ label: String) {
            for (k, group) in Dictionary(grouping: sessions, by: key) where group.count > 1 {
                let sorted = group.sorted { ($0.start, $0.sessionID) < ($1.start, $1.sessionID) }
                var active: [SessionInterval] = []
                for s in sorted {
                    active.removeAll { $0.end - s.start <= minimum }
                    for a in active {
                        let overlap = min(a.end, s.end) - s.start
                        guard overlap > minimum else { continue }
                        let why = "same \(label) \(k)"
                        if found[s.sessionID]?[a.sessionID] == nil { found[s.sessionID, default: [:]][a.sessionID] = (overlap, why) }
                        if found[a.sessionID]?[s.sessionID] == nil { found[a.sessionID, default: [:]][s.sessionID] = (overlap, why) }
                    }
                    active.append(s)
                }
            }
        }
        sweep(\.deviceID, "device")
        sweep(\.employeeID, "employee")
        var out: [Finding] = []
        for (session, others) in found where only?.contains(session) ?? true {
            for (other, (overlap, why)) in others {
                out.append(Finding(sessionID: session, code: .sessionOverlap, detail: "overlaps \(other) by \(seconds(overlap)) (\(why))"))
            }
        }
        return out
    }

    /// What each check means and its threshold (`msreview fraud --explain CODE`).
    public static func explain(_ code: FindingCode, _ t: FraudThresholds) -> String {
        let w = "window (questionnaire started_at − \(decimal(t.windowSeconds)) s … submitted_at + \(decimal(t.windowSeconds)) s)"
        switch code {
        case .photoMissing: return "No photo is linked to the questionnaire and no photo of the bundle has a taken_at inside its \(w). Setting: window_seconds = \(decimal(t.windowSeconds))."
        case .photoReused: return "A photo of the questionnaire is byte-identical (same SHA-256) to a photo of an earlier questionnaire (by started_at), in this or any stored session; the earliest use is the original and is not flagged."
        case .photoSimilar: return "A photo of the questionnaire is a different file but shows the picture of a photo of an earlier questionnaire in another session, graded definitely (the same pixels: re-encoded, metadata stripped, bytes damaged, colours converted; fraud), probably (an edited copy: resized, cropped by up to 10 %, rotated by up to 3°, turned, mirrored, brightened; fraud) or maybe (alike enough for a person to look; suspect). Prints are 63-bit DCT hashes of the upright 32×32 thumbnail and of its crops, turns and rotations; a pair within \(t.similarDistance) bits is compared by the correlation of the aligned thumbnails: probably from \(t.probablyCorrelation), maybe from \(t.maybeCorrelation); definitely when the unturned prints differ by at most \(PhotoMatcher.definitelyDistance) bits and the thumbnails by at most \(decimal(PhotoMatcher.definitelyMeanDifference)) grey levels. Settings: similar_distance = \(t.similarDistance), similar_probably = \(t.probablyCorrelation), similar_maybe = \(t.maybeCorrelation)."
        case .photoTimeMismatch: return "A photo's EXIF capture time differs from its manifest taken_at by more than \(decimal(t.exifToleranceSeconds)) s, or a linked photo's taken_at lies outside the \(w). EXIF time is DateTimeOriginal with OffsetTimeOriginal, else read in location.timezone, else UTC. Setting: exif_tolerance_seconds = \(decimal(t.exifToleranceSeconds))."
        case .photoNoExif: return "A photo of the questionnaire carries no EXIF capture time (stripped metadata is itself a signal)."
        case .answersOutsideSession: return "The questionnaire's started_at, submitted_at or an answered_at lies outside the session's [started_at, ended_at]."
        case .answersOutOfOrder: return "submitted_at is before started_at, or an answered_at lies outside the questionnaire's [started_at, submitted_at]."
        case .answersTooFast: return "(submitted_at − started_at) / answers is under \(decimal(t.minSecondsPerAnswer)) s. Setting: min_seconds_per_answer = \(decimal(t.minSecondsPerAnswer))."
        case .audioMissing: return "No recording covers any part of the questionnaire's \(w); a recording covers its started_at plus the duration read from the file."
        case .audioSilent: return "Per session: under \(decimal(t.silentShare * 100)) % of the session's recorded 100 ms frames reach \(decimal(t.silentDBFS)) dBFS RMS. Settings: silent_share = \(decimal(t.silentShare)), silent_dbfs = \(decimal(t.silentDBFS))."
        case .sessionOverlap: return "Per session: another stored session with the same device_id or employee id overlaps it by more than \(decimal(t.overlapSeconds)) s. Setting: overlap_seconds = \(decimal(t.overlapSeconds))."
        case .outsideHours: return "Per session: the session starts or ends outside location.hours, read in location.timezone (else the session's own offset)."
        case .futureTimestamp: return "Per session: a timestamp of the manifest is more than \(decimal(t.futureSeconds)) s after the moment of import. Setting: future_seconds = \(decimal(t.futureSeconds))."
        case .fileMissing: return "Per file: a file named by the manifest is absent from the bundle. Raised at import."
        case .fileTampered: return "Per file: its SHA-256 differs from the manifest's sha256. The file is kept as evidence. Raised at import."
        case .fileUnreadable: return "Per file: libsndfile or the JPEG decoder cannot read it (or it breaks a size, format or duration limit). Raised at import."
        case .fileDamaged: return "Per file: the JPEG decoder read the photo to its end only by passing over damaged data (libjpeg's warning is quoted: stray bytes before a marker, a premature end filled with grey). The photo is kept, dated and matched by what decoded. Raised at import."
        }
    }

    static func seconds(_ ms: Int64) -> String {
        let s = abs(ms) / 1000
        if s < 120 { return "\(decimal(Double(abs(ms)) / 1000)) s" }
        return s >= 3600 ? "\(s / 3600) h \(s % 3600 / 60) min" : "\(s / 60) min \(s % 60) s"
    }

    static func clock(_ ms: Int64, _ like: Timestamp) -> String {
        Timestamp(utcMillis: ms, offsetSeconds: like.offsetSeconds).local.timeString
    }
}

/// A number with at most one decimal, without a trailing ".0".
func decimal(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return r == r.rounded() ? String(Int64(r)) : String(r)
}

/// Photo comparisons already made, by the two photos' SHA-256: one photo used by thousands of
/// questionnaires is compared with each candidate once, not once per questionnaire.
/// Each photo's variants are made once too.
public final class PhotoMatchMemo {
    var known: [String: PhotoMatch?] = [:]
    var queries: [String: [PhotoMatcher.Variant]] = [:]
    var stored: [String: [PhotoMatcher.Variant]] = [:]
    public init() {}

    /// Photo `a` (looked up) against stored photo `b`, each named by a key (its SHA-256).
    public func match(_ a: String, _ at: PhotoThumbnail, _ b: String, _ bt: PhotoThumbnail, _ t: FraudThresholds) -> PhotoMatch? {
        let key = a + " " + b
        if let m = known[key] { return m }
        if queries[a] == nil { queries[a] = PhotoMatcher.queryVariants(Plane(at)) }
        if stored[b] == nil { stored[b] = PhotoMatcher.storedVariants(Plane(bt)) }
        let m = PhotoMatcher.match(at, queries[a]!, bt, stored[b]!, t: t)
        known[key] = m
        return m
    }
}

/// Finds, without comparing every pair, the stored prints within a distance of a query print:
/// multi-index hashing. Each 64-bit print is cut into `distance / 2 + 1` bands (five of 12–13
/// bits at the default distance 8); two prints within `distance` bits then agree on at least one
/// band to within one bit (pigeonhole), so a look-up visits per band only the bucket of the
/// query's key and of its one-bit neighbours — 70 buckets a print, not every print. A payload is
/// handed out once, when any of its prints truly matches. The payload is a whole `PhotoUse` (a
/// full re-check) or just its row id (the import's index of every stored use, which would not
/// fit in memory as whole uses).
///
/// A bucket keeps its prints inline, beside their owners: a look-up reads each bucket it visits
/// front to back, and touches anything else only for a true match. Few wide bands keep the
/// visits few (each costs a cache miss or two), at the price of fuller buckets; four 16-bit bands
/// (137 buckets a band) made a look-up at 1,000,000 photos 5 ms, mostly in visits.
public final class PhotoIndex<Payload> {
    public let distance: Int
    /// Each band's first bit and width, and where its buckets start in the flat bucket list.
    let bands: [(shift: Int, width: Int, first: Int)]
    /// Per band, the key masks within the band's radius of zero (XORed with a query's key).
    let flips: [[Int]]
    /// The buckets of every band, one after another: the prints whose band has that key, and
    /// beside them the payload number of each.
    var bucketPrints: [[UInt64]]
    var bucketOwners: [[Int32]]
    var seen: [UInt32] = []
    var query: UInt32 = 0
    public private(set) var payloads: [Payload] = []
    public private(set) var printCount = 0

    public init(distance: Int) {
        self.distance = distance
        let count = max(1, distance / 2 + 1)
        let radius = distance / count
        var bands: [(Int, Int, Int)] = []
        var shift = 0, first = 0
        for b in 0..<count {
            let width = (64 - shift) / (count - b)
            bands.append((shift, width, first))
            shift += width
            first += 1 << width
        }
        self.bands = bands
        flips = bands.map { band in (0..<(1 << band.1)).filter { $0.nonzeroBitCount <= radius } }
        bucketPrints = Array(repeating: [], count: first)
        bucketOwners = Array(repeating: [], count: first)
    }

    public var count: Int { payloads.count }

    /// Bytes the index holds: its arrays' capacities (the buckets' headers included), payloads aside.
    public var memoryBytes: Int {
        let header = 32  // a Swift array's heap header
        var bytes = seen.capacity * 4 + flips.reduce(0) { $0 + $1.capacity * 8 } + bucketPrints.capacity * 8 + bucketOwners.capacity * 8
        for b in bucketPrints where b.capacity > 0 { bytes += header + b.capacity * 8 }
        for b in bucketOwners where b.capacity > 0 { bytes += header + b.capacity * 4 }
        return bytes
    }

    func bucket(_ p: UInt64, _ band: (shift: Int, width: Int, first: Int)) -> Int {
        band.first + Int((p >> UInt64(band.shift)) & ((1 << UInt64(band.width)) - 1))
    }

    public func insert(_ payload: Payload, prints ps: [UInt64]) {
        guard !ps.isEmpty else { return }
        let owner = Int32(payloads.count)
        payloads.append(payload)
        seen.append(0)
        for p in ps {
            printCount += 1
            for band in bands {
                let b = bucket(p, band)
                bucketPrints[b].append(p)
                bucketOwners[b].append(owner)
            }
        }
    }

    /// Every indexed payload with a print within the distance of one of `queries`.
    public func near(_ queries: [UInt64]) -> [Payload] {
        query &+= 1
        var hits: [(Int, Int)] = []
        let distance = distance
        bucketPrints.withUnsafeBufferPointer { buckets in
            for q in queries {
                for (band, flips) in zip(bands, flips) {
                    let key = bucket(q, band) - band.first
                    for f in flips {
                        let b = band.first + (key ^ f)
                        buckets[b].withUnsafeBufferPointer { prints in
                            for i in 0..<prints.count where (prints[i] ^ q).nonzeroBitCount <= distance { hits.append((b, i)) }
                        }
                    }
                }
            }
        }
        // True matches are few: only now are their owners looked up.
        var out: [Payload] = []
        for (b, i) in hits {
            let owner = Int(bucketOwners[b][i])
            guard seen[owner] != query else { continue }
            seen[owner] = query
            out.append(payloads[owner])
        }
        return out
    }
}

extension PhotoIndex where Payload == PhotoUse {
    /// Indexes a use by its prints (a use without a thumbnail cannot be similar to anything).
    public func insert(_ use: PhotoUse) { insert(use, prints: use.prints) }
}
