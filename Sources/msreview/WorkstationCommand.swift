import Foundation
import Glibc
import MSRApp
import MSRStore
import MSRTerminal
import MSRWorkstation

/// `msreview` with no command: the review workstation, in this terminal.
func runWorkstation(globals: [String], environment: [String: String]) -> Int32 {
    var values: [String: [String]] = [:]
    var i = 0
    while i + 1 < globals.count || (i < globals.count && globals[i].contains("=")) {
        let a = globals[i]
        if let eq = a.firstIndex(of: "="), a.hasPrefix("--") {
            values[String(a[a.index(a.startIndex, offsetBy: 2)..<eq]), default: []].append(String(a[a.index(after: eq)...]))
            i += 1
        } else {
            values[String(a.dropFirst(2)), default: []].append(globals[i + 1])
            i += 2
        }
    }
    let path = StoreLocation.resolve(flag: values["db"]?.last, environment: environment)
    let reviewer = ReviewerIdentity.resolve(flag: values["reviewer"]?.last, environment: environment)
    let store: Store
    let config: Config
    do {
        store = try Store(path: path)
        config = try Config.load(environment: environment, overrides: values["set"] ?? [])
    } catch {
        writeStderr("msreview: \(error)\n")
        return 1
    }
    let device = AudioDevice.resolve(flag: nil, environment: environment, config: config)
    let screen = CursesScreen(monochrome: environment["NO_COLOR"] != nil)
    let size = screen.size
    let workstation: Workstation
    do {
        workstation = try Workstation(store: store, reviewer: reviewer, config: config, device: device, width: size.width, height: size.height)
    } catch {
        screen.end()
        writeStderr("msreview: \(error)\n")
        return 1
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
