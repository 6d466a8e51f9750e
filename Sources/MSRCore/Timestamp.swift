import Foundation

/// A moment as a device wrote it: RFC 3339 text with an explicit offset.
///
/// `utcMillis` orders and compares moments; `offsetSeconds` keeps the wall-clock
/// offset so the local time the device showed can be displayed again.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var utcMillis: Int64
    public var offsetSeconds: Int

    public init(utcMillis: Int64, offsetSeconds: Int = 0) {
        self.utcMillis = utcMillis
        self.offsetSeconds = offsetSeconds
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.utcMillis < b.utcMillis }
    public static func == (a: Timestamp, b: Timestamp) -> Bool { a.utcMillis == b.utcMillis }
    public func hash(into h: inout Hasher) { h.combine(utcMillis) }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±hh:mm)`; `t` and `z` are accepted in lower case
    /// as RFC 3339 allows. Returns nil for anything else, including a missing offset.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 40 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var v = 0
            for i in from..<from + len {
                let c = b[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2), b[7] == UInt8(ascii: "-"),
              let day = num(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2), b[16] == UInt8(ascii: ":"),
              let second = num(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = 19
        var millis = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 3 { millis = millis * 10 + Int(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0, digits <= 9 else { return nil }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                  oh <= 23, om <= 59 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        let localSeconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        self.utcMillis = (localSeconds - Int64(offset)) * 1000 + Int64(millis)
        self.offsetSeconds = offset
    }

    /// Seconds since the Unix epoch (with fraction).
    public var seconds: Double { Double(utcMillis) / 1000 }

    /// The wall-clock fields at this moment in its own offset.
    public var local: CivilTime { CivilTime(utcMillis: utcMillis + Int64(offsetSeconds) * 1000) }

    /// RFC 3339 text in the moment's own offset, milliseconds only when non-zero.
    public var description: String {
        let c = local
        var s = c.dateString + "T" + c.timeString
        if c.millisecond != 0 { s += "." + pad(c.millisecond, 3) }
        if offsetSeconds == 0 { return s + "Z" }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let a = abs(offsetSeconds)
        return s + sign + pad(a / 3600, 2) + ":" + pad(a % 3600 / 60, 2)
    }

    /// `YYYY-MM-DD` of the moment in its own offset: the device's calendar day.
    public var localDate: String { local.dateString }

    public func adding(millis: Int64) -> Timestamp { Timestamp(utcMillis: utcMillis + millis, offsetSeconds: offsetSeconds) }

    /// The current moment, in UTC: the one clock every command and the workstation read.
    /// `MSREVIEW_NOW` (RFC 3339) pins it, as tig's `TEST_TIME_NOW` does, so tests and
    /// reproducible runs never depend on the machine's date. A pinned clock stands still.
    public static func now() -> Timestamp {
        if let pinned = Clock.pinned { return pinned }
        return Timestamp(utcMillis: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }

    // Howard Hinnant's days-from-civil, proleptic Gregorian.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Calendar fields of a moment at some offset.
public struct CivilTime: Equatable, Sendable {
    public var year, month, day, hour, minute, second, millisecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond) =
            (year, month, day, hour, minute, second, millisecond)
    }

    /// Fields of a count of milliseconds since 1970-01-01T00:00 (already shifted to local time).
    public init(utcMillis: Int64) {
        var ms = utcMillis % 1000
        var secs = utcMillis / 1000
        if ms < 0 { ms += 1000; secs -= 1 }
        var days = secs / 86400
        var rem = secs % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        // Hinnant's civil-from-days.
        let z = Int(days) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d,
                  hour: Int(rem / 3600), minute: Int(rem % 3600 / 60), second: Int(rem % 60), millisecond: Int(ms))
    }

    /// Milliseconds since the epoch if these fields were UTC.
    public var millisAsUTC: Int64 {
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        return (Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(millisecond)
    }

    public var dateString: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }
    public var timeString: String { pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2) }

    /// Parses EXIF's `YYYY:MM:DD HH:MM:SS` (also with `-` date separators, as some writers use).
    public init?(exif text: String) {
        let b = Array(text.utf8.prefix(19))
        guard b.count == 19 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<from + len {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
              let s = num(17, 2), b[4] == b[7], b[4] == UInt8(ascii: ":") || b[4] == UInt8(ascii: "-"),
              b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              (1...12).contains(mo), d >= 1, d <= Timestamp.daysIn(month: mo, year: y), h <= 23, mi <= 59, s <= 60 else { return nil }
        self.init(year: y, month: mo, day: d, hour: h, minute: mi, second: min(s, 59))
    }

    /// `YYYY-MM-DD` only.
    public init?(date text: String) {
        guard let t = Timestamp(rfc3339: text + "T00:00:00Z") else { return nil }
        self = t.local
    }
}

/// Parses an offset such as `+03:00`, `-0530` or `Z` into seconds east of UTC.
public func parseUTCOffset(_ text: String) -> Int? {
    let t = text.trimmingCharacters(in: .whitespaces)
    if t == "Z" { return 0 }
    let b = Array(t.utf8)
    guard b.count == 6 || b.count == 5, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-") else { return nil }
    let digits = b.dropFirst().filter { $0 != UInt8(ascii: ":") }
    guard digits.count == 4, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
    if b.count == 6 && b[3] != UInt8(ascii: ":") { return nil }
    let d = digits.map { Int($0 - 48) }
    let h = d[0] * 10 + d[1], m = d[2] * 10 + d[3]
    guard h <= 23, m <= 59 else { return nil }
    return (b[0] == UInt8(ascii: "-") ? -1 : 1) * (h * 3600 + m * 60)
}

/// IANA time zones, through the system's tz database (each zone loaded once per process).
public enum Zone {
    private static let cache = ZoneCache()

    static func zone(_ identifier: String) -> TimeZone? { cache.zone(identifier) }

    public static func isKnown(_ identifier: String) -> Bool { zone(identifier) != nil }

    /// The moment at which a wall clock in `identifier` shows `civil`. For a time in a
    /// DST gap or overlap, the offset in force just before the change is used.
    public static func timestamp(of civil: CivilTime, in identifier: String) -> Timestamp? {
        guard let zone = zone(identifier) else { return nil }
        let asUTC = civil.millisAsUTC
        var offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(asUTC) / 1000))
        // Second pass settles the offset at the actual moment.
        offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(asUTC - Int64(offset) * 1000) / 1000))
        return Timestamp(utcMillis: asUTC - Int64(offset) * 1000, offsetSeconds: offset)
    }

    /// The same moment expressed in a zone's offset (for showing local times).
    public static func offset(of t: Timestamp, in identifier: String) -> Int? {
        guard let zone = zone(identifier) else { return nil }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: t.seconds))
    }
}

@inline(__always) func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// Loaded time zones by name (nil remembered too), shared across threads.
final class ZoneCache: @unchecked Sendable {
    private let lock = NSLock()
    private var zones: [String: TimeZone?] = [:]

    func zone(_ identifier: String) -> TimeZone? {
        lock.lock()
        defer { lock.unlock() }
        if let z = zones[identifier] { return z }
        let z = TimeZone(identifier: identifier)
        zones[identifier] = z
        return z
    }
}

/// The injected clock (`MSREVIEW_NOW`), read once per process.
public enum Clock {
    public static let variable = "MSREVIEW_NOW"
    /// The raw setting, when present (main refuses one that does not parse).
    public static let setting: String? = ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    public static let pinned: Timestamp? = setting.flatMap { Timestamp(rfc3339: $0) }
    /// True when `MSREVIEW_NOW` is set but is no RFC 3339 moment.
    public static var settingIsInvalid: Bool { setting != nil && pinned == nil }
}
