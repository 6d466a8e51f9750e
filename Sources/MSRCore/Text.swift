/// Terminal text layout: display width (wide East Asian characters take two cells,
/// combining marks none) and padding/truncation by width, for aligned tables and the TUI.
public enum TextWidth {
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v == 0 { return 0 }
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        // Latin-1 and Cyrillic letters (no marks among them, the soft hyphen aside) without the
        // Unicode property look-up, which is the cost of a screen full of names.
        if v < 0x300 && v != 0xAD { return 1 }
        if v >= 0x400 && v < 0x483 || v >= 0x48A && v < 0x530 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x1F900...0x1F9FF).contains(v)
            || (0x20000...0x3FFFD).contains(v) {
            return 2
        }
        return 1
    }

    public static func of(_ s: String) -> Int {
        // One- and two-byte UTF-8 (Latin, Cyrillic: the names on every queue row) decoded in
        // place; anything longer goes through the scalar view.
        var copy = s
        let fast: Int? = copy.withUTF8 { b in
            var width = 0, i = 0
            while i < b.count {
                let lead = b[i]
                if lead < 0x80 {
                    width += lead >= 0x20 && lead != 0x7F ? 1 : 0
                    i += 1
                } else if lead & 0xE0 == 0xC0, i + 1 < b.count, let scalar = Unicode.Scalar(UInt32(lead & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F)) {
                    width += of(scalar)
                    i += 2
                } else {
                    return nil
                }
            }
            return width
        }
        return fast ?? s.unicodeScalars.reduce(0) { $0 + of($1) }
    }

    /// `s` cut to at most `width` cells (with `…` when cut), then padded with spaces to exactly `width`.
    public static func fit(_ s: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        let w = of(s)
        if w <= width { return s + String(repeating: " ", count: width - w) }
        var out = ""
        var used = 0
        for ch in s {
            let cw = ch.unicodeScalars.reduce(0) { $0 + of($1) }
            if used + cw > width - 1 { break }
            out.append(ch)
            used += cw
        }
        return out + "…" + String(repeating: " ", count: max(0, width - used - 1))
    }
}

extension String {
    /// Padded with spaces to `n` terminal columns (wide characters count as two).
    public func padding(toLength n: Int) -> String {
        let w = TextWidth.of(self)
        return w >= n ? self : self + String(repeating: " ", count: n - w)
    }

    public func trimmingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}

/// Text from bundles (names, ids, details) made safe for a terminal: control characters (C0,
/// DEL, C1 — ESC, BEL, CR, LF, …) and the bidirectional overrides that reorder what is shown
/// become visible escapes (`\x1B`, `\u202E`), so no bundle can recolour the terminal, move the
/// cursor or forge a line of a report. Everything else is kept as it is.
public enum TerminalText {
    public static func isUnsafe(_ v: UInt32) -> Bool {
        v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    public static func visible(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { isUnsafe($0.value) }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if isUnsafe(u.value) {
                let hex = String(u.value, radix: 16, uppercase: true)
                let escape = u.value <= 0xFF ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                out.append(contentsOf: escape.unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }
}
