import MSRApp
import MSRCore
import MSRStore

/// Everything the workstation shows, as plain values: `update` changes it, `view` draws it.
public struct AppState: Sendable {
    public enum Screen: Sendable { case queue, session, audit, callbacks }
    public enum Mode: Equatable, Sendable {
        case normal
        case search(LineEditor)
        case comment(LineEditor)
        case confirmSubmit
        /// The key help, scrolled down by `offset` lines.
        case help(offset: Int)
        /// A lead typing: the answer of an override, then the reason of a return or override.
        case overrideAnswer(item: String, LineEditor)
        case reason(LeadAction, LineEditor)
        case confirmApprove
        /// The session's findings in a list, one selected (a lead confirms or dismisses it).
        case findings(cursor: Int)
        /// The session's history: returns, overrides, decisions, comments and cited moments.
        case history(cursor: Int)
        /// The current item's whole text and guidance, scrolled by `offset` lines.
        case itemText(offset: Int)
        /// Choosing the checklist of a session that names none (from those loaded).
        case pickChecklist(cursor: Int)
        /// The outcome of a call on a callback, then an optional note.
        case callbackOutcome(id: Int64)
        case callbackNote(id: Int64, outcome: CallbackItem.Outcome, LineEditor)
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
    /// The status line says something went wrong: Esc clears it before it leaves anything.
    public var statusIsError = false
    /// The keys: the standard table with the config's remaps.
    public var keys: KeyTable = .standard
    /// Clicks and the wheel act (the `mouse = on` setting).
    public var mouse = false
    /// The injected clock, for claim ages (UTC milliseconds).
    public var now: Int64 = 0
    public var quitting = false
    /// Review edits made while the team store could not be reached: kept, shown, saved when it answers.
    public var unsavedChanges = 0

    // Queue screen: a window of rows around the cursor, never the whole table.
    public var rows: [SessionSummary] = []
    public var rowsOffset = 0
    public var total = 0
    public var cursor = 0
    public var filter = ""
    /// Whether the search line is open (its text is `filter`, applied as typed).
    public var isSearching: Bool { if case .search = mode { true } else { false } }
    /// Queue filters: one status (nil = all) and only sessions with findings.
    public var statusFilter: String?
    public var flaggedOnly = false
    /// Only sessions with an open dispute.
    public var disputedOnly = false
    /// Newest first instead of oldest first.
    public var newestFirst = false
    /// Leads: only sessions this reviewer holds (nil: everyone's); `w` cycles through `reviewers`.
    public var reviewerFilter: String?
    public var reviewers: [String] = []
    /// The total is a lower bound: a search of many sessions is counted exactly afterwards.
    public var totalIsAtLeast = false
    /// `G` waits for the exact count, then goes to the last row.
    public var bottomAfterCount = false
    /// Photo of the open session last shown (v and i cycle through them).
    public var photoIndex = 0
    /// An in-terminal preview of a photo (libchafa symbols), shown until a key is pressed.
    public var preview: (title: String, lines: [String])?

    // Reviewer audit screen (leads).
    public var audit: ReviewerAuditReport?

    // Callbacks screen: what is still to do, the overdue ones marked.
    public var callbacks: [CallbackItem] = []
    public var callbackCursor = 0
    /// A session opened from the callbacks screen goes back there.
    public var sessionFromCallbacks = false
    /// The callback deadline (`callback_deadline_hours`), for the overdue marks.
    public var callbackDeadlineMillis: Int64 = 24 * 3_600_000

    // Session screen.
    public var session: SessionDetail?
    public var review: ReviewView?
    public var itemCursor = 0
    public var envelope: [UInt16] = []
    public var position: Int64 = 0
    public var playing = false
    public var speed = 1.0
    public var audioNote: String?
    /// What `u` undoes, latest last: each item as it was before a change.
    public var undo: [UndoStep] = []
    /// The open session's history (loaded when the pane opens).
    public var history: [HistoryEntry] = []
    /// The checklists a session naming none may be scored against.
    public var checklists: [String] = []

    public init(width: Int, height: Int, reviewer: String, isLead: Bool, decidesFindings: Bool? = nil) {
        self.width = width
        self.height = height
        self.reviewer = reviewer
        self.isLead = isLead
        self.decidesFindings = decidesFindings ?? isLead
    }

    /// Rows of the queue list that fit on screen (title, header, status and key lines aside).
    public var listHeight: Int { max(1, height - 4) }

    /// The statuses `s` cycles through on the queue; leads also see the review-only ones,
    /// released and expired (sessions somebody gave back or let run out).
    public var statusCycle: [String?] {
        [nil, "new", "claimed", "draft", "submitted", "returned", "approved"] + (isLead ? ["released", "expired"] : [])
    }

    /// The key contexts of the screen and mode, most specific first.
    public var keyContexts: [KeyContext] {
        switch mode {
        case .findings: return [.findings, .global]
        case .history: return [.history, .global]
        default: break
        }
        switch screen {
        case .queue: return [.queue, .global]
        case .audit: return [.audit, .global]
        case .callbacks: return [.callbacks, .global]
        case .session:
            let own: KeyContext? = review == nil ? nil : reviewIsOthers ? (isLead ? .lead : nil) : .review
            return (own.map { [$0] } ?? []) + [.session, .player, .global]
        }
    }

    public var items: [(section: Checklist.Section, item: Checklist.Item)] {
        guard let c = review?.checklist else { return [] }
        return c.sections.flatMap { s in s.items.map { (s, $0) } }
    }

    /// The open review is someone else's (a lead reading it): answers cannot be typed.
    public var reviewIsOthers: Bool { review.map { $0.record.reviewer != reviewer } ?? false }

    /// What identifies the queue's rows: the search, every filter and the order.
    public func queueKey(_ search: String) -> String {
        "\(search)\u{0}\(statusFilter ?? "")\u{0}\(reviewerFilter ?? "")\u{0}\(flaggedOnly)\u{0}\(disputedOnly)\u{0}\(newestFirst)"
    }

    /// The line being typed, whatever it is for (nil when none is).
    public var editedLine: LineEditor? {
        switch mode {
        case let .search(e), let .comment(e), let .overrideAnswer(_, e), let .reason(_, e): return e
        default: return nil
        }
    }

    public var currentItem: Checklist.Item? {
        let all = items
        return all.indices.contains(itemCursor) ? all[itemCursor].item : nil
    }
}

/// An item of the open review as it was before a change: what undo puts back.
public struct UndoStep: Equatable, Sendable {
    public var session: String
    public var item: String
    public var before: ItemEntry?
}

/// One line of a session's history pane.
public struct HistoryEntry: Equatable, Sendable {
    public var at: String
    public var who: String
    public var what: String
    /// The reason, comment or detail, in full.
    public var detail: String?
    /// A cited moment (session clock, UTC ms): Enter plays from it.
    public var moment: Int64?
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
    case callbacksLoaded([CallbackItem])
    /// The open session's findings read again (after a decision).
    case findingsLoaded([StoredFinding])
    case historyLoaded([AuditEntry])
    case checklistsLoaded([String])
    case reviewersLoaded([String])
    /// The queue's count stopped at a cap: the total is a lower bound until counted exactly.
    case countCapped
    /// The exact size of a queue whose count was capped.
    case countLoaded(total: Int, queue: String)
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
    /// The callback work list (open and taken); take one; record a call's outcome.
    case loadCallbacks
    case takeCallback(Int64)
    case recordCallback(id: Int64, outcome: CallbackItem.Outcome, note: String)
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
    case setEntry(session: String, item: String, entry: ItemEntry?)
    case claim(session: String)
    case release(session: String)
    case chooseChecklist(session: String, checklist: String)
    case loadHistory(session: String)
    case loadChecklists
    case loadReviewers
    /// Counts the queue exactly (after a capped count): now (`G` needs it), or once the screen
    /// shows the rows (`later`: the runner defers it past the keystroke).
    case countQueue(later: Bool)
    case redraw
    case suspend
    case setVolume(by: Double)
    case togglePlay
    case seek(by: Int64)
    case seekTo(Int64)
    case setSpeed(Double)
    case quit
}

import MSRTerminal
