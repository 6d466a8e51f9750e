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
public final class Workstation {
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

    public init(store: Store, reviewer: String, config: Config, device: String, width: Int, height: Int) throws {
        self.store = store
        service = ReviewService(store: store, actor: reviewer, config: config)
        access = try SessionAccess(store: store, actor: reviewer)
        media = try LocalMedia(store: store, capBytes: Int64(config["media_cache_mb"]) << 20)
        self.device = device
        let me = try store.reviewer(reviewer)
        state = AppState(width: width, height: height, reviewer: reviewer, isLead: me?.role == .lead,
                         decidesFindings: me?.role == .lead || access.standing == .owner)
        if me == nil { state.status = "\(reviewer) is not a registered reviewer: browsing only (a lead adds you with msreview reviewers add \(reviewer))" }
        journalPath = UnsavedJournal.path(store: store.path, reviewer: reviewer)
        unsaved = UnsavedJournal.read(journalPath)
        dispatch(.resized(width: width, height: height))
        if !unsaved.isEmpty { dispatch(.unsaved(unsaved.count)) }
    }

    /// Applies an action and runs the effects it asks for (and the actions they produce).
    public func dispatch(_ action: Action) {
        var pending = [action]
        while !pending.isEmpty {
            let a = pending.removeFirst()
            for effect in update(&state, a) { pending += run(effect) }
        }
    }

    /// Polls the player so the play head moves on screen.
    public func tick() {
        retryUnsaved()
        guard let p = player else { return }
        if let e = p.error, !soundFailed {
            soundFailed = true
            dispatch(.audioUnavailable("no sound: \(e)"))
        }
        let playing = !p.isPaused && !p.isFinished && p.error == nil
        if playing != state.playing || p.positionMillis != state.position || p.speed != state.speed {
            dispatch(.playback(position: p.positionMillis, playing: playing, speed: p.speed))
        }
    }

    func run(_ effect: Effect) -> [Action] {
        do {
            switch effect {
            case let .loadQueue(offset, limit, filter):
                var f = SessionFilter()
                f.search = filter
                if let status = state.statusFilter { f.statuses = [status] }
                f.flagged = state.flaggedOnly
                f.descending = state.newestFirst
                // The cache key covers every filter and the order, so a change always reloads.
                let key = "\(filter)\u{0}\(state.statusFilter ?? "")\u{0}\(state.flaggedOnly)\u{0}\(state.newestFirst)"
                let total: Int
                if let c = countCache, c.filter == key { total = c.total } else {
                    total = try access.sessionCount(f)
                    countCache = (key, total)
                }
                let rows = try window(f, offset: offset, limit: limit, total: total, key: key)
                loadedFilter = key
                return [.queueLoaded(rows: rows, offset: offset, total: total)]
            case .reload:
                countCache = nil
                loadedFilter = nil
                return []
            case .pull:
                countCache = nil
                loadedFilter = nil
                let ids = try service.pull(count: 1, checklist: nil)
                return [.info(ids.isEmpty ? "nothing left to pull" : "pulled \(ids[0])")] + run(.loadQueue(offset: 0, limit: state.listHeight * 3, filter: state.filter))
            case let .openSession(id):
                let detail = try access.session(id)
                var notes: [Action] = []
                var all: [ReviewView] = []
                do { all = try service.reviews(session: id) } catch let e as ReviewError {
                    // A blind calibration says so; having no review at all is ordinary.
                    if case .calibrationBlind = e { notes.append(.info(e.description)) }
                }
                let mine = all.filter { $0.record.reviewer == state.reviewer }
                var review = mine.last { $0.record.status.isOpen } ?? mine.last
                // A lead without a review of their own reads the latest decided one of others.
                if review == nil, state.isLead {
                    review = all.last { [.submitted, .approved, .returned].contains($0.record.status) } ?? all.last
                }
                // Opening a claimed session starts the review: its checklist (the manifest's) is
                // bound and the opening time recorded (the reviewer audit measures from it).
                if let r = review, r.record.reviewer == state.reviewer, r.checklist == nil, r.record.status.isOpen, detail.summary.checklist != nil {
                    review = try service.score(session: id, answers: .object([]), source: "workstation", checklist: nil, submit: false)
                }
                if review != nil, review?.checklist == nil {
                    notes.append(.info("session names no checklist: choose one with msreview score \(id) --checklist ID"))
                }
                if let reason = openPlayer(detail) { notes.append(.audioUnavailable(reason)) }
                if let purged = detail.mediaPurgedAt {
                    notes.append(.audioUnavailable(SessionAudio.NoAudio(session: id, purgedAt: purged).description))
                }
                return [.sessionLoaded(detail, review, envelope: (try? store.envelope(session: id)) ?? [])] + notes
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
                guard let edit = ReviewEdit(effect, state: state) else {
                    if case let .comment(_, item, _) = effect { return [.failed("answer \(item) before commenting on it")] }
                    if case let .markEvidence(_, item, _) = effect { return [.failed("answer \(item) before citing evidence")] }
                    return []
                }
                return save(edit)
            case let .submit(session):
                let v = try service.submit(session: session)
                return [.reviewSaved(v), .info("submitted — \(percentText(v.score?.percent)) \(v.score?.passed == true ? "PASS" : "FAIL")")]
            case let .openPhoto(session, index):
                guard let photo = state.session?.photos[index], let sha = photo.sha256 else { return [.failed("that photo is missing")] }
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
                guard let photo = state.session?.photos[index], let sha = photo.sha256,
                      let bytes = try? readFile(media.path(for: sha)) else { return [.failed("that photo is missing")] }
                guard photo.status != .unreadable else { return [.failed("that photo could not be decoded at import; it is not opened")] }
                let taken = photo.entry.takenAt?.local.timeString ?? "—"
                return [.previewReady(title: "\(session) \(photo.entry.file) · taken \(taken) · \(photo.exifText.map { "EXIF " + $0 } ?? "no EXIF")",
                                      lines: try PhotoFile.preview(bytes, columns: columns, rows: rows))]
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
    func retryUnsaved() {
        guard !unsaved.isEmpty, DispatchTime.now().uptimeNanoseconds > nextRetry else { return }
        nextRetry = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
        // The store connects again by itself on the next statement once the server answers.
        var actions: [Action] = []
        while let edit = unsaved.first {
            do {
                let view = try edit.apply(service)
                if view.record.sessionID == state.session?.summary.id { actions.append(.reviewSaved(view)) }
            } catch let e as StoreError where e.isConnectionLost {
                break
            } catch {
                // The review changed meanwhile (returned, submitted elsewhere): this edit cannot be saved.
                actions.append(.failed("a change kept offline could not be saved: \(error)"))
            }
            unsaved.removeFirst()
            UnsavedJournal.write(unsaved, path: journalPath)
        }
        for a in actions + [.unsaved(unsaved.count)] { dispatch(a) }
    }

    /// The latest review of a session by a reviewer, as the service shows it now.
    func reload(_ session: String, _ reviewer: String) throws -> ReviewView {
        guard let v = try service.reviews(session: session, reviewer: reviewer).last else { throw ReviewError.noReview(session: session, reviewer: reviewer) }
        return v
    }

    /// Rows [offset, offset + limit) of the queue without OFFSET scans where it can: rows next to
    /// those already loaded are fetched by key (after the last, before the first); a jump counts
    /// from whichever end is nearer.
    func window(_ base: SessionFilter, offset: Int, limit: Int, total: Int, key: String) throws -> [SessionSummary] {
        let have = state.rows, haveStart = state.rowsOffset, haveEnd = state.rowsOffset + state.rows.count
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
        let p = Player(timeline: t, sink: ALSASink(device: device))
        p.seek(to: t.startMillis ?? 0)
        player = p
        return nil
    }

    /// Adds what was heard of the open session to the reviewer's listening coverage.
    func saveCoverage() {
        guard let p = player, let id = state.session?.summary.id else { return }
        let bitmap = p.coverage.bitmap
        if !bitmap.isEmpty { _ = try? store.addListening(session: id, reviewer: state.reviewer, bitmap: bitmap, at: Timestamp.now()) }
    }

    /// Called periodically and on exit so coverage survives a crash of the terminal.
    public func checkpoint() { saveCoverage() }
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
