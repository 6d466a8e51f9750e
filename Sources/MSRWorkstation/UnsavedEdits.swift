import Foundation
import MSRApp
import MSRCore
import MSRMedia

/// One change a reviewer made to a review in the workstation, as the service takes it.
struct ReviewEdit: Equatable {
    var session: String
    /// The answers document (`score`'s format): the answer, and a comment or an evidence moment.
    var document: JSON

    init(session: String, document: JSON) { (self.session, self.document) = (session, document) }

    /// The edit an effect asks for, or nil when it needs an answer the item does not have yet.
    init?(_ effect: Effect, state: AppState) {
        switch effect {
        case let .answer(session, item, answer):
            let value: JSON = Int(answer).map { .number(Double($0)) } ?? .string(answer)
            self.init(session: session, document: .object([(item, value)]))
        case let .comment(session, item, text):
            guard let current = state.review?.entries[item]?.answer else { return nil }
            self.init(session: session, document: .object([("answers", .object([(item, current.json)])), ("comments", .object([(item, .string(text))]))]))
        case let .markEvidence(session, item, at):
            guard let current = state.review?.entries[item]?.answer else { return nil }
            let offset = state.session.flatMap { Timestamp(rfc3339: $0.summary.startedAt)?.offsetSeconds } ?? 0
            let moment = Timestamp(utcMillis: at / 1000 * 1000, offsetSeconds: offset).description
            self.init(session: session, document: .object([("answers", .object([(item, current.json)])), ("evidence", .object([(item, .array([.string(moment)]))]))]))
        case let .setEntry(session, item, entry):
            // An exact replacement (clear, remove a moment, undo), kept apart from score's additions.
            let e: JSON = entry.map { .object([("answer", $0.answer.json), ("comment", $0.comment.map(JSON.string) ?? .null),
                                               ("evidence", .array($0.evidence.map { .number(Double($0)) }))]) } ?? .null
            self.init(session: session, document: .object([("set", .object([("item", .string(item)), ("entry", e)]))]))
        default:
            return nil
        }
    }

    func apply(_ service: ReviewService) throws -> ReviewView {
        if let set = document["set"], let item = set["item"]?.stringValue {
            var entry: ItemEntry?
            if let e = set["entry"], e != .null {
                guard let a = e["answer"], let answer = a.numberValue.map({ ItemAnswer.value(Int($0)) }) ?? a.stringValue.flatMap(ItemAnswer.init(text:)) else { throw ReviewError.answers("a kept change to \(item) holds no answer") }
                entry = ItemEntry(answer: answer, comment: e["comment"]?.stringValue,
                                  evidence: (e["evidence"]?.arrayValue ?? []).compactMap { $0.numberValue.map { Int64($0) } })
            }
            return try service.setEntry(session: session, item: item, entry: entry)
        }
        return try service.score(session: session, answers: document, source: "workstation", checklist: nil, submit: false)
    }
}

/// The unsaved edits on this machine's disk (`$XDG_STATE_HOME/msreview/unsaved/…`), so that
/// quitting or a crash while the server is away loses no answer either: the next start saves them.
enum UnsavedJournal {
    static func path(store: String, reviewer: String) -> String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? ((env["HOME"] ?? "/tmp") + "/.local/state")
        let key = SHA256Hasher.hex(Array((store + "\u{0}" + reviewer).utf8)).prefix(16)
        return base + "/msreview/unsaved/" + key + ".json"
    }

    static func read(_ path: String) -> [ReviewEdit] {
        guard let bytes = try? readFile(path, maxBytes: 16 << 20), let doc = try? JSON.parse(String(decoding: bytes, as: UTF8.self)) else { return [] }
        return (doc.arrayValue ?? []).compactMap { e in
            guard let s = e["session"]?.stringValue, let d = e["document"] else { return nil }
            return ReviewEdit(session: s, document: d)
        }
    }

    static func write(_ edits: [ReviewEdit], path: String) {
        if edits.isEmpty { unlink(path); return }
        let dir = String(path[..<path.lastIndex(of: "/")!])
        try? makeDirectories(dir)
        let doc = JSON.array(edits.map { .object([("session", .string($0.session)), ("document", $0.document)]) })
        try? writeFileAtomically(path, Array(doc.serialized().utf8))
    }
}
