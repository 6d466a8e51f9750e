import MSRCore
import MSRStore

/// Disputes: an employee whose bonus depends on a score disputes an item of a negative review.
/// A lead opens the dispute on behalf of the employee's manager, within `dispute_days` of the
/// review's approval (or of its submission while it is not approved); a lead other than the one
/// who approved it, and other than its reviewer, arbitrates. Accepting records an override with
/// the dispute as its reason (so the score, the scorecards and the exports follow); rejecting
/// records the arbiter's reason. Every step goes into the audit log.
extension ReviewService {
    var disputeWindowMillis: Int64 { Int64(config["dispute_days"] * 86_400_000) }

    /// Opens a dispute on one item of a session's submitted or approved work review.
    public func openDispute(session: String, reviewer: String?, item: String, reason: String) throws -> Dispute {
        try store.write {
            try requireLead("open disputes")
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ReviewError.reasonRequired("a dispute") }
            guard reason.utf8.count <= ReviewService.maxCommentBytes else {
                throw ReviewError.answers("a reason holds at most \(ReviewService.maxCommentBytes / 1024) KiB")
            }
            let r = try submittedReview(session, reviewer: reviewer, allow: [.submitted, .approved])
            guard r.purpose == .work else { throw ReviewError.status("only work reviews are disputed (review #\(r.id) is a \(r.purpose.rawValue) review)") }
            let view = try view(r)
            guard view.checklist?.item(item) != nil else { throw ReviewError.answers("no item \"\(item)\" in the review's checklist") }
            let t = now()
            let approval = try store.approval(review: r.id)
            let since = r.status == .approved ? approval?.atMillis : r.submittedMillis
            if let since, t.utcMillis - since > disputeWindowMillis {
                let closed = Timestamp(utcMillis: since + disputeWindowMillis, offsetSeconds: 0)
                let days = config["dispute_days"]
                let count = days == days.rounded() ? String(Int(days)) : Score.text(days)
                throw ReviewError.status("the dispute window of session \(session) closed at \(closed) (\(count) days after it was \(r.status == .approved ? "approved" : "submitted"); setting dispute_days)")
            }
            guard let id = try store.openDispute(review: r.id, session: session, item: item, reason: reason, by: actor, at: t) else {
                throw ReviewError.status("item \(item) of session \(session) already has an open dispute (msreview disputes --session \(session))")
            }
            try store.audit(actor: actor, action: "dispute-open", sessionID: session, reviewID: r.id, reason: reason, detail: .object([
                ("dispute", .number(Double(id))), ("reviewer", .string(r.reviewer)), ("item", .string(item)),
                ("answer", view.effective[item].map { $0.answer.json } ?? .null),
            ]), at: t)
            return try store.dispute(id: id)!
        }
    }

    /// A lead's decision on an open dispute. `accept` overrides the item with `answer` (the
    /// dispute's reason becomes the override's); a rejection needs the arbiter's reason.
    public func decideDispute(id: Int64, accept: Bool, answer: String?, reason: String?) throws -> Dispute {
        try store.write {
            try requireLead("arbitrate disputes")
            guard let d = try store.dispute(id: id) else { throw ReviewError.status("no dispute #\(id) (msreview disputes lists them)") }
            guard d.status == .open else { throw ReviewError.status("dispute #\(id) was \(d.status.rawValue) by \(d.decidedBy ?? "?") at \(d.decidedAt ?? "?")") }
            if let approver = try store.approval(review: d.reviewID)?.by, approver == actor {
                throw ReviewError.status("\(actor) approved the review: another lead arbitrates dispute #\(id)")
            }
            if d.reviewer == actor { throw ReviewError.status("\(actor) wrote the review: another lead arbitrates dispute #\(id)") }
            let note = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
            if let note, note.utf8.count > ReviewService.maxCommentBytes {
                throw ReviewError.answers("a reason holds at most \(ReviewService.maxCommentBytes / 1024) KiB")
            }
            let t = now()
            if accept {
                guard let answer else { throw ReviewError.answers("accepting a dispute sets the item's answer: --answer yes|no|na|N") }
                let because = "dispute #\(id): \(d.reason)" + (note.map { " — \($0)" } ?? "")
                _ = try override(session: d.sessionID, reviewer: d.reviewer, item: d.itemID, answer: answer, reason: because)
                _ = try store.decideDispute(id: id, .accepted, by: actor, at: t, reason: note, answer: answer)
            } else {
                guard let note else { throw ReviewError.reasonRequired("rejecting a dispute") }
                _ = try store.decideDispute(id: id, .rejected, by: actor, at: t, reason: note, answer: nil)
            }
            try store.audit(actor: actor, action: accept ? "dispute-accept" : "dispute-reject", sessionID: d.sessionID, reviewID: d.reviewID,
                            reason: note, detail: .object([
                                ("dispute", .number(Double(id))), ("reviewer", .string(d.reviewer)), ("item", .string(d.itemID)),
                                ("answer", answer.map(JSON.string) ?? .null),
                            ]), at: t)
            return try store.dispute(id: id)!
        }
    }

    /// The disputes the caller may see: leads and exporters all, a reviewer those on their own reviews.
    public func disputes(status: Dispute.Status?, session: String?) throws -> [Dispute] {
        let caller = try me()
        return try store.disputes(status: status, session: session, reviewer: caller.role == .reviewer ? actor : nil)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
