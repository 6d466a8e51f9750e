import Foundation

/// RFC 4180 CSV for untrusted text: every cell is quoted when needed, and a cell a spreadsheet
/// would run as a formula (starting with = + - @, tab, CR or LF) gets a leading apostrophe.
public enum CSV {
    public static func cell(_ value: String) -> String {
        var v = value
        if let first = v.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r", "\n"].contains(first) { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || v.hasPrefix(" ") || v.hasSuffix(" ") {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }

    /// One record, CRLF-terminated as RFC 4180 says.
    public static func row(_ cells: [String]) -> String { cells.map(cell).joined(separator: ",") + "\r\n" }
}
