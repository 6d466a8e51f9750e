import Foundation
import MSRApp
import MSRAudio
import MSRCore
import MSRMedia
import MSRStore
import MSRTerminal

/// Runs the workstation's effects against the store, the review service and the player, and
/// feeds the results back through `update`. Owns the only mutable state outside `AppState`:
/// the player of the open session.
public final class Workstation: @unchecked Sendable {
    public private(set) var state: AppState
    let store: Store
    let service: ReviewService
    /// What this reviewer may see: the same policy as the CLI's.
    let access: SessionAccess
    /// Media as local files (a team store's are fetched into this machine's cache on first use).
    let media: LocalMedia
    let device: String
    var player: Player?
    var timeline: Timeline?
    var soundFailed = false
    /// Review edits the server has not acknowledged yet, in the order they were made.
    var unsaved: [ReviewEdit] = []
    var nextRetry: UInt64 = 0
    /// Where the unsaved edits are kept across a restart.
    let journalPath: String
    /// The queue's size for a filter, counted once (a count walks every row); dropped when the
    /// queue's membership can change: a pull or a reload (`r`).
    var countCache: (filter: String, total: Int)?
    /// The filter the loaded rows came from; nil when they may be stale (after a pull or reload).
    var loadedFilter: String?

    /// `keys`: the key table with the config's remaps (`KeyTable.standard.remapped`); `background`:
    /// effects run on the worker (the terminal loop) rather than before `dispatch` returns.
    public init(store: Store, reviewer: String, config: Config, device: String, width: Int, height: Int,
                keys: KeyTable = .standard, background: Bool = false) throws {
        self.store = store
        inBackground = background
        service = ReviewService(store: store, actor: reviewer, config: config)
        access = try SessionAccess(store: store, actor: reviewer)
        media = try LocalMedia(store: store, capBytes: Int64(config["media_cache_mb"]) << 20)
        self.device = device
        let me = try store.reviewer(reviewer)
        state = AppState(width: width, height: height, reviewer: reviewer, isLead: me?.role == .lead,
                         decidesFindings: me?.role == .lead || access.standing == .owner)
        state.keys = keys
        state.mouse = config.strings["mouse"] == "on"
        state.now = Timestamp.now().utcMillis
        state.callbackDeadlineMillis = Int64(config["callback_deadline_hours"] * 3_600_000)
        seen = state
        if me == nil { state.status = "\(reviewer) is not a registered reviewer: browsing only (a lead adds you with msreview reviewers add \(reviewer))" }
        journalPath = UnsavedJournal.path(store: store.path, reviewer: reviewer)
        unsaved = UnsavedJournal.read(journalPath)
        dispatch(.resized(width: width, height: height))
        if !unsaved.isEmpty { dispatch(.unsaved(unsaved.count)) }
    }

    /// The state as it was when the running effect was asked for: what effects read. On the
    /// worker it is a copy, so the input thread's state is never shared.
    var seen: AppState
    /// Effects run on `worker`, off the input thread: the screen stays live while a query, a
    /// viewer being started or a photo being decoded takes its time. Off (tests, ui-timing),
    /// each key's effects run before `dispatch` returns.
    let inBackground: Bool
    let worker = DispatchQueue(label: "msreview-effects")
    private let inboxLock = NSLock()
    private var inbox: [Action] = []
    private var queued = 0
    /// The latest queue load asked for: an older one still waiting is skipped (typing a search
    /// runs one query for what was typed by the time the worker gets to it).
    private var latestQueueLoad = 0
    private var tickQueued = false
    /// Ctrl-L and Ctrl-Z, for the terminal loop (they act on the screen, not the store).
    public var redrawRequested = false
    public var suspendRequested = false

    /// Applies an action and runs the effects it asks for (and the actions they produce).
    public func dispatch(_ action: Action) {
        var pending = [action]
        while !pending.isEmpty {
            let a = pending.removeFirst()
            for effect in update(&state, a) {
                switch effect {
                case .redraw: redrawRequested = true; continue
                case .suspend: suspendRequested = true; continue
                default: break
                }
                if inBackground { submit(effect) } else if case .countQueue(later: true) = effect { deferred.append(effect) } else { seen = state; pending += run(effect) }
            }
        }
    }

    /// Hands an effect to the worker with the state as it is now; its actions come back through
    /// `drain`.
    func submit(_ effect: Effect) {
        let snapshot = state
        inboxLock.lock()
        queued += 1
        var g = 0
        switch effect {
        case .loadQueue: latestQueueLoad += 1; g = latestQueueLoad
        // A count belongs to the queue loaded before it: a newer load (the search typed on) makes it moot.
        case .countQueue: g = latestQueueLoad
        default: break
        }
        let generation = g
        inboxLock.unlock()
        worker.async { [self] in
            inboxLock.lock()
            let stale = generation != 0 && generation != latestQueueLoad
            inboxLock.unlock()
            var actions: [Action] = []
            if !stale {
                seen = snapshot
                actions = run(effect)
            }
            inboxLock.lock()
            inbox += actions
            queued -= 1
            inboxLock.unlock()
        }
    }

    /// Whether effects are still running or their results wait to be applied.
    public var busy: Bool {
        inboxLock.lock()
        defer { inboxLock.unlock() }
        return queued > 0 || !inbox.isEmpty
    }

    /// Applies what the worker has finished (on the input thread); true when anything changed.
    @discardableResult
    public func drain() -> Bool {
        inboxLock.lock()
        let actions = inbox
        inbox = []
        inboxLock.unlock()
        for a in actions { dispatch(a) }
        return !actions.isEmpty
    }

    /// Waits for the worker to finish everything asked of it so far, then applies the results.
    public func settle() {
        while busy {
            worker.sync {}
            drain()
        }
    }

    /// Effects put off past the keystroke that asked for them (inline only; the worker's queue
    /// orders them in the background): run on the next tick.
    var deferred: [Effect] = []
    /// Whether `tick` has put-off effects to run (ui-timing times them apart from the keys).
    public var hasDeferredWork: Bool { !deferred.isEmpty }

    /// Polls the player so the play head moves on screen (on the worker, which owns the player).
    public func tick() {
        guard inBackground else {
            let later = deferred
            deferred = []
            for e in later { seen = state; for a in run(e) { dispatch(a) } }
            seen = state
            for a in poll() { dispatch(a) }
            return
        }
        inboxLock.lock()
        let already = tickQueued
        tickQueued = true
        inboxLock.unlock()
        if already { return }
        let snapshot = state
        worker.async { [self] in
            seen = snapshot
            let actions = poll()
            inboxLock.lock()
            inbox += actions
            tickQueued = false
            inboxLock.unlock()
        }
    }

    /// The player's state (and the retried kept edits) as actions.
    func poll() -> [Action] {
        var out = retryUnsaved()
        guard let p = player else { return out }
        if let e = p.error, !soundFailed {
            soundFailed = true
            out.append(.audioUnavailable("no sound: \(e)"))
        }
        let playing = !p.isPaused && !p.isFinished && p.error == nil
        if playing != seen.playing || p.positionMillis != seen.position || p.speed != seen.speed {
            out.append(.playback(position: p.positionMillis, playing: playing, speed: p.speed))
        }
        return out
    }

    func run(_ effect: Effect) -> [Action] {
        do {
            switch effect {
            case let .loadQueue(offset, limit, filter):
                guard let f = queueFilter(filter) else { return [] }
                let key = queueKey(filter)
                let total: Int
                var atLeast = false
                if let c = countCache, c.filter == key { total = c.total } else if offset == 0 {
                    // The first window of a queue (a search as it is typed, the first paint) comes
                    // before its count: a window that is not full holds every row, and so is the
                    // count; a full one says "at least", counted exactly after the keystroke.
                    var first = f
                    first.limit = limit
                    let rows = try access.sessions(first)
                    loadedFilter = key
                    if rows.count < limit {
                        countCache = (key, rows.count)
                        return [.queueLoaded(rows: rows, offset: 0, total: rows.count)]
                    }
                    return [.queueLoaded(rows: rows, offset: 0, total: rows.count), .countCapped]
                } else {
                    // A search is counted up to a cap first, so a keystroke never waits for a
                    // count of everything; past the cap the exact count follows.
                    total = try access.sessionCount(f, cap: Workstation.searchCountCap)
                    if total < Workstation.searchCountCap { countCache = (key, total) } else { atLeast = true }
                }
                let rows = try window(f, offset: offset, limit: limit, total: total, key: key)
                loadedFilter = key
                return [.queueLoaded(rows: rows, offset: offset, total: total)] + (atLeast ? [.countCapped] : [])
            case .reload:
                forgetQueue()
                return []
            case .pull:
                forgetQueue()
                let ids = try service.pull(count: 1, checklist: nil)
                return [.info(ids.isEmpty ? "nothing left to pull" : "pulled \(ids[0])")] + run(.loadQueue(offset: 0, limit: seen.listHeight * 3, filter: seen.filter))
            case let .openSession(id):
                let detail = try access.session(id)
                var notes: [Action] = []
                var all: [ReviewView] = []
                do { all = try service.reviews(session: id) } catch let e as ReviewError {
                    // A blind calibration says so; having no review at all is ordinary.
                    if case .calibrationBlind = e { notes.append(.info(e.description)) }
                }
                let mine = all.filter { $0.record.reviewer == seen.reviewer }
                var review = mine.last { $0.record.status.isOpen } ?? mine.last
                // A lead without a review of their own reads the latest decided one of others.
                if review == nil, seen.isLead {
                    review = all.last { [.submitted, .approved, .returned].contains($0.record.status) } ?? all.last
                }
                // Opening a claimed session starts the review: its checklist (the manifest's) is
                // bound and the opening time recorded (the reviewer audit measures from it).
                if let r = review, r.record.reviewer == seen.reviewer, r.checklist == nil, r.record.status.isOpen, detail.summary.checklist != nil {
                    review = try service.score(session: id, answers: .object([]), source: "workstation", checklist: nil, submit: false)
                }
                if review != nil, review?.checklist == nil {
                    notes.append(.info("session names no checklist: choose one with msreview score \(id) --checklist ID"))
                }
                // A returned review says why at once; the history pane has the rest.
                if let r = review, r.record.reviewer == seen.reviewer, r.record.status == .returned,
                   let why = try service.auditLog(session: id).last(where: { $0.action == "return" && $0.reviewID == r.record.id }) {
                    notes.append(.info("returned by \(why.actor): \(why.reason ?? "") — H shows the history"))
                }
                if let reason = openPlayer(detail) { notes.append(.audioUnavailable(reason)) }
                if let purged = detail.mediaPurgedAt {
                    notes.append(.audioUnavailable(SessionAudio.NoAudio(session: id, purgedAt: purged).description))
                }
                return [.sessionLoaded(detail, review, envelope: (try? store.envelope(session: id)) ?? [])] + notes
            case .loadCallbacks:
                return [.callbacksLoaded(try service.callbacks(statuses: [.open, .taken]))]
            case let .takeCallback(id):
                let c = try service.takeCallback(id)
                return [.callbacksLoaded(try service.callbacks(statuses: [.open, .taken])),
                        .info("took callback #\(id)" + (c.phone.map { ": call \($0)" } ?? ""))]
            case let .recordCallback(id, outcome, note):
                let c = try service.recordCallback(id, outcome: outcome, note: note)
                return [.callbacksLoaded(try service.callbacks(statuses: [.open, .taken])),
                        .info("callback #\(id): \(outcome.rawValue)" + (c.status == .done ? ", closed" : ", to be tried again"))]
            case let .loadAudit(period):
                let audit = AuditService(service)
                let p = try period ?? audit.latestPeriod(.month, at: nil)
                return [.auditLoaded(try audit.reviewerAudit(period: p, thresholds: service.config.auditThresholds))]
            case .closeSession:
                saveCoverage()
                player?.stop()
                player = nil
                return []
            case .answer, .comment, .markEvidence:
                guard let edit = ReviewEdit(effect, state: seen) else {
                    if case let .comment(_, item, _) = effect { return [.failed("answer \(item) before commenting on it")] }
                    if case let .markEvidence(_, item, _) = effect { return [.failed("answer \(item) before citing evidence")] }
                    return []
                }
                return save(edit)
            case let .submit(session):
                let v = try service.submit(session: session)
                return [.reviewSaved(v), .info("submitted — \(percentText(v.score?.percent)) \(v.score?.passed == true ? "PASS" : "FAIL")")]
            case let .openPhoto(session, index):
                guard let photo = seen.session?.photos[index], let sha = photo.sha256 else { return [.failed("that photo is missing")] }
                // What the isolated decoder could not read at import is never decoded here.
                guard photo.status != .unreadable else { return [.failed("that photo could not be decoded at import; it is not opened")] }
                return [.info(try PhotoViewer.open(path: media.path(for: sha), name: "\(session)-\(photo.entry.file)",
                                                   environment: ProcessInfo.processInfo.environment))]
            case let .approve(session, reviewer):
                try service.approve(session: session, reviewer: reviewer)
                return [.reviewSaved(try reload(session, reviewer)), .info("approved \(reviewer)'s review")]
            case let .returnReview(session, reviewer, reason):
                try service.returnReview(session: session, reviewer: reviewer, reason: reason)
                return [.reviewSaved(try reload(session, reviewer)), .info("returned to \(reviewer)")]
            case let .override(session, reviewer, item, answer, reason):
                let v = try service.override(session: session, reviewer: reviewer, item: item, answer: answer, reason: reason)
                return [.reviewSaved(v), .info("override of \(item) recorded — \(percentText(v.score?.percent))")]
            case let .decideFinding(session, id, verdict, reason):
                try service.decideFinding(id: id, verdict, reason: reason)
                // Only the findings are read again, not the whole session.
                return [.findingsLoaded(try store.storedFindings(sessionID: session)), .info("\(verdict.rawValue) finding #\(id)")]
            case let .previewPhoto(session, index, columns, rows):
                guard let photo = seen.session?.photos[index], let sha = photo.sha256,
                      let bytes = try? readFile(media.path(for: sha)) else { return [.failed("that photo is missing")] }
                guard photo.status != .unreadable else { return [.failed("that photo could not be decoded at import; it is not opened")] }
                let taken = photo.entry.takenAt?.local.timeString ?? "—"
                return [.previewReady(title: "\(session) \(photo.entry.file) · taken \(taken) · \(photo.exifText.map { "EXIF " + $0 } ?? "no EXIF")",
                                      lines: try PhotoFile.preview(bytes, columns: columns, rows: rows))]
            case .setEntry:
                guard let edit = ReviewEdit(effect, state: seen) else { return [] }
                return save(edit)
            case let .claim(session):
                try service.claim(session: session)
                return [.info("claimed \(session)")] + reloadAroundCursor()
            case let .release(session):
                try service.release(session: session)
                return [.info("released \(session): back in the queue for anyone")] + reloadAroundCursor()
            case let .chooseChecklist(session, checklist):
                let v = try service.score(session: session, answers: .object([]), source: "workstation", checklist: checklist, submit: false)
                return [.reviewSaved(v), .info("scored against \(checklist) v\(v.checklist?.version ?? 0)")]
            case let .loadHistory(session):
                return [.historyLoaded(try service.auditLog(session: session))]
            case .loadChecklists:
                var latest: [String: Int] = [:]
                for c in try store.checklistVersions() { latest[c.id] = max(latest[c.id] ?? 0, c.version) }
                return [.checklistsLoaded(latest.keys.sorted())]
            case .loadReviewers:
                return [.reviewersLoaded(try store.reviewers().map(\.id).sorted())]
            case .countQueue:
                guard let f = queueFilter(seen.filter) else { return [] }
                let total = try access.sessionCount(f)
                countCache = (queueKey(seen.filter), total)
                return [.countLoaded(total: total, queue: queueKey(seen.filter))]
            case .redraw, .suspend:
                return []   // answered in `dispatch`, on the input thread
            case let .setVolume(by):
                player.map { $0.volume += by }
                return [.info("volume \(Int(((player?.volume ?? 1) * 100).rounded())) %")]
            case .togglePlay:
                guard let p = player else { return [.failed("no playable audio")] }
                if p.isFinished { p.play(from: timeline?.startMillis) } else if p.isPaused { p.play() } else { p.pause() }
                return []
            case let .seek(by):
                player?.seek(by: by)
                return []
            case let .seekTo(ms):
                player?.seek(to: ms)
                return []
            case let .setSpeed(v):
                player?.speed = v
                return []
            case .quit:
                saveCoverage()
                player?.stop()
                player = nil
                PhotoViewer.removeCopies(environment: ProcessInfo.processInfo.environment)
                return []
            }
        } catch {
            return [.failed("\(error)")]
        }
    }

    // MARK: Edits kept while the server is away

    /// Saves a review edit; while the team store cannot be reached (or edits already wait), it
    /// joins the queue of unsaved edits, kept in order and on disk, and is saved when it answers.
    func save(_ edit: ReviewEdit) -> [Action] {
        if !unsaved.isEmpty {
            unsaved.append(edit)
            UnsavedJournal.write(unsaved, path: journalPath)
            return [.unsaved(unsaved.count)]
        }
        do {
            return [.reviewSaved(try edit.apply(service))]
        } catch let e as StoreError where e.isConnectionLost {
            unsaved.append(edit)
            UnsavedJournal.write(unsaved, path: journalPath)
            return [.unsaved(unsaved.count)]
        } catch {
            return [.failed("\(error)")]
        }
    }

    /// Tries the kept edits again (every two seconds at most), oldest first.
    func retryUnsaved() -> [Action] {
        guard !unsaved.isEmpty, DispatchTime.now().uptimeNanoseconds > nextRetry else { return [] }
        nextRetry = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
        // The store connects again by itself on the next statement once the server answers.
        var actions: [Action] = []
        while let edit = unsaved.first {
            do {
                let view = try edit.apply(service)
                if view.record.sessionID == seen.session?.summary.id { actions.append(.reviewSaved(view)) }
            } catch let e as StoreError where e.isConnectionLost {
                break
            } catch {
                // The review changed meanwhile (returned, submitted elsewhere): this edit cannot be saved.
                actions.append(.failed("a change kept offline could not be saved: \(error)"))
            }
            unsaved.removeFirst()
            UnsavedJournal.write(unsaved, path: journalPath)
        }
        return actions + [.unsaved(unsaved.count)]
    }

    /// The queue's membership may have changed (a pull, claim, release or reload): its count and
    /// loaded rows are not reused.
    func forgetQueue() {
        countCache = nil
        loadedFilter = nil
    }

    /// The queue read again around the cursor, after a change of membership.
    func reloadAroundCursor() -> [Action] {
        forgetQueue()
        return run(.loadQueue(offset: max(0, seen.cursor - seen.listHeight), limit: seen.listHeight * 3, filter: seen.filter))
    }

    /// The latest review of a session by a reviewer, as the service shows it now.
    func reload(_ session: String, _ reviewer: String) throws -> ReviewView {
        guard let v = try service.reviews(session: session, reviewer: reviewer).last else { throw ReviewError.noReview(session: session, reviewer: reviewer) }
        return v
    }

    /// A search counted up to this many sessions at first.
    static let searchCountCap = 1000

    /// The queue's filter as the state sets it (nil when none can be shown).
    func queueFilter(_ search: String) -> SessionFilter? {
        var f = SessionFilter()
        f.search = search
        if let status = seen.statusFilter {
            if ["released", "expired"].contains(status) { f.reviewStatuses = [status] } else { f.statuses = [status] }
        }
        f.reviewer = seen.reviewerFilter
        f.flagged = seen.flaggedOnly
        f.disputed = seen.disputedOnly
        f.descending = seen.newestFirst
        return f
    }

    func queueKey(_ search: String) -> String { seen.queueKey(search) }

    /// Rows [offset, offset + limit) of the queue without OFFSET scans where it can: rows next to
    /// those already loaded are fetched by key (after the last, before the first); a jump counts
    /// from whichever end is nearer.
    func window(_ base: SessionFilter, offset: Int, limit: Int, total: Int, key: String) throws -> [SessionSummary] {
        let have = seen.rows, haveStart = seen.rowsOffset, haveEnd = seen.rowsOffset + seen.rows.count
        let end = min(offset + limit, total)
        guard end > offset else { return [] }
        // In display order, "after" is later for oldest-first and earlier for newest-first.
        let newest = base.descending
        func following(_ row: SessionSummary, limit: Int) throws -> [SessionSummary] {
            var f = base
            if newest { f.before = (row.startedMillis, row.id) } else { f.after = (row.startedMillis, row.id) }
            f.limit = limit
            return try access.sessions(f)
        }
        func preceding(_ row: SessionSummary, limit: Int) throws -> [SessionSummary] {
            var f = base
            if newest { f.after = (row.startedMillis, row.id) } else { f.before = (row.startedMillis, row.id) }
            f.descending = !newest
            f.limit = limit
            return try access.sessions(f).reversed()
        }
        if loadedFilter == key, !have.isEmpty, offset < haveEnd, end > haveStart {
            var rows = Array(have[(max(offset, haveStart) - haveStart)..<(min(end, haveEnd) - haveStart)])
            if offset < haveStart { rows = try preceding(have[0], limit: haveStart - offset) + rows }
            if end > haveEnd { rows += try following(have[have.count - 1], limit: end - haveEnd) }
            return rows
        }
        var f = base
        if offset > total / 2 {
            // Nearer the end: count from it in the opposite order.
            f.descending = !newest
            f.offset = total - end
            f.limit = end - offset
            return try access.sessions(f).reversed()
        }
        f.offset = offset
        f.limit = end - offset
        return try access.sessions(f)
    }

    /// Opens the session's audio; returns why it cannot play when a stored recording is gone.
    @discardableResult
    func openPlayer(_ detail: SessionDetail) -> String? {
        player?.stop()
        player = nil
        soundFailed = false
        _ = try? media.fetch(detail)
        let t: Timeline
        do { t = try SessionAudio.timeline(detail, mediaRoot: store.mediaRoot) } catch {
            timeline = nil
            // A stored recording that is gone is said; having no audio at all is shown elsewhere.
            if let gone = error as? SessionAudio.MediaGone { return gone.description }
            return nil
        }
        timeline = t
        // Real time on the null and file PCMs too: unpaced, a recording would end at once (issue 17, bug 1).
        let p = Player(timeline: t, sink: ALSASink(device: device), realTime: true)
        p.seek(to: t.startMillis ?? 0)
        player = p
        return nil
    }

    /// Adds what was heard of the open session to the reviewer's listening coverage.
    func saveCoverage() {
        guard let p = player, let id = seen.session?.summary.id else { return }
        let played = p.coverage
        if !played.isEmpty { _ = try? store.addListening(session: id, reviewer: seen.reviewer, played, at: Timestamp.now()) }
    }

    /// Called periodically and on exit so coverage survives a crash of the terminal.
    public func checkpoint() {
        if inBackground { worker.async { [self] in saveCoverage() } } else { saveCoverage() }
    }
}

/// Shows a photo outside the terminal: `$MSREVIEW_PHOTO_VIEWER`, else `xdg-open`, on a copy named
/// `.jpg` (media files are stored under their hash, without an extension).
enum PhotoViewer {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Where the copies handed to a viewer go: a directory only this user may enter —
    /// `$XDG_RUNTIME_DIR/msreview-photos`, else `$TMPDIR/msreview-photos-UID` — because evidence
    /// photos show customers and staff. A directory that exists but is not ours (or not private)
    /// is refused, not used.
    static func directory(environment: [String: String]) throws -> String {
        let base = environment["XDG_RUNTIME_DIR"].flatMap { $0.hasPrefix("/") ? $0 : nil }.map { $0 + "/msreview-photos" }
            ?? (environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp") + "/msreview-photos-\(getuid())"
        if mkdir(base, 0o700) != 0 && errno != EEXIST { throw Failure(description: "cannot make \(base): \(String(cString: strerror(errno)))") }
        var st = stat()
        guard lstat(base, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == getuid() else {
            throw Failure(description: "\(base) is not a directory of this user's: no photo copy is put there")
        }
        if st.st_mode & 0o077 != 0 { chmod(base, 0o700) }
        return base
    }

    /// Removes the copies (the workstation quits; the viewers have read them by then).
    static func removeCopies(environment: [String: String]) {
        guard let dir = try? directory(environment: environment),
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for n in names where n.hasPrefix("msreview-") { unlink(dir + "/" + n) }
    }

    static func open(path: String, name: String, environment: [String: String]) throws -> String {
        let viewer = environment["MSREVIEW_PHOTO_VIEWER"].flatMap { $0.isEmpty ? nil : $0 } ?? "xdg-open"
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
        let copy = try directory(environment: environment) + "/msreview-" + safe + (safe.hasSuffix(".jpg") ? "" : ".jpg")
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        chmod(copy, 0o600)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [viewer, copy]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { throw Failure(description: "cannot start \(viewer): \(error)") }
        return "opened \(name) with \(viewer)"
    }
}
