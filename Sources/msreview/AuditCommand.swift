import Glibc
import MSRApp
import MSRCore
import MSRMedia
import MSRStore

func auditService(_ inv: Invocation) throws -> AuditService { AuditService(try reviewService(inv)) }

/// The period of an audit command: `--period`/`--at` against the latest submission, or fixed.
func auditPeriod(_ inv: Invocation, _ audit: AuditService) throws -> ReportingPeriod {
    switch try periodChoice(inv) {
    case let .fixed(p): return p
    case let .latest(unit, at): return try audit.latestPeriod(unit, at: at)
    }
}

let periodOptions = [
    OptionSpec(name: "period", value: "P", help: "day, week, month (default), or YYYY-MM, YYYY-Www, YYYY-MM-DD (days of submission, UTC)"),
    OptionSpec(name: "at", value: "DATE", help: "with day/week/month: the period holding DATE (default: the latest submission)"),
    OptionSpec(name: "from", value: "DATE", help: "explicit period: first day"),
    OptionSpec(name: "to", value: "DATE", help: "explicit period: last day"),
]

let calibrateCommand = Command(
    words: ["calibrate"], summary: "Put a session to several reviewers blind, for calibration (lead only).",
    usage: "calibrate SESSION --reviewers A,B[,C...] [--checklist ID] [--json]",
    details: """
    Each reviewer gets a claim of the session (it never expires and does not move the session in
    the queue); they score it as usual (msreview score, or the workstation). No one sees another's
    calibration review — not the other reviewers, not leads — until all have submitted; then
    'msreview audit calibration SESSION' shows every answer, the consensus and the agreement.
    """,
    options: [
        OptionSpec(name: "reviewers", value: "A,B", help: "two or more reviewer ids, comma-separated", repeatable: true),
        OptionSpec(name: "checklist", value: "ID", help: "for a session that names no checklist"),
        OptionSpec(name: "json", value: nil, help: "print the round as JSON"),
    ],
    positionals: 1...1
) { inv in
    let reviewers = inv.all("reviewers").flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    guard !reviewers.isEmpty else { throw UsageError(message: "calibrate needs --reviewers A,B", command: inv.command.name) }
    let round = try auditService(inv).calibrate(session: inv.positionals[0], reviewers: reviewers, checklist: inv.value("checklist"))
    if inv.flag("json") {
        Output.json(.object([("calibration", round.id.json), ("session_id", .string(round.sessionID)),
                             ("checklist", .string("\(round.checklistID)@\(round.checklistVersion)")),
                             ("reviewers", .array(round.reviews.map { .string($0.reviewer) }))]))
    } else {
        Output.line("calibration \(round.id) of \(round.sessionID) against \(round.checklistID) v\(round.checklistVersion): \(round.reviews.map(\.reviewer).joined(separator: ", ")) (blind until all have submitted)")
    }
    return 0
}

// MARK: audit reviewers

func estimateCells(_ e: Estimate?) -> [JSON] { e?.percentCells() ?? [.null, .null, .null] }

let reviewerAuditColumns = ["reviewer", "reviews", "median_review_seconds", "listened_percent", "listened_low", "listened_high",
                            "unheard_submits", "straight_lined", "na_rate", "team_na_rate", "score_bias", "score_bias_low", "score_bias_high",
                            "calibration_deviation", "calibrations", "reaudits", "reaudit_disagreement", "reaudit_difference", "flags",
                            "overturned_percent", "overturned_low", "overturned_high", "team_overturned_percent"]

func reviewerAuditRow(_ a: ReviewerAudit) -> [JSON] {
    [.string(a.reviewer), a.reviews.json, a.medianSeconds.map { .number($0.rounded()) } ?? .null]
        + estimateCells(a.listened) + [a.unheardSubmits.json, a.straightLined.json, Score.percentJSON(a.naRate), Score.percentJSON(a.teamNARate)]
        + estimateCells(a.bias) + [Score.percentJSON(a.calibrationDeviation), a.calibrations.json, a.reaudits.json,
                                   Score.percentJSON(a.reauditDisagreement), Score.percentJSON(a.reauditDifference),
                                   .array(a.flags.map { .string($0) })]
        + (a.overturned?.percentCells(scale: 100) ?? [.null, .null, .null]) + [Score.percentJSON(a.teamOverturned.map { $0 * 100 })]
}

func calibrationJSON(_ c: CalibrationStatus) -> JSON {
    var members: [(String, JSON)] = [
        ("calibration", c.record.id.json), ("session_id", .string(c.record.sessionID)),
        ("checklist", .string("\(c.record.checklistID)@\(c.record.checklistVersion)")),
        ("created_by", .string(c.record.createdBy)), ("created_at", .string(c.record.createdAt)),
        ("reviewers", .array(c.record.reviews.map { r in .object([("reviewer", .string(r.reviewer)), ("status", .string(r.status.rawValue))]) })),
        ("complete", .bool(c.report != nil)), ("submitted", c.submitted.json),
    ]
    guard let r = c.report else { return .object(members) }
    members += [
        ("percent_agreement", Score.percentJSON(r.percentAgreement)),
        ("alpha_nominal", r.alphaNominal.map { .number(($0 * 1000).rounded() / 1000) } ?? .null),
        ("alpha_interval", r.alphaInterval.map { .number(($0 * 1000).rounded() / 1000) } ?? .null),
        ("percents", .array(zip(r.reviewers, r.percents).map { .object([("reviewer", .string($0.0)), ("percent", Score.percentJSON($0.1))]) })),
        ("spread", Score.percentJSON(r.spread)),
        ("deviations", .array(zip(r.reviewers, r.deviations).map { .object([("reviewer", .string($0.0)), ("deviation", Score.percentJSON($0.1))]) })),
        ("items", .array(r.items.map { item in
            .object([("section_id", .string(item.sectionID)), ("item_id", .string(item.itemID)), ("item", .string(item.text)),
                     ("answers", .array(zip(r.reviewers, item.answers).map { .object([("reviewer", .string($0.0)), ("answer", $0.1?.json ?? .null)]) })),
                     ("consensus", item.consensus == .none ? .null : .string(item.consensus.text)), ("agreed", .bool(item.agreed))])
        })),
    ]
    return .object(members)
}

func reauditJSON(_ c: ReauditComparison) -> JSON {
    .object([("session_id", .string(c.sessionID)), ("review_id", c.reviewID.json), ("reviewer", .string(c.reviewer)), ("lead", .string(c.lead)),
             ("status", .string(c.status.rawValue)), ("reviewer_percent", Score.percentJSON(c.reviewerPercent)), ("lead_percent", Score.percentJSON(c.leadPercent)),
             ("items_compared", c.itemsCompared.json),
             ("differences", .array(c.differences.map { d in
                 .object([("item_id", .string(d.itemID)), ("reviewer", d.reviewer?.json ?? .null), ("lead", d.lead?.json ?? .null)])
             }))])
}

func reviewerAuditJSON(_ r: ReviewerAuditReport) -> JSON {
    .object([
        ("period", .object([("label", .string(r.period.label)), ("from", .string(r.period.fromDate)), ("to", .string(r.period.toDate))])),
        ("team_median_review_seconds", r.teamMedianSeconds.map { .number($0.rounded()) } ?? .null),
        ("reviewers", .array(r.rows.map { .object(Array(zip(reviewerAuditColumns, reviewerAuditRow($0)))) })),
        ("calibrations", .array(r.calibrations.map(calibrationJSON))),
        ("reaudits", .array(r.reaudits.map(reauditJSON))),
    ])
}

let auditReviewersCommand = Command(
    words: ["audit", "reviewers"], summary: "Audit the reviewers: review time, listening, straight-lining, N/A, bias, calibration, re-audits (lead only).",
    usage: "audit reviewers [--period P | --from DATE --to DATE] [--format text|json|csv|html] [--out FILE] [--json]",
    details: """
    Per reviewer, over the reviews submitted in the period (days of submission, UTC): reviews;
    median review time (opening the session to submitting); listened (share of the session's
    audio played, mean with its interval); unheard submits (under audit_unheard_share of the audio
    played); straight-lined reviews (every applicable answer the same fraction of its scale); N/A
    rate beside the team's on the same checklists; score bias (mean percent minus the mean of all
    reviews of the same checklist, t interval); calibration deviation (mean absolute difference from
    the consensus, points of each item's scale); re-audits and how often the lead disagreed.
    Flags mark outliers; the thresholds are audit_* settings (msreview --set, docs/audit.md).
    --format html writes a self-contained page (no script) for screen and A4.
    """,
    options: periodOptions + [
        OptionSpec(name: "format", value: "F", help: "text (default), json, csv or html"),
        OptionSpec(name: "out", value: "FILE", help: "write to FILE (whole or not at all) instead of standard output"),
        OptionSpec(name: "json", value: nil, help: "same as --format json"),
    ]
) { inv in
    let format = inv.flag("json") ? "json" : inv.value("format") ?? "text"
    guard ["text", "json", "csv", "html"].contains(format) else { throw UsageError(message: "--format is text, json, csv or html", command: inv.command.name) }
    let audit = try auditService(inv)
    let period = try auditPeriod(inv, audit)
    let report = try audit.reviewerAudit(period: period, thresholds: try loadConfig(inv).auditThresholds)
    let text: String
    switch format {
    case "json": text = reviewerAuditJSON(report).prettySerialized() + "\n"
    case "csv": text = ([reviewerAuditColumns] + report.rows.map { reviewerAuditRow($0).map(csvCell) }).map(CSV.row).joined()
    case "html": text = AuditHTML.reviewers(report)
    default: text = report.textLines.joined(separator: "\n") + "\n"
    }
    if let out = inv.value("out") {
        try writeFileAtomically(out, Array(text.utf8))
    } else {
        Output.raw(text)
    }
    return 0
}

/// A CSV cell: lists (flags) space-separated, the rest as exports write them.
func csvCell(_ v: JSON) -> String {
    if case let .array(a) = v { return a.compactMap(\.stringValue).joined(separator: " ") }
    return Exporter.cell(v)
}

// MARK: audit calibration

let auditCalibrationCommand = Command(
    words: ["audit", "calibration"], summary: "Show calibration rounds: every answer, the consensus, agreement and Krippendorff's alpha.",
    usage: "audit calibration [SESSION] [--format text|json|html] [--out FILE] [--json]",
    details: """
    Without SESSION, every round (a lead sees all, a reviewer their own). A round shows its figures
    only when every reviewer has submitted; before that only who has. Per item: each reviewer's
    answer and the consensus (majority; median for scales and points; N/A when most said so); per
    session: percent agreement (items on which all gave the same answer), Krippendorff's alpha
    (nominal over yes/no items, interval over scale and points items on fractions of their scale;
    unanswered and N/A are missing values), the spread of review percents and each reviewer's mean
    absolute difference from the consensus.
    """,
    options: [
        OptionSpec(name: "format", value: "F", help: "text (default), json or html"),
        OptionSpec(name: "out", value: "FILE", help: "write to FILE instead of standard output"),
        OptionSpec(name: "json", value: nil, help: "same as --format json"),
    ],
    positionals: 0...1
) { inv in
    let format = inv.flag("json") ? "json" : inv.value("format") ?? "text"
    guard ["text", "json", "html"].contains(format) else { throw UsageError(message: "--format is text, json or html", command: inv.command.name) }
    let rounds = try auditService(inv).calibrations(session: inv.positionals.first)
    let text: String
    switch format {
    case "json": text = JSON.array(rounds.map(calibrationJSON)).prettySerialized() + "\n"
    case "html": text = AuditHTML.calibrations(rounds)
    default:
        var lines: [String] = []
        for c in rounds {
            lines.append("calibration \(c.record.id) of \(c.record.sessionID) (\(c.record.checklistID) v\(c.record.checklistVersion)), by \(c.record.createdBy): \(c.submitted) of \(c.record.reviews.count) submitted")
            guard let r = c.report else {
                lines.append("  blind until all have submitted: " + c.record.reviews.map { "\($0.reviewer) \($0.status.rawValue)" }.joined(separator: ", "))
                continue
            }
            let w = max(8, r.items.map(\.itemID.count).max() ?? 0)
            lines.append("  " + "item".padding(toLength: w) + "  " + r.reviewers.map { $0.padding(toLength: 6) }.joined(separator: " ") + "  consensus")
            for item in r.items {
                lines.append("  " + item.itemID.padding(toLength: w) + "  " + item.answers.map { ($0?.text ?? "—").padding(toLength: 6) }.joined(separator: " ")
                             + "  " + item.consensus.text + (item.agreed ? "" : "  *"))
            }
            lines.append("  agreement \(Score.text(r.percentAgreement)) %; alpha nominal \(r.alphaNominal.map { String(format: "%.3f", $0) } ?? "—"), interval \(r.alphaInterval.map { String(format: "%.3f", $0) } ?? "—"); percents "
                         + zip(r.reviewers, r.percents).map { "\($0.0) \(Score.text($0.1))" }.joined(separator: ", ") + "; spread \(Score.text(r.spread))")
        }
        if rounds.isEmpty { lines.append("(no calibrations)") }
        text = lines.joined(separator: "\n") + "\n"
    }
    if let out = inv.value("out") { try writeFileAtomically(out, Array(text.utf8)) } else { Output.raw(text) }
    return 0
}

// MARK: audit sample / reaudits

let auditSampleCommand = Command(
    words: ["audit", "sample"], summary: "Draw a reproducible random sample of submitted reviews and queue them for a lead's re-audit.",
    usage: "audit sample --percent P [--seed S] [--period P | --from DATE --to DATE] [--lead ID] [--dry-run] [--json]",
    details: """
    Draws P % (at least one) of the work reviews submitted in the period. The same seed over the
    same reviews always draws the same ones. Each drawn review becomes a re-audit claim of the lead
    (--lead, default you): score it as usual; 'msreview audit reaudits' and 'audit reviewers' show
    where the second review disagreed. A lead's own reviews are not re-audited by that lead.
    """,
    options: periodOptions + [
        OptionSpec(name: "percent", value: "P", help: "share of the reviews to draw, above 0 up to 100"),
        OptionSpec(name: "seed", value: "S", help: "seed of the draw (default 1)"),
        OptionSpec(name: "lead", value: "ID", help: "the lead who re-audits (default: you)"),
        OptionSpec(name: "dry-run", value: nil, help: "show the draw, queue nothing"),
        OptionSpec(name: "json", value: nil, help: "print the sample as JSON"),
    ]
) { inv in
    guard let p = inv.value("percent"), let percent = Double(p), percent > 0, percent <= 100 else {
        throw UsageError(message: "--percent takes a number above 0 up to 100", command: inv.command.name)
    }
    guard let seed = UInt64(inv.value("seed") ?? "1") else { throw UsageError(message: "--seed takes a whole number", command: inv.command.name) }
    let audit = try auditService(inv)
    let period = try auditPeriod(inv, audit)
    let sample = try audit.drawSample(percent: percent, seed: seed, period: period, lead: inv.value("lead"), dryRun: inv.flag("dry-run"))
    if inv.flag("json") {
        Output.json(.object([("sample", inv.flag("dry-run") ? .null : sample.record.id.json), ("from", .string(period.fromDate)), ("to", .string(period.toDate)),
                             ("percent", .number(percent)), ("seed", .string(String(seed))), ("population", sample.record.population.json),
                             ("drawn", .array(sample.drawn.map { .object([("review_id", $0.id.json), ("session_id", .string($0.sessionID)), ("reviewer", .string($0.reviewer))]) })),
                             ("skipped", .array(sample.skipped.map { .object([("review_id", $0.id.json), ("session_id", .string($0.sessionID))]) }))]))
    } else {
        Output.line("\(inv.flag("dry-run") ? "would draw" : "sample \(sample.record.id):") \(sample.drawn.count) of \(sample.record.population) reviews submitted \(period.fromDate) to \(period.toDate) (seed \(seed))")
        for r in sample.drawn { Output.line("  \(r.sessionID)  \(r.reviewer)  review \(r.id)" + (sample.skipped.contains { $0.id == r.id } ? "  (skipped: the lead cannot re-audit it)" : "")) }
    }
    return 0
}

let auditReauditsCommand = Command(
    words: ["audit", "reaudits"], summary: "Show each re-audit beside the review it audits and where they disagree (lead only).",
    usage: "audit reaudits [--sample ID] [--json]",
    options: [
        OptionSpec(name: "sample", value: "ID", help: "only this sample's re-audits"),
        OptionSpec(name: "json", value: nil, help: "print an array"),
    ]
) { inv in
    let sample = try inv.value("sample").map { v -> Int64 in
        guard let n = Int64(v) else { throw UsageError(message: "--sample takes a sample number", command: inv.command.name) }
        return n
    }
    let list = try auditService(inv).reaudits(sample: sample)
    if inv.flag("json") { Output.json(.array(list.map(reauditJSON))); return 0 }
    for c in list {
        let head = "\(c.sessionID)  \(c.reviewer) \(Score.text(c.reviewerPercent))  \(c.lead) " + (c.leadPercent != nil ? Score.text(c.leadPercent) : c.status.rawValue)
        Output.line(head + (c.itemsCompared > 0 ? "  \(c.differences.count) of \(c.itemsCompared) items differ" : ""))
        for d in c.differences { Output.line("    \(d.itemID): \(d.reviewer?.text ?? "—") → \(d.lead?.text ?? "—")") }
    }
    if list.isEmpty { Output.line("(no re-audits)") }
    return 0
}
