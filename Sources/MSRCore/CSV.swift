import Foundation

/// RFC 4180 CSV for untrusted text: every cell is quoted when needed, and a cell a spreadsheet
/// would run as a formula gets a leading apostrophe. What a spreadsheet acts on is the first
/// character after any leading control characters and spaces (LibreOffice skips a NUL and runs
/// `\0=1+41`): `=`, `+`, `-`, `@` and their full-width forms; a cell that starts with a control
/// character is neutralised too. A cell that is a plain decimal number (`-63.2`, `12`) is left
/// as it is, so negative figures stay numbers a spreadsheet can sum and sort.
public enum CSV {
    public static func cell(_ value: String) -> String {
        var out: [UInt8] = []
        appendCell(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `-?digits[.digits]`: a number as msreview writes one.
    static func isPlainNumber(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = b.first == UInt8(ascii: "-") ? 1 : 0
        let start = i
        while i < b.count, (48...57).contains(b[i]) { i += 1 }
        guard i > start else { return false }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let fraction = i
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
            guard i > fraction else { return false }
        }
        return i == b.count
    }

    /// Whether a spreadsheet would act on this cell as a formula (or a control sequence).
    public static func needsNeutralising(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = b.first, !isPlainNumber(b) else { return false }
        if first < 0x20 || first == 0x7F { return true }
        var i = 0
        while i < b.count, b[i] < 0x21 || b[i] == 0x7F { i += 1 }
        guard i < b.count else { return false }
        switch b[i] {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"): return true
        case 0xEF:
            // Full-width ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20).
            guard i + 2 < b.count else { return false }
            return (b[i + 1] == 0xBC && [0x9D, 0x8B, 0x8D, 0xA0].contains(b[i + 2]))
        default: return false
        }
    }

    /// Appends one cell's bytes, quoted and neutralised as needed (a byte scan: no grapheme
    /// breaking, and "\r\n" is one Character but two bytes to quote for).
    public static func appendCell(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in
            guard let first = bytes.first else { return }
            let formula = needsNeutralising(bytes)
            var quote = !formula && first == UInt8(ascii: " ") || bytes.last == UInt8(ascii: " ")
            var quotes = false
            for b in bytes {
                if b == UInt8(ascii: ",") || b == 10 || b == 13 { quote = true }
                if b == UInt8(ascii: "\"") { quote = true; quotes = true; break }
            }
            if quote { out.append(UInt8(ascii: "\"")) }
            if formula { out.append(UInt8(ascii: "'")) }
            if quotes {
                for b in bytes {
                    out.append(b)
                    if b == UInt8(ascii: "\"") { out.append(b) }
                }
            } else {
                out.append(contentsOf: bytes)
            }
            if quote { out.append(UInt8(ascii: "\"")) }
        }
    }

    /// Appends one record, CRLF-terminated as RFC 4180 says.
    public static func appendRow(_ cells: [String], to out: inout [UInt8]) {
        for (i, c) in cells.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendCell(c, to: &out)
        }
        out.append(13)
        out.append(10)
    }

    /// One record, CRLF-terminated as RFC 4180 says.
    public static func row(_ cells: [String]) -> String {
        var out: [UInt8] = []
        appendRow(cells, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// One CSV record built cell by cell in a buffer of its own (a local value: no exclusivity
/// checks per cell, as appending to a class's stored buffer would cost).
public struct CSVRecord {
    public private(set) var bytes: [UInt8]
    var cells = 0

    public init(reusing bytes: [UInt8] = []) {
        self.bytes = bytes
        self.bytes.removeAll(keepingCapacity: true)
    }

    public mutating func cell(_ value: String) {
        if cells > 0 { bytes.append(UInt8(ascii: ",")) }
        CSV.appendCell(value, to: &bytes)
        cells += 1
    }

    /// The record's bytes with its CRLF.
    public mutating func finish() -> [UInt8] {
        bytes.append(13)
        bytes.append(10)
        return bytes
    }
}
