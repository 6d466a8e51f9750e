import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// Real faults under real commands: a full disk, a read-only store, I/O errors injected into the
/// system calls (strace's fault injection), kill -9 at seeded random moments. Afterwards the store
/// passes `PRAGMA integrity_check`, nothing acknowledged is lost, and each command said one line.
final class FaultTests: XCTestCase {
    var dir = ""
    var db: String { dir + "/s.sqlite" }
    var mounted: [String] = []

    override func setUp() { dir = makeTempDirectory("faults") }

    override func tearDown() {
        for m in mounted.reversed() { _ = system("umount -l '\(m)' 2>/dev/null") }
        removeTree(dir)
    }

    func msreview(_ args: [String], strace inject: String? = nil, reviewer: String = "lena") -> ProcessResult {
        let base = ["--db", db, "--reviewer", reviewer] + args
        guard let inject else { return Executable.run(base) }
        return Executable.run(["-f", "-qq", "-o", "/dev/null", "-e", "inject=" + inject, Executable.path] + base,
                              program: "/usr/bin/strace")
    }

    /// One line on stderr, starting "msreview: ".
    func assertOneClearLine(_ r: ProcessResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, "\(what): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("msreview: "), "\(what): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "\(what): one line, not \(r.stderr)", file: file, line: line)
    }

    func assertIntact(file: StaticString = #filePath, line: UInt = #line) throws {
        let store = try Store(path: db)
        XCTAssertEqual(try store.integrityCheck(), "ok", file: file, line: line)
        XCTAssertEqual(try store.db.scalar("PRAGMA foreign_key_check")?.string, nil, file: file, line: line)
        // Every stored session is whole.
        try store.db.forEach("SELECT s.id, m.bytes FROM sessions s LEFT JOIN manifests m ON m.session_id = s.id") { row in
            let m = try Manifest.parse(try XCTUnwrap(row[1].blob, "\(row.text(0)!) has no manifest", file: file, line: line))
            let recs = try store.db.scalar("SELECT count(*) FROM recordings WHERE session_id = ?", [.text(row.text(0)!)])?.int
            XCTAssertEqual(recs, Int64(m.recordings.count), row.text(0)!, file: file, line: line)
            return true
        }
    }

    func mountTmpfs(_ path: String, size: String) throws -> Bool {
        try makeDirectories(path)
        guard getuid() == 0, system("mount -t tmpfs -o size=\(size) tmpfs '\(path)' 2>/dev/null") == 0 else { return false }
        mounted.append(path)
        return true
    }

    /// A real full disk: the store lives on a 1 MiB tmpfs and the samples do not fit.
    func testFullDiskDuringImport() throws {
        guard try mountTmpfs(dir + "/small", size: "1m") else { throw XCTSkip("needs root to mount a small tmpfs (the strace ENOSPC test covers the rest)") }
        let small = dir + "/small/s.sqlite"
        let r = Executable.run(["--db", small, "import", Repository.samples])
        assertOneClearLine(r, "full disk")
        XCTAssertTrue(r.stderr.contains("No space left on device") || r.stderr.contains("full"), r.stderr)
        let store = try Store(path: small, readOnly: true)
        XCTAssertEqual(try store.integrityCheck(), "ok")
        let stored = try store.sessionCount()
        XCTAssertLessThan(stored, 8)
        // Room again (the same store, remounted larger): the import completes.
        XCTAssertEqual(system("mount -o remount,size=64m '\(dir)/small'"), 0)
        let again = Executable.run(["--db", small, "import", Repository.samples, "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try JSON.parse(again.stdout)["imported"]?.numberValue.map(Int.init), 8 - stored)
    }

    /// ENOSPC and EIO from the kernel at the worst moments of an import into a fresh store: the
    /// media copies (write), the media sync before commit (syncfs), the store's writes (pwrite64)
    /// and syncs (fdatasync). Each run fails with one line; the store stays intact and whole; a
    /// clean rerun completes it.
    func testInjectedWriteErrorsDuringImportLoseNothingCommitted() throws {
        let root = dir
        for (i, inject) in ["write:error=ENOSPC:when=5+", "syncfs:error=EIO:when=1+", "pwrite64:error=ENOSPC:when=20+",
                            "pwrite64:error=EIO:when=10+", "fdatasync:error=EIO:when=2+"].enumerated() {
            dir = root + "/run\(i)"
            try makeDirectories(dir)
            _ = try Store(path: db) // the store exists before the fault
            let r = msreview(["import", Repository.samples], strace: inject)
            assertOneClearLine(r, inject)
            try assertIntact()
            XCTAssertLessThan(try Store(path: db).sessionCount(), 8, "\(inject): the fault stopped the import (what was written before it is whole)")
            let done = msreview(["import", Repository.samples, "--json"])
            XCTAssertEqual(done.status, 0, done.stderr)
            XCTAssertEqual(try Store(path: db).sessionCount(), 8, inject)
            try assertIntact()
        }
        dir = root
    }

    /// A reviewer's save that fails on I/O says so, and the answer acknowledged before it is kept.
    func testInjectedErrorsDuringReviewKeepAcknowledgedAnswers() throws {
        XCTAssertEqual(msreview(["import", Repository.samples]).status, 0)
        XCTAssertEqual(msreview(["reviewers", "add", "lena", "--role", "lead"]).status, 0)
        XCTAssertEqual(msreview(["checklists", "load", Repository.checklists]).status, 0)
        XCTAssertEqual(msreview(["reviewers", "add", "anna"]).status, 0)
        XCTAssertEqual(msreview(["pull", "--count", "1", "--checklist", "bank-branch"], reviewer: "anna").status, 0)
        let session = try XCTUnwrap(try Store(path: db).reviews(reviewer: "anna").first?.sessionID)
        let file = dir + "/a.json"
        try writeFile(file, Array(#"{"greet": "yes"}"#.utf8))
        XCTAssertEqual(msreview(["score", session, "--answers", file], reviewer: "anna").status, 0)
        try writeFile(file, Array(#"{"greet": "no", "tone": 4}"#.utf8))
        for inject in ["pwrite64:error=EIO:when=1+", "fdatasync:error=EIO:when=1+", "pwrite64:error=ENOSPC:when=1+"] {
            let r = msreview(["score", session, "--answers", file], strace: inject, reviewer: "anna")
            assertOneClearLine(r, inject)
            try assertIntact()
            let answers = try Store(path: db).answers(review: try XCTUnwrap(try Store(path: db).reviews(reviewer: "anna").first?.id))
            XCTAssertEqual(answers["greet"]?.answer, .yes, "\(inject): the acknowledged answer stays, the failed one is not half-written")
            XCTAssertNil(answers["tone"], inject)
        }
        XCTAssertEqual(msreview(["score", session, "--answers", file], reviewer: "anna").status, 0, "works again once the disk does")
    }

    /// A store on a read-only file system whose write-ahead log still holds committed changes
    /// (its last writer was killed): refused in one clear line, never shown stale.
    func testReadOnlyStoreWithCommittedChangesInItsLogIsRefusedNotShownStale() throws {
        guard try mountTmpfs(dir + "/ro", size: "64m") else { throw XCTSkip("needs root to mount and remount a tmpfs read-only") }
        let path = dir + "/ro/s.sqlite"
        XCTAssertEqual(Executable.run(["--db", path, "import", Repository.samples]).status, 0)
        // A writer killed after its commit leaves the log un-checkpointed.
        _ = try SampleGenerator(count: 200, seed: 31).generate(into: dir + "/spool")
        let p = Executable.runAsync(["--db", path, "import", dir + "/spool"])
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, p.isRunning, ((try? Store(path: path, readOnly: true).sessionCount()) ?? 0) <= 8 { usleep(5_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        var st = stat()
        guard stat(path + "-wal", &st) == 0, st.st_size > 0 else { throw XCTSkip("the import finished and checkpointed before the kill") }
        XCTAssertEqual(system("mount -o remount,ro '\(dir)/ro'"), 0)
        let r = Executable.run(["--db", path, "sessions", "--json"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("write-ahead log") && r.stderr.contains("read-only file system"), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1)
        XCTAssertEqual(r.stdout, "", "nothing stale printed")
    }

    /// A store on a read-only file system: reads work, every write is one clear line.
    func testReadOnlyStore() throws {
        guard try mountTmpfs(dir + "/ro", size: "64m") else { throw XCTSkip("needs root to mount and remount a tmpfs read-only") }
        let path = dir + "/ro/s.sqlite"
        XCTAssertEqual(Executable.run(["--db", path, "import", Repository.samples]).status, 0)
        XCTAssertEqual(Executable.run(["--db", path, "--reviewer", "lena", "reviewers", "add", "lena", "--role", "lead"]).status, 0)
        // A clean close leaves no WAL to replay; then the file system turns read-only.
        XCTAssertEqual(system("mount -o remount,ro '\(dir)/ro'"), 0)
        let list = Executable.run(["--db", path, "--reviewer", "lena", "sessions", "--json"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(try JSON.parse(list.stdout).arrayValue?.count, 8)
        for args in [["import", Repository.samples], ["--reviewer", "lena", "reviewers", "add", "bob"], ["--reviewer", "lena", "pull"]] {
            let r = Executable.run(["--db", path] + args)
            assertOneClearLine(r, "\(args)")
        }
    }

    /// kill -9 at seeded random moments of imports and of draft saves; after each, the store is
    /// intact, and in the end everything completes.
    func testKillNineAtRandomMoments() throws {
        var random = SeededRandom(seed: 2026)
        _ = try SampleGenerator(count: 300, seed: 12).generate(into: dir + "/spool")
        for _ in 0..<4 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Executable.path)
            p.arguments = ["--db", db, "import", dir + "/spool"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32.random(in: 50_000...900_000, using: &random))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            try assertIntact()
        }
        XCTAssertEqual(msreview(["import", dir + "/spool"]).status, 0)
        XCTAssertEqual(try Store(path: db).sessionCount(), 300)
        try assertIntact()
    }
}
