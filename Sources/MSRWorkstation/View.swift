import Foundation
import MSRApp
import MSRCore
import MSRStore
import MSRTerminal

/// Draws the state into a grid. Pure: the same state always gives the same screen.
public func view(_ s: AppState) -> Grid {
    var g = Grid(width: s.width, height: s.height)
    guard s.width >= 40, s.height >= 8 else {
        g.put("too small", x: 0, y: 0)
        return g
    }
    switch s.screen {
    case .queue: drawQueue(s, &g)
    case .session: drawSession(s, &g)
    case .audit: drawAudit(s, &g)
    }
    drawBottom(s, &g)
    if s.mode == .help { drawHelp(s, &g) }
    if let d = s.session, s.screen == .session { drawFindings(s, d, &g) }
    if let p = s.preview { drawPreview(p.title, p.lines, &g) }
    return g
}

func titleBar(_ text: String, right: String, _ g: inout Grid) {
    g.fill(x: 0, y: 0, width: g.width, height: 1, style: Style(.title, reverse: true))
    g.put(text, x: 1, y: 0, style: Style(.title, bold: true, reverse: true), maxWidth: g.width - 2)
    let w = TextWidth.of(right)
    if w + TextWidth.of(text) + 4 < g.width { g.put(right, x: g.width - w - 1, y: 0, style: Style(.title, reverse: true)) }
}

func drawQueue(_ s: AppState, _ g: inout Grid) {
    let who = s.reviewer + (s.isLead ? " (lead)" : "")
    var filters = s.filter.isEmpty ? "" : " · /\(s.filter)"
    if let st = s.statusFilter { filters += " · \(st)" }
    if s.flaggedOnly { filters += " · flagged" }
    if s.newestFirst { filters += " · newest first" }
    titleBar("msreview — " + (s.isLead ? "all sessions" : "my queue"), right: "\(who) · \(s.total) session\(s.total == 1 ? "" : "s")" + filters, &g)
    // Columns fit the data: ids as wide as the widest shown, a short date on narrow screens.
    let idW = min(19, max(7, s.rows.map { TextWidth.of($0.id) }.max() ?? 7))
    let shortTime = g.width < 100
    let timeW = shortTime ? 11 : 16, locW = 8, statusW = 9, findW = 12
    let empW = max(6, g.width - (idW + timeW + locW + statusW + findW + 6))
    let cols = [(idW, "SESSION"), (timeW, "STARTED"), (locW, "LOCATION"), (empW, "EMPLOYEE"), (statusW, "STATUS"), (findW, "FINDINGS")]
    var x = 1
    for (w, name) in cols { g.put(TextWidth.fit(name, w), x: x, y: 1, style: Style(.muted, bold: true)); x += w + 1 }
    if s.total == 0 {
        // Say what hides the rows: a search or a filter, before "nothing here at all".
        let narrowed = !s.filter.isEmpty || s.statusFilter != nil || s.flaggedOnly
        let message = narrowed
            ? "No session matches" + (s.filter.isEmpty ? "" : " /\(s.filter)") + (s.statusFilter.map { " · \($0)" } ?? "") + (s.flaggedOnly ? " · flagged" : "")
                + ". / edits the search, s and f change the filters."
            : s.isLead ? "No sessions. Import bundles with: msreview import PATH" : "Nothing claimed. Press p to pull the next session."
        g.put(message, x: 1, y: 3, style: Style(.muted), maxWidth: g.width - 2)
        return
    }
    let top = max(0, min(s.cursor - s.listHeight / 2, s.total - s.listHeight))
    for row in 0..<s.listHeight {
        let index = top + row
        let i = index - s.rowsOffset
        guard index < s.total, s.rows.indices.contains(i) else { continue }
        let r = s.rows[i]
        let selected = index == s.cursor
        let base = Style(selected ? .selection : .normal, reverse: selected)
        if selected { g.fill(x: 0, y: row + 2, width: g.width, height: 1, style: base) }
        let findings = r.fraud + r.suspect + r.integrity == 0 ? "" : r.findingsText
        let findStyle = Style(r.fraud > 0 ? .bad : .warn, bold: r.fraud > 0, reverse: selected)
        let values: [(String, Style)] = [
            (r.id, base), (String(r.startedAt.prefix(16).dropFirst(shortTime ? 5 : 0)).replacingOccurrences(of: "T", with: " "), base), (r.locationID, base),
            (r.employeeID + (r.employeeName.map { " " + $0 } ?? ""), base), (r.status, Style(statusRole(r.status), reverse: selected)), (findings, findStyle),
        ]
        var x = 1
        for ((w, _), (text, style)) in zip(cols, values) { g.put(TextWidth.fit(text, w), x: x, y: row + 2, style: style); x += w + 1 }
    }
}

func statusRole(_ status: String) -> Style.Role {
    switch status {
    case "approved", "submitted": return .good
    case "returned": return .bad
    case "draft", "claimed": return .accent
    default: return .normal
    }
}

func drawSession(_ s: AppState, _ g: inout Grid) {
    guard let d = s.session else { return }
    let m = d.summary
    titleBar("\(m.id) · \(m.locationID) · \(m.employeeName ?? m.employeeID)", right: "[\(s.review?.record.status.rawValue ?? m.status)]", &g)
    let leftW = max(34, g.width * 45 / 100)
    let rightX = leftW + 1
    let bottom = g.height - 2
    var y = 1
    func left(_ text: String, _ style: Style = .normal) {
        guard y < bottom else { return }
        g.put(text, x: 1, y: y, style: style, maxWidth: leftW - 1)
        y += 1
    }
    let start = Timestamp(rfc3339: m.startedAt), end = Timestamp(rfc3339: m.endedAt)
    left(d.summary.locationName ?? m.locationID, Style(.normal, bold: true))
    left("\(start?.local.timeString ?? "") – \(end?.local.timeString ?? "")  \(start?.localDate ?? "")  \(d.timezone ?? "")", Style(.muted))
    left("device \(m.deviceID) · checklist \(s.review?.checklist.map { "\($0.id) v\($0.version)" } ?? m.checklist ?? "—")", Style(.muted))
    y += 1
    drawTimeline(s, d, &g, x: 1, y: &y, width: leftW - 2, bottom: bottom)
    y += 1
    for q in d.questionnaires {
        left("\(q.id) \(q.form ?? "")  \(q.startedAt.local.timeString)–\(q.submittedAt.local.timeString)", Style(.accent, bold: true))
        for a in q.answers { left("  \(a.question) = \(a.value.display)") }
    }
    for p in d.photos {
        let exif = p.exifText.map { "EXIF " + String($0.suffix(8)) } ?? "no EXIF"
        // The photo's own findings stand where "ok" would: ok beside a time mismatch misleads.
        let own = d.findings.filter { $0.file == p.entry.file && $0.decision?.verdict != .dismissed }
        let state = own.isEmpty ? p.status.rawValue : own.map(\.code.rawValue).joined(separator: ", ")
        let role: Style.Role = p.status != .ok || own.contains { $0.severity == .fraud } ? .bad : own.isEmpty ? .normal : .warn
        left("📷 \(p.entry.file.split(separator: "/").last ?? "")  \(state)  \(p.entry.takenAt?.local.timeString ?? "—")  \(exif)", Style(role))
    }
    for s in d.findings {
        let f = s.finding
        let role: Style.Role = s.decision?.verdict == .dismissed ? .muted : f.severity == .fraud ? .bad : f.severity == .suspect ? .warn : .muted
        let mark = s.decision.map { $0.verdict == .confirmed ? "✓ " : "✗ " } ?? "! "
        left(mark + [f.code.rawValue, f.questionnaireID, f.file.map { String($0.split(separator: "/").last ?? "") }].compactMap { $0 }.joined(separator: " "),
             Style(role, bold: f.severity == .fraud && s.decision?.verdict != .dismissed))
    }
    for row in 1..<bottom { g.put("│", x: leftW, y: row, style: Style(.muted)) }
    drawChecklist(s, &g, x: rightX + 1, width: g.width - rightX - 2, top: 1, bottom: bottom)
}

func drawTimeline(_ s: AppState, _ d: SessionDetail, _ g: inout Grid, x: Int, y: inout Int, width: Int, bottom: Int) {
    let readable = d.recordings.filter { $0.durationMillis != nil }
    guard let first = readable.map(\.entry.startedAt.utcMillis).min(),
          let last = readable.compactMap({ r in r.durationMillis.map { r.entry.startedAt.utcMillis + $0 } }).max(), last > first, width > 4 else {
        g.put("no playable audio", x: x, y: y, style: Style(.muted)); y += 1
        return
    }
    let span = Double(last - first)
    let blocks = Array(" ▁▂▃▄▅▆▇█")
    // The envelope is the first recording's 100 ms RMS; each column shows its loudest frame.
    let envStart = readable.first?.entry.startedAt.utcMillis ?? first
    var wave = ""
    for col in 0..<width {
        let a = first + Int64(span * Double(col) / Double(width)), b = first + Int64(span * Double(col + 1) / Double(width))
        let i0 = Int((a - envStart) / 100), i1 = max(i0 + 1, Int((b - envStart) / 100))
        var peak: UInt16 = 0
        if i0 < s.envelope.count, i1 > 0 { for i in max(0, i0)..<min(i1, s.envelope.count) { peak = max(peak, s.envelope[i]) } }
        let level = peak == 0 ? 0 : min(8, max(1, Int((20 * log10(Double(peak) / 65535) + 60) / 60 * 8)))
        wave.append(blocks[level])
    }
    guard y < bottom else { return }
    g.put(wave, x: x, y: y, style: Style(.accent))
    let head = Int(Double(s.position - first) / span * Double(width))
    if (0..<width).contains(head) { g[x + head, y] = Cell(text: String(wave[wave.index(wave.startIndex, offsetBy: head)]), style: Style(.bad, reverse: true), continuation: false) }
    y += 1
    guard y < bottom else { return }
    var marks = Array(repeating: Character(" "), count: width)
    func mark(_ t: Int64, _ c: Character) {
        let col = Int(Double(t - first) / span * Double(width))
        if (0..<width).contains(col) { marks[col] = c }
    }
    for q in d.questionnaires { mark(q.startedAt.utcMillis, "Q") }
    for p in d.photos { if let t = p.entry.takenAt { mark(t.utcMillis, "P") } }
    for e in s.review?.entries.values.flatMap(\.evidence) ?? [] { mark(e, "*") }
    g.put(String(marks), x: x, y: y, style: Style(.muted))
    y += 1
    guard y < bottom else { return }
    let clock = Timestamp(utcMillis: s.position, offsetSeconds: Timestamp(rfc3339: d.summary.startedAt)?.offsetSeconds ?? 0).local.timeString
    let state = s.audioNote != nil ? "✕ no sound" : s.playing ? "▶" : "Ⅱ"
    g.put("\(state) \(clock)  ×\(speedText(s.speed))", x: x, y: y, style: Style(.normal, bold: true))
    y += 1
}

func speedText(_ v: Double) -> String {
    let hundredths = Int((v * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}

func drawChecklist(_ s: AppState, _ g: inout Grid, x: Int, width: Int, top: Int, bottom: Int) {
    guard let review = s.review, let c = review.checklist, let score = review.score else {
        g.put(s.review == nil ? "Checklist: read only" : "Checklist not chosen", x: x, y: top, style: Style(.muted))
        return
    }
    let verdict = score.passed ? "PASS" : "FAIL"
    let whose = s.reviewIsOthers ? "  by \(review.record.reviewer) [\(review.record.status.rawValue)]" : ""
    g.put("\(c.id) v\(c.version)  \(percentText(score.percent))  \(verdict)\(whose)", x: x, y: top,
          style: Style(score.passed ? .good : .bad, bold: true), maxWidth: width)
    var lines: [(String, Style, Int?)] = []  // text, style, item index
    var index = 0
    for (section, sc) in zip(c.sections, score.sections) {
        lines.append(("[\(section.id)] \(section.title)  \(percentText(sc.percent))", Style(.accent, bold: true), nil))
        for item in section.items {
            let e = review.effective[item.id]
            let mark = e.map { $0.answer.text } ?? "·"
            let failed = score.failedItems.contains(item.id)
            let crit = item.critical != .none ? "!" : " "
            let ev = (e?.evidence.isEmpty ?? true) ? "" : " *"
            lines.append(("\(crit)\(TextWidth.fit(mark, 3)) \(item.id)\(ev)  \(item.text)", Style(failed ? .bad : e == nil ? .normal : .good), index))
            index += 1
        }
    }
    for f in score.criticalFailures { lines.insert(("critical failure: \(f.itemID)", Style(.bad, bold: true), nil), at: 0) }
    let guidanceRows = 3
    let listRows = max(1, bottom - top - 1 - guidanceRows)
    let cursorLine = lines.firstIndex { $0.2 == s.itemCursor } ?? 0
    let first = max(0, min(cursorLine - listRows / 2, lines.count - listRows))
    for (row, line) in lines.dropFirst(first).prefix(listRows).enumerated() {
        let selected = line.2 == s.itemCursor
        var style = line.1
        if selected { style.reverse = true; g.fill(x: x, y: top + 1 + row, width: width, height: 1, style: style) }
        g.put(line.0, x: x, y: top + 1 + row, style: style, maxWidth: width)
    }
    if let item = s.currentItem {
        let gy = bottom - guidanceRows
        let kind: String
        switch item.kind {
        case .yesno: kind = "y/n"
        case let .scale(n): kind = "1–\(n)"
        case let .points(n): kind = "0–\(n)"
        }
        let tags = [kind, item.allowsNA ? "a=N/A" : nil, item.evidenceOnFail ? "evidence if failed" : nil,
                    item.critical != .none ? "critical: \(item.critical.rawValue)" : nil].compactMap { $0 }.joined(separator: " · ")
        g.put(tags, x: x, y: gy, style: Style(.muted, bold: true), maxWidth: width)
        let text = item.guidance.isEmpty ? item.text : item.guidance
        var rest = Substring(text)
        for r in 1..<guidanceRows {
            guard !rest.isEmpty else { break }
            var cut = rest.startIndex, used = 0
            while cut < rest.endIndex, used + TextWidth.of(String(rest[cut])) <= width { used += TextWidth.of(String(rest[cut])); cut = rest.index(after: cut) }
            g.put(String(rest[..<cut]), x: x, y: gy + r, style: Style(.muted), maxWidth: width)
            rest = rest[cut...].drop { $0 == " " }
        }
    }
}

func drawBottom(_ s: AppState, _ g: inout Grid) {
    let statusY = g.height - 2, keysY = g.height - 1
    g.put(s.status, x: 1, y: statusY, style: Style(.warn), maxWidth: g.width - 2)
    let hint: String
    switch s.mode {
    case let .search(text): hint = "/" + text + "▏  Enter filter · Esc cancel"
    case let .comment(text): hint = "comment: " + text + "▏  Enter save · Esc cancel"
    case .confirmSubmit: hint = "Submit this review? y = submit, any other key = cancel"
    case .confirmApprove: hint = "Approve this review? y = approve, any other key = cancel"
    case let .overrideAnswer(item, text): hint = "override \(item) to (yes/no/na/number): " + text + "▏  Enter next · Esc cancel"
    case let .reason(action, text):
        let what: String
        switch action {
        case .returnReview: what = "reason for returning: "
        case .override: what = "reason for the override: "
        case let .decideFinding(id, verdict): what = "reason to \(verdict == .confirmed ? "confirm" : "dismiss") #\(id): "
        }
        hint = what + text + "▏  Enter save · Esc cancel"
    case .findings:
        hint = s.decidesFindings ? "j/k move · c confirm · x dismiss (with a reason) · Esc close" : "j/k move · Esc close"
    default:
        hint = s.screen == .audit
            ? "[ ] previous/next period · q back to the queue"
            : s.screen == .queue
            ? "Enter open · p pull · / search · s status · f flagged" + (s.isLead && g.width >= 90 ? " · A audit" : "") + " · ? help · q quit"
            : s.reviewIsOthers
            ? "A approve · R return · O override item · space play · ←/→ 5s · v photo · ? help · F findings · q back"
            : "y/n/a/0-9 answer · m evidence · c comment · S submit · space play · ←/→ 5s · ? help · F findings · q back"
    }
    g.fill(x: 0, y: keysY, width: g.width, height: 1, style: Style(.muted, reverse: true))
    g.put(hint, x: 1, y: keysY, style: Style(.muted, reverse: true), maxWidth: g.width - 2)
}

public let helpLines: [String] = [
    "Queue",
    "  j/k ↑/↓  move      PgUp/PgDn  page    g/G  top/bottom      r  reload",
    "  Enter    open      p  pull next       /  search (id, place, name, date)",
    "  s        status    f  flagged only    o  oldest/newest first",
    "  A        reviewer audit (leads; [ ] change the period)",
    "Session",
    "  j/k ↑/↓  item      y/n  yes/no        a  not applicable  0-9  a number",
    "  m  evidence at play head    c  comment    S  submit (asks)",
    "  v        open next photo              i  preview it here",
    "  F        findings in full: j/k, c confirm, x dismiss (leads, a reason)",
    "  q/Esc    back to the queue",
    "Lead, on another reviewer's review",
    "  A  approve   R  return (reason)   O  override this item (answer, reason)",
    "Player",
    "  space    play/pause  ←/→  5 s   [ ] Shift+←/→  30 s   < >  speed",
    "  N/P      next/previous marker (Q photo P * evidence)",
    "Every answer is saved at once; reopening resumes where you were.",
    "                                   any key closes this help",
]

/// The reviewer audit as a table: flagged reviewers stand out.
func drawAudit(_ s: AppState, _ g: inout Grid) {
    guard let report = s.audit else { return }
    titleBar("msreview — reviewer audit \(report.period.label)", right: "\(report.period.fromDate) – \(report.period.toDate)", &g)
    let lines = report.textLines
    for (i, line) in lines.dropFirst().prefix(max(0, g.height - 4)).enumerated() {
        let row = i == 0 ? nil : report.rows.indices.contains(i - 1) ? report.rows[i - 1] : nil
        let style = i == 0 ? Style(.muted, bold: true) : row.map { $0.flags.isEmpty ? Style.normal : Style(.bad, bold: true) } ?? Style(.muted)
        g.put(line, x: 1, y: i + 1, style: style, maxWidth: g.width - 2)
    }
    if report.rows.allSatisfy({ $0.reviews == 0 }) {
        g.put("No reviews submitted in this period.", x: 1, y: min(g.height - 3, report.rows.count + 3), style: Style(.muted))
    }
}

/// The findings list over the session: each with its id, file, detail and decision.
func drawFindings(_ s: AppState, _ d: SessionDetail, _ g: inout Grid) {
    let cursor: Int
    switch s.mode {
    case let .findings(c): cursor = c
    case .reason(.decideFinding(let id, _), _): cursor = d.findings.firstIndex { $0.id == id } ?? 0
    default: return
    }
    // Full width: the findings' details are long, and nothing of the panes shows through.
    let w = g.width, rows = min(d.findings.count * 2, max(2, g.height - 6))
    let x0 = 0, y0 = max(1, (g.height - rows - 2) / 2)
    g.fill(x: x0, y: y0, width: w, height: rows + 2, style: .normal)
    g.put(" Findings of \(d.summary.id) (\(d.findings.count)) ", x: x0 + 1, y: y0, style: Style(.title, bold: true, reverse: true), maxWidth: w - 2)
    // Two lines a finding: what and where, then its detail or the decision on it.
    let perScreen = max(1, rows / 2)
    let first = max(0, min(cursor - perScreen / 2, d.findings.count - perScreen))
    for (i, sf) in d.findings.dropFirst(first).prefix(perScreen).enumerated() {
        let f = sf.finding, selected = first + i == cursor
        let role: Style.Role = sf.decision?.verdict == .dismissed ? .muted : f.severity == .fraud ? .bad : f.severity == .suspect ? .warn : .muted
        let y = y0 + 1 + 2 * i
        if selected { g.fill(x: x0, y: y, width: w, height: 2, style: Style(.selection, reverse: true)) }
        let head = "#\(sf.id) \(f.severity.rawValue) \(f.code.rawValue) " + [f.questionnaireID, f.file].compactMap { $0 }.joined(separator: " ")
            + (sf.decision.map { "  — \($0.verdict.rawValue) by \($0.by)" } ?? "  — undecided")
        g.put(head, x: x0 + 1, y: y, style: Style(role, bold: true, reverse: selected), maxWidth: w - 2)
        let second = sf.decision.map { "\($0.verdict.rawValue): \($0.reason) · \(f.detail)" } ?? f.detail
        g.put("  " + second, x: x0 + 1, y: y + 1, style: Style(.normal, reverse: selected), maxWidth: w - 2)
    }
}

func drawPreview(_ title: String, _ lines: [String], _ g: inout Grid) {
    let w = min(g.width - 2, (lines.first.map(TextWidth.of) ?? 0) + 4), h = min(g.height - 2, lines.count + 2)
    let x0 = (g.width - w) / 2, y0 = (g.height - h) / 2
    g.fill(x: x0, y: y0, width: w, height: h, style: .normal)
    g.put(" " + title + " ", x: x0 + 1, y: y0, style: Style(.title, bold: true, reverse: true), maxWidth: w - 2)
    for (i, line) in lines.prefix(h - 2).enumerated() { g.put(line, x: x0 + 2, y: y0 + 1 + i, maxWidth: w - 4) }
}

func drawHelp(_ s: AppState, _ g: inout Grid) {
    let w = min(g.width - 2, (helpLines.map(TextWidth.of).max() ?? 72) + 4), h = min(g.height - 2, helpLines.count + 2)
    let x0 = (g.width - w) / 2, y0 = (g.height - h) / 2
    g.fill(x: x0, y: y0, width: w, height: h, style: Style(.normal, reverse: true))
    g.put(" Keys ", x: x0 + 2, y: y0, style: Style(.title, bold: true, reverse: true))
    for (i, line) in helpLines.prefix(h - 2).enumerated() {
        g.put(line, x: x0 + 2, y: y0 + 1 + i, style: Style(.normal, bold: !line.hasPrefix(" "), reverse: true), maxWidth: w - 4)
    }
}
