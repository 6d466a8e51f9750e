/// An employee's dispute of one item of a reviewed session, opened by a lead on behalf of the
/// employee's manager and decided by another lead: accepted (the item is overridden, the
/// dispute its reason) or rejected (with a reason).
public struct Dispute: Equatable, Sendable {
    public enum Status: String, Sendable, CaseIterable { case open, accepted, rejected }

    public var id: Int64
    public var reviewID: Int64
    public var sessionID: String
    public var itemID: String
    public var reason: String
    public var openedBy: String
    public var openedAt: String
    public var openedMillis: Int64
    public var status: Status
    public var decidedBy: String?
    public var decidedAt: String?
    public var decisionReason: String?
    /// The answer an accepted dispute gave the item.
    public var answer: String?
    /// The reviewer of the disputed review (joined in, for lists).
    public var reviewer: String

    public init(id: Int64, reviewID: Int64, sessionID: String, itemID: String, reason: String, openedBy: String, openedAt: String,
                openedMillis: Int64, status: Status, decidedBy: String? = nil, decidedAt: String? = nil, decisionReason: String? = nil,
                answer: String? = nil, reviewer: String) {
        (self.id, self.reviewID, self.sessionID, self.itemID, self.reason) = (id, reviewID, sessionID, itemID, reason)
        (self.openedBy, self.openedAt, self.openedMillis, self.status) = (openedBy, openedAt, openedMillis, status)
        (self.decidedBy, self.decidedAt, self.decisionReason, self.answer, self.reviewer) = (decidedBy, decidedAt, decisionReason, answer, reviewer)
    }

    /// The shape of `disputes --json` and of `dispute … --json` (docs/cli.md).
    public var json: JSON {
        .object([
            ("id", .number(Double(id))), ("session_id", .string(sessionID)), ("review_id", .number(Double(reviewID))),
            ("reviewer", .string(reviewer)), ("item", .string(itemID)), ("reason", .string(reason)),
            ("opened_by", .string(openedBy)), ("opened_at", .string(openedAt)), ("status", .string(status.rawValue)),
            ("decided_by", decidedBy.map(JSON.string) ?? .null), ("decided_at", decidedAt.map(JSON.string) ?? .null),
            ("decision_reason", decisionReason.map(JSON.string) ?? .null), ("answer", answer.map(JSON.string) ?? .null),
        ])
    }
}
