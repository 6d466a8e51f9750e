import Glibc
import MSRCore
import MSRMedia
import MSRStore

/// What `msreview export` writes.
public enum ExportKind: String, CaseIterable, Sendable { case reviews, items, questionnaires, findings }

/// Streams rows to a file descriptor in fixed-size chunks: memory stays flat however many rows.
public final class RowWriter {
    let fd: Int32
    var buffer: [UInt8] = []

    public init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    public func write(_ s: String) throws {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 { if errno == EINTR { continue }; throw FileError(path: "output", errno: errno, writing: true) }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Exports reviews, checklist items, questionnaire answers and findings as RFC 4180 CSV or JSON,
/// with the columns documented in docs/exports.md. Personal data (employee names, callback
/// requests) only when asked for; spreadsheet formulas neutralised in CSV.
public struct Exporter {
    public var store: Store
    public var filter = SessionFilter()
    public var checklist: String?
    public var includePersonalData = false
    public var json = false
    public var byteOrderMark = false

    public init(store: Store) { self.store = store }

    func sessionWhere() -> (String, [SQLValue]) {
        let (w, p) = store.sessionWhere(filter)
        return (w.isEmpty ? "WHERE 1" : w, p)
    }

    /// Writes the export; returns how many rows.
    @discardableResult
    public func run(_ kind: ExportKind, to out: RowWriter) throws -> Int {
        var columns: [String] = []
        var count = 0
        var first = true
        func begin(_ cols: [String]) throws {
            columns = cols
            if json { try out.write("[") } else {
                if byteOrderMark { try out.write("\u{FEFF}") }
                try out.write(CSV.row(cols))
            }
        }
        func emit(_ values: [JSON]) throws {
            count += 1
            if json {
                try out.write((first ? "\n" : ",\n") + JSON.object(Array(zip(columns, values))).serialized())
                first = false
            } else {
                try out.write(CSV.row(values.map(Exporter.cell)))
            }
        }
        let (whereSQL, params) = sessionWhere()
        let personal = includePersonalData
        switch kind {
        case .reviews, .items:
            let scorer = ReviewScorer(ReviewService(store: store, actor: "export"))
            if kind == .reviews {
                try begin(["review_id", "session_id", "started_at", "local_date", "location_id", "employee_id"] + (personal ? ["employee_name"] : [])
                          + ["checklist_id", "checklist_version", "reviewer", "status", "submitted_at", "percent", "percent_before_auto_fail",
                             "passed", "pass_mark", "critical_failures", "overrides", "purpose"])
            } else {
                try begin(["review_id", "session_id", "local_date", "location_id", "employee_id", "checklist_id", "checklist_version", "reviewer",
                           "section_id", "item_id", "answer", "answer_given", "earned", "possible", "failed", "critical", "comment", "evidence"])
            }
            var sql = """
                SELECT r.id, s.id, s.started_at, s.local_date, s.location_id, s.employee_id, s.employee_name, r.checklist_id, r.checklist_version,
                  r.reviewer, r.status, r.submitted_at, r.submitted_ms, s.started_at, r.purpose
                FROM reviews r JOIN sessions s ON s.id = r.session_id \(whereSQL)
                  AND r.status IN ('submitted', 'approved') AND r.checklist_id IS NOT NULL
                """
            var p = params
            if let checklist { sql += " AND r.checklist_id = ?"; p.append(.text(checklist)) }
            sql += " ORDER BY s.started_ms, s.id, r.id"
            // One statement streams the reviews; each row's answers are read as it goes.
            try store.db.forEach(sql, p) { r in
                let (id, sid, started, day, loc, emp, empName) = (r.int(0) ?? 0, r.text(1) ?? "", r.text(2) ?? "", r.text(3) ?? "", r.text(4) ?? "", r.text(5) ?? "", r.text(6))
                let (cid, version, reviewer, status, submitted, submittedMs, startedText) = (r.text(7) ?? "", Int(r.int(8) ?? 0), r.text(9) ?? "", r.text(10) ?? "", r.text(11), r.int(12), r.text(13) ?? "")
                let scored = try scorer.score(review: id, checklist: cid, version: version, submittedMillis: submittedMs)
                let (c, overrides, given, entries, score) = (scored.checklist, scored.overrides, scored.given, scored.effective, scored.score)
                if kind == .reviews {
                    try emit([id.json, .string(sid), .string(started), .string(day), .string(loc), .string(emp)] + (personal ? [empName.json] : [])
                             + [.string(cid), version.json, .string(reviewer), .string(status), submitted.json, Score.percentJSON(score.percent),
                                Score.percentJSON(score.percentBeforeAutoFail), .bool(score.passed), .number(c.passMark),
                                .string(score.criticalFailures.map { "\($0.itemID):\($0.scope.rawValue)" }.joined(separator: " ")), overrides.count.json,
                                .string(r.text(14) ?? "work")])
                } else {
                    let offset = Timestamp(rfc3339: startedText)?.offsetSeconds ?? 0
                    for section in c.sections {
                        for item in section.items {
                            let e = entries[item.id]
                            let f = e.flatMap { Score.fraction($0.answer, kind: item.kind) }
                            try emit([id.json, .string(sid), .string(day), .string(loc), .string(emp), .string(cid), version.json, .string(reviewer),
                                      .string(section.id), .string(item.id), e?.answer.json ?? .null, given[item.id]?.answer.json ?? .null,
                                      f.map { .number(item.weight * $0) } ?? .null, f == nil ? .null : .number(item.weight),
                                      .bool(score.failedItems.contains(item.id)), .string(item.critical.rawValue), e?.comment.json ?? .null,
                                      .string((e?.evidence ?? []).map { Timestamp(utcMillis: $0, offsetSeconds: offset).description }.joined(separator: " "))])
                        }
                    }
                }
                return true
            }
        case .questionnaires:
            try begin(["session_id", "local_date", "location_id", "employee_id", "questionnaire_id", "form", "started_at", "submitted_at",
                       "question", "kind", "value", "answered_at", "left_out_for_fraud"])
            try store.db.forEach("""
                SELECT s.id, s.local_date, s.location_id, s.employee_id, q.id, q.form, q.started_at, q.submitted_at,
                  a.question, a.kind, a.value, a.answered_at,
                  \(questionnaireHasFraudSQL)
                FROM sessions s JOIN questionnaires q ON q.session_id = s.id
                  JOIN answers a ON a.session_id = q.session_id AND a.questionnaire_id = q.id
                \(whereSQL) ORDER BY s.started_ms, s.id, q.idx, a.idx
                """, params) { r in
                let value = (try? JSON.parse(r.text(10) ?? "null")) ?? .null
                try emit([.string(r.text(0) ?? ""), .string(r.text(1) ?? ""), .string(r.text(2) ?? ""), .string(r.text(3) ?? ""),
                          .string(r.text(4) ?? ""), r.text(5).json, .string(r.text(6) ?? ""), .string(r.text(7) ?? ""),
                          .string(r.text(8) ?? ""), .string(r.text(9) ?? ""), value, r.text(11).json, .bool(r.int(12) == 1)])
                return true
            }
        case .findings:
            try begin(["session_id", "questionnaire_id", "file", "code", "severity", "detail", "local_date", "location_id", "employee_id"])
            try store.db.forEach("""
                SELECT f.session_id, f.questionnaire_id, f.file, f.code, f.severity, f.detail, s.local_date, s.location_id, s.employee_id
                FROM findings f JOIN sessions s ON s.id = f.session_id \(whereSQL)
                ORDER BY f.session_id, coalesce(f.questionnaire_id, ''), f.code, coalesce(f.file, '')
                """, params) { r in
                try emit([.string(r.text(0) ?? ""), r.text(1).json, r.text(2).json, .string(r.text(3) ?? ""), .string(r.text(4) ?? ""),
                          .string(r.text(5) ?? ""), .string(r.text(6) ?? ""), .string(r.text(7) ?? ""), .string(r.text(8) ?? "")])
                return true
            }
        }
        if json { try out.write(first ? "]\n" : "\n]\n") }
        try out.flush()
        return count
    }

    /// A JSON value as a CSV cell: null empty, numbers plain, booleans true/false.
    public static func cell(_ v: JSON) -> String {
        switch v {
        case .null: return ""
        case let .string(s): return s
        case let .number(n): return JSON.format(number: n)
        case let .bool(b): return b ? "true" : "false"
        default: return v.serialized()
        }
    }
}
