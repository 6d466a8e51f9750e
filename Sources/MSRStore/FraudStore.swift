import MSRCore

extension Store {
    /// Envelopes are stored as little-endian UInt16s.
    public static func envelopeBytes(_ e: [UInt16]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(e.count * 2)
        for v in e { out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8)) }
        return out
    }

    public static func envelope(from bytes: [UInt8]) -> [UInt16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
    }

    /// Streams what the fraud checks need of each session (all, or the given ones), in id order:
    /// the stored manifest, recordings with envelopes, photos with EXIF times and hashes.
    public func forEachEvidence(sessions: [String]? = nil, _ body: (SessionEvidence) throws -> Void) throws {
        let only = sessions.map(Set.init)
        var recordings: [String: [RecordingFacts]] = [:]
        var photos: [String: [PhotoFacts]] = [:]
        // Media facts in two passes over their tables (not one query per session).
        try db.forEach("SELECT session_id, file, started_at, status, duration_ms, envelope, sha256 FROM recordings ORDER BY session_id, idx") { r in
            let sid = r.text(0) ?? ""
            if let only, !only.contains(sid) { return true }
            var f = RecordingFacts(entry: Manifest.Recording(file: r.text(1) ?? "", startedAt: Timestamp(rfc3339: r.text(2) ?? "") ?? Timestamp(utcMillis: 0)),
                                   sha256: r.text(6), status: FileStatus(rawValue: r.text(3) ?? "") ?? .missing)
            f.durationMillis = r.int(4)
            f.envelope = r[5].blob.map(Store.envelope(from:))
            recordings[sid, default: []].append(f)
            return true
        }
        try db.forEach("SELECT session_id, file, taken_at, status, exif_time, exif_ms, sha256, thumb FROM photos ORDER BY session_id, idx") { r in
            let sid = r.text(0) ?? ""
            if let only, !only.contains(sid) { return true }
            var p = PhotoFacts(entry: Manifest.Photo(file: r.text(1) ?? "", takenAt: r.text(2).flatMap(Timestamp.init(rfc3339:))),
                               sha256: r.text(6), status: FileStatus(rawValue: r.text(3) ?? "") ?? .missing)
            p.exifText = r.text(4)
            p.exifTime = r.int(5).map { Timestamp(utcMillis: $0) }
            p.thumbnail = r[7].blob.flatMap(PhotoThumbnail.init(pixels:))
            photos[sid, default: []].append(p)
            return true
        }
        try db.forEach("SELECT s.id, m.bytes, s.imported_ms FROM sessions s JOIN manifests m ON m.session_id = s.id ORDER BY s.id") { r in
            let sid = r.text(0) ?? ""
            if let only, !only.contains(sid) { return true }
            guard let bytes = r[1].blob, let manifest = try? Manifest.parse(bytes) else { return true }
            try body(SessionEvidence(manifest: manifest, recordings: recordings[sid] ?? [], photos: photos[sid] ?? [],
                                     loudFrames: 0, totalFrames: 0, importedAt: Timestamp(utcMillis: r.int(2) ?? 0)))
            return true
        }
    }

    /// Fills a missing envelope or hash (stores made before they existed).
    public func setEnvelope(session: String, file: String, _ e: [UInt16]) throws {
        try db.execute("UPDATE recordings SET envelope = ? WHERE session_id = ? AND file = ?", [.blob(Store.envelopeBytes(e)), .text(session), .text(file)])
    }

    public func setThumbnail(session: String, file: String, _ t: PhotoThumbnail) throws {
        try db.execute("UPDATE photos SET thumb = ? WHERE session_id = ? AND file = ?", [.blob(t.pixels), .text(session), .text(file)])
    }

    // MARK: Photo uses

    public func replacePhotoUses(session: String, _ uses: [PhotoUse]) throws {
        try db.execute("DELETE FROM photo_uses WHERE session_id = ?", [.text(session)])
        try bumpPhotoUsesGeneration()
        try addPhotoUses(uses)
    }

    public func addPhotoUses(_ uses: [PhotoUse]) throws {
        for u in uses {
            let prints = u.prints
            try db.execute("INSERT INTO photo_uses (sha256, session_id, questionnaire_id, q_started_ms, file, thumb, prints) VALUES (?,?,?,?,?,?,?)",
                           [.text(u.sha256), .text(u.sessionID), .text(u.questionnaireID), .integer(u.questionnaireStart), .text(u.file),
                            u.thumbnail.map { .blob($0.pixels) } ?? .null, prints.isEmpty ? .null : .blob(Store.printBytes(prints))])
        }
    }

    public func clearPhotoUses() throws {
        try db.execute("DELETE FROM photo_uses")
        try bumpPhotoUsesGeneration()
    }

    /// Changes whenever photo uses are deleted: row ids may then be handed out again, so an
    /// index of them kept in memory (`forEachPhotoHash(after:)`) must be read anew.
    public func photoUsesGeneration() throws -> Int64 {
        try db.scalar("SELECT value FROM meta WHERE key = 'photo_uses_generation'")?.int ?? 0
    }

    func bumpPhotoUsesGeneration() throws {
        try db.execute("""
            INSERT INTO meta (key, value) VALUES ('photo_uses_generation', 1)
            ON CONFLICT (key) DO UPDATE SET value = meta.value + 1
            """)
    }

    /// Row id and prints of every photo use with prints, added after row `id`
    /// (ids only grow while the generation stays the same).
    public func forEachPhotoPrints(after id: Int64, _ body: (Int64, [UInt64]) throws -> Void) throws {
        try db.forEach("SELECT id, prints FROM photo_uses WHERE id > ? AND prints IS NOT NULL ORDER BY id", [.integer(id)]) { r in
            try body(r.int(0) ?? 0, Store.prints(from: r[1].blob ?? []))
            return true
        }
    }

    static func printBytes(_ prints: [UInt64]) -> [UInt8] {
        prints.flatMap { p in (0..<8).map { UInt8(truncatingIfNeeded: p >> (8 * UInt64($0))) } }
    }

    static func prints(from bytes: [UInt8]) -> [UInt64] {
        var out: [UInt64] = []
        var i = 0
        while i + 8 <= bytes.count {
            var p: UInt64 = 0
            for k in 0..<8 { p |= UInt64(bytes[i + k]) << UInt64(8 * k) }
            out.append(p)
            i += 8
        }
        return out
    }

    static func photoUse(_ r: Row) -> PhotoUse {
        PhotoUse(sessionID: r.text(0) ?? "", questionnaireID: r.text(1) ?? "", questionnaireStart: r.int(2) ?? 0, file: r.text(3) ?? "",
                 sha256: r.text(4) ?? "", thumbnail: r[5].blob.flatMap(PhotoThumbnail.init(pixels:)),
                 prints: Store.prints(from: r[6].blob ?? []))
    }

    /// Every use of a photo with this SHA-256.
    public func photoUses(sha256: String) throws -> [PhotoUse] {
        try db.query("SELECT session_id, questionnaire_id, q_started_ms, file, sha256, thumb, prints FROM photo_uses WHERE sha256 = ?",
                     [.text(sha256)], Store.photoUse)
    }

    /// The photo uses with these row ids, in one query (the ids go in as one JSON array).
    public func photoUses(ids: [Int64]) throws -> [PhotoUse] {
        guard !ids.isEmpty else { return [] }
        let each = db.dialect == .postgres ? "SELECT value::bigint FROM json_array_elements_text(CAST(? AS json))" : "SELECT value FROM json_each(?)"
        return try db.query("""
            SELECT session_id, questionnaire_id, q_started_ms, file, sha256, thumb, prints FROM photo_uses
            WHERE id IN (\(each))
            """, [.text("[" + ids.map(String.init).joined(separator: ",") + "]")], Store.photoUse)
    }

    // MARK: Intervals

    /// Sessions of these devices or employees that start before `end` and after `start − longest`.
    public func intervals(devices: Set<String>, employees: Set<String>, from start: Int64, to end: Int64) throws -> [SessionInterval] {
        // The longest stored session bounds how far back an overlapping one can start.
        let longest = try db.scalar("SELECT value FROM meta WHERE key = 'max_session_ms'")?.int ?? 0
        var out: [String: SessionInterval] = [:]
        for (column, values) in [("device_id", devices), ("employee_id", employees)] {
            for v in values {
                try db.forEach("SELECT id, device_id, employee_id, started_ms, ended_ms FROM sessions WHERE \(column) = ? AND started_ms BETWEEN ? AND ?",
                               [.text(v), .integer(start - longest), .integer(end)]) { r in
                    let i = SessionInterval(sessionID: r.text(0) ?? "", deviceID: r.text(1) ?? "", employeeID: r.text(2) ?? "",
                                            start: r.int(3) ?? 0, end: r.int(4) ?? 0)
                    out[i.sessionID] = i
                    return true
                }
            }
        }
        return Array(out.values)
    }

    public func allIntervalsFor(_ session: String) throws -> SessionInterval? {
        try db.query("SELECT id, device_id, employee_id, started_ms, ended_ms FROM sessions WHERE id = ?", [.text(session)]) {
            SessionInterval(sessionID: $0.text(0) ?? "", deviceID: $0.text(1) ?? "", employeeID: $0.text(2) ?? "", start: $0.int(3) ?? 0, end: $0.int(4) ?? 0)
        }.first
    }

    public func allIntervals() throws -> [SessionInterval] {
        try db.query("SELECT id, device_id, employee_id, started_ms, ended_ms FROM sessions") {
            SessionInterval(sessionID: $0.text(0) ?? "", deviceID: $0.text(1) ?? "", employeeID: $0.text(2) ?? "", start: $0.int(3) ?? 0, end: $0.int(4) ?? 0)
        }
    }

    // MARK: Findings

    /// Codes the engine derives from stored data (file-* come only from import).
    public static let derivedCodes: [FindingCode] = FindingCode.allCases.filter { ![.fileMissing, .fileTampered, .fileUnreadable, .fileDamaged].contains($0) }

    /// Removes derived findings of the given sessions (all sessions when nil) and codes.
    /// Deletes findings; with `keeping`, their ids are kept by content, for the findings derived
    /// again to take back (a lead names a finding by its id, and a re-check must not renumber it).
    public func deleteFindings(sessions: [String]?, codes: [FindingCode], keeping: RecycledFindingIDs? = nil) throws {
        let codeList = codes.map { "'\($0.rawValue)'" }.joined(separator: ",")  // enum raw values, not user input
        let sql = "FROM findings WHERE \(sessions == nil ? "" : "session_id = ? AND ")code IN (\(codeList))"
        for params in sessions.map({ $0.map { [SQLValue.text($0)] } }) ?? [[]] {
            if let keeping {
                try db.forEach("SELECT id, session_id, questionnaire_id, file, code, detail " + sql, params) { r in
                    guard let code = FindingCode(rawValue: r.text(4) ?? "") else { return true }
                    keeping.keep(r.int(0) ?? 0, Finding(stored: r.text(1) ?? "", questionnaireID: r.text(2), file: r.text(3), code: code, detail: r.text(5) ?? ""))
                    return true
                }
            }
            try db.execute("DELETE " + sql, params)
        }
    }

    /// Adds a finding unless the session already has one with the same code, questionnaire and
    /// file (and, for session-overlap, the same detail). Returns whether it was added.
    @discardableResult
    public func addFindingIfAbsent(_ f: Finding, at: Timestamp, reusing: RecycledFindingIDs? = nil) throws -> Bool {
        let sameDetail = f.code == .sessionOverlap
        let exists = try db.scalar("""
            SELECT 1 FROM findings WHERE session_id = ? AND code = ? AND coalesce(questionnaire_id, '') = coalesce(CAST(? AS TEXT), '')
              AND coalesce(file, '') = coalesce(CAST(? AS TEXT), '')
            \(sameDetail ? "AND detail = ?" : "") LIMIT 1
            """, [.text(f.sessionID), .text(f.code.rawValue), f.questionnaireID.sqlValue, f.file.sqlValue] + (sameDetail ? [.text(f.detail)] : []))
        if exists != nil { return false }
        try addFindings([f], at: at, reusing: reusing)
        return true
    }
}

/// The ids of findings a re-check deleted, by content: a finding derived again unchanged takes
/// its id back, so `#N` keeps naming the same finding (its decision is found by content anyway).
public final class RecycledFindingIDs {
    var byContent: [String: Int64] = [:]
    var nextFresh: Int64?
    public init() {}

    static func key(_ f: Finding) -> String {
        [f.sessionID, f.questionnaireID ?? "", f.file ?? "", f.code.rawValue, f.detail].joined(separator: "\u{1F}")
    }

    func keep(_ id: Int64, _ f: Finding) { byContent[Self.key(f)] = id }
    func take(_ f: Finding) -> Int64? { byContent.removeValue(forKey: Self.key(f)) }
}
