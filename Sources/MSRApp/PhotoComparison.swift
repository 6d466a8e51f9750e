import MSRCore
import MSRMedia

/// Photos compared as the near-duplicate check compares them, outside any store: a lead checks
/// a match by hand, and the evaluation measures recall and false matches on real photos. Files
/// count as arriving in the order given: each is looked up, through the same multi-index as the
/// import, among the ones before it, and every graded pair is reported — not only the nearest.
public struct PhotoComparison {
    public struct Photo: Sendable {
        public var path: String
        /// Why it has no prints: unreadable, or low detail. Nil when it takes part.
        public var excluded: String?
        /// libjpeg's warning when it decoded past damaged data.
        public var damage: String?
        public var orientation: Int
    }

    public struct Pair: Sendable {
        /// Indexes into `photos`: `earlier` arrived first (the stored one), `later` was looked up.
        public var earlier: Int
        public var later: Int
        public var match: PhotoMatch
    }

    public var photos: [Photo] = []
    public var pairs: [Pair] = []
    /// Stored photos the index handed out as candidates (within the distance), over all look-ups.
    public var candidates = 0

    /// Decodes each file through `prober` (the isolated child for untrusted files).
    public init(paths: [String], prober: MediaProber, thresholds t: FraudThresholds) {
        let index = PhotoIndex<Int>(distance: t.similarDistance)
        let memo = PhotoMatchMemo()
        var thumbnails: [PhotoThumbnail?] = []
        for (i, path) in paths.enumerated() {
            var photo = Photo(path: path, excluded: nil, damage: nil, orientation: 1)
            var thumbnail: PhotoThumbnail?
            do {
                let info = try prober.photo(path: path)
                photo.damage = info.damage
                photo.orientation = info.orientation
                thumbnail = info.thumbnail
                if let t = info.thumbnail, let reason = t.lowDetailReason { photo.excluded = reason; thumbnail = nil }
                if info.thumbnail == nil { photo.excluded = "no thumbnail" }
            } catch {
                photo.excluded = "unreadable: \(error.message)"
            }
            photos.append(photo)
            thumbnails.append(thumbnail)
            guard let mine = thumbnail else { continue }
            let key = String(i)
            let near = index.near(PhotoMatcher.queryPrints(mine))
            candidates += near.count
            for j in near.sorted() {
                if let m = memo.match(key, mine, String(j), thumbnails[j]!, t) { pairs.append(Pair(earlier: j, later: i, match: m)) }
            }
            index.insert(i, prints: PhotoMatcher.storedPrints(mine))
        }
    }

    public var json: JSON {
        let usable = photos.filter { $0.excluded == nil }.count
        return .object([
            ("photos", .array(photos.map { p in
                .object([("file", .string(p.path)), ("excluded", p.excluded.map(JSON.string) ?? .null),
                         ("damage", p.damage.map(JSON.string) ?? .null), ("orientation", .number(Double(p.orientation)))])
            })),
            ("pairs_compared", .number(Double(usable * (usable - 1) / 2))),
            ("candidates", .number(Double(candidates))),
            ("matches", .array(pairs.map { p in
                .object([("earlier", .string(photos[p.earlier].path)), ("later", .string(photos[p.later].path)),
                         ("grade", .string(p.match.grade.rawValue)), ("severity", .string(p.match.grade.severity.rawValue)),
                         ("distance", .number(Double(p.match.distance))),
                         ("correlation", .number((p.match.correlation * 1000).rounded() / 1000)),
                         ("transform", p.match.transform.map(JSON.string) ?? .null)])
            })),
        ])
    }
}
