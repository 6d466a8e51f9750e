import Foundation
import Glibc
import MSRApp
import MSRStore
import MSRTerminal
import MSRWorkstation

/// The review workstation, in this terminal (also what `msreview` with no command opens).
let workstationCommand = Command(
    words: ["workstation"], summary: "Open the review workstation (the default with no command, on a terminal).",
    usage: "workstation",
    details: "Press ? inside for the keys. NO_COLOR set: monochrome. The audio device is resolved as for play."
) { inv in
    guard isatty(0) == 1, isatty(1) == 1 else { throw CommandError(message: "the workstation needs a terminal") }
    let store = try openStore(inv)
    let config = try loadConfig(inv)
    let environment = inv.environment
    let reviewer = try actorName(inv, store)
    let device = AudioDevice.resolve(flag: nil, environment: environment, config: config)
    let screen = CursesScreen(monochrome: environment["NO_COLOR"] != nil)
    let size = screen.size
    let workstation: Workstation
    do {
        workstation = try Workstation(store: store, reviewer: reviewer, config: config, device: device, width: size.width, height: size.height)
    } catch {
        screen.end()
        throw error
    }
    var lastCheckpoint = Date()
    while !workstation.state.quitting {
        screen.draw(view(workstation.state))
        if let key = screen.readKey(timeoutMillis: 100) {
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
    screen.end()
    return 0
}

let uiTimingCommand = Command(
    words: ["ui-timing"], summary: "Measure the workstation's first paint and key-to-redraw times on this store.",
    usage: "ui-timing [--width W] [--height H] [--json]",
    details: """
    Drives the workstation's update/view pipeline (with its store queries) without a terminal:
    first paint, then a fixed script of keys (moves, pages, jumps to the end and back, a search,
    opening sessions). Prints the first paint and the median, p99 and worst key-to-redraw time.
    """,
    options: [
        OptionSpec(name: "width", value: "W", help: "screen width (default 120)"),
        OptionSpec(name: "height", value: "H", help: "screen height (default 40)"),
        OptionSpec(name: "json", value: nil, help: "print {\"sessions\", \"first_paint_ms\", \"keys\", \"median_ms\", \"p99_ms\", \"max_ms\", \"statements_per_move_max\", …} (statements: round trips on PostgreSQL)"),
    ]
) { inv in
    let store = try openStore(inv)
    let w = try inv.int("width", default: 120, range: 40...1000), h = try inv.int("height", default: 40, range: 8...1000)
    let reviewer = try actorName(inv, store)
    func ms(_ t0: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6 }
    let t0 = DispatchTime.now()
    let ws = try Workstation(store: store, reviewer: reviewer, config: try loadConfig(inv), device: "null", width: w, height: h)
    _ = view(ws.state)
    let firstPaint = ms(t0)
    var script: [Key] = Array(repeating: .char("j"), count: 300) + Array(repeating: .pageDown, count: 60) + [.char("G")]
        + Array(repeating: .char("k"), count: 100) + Array(repeating: .pageUp, count: 30) + [.char("g")]
        + [.char("/")] + "S-0000".map { Key.char($0) } + [.enter, .char("/")] + Array(repeating: .backspace, count: 6) + [.enter]
    for _ in 0..<20 { script += [.enter, .down, .down, .char("q"), .char("j")] }
    var times: [Double] = []
    var labelled: [(Double, String)] = []
    // Statements per key (on PostgreSQL, round trips): for cursor moves and for every key.
    var moveTrips: [Int] = [], keyTrips: [Int] = []
    let moves: Set<Key> = [.char("j"), .char("k"), .down, .up, .pageDown, .pageUp, .char("g"), .char("G")]
    for key in script {
        let t = DispatchTime.now()
        let screenBefore = ws.state.screen
        let statements = store.db.statementCount
        ws.dispatch(.key(key))
        _ = view(ws.state)
        times.append(ms(t))
        let trips = store.db.statementCount - statements
        keyTrips.append(trips)
        if screenBefore == .queue, moves.contains(key) { moveTrips.append(trips) }
        labelled.append((times.last!, "\(key) on \(screenBefore) at row \(ws.state.cursor)"))
    }
    if inv.environment["MSREVIEW_UI_TRACE"] != nil {
        for (t, what) in labelled.sorted(by: { $0.0 > $1.0 }).prefix(12) { writeStderr(String(format: "%7.2f ms  ", t) + what + "\n") }
    }
    times.sort()
    let median = times[times.count / 2], p99 = times[min(times.count - 1, Int(Double(times.count) * 0.99))], worst = times.last ?? 0
    if inv.flag("json") {
        keyTrips.sort()
        Output.json(.object([("sessions", ws.state.total.json), ("first_paint_ms", .number(firstPaint)), ("keys", times.count.json),
                             ("median_ms", .number(median)), ("p99_ms", .number(p99)), ("max_ms", .number(worst)),
                             ("statements_per_move_max", (moveTrips.max() ?? 0).json),
                             ("statements_per_move_mean", .number(Double(moveTrips.reduce(0, +)) / Double(max(1, moveTrips.count)))),
                             ("statements_per_key_median", (keyTrips.isEmpty ? 0 : keyTrips[keyTrips.count / 2]).json),
                             ("statements_per_key_max", (keyTrips.last ?? 0).json)]))
    } else {
        Output.line("\(ws.state.total) sessions: first paint \(String(format: "%.1f", firstPaint)) ms; \(times.count) keys: median \(String(format: "%.2f", median)) ms, p99 \(String(format: "%.2f", p99)) ms, worst \(String(format: "%.2f", worst)) ms")
    }
    return 0
}
