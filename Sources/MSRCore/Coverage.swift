/// What of a session's recordings a reviewer has played: for each recording (by its file in the
/// bundle), the spans of the recording's own time, in milliseconds, merged and sorted. Counting
/// exact spans of each recording, not whole seconds of the session clock, keeps the listened
/// share honest: one second heard of a two-second recording is a half only when it was a full
/// second, and a 75 % listen shows 75 %.
public struct Coverage: Equatable, Sendable {
    public private(set) var spans: [String: [Range<Int64>]] = [:]

    public init() {}

    /// Marks [from, to) of a recording's own time as heard.
    public mutating func add(recording: String, from: Int64, to: Int64) {
        let from = max(from, 0)
        guard to > from else { return }
        spans[recording] = Coverage.merged((spans[recording] ?? []) + [from..<to])
    }

    public mutating func formUnion(_ other: Coverage) {
        for (file, list) in other.spans { spans[file] = Coverage.merged((spans[file] ?? []) + list) }
    }

    public var isEmpty: Bool { spans.isEmpty }

    /// Milliseconds heard, each recording's spans cut to its length where the length is known
    /// (a recording a span overruns, as the last chunk of a file may, counts no more than it lasts).
    public func heardMillis(lengths: [String: Int64] = [:]) -> Int64 {
        spans.reduce(0) { total, entry in
            let end = lengths[entry.key] ?? Int64.max
            return total + entry.value.reduce(0) { $0 + max(0, min($1.upperBound, end) - $1.lowerBound) }
        }
    }

    static func merged(_ list: [Range<Int64>]) -> [Range<Int64>] {
        var out: [Range<Int64>] = []
        for r in list.sorted(by: { $0.lowerBound < $1.lowerBound }) where !r.isEmpty {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// As stored: `{"FILE": [[from, to], …], …}`, files in order.
    public var json: JSON {
        .object(spans.keys.sorted().map { file in
            (file, .array(spans[file]!.map { .array([.number(Double($0.lowerBound)), .number(Double($0.upperBound))]) }))
        })
    }

    /// The stored form read back; nil when it is not one.
    public init?(json: JSON) {
        guard case let .object(fields) = json else { return nil }
        for (file, value) in fields {
            guard case let .array(list) = value else { return nil }
            for pair in list {
                guard case let .array(ends) = pair, ends.count == 2, case let .number(a) = ends[0], case let .number(b) = ends[1],
                      a.isFinite, b.isFinite, abs(a) < 1e15, abs(b) < 1e15 else { return nil }
                add(recording: file, from: Int64(a), to: Int64(b))
            }
        }
    }

    /// What the whole seconds of the session clock that stores before exact spans kept (bit s:
    /// second s from `origin`) say of each recording: the part of the recording inside each
    /// second. It cannot be more exact than the seconds it came from.
    public init(sessionSeconds bitmap: [UInt8], origin: Int64, recordings: [(file: String, startMillis: Int64, lengthMillis: Int64)]) {
        for (i, byte) in bitmap.enumerated() where byte != 0 {
            for b in 0..<8 where byte & (1 << UInt8(b)) != 0 {
                let a = origin + Int64(i * 8 + b) * 1000, z = a + 1000
                for r in recordings {
                    let from = max(a, r.startMillis), to = min(z, r.startMillis + r.lengthMillis)
                    if to > from { add(recording: r.file, from: from - r.startMillis, to: to - r.startMillis) }
                }
            }
        }
    }
}
