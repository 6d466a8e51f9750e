/// Why a manifest was refused: the field (as a path such as `recordings[0].file`) and the rule it broke.
public struct ManifestError: Error, Equatable, CustomStringConvertible, Sendable {
    public var field: String?
    public var message: String

    public init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "session.json: \(field): \(message)" }
        return "session.json: \(message)"
    }
}

/// Field rules shared by manifests and checklists.
public enum Identifier {
    /// 1–64 characters of `A-Z a-z 0-9 . _ -`.
    public static func isValid(_ s: String) -> Bool {
        let u = s.utf8
        guard !u.isEmpty, u.count <= 64 else { return false }
        return u.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }
}

/// Lexical rules for a `file` path of a bundle (symlinks are checked when the file is opened).
public enum BundlePath {
    public static let maxLength = 1024

    /// nil when `path` is a plain relative path inside the bundle, else why not.
    public static func problem(_ path: String) -> String? {
        if path.isEmpty { return "empty path" }
        if path.utf8.count > maxLength { return "path longer than \(maxLength) bytes" }
        if path.utf8.contains(0) { return "path contains a NUL byte" }
        if path.hasPrefix("/") { return "absolute path \"\(path)\" escapes the bundle" }
        if path.utf8.contains(UInt8(ascii: "\\")) { return "path \"\(path)\" contains a backslash" }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            if segment == ".." { return "path \"\(path)\" escapes the bundle (.. segment)" }
            if segment.isEmpty || segment == "." { return "path \"\(path)\" is not in plain form (empty or . segment)" }
        }
        return nil
    }
}

extension Manifest {
    /// Parses and validates manifest bytes. The first broken rule is reported, with its field.
    public static func parse(_ bytes: [UInt8]) throws(ManifestError) -> Manifest {
        if bytes.count > maxBytes {
            throw ManifestError(field: nil, "manifest is \(bytes.count) bytes, over the 1 MiB limit")
        }
        let json: JSON
        do {
            json = try JSON.parse(bytes)
        } catch {
            throw ManifestError(field: nil, "not valid JSON: \(error)")
        }
        // A NUL in any string is refused, the same way in every field and on both stores (SQLite
        // would keep it, PostgreSQL text cannot hold it, C libraries would cut the string there).
        if let path = Manifest.firstNUL(json, "") { throw ManifestError(field: path.isEmpty ? nil : path, "contains a NUL character (\\u0000)") }
        var reader = FieldReader()
        return try reader.manifest(json)
    }

    /// The path of the first string (member name or value) holding a NUL, if any.
    static func firstNUL(_ v: JSON, _ path: String) -> String? {
        switch v {
        case let .string(s): return s.utf8.contains(0) ? path : nil
        case let .array(items):
            for (i, item) in items.enumerated() { if let p = firstNUL(item, path + "[\(i)]") { return p } }
            return nil
        case let .object(members):
            for (k, item) in members {
                let p = path.isEmpty ? k : path + "." + k
                if k.utf8.contains(0) { return p }
                if let found = firstNUL(item, p) { return found }
            }
            return nil
        default: return nil
        }
    }
}

/// Walks the JSON tree, reading fields with their paths for precise errors.
struct FieldReader {
    func fail(_ field: String, _ message: String) -> ManifestError { ManifestError(field: field, message) }

    func object(_ v: JSON?, _ field: String, required: Bool = true) throws(ManifestError) -> JSON? {
        guard let v, v != .null else {
            if required { throw fail(field, "required field is missing") }
            return nil
        }
        guard case .object = v else { throw fail(field, "must be an object, not \(v.typeName)") }
        return v
    }

    func string(_ v: JSON?, _ field: String, required: Bool = true) throws(ManifestError) -> String? {
        guard let v, v != .null else {
            if required { throw fail(field, "required field is missing") }
            return nil
        }
        guard case let .string(s) = v else { throw fail(field, "must be a string, not \(v.typeName)") }
        return s
    }

    func identifier(_ v: JSON?, _ field: String) throws(ManifestError) -> String {
        let s = try string(v, field)!
        guard Identifier.isValid(s) else { throw fail(field, "\"\(s.prefix(80))\" is not 1–64 characters of A-Z a-z 0-9 . _ -") }
        return s
    }

    func timestamp(_ v: JSON?, _ field: String, required: Bool = true) throws(ManifestError) -> Timestamp? {
        guard let s = try string(v, field, required: required) else { return nil }
        guard let t = Timestamp(rfc3339: s) else {
            throw fail(field, "\"\(s.prefix(80))\" is not an RFC 3339 timestamp with an explicit offset (Z or ±hh:mm)")
        }
        return t
    }

    func array(_ v: JSON?, _ field: String) throws(ManifestError) -> [JSON] {
        guard let v, v != .null else { return [] }
        guard case let .array(a) = v else { throw fail(field, "must be an array, not \(v.typeName)") }
        return a
    }

    func file(_ v: JSON?, _ field: String) throws(ManifestError) -> String {
        let s = try string(v, field)!
        if let problem = BundlePath.problem(s) { throw fail(field, problem) }
        return s
    }

    func sha256(_ v: JSON?, _ field: String) throws(ManifestError) -> String? {
        guard let s = try string(v, field, required: false) else { return nil }
        guard s.utf8.count == 64, s.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw fail(field, "must be 64 lowercase hexadecimal digits")
        }
        return s
    }

    func clock(_ v: JSON?, _ field: String) throws(ManifestError) -> Int {
        let s = try string(v, field)!
        let b = Array(s.utf8)
        guard b.count == 5, b[2] == UInt8(ascii: ":"),
              let h = Int(String(decoding: b[0..<2], as: UTF8.self)), let m = Int(String(decoding: b[3..<5], as: UTF8.self)),
              b[0..<2].allSatisfy({ $0 >= 48 && $0 <= 57 }), b[3..<5].allSatisfy({ $0 >= 48 && $0 <= 57 }),
              h <= 24, m <= 59, h * 60 + m <= 24 * 60 else {
            throw fail(field, "\"\(s.prefix(20))\" is not a local time HH:MM")
        }
        return h * 60 + m
    }

    mutating func manifest(_ root: JSON) throws(ManifestError) -> Manifest {
        guard case .object = root else { throw ManifestError(field: nil, "must be a JSON object, not \(root.typeName)") }
        guard let format = try string(root["format"], "format") else { throw fail("format", "required field is missing") }
        guard format == Manifest.format else {
            throw fail("format", "\"\(format.prefix(40))\" is not supported (expected \"\(Manifest.format)\")")
        }
        let sessionID = try identifier(root["session_id"], "session_id")
        let deviceID = try identifier(root["device_id"], "device_id")

        let loc = try object(root["location"], "location")!
        var timezone = try string(loc["timezone"], "location.timezone", required: false)
        if let tz = timezone {
            guard Zone.isKnown(tz) else { throw fail("location.timezone", "\"\(tz.prefix(60))\" is not an IANA time zone name") }
        } else {
            timezone = nil
        }
        var hours: Manifest.OpeningHours?
        if let h = try object(loc["hours"], "location.hours", required: false) {
            hours = Manifest.OpeningHours(open: try clock(h["open"], "location.hours.open"),
                                          close: try clock(h["close"], "location.hours.close"))
        }
        let location = Manifest.Location(id: try identifier(loc["id"], "location.id"),
                                         name: try string(loc["name"], "location.name", required: false),
                                         timezone: timezone, hours: hours)

        let emp = try object(root["employee"], "employee")!
        let employee = Manifest.Employee(id: try identifier(emp["id"], "employee.id"),
                                         name: try string(emp["name"], "employee.name", required: false))

        let startedAt = try timestamp(root["started_at"], "started_at")!
        let endedAt = try timestamp(root["ended_at"], "ended_at")!
        guard endedAt >= startedAt else { throw fail("ended_at", "\(endedAt) is before started_at \(startedAt)") }

        var checklist: String?
        if root["checklist"] != nil, root["checklist"] != .null {
            checklist = try identifier(root["checklist"], "checklist")
        }

        var files = Set<String>()
        var recordings: [Manifest.Recording] = []
        for (i, r) in try array(root["recordings"], "recordings").enumerated() {
            let f = "recordings[\(i)]"
            _ = try object(r, f)
            let file = try file(r["file"], f + ".file")
            guard files.insert(file).inserted else { throw fail(f + ".file", "\"\(file)\" is named twice") }
            recordings.append(Manifest.Recording(file: file, startedAt: try timestamp(r["started_at"], f + ".started_at")!,
                                                 sha256: try sha256(r["sha256"], f + ".sha256")))
        }
        var photos: [Manifest.Photo] = []
        for (i, p) in try array(root["photos"], "photos").enumerated() {
            let f = "photos[\(i)]"
            _ = try object(p, f)
            let file = try file(p["file"], f + ".file")
            guard files.insert(file).inserted else { throw fail(f + ".file", "\"\(file)\" is named twice") }
            photos.append(Manifest.Photo(file: file, takenAt: try timestamp(p["taken_at"], f + ".taken_at", required: false),
                                         sha256: try sha256(p["sha256"], f + ".sha256")))
        }
        let photoFiles = Set(photos.map(\.file))

        var questionnaires: [Manifest.Questionnaire] = []
        var questionnaireIDs = Set<String>()
        for (i, q) in try array(root["questionnaires"], "questionnaires").enumerated() {
            let f = "questionnaires[\(i)]"
            _ = try object(q, f)
            let id = try identifier(q["id"], f + ".id")
            guard questionnaireIDs.insert(id).inserted else { throw fail(f + ".id", "questionnaire \"\(id)\" appears twice") }
            var linked: [String] = []
            for (j, p) in try array(q["photos"], f + ".photos").enumerated() {
                let pf = try file(p, "\(f).photos[\(j)]")
                guard photoFiles.contains(pf) else { throw fail("\(f).photos[\(j)]", "\"\(pf)\" is not one of the bundle's photos") }
                linked.append(pf)
            }
            var answers: [Manifest.Answer] = []
            for (j, a) in try array(q["answers"], f + ".answers").enumerated() {
                answers.append(try answer(a, "\(f).answers[\(j)]"))
            }
            questionnaires.append(Manifest.Questionnaire(
                id: id, form: try string(q["form"], f + ".form", required: false),
                startedAt: try timestamp(q["started_at"], f + ".started_at")!,
                submittedAt: try timestamp(q["submitted_at"], f + ".submitted_at")!,
                photos: linked, answers: answers))
        }

        var callbacks: [Manifest.CallbackRequest] = []
        for (i, c) in try array(root["callback_requests"], "callback_requests").enumerated() {
            let f = "callback_requests[\(i)]"
            _ = try object(c, f)
            callbacks.append(Manifest.CallbackRequest(
                name: try string(c["name"], f + ".name", required: false),
                phone: try string(c["phone"], f + ".phone", required: false),
                topic: try string(c["topic"], f + ".topic", required: false),
                at: try timestamp(c["at"], f + ".at", required: false)))
        }

        return Manifest(sessionID: sessionID, deviceID: deviceID, location: location, employee: employee,
                        startedAt: startedAt, endedAt: endedAt, checklist: checklist, recordings: recordings,
                        photos: photos, questionnaires: questionnaires, callbackRequests: callbacks)
    }

    func answer(_ a: JSON, _ f: String) throws(ManifestError) -> Manifest.Answer {
        _ = try object(a, f)
        let question = try identifier(a["question"], f + ".question")
        let kindText = try string(a["kind"], f + ".kind")!
        guard let kind = AnswerKind(rawValue: kindText) else {
            throw fail(f + ".kind", "\"\(kindText.prefix(40))\" is not one of scale5, nps, yesno, choice, text")
        }
        guard let raw = a["value"] else { throw fail(f + ".value", "required field is missing") }
        let value: AnswerValue
        func integer(_ range: ClosedRange<Int>) throws(ManifestError) -> Int {
            guard case let .number(n) = raw, n == n.rounded(), range.contains(Int(exactly: n) ?? Int.min) else {
                throw fail(f + ".value", "\(kind.rawValue) needs a whole number from \(range.lowerBound) to \(range.upperBound), not \(raw.serialized().prefix(40))")
            }
            return Int(n)
        }
        switch kind {
        case .scale5: value = .number(try integer(1...5))
        case .nps: value = .number(try integer(0...10))
        case .yesno:
            guard case let .bool(b) = raw else { throw fail(f + ".value", "yesno needs true or false, not \(raw.typeName)") }
            value = .bool(b)
        case .choice, .text:
            guard case let .string(s) = raw else { throw fail(f + ".value", "\(kind.rawValue) needs a string, not \(raw.typeName)") }
            value = .text(s)
        }
        return Manifest.Answer(question: question, text: try string(a["text"], f + ".text", required: false),
                               kind: kind, value: value, answeredAt: try timestamp(a["answered_at"], f + ".answered_at", required: false))
    }
}
