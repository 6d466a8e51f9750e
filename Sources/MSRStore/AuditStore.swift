import MSRCore

/// A calibration round: one session put to several reviewers, blind.
public struct CalibrationRecord: Equatable, Sendable {
    public var id: Int64
    public var sessionID: String
    public var checklistID: String
    public var checklistVersion: Int
    public var createdBy: String
    public var createdAt: String
    public var reviews: [ReviewRecord]

    /// Every reviewer of the round has submitted (or had it approved).
    public var isComplete: Bool { !reviews.isEmpty && reviews.allSatisfy { $0.status == .submitted || $0.status == .approved } }
}

/// A re-audit sample as drawn.
public struct AuditSampleRecord: Equatable, Sendable {
    public var id: Int64
    public var drawnBy: String
    public var drawnAt: String
    public var fromDate: String
    public var toDate: String
    public var percent: Double
    public var seed: Int64
    public var population: Int
    public var drawn: Int

    public init(id: Int64, drawnBy: String, drawnAt: String, fromDate: String, toDate: String, percent: Double, seed: Int64, population: Int, drawn: Int) {
        (self.id, self.drawnBy, self.drawnAt, self.fromDate, self.toDate) = (id, drawnBy, drawnAt, fromDate, toDate)
        (self.percent, self.seed, self.population, self.drawn) = (percent, seed, population, drawn)
    }
}

extension Store {
    /// Opens a calibration round: a claim for each reviewer, bound to the checklist version, that
    /// never expires and leaves the session's queue status alone. Call inside a write transaction.
    public func createCalibration(session: String, checklistID: String, version: Int, reviewers: [String],
                                  by lead: String, at: Timestamp) throws -> Int64 {
        try db.execute("""
            INSERT INTO calibrations (session_id, checklist_id, checklist_version, created_by, created_at, created_ms)
            VALUES (?, ?, ?, ?, ?, ?)
            """, [.text(session), .text(checklistID), .integer(Int64(version)), .text(lead), .text(at.description), .integer(at.utcMillis)])
        let id = db.lastInsertRowID
        for reviewer in reviewers {
            try insertPurposeReview(session: session, reviewer: reviewer, checklistID: checklistID, version: version,
                                    purpose: .calibration, calibration: id, audited: nil, sample: nil, at: at)
        }
        return id
    }

    func insertPurposeReview(session: String, reviewer: String, checklistID: String, version: Int, purpose: ReviewPurpose,
                             calibration: Int64?, audited: Int64?, sample: Int64?, at: Timestamp) throws {
        try db.execute("""
            INSERT INTO reviews (session_id, reviewer, checklist_id, checklist_version, status, claimed_at, claimed_ms, updated_ms,
                                 purpose, calibration_id, audited_review, audit_sample_id)
            VALUES (?, ?, ?, ?, 'claimed', ?, ?, ?, ?, ?, ?, ?)
            """, [.text(session), .text(reviewer), .text(checklistID), .integer(Int64(version)), .text(at.description),
                  .integer(at.utcMillis), .integer(at.utcMillis), .text(purpose.rawValue), calibration.sqlValue, audited.sqlValue, sample.sqlValue])
    }

    /// Calibration rounds, oldest first; one session's when given.
    public func calibrations(session: String? = nil) throws -> [CalibrationRecord] {
        var rounds = try db.query("""
            SELECT id, session_id, checklist_id, checklist_version, created_by, created_at FROM calibrations
            """ + (session == nil ? "" : " WHERE session_id = ?") + " ORDER BY id", session.map { [.text($0)] } ?? []) {
            CalibrationRecord(id: $0.int(0) ?? 0, sessionID: $0.text(1) ?? "", checklistID: $0.text(2) ?? "",
                              checklistVersion: Int($0.int(3) ?? 0), createdBy: $0.text(4) ?? "", createdAt: $0.text(5) ?? "", reviews: [])
        }
        let index = Dictionary(uniqueKeysWithValues: rounds.enumerated().map { ($0.element.id, $0.offset) })
        try db.forEach("SELECT \(Store.reviewColumns) FROM reviews WHERE calibration_id IS NOT NULL ORDER BY reviewer, id") { r in
            let review = Store.reviewRecord(r)
            if let c = review.calibrationID, let i = index[c] { rounds[i].reviews.append(review) }
            return true
        }
        return rounds
    }

    /// Records a drawn sample and queues a re-audit of each drawn review for `lead`. Call inside a
    /// write transaction. Reviews the lead cannot take (an open review of the session already) are
    /// skipped and returned.
    public func createAuditSample(_ sample: AuditSampleRecord, reviews: [ReviewRecord], lead: String, at: Timestamp) throws -> (id: Int64, skipped: [ReviewRecord]) {
        try db.execute("""
            INSERT INTO audit_samples (drawn_by, drawn_at, drawn_ms, from_date, to_date, percent, seed, population, drawn)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(sample.drawnBy), .text(at.description), .integer(at.utcMillis), .text(sample.fromDate), .text(sample.toDate),
                  .real(sample.percent), .integer(sample.seed), .integer(Int64(sample.population)), .integer(Int64(reviews.count))])
        let id = db.lastInsertRowID
        var skipped: [ReviewRecord] = []
        for r in reviews {
            let busy = try db.scalar("SELECT count(*) FROM reviews WHERE session_id = ? AND reviewer = ? AND status IN ('claimed', 'draft', 'returned')",
                                     [.text(r.sessionID), .text(lead)])?.int ?? 0
            if busy > 0 || r.reviewer == lead { skipped.append(r); continue }
            try insertPurposeReview(session: r.sessionID, reviewer: lead, checklistID: r.checklistID ?? "", version: r.checklistVersion ?? 0,
                                    purpose: .reaudit, calibration: nil, audited: r.id, sample: id, at: at)
        }
        return (id, skipped)
    }

    public func auditSamples() throws -> [AuditSampleRecord] {
        try db.query("SELECT id, drawn_by, drawn_at, from_date, to_date, percent, seed, population, drawn FROM audit_samples ORDER BY id") {
            AuditSampleRecord(id: $0.int(0) ?? 0, drawnBy: $0.text(1) ?? "", drawnAt: $0.text(2) ?? "", fromDate: $0.text(3) ?? "",
                              toDate: $0.text(4) ?? "", percent: $0.double(5) ?? 0, seed: $0.int(6) ?? 0,
                              population: Int($0.int(7) ?? 0), drawn: Int($0.int(8) ?? 0))
        }
    }

    /// Submitted (or approved) reviews of `purposes` whose submission falls in [fromMillis, toMillis).
    public func submittedReviews(fromMillis: Int64, toMillis: Int64, purposes: [ReviewPurpose]) throws -> [ReviewRecord] {
        try db.query("""
            SELECT \(Store.reviewColumns) FROM reviews
            WHERE submitted_ms >= ? AND submitted_ms < ? AND status IN ('submitted', 'approved') AND checklist_id IS NOT NULL
              AND purpose IN (\(purposes.map { _ in "?" }.joined(separator: ",")))
            ORDER BY id
            """, [.integer(fromMillis), .integer(toMillis)] + purposes.map { .text($0.rawValue) }, Store.reviewRecord)
    }

    /// Re-audit reviews, oldest first (one sample's when given).
    public func reauditReviews(sample: Int64? = nil) throws -> [ReviewRecord] {
        try db.query("SELECT \(Store.reviewColumns) FROM reviews WHERE purpose = 'reaudit'"
                     + (sample == nil ? "" : " AND audit_sample_id = ?") + " ORDER BY id", sample.map { [.integer($0)] } ?? [], Store.reviewRecord)
    }

    /// The latest submission time of any review, if any.
    public func latestSubmissionMillis() throws -> Int64? {
        try db.scalar("SELECT max(submitted_ms) FROM reviews WHERE status IN ('submitted', 'approved')")?.int
    }
}
