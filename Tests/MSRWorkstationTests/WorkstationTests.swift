import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTerminal
import MSRTestSupport
import MSRWorkstation
import XCTest

/// Update and view, on a real store with the sample bundles, drawn into grids. Whole screens are
/// compared with dumps in Snapshots/ (set MSREVIEW_RECORD_SNAPSHOTS=1 to write them anew).
final class WorkstationTests: SampleStoreTestCase {
    func testQueueForALeadListsEverySessionWithCyrillicAligned() throws {
        let ws = try workstation("lena")
        XCTAssertEqual(ws.state.total, 8)
        let g = view(ws.state)
        XCTAssertTrue(g.line(0).contains("lena (lead) · 8 sessions"))
        // At 80 columns the findings stand whole and the names give way; at 120 both fit.
        XCTAssertTrue(g.text.contains("1 fraud, 2 suspect"), g.text)
        XCTAssertTrue(g.text.contains("E-1203 Анна"), g.text)
        XCTAssertTrue(view({ var w = ws.state; w.width = 120; w.height = 40; return w }()).text.contains("E-1203 Анна Петрова"))
        // Every row has the status column at the same screen column, whatever the names.
        let cols = Set((2..<10).compactMap { r -> Int? in
            let line = g.line(r)
            return line.range(of: " new").map { TextWidth.of(String(line[..<$0.lowerBound])) }
        })
        XCTAssertEqual(cols.count, 1, "aligned: \(cols)")
        try assertSnapshot(g, "queue-lead-80x24")
        ws.dispatch(.resized(width: 120, height: 40))
        try assertSnapshot(view(ws.state), "queue-lead-120x40")
    }

    func testReviewerQueuePullOpenAnswerAndResume() throws {
        let ws = try workstation("anna", 120, 40)
        XCTAssertEqual(ws.state.total, 0, "a reviewer sees only their own sessions")
        XCTAssertTrue(view(ws.state).text.contains("Press p to pull"))
        press(ws, .char("p"))
        XCTAssertEqual(ws.state.total, 1)
        XCTAssertTrue(ws.state.status.hasPrefix("pulled S-20261120-0005"), ws.state.status)
        press(ws, .enter)
        XCTAssertEqual(ws.state.screen, .session)
        XCTAssertEqual(ws.state.review?.checklist?.id, "public-services")
        let first = try XCTUnwrap(ws.state.currentItem)
        press(ws, .char("y"))
        XCTAssertEqual(ws.state.review?.entries[first.id]?.answer, .yes, "saved at once")
        XCTAssertEqual(try store.answers(review: ws.state.review!.record.id)[first.id]?.answer, .yes)
        XCTAssertEqual(ws.state.itemCursor, 1, "moves to the next item")
        press(ws, .char("n"))
        // No verdict before the checklist is done: answered of total, and the score so far.
        XCTAssertTrue(view(ws.state).text.contains("2/"), view(ws.state).text)
        XCTAssertFalse(view(ws.state).text.contains("PASS"))
        press(ws, .up, .char("c"))
        type(ws, "нет бейджа")
        press(ws, .enter)
        XCTAssertEqual(ws.state.review?.entries[ws.state.items[1].item.id]?.comment, "нет бейджа")
        try assertSnapshot(view(ws.state), "session-anna-120x40")

        // Submitting is refused while items are unanswered; the status says which.
        press(ws, .char("S"))
        XCTAssertTrue(view(ws.state).text.contains("Submit this review?"))
        press(ws, .char("y"))
        XCTAssertTrue(ws.state.status.contains("cannot submit: unanswered"), ws.state.status)

        // A new workstation (as after kill -9) resumes with the same answers.
        let again = try workstation("anna", 80, 24)
        press(again, .enter)
        XCTAssertEqual(again.state.review?.entries.count, 2)
        XCTAssertEqual(again.state.review?.entries[again.state.items[1].item.id]?.comment, "нет бейджа")
        XCTAssertEqual(again.state.itemCursor, 2, "the cursor resumes at the first unanswered item")
        try assertSnapshot(view(again.state), "session-anna-80x24")
    }

    func testAnswerKeysFollowTheItemKind() throws {
        let ws = try workstation("anna", 120, 40)
        _ = try ReviewService(store: store, actor: "anna").pull(count: 1, checklist: "bank-branch")
        ws.dispatch(.resized(width: 120, height: 40))
        press(ws, .enter)
        for _ in 0..<40 where ws.state.currentItem?.id != "tone" { press(ws, .down) }
        XCTAssertEqual(ws.state.currentItem?.id, "tone")
        press(ws, .char("y"))
        XCTAssertEqual(ws.state.status, "tone takes a number (digits)")
        press(ws, .char("4"))
        XCTAssertEqual(ws.state.review?.entries["tone"]?.answer, .value(4))
        press(ws, .up)
        press(ws, .char("9"))
        XCTAssertTrue(ws.state.status.contains("tone takes 1 to 5, not 9"), ws.state.status)
    }

    func testSearchFiltersByLocationNameInCyrillic() throws {
        let ws = try workstation("lena")
        press(ws, .char("/"))
        type(ws, "Казань")
        press(ws, .enter)
        XCTAssertEqual(ws.state.total, 2, "the two Kazan pharmacy sessions")
        XCTAssertEqual(Set(ws.state.rows.map(\.id)), ["S-20261120-0003", "S-20261120-0006"])
        press(ws, .char("/"))
        for _ in 0..<6 { press(ws, .backspace) }
        press(ws, .enter)
        XCTAssertEqual(ws.state.total, 8)
    }

    func testHelpOverlayAndResize() throws {
        let ws = try workstation("lena")
        press(ws, .char("?"))
        let g = view(ws.state)
        XCTAssertTrue(g.text.contains("Keys"))
        XCTAssertTrue(g.text.contains("reload the queue"), g.text)
        for _ in 0..<20 { press(ws, .char("j")) }
        XCTAssertTrue(view(ws.state).text.contains("cite the play head"), view(ws.state).text)
        press(ws, .char("x"))
        XCTAssertEqual(ws.state.mode, .normal)
        ws.dispatch(.resized(width: 10, height: 3))
        XCTAssertTrue(view(ws.state).text.contains("too small"), "a clear note, no crash")
        ws.dispatch(.resized(width: 80, height: 24))
        XCTAssertEqual(view(ws.state).line(2).isEmpty, false)
    }

    func testPagingByKeyMatchesAPlainScan() throws {
        // More sessions than one window: generated bundles on top of the samples.
        _ = try SampleGenerator(count: 300, seed: 2).generate(into: dir + "/gen")
        _ = try Importer(store: store).run(paths: [dir + "/gen"])
        let ws = try workstation("lena", 80, 24)
        let all = try store.sessions(SessionFilter()).map(\.id)
        // The first paint shows a full first window as "at least"; the exact count follows.
        XCTAssertTrue(ws.state.totalIsAtLeast)
        XCTAssertEqual(ws.state.total, ws.state.rows.count)
        XCTAssertTrue(view(ws.state).text.contains("\(ws.state.rows.count)+ sessions"), view(ws.state).text)
        ws.tick()
        XCTAssertFalse(ws.state.totalIsAtLeast)
        XCTAssertEqual(ws.state.total, all.count)
        func shown() -> String { ws.state.rows[ws.state.cursor - ws.state.rowsOffset].id }
        for (keys, _) in [([Key](repeating: .pageDown, count: 7), "pages"), ([.char("G")], "end"), ([Key](repeating: .up, count: 45), "up"),
                          ([Key](repeating: .pageUp, count: 3), "page up"), ([.char("g")], "top"), ([Key](repeating: .char("j"), count: 61), "down")] {
            for k in keys { press(ws, k) }
            XCTAssertEqual(shown(), all[ws.state.cursor], "row \(ws.state.cursor)")
            for (i, r) in ws.state.rows.enumerated() { XCTAssertEqual(r.id, all[ws.state.rowsOffset + i]) }
        }
        // Newest first: the same paging, in reverse.
        press(ws, .char("o"))
        let reversed = Array(all.reversed())
        for keys in [[Key](repeating: .pageDown, count: 5), [.char("G")], [Key](repeating: .pageUp, count: 4), [.char("g")], [Key](repeating: .down, count: 70)] {
            for k in keys { press(ws, k) }
            for (i, r) in ws.state.rows.enumerated() { XCTAssertEqual(r.id, reversed[ws.state.rowsOffset + i], "newest first, row \(ws.state.rowsOffset + i)") }
        }
        press(ws, .char("o"))
        press(ws, .char("/")); type(ws, "S-20261120-000"); press(ws, .enter)
        XCTAssertEqual(ws.state.total, 8)
        XCTAssertEqual(ws.state.rows.map(\.id).sorted(), (1...8).map { "S-20261120-000\($0)" }, "a new filter never reuses old rows")
    }

    func testIncrementalSearchAndFilters() throws {
        let ws = try workstation("lena")
        press(ws, .char("/"))
        type(ws, "PH-")
        XCTAssertEqual(ws.state.total, 2, "the queue follows each key typed")
        press(ws, .escape)
        XCTAssertEqual(ws.state.total, 8, "Esc clears the search")
        press(ws, .char("/")); type(ws, "2026-11-20T1"); press(ws, .enter)
        XCTAssertEqual(ws.state.total, 7, "a date-time prefix filters by start (10:00–19:59)")
        press(ws, .char("/")); for _ in 0..<12 { press(ws, .backspace) }; press(ws, .enter)
        press(ws, .char("f"))
        XCTAssertEqual(ws.state.total, 5, "only flagged sessions")
        XCTAssertTrue(view(ws.state).line(0).contains("flagged"))
        press(ws, .char("f"), .char("s"))
        XCTAssertEqual(ws.state.statusFilter, "new")
        XCTAssertEqual(ws.state.total, 8)
        press(ws, .char("s"))
        XCTAssertEqual(ws.state.total, 0, "nothing is claimed yet")
    }

    func testPhotoOpensInTheConfiguredViewer() throws {
        let seen = dir + "/seen.txt"
        let viewer = dir + "/viewer.sh"
        try writeFile(viewer, Array("#!/bin/sh\ncp \"$1\" \(seen).jpg\necho \"$1\" > \(seen)\n".utf8))
        chmod(viewer, 0o755)
        setenv("MSREVIEW_PHOTO_VIEWER", viewer, 1)
        defer { unsetenv("MSREVIEW_PHOTO_VIEWER") }
        let ws = try workstation("lena", 120, 40)
        press(ws, .enter)
        press(ws, .char("v"))
        XCTAssertTrue(ws.state.status.hasPrefix("opened S-20261120-0005"), ws.state.status)
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: seen + ".jpg") { usleep(100_000) }
        let shown = try readFile(seen + ".jpg")
        XCTAssertNoThrow(try PhotoFile.inspect(shown), "the viewer got the real JPEG")
    }

    func testLeadReadsApprovesReturnsAndOverrides() throws {
        // anna submits a complete review of S-20261120-0001 from the command line's service.
        let anna = ReviewService(store: store, actor: "anna")
        _ = try anna.pull(count: 1, checklist: "bank-branch")
        let c = try anna.checklist("bank-branch")
        let answers = JSON.object(topAnswers(c))
        _ = try anna.score(session: "S-20261120-0001", answers: answers, source: "t", checklist: nil, submit: true)

        let ws = try workstation("lena", 120, 40)
        press(ws, .char("/")); type(ws, "S-20261120-0001"); press(ws, .enter, .enter)
        XCTAssertEqual(ws.state.review?.record.reviewer, "anna")
        XCTAssertTrue(view(ws.state).text.contains("by anna [submitted]"), view(ws.state).text)
        press(ws, .char("y"))
        XCTAssertTrue(ws.state.status.contains("A approve"), "a lead never types answers into another's review: \(ws.state.status)")
        // Override the first item: answer, then reason.
        press(ws, .char("O")); type(ws, "no"); press(ws, .enter); type(ws, "нет приветствия"); press(ws, .enter)
        XCTAssertTrue(ws.state.status.hasPrefix("override of premises_clean recorded"), ws.state.status)
        XCTAssertEqual(ws.state.review?.effective["premises_clean"]?.answer, .no)
        XCTAssertEqual(try store.auditLog(session: "S-20261120-0001").last?.reason, "нет приветствия")
        // Return with a reason; then nothing more to approve.
        press(ws, .char("R")); type(ws, "проверьте приветствие"); press(ws, .enter)
        XCTAssertEqual(ws.state.review?.record.status, .returned)
        press(ws, .char("A"))
        XCTAssertTrue(ws.state.status.contains("only a submitted review can be approved"), ws.state.status)
        // anna resubmits; the lead approves after confirming.
        _ = try anna.submit(session: "S-20261120-0001")
        press(ws, .char("q"), .enter)
        press(ws, .char("A"))
        XCTAssertTrue(view(ws.state).text.contains("Approve this review?"))
        press(ws, .char("y"))
        XCTAssertEqual(try store.reviews(session: "S-20261120-0001").last?.status, .approved)
        XCTAssertEqual(try store.auditLog(session: "S-20261120-0001").map(\.action).suffix(3), ["return", "submit", "approve"])
    }

    /// A lead reads a session's findings in full and confirms one and dismisses another, each with
    /// a reason; a reviewer reads them but decides nothing.
    func testALeadConfirmsAndDismissesFindingsInTheSession() throws {
        let anna = try workstation("anna")
        press(anna, .char("/")); type(anna, "S-20261120-0003"); press(anna, .enter)
        XCTAssertEqual(anna.state.total, 0, "anna holds no claim on it, so she cannot open it")
        let ws = try workstation("lena")
        press(ws, .char("/")); type(ws, "S-20261120-0003"); press(ws, .enter, .enter)
        XCTAssertEqual(ws.state.session?.findings.count, 3)
        XCTAssertTrue(view(ws.state).text.contains("! photo-reused Q1 p-001.jpg"))
        press(ws, .char("F"))
        try assertSnapshot(view(ws.state), "findings-lena-80x24", masking: "#[0-9]+")
        // The list is in the bundle format's order: overlap (no questionnaire), reuse, time mismatch.
        press(ws, .char("j"))
        press(ws, .char("c")); type(ws, "тот же снимок, что у S-0001"); press(ws, .enter)
        XCTAssertEqual(ws.state.status, "confirmed finding #\(ws.state.session!.findings[1].id)")
        XCTAssertEqual(ws.state.session?.findings[1].decision?.verdict, .confirmed)
        XCTAssertEqual(ws.state.mode, .findings(cursor: 1), "back in the list")
        press(ws, .char("j"), .char("x")); type(ws, "часы устройства"); press(ws, .escape)
        XCTAssertEqual(ws.state.status, "cancelled")
        XCTAssertNil(ws.state.session?.findings[2].decision, "Esc decides nothing")
        press(ws, .char("F"), .char("j"), .char("j"), .char("x")); type(ws, "часы устройства"); press(ws, .enter)
        XCTAssertEqual(try store.storedFindings(sessionID: "S-20261120-0003").map { $0.decision?.verdict }, [nil, .confirmed, .dismissed])
        XCTAssertEqual(try store.auditLog(session: "S-20261120-0003").map(\.action).suffix(2), ["confirm-finding", "dismiss-finding"])
        XCTAssertEqual(try store.auditLog(session: "S-20261120-0003").last?.reason, "часы устройства")
        try assertSnapshot(view(ws.state), "findings-decided-lena-80x24", masking: "#[0-9]+")
        press(ws, .escape)
        XCTAssertEqual(ws.state.mode, .normal)
        XCTAssertTrue(view(ws.state).text.contains("✓ photo-reused Q1 p-001.jpg"))
        XCTAssertTrue(view(ws.state).text.contains("✗ photo-time-mismatch Q1 p-001.jpg"))

        // A reviewer may read the list but not decide.
        var s = AppState(width: 80, height: 24, reviewer: "anna", isLead: false)
        s.screen = .session
        s.session = ws.state.session
        _ = update(&s, .key(.char("F")))
        XCTAssertEqual(s.mode, .findings(cursor: 0))
        XCTAssertEqual(update(&s, .key(.char("x"))), [])
        XCTAssertEqual(s.status, "only a lead confirms or dismisses findings")
        XCTAssertEqual(s.mode, .findings(cursor: 0))
    }

    func testPhotoPreviewInTheTerminal() throws {
        let ws = try workstation("lena", 100, 36)
        press(ws, .enter, .char("i"))
        let p = try XCTUnwrap(ws.state.preview)
        XCTAssertTrue(p.title.contains("photos/p-001.jpg"))
        XCTAssertEqual(p.lines.count, 30)
        let symbols = Set(p.lines.joined())
        XCTAssertGreaterThan(symbols.count, 3, "libchafa drew shapes, not a blank box: \(symbols)")
        XCTAssertTrue(view(ws.state).text.contains("taken 15:05:40"))
        press(ws, .char("x"))
        XCTAssertNil(ws.state.preview, "any key closes the preview")
        XCTAssertEqual(ws.state.screen, .session)
    }

    /// A photo the decoder could not read at import is never decoded in the workstation.
    func testUnreadablePhotoIsNotDecodedHere() throws {
        var bad = BundleFixture.valid("S-00000000-BAD")
        let jpeg = MediaFixtures.jpeg(width: 64, height: 64, seed: 9)
        bad.files["photos/p-001.jpg"] = Array(jpeg.prefix(200))  // the header only: nothing decodes
        bad.edit(["photos", 0, "sha256"], nil)
        bad.set("started_at", "2020-01-01T10:00:00+03:00".json)
        bad.write(into: dir + "/bad")
        _ = try Importer(store: store, now: { Timestamp(rfc3339: "2026-11-21T00:00:00Z")! }).run(paths: [dir + "/bad"])
        XCTAssertEqual(try store.session("S-00000000-BAD")?.photos.first?.status, .unreadable)
        let ws = try workstation("lena", 100, 36)
        ws.dispatch(.key(.char("/")))
        type(ws, "S-00000000-BAD")
        press(ws, .enter, .enter)
        XCTAssertEqual(ws.state.screen, .session)
        press(ws, .char("i"))
        XCTAssertNil(ws.state.preview)
        XCTAssertEqual(ws.state.status, "that photo could not be decoded at import; it is not opened")
    }

    func testUpdateIsPure() {
        var s = AppState(width: 80, height: 24, reviewer: "x", isLead: true)
        s.total = 100
        s.rows = []
        let effects = update(&s, .key(.down))
        XCTAssertEqual(s.cursor, 1)
        XCTAssertEqual(effects, [.loadQueue(offset: 0, limit: s.listHeight * 3, filter: "")])
        XCTAssertEqual(update(&s, .key(.char("q"))), [.quit])
        XCTAssertTrue(s.quitting)
    }

    /// The reviewer audit screen: a pure update and a view drawn into a grid.
    func testReviewerAuditScreen() throws {
        var s = AppState(width: 120, height: 12, reviewer: "lena", isLead: true)
        let reviews = [
            AuditedReview(reviewer: "anna", checklistID: "c", percent: 90, seconds: 600, listened: 1, fractions: [1, 0.5], answers: 2, notApplicable: 0),
            AuditedReview(reviewer: "bob", checklistID: "c", percent: 100, seconds: 60, listened: 0.1, fractions: [1, 1], answers: 2, notApplicable: 0),
        ]
        let (rows, team) = ReviewerAuditing.figures(reviews, calibration: [:], reviewers: ["anna", "bob"])
        let november = ReportingPeriod(parsing: "2026-11")!
        let report = ReviewerAuditReport(period: november, rows: rows, teamMedianSeconds: team, reaudits: [], calibrations: [])
        XCTAssertEqual(update(&s, .key(.char("A"))), [.loadAudit(nil)])
        XCTAssertEqual(update(&s, .auditLoaded(report)), [])
        XCTAssertEqual(s.screen, .audit)
        XCTAssertEqual(s.status, "reviewer audit 2026-11: 1 of 2 reviewers flagged")
        let text = view(s).text
        XCTAssertTrue(text.contains("reviewer audit 2026-11"), text)
        let bob = try XCTUnwrap(text.split(separator: "\n").first { $0.contains(" bob ") }, text)
        XCTAssertTrue(bob.contains("unheard-submits"), String(bob))
        XCTAssertFalse(try XCTUnwrap(text.split(separator: "\n").first { $0.contains(" anna ") }).contains("straight"))
        XCTAssertEqual(update(&s, .key(.char("]"))), [.loadAudit(ReportingPeriod(parsing: "2026-12")!)])
        XCTAssertEqual(update(&s, .key(.char("["))), [.loadAudit(ReportingPeriod(parsing: "2026-10")!)])
        _ = update(&s, .key(.char("q")))
        XCTAssertEqual(s.screen, .queue)

        var reviewer = AppState(width: 100, height: 12, reviewer: "anna", isLead: false)
        XCTAssertEqual(update(&reviewer, .key(.char("A"))), [], "the audit is for leads")
        XCTAssertEqual(reviewer.status, "the reviewer audit is for leads")
    }

    /// Through the effect runner on the real store: A opens the audit of the latest month.
    func testAuditScreenThroughTheRunner() throws {
        let ws = try workstation("lena", 100, 16)
        press(ws, .char("A"))
        XCTAssertEqual(ws.state.screen, .audit)
        XCTAssertTrue(ws.state.status.hasPrefix("reviewer audit "), ws.state.status)
        XCTAssertTrue(view(ws.state).text.contains("anna"))
        let anna = try workstation("anna", 100, 16)
        press(anna, .char("A"))
        XCTAssertEqual(anna.state.screen, .queue)
    }

    /// A session whose media were purged opens with its waveform and says why it cannot play.
    func testPurgedSessionOpensAndSaysWhy() throws {
        let lead = ReviewService(store: store, actor: "lena")
        let plan = try Retention(lead).purge(olderThan: 3600, dryRun: false)
        XCTAssertEqual(plan.sessions.count, 8)
        let ws = try workstation("lena", 100, 30)
        ws.dispatch(.key(.char("/")))
        type(ws, "S-20261120-0001")
        press(ws, .enter, .enter)
        XCTAssertEqual(ws.state.screen, .session)
        XCTAssertTrue(ws.state.audioNote?.contains("purged") ?? false, ws.state.audioNote ?? "no note")
        XCTAssertFalse(ws.state.envelope.isEmpty, "the stored waveform is still drawn")
    }
}
