/// The store's schema, as an ordered list of migrations. `PRAGMA user_version` records how
/// many have been applied; a later issue appends a migration and never edits an earlier one.
enum Schema {
    static let migrations: [String] = [
        // 1: sessions imported from bundles, their media and findings, and the import log.
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL,
            location_id TEXT NOT NULL,
            location_name TEXT,
            location_tz TEXT,
            hours_open INTEGER,
            hours_close INTEGER,
            employee_id TEXT NOT NULL,
            employee_name TEXT,
            started_at TEXT NOT NULL,
            started_ms INTEGER NOT NULL,
            ended_at TEXT NOT NULL,
            ended_ms INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            checklist TEXT,
            manifest BLOB NOT NULL,
            manifest_sha256 TEXT NOT NULL,
            bundle_digest TEXT NOT NULL,
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            imported_ms INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'new'
        ) WITHOUT ROWID;
        CREATE INDEX sessions_started ON sessions(started_ms, id);
        CREATE INDEX sessions_location ON sessions(location_id, started_ms);
        CREATE INDEX sessions_employee ON sessions(employee_id, started_ms);
        CREATE INDEX sessions_device ON sessions(device_id, started_ms);
        CREATE INDEX sessions_status ON sessions(status, started_ms);

        CREATE TABLE media (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            stored_at TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE recordings (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            file TEXT NOT NULL,
            started_at TEXT NOT NULL,
            started_ms INTEGER NOT NULL,
            manifest_sha256 TEXT,
            sha256 TEXT REFERENCES media(sha256),
            size INTEGER,
            status TEXT NOT NULL,
            frames INTEGER,
            sample_rate INTEGER,
            channels INTEGER,
            duration_ms INTEGER,
            container TEXT,
            encoding TEXT,
            PRIMARY KEY (session_id, idx)
        ) WITHOUT ROWID;

        CREATE TABLE photos (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            file TEXT NOT NULL,
            taken_at TEXT,
            taken_ms INTEGER,
            manifest_sha256 TEXT,
            sha256 TEXT REFERENCES media(sha256),
            size INTEGER,
            status TEXT NOT NULL,
            width INTEGER,
            height INTEGER,
            exif_time TEXT,
            exif_ms INTEGER,
            exif_offset_known INTEGER,
            PRIMARY KEY (session_id, idx)
        ) WITHOUT ROWID;
        CREATE INDEX photos_sha ON photos(sha256);

        CREATE TABLE questionnaires (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            form TEXT,
            started_at TEXT NOT NULL,
            started_ms INTEGER NOT NULL,
            submitted_at TEXT NOT NULL,
            submitted_ms INTEGER NOT NULL,
            photos TEXT NOT NULL,
            PRIMARY KEY (session_id, id)
        ) WITHOUT ROWID;

        CREATE TABLE answers (
            session_id TEXT NOT NULL,
            questionnaire_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            question TEXT NOT NULL,
            text TEXT,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            number REAL,
            answered_at TEXT,
            answered_ms INTEGER,
            PRIMARY KEY (session_id, questionnaire_id, idx),
            FOREIGN KEY (session_id, questionnaire_id) REFERENCES questionnaires(session_id, id) ON DELETE CASCADE
        ) WITHOUT ROWID;

        CREATE TABLE callback_requests (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            name TEXT,
            phone TEXT,
            topic TEXT,
            at TEXT,
            at_ms INTEGER,
            PRIMARY KEY (session_id, idx)
        ) WITHOUT ROWID;

        CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            questionnaire_id TEXT,
            file TEXT,
            code TEXT NOT NULL,
            severity TEXT NOT NULL,
            detail TEXT NOT NULL,
            found_at TEXT NOT NULL
        );
        CREATE INDEX findings_session ON findings(session_id);
        CREATE INDEX findings_code ON findings(code);

        CREATE TABLE import_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            path TEXT NOT NULL,
            session_id TEXT,
            outcome TEXT NOT NULL,
            error TEXT
        );
        """,
    ]
}
