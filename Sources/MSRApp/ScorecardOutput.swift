import MSRCore
import MSRStore
import MSRMedia

extension Estimate {
    /// Value, low and high in percent with one decimal (`scale` 100 for rates held as fractions);
    /// low and high are null where a single value gives no interval (a rate always has one).
    public func percentCells(scale: Double = 1) -> [JSON] {
        let interval = count > 1 || scale != 1
        return [Score.percentJSON(value * scale), interval ? Score.percentJSON(low * scale) : .null, interval ? Score.percentJSON(high * scale) : .null]
    }
}

/// Scorecards as JSON, CSV and self-contained HTML (docs/exports.md describes all three).
/// Percents and rates are in percent with one decimal (scoring.md); an interval that a single
/// value cannot have is null.
extension ScorecardReport {
    // MARK: JSON

    /// An estimate in percent (`scale` 100 for rates held as fractions).
    static func estimateJSON(_ e: Estimate?, scale: Double = 1) -> JSON {
        guard let e else { return .null }
        let v = e.percentCells(scale: scale)
        return .object([("value", v[0]), ("low", v[1]), ("high", v[2]), ("count", e.count.json)])
    }

    static func change(_ a: Estimate?, _ b: Estimate?, scale: Double = 1) -> Double? {
        guard let a, let b else { return nil }
        return Score.rounded(a.value * scale) - Score.rounded(b.value * scale)
    }

    func figuresJSON(_ f: ScorecardFigures) -> JSON {
        .object([
            ("sessions_reviewed", f.sessionsReviewed.json),
            ("mean_percent", Self.estimateJSON(f.meanPercent)),
            ("pass_rate", Self.estimateJSON(f.passRate, scale: 100)),
            ("passed", f.passed.json),
            ("critical_failures", .array(f.criticalFailures.map { c in
                .object([("session_id", c.sessionID.json), ("review_id", c.reviewID.json), ("local_date", c.localDate.json),
                         ("checklist_id", c.checklistID.json), ("section_id", c.sectionID.json), ("item_id", c.itemID.json),
                         ("item", c.itemText.json), ("scope", c.scope.rawValue.json)])
            })),
            ("sections", .array(f.sections.map { s in
                .object([("checklist_id", s.checklistID.json), ("section_id", s.sectionID.json), ("title", s.title.json),
                         ("mean_percent", Self.estimateJSON(s.percent))])
            })),
            ("csi", Self.estimateJSON(f.csi)),
            ("nps", Self.estimateJSON(f.nps)),
            ("questionnaires", f.questionnaires.json),
            ("questionnaires_left_out_for_fraud", f.questionnairesLeftOutForFraud.json),
            ("questionnaires_left_out_confirmed", f.questionnairesLeftOutConfirmed.json),
            ("questionnaires_kept_in_dismissed", f.questionnairesKeptInDismissed.json),
            ("callback_requests", f.callbackRequests.json),
            ("disputed_items", f.disputedItems.json),
            ("overturned_items", f.overturnedItems.json),
            ("callbacks_reached", f.callbacksReached.json),
            ("callback_first_attempt_median_minutes", f.callbackFirstAttemptMedianMinutes.map { .number($0.rounded()) } ?? .null),
            ("callbacks_overdue", f.callbacksOverdue.json),
        ])
    }

    static func periodJSON(_ p: ReportingPeriod) -> JSON {
        .object([("label", p.label.json), ("unit", p.unit.rawValue.json), ("from", p.fromDate.json), ("to", p.toDate.json)])
    }

    func changeJSON(_ c: Scorecard) -> JSON {
        .object([
            ("sessions_reviewed", (c.current.sessionsReviewed - c.previous.sessionsReviewed).json),
            ("mean_percent", Score.percentJSON(Self.change(c.current.meanPercent, c.previous.meanPercent))),
            ("pass_rate", Score.percentJSON(Self.change(c.current.passRate, c.previous.passRate, scale: 100))),
            ("csi", Score.percentJSON(Self.change(c.current.csi, c.previous.csi))),
            ("nps", Score.percentJSON(Self.change(c.current.nps, c.previous.nps))),
        ])
    }

    public var json: JSON {
        .object([
            ("by", subject.rawValue.json),
            ("period", Self.periodJSON(period)),
            ("previous_period", Self.periodJSON(previousPeriod)),
            ("scorecards", .array(cards.map { c in
                .object([
                    ("key", c.key.json), ("name", includesNames ? c.name.json : .null), ("rank", c.rank.map { $0.json } ?? .null),
                    ("current", figuresJSON(c.current)), ("previous", figuresJSON(c.previous)), ("change", changeJSON(c)),
                    ("trend", .array(zip(periods, c.trend).map { p, e in
                        .object([("period", p.label.json), ("from", p.fromDate.json), ("to", p.toDate.json), ("mean_percent", Self.estimateJSON(e))])
                    })),
                    ("rank_lowest", c.rankLowest.map { $0.json } ?? .null),
                ])
            })),
        ])
    }

    // MARK: CSV

    /// Value, low, high and count as CSV cells (an absent estimate counts 0).
    static func cells(_ e: Estimate?, scale: Double = 1) -> [String] {
        ((e?.percentCells(scale: scale) ?? [.null, .null, .null]) + [(e?.count ?? 0).json]).map(Exporter.cell)
    }

    /// The CSV files of `--format csv`, by name, each with its header row.
    public var csvFiles: [(name: String, rows: [[String]])] {
        let name = includesNames ? ["name"] : []
        var main: [[String]] = [[subject.rawValue + "_id"] + name + [
            "rank", "period", "from", "to", "sessions_reviewed",
            "mean_percent", "mean_percent_low", "mean_percent_high", "reviews_with_percent",
            "pass_rate", "pass_rate_low", "pass_rate_high", "reviews", "passed", "critical_failures",
            "csi", "csi_low", "csi_high", "csi_answers", "nps", "nps_low", "nps_high", "nps_answers",
            "questionnaires", "questionnaires_left_out_for_fraud", "questionnaires_left_out_confirmed", "questionnaires_kept_in_dismissed", "callback_requests",
            "previous_sessions_reviewed", "previous_mean_percent", "previous_pass_rate", "previous_csi", "previous_nps",
            "change_sessions_reviewed", "change_mean_percent", "change_pass_rate", "change_csi", "change_nps",
            "rank_lowest", "disputed_items", "overturned_items", "callbacks_reached", "callback_first_attempt_median_minutes", "callbacks_overdue",
        ]]
        var sections: [[String]] = [[subject.rawValue + "_id", "period", "checklist_id", "section_id", "section",
                                     "mean_percent", "mean_percent_low", "mean_percent_high", "reviews"]]
        var critical: [[String]] = [[subject.rawValue + "_id", "period", "local_date", "session_id", "review_id",
                                     "checklist_id", "section_id", "item_id", "item", "scope"]]
        var trend: [[String]] = [[subject.rawValue + "_id", "period", "from", "to", "mean_percent", "mean_percent_low", "mean_percent_high", "reviews"]]
        for c in cards {
            let (f, p) = (c.current, c.previous)
            let changes = changeJSON(c)
            main.append([c.key] + (includesNames ? [c.name ?? ""] : []) + [
                c.rank.map(String.init) ?? "", period.label, period.fromDate, period.toDate, String(f.sessionsReviewed)]
                + Self.cells(f.meanPercent) + Self.cells(f.passRate, scale: 100).prefix(3) + [String(f.passRate?.count ?? 0), String(f.passed), String(f.criticalFailures.count)]
                + Self.cells(f.csi) + Self.cells(f.nps)
                + [String(f.questionnaires), String(f.questionnairesLeftOutForFraud), String(f.questionnairesLeftOutConfirmed),
                   String(f.questionnairesKeptInDismissed), String(f.callbackRequests), String(p.sessionsReviewed)]
                + [p.meanPercent?.value, p.passRate.map { $0.value * 100 }, p.csi?.value, p.nps?.value].map { Exporter.cell(Score.percentJSON($0)) }
                + ["sessions_reviewed", "mean_percent", "pass_rate", "csi", "nps"].map { Exporter.cell(changes[$0] ?? .null) }
                + [c.rankLowest.map(String.init) ?? "", String(f.disputedItems), String(f.overturnedItems), String(f.callbacksReached),
                   f.callbackFirstAttemptMedianMinutes.map { String(Int($0.rounded())) } ?? "", String(f.callbacksOverdue)])
            for (label, figures) in [(period.label, f), (previousPeriod.label, p)] {
                for s in figures.sections {
                    sections.append([c.key, label, s.checklistID, s.sectionID, s.title] + Self.cells(s.percent))
                }
                for x in figures.criticalFailures {
                    critical.append([c.key, label, x.localDate, x.sessionID, String(x.reviewID), x.checklistID, x.sectionID, x.itemID, x.itemText, x.scope.rawValue])
                }
            }
            for (period, e) in zip(periods, c.trend) {
                trend.append([c.key, period.label, period.fromDate, period.toDate] + Self.cells(e))
            }
        }
        return [("scorecards.csv", main), ("sections.csv", sections), ("critical-failures.csv", critical), ("trend.csv", trend)]
    }
}

// MARK: HTML

public typealias ScorecardHTML = HTMLReport

/// Self-contained HTML reports (scorecards, audits): inline CSS and SVG, no script (a
/// Content-Security-Policy forbids any and any outside load), laid out for A4 paper.
public enum HTMLReport {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// A file name for a subject's page that no id can turn into a path: bytes outside
    /// `A-Z a-z 0-9 . -` become `_XX`.
    public static func fileName(_ subject: ScorecardSubject, _ key: String) -> String {
        var name = subject.rawValue + "-"
        for b in key.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "-"):
                name.unicodeScalars.append(Unicode.Scalar(b))
            default:
                name += "_" + hexString([b])
            }
        }
        return name + ".html"
    }

    static let style = """
        @page { size: A4; margin: 14mm 12mm; }
        * { box-sizing: border-box; }
        body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt; color: #1b1f24; margin: 0 auto; max-width: 186mm; padding: 8mm 0; }
        h1 { font-size: 16pt; margin: 0 0 2mm; } h3 { font-size: 10.5pt; margin: 4mm 0 1mm; } h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #c8ccd1; padding-bottom: 1mm; }
        .sub { color: #57606a; margin: 0 0 4mm; }
        table { border-collapse: collapse; width: 100%; page-break-inside: auto; }
        tr { page-break-inside: avoid; }
        th, td { text-align: left; padding: 1.2mm 1.5mm; border-bottom: 1px solid #e1e4e8; vertical-align: middle; }
        th { font-weight: 600; background: #f3f4f6; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .ci { color: #57606a; font-size: 8.5pt; }
        .up { color: #116329; } .down { color: #a40e26; } .flat { color: #57606a; }
        .crit { color: #a40e26; font-weight: 600; }
        td.stack .ci { display: block; }
        table.index { font-size: 9pt; } table.index th, table.index td { padding: 1mm 1.2mm; }
        table.audit { font-size: 8pt; } table.audit th, table.audit td { padding: 0.8mm 1mm; } td.who { min-width: 30mm; }
        .note { color: #57606a; font-size: 9pt; }
        svg { display: block; } svg text { font-family: inherit; font-size: 8px; fill: #57606a; } svg text.axis { font-size: 12px; }
        a { color: #0b57d0; text-decoration: none; }
        @media print {
          a { color: inherit; } body { padding: 0; font-size: 9pt; } h2 { page-break-after: avoid; }
          h1 { font-size: 14pt; margin-bottom: 1mm; } h2 { font-size: 10.5pt; margin: 3mm 0 1mm; padding-bottom: 0.5mm; }
          .sub { margin-bottom: 2mm; } p.note { font-size: 8pt; margin: 1mm 0; } th, td { padding: 0.5mm 1.2mm; }
          /* On paper a table may not run past the right margin: cells wrap, bars shrink. */
          td.n, th.n { white-space: normal; } td.who { overflow-wrap: anywhere; } table.index svg { width: 24mm; height: auto; }
        }
        """

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="ru"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title><style>\(style)</style></head>
        <body>
        \(body)
        </body></html>

        """
    }

    static func num(_ v: Double) -> String { JSON.format(number: (v * 10).rounded() / 10) }

    static func pct(_ e: Estimate?, scale: Double = 1) -> String {
        guard let e else { return "—" }
        let v = Score.text(e.value * scale)
        guard e.count > 1 || scale != 1 else { return "\(v) <span class=\"ci\">(n=1)</span>" }
        return "\(v) <span class=\"ci\">[\(Score.text(e.low * scale))–\(Score.text(e.high * scale))] n=\(e.count)</span>"
    }

    /// CSI or NPS on the index: the value with its answer count; from fewer than five answers it is
    /// shown grey, so an NPS of ±100 from one answer does not read as a finding.
    static func answered(_ e: Estimate?) -> String {
        guard let e else { return "—" }
        let v = Score.text(e.value)
        return (e.count < 5 ? "<span class=\"flat\">\(v)</span>" : v) + " <span class=\"ci\">n=\(e.count)</span>"
    }

    static func changeCell(_ a: Estimate?, _ b: Estimate?, scale: Double = 1) -> String {
        guard let d = ScorecardReport.change(a, b, scale: scale) else { return "<td class=\"n flat\">—</td>" }
        // Intervals that overlap mean the samples cannot tell the periods apart.
        let overlap = a!.count > 1 && b!.count > 1 ? !(a!.low > b!.high || b!.low > a!.high) : true
        let cls = overlap || d == 0 ? "flat" : d > 0 ? "up" : "down"
        let sign = d > 0 ? "+" : d < 0 ? "−" : "±"
        return "<td class=\"n \(cls)\" title=\"\(overlap ? "within the intervals" : "intervals apart")\">\(sign)\(Score.text(abs(d)))</td>"
    }

    /// A value with its interval on a horizontal scale from `lo` to `hi`.
    static func intervalBar(_ e: Estimate?, scale: Double = 1, lo: Double = 0, hi: Double = 100, width: Double = 150, bar: Bool = false) -> String {
        let h = 14.0
        func x(_ v: Double) -> Double { (min(max(v, lo), hi) - lo) / (hi - lo) * (width - 8) + 4 }
        var s = "<svg width=\"\(Int(width))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(width)) \(Int(h))\" role=\"img\">"
        s += "<line x1=\"4\" y1=\"7\" x2=\"\(num(width - 4))\" y2=\"7\" stroke=\"#d0d7de\" stroke-width=\"1\"/>"
        if lo < 0 { s += "<line x1=\"\(num(x(0)))\" y1=\"2\" x2=\"\(num(x(0)))\" y2=\"12\" stroke=\"#8c959f\" stroke-width=\"0.8\"/>" }
        if let e {
            let v = e.value * scale
            if bar { s += "<rect x=\"\(num(min(x(0), x(v))))\" y=\"3\" width=\"\(num(abs(x(v) - x(lo < 0 ? 0 : lo))))\" height=\"8\" fill=\"#9ec5fe\"/>" }
            if e.count > 1 || scale != 1 {
                s += "<line x1=\"\(num(x(e.low * scale)))\" y1=\"7\" x2=\"\(num(x(e.high * scale)))\" y2=\"7\" stroke=\"#0b57d0\" stroke-width=\"2\"/>"
            }
            s += "<circle cx=\"\(num(x(v)))\" cy=\"7\" r=\"3\" fill=\"#0b3a8c\"/>"
        }
        return s + "</svg>"
    }

    /// The trend of the mean review percent with its intervals, one point per period.
    /// The trend's axis labels, short enough for a readable size: a month as "Dec" with its year
    /// beneath the first and every January, a week as "W47", a day as "20" with its month beneath
    /// the first and every 1st, a range by its first day.
    static func axisLabels(_ periods: [ReportingPeriod]) -> [(String, String?)] {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return periods.enumerated().map { i, p in
            let date = p.fromDate   // YYYY-MM-DD
            let year = String(date.prefix(4)), month = Int(date.dropFirst(5).prefix(2)) ?? 1, day = Int(date.suffix(2)) ?? 1
            switch p.unit {
            case .month: return (months[max(0, min(11, month - 1))], i == 0 || month == 1 ? year : nil)
            case .week:
                let label = p.label   // YYYY-Www
                return (String(label.suffix(3)), i == 0 || label.hasSuffix("W01") ? String(label.prefix(4)) : nil)
            case .day: return (String(day), i == 0 || day == 1 ? String(date.prefix(7)) : nil)
            case .range: return (String(date.dropFirst(5)), i == 0 ? year : nil)
            }
        }
    }

    static func trendChart(_ periods: [ReportingPeriod], _ trend: [Estimate?], passMark: Double?) -> String {
        // Axis text at 12 px: 9 pt when printed (96 px to the inch); periods without reviews are
        // shaded gaps, the line is not drawn across them.
        let (w, h, left, top, bottom) = (640.0, 190.0, 34.0, 8.0, 40.0)
        let plotH = h - top - bottom
        let step = (w - left - 10) / Double(max(periods.count, 1))
        func y(_ v: Double) -> Double { top + (1 - min(max(v, 0), 100) / 100) * plotH }
        func x(_ i: Int) -> Double { left + step * (Double(i) + 0.5) }
        var s = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"trend of the mean review percent\">"
        for (i, e) in trend.enumerated() where e == nil {
            s += "<rect x=\"\(num(x(i) - step / 2 + 1))\" y=\"\(num(top))\" width=\"\(num(step - 2))\" height=\"\(num(plotH))\" fill=\"#f6f8fa\"/>"
        }
        for g in [0.0, 25, 50, 75, 100] {
            s += "<line x1=\"\(num(left))\" y1=\"\(num(y(g)))\" x2=\"\(num(w - 10))\" y2=\"\(num(y(g)))\" stroke=\"#eaeef2\"/>"
            s += "<text class=\"axis\" x=\"\(num(left - 4))\" y=\"\(num(y(g) + 4))\" text-anchor=\"end\">\(Int(g))</text>"
        }
        if let passMark {
            s += "<line x1=\"\(num(left))\" y1=\"\(num(y(passMark)))\" x2=\"\(num(w - 10))\" y2=\"\(num(y(passMark)))\" stroke=\"#cf222e\" stroke-dasharray=\"4 3\" stroke-width=\"0.8\"/>"
        }
        var path = "", pen = false
        for (i, e) in trend.enumerated() {
            guard let e else { pen = false; continue }
            if e.count > 1 {
                s += "<line x1=\"\(num(x(i)))\" y1=\"\(num(y(e.high)))\" x2=\"\(num(x(i)))\" y2=\"\(num(y(e.low)))\" stroke=\"#9ec5fe\" stroke-width=\"5\"/>"
            }
            path += (pen ? " L" : " M") + "\(num(x(i))) \(num(y(e.value)))"
            pen = true
        }
        if !path.isEmpty { s += "<path d=\"\(path)\" fill=\"none\" stroke=\"#0b57d0\" stroke-width=\"1.5\"/>" }
        for (i, e) in trend.enumerated() {
            if let e { s += "<circle cx=\"\(num(x(i)))\" cy=\"\(num(y(e.value)))\" r=\"2.5\" fill=\"#0b3a8c\"/>" }
        }
        for (i, (label, under)) in axisLabels(periods).enumerated() {
            s += "<text class=\"axis\" x=\"\(num(x(i)))\" y=\"\(num(h - bottom + 15))\" text-anchor=\"middle\">\(escape(label))</text>"
            if let under { s += "<text class=\"axis\" x=\"\(num(x(i)))\" y=\"\(num(h - bottom + 30))\" text-anchor=\"middle\">\(escape(under))</text>" }
        }
        if trend.contains(where: { $0 == nil }) {
            s += "<text class=\"axis\" x=\"\(num(w - 10))\" y=\"\(num(h - 2))\" text-anchor=\"end\">shaded: no reviews</text>"
        }
        return s + "</svg>"
    }

    public static func index(_ report: ScorecardReport) -> String {
        let what = report.subject == .employee ? "Employee" : "Location"
        var rows = ""
        for c in report.cards {
            let f = c.current
            let name = report.includesNames && c.name != nil ? "<br><span class=\"ci\">\(escape(c.name!))</span>" : ""
            rows += "<tr><td class=\"n\">\(c.rankText ?? "—")</td>"
            rows += "<td class=\"who\"><a href=\"\(fileName(report.subject, c.key))\">\(escape(c.key))</a>\(name)</td>"
            rows += "<td class=\"n\">\(f.sessionsReviewed)</td><td class=\"n stack\">\(pct(f.meanPercent))</td><td>\(intervalBar(f.meanPercent, width: 110))</td>"
            rows += "<td class=\"n stack\">\(pct(f.passRate, scale: 100))</td>"
            rows += "<td class=\"n\(f.criticalFailures.isEmpty ? "" : " crit")\">\(f.criticalFailures.count)</td>"
            rows += changeCell(f.meanPercent, c.previous.meanPercent)
            rows += "<td class=\"n stack\">\(answered(f.csi))</td><td class=\"n stack\">\(answered(f.nps))</td></tr>\n"
        }
        let body = """
            <h1>\(what) scorecards — \(escape(report.period.label))</h1>
            <p class="sub">\(escape(report.period.fromDate)) to \(escape(report.period.toDate)), local time of each location; compared with \(escape(report.previousPeriod.label)). \(report.cards.count) \(report.subject.rawValue)s.</p>
            <p class="note">Ranked by mean review percent. Intervals are 95 % (Student's t for means, Wilson for rates). A rank is the range of places the figures allow: from one more than the number whose whole interval lies above, to the number not wholly below — so two whose intervals overlap always get ranges that meet, and neither is shown as placed above the other. A single review has no interval and may be anywhere.</p>
            <table class="index">
            <thead><tr><th class="n">Rank</th><th>\(what)</th><th class="n">Sessions</th><th class="n">Mean %</th><th>0 – 100</th><th class="n">Pass %</th><th class="n">Crit.</th><th class="n">Δ mean</th><th class="n">CSI</th><th class="n">NPS</th></tr></thead>
            <tbody>
            \(rows)</tbody></table>
            """
        return page(title: "\(what) scorecards \(report.period.label)", body: body)
    }

    /// Critical failures listed on a card (one A4 page); the others are counted.
    static let criticalFailuresShown = 8

    public static func card(_ c: Scorecard, in report: ScorecardReport) -> String {
        let passMark = c.passMark
        let (f, p) = (c.current, c.previous)
        let what = report.subject == .employee ? "Employee" : "Location"
        let name = report.includesNames ? c.name.map { " — " + escape($0) } ?? "" : ""
        func row(_ label: String, _ a: String, _ b: String, _ change: String) -> String {
            "<tr><th>\(label)</th><td class=\"n\">\(a)</td><td class=\"n\">\(b)</td>\(change)</tr>\n"
        }
        var figures = row("Sessions reviewed", "\(f.sessionsReviewed)", "\(p.sessionsReviewed)",
                          "<td class=\"n\">\(f.sessionsReviewed - p.sessionsReviewed >= 0 ? "+" : "−")\(abs(f.sessionsReviewed - p.sessionsReviewed))</td>")
        figures += row("Mean review %", pct(f.meanPercent), pct(p.meanPercent), changeCell(f.meanPercent, p.meanPercent))
        figures += row("Pass rate %", pct(f.passRate, scale: 100), pct(p.passRate, scale: 100), changeCell(f.passRate, p.passRate, scale: 100))
        figures += row("Critical failures", "\(f.criticalFailures.count)", "\(p.criticalFailures.count)", "<td></td>")
        figures += row("CSI", pct(f.csi), pct(p.csi), changeCell(f.csi, p.csi))
        figures += row("NPS", pct(f.nps), pct(p.nps), changeCell(f.nps, p.nps))
        figures += row("Questionnaires left out for fraud", "\(f.questionnairesLeftOutForFraud) of \(f.questionnaires)",
                       "\(p.questionnairesLeftOutForFraud) of \(p.questionnaires)", "<td></td>")
        figures += row("… of them confirmed by a lead", "\(f.questionnairesLeftOutConfirmed)", "\(p.questionnairesLeftOutConfirmed)", "<td></td>")
        figures += row("Kept in: fraud findings dismissed", "\(f.questionnairesKeptInDismissed)", "\(p.questionnairesKeptInDismissed)", "<td></td>")
        func callbackWork(_ f: ScorecardFigures) -> String {
            "\(f.callbacksReached) reached, \(f.callbacksOverdue) overdue" + (f.callbackFirstAttemptMedianMinutes.map { ", first call \(Int($0.rounded())) min" } ?? "")
        }
        figures += row("Callback requests", "\(f.callbackRequests) <span class=\"ci\">\(callbackWork(f))</span>",
                       "\(p.callbackRequests) <span class=\"ci\">\(callbackWork(p))</span>", "<td></td>")
        figures += row("Items disputed (overturned)", "\(f.disputedItems) (\(f.overturnedItems))", "\(p.disputedItems) (\(p.overturnedItems))", "<td></td>")

        var sections = ""
        for s in f.sections {
            let before = p.sections.first { $0.checklistID == s.checklistID && $0.sectionID == s.sectionID }?.percent
            sections += "<tr><td>\(escape(s.title)) <span class=\"ci\">\(escape(s.checklistID))</span></td><td>\(intervalBar(s.percent, width: 200, bar: true))</td>"
            sections += "<td class=\"n\">\(pct(s.percent))</td>\(changeCell(s.percent, before))</tr>\n"
        }
        // The card is one A4 page: the first critical failures are listed, the rest counted
        // (the CSV lists every one).
        var critical = ""
        for x in f.criticalFailures.prefix(Self.criticalFailuresShown) {
            critical += "<tr><td>\(escape(x.localDate))</td><td>\(escape(x.sessionID))</td><td>\(escape(x.itemText)) <span class=\"ci\">\(escape(x.checklistID)) / \(escape(x.itemID))</span></td><td>\(x.scope == .session ? "whole review" : "section")</td></tr>\n"
        }
        if f.criticalFailures.count > Self.criticalFailuresShown {
            critical += "<tr><td colspan=\"4\" class=\"ci\">… and \(f.criticalFailures.count - Self.criticalFailuresShown) more: scorecards --format csv lists every one (critical-failures.csv)</td></tr>\n"
        }
        let indices = """
            <table><tbody>
            <tr><th>CSI (0 – 100)</th><td>\(intervalBar(f.csi, width: 220, bar: true))</td><td class="n">\(pct(f.csi))</td><td class="ci">previous \(p.csi.map { Score.text($0.value) } ?? "—")</td></tr>
            <tr><th>NPS (−100 – 100)</th><td>\(intervalBar(f.nps, lo: -100, hi: 100, width: 220, bar: true))</td><td class="n">\(pct(f.nps))</td><td class="ci">previous \(p.nps.map { Score.text($0.value) } ?? "—")</td></tr>
            </tbody></table>
            <p class="note">\(f.questionnaires) questionnaires; \(f.questionnairesLeftOutForFraud) left out for fraud findings (\(f.questionnairesLeftOutConfirmed) confirmed, \(f.questionnairesLeftOutForFraud - f.questionnairesLeftOutConfirmed) awaiting a lead); \(f.questionnairesKeptInDismissed) kept in, their findings dismissed. n counts answers.</p>
            """
        let body = """
            <p class="note"><a href="index.html">← all \(report.subject.rawValue)s</a></p>
            <h1>\(what) \(escape(c.key))\(name)</h1>
            <p class="sub">\(escape(report.period.label)): \(escape(report.period.fromDate)) to \(escape(report.period.toDate)) · rank \(c.rankText ?? "—") of \(report.cards.filter { $0.rank != nil }.count)</p>
            <table>
            <thead><tr><th></th><th class="n">\(escape(report.period.label))</th><th class="n">\(escape(report.previousPeriod.label))</th><th class="n">Change</th></tr></thead>
            <tbody>
            \(figures)</tbody></table>
            <p class="note">Figures with [low–high] carry a 95 % interval and their count n. A change whose intervals overlap is grey: the samples do not tell the periods apart.</p>
            <h2>Trend of the mean review percent</h2>
            \(trendChart(report.periods, c.trend, passMark: passMark))
            <p class="note">Bars are 95 % intervals\(passMark.map { "; the dashed line is the pass mark (\(num($0)) %)" } ?? "").</p>
            <h2>Sections</h2>
            \(sections.isEmpty ? "<p class=\"note\">No reviewed sessions in the period.</p>" : "<table><thead><tr><th>Section</th><th>0 – 100</th><th class=\"n\">Mean %</th><th class=\"n\">Change</th></tr></thead><tbody>\n\(sections)</tbody></table>")
            <h2>Critical failures</h2>
            \(critical.isEmpty ? "<p class=\"note\">None.</p>" : "<table><thead><tr><th>Day</th><th>Session</th><th>Item</th><th>Fails</th></tr></thead><tbody>\n\(critical)</tbody></table>")
            <h2>Customer satisfaction</h2>
            \(indices)
            """
        return page(title: "\(what) \(c.key) \(report.period.label)", body: body)
    }
}
