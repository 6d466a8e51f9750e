import Glibc
import MSRApp
import MSRCore
import MSRMedia
import MSRStore

let exportCommand = Command(
    words: ["export"], summary: "Export reviews, checklist items, questionnaire answers or findings as CSV or JSON.",
    usage: "export reviews|items|questionnaires|findings [--format csv|json] [--from DATE] [--to DATE] [--location ID] [--employee ID] [--checklist ID] [--out FILE] [--bom] [--include-personal-data]",
    details: """
    Columns are fixed and documented in docs/exports.md. Reviews and items are the submitted and
    approved ones, scored with the checklist version they were filled against (overrides
    applied). CSV is RFC 4180 UTF-8; a cell a spreadsheet would run as a formula gets a leading '.
    Employee names only with --include-personal-data. Rows stream: memory stays flat.
    --out writes FILE whole or not at all.
    """,
    options: [
        OptionSpec(name: "format", value: "F", help: "csv (default) or json"),
        OptionSpec(name: "from", value: "DATE", help: "sessions starting on or after DATE (YYYY-MM-DD local day, or RFC 3339)"),
        OptionSpec(name: "to", value: "DATE", help: "sessions starting on or before DATE"),
        OptionSpec(name: "location", value: "ID", help: "only this location", repeatable: true),
        OptionSpec(name: "employee", value: "ID", help: "only this employee", repeatable: true),
        OptionSpec(name: "checklist", value: "ID", help: "reviews and items of this checklist only"),
        OptionSpec(name: "out", value: "FILE", help: "write to FILE instead of standard output"),
        OptionSpec(name: "bom", value: nil, help: "start the CSV with a UTF-8 byte order mark (for spreadsheet programs)"),
        OptionSpec(name: "include-personal-data", value: nil, help: "add employee names"),
    ],
    positionals: 1...1
) { inv in
    guard let kind = ExportKind(rawValue: inv.positionals[0]) else {
        throw UsageError(message: "export takes reviews, items, questionnaires or findings, not \"\(inv.positionals[0])\"", command: inv.command.name)
    }
    let format = inv.value("format") ?? "csv"
    guard format == "csv" || format == "json" else { throw UsageError(message: "--format is csv or json", command: inv.command.name) }
    let access = try sessionAccess(inv)
    try access.requireReports("run exports")
    if inv.flag("include-personal-data") {
        try access.recordPersonalData("export \(kind.rawValue)", filter: givenOptions(inv, ["from", "to", "location", "employee", "checklist", "format", "out"]),
                                      at: Timestamp.now())
    }
    var exporter = Exporter(store: access.store)
    exporter.filter.locations = inv.all("location")
    exporter.filter.employees = inv.all("employee")
    try dateBound(inv, "from", into: &exporter.filter)
    try dateBound(inv, "to", into: &exporter.filter)
    exporter.checklist = inv.value("checklist")
    exporter.json = format == "json"
    exporter.byteOrderMark = inv.flag("bom")
    exporter.includePersonalData = inv.flag("include-personal-data")
    guard let out = inv.value("out") else {
        let n = try exporter.run(kind, to: RowWriter(fd: 1))
        if Output.showProgress { writeStderr("\(n) rows\n") }
        return 0
    }
    let n = try withAtomicFile(out) { fd in try exporter.run(kind, to: RowWriter(fd: fd)) }
    if Output.showProgress { writeStderr("\(n) rows written to \(out)\n") }
    return 0
}
