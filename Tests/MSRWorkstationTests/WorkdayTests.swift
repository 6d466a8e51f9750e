import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTerminal
import MSRTestSupport
import MSRWorkstation
import XCTest

/// Issue 17's "what a daily user needs": the key table (Russian layout, remaps, help, hints),
/// the line editor, moving through a checklist, undo, the history pane, the CLI's powers in the
/// workstation, the queue's columns, the mouse and effects off the input thread.
final class WorkdayTests: SampleStoreTestCase {
    func annaInHerSession(_ w: Int = 120, _ h: Int = 40, keys: KeyTable = .standard) throws -> Workstation {
        _ = try ReviewService(store: store, actor: "anna").pull(count: 1, checklist: "bank-branch")
        let ws = try workstation("anna", w, h, keys: keys)
        press(ws, .enter)
        XCTAssertEqual(ws.state.screen, .session)
        return ws
    }

    // MARK: The key table

    func testTheRussianLayoutRunsTheSameCommands() throws {
        let ws = try annaInHerSession()
        let first = try XCTUnwrap(ws.state.currentItem?.id)
        press(ws, .char("н"))
        XCTAssertEqual(ws.state.review?.entries[first]?.answer, .yes, "н is y")
        let second = try XCTUnwrap(ws.state.currentItem?.id)
        press(ws, .char("т"))
        XCTAssertEqual(ws.state.review?.entries[second]?.answer, .no, "т is n")
        press(ws, .char("г"))
        XCTAssertNil(ws.state.review?.entries[second].flatMap { $0.answer == .no ? nil : $0 }, "undo (г is u) puts it back")
        XCTAssertNil(ws.state.review?.entries[second])
        press(ws, .char("Ы"))
        XCTAssertEqual(ws.state.mode, .confirmSubmit, "Ы is S")
        press(ws, .char("т"))
        XCTAssertEqual(ws.state.mode, .normal)
        press(ws, .char("й"))
        XCTAssertEqual(ws.state.screen, .queue, "й is q: back to the queue")
        press(ws, .char("Z"))
        XCTAssertEqual(ws.state.status, "key not bound, ? for help")
        XCTAssertEqual(KeyTable.latin["ф"], "a")
        XCTAssertEqual(KeyTable.latin["Ф"], "A")
    }

    func testARemappedKeyRunsItsCommandAndTheOldKeyIsFree() throws {
        let keys = try KeyTable.standard.remapped([("key.review.yes", "Y, C-y", "config:3")])
        let ws = try annaInHerSession(keys: keys)
        let first = try XCTUnwrap(ws.state.currentItem?.id)
        press(ws, .char("y"))
        XCTAssertNil(ws.state.review?.entries[first])
        XCTAssertEqual(ws.state.status, "key not bound, ? for help")
        press(ws, .char("Y"))
        XCTAssertEqual(ws.state.review?.entries[first]?.answer, .yes)
        let second = try XCTUnwrap(ws.state.currentItem?.id)
        press(ws, .char("\u{19}"))
        XCTAssertEqual(ws.state.review?.entries[second]?.answer, .yes, "Ctrl-Y too")
        XCTAssertTrue(view(ws.state).line(39).hasPrefix(" Y/n/a/0-9 answer"), "the hint line shows the new key: \(view(ws.state).line(39))")
        // The help is made from the same table: it shows the new key.
        XCTAssertTrue(keys.helpLines(width: 74).contains { $0.contains("Y Ctrl-Y") && $0.contains("yes") })

        // Every wrong line names itself.
        let wrong: [(String, String, String)] = [
            ("key.nowhere.yes", "Y", "unknown context"), ("key.review.jump", "Y", "has no command \"jump\""),
            ("key.review.yes", "Shift-Y", "is not a key"), ("key.review.number", "X", "not remapped"), ("key.review", "Y", "key.CONTEXT.COMMAND"),
        ]
        for (name, value, says) in wrong {
            XCTAssertThrowsError(try KeyTable.standard.remapped([(name, value, "cfg:9")])) { e in
                let text = "\(e)"
                XCTAssertTrue(text.hasPrefix("cfg:9: "), text)
                XCTAssertTrue(text.contains(says) || says == "unknown context" && text.contains("contexts:"), text)
            }
        }
    }

    /// docs/workstation.md's key table is the key table: every binding, with its keys and help.
    func testTheDocumentedKeyTableIsTheKeyTable() throws {
        let doc = String(decoding: try readFile(Repository.root + "/docs/workstation.md"), as: UTF8.self)
        let rows = doc.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("` |") }
        for b in KeyTable.standard.bindings {
            let keys = b.command == .number ? "`0-9`" : b.keys.map { "`\(KeyTable.name($0))`" }.joined(separator: " ")
            let row = "| \(b.context.rawValue) | `\(b.command.rawValue)` | \(keys) | \(b.help) |"
            XCTAssertTrue(rows.contains { $0 == row }, "docs/workstation.md lacks \(row)")
        }
    }

    func testHelpListsEveryBindingWithinEightyColumns() {
        let lines = KeyTable.standard.helpLines(width: 74)
        for b in KeyTable.standard.bindings {
            XCTAssertTrue(lines.contains { $0.contains(b.help) }, "help misses \(b.context).\(b.command)")
        }
        for l in lines { XCTAssertLessThanOrEqual(TextWidth.of(l), 74, l) }
        // One table drives dispatch too: every binding's first key runs its command in its context.
        for b in KeyTable.standard.bindings where b.command != .number {
            XCTAssertEqual(KeyTable.standard.command(for: b.keys[0], in: [b.context]), b.command, "\(b.context).\(b.command)")
        }
    }

    func testCtrlLRedrawsAndCtrlZSuspendsThroughTheRunner() throws {
        let ws = try workstation("lena")
        press(ws, .char("\u{0C}"))
        XCTAssertTrue(ws.redrawRequested)
        press(ws, .char("\u{1A}"))
        XCTAssertTrue(ws.suspendRequested)
    }

    // MARK: The line editor

    func testTheLineEditorMovesAndDeletesAsReadlineDoes() {
        var e = LineEditor("Анна Петрова")
        func key(_ k: Key...) { for x in k { e = e.edited(x) ?? e } }
        key(.home, .right, .right, .right, .right)
        XCTAssertEqual(e.cursor, 4)
        key(.char("!"))
        XCTAssertEqual(e.text, "Анна! Петрова")
        key(.char("\u{0B}"))
        XCTAssertEqual(e.text, "Анна!", "Ctrl-K cuts to the end")
        key(.char("\u{01}"), .delete)
        XCTAssertEqual(e.text, "нна!", "Delete removes under the cursor")
        key(.char("\u{05}"), .backspace)
        XCTAssertEqual(e.text, "нна")
        key(.left, .char("\u{15}"))
        XCTAssertEqual(e.text, "а", "Ctrl-U cuts before the cursor")
        XCTAssertNil(e.edited(.enter))
        XCTAssertNil(e.edited(.char("\u{07}")), "a bell is not typed")
        var bounded = LineEditor(limit: 3)
        for c in "abcdef" { bounded = bounded.edited(.char(c))! }
        XCTAssertEqual(bounded.text, "abc", "the bound holds")
        // Longer than the field: scrolled to the cursor, "…" where text is cut.
        let long = LineEditor(String(repeating: "слово ", count: 20))
        let (shown, col) = long.visible(width: 20)
        XCTAssertTrue(shown.hasPrefix("…"), shown)
        XCTAssertLessThanOrEqual(TextWidth.of(shown), 20)
        XCTAssertEqual(col, TextWidth.of(shown))
        let atStart = long.edited(.home)!.visible(width: 20)
        XCTAssertTrue(atStart.text.hasSuffix("…"), atStart.text)
        XCTAssertEqual(atStart.cursorColumn, 0)
    }

    func testTheLineEditorOnScreenWithCyrillicAt80And120() throws {
        for (w, h) in [(80, 24), (120, 40)] {
            let ws = try workstation("lena", w, h)
            press(ws, .char("/"))
            type(ws, "Нижний Новгород, ул. Большая Покровская, дом 12, отделение банка, окно приёма номер три")
            press(ws, .char("\u{17}"), .home, .right, .right)
            let g = view(ws.state)
            let bottom = g.line(h - 1)
            XCTAssertTrue(bottom.hasPrefix(" /Ни"), bottom)
            XCTAssertEqual(bottom.contains("…"), w == 80, "cut off at the end only where it does not fit: \(bottom)")
            XCTAssertFalse(g[4, h - 1].style.reverse, "the cursor cell stands out")
            try assertSnapshot(g, "line-editor-\(w)x\(h)")
        }
    }

    // MARK: Moving through a checklist

    func testChecklistNavigationClearUndoAndTheScoreLine() throws {
        let ws = try annaInHerSession()
        let items = ws.state.items.map(\.item.id)
        XCTAssertTrue(view(ws.state).text.contains("0/\(items.count)"), "answered of total")
        XCTAssertFalse(view(ws.state).text.contains("FAIL"), "no verdict before an answer")
        press(ws, .char("y"))
        let text = view(ws.state).text
        XCTAssertTrue(text.contains("1/\(items.count)") && text.contains("so far"), text)
        XCTAssertFalse(text.contains("PASS"), "no PASS after one answer")
        press(ws, .char("G"))
        XCTAssertEqual(ws.state.itemCursor, items.count - 1)
        press(ws, .char("g"))
        XCTAssertEqual(ws.state.itemCursor, 0)
        press(ws, .pageDown)
        XCTAssertGreaterThan(ws.state.itemCursor, 5)
        press(ws, .pageUp)
        XCTAssertEqual(ws.state.itemCursor, 0)
        press(ws, .tab)
        XCTAssertEqual(ws.state.itemCursor, 1, "Tab: the next unanswered")
        let sections = ws.state.items.map(\.section.id)
        press(ws, .char("}"))
        XCTAssertNotEqual(sections[ws.state.itemCursor], sections[1])
        XCTAssertEqual(sections[ws.state.itemCursor - 1], sections[1], "the first item of the next section")
        press(ws, .char("{"), .char("{"))
        XCTAssertEqual(ws.state.itemCursor, 0)

        // Clear, remove a cited moment, undo each.
        press(ws, .char("g"))
        press(ws, .char("m"))
        XCTAssertEqual(ws.state.review?.entries[items[0]]?.evidence.count, 1)
        press(ws, .char("M"))
        XCTAssertEqual(ws.state.review?.entries[items[0]]?.evidence, [], "the cited moment is gone")
        press(ws, .char("x"))
        XCTAssertNil(ws.state.review?.entries[items[0]])
        let reviewID = try XCTUnwrap(ws.state.review?.record.id)
        XCTAssertNil(try store.answers(review: reviewID)[items[0]], "cleared in the store")
        press(ws, .char("u"))
        XCTAssertEqual(ws.state.review?.entries[items[0]]?.answer, .yes, "undo brings the answer back")
        press(ws, .char("u"))
        XCTAssertEqual(ws.state.review?.entries[items[0]]?.evidence.count, 1, "and the moment")
        press(ws, .char("u"), .char("u"))
        XCTAssertEqual(try store.answers(review: reviewID)[items[0]]?.answer, nil, "back to before the first answer")
        press(ws, .char("u"))
        XCTAssertEqual(ws.state.status, "nothing to undo")
    }

    func testTheWholeItemTextAndGuidanceCanBeRead() throws {
        let ws = try annaInHerSession(80, 24)
        let item = try XCTUnwrap(ws.state.items.map(\.item).max { ($0.text + $0.guidance).count < ($1.text + $1.guidance).count })
        for _ in 0..<60 where ws.state.currentItem?.id != item.id { press(ws, .down) }
        press(ws, .enter)
        let text = view(ws.state).text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ")
        for word in (item.text + " " + item.guidance).split(separator: " ") {
            XCTAssertTrue(text.contains(word), "\(word) missing from the item view")
        }
        press(ws, .char("z"))
        XCTAssertEqual(ws.state.mode, .normal)
    }

    func testEscClearsAnErrorBeforeLeavingTheSession() throws {
        let ws = try annaInHerSession()
        for _ in 0..<40 where ws.state.currentItem?.id != "tone" { press(ws, .down) }
        press(ws, .char("9"))
        XCTAssertTrue(ws.state.statusIsError)
        press(ws, .escape)
        XCTAssertEqual(ws.state.screen, .session, "Esc closed the error only")
        XCTAssertEqual(ws.state.status, "")
        press(ws, .escape)
        XCTAssertEqual(ws.state.screen, .queue)
    }

    // MARK: The conversation around a review

    /// A lead returns with a reason and overrides an item; the contractor sees both in the
    /// history pane, and the lead jumps the player to a cited moment.
    func testTheHistoryPaneShowsReturnsOverridesAndCitedMoments() throws {
        // The clock pinned here, so the entries' times are the same on any day.
        let anna = ReviewService(store: store, actor: "anna", now: { PinnedNow.timestamp })
        let lena = ReviewService(store: store, actor: "lena", now: { PinnedNow.timestamp })
        let id = try XCTUnwrap(try anna.pull(count: 1, checklist: "bank-branch").first)
        let c = try anna.checklist("bank-branch")
        var answers = topAnswers(c)
        let firstItem = c.sections[0].items[0].id
        let start = try XCTUnwrap(try store.session(id)?.recordings.first?.entry.startedAt)
        let cited = Timestamp(utcMillis: start.utcMillis + 2_000, offsetSeconds: start.offsetSeconds).description
        answers = answers.map { $0.0 == firstItem ? ($0.0, .string("yes")) : $0 }
        _ = try anna.score(session: id, answers: .object([("answers", .object(answers)), ("comments", .object([(firstItem, .string("Клиентку встретили у входа"))])),
                                                         ("evidence", .object([(firstItem, .array([.string(cited)]))]))]), source: "t", checklist: nil, submit: true)
        _ = try lena.override(session: id, reviewer: "anna", item: firstItem, answer: "no", reason: "на записи не слышно приветствия")
        try lena.returnReview(session: id, reviewer: "anna", reason: "Проверьте приветствие: сотрудник молчал первые 20 секунд")

        for (w, h) in [(80, 24), (120, 40)] {
            let ws = try workstation("anna", w, h)
            press(ws, .enter)
            XCTAssertTrue(ws.state.status.contains("Проверьте приветствие"), "opening a returned review says why: \(ws.state.status)")
            press(ws, .char("H"))
            let texts = ws.state.history.map { $0.what + " " + ($0.detail ?? "") }
            XCTAssertTrue(texts.contains { $0.hasPrefix("returned the review to anna") && $0.contains("молчал первые 20 секунд") }, "\(texts)")
            XCTAssertTrue(texts.contains { $0.contains("overrode \(firstItem): yes → no") && $0.contains("не слышно приветствия") }, "\(texts)")
            XCTAssertTrue(texts.contains { $0.contains("comment on \(firstItem)") && $0.contains("Клиентку встретили") })
            try assertSnapshot(view(ws.state), "history-anna-\(w)x\(h)", masking: "#[0-9]+")
        }
        // The lead reads the contractor's cited moment and plays from it.
        _ = try anna.submit(session: id)
        let lead = try workstation("lena", 120, 40)
        press(lead, .char("/")); type(lead, id); press(lead, .enter, .enter)
        press(lead, .char("H"))
        let at = try XCTUnwrap(lead.state.history.lastIndex { $0.moment != nil })
        for _ in 0..<(lead.state.history.count - 1 - at) { press(lead, .up) }
        press(lead, .enter)
        lead.tick()
        XCTAssertEqual(lead.state.mode, .normal)
        XCTAssertEqual(lead.state.position, Timestamp(rfc3339: cited)?.utcMillis, "the player is at the cited moment")
        // A dispute on the item, opened by one lead and upheld by another, is in the history too.
        try lena.addReviewer(id: "mark", role: .lead, name: nil)
        let mark = ReviewService(store: store, actor: "mark", now: { PinnedNow.timestamp })
        let d = try lena.openDispute(session: id, reviewer: "anna", item: firstItem, reason: "менеджер: приветствие было")
        _ = try mark.decideDispute(id: d.id, accept: true, answer: "yes", reason: nil)
        let again = try workstation("lena", 120, 40)
        press(again, .char("/")); type(again, id); press(again, .enter, .enter)
        press(again, .char("H"))
        let lines = again.state.history.map { $0.who + " " + $0.what + " " + ($0.detail ?? "") }
        XCTAssertTrue(lines.contains { $0 == "lena opened dispute #\(d.id) on \(firstItem) менеджер: приветствие было" }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("mark upheld dispute #\(d.id) on \(firstItem): now yes") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("overrode \(firstItem): no → yes") && $0.contains("dispute #\(d.id): менеджер") }, "\(lines)")
        // D keeps the sessions with an open dispute: none once it is decided, this one while open.
        let queue = try workstation("lena", 120, 40)
        press(queue, .char("D"))
        XCTAssertEqual(queue.state.total, 0)
        XCTAssertTrue(view(queue.state).text.contains("No session matches · disputed."), view(queue.state).text)
        let open = try lena.openDispute(session: id, reviewer: "anna", item: firstItem, reason: "ещё раз")
        press(queue, .char("r"))
        queue.tick()
        XCTAssertEqual(queue.state.total, 1)
        XCTAssertTrue(view(queue.state).text.contains(id) && view(queue.state).text.contains("· disputed"))
        _ = try mark.decideDispute(id: open.id, accept: false, answer: nil, reason: "приветствия не было")
        press(queue, .char("D"))
        XCTAssertGreaterThan(queue.state.total, 1, "D again shows every session")
    }

    /// Issue 19: the callbacks screen — a lead takes a callback, records a no-answer with a note,
    /// takes it again and records reaching the customer; the session is one key away; a
    /// reviewer is told the list is for leads.
    func testALeadWorksACallbackInTheCallbacksScreen() throws {
        let reviewer = try workstation("anna", 120, 40)
        press(reviewer, .char("C"))
        XCTAssertEqual(reviewer.state.screen, .queue)
        XCTAssertEqual(reviewer.state.status, "callback requests are worked by leads")

        let ws = try workstation("lena", 120, 40)
        press(ws, .char("C"))
        XCTAssertEqual(ws.state.screen, .callbacks)
        XCTAssertEqual(ws.state.callbacks.count, 1, "the samples carry one callback request")
        let c = try XCTUnwrap(ws.state.callbacks.first)
        var text = view(ws.state).text
        XCTAssertTrue(text.contains("Иван Сидоров") && text.contains("+7 900 123-45-67") && text.contains("ипотека"), text)
        press(ws, .char("o"))
        XCTAssertTrue(ws.state.statusIsError && ws.state.status.contains("take callback #\(c.id) first"), ws.state.status)
        press(ws, .escape)
        press(ws, .char("t"))
        XCTAssertEqual(ws.state.callbacks.first?.takenBy, "lena")
        XCTAssertTrue(ws.state.status.contains("took callback #\(c.id): call +7 900 123-45-67"), ws.state.status)
        press(ws, .char("o"))
        XCTAssertEqual(ws.state.mode, .callbackOutcome(id: c.id))
        XCTAssertTrue(view(ws.state).text.contains("r reached · n no answer"))
        press(ws, .char("n"))
        type(ws, "не ответил, перезвоню")
        press(ws, .enter)
        XCTAssertEqual(ws.state.mode, .normal)
        XCTAssertEqual(ws.state.callbacks.first?.status, .open, "no answer: still to do")
        XCTAssertEqual(ws.state.callbacks.first?.attempts, 1)
        // The session is one key away, and back comes to the list.
        press(ws, .enter)
        XCTAssertEqual(ws.state.screen, .session)
        XCTAssertEqual(ws.state.session?.summary.id, c.sessionID)
        press(ws, .char("q"))
        XCTAssertEqual(ws.state.screen, .callbacks)
        press(ws, .char("t"), .char("o"), .char("r"))
        type(ws, "извинились")
        press(ws, .enter)
        XCTAssertEqual(ws.state.callbacks.count, 0)
        text = view(ws.state).text
        XCTAssertTrue(text.contains("No callback requests waiting."), text)
        let attempts = try store.callbackAttempts(c.id)
        XCTAssertEqual(attempts.map(\.outcome), [.noAnswer, .reached])
        XCTAssertEqual(attempts.map(\.note), ["не ответил, перезвоню", "извинились"])
        press(ws, .char("q"))
        XCTAssertEqual(ws.state.screen, .queue)
    }

    // MARK: What the CLI could do

    func testClaimAChosenSessionReleaseItAndFilterByReviewerAndStatus() throws {
        let lead = try workstation("lena", 120, 40)
        press(lead, .char("/")); type(lead, "S-20261120-0007"); press(lead, .enter)
        press(lead, .char("c"))
        XCTAssertEqual(lead.state.status, "claimed S-20261120-0007")
        XCTAssertEqual(lead.state.rows.first?.reviewer, "lena")
        XCTAssertTrue(view(lead.state).text.contains("ends in 24h"), "the claim says when it runs out")
        press(lead, .char("c"))
        XCTAssertTrue(lead.state.status.contains("cannot be claimed"), lead.state.status)
        press(lead, .char("X"))
        XCTAssertTrue(lead.state.status.hasPrefix("released S-20261120-0007"), lead.state.status)
        press(lead, .char("/"), .char("\u{15}"), .enter)

        _ = try ReviewService(store: store, actor: "anna").pull(count: 2, checklist: nil)
        press(lead, .char("w"))
        XCTAssertEqual(lead.state.reviewerFilter, "anna")
        XCTAssertEqual(lead.state.total, 2, "anna's two claims")
        XCTAssertTrue(lead.state.rows.allSatisfy { $0.reviewer == "anna" })
        press(lead, .char("w"), .char("w"))
        XCTAssertNil(lead.state.reviewerFilter, "after the last reviewer, everyone")
        for _ in 0..<7 { press(lead, .char("s")) }
        XCTAssertEqual(lead.state.statusFilter, "released")
        XCTAssertEqual(lead.state.rows.map(\.id), ["S-20261120-0007"])

        // A contractor is told the reviewer filter is for leads and has no released filter.
        let anna = try workstation("anna")
        press(anna, .char("w"))
        XCTAssertTrue(anna.state.status.contains("for leads"))
        XCTAssertFalse(anna.state.statusCycle.contains("released"))
    }

    func testAChecklistIsChosenForASessionNamingNone() throws {
        var fixture = BundleFixture.valid("S-20261201-0001")
        fixture.remove("checklist")
        _ = try Importer(store: store, now: { Timestamp(rfc3339: "2026-12-01T12:00:00Z")! }).run(paths: [fixture.write(into: dir)])
        let bare = "S-20261201-0001"
        let anna = ReviewService(store: store, actor: "anna")
        _ = try anna.pull(count: 20, checklist: nil)
        let ws = try workstation("anna", 120, 40)
        press(ws, .char("/")); type(ws, bare); press(ws, .enter, .enter)
        XCTAssertTrue(view(ws.state).text.contains("Checklist not chosen: C chooses one"))
        press(ws, .char("C"))
        guard case .pickChecklist = ws.state.mode else { return XCTFail("\(ws.state.mode)") }
        XCTAssertEqual(ws.state.checklists, ["bank-branch", "fuel-station", "pharmacy", "public-services"])
        press(ws, .down, .enter)
        XCTAssertEqual(ws.state.review?.checklist?.id, "fuel-station")
        XCTAssertEqual(try anna.reviews(session: bare).last?.checklist?.id, "fuel-station")
        press(ws, .char("C"))
        XCTAssertTrue(ws.state.status.contains("fixed once chosen"))
    }

    // MARK: The mouse

    func testTheMouseSelectsOpensAndScrollsOnlyWhenOn() throws {
        let off = try workstation("lena")
        press(off, .mouse(MouseEvent(.click, x: 5, y: 4)))
        XCTAssertEqual(off.state.cursor, 0, "off by default")

        var config = Config()
        config.strings["mouse"] = "on"
        let ws = try workstation("lena", 80, 24, config: config)
        press(ws, .mouse(MouseEvent(.click, x: 5, y: 4)))
        XCTAssertEqual(ws.state.cursor, 2, "the third row")
        press(ws, .mouse(MouseEvent(.scrollDown, x: 5, y: 4)))
        XCTAssertEqual(ws.state.cursor, 5)
        press(ws, .mouse(MouseEvent(.scrollUp, x: 5, y: 4)))
        XCTAssertEqual(ws.state.cursor, 2)
        press(ws, .mouse(MouseEvent(.click, x: 5, y: 4)))
        XCTAssertEqual(ws.state.screen, .session, "a click on the selected row opens it")
    }

    // MARK: Never blocking the keys

    /// While another process holds the store's write lock, a pull waits on the worker; the keys
    /// meanwhile still move the cursor and open the help, and the pull lands when the lock goes.
    func testKeysStayLiveWhileAnEffectWaitsForTheStore() throws {
        let anna = try workstation("anna", 80, 24, background: true)
        anna.settle()
        // Another client holds the store: a write lock on SQLite, the sessions table on PostgreSQL.
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: TestStore.isPostgres ? "/usr/bin/psql" : "/usr/bin/sqlite3")
        locker.arguments = TestStore.isPostgres ? ["-q", store.path] : [store.path]
        let input = Pipe()
        locker.standardInput = input
        locker.standardOutput = FileHandle.nullDevice
        try locker.run()
        input.fileHandleForWriting.write(Data((TestStore.isPostgres ? "BEGIN;\nLOCK TABLE sessions IN ACCESS EXCLUSIVE MODE;\n" : "BEGIN IMMEDIATE;\nSELECT 1;\n").utf8))
        Thread.sleep(forTimeInterval: 0.3)
        press(anna, .char("p"))
        press(anna, .char("?"))
        guard case .help = anna.state.mode else { return XCTFail("the help did not open while the pull waited") }
        XCTAssertTrue(anna.busy, "the pull is still waiting for the lock")
        XCTAssertEqual(anna.state.total, 0)
        press(anna, .escape)
        input.fileHandleForWriting.write(Data((TestStore.isPostgres ? "COMMIT;\n\\q\n" : "COMMIT;\n.quit\n").utf8))
        locker.waitUntilExit()
        anna.settle()
        XCTAssertTrue(anna.state.status.hasPrefix("pulled "), anna.state.status)
        XCTAssertEqual(anna.state.total, 1)
    }

    /// Typing a search in the background runs the query for what was typed, not one per key
    /// left waiting; the result is the same as typing it inline.
    func testSearchInTheBackgroundEndsWithTheTypedText() throws {
        let ws = try workstation("lena", 80, 24, background: true)
        press(ws, .char("/")); type(ws, "анна")
        ws.settle()
        XCTAssertEqual(ws.state.total, 2, "Cyrillic case folded: /анна finds Анна's two sessions")
        XCTAssertTrue(ws.state.rows.allSatisfy { $0.employeeName == "Анна Петрова" })
    }
}
