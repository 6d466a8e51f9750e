import MSRApp
import MSRCore
import MSRMedia
import MSRStore

let fraudCommand = Command(
    words: ["fraud"], summary: "Show (or re-run) the anti-fraud and integrity findings.",
    usage: "fraud [--session S] [--recheck] [--severity S]... [--code C]... [--decision D]... [--format text|json|csv] | fraud --explain CODE",
    details: """
    Checks run at import; --recheck runs every check again over the stored sessions (or one
    session and what it shares photos or time with), with the current thresholds: the config
    file and --set (see docs/fraud.md). file-* findings come from import and stay; a lead's
    decisions stay on every finding the re-check derives again unchanged.
    Each finding is listed with its id (#N), which `msreview findings confirm|dismiss` takes.
    --format json prints the bundle format's array of findings, sorted by session, questionnaire,
    code, each followed by its "id" and its "decision" (null while undecided). A re-check keeps
    the id of every finding it derives again unchanged.
    """,
    options: [
        OptionSpec(name: "session", value: "S", help: "only this session"),
        OptionSpec(name: "recheck", value: nil, help: "run the checks again before printing"),
        OptionSpec(name: "severity", value: "S", help: "only fraud, suspect or integrity findings", repeatable: true),
        OptionSpec(name: "code", value: "C", help: "only findings with this code", repeatable: true),
        OptionSpec(name: "decision", value: "D", help: "only undecided, confirmed or dismissed findings", repeatable: true),
        OptionSpec(name: "format", value: "F", help: "text (default), json or csv"),
        OptionSpec(name: "json", value: nil, help: "the same as --format json"),
        OptionSpec(name: "explain", value: "CODE", help: "say what a check means and its threshold"),
    ]
) { inv in
    let config = try loadConfig(inv)
    let thresholds = FraudThresholds(config)
    if let code = inv.value("explain") {
        guard let c = FindingCode(rawValue: code) else {
            throw UsageError(message: "unknown code \"\(code)\" (one of: \(FindingCode.allCases.map(\.rawValue).joined(separator: ", ")))", command: inv.command.name)
        }
        Output.line("\(c.rawValue) (\(c.severity.rawValue)): " + FraudCheck.explain(c, thresholds))
        return 0
    }
    let severities = try inv.all("severity").map { s -> Severity in
        guard let v = Severity(rawValue: s) else { throw UsageError(message: "--severity is fraud, suspect or integrity, not \"\(s)\"", command: inv.command.name) }
        return v
    }
    let codes = try inv.all("code").map { s -> FindingCode in
        guard let v = FindingCode(rawValue: s) else { throw UsageError(message: "unknown code \"\(s)\"", command: inv.command.name) }
        return v
    }
    let decisions = try inv.all("decision").map { s -> FindingVerdict? in
        if s == "undecided" { return nil }
        guard let v = FindingVerdict(rawValue: s) else { throw UsageError(message: "--decision is undecided, confirmed or dismissed, not \"\(s)\"", command: inv.command.name) }
        return v
    }
    let format = inv.flag("json") ? "json" : inv.value("format") ?? "text"
    guard ["text", "json", "csv"].contains(format) else { throw UsageError(message: "--format is text, json or csv", command: inv.command.name) }
    let access = try sessionAccess(inv)
    try access.requireReports("read fraud reports")
    let store = access.store
    if let s = inv.value("session"), try !store.sessionExists(s) { throw CommandError(message: "no session \"\(s)\"") }
    if inv.flag("recheck") {
        // Re-deriving findings changes the store: the owner or a lead (an exporter reads them).
        guard access.standing == .owner || access.standing == .lead else { throw ReviewError.leadOnly(actor: access.actor, action: "re-run the checks") }
        let media = try? MediaStore(root: store.mediaRoot)
        let n = try FraudEngine(store: store, thresholds: thresholds, media: media,
                                prober: IsolatedProber(executable: selfExecutable())).recheck(session: inv.value("session")) { done in
            Output.progress("checked \(done) sessions")
        }
        Output.endProgress()
        if format == "text" { Output.line("checked \(n) session(s)") }
    }
    var stored = try store.storedFindings(sessionID: inv.value("session"))
    if !severities.isEmpty { stored = stored.filter { severities.contains($0.finding.severity) } }
    if !codes.isEmpty { stored = stored.filter { codes.contains($0.finding.code) } }
    if !decisions.isEmpty { stored = stored.filter { decisions.contains($0.decision?.verdict) } }
    switch format {
    case "json":
        Output.json(.array(stored.map(\.json)))
    case "csv":
        var out = CSV.row(["session_id", "questionnaire_id", "file", "code", "severity", "detail", "id", "decision", "decision_reason", "decided_by", "decided_at"])
        for s in stored {
            let f = s.finding, d = s.decision
            out += CSV.row([f.sessionID, f.questionnaireID ?? "", f.file ?? "", f.code.rawValue, f.severity.rawValue, f.detail, String(s.id),
                            d?.verdict.rawValue ?? "undecided", d?.reason ?? "", d?.by ?? "", d?.at ?? ""])
        }
        Output.raw(out)
    default:
        for s in stored { Output.line(findingLine(s)) }
        let bySeverity = Dictionary(grouping: stored, by: \.finding.severity)
        let decided = Dictionary(grouping: stored.compactMap(\.decision), by: \.verdict)
        Output.line("\(stored.count) finding(s): " + Severity.allCases.map { "\(bySeverity[$0]?.count ?? 0) \($0.rawValue)" }.joined(separator: ", ")
                    + "; " + FindingVerdict.allCases.map { "\(decided[$0]?.count ?? 0) \($0.rawValue)" }.joined(separator: ", "))
    }
    return 0
}

/// One finding as a line: id, session, severity, code, what it is about, and its decision.
func findingLine(_ s: StoredFinding, session: Bool = true) -> String {
    let f = s.finding
    let target = [f.questionnaireID, f.file].compactMap { $0 }.joined(separator: " ")
    let decision = s.decision.map { "  [\($0.verdict.rawValue) by \($0.by): \($0.reason)]" } ?? ""
    return "#\(s.id)".padding(toLength: 6) + " " + (session ? "\(f.sessionID)  " : "")
        + "\(f.severity.rawValue.padding(toLength: 9)) \(f.code.rawValue.padding(toLength: 23)) \(target.isEmpty ? "" : target + ": ")\(f.detail)\(decision)"
}

let findingsConfirmCommand = findingDecisionCommand(.confirmed)
let findingsDismissCommand = findingDecisionCommand(.dismissed)

func findingDecisionCommand(_ verdict: FindingVerdict) -> Command {
    let verb = verdict == .confirmed ? "confirm" : "dismiss"
    return Command(
        words: ["findings", verb],
        summary: verdict == .confirmed ? "Confirm a finding, with a reason (leads)." : "Dismiss a finding as a false alarm, with a reason (leads).",
        usage: "findings \(verb) ID --reason TEXT [--json]",
        details: """
        ID is the finding's number in `msreview fraud` (#N). The decision is kept with the finding,
        goes into the audit log, and the latest decision on a finding stands. A dismissed fraud
        finding no longer keeps its questionnaire out of CSI and NPS; a confirmed one does, as an
        undecided one does. `msreview fraud --recheck` keeps each decision on the finding it was
        made on when the check derives that finding again unchanged.
        """,
        options: [
            OptionSpec(name: "reason", value: "TEXT", help: "why (required)", required: true),
            OptionSpec(name: "json", value: nil, help: "print the finding with its decision as JSON"),
        ],
        positionals: 1...1
    ) { inv in
        let id = try recordNumber(inv, "a finding's number (as #N in msreview fraud)")
        let decided = try reviewService(inv).decideFinding(id: id, verdict, reason: inv.value("reason") ?? "")
        if inv.flag("json") { Output.json(decided.json) } else { Output.line(findingLine(decided)) }
        return 0
    }
}
