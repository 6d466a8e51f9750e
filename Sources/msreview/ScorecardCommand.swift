import Glibc
import MSRApp
import MSRCore
import MSRMedia
import MSRStore

let scorecardsCommand = Command(
    words: ["scorecards"], summary: "Write employee or location scorecards (HTML, CSV or JSON) with an index ranking them.",
    usage: "scorecards [--by employee|location] [--period day|week|month|YYYY-MM|YYYY-Www|YYYY-MM-DD] [--at DATE] [--from DATE --to DATE] [--location ID] [--employee ID] [--checklist ID] [--format html|csv|json] [--out DIR] [--trend N] [--include-personal-data] [--json]",
    details: """
    One scorecard per employee (or location) with every figure of scoring.md: sessions reviewed,
    mean review percent (Student's t 95 % interval), pass rate (Wilson interval), critical
    failures with item and session, percent per section, CSI and NPS with their counts (questionnaires
    with a fraud finding left out and counted), callback requests; the same for the previous period
    of equal length and the change; a trend of the mean percent over --trend periods (default 12).
    The index ranks by mean percent as a range of places ("2–9"): subjects whose intervals overlap
    get ranges that meet, never one placed above the other.

    Periods are local days of each location's time zone. --period day|week|month reports the day,
    ISO week or calendar month holding --at DATE, else the latest reviewed session; YYYY-MM,
    YYYY-Www and YYYY-MM-DD name one; --from/--to give an explicit range (previous = the range of
    equal length before it). Each session counts once, by its approved review, else its latest
    submitted one.

    --format html (default) writes DIR/index.html and one page per subject: self-contained (inline
    CSS and SVG, no script), for screen and A4 print. csv writes scorecards.csv, sections.csv,
    critical-failures.csv and trend.csv; json writes scorecards.json, or prints it without --out
    (as does --json). Files are written whole or not at all. Employee names only with
    --include-personal-data. Columns and fields: docs/exports.md.
    """,
    options: [
        OptionSpec(name: "by", value: "WHAT", help: "employee (default) or location"),
        OptionSpec(name: "period", value: "P", help: "day, week, month (default), or YYYY-MM, YYYY-Www, YYYY-MM-DD"),
        OptionSpec(name: "at", value: "DATE", help: "with day/week/month: the period holding DATE"),
        OptionSpec(name: "from", value: "DATE", help: "explicit period: first local day"),
        OptionSpec(name: "to", value: "DATE", help: "explicit period: last local day"),
        OptionSpec(name: "location", value: "ID", help: "only sessions at this location", repeatable: true),
        OptionSpec(name: "employee", value: "ID", help: "only this employee", repeatable: true),
        OptionSpec(name: "checklist", value: "ID", help: "only reviews against this checklist"),
        OptionSpec(name: "format", value: "F", help: "html (default), csv or json"),
        OptionSpec(name: "out", value: "DIR", help: "directory to write (created if missing)"),
        OptionSpec(name: "trend", value: "N", help: "periods in the trend, 2–60 (default 12)"),
        OptionSpec(name: "include-personal-data", value: nil, help: "show employee names"),
        OptionSpec(name: "json", value: nil, help: "print the JSON document (same as --format json without --out)"),
    ]
) { inv in
    let name = inv.command.name
    func usage(_ m: String) -> UsageError { UsageError(message: m, command: name) }
    guard let subject = ScorecardSubject(rawValue: inv.value("by") ?? "employee") else { throw usage("--by is employee or location") }
    let format = inv.flag("json") ? "json" : inv.value("format") ?? "html"
    guard ["html", "csv", "json"].contains(format) else { throw usage("--format is html, csv or json") }
    let out = inv.value("out")
    if out == nil && format != "json" { throw usage("--format \(format) needs --out DIR") }

    let choice = try periodChoice(inv)

    let access = try sessionAccess(inv)
    try access.requireReports("run scorecards")
    if inv.flag("include-personal-data") {
        try access.recordPersonalData("scorecards", filter: givenOptions(inv, ["by", "period", "at", "from", "to", "location", "employee", "checklist", "format", "out"]),
                                      at: Timestamp.now())
    }
    var service = ScorecardService(store: access.store)
    service.subject = subject
    service.locations = inv.all("location")
    service.employees = inv.all("employee")
    service.checklist = inv.value("checklist")
    service.includePersonalData = inv.flag("include-personal-data")
    service.callbackDeadlineHours = try loadConfig(inv)["callback_deadline_hours"]
    service.trendLength = try inv.int("trend", default: 12, range: 2...60)
    let period = try service.resolve(choice)
    if Output.showProgress { Output.progress("scoring \(subject.rawValue)s for \(period.label)…") }
    let report = try service.report(period)
    Output.endProgress()

    guard let dir = out else {
        Output.json(report.json)
        return 0
    }
    if mkdir(dir, 0o755) != 0 && errno != EEXIST { throw FileError(path: dir, errno: errno, writing: true) }
    var written: [String] = []
    switch format {
    case "json":
        try writeFileAtomically(dir + "/scorecards.json", Array((report.json.prettySerialized() + "\n").utf8))
        written = ["scorecards.json"]
    case "csv":
        for file in report.csvFiles {
            try writeFileAtomically(dir + "/" + file.name, Array(file.rows.map(CSV.row).joined().utf8))
            written.append(file.name)
        }
    default:
        for (i, card) in report.cards.enumerated() {
            if Output.showProgress && i % 100 == 0 { Output.progress("writing \(i)/\(report.cards.count)") }
            try writeFileAtomically(dir + "/" + ScorecardHTML.fileName(subject, card.key), Array(ScorecardHTML.card(card, in: report).utf8), durable: false)
        }
        // The index last: it links only pages that exist.
        try writeFileAtomically(dir + "/index.html", Array(ScorecardHTML.index(report).utf8))
        Output.endProgress()
        written = ["index.html"]
    }
    Output.line("\(report.cards.count) \(subject.rawValue) scorecards for \(period.label) (\(period.fromDate) to \(period.toDate)), previous \(report.previousPeriod.label): \(written.map { dir + "/" + $0 }.joined(separator: ", "))")
    return 0
}
