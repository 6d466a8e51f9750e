import MSRApp
import MSRCore
import MSRStore

/// Everything the workstation shows, as plain values: `update` changes it, `view` draws it.
public struct AppState: Sendable {
    public enum Screen: Sendable { case queue, session, audit }
    public enum Mode: Equatable, Sendable {
        case normal
        case search(String)
        case comment(String)
        case confirmSubmit
        case help
        /// A lead typing: the answer of an override, then the reason of a return or override.
        case overrideAnswer(item: String, text: String)
        case reason(LeadAction, String)
        case confirmApprove
        /// The session's findings in a list, one selected (a lead confirms or dismisses it).
        case findings(cursor: Int)
    }

    public var width: Int
    public var height: Int
    public var reviewer: String
    public var isLead: Bool
    /// Confirms and dismisses findings: a lead, or the one user of a store with no reviewers.
    public var decidesFindings: Bool
    public var screen: Screen = .queue
    public var mode: Mode = .normal
    public var status = ""
    public var quitting = false
    /// Review edits made while the team store could not be reached: kept, shown, saved when it answers.
    public var unsavedChanges = 0

    // Queue screen: a window of rows around the cursor, never the whole table.
    public var rows: [SessionSummary] = []
    public var rowsOffset = 0
    public var total = 0
    public var cursor = 0
    public var filter = ""
    /// Queue filters: one status (nil = all) and only sessions with findings.
    public var statusFilter: String?
    public var flaggedOnly = false
    /// Newest first instead of oldest first.
    public var newestFirst = false
    /// Photo of the open session last shown (v and i cycle through them).
    public var photoIndex = 0
    /// An in-terminal preview of a photo (libchafa symbols), shown until a key is pressed.
    public var preview: (title: String, lines: [String])?

    // Reviewer audit screen (leads).
    public var audit: ReviewerAuditReport?

    // Session screen.
    public var session: SessionDetail?
    public var review: ReviewView?
    public var itemCursor = 0
    public var envelope: [UInt16] = []
    public var position: Int64 = 0
    public var playing = false
    public var speed = 1.0
    public var audioNote: String?

    public init(width: Int, height: Int, reviewer: String, isLead: Bool, decidesFindings: Bool? = nil) {
        self.width = width
        self.height = height
        self.reviewer = reviewer
        self.isLead = isLead
        self.decidesFindings = decidesFindings ?? isLead
    }

    /// Rows of the queue list that fit on screen (title, header, status and key lines aside).
    public var listHeight: Int { max(1, height - 4) }

    /// The statuses `s` cycles through on the queue.
    public static let statusCycle: [String?] = [nil, "new", "claimed", "draft", "submitted", "returned", "approved"]

    public var items: [(section: Checklist.Section, item: Checklist.Item)] {
        guard let c = review?.checklist else { return [] }
        return c.sections.flatMap { s in s.items.map { (s, $0) } }
    }

    /// The open review is someone else's (a lead reading it): answers cannot be typed.
    public var reviewIsOthers: Bool { review.map { $0.record.reviewer != reviewer } ?? false }

    public var currentItem: Checklist.Item? {
        let all = items
        return all.indices.contains(itemCursor) ? all[itemCursor].item : nil
    }
}

/// What a lead is giving a reason for.
public enum LeadAction: Equatable, Sendable {
    case returnReview
    case override(item: String, answer: String)
    case decideFinding(id: Int64, FindingVerdict)
}

/// Something that happened: a key, a resize, or the result of an effect.
public enum Action: Sendable {
    case key(Key)
    case resized(width: Int, height: Int)
    case queueLoaded(rows: [SessionSummary], offset: Int, total: Int)
    case sessionLoaded(SessionDetail, ReviewView?, envelope: [UInt16])
    case reviewSaved(ReviewView)
    case playback(position: Int64, playing: Bool, speed: Double)
    case audioUnavailable(String)
    case failed(String)
    case info(String)
    /// How many review edits wait for the server (0: all saved).
    case unsaved(Int)
    case previewReady(title: String, lines: [String])
    case auditLoaded(ReviewerAuditReport)
    /// The open session's findings read again (after a decision).
    case findingsLoaded([StoredFinding])
}

/// Work the update asks for; the runner does it against the store and the player and reports
/// back with actions. Keeping it out of `update` keeps `update` pure and testable.
public enum Effect: Equatable, Sendable {
    case loadQueue(offset: Int, limit: Int, filter: String)
    case openPhoto(session: String, index: Int)
    case previewPhoto(session: String, index: Int, columns: Int, rows: Int)
    case pull
    /// The reviewer audit of a period (nil: the month of the latest submission).
    case loadAudit(ReportingPeriod?)
    /// Forget cached counts: the store may have changed under the queue.
    case reload
    case openSession(String)
    case closeSession
    case answer(session: String, item: String, answer: String)
    case comment(session: String, item: String, text: String)
    case markEvidence(session: String, item: String, at: Int64)
    case submit(session: String)
    case approve(session: String, reviewer: String)
    case returnReview(session: String, reviewer: String, reason: String)
    case override(session: String, reviewer: String, item: String, answer: String, reason: String)
    case decideFinding(session: String, id: Int64, verdict: FindingVerdict, reason: String)
    case togglePlay
    case seek(by: Int64)
    case seekTo(Int64)
    case setSpeed(Double)
    case quit
}

import MSRTerminal
