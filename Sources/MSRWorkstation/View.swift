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
    case .callbacks: drawCallbacks(s, &g)
    }
    drawBottom(s, &g)
    if case let .help(offset) = s.mode { drawHelp(s, offset: offset, &g) }
    if let d = s.session, s.screen == .session {
        drawFindings(s, d, &g)
        if case let .history(cursor) = s.mode { drawHistory(s, d, cursor: cursor, &g) }
        if case let .itemText(offset) = s.mode { drawItemText(s, offset: offset, &g) }
        if case let .pickChecklist(cursor) = s.mode { drawChecklistPicker(s, cursor: cursor, &g) }
    }
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
    if let r = s.reviewerFilter { filters += " · by \(r)" }
    if s.flaggedOnly { filters += " · flagged" }
    if s.disputedOnly { filters += " · disputed" }
    if s.newestFirst { filters += " · newest first" }
    let count = "\(s.total)\(s.totalIsAtLeast ? "+" : "") session\(s.total == 1 && !s.totalIsAtLeast ? "" : "s")"
    titleBar("msreview — " + (s.isLead ? "all sessions" : "my queue"), right: "\(who) · \(count)" + filters, &g)
    let columns = queueColumns(s, width: g.width)
    var x = 1
    for c in columns { g.put(TextWidth.fit(c.name, c.width), x: x, y: 1, style: Style(.muted, bold: true)); x += c.width + 1 }
    if s.total == 0 {
        // Say what hides the rows: a search or a filter, before "nothing here at all".
        let narrowed = !s.filter.isEmpty || s.statusFilter != nil || s.flaggedOnly || s.disputedOnly || s.reviewerFilter != nil
        let message = narrowed
            ? "No session matches" + (s.filter.isEmpty ? "" : " /\(s.filter)") + (s.statusFilter.map { " · \($0)" } ?? "") + (s.reviewerFilter.map { " · by \($0)" } ?? "")
                + (s.flaggedOnly ? " · flagged" : "") + (s.disputedOnly ? " · disputed" : "") + ". / edits the search, s, f and D change the filters."
            : s.isLead ? "No sessions. Import bundles with: msreview import PATH" : "Nothing claimed. Press \(s.keys.label(.pull, in: .queue)) to pull the next session."
        g.put(message, x: 1, y: 3, style: Style(.muted), maxWidth: g.width - 2)
        return
    }
    let top = queueTop(s)
    for row in 0..<s.listHeight {
        let index = top + row
        let i = index - s.rowsOffset
        guard index < s.total, s.rows.indices.contains(i) else { continue }
        let r = s.rows[i]
        let selected = index == s.cursor
        let base = Style(selected ? .selection : .normal, reverse: selected)
        if selected { g.fill(x: 0, y: row + 2, width: g.width, height: 1, style: base) }
        var x = 1
        for c in columns {
            let (text, style) = c.cell(r, s, selected)
            g.put(TextWidth.fit(text, c.width), x: x, y: row + 2, style: selected ? Style(style.role == .normal ? .selection : style.role, bold: style.bold, reverse: true) : style, maxWidth: c.width)
            x += c.width + 1
        }
    }
}

/// One queue column: a heading, a width that fits the rows shown, and how a row fills it.
struct QueueColumn {
    var name: String
    var width: Int
    var cell: (SessionSummary, AppState, Bool) -> (String, Style)
}

/// The queue's columns at a width: each as wide as its widest shown value (within bounds), the
/// employee column taking what is left, so findings and flags are not cut while room is spare.
/// Leads get the reviewer holding each session; claims show when they run out, shaded by age.
func queueColumns(_ s: AppState, width: Int) -> [QueueColumn] {
    let rows = s.rows
    func widest(_ values: [String], _ lo: Int, _ hi: Int, _ name: String) -> Int {
        min(hi, max(lo, TextWidth.of(name), values.map(TextWidth.of).max() ?? 0))
    }
    let short = width < 100
    // One zone for every row shown goes in the heading; rows of several zones each say theirs.
    let zones = Set(rows.map { zoneText(Timestamp(rfc3339: $0.startedAt)?.offsetSeconds ?? 0) })
    let oneZone = zones.count <= 1
    let startedName = oneZone ? "STARTED " + (zones.first ?? "") : "STARTED"
    let startedWidth = (short ? 11 : 16) + (oneZone ? 0 : short ? 3 : 4)
    var cols: [QueueColumn] = [
        QueueColumn(name: "SESSION", width: widest(rows.map(\.id), 7, 19, "SESSION")) { r, _, _ in (r.id, .normal) },
        QueueColumn(name: startedName, width: max(startedWidth, TextWidth.of(startedName))) { r, _, _ in (startedText(r.startedAt, short: short, zone: !oneZone), .normal) },
        QueueColumn(name: "LOCATION", width: widest(rows.map(\.locationID), 8, 12, "LOCATION")) { r, _, _ in (r.locationID, .normal) },
        QueueColumn(name: "EMPLOYEE", width: 0) { r, _, _ in (r.employeeID + (r.employeeName.map { " " + $0 } ?? ""), .normal) },
        QueueColumn(name: "STATUS", width: widest(rows.map(\.status), 6, 9, "STATUS")) { r, _, _ in (r.status, Style(statusRole(r.status))) },
    ]
    if s.isLead, rows.contains(where: { $0.reviewer != nil }) {
        cols.append(QueueColumn(name: "REVIEWER", width: widest(rows.compactMap(\.reviewer), 8, 14, "REVIEWER")) { r, _, _ in (r.reviewer ?? "", .normal) })
    }
    let claimTexts = rows.map { claimText($0, now: s.now).0 }
    if claimTexts.contains(where: { !$0.isEmpty }) {
        cols.append(QueueColumn(name: "CLAIM", width: widest(claimTexts, 5, 14, "CLAIM")) { r, st, _ in
            let (text, role) = claimText(r, now: st.now)
            return (text, Style(role))
        })
    }
    let findings = rows.map { $0.fraud + $0.suspect + $0.integrity == 0 ? "" : $0.findingsText }
    cols.append(QueueColumn(name: "FINDINGS", width: widest(findings, 8, 40, "FINDINGS")) { r, _, _ in
        (r.fraud + r.suspect + r.integrity == 0 ? "" : r.findingsText, Style(r.fraud > 0 ? .bad : .warn, bold: r.fraud > 0))
    })
    // The employee column takes what is left, at least enough for an id and a short name;
    // findings give back what a narrow screen lacks, never below their heading.
    let employees = rows.map { $0.employeeID + ($0.employeeName.map { " " + $0 } ?? "") }
    let employeeMin = min(widest(employees, 8, 60, "EMPLOYEE"), 12)
    let e = cols.firstIndex { $0.name == "EMPLOYEE" }!, f = cols.count - 1
    let fixed = cols.enumerated().filter { $0.offset != e }.reduce(0) { $0 + $1.element.width + 1 } + 2
    if fixed + employeeMin > width { cols[f].width = max(8, cols[f].width - (fixed + employeeMin - width)) }
    cols[e].width = max(6, width - (cols.enumerated().filter { $0.offset != e }.reduce(0) { $0 + $1.element.width + 1 } + 2))
    return cols
}

/// A start time as the device wrote it, in the location's zone (its offset shown when asked).
func startedText(_ rfc3339: String, short: Bool, zone: Bool) -> String {
    // Plain character work: Foundation's replacing was a tenth of a queue redraw.
    let local = String(rfc3339.prefix(16).map { $0 == "T" ? " " : $0 })
    let text = short ? String(local.dropFirst(5)) : local
    guard zone, let t = Timestamp(rfc3339: rfc3339) else { return text }
    return text + (short ? "" : " ") + zoneText(t.offsetSeconds)
}

/// A UTC offset as +03 or -04:30.
func zoneText(_ offset: Int) -> String {
    let sign = offset < 0 ? "-" : "+", h = abs(offset) / 3600, m = abs(offset) % 3600 / 60
    return sign + (h < 10 ? "0" : "") + String(h) + (m == 0 ? "" : ":" + (m < 10 ? "0" : "") + String(m))
}

/// A live claim's remaining time, shaded as it ages: fresh plain, past half warn, nearly out or
/// out bad — the staleness a spreadsheet's fading rows show.
func claimText(_ r: SessionSummary, now: Int64) -> (String, Style.Role) {
    guard ["claimed", "draft"].contains(r.status), let claimed = r.claimedMillis, let expires = r.expiresMillis, expires > claimed else { return ("", .normal) }
    let left = expires - now
    if left <= 0 { return ("expired", .bad) }
    let used = Double(now - claimed) / Double(expires - claimed)
    let hours = left / 3_600_000, minutes = left / 60_000 % 60
    let text = "ends in " + (hours > 0 ? "\(hours)h" : "\(minutes)m")
    return (text, used > 0.9 ? .bad : used > 0.5 ? .warn : .muted)
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

/// The checklist pane's lines where they are drawn: for the view and for mouse clicks.
struct ChecklistLayout {
    var x: Int
    var width: Int
    var rows: [(y: Int, item: Int)]
}

/// Where the checklist pane is, its item rows and their y (nil when no checklist is shown).
func checklistLayout(_ s: AppState) -> ChecklistLayout? {
    guard s.screen == .session, s.review?.checklist != nil else { return nil }
    let leftW = max(34, s.width * 45 / 100)
    let x = leftW + 2, top = 1, bottom = s.height - 2
    let lines = checklistLines(s)
    let listRows = max(1, bottom - top - 1 - guidanceRows)
    let cursorLine = lines.firstIndex { $0.2 == s.itemCursor } ?? 0
    let first = max(0, min(cursorLine - listRows / 2, lines.count - listRows))
    var rows: [(y: Int, item: Int)] = []
    for (row, line) in lines.dropFirst(first).prefix(listRows).enumerated() { if let i = line.2 { rows.append((top + 1 + row, i)) } }
    return ChecklistLayout(x: x, width: s.width - x - 1, rows: rows)
}

let guidanceRows = 3

/// Every line of the checklist: section headings and items (text, style, item index).
func checklistLines(_ s: AppState) -> [(String, Style, Int?)] {
    guard let review = s.review, let c = review.checklist, let score = review.score else { return [] }
    var lines: [(String, Style, Int?)] = []
    var index = 0
    let overridden = Dictionary(review.overrides.map { ($0.itemID, $0) }, uniquingKeysWith: { _, b in b })
    for (section, sc) in zip(c.sections, score.sections) {
        lines.append(("[\(section.id)] \(section.title)  \(percentText(sc.percent))", Style(.accent, bold: true), nil))
        for item in section.items {
            let e = review.effective[item.id]
            let mark = e.map { $0.answer.text } ?? "·"
            let failed = score.failedItems.contains(item.id)
            let crit = item.critical != .none ? "!" : " "
            let ev = (e?.evidence.isEmpty ?? true) ? "" : " *"
            // An item a lead overrode says so, with the reviewer's answer before.
            let o = overridden[item.id].map { "  (overridden: \($0.before?.text ?? "unanswered") → \($0.after.text))" } ?? ""
            lines.append(("\(crit)\(TextWidth.fit(mark, 3)) \(item.id)\(ev)  \(item.text)\(o)", Style(failed ? .bad : e == nil ? .normal : .good, bold: !o.isEmpty), index))
            index += 1
        }
    }
    for f in score.criticalFailures { lines.insert(("critical failure: \(f.itemID)", Style(.bad, bold: true), nil), at: 0) }
    return lines
}

func drawChecklist(_ s: AppState, _ g: inout Grid, x: Int, width: Int, top: Int, bottom: Int) {
    guard let review = s.review, review.checklist != nil, let score = review.score, let layout = checklistLayout(s) else {
        g.put(s.review == nil ? "Checklist: read only" : "Checklist not chosen: \(s.keys.label(.checklist, in: .session)) chooses one", x: x, y: top, style: Style(.muted))
        return
    }
    let whose = s.reviewIsOthers ? "by \(review.record.reviewer) [\(review.record.status.rawValue)] · " : ""
    let line = scoreLine(review, compact: true)
    let role: Style.Role = line.hasSuffix("PASS") ? .good : line.contains("FAIL") ? .bad : .accent
    g.put("\(whose)\(review.checklist!.id) v\(review.checklist!.version) · \(line)", x: x, y: top, style: Style(role, bold: true), maxWidth: width)
    _ = score
    let lines = checklistLines(s)
    let listRows = max(1, bottom - top - 1 - guidanceRows)
    let cursorLine = lines.firstIndex { $0.2 == s.itemCursor } ?? 0
    let first = max(0, min(cursorLine - listRows / 2, lines.count - listRows))
    _ = layout
    for (row, line) in lines.dropFirst(first).prefix(listRows).enumerated() {
        let selected = line.2 == s.itemCursor
        var style = line.1
        if selected { style.reverse = true; g.fill(x: x, y: top + 1 + row, width: width, height: 1, style: style) }
        g.put(line.0, x: x, y: top + 1 + row, style: style, maxWidth: width)
    }
    if let item = s.currentItem {
        let gy = bottom - guidanceRows
        g.put(itemTags(item), x: x, y: gy, style: Style(.muted, bold: true), maxWidth: width)
        let text = item.guidance.isEmpty ? item.text : item.guidance
        let wrapped = wrap(text, width: width)
        for (r, l) in wrapped.prefix(guidanceRows - 1).enumerated() {
            let more = r == guidanceRows - 2 && wrapped.count > guidanceRows - 1
            g.put(more ? String(l.dropLast(min(l.count, 12))) + "… Enter: all" : l, x: x, y: gy + 1 + r, style: Style(.muted), maxWidth: width)
        }
    }
}

func itemTags(_ item: Checklist.Item) -> String {
    let kind: String
    switch item.kind {
    case .yesno: kind = "y/n"
    case let .scale(n): kind = "1–\(n)"
    case let .points(n): kind = "0–\(n)"
    }
    return [kind, item.allowsNA ? "a=N/A" : nil, item.evidenceOnFail ? "evidence if failed" : nil,
            item.critical != .none ? "critical: \(item.critical.rawValue)" : nil].compactMap { $0 }.joined(separator: " · ")
}

/// Text broken into lines of at most `width` cells, at spaces where it can.
func wrap(_ text: String, width: Int) -> [String] {
    var out: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = "", used = 0
        for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
            var w = String(word), ww = TextWidth.of(w)
            if used > 0, used + 1 + ww > width { out.append(line); line = ""; used = 0 }
            while ww > width {  // a word longer than the line is cut
                var cut = "", cw = 0
                for ch in w { let c = TextWidth.of(String(ch)); if cw + c > width { break }; cut.append(ch); cw += c }
                out.append(cut); w = String(w.dropFirst(cut.count)); ww = TextWidth.of(w)
            }
            if used > 0 { line += " "; used += 1 }
            line += w; used += ww
        }
        out.append(line)
    }
    return out
}

/// A line being edited: its label, the visible part of the text with the cursor shown in
/// reverse, and what Enter and Esc do.
func drawEditor(_ label: String, _ editor: LineEditor, _ after: String, y: Int, _ g: inout Grid) {
    let style = Style(.muted, reverse: true)
    let x0 = g.put(label, x: 1, y: y, style: style, maxWidth: g.width - 2)
    let field = max(4, g.width - x0 - TextWidth.of(after) - 3)
    let (text, cursorColumn) = editor.visible(width: field)
    g.put(text, x: x0, y: y, style: Style(.normal, bold: true, reverse: true), maxWidth: field)
    let cx = x0 + cursorColumn
    if cx < g.width {
        var c = g[cx, y]
        c.style = Style(.normal, bold: true, reverse: false)
        if c.continuation { c = Cell(text: " ", style: c.style, continuation: false) }
        g[cx, y] = c
    }
    g.put(after, x: min(g.width - 1, x0 + field + 1), y: y, style: style, maxWidth: g.width - 2)
}

func drawBottom(_ s: AppState, _ g: inout Grid) {
    let statusY = g.height - 2, keysY = g.height - 1
    g.put(s.status, x: 1, y: statusY, style: Style(s.statusIsError ? .bad : .warn, bold: s.statusIsError), maxWidth: g.width - 2)
    g.fill(x: 0, y: keysY, width: g.width, height: 1, style: Style(.muted, reverse: true))
    let hint: String
    switch s.mode {
    case let .search(e): drawEditor("/", e, "Enter keep · Esc clear", y: keysY, &g); return
    case let .comment(e): drawEditor("comment: ", e, "Enter save · Esc cancel", y: keysY, &g); return
    case let .overrideAnswer(item, e): drawEditor("override \(item) to (yes/no/na/number): ", e, "Enter next · Esc", y: keysY, &g); return
    case let .reason(action, e):
        let what: String
        switch action {
        case .returnReview: what = "reason for returning: "
        case .override: what = "reason for the override: "
        case let .decideFinding(id, verdict): what = "reason to \(verdict == .confirmed ? "confirm" : "dismiss") #\(id): "
        }
        drawEditor(what, e, "Enter save · Esc cancel", y: keysY, &g)
        return
    case .confirmSubmit: hint = "Submit this review? y = submit, any other key = cancel"
    case .confirmApprove: hint = "Approve this review? y = approve, any other key = cancel"
    case .findings: hint = s.keys.hints(s.decidesFindings ? [.findings] : [], width: g.width - 2) + (s.decidesFindings ? "" : "j/k move · Esc close")
    case .history: hint = s.keys.hints([.history], width: g.width - 2)
    case .help: hint = "j/k ↑/↓ PgUp/PgDn scroll · any other key closes the help"
    case .itemText: hint = "any key closes"
    case .pickChecklist: hint = "j/k choose · Enter score against it · Esc cancel"
    case let .callbackOutcome(id): hint = "callback #\(id): r reached · n no answer (try again later) · w wrong number · d declined · Esc cancel"
    case let .callbackNote(id, outcome, e): drawEditor("#\(id) \(outcome.rawValue), note: ", e, "Enter save · Esc cancel", y: keysY, &g); return
    case .normal: hint = s.keys.hints(s.keyContexts, width: g.width - 2, leaving: s.isLead ? [] : [.audit, .reviewerFilter])
    }
    g.put(hint, x: 1, y: keysY, style: Style(.muted, reverse: true), maxWidth: g.width - 2)
}

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

/// The callbacks still to do, oldest request first: where, what about, how long ago, who to call
/// (name and phone for those who see personal data), and who holds it; overdue ones in red.
func drawCallbacks(_ s: AppState, _ g: inout Grid) {
    let overdue = s.callbacks.filter { callbackOverdue(s, $0) }.count
    titleBar("msreview — callbacks", right: "\(s.callbacks.count) to do" + (overdue > 0 ? " · \(overdue) overdue" : ""), &g)
    guard !s.callbacks.isEmpty else {
        g.put("No callback requests waiting.", x: 1, y: 2, style: Style(.muted), maxWidth: g.width - 2)
        return
    }
    let header = ["#", "session", "location", "topic", "age", "name", "phone", "state"]
    let rows = s.callbacks.map { c -> [String] in
        ["\(c.id)", c.sessionID, c.locationName ?? c.locationID, c.topic ?? "", c.age(now: s.now), c.shown(c.name), c.shown(c.phone),
         (c.status == .taken ? "taken by \(c.takenBy ?? "?")" : "open") + (c.attempts > 0 ? ", \(c.attempts) tried, \(c.outcome?.rawValue ?? "")" : "")
            + (callbackOverdue(s, c) ? " · OVERDUE" : "")]
    }
    // Widths from the content, the state column taking what is left.
    var widths = header.indices.map { i in min(24, max(TextWidth.of(header[i]), rows.map { TextWidth.of($0[i]) }.max() ?? 0)) }
    widths[widths.count - 1] = max(8, g.width - 2 - widths.dropLast().reduce(0, +) - (widths.count - 1))
    func line(_ cells: [String], y: Int, _ style: Style) {
        var x = 1
        for (i, c) in cells.enumerated() where x < g.width - 1 {
            g.put(TextWidth.fit(c, widths[i]), x: x, y: y, style: style, maxWidth: g.width - 1 - x)
            x += widths[i] + 1
        }
    }
    line(header, y: 1, Style(.muted, bold: true))
    let height = max(1, g.height - 4)
    let top = max(0, min(s.callbackCursor - height / 2, s.callbacks.count - height))
    for (i, c) in s.callbacks.enumerated().dropFirst(top).prefix(height) {
        let y = 2 + i - top
        let selected = i == s.callbackCursor
        if selected { g.fill(x: 0, y: y, width: g.width, height: 1, style: Style(.selection)) }
        let style = selected ? Style(.selection) : callbackOverdue(s, c) ? Style(.bad, bold: true) : c.status == .taken ? Style(.accent) : .normal
        line(rows[i], y: y, style)
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

/// The help overlay: generated from the key table, the current screen's keys first, scrolled.
func drawHelp(_ s: AppState, offset: Int, _ g: inout Grid) {
    let lines = s.keys.helpLines(width: helpWidth(s), first: s.keyContexts)
    let footer = "Every answer is saved at once; reopening resumes where you were."
    let w = min(g.width, max(TextWidth.of(footer), lines.map(TextWidth.of).max() ?? 0) + 6)
    let h = min(g.height - 2, lines.count + 3)
    let x0 = (g.width - w) / 2, y0 = (g.height - h) / 2
    g.fill(x: x0, y: y0, width: w, height: h, style: Style(.normal, reverse: true))
    let shown = h - 3
    let from = min(offset, max(0, lines.count - shown))
    let more = lines.count > shown ? " \(from + 1)–\(from + shown) of \(lines.count), j/k scroll " : ""
    g.put(" Keys " + more, x: x0 + 2, y: y0, style: Style(.title, bold: true, reverse: true), maxWidth: w - 4)
    for (i, line) in lines.dropFirst(from).prefix(shown).enumerated() {
        g.put(line, x: x0 + 2, y: y0 + 1 + i, style: Style(.normal, bold: !line.hasPrefix(" "), reverse: true), maxWidth: w - 4)
    }
    g.put(footer, x: x0 + 2, y: y0 + h - 2, style: Style(.muted, reverse: true), maxWidth: w - 4)
}

/// A full-width box over the session screen, the title on its top line; returns its inner rows.
func overlayBox(_ title: String, rows wanted: Int, _ g: inout Grid) -> (x: Int, y: Int, width: Int, rows: Int) {
    let rows = min(wanted, max(2, g.height - 6))
    let y0 = max(1, (g.height - rows - 2) / 2)
    g.fill(x: 0, y: y0, width: g.width, height: rows + 2, style: .normal)
    g.put(" " + title + " ", x: 1, y: y0, style: Style(.title, bold: true, reverse: true), maxWidth: g.width - 2)
    return (1, y0 + 1, g.width - 2, rows)
}

/// The history pane: each entry two lines, what happened, then its reason, comment or detail.
func drawHistory(_ s: AppState, _ d: SessionDetail, cursor: Int, _ g: inout Grid) {
    let list = s.history
    let box = overlayBox("History of \(d.summary.id) (\(list.count))", rows: list.count * 2, &g)
    let perScreen = max(1, box.rows / 2)
    let first = max(0, min(cursor - perScreen / 2, list.count - perScreen))
    for (i, e) in list.dropFirst(first).prefix(perScreen).enumerated() {
        let selected = first + i == cursor, y = box.y + 2 * i
        if selected { g.fill(x: 0, y: y, width: g.width, height: 2, style: Style(.selection, reverse: true)) }
        let when = Timestamp(rfc3339: e.at).map { "\($0.localDate) \($0.local.timeString)" } ?? "          —"
        let role: Style.Role = e.what.hasPrefix("returned") || e.what.hasPrefix("overrode") ? .warn : e.moment != nil ? .accent : .normal
        g.put("\(when)  \(e.who)  \(e.what)" + (e.moment != nil ? "  ▶ Enter" : ""), x: box.x, y: y, style: Style(role, bold: true, reverse: selected), maxWidth: box.width)
        g.put("    " + (e.detail ?? ""), x: box.x, y: y + 1, style: Style(.normal, reverse: selected), maxWidth: box.width)
    }
}

/// The current item in full: its id, kind, text and guidance, wrapped to the screen.
func drawItemText(_ s: AppState, offset: Int, _ g: inout Grid) {
    guard let item = s.currentItem else { return }
    let section = s.items.first { $0.item.id == item.id }?.section
    let width = g.width - 4
    var lines = ["[\(section?.id ?? "")] \(section?.title ?? "")", itemTags(item), ""] + wrap(item.text, width: width)
    if !item.guidance.isEmpty { lines += ["", "Guidance"] + wrap(item.guidance, width: width) }
    if let e = s.review?.entries[item.id] {
        lines += ["", "Answer: \(e.answer.text)" + (e.evidence.isEmpty ? "" : " · \(e.evidence.count) cited moment\(e.evidence.count == 1 ? "" : "s")")]
        if let c = e.comment, !c.isEmpty { lines += wrap("Comment: " + c, width: width) }
    }
    let box = overlayBox(item.id, rows: lines.count, &g)
    for (i, l) in lines.dropFirst(offset).prefix(box.rows).enumerated() {
        g.put(l, x: box.x + 1, y: box.y + i, style: i + offset == 0 || l == "Guidance" ? Style(.accent, bold: true) : .normal, maxWidth: box.width - 1)
    }
}

/// The checklists a session naming none can be scored against.
func drawChecklistPicker(_ s: AppState, cursor: Int, _ g: inout Grid) {
    let box = overlayBox("Checklist for \(s.session?.summary.id ?? "")", rows: s.checklists.count, &g)
    let first = max(0, min(cursor - box.rows / 2, s.checklists.count - box.rows))
    for (i, id) in s.checklists.dropFirst(first).prefix(box.rows).enumerated() {
        let selected = first + i == cursor
        if selected { g.fill(x: 0, y: box.y + i, width: g.width, height: 1, style: Style(.selection, reverse: true)) }
        g.put(id, x: box.x + 1, y: box.y + i, style: Style(.normal, bold: selected, reverse: selected), maxWidth: box.width - 1)
    }
}
