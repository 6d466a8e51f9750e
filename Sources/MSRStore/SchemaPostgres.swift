/// The store's schema on PostgreSQL. A new PostgreSQL store starts at `base` (the same tables
/// as SQLite's migrations 1…7 leave); later migrations go into `migrations`, numbered as
/// SQLite's are, so both backends always name the same schema version with the same number.
/// Text is compared bytewise (COLLATE "C"), as SQLite does, whatever the server's locale.
enum PostgresSchema {
    static let baseVersion = 7

    /// Migrations after the base, by the version they bring the store to.
    static let migrations: [Int: String] = [
        8: "CREATE INDEX findings_key ON findings(session_id, code, coalesce(questionnaire_id, ''), coalesce(file, ''));",
        9: "ALTER TABLE photos ADD COLUMN thumb BYTEA; ALTER TABLE photo_uses ADD COLUMN thumb BYTEA; ALTER TABLE photo_uses ADD COLUMN prints BYTEA;",
        // Decisions on findings: everyone reads them, only a lead adds one, nobody changes one.
        10: """
        CREATE TABLE finding_decisions (
            id \(id),
            session_id \(t) NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            questionnaire_id \(t),
            file \(t),
            code \(t) NOT NULL,
            detail \(t) NOT NULL,
            decision \(t) NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
            reason \(t) NOT NULL,
            decided_by \(t) NOT NULL,
            decided_at \(t) NOT NULL
        );
        CREATE INDEX finding_decisions_key ON finding_decisions(session_id, code);
        GRANT SELECT ON finding_decisions TO \(reviewerRole), \(leadRole);
        GRANT INSERT ON finding_decisions TO \(leadRole);
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(reviewerRole), \(leadRole);
        ALTER TABLE finding_decisions ENABLE ROW LEVEL SECURITY;
        CREATE POLICY everyone_reads ON finding_decisions FOR SELECT TO \(reviewerRole), \(leadRole) USING (true);
        CREATE POLICY lead_decides ON finding_decisions FOR INSERT TO \(leadRole) WITH CHECK (decided_by = current_user);
        CREATE TRIGGER finding_decisions_no_update BEFORE UPDATE ON finding_decisions
            FOR EACH ROW EXECUTE FUNCTION msr_refuse('decisions are append-only');
        """,
        // The folded search text; a trigram index when the server lets the store's owner add
        // pg_trgm (a trusted extension), else searches scan the one column.
        11: """
        ALTER TABLE sessions ADD COLUMN search_fold TEXT;
        DO $$ BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
            CREATE INDEX sessions_search_trgm ON sessions USING gin (search_fold gin_trgm_ops);
        EXCEPTION WHEN OTHERS THEN NULL;
        END $$;
        -- Claiming one chosen session (the workstation's c, pull SESSION): msr_claim's checks for one row.
        CREATE FUNCTION msr_claim_session(p_reviewer TEXT, p_session TEXT, p_now_ms BIGINT, p_now TEXT, p_expires_ms BIGINT)
        RETURNS SETOF TEXT LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        DECLARE old RECORD; rid BIGINT;
        BEGIN
            IF p_reviewer <> session_user AND NOT pg_has_role(session_user, '\(leadRole)', 'MEMBER')
               AND session_user <> (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'reviews') THEN
                RAISE EXCEPTION 'a login claims only for itself' USING ERRCODE = '42501';
            END IF;
            PERFORM 1 FROM sessions WHERE id = p_session FOR UPDATE;
            IF NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = p_session AND (s.status = 'new' OR (s.status IN ('claimed', 'draft')
                             AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.session_id = p_session AND r.status IN ('claimed', 'draft')
                                               AND r.purpose = 'work' AND r.expires_ms > p_now_ms))))
               OR EXISTS (SELECT 1 FROM reviews o WHERE o.session_id = p_session AND o.reviewer = p_reviewer
                          AND o.status IN ('claimed', 'draft', 'returned')) THEN
                RETURN;
            END IF;
            FOR old IN SELECT id, reviewer FROM reviews WHERE session_id = p_session AND status IN ('claimed', 'draft') AND purpose = 'work' LOOP
                INSERT INTO audit_log (at, at_ms, actor, action, session_id, review_id, reason, detail)
                VALUES (p_now, p_now_ms, p_reviewer, 'expire', p_session, old.id, NULL, '{"previous_reviewer":' || to_json(old.reviewer)::text || '}');
            END LOOP;
            UPDATE reviews SET status = 'expired', updated_ms = p_now_ms WHERE session_id = p_session AND status IN ('claimed', 'draft') AND purpose = 'work';
            UPDATE sessions SET status = 'claimed' WHERE id = p_session;
            INSERT INTO reviews (session_id, reviewer, status, claimed_at, claimed_ms, expires_ms, updated_ms)
            VALUES (p_session, p_reviewer, 'claimed', p_now, p_now_ms, p_expires_ms, p_now_ms) RETURNING id INTO rid;
            INSERT INTO audit_log (at, at_ms, actor, action, session_id, review_id, reason, detail)
            VALUES (p_now, p_now_ms, p_reviewer, 'claim', p_session, rid, NULL, '{}');
            RETURN NEXT p_session;
        END $$;
        REVOKE ALL ON FUNCTION msr_claim_session(TEXT, TEXT, BIGINT, TEXT, BIGINT) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION msr_claim_session(TEXT, TEXT, BIGINT, TEXT, BIGINT) TO \(reviewerRole), \(leadRole);
        """,
        // The exporter: reads what exports, scorecards and fraud reports need — submitted and
        // approved reviews only, never a draft, a claim or listening — and writes nothing but its
        // own audit entries (the record of personal data it exported). Disputes: leads open and
        // decide them, a reviewer reads those on their own reviews, an exporter reads all.
        // Listening as exact spans of each recording's time.
        12: """
        ALTER TABLE reviewers DROP CONSTRAINT reviewers_role_check;
        ALTER TABLE reviewers ADD CONSTRAINT reviewers_role_check CHECK (role IN ('reviewer', 'lead', 'exporter'));
        ALTER TABLE listening ADD COLUMN spans TEXT;
        ALTER TABLE listening ADD COLUMN heard_ms BIGINT;
        CREATE TABLE disputes (
            id \(id),
            review_id BIGINT NOT NULL REFERENCES reviews(id),
            session_id \(t) NOT NULL REFERENCES sessions(id),
            item_id \(t) NOT NULL,
            reason \(t) NOT NULL CHECK (length(trim(reason)) > 0),
            opened_by \(t) NOT NULL,
            opened_at \(t) NOT NULL,
            opened_ms BIGINT NOT NULL,
            status \(t) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
            decided_by \(t),
            decided_at \(t),
            decided_ms BIGINT,
            decision_reason \(t),
            answer \(t)
        );
        CREATE INDEX disputes_review ON disputes(review_id);
        CREATE INDEX disputes_opened ON disputes(opened_ms);
        CREATE UNIQUE INDEX disputes_open_item ON disputes(review_id, item_id) WHERE status = 'open';
        CREATE TRIGGER disputes_no_delete BEFORE DELETE ON disputes FOR EACH ROW EXECUTE FUNCTION msr_refuse('disputes are kept');
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(exporterRole)') THEN CREATE ROLE \(exporterRole) NOLOGIN; END IF;
        END $$;
        GRANT USAGE ON SCHEMA public TO \(exporterRole);
        GRANT SELECT ON sessions, manifests, media, media_chunks, recordings, photos, questionnaires, answers, findings,
            checklists, reviewers, calibrations, meta, msreview_schema, photo_uses, callback_requests, finding_decisions,
            review_overrides, reviews, review_answers, disputes TO \(exporterRole);
        GRANT SELECT, INSERT ON audit_log TO \(exporterRole);
        GRANT SELECT ON disputes TO \(reviewerRole);
        GRANT SELECT, INSERT, UPDATE ON disputes TO \(leadRole);
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(reviewerRole), \(leadRole), \(exporterRole);
        CREATE POLICY exporter_reads_submitted ON reviews FOR SELECT TO \(exporterRole) USING (status IN ('submitted', 'approved'));
        CREATE POLICY exporter_reads_submitted ON review_answers FOR SELECT TO \(exporterRole)
            USING (EXISTS (SELECT 1 FROM reviews r WHERE r.id = review_id AND r.status IN ('submitted', 'approved')));
        CREATE POLICY exporter_reads ON review_overrides FOR SELECT TO \(exporterRole) USING (true);
        CREATE POLICY exporter_own_read ON audit_log FOR SELECT TO \(exporterRole) USING (actor = current_user);
        CREATE POLICY exporter_own_write ON audit_log FOR INSERT TO \(exporterRole) WITH CHECK (actor = current_user);
        ALTER TABLE disputes ENABLE ROW LEVEL SECURITY;
        CREATE POLICY lead_all ON disputes TO \(leadRole) USING (true) WITH CHECK (true);
        CREATE POLICY own_read ON disputes FOR SELECT TO \(reviewerRole)
            USING (EXISTS (SELECT 1 FROM reviews r WHERE r.id = review_id AND r.reviewer = current_user));
        CREATE POLICY exporter_reads ON disputes FOR SELECT TO \(exporterRole) USING (true);
        """,
        // Callbacks: leads work them; everyone reads their state (no personal data in them);
        // attempts (their notes may name the customer) for leads and exporters.
        13: """
        CREATE TABLE callbacks (
            id \(id),
            session_id \(t) NOT NULL,
            idx BIGINT NOT NULL,
            requested_ms BIGINT NOT NULL,
            status \(t) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'taken', 'done')),
            taken_by \(t),
            taken_ms BIGINT,
            attempts BIGINT NOT NULL DEFAULT 0,
            first_attempt_ms BIGINT,
            outcome \(t) CHECK (outcome IN ('reached', 'no-answer', 'wrong-number', 'declined')),
            closed_ms BIGINT,
            pii_purged_at \(t),
            UNIQUE (session_id, idx),
            FOREIGN KEY (session_id, idx) REFERENCES callback_requests(session_id, idx) ON DELETE CASCADE
        );
        CREATE INDEX callbacks_status ON callbacks(status, requested_ms);
        CREATE TABLE callback_attempts (
            id \(id),
            callback_id BIGINT NOT NULL REFERENCES callbacks(id) ON DELETE CASCADE,
            actor \(t) NOT NULL,
            at \(t) NOT NULL,
            at_ms BIGINT NOT NULL,
            outcome \(t) NOT NULL CHECK (outcome IN ('reached', 'no-answer', 'wrong-number', 'declined')),
            note \(t)
        );
        CREATE INDEX callback_attempts_callback ON callback_attempts(callback_id, id);
        INSERT INTO callbacks (session_id, idx, requested_ms)
            SELECT c.session_id, c.idx, coalesce(c.at_ms, s.ended_ms) FROM callback_requests c JOIN sessions s ON s.id = c.session_id;
        GRANT SELECT ON callbacks TO \(reviewerRole), \(leadRole), \(exporterRole);
        GRANT UPDATE ON callbacks TO \(leadRole);
        GRANT SELECT ON callback_attempts TO \(leadRole), \(exporterRole);
        GRANT INSERT ON callback_attempts TO \(leadRole);
        GRANT UPDATE (name, phone) ON callback_requests TO \(leadRole);
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(reviewerRole), \(leadRole), \(exporterRole);
        """,
        // The alert outbox: written with its cause (a reviewer's submit too), read and sent by leads.
        14: """
        CREATE TABLE alert_outbox (
            id \(id),
            kind \(t) NOT NULL,
            session_id \(t),
            route \(t) NOT NULL,
            recipient \(t) NOT NULL,
            subject \(t) NOT NULL,
            body \(t) NOT NULL,
            message_id \(t) NOT NULL,
            status \(t) NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
            attempts BIGINT NOT NULL DEFAULT 0,
            next_ms BIGINT NOT NULL,
            last_error \(t),
            created_ms BIGINT NOT NULL,
            sent_ms BIGINT
        );
        CREATE INDEX alert_outbox_due ON alert_outbox(status, next_ms);
        ALTER TABLE callbacks ADD COLUMN overdue_alerted_ms BIGINT;
        GRANT INSERT ON alert_outbox TO \(reviewerRole), \(leadRole);
        GRANT SELECT, UPDATE ON alert_outbox TO \(leadRole);
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(reviewerRole), \(leadRole), \(exporterRole);
        """,
    ]

    static var latest: Int { migrations.keys.max() ?? baseVersion }

    /// Group roles every login of a team is granted one of (`msreview reviewers add`).
    static let reviewerRole = "msreview_reviewer"
    static let leadRole = "msreview_lead"
    static let exporterRole = "msreview_exporter"

    /// Who may read and write what, enforced by the server itself (grants and row-level
    /// security), not only by the client. The store's owner (who created it: the importer and
    /// administrator) is not bound by row security. A reviewer reads sessions, media and
    /// findings, and only their own reviews, answers, overrides, listening and audit entries;
    /// customers' names and phones not at all. A lead reads and decides everything. Nobody
    /// changes or deletes audit-log rows (no grant, and a trigger stops even the owner).
    static let access = """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(reviewerRole)') THEN CREATE ROLE \(reviewerRole) NOLOGIN; END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(leadRole)') THEN CREATE ROLE \(leadRole) NOLOGIN; END IF;
    END $$;
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
    GRANT USAGE ON SCHEMA public TO \(reviewerRole), \(leadRole);
    GRANT SELECT ON sessions, manifests, media, media_chunks, recordings, photos, questionnaires, answers, findings,
        checklists, reviewers, calibrations, meta, msreview_schema, photo_uses
        TO \(reviewerRole), \(leadRole);
    GRANT SELECT (session_id, idx, topic, at, at_ms) ON callback_requests TO \(reviewerRole);
    GRANT SELECT ON callback_requests, import_log, audit_samples TO \(leadRole);
    GRANT UPDATE (status) ON sessions TO \(reviewerRole), \(leadRole);
    GRANT SELECT, INSERT, UPDATE ON reviews, listening TO \(reviewerRole), \(leadRole);
    GRANT SELECT, INSERT, UPDATE, DELETE ON review_answers TO \(reviewerRole), \(leadRole);
    GRANT SELECT ON review_overrides TO \(reviewerRole);
    GRANT SELECT, INSERT ON review_overrides, audit_log TO \(leadRole);
    GRANT SELECT, INSERT ON audit_log TO \(reviewerRole);
    GRANT INSERT ON calibrations, audit_samples, checklists, reviewers TO \(leadRole);
    GRANT UPDATE ON reviewers, sessions, media TO \(leadRole);
    GRANT DELETE ON media_chunks TO \(leadRole);
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(reviewerRole), \(leadRole);

    ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
    ALTER TABLE review_answers ENABLE ROW LEVEL SECURITY;
    ALTER TABLE review_overrides ENABLE ROW LEVEL SECURITY;
    ALTER TABLE listening ENABLE ROW LEVEL SECURITY;
    ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
    CREATE POLICY lead_all ON reviews TO \(leadRole) USING (true) WITH CHECK (true);
    CREATE POLICY own ON reviews TO \(reviewerRole) USING (reviewer = current_user) WITH CHECK (reviewer = current_user);
    CREATE POLICY lead_all ON review_answers TO \(leadRole) USING (true) WITH CHECK (true);
    CREATE POLICY own ON review_answers TO \(reviewerRole)
        USING (EXISTS (SELECT 1 FROM reviews r WHERE r.id = review_id AND r.reviewer = current_user))
        WITH CHECK (EXISTS (SELECT 1 FROM reviews r WHERE r.id = review_id AND r.reviewer = current_user));
    CREATE POLICY lead_all ON review_overrides TO \(leadRole) USING (true) WITH CHECK (true);
    CREATE POLICY own ON review_overrides TO \(reviewerRole)
        USING (EXISTS (SELECT 1 FROM reviews r WHERE r.id = review_id AND r.reviewer = current_user));
    CREATE POLICY lead_all ON listening TO \(leadRole) USING (true) WITH CHECK (true);
    CREATE POLICY own ON listening TO \(reviewerRole) USING (reviewer = current_user) WITH CHECK (reviewer = current_user);
    CREATE POLICY lead_read ON audit_log FOR SELECT TO \(leadRole) USING (true);
    CREATE POLICY lead_write ON audit_log FOR INSERT TO \(leadRole) WITH CHECK (actor = current_user);
    CREATE POLICY own_read ON audit_log FOR SELECT TO \(reviewerRole) USING (actor = current_user);
    CREATE POLICY own_write ON audit_log FOR INSERT TO \(reviewerRole) WITH CHECK (actor = current_user);

    -- A claim must see every reviewer's open claims (to skip or expire them), which row security
    -- hides from a reviewer: the claim runs here, as the owner, for the calling login only.
    CREATE FUNCTION msr_claim(p_reviewer TEXT, p_count BIGINT, p_checklist TEXT, p_now_ms BIGINT, p_now TEXT, p_expires_ms BIGINT)
    RETURNS SETOF TEXT LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE sid TEXT; old RECORD; rid BIGINT; claimed BIGINT := 0; stale BIGINT; round INT := 0;
    BEGIN
        IF p_reviewer <> session_user AND NOT pg_has_role(session_user, '\(leadRole)', 'MEMBER')
           AND session_user <> (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'reviews') THEN
            RAISE EXCEPTION 'a login claims only for itself' USING ERRCODE = '42501';
        END IF;
        LOOP
            round := round + 1;
            stale := 0;
            -- Candidates are locked (rows another claim holds are skipped, not waited for) ...
            FOR sid IN
                SELECT s.id FROM sessions s
                WHERE (s.status = 'new'
                       OR (s.status IN ('claimed', 'draft') AND NOT EXISTS (
                             SELECT 1 FROM reviews r WHERE r.session_id = s.id AND r.status IN ('claimed', 'draft')
                               AND r.purpose = 'work' AND r.expires_ms > p_now_ms)))
                AND NOT EXISTS (SELECT 1 FROM reviews o WHERE o.session_id = s.id AND o.reviewer = p_reviewer
                                AND o.status IN ('claimed', 'draft', 'returned'))
                AND (p_checklist IS NULL OR s.checklist = p_checklist OR s.checklist IS NULL)
                ORDER BY s.started_ms, s.id LIMIT p_count - claimed FOR UPDATE OF s SKIP LOCKED
            LOOP
                -- ... then checked again under the lock with a fresh snapshot: a claim committed
                -- just before the lock was taken is seen here, so nothing is claimed twice.
                IF NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = sid AND (s.status = 'new' OR (s.status IN ('claimed', 'draft')
                                 AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.session_id = sid AND r.status IN ('claimed', 'draft')
                                                   AND r.purpose = 'work' AND r.expires_ms > p_now_ms))))
                   OR EXISTS (SELECT 1 FROM reviews o WHERE o.session_id = sid AND o.reviewer = p_reviewer
                              AND o.status IN ('claimed', 'draft', 'returned')) THEN
                    stale := stale + 1;
                    CONTINUE;
                END IF;
                FOR old IN SELECT id, reviewer FROM reviews WHERE session_id = sid AND status IN ('claimed', 'draft') AND purpose = 'work' LOOP
                    INSERT INTO audit_log (at, at_ms, actor, action, session_id, review_id, reason, detail)
                    VALUES (p_now, p_now_ms, p_reviewer, 'expire', sid, old.id, NULL, '{"previous_reviewer":' || to_json(old.reviewer)::text || '}');
                END LOOP;
                UPDATE reviews SET status = 'expired', updated_ms = p_now_ms WHERE session_id = sid AND status IN ('claimed', 'draft') AND purpose = 'work';
                UPDATE sessions SET status = 'claimed' WHERE id = sid;
                INSERT INTO reviews (session_id, reviewer, status, claimed_at, claimed_ms, expires_ms, updated_ms)
                VALUES (sid, p_reviewer, 'claimed', p_now, p_now_ms, p_expires_ms, p_now_ms) RETURNING id INTO rid;
                INSERT INTO audit_log (at, at_ms, actor, action, session_id, review_id, reason, detail)
                VALUES (p_now, p_now_ms, p_reviewer, 'claim', sid, rid, NULL, '{}');
                claimed := claimed + 1;
                RETURN NEXT sid;
            END LOOP;
            EXIT WHEN claimed >= p_count OR stale = 0 OR round >= 5;
        END LOOP;
    END $$;
    REVOKE ALL ON FUNCTION msr_claim(TEXT, BIGINT, TEXT, BIGINT, TEXT, BIGINT) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION msr_claim(TEXT, BIGINT, TEXT, BIGINT, TEXT, BIGINT) TO \(reviewerRole), \(leadRole);
    """

    static let t = "TEXT COLLATE \"C\""
    static let id = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    static let base = """
    CREATE TABLE msreview_schema (version INTEGER NOT NULL);

    CREATE TABLE sessions (
        id \(t) PRIMARY KEY,
        device_id \(t) NOT NULL,
        location_id \(t) NOT NULL,
        location_name \(t),
        location_tz \(t),
        hours_open BIGINT,
        hours_close BIGINT,
        employee_id \(t) NOT NULL,
        employee_name \(t),
        started_at \(t) NOT NULL,
        started_ms BIGINT NOT NULL,
        ended_at \(t) NOT NULL,
        ended_ms BIGINT NOT NULL,
        local_date \(t) NOT NULL,
        checklist \(t),
        manifest_sha256 \(t) NOT NULL,
        bundle_digest \(t) NOT NULL,
        source \(t) NOT NULL,
        imported_at \(t) NOT NULL,
        imported_ms BIGINT NOT NULL,
        status \(t) NOT NULL DEFAULT 'new',
        purged_at \(t)
    );
    CREATE INDEX sessions_started ON sessions(started_ms, id);
    CREATE INDEX sessions_location ON sessions(location_id, started_ms);
    CREATE INDEX sessions_status ON sessions(status, started_ms);
    CREATE INDEX sessions_device ON sessions(device_id, started_ms, ended_ms, employee_id);
    CREATE INDEX sessions_employee ON sessions(employee_id, started_ms, ended_ms, device_id);

    CREATE TABLE manifests (
        session_id \(t) NOT NULL UNIQUE REFERENCES sessions(id) ON DELETE CASCADE,
        bytes BYTEA NOT NULL
    );

    CREATE TABLE media (
        sha256 \(t) PRIMARY KEY,
        size BIGINT NOT NULL,
        stored_at \(t) NOT NULL,
        purged_at \(t)
    );

    -- A team store keeps the media themselves: content-addressed, in 1 MiB chunks so that a
    -- recording streams and is never loaded whole; stored as they are (media are compressed).
    CREATE TABLE media_chunks (
        sha256 \(t) NOT NULL REFERENCES media(sha256) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        bytes BYTEA NOT NULL,
        PRIMARY KEY (sha256, idx)
    );
    ALTER TABLE media_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;

    CREATE TABLE recordings (
        session_id \(t) NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx BIGINT NOT NULL,
        file \(t) NOT NULL,
        started_at \(t) NOT NULL,
        started_ms BIGINT NOT NULL,
        manifest_sha256 \(t),
        sha256 \(t) REFERENCES media(sha256),
        size BIGINT,
        status \(t) NOT NULL,
        frames BIGINT,
        sample_rate BIGINT,
        channels BIGINT,
        duration_ms BIGINT,
        container \(t),
        encoding \(t),
        envelope BYTEA,
        PRIMARY KEY (session_id, idx)
    );

    CREATE TABLE photos (
        session_id \(t) NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx BIGINT NOT NULL,
        file \(t) NOT NULL,
        taken_at \(t),
        taken_ms BIGINT,
        manifest_sha256 \(t),
        sha256 \(t) REFERENCES media(sha256),
        size BIGINT,
        status \(t) NOT NULL,
        width BIGINT,
        height BIGINT,
        exif_time \(t),
        exif_ms BIGINT,
        exif_offset_known BIGINT,
        phash BIGINT,
        PRIMARY KEY (session_id, idx)
    );
    CREATE INDEX photos_sha ON photos(sha256);

    CREATE TABLE questionnaires (
        session_id \(t) NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        id \(t) NOT NULL,
        idx BIGINT NOT NULL,
        form \(t),
        started_at \(t) NOT NULL,
        started_ms BIGINT NOT NULL,
        submitted_at \(t) NOT NULL,
        submitted_ms BIGINT NOT NULL,
        photos \(t) NOT NULL,
        PRIMARY KEY (session_id, id)
    );

    CREATE TABLE answers (
        session_id \(t) NOT NULL,
        questionnaire_id \(t) NOT NULL,
        idx BIGINT NOT NULL,
        question \(t) NOT NULL,
        text \(t),
        kind \(t) NOT NULL,
        value \(t) NOT NULL,
        number DOUBLE PRECISION,
        answered_at \(t),
        answered_ms BIGINT,
        PRIMARY KEY (session_id, questionnaire_id, idx),
        FOREIGN KEY (session_id, questionnaire_id) REFERENCES questionnaires(session_id, id) ON DELETE CASCADE
    );

    CREATE TABLE callback_requests (
        session_id \(t) NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx BIGINT NOT NULL,
        name \(t),
        phone \(t),
        topic \(t),
        at \(t),
        at_ms BIGINT,
        PRIMARY KEY (session_id, idx)
    );

    CREATE TABLE findings (
        id \(id),
        session_id \(t) NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        questionnaire_id \(t),
        file \(t),
        code \(t) NOT NULL,
        severity \(t) NOT NULL,
        detail \(t) NOT NULL,
        found_at \(t) NOT NULL
    );
    CREATE INDEX findings_session ON findings(session_id);
    CREATE INDEX findings_code ON findings(code);
    CREATE INDEX findings_session_code ON findings(session_id, code);

    CREATE TABLE import_log (
        id \(id),
        at \(t) NOT NULL,
        path \(t) NOT NULL,
        session_id \(t),
        outcome \(t) NOT NULL,
        error \(t)
    );

    CREATE TABLE checklists (
        id \(t) NOT NULL,
        version BIGINT NOT NULL,
        title \(t) NOT NULL,
        source \(t) NOT NULL,
        sha256 \(t) NOT NULL,
        text \(t) NOT NULL,
        loaded_at \(t) NOT NULL,
        PRIMARY KEY (id, version)
    );

    CREATE TABLE reviewers (
        id \(t) PRIMARY KEY,
        name \(t),
        role \(t) NOT NULL CHECK (role IN ('reviewer', 'lead')),
        added_at \(t) NOT NULL,
        added_by \(t) NOT NULL
    );

    CREATE TABLE calibrations (
        id \(id),
        session_id \(t) NOT NULL REFERENCES sessions(id),
        checklist_id \(t) NOT NULL,
        checklist_version BIGINT NOT NULL,
        created_by \(t) NOT NULL,
        created_at \(t) NOT NULL,
        created_ms BIGINT NOT NULL,
        FOREIGN KEY (checklist_id, checklist_version) REFERENCES checklists(id, version)
    );
    CREATE INDEX calibrations_session ON calibrations(session_id);

    CREATE TABLE audit_samples (
        id \(id),
        drawn_by \(t) NOT NULL,
        drawn_at \(t) NOT NULL,
        drawn_ms BIGINT NOT NULL,
        from_date \(t) NOT NULL,
        to_date \(t) NOT NULL,
        percent DOUBLE PRECISION NOT NULL,
        seed BIGINT NOT NULL,
        population BIGINT NOT NULL,
        drawn BIGINT NOT NULL
    );

    CREATE TABLE reviews (
        id \(id),
        session_id \(t) NOT NULL REFERENCES sessions(id),
        reviewer \(t) NOT NULL REFERENCES reviewers(id),
        checklist_id \(t),
        checklist_version BIGINT,
        status \(t) NOT NULL CHECK (status IN ('claimed', 'draft', 'submitted', 'approved', 'returned', 'released', 'expired')),
        claimed_at \(t) NOT NULL,
        claimed_ms BIGINT NOT NULL,
        expires_ms BIGINT,
        opened_ms BIGINT,
        submitted_at \(t),
        submitted_ms BIGINT,
        updated_ms BIGINT NOT NULL,
        percent DOUBLE PRECISION,
        passed BIGINT,
        revision BIGINT NOT NULL DEFAULT 0,
        purpose \(t) NOT NULL DEFAULT 'work' CHECK (purpose IN ('work', 'calibration', 'reaudit')),
        calibration_id BIGINT REFERENCES calibrations(id),
        audited_review BIGINT REFERENCES reviews(id),
        audit_sample_id BIGINT REFERENCES audit_samples(id),
        FOREIGN KEY (checklist_id, checklist_version) REFERENCES checklists(id, version)
    );
    CREATE INDEX reviews_session ON reviews(session_id);
    CREATE INDEX reviews_reviewer ON reviews(reviewer, status);
    CREATE UNIQUE INDEX reviews_open ON reviews(session_id, reviewer) WHERE status IN ('claimed', 'draft', 'returned');
    CREATE INDEX reviews_calibration ON reviews(calibration_id) WHERE calibration_id IS NOT NULL;
    CREATE INDEX reviews_audited ON reviews(audited_review) WHERE audited_review IS NOT NULL;
    CREATE INDEX reviews_submitted ON reviews(submitted_ms) WHERE submitted_ms IS NOT NULL;

    CREATE TABLE review_answers (
        review_id BIGINT NOT NULL REFERENCES reviews(id),
        item_id \(t) NOT NULL,
        answer \(t) NOT NULL,
        comment \(t),
        evidence \(t) NOT NULL DEFAULT '[]',
        updated_ms BIGINT NOT NULL,
        PRIMARY KEY (review_id, item_id)
    );

    CREATE TABLE review_overrides (
        id \(id),
        review_id BIGINT NOT NULL REFERENCES reviews(id),
        item_id \(t) NOT NULL,
        before \(t),
        after \(t) NOT NULL,
        lead \(t) NOT NULL,
        at \(t) NOT NULL,
        reason \(t) NOT NULL CHECK (length(trim(reason)) > 0)
    );
    CREATE INDEX review_overrides_review ON review_overrides(review_id);

    CREATE TABLE audit_log (
        id \(id),
        at \(t) NOT NULL,
        at_ms BIGINT NOT NULL,
        actor \(t) NOT NULL,
        action \(t) NOT NULL,
        session_id \(t),
        review_id BIGINT,
        reason \(t),
        detail \(t) NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_log_session ON audit_log(session_id, id);

    CREATE TABLE photo_uses (
        id \(id),
        sha256 \(t) NOT NULL,
        session_id \(t) NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        questionnaire_id \(t) NOT NULL,
        q_started_ms BIGINT NOT NULL,
        file \(t) NOT NULL,
        phash BIGINT
    );
    CREATE INDEX photo_uses_sha ON photo_uses(sha256);
    CREATE INDEX photo_uses_session ON photo_uses(session_id);

    CREATE TABLE meta (key \(t) PRIMARY KEY, value BIGINT NOT NULL);
    INSERT INTO meta (key, value) VALUES ('max_session_ms', 0), ('photo_uses_generation', 1);

    CREATE TABLE listening (
        session_id \(t) NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        reviewer \(t) NOT NULL,
        seconds BYTEA NOT NULL,
        heard BIGINT NOT NULL,
        updated_ms BIGINT NOT NULL,
        PRIMARY KEY (session_id, reviewer)
    );

    -- The audit log and overrides are append-only; a submitted review's answers never change in place.
    CREATE FUNCTION msr_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION msr_refuse('the audit log is append-only');
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION msr_refuse('the audit log is append-only');
    CREATE TRIGGER overrides_append_only BEFORE UPDATE OR DELETE ON review_overrides
        FOR EACH ROW EXECUTE FUNCTION msr_refuse('overrides are append-only');
    CREATE FUNCTION msr_answers_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE st TEXT;
    BEGIN
        SELECT status INTO st FROM reviews WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.review_id ELSE OLD.review_id END;
        IF st IS NOT NULL AND st NOT IN ('claimed', 'draft', 'returned') THEN
            RAISE EXCEPTION 'a submitted review never changes in place';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER answers_frozen BEFORE INSERT OR UPDATE OR DELETE ON review_answers
        FOR EACH ROW EXECUTE FUNCTION msr_answers_frozen();
    """
}
