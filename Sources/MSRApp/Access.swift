import MSRCore
import MSRStore

/// Who may see which session, and how much of it: one policy for the CLI and the workstation.
///
/// - A store with no reviewers registered belongs to one person (the embedded default): that
///   person sees everything.
/// - Once reviewers exist, a lead sees every session with its customers' personal data; a
///   reviewer sees only the sessions they hold a claim or review of, without customers' names
///   and phones; an exporter sees every session and its personal data, and the submitted and
///   approved reviews only (`ReviewService.reviews`); someone not registered sees no session.
/// - Exports, scorecards and fraud reports are for the owner, leads and exporters; personal
///   data in them is recorded in the audit log (`recordPersonalData`).
public struct SessionAccess {
    public enum Standing: String, Sendable { case owner, lead, reviewer, exporter, stranger }

    public let store: Store
    public let actor: String
    public let standing: Standing

    public init(store: Store, actor: String) throws {
        self.store = store
        self.actor = actor
        if let me = try store.reviewer(actor) {
            switch me.role {
            case .lead: standing = .lead
            case .reviewer: standing = .reviewer
            case .exporter: standing = .exporter
            }
        } else {
            standing = try store.reviewers().isEmpty ? .owner : .stranger
        }
    }

    public var seesEverySession: Bool { standing == .owner || standing == .lead || standing == .exporter }
    /// Customers' names and phones (callback requests), employees' names in reports.
    public var seesPersonalData: Bool { seesEverySession }

    /// Exports, scorecards and fraud reports (`what` names the one asked for, for the refusal).
    public func requireReports(_ what: String) throws {
        switch standing {
        case .owner, .lead, .exporter: return
        case .stranger: throw ReviewError.notRegistered(actor)
        case .reviewer: throw ReviewError.reportsOnly(actor: actor, what: what)
        }
    }

    /// Records in the audit log that personal data left the store: who, when, which report
    /// and with which filter. Written before the report, so even one that fails midway is on record.
    public func recordPersonalData(_ report: String, filter: [(String, JSON)], at: Timestamp) throws {
        try requireReports(report)
        try store.write {
            try store.audit(actor: actor, action: "personal-data", sessionID: nil, reviewID: nil, reason: nil,
                            detail: .object([("report", .string(report))] + filter), at: at)
        }
    }

    /// The filter narrowed to what this actor may see.
    public func restrict(_ filter: SessionFilter) -> SessionFilter {
        var f = filter
        if !seesEverySession { f.reviewer = actor }
        return f
    }

    /// The sessions of a filter this actor may see (someone not registered on a team's store is told so).
    public func sessions(_ filter: SessionFilter) throws -> [SessionSummary] {
        if standing == .stranger { throw ReviewError.notRegistered(actor) }
        return try store.sessions(restrict(filter))
    }

    public func sessionCount(_ filter: SessionFilter) throws -> Int {
        if standing == .stranger { throw ReviewError.notRegistered(actor) }
        return try store.sessionCount(restrict(filter))
    }

    /// The count up to `cap` (a search shown at once, counted exactly afterwards).
    public func sessionCount(_ filter: SessionFilter, cap: Int) throws -> Int {
        if standing == .stranger { throw ReviewError.notRegistered(actor) }
        return try store.sessionCount(restrict(filter), cap: cap)
    }

    /// One session as this actor may see it. A session they may not see is reported exactly as a
    /// missing one, so its existence is not given away.
    public func session(_ id: String) throws -> SessionDetail {
        guard try mayOpen(id), let detail = try store.session(id, personalData: seesPersonalData) else {
            if standing == .stranger { throw ReviewError.notRegistered(actor) }
            throw ReviewError.noSession(id)
        }
        return seesPersonalData ? detail : Self.withoutPersonalData(detail)
    }

    func mayOpen(_ id: String) throws -> Bool {
        if seesEverySession { return true }
        var f = SessionFilter()
        f.reviewer = actor
        return try store.hasSession(id, matching: f)
    }

    /// The session with its customers' names and phones marked as withheld (the topic and time stay).
    public static func withoutPersonalData(_ d: SessionDetail) -> SessionDetail {
        var d = d
        d.callbackRequests = d.callbackRequests.map { c in
            var c = c
            (c.name, c.phone) = ("(hidden)", "(hidden)")
            return c
        }
        return d
    }
}
