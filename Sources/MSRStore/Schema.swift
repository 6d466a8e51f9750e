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
        // 2: checklists (versioned), reviewers and roles, reviews with answers, overrides, audit log.
        """
        CREATE TABLE checklists (
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            title TEXT NOT NULL,
            source TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            text TEXT NOT NULL,
            loaded_at TEXT NOT NULL,
            PRIMARY KEY (id, version)
        ) WITHOUT ROWID;

        CREATE TABLE reviewers (
            id TEXT PRIMARY KEY,
            name TEXT,
            role TEXT NOT NULL CHECK (role IN ('reviewer', 'lead')),
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL
        ) WITHOUT ROWID;

        -- One row per reviewer's review of a session; a claim is a review not yet submitted.
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id),
            reviewer TEXT NOT NULL REFERENCES reviewers(id),
            checklist_id TEXT,
            checklist_version INTEGER,
            status TEXT NOT NULL CHECK (status IN ('claimed', 'draft', 'submitted', 'approved', 'returned', 'released', 'expired')),
            claimed_at TEXT NOT NULL,
            claimed_ms INTEGER NOT NULL,
            expires_ms INTEGER,
            opened_ms INTEGER,
            submitted_at TEXT,
            submitted_ms INTEGER,
            updated_ms INTEGER NOT NULL,
            percent REAL,
            passed INTEGER,
            revision INTEGER NOT NULL DEFAULT 0,
            FOREIGN KEY (checklist_id, checklist_version) REFERENCES checklists(id, version)
        );
        CREATE INDEX reviews_session ON reviews(session_id);
        CREATE INDEX reviews_reviewer ON reviews(reviewer, status);
        -- At most one open (claimed or draft or returned) review of a session per reviewer.
        CREATE UNIQUE INDEX reviews_open ON reviews(session_id, reviewer) WHERE status IN ('claimed', 'draft', 'returned');

        CREATE TABLE review_answers (
            review_id INTEGER NOT NULL REFERENCES reviews(id),
            item_id TEXT NOT NULL,
            answer TEXT NOT NULL,
            comment TEXT,
            evidence TEXT NOT NULL DEFAULT '[]',
            updated_ms INTEGER NOT NULL,
            PRIMARY KEY (review_id, item_id)
        ) WITHOUT ROWID;

        CREATE TABLE review_overrides (
            id INTEGER PRIMARY KEY,
            review_id INTEGER NOT NULL REFERENCES reviews(id),
            item_id TEXT NOT NULL,
            before TEXT,
            after TEXT NOT NULL,
            lead TEXT NOT NULL,
            at TEXT NOT NULL,
            reason TEXT NOT NULL CHECK (length(trim(reason)) > 0)
        );
        CREATE INDEX review_overrides_review ON review_overrides(review_id);

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            at_ms INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            session_id TEXT,
            review_id INTEGER,
            reason TEXT,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_log_session ON audit_log(session_id, id);

        -- The audit log and overrides are append-only; a submitted review's answers never change in place.
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER overrides_no_update BEFORE UPDATE ON review_overrides BEGIN SELECT RAISE(ABORT, 'overrides are append-only'); END;
        CREATE TRIGGER overrides_no_delete BEFORE DELETE ON review_overrides BEGIN SELECT RAISE(ABORT, 'overrides are append-only'); END;
        CREATE TRIGGER answers_frozen_insert BEFORE INSERT ON review_answers
            WHEN (SELECT status FROM reviews WHERE id = NEW.review_id) NOT IN ('claimed', 'draft', 'returned')
            BEGIN SELECT RAISE(ABORT, 'a submitted review never changes in place'); END;
        CREATE TRIGGER answers_frozen_update BEFORE UPDATE ON review_answers
            WHEN (SELECT status FROM reviews WHERE id = OLD.review_id) NOT IN ('claimed', 'draft', 'returned')
            BEGIN SELECT RAISE(ABORT, 'a submitted review never changes in place'); END;
        CREATE TRIGGER answers_frozen_delete BEFORE DELETE ON review_answers
            WHEN (SELECT status FROM reviews WHERE id = OLD.review_id) NOT IN ('claimed', 'draft', 'returned')
            BEGIN SELECT RAISE(ABORT, 'a submitted review never changes in place'); END;
        """,
        // 3: anti-fraud engine: audio envelopes, perceptual hashes, and the index of photo uses.
        """
        ALTER TABLE recordings ADD COLUMN envelope BLOB;
        ALTER TABLE photos ADD COLUMN phash INTEGER;
        CREATE TABLE photo_uses (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            questionnaire_id TEXT NOT NULL,
            q_started_ms INTEGER NOT NULL,
            file TEXT NOT NULL,
            phash INTEGER
        );
        CREATE INDEX photo_uses_sha ON photo_uses(sha256);
        CREATE INDEX photo_uses_session ON photo_uses(session_id);
        CREATE TABLE photo_bands (
            band INTEGER NOT NULL,
            use_id INTEGER NOT NULL REFERENCES photo_uses(id) ON DELETE CASCADE,
            PRIMARY KEY (band, use_id)
        ) WITHOUT ROWID;
        CREATE INDEX photo_bands_use ON photo_bands(use_id);
        CREATE INDEX findings_session_code ON findings(session_id, code);
        """,
        // 4: listening coverage (the distinct seconds of a session each reviewer has played), and
        // the longest session (so overlap look-ups stay a bounded index range).
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO meta (key, value) SELECT 'max_session_ms', coalesce(max(ended_ms - started_ms), 0) FROM sessions;
        CREATE TABLE listening (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            reviewer TEXT NOT NULL,
            seconds BLOB NOT NULL,
            heard INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            PRIMARY KEY (session_id, reviewer)
        ) WITHOUT ROWID;
        """,
        // 5: QA audits. A review is ordinary work, part of a blind calibration round, or a lead's
        // re-audit of another review drawn in a sample. Only work reviews move the session through
        // the queue and count in scorecards.
        """
        ALTER TABLE reviews ADD COLUMN purpose TEXT NOT NULL DEFAULT 'work' CHECK (purpose IN ('work', 'calibration', 'reaudit'));
        ALTER TABLE reviews ADD COLUMN calibration_id INTEGER REFERENCES calibrations(id);
        ALTER TABLE reviews ADD COLUMN audited_review INTEGER REFERENCES reviews(id);
        ALTER TABLE reviews ADD COLUMN audit_sample_id INTEGER REFERENCES audit_samples(id);
        CREATE INDEX reviews_calibration ON reviews(calibration_id) WHERE calibration_id IS NOT NULL;
        CREATE INDEX reviews_audited ON reviews(audited_review) WHERE audited_review IS NOT NULL;
        CREATE INDEX reviews_submitted ON reviews(submitted_ms) WHERE submitted_ms IS NOT NULL;
        CREATE TABLE calibrations (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id),
            checklist_id TEXT NOT NULL,
            checklist_version INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            FOREIGN KEY (checklist_id, checklist_version) REFERENCES checklists(id, version)
        );
        CREATE INDEX calibrations_session ON calibrations(session_id);
        CREATE TABLE audit_samples (
            id INTEGER PRIMARY KEY,
            drawn_by TEXT NOT NULL,
            drawn_at TEXT NOT NULL,
            drawn_ms INTEGER NOT NULL,
            from_date TEXT NOT NULL,
            to_date TEXT NOT NULL,
            percent REAL NOT NULL,
            seed INTEGER NOT NULL,
            population INTEGER NOT NULL,
            drawn INTEGER NOT NULL
        );
        """,
        // 6: retention. Media past retention are deleted from the media directory; their rows,
        // hashes, findings and reviews stay, marked with when the files went.
        """
        ALTER TABLE media ADD COLUMN purged_at TEXT;
        ALTER TABLE sessions ADD COLUMN purged_at TEXT;
        """,
        // 7: import speed. Manifests move to a table of their own: inline, they made every
        // session row span overflow pages, so each look-up by id or device read kilobytes.
        // Overlap look-ups are answered from the device and employee indexes alone. The band
        // table of photo hashes goes: the import keeps that index in memory (it was keyed by
        // the similarity distance of the day it was written, and grew seven rows per photo).
        """
        CREATE TABLE manifests (
            session_id TEXT NOT NULL UNIQUE REFERENCES sessions(id) ON DELETE CASCADE,
            bytes BLOB NOT NULL
        );
        INSERT INTO manifests (session_id, bytes) SELECT id, manifest FROM sessions ORDER BY started_ms, id;
        ALTER TABLE sessions DROP COLUMN manifest;
        DROP INDEX sessions_device;
        CREATE INDEX sessions_device ON sessions(device_id, started_ms, ended_ms, employee_id);
        DROP INDEX sessions_employee;
        CREATE INDEX sessions_employee ON sessions(employee_id, started_ms, ended_ms, device_id);
        DROP TABLE photo_bands;
        INSERT INTO meta (key, value) VALUES ('photo_uses_generation', 1);
        """,
        // 8: a session's finding by its key (code, questionnaire, file) in one index look-up: a
        // bundle with thousands of questionnaires made each "already there?" a scan of them all.
        // (Ids and files are never empty, so '' stands for "none".)
        """
        CREATE INDEX findings_key ON findings(session_id, code, coalesce(questionnaire_id, ''), coalesce(file, ''));
        """,
        // 9: photo forensics. A photo's 32×32 upright thumbnail (what matching reads), and each
        // use's thumbnail and six prints (what the import's index holds). The old 64-bit dHash
        // columns stay unread; `fraud --recheck` fills the new ones from the media.
        """
        ALTER TABLE photos ADD COLUMN thumb BLOB;
        ALTER TABLE photo_uses ADD COLUMN thumb BLOB;
        ALTER TABLE photo_uses ADD COLUMN prints BLOB;
        """,
        // 10: a lead's decisions on findings, append-only (the latest one stands). A decision
        // belongs to the finding's content, not its row id: a re-check deletes and re-derives
        // findings, and an identical finding gets its decision back; a changed one (another
        // photo nearest, say) is a new finding, undecided.
        """
        CREATE TABLE finding_decisions (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            questionnaire_id TEXT,
            file TEXT,
            code TEXT NOT NULL,
            detail TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
            reason TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL
        );
        CREATE INDEX finding_decisions_key ON finding_decisions(session_id, code);
        CREATE TRIGGER finding_decisions_no_update BEFORE UPDATE ON finding_decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
        """,
        // 11: search as you type. `search_fold` is the session's searchable text (id, location,
        // employee, start) case-folded by Swift — Cyrillic too, which SQLite's lower() and LIKE
        // leave alone — and a trigram full-text index over it finds a substring of three or more
        // characters without a scan. Its row id (`search_rowid`; sessions has no rowid of its
        // own) is started_ms × 4096 + the session's arrival among those starting in the same
        // millisecond (at most 4096), so the index's order is the queue's up to ties within a
        // millisecond: a window of matches is read in order and the walk stops there
        // (`Store.sessions`). Filled for existing sessions by `Store.fillSearchText`.
        """
        ALTER TABLE sessions ADD COLUMN search_fold TEXT;
        ALTER TABLE sessions ADD COLUMN search_rowid INTEGER;
        CREATE INDEX sessions_search_rowid ON sessions(search_rowid);
        CREATE VIRTUAL TABLE session_search USING fts5(search_fold, tokenize='trigram');
        CREATE TRIGGER session_search_insert AFTER INSERT ON sessions BEGIN
            UPDATE sessions SET search_rowid = coalesce((SELECT max(search_rowid) + 1 FROM sessions
                WHERE search_rowid >= new.started_ms * 4096 AND search_rowid < (new.started_ms + 1) * 4096), new.started_ms * 4096)
              WHERE id = new.id;
            SELECT RAISE(ABORT, 'more than 4096 sessions start in the same millisecond')
              FROM sessions WHERE id = new.id AND search_rowid >= (new.started_ms + 1) * 4096;
            INSERT INTO session_search(rowid, search_fold) SELECT search_rowid, search_fold FROM sessions WHERE id = new.id;
        END;
        CREATE TRIGGER session_search_delete AFTER DELETE ON sessions BEGIN
            DELETE FROM session_search WHERE rowid = old.search_rowid;
        END;
        CREATE TRIGGER session_search_update AFTER UPDATE OF search_fold ON sessions BEGIN
            UPDATE session_search SET search_fold = new.search_fold WHERE rowid = old.search_rowid;
        END;
        """,
        // 12: the exporter role (exports, scorecards, fraud reports; no reviews, no drafts),
        // disputes of reviewed items, and listening kept as exact spans of each recording's own
        // time (`spans`, filled from the old whole seconds by `Store.convertListening`). The
        // reviewers table is rebuilt for its wider CHECK, with foreign keys off around the
        // migration (`Schema.rebuildsTables`), as SQLite's ALTER TABLE documentation describes.
        """
        CREATE TABLE reviewers_new (
            id TEXT PRIMARY KEY,
            name TEXT,
            role TEXT NOT NULL CHECK (role IN ('reviewer', 'lead', 'exporter')),
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO reviewers_new (id, name, role, added_at, added_by) SELECT id, name, role, added_at, added_by FROM reviewers;
        DROP TABLE reviewers;
        ALTER TABLE reviewers_new RENAME TO reviewers;
        CREATE TABLE disputes (
            id INTEGER PRIMARY KEY,
            review_id INTEGER NOT NULL REFERENCES reviews(id),
            session_id TEXT NOT NULL REFERENCES sessions(id),
            item_id TEXT NOT NULL,
            reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
            opened_by TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            opened_ms INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
            decided_by TEXT,
            decided_at TEXT,
            decided_ms INTEGER,
            decision_reason TEXT,
            answer TEXT
        );
        CREATE INDEX disputes_review ON disputes(review_id);
        CREATE INDEX disputes_opened ON disputes(opened_ms);
        CREATE UNIQUE INDEX disputes_open_item ON disputes(review_id, item_id) WHERE status = 'open';
        CREATE TRIGGER disputes_no_delete BEFORE DELETE ON disputes BEGIN SELECT RAISE(ABORT, 'disputes are kept'); END;
        ALTER TABLE listening ADD COLUMN spans TEXT;
        ALTER TABLE listening ADD COLUMN heard_ms INTEGER;
        """,
        // 13: working the callback requests. One row per request (`Store.insert` adds it with
        // the request): open, taken by one person (a claim, as pull's), or done; every attempt
        // kept. `requested_ms` is the request's time (else the session's end), what the
        // deadline counts from; `pii_purged_at` says retention removed the name and phone.
        """
        CREATE TABLE callbacks (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            requested_ms INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'taken', 'done')),
            taken_by TEXT,
            taken_ms INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            first_attempt_ms INTEGER,
            outcome TEXT CHECK (outcome IN ('reached', 'no-answer', 'wrong-number', 'declined')),
            closed_ms INTEGER,
            pii_purged_at TEXT,
            UNIQUE (session_id, idx),
            FOREIGN KEY (session_id, idx) REFERENCES callback_requests(session_id, idx) ON DELETE CASCADE
        );
        CREATE INDEX callbacks_status ON callbacks(status, requested_ms);
        CREATE TABLE callback_attempts (
            id INTEGER PRIMARY KEY,
            callback_id INTEGER NOT NULL REFERENCES callbacks(id) ON DELETE CASCADE,
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            at_ms INTEGER NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('reached', 'no-answer', 'wrong-number', 'declined')),
            note TEXT
        );
        CREATE INDEX callback_attempts_callback ON callback_attempts(callback_id, id);
        INSERT INTO callbacks (session_id, idx, requested_ms)
            SELECT c.session_id, c.idx, coalesce(c.at_ms, s.ended_ms) FROM callback_requests c JOIN sessions s ON s.id = c.session_id;
        """,
        // 14: the alert outbox. A message is written in the transaction of its cause (an import,
        // a submit) and sent afterwards; it stays pending until the server has taken it, so a
        // crash in between sends it again — with the same Message-ID.
        """
        CREATE TABLE alert_outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            session_id TEXT,
            route TEXT NOT NULL,
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            message_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_ms INTEGER NOT NULL,
            last_error TEXT,
            created_ms INTEGER NOT NULL,
            sent_ms INTEGER
        );
        CREATE INDEX alert_outbox_due ON alert_outbox(status, next_ms);
        ALTER TABLE callbacks ADD COLUMN overdue_alerted_ms INTEGER;
        """,
    ]

    /// Migrations that rebuild a table others refer to: run with foreign keys off (a pragma
    /// that has no effect inside a transaction) and checked with `foreign_key_check` before commit.
    static let rebuildsTables: Set<Int> = [12]
    static let listeningSpansVersion = 12
}
