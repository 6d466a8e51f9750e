import MSRApp
import MSRCore
import MSRMedia
import MSRStore

let fraudCommand = Command(
    words: ["fraud"], summary: "Show (or re-run) the anti-fraud and integrity findings.",
    usage: "fraud [--session S] [--recheck] [--severity S]... [--code C]... [--format text|json|csv] | fraud --explain CODE",
    details: """
    Checks run at import; --recheck runs every check again over the stored sessions (or one
    session and what it shares photos or time with), with the current thresholds: the config
    file and --set (see docs/fraud.md). file-* findings come from import and stay.
    --format json prints the bundle format's array of findings, sorted by session, questionnaire, code.
    """,
    options: [
        OptionSpec(name: "session", value: "S", help: "only this session"),
        OptionSpec(name: "recheck", value: nil, help: "run the checks again before printing"),
        OptionSpec(name: "severity", value: "S", help: "only fraud, suspect or integrity findings", repeatable: true),
        OptionSpec(name: "code", value: "C", help: "only findings with this code", repeatable: true),
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
    let format = inv.flag("json") ? "json" : inv.value("format") ?? "text"
    guard ["text", "json", "csv"].contains(format) else { throw UsageError(message: "--format is text, json or csv", command: inv.command.name) }
    let store = try openStore(inv)
    if let s = inv.value("session"), try !store.sessionExists(s) { throw CommandError(message: "no session \"\(s)\"") }
    if inv.flag("recheck") {
        let media = try? MediaStore(root: store.mediaRoot)
        let n = try FraudEngine(store: store, thresholds: thresholds, media: media,
                                prober: IsolatedProber(executable: selfExecutable())).recheck(session: inv.value("session")) { done in
            Output.progress("checked \(done) sessions")
        }
        Output.endProgress()
        if format == "text" { Output.line("checked \(n) session(s)") }
    }
    var findings = try store.findings(sessionID: inv.value("session"))
    if !severities.isEmpty { findings = findings.filter { severities.contains($0.severity) } }
    if !codes.isEmpty { findings = findings.filter { codes.contains($0.code) } }
    switch format {
    case "json":
        Output.json(.array(findings.map(\.json)))
    case "csv":
        var out = CSV.row(["session_id", "questionnaire_id", "file", "code", "severity", "detail"])
        for f in findings { out += CSV.row([f.sessionID, f.questionnaireID ?? "", f.file ?? "", f.code.rawValue, f.severity.rawValue, f.detail]) }
        Output.raw(out)
    default:
        for f in findings {
            let target = [f.questionnaireID, f.file].compactMap { $0 }.joined(separator: " ")
            Output.line("\(f.sessionID)  \(f.severity.rawValue.padding(toLength: 9)) \(f.code.rawValue.padding(toLength: 23)) \(target.isEmpty ? "" : target + ": ")\(f.detail)")
        }
        let bySeverity = Dictionary(grouping: findings, by: \.severity)
        Output.line("\(findings.count) finding(s): " + Severity.allCases.map { "\(bySeverity[$0]?.count ?? 0) \($0.rawValue)" }.joined(separator: ", "))
    }
    return 0
}
