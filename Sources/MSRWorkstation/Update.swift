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
        s.cursor = min(s.cursor, max(0, total - 1))
        return []
    case let .sessionLoaded(detail, review, envelope):
        s.screen = .session
        s.session = detail
        s.review = review
        s.envelope = envelope
        s.position = review.map { _ in detail.recordings.first?.entry.startedAt.utcMillis ?? 0 } ?? 0
        s.playing = false
        s.audioNote = nil
        let firstOpen = s.items.firstIndex { review?.entries[$0.item.id] == nil } ?? 0
        s.itemCursor = firstOpen
        s.status = review == nil ? "read only: you hold no review of this session" : "opened \(detail.summary.id)"
        return []
    case let .reviewSaved(v):
        s.review = v
        s.status = "saved — \(percentText(v.score?.percent))"
        return []
    case let .playback(position, playing, speed):
        s.position = position
        s.playing = playing
        s.speed = speed
        return []
    case let .audioUnavailable(message):
        s.audioNote = message
        s.status = message
        return []
    case let .failed(message), let .info(message):
        s.status = message
        return []
    case let .unsaved(n):
        let was = s.unsavedChanges
        s.unsavedChanges = n
        if n > 0 {
            s.status = "\(n) change\(n == 1 ? "" : "s") not saved yet: the server cannot be reached, retrying (kept on this machine)"
        } else if was > 0 {
            s.status = "saved the \(was) change\(was == 1 ? "" : "s") kept while the server could not be reached"
        }
        return []
    case let .previewReady(title, lines):
        s.preview = (title, lines)
        return []
    case let .auditLoaded(report):
        s.screen = .audit
        s.audit = report
        s.status = "reviewer audit \(report.period.label): \(report.rows.filter { !$0.flags.isEmpty }.count) of \(report.rows.count) reviewers flagged"
        return []
    case let .findingsLoaded(list):
        s.session?.findings = list
        if case let .findings(cursor) = s.mode { s.mode = .findings(cursor: min(cursor, max(0, list.count - 1))) }
        return []
    case let .key(key):
        return handleKey(&s, key)
    }
}

func percentText(_ p: Double?) -> String { p.map { Score.text($0) + "%" } ?? "—" }

func handleKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    if s.preview != nil {
        s.preview = nil
        return []
    }
    switch s.mode {
    case .help:
        s.mode = .normal
        return []
    case let .search(text):
        switch key {
        case .escape:
            s.mode = .normal
            return searchAs(&s, "")
        case .enter:
            s.mode = .normal
            s.status = text.isEmpty ? "search cleared" : "search: \(text)"
            return []
        default:
            guard let edited = editedText(text, key) else { return [] }
            return searchAs(&s, edited)
        }
    case let .comment(text):
        switch key {
        case .escape: s.mode = .normal; return []
        case .enter:
            s.mode = .normal
            guard let id = s.session?.summary.id, let item = s.currentItem else { return [] }
            return [.comment(session: id, item: item.id, text: text)]
        default:
            if let edited = editedText(text, key) { s.mode = .comment(edited) }
            return []
        }
    case .confirmSubmit:
        s.mode = .normal
        if key == .char("y"), let id = s.session?.summary.id { return [.submit(session: id)] }
        s.status = "not submitted"
        return []
    case .confirmApprove:
        s.mode = .normal
        if key == .char("y"), let id = s.session?.summary.id, let r = s.review { return [.approve(session: id, reviewer: r.record.reviewer)] }
        s.status = "not approved"
        return []
    case let .overrideAnswer(item, text):
        switch key {
        case .escape: s.mode = .normal; return []
        case .enter:
            guard !text.isEmpty else { s.mode = .normal; return [] }
            // An answer the item cannot take is refused now, before a reason is typed for it.
            if let it = s.items.first(where: { $0.item.id == item })?.item {
                guard let answer = ItemAnswer(text: text) else { s.status = "\"\(text)\" is not yes, no, na or a whole number"; return [] }
                if let problem = answerProblem(answer, for: it) { s.status = problem; return [] }
            }
            s.mode = .reason(.override(item: item, answer: text), "")
            return []
        default:
            if let edited = editedText(text, key) { s.mode = .overrideAnswer(item: item, text: edited) }
            return []
        }
    case let .findings(cursor):
        return findingsKey(&s, key, cursor: cursor)
    case let .reason(action, text):
        switch key {
        case .escape: s.mode = .normal; s.status = "cancelled"; return []
        case .enter:
            s.mode = .normal
            guard let id = s.session?.summary.id else { return [] }
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
            if let edited = editedText(text, key) { s.mode = .reason(action, edited) }
            return []
        }
    case .normal:
        if key == .char("?") { s.mode = .help; return [] }
        switch s.screen {
        case .queue: return queueKey(&s, key)
        case .session: return sessionKey(&s, key)
        case .audit: return auditKey(&s, key)
        }
    }
}

/// A typed line after one key, or nil when the key does not edit it. Control characters are
/// never typed in: Ctrl-U clears the line and Ctrl-W removes the last word, as in readline;
/// any other is ignored.
func editedText(_ text: String, _ key: Key) -> String? {
    switch key {
    case .backspace: return String(text.dropLast())
    case .char("\u{15}"): return ""
    case .char("\u{17}"):
        let kept = text.reversed().drop { $0 == " " }.drop { $0 != " " }
        return String(kept.reversed())
    case let .char(c) where c.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F && !(0x80..<0xA0).contains($0.value) }):
        return text + String(c)
    default: return nil
    }
}

/// Incremental search: the queue follows every key typed.
func searchAs(_ s: inout AppState, _ text: String) -> [Effect] {
    s.mode = s.mode == .normal ? .normal : .search(text)
    s.filter = text
    s.cursor = 0
    return [.loadQueue(offset: 0, limit: s.listHeight * 3, filter: text)]
}

func queueKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    switch key {
    case .char("q"): s.quitting = true; return [.quit]
    case .down, .char("j"): s.cursor = min(s.cursor + 1, max(0, s.total - 1))
    case .up, .char("k"): s.cursor = max(s.cursor - 1, 0)
    case .pageDown, .char(" "): s.cursor = min(s.cursor + s.listHeight, max(0, s.total - 1))
    case .pageUp: s.cursor = max(s.cursor - s.listHeight, 0)
    case .home, .char("g"): s.cursor = 0
    case .end, .char("G"): s.cursor = max(0, s.total - 1)
    case .char("/"): s.mode = .search(s.filter); return []
    case .char("s"):
        let i = AppState.statusCycle.firstIndex { $0 == s.statusFilter } ?? 0
        s.statusFilter = AppState.statusCycle[(i + 1) % AppState.statusCycle.count]
        s.cursor = 0
        s.status = "status: \(s.statusFilter ?? "all")"
        return [.reload, .loadQueue(offset: 0, limit: s.listHeight * 3, filter: s.filter)]
    case .char("o"):
        s.newestFirst.toggle()
        s.cursor = 0
        s.status = s.newestFirst ? "newest first" : "oldest first"
        return [.reload, .loadQueue(offset: 0, limit: s.listHeight * 3, filter: s.filter)]
    case .char("f"):
        s.flaggedOnly.toggle()
        s.cursor = 0
        s.status = s.flaggedOnly ? "only sessions with findings" : "all sessions, flagged or not"
        return [.reload, .loadQueue(offset: 0, limit: s.listHeight * 3, filter: s.filter)]
    case .char("p"): return [.pull]
    case .char("A"):
        guard s.isLead else { s.status = "the reviewer audit is for leads"; return [] }
        return [.loadAudit(nil)]
    case .char("r"): return [.reload] + ensureWindow(&s, force: true)
    case .enter:
        let i = s.cursor - s.rowsOffset
        guard s.rows.indices.contains(i) else { return [] }
        return [.openSession(s.rows[i].id)]
    default: return []
    }
    return ensureWindow(&s, force: false)
}

/// The reviewer audit: `[` and `]` step through periods, q or Esc goes back to the queue.
func auditKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    guard let period = s.audit?.period else { s.screen = .queue; return [] }
    switch key {
    case .char("q"), .escape:
        s.screen = .queue
        s.status = ""
        return [.reload] + ensureWindow(&s, force: true)
    case .char("["), .left: return [.loadAudit(period.previous)]
    case .char("]"), .right: return [.loadAudit(period.next)]
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

func sessionKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    guard let session = s.session else { return [] }
    let id = session.summary.id
    let count = s.items.count
    switch key {
    case .char("q"), .escape:
        s.screen = .queue
        s.session = nil
        s.review = nil
        // What was done in the session (a submit, a return, a claim) shows in its row at once.
        return [.closeSession, .reload] + ensureWindow(&s, force: true)
    case .down, .char("j"): s.itemCursor = min(s.itemCursor + 1, max(0, count - 1)); return []
    case .up, .char("k"): s.itemCursor = max(s.itemCursor - 1, 0); return []
    case .char("v"), .char("i"):
        guard !session.photos.isEmpty else { s.status = "no photos"; return [] }
        let i = s.photoIndex % session.photos.count
        s.photoIndex = i + 1
        if key == .char("i") {
            return [.previewPhoto(session: id, index: i, columns: max(10, min(s.width - 6, 100)), rows: max(4, min(s.height - 6, 40)))]
        }
        return [.openPhoto(session: id, index: i)]
    case .char(" "): return [.togglePlay]
    case .left: return [.seek(by: -5_000)]
    case .right: return [.seek(by: 5_000)]
    case .shiftLeft, .char("["): return [.seek(by: -30_000)]
    case .shiftRight, .char("]"): return [.seek(by: 30_000)]
    case .char("<"): return [.setSpeed(max(0.75, s.speed - 0.25))]
    case .char(">"): return [.setSpeed(min(2.0, s.speed + 0.25))]
    case .char("F"):
        guard !session.findings.isEmpty else { s.status = "no findings on this session"; return [] }
        s.mode = .findings(cursor: 0)
        return []
    case .char("N"), .char("P"):
        // Only moments the recording covers: a marker outside it would seek to an end.
        let marks = markers(session, s.review).filter { session.recordingCovers($0) }.sorted()
        guard !marks.isEmpty else { s.status = "no markers in the recording"; return [] }
        let target = key == .char("N") ? marks.first { $0 > s.position + 500 } : marks.last { $0 < s.position - 500 }
        if let target { return [.seekTo(target)] }
        s.status = key == .char("N") ? "no more markers ahead" : "no earlier markers"
        return []
    default: break
    }
    guard s.review != nil, let item = s.currentItem else {
        if case .char = key { s.status = "read only: pull the session to review it" }
        return []
    }
    if s.reviewIsOthers {
        // A lead reading another reviewer's review: decisions, never typed answers.
        guard s.isLead, let status = s.review?.record.status else { s.status = "read only"; return [] }
        switch key {
        case .char("A"):
            guard status == .submitted else { s.status = "only a submitted review can be approved (this one is \(status.rawValue))"; return [] }
            s.mode = .confirmApprove
        case .char("R"):
            guard status == .submitted else { s.status = "only a submitted review can be returned (this one is \(status.rawValue))"; return [] }
            s.mode = .reason(.returnReview, "")
        case .char("O"):
            guard status == .submitted || status == .approved else { s.status = "only a submitted or approved review can be overridden"; return [] }
            s.mode = .overrideAnswer(item: item.id, text: "")
        default:
            if case .char = key { s.status = "\(s.review!.record.reviewer)'s review: A approve · R return · O override this item" }
        }
        return []
    }
    // A submitted (or approved) review is frozen: nothing is typed into it, nothing moves.
    if let status = s.review?.record.status, !status.isOpen, changesTheReview(key) {
        s.status = key == .char("S") && status == .submitted ? "already submitted: a lead approves or returns it"
            : "this review is \(status.rawValue): answers cannot change" + (status == .submitted ? " (a lead may return it)" : "")
        return []
    }
    switch key {
    case .char("y"), .char("n"), .char("a"):
        let answer = key == .char("y") ? "yes" : key == .char("n") ? "no" : "na"
        if answer != "na", item.kind != .yesno { s.status = "\(item.id) takes a number (digits)"; return [] }
        // Refused here, before the cursor moves: the item stays current for the right answer.
        if let problem = answerProblem(ItemAnswer(text: answer)!, for: item) { s.status = problem; return [] }
        s.itemCursor = min(s.itemCursor + 1, max(0, count - 1))
        return [.answer(session: id, item: item.id, answer: answer)]
    case let .char(c) where c.isNumber:
        guard let value = c.wholeNumberValue else { return [] }
        if let problem = answerProblem(.value(value), for: item) { s.status = problem; return [] }
        s.itemCursor = min(s.itemCursor + 1, max(0, count - 1))
        return [.answer(session: id, item: item.id, answer: String(value))]
    case .char("m"):
        s.status = "evidence for \(item.id) at the play head"
        return [.markEvidence(session: id, item: item.id, at: s.position)]
    case .char("c"):
        // Refused before anything is typed, not after.
        guard s.review?.entries[item.id] != nil else { s.status = "answer \(item.id) before commenting on it"; return [] }
        s.mode = .comment(s.review?.entries[item.id]?.comment ?? "")
        return []
    case .char("S"):
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
    switch key {
    case .escape, .char("q"), .char("F"): s.mode = .normal
    case .down, .char("j"): s.mode = .findings(cursor: min(cursor + 1, list.count - 1))
    case .up, .char("k"): s.mode = .findings(cursor: max(cursor - 1, 0))
    case .char("c"), .char("x"):
        guard s.decidesFindings else { s.status = "only a lead confirms or dismisses findings"; return [] }
        let f = list[min(cursor, list.count - 1)]
        s.mode = .reason(.decideFinding(id: f.id, key == .char("c") ? .confirmed : .dismissed), "")
    default:
        if case .char = key { s.status = s.decidesFindings ? "c confirm · x dismiss · Esc close" : "Esc close" }
    }
    return []
}

/// The keys that answer, cite, comment on or submit the open review.
func changesTheReview(_ key: Key) -> Bool {
    switch key {
    case .char("y"), .char("n"), .char("a"), .char("m"), .char("c"), .char("S"): return true
    case let .char(c): return c.isNumber
    default: return false
    }
}

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
