import MSRCore

/// How a cell looks. Colours are roles, not terminal colours: the backend maps them (or, with
/// NO_COLOR, drops them and keeps bold/reverse so the screen still reads in monochrome).
public struct Style: Hashable, Sendable {
    public enum Role: UInt8, Sendable { case normal, accent, good, warn, bad, muted, selection, title }
    public var role: Role
    public var bold: Bool
    public var reverse: Bool

    public init(_ role: Role = .normal, bold: Bool = false, reverse: Bool = false) {
        self.role = role
        self.bold = bold
        self.reverse = reverse
    }

    public static let normal = Style()
}

/// One terminal cell: a character (a wide one fills two cells, the second is a continuation).
public struct Cell: Hashable, Sendable {
    public var text: String
    public var style: Style
    /// The right half of a wide character.
    public var continuation: Bool

    public init(text: String, style: Style, continuation: Bool) {
        self.text = text
        self.style = style
        self.continuation = continuation
    }

    public static let blank = Cell(text: " ", style: .normal, continuation: false)
}

/// A screen's worth of cells. Views draw into it; tests compare it as text; the backend paints it.
public struct Grid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes text at (x, y), clipped at `maxWidth` cells (default: to the right edge).
    /// Returns the column after the text. Wide characters take two cells and never straddle the edge.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .normal, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return x }
        let limit = min(width, x + (maxWidth ?? width))
        var col = x
        // Control characters from bundles become visible escapes: nothing reaches the terminal raw.
        for ch in TerminalText.visible(text) {
            let w = ch.unicodeScalars.reduce(0) { $0 + TextWidth.of($1) }
            if w == 0 {
                if col > x, col - 1 < width, col - 1 >= 0 { self[col - 1, y].text.append(ch) }
                continue
            }
            if col + w > limit { break }
            if col >= 0 {
                self[col, y] = Cell(text: String(ch), style: style, continuation: false)
                if w == 2 { self[col + 1, y] = Cell(text: "", style: style, continuation: true) }
            }
            col += w
        }
        return col
    }

    /// Fills a rectangle with blanks in a style.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, style: Style = .normal) {
        for row in max(0, y)..<min(height, y + h) {
            for col in max(0, x)..<min(width, x + w) { self[col, row] = Cell(text: " ", style: style, continuation: false) }
        }
    }

    /// The grid as plain text, one line per row, trailing blanks kept (for snapshots).
    public var text: String {
        (0..<height).map { row in
            (0..<width).map { col -> String in
                let c = self[col, row]
                return c.continuation ? "" : c.text
            }.joined()
        }.joined(separator: "\n")
    }

    /// One row as text, trailing blanks trimmed.
    public func line(_ row: Int) -> String {
        var s = (0..<width).map { self[$0, row].continuation ? "" : self[$0, row].text }.joined()
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}

/// A key the user pressed, decoded by the backend.
public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, tab, delete
    case shiftLeft, shiftRight
    case resize
    /// A mouse event at a cell (only when the mouse is turned on).
    case mouse(MouseEvent)
}

/// A click or a wheel step at a cell.
public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case click, scrollUp, scrollDown }
    public var kind: Kind
    public var x: Int
    public var y: Int
    public init(_ kind: Kind, x: Int, y: Int) { (self.kind, self.x, self.y) = (kind, x, y) }
}
