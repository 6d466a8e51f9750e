import Foundation
import Glibc
import MSRApp
import MSRCore
import MSRStore
import MSRTerminal
import MSRWorkstation

/// The review workstation, in this terminal (also what `msreview` with no command opens).
let workstationCommand = Command(
    words: ["workstation"], summary: "Open the review workstation (the default with no command, on a terminal).",
    usage: "workstation",
    details: """
    Press ? inside for the keys (the help is made from the one key table). Keys are remapped in
    the config file with key.CONTEXT.COMMAND = KEY lines (see docs/workstation.md); mouse = on turns
    on clicks and the wheel. NO_COLOR set: monochrome. The audio device is resolved as for play.
    """
) { inv in
    guard isatty(0) == 1, isatty(1) == 1 else { throw CommandError(message: "the workstation needs a terminal") }
    let store = try openStore(inv)
    let config = try loadConfig(inv)
    let environment = inv.environment
    let reviewer = try actorName(inv, store)
    let device = AudioDevice.resolve(flag: nil, environment: environment, config: config)
    let keys = try keyTable(inv, config)
    let screen = CursesScreen(monochrome: environment["NO_COLOR"] != nil)
    let size = screen.size
    let workstation: Workstation
    do {
        workstation = try Workstation(store: store, reviewer: reviewer, config: config, device: device, width: size.width, height: size.height,
                                      keys: keys, background: true)
    } catch {
        screen.end()
        throw error
    }
    if workstation.state.mouse { screen.enableMouse() }
    var lastCheckpoint = Date()
    while !workstation.state.quitting {
        workstation.drain()
        if workstation.redrawRequested { screen.invalidate(); workstation.redrawRequested = false }
        if workstation.suspendRequested { screen.suspend(); workstation.suspendRequested = false }
        screen.draw(view(workstation.state))
        // Short waits while the worker has results coming, so they show at once.
        if let key = screen.readKey(timeoutMillis: workstation.busy ? 10 : 100) {
            if key == .resize {
                let s = screen.size
                workstation.dispatch(.resized(width: s.width, height: s.height))
            } else {
                workstation.dispatch(.key(key))
            }
        }
        workstation.tick()
        if Date().timeIntervalSince(lastCheckpoint) > 5 {
            workstation.checkpoint()
            lastCheckpoint = Date()
        }
    }
    // The quit's own effects (coverage saved, the player stopped) finish before the screen goes.
    workstation.settle()
    screen.end()
    return 0
}

let uiTimingCommand = Command(
    words: ["ui-timing"], summary: "Measure the workstation's first paint and key-to-redraw times on this store.",
    usage: "ui-timing [--width W] [--height H] [--search TEXT]... [--json]",
    details: """
    Drives the workstation's update/view pipeline (with its store queries) without a terminal:
    first paint, then a fixed script of keys (moves, pages, jumps to the end and back, each search
    typed a key at a time and erased again, opening sessions). Prints the first paint and the
    median, p99 and worst key-to-redraw time, of every key and of the search keystrokes alone.
    The exact count of a queue whose first window is full runs after the keystroke (off the
    input thread in the terminal): its worst time is given apart.
    """,
    options: [
        OptionSpec(name: "width", value: "W", help: "screen width (default 120)"),
        OptionSpec(name: "height", value: "H", help: "screen height (default 40)"),
        OptionSpec(name: "search", value: "TEXT", help: "a search to type (repeatable; default: \"S-0000\", \"анна\", \"2026-11-2\")", repeatable: true),
        OptionSpec(name: "json", value: nil, help: "print {\"sessions\", \"first_paint_ms\", \"keys\", \"median_ms\", \"p99_ms\", \"max_ms\", \"statements_per_move_max\", …, \"search_p99_ms\", …} (docs/cli.md)"),
    ]
) { inv in
    let store = try openStore(inv)
    let w = try inv.int("width", default: 120, range: 40...1000), h = try inv.int("height", default: 40, range: 8...1000)
    let searches = inv.values["search"] ?? ["S-0000", "анна", "2026-11-2"]
    guard searches.allSatisfy({ !$0.isEmpty && $0.count <= 200 }) else { throw UsageError(message: "--search: a text of 1 to 200 characters", command: inv.command.name) }
    let reviewer = try actorName(inv, store)
    func ms(_ t0: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6 }
    let t0 = DispatchTime.now()
    let ws = try Workstation(store: store, reviewer: reviewer, config: try loadConfig(inv), device: "null", width: w, height: h)
    _ = view(ws.state)
    let firstPaint = ms(t0)
    var script: [Key] = Array(repeating: .char("j"), count: 300) + Array(repeating: .pageDown, count: 60) + [.char("G")]
        + Array(repeating: .char("k"), count: 100) + Array(repeating: .pageUp, count: 30) + [.char("g")]
    for q in searches { script += [.char("/")] + q.map { Key.char($0) } + [.enter, .char("/")] + Array(repeating: .backspace, count: q.count) + [.enter] }
    for _ in 0..<20 { script += [.enter, .down, .down, .char("q"), .char("j")] }
    var times: [Double] = [], searchTimes: [Double] = [], shortSearchTimes: [Double] = [], countTimes: [Double] = []
    var labelled: [(Double, String)] = []
    // Statements per key (on PostgreSQL, round trips): for cursor moves and for every key.
    var moveTrips: [Int] = [], keyTrips: [Int] = []
    let moves: Set<Key> = [.char("j"), .char("k"), .down, .up, .pageDown, .pageUp, .char("g"), .char("G")]
    for key in script {
        let t = DispatchTime.now()
        let screenBefore = ws.state.screen
        let searching = ws.state.isSearching
        let statements = store.db.statementCount
        ws.dispatch(.key(key))
        let drawn = DispatchTime.now()
        _ = view(ws.state)
        let viewMillis = ms(drawn)
        times.append(ms(t))
        let trips = store.db.statementCount - statements
        keyTrips.append(trips)
        if screenBefore == .queue, moves.contains(key) { moveTrips.append(trips) }
        if searching, key != .enter {
            searchTimes.append(times.last!)
            if ws.state.filter.count < 3 { shortSearchTimes.append(times.last!) }
        }
        labelled.append((times.last!, "\(key) on \(screenBefore) at row \(ws.state.cursor)\(searching ? " searching \"\(ws.state.filter)\"" : "")"
                         + String(format: " (view %.2f ms, %d statements)", viewMillis, trips)))
        // What the terminal runs on its worker after the keystroke: a search's exact count.
        if ws.hasDeferredWork {
            let c = DispatchTime.now()
            ws.tick()
            countTimes.append(ms(c))
        }
    }
    if inv.environment["MSREVIEW_UI_TRACE"] != nil {
        for (t, what) in labelled.sorted(by: { $0.0 > $1.0 }).prefix(12) { writeStderr(String(format: "%7.2f ms  ", t) + what + "\n") }
    }
    func summary(_ values: [Double]) -> (median: Double, p99: Double, worst: Double) {
        let v = values.sorted()
        guard !v.isEmpty else { return (0, 0, 0) }
        return (v[v.count / 2], v[min(v.count - 1, Int(Double(v.count) * 0.99))], v.last!)
    }
    let all = summary(times), search = summary(searchTimes), short = summary(shortSearchTimes)
    if inv.flag("json") {
        keyTrips.sort()
        Output.json(.object([("sessions", ws.state.total.json), ("first_paint_ms", .number(firstPaint)), ("keys", times.count.json),
                             ("median_ms", .number(all.median)), ("p99_ms", .number(all.p99)), ("max_ms", .number(all.worst)),
                             ("statements_per_move_max", (moveTrips.max() ?? 0).json),
                             ("statements_per_move_mean", .number(Double(moveTrips.reduce(0, +)) / Double(max(1, moveTrips.count)))),
                             ("statements_per_key_median", (keyTrips.isEmpty ? 0 : keyTrips[keyTrips.count / 2]).json),
                             ("statements_per_key_max", (keyTrips.last ?? 0).json),
                             ("search_keys", searchTimes.count.json), ("search_median_ms", .number(search.median)),
                             ("search_p99_ms", .number(search.p99)), ("search_max_ms", .number(search.worst)),
                             ("short_search_p99_ms", .number(short.p99)), ("exact_count_max_ms", .number(countTimes.max() ?? 0))]))
    } else {
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        Output.line("\(ws.state.total) sessions: first paint \(String(format: "%.1f", firstPaint)) ms; \(times.count) keys: median \(f(all.median)) ms, p99 \(f(all.p99)) ms, worst \(f(all.worst)) ms")
        Output.line("\(searchTimes.count) search keystrokes: median \(f(search.median)) ms, p99 \(f(search.p99)) ms, worst \(f(search.worst)) ms (under 3 characters: p99 \(f(short.p99)) ms); exact count after a search, worst \(f(countTimes.max() ?? 0)) ms")
    }
    return 0
}

/// The key table with the config's remaps; a wrong remap line is a usage error naming it.
func keyTable(_ inv: Invocation, _ config: Config) throws -> KeyTable {
    do throws(Config.Problem) { return try KeyTable.standard.remapped(config.keyBindings) } catch {
        throw UsageError(message: error.message, command: inv.command.name)
    }
}

let keysCommand = Command(
    words: ["keys"], summary: "List the workstation's keys: context, command (the name a config remaps), keys, what it does.",
    usage: "keys [--json]",
    details: """
    The one key table, with this machine's config remaps applied. A line key.CONTEXT.COMMAND = KEY
    in the config (several keys: comma-separated; names: Enter Esc Tab Space Backspace Up Down Left
    Right S-Left S-Right PgUp PgDn Home End C-a … C-z) replaces that command's keys.
    """,
    options: [OptionSpec(name: "json", value: nil, help: "print [{\"context\", \"command\", \"keys\": [..], \"help\"}]")]
) { inv in
    let keys = try keyTable(inv, try loadConfig(inv))
    func names(_ b: KeyBinding) -> [String] { b.command == .number ? ["0-9"] : b.keys.map(KeyTable.name) }
    if inv.flag("json") {
        Output.json(.array(keys.bindings.map { b in
            .object([("context", .string(b.context.rawValue)), ("command", .string(b.command.rawValue)),
                     ("keys", .array(names(b).map(JSON.string))), ("help", .string(b.help))])
        }))
    } else {
        printTable(header: ["CONTEXT", "COMMAND", "KEYS", "WHAT IT DOES"],
                   rows: keys.bindings.map { [$0.context.rawValue, $0.command.rawValue, names($0).joined(separator: " "), $0.help] })
    }
    return 0
}
