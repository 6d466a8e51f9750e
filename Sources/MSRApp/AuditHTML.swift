import MSRCore

public typealias AuditHTML = HTMLReport

/// The QA lead's reports as HTML (same page frame as the scorecards).
extension HTMLReport {
    static let flagNames: [String: String] = [
        "unheard-submits": "submitted unheard", "listened-little": "listens little", "straight-lining": "straight-lining",
        "na-rate": "many N/A", "lenient": "lenient", "harsh": "harsh", "calibration": "off the consensus", "fast": "very fast",
        "overturned": "often overturned",
    ]

    public static func reviewers(_ report: ReviewerAuditReport) -> String {
        var rows = ""
        for a in report.rows {
            let flags = a.flags.isEmpty ? "" : "<br><span class=\"ci crit\">" + a.flags.map { escape(flagNames[$0] ?? $0) }.joined(separator: ", ") + "</span>"
            rows += "<tr><td class=\"who\">\(escape(a.reviewer))\(flags)</td><td class=\"n\">\(a.reviews)</td><td class=\"n\">\(ReviewerAuditReport.duration(a.medianSeconds))</td>"
            rows += "<td class=\"n stack\">\(pct(a.listened))</td>"
            rows += "<td class=\"n\(a.unheardSubmits > 0 ? " crit" : "")\">\(a.unheardSubmits)</td><td class=\"n\">\(a.straightLined)</td>"
            rows += "<td class=\"n stack\">\(Score.text(a.naRate)) <span class=\"ci\">team \(Score.text(a.teamNARate))</span></td>"
            rows += "<td class=\"n stack\">\(a.bias.map { pct($0) } ?? "—")</td>"
            rows += "<td class=\"n\">\(a.calibrationDeviation.map { Score.text($0) } ?? "—") <span class=\"ci\">n=\(a.calibrations)</span></td>"
            rows += "<td class=\"n\">\(a.reaudits == 0 ? "—" : "\(Score.text(a.reauditDisagreement)) % <span class=\"ci\">n=\(a.reaudits)</span>")</td>"
            rows += "<td class=\"n stack\">\(a.overturned.map { pct($0, scale: 100) } ?? "—") <span class=\"ci\">team \(Score.text(a.teamOverturned.map { $0 * 100 }))</span></td>"
            rows += "</tr>\n"
        }
        var reaudits = ""
        for c in report.reaudits {
            let diffs = c.differences.map { "\(escape($0.itemID)): \(escape($0.reviewer?.text ?? "—")) → \(escape($0.lead?.text ?? "—"))" }.joined(separator: "; ")
            reaudits += "<tr><td>\(escape(c.sessionID))</td><td>\(escape(c.reviewer))</td><td class=\"n\">\(Score.text(c.reviewerPercent))</td>"
            reaudits += "<td>\(escape(c.lead))</td><td class=\"n\">\(Score.text(c.leadPercent))</td><td>\(diffs.isEmpty ? "agrees" : diffs)</td></tr>\n"
        }
        let body = """
            <h1>Reviewer audit — \(escape(report.period.label))</h1>
            <p class="sub">Reviews submitted \(escape(report.period.fromDate)) to \(escape(report.period.toDate)) (UTC days). Team median review time \(ReviewerAuditReport.duration(report.teamMedianSeconds)).</p>
            <table class="index audit">
            <thead><tr><th>Reviewer <span class="ci">flags</span></th><th class="n">Reviews</th><th class="n">Median time</th><th class="n">Heard %</th><th class="n">Unheard</th><th class="n">Straight</th><th class="n">N/A %</th><th class="n">Bias</th><th class="n">Calib.</th><th class="n">Re-audit</th><th class="n">Overturned</th></tr></thead>
            <tbody>
            \(rows)</tbody></table>
            <p class="note">Listened: share of the session's audio played (mean, 95 % t interval). Unheard: submitted with under half heard. Straight: every applicable answer the same. Bias: mean percent minus the mean of all reviews on the same checklist. Calibration: mean absolute difference from the consensus, points of each item's scale. Re-audit: share of items a lead answered differently. Overturned: share of reviews with an item a dispute overturned (95 % Wilson interval), beside the team's.</p>
            <h2>Re-audits</h2>
            \(reaudits.isEmpty ? "<p class=\"note\">None submitted in the period.</p>" : "<table><thead><tr><th>Session</th><th>Reviewer</th><th class=\"n\">%</th><th>Lead</th><th class=\"n\">%</th><th>Where they differ</th></tr></thead><tbody>\n\(reaudits)</tbody></table>")
            \(report.calibrations.isEmpty ? "" : "<h2>Calibrations</h2>\n" + calibrationTables(report.calibrations))
            """
        return page(title: "Reviewer audit \(report.period.label)", body: body)
    }

    static func calibrationTables(_ rounds: [CalibrationStatus]) -> String {
        var out = ""
        for c in rounds {
            out += "<h3>\(escape(c.record.sessionID)) <span class=\"ci\">\(escape(c.record.checklistID)) v\(c.record.checklistVersion) · round \(c.record.id)</span></h3>\n"
            guard let r = c.report else {
                out += "<p class=\"note\">Blind until all have submitted (\(c.submitted) of \(c.record.reviews.count)).</p>\n"
                continue
            }
            let alpha = { (a: Double?) in a.map { String(format: "%.3f", $0) } ?? "—" }
            out += "<p>Agreement \(Score.text(r.percentAgreement)) % · Krippendorff's α nominal \(alpha(r.alphaNominal)), interval \(alpha(r.alphaInterval)) · spread \(Score.text(r.spread)) points</p>\n"
            out += "<table><thead><tr><th>Item</th>" + r.reviewers.map { "<th class=\"n\">\(escape($0))</th>" }.joined() + "<th class=\"n\">Consensus</th></tr></thead><tbody>\n"
            for item in r.items {
                out += "<tr><td>\(escape(item.text)) <span class=\"ci\">\(escape(item.itemID))</span></td>"
                out += item.answers.map { "<td class=\"n\(item.agreed ? "" : " crit")\">\(escape($0?.text ?? "—"))</td>" }.joined()
                out += "<td class=\"n\">\(escape(item.consensus.text))</td></tr>\n"
            }
            out += "<tr><th>Review %</th>" + r.percents.map { "<td class=\"n\">\(Score.text($0))</td>" }.joined() + "<td></td></tr>\n"
            out += "<tr><th>From consensus</th>" + r.deviations.map { "<td class=\"n\">\(Score.text($0))</td>" }.joined() + "<td></td></tr>\n"
            out += "</tbody></table>\n"
        }
        return out
    }

    public static func calibrations(_ rounds: [CalibrationStatus]) -> String {
        page(title: "Calibrations", body: "<h1>Calibrations</h1>\n" + (rounds.isEmpty ? "<p class=\"note\">None.</p>" : calibrationTables(rounds)))
    }
}
