import Foundation

/// RFC 4180 CSV for untrusted text: every cell is quoted when needed, and a cell a spreadsheet
/// would run as a formula (starting with = + - @, tab, CR or LF) gets a leading apostrophe.
public enum CSV {
    public static func cell(_ value: String) -> String {
        // Byte scan (no grapheme breaking): "\r\n" is one Character but two bytes to quote for.
        let bytes = value.utf8
        guard let first = bytes.first else { return value }
        let formula = first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: "@")
            || first == 9 || first == 13 || first == 10
        var quote = !formula && first == UInt8(ascii: " ") || bytes.last == UInt8(ascii: " ")
        var quotes = false
        for b in bytes {
            if b == UInt8(ascii: ",") || b == 10 || b == 13 { quote = true }
            if b == UInt8(ascii: "\"") { quote = true; quotes = true; break }
        }
        if !quote && !formula { return value }
        var v = formula ? "'" + value : value
        if quote { v = "\"" + (quotes ? v.replacingOccurrences(of: "\"", with: "\"\"") : v) + "\"" }
        return v
    }

    /// One record, CRLF-terminated as RFC 4180 says.
    public static func row(_ cells: [String]) -> String {
        var out = ""
        out.reserveCapacity(cells.reduce(2) { $0 + $1.utf8.count + 1 })
        for (i, c) in cells.enumerated() {
            if i > 0 { out += "," }
            out += cell(c)
        }
        out += "\r\n"
        return out
    }
}
