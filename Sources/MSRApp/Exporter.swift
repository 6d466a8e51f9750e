import Foundation
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

    private var scratch: [UInt8] = []

    /// Writes one CSV record that `fill` builds cell by cell (hot loops: no array of cells per row).
    public func writeCSVRecord(_ fill: (inout CSVRecord) -> Void) throws {
        var record = CSVRecord(reusing: scratch)
        fill(&record)
        buffer.append(contentsOf: record.finish())
        scratch = record.bytes
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

/// Reviews with their answers and overrides, read on a thread and connection of their own,
/// at most two batches ahead of the one being written.
final class ReviewBatchReader: @unchecked Sendable {
    struct Batch {
        var reviews: [DecidedReview]
        var answers: [Int64: [String: ItemEntry]]
        var overrides: [Int64: [Override]]
    }

    private let condition = NSCondition()
    private var ready: [Batch] = []
    private var finished = false
    private var stopped = false
    private var failure: Error?

    init(path: String, filter: SessionFilter, checklist: String?, batchSize: Int = 1000) {
        Thread.detachNewThread { [self] in
            do {
                let store = try Store(path: path, readOnly: true)
                var reviews: [DecidedReview] = []
                func push() throws -> Bool {
                    let ids = reviews.map(\.reviewID)
                    let batch = Batch(reviews: reviews, answers: try store.answers(reviews: ids), overrides: try store.overrides(reviews: ids))
                    reviews.removeAll(keepingCapacity: true)
                    condition.lock()
                    defer { condition.unlock() }
                    while ready.count >= 2 && !stopped { condition.wait() }
                    ready.append(batch)
                    condition.broadcast()
                    return !stopped
                }
                try store.forEachDecidedReview(filter, checklist: checklist) { r in
                    reviews.append(r)
                    if reviews.count < batchSize { return true }
                    return try push()
                }
                if !reviews.isEmpty { _ = try push() }
                finish(nil)
            } catch {
                finish(error)
            }
        }
    }

    private func finish(_ error: Error?) {
        condition.lock()
        (finished, failure) = (true, error)
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or nil at the end.
    func next() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if !ready.isEmpty {
            condition.broadcast()
            return ready.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the reader early and waits until it is done with its connection.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
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
                try out.writeCSVRecord { row in for v in values { row.cell(Exporter.cell(v)) } }
            }
        }
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
            // A reader on its own connection streams the reviews with their answers and overrides,
            // 1,000 reviews a batch (two statements a batch, not two a review), while this thread
            // scores and writes the previous batch: waiting on the store overlaps with the work.
            let reader = ReviewBatchReader(path: store.path, filter: filter, checklist: checklist)
            defer { reader.stop() }
            func emitReview(_ r: DecidedReview) throws {
                let (id, sid, started, day, loc, emp, empName) = (r.reviewID, r.sessionID, r.startedAt, r.localDate, r.locationID, r.employeeID, r.employeeName)
                let (cid, version, reviewer, status, submitted, submittedMs, startedText) = (r.checklistID, r.checklistVersion, r.reviewer, r.status, r.submittedAt, r.submittedMillis, r.startedAt)
                let scored = try scorer.score(review: id, checklist: cid, version: version, submittedMillis: submittedMs)
                let (c, overrides, given, entries, score) = (scored.checklist, scored.overrides, scored.given, scored.effective, scored.score)
                if kind == .reviews {
                    try emit([id.json, .string(sid), .string(started), .string(day), .string(loc), .string(emp)] + (personal ? [empName.json] : [])
                             + [.string(cid), version.json, .string(reviewer), .string(status), submitted.json, Score.percentJSON(score.percent),
                                Score.percentJSON(score.percentBeforeAutoFail), .bool(score.passed), .number(c.passMark),
                                .string(score.criticalFailures.map { "\($0.itemID):\($0.scope.rawValue)" }.joined(separator: " ")), overrides.count.json,
                                .string(r.purpose)])
                } else {
                    let offset = Timestamp(rfc3339: startedText)?.offsetSeconds ?? 0
                    // The review's own cells, made once for all its items (CSV).
                    let head = json ? [] : [String(id), sid, day, loc, emp, cid, String(version), reviewer]
                    for section in c.sections {
                        for item in section.items {
                            let e = entries[item.id]
                            let f = e.flatMap { Score.fraction($0.answer, kind: item.kind) }
                            let evidence = (e?.evidence ?? []).map { Timestamp(utcMillis: $0, offsetSeconds: offset).description }.joined(separator: " ")
                            let failed = score.failedItems.contains(item.id)
                            if json {
                                try emit([id.json, .string(sid), .string(day), .string(loc), .string(emp), .string(cid), version.json, .string(reviewer),
                                          .string(section.id), .string(item.id), e?.answer.json ?? .null, given[item.id]?.answer.json ?? .null,
                                          f.map { .number(item.weight * $0) } ?? .null, f == nil ? .null : .number(item.weight),
                                          .bool(failed), .string(item.critical.rawValue), e?.comment.json ?? .null, .string(evidence)])
                            } else {
                                // The same cells as Exporter.cell makes of the JSON values above.
                                count += 1
                                let answer = e?.answer.text ?? "", givenAnswer = given[item.id]?.answer.text ?? ""
                                try out.writeCSVRecord { row in
                                    for h in head { row.cell(h) }
                                    row.cell(section.id)
                                    row.cell(item.id)
                                    row.cell(answer)
                                    row.cell(givenAnswer)
                                    row.cell(f.map { JSON.format(number: item.weight * $0) } ?? "")
                                    row.cell(f == nil ? "" : JSON.format(number: item.weight))
                                    row.cell(failed ? "true" : "false")
                                    row.cell(item.critical.rawValue)
                                    row.cell(e?.comment ?? "")
                                    row.cell(evidence)
                                }
                            }
                        }
                    }
                }
            }
            while let batch = try reader.next() {
                scorer.use(answers: batch.answers, overrides: batch.overrides)
                for r in batch.reviews { try emitReview(r) }
            }
        case .questionnaires:
            try begin(["session_id", "local_date", "location_id", "employee_id", "questionnaire_id", "form", "started_at", "submitted_at",
                       "question", "kind", "value", "answered_at", "left_out_for_fraud", "fraud_findings"])
            try store.forEachQuestionnaireAnswer(filter) { r in
                let value = (try? JSON.parse(r.valueJSON)) ?? .null
                try emit([.string(r.sessionID), .string(r.localDate), .string(r.locationID), .string(r.employeeID),
                          .string(r.questionnaireID), r.form.json, .string(r.startedAt), .string(r.submittedAt),
                          .string(r.question), .string(r.kind), value, r.answeredAt.json, .bool(r.leftOutForFraud), .string(r.fraud.name)])
                return true
            }
        case .findings:
            try begin(["session_id", "questionnaire_id", "file", "code", "severity", "detail", "local_date", "location_id", "employee_id",
                       "decision", "decision_reason", "decided_by", "decided_at"])
            try store.forEachFinding(filter) { f in
                try emit([.string(f.sessionID), f.questionnaireID.json, f.file.json, .string(f.code), .string(f.severity),
                          .string(f.detail), .string(f.localDate), .string(f.locationID), .string(f.employeeID),
                          .string(f.decision?.verdict.rawValue ?? "undecided"), f.decision?.reason.json ?? .null,
                          f.decision?.by.json ?? .null, f.decision?.at.json ?? .null])
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
