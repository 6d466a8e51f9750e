import Foundation

/// A corporate standard: ordered sections of items a reviewer answers (see Checklists/README.md).
public struct Checklist: Equatable, Sendable {
    /// The largest checklist file read (the four standards are under 20 KiB each).
    public static let maxFileBytes: Int64 = 1 << 20

    public var id: String
    public var version: Int
    public var title: String
    /// Percent a review must reach to pass (default 80).
    public var passMark: Double
    public var sections: [Section]

    public struct Section: Equatable, Sendable {
        public var id: String
        public var title: String
        public var items: [Item]
    }

    public enum Kind: Equatable, Sendable {
        case yesno
        /// 1…N, N from 2 to 10.
        case scale(Int)
        /// 0…N.
        case points(Int)
    }

    public enum Critical: String, Equatable, Sendable {
        case none, section, session
    }

    public struct Item: Equatable, Sendable {
        public var id: String
        public var text: String
        public var guidance: String
        public var kind: Kind
        public var weight: Double
        public var allowsNA: Bool
        public var critical: Critical
        /// A failing answer must cite a moment of the recording.
        public var evidenceOnFail: Bool
        /// Where it was defined (for messages).
        public var line: Int
    }

    public var items: [Item] { sections.flatMap(\.items) }

    public func item(_ id: String) -> Item? { items.first { $0.id == id } }
}

/// Every problem found in a checklist file.
public struct ChecklistProblems: Error, Equatable, CustomStringConvertible, Sendable {
    public var problems: [ChecklistProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A problem in a checklist file, as `FILE:LINE: message`.
public struct ChecklistProblem: Error, Equatable, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
}

extension Checklist {
    /// Parses the checklist text format, reporting every problem found (not only the first).
    ///
    /// ```
    /// # comment
    /// id: bank-branch
    /// version: 3
    /// title: Отделение банка
    /// pass: 80
    ///
    /// [greeting] Приветствие
    /// - greet: Сотрудник поприветствовал клиента
    ///   kind: yesno            (yesno | scale N | points N)
    ///   weight: 2              (default 1)
    ///   na: yes                (default no)
    ///   critical: session      (none | section | session; default none)
    ///   evidence: yes          (default no)
    ///   guidance: what the standard requires; may be repeated to continue
    /// ```
    public static func parse(_ text: String, file: String) throws(ChecklistProblems) -> Checklist {
        var problems: [ChecklistProblem] = []
        func problem(_ line: Int, _ message: String) { problems.append(ChecklistProblem(file: file, line: line, message: message)) }
        var id: String?, version: Int?, title: String?, pass: Double = 80
        var sections: [Section] = []
        var itemIDs = Set<String>(), sectionIDs = Set<String>()
        var currentItem: Item?
        var itemKeys = Set<String>()

        func finishItem() {
            guard let item = currentItem else { return }
            if sections.isEmpty { problem(item.line, "item \"\(item.id)\" comes before any [section]") }
            else { sections[sections.count - 1].items.append(item) }
            currentItem = nil
        }

        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, raw) in lines.enumerated() {
            let n = i + 1
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let indented = line.first == " " || line.first == "\t"

            if trimmed.hasPrefix("[") {
                finishItem()
                guard let close = trimmed.firstIndex(of: "]") else { problem(n, "section header needs ']' : [id] Title"); continue }
                let sid = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
                let stitle = trimmed[trimmed.index(after: close)...].trimmingCharacters(in: .whitespaces)
                if !Identifier.isValid(sid) { problem(n, "section id \"\(sid)\" is not 1–64 characters of A-Z a-z 0-9 . _ -") }
                else if !sectionIDs.insert(sid).inserted { problem(n, "section \"\(sid)\" is defined twice") }
                sections.append(Section(id: sid, title: stitle.isEmpty ? sid : stitle, items: []))
                continue
            }
            if trimmed.hasPrefix("- ") || trimmed == "-" {
                finishItem()
                let body = trimmed.dropFirst(1).trimmingCharacters(in: .whitespaces)
                guard let colon = body.firstIndex(of: ":") else { problem(n, "item needs an id and its text: - id: text"); continue }
                let iid = body[..<colon].trimmingCharacters(in: .whitespaces)
                let itext = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if !Identifier.isValid(iid) { problem(n, "item id \"\(iid)\" is not 1–64 characters of A-Z a-z 0-9 . _ -") }
                else if !itemIDs.insert(iid).inserted { problem(n, "item \"\(iid)\" is defined twice") }
                if itext.isEmpty { problem(n, "item \"\(iid)\" has no text") }
                currentItem = Item(id: iid, text: itext, guidance: "", kind: .yesno, weight: 1, allowsNA: false,
                                   critical: .none, evidenceOnFail: false, line: n)
                itemKeys = []
                continue
            }
            guard let colon = trimmed.firstIndex(of: ":") else { problem(n, "expected \"key: value\""); continue }
            let key = trimmed[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)

            if indented, currentItem != nil {
                if key != "guidance", !itemKeys.insert(key).inserted { problem(n, "\(key) given twice for item \"\(currentItem!.id)\"") }
                func yesNo() -> Bool? {
                    switch value.lowercased() {
                    case "yes", "true": return true
                    case "no", "false": return false
                    default: problem(n, "\(key) must be yes or no, not \"\(value)\""); return nil
                    }
                }
                switch key {
                case "kind":
                    let parts = value.split(separator: " ").map(String.init)
                    switch (parts.first, parts.count) {
                    case ("yesno", 1): currentItem!.kind = .yesno
                    case ("scale", 2):
                        if let max = Int(parts[1]), (2...10).contains(max) { currentItem!.kind = .scale(max) }
                        else { problem(n, "scale needs a top value from 2 to 10, e.g. \"scale 5\"") }
                    case ("points", 2):
                        if let max = Int(parts[1]), (1...1000).contains(max) { currentItem!.kind = .points(max) }
                        else { problem(n, "points needs a top value from 1 to 1000, e.g. \"points 3\"") }
                    default: problem(n, "kind must be yesno, scale N or points N, not \"\(value)\"")
                    }
                case "weight":
                    if let w = Double(value), w > 0, w <= 1000, w.isFinite { currentItem!.weight = w }
                    else { problem(n, "weight must be a number above 0 (at most 1000), not \"\(value)\"") }
                case "na": if let b = yesNo() { currentItem!.allowsNA = b }
                case "evidence": if let b = yesNo() { currentItem!.evidenceOnFail = b }
                case "critical":
                    if let c = Critical(rawValue: value.lowercased()) { currentItem!.critical = c }
                    else { problem(n, "critical must be none, section or session, not \"\(value)\"") }
                case "guidance":
                    currentItem!.guidance += (currentItem!.guidance.isEmpty ? "" : " ") + value
                default: problem(n, "unknown item property \"\(key)\" (kind, weight, na, critical, evidence, guidance)")
                }
                continue
            }
            if indented { problem(n, "indented property outside an item"); continue }
            finishItem()
            guard sections.isEmpty else { problem(n, "\"\(key)\" belongs in the header, before the first [section]"); continue }
            switch key {
            case "id":
                if Identifier.isValid(value) { id = value } else { problem(n, "id \"\(value)\" is not 1–64 characters of A-Z a-z 0-9 . _ -") }
            case "version":
                if let v = Int(value), v >= 1 { version = v } else { problem(n, "version must be a whole number from 1, not \"\(value)\"") }
            case "title": title = value
            case "pass":
                if let p = Double(value), (0...100).contains(p) { pass = p } else { problem(n, "pass must be a percent from 0 to 100, not \"\(value)\"") }
            default: problem(n, "unknown header field \"\(key)\" (id, version, title, pass)")
            }
        }
        finishItem()
        if id == nil { problem(1, "missing header field \"id\"") }
        if version == nil { problem(1, "missing header field \"version\"") }
        if sections.isEmpty { problem(max(lines.count, 1), "no [section] defined") }
        for s in sections where s.items.isEmpty { problem(1, "section \"\(s.id)\" has no items") }
        if !problems.isEmpty { throw ChecklistProblems(problems: problems.sorted { $0.line < $1.line }) }
        return Checklist(id: id!, version: version!, title: title ?? id!, passMark: pass, sections: sections)
    }
}
