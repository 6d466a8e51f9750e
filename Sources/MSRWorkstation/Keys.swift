import Foundation
import MSRApp
import MSRCore
import MSRTerminal

/// Where a key means something. A screen looks keys up in a few of these, most specific first.
public enum KeyContext: String, CaseIterable, Sendable {
    case global, queue, session, review, lead, player, findings, history, audit, callbacks

    /// The help overlay's heading of this context.
    var title: String {
        switch self {
        case .global: return "Everywhere"
        case .queue: return "Queue"
        case .session: return "Session"
        case .review: return "Your review"
        case .lead: return "Lead, on another reviewer's review"
        case .player: return "Player (also msreview play)"
        case .findings: return "Findings list (F)"
        case .history: return "History pane (H)"
        case .audit: return "Reviewer audit (A on the queue, leads)"
        case .callbacks: return "Callbacks (C on the queue, leads)"
        }
    }
}

/// What a key does. The raw value is the name a config file remaps it by: `key.CONTEXT.NAME = KEY`.
public enum KeyCommand: String, CaseIterable, Sendable {
    case help, redraw, suspend
    case quit, back, down, up, pageDown = "page-down", pageUp = "page-up", top, bottom, open
    case search, status, flagged, disputed, order, pull, claim, release, reviewerFilter = "reviewer", audit, reload
    case photo, preview, findings, history, itemText = "item-text", checklist
    case nextUnanswered = "next-unanswered", nextSection = "next-section", previousSection = "previous-section"
    case play, back5 = "back-5s", forward5 = "forward-5s", back30 = "back-30s", forward30 = "forward-30s"
    case slower, faster, volumeUp = "volume-up", volumeDown = "volume-down", nextMarker = "next-marker", previousMarker = "previous-marker"
    case yes, no, na, number, evidence, removeEvidence = "remove-evidence", comment, clear, undo, submit
    case approve, returnReview = "return", override
    case confirm, dismiss, close, jump
    case previousPeriod = "previous-period", nextPeriod = "next-period"
    case callbacks, take, outcome
}

/// One binding: in a context, these keys run a command; the help and hint texts say what it does.
public struct KeyBinding: Sendable {
    public var context: KeyContext
    public var command: KeyCommand
    public var keys: [Key]
    public var help: String
    /// The hint line's word for it (nil: in the help only).
    public var hint: String?
}

/// The one table of keys: dispatch, the help overlay, the hint lines and `msreview play` all read
/// it, and a config file remaps it. Keys typed in the Russian layout act as the Latin key in the
/// same place (`KeyTable.latin`), so a reviewer need not switch layouts to press `y`.
public struct KeyTable: Sendable {
    public private(set) var bindings: [KeyBinding]
    private var lookup: [KeyContext: [Key: KeyCommand]] = [:]

    public init(_ bindings: [KeyBinding]) {
        self.bindings = bindings
        index()
    }

    private mutating func index() {
        lookup = [:]
        for b in bindings { for k in b.keys { lookup[b.context, default: [:]][k] = b.command } }
    }

    /// The command a key runs in the first of the contexts that binds it; a Cyrillic letter not
    /// bound itself acts as the Latin key in its place on the keyboard.
    public func command(for key: Key, in contexts: [KeyContext]) -> KeyCommand? {
        for c in contexts { if let cmd = lookup[c]?[key] { return cmd } }
        if case let .char(ch) = key, let latin = KeyTable.latin[ch] {
            for c in contexts { if let cmd = lookup[c]?[.char(latin)] { return cmd } }
        }
        return nil
    }

    /// The keys of a command in a context, in the table's order.
    public func keys(_ command: KeyCommand, in context: KeyContext) -> [Key] {
        bindings.first { $0.context == context && $0.command == command }?.keys ?? []
    }

    /// How the first key of a command reads on screen ("?" when unbound by a remap).
    public func label(_ command: KeyCommand, in context: KeyContext) -> String {
        keys(command, in: context).first.map(KeyTable.name) ?? "?"
    }

    // MARK: The standard table

    public static let standard: KeyTable = {
        func b(_ c: KeyContext, _ cmd: KeyCommand, _ keys: [Key], _ help: String, hint: String? = nil) -> KeyBinding {
            KeyBinding(context: c, command: cmd, keys: keys, help: help, hint: hint)
        }
        let ch: (String) -> [Key] = { $0.map { Key.char($0) } }
        return KeyTable([
            b(.global, .help, ch("?"), "this help", hint: "help"),
            b(.global, .redraw, ch("\u{0C}"), "redraw the screen"),
            b(.global, .suspend, ch("\u{1A}"), "suspend (fg resumes)"),

            b(.queue, .open, [.enter], "open the session", hint: "open"),
            b(.queue, .down, [.char("j"), .down], "next row"),
            b(.queue, .up, [.char("k"), .up], "previous row"),
            b(.queue, .pageDown, [.pageDown, .char(" ")], "page down"),
            b(.queue, .pageUp, [.pageUp], "page up"),
            b(.queue, .top, [.char("g"), .home], "first row"),
            b(.queue, .bottom, [.char("G"), .end], "last row"),
            b(.queue, .pull, ch("p"), "pull the next session", hint: "pull"),
            b(.queue, .claim, ch("c"), "claim the selected session", hint: "claim"),
            b(.queue, .release, ch("X"), "release your claim on it"),
            b(.queue, .search, ch("/"), "search id, place, name, date", hint: "search"),
            b(.queue, .status, ch("s"), "cycle the status filter", hint: "status"),
            b(.queue, .flagged, ch("f"), "only sessions with findings", hint: "flagged"),
            b(.queue, .disputed, ch("D"), "only sessions with open disputes"),
            b(.queue, .reviewerFilter, ch("w"), "cycle reviewers (leads)"),
            b(.queue, .order, ch("o"), "oldest or newest first"),
            b(.queue, .reload, ch("r"), "reload the queue"),
            b(.queue, .audit, ch("A"), "reviewer audit (leads)", hint: "audit"),
            b(.queue, .callbacks, ch("C"), "callback requests to work (leads)", hint: "callbacks"),
            b(.queue, .quit, ch("q"), "quit", hint: "quit"),

            b(.session, .back, [.char("q"), .escape], "back to the queue", hint: "back"),
            b(.session, .down, [.char("j"), .down], "next item"),
            b(.session, .up, [.char("k"), .up], "previous item"),
            b(.session, .pageDown, [.pageDown], "items a page down"),
            b(.session, .pageUp, [.pageUp], "items a page up"),
            b(.session, .top, [.char("g"), .home], "first item"),
            b(.session, .bottom, [.char("G"), .end], "last item"),
            b(.session, .nextUnanswered, [.tab], "next unanswered item"),
            b(.session, .nextSection, ch("}"), "next section"),
            b(.session, .previousSection, ch("{"), "previous section"),
            b(.session, .itemText, [.enter, .char("t")], "whole item text, guidance", hint: "text"),
            b(.session, .history, ch("H"), "history: returns, overrides", hint: "history"),
            b(.session, .findings, ch("F"), "findings in full", hint: "findings"),
            b(.session, .photo, ch("v"), "open the next photo", hint: "photo"),
            b(.session, .preview, ch("i"), "preview the photo here"),
            b(.session, .checklist, ch("C"), "choose a checklist"),

            b(.review, .yes, ch("y"), "yes"),
            b(.review, .no, ch("n"), "no"),
            b(.review, .na, ch("a"), "not applicable"),
            b(.review, .number, ch("0123456789"), "a number (scale, points)", hint: "answer"),
            b(.review, .evidence, ch("m"), "cite the play head", hint: "evidence"),
            b(.review, .removeEvidence, ch("M"), "remove the nearest cited moment"),
            b(.review, .comment, ch("c"), "comment on the item", hint: "comment"),
            b(.review, .clear, ch("x"), "clear the answer"),
            b(.review, .undo, ch("u"), "undo the last change", hint: "undo"),
            b(.review, .submit, ch("S"), "submit (asks first)", hint: "submit"),

            b(.lead, .approve, ch("A"), "approve the review", hint: "approve"),
            b(.lead, .returnReview, ch("R"), "return it (with a reason)", hint: "return"),
            b(.lead, .override, ch("O"), "override this item's answer", hint: "override"),

            b(.player, .play, ch(" "), "play or pause", hint: "play"),
            b(.player, .back5, [.left], "back 5 s"),
            b(.player, .forward5, [.right], "forward 5 s", hint: "5s"),
            b(.player, .back30, [.char("["), .shiftLeft], "back 30 s"),
            b(.player, .forward30, [.char("]"), .shiftRight], "forward 30 s"),
            b(.player, .slower, ch("<"), "slower (to 0.75×)"),
            b(.player, .faster, ch(">"), "faster (to 2×)"),
            b(.player, .volumeDown, ch("-"), "quieter"),
            b(.player, .volumeUp, ch("+"), "louder"),
            b(.player, .nextMarker, ch("N"), "next marker (Q, P, *)"),
            b(.player, .previousMarker, ch("P"), "previous marker"),

            b(.findings, .down, [.char("j"), .down], "next finding", hint: "move"),
            b(.findings, .up, [.char("k"), .up], "previous finding"),
            b(.findings, .confirm, ch("c"), "confirm it (leads, a reason)", hint: "confirm"),
            b(.findings, .dismiss, ch("x"), "dismiss it (leads, a reason)", hint: "dismiss"),
            b(.findings, .close, [.escape, .char("q"), .char("F")], "close the list", hint: "close"),

            b(.history, .down, [.char("j"), .down], "next entry", hint: "move"),
            b(.history, .up, [.char("k"), .up], "previous entry"),
            b(.history, .jump, [.enter], "play from its moment", hint: "play from it"),
            b(.history, .close, [.escape, .char("q"), .char("H")], "close the pane", hint: "close"),

            b(.audit, .previousPeriod, [.char("["), .left], "previous period", hint: "previous"),
            b(.audit, .nextPeriod, [.char("]"), .right], "next period", hint: "next"),
            b(.audit, .back, [.char("q"), .escape], "back to the queue", hint: "back"),

            b(.callbacks, .down, [.char("j"), .down], "next callback"),
            b(.callbacks, .up, [.char("k"), .up], "previous callback"),
            b(.callbacks, .take, ch("t"), "take it to call the customer", hint: "take"),
            b(.callbacks, .outcome, ch("o"), "record the call's outcome, and a note", hint: "outcome"),
            b(.callbacks, .open, [.enter], "open its session", hint: "session"),
            b(.callbacks, .reload, ch("r"), "reload the list"),
            b(.callbacks, .back, [.char("q"), .escape], "back to the queue", hint: "back"),
        ])
    }()

    // MARK: Remapping

    /// The table with a config file's `key.CONTEXT.COMMAND = KEY[, KEY…]` lines applied: the keys
    /// given replace the command's keys in that context, and leave any other command of the
    /// context they were bound to. A wrong line is an error naming it.
    public func remapped(_ lines: [(name: String, value: String, place: String)]) throws(Config.Problem) -> KeyTable {
        var t = self
        for (name, value, place) in lines {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts[0] == "key", let context = KeyContext(rawValue: parts[1]) else {
                throw Config.Problem(message: "\(place): a key setting is key.CONTEXT.COMMAND (contexts: \(KeyContext.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let command = KeyCommand(rawValue: parts[2]), let i = t.bindings.firstIndex(where: { $0.context == context && $0.command == command }) else {
                let known = t.bindings.filter { $0.context == context }.map(\.command.rawValue).joined(separator: ", ")
                throw Config.Problem(message: "\(place): \(context.rawValue) has no command \"\(TerminalText.visible(String(parts[2].prefix(40))))\" (known: \(known))")
            }
            guard command != .number else { throw Config.Problem(message: "\(place): the digits answer numbers and are not remapped") }
            var keys: [Key] = []
            for word in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let k = KeyTable.key(named: word) else {
                    throw Config.Problem(message: "\(place): \"\(TerminalText.visible(String(word.prefix(40))))\" is not a key (a character, Enter, Esc, Tab, Space, Backspace, Up, Down, Left, Right, S-Left, S-Right, PgUp, PgDn, Home, End or C-a … C-z)")
                }
                keys.append(k)
            }
            guard !keys.isEmpty else { throw Config.Problem(message: "\(place): no key given") }
            for j in t.bindings.indices where t.bindings[j].context == context { t.bindings[j].keys.removeAll { keys.contains($0) } }
            t.bindings[i].keys = keys
        }
        t.index()
        return t
    }

    /// A key by its config name: one character, or a name (case ignored), or C-x for Ctrl-X.
    public static func key(named word: String) -> Key? {
        // The names `msreview keys` and the help print are accepted too (↑, S-←, Ctrl-L).
        let names: [String: Key] = ["enter": .enter, "esc": .escape, "escape": .escape, "tab": .tab, "space": .char(" "),
                                    "backspace": .backspace, "delete": .delete, "up": .up, "down": .down, "left": .left, "right": .right,
                                    "s-left": .shiftLeft, "s-right": .shiftRight, "pgup": .pageUp, "pgdn": .pageDown,
                                    "home": .home, "end": .end, "comma": .char(","),
                                    "↑": .up, "↓": .down, "←": .left, "→": .right, "s-←": .shiftLeft, "s-→": .shiftRight]
        if let k = names[word.lowercased()] { return k }
        if word.count == 1, let c = word.first, c != "," { return .char(c) }
        var lower = word.lowercased()
        if lower.hasPrefix("ctrl-") { lower = "c-" + lower.dropFirst(5) }
        if lower.count == 3, lower.hasPrefix("c-"), let c = lower.last?.asciiValue, (97...122).contains(c) {
            return .char(Character(Unicode.Scalar(c - 96)))
        }
        return nil
    }

    /// How a key reads in help and hints.
    public static func name(_ key: Key) -> String {
        switch key {
        case .char(" "): return "space"
        case let .char(c):
            if let v = c.asciiValue, v < 32 { return "Ctrl-" + String(Character(Unicode.Scalar(v + 64))) }
            return String(c)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .shiftLeft: return "S-←"
        case .shiftRight: return "S-→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Backspace"
        case .tab: return "Tab"
        case .delete: return "Delete"
        case .resize: return "resize"
        case .mouse: return "mouse"
        }
    }

    /// The Russian (ЙЦУКЕН) layout's characters and the Latin key in the same place.
    public static let latin: [Character: Character] = {
        let ru = Array("йцукенгшщзхъфывапролджэячсмитьбюё" + "ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ")
        let en = Array("qwertyuiop[]asdfghjkl;'zxcvbnm,.`" + "QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~")
        var m: [Character: Character] = [:]
        for (r, e) in zip(ru, en) { m[r] = e }
        // The Latin / is . there, and ? is Shift+7 (the Latin &): both reach their commands.
        m["."] = "/"
        m[","] = "?"
        return m
    }()

    // MARK: Help and hints

    /// The help overlay: every binding under its context's heading, two to a line where they fit
    /// in `width` columns (the current screen's contexts first).
    public func helpLines(width: Int, first: [KeyContext] = []) -> [String] {
        let order = first + KeyContext.allCases.filter { !first.contains($0) }
        let column = (width - 2) / 2
        var out: [String] = []
        for context in order {
            let entries = bindings.filter { $0.context == context && !$0.keys.isEmpty }.map { b -> String in
                let keys = b.command == .number ? "0-9" : b.keys.map(KeyTable.name).joined(separator: " ")
                return "  " + TextWidth.fit(keys, max(9, TextWidth.of(keys))) + " " + b.help
            }
            guard !entries.isEmpty else { continue }
            out.append(context.title)
            var i = 0
            while i < entries.count {
                let a = entries[i]
                if i + 1 < entries.count, TextWidth.of(a) < column, TextWidth.of(entries[i + 1]) <= width - column {
                    out.append(TextWidth.fit(a, column) + entries[i + 1])
                    i += 2
                } else {
                    out.append(a)
                    i += 1
                }
            }
        }
        return out
    }

    /// The hint line of some contexts: "key word" for each binding with a hint, as many as fit.
    public func hints(_ contexts: [KeyContext], width: Int, leaving: Set<KeyCommand> = []) -> String {
        var out = ""
        for b in contexts.flatMap({ c in bindings.filter { $0.context == c } }) {
            guard let word = b.hint, let first = b.keys.first, !leaving.contains(b.command) else { continue }
            let key = b.command == .number ? [KeyCommand.yes, .no, .na].map { label($0, in: .review) }.joined(separator: "/") + "/0-9" : KeyTable.name(first)
            let piece = (out.isEmpty ? "" : " · ") + key + " " + word
            if TextWidth.of(out + piece) > width { break }
            out += piece
        }
        return out
    }
}
