import CSQLite
import Glibc
import MSRCore

/// The msreview store: one SQLite file (WAL) plus the media directory beside it, or a
/// PostgreSQL database (a team's) with a local media cache.
public final class Store {
    public let db: Database
    public let path: String

    /// Opens the store at `path`, migrating the schema. `create`: a missing store is made (with
    /// its directory); otherwise a missing one is an error, so a mistyped path never turns into
    /// an empty store that answers every question with nothing.
    public init(path: String, readOnly: Bool = false, create: Bool = true) throws(StoreError) {
        self.path = path
        if case let .postgres(conninfo) = StoreLocator(path) {
            db = try Database(postgres: conninfo)
            if try postgresVersion() == nil {
                guard create, !readOnly else { throw StoreError.noStore(StoreLocator.redacted(conninfo)) }
            }
            if !readOnly { try migrate() } else { try refuseNewerSchema() }
            return
        }
        if !create || readOnly, access(path, F_OK) != 0 { throw StoreError.noStore(path) }
        // On a read-only file system the store can still be read (and every write says why not).
        if Store.onReadOnlyFileSystem(path) {
            // Opened immutable, SQLite would not read the write-ahead log: changes committed there
            // but not yet checkpointed would be silently missing. Such a store is refused, clearly.
            var st = stat()
            if stat(path + "-wal", &st) == 0, st.st_size > 0 {
                throw StoreError(code: SQLITE_CANTOPEN, message: "the store's write-ahead log (\(path)-wal) holds changes a read-only file system "
                                 + "keeps from being read; mount it read-write once (or copy the store somewhere writable) and open it again",
                                 context: "")
            }
            db = try Database(path: path, create: false, immutable: true)
            return
        }
        if !readOnly { Store.makeParent(of: path) }
        db = try Database(path: path, create: !readOnly, readOnly: readOnly)
        if !readOnly { try migrate() }
    }

    static func onReadOnlyFileSystem(_ path: String) -> Bool {
        var st = statvfs()
        let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        return access(path, F_OK) == 0 && statvfs(dir.isEmpty ? "/" : dir, &st) == 0 && (st.f_flag & UInt(ST_RDONLY)) != 0
    }

    /// The content-addressed media directory that belongs to this store.
    public var mediaRoot: String { Store.mediaRoot(for: path) }

    public static func mediaRoot(for dbPath: String) -> String {
        if StoreLocator(dbPath).isPostgres { return MediaCacheLocation.directory }
        var base = dbPath
        if base.hasSuffix(".sqlite") { base.removeLast(7) } else if base.hasSuffix(".db") { base.removeLast(3) }
        return base + ".media"
    }

    static func makeParent(of path: String) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        var current = ""
        for part in path[..<slash].split(separator: "/") {
            current += (current.isEmpty && !path.hasPrefix("/") ? "" : "/") + part
            mkdir(current, 0o755)
        }
    }

    public var isPostgres: Bool { db.dialect == .postgres }

    public var schemaVersion: Int {
        if isPostgres { return (try? postgresVersion()).flatMap { $0 } ?? 0 }
        return Int((try? db.scalar("PRAGMA user_version"))??.int ?? 0)
    }

    /// The newest schema this build knows.
    public static var knownSchemaVersion: Int { max(Schema.migrations.count, PostgresSchema.latest) }

    /// The PostgreSQL store's schema version, nil when the database holds no msreview store.
    func postgresVersion() throws(StoreError) -> Int? {
        guard try db.scalar("SELECT to_regclass('msreview_schema') IS NOT NULL")?.int == 1 else { return nil }
        return Int(try db.scalar("SELECT max(version) FROM msreview_schema")?.int ?? 0)
    }

    func refuseNewerSchema() throws(StoreError) {
        let v = schemaVersion
        if v > Store.knownSchemaVersion {
            throw StoreError(code: 1, message: "the store's schema (version \(v)) is newer than this msreview knows (\(Store.knownSchemaVersion)): upgrade msreview",
                             context: "")
        }
    }

    /// Applies the migrations not yet applied, each in its own IMMEDIATE transaction.
    func migrate() throws(StoreError) {
        try refuseNewerSchema()
        if isPostgres { return try migratePostgres() }
        while true {
            let version = schemaVersion
            guard version < Schema.migrations.count else { return }
            let rebuilds = Schema.rebuildsTables.contains(version + 1)
            do {
                if rebuilds { try db.execute("PRAGMA foreign_keys = OFF") }
                defer { if rebuilds { _ = try? db.execute("PRAGMA foreign_keys = ON") } }
                try db.transaction {
                    // Re-read under the write lock: another process may have migrated meanwhile.
                    let current = Int(try db.scalar("PRAGMA user_version")?.int ?? 0)
                    guard current == version else { return }
                    try db.executeScript(Schema.migrations[version])
                    if version + 1 == Store.searchTextVersion { try fillSearchText() }
                    if version + 1 == Schema.listeningSpansVersion { try convertListening() }
                    if rebuilds, try !db.query("PRAGMA foreign_key_check", [], { _ in 0 }).isEmpty {
                        throw StoreError(code: 1, message: "a rebuilt table breaks a foreign key", context: "migration \(version + 1)")
                    }
                    try db.execute("PRAGMA user_version = \(version + 1)")
                }
            } catch let e as StoreError {
                throw e
            } catch {
                throw StoreError(code: 1, message: "\(error)", context: "migration \(version + 1)")
            }
        }
    }

    /// PostgreSQL: the base schema on an empty database, then each later migration, all under
    /// one advisory lock so two clients starting together do not both migrate.
    func migratePostgres() throws(StoreError) {
        do {
            try db.transaction {
                try db.execute("SELECT pg_advisory_xact_lock(7710001)")
                var version = try postgresVersion() ?? 0
                if version == 0 {
                    try db.executeScript(PostgresSchema.base)
                    try db.executeScript(PostgresSchema.access)
                    try db.execute("INSERT INTO msreview_schema (version) VALUES (?)", [.integer(Int64(PostgresSchema.baseVersion))])
                    version = PostgresSchema.baseVersion
                }
                for v in (version + 1)...max(version + 1, PostgresSchema.latest) {
                    guard let script = PostgresSchema.migrations[v] else { continue }
                    try db.executeScript(script)
                    if v == Store.searchTextVersion { try fillSearchText() }
                    if v == Schema.listeningSpansVersion { try convertListening() }
                    try db.execute("UPDATE msreview_schema SET version = ?", [.integer(Int64(v))])
                }
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(code: 1, message: "\(error)", context: "PostgreSQL schema")
        }
    }

    /// A team store's login: who the server knows this connection as, and whether it owns the
    /// store (its creator, or a superuser), which row security does not bind. Nil for SQLite.
    public func databaseLogin() throws -> (login: String, isOwner: Bool)? {
        guard isPostgres else { return nil }
        let rows = try db.query("""
            SELECT current_user::text, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
              OR current_user = (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'reviews')
            """) { ($0.text(0) ?? "", $0.int(1) == 1) }
        return rows.first
    }

    /// "ok", or what is wrong. SQLite: its own page-level check. PostgreSQL (which checks its pages
    /// and keys itself): the store's own invariants — every session whole, no session claimed twice.
    public func integrityCheck() throws -> String {
        guard isPostgres else { return try db.scalar("PRAGMA integrity_check")?.string ?? "no answer" }
        var problems: [String] = []
        if let n = try db.scalar("SELECT count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM manifests m WHERE m.session_id = s.id)")?.int, n > 0 {
            problems.append("\(n) session(s) without a manifest")
        }
        if let n = try db.scalar("""
            SELECT count(*) FROM (SELECT session_id FROM reviews WHERE status IN ('claimed', 'draft') AND purpose = 'work'
                                  GROUP BY session_id HAVING count(*) > 1) x
            """)?.int, n > 0 {
            problems.append("\(n) session(s) claimed twice")
        }
        return problems.isEmpty ? "ok" : problems.joined(separator: "; ")
    }

    /// Lets this connection keep up to `mebibytes` of database pages in memory (taken only as
    /// needed). For a long writer: with SQLite's 2 MiB default, an import into a store of a few
    /// thousand sessions re-read ~140 pages for every bundle it wrote. Scans gain nothing from it.
    public func usePageCache(mebibytes: Int) throws(StoreError) {
        guard !isPostgres else { return }
        try db.execute("PRAGMA cache_size = -\(mebibytes * 1024)")
    }


    /// Runs `body` in an IMMEDIATE transaction (a savepoint when nested), converting errors.
    public func write<T>(_ body: () throws -> T) throws -> T {
        try db.transaction(immediate: true, body)
    }
}

// MARK: - Import

extension Store {
    /// The content digest of a stored session, or nil if no session has that id.
    public func bundleDigest(of sessionID: String) throws(StoreError) -> String? {
        try db.scalar("SELECT bundle_digest FROM sessions WHERE id = ?", [.text(sessionID)])?.string
    }

    /// The migration that brought `search_fold`.
    static let searchTextVersion = 11

    /// What search matches of a session, folded: id, location id and name, employee id and name,
    /// start time, one line. Swift folds case for every script (`/анна` finds Анна).
    static func searchText(id: String, locationID: String, locationName: String?, employeeID: String, employeeName: String?, startedAt: String) -> String {
        [id, locationID, locationName ?? "", employeeID, employeeName ?? "", startedAt].joined(separator: " ").lowercased()
    }

    /// Fills `search_fold` of the sessions stored before it existed (migration 11).
    func fillSearchText() throws {
        let rows = try db.query("SELECT id, location_id, location_name, employee_id, employee_name, started_at FROM sessions WHERE search_fold IS NULL") { r in
            (r.text(0) ?? "", Store.searchText(id: r.text(0) ?? "", locationID: r.text(1) ?? "", locationName: r.text(2),
                                               employeeID: r.text(3) ?? "", employeeName: r.text(4), startedAt: r.text(5) ?? ""))
        }
        for (id, text) in rows {
            try db.execute("UPDATE sessions SET search_fold = ? WHERE id = ?", [.text(text), .text(id)])
        }
        guard !isPostgres else { return }
        // The index's row ids as the insert trigger of migration 11 gives them (ties by id here).
        try db.execute("""
            UPDATE sessions SET search_rowid = sessions.started_ms * \(Store.searchRowsPerMillisecond) + r.rank
            FROM (SELECT id, row_number() OVER (PARTITION BY started_ms ORDER BY id) - 1 AS rank FROM sessions) AS r
            WHERE r.id = sessions.id
            """)
        try db.execute("INSERT INTO session_search(rowid, search_fold) SELECT search_rowid, search_fold FROM sessions")
        try db.execute("INSERT INTO session_search(session_search) VALUES ('optimize')")
    }

    /// Merges the search index into one segment once the sessions added since it was last merged
    /// are a tenth of all: each import transaction leaves segments of its own, and a search walks
    /// every segment's list of each trigram, so at 100,000 sessions a session-id fragment costs
    /// about twice as much on a fragmented index. A tenth keeps the merge (about 1 s at 100,000)
    /// a small share of the imports that called for it. PostgreSQL's GIN index needs none of it.
    public func compactSearchIndex(added: Int) throws(StoreError) {
        guard !isPostgres, added > 0 else { return }
        try db.execute("""
            INSERT INTO meta (key, value) VALUES ('search_unmerged', ?)
            ON CONFLICT (key) DO UPDATE SET value = meta.value + excluded.value
            """, [.integer(Int64(added))])
        let unmerged = try db.scalar("SELECT value FROM meta WHERE key = 'search_unmerged'")?.int ?? 0
        let total = try db.scalar("SELECT count(*) FROM sessions")?.int ?? 0
        guard unmerged * 10 >= total else { return }
        try db.execute("INSERT INTO session_search(session_search) VALUES ('optimize')")
        try db.execute("UPDATE meta SET value = 0 WHERE key = 'search_unmerged'")
    }

    /// The trigram index's row ids per millisecond of start (migration 11's trigger says 4096).
    static let searchRowsPerMillisecond: Int64 = 4096

    /// Inserts a whole session with its media, questionnaires and findings.
    /// Call inside `write` so that a failure leaves nothing behind.
    public func insert(_ b: SessionBundle) throws(StoreError) {
        let m = b.manifest
        let now = b.importedAt.description
        try db.execute("""
            INSERT INTO sessions (id, device_id, location_id, location_name, location_tz, hours_open, hours_close,
              employee_id, employee_name, started_at, started_ms, ended_at, ended_ms, local_date, checklist,
              manifest_sha256, bundle_digest, source, imported_at, imported_ms, search_fold)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """, [
                .text(m.sessionID), .text(m.deviceID), .text(m.location.id), m.location.name.sqlValue,
                m.location.timezone.sqlValue, m.location.hours.map { SQLValue.integer(Int64($0.open)) } ?? .null,
                m.location.hours.map { SQLValue.integer(Int64($0.close)) } ?? .null,
                .text(m.employee.id), m.employee.name.sqlValue, .text(m.startedAt.description),
                .integer(m.startedAt.utcMillis), .text(m.endedAt.description), .integer(m.endedAt.utcMillis),
                .text(m.startedAt.localDate), m.checklist.sqlValue, .text(b.manifestSHA256),
                .text(b.digest), .text(b.source), .text(now), .integer(b.importedAt.utcMillis),
                .text(Store.searchText(id: m.sessionID, locationID: m.location.id, locationName: m.location.name, employeeID: m.employee.id,
                                       employeeName: m.employee.name, startedAt: m.startedAt.description)),
            ])
        try db.execute("INSERT INTO manifests (session_id, bytes) VALUES (?, ?)", [.text(m.sessionID), .blob(b.manifestBytes)])
        try db.execute("""
            INSERT INTO meta (key, value) VALUES ('max_session_ms', ?)
            ON CONFLICT (key) DO UPDATE SET value = CASE WHEN excluded.value > meta.value THEN excluded.value ELSE meta.value END
            """, [.integer(m.endedAt.utcMillis - m.startedAt.utcMillis)])
        func media(_ sha: String?, _ size: Int64?) throws(StoreError) {
            guard let sha, let size else { return }
            // A file purged before and brought in again by a new bundle is there again.
            try db.execute("INSERT INTO media (sha256, size, stored_at) VALUES (?,?,?) ON CONFLICT (sha256) DO UPDATE SET purged_at = NULL",
                           [.text(sha), .integer(size), .text(now)])
        }
        for (i, r) in b.recordings.enumerated() {
            try media(r.sha256, r.size)
            try db.execute("""
                INSERT INTO recordings (session_id, idx, file, started_at, started_ms, manifest_sha256, sha256, size,
                  status, frames, sample_rate, channels, duration_ms, container, encoding, envelope)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                """, [
                    .text(m.sessionID), .integer(Int64(i)), .text(r.entry.file), .text(r.entry.startedAt.description),
                    .integer(r.entry.startedAt.utcMillis), r.entry.sha256.sqlValue, r.sha256.sqlValue, r.size.sqlValue,
                    .text(r.status.rawValue), r.frames.sqlValue, r.sampleRate.sqlValue, r.channels.sqlValue,
                    r.durationMillis.sqlValue, r.container.sqlValue, r.encoding.sqlValue,
                    r.envelope.map { SQLValue.blob(Store.envelopeBytes($0)) } ?? .null,
                ])
        }
        for (i, p) in b.photos.enumerated() {
            try media(p.sha256, p.size)
            try db.execute("""
                INSERT INTO photos (session_id, idx, file, taken_at, taken_ms, manifest_sha256, sha256, size, status,
                  width, height, exif_time, exif_ms, exif_offset_known, thumb)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                """, [
                    .text(m.sessionID), .integer(Int64(i)), .text(p.entry.file), p.entry.takenAt.map { .text($0.description) } ?? .null,
                    p.entry.takenAt.map { .integer($0.utcMillis) } ?? .null, p.entry.sha256.sqlValue, p.sha256.sqlValue,
                    p.size.sqlValue, .text(p.status.rawValue), p.width.sqlValue, p.height.sqlValue, p.exifText.sqlValue,
                    p.exifTime.map { .integer($0.utcMillis) } ?? .null, .integer(p.exifOffsetKnown ? 1 : 0),
                    p.thumbnail.map { .blob($0.pixels) } ?? .null,
                ])
        }
        for (i, q) in m.questionnaires.enumerated() {
            try db.execute("""
                INSERT INTO questionnaires (session_id, id, idx, form, started_at, started_ms, submitted_at, submitted_ms, photos)
                VALUES (?,?,?,?,?,?,?,?,?)
                """, [
                    .text(m.sessionID), .text(q.id), .integer(Int64(i)), q.form.sqlValue, .text(q.startedAt.description),
                    .integer(q.startedAt.utcMillis), .text(q.submittedAt.description), .integer(q.submittedAt.utcMillis),
                    .text(JSON.array(q.photos.map(JSON.string)).serialized()),
                ])
            for (j, a) in q.answers.enumerated() {
                var number: SQLValue = .null
                switch a.value {
                case let .number(n): number = .real(Double(n))
                case let .bool(v): number = .real(v ? 1 : 0)
                case .text: break
                }
                try db.execute("""
                    INSERT INTO answers (session_id, questionnaire_id, idx, question, text, kind, value, number, answered_at, answered_ms)
                    VALUES (?,?,?,?,?,?,?,?,?,?)
                    """, [
                        .text(m.sessionID), .text(q.id), .integer(Int64(j)), .text(a.question), a.text.sqlValue,
                        .text(a.kind.rawValue), .text(a.value.json.serialized()), number,
                        a.answeredAt.map { .text($0.description) } ?? .null, a.answeredAt.map { .integer($0.utcMillis) } ?? .null,
                    ])
            }
        }
        for (i, c) in m.callbackRequests.enumerated() {
            try db.execute("INSERT INTO callback_requests (session_id, idx, name, phone, topic, at, at_ms) VALUES (?,?,?,?,?,?,?)", [
                .text(m.sessionID), .integer(Int64(i)), c.name.sqlValue, c.phone.sqlValue, c.topic.sqlValue,
                c.at.map { .text($0.description) } ?? .null, c.at.map { .integer($0.utcMillis) } ?? .null,
            ])
            try db.execute("INSERT INTO callbacks (session_id, idx, requested_ms) VALUES (?,?,?)",
                           [.text(m.sessionID), .integer(Int64(i)), .integer(c.at?.utcMillis ?? m.endedAt.utcMillis)])
        }
        try addFindings(b.findings, at: b.importedAt)
    }

    /// Adds findings; one whose content a re-check deleted gets its old id back (`reusing`).
    public func addFindings(_ findings: [Finding], at: Timestamp, reusing: RecycledFindingIDs? = nil) throws(StoreError) {
        for f in findings {
            var id = reusing?.take(f)
            // SQLite gives a new row max(id) + 1, which may be an id still waiting to be taken
            // back: new findings are numbered past every kept one. (PostgreSQL's identity is
            // past them already.)
            if let reusing, id == nil, !isPostgres {
                if reusing.nextFresh == nil {
                    reusing.nextFresh = max(try db.scalar("SELECT coalesce(max(id), 0) FROM findings")?.int ?? 0, reusing.byContent.values.max() ?? 0) + 1
                }
                id = reusing.nextFresh
                reusing.nextFresh! += 1
            }
            try db.execute("""
                INSERT INTO findings (\(id == nil ? "" : "id, ")session_id, questionnaire_id, file, code, severity, detail, found_at)
                VALUES (\(id == nil ? "" : "?,")?,?,?,?,?,?,?)
                """, (id.map { [SQLValue.integer($0)] } ?? []) + [.text(f.sessionID), f.questionnaireID.sqlValue, f.file.sqlValue, .text(f.code.rawValue),
                      .text(f.severity.rawValue), .text(f.detail), .text(at.description)])
        }
    }

    public enum ImportOutcome: String, Sendable { case imported, unchanged, rejected }

    /// Appends a line to the import log.
    public func logImport(path: String, sessionID: String?, outcome: ImportOutcome, error: String?, at: Timestamp) throws(StoreError) {
        try db.execute("INSERT INTO import_log (at, path, session_id, outcome, error) VALUES (?,?,?,?,?)",
                       [.text(at.description), .text(path), sessionID.sqlValue, .text(outcome.rawValue), error.sqlValue])
    }
}

/// Where a workstation keeps the media of a PostgreSQL store: `$XDG_CACHE_HOME/msreview/media`
/// (content-addressed by SHA-256, so one cache serves every store).
public enum MediaCacheLocation {
    public static var directory: String {
        if let x = getenv("XDG_CACHE_HOME").map({ String(cString: $0) }), x.hasPrefix("/") { return x + "/msreview/media" }
        return (getenv("HOME").map { String(cString: $0) } ?? "/tmp") + "/.cache/msreview/media"
    }
}
