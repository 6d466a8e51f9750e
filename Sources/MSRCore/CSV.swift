import Foundation

/// RFC 4180 CSV for untrusted text: every cell is quoted when needed, and a cell a spreadsheet
/// would run as a formula (starting with = + - @, tab, CR or LF) gets a leading apostrophe.
public enum CSV {
    public static func cell(_ value: String) -> String {
        var out: [UInt8] = []
        appendCell(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends one cell's bytes, quoted and neutralised as needed (a byte scan: no grapheme
    /// breaking, and "\r\n" is one Character but two bytes to quote for).
    public static func appendCell(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in
            guard let first = bytes.first else { return }
            let formula = first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: "@")
                || first == 9 || first == 13 || first == 10
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
