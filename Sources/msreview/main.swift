import Foundation
import Glibc
import MSRApp
import MSRCore
import MSRMedia

// Only main turns errors into messages and exit codes: 0 ok, 1 failed, 2 usage.
setlocale(LC_ALL, "")
let version = "msreview 0.1.0"

let commands: [Command] = [
    importCommand, sessionsCommand, showCommand, fraudCommand, findingsConfirmCommand, findingsDismissCommand, playCommand, exportCommand,
    scorecardsCommand, pullCommand, releaseCommand, scoreCommand, reviewCommand,
    returnCommand, approveCommand, overrideCommand, disputeCommand, disputeAcceptCommand, disputeRejectCommand, disputesCommand, callbacksCommand, callbacksTakeCommand, callbacksDoneCommand, alertsSendCommand, alertsListCommand, alertsShowCommand, alertsRetryCommand,
    logCommand, scoresRecomputeCommand,
    calibrateCommand, auditReviewersCommand, auditCalibrationCommand, auditSampleCommand, auditReauditsCommand,
    checklistsValidateCommand, checklistsLoadCommand, checklistsListCommand, checklistsShowCommand,
    reviewersAddCommand, reviewersListCommand, reviewersRoleCommand,
    photosMatchCommand, photosIndexTimingCommand, purgeCommand, verifyCommand, storeCopyCommand, samplesGenerateCommand, uiTimingCommand, workstationCommand, keysCommand,
]

func topHelp() -> String {
    var s = """
    msreview — mystery-shopper review workstation

    Usage: msreview [--db PATH] [--reviewer ID] COMMAND [OPTIONS]

    Commands:

    """
    let width = commands.map { $0.name.count }.max() ?? 0
    for c in commands { s += "  " + c.name.padding(toLength: width) + "  " + c.summary + "\n" }
    s += """

    With no command, on a terminal, msreview opens the review workstation (press ? there for keys).
    The store is --db PATH, else $MSREVIEW_DB, else $XDG_DATA_HOME/msreview/msreview.sqlite.
    'msreview COMMAND --help' describes a command. Exit status: 0 ok, 1 failed, 2 usage error.

    """
    return s
}

func runMain() -> Int32 {
    var args = Array(CommandLine.arguments.dropFirst())
    let env = processEnvironment()
    // Global options may come before the command.
    var leadingDB: [String] = []
    let globals = ["--db", "--reviewer", "--set"]
    while let first = args.first, let g = globals.first(where: { first == $0 || first.hasPrefix($0 + "=") }) {
        if first == g, args.count >= 2 { leadingDB += [g, args[1]]; args.removeFirst(2) }
        else if first.hasPrefix(g + "=") { leadingDB.append(first); args.removeFirst() }
        else { break }
    }
    if args.isEmpty && isatty(0) == 1 && isatty(1) == 1 { args = ["workstation"] }
    if args.isEmpty || args == ["--help"] || args == ["-h"] || args == ["help"] {
        Output.raw(topHelp())
        return 0
    }
    if args == ["--version"] { Output.raw(version + "\n"); return 0 }
    // The decoder child of an import (MediaProbe.swift); not a user command.
    if args.first == "probe-server", args.count == 3, let memory = UInt64(args[1]), let cpu = UInt64(args[2]) {
        return ProbeServer.serve(memoryBytes: memory, cpuSeconds: cpu)
    }
    if Clock.settingIsInvalid {
        Output.error("\(Clock.variable)=\(Clock.setting ?? "") is not an RFC 3339 moment (e.g. 2026-11-25T12:00:00Z)")
        return 2
    }
    do {
        // Options given before the command go before a `--` (after it everything is an argument,
        // such as a session id that starts with "-").
        var all = args
        all.insert(contentsOf: leadingDB, at: args.firstIndex(of: "--") ?? args.count)
        guard let inv = try CLI.parse(all, commands: commands, environment: env) else {
            throw UsageError(message: "unknown option \(args[0])", command: nil)
        }
        if inv.flag("help") { Output.raw(inv.command.help); return 0 }
        return try inv.command.run(inv)
    } catch let e as UsageError {
        Output.error(e.message)
        writeStderr("Try 'msreview \(e.command.map { $0 + " " } ?? "")--help'.\n")
        return 2
    } catch let e as CommandError {
        Output.error(e.message)
        return 1
    } catch {
        Output.error("\(error)")
        return 1
    }
}

var status = runMain()
Output.flush()
if let e = Output.writeFailure {
    writeStderr("msreview: cannot write standard output: \(String(cString: strerror(e)))\n")
    status = 1
}
exit(status)
