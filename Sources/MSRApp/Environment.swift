import Foundation
import MSRCore
import MSRMedia
import MSRStore
import Glibc

/// Where things are, from flags and the environment, as the brief fixes them.
public enum StoreLocation {
    /// `--db PATH|URI`, else `$MSREVIEW_DB`, else the config's `store`, else `$XDG_DATA_HOME/msreview/msreview.sqlite`
    /// (with XDG's default `~/.local/share` when unset).
    public static func resolve(flag: String?, environment: [String: String], configured: String? = nil) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let db = environment["MSREVIEW_DB"], !db.isEmpty { return db }
        if let configured, !configured.isEmpty { return configured }
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
/// On a team store the reviewer is the database login; only the store's owner (the
/// administrator, whom row security does not bind anyway) may name another with `--reviewer`.
public enum ReviewerIdentity {
    public struct ActingAsAnother: Error, CustomStringConvertible {
        public var login: String
        public var asked: String
        public var description: String {
            "on a team store you act as your database login \"\(login)\"; --reviewer \(asked) is someone else"
        }
    }

    public static func resolve(flag: String?, environment: [String: String], store: Store) throws -> String {
        guard let (login, isOwner) = try store.databaseLogin() else { return resolve(flag: flag, environment: environment) }
        if isOwner {
            if let flag, !flag.isEmpty { return flag }
            return environment["MSREVIEW_REVIEWER"].flatMap { $0.isEmpty ? nil : $0 } ?? login
        }
        if let flag, !flag.isEmpty, flag != login { throw ActingAsAnother(login: login, asked: flag) }
        return login
    }

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
        "window_seconds": 60,
        "exif_tolerance_seconds": 120,
        "min_seconds_per_answer": 1.0,
        "silent_share": 0.05,
        "silent_dbfs": -45,
        "overlap_seconds": 5,
        "future_seconds": 300,
        "similar_distance": 8,
        "similar_probably": 0.95,
        "similar_maybe": 0.80,
        "audit_unheard_share": 0.5,
        "audit_min_listened": 0.8,
        "audit_max_straight_lining": 0.2,
        "audit_na_excess": 10,
        "audit_max_bias": 10,
        "audit_max_calibration_deviation": 15,
        "audit_min_time_share": 0.5,
        "media_cache_mb": 4096,
        "dispute_days": 14,
        "callback_deadline_hours": 24,
        "callback_retention_days": 90,
        "alert_scale5_max": 2,
        "alert_nps_max": 6,
        "alert_retry_minutes": 5,
        "alert_max_attempts": 8,
        "audit_max_overturn_share": 0.1,
    ]
    public static let descriptions: [String: String] = [
        "claim_hours": "hours a claim or untouched draft is held before others may pull the session",
        "window_seconds": "a questionnaire's window reaches this far before its start and after its submit",
        "exif_tolerance_seconds": "largest allowed gap between a photo's EXIF time and its taken_at",
        "min_seconds_per_answer": "questionnaires answered faster than this per answer are too fast",
        "silent_share": "audio is silent when under this share of 100 ms frames reach silent_dbfs",
        "silent_dbfs": "RMS level (dBFS) a 100 ms frame must reach to count as sound",
        "overlap_seconds": "sessions of one device or employee may overlap this much",
        "future_seconds": "timestamps this far after the import are in the future",
        "similar_distance": "largest Hamming distance (of 63 bits) between two photos' closest prints for them to be compared (0–15)",
        "similar_probably": "correlation of aligned thumbnails from which a photo match is graded probably (fraud)",
        "similar_maybe": "correlation of aligned thumbnails from which a photo match is graded maybe (suspect)",
        "audit_unheard_share": "a review is an unheard submit when under this share of its audio was played",
        "audit_min_listened": "flag reviewers whose mean listened share is under this",
        "audit_max_straight_lining": "flag reviewers with more than this share of straight-lined reviews",
        "audit_na_excess": "flag an N/A rate this many points above the team's on the same checklists",
        "audit_max_bias": "flag a score bias beyond ± this many points (when its interval excludes 0)",
        "audit_max_calibration_deviation": "flag a calibration deviation above this many points",
        "audit_min_time_share": "flag a median review time under this share of the team's median",
        "media_cache_mb": "largest size (MiB) of this machine's cache of a team store's media; least recently used files go first",
        "callback_deadline_hours": "a callback request not attempted within this many hours is overdue",
        "alert_scale5_max": "a questionnaire with a scale5 answer at or below this is negative feedback (an alert)",
        "alert_nps_max": "a questionnaire with an NPS answer at or below this (a detractor) is negative feedback",
        "alert_retry_minutes": "an alert that could not be sent is tried again after this many minutes, doubling each time",
        "alert_max_attempts": "an alert is given up (failed) after this many attempts",
        "callback_retention_days": "purge removes the name and phone of a callback closed this many days ago (the outcome stays)",
        "dispute_days": "days after a review's approval (or its submission, while not approved) in which a dispute may be opened",
        "audit_max_overturn_share": "flag reviewers whose share of reviews overturned by a dispute is above the team's and this",
    ]
    /// Every setting's range: a value outside it is refused naming the setting (a usage error),
    /// so no setting can overflow a later computation (hours to milliseconds, and so on).
    public static let ranges: [String: ClosedRange<Double>] = [
        "claim_hours": 0.01...8_760, "window_seconds": 0...86_400, "exif_tolerance_seconds": 0...604_800,
        "min_seconds_per_answer": 0...3_600, "silent_share": 0...1, "silent_dbfs": -120...0, "overlap_seconds": 0...86_400,
        "future_seconds": 0...31_622_400, "similar_distance": 0...15,
        "similar_probably": 0...1, "similar_maybe": 0...1,
        "audit_unheard_share": 0...1, "audit_min_listened": 0...1, "audit_max_straight_lining": 0...1, "audit_na_excess": 0...100,
        "audit_max_bias": 0...100, "audit_max_calibration_deviation": 0...100, "audit_min_time_share": 0...1,
        "media_cache_mb": 16...16_777_216, "dispute_days": 0...3_650, "callback_deadline_hours": 0.1...8_760, "callback_retention_days": 1...36_525,
        "alert_scale5_max": 1...5, "alert_nps_max": 0...10, "alert_retry_minutes": 0...1_440, "alert_max_attempts": 1...100, "audit_max_overturn_share": 0...1,
    ]

    public var auditThresholds: AuditThresholds {
        var t = AuditThresholds()
        t.unheardShare = self["audit_unheard_share"]
        t.minListened = self["audit_min_listened"]
        t.maxStraightLining = self["audit_max_straight_lining"]
        t.naRateExcess = self["audit_na_excess"]
        t.maxBias = self["audit_max_bias"]
        t.maxCalibrationDeviation = self["audit_max_calibration_deviation"]
        t.minTimeShare = self["audit_min_time_share"]
        t.maxOverturnShare = self["audit_max_overturn_share"]
        return t
    }

    public var values: [String: Double] = Config.defaults
    /// Settings whose values are text.
    public var strings: [String: String] = [:]
    public static let stringKeys: [String: String] = [
        "audio_device": "ALSA device for playback (default: default)",
        "store": "the store when neither --db nor $MSREVIEW_DB names one: a SQLite path, a PostgreSQL URI or service=NAME",
    ]

    /// The workstation's key remaps, `key.CONTEXT.COMMAND = KEY` lines as given (checked by the
    /// workstation's key table), with where each came from.
    public var keyBindings: [(name: String, value: String, place: String)] = []
    /// Text settings the workstation reads: `mouse = on` turns the mouse on.
    public static let workstationKeys: [String: String] = ["mouse": "on or off: clicks and the wheel in the workstation (default off)"]

    public init() {}

    /// Bounds of the files commands read: a config, an answers file, a checklist.
    public static let maxFileBytes: Int64 = 64 << 10

    public subscript(key: String) -> Double { values[key] ?? Config.defaults[key] ?? 0 }

    public static func path(environment: [String: String]) -> String {
        if let x = environment["XDG_CONFIG_HOME"], x.hasPrefix("/") { return x + "/msreview/config" }
        return (environment["HOME"] ?? "/tmp") + "/.config/msreview/config"
    }

    public struct Problem: Error, CustomStringConvertible {
        public var message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// Reads the config file if it exists, then applies `--set` overrides.
    public static func load(environment: [String: String], overrides: [String]) throws(Problem) -> Config {
        var config = Config()
        let file = path(environment: environment)
        var bytes: [UInt8]? = nil
        if access(file, F_OK) == 0 {
            do { bytes = try readFile(file, maxBytes: Config.maxFileBytes) } catch {
                throw Problem(message: error.errno == EFBIG ? "\(file): over the \(Config.maxFileBytes / 1024) KiB a config file may hold" : "\(error)")
            }
        }
        if let bytes {
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
        if parts[0].hasPrefix("key.") {
            keyBindings.append((parts[0], parts[1], place))
            return
        }
        if parts[0] == "mouse" {
            guard ["on", "off"].contains(parts[1]) else { throw Problem(message: "\(place): mouse is on or off") }
            strings["mouse"] = parts[1]
            return
        }
        if parts[0].hasPrefix("alert.route.") || parts[0].hasPrefix("smtp.") || parts[0].hasPrefix("sms.") {
            if let problem = AlertSettings.check(parts[0], parts[1]) { throw Problem(message: "\(place): \(problem)") }
            strings[parts[0]] = parts[1]
            return
        }
        if Config.stringKeys[parts[0]] != nil {
            strings[parts[0]] = parts[1]
            return
        }
        guard Config.defaults[parts[0]] != nil else {
            throw Problem(message: "\(place): unknown setting \"\(parts[0])\" (known: \((Array(Config.defaults.keys) + Array(Config.stringKeys.keys)).sorted().joined(separator: ", ")))")
        }
        let range = Config.ranges[parts[0]]!
        guard parts[1].utf8.count <= 32, let v = Double(parts[1]), v.isFinite, range.contains(v) else {
            throw Problem(message: "\(place): \(parts[0]) needs a number from \(JSON.format(number: range.lowerBound)) to \(JSON.format(number: range.upperBound)), not \"\(TerminalText.visible(String(parts[1].prefix(40))))\"")
        }
        values[parts[0]] = v
    }
}
