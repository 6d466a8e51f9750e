import Glibc
import MSRApp
import MSRCore

/// A command-line mistake: exit status 2 and a pointer to `--help`.
struct UsageError: Error {
    var message: String
    var command: String?
}

/// A failure the user can act on: one line, exit status 1.
struct CommandError: Error {
    var message: String
}

struct OptionSpec: Sendable {
    var name: String
    /// nil for a flag; else the placeholder shown in help, e.g. "PATH".
    var value: String?
    var help: String
    var repeatable = false
    /// A run without it is a usage error (exit 2), whatever the command.
    var required = false
}

/// One command: its words, help text, options and what it does.
struct Command: Sendable {
    var words: [String]
    var summary: String
    var usage: String
    var details: String = ""
    var options: [OptionSpec] = []
    var positionals: ClosedRange<Int> = 0...0
    var run: @Sendable (Invocation) throws -> Int32

    var name: String { words.joined(separator: " ") }

    var help: String {
        var s = "Usage: msreview \(usage)\n\n\(summary)\n"
        if !details.isEmpty { s += "\n" + details + "\n" }
        let all = options + Command.globalOptions
        s += "\nOptions:\n"
        let width = all.map { optionLabel($0).count }.max() ?? 0
        for o in all {
            s += "  " + optionLabel(o).padding(toLength: width) + "  " + o.help + "\n"
        }
        return s
    }

    func optionLabel(_ o: OptionSpec) -> String { "--" + o.name + (o.value.map { " " + $0 } ?? "") }

    static let globalOptions = [
        OptionSpec(name: "db", value: "PATH", help: "the store (default: $MSREVIEW_DB, else $XDG_DATA_HOME/msreview/msreview.sqlite)"),
        OptionSpec(name: "reviewer", value: "ID", help: "act as this reviewer (default: $MSREVIEW_REVIEWER, else the OS user name)"),
        OptionSpec(name: "set", value: "KEY=VALUE", help: "override a setting of $XDG_CONFIG_HOME/msreview/config for this run", repeatable: true),
        OptionSpec(name: "help", value: nil, help: "show this help"),
    ]
}

/// Parsed arguments of one run.
struct Invocation {
    var command: Command
    var values: [String: [String]] = [:]
    var flags: Set<String> = []
    var positionals: [String] = []
    var environment: [String: String]

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The store of this run (`--db`, `$MSREVIEW_DB`, the config's `store`, the default path).
    /// A config file or `--set` that does not parse is a usage error here, for every command.
    func storePath() throws -> String {
        let configured = try loadConfig(self).strings["store"]
        return StoreLocation.resolve(flag: value("db"), environment: environment, configured: configured)
    }

    func int(_ name: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        guard let s = value(name) else { return d }
        guard let v = Int(s), range.contains(v) else {
            throw UsageError(message: "--\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(s)\"", command: command.name)
        }
        return v
    }
}


enum CLI {
    /// Parses `args` (without the program name) against the command table.
    static func parse(_ args: [String], commands: [Command], environment: [String: String]) throws -> Invocation? {
        // Longest match of leading words selects the command.
        var best: Command?
        for c in commands where args.count >= c.words.count && Array(args.prefix(c.words.count)) == c.words {
            if best == nil || c.words.count > best!.words.count { best = c }
        }
        guard let command = best else {
            if let first = args.first, !first.hasPrefix("-") {
                throw UsageError(message: "unknown command \"\(first)\"", command: nil)
            }
            return nil
        }
        var inv = Invocation(command: command, environment: environment)
        let specs = command.options + Command.globalOptions
        var i = command.words.count
        var onlyPositionals = false
        while i < args.count {
            let a = args[i]
            i += 1
            if onlyPositionals || !a.hasPrefix("-") || a == "-" {
                inv.positionals.append(a)
                continue
            }
            if a == "--" { onlyPositionals = true; continue }
            if a == "-h" { inv.flags.insert("help"); continue }
            guard a.hasPrefix("--") else {
                throw UsageError(message: "unknown option \(a) (an argument that starts with \"-\" goes after --)", command: command.name)
            }
            var name = String(a.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw UsageError(message: "unknown option --\(name)", command: command.name)
            }
            if spec.value == nil {
                if inline != nil { throw UsageError(message: "--\(name) takes no value", command: command.name) }
                inv.flags.insert(name)
                continue
            }
            let v: String
            if let inline { v = inline } else {
                guard i < args.count else { throw UsageError(message: "--\(name) needs a value (\(spec.value!))", command: command.name) }
                v = args[i]
                i += 1
            }
            if inv.values[name] != nil && !spec.repeatable {
                throw UsageError(message: "--\(name) given twice", command: command.name)
            }
            inv.values[name, default: []].append(v)
        }
        if inv.flag("help") { return inv }
        if !command.positionals.contains(inv.positionals.count) {
            let r = command.positionals
            let expected = r.lowerBound == r.upperBound ? "\(r.lowerBound)" : r.upperBound == Int.max ? "at least \(r.lowerBound)" : "\(r.lowerBound) to \(r.upperBound)"
            throw UsageError(message: "expected \(expected) argument(s), got \(inv.positionals.count)", command: command.name)
        }
        // Blank counts as missing: a reason of spaces explains nothing.
        for spec in command.options where spec.required && (inv.value(spec.name) ?? "").allSatisfy(\.isWhitespace) {
            throw UsageError(message: "--\(spec.name) \(spec.value ?? "") is required" + (inv.value(spec.name) == nil ? "" : " (not blank)"), command: command.name)
        }
        return inv
    }
}

/// Standard output, written through a buffer (flushed at exit) so large listings are fast.
/// Every write is checked: a full disk or another write error is reported by main (exit 1).
/// Text lines pass through `TerminalText.visible`: bundle-supplied names cannot reach the
/// terminal raw. (A closed pipe ends the command through SIGPIPE, quietly, as for cat.)
enum Output {
    nonisolated(unsafe) static var buffer: [UInt8] = []
    /// The errno of the first failed write to standard output, if any.
    nonisolated(unsafe) static var writeFailure: Int32?

    static func raw(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }
    static func line(_ s: String = "") { raw(TerminalText.visible(s) + "\n") }
    static func json(_ j: JSON) { raw(j.prettySerialized() + "\n") }

    static func flush() {
        defer { buffer.removeAll(keepingCapacity: true) }
        guard writeFailure == nil else { return }
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                writeFailure = errno
                return
            }
            done += n
        }
    }

    static func error(_ s: String) {
        flush()
        writeStderr("msreview: " + TerminalText.visible(s) + "\n")
    }
    /// Progress goes to stderr, only when it is a terminal.
    static let showProgress = isatty(2) == 1
    static func progress(_ s: String) {
        guard showProgress else { return }
        writeStderr("\r\u{1B}[K" + s)
    }
    static func endProgress() { if showProgress { writeStderr("\r\u{1B}[K") } }
}

func writeStderr(_ s: String) {
    var bytes = Array(s.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { break }
        done += n
    }
}

/// Reads `--period day|week|month|YYYY-MM|YYYY-Www|YYYY-MM-DD` (default month) with `--at DATE`,
/// or `--from DATE --to DATE`, as scorecards and audits take them.
func periodChoice(_ inv: Invocation) throws -> PeriodChoice {
    func usage(_ m: String) -> UsageError { UsageError(message: m, command: inv.command.name) }
    let choice: PeriodChoice
    switch (inv.value("from"), inv.value("to")) {
    case (nil, nil):
        let p = inv.value("period") ?? "month"
        if let unit = ReportingPeriod.Unit(rawValue: p), unit != .range {
            if let at = inv.value("at"), ReportingPeriod.day(at) == nil { throw usage("--at takes a date YYYY-MM-DD, not \"\(at)\"") }
            choice = .latest(unit, at: inv.value("at"))
        } else if let fixed = ReportingPeriod(parsing: p) {
            choice = .fixed(fixed)
        } else {
            throw usage("--period is day, week, month, YYYY-MM, YYYY-Www or YYYY-MM-DD, not \"\(p)\"")
        }
    case let (from?, to?):
        guard inv.value("period") == nil else { throw usage("give --period or --from/--to, not both") }
        guard let a = ReportingPeriod.day(from) else { throw usage("--from takes a date YYYY-MM-DD, not \"\(from)\"") }
        guard let b = ReportingPeriod.day(to) else { throw usage("--to takes a date YYYY-MM-DD, not \"\(to)\"") }
        guard a <= b else { throw usage("--from \(from) is after --to \(to)") }
        guard b - a < 3660 else { throw usage("--from/--to may span at most 10 years") }
        choice = .fixed(ReportingPeriod(unit: .range, from: a, to: b))
    default:
        throw usage("--from and --to go together")
    }
    return choice
}
