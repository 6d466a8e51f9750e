import MSRCore
import MSRTerminal

/// The one line editor of the workstation (search, comments, reasons, override answers): a
/// cursor moved by ←/→, Home/End and readline's Ctrl-A/E, deletion by Backspace/Delete and
/// Ctrl-U/W/K, a bound on length, and never a control character stored.
public struct LineEditor: Equatable, Sendable {
    public private(set) var characters: [Character]
    /// Index in `characters` the next typed character goes before.
    public private(set) var cursor: Int
    public let limit: Int

    public init(_ text: String = "", limit: Int = 500) {
        characters = Array(text.prefix(limit))
        cursor = characters.count
        self.limit = limit
    }

    public var text: String { String(characters) }

    /// The line after a key, or nil when the key is not an editing key (Enter, Esc, a control
    /// character nothing is bound to: ignored, never typed).
    public func edited(_ key: Key) -> LineEditor? {
        var e = self
        switch key {
        case .left, .char("\u{02}"): e.cursor = max(0, cursor - 1)
        case .right, .char("\u{06}"): e.cursor = min(characters.count, cursor + 1)
        case .home, .char("\u{01}"): e.cursor = 0
        case .end, .char("\u{05}"): e.cursor = characters.count
        case .backspace:
            guard cursor > 0 else { return e }
            e.characters.remove(at: cursor - 1)
            e.cursor -= 1
        case .delete, .char("\u{04}"):
            guard cursor < characters.count else { return e }
            e.characters.remove(at: cursor)
        case .char("\u{15}"):  // Ctrl-U: what is before the cursor
            e.characters.removeSubrange(0..<cursor)
            e.cursor = 0
        case .char("\u{0B}"):  // Ctrl-K: what is after it
            e.characters.removeSubrange(cursor...)
        case .char("\u{17}"):  // Ctrl-W: the word before the cursor, and the blanks after it
            var i = cursor
            while i > 0, characters[i - 1] == " " { i -= 1 }
            while i > 0, characters[i - 1] != " " { i -= 1 }
            e.characters.removeSubrange(i..<cursor)
            e.cursor = i
        case let .char(c) where LineEditor.typeable(c):
            guard characters.count < limit else { return e }
            e.characters.insert(c, at: cursor)
            e.cursor += 1
        default: return nil
        }
        return e
    }

    /// Printable: no C0 or C1 control, no DEL.
    static func typeable(_ c: Character) -> Bool {
        c.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F && !(0x80..<0xA0).contains($0.value) }
    }

    /// The part of the line a field of `width` cells shows, scrolled so the cursor is in view
    /// (a "…" says text is cut off at that end), and the cursor's column in it.
    public func visible(width: Int) -> (text: String, cursorColumn: Int) {
        let w = max(4, width)
        let widths = characters.map { TextWidth.of(String($0)) }
        let total = widths.reduce(0, +)
        if total < w { return (text, widths.prefix(cursor).reduce(0, +)) }
        // Start as far right as keeps the cursor and what follows it in view.
        var start = cursor, used = 1 + (cursor < characters.count ? 0 : 1)
        while start > 0, used + widths[start - 1] <= w - 1 { start -= 1; used += widths[start] }
        var out = start > 0 ? "…" : ""
        var col = TextWidth.of(out), cursorColumn = 0
        var i = start
        while i < characters.count {
            if i == cursor { cursorColumn = col }
            let rest = i + 1 < characters.count ? 1 : 0
            if col + widths[i] + rest > w { out += "…"; break }
            out.append(characters[i]); col += widths[i]; i += 1
        }
        if cursor >= i, cursor == characters.count { cursorColumn = col }
        return (out, cursorColumn)
    }
}
