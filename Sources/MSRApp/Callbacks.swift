import MSRCore
import MSRStore

/// The callback work list: customers who asked to be called back by a quality-control
/// specialist. Leads take a callback (a claim, as `pull`'s: one person at a time, free again
/// after `claim_hours`), call, and record the outcome; no answer leaves it to be tried again,
/// and every attempt is kept. A request not attempted within `callback_deadline_hours` is overdue.
/// Names and phones are shown to those who see personal data (`SessionAccess`); every take and
/// attempt goes into the audit log (without them).
extension ReviewService {
    var callbackDeadlineMillis: Int64 { Int64(config["callback_deadline_hours"] * 3_600_000) }

    /// Whether a callback not yet done has waited past the deadline, at `now`.
    public func isOverdue(_ c: CallbackItem) -> Bool {
        c.isOverdue(now: now().utcMillis, deadlineMillis: callbackDeadlineMillis)
    }

    /// The callbacks the caller may see, with names and phones only for those who see personal data.
    public func callbacks(statuses: [CallbackItem.Status], locations: [String] = [], overdueOnly: Bool = false) throws -> [CallbackItem] {
        let access = try SessionAccess(store: store, actor: actor)
        if access.standing == .stranger { throw ReviewError.notRegistered(actor) }
        let list = try store.callbacks(statuses: statuses, locations: locations,
                                       overdueBefore: overdueOnly ? now().utcMillis - callbackDeadlineMillis : nil,
                                       sessionsOf: access.seesEverySession ? nil : actor, personalData: access.seesPersonalData)
        return overdueOnly ? list.filter(isOverdue) : list
    }

    public func callback(_ id: Int64) throws -> CallbackItem {
        let access = try SessionAccess(store: store, actor: actor)
        guard let c = try store.callbacks(statuses: [], id: id, sessionsOf: access.seesEverySession ? nil : actor,
                                          personalData: access.seesPersonalData).first else {
            throw ReviewError.status("no callback #\(id) (msreview callbacks lists them)")
        }
        return c
    }

    /// Takes a callback to call the customer: atomically, so two leads never both hold one.
    public func takeCallback(_ id: Int64) throws -> CallbackItem {
        try store.write {
            try requireLead("work callbacks")
            let before = try callback(id)
            let t = now()
            guard try store.takeCallback(id, by: actor, at: t, staleBefore: t.utcMillis - claimMillis) else {
                if before.status == .done { throw ReviewError.status("callback #\(id) is done (\(before.outcome?.rawValue ?? "closed"))") }
                let since = before.takenMillis.map { " since \(Timestamp(utcMillis: $0, offsetSeconds: 0))" } ?? ""
                throw ReviewError.status("callback #\(id) is taken by \(before.takenBy ?? "another lead")\(since)")
            }
            try store.audit(actor: actor, action: "callback-take", sessionID: before.sessionID, reviewID: nil, reason: nil,
                            detail: .object([("callback", .number(Double(id)))]), at: t)
            return try callback(id)
        }
    }

    /// Records the outcome of a call on a callback the caller holds.
    public func recordCallback(_ id: Int64, outcome: CallbackItem.Outcome, note: String?) throws -> CallbackItem {
        try store.write {
            try requireLead("work callbacks")
            let note = note?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
            if let note, note.utf8.count > ReviewService.maxCommentBytes {
                throw ReviewError.answers("a note holds at most \(ReviewService.maxCommentBytes / 1024) KiB")
            }
            let before = try callback(id)
            let t = now()
            guard try store.recordCallbackAttempt(id, by: actor, at: t, outcome: outcome, note: note) else {
                if before.status == .done { throw ReviewError.status("callback #\(id) is done (\(before.outcome?.rawValue ?? "closed"))") }
                throw ReviewError.status("\(actor) does not hold callback #\(id): take it first with msreview callbacks take \(id)")
            }
            try store.audit(actor: actor, action: "callback-attempt", sessionID: before.sessionID, reviewID: nil, reason: note,
                            detail: .object([("callback", .number(Double(id))), ("outcome", .string(outcome.rawValue)),
                                             ("attempt", .number(Double(before.attempts + 1)))]), at: t)
            return try callback(id)
        }
    }

    public func callbackAttempts(_ id: Int64) throws -> [CallbackItem.Attempt] {
        _ = try callback(id)
        return try store.callbackAttempts(id)
    }
}
