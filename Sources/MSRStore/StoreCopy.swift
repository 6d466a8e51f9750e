/// Copying a whole store to another, of either backend: every table in an order its foreign
/// keys accept, column by column by name (the two schemas name the same columns, in different
/// orders), with row ids kept. The media themselves are the caller's (MSRApp's `StoreCopier`).
extension Store {
    /// The tables of a store, parents before children.
    public static let copiedTables = [
        "sessions", "manifests", "media", "recordings", "photos", "questionnaires", "answers", "callback_requests",
        "findings", "import_log", "checklists", "reviewers", "calibrations", "audit_samples", "reviews", "review_answers",
        "review_overrides", "audit_log", "photo_uses", "meta", "listening", "finding_decisions", "disputes",
        "callbacks", "callback_attempts", "alert_outbox",
    ]

    /// A table's column names.
    func columns(of table: String) throws -> [String] {
        if isPostgres {
            return try db.query("SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position",
                                [.text(table)]) { $0.text(0) ?? "" }
        }
        return try db.query("SELECT name FROM pragma_table_info(?)", [.text(table)]) { $0.text(1) ?? $0.text(0) ?? "" }
    }

    /// Rows in a table.
    public func rowCount(_ table: String) throws -> Int {
        precondition(Store.copiedTables.contains(table) || table == "media_chunks")
        return Int(try db.scalar("SELECT count(*) FROM \(table)")?.int ?? 0)
    }

    /// Copies every row of `table` from `source` into this store (inside the caller's transaction).
    /// Reviews arrive as drafts and take their status after their answers, since a submitted
    /// review's answers never change in place (a trigger refuses even their first insert).
    public func copyRows(_ table: String, from source: Store) throws -> Int {
        precondition(Store.copiedTables.contains(table))
        let mine = Set(try columns(of: table))
        let cols = try source.columns(of: table).filter { mine.contains($0) }
        let names = cols.joined(separator: ", ")
        let tuple = "(" + Array(repeating: "?", count: cols.count).joined(separator: ", ") + ")"
        // Up to 200 rows per statement (within both engines' limits on bound parameters): a
        // round trip per row would make a million-row copy into a server take minutes.
        let perStatement = max(1, min(200, 30_000 / cols.count))
        func insert(_ rows: Int) -> String {
            "INSERT INTO \(table) (\(names)) VALUES " + Array(repeating: tuple, count: rows).joined(separator: ", ")
        }
        let statusIndex = table == "reviews" ? cols.firstIndex(of: "status") : nil
        let order = cols.contains("id") ? " ORDER BY id" : ""
        if table == "meta" { try db.execute("DELETE FROM meta") }
        var n = 0
        var pending: [SQLValue] = []
        pending.reserveCapacity(perStatement * cols.count)
        try source.db.stream("SELECT \(names) FROM \(table)\(order)", []) { row in
            for c in 0..<Int32(cols.count) { pending.append(row[c]) }
            if let i = statusIndex { pending[pending.count - cols.count + i] = .text("draft") }
            n += 1
            if pending.count == perStatement * cols.count {
                try db.execute(insert(perStatement), pending)
                pending.removeAll(keepingCapacity: true)
            }
            return true
        }
        if !pending.isEmpty { try db.execute(insert(pending.count / cols.count), pending) }
        return n
    }

    /// After `copyRows("reviews")` and their answers: every review's own status.
    public func copyReviewStatuses(from source: Store) throws {
        try source.db.forEach("SELECT id, status FROM reviews ORDER BY id", []) { row in
            try db.execute("UPDATE reviews SET status = ? WHERE id = ?", [row[1], row[0]])
            return true
        }
    }

    /// PostgreSQL: identity columns continue after the copied ids.
    public func continueIdentities() throws {
        guard isPostgres else { return }
        for table in Store.copiedTables where try columns(of: table).contains("id") && table != "sessions" {
            if try db.scalar("SELECT pg_get_serial_sequence(?, 'id')", [.text(table)])?.string != nil {
                try db.execute("SELECT setval(pg_get_serial_sequence(?, 'id'), coalesce((SELECT max(id) FROM \(table)), 0) + 1, false)", [.text(table)])
            }
        }
    }

    /// Gives the planner statistics of freshly copied tables (PostgreSQL; SQLite needs none):
    /// without them its first queries on a million copied rows can pick whole-table scans.
    public func analyze() throws {
        if isPostgres { try db.execute("ANALYZE") }
    }

    /// Media rows that still have their files (not purged), by SHA-256.
    public func storedMedia() throws -> [(sha256: String, size: Int64)] {
        try db.query("SELECT sha256, size FROM media WHERE purged_at IS NULL ORDER BY sha256") { ($0.text(0) ?? "", $0.int(1) ?? 0) }
    }
}
