import Foundation
import MSRCore

/// A reviewer and their role.
public struct Reviewer: Equatable, Sendable {
    /// A reviewer fills checklists; a lead also audits and decides; an exporter runs exports,
    /// scorecards and fraud reports, and reads no drafts and does no reviews.
    public enum Role: String, Sendable, CaseIterable { case reviewer, lead, exporter }
    public var id: String
    public var name: String?
    public var role: Role

    public init(id: String, name: String?, role: Role) {
        self.id = id
        self.name = name
        self.role = role
    }
}

/// A stored review (or claim) of a session by one reviewer.
public struct ReviewRecord: Equatable, Sendable {
    public var id: Int64
    public var sessionID: String
    public var reviewer: String
    public var checklistID: String?
    public var checklistVersion: Int?
    public var status: ReviewStatus
    public var claimedAt: String
    public var claimedMillis: Int64
    public var expiresMillis: Int64?
    public var openedMillis: Int64?
    public var submittedAt: String?
    public var submittedMillis: Int64?
    public var percent: Double?
    public var passed: Bool?
    public var purpose: ReviewPurpose = .work
    /// The calibration round a calibration review belongs to.
    public var calibrationID: Int64? = nil
    /// For a re-audit: the review it audits.
    public var auditedReview: Int64? = nil
}

/// Why a review exists: queue work, a blind calibration round, or a lead's re-audit.
public enum ReviewPurpose: String, Sendable { case work, calibration, reaudit }

/// One line of the audit log.
public struct AuditEntry: Equatable, Sendable {
    public var id: Int64
    public var at: String
    public var actor: String
    public var action: String
    public var sessionID: String?
    public var reviewID: Int64?
    public var reason: String?
    public var detail: JSON
}

/// A lead's change to one answer of a submitted review.
public struct Override: Equatable, Sendable {
    public var itemID: String
    public var before: ItemAnswer?
    public var after: ItemAnswer
    public var lead: String
    public var at: String
    public var reason: String

    public init(itemID: String, before: ItemAnswer?, after: ItemAnswer, lead: String, at: String, reason: String) {
        (self.itemID, self.before, self.after, self.lead, self.at, self.reason) = (itemID, before, after, lead, at, reason)
    }
}

/// A checklist version already stored under the same id and version with other content.
public struct ChecklistVersionConflict: Error, CustomStringConvertible {
    public var id: String
    public var version: Int
    public var description: String {
        "checklist \(id) version \(version) is already stored with different content; a changed checklist needs a higher version"
    }
}

extension Store {
    // MARK: Checklists

    /// Stores a checklist version. The same text again changes nothing (returns false); other
    /// text under a stored id and version is refused, so a stored version never changes.
    @discardableResult
    public func storeChecklist(_ c: Checklist, text: String, sha256: String, source: String, at: Timestamp) throws -> Bool {
        if let existing = try db.scalar("SELECT sha256 FROM checklists WHERE id = ? AND version = ?", [.text(c.id), .integer(Int64(c.version))])?.string {
            if existing == sha256 { return false }
            throw ChecklistVersionConflict(id: c.id, version: c.version)
        }
        try db.execute("INSERT INTO checklists (id, version, title, source, sha256, text, loaded_at) VALUES (?,?,?,?,?,?,?)",
                       [.text(c.id), .integer(Int64(c.version)), .text(c.title), .text(source), .text(sha256), .text(text), .text(at.description)])
        return true
    }

    /// The text of a checklist version (the latest when `version` is nil).
    public func checklistText(_ id: String, version: Int? = nil) throws -> (version: Int, text: String)? {
        let rows = try db.query(version == nil
            ? "SELECT version, text FROM checklists WHERE id = ? ORDER BY version DESC LIMIT 1"
            : "SELECT version, text FROM checklists WHERE id = ? AND version = ?",
            version == nil ? [.text(id)] : [.text(id), .integer(Int64(version!))]) { (Int($0.int(0) ?? 0), $0.text(1) ?? "") }
        return rows.first
    }

    /// Every stored checklist version: id, version, title, source.
    public func checklistVersions() throws -> [(id: String, version: Int, title: String, source: String, loadedAt: String)] {
        try db.query("SELECT id, version, title, source, loaded_at FROM checklists ORDER BY id, version") {
            ($0.text(0) ?? "", Int($0.int(1) ?? 0), $0.text(2) ?? "", $0.text(3) ?? "", $0.text(4) ?? "")
        }
    }

    // MARK: Reviewers

    public func reviewer(_ id: String) throws -> Reviewer? {
        try db.query("SELECT id, name, role FROM reviewers WHERE id = ?", [.text(id)]) {
            Reviewer(id: $0.text(0) ?? "", name: $0.text(1), role: Reviewer.Role(rawValue: $0.text(2) ?? "") ?? .reviewer)
        }.first
    }

    public func reviewers() throws -> [Reviewer] {
        try db.query("SELECT id, name, role FROM reviewers ORDER BY id") {
            Reviewer(id: $0.text(0) ?? "", name: $0.text(1), role: Reviewer.Role(rawValue: $0.text(2) ?? "") ?? .reviewer)
        }
    }

    public func leadCount() throws -> Int { Int(try db.scalar("SELECT count(*) FROM reviewers WHERE role = 'lead'")?.int ?? 0) }

    public func addReviewer(_ r: Reviewer, by actor: String, at: Timestamp) throws {
        try db.execute("INSERT INTO reviewers (id, name, role, added_at, added_by) VALUES (?,?,?,?,?)",
                       [.text(r.id), r.name.sqlValue, .text(r.role.rawValue), .text(at.description), .text(actor)])
        try grantTeamRole(login: r.id, role: r.role)
    }

    public func setRole(_ id: String, _ role: Reviewer.Role) throws {
        try db.execute("UPDATE reviewers SET role = ? WHERE id = ?", [.text(role.rawValue), .text(id)])
        try grantTeamRole(login: id, role: role)
    }

    /// A team store: a login with its group role for every registered reviewer (after a copy into it).
    public func grantTeamRolesToReviewers() throws {
        guard isPostgres else { return }
        for r in try reviewers() { try grantTeamRole(login: r.id, role: r.role) }
    }

    /// A team store: the reviewer is a database login (created when missing, without a password:
    /// docs/team.md sets one or a certificate) holding exactly one of the group roles whose grants
    /// and row security say what it may read and change. A SQLite store has nothing to grant.
    func grantTeamRole(login: String, role: Reviewer.Role) throws {
        guard isPostgres else { return }
        // Ids are 1–64 characters of A-Z a-z 0-9 . _ - (checked before): safe inside double quotes.
        guard login.utf8.count <= 63, login.utf8.allSatisfy({ $0 == 0x2E || $0 == 0x2D || $0 == 0x5F || (0x30...0x39).contains($0)
                                                             || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            throw StoreError(code: 1, message: "\"\(login)\" cannot be a database login (at most 63 of A-Z a-z 0-9 . _ -)", context: "", sqlState: "42602")
        }
        let quoted = "\"" + login + "\""
        if try db.scalar("SELECT 1 FROM pg_roles WHERE rolname = ?", [.text(login)]) == nil {
            try db.execute("CREATE ROLE \(quoted) LOGIN")
        }
        let groups: [Reviewer.Role: String] = [.reviewer: PostgresSchema.reviewerRole, .lead: PostgresSchema.leadRole, .exporter: PostgresSchema.exporterRole]
        try db.execute("GRANT \(groups[role]!) TO \(quoted)")
        for (other, group) in groups where other != role { try db.execute("REVOKE \(group) FROM \(quoted)") }
    }

    // MARK: Claims

    /// Claims up to `count` of the oldest claimable sessions for `reviewer`, atomically: a session
    /// is claimable when nobody holds an unexpired claim, draft or returned review of it and it
    /// has no submitted review. Call inside `write` (an IMMEDIATE transaction).
    public func claim(reviewer: String, count: Int, checklist: String?, now: Timestamp, expiresMillis: Int64, only session: String? = nil) throws -> [String] {
        if isPostgres, let session {
            return try db.query("SELECT * FROM msr_claim_session(?, ?, ?, ?, ?)", [
                .text(reviewer), .text(session), .integer(now.utcMillis), .text(now.description), .integer(expiresMillis),
            ]) { $0.text(0) ?? "" }
        }
        if isPostgres {
            // The same claim, run by the server as the store's owner (row security hides other
            // reviewers' claims from a reviewer's login), skipping rows another claim is taking.
            return try db.query("SELECT * FROM msr_claim(?, ?, CAST(? AS TEXT), ?, ?, ?)", [
                .text(reviewer), .integer(Int64(count)), checklist.sqlValue, .integer(now.utcMillis), .text(now.description), .integer(expiresMillis),
            ]) { $0.text(0) ?? "" }.sorted()
        }
        var sql = """
            UPDATE sessions SET status = 'claimed'
            WHERE id IN (
              SELECT s.id FROM sessions s
              WHERE (s.status = 'new'
                     OR (s.status IN ('claimed', 'draft') AND NOT EXISTS (
                           SELECT 1 FROM reviews r WHERE r.session_id = s.id AND r.status IN ('claimed', 'draft')
                             AND r.purpose = 'work' AND r.expires_ms > ?)))
              AND NOT EXISTS (SELECT 1 FROM reviews o WHERE o.session_id = s.id AND o.reviewer = ?
                              AND o.status IN ('claimed', 'draft', 'returned'))
            """
        var params: [SQLValue] = [.integer(now.utcMillis), .text(reviewer)]
        if let checklist {
            sql += " AND (s.checklist = ? OR s.checklist IS NULL)"
            params.append(.text(checklist))
        }
        if let session {
            sql += " AND s.id = ?"
            params.append(.text(session))
        }
        sql += " ORDER BY s.started_ms, s.id LIMIT ?) RETURNING id"
        params.append(.integer(Int64(count)))
        let ids = try db.query(sql, params) { $0.text(0) ?? "" }.sorted()
        for id in ids {
            // A claim or draft whose time ran out is kept as history, marked expired.
            try db.forEach("SELECT id, reviewer FROM reviews WHERE session_id = ? AND status IN ('claimed', 'draft') AND purpose = 'work'", [.text(id)]) { row in
                try self.audit(actor: reviewer, action: "expire", sessionID: id, reviewID: row.int(0), reason: nil,
                               detail: .object([("previous_reviewer", .string(row.text(1) ?? ""))]), at: now)
                return true
            }
            try db.execute("UPDATE reviews SET status = 'expired', updated_ms = ? WHERE session_id = ? AND status IN ('claimed', 'draft') AND purpose = 'work'",
                           [.integer(now.utcMillis), .text(id)])
            try db.execute("""
                INSERT INTO reviews (session_id, reviewer, status, claimed_at, claimed_ms, expires_ms, updated_ms)
                VALUES (?, ?, 'claimed', ?, ?, ?, ?)
                """, [.text(id), .text(reviewer), .text(now.description), .integer(now.utcMillis), .integer(expiresMillis), .integer(now.utcMillis)])
            try audit(actor: reviewer, action: "claim", sessionID: id, reviewID: db.lastInsertRowID, reason: nil, detail: .object([]), at: now)
        }
        return ids
    }

    // MARK: Reviews

    static let reviewColumns = """
        id, session_id, reviewer, checklist_id, checklist_version, status, claimed_at, claimed_ms, expires_ms,
        opened_ms, submitted_at, submitted_ms, percent, passed, purpose, calibration_id, audited_review
        """

    static func reviewRecord(_ r: Row) -> ReviewRecord {
        ReviewRecord(id: r.int(0) ?? 0, sessionID: r.text(1) ?? "", reviewer: r.text(2) ?? "", checklistID: r.text(3),
                     checklistVersion: r.int(4).map(Int.init), status: ReviewStatus(rawValue: r.text(5) ?? "") ?? .claimed,
                     claimedAt: r.text(6) ?? "", claimedMillis: r.int(7) ?? 0, expiresMillis: r.int(8), openedMillis: r.int(9),
                     submittedAt: r.text(10), submittedMillis: r.int(11), percent: r.double(12), passed: r.int(13).map { $0 != 0 },
                     purpose: ReviewPurpose(rawValue: r.text(14) ?? "") ?? .work, calibrationID: r.int(15), auditedReview: r.int(16))
    }

    /// Every review of a session, oldest first.
    public func reviews(session: String) throws -> [ReviewRecord] {
        try db.query("SELECT \(Store.reviewColumns) FROM reviews WHERE session_id = ? ORDER BY id", [.text(session)], Store.reviewRecord)
    }

    public func review(id: Int64) throws -> ReviewRecord? {
        try db.query("SELECT \(Store.reviewColumns) FROM reviews WHERE id = ?", [.integer(id)], Store.reviewRecord).first
    }

    /// A reviewer's reviews, optionally only those with given statuses, in session order.
    public func reviews(reviewer: String?, statuses: [ReviewStatus] = []) throws -> [ReviewRecord] {
        var sql = "SELECT \(Store.reviewColumns.split(separator: ",").map { "r." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")) FROM reviews r JOIN sessions s ON s.id = r.session_id"
        var conds: [String] = []
        var params: [SQLValue] = []
        if let reviewer { conds.append("r.reviewer = ?"); params.append(.text(reviewer)) }
        if !statuses.isEmpty {
            conds.append("r.status IN (" + statuses.map { _ in "?" }.joined(separator: ",") + ")")
            params += statuses.map { .text($0.rawValue) }
        }
        if !conds.isEmpty { sql += " WHERE " + conds.joined(separator: " AND ") }
        sql += " ORDER BY s.started_ms, s.id, r.id"
        return try db.query(sql, params, Store.reviewRecord)
    }

    public func answers(review: Int64) throws -> [String: ItemEntry] {
        var out: [String: ItemEntry] = [:]
        out.reserveCapacity(32)
        try db.forEach("SELECT item_id, answer, comment, evidence FROM review_answers WHERE review_id = ?", [.integer(review)]) { r in
            guard let answer = ItemAnswer(text: r.text(1) ?? "") else { return true }
            // Most answers cite no moment: skip the JSON parser for the empty list.
            let raw = r.text(3) ?? "[]"
            let evidence = raw == "[]" ? [] : ((try? JSON.parse(raw))?.arrayValue ?? []).compactMap { $0.numberValue.map(Int64.init) }
            out[r.text(0) ?? ""] = ItemEntry(answer: answer, comment: r.text(2), evidence: evidence)
            return true
        }
        return out
    }

    /// The answers of many reviews in one statement (exports score reviews in batches: on a team
    /// store one round trip per review would dominate).
    public func answers(reviews ids: [Int64]) throws -> [Int64: [String: ItemEntry]] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [String: ItemEntry]] = [:]
        out.reserveCapacity(ids.count)
        try db.forEach("SELECT review_id, item_id, answer, comment, evidence FROM review_answers WHERE review_id IN ("
                       + Array(repeating: "?", count: ids.count).joined(separator: ",") + ")", ids.map(SQLValue.integer)) { r in
            guard let answer = ItemAnswer(text: r.text(2) ?? "") else { return true }
            let raw = r.text(4) ?? "[]"
            let evidence = raw == "[]" ? [] : ((try? JSON.parse(raw))?.arrayValue ?? []).compactMap { $0.numberValue.map(Int64.init) }
            let review = r.int(0) ?? 0
            if out[review] == nil { out[review] = Dictionary(minimumCapacity: 32) }
            out[review]![r.text(1) ?? ""] = ItemEntry(answer: answer, comment: r.text(3), evidence: evidence)
            return true
        }
        return out
    }

    /// The overrides of many reviews in one statement, each review's in order.
    public func overrides(reviews ids: [Int64]) throws -> [Int64: [Override]] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [Override]] = [:]
        try db.forEach("SELECT review_id, item_id, before, after, lead, at, reason FROM review_overrides WHERE review_id IN ("
                       + Array(repeating: "?", count: ids.count).joined(separator: ",") + ") ORDER BY id", ids.map(SQLValue.integer)) { r in
            out[r.int(0) ?? 0, default: []].append(Override(itemID: r.text(1) ?? "", before: r.text(2).flatMap(ItemAnswer.init(text:)),
                                                            after: ItemAnswer(text: r.text(3) ?? "") ?? .notApplicable, lead: r.text(4) ?? "",
                                                            at: r.text(5) ?? "", reason: r.text(6) ?? ""))
            return true
        }
        return out
    }

    public func overrides(review: Int64) throws -> [Override] {
        try db.query("SELECT item_id, before, after, lead, at, reason FROM review_overrides WHERE review_id = ? ORDER BY id", [.integer(review)]) {
            Override(itemID: $0.text(0) ?? "", before: $0.text(1).flatMap(ItemAnswer.init(text:)),
                     after: ItemAnswer(text: $0.text(2) ?? "") ?? .notApplicable, lead: $0.text(3) ?? "", at: $0.text(4) ?? "",
                     reason: $0.text(5) ?? "")
        }
    }

    /// Writes answers of an open review (insert or replace each given item).
    /// Removes an item's answer (with its comment and evidence) from a review.
    public func deleteAnswer(review: Int64, item: String) throws {
        try db.execute("DELETE FROM review_answers WHERE review_id = ? AND item_id = ?", [.integer(review), .text(item)])
    }

    public func saveAnswers(review: Int64, _ entries: [String: ItemEntry], at: Timestamp) throws {
        for (item, e) in entries.sorted(by: { $0.key < $1.key }) {
            try db.execute("""
                INSERT INTO review_answers (review_id, item_id, answer, comment, evidence, updated_ms) VALUES (?,?,?,?,?,?)
                ON CONFLICT (review_id, item_id) DO UPDATE SET answer = excluded.answer, comment = excluded.comment,
                  evidence = excluded.evidence, updated_ms = excluded.updated_ms
                """, [.integer(review), .text(item), .text(e.answer.text), e.comment.sqlValue,
                      .text(JSON.array(e.evidence.map { .number(Double($0)) }).serialized()), .integer(at.utcMillis)])
        }
    }

    /// Updates the review row and keeps the session's queue status in step with it.
    public func updateReview(_ r: ReviewRecord, at: Timestamp) throws {
        try db.execute("""
            UPDATE reviews SET checklist_id = ?, checklist_version = ?, status = ?, expires_ms = ?, opened_ms = ?,
              submitted_at = ?, submitted_ms = ?, percent = ?, passed = ?, updated_ms = ?, revision = revision + 1
            WHERE id = ?
            """, [r.checklistID.sqlValue, r.checklistVersion.sqlValue, .text(r.status.rawValue), r.expiresMillis.sqlValue,
                  r.openedMillis.sqlValue, r.submittedAt.sqlValue, r.submittedMillis.sqlValue, r.percent.sqlValue,
                  r.passed.map { SQLValue.integer($0 ? 1 : 0) } ?? .null, .integer(at.utcMillis), .integer(r.id)])
        // Calibration and re-audit reviews leave the session's place in the queue alone.
        guard r.purpose == .work else { return }
        let sessionStatus: String
        switch r.status {
        case .released, .expired: sessionStatus = "new"
        default: sessionStatus = r.status.rawValue
        }
        try db.execute("UPDATE sessions SET status = ? WHERE id = ?", [.text(sessionStatus), .text(r.sessionID)])
    }

    public func addOverride(review: Int64, _ o: Override) throws {
        try db.execute("INSERT INTO review_overrides (review_id, item_id, before, after, lead, at, reason) VALUES (?,?,?,?,?,?,?)",
                       [.integer(review), .text(o.itemID), o.before.map { .text($0.text) } ?? .null, .text(o.after.text),
                        .text(o.lead), .text(o.at), .text(o.reason)])
    }

    /// Caches a review's score (recomputed from answers, overrides and its checklist version).
    public func setScore(review: Int64, percent: Double?, passed: Bool) throws {
        try db.execute("UPDATE reviews SET percent = ?, passed = ? WHERE id = ?",
                       [percent.sqlValue, .integer(passed ? 1 : 0), .integer(review)])
    }

    // MARK: Audit log

    public func audit(actor: String, action: String, sessionID: String?, reviewID: Int64?, reason: String?, detail: JSON, at: Timestamp) throws {
        try db.execute("INSERT INTO audit_log (at, at_ms, actor, action, session_id, review_id, reason, detail) VALUES (?,?,?,?,?,?,?,?)",
                       [.text(at.description), .integer(at.utcMillis), .text(actor), .text(action), sessionID.sqlValue,
                        reviewID.sqlValue, reason.sqlValue, .text(detail.serialized())])
    }

    /// The audit log, oldest first; one session's when given.
    public func auditLog(session: String? = nil) throws -> [AuditEntry] {
        try db.query("SELECT id, at, actor, action, session_id, review_id, reason, detail FROM audit_log"
                     + (session == nil ? "" : " WHERE session_id = ?") + " ORDER BY id", session.map { [.text($0)] } ?? []) {
            AuditEntry(id: $0.int(0) ?? 0, at: $0.text(1) ?? "", actor: $0.text(2) ?? "", action: $0.text(3) ?? "",
                       sessionID: $0.text(4), reviewID: $0.int(5), reason: $0.text(6),
                       detail: (try? JSON.parse($0.text(7) ?? "{}")) ?? .object([]))
        }
    }
}
