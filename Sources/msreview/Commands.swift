import Glibc
import MSRApp
import MSRCore
import MSRMedia
import MSRStore

/// The store of this run. Only commands that put something in (import, checklists load,
/// reviewers add) create a missing one; every other command says there is none.
func openStore(_ inv: Invocation, creating: Bool = false) throws -> Store {
    let path = try inv.storePath()
    do { return try Store(path: path, create: creating) } catch {
        if error.isNoStore {
            throw CommandError(message: "no store at \(StoreLocator.redacted(path)) (import bundles first, or give --db PATH)")
        }
        throw CommandError(message: "cannot open the store \(StoreLocator.redacted(path)): \(error)")
    }
}

let importCommand = Command(
    words: ["import"], summary: "Import session bundles into the store.",
    usage: "import PATH... [--json]",
    details: """
    PATH is a bundle directory (holding session.json), a .tar/.tar.gz/.tgz bundle, or a spool
    directory whose subdirectories and tar files are bundles. The spool is never changed.
    Each bundle is imported whole or not at all; importing the same bundle again changes
    nothing; a different bundle under a stored session id is rejected as a conflict.
    Missing, corrupt or tampered media are imported with integrity findings. Audio and photos are
    decoded in a child process with CPU, memory and time limits: a file that crashes or hangs a
    decoder is recorded as file-unreadable and the import goes on.
    Exit status: 0 when nothing was rejected, 1 when a bundle was rejected or the store failed.
    """,
    options: [OptionSpec(name: "json", value: nil, help: "print the report as JSON (see docs/cli.md)")],
    positionals: 1...Int.max
) { inv in
    let store = try openStore(inv, creating: true)
    let config = try loadConfig(inv)
    let importer: Importer
    // The C decoders run in child processes of this very executable, with limits (MediaProbe.swift).
    let me = selfExecutable()
    do {
        importer = try Importer(store: store, thresholds: FraudThresholds(config), prober: { IsolatedProber(executable: me) })
    } catch { throw CommandError(message: "media directory: \(error)") }
    importer.progress = { done, total in Output.progress("importing \(done)/\(total) bundles") }
    importer.alerts = AlertSettings(config)
    let report: ImportReport
    do {
        report = try importer.run(paths: inv.positionals)
        Output.endProgress()
    } catch let failure as ImportFailure {
        Output.endProgress()
        printImportReport(failure.report, json: inv.flag("json"))
        throw CommandError(message: failure.message)
    }
    printImportReport(report, json: inv.flag("json"))
    return report.rejected.isEmpty ? 0 : 1
}

func printImportReport(_ report: ImportReport, json: Bool) {
    if json { Output.json(report.json); return }
    for r in report.rejected { Output.line("rejected  \(r.path): \(r.error)") }
    for w in report.warnings { Output.line("warning   \(w)") }
    Output.line("\(report.imported) imported, \(report.unchanged) unchanged, \(report.rejected.count) rejected")
}

/// What this run's actor may see of the store (the one policy the workstation applies too).
func sessionAccess(_ inv: Invocation) throws -> SessionAccess {
    let store = try openStore(inv)
    return try SessionAccess(store: store, actor: try actorName(inv, store))
}

/// The `--status` values given for a kind of record: none → `default`, `all` → every status ([]).
func statusOption<S: RawRepresentable & CaseIterable>(_ inv: Invocation, default fallback: [S]) throws -> [S] where S.RawValue == String {
    let given = inv.all("status")
    if given.isEmpty { return fallback }
    if given.contains("all") { return [] }
    return try given.map { s in
        guard let v = S(rawValue: s) else {
            throw UsageError(message: "--status is \(S.allCases.map(\.rawValue).joined(separator: ", ")) or all, not \"\(s)\"", command: inv.command.name)
        }
        return v
    }
}

/// A record's number as lists show it (`#N` or `N`): `text`, else the first argument.
/// `what` names it for the usage error ("a dispute's number (as #N in msreview disputes)").
func recordNumber(_ inv: Invocation, _ what: String, _ text: String? = nil) throws -> Int64 {
    let given = text ?? inv.positionals[0]
    guard let id = Int64(given.drop { $0 == "#" }), id > 0 else {
        throw UsageError(message: "ID is \(what), not \"\(given)\"", command: inv.command.name)
    }
    return id
}

/// The options of `names` this run was given, for the audit log's record of a report:
/// a repeatable one as an array, a flag as true.
func givenOptions(_ inv: Invocation, _ names: [String]) -> [(String, JSON)] {
    names.compactMap { name in
        let all = inv.all(name)
        if all.count > 1 { return (name, .array(all.map(JSON.string))) }
        if let v = all.first { return (name, .string(v)) }
        return nil
    }
}

/// Who acts in this run (on a team store: the database login, see ReviewerIdentity).
func actorName(_ inv: Invocation, _ store: Store) throws -> String {
    do { return try ReviewerIdentity.resolve(flag: inv.value("reviewer"), environment: inv.environment, store: store) } catch let e as ReviewerIdentity.ActingAsAnother {
        throw UsageError(message: e.description, command: inv.command.name)
    }
}

/// Reads --from/--to: a calendar day or an RFC 3339 moment.
func dateBound(_ inv: Invocation, _ name: String, into filter: inout SessionFilter) throws {
    guard let v = inv.value(name) else { return }
    if CivilTime(date: v) != nil, v.count == 10 {
        if name == "from" { filter.fromDate = v } else { filter.toDate = v }
    } else if let t = Timestamp(rfc3339: v) {
        if name == "from" { filter.fromMillis = t.utcMillis } else { filter.toMillis = t.utcMillis }
    } else {
        throw UsageError(message: "--\(name) takes a date YYYY-MM-DD or an RFC 3339 time, not \"\(v)\"", command: inv.command.name)
    }
}

let sessionsCommand = Command(
    words: ["sessions"], summary: "List stored sessions in time order.",
    usage: "sessions [--status S] [--held-by REVIEWER] [--location ID] [--employee ID] [--from DATE] [--to DATE] [--flagged] [--disputed] [--json]",
    details: """
    Filters combine; --status, --location and --employee may be given several times.
    DATE is a day (YYYY-MM-DD, the session's local day, inclusive) or an RFC 3339 time.
    A reviewer sees only sessions they hold a claim or review of; a lead sees every session
    (as does the one user of a store without registered reviewers).
    """,
    options: [
        OptionSpec(name: "status", value: "S", help: "only sessions with this status (new, claimed, draft, submitted, approved, returned; released or expired: with a review given back or run out)", repeatable: true),
        OptionSpec(name: "held-by", value: "REVIEWER", help: "(leads) only sessions this reviewer holds a claim or review of"),
        OptionSpec(name: "location", value: "ID", help: "only sessions at this location", repeatable: true),
        OptionSpec(name: "employee", value: "ID", help: "only sessions with this employee", repeatable: true),
        OptionSpec(name: "from", value: "DATE", help: "sessions starting on or after DATE"),
        OptionSpec(name: "to", value: "DATE", help: "sessions starting on or before DATE"),
        OptionSpec(name: "flagged", value: nil, help: "only sessions with anti-fraud or integrity findings"),
        OptionSpec(name: "disputed", value: nil, help: "only sessions with an open dispute"),
        OptionSpec(name: "limit", value: "N", help: "at most N sessions"),
        OptionSpec(name: "json", value: nil, help: "print a JSON array (see docs/cli.md)"),
    ]
) { inv in
    var filter = SessionFilter()
    let statuses = inv.all("status")
    if let bad = statuses.first(where: { !sessionStatuses.contains($0) && !["released", "expired"].contains($0) }) {
        throw UsageError(message: "--status is one of \(sessionStatuses.joined(separator: ", ")), released, expired, not \"\(bad)\"", command: inv.command.name)
    }
    filter.statuses = statuses.filter(sessionStatuses.contains)
    filter.reviewStatuses = statuses.filter { !sessionStatuses.contains($0) }
    if !filter.statuses.isEmpty, !filter.reviewStatuses.isEmpty {
        throw UsageError(message: "--status released/expired (a review's) and the session statuses are not combined", command: inv.command.name)
    }
    filter.reviewer = inv.value("held-by")
    filter.locations = inv.all("location")
    filter.employees = inv.all("employee")
    filter.flagged = inv.flag("flagged")
    filter.disputed = inv.flag("disputed")
    try dateBound(inv, "from", into: &filter)
    try dateBound(inv, "to", into: &filter)
    if inv.value("limit") != nil { filter.limit = try inv.int("limit", default: 0, range: 1...Int(Int32.max)) }
    let list = try sessionAccess(inv).sessions(filter)
    if inv.flag("json") {
        Output.json(.array(list.map(\.json)))
        return 0
    }
    let header = ["SESSION", "STARTED", "LOCATION", "EMPLOYEE", "STATUS", "FINDINGS"]
    let rows = list.map { s in
        [s.id, String(s.startedAt.prefix(16)).replacingOccurrences(of: "T", with: " "),
         s.locationID, s.employeeID + (s.employeeName.map { " " + $0 } ?? ""), s.status, s.findingsText]
    }
    printTable(header: header, rows: rows, empty: "(no sessions)")
    return 0
}

/// A table of text columns (each at most 40 wide, the last as long as it is); `empty` is said
/// under the header when there are no rows.
func printTable(header: [String], rows: [[String]], empty: String? = nil) {
    var widths = header.map { TextWidth.of($0) }
    for r in rows { for (i, c) in r.enumerated() { widths[i] = min(max(widths[i], TextWidth.of(c)), 40) } }
    func render(_ r: [String]) -> String {
        r.enumerated().map { i, c in i == r.count - 1 ? c : TextWidth.fit(c, widths[i]) }.joined(separator: "  ")
    }
    Output.line(render(header))
    for r in rows { Output.line(render(r)) }
    if rows.isEmpty, let empty { Output.line(empty) }
}

let showCommand = Command(
    words: ["show"], summary: "Show everything stored about one session.",
    usage: "show SESSION [--json]",
    details: """
    Metadata, recordings with durations, photos with EXIF times, questionnaires with answers, findings.
    A reviewer sees only sessions they hold a claim or review of, and no customer's name or phone;
    a lead sees everything (as does the one user of a store without registered reviewers).
    """,
    options: [OptionSpec(name: "json", value: nil, help: "print a JSON object (see docs/cli.md)")],
    positionals: 1...1
) { inv in
    let access = try sessionAccess(inv)
    let s = try access.session(inv.positionals[0])
    if inv.flag("json") { Output.json(s.json); return 0 }
    // Stored copies that are gone are said beside their file (verify hashes them all).
    let media = try LocalMedia(store: access.store)
    var gone = Set<String>()
    if s.mediaPurgedAt == nil {
        for sha in Set(s.recordings.compactMap(\.sha256) + s.photos.compactMap(\.sha256)) where try media.isGone(sha) { gone.insert(sha) }
    }
    printSession(s, gone: gone)
    return 0
}

func durationText(_ ms: Int64) -> String {
    let s = ms / 1000
    return s >= 3600 ? "\(s / 3600):" + pad2(s % 3600 / 60) + ":" + pad2(s % 60) : "\(s / 60):" + pad2(s % 60)
}

func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }

func printSession(_ s: SessionDetail, gone: Set<String> = []) {
    func lost(_ sha: String?) -> String { sha.map { gone.contains($0) ? "  GONE from the media store" : "" } ?? "" }
    let m = s.summary
    Output.line("Session   \(m.id)   [\(m.status)]")
    Output.line("Location  \(m.locationID)" + (m.locationName.map { "  \($0)" } ?? "") + (s.timezone.map { "  (\($0))" } ?? "")
                + (s.hours.map { "  hours \($0.openText)–\($0.closeText)" } ?? ""))
    Output.line("Employee  \(m.employeeID)" + (m.employeeName.map { "  \($0)" } ?? ""))
    Output.line("Device    \(m.deviceID)")
    Output.line("Time      \(m.startedAt) – \(m.endedAt)")
    Output.line("Checklist \(m.checklist ?? "—")")
    Output.line("Source    \(s.source)  (imported \(s.importedAt))")
    if let purged = s.mediaPurgedAt { Output.line("Media     purged \(purged) (retention): hashes, findings and reviews kept") }
    Output.line()
    Output.line("Recordings (\(s.recordings.count))")
    for r in s.recordings {
        let detail = r.durationMillis.map { durationText($0) + "  \(r.sampleRate ?? 0) Hz  \(r.channels ?? 0) ch  \(r.container ?? "")" } ?? "—"
        Output.line("  \(r.entry.file)  from \(r.entry.startedAt)  \(detail)  [\(r.status.rawValue)]" + lost(r.sha256))
    }
    Output.line()
    Output.line("Photos (\(s.photos.count))")
    for p in s.photos {
        let taken = p.entry.takenAt.map { "taken \($0)" } ?? "taken —"
        let exif = p.exifText.map { "EXIF \($0)" + (p.exifOffsetKnown ? "" : " (no offset)") } ?? "no EXIF time"
        let size = p.width.map { "\($0)×\(p.height ?? 0)" } ?? ""
        // Why a photo is not matched for similarity, when it is not (docs/fraud.md, "Low detail").
        let unmatched = p.thumbnail?.lowDetailReason.map { "  not matched for similarity: \($0)" } ?? ""
        Output.line("  \(p.entry.file)  \(taken)  \(exif)  \(size)  [\(p.status.rawValue)]" + lost(p.sha256) + unmatched)
    }
    Output.line()
    Output.line("Questionnaires (\(s.questionnaires.count))")
    for q in s.questionnaires {
        Output.line("  \(q.id)  \(q.form ?? "")  \(q.startedAt) – \(q.submittedAt)" + (q.photos.isEmpty ? "" : "  photos: " + q.photos.joined(separator: ", ")))
        for a in q.answers {
            let at = a.answeredAt.map { "  @" + $0.local.timeString } ?? ""
            Output.line("    \(a.question) (\(a.kind.rawValue)) = \(a.value.display)\(at)" + (a.text.map { "   «\($0)»" } ?? ""))
        }
    }
    if !s.callbackRequests.isEmpty {
        Output.line()
        Output.line("Callback requests (\(s.callbackRequests.count))")
        for c in s.callbackRequests {
            Output.line("  \(c.name ?? "—")  \(c.phone ?? "—")  \(c.topic ?? "")  \(c.at?.description ?? "")")
        }
    }
    Output.line()
    Output.line("Findings (\(s.findings.count))")
    for f in s.findings { Output.line("  " + findingLine(f, session: false)) }
}

let samplesGenerateCommand = Command(
    words: ["samples", "generate"], summary: "Write synthetic bundles for benchmarks and scale tests.",
    usage: "samples generate --count N --out DIR [--seed S] [--tar] [--json]",
    details: """
    Each bundle has a few seconds of speech-like audio (FLAC or WAV), a small JPEG with EXIF,
    a CSI/NPS questionnaire and Cyrillic names. One session in ten carries a planted problem:
    reused photo, missing photo, too-fast answers, EXIF time mismatch, outside hours, silent
    audio or a tampered file. The same seed writes the same bytes.
    """,
    options: [
        OptionSpec(name: "count", value: "N", help: "how many bundles"),
        OptionSpec(name: "out", value: "DIR", help: "directory to write them into (created if missing)"),
        OptionSpec(name: "seed", value: "S", help: "random seed (default 1)"),
        OptionSpec(name: "tar", value: nil, help: "write .tar.gz bundles instead of directories"),
        OptionSpec(name: "audio-seconds", value: "N", help: "seconds of audio per bundle (default 4)"),
        OptionSpec(name: "json", value: nil, help: "print what was planted as JSON"),
    ]
) { inv in
    guard inv.value("count") != nil, let out = inv.value("out") else {
        throw UsageError(message: "--count and --out are required", command: inv.command.name)
    }
    let count = try inv.int("count", default: 0, range: 1...10_000_000)
    guard let seed = UInt64(inv.value("seed") ?? "1") else {
        throw UsageError(message: "--seed takes a whole number", command: inv.command.name)
    }
    var gen = SampleGenerator(count: count, seed: seed)
    gen.tar = inv.flag("tar")
    gen.audioSeconds = try inv.int("audio-seconds", default: 4, range: 1...600)
    let plan: SampleGenerator.Plan
    do {
        plan = try gen.generate(into: out) { done, total in if done % 50 == 0 || done == total { Output.progress("writing \(done)/\(total) bundles") } }
        Output.endProgress()
    } catch {
        Output.endProgress()
        throw CommandError(message: "cannot write samples: \(error)")
    }
    if inv.flag("json") {
        Output.json(.object([
            ("written", plan.sessions.count.json),
            ("planted", .object(plan.planted.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) })),
        ]))
    } else {
        Output.line("\(plan.sessions.count) bundles written to \(out) (\(plan.planted.count) with a planted problem)")
    }
    return 0
}

let checklistsValidateCommand = Command(
    words: ["checklists", "validate"], summary: "Check checklist files and report every problem.",
    usage: "checklists validate FILE... [--json]",
    details: "Prints each problem as FILE:LINE: message (see Checklists/README.md). Exit status 1 if any file has a problem.",
    options: [OptionSpec(name: "json", value: nil, help: "print [{\"file\", \"line\", \"message\"}] (an empty array when all are valid)")],
    positionals: 1...Int.max
) { inv in
    var problems: [ChecklistProblem] = []
    var valid: [(String, Checklist)] = []
    for file in inv.positionals {
        let bytes: [UInt8]
        do { bytes = try readFile(file, maxBytes: Checklist.maxFileBytes) } catch {
            problems.append(ChecklistProblem(file: file, line: 0, message: "cannot read: \(error)"))
            continue
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            problems.append(ChecklistProblem(file: file, line: 0, message: "not UTF-8 text"))
            continue
        }
        do throws(ChecklistProblems) {
            valid.append((file, try Checklist.parse(text, file: file)))
        } catch {
            problems += error.problems
        }
    }
    if inv.flag("json") {
        Output.json(.array(problems.map { .object([("file", .string($0.file)), ("line", $0.line.json), ("message", .string($0.message))]) }))
    } else {
        for p in problems { Output.line(p.description) }
        for (file, c) in valid {
            Output.line("\(file): ok — \(c.id) v\(c.version), \(c.sections.count) sections, \(c.items.count) items, pass \(Score.text(c.passMark))%")
        }
    }
    return problems.isEmpty ? 0 : 1
}

/// This program's own path (for starting its decoder children).
func selfExecutable() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    return n > 0 ? String(cString: buf) : CommandLine.arguments[0]
}
