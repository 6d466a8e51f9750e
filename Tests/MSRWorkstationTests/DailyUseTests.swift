import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTerminal
import MSRTestSupport
import MSRWorkstation
import XCTest

/// Issue 17's bugs, each as a contractor met it in a working day: through the runner on a real
/// store with the sample bundles, or through `update` alone.
final class DailyUseTests: SampleStoreTestCase {
    /// anna's claimed bank-branch session, opened.
    func annaInHerSession() throws -> Workstation {
        _ = try ReviewService(store: store, actor: "anna").pull(count: 1, checklist: "bank-branch")
        let ws = try workstation("anna", 120, 40)
        press(ws, .enter)
        XCTAssertEqual(ws.state.screen, .session)
        return ws
    }

    /// Bug 2: a refused answer leaves the item current, so the right answer goes where it belongs.
    func testARefusedAnswerDoesNotMoveTheCursor() throws {
        let ws = try annaInHerSession()
        for _ in 0..<40 where ws.state.currentItem?.id != "tone" { press(ws, .down) }
        press(ws, .char("9"))
        XCTAssertTrue(ws.state.status.contains("tone takes 1 to 5, not 9"), ws.state.status)
        XCTAssertEqual(ws.state.currentItem?.id, "tone", "still on the item that refused")
        XCTAssertNil(ws.state.review?.entries["tone"])
        if ws.state.currentItem?.allowsNA == false {
            press(ws, .char("a"))
            XCTAssertEqual(ws.state.currentItem?.id, "tone")
        }
        press(ws, .char("4"))
        XCTAssertEqual(ws.state.review?.entries["tone"]?.answer, .value(4))
        XCTAssertNotEqual(ws.state.currentItem?.id, "tone", "an accepted answer moves on")
    }

    /// Bugs 2 and 8: a submitted review takes no answer, does not move, and is not submitted twice.
    func testASubmittedReviewIsFrozenAndNotSubmittedTwice() throws {
        let ws = try annaInHerSession()
        let id = try XCTUnwrap(ws.state.session?.summary.id)
        let anna = ReviewService(store: store, actor: "anna")
        _ = try anna.score(session: id, answers: .object(topAnswers(try anna.checklist("bank-branch"))), source: "t", checklist: nil, submit: false)
        press(ws, .char("q"), .enter)
        press(ws, .char("S"), .char("y"))
        XCTAssertEqual(ws.state.review?.record.status, .submitted)
        var s = ws.state
        let cursor = s.itemCursor
        let before = s.review?.entries
        for key in [Key.char("n"), .char("3"), .char("m"), .char("c")] {
            XCTAssertEqual(update(&s, .key(key)), [], "\(key) asks for nothing")
            XCTAssertEqual(s.itemCursor, cursor, "\(key) does not move the cursor")
            XCTAssertEqual(s.mode, .normal)
            XCTAssertTrue(s.status.hasPrefix("this review is submitted: answers cannot change"), s.status)
        }
        XCTAssertEqual(ws.state.review?.entries, before)
        press(ws, .char("S"))
        XCTAssertEqual(ws.state.mode, .normal, "no second confirmation")
        XCTAssertEqual(ws.state.status, "already submitted: a lead approves or returns it")
    }

    /// Bug 3: control keys edit the line as readline does and never land in it or in a comment.
    func testControlKeysEditTheLineAndAreNeverStored() throws {
        let lead = try workstation("lena", 120, 40)
        press(lead, .char("/")); type(lead, "Казань")
        press(lead, .char("\u{15}"))
        XCTAssertEqual(lead.state.editedLine?.text, "", "Ctrl-U clears the line")
        type(lead, "ул. Баумана")
        press(lead, .char("\u{17}"))
        XCTAssertEqual(lead.state.editedLine?.text, "ул. ", "Ctrl-W removes the last word")
        press(lead, .char("\u{01}"), .char("\u{1B}"), .char("\u{7F}"), .char("\u{07}"))
        XCTAssertEqual(lead.state.editedLine?.text, "ул. ", "other control characters are not typed (Ctrl-A moves the cursor)")
        XCTAssertEqual(lead.state.editedLine?.cursor, 0)
        XCTAssertFalse(view(lead.state).text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })

        let ws = try annaInHerSession()
        press(ws, .char("y"), .up, .char("c"))
        type(ws, "draft"); press(ws, .char("\u{15}")); type(ws, "вежливо"); press(ws, .char("\u{17}")); type(ws, "приветлив\u{08}")
        press(ws, .enter)
        let item = try XCTUnwrap(ws.state.currentItem?.id)
        XCTAssertEqual(ws.state.review?.entries[item]?.comment, "приветлив")
        let stored = try ReviewService(store: store, actor: "anna").reviews(session: ws.state.session!.summary.id).last
        XCTAssertEqual(stored?.entries[item]?.comment, "приветлив", "nothing but the text is stored")
    }

    /// Bug 12: an empty list says what hides the rows.
    func testAnEmptyListSaysWhyItIsEmpty() throws {
        let lead = try workstation("lena", 120, 40)
        press(lead, .char("/")); type(lead, "zzz"); press(lead, .enter)
        XCTAssertEqual(lead.state.total, 0)
        let text = view(lead.state).text
        XCTAssertTrue(text.contains("No session matches /zzz."), text)
        XCTAssertFalse(text.contains("Import bundles"))

        _ = try ReviewService(store: store, actor: "anna").pull(count: 1, checklist: "bank-branch")
        let anna = try workstation("anna", 120, 40)
        XCTAssertEqual(anna.state.total, 1)
        press(anna, .char("s"), .char("s"), .char("s"), .char("s"))  // status: submitted
        XCTAssertEqual(anna.state.statusFilter, "submitted")
        XCTAssertEqual(anna.state.total, 0)
        let hidden = view(anna.state).text
        XCTAssertTrue(hidden.contains("No session matches · submitted."), hidden)
        XCTAssertFalse(hidden.contains("Nothing claimed"), "she holds a claim, hidden by the filter")
    }

    /// Bug 5: back on the queue after a submit, the row says submitted without pressing r.
    func testTheQueueShowsTheStatusLeftInTheSession() throws {
        let ws = try annaInHerSession()
        let id = try XCTUnwrap(ws.state.session?.summary.id)
        let anna = ReviewService(store: store, actor: "anna")
        _ = try anna.score(session: id, answers: .object(topAnswers(try anna.checklist("bank-branch"))), source: "t", checklist: nil, submit: false)
        press(ws, .char("q"))
        XCTAssertEqual(ws.state.rows.first { $0.id == id }?.status, "draft")
        press(ws, .enter, .char("S"), .char("y"), .char("q"))
        XCTAssertEqual(ws.state.rows.first { $0.id == id }?.status, "submitted")
        XCTAssertTrue(view(ws.state).text.contains("submitted"))
    }

    /// Bug 6: help shows every line whole at 80 columns, `r` among them.
    func testHelpIsWholeAt80Columns() throws {
        let ws = try workstation("lena", 80, 24)
        press(ws, .char("?"))
        let text = view(ws.state).text
        XCTAssertTrue(text.contains("reload the queue"), text)
        XCTAssertTrue(text.contains("oldest or newest first"), text)
        // Every line of the generated help shows whole, scrolling through it.
        let lines = ws.state.keys.helpLines(width: 74, first: ws.state.keyContexts)
        var seen = ""
        for _ in 0..<lines.count { seen += view(ws.state).text + "\n"; press(ws, .char("j")) }
        for line in lines where !line.allSatisfy({ $0 == " " }) {
            var trimmed = line
            while trimmed.hasSuffix(" ") { trimmed.removeLast() }
            XCTAssertTrue(seen.contains(trimmed), "clipped: \(line)")
            XCTAssertLessThanOrEqual(TextWidth.of(line), 74, line)
        }
    }

    /// Bug 7: nothing typed is thrown away: a comment is refused before typing, an override's
    /// answer before its reason.
    func testTypedTextIsNotThrownAway() throws {
        let ws = try annaInHerSession()
        let first = try XCTUnwrap(ws.state.currentItem?.id)
        press(ws, .char("c"))
        XCTAssertEqual(ws.state.mode, .normal, "no editor for an unanswered item")
        XCTAssertEqual(ws.state.status, "answer \(first) before commenting on it")

        let id = try XCTUnwrap(ws.state.session?.summary.id)
        let anna = ReviewService(store: store, actor: "anna")
        _ = try anna.score(session: id, answers: .object(topAnswers(try anna.checklist("bank-branch"))), source: "t", checklist: nil, submit: true)
        let lead = try workstation("lena", 120, 40)
        press(lead, .char("/")); type(lead, id); press(lead, .enter, .enter)
        XCTAssertEqual(lead.state.review?.record.reviewer, "anna")
        for _ in 0..<40 where lead.state.currentItem?.id != "tone" { press(lead, .down) }
        press(lead, .char("O")); type(lead, "9"); press(lead, .enter)
        XCTAssertEqual(lead.state.editedLine?.text, "9", "the answer stays to be corrected")
        guard case .overrideAnswer(item: "tone", _) = lead.state.mode else { return XCTFail("\(lead.state.mode)") }
        XCTAssertTrue(lead.state.status.contains("tone takes 1 to 5, not 9"), lead.state.status)
        press(lead, .backspace); type(lead, "2"); press(lead, .enter)
        XCTAssertEqual(lead.state.mode, .reason(.override(item: "tone", answer: "2"), LineEditor()))
    }

    /// Bug 10: a photo line names its own findings, never `ok` beside one.
    func testAPhotoLineNamesItsOwnFindings() throws {
        let ws = try workstation("lena", 120, 40)
        press(ws, .char("/")); type(ws, "S-20261120-0007"); press(ws, .enter, .enter)
        let text = view(ws.state).text
        let photoLine = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("📷 p-001.jpg") })
        XCTAssertTrue(photoLine.contains("photo-time-mismatch"), String(photoLine))
        XCTAssertFalse(photoLine.hasSuffix(" ok") || photoLine.contains(" ok "), String(photoLine))
    }

    /// Bug 11: `v` hands the viewer a copy only this user can read, and quitting removes it.
    func testPhotoCopiesArePrivateAndRemovedOnQuit() throws {
        let run = dir + "/run"
        XCTAssertEqual(mkdir(run, 0o700), 0)
        let seen = dir + "/seen.txt"
        let viewer = dir + "/viewer.sh"
        try writeFile(viewer, Array("#!/bin/sh\necho \"$1\" > \(seen)\n".utf8))
        chmod(viewer, 0o755)
        setenv("MSREVIEW_PHOTO_VIEWER", viewer, 1)
        setenv("XDG_RUNTIME_DIR", run, 1)
        defer { unsetenv("MSREVIEW_PHOTO_VIEWER"); unsetenv("XDG_RUNTIME_DIR") }
        let ws = try workstation("lena", 120, 40)
        press(ws, .enter, .char("v"))
        XCTAssertTrue(ws.state.status.hasPrefix("opened "), ws.state.status)
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: seen) { usleep(100_000) }
        let copy = String(decoding: try readFile(seen), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(copy.hasPrefix(run + "/msreview-photos/msreview-"), copy)
        var st = stat()
        XCTAssertEqual(stat(copy, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600, "the copy is the user's alone")
        XCTAssertEqual(stat(run + "/msreview-photos", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
        XCTAssertNoThrow(try PhotoFile.inspect(try readFile(copy)), "the viewer got the real JPEG")
        press(ws, .char("q"), .char("q"))
        XCTAssertTrue(ws.state.quitting)
        XCTAssertFalse(FileManager.default.fileExists(atPath: copy), "quitting removes the copies")
    }

    /// Bug 13: with no marker inside the recording, N says so and does not seek.
    func testNextMarkerWithoutMarkersSaysSoAndStays() throws {
        let ws = try annaInHerSession()
        var s = ws.state
        var session = try XCTUnwrap(s.session)
        session.questionnaires = []
        session.photos = []
        s.session = session
        s.review = nil
        XCTAssertEqual(update(&s, .key(.char("N"))), [])
        XCTAssertEqual(s.status, "no markers in the recording")
        // A marker past the recording's end is no target either.
        var late = try XCTUnwrap(ws.state.session)
        let end = late.recordings.compactMap { r in r.durationMillis.map { r.entry.startedAt.utcMillis + $0 } }.max()!
        late.photos = Array(late.photos.prefix(1))
        late.questionnaires = []
        late.photos[0].entry.takenAt = Timestamp(utcMillis: end + 60_000)
        s.session = late
        XCTAssertEqual(update(&s, .key(.char("N"))), [])
        XCTAssertEqual(s.status, "no markers in the recording")
    }
}
