import Foundation
import MSRCore
import MSRMedia
import MSRStore

/// Why a review operation was refused: one line a user can act on.
public enum ReviewError: Error, CustomStringConvertible, Equatable {
    case notRegistered(String)
    case leadOnly(actor: String, action: String)
    case exporterDoesNoReviews(String)
    case reportsOnly(actor: String, what: String)
    case noSession(String)
    case noOpenReview(session: String, reviewer: String)
    case noReview(session: String, reviewer: String?)
    case othersReview(actor: String)
    case checklistNotLoaded(String)
    case noChecklist(session: String)
    case checklistMismatch(session: String, stored: String, asked: String)
    case answers(String)
    case incomplete(SubmitBlockers)
    case reasonRequired(String)
    case status(String)
    case reviewer(String)
    case calibrationBlind(session: String, submitted: Int, of: Int)
    case noFinding(Int64)

    public var description: String {
        switch self {
        case let .notRegistered(id): return "reviewer \"\(id)\" is not registered; a lead adds it with: msreview reviewers add \(id)"
        case let .leadOnly(actor, action): return "only a lead may \(action) (\(actor) is not a lead)"
        case let .exporterDoesNoReviews(actor): return "\(actor) is an exporter: exporters run exports, scorecards and fraud reports, and do no reviews"
        case let .reportsOnly(actor, what): return "only a lead or an exporter may \(what) (\(actor) is a reviewer)"
        case let .noSession(id): return "no session \"\(id)\""
        case let .noOpenReview(s, r): return "\(r) holds no claim or draft of session \(s) (pull it first)"
        case let .noReview(s, r): return r.map { "no review of session \(s) by \($0)" } ?? "no review of session \(s)"
        case let .othersReview(actor): return "\(actor) may read and change only their own reviews"
        case let .checklistNotLoaded(id): return "checklist \"\(id)\" is not loaded; load it with: msreview checklists load FILE"
        case let .noChecklist(s): return "session \(s) names no checklist; choose one with --checklist ID"
        case let .checklistMismatch(s, stored, asked): return "session \(s) is scored against \(stored), not \(asked)"
        case let .answers(m): return m
        case let .incomplete(b): return "cannot submit: \(b.description)"
        case let .reasonRequired(action): return "\(action) needs a reason (--reason TEXT)"
        case let .status(m): return m
        case let .reviewer(m): return m
        case let .calibrationBlind(s, n, of):
            return "session \(s) is in a blind calibration: the reviews are hidden until all have submitted (\(n) of \(of) so far)"
        case let .noFinding(id): return "no finding #\(id) (msreview fraud lists them with their ids)"
        }
    }
}

/// A review with everything needed to show or export it.
public struct ReviewView: Sendable {
    public var record: ReviewRecord
    public var checklist: Checklist?
    /// Answers as the reviewer gave them.
    public var entries: [String: ItemEntry]
    /// Answers with the leads' overrides applied: what the score is computed from.
    public var effective: [String: ItemEntry]
    public var overrides: [Override]
    public var score: ReviewScore?
    public var blockers: SubmitBlockers?
    public var sessionStart: Timestamp
}

/// The review lifecycle and who may do what, on top of the store.
public final class ReviewService {
    public let store: Store
    public let actor: String
    let now: () -> Timestamp
    public let config: Config
    /// Checklists parsed, by id and version (a stored version never changes): opening session
    /// after session in the workstation parses each once.
    private var parsed: [String: Checklist] = [:]
    private let parsedLock = NSLock()

    public init(store: Store, actor: String, config: Config = Config(), now: @escaping () -> Timestamp = Timestamp.now) {
        self.store = store
        self.actor = actor
        self.config = config
        self.now = now
    }

    /// The longest comment on an item (a paragraph or two; the field notes show one or two lines).
    public static let maxCommentBytes = 16 << 10

    var claimMillis: Int64 { Int64(config["claim_hours"] * 3_600_000) }

    func me() throws -> Reviewer {
        guard let r = try store.reviewer(actor) else { throw ReviewError.notRegistered(actor) }
        return r
    }

    /// Claims, answers, submits: reviewers and leads; an exporter does no reviews.
    func requireReviewing() throws {
        if try me().role == .exporter { throw ReviewError.exporterDoesNoReviews(actor) }
    }

    @discardableResult
    func requireLead(_ action: String) throws -> Reviewer {
        let r = try me()
        guard r.role == .lead else { throw ReviewError.leadOnly(actor: actor, action: action) }
        return r
    }

    // MARK: Reviewers

    /// Adds a reviewer. The first lead is set up explicitly (`--role lead` while there is none);
    /// after that only leads add reviewers.
    public func addReviewer(id: String, role: Reviewer.Role, name: String?) throws {
        guard Identifier.isValid(id) else { throw ReviewError.reviewer("reviewer id \"\(id)\" is not 1–64 characters of A-Z a-z 0-9 . _ -") }
        try store.write {
            if try store.leadCount() == 0 {
                guard role == .lead else {
                    throw ReviewError.reviewer("there is no lead yet: set up the first one with: msreview reviewers add ID --role lead")
                }
            } else {
                try requireLead("add reviewers")
            }
            if try store.reviewer(id) != nil { throw ReviewError.reviewer("reviewer \"\(id)\" already exists") }
            try store.addReviewer(Reviewer(id: id, name: name, role: role), by: actor, at: now())
            try store.audit(actor: actor, action: "reviewer-add", sessionID: nil, reviewID: nil, reason: nil,
                            detail: .object([("reviewer", .string(id)), ("role", .string(role.rawValue))]), at: now())
        }
    }

    public func setRole(id: String, role: Reviewer.Role) throws {
        try store.write {
            try requireLead("change roles")
            guard let r = try store.reviewer(id) else { throw ReviewError.notRegistered(id) }
            if r.role == .lead, role != .lead, try store.leadCount() == 1 {
                throw ReviewError.reviewer("\(id) is the only lead; make another lead first")
            }
            try store.setRole(id, role)
            try store.audit(actor: actor, action: "role", sessionID: nil, reviewID: nil, reason: nil,
                            detail: .object([("reviewer", .string(id)), ("before", .string(r.role.rawValue)), ("after", .string(role.rawValue))]), at: now())
        }
    }

    // MARK: Checklists

    /// A checklist version by id (latest when `version` is nil), parsed.
    public func checklist(_ id: String, version: Int? = nil) throws -> Checklist {
        let key = version.map { "\(id)\u{0}\($0)" }
        if let key, let c = parsedLock.withLock({ parsed[key] }) { return c }
        guard let (_, text) = try store.checklistText(id, version: version) else { throw ReviewError.checklistNotLoaded(id) }
        let c = try Checklist.parse(text, file: "\(id) (stored)")
        if let key { parsedLock.withLock { parsed[key] = c } }
        return c
    }

    // MARK: Queue

    /// Claims the next unclaimed sessions, oldest first, in one IMMEDIATE transaction.
    public func pull(count: Int, checklist: String?) throws -> [String] {
        try requireReviewing()
        let t = now()
        return try store.write {
            try store.claim(reviewer: actor, count: count, checklist: checklist, now: t, expiresMillis: t.utcMillis + claimMillis)
        }
    }

    func openReview(_ session: String) throws -> ReviewRecord {
        guard try store.sessionExists(session) else { throw ReviewError.noSession(session) }
        let t = now().utcMillis
        // An expired claim still counts as the reviewer's until someone else pulls the session
        // (which marks it expired), so work is never refused just for being slow.
        _ = t
        guard let r = try store.reviews(session: session).last(where: { $0.reviewer == actor && $0.status.isOpen }) else {
            throw ReviewError.noOpenReview(session: session, reviewer: actor)
        }
        return r
    }

    /// Claims one chosen session (not the oldest): refused, saying why, when it is not free.
    public func claim(session: String) throws {
        try requireReviewing()
        guard try store.sessionExists(session) else { throw ReviewError.noSession(session) }
        let t = now()
        let ids = try store.write {
            try store.claim(reviewer: actor, count: 1, checklist: nil, now: t, expiresMillis: t.utcMillis + claimMillis, only: session)
        }
        if ids.isEmpty {
            throw ReviewError.status("\(session) cannot be claimed: it is held by another reviewer's live claim, already reviewed, or yours already")
        }
    }

    /// Sets one item of the caller's open review exactly as given — nil clears its answer, comment
    /// and evidence — where `score` only adds. The workstation's clear, remove-evidence and undo.
    public func setEntry(session: String, item: String, entry: ItemEntry?) throws -> ReviewView {
        try requireReviewing()
        let t = now()
        let saved = try store.write {
            let r = try openReview(session)
            guard let id = r.checklistID, let v = r.checklistVersion else { throw ReviewError.noChecklist(session: session) }
            let checklist = try self.checklist(id, version: v)
            guard let it = checklist.item(item) else { throw ReviewError.answers("no item \"\(item)\" in \(id)") }
            if let entry {
                if let problem = answerProblem(entry.answer, for: it) { throw ReviewError.answers(problem) }
                try store.saveAnswers(review: r.id, [item: entry], at: t)
            } else {
                try store.deleteAnswer(review: r.id, item: item)
            }
            return try saveDraft(r, checklist, at: t)
        }
        return try view(saved)
    }

    /// A review whose answers changed: a draft again (a returned one stays returned for its
    /// reviewer to resubmit), its claim renewed, its score taken from the stored answers.
    private func saveDraft(_ review: ReviewRecord, _ checklist: Checklist, at t: Timestamp) throws -> ReviewRecord {
        var r = review
        if r.status != .returned { r.expiresMillis = t.utcMillis + claimMillis }
        r.status = .draft
        let s = Score.review(checklist, answers: try store.answers(review: r.id).mapValues(\.answer))
        r.percent = s.percent
        r.passed = s.passed
        try store.updateReview(r, at: t)
        return r
    }

    /// Gives a claim or draft back to the queue (its answers stay as history).
    public func release(session: String) throws {
        try requireReviewing()
        try store.write {
            var r = try openReview(session)
            guard r.status != .returned else { throw ReviewError.status("a returned review cannot be released; fix and submit it") }
            r.status = .released
            try store.updateReview(r, at: now())
            try store.audit(actor: actor, action: "release", sessionID: session, reviewID: r.id, reason: nil, detail: .object([]), at: now())
        }
    }

    // MARK: Filling a review

    /// Fills (part of) the caller's open review from an answers document and saves it as a draft
    /// in one transaction; with `submit`, submits it if nothing blocks.
    public func score(session: String, answers document: JSON, source: String, checklist chosen: String?, submit: Bool) throws -> ReviewView {
        try requireReviewing()
        let t = now()
        // The draft is saved in its own transaction, so a refused submit never loses it.
        let saved = try store.write {
            var r = try openReview(session)
            guard let detail = try store.session(session) else { throw ReviewError.noSession(session) }
            let start = Timestamp(rfc3339: detail.summary.startedAt) ?? t
            let end = Timestamp(rfc3339: detail.summary.endedAt) ?? t
            // The checklist: already fixed on the review, else the manifest's, else the reviewer's pick.
            let checklist: Checklist
            if let id = r.checklistID, let v = r.checklistVersion {
                if let chosen, chosen != id { throw ReviewError.checklistMismatch(session: session, stored: id, asked: chosen) }
                checklist = try self.checklist(id, version: v)
            } else {
                let picked = chosen ?? document["checklist"]?.stringValue
                if let named = detail.summary.checklist, let picked, picked != named {
                    throw ReviewError.checklistMismatch(session: session, stored: named, asked: picked)
                }
                guard let id = detail.summary.checklist ?? picked else { throw ReviewError.noChecklist(session: session) }
                checklist = try self.checklist(id)
                r.checklistID = checklist.id
                r.checklistVersion = checklist.version
            }
            var entries = try parseAnswers(document, source: source, checklist: checklist, start: start, end: end)
            // An item given again keeps its comment unless a new one is given, and adds its
            // evidence moments to those already cited.
            let existing = try store.answers(review: r.id)
            for (item, e) in entries {
                guard let old = existing[item] else { continue }
                if e.comment == nil { entries[item]!.comment = old.comment }
                entries[item]!.evidence = Array(Set(old.evidence + e.evidence)).sorted()
            }
            try store.saveAnswers(review: r.id, entries, at: t)
            if r.openedMillis == nil { r.openedMillis = t.utcMillis }
            return try saveDraft(r, checklist, at: t)
        }
        return submit ? try self.submit(session: session) : try view(saved)
    }

    /// Submits the caller's open review, unless an item is unanswered or a failing evidence
    /// item cites no moment. A submitted review never changes in place afterwards.
    public func submit(session: String) throws -> ReviewView {
        try requireReviewing()
        let t = now()
        return try store.write {
            var r = try openReview(session)
            let v = try view(r)
            guard let checklist = v.checklist, let s = v.score else { throw ReviewError.noChecklist(session: session) }
            let blockers = SubmitBlockers.of(checklist, v.entries)
            guard blockers.isEmpty else { throw ReviewError.incomplete(blockers) }
            r.status = .submitted
            r.submittedAt = t.description
            r.submittedMillis = t.utcMillis
            r.expiresMillis = nil
            r.percent = s.percent
            r.passed = s.passed
            try store.updateReview(r, at: t)
            try store.audit(actor: actor, action: "submit", sessionID: session, reviewID: r.id, reason: nil,
                            detail: .object([("percent", Score.percentJSON(s.percent)), ("passed", .bool(s.passed))]), at: t)
            // A failed critical item is an alert, written with the submit.
            if r.purpose == .work, !s.criticalFailures.isEmpty, case let alerts = AlertSettings(config), alerts.isConfigured,
               let d = try store.session(session, personalData: false) {
                let items = s.criticalFailures.map { f in checklist.items.first { $0.id == f.itemID }?.text ?? f.itemID }
                let e = AlertEvent(kind: .criticalFailure, sessionID: session, locationID: d.summary.locationID, locationName: d.summary.locationName,
                                   employeeID: d.summary.employeeID, at: t,
                                   summary: "проверка \(actor), \(Score.text(s.percent)) %: " + items.joined(separator: "; "))
                try store.enqueue(alerts.messages(for: [e]), at: t)
            }
            return try view(r)
        }
    }

    /// Reads `{"item": "yes"|"no"|"na"|number}` or `{"answers": {...}, "comments": {...},
    /// "evidence": {"item": ["HH:MM:SS" | RFC 3339, ...]}}`.
    func parseAnswers(_ doc: JSON, source: String, checklist: Checklist, start: Timestamp, end: Timestamp) throws -> [String: ItemEntry] {
        guard case let .object(top) = doc else { throw ReviewError.answers("\(source): must be a JSON object") }
        let answers = doc["answers"]?.objectValue ?? top.filter { !["checklist", "comments", "evidence"].contains($0.0) }
        let comments = doc["comments"]?.objectValue ?? []
        let evidence = doc["evidence"]?.objectValue ?? []
        var out: [String: ItemEntry] = [:]
        for (item, raw) in answers {
            guard let it = checklist.item(item) else {
                throw ReviewError.answers("\(source): answers.\(item): no such item in \(checklist.id) v\(checklist.version)")
            }
            let answer: ItemAnswer?
            switch raw {
            case let .string(s): answer = ItemAnswer(text: s)
            case let .number(n): answer = n == n.rounded() ? .value(Int(n)) : nil
            case let .bool(b): answer = b ? .yes : .no
            default: answer = nil
            }
            guard let answer else { throw ReviewError.answers("\(source): answers.\(item): \(raw.serialized()) is not yes, no, na or a whole number") }
            if let problem = answerProblem(answer, for: it) { throw ReviewError.answers("\(source): answers.\(item): \(problem)") }
            out[item] = ItemEntry(answer: answer)
        }
        for (item, c) in comments {
            guard checklist.item(item) != nil else { throw ReviewError.answers("\(source): comments.\(item): no such item") }
            guard let text = c.stringValue else { throw ReviewError.answers("\(source): comments.\(item): must be a string") }
            guard !text.utf8.contains(0) else { throw ReviewError.answers("\(source): comments.\(item): contains a NUL character (\\u0000)") }
            guard text.utf8.count <= ReviewService.maxCommentBytes else {
                throw ReviewError.answers("\(source): comments.\(item): over the \(ReviewService.maxCommentBytes / 1024) KiB a comment may hold")
            }
            guard out[item] != nil else { throw ReviewError.answers("\(source): comments.\(item): give the item's answer in the same file") }
            out[item]!.comment = text
        }
        for (item, list) in evidence {
            guard checklist.item(item) != nil else { throw ReviewError.answers("\(source): evidence.\(item): no such item") }
            guard out[item] != nil else { throw ReviewError.answers("\(source): evidence.\(item): give the item's answer in the same file") }
            guard let moments = list.arrayValue else { throw ReviewError.answers("\(source): evidence.\(item): must be an array of times") }
            for m in moments {
                guard let text = m.stringValue, let t = SessionMoment.parse(text, sessionStart: start) else {
                    throw ReviewError.answers("\(source): evidence.\(item): \(m.serialized()) is not HH:MM:SS or an RFC 3339 time")
                }
                guard t >= start, t <= end else {
                    throw ReviewError.answers("\(source): evidence.\(item): \(text) is outside the session (\(start) – \(end))")
                }
                out[item]!.evidence.append(t.utcMillis)
            }
        }
        return out
    }

    // MARK: Reading

    func view(_ r: ReviewRecord) throws -> ReviewView {
        let start = try store.sessionStart(r.sessionID) ?? Timestamp(utcMillis: 0)
        guard let id = r.checklistID, let v = r.checklistVersion else {
            let entries = try store.answers(review: r.id)
            return ReviewView(record: r, checklist: nil, entries: entries, effective: entries, overrides: [], score: nil, blockers: nil, sessionStart: start)
        }
        let s = try ReviewScorer(self).score(review: r.id, checklist: id, version: v, submittedMillis: r.submittedMillis)
        return ReviewView(record: r, checklist: s.checklist, entries: s.given, effective: s.effective, overrides: s.overrides,
                          score: s.score, blockers: SubmitBlockers.of(s.checklist, s.effective), sessionStart: start)
    }

    /// Reviews of a session the caller may see: a reviewer only their own, a lead all
    /// (or one reviewer's with `reviewer`), an exporter the submitted and approved ones.
    /// Calibration reviews stay hidden from everyone but their author until the whole round has
    /// submitted; then the round's reviewers and leads may read them.
    public func reviews(session: String, reviewer: String? = nil) throws -> [ReviewView] {
        let caller = try me()
        guard try store.sessionExists(session) else { throw ReviewError.noSession(session) }
        let all = try store.reviews(session: session)
        var blind: (Int, Int)? = nil
        func mayRead(_ r: ReviewRecord) -> Bool {
            if r.reviewer == actor { return true }
            if let c = r.calibrationID {
                let round = all.filter { $0.calibrationID == c }
                let submitted = round.filter { $0.status == .submitted || $0.status == .approved }.count
                guard submitted == round.count else { blind = (submitted, round.count); return false }
                return caller.role == .lead || round.contains { $0.reviewer == actor }
            }
            return caller.role == .lead || (caller.role == .exporter && (r.status == .submitted || r.status == .approved))
        }
        // An exporter reads the submitted and approved reviews of anyone, never a draft or a claim.
        let who = reviewer ?? (caller.role == .reviewer ? actor : nil)
        let list = all.filter { (who == nil || $0.reviewer == who) && mayRead($0) }
        guard !list.isEmpty else {
            if let (n, of) = blind { throw ReviewError.calibrationBlind(session: session, submitted: n, of: of) }
            if let who, who != actor, caller.role == .reviewer { throw ReviewError.othersReview(actor: actor) }
            throw ReviewError.noReview(session: session, reviewer: who)
        }
        return try list.map(view)
    }

    // MARK: Lead actions

    func submittedReview(_ session: String, reviewer: String?, allow: [ReviewStatus]) throws -> ReviewRecord {
        let candidates = try store.reviews(session: session).filter { allow.contains($0.status) && (reviewer == nil || $0.reviewer == reviewer) }
        guard try store.sessionExists(session) else { throw ReviewError.noSession(session) }
        guard let r = candidates.last else {
            throw ReviewError.status("session \(session) has no \(allow.map(\.rawValue).joined(separator: " or ")) review" + (reviewer.map { " by \($0)" } ?? ""))
        }
        if reviewer == nil, Set(candidates.map(\.reviewer)).count > 1 {
            throw ReviewError.status("session \(session) has reviews by several reviewers; name one with --reviewer")
        }
        return r
    }

    /// Sends a submitted review back to its reviewer as a draft, with a reason.
    public func returnReview(session: String, reviewer: String?, reason: String) throws {
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ReviewError.reasonRequired("return") }
        try decide(session, reviewer: reviewer, to: .returned, action: "return", reason: reason, what: "return reviews")
    }

    public func approve(session: String, reviewer: String?) throws {
        try decide(session, reviewer: reviewer, to: .approved, action: "approve", reason: nil, what: "approve reviews")
    }

    /// A lead's decision on a submitted review: new status plus an audit entry.
    func decide(_ session: String, reviewer: String?, to status: ReviewStatus, action: String, reason: String?, what: String) throws {
        try store.write {
            try requireLead(what)
            var r = try submittedReview(session, reviewer: reviewer, allow: [.submitted])
            r.status = status
            try store.updateReview(r, at: now())
            try store.audit(actor: actor, action: action, sessionID: session, reviewID: r.id, reason: reason,
                            detail: .object([("reviewer", .string(r.reviewer)), ("percent", Score.percentJSON(r.percent))]), at: now())
        }
    }

    /// A lead confirms or dismisses a finding, with a reason. The decision is kept beside the
    /// finding's content (a re-check that derives the same finding keeps it), the latest one
    /// stands, and each goes into the audit log with the one it replaces. On a store with no
    /// reviewers registered its one user decides.
    @discardableResult
    public func decideFinding(id: Int64, _ verdict: FindingVerdict, reason: String) throws -> StoredFinding {
        let verb = verdict == .confirmed ? "confirm" : "dismiss"
        return try store.write {
            if try !store.reviewers().isEmpty { try requireLead("\(verb) findings") }
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ReviewError.reasonRequired(verb) }
            guard reason.utf8.count <= ReviewService.maxCommentBytes else {
                throw ReviewError.answers("a reason holds at most \(ReviewService.maxCommentBytes / 1024) KiB")
            }
            guard let before = try store.storedFindings(id: id).first else { throw ReviewError.noFinding(id) }
            let t = now()
            let d = FindingDecision(verdict: verdict, reason: reason, by: actor, at: t.description)
            try store.addFindingDecision(on: before.finding, d)
            let f = before.finding
            try store.audit(actor: actor, action: "\(verb)-finding", sessionID: f.sessionID, reviewID: nil, reason: reason, detail: .object([
                ("finding", .number(Double(id))), ("code", .string(f.code.rawValue)), ("severity", .string(f.severity.rawValue)),
                ("questionnaire_id", f.questionnaireID.map(JSON.string) ?? .null), ("file", f.file.map(JSON.string) ?? .null),
                ("detail", .string(f.detail)), ("previous", before.decision.map { .string($0.verdict.rawValue) } ?? .null),
            ]), at: t)
            return StoredFinding(id: id, finding: f, decision: d)
        }
    }

    /// Changes one answer of a submitted (or approved) review without touching it in place:
    /// the override, with who, when, why and the values before and after, goes to the audit log.
    public func override(session: String, reviewer: String?, item: String, answer text: String, reason: String) throws -> ReviewView {
        try store.write {
            try requireLead("override reviews")
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ReviewError.reasonRequired("override") }
            let r = try submittedReview(session, reviewer: reviewer, allow: [.submitted, .approved])
            let before = try view(r)
            guard let checklist = before.checklist, let it = checklist.item(item) else {
                throw ReviewError.answers("no item \"\(item)\" in the review's checklist")
            }
            guard let answer = ItemAnswer(text: text) else { throw ReviewError.answers("\"\(text)\" is not yes, no, na or a whole number") }
            if let problem = answerProblem(answer, for: it) { throw ReviewError.answers(problem) }
            let t = now()
            let o = Override(itemID: item, before: before.effective[item]?.answer, after: answer, lead: actor, at: t.description, reason: reason)
            try store.addOverride(review: r.id, o)
            let after = try view(r)
            try store.setScore(review: r.id, percent: after.score?.percent, passed: after.score?.passed ?? false)
            try store.audit(actor: actor, action: "override", sessionID: session, reviewID: r.id, reason: reason, detail: .object([
                ("reviewer", .string(r.reviewer)), ("item", .string(item)),
                ("before", o.before?.json ?? .null), ("after", answer.json),
                ("percent_before", Score.percentJSON(before.score?.percent)), ("percent_after", Score.percentJSON(after.score?.percent)),
            ]), at: t)
            return after
        }
    }

    /// Overrides apply to the submission they were made on; after a return and a new submit,
    /// the reviewer's answers stand again (the old overrides stay in the log).
    func currentOverrides(_ review: Int64, submittedMillis: Int64?) throws -> [Override] {
        ReviewService.current(try store.overrides(review: review), submittedMillis: submittedMillis)
    }

    /// The overrides made since the review was last submitted (earlier ones were answered by a resubmission).
    static func current(_ overrides: [Override], submittedMillis: Int64?) -> [Override] {
        let since = submittedMillis ?? .max
        return overrides.filter { (Timestamp(rfc3339: $0.at)?.utcMillis ?? 0) >= since }
    }

    static func applying(_ overrides: [Override], to entries: [String: ItemEntry]) -> [String: ItemEntry] {
        var effective = entries
        for o in overrides { effective[o.itemID, default: ItemEntry(answer: o.after)].answer = o.after }
        return effective
    }

    /// Recomputes the cached score of every review from its answers, overrides and checklist
    /// version. Returns how many reviews were scored and how many figures changed.
    public func recomputeAll() throws -> (reviews: Int, changed: Int) {
        let scorer = ReviewScorer(self)
        var count = 0, changed = 0
        try store.write {
            for (id, cid, version, oldPercent, oldPassed, submitted) in try store.reviewScores() {
                let s = try scorer.score(review: id, checklist: cid, version: version, submittedMillis: submitted).score
                count += 1
                if s.percent != oldPercent || s.passed != oldPassed {
                    changed += 1
                    try store.setScore(review: id, percent: s.percent, passed: s.passed)
                }
            }
        }
        return (count, changed)
    }
}

extension Score {
    /// A percent for JSON: one decimal (half away from zero), or null when there is none.
    public static func percentJSON(_ p: Double?) -> JSON { p.map { .number(Score.rounded($0)) } ?? .null }
}

extension ReviewService {
    /// What loading a checklist file did.
    public struct Loaded {
        public var file: String
        public var id: String
        public var version: Int
        public var new: Bool
    }

    /// Loads checklist files (a directory means its `*.checklist` files) into the store.
    /// Until the first lead exists anyone may load (setup); afterwards only leads.
    /// All files are checked first; if any has a problem, nothing is loaded.
    public func loadChecklists(_ paths: [String]) throws -> [Loaded] {
        var files: [String] = []
        for p in paths {
            if let entries = directoryEntries(p) {
                files += entries.filter { $0.hasSuffix(".checklist") }.map { p + "/" + $0 }
            } else {
                files.append(p)
            }
        }
        var parsed: [(String, Checklist, String)] = []
        var problems: [String] = []
        for f in files {
            let bytes: [UInt8]
            do { bytes = try readFile(f, maxBytes: Checklist.maxFileBytes) } catch {
                problems.append(error.errno == EFBIG ? "\(f):0: over the \(Checklist.maxFileBytes >> 20) MiB a checklist file may hold" : "\(f):0: cannot read: \(error)")
                continue
            }
            guard let text = String(validating: bytes, as: UTF8.self) else { problems.append("\(f):0: not UTF-8 text"); continue }
            do { parsed.append((f, try Checklist.parse(text, file: f), text)) } catch { problems += error.problems.map(\.description) }
        }
        guard problems.isEmpty else { throw ReviewError.answers(problems.joined(separator: "\n")) }
        if files.isEmpty { throw ReviewError.answers("no .checklist files in \(paths.joined(separator: ", "))") }
        return try store.write {
            if try store.leadCount() > 0 { try requireLead("load checklists") }
            var out: [Loaded] = []
            for (file, c, text) in parsed {
                let new = try store.storeChecklist(c, text: text, sha256: SHA256Hasher.hex(Array(text.utf8)), source: file, at: now())
                if new {
                    try store.audit(actor: actor, action: "checklist-load", sessionID: nil, reviewID: nil, reason: nil,
                                    detail: .object([("checklist", .string(c.id)), ("version", c.version.json), ("file", .string(file))]), at: now())
                }
                out.append(Loaded(file: file, id: c.id, version: c.version, new: new))
            }
            return out
        }
    }
}

extension ReviewView {
    /// The `--json` form of a review, documented in docs/cli.md.
    public var json: JSON {
        func moment(_ ms: Int64) -> JSON {
            .string(Timestamp(utcMillis: ms, offsetSeconds: sessionStart.offsetSeconds).description)
        }
        let r = record
        var members: [(String, JSON)] = [
            ("review_id", r.id.json), ("session_id", .string(r.sessionID)), ("reviewer", .string(r.reviewer)),
            ("status", .string(r.status.rawValue)),
            ("checklist", checklist.map { .object([("id", .string($0.id)), ("version", $0.version.json), ("title", .string($0.title))]) } ?? .null),
            ("claimed_at", .string(r.claimedAt)), ("submitted_at", r.submittedAt.json),
            ("percent", Score.percentJSON(score?.percent)),
            ("percent_before_auto_fail", Score.percentJSON(score?.percentBeforeAutoFail)),
            ("passed", .bool(score?.passed ?? false)),
            ("pass_mark", checklist.map { .number($0.passMark) } ?? .null),
        ]
        if let checklist, let score {
            members.append(("sections", .array(zip(checklist.sections, score.sections).map { section, s in
                .object([("id", .string(section.id)), ("title", .string(section.title)), ("earned", .number(s.earned)),
                         ("possible", .number(s.possible)), ("percent", Score.percentJSON(s.percent)),
                         ("percent_before_auto_fail", Score.percentJSON(s.percentBeforeAutoFail))])
            })))
            members.append(("critical_failures", .array(score.criticalFailures.map {
                .object([("section", .string($0.sectionID)), ("item", .string($0.itemID)), ("scope", .string($0.scope.rawValue))])
            })))
            members.append(("items", .array(checklist.sections.flatMap { section in
                section.items.map { item -> JSON in
                    let e = effective[item.id]
                    return .object([
                        ("id", .string(item.id)), ("section", .string(section.id)),
                        ("answer", e?.answer.json ?? .null),
                        ("answer_given", entries[item.id]?.answer.json ?? .null),
                        ("comment", e?.comment.json ?? .null),
                        ("evidence", .array((e?.evidence ?? []).map(moment))),
                        ("failed", .bool(score.failedItems.contains(item.id))),
                    ])
                }
            })))
            members.append(("unanswered", (blockers?.unanswered ?? []).json))
            members.append(("missing_evidence", (blockers?.missingEvidence ?? []).json))
        }
        members.append(("overrides", .array(overrides.map {
            .object([("item", .string($0.itemID)), ("before", $0.before?.json ?? .null), ("after", $0.after.json),
                     ("lead", .string($0.lead)), ("at", .string($0.at)), ("reason", .string($0.reason))])
        })))
        return .object(members)
    }
}

extension Checklist {
    public var json: JSON {
        .object([
            ("id", .string(id)), ("version", version.json), ("title", .string(title)), ("pass_mark", .number(passMark)),
            ("sections", .array(sections.map { s in
                .object([("id", .string(s.id)), ("title", .string(s.title)), ("items", .array(s.items.map { i in
                    let kind: String
                    switch i.kind {
                    case .yesno: kind = "yesno"
                    case let .scale(n): kind = "scale \(n)"
                    case let .points(n): kind = "points \(n)"
                    }
                    return .object([("id", .string(i.id)), ("text", .string(i.text)), ("kind", .string(kind)),
                                    ("weight", .number(i.weight)), ("na", .bool(i.allowsNA)), ("critical", .string(i.critical.rawValue)),
                                    ("evidence", .bool(i.evidenceOnFail)), ("guidance", .string(i.guidance))])
                }))])
            })),
        ])
    }
}

extension ReviewService {
    /// The audit log the caller may see: leads all of it; reviewers their own actions and
    /// the entries about their reviews.
    public func auditLog(session: String?) throws -> [AuditEntry] {
        let caller = try me()
        let all = try store.auditLog(session: session)
        if caller.role == .lead { return all }
        let mine = Set(try store.reviews(reviewer: actor).map(\.id))
        return all.filter { $0.actor == actor || ($0.reviewID.map(mine.contains) ?? false) }
    }
}

/// Scores stored reviews the one way: the reviewer's answers, the leads' overrides that apply to
/// the current submission, and the checklist version the review was filled against (each
/// version parsed once per scorer).
public final class ReviewScorer {
    public struct Scored {
        public var checklist: Checklist
        public var given: [String: ItemEntry]
        public var overrides: [Override]
        public var effective: [String: ItemEntry]
        public var score: ReviewScore
    }

    let service: ReviewService
    var checklists: [String: Checklist] = [:]

    /// Answers and overrides read ahead for reviews about to be scored (`use`).
    var prefetched: (answers: [Int64: [String: ItemEntry]], overrides: [Int64: [Override]])?

    public init(_ service: ReviewService) { self.service = service }

    /// Answers and overrides of the reviews about to be scored, read ahead in batches
    /// (`Store.answers(reviews:)`, `overrides(reviews:)`); `score` then uses them.
    public func use(answers: [Int64: [String: ItemEntry]], overrides: [Int64: [Override]]) {
        prefetched = (answers, overrides)
    }

    public func score(review: Int64, checklist id: String, version: Int, submittedMillis: Int64?) throws -> Scored {
        let key = "\(id)@\(version)"
        if checklists[key] == nil { checklists[key] = try service.checklist(id, version: version) }
        let checklist = checklists[key]!
        let given: [String: ItemEntry]
        let overrides: [Override]
        if let ahead = prefetched {
            given = ahead.answers[review] ?? [:]
            overrides = ReviewService.current(ahead.overrides[review] ?? [], submittedMillis: submittedMillis)
        } else {
            given = try service.store.answers(review: review)
            overrides = try service.currentOverrides(review, submittedMillis: submittedMillis)
        }
        let effective = ReviewService.applying(overrides, to: given)
        return Scored(checklist: checklist, given: given, overrides: overrides, effective: effective,
                      score: Score.review(checklist, answers: effective.mapValues(\.answer)))
    }
}
