import MSRApp
import MSRCore
import MSRStore
import MSRTerminal

/// The workstation's logic: a pure function of the state and an action, returning the effects
/// to run. No I/O here — that is what makes every key testable without a terminal.
public func update(_ s: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case let .resized(w, h):
        s.width = w
        s.height = h
        return s.screen == .queue ? [.reload] + ensureWindow(&s, force: true) : []
    case let .queueLoaded(rows, offset, total):
        s.rows = rows
        s.rowsOffset = offset
        s.total = total
        s.totalIsAtLeast = false
        s.cursor = min(s.cursor, max(0, total - 1))
        return []
    case .countCapped:
        s.totalIsAtLeast = true
        return [.countQueue(later: true)]
    case let .countLoaded(total, queue):
        // A count of a queue since left (another search typed meanwhile) is dropped.
        guard queue == s.queueKey(s.filter) else { return [] }
        s.total = total
        s.totalIsAtLeast = false
        guard s.bottomAfterCount else { return [] }
        s.bottomAfterCount = false
        s.cursor = max(0, total - 1)
        return ensureWindow(&s, force: false)
    case let .sessionLoaded(detail, review, envelope):
        s.screen = .session
        s.session = detail
        s.review = review
        s.envelope = envelope
        s.position = review.map { _ in detail.recordings.first?.entry.startedAt.utcMillis ?? 0 } ?? 0
        s.playing = false
        s.audioNote = nil
        s.undo = []
        s.history = []
        s.itemCursor = s.items.firstIndex { review?.entries[$0.item.id] == nil } ?? 0
        setStatus(&s, review == nil ? "read only: you hold no review of this session" : "opened \(detail.summary.id)")
        return []
    case let .reviewSaved(v):
        s.review = v
        setStatus(&s, "saved — \(scoreLine(v))")
        return []
    case let .playback(position, playing, speed):
        s.position = position
        s.playing = playing
        s.speed = speed
        return []
    case let .audioUnavailable(message):
        s.audioNote = message
        setStatus(&s, message, error: true)
        return []
    case let .failed(message):
        setStatus(&s, message, error: true)
        return []
    case let .info(message):
        setStatus(&s, message)
        return []
    case let .unsaved(n):
        let was = s.unsavedChanges
        s.unsavedChanges = n
        if n > 0 {
            setStatus(&s, "\(n) change\(n == 1 ? "" : "s") not saved yet: the server cannot be reached, retrying (kept on this machine)", error: true)
        } else if was > 0 {
            setStatus(&s, "saved the \(was) change\(was == 1 ? "" : "s") kept while the server could not be reached")
        }
        return []
    case let .previewReady(title, lines):
        s.preview = (title, lines)
        return []
    case let .callbacksLoaded(list):
        let keep = s.screen == .callbacks ? s.callbacks.indices.contains(s.callbackCursor) ? s.callbacks[s.callbackCursor].id : nil : nil
        s.screen = .callbacks
        s.callbacks = list
        s.callbackCursor = keep.flatMap { id in list.firstIndex { $0.id == id } } ?? min(s.callbackCursor, max(0, list.count - 1))
        let overdue = list.filter { callbackOverdue(s, $0) }.count
        if !s.statusIsError { setStatus(&s, "\(list.count) callback\(list.count == 1 ? "" : "s") to do" + (overdue > 0 ? ", \(overdue) overdue" : "")) }
        return []
    case let .auditLoaded(report):
        s.screen = .audit
        s.audit = report
        setStatus(&s, "reviewer audit \(report.period.label): \(report.rows.filter { !$0.flags.isEmpty }.count) of \(report.rows.count) reviewers flagged")
        return []
    case let .findingsLoaded(list):
        s.session?.findings = list
        if case let .findings(cursor) = s.mode { s.mode = .findings(cursor: min(cursor, max(0, list.count - 1))) }
        return []
    case let .historyLoaded(entries):
        s.history = sessionHistory(entries, review: s.review, session: s.session)
        if s.history.isEmpty { s.mode = .normal; setStatus(&s, "no history yet: nothing was done to this session") } else { s.mode = .history(cursor: s.history.count - 1) }
        return []
    case let .checklistsLoaded(ids):
        s.checklists = ids
        if ids.isEmpty { setStatus(&s, "no checklists loaded: msreview checklists load FILE", error: true) } else { s.mode = .pickChecklist(cursor: 0) }
        return []
    case let .reviewersLoaded(ids):
        s.reviewers = ids
        return cycleReviewer(&s)
    case let .key(key):
        return handleKey(&s, key)
    }
}

func setStatus(_ s: inout AppState, _ text: String, error: Bool = false) {
    s.status = text
    s.statusIsError = error
}

func percentText(_ p: Double?) -> String { p.map { Score.text($0) + "%" } ?? "—" }

/// The score as a reviewer reads it: answered of total, and a verdict only once it means one.
func scoreLine(_ v: ReviewView, compact: Bool = false) -> String {
    guard let c = v.checklist, let score = v.score else { return "no checklist" }
    let total = c.sections.reduce(0) { $0 + $1.items.count }
    let answered = c.sections.reduce(0) { $0 + $1.items.filter { v.effective[$0.id] != nil }.count }
    let counted = "\(answered)/\(total)" + (compact ? "" : " answered")
    if answered == 0 { return counted }
    // A critical failure decides at once; otherwise the verdict waits for the last answer.
    if !score.criticalFailures.isEmpty { return "\(counted) · \(percentText(score.percent)) · FAIL (critical)" }
    if answered < total { return "\(counted) · \(percentText(score.percent)) so far" }
    return "\(counted) · \(percentText(score.percent)) · \(score.passed ? "PASS" : "FAIL")"
}

func handleKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    if s.preview != nil {
        s.preview = nil
        return []
    }
    if case let .mouse(event) = key { return mouse(&s, event) }
    switch s.mode {
    case let .help(offset):
        let lines = s.keys.helpLines(width: helpWidth(s), first: s.keyContexts).count, page = max(1, s.height - 4)
        switch key {
        case .down, .char("j"): s.mode = .help(offset: min(offset + 1, max(0, lines - page)))
        case .up, .char("k"): s.mode = .help(offset: max(0, offset - 1))
        case .pageDown, .char(" "): s.mode = .help(offset: min(offset + page, max(0, lines - page)))
        case .pageUp: s.mode = .help(offset: max(0, offset - page))
        default: s.mode = .normal
        }
        return []
    case .itemText:
        s.mode = .normal
        return []
    case let .search(editor):
        switch key {
        case .escape:
            s.mode = .normal
            return searchAs(&s, "")
        case .enter:
            s.mode = .normal
            setStatus(&s, editor.text.isEmpty ? "search cleared" : "search: \(editor.text)")
            return []
        default:
            guard let edited = editor.edited(key) else { return [] }
            s.mode = .search(edited)
            return edited.text == editor.text ? [] : searchAs(&s, edited.text)
        }
    case let .comment(editor):
        switch key {
        case .escape: s.mode = .normal; return []
        case .enter:
            s.mode = .normal
            guard let id = s.session?.summary.id, let item = s.currentItem else { return [] }
            remember(&s, item.id)
            return [.comment(session: id, item: item.id, text: editor.text)]
        default:
            if let edited = editor.edited(key) { s.mode = .comment(edited) }
            return []
        }
    case .confirmSubmit:
        s.mode = .normal
        if yes(s, key), let id = s.session?.summary.id { return [.submit(session: id)] }
        setStatus(&s, "not submitted")
        return []
    case .confirmApprove:
        s.mode = .normal
        if yes(s, key), let id = s.session?.summary.id, let r = s.review { return [.approve(session: id, reviewer: r.record.reviewer)] }
        setStatus(&s, "not approved")
        return []
    case let .overrideAnswer(item, editor):
        switch key {
        case .escape: s.mode = .normal; return []
        case .enter:
            let text = editor.text
            guard !text.isEmpty else { s.mode = .normal; return [] }
            // An answer the item cannot take is refused now, before a reason is typed for it.
            if let it = s.items.first(where: { $0.item.id == item })?.item {
                guard let answer = ItemAnswer(text: text) else { setStatus(&s, "\"\(text)\" is not yes, no, na or a whole number", error: true); return [] }
                if let problem = answerProblem(answer, for: it) { setStatus(&s, problem, error: true); return [] }
            }
            s.mode = .reason(.override(item: item, answer: text), LineEditor())
            return []
        default:
            if let edited = editor.edited(key) { s.mode = .overrideAnswer(item: item, edited) }
            return []
        }
    case let .findings(cursor):
        return findingsKey(&s, key, cursor: cursor)
    case let .history(cursor):
        return historyKey(&s, key, cursor: cursor)
    case let .pickChecklist(cursor):
        switch key {
        case .escape, .char("q"): s.mode = .normal
        case .down, .char("j"): s.mode = .pickChecklist(cursor: min(cursor + 1, max(0, s.checklists.count - 1)))
        case .up, .char("k"): s.mode = .pickChecklist(cursor: max(0, cursor - 1))
        case .enter:
            s.mode = .normal
            guard let id = s.session?.summary.id, s.checklists.indices.contains(cursor) else { return [] }
            return [.chooseChecklist(session: id, checklist: s.checklists[cursor])]
        default: break
        }
        return []
    case let .callbackOutcome(id):
        let outcomes: [Character: CallbackItem.Outcome] = ["r": .reached, "n": .noAnswer, "w": .wrongNumber, "d": .declined,
                                                          "к": .reached, "т": .noAnswer, "ц": .wrongNumber, "в": .declined]
        if case let .char(c) = key, let outcome = outcomes[c] {
            s.mode = .callbackNote(id: id, outcome: outcome, LineEditor())
        } else {
            s.mode = .normal
            setStatus(&s, "nothing recorded")
        }
        return []
    case let .callbackNote(id, outcome, editor):
        switch key {
        case .escape: s.mode = .normal; setStatus(&s, "nothing recorded"); return []
        case .enter:
            s.mode = .normal
            return [.recordCallback(id: id, outcome: outcome, note: editor.text)]
        default:
            if let edited = editor.edited(key) { s.mode = .callbackNote(id: id, outcome: outcome, edited) }
            return []
        }
    case let .reason(action, editor):
        switch key {
        case .escape: s.mode = .normal; setStatus(&s, "cancelled"); return []
        case .enter:
            s.mode = .normal
            guard let id = s.session?.summary.id else { return [] }
            let text = editor.text
            switch (action, s.review?.record.reviewer) {
            case let (.decideFinding(finding, verdict), _):
                // Back to the list, where the decision shows once saved.
                s.mode = .findings(cursor: s.session?.findings.firstIndex { $0.id == finding } ?? 0)
                return [.decideFinding(session: id, id: finding, verdict: verdict, reason: text)]
            case let (.returnReview, reviewer?): return [.returnReview(session: id, reviewer: reviewer, reason: text)]
            case let (.override(item, answer), reviewer?): return [.override(session: id, reviewer: reviewer, item: item, answer: answer, reason: text)]
            default: return []
            }
        default:
            if let edited = editor.edited(key) { s.mode = .reason(action, edited) }
            return []
        }
    case .normal:
        guard let command = s.keys.command(for: key, in: s.keyContexts) else {
            // Esc on an error clears it; elsewhere an unbound key says so, as mutt does.
            if key == .escape, s.statusIsError { setStatus(&s, ""); return [] }
            if s.screen == .session, s.keys.command(for: key, in: [.review]) != nil, let r = s.review, s.reviewIsOthers || r.record.status != .draft && !r.record.status.isOpen {
                // A key of one's own review, on a review that is not (or no longer) open to it.
                if s.reviewIsOthers {
                    setStatus(&s, s.isLead ? "\(r.record.reviewer)'s review: " + s.keys.hints([.lead], width: 60) : "read only: \(r.record.reviewer)'s review")
                    return []
                }
            }
            if s.screen == .session, s.review == nil, s.keys.command(for: key, in: [.review]) != nil {
                setStatus(&s, "read only: pull the session to review it")
                return []
            }
            if key != .escape { setStatus(&s, "key not bound, \(s.keys.label(.help, in: .global)) for help") }
            return []
        }
        if command == .back, key == .escape, s.statusIsError { setStatus(&s, ""); return [] }
        return run(&s, command, key)
    }
}

/// A yes to a question: `y`, or the key in its place on a Russian keyboard.
func yes(_ s: AppState, _ key: Key) -> Bool {
    if key == .char("y") { return true }
    if case let .char(c) = key { return KeyTable.latin[c] == "y" }
    return false
}

func helpWidth(_ s: AppState) -> Int { min(s.width - 6, 100) }

/// Incremental search: the queue follows every key typed.
func searchAs(_ s: inout AppState, _ text: String) -> [Effect] {
    s.filter = text
    s.cursor = 0
    return [.loadQueue(offset: 0, limit: s.listHeight * 3, filter: text)]
}

/// A bound command, run in the current screen.
func run(_ s: inout AppState, _ command: KeyCommand, _ key: Key) -> [Effect] {
    switch command {
    case .help: s.mode = .help(offset: 0); return []
    case .redraw: return [.redraw]
    case .suspend: return [.suspend]
    default: break
    }
    switch s.screen {
    case .queue: return queueCommand(&s, command)
    case .session: return sessionCommand(&s, command, key)
    case .audit: return auditCommand(&s, command)
    case .callbacks: return callbacksCommand(&s, command)
    }
}

func callbackOverdue(_ s: AppState, _ c: CallbackItem) -> Bool { c.isOverdue(now: s.now, deadlineMillis: s.callbackDeadlineMillis) }

/// The callback work list: take one, record the call, open its session; q goes back.
func callbacksCommand(_ s: inout AppState, _ command: KeyCommand) -> [Effect] {
    let current = s.callbacks.indices.contains(s.callbackCursor) ? s.callbacks[s.callbackCursor] : nil
    switch command {
    case .back, .quit:
        s.screen = .queue
        setStatus(&s, "")
        return ensureWindow(&s, force: true)
    case .down: s.callbackCursor = min(s.callbackCursor + 1, max(0, s.callbacks.count - 1))
    case .up: s.callbackCursor = max(s.callbackCursor - 1, 0)
    case .reload: return [.loadCallbacks]
    case .take:
        guard let c = current else { return [] }
        return [.takeCallback(c.id)]
    case .outcome:
        guard let c = current else { return [] }
        guard c.status == .taken, c.takenBy == s.reviewer else {
            setStatus(&s, "take callback #\(c.id) first (\(s.keys.label(.take, in: .callbacks)))", error: true)
            return []
        }
        s.mode = .callbackOutcome(id: c.id)
    case .open:
        guard let c = current else { return [] }
        s.sessionFromCallbacks = true
        return [.openSession(c.sessionID)]
    default: break
    }
    return []
}

func queueCommand(_ s: inout AppState, _ command: KeyCommand) -> [Effect] {
    let last = max(0, s.total - 1)
    func refilter(_ note: String) -> [Effect] {
        s.cursor = 0
        setStatus(&s, note)
        return [.reload, .loadQueue(offset: 0, limit: s.listHeight * 3, filter: s.filter)]
    }
    switch command {
    case .quit: s.quitting = true; return [.quit]
    case .down: s.cursor = min(s.cursor + 1, last)
    case .up: s.cursor = max(s.cursor - 1, 0)
    case .pageDown: s.cursor = min(s.cursor + s.listHeight, last)
    case .pageUp: s.cursor = max(s.cursor - s.listHeight, 0)
    case .top: s.cursor = 0
    case .bottom:
        // A lower-bound count is made exact before jumping to the end.
        if s.totalIsAtLeast { s.bottomAfterCount = true; return [.countQueue(later: false)] }
        s.cursor = last
    case .search: s.mode = .search(LineEditor(s.filter, limit: 200)); return []
    case .status:
        let cycle = s.statusCycle
        let i = cycle.firstIndex { $0 == s.statusFilter } ?? 0
        s.statusFilter = cycle[(i + 1) % cycle.count]
        return refilter("status: \(s.statusFilter ?? "all")")
    case .order:
        s.newestFirst.toggle()
        return refilter(s.newestFirst ? "newest first" : "oldest first")
    case .flagged:
        s.flaggedOnly.toggle()
        return refilter(s.flaggedOnly ? "only sessions with findings" : "all sessions, flagged or not")
    case .disputed:
        s.disputedOnly.toggle()
        return refilter(s.disputedOnly ? "only sessions with open disputes" : "all sessions, disputed or not")
    case .reviewerFilter:
        guard s.isLead else { setStatus(&s, "the reviewer filter is for leads: you see your own sessions"); return [] }
        return s.reviewers.isEmpty ? [.loadReviewers] : cycleReviewer(&s)
    case .pull: return [.pull]
    case .claim, .release:
        let i = s.cursor - s.rowsOffset
        guard s.rows.indices.contains(i) else { return [] }
        return [command == .claim ? .claim(session: s.rows[i].id) : .release(session: s.rows[i].id)]
    case .audit:
        guard s.isLead else { setStatus(&s, "the reviewer audit is for leads"); return [] }
        return [.loadAudit(nil)]
    case .callbacks:
        guard s.isLead else { setStatus(&s, "callback requests are worked by leads"); return [] }
        return [.loadCallbacks]
    case .reload: return [.reload] + ensureWindow(&s, force: true)
    case .open:
        let i = s.cursor - s.rowsOffset
        guard s.rows.indices.contains(i) else { return [] }
        return [.openSession(s.rows[i].id)]
    default: return []
    }
    return ensureWindow(&s, force: false)
}

/// The next reviewer of the lead's filter (after the last, everyone again).
func cycleReviewer(_ s: inout AppState) -> [Effect] {
    let cycle: [String?] = [nil] + s.reviewers
    let i = cycle.firstIndex { $0 == s.reviewerFilter } ?? 0
    s.reviewerFilter = cycle[(i + 1) % cycle.count]
    s.cursor = 0
    setStatus(&s, "reviewer: \(s.reviewerFilter ?? "everyone")")
    return [.reload, .loadQueue(offset: 0, limit: s.listHeight * 3, filter: s.filter)]
}

/// The reviewer audit: `[` and `]` step through periods, q or Esc goes back to the queue.
func auditCommand(_ s: inout AppState, _ command: KeyCommand) -> [Effect] {
    guard let period = s.audit?.period else { s.screen = .queue; return [] }
    switch command {
    case .back:
        s.screen = .queue
        setStatus(&s, "")
        return [.reload] + ensureWindow(&s, force: true)
    case .previousPeriod: return [.loadAudit(period.previous)]
    case .nextPeriod: return [.loadAudit(period.next)]
    default: return []
    }
}

/// Keeps the loaded window around the cursor: rows are queried a screen or so at a time.
func ensureWindow(_ s: inout AppState, force: Bool) -> [Effect] {
    let inside = s.cursor >= s.rowsOffset && s.cursor < s.rowsOffset + s.rows.count
    let nearEdge = s.cursor < s.rowsOffset + 2 && s.rowsOffset > 0 || s.cursor >= s.rowsOffset + s.rows.count - 2 && s.rowsOffset + s.rows.count < s.total
    guard force || !inside || nearEdge else { return [] }
    let offset = max(0, s.cursor - s.listHeight)
    return [.loadQueue(offset: offset, limit: s.listHeight * 3, filter: s.filter)]
}

/// The rows of the checklist pane that items take, for paging (the view draws as many).
func checklistPage(_ s: AppState) -> Int { max(1, s.height - 7) }

func sessionCommand(_ s: inout AppState, _ command: KeyCommand, _ key: Key) -> [Effect] {
    guard let session = s.session else { return [] }
    let id = session.summary.id
    let items = s.items
    let last = max(0, items.count - 1)
    switch command {
    case .back:
        s.session = nil
        s.review = nil
        s.undo = []
        if s.sessionFromCallbacks {
            s.sessionFromCallbacks = false
            return [.closeSession, .loadCallbacks]
        }
        s.screen = .queue
        // What was done in the session (a submit, a return, a claim) shows in its row at once.
        return [.closeSession, .reload] + ensureWindow(&s, force: true)
    case .down: s.itemCursor = min(s.itemCursor + 1, last); return []
    case .up: s.itemCursor = max(s.itemCursor - 1, 0); return []
    case .pageDown: s.itemCursor = min(s.itemCursor + checklistPage(s), last); return []
    case .pageUp: s.itemCursor = max(s.itemCursor - checklistPage(s), 0); return []
    case .top: s.itemCursor = 0; return []
    case .bottom: s.itemCursor = last; return []
    case .nextUnanswered:
        // From the item after the current one, round to the start.
        let order = Array(items.indices.dropFirst(s.itemCursor + 1)) + Array(items.indices.prefix(s.itemCursor + 1))
        guard let next = order.first(where: { s.review?.effective[items[$0].item.id] == nil }) else {
            setStatus(&s, items.isEmpty ? "no checklist" : "every item is answered")
            return []
        }
        s.itemCursor = next
        return []
    case .nextSection, .previousSection:
        guard items.indices.contains(s.itemCursor) else { return [] }
        let here = items[s.itemCursor].section.id
        if command == .nextSection {
            if let i = items.indices.first(where: { $0 > s.itemCursor && items[$0].section.id != here }) { s.itemCursor = i } else { setStatus(&s, "the last section") }
        } else {
            // To the first item of this section, or of the one before when already there.
            let start = items.indices.first { items[$0].section.id == here } ?? 0
            if s.itemCursor > start { s.itemCursor = start } else if start > 0 {
                let before = items[start - 1].section.id
                s.itemCursor = items.indices.first { items[$0].section.id == before } ?? 0
            } else { setStatus(&s, "the first section") }
        }
        return []
    case .itemText:
        guard s.currentItem != nil else { setStatus(&s, "no checklist"); return [] }
        s.mode = .itemText(offset: 0)
        return []
    case .history: return [.loadHistory(session: id)]
    case .photo, .preview:
        guard !session.photos.isEmpty else { setStatus(&s, "no photos"); return [] }
        let i = s.photoIndex % session.photos.count
        s.photoIndex = i + 1
        if command == .preview {
            return [.previewPhoto(session: id, index: i, columns: max(10, min(s.width - 6, 100)), rows: max(4, min(s.height - 6, 40)))]
        }
        return [.openPhoto(session: id, index: i)]
    case .findings:
        guard !session.findings.isEmpty else { setStatus(&s, "no findings on this session"); return [] }
        s.mode = .findings(cursor: 0)
        return []
    case .checklist:
        guard let r = s.review, !s.reviewIsOthers else { setStatus(&s, "pull the session to choose its checklist"); return [] }
        guard r.checklist == nil else { setStatus(&s, "this review is scored against \(r.checklist!.id) v\(r.checklist!.version): the checklist is fixed once chosen"); return [] }
        return [.loadChecklists]
    case .play: return [.togglePlay]
    case .back5: return [.seek(by: -5_000)]
    case .forward5: return [.seek(by: 5_000)]
    case .back30: return [.seek(by: -30_000)]
    case .forward30: return [.seek(by: 30_000)]
    case .slower: return [.setSpeed(max(0.75, s.speed - 0.25))]
    case .faster: return [.setSpeed(min(2.0, s.speed + 0.25))]
    case .volumeUp: return [.setVolume(by: 0.1)]
    case .volumeDown: return [.setVolume(by: -0.1)]
    case .nextMarker, .previousMarker:
        // Only moments the recording covers: a marker outside it would seek to an end.
        let marks = markers(session, s.review).filter { session.recordingCovers($0) }.sorted()
        guard !marks.isEmpty else { setStatus(&s, "no markers in the recording"); return [] }
        let target = command == .nextMarker ? marks.first { $0 > s.position + 500 } : marks.last { $0 < s.position - 500 }
        if let target { return [.seekTo(target)] }
        setStatus(&s, command == .nextMarker ? "no more markers ahead" : "no earlier markers")
        return []
    case .approve, .returnReview, .override:
        return leadCommand(&s, command)
    default:
        return reviewCommand(&s, command, key)
    }
}

/// A lead reading another reviewer's review: decisions, never typed answers.
func leadCommand(_ s: inout AppState, _ command: KeyCommand) -> [Effect] {
    guard s.isLead, s.reviewIsOthers, let status = s.review?.record.status, let item = s.currentItem else { return [] }
    switch command {
    case .approve:
        guard status == .submitted else { setStatus(&s, "only a submitted review can be approved (this one is \(status.rawValue))", error: true); return [] }
        s.mode = .confirmApprove
    case .returnReview:
        guard status == .submitted else { setStatus(&s, "only a submitted review can be returned (this one is \(status.rawValue))", error: true); return [] }
        s.mode = .reason(.returnReview, LineEditor())
    case .override:
        guard status == .submitted || status == .approved else { setStatus(&s, "only a submitted or approved review can be overridden", error: true); return [] }
        s.mode = .overrideAnswer(item: item.id, LineEditor(limit: 16))
    default: break
    }
    return []
}

/// Keeps the current entry of an item for undo, before a change to it.
func remember(_ s: inout AppState, _ item: String) {
    guard let id = s.session?.summary.id else { return }
    s.undo.append(UndoStep(session: id, item: item, before: s.review?.entries[item]))
    if s.undo.count > 200 { s.undo.removeFirst() }
}

/// The reviewer's own open review: answers, evidence, comments, clearing, undo and submit.
func reviewCommand(_ s: inout AppState, _ command: KeyCommand, _ key: Key) -> [Effect] {
    guard let session = s.session, let review = s.review, let item = s.currentItem else {
        setStatus(&s, "read only: pull the session to review it")
        return []
    }
    let id = session.summary.id
    let last = max(0, s.items.count - 1)
    // A submitted (or approved) review is frozen: nothing is typed into it, nothing moves.
    if !review.record.status.isOpen {
        let status = review.record.status
        setStatus(&s, command == .submit && status == .submitted ? "already submitted: a lead approves or returns it"
            : "this review is \(status.rawValue): answers cannot change" + (status == .submitted ? " (a lead may return it)" : ""), error: true)
        return []
    }
    switch command {
    case .yes, .no, .na, .number:
        let answer: ItemAnswer
        switch command {
        case .yes: answer = .yes
        case .no: answer = .no
        case .na: answer = .notApplicable
        default:
            guard case let .char(c) = key, let v = c.wholeNumberValue else { return [] }
            answer = .value(v)
        }
        if answer == .yes || answer == .no, item.kind != .yesno { setStatus(&s, "\(item.id) takes a number (digits)", error: true); return [] }
        // Refused here, before the cursor moves: the item stays current for the right answer.
        if let problem = answerProblem(answer, for: item) { setStatus(&s, problem, error: true); return [] }
        remember(&s, item.id)
        s.itemCursor = min(s.itemCursor + 1, last)
        return [.answer(session: id, item: item.id, answer: answer.text)]
    case .evidence:
        guard review.entries[item.id] != nil else { setStatus(&s, "answer \(item.id) before citing evidence", error: true); return [] }
        remember(&s, item.id)
        setStatus(&s, "evidence for \(item.id) at the play head")
        return [.markEvidence(session: id, item: item.id, at: s.position)]
    case .removeEvidence:
        guard var entry = review.entries[item.id], !entry.evidence.isEmpty else { setStatus(&s, "\(item.id) cites no moment"); return [] }
        remember(&s, item.id)
        // The moment nearest the play head goes (the last cited, when none is near).
        let nearest = entry.evidence.min { abs($0 - s.position) < abs($1 - s.position) }!
        entry.evidence.removeAll { $0 == nearest }
        return [.setEntry(session: id, item: item.id, entry: entry)]
    case .comment:
        // Refused before anything is typed, not after.
        guard review.entries[item.id] != nil else { setStatus(&s, "answer \(item.id) before commenting on it", error: true); return [] }
        s.mode = .comment(LineEditor(review.entries[item.id]?.comment ?? "", limit: 2000))
        return []
    case .clear:
        guard review.entries[item.id] != nil else { setStatus(&s, "\(item.id) is not answered"); return [] }
        remember(&s, item.id)
        return [.setEntry(session: id, item: item.id, entry: nil)]
    case .undo:
        guard let step = s.undo.popLast(), step.session == id else { setStatus(&s, "nothing to undo"); return [] }
        if let i = s.items.firstIndex(where: { $0.item.id == step.item }) { s.itemCursor = i }
        setStatus(&s, "undone: \(step.item) " + (step.before.map { "back to \($0.answer.text)" } ?? "unanswered again"))
        return [.setEntry(session: id, item: step.item, entry: step.before)]
    case .submit:
        s.mode = .confirmSubmit
        return []
    default:
        return []
    }
}

/// The findings list: move, and (leads) confirm or dismiss the selected finding with a reason.
func findingsKey(_ s: inout AppState, _ key: Key, cursor: Int) -> [Effect] {
    let list = s.session?.findings ?? []
    guard !list.isEmpty else { s.mode = .normal; return [] }
    switch s.keys.command(for: key, in: [.findings, .global]) {
    case .close: s.mode = .normal
    case .down: s.mode = .findings(cursor: min(cursor + 1, list.count - 1))
    case .up: s.mode = .findings(cursor: max(cursor - 1, 0))
    case .confirm, .dismiss:
        guard s.decidesFindings else { setStatus(&s, "only a lead confirms or dismisses findings", error: true); return [] }
        let f = list[min(cursor, list.count - 1)]
        let verdict: FindingVerdict = s.keys.command(for: key, in: [.findings]) == .confirm ? .confirmed : .dismissed
        s.mode = .reason(.decideFinding(id: f.id, verdict), LineEditor())
    case .help: s.mode = .help(offset: 0)
    default: if case .char = key { setStatus(&s, s.decidesFindings ? s.keys.hints([.findings], width: 70) : "Esc close") }
    }
    return []
}

/// The history pane: move, and Enter plays from a cited moment.
func historyKey(_ s: inout AppState, _ key: Key, cursor: Int) -> [Effect] {
    let list = s.history
    guard !list.isEmpty else { s.mode = .normal; return [] }
    switch s.keys.command(for: key, in: [.history, .global]) {
    case .close: s.mode = .normal
    case .down: s.mode = .history(cursor: min(cursor + 1, list.count - 1))
    case .up: s.mode = .history(cursor: max(cursor - 1, 0))
    case .jump:
        guard let moment = list[min(cursor, list.count - 1)].moment else { setStatus(&s, "this entry cites no moment"); return [] }
        guard s.session?.recordingCovers(moment) == true else { setStatus(&s, "that moment is outside the recording", error: true); return [] }
        s.mode = .normal
        return [.seekTo(moment)]
    case .help: s.mode = .help(offset: 0)
    default: if case .char = key { setStatus(&s, s.keys.hints([.history], width: 70)) }
    }
    return []
}

/// Clicks and the wheel, when the mouse is on: a click selects a row (twice: opens it) or an
/// item; the wheel moves the list.
func mouse(_ s: inout AppState, _ e: MouseEvent) -> [Effect] {
    guard s.mouse, s.mode == .normal else { return [] }
    switch (s.screen, e.kind) {
    case (.queue, .scrollDown): return queueCommand(&s, .down) + queueCommand(&s, .down) + queueCommand(&s, .down)
    case (.queue, .scrollUp): return queueCommand(&s, .up) + queueCommand(&s, .up) + queueCommand(&s, .up)
    case (.queue, .click):
        let top = queueTop(s)
        let index = top + e.y - 2
        guard e.y >= 2, e.y < 2 + s.listHeight, index < s.total else { return [] }
        if index == s.cursor { return queueCommand(&s, .open) }
        s.cursor = index
        return ensureWindow(&s, force: false)
    case (.session, .scrollDown): s.itemCursor = min(s.itemCursor + 1, max(0, s.items.count - 1)); return []
    case (.session, .scrollUp): s.itemCursor = max(0, s.itemCursor - 1); return []
    case (.session, .click):
        guard let layout = checklistLayout(s), e.x >= layout.x, let row = layout.rows.first(where: { $0.y == e.y }) else { return [] }
        s.itemCursor = row.item
        return []
    default: return []
    }
}

/// The first queue row on screen (the cursor kept mid-screen).
func queueTop(_ s: AppState) -> Int { max(0, min(s.cursor - s.listHeight / 2, s.total - s.listHeight)) }

extension SessionDetail {
    /// Whether a moment (UTC milliseconds) lies within one of the readable recordings.
    func recordingCovers(_ t: Int64) -> Bool {
        recordings.contains { r in r.durationMillis.map { t >= r.entry.startedAt.utcMillis && t <= r.entry.startedAt.utcMillis + $0 } ?? false }
    }
}

/// Moments worth jumping to: questionnaires, photos and cited evidence, on the session clock.
public func markers(_ session: SessionDetail, _ review: ReviewView?) -> [Int64] {
    var out = session.questionnaires.flatMap { [$0.startedAt.utcMillis, $0.submittedAt.utcMillis] }
    out += session.photos.compactMap { $0.entry.takenAt?.utcMillis }
    out += (review?.entries.values.flatMap(\.evidence) ?? [])
    return out
}

/// The history pane's lines: the audit log of the session (claims, submits, returns with their
/// reasons, overrides with before and after, approvals, decisions on findings, disputes opened
/// and decided), then the review's
/// comments and cited moments, in time order.
func sessionHistory(_ log: [AuditEntry], review: ReviewView?, session: SessionDetail?) -> [HistoryEntry] {
    var out: [HistoryEntry] = log.map { e in
        let d = e.detail
        var what = e.action
        var detail = e.reason
        switch e.action {
        case "claim": what = "claimed the session"
        case "release": what = "released the claim"
        case "expire": what = "took over an expired claim of \(d["previous_reviewer"]?.stringValue ?? "another reviewer")"
        case "submit": what = "submitted — \(percentText(d["percent"]?.numberValue))" + (d["passed"]?.boolValue == true ? " PASS" : d["passed"] == nil ? "" : " FAIL")
        case "return": what = "returned the review" + (d["reviewer"]?.stringValue.map { " to \($0)" } ?? "")
        case "approve": what = "approved the review"
        case "override":
            let before = d["before"].map { $0 == .null ? "unanswered" : ($0.stringValue ?? $0.serialized()) } ?? "?"
            let after = d["after"].map { $0.stringValue ?? $0.serialized() } ?? "?"
            what = "overrode \(d["item"]?.stringValue ?? "?"): \(before) → \(after) (\(percentText(d["percent_before"]?.numberValue)) → \(percentText(d["percent_after"]?.numberValue)))"
        case "confirm-finding", "dismiss-finding":
            what = "\(e.action == "confirm-finding" ? "confirmed" : "dismissed") finding \(d["code"]?.stringValue ?? "")"
        case "dispute-open":
            what = "opened dispute #\(d["dispute"]?.numberValue.map { String(Int($0)) } ?? "?") on \(d["item"]?.stringValue ?? "?")"
        case "dispute-accept", "dispute-reject":
            let n = d["dispute"]?.numberValue.map { String(Int($0)) } ?? "?"
            what = e.action == "dispute-accept"
                ? "upheld dispute #\(n) on \(d["item"]?.stringValue ?? "?"): now \(d["answer"]?.stringValue ?? "?")"
                : "turned down dispute #\(n) on \(d["item"]?.stringValue ?? "?")"
        default:
            if case let .object(m) = d, !m.isEmpty, detail == nil { detail = d.serialized() }
        }
        return HistoryEntry(at: e.at, who: e.actor, what: what, detail: detail, moment: nil)
    }
    if let r = review, let c = r.checklist {
        let offset = session.flatMap { Timestamp(rfc3339: $0.summary.startedAt)?.offsetSeconds } ?? 0
        for sec in c.sections {
            for item in sec.items {
                guard let e = r.entries[item.id] else { continue }
                if let comment = e.comment, !comment.isEmpty {
                    out.append(HistoryEntry(at: "", who: r.record.reviewer, what: "comment on \(item.id) (\(e.answer.text))", detail: comment, moment: nil))
                }
                for m in e.evidence {
                    out.append(HistoryEntry(at: Timestamp(utcMillis: m, offsetSeconds: offset).description, who: r.record.reviewer,
                                            what: "cited \(Timestamp(utcMillis: m, offsetSeconds: offset).local.timeString) for \(item.id) (\(e.answer.text))",
                                            detail: item.text, moment: m))
                }
            }
        }
    }
    return out
}
