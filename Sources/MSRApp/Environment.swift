import Foundation
import Glibc

/// Where things are, from flags and the environment, as the brief fixes them.
public enum StoreLocation {
    /// `--db PATH`, else `$MSREVIEW_DB`, else `$XDG_DATA_HOME/msreview/msreview.sqlite`
    /// (with XDG's default `~/.local/share` when unset).
    public static func resolve(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let db = environment["MSREVIEW_DB"], !db.isEmpty { return db }
        let data: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            data = xdg
        } else {
            data = (environment["HOME"] ?? "/tmp") + "/.local/share"
        }
        return data + "/msreview/msreview.sqlite"
    }
}

/// The process environment as a dictionary.
public func processEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    var p = environ
    while let entry = p.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
        p += 1
    }
    return env
}

/// Who is running msreview: `--reviewer ID`, else `$MSREVIEW_REVIEWER`, else the OS user name.
public enum ReviewerIdentity {
    public static func resolve(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let r = environment["MSREVIEW_REVIEWER"], !r.isEmpty { return r }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return environment["USER"] ?? "unknown"
    }
}

/// Settings from `$XDG_CONFIG_HOME/msreview/config` (`key = value` lines, `#` comments),
/// overridden per run by `--set key=value`. Unknown keys are refused with file and line.
public struct Config: Sendable {
    public static let defaults: [String: Double] = [
        "claim_hours": 24,
    ]
    public static let descriptions: [String: String] = [
        "claim_hours": "hours a claim or untouched draft is held before others may pull the session",
    ]

    public var values: [String: Double] = Config.defaults

    public init() {}

    public subscript(key: String) -> Double { values[key] ?? Config.defaults[key] ?? 0 }

    public static func path(environment: [String: String]) -> String {
        if let x = environment["XDG_CONFIG_HOME"], x.hasPrefix("/") { return x + "/msreview/config" }
        return (environment["HOME"] ?? "/tmp") + "/.config/msreview/config"
    }

    public struct Problem: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Reads the config file if it exists, then applies `--set` overrides.
    public static func load(environment: [String: String], overrides: [String]) throws(Problem) -> Config {
        var config = Config()
        let file = path(environment: environment)
        if let bytes = try? readFile(file) {
            let text = String(decoding: bytes, as: UTF8.self)
            for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
                if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
                try config.apply(line, where: "\(file):\(i + 1)")
            }
        }
        for o in overrides { try config.apply(o, where: "--set \(o)") }
        return config
    }

    mutating func apply(_ assignment: String, where place: String) throws(Problem) {
        let parts = assignment.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { throw Problem(message: "\(place): expected key = value") }
        guard Config.defaults[parts[0]] != nil else {
            throw Problem(message: "\(place): unknown setting \"\(parts[0])\" (known: \(Config.defaults.keys.sorted().joined(separator: ", ")))")
        }
        guard let v = Double(parts[1]), v.isFinite, v >= 0 else { throw Problem(message: "\(place): \(parts[0]) needs a number, not \"\(parts[1])\"") }
        values[parts[0]] = v
    }
}
