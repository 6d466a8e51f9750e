import MSRCore
import MSRStore

/// A calibration round and, once every reviewer has submitted, what it shows.
public struct CalibrationStatus: Sendable {
    public var record: CalibrationRecord
    public var checklist: Checklist
    /// nil until the round is complete.
    public var report: CalibrationReport?

    public var submitted: Int { record.reviews.filter { $0.status == .submitted || $0.status == .approved }.count }
}

/// A lead's re-audit beside the review it audits.
public struct ReauditComparison: Sendable {
    public struct Difference: Sendable {
        public var itemID: String
        public var reviewer: ItemAnswer?
        public var lead: ItemAnswer?
    }

    public var sessionID: String
    public var sampleID: Int64?
    public var reviewID: Int64
    public var reviewer: String
    public var lead: String
    public var status: ReviewStatus
    public var reviewerPercent: Double?
    /// The lead's percent; nil until the re-audit is submitted.
    public var leadPercent: Double?
    public var itemsCompared: Int
    public var differences: [Difference]
}

public struct ReviewerAuditReport: Sendable {
    public var period: ReportingPeriod
    public var rows: [ReviewerAudit]
    public var teamMedianSeconds: Double?
    public var reaudits: [ReauditComparison]
    public var calibrations: [CalibrationStatus]

    public init(period: ReportingPeriod, rows: [ReviewerAudit], teamMedianSeconds: Double?, reaudits: [ReauditComparison], calibrations: [CalibrationStatus]) {
        (self.period, self.rows, self.teamMedianSeconds, self.reaudits, self.calibrations) = (period, rows, teamMedianSeconds, reaudits, calibrations)
    }
}

/// QA leads' tools (scoring.md, "Reviewer audit" and "Calibration"): the reviewer audit,
/// blind calibration rounds and re-audit samples.
public final class AuditService {
    public let service: ReviewService
    var store: Store { service.store }

    public init(_ service: ReviewService) { self.service = service }

    // MARK: Calibration

    /// Puts a session to `reviewers` blind (lead only). The checklist is the session's own, else `checklist`.
    public func calibrate(session: String, reviewers: [String], checklist chosen: String?) throws -> CalibrationRecord {
        let t = service.now()
        let names = reviewers.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard names.count >= 2 else { throw ReviewError.reviewer("a calibration needs two or more different reviewers (--reviewers a,b)") }
        return try store.write {
            try service.requireLead("put sessions into calibration")
            guard let detail = try store.session(session) else { throw ReviewError.noSession(session) }
            for r in names where try store.reviewer(r) == nil { throw ReviewError.notRegistered(r) }
            if let named = detail.summary.checklist, let chosen, chosen != named {
                throw ReviewError.checklistMismatch(session: session, stored: named, asked: chosen)
            }
            guard let id = detail.summary.checklist ?? chosen else { throw ReviewError.noChecklist(session: session) }
            let checklist = try service.checklist(id)
            for r in names {
                if try store.reviews(session: session).contains(where: { $0.reviewer == r && $0.status.isOpen }) {
                    throw ReviewError.reviewer("\(r) already holds an open review of \(session); it must be submitted or released first")
                }
            }
            let cid = try store.createCalibration(session: session, checklistID: checklist.id, version: checklist.version,
                                                  reviewers: names, by: service.actor, at: t)
            try store.audit(actor: service.actor, action: "calibrate", sessionID: session, reviewID: nil, reason: nil,
                            detail: .object([("calibration", cid.json), ("reviewers", .array(names.map { .string($0) })),
                                             ("checklist", .string("\(checklist.id)@\(checklist.version)"))]), at: t)
            return try store.calibrations(session: session).first { $0.id == cid }!
        }
    }

    /// Calibration rounds the caller may see (a lead all, a reviewer their own), each with its report
    /// once complete. Nothing of a round's answers is shown before every reviewer has submitted.
    public func calibrations(session: String? = nil) throws -> [CalibrationStatus] {
        let caller = try service.me()
        if let session, try !store.sessionExists(session) { throw ReviewError.noSession(session) }
        let rounds = try store.calibrations(session: session).filter { caller.role == .lead || $0.reviews.contains { $0.reviewer == service.actor } }
        if let session, rounds.isEmpty { throw ReviewError.status("session \(session) has no calibration" + (caller.role == .lead ? "" : " of yours")) }
        return try statuses(rounds)
    }

    /// Each round with its report once complete (each checklist version parsed once).
    func statuses(_ rounds: [CalibrationRecord]) throws -> [CalibrationStatus] {
        var checklists: [String: Checklist] = [:]
        return try rounds.map { round in
            let key = "\(round.checklistID)@\(round.checklistVersion)"
            if checklists[key] == nil { checklists[key] = try service.checklist(round.checklistID, version: round.checklistVersion) }
            let checklist = checklists[key]!
            guard round.isComplete else { return CalibrationStatus(record: round, checklist: checklist, report: nil) }
            let answers = try round.reviews.map { try store.answers(review: $0.id).mapValues(\.answer) }
            return CalibrationStatus(record: round, checklist: checklist,
                                     report: CalibrationReport(checklist: checklist, reviewers: round.reviews.map(\.reviewer), answers: answers))
        }
    }

    // MARK: Re-audit samples

    public struct Sample: Sendable {
        public var record: AuditSampleRecord
        public var drawn: [ReviewRecord]
        public var skipped: [ReviewRecord]
    }

    /// Draws `percent` of the period's submitted work reviews (at least one when there are any),
    /// reproducibly: each review gets a key from the seed and its id, and the smallest keys are
    /// drawn, so the same seed over the same reviews draws the same sample. Queues a re-audit of
    /// each for `lead` (default: the caller) unless `dryRun`.
    public func drawSample(percent: Double, seed: UInt64, period: ReportingPeriod, lead: String?, dryRun: Bool) throws -> Sample {
        guard percent > 0, percent <= 100 else { throw ReviewError.status("--percent is above 0 and at most 100") }
        let t = service.now()
        let to = lead ?? service.actor
        func draw() throws -> Sample {
            try self.service.requireLead("draw re-audit samples")
            guard let target = try self.store.reviewer(to) else { throw ReviewError.notRegistered(to) }
            guard target.role == .lead else { throw ReviewError.reviewer("re-audits go to a lead; \(to) is a reviewer") }
            let population = try self.store.submittedReviews(fromMillis: Int64(period.from) * 86_400_000, toMillis: Int64(period.to + 1) * 86_400_000,
                                                             purposes: [.work])
            let count = population.isEmpty ? 0 : max(1, Int((Double(population.count) * percent / 100).rounded()))
            let drawn = population.map { (AuditService.key(seed: seed, review: $0.id), $0) }.sorted { $0.0 < $1.0 }.prefix(count).map(\.1)
                .sorted { $0.id < $1.id }
            var record = AuditSampleRecord(id: 0, drawnBy: self.service.actor, drawnAt: t.description, fromDate: period.fromDate,
                                           toDate: period.toDate, percent: percent, seed: Int64(bitPattern: seed),
                                           population: population.count, drawn: drawn.count)
            guard !dryRun else { return Sample(record: record, drawn: drawn, skipped: []) }
            let (id, skipped) = try self.store.createAuditSample(record, reviews: drawn, lead: to, at: t)
            record.id = id
            try self.store.audit(actor: self.service.actor, action: "audit-sample", sessionID: nil, reviewID: nil, reason: nil,
                                 detail: .object([("sample", id.json), ("percent", .number(percent)), ("seed", .string(String(seed))),
                                                  ("from", .string(period.fromDate)), ("to", .string(period.toDate)),
                                                  ("population", population.count.json), ("drawn", drawn.count.json), ("lead", .string(to))]), at: t)
            return Sample(record: record, drawn: drawn, skipped: skipped)
        }
        return dryRun ? try draw() : try store.write { try draw() }
    }

    static func key(seed: UInt64, review: Int64) -> UInt64 {
        var g = SeededRandom(seed: seed ^ (UInt64(bitPattern: review) &* 0x9E37_79B9_7F4A_7C15))
        return g.next()
    }

    /// Every re-audit (one sample's when given) beside the review it audits.
    public func reaudits(sample: Int64? = nil, within: (from: Int64, to: Int64)? = nil) throws -> [ReauditComparison] {
        try service.requireLead("read re-audits")
        let scorer = ReviewScorer(service)
        return try store.reauditReviews(sample: sample).compactMap { lead in
            guard let auditedID = lead.auditedReview, let original = try store.review(id: auditedID),
                  let cid = original.checklistID, let version = original.checklistVersion else { return nil }
            if let within, let s = lead.submittedMillis, s < within.from || s >= within.to { return nil }
            if within != nil, lead.submittedMillis == nil { return nil }
            let theirs = try scorer.score(review: original.id, checklist: cid, version: version, submittedMillis: original.submittedMillis)
            let mine = try store.answers(review: lead.id).mapValues(\.answer)
            let done = lead.status == .submitted || lead.status == .approved
            var differences: [ReauditComparison.Difference] = []
            var compared = 0
            for item in theirs.checklist.items {
                let a = theirs.given[item.id]?.answer, b = mine[item.id]
                guard a != nil || b != nil else { continue }
                compared += 1
                if a != b { differences.append(.init(itemID: item.id, reviewer: a, lead: b)) }
            }
            return ReauditComparison(sessionID: lead.sessionID, sampleID: nil, reviewID: original.id, reviewer: original.reviewer,
                                     lead: lead.reviewer, status: lead.status,
                                     reviewerPercent: Score.review(theirs.checklist, answers: theirs.given.mapValues(\.answer)).percent,
                                     leadPercent: done ? Score.review(theirs.checklist, answers: mine).percent : nil,
                                     itemsCompared: done ? compared : 0, differences: done ? differences : [])
        }
    }

    // MARK: Reviewer audit

    /// The reviewer audit over reviews submitted in `period` (UTC days of submission), lead only.
    public func reviewerAudit(period: ReportingPeriod, thresholds: AuditThresholds) throws -> ReviewerAuditReport {
        try service.requireLead("audit reviewers")
        let (from, to) = (Int64(period.from) * 86_400_000, Int64(period.to + 1) * 86_400_000)
        var checklists: [String: Checklist] = [:]
        var audited: [AuditedReview] = []
        let overturned = try store.overturnedReviews(fromMillis: from, toMillis: to)
        for r in try store.submittedReviews(fromMillis: from, toMillis: to, purposes: [.work, .reaudit]) {
            guard let cid = r.checklistID, let v = r.checklistVersion else { continue }
            let key = "\(cid)@\(v)"
            if checklists[key] == nil { checklists[key] = try service.checklist(cid, version: v) }
            let checklist = checklists[key]!
            let answers = try store.answers(review: r.id).mapValues(\.answer)
            let fractions = checklist.items.compactMap { item in answers[item.id].flatMap { Score.fraction($0, kind: item.kind) } }
            let audio = try store.audioMillis(session: r.sessionID)
            let heard = audio > 0 ? min(1, Double(try store.heardMillis(session: r.sessionID, reviewer: r.reviewer)) / Double(audio)) : nil
            let seconds = r.openedMillis.flatMap { o in r.submittedMillis.map { Double($0 - o) / 1000 } }
            audited.append(AuditedReview(reviewer: r.reviewer, checklistID: cid, percent: Score.review(checklist, answers: answers).percent,
                                         seconds: seconds, listened: heard, fractions: fractions, answers: answers.count,
                                         notApplicable: answers.values.filter { $0 == .notApplicable }.count,
                                         overturned: overturned.contains(r.id)))
        }
        // Calibration deviations of complete rounds whose last submission falls in the period
        // (chosen before any report is computed).
        let rounds = try statuses(try store.calibrations().filter { round in
            guard round.isComplete, let last = round.reviews.compactMap(\.submittedMillis).max() else { return false }
            return last >= from && last < to
        })
        var deviations: [String: [Double]] = [:]
        for round in rounds {
            guard let report = round.report else { continue }
            for (who, d) in zip(report.reviewers, report.deviations) { if let d { deviations[who, default: []].append(d) } }
        }
        let everyone = try store.reviewers().map(\.id)
        var (rows, team) = ReviewerAuditing.figures(audited, calibration: deviations, reviewers: everyone, thresholds: thresholds)
        let reaudits = try self.reaudits(within: (from, to))
        for i in rows.indices {
            let mine = reaudits.filter { $0.reviewer == rows[i].reviewer && ($0.status == .submitted || $0.status == .approved) }
            rows[i].reaudits = mine.count
            let shares = mine.filter { $0.itemsCompared > 0 }.map { Double($0.differences.count) / Double($0.itemsCompared) * 100 }
            rows[i].reauditDisagreement = shares.isEmpty ? nil : shares.reduce(0, +) / Double(shares.count)
            let diffs = mine.compactMap { c in c.leadPercent.flatMap { l in c.reviewerPercent.map { l - $0 } } }
            rows[i].reauditDifference = diffs.isEmpty ? nil : diffs.reduce(0, +) / Double(diffs.count)
        }
        return ReviewerAuditReport(period: period, rows: rows, teamMedianSeconds: team, reaudits: reaudits, calibrations: rounds)
    }

    /// The period holding the latest submission (for `--period month` and the like).
    public func latestPeriod(_ unit: ReportingPeriod.Unit, at: String?) throws -> ReportingPeriod {
        let latest = try store.latestSubmissionMillis().map { Int($0 / 86_400_000) }
        let day = at.flatMap(ReportingPeriod.day) ?? latest ?? Int(service.now().utcMillis / 86_400_000)
        return ReportingPeriod.containing(day: day, unit: unit)
    }
}

extension ReviewerAuditReport {
    static func duration(_ s: Double?) -> String {
        guard let s else { return "—" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" : "\(t / 60)m\(String(format: "%02d", t % 60))s"
    }

    /// The audit as a text table (the CLI's default output and the workstation's audit screen).
    public var textLines: [String] {
        let r = self
        var lines = ["Reviewer audit \(r.period.label) (\(r.period.fromDate) to \(r.period.toDate), by day of submission); team median review time \(ReviewerAuditReport.duration(r.teamMedianSeconds))"]
        let header = ["reviewer", "reviews", "time", "listened", "unheard", "straight", "N/A (team)", "bias", "calib.", "re-audit", "flags", "overturned (team)"]
        var rows = [header]
        for a in r.rows {
            rows.append([a.reviewer, "\(a.reviews)", ReviewerAuditReport.duration(a.medianSeconds), Score.text(a.listened?.value), "\(a.unheardSubmits)", "\(a.straightLined)",
                         "\(Score.text(a.naRate)) (\(Score.text(a.teamNARate)))",
                         a.bias.map { ($0.value > 0 ? "+" : "") + Score.text($0.value) } ?? "—",
                         a.calibrationDeviation.map { Score.text($0) } ?? "—",
                         a.reaudits == 0 ? "—" : "\(a.reaudits): \(Score.text(a.reauditDisagreement))% items",
                         a.flags.joined(separator: ","),
                         a.overturned.map { "\(Score.text($0.value * 100)) (\(Score.text(a.teamOverturned.map { $0 * 100 })))" } ?? "—"])
        }
        let widths = header.indices.map { c in rows.map { TextWidth.of($0[c]) }.max() ?? 0 }
        lines += rows.map { row in row.enumerated().map { $0.element.padding(toLength: widths[$0.offset]) }.joined(separator: "  ").trimmingTrailingSpaces() }
        for c in r.reaudits where !c.differences.isEmpty {
            lines.append("re-audit \(c.sessionID): \(c.lead) vs \(c.reviewer): \(Score.text(c.leadPercent)) vs \(Score.text(c.reviewerPercent)); differs on "
                         + c.differences.map { "\($0.itemID) (\($0.reviewer?.text ?? "—") → \($0.lead?.text ?? "—"))" }.joined(separator: ", "))
        }
        return lines
    }
}
