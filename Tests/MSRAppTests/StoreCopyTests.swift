import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// `store copy` between backends: the store under test (SQLite, or PostgreSQL in that pass) out
/// to a SQLite file and back into a fresh store of the same backend, with nothing changed.
final class StoreCopyTests: XCTestCase {
    var dir = ""
    var db = ""

    override func setUp() { dir = makeTempDirectory("store-copy"); db = TestStore.location(in: dir) }
    override func tearDown() { removeTree(dir) }

    @discardableResult
    func msreview(_ who: String, _ args: String..., store: String? = nil) -> ProcessResult {
        Executable.run(["--db", store ?? db, "--reviewer", who] + args, environment: ["XDG_CACHE_HOME": dir + "/cache"])
    }

    func testACopyOutAndBackHoldsEveryRowAndMediumUnchanged() throws {
        XCTAssertEqual(msreview("lena", "import", Repository.samples).status, 0)
        XCTAssertEqual(msreview("lena", "reviewers", "add", "lena", "--role", "lead").status, 0)
        XCTAssertEqual(msreview("lena", "checklists", "load", Repository.checklists).status, 0)
        XCTAssertEqual(msreview("lena", "reviewers", "add", "anna").status, 0)
        XCTAssertEqual(msreview("lena", "reviewers", "add", "bob").status, 0)
        // A submitted and approved review with an override, a draft, and a calibration round.
        XCTAssertEqual(msreview("anna", "pull", "--count", "2").status, 0)
        let service = ReviewService(store: try Store(path: db), actor: "lena")
        let mine = try service.store.reviews(reviewer: "anna").map(\.sessionID)
        let first = try XCTUnwrap(mine.first)
        let checklist = try service.checklist(try XCTUnwrap(try service.store.session(first)?.summary.checklist))
        let file = try writeAnswersFile(dir + "/a.json", topAnswers(checklist))
        XCTAssertEqual(msreview("anna", "score", first, "--answers", file, "--submit").status, 0)
        let item = checklist.items[0].id
        XCTAssertEqual(msreview("lena", "override", first, "--item", item, "--answer", "no", "--reason", "нет приветствия").status, 0)
        XCTAssertEqual(msreview("lena", "approve", first).status, 0)
        let other = try service.checklist(try XCTUnwrap(try service.store.session(mine[1])?.summary.checklist))
        let draft = try writeAnswersFile(dir + "/draft.json", Array(topAnswers(other).prefix(3)))
        XCTAssertEqual(msreview("anna", "score", mine[1], "--answers", draft).status, 0, "a draft")
        XCTAssertEqual(msreview("lena", "calibrate", "S-20261120-0003", "--reviewers", "anna,bob").status, 0)
        XCTAssertEqual(msreview("anna", "play", first, "--device", "null").status, 0, "listening coverage")

        let out = dir + "/out.sqlite"
        let copied = msreview("lena", "store", "copy", "--from", db, "--to", out, "--json")
        XCTAssertEqual(copied.status, 0, copied.stderr)
        let report = try JSON.parse(copied.stdout)
        XCTAssertEqual(report["tables"]?["sessions"]?.numberValue, 8)
        XCTAssertEqual(report["damaged_media"]?.arrayValue?.count, 0)
        XCTAssertEqual(report["media"]?.numberValue, Double(try Store(path: db).storedMedia().count))
        let back = TestStore.location(in: dir, name: "back")
        XCTAssertEqual(msreview("lena", "store", "copy", "--from", out, "--to", back).status, 0)

        // The same answers to every question a user can ask, on all three.
        for store in [out, back] {
            for args in [["export", "items"], ["export", "reviews"], ["export", "findings"], ["log", "--json"], ["sessions", "--json"],
                         ["review", first, "--json"], ["show", first, "--json"], ["audit", "calibration", "S-20261120-0003", "--json"],
                         ["scorecards", "--period", "2026-11", "--json"]] {
                let a = Executable.run(["--db", db, "--reviewer", "lena"] + args, environment: ["XDG_CACHE_HOME": dir + "/cache"])
                let b = Executable.run(["--db", store, "--reviewer", "lena"] + args, environment: ["XDG_CACHE_HOME": dir + "/cache-b"])
                XCTAssertEqual(a.status, 0, "\(args): \(a.stderr)")
                XCTAssertEqual(b.stdout, a.stdout, "\(args) differs in \(store)")
            }
        }
        // A copy's media play (fetched from the copied team store into an empty cache, or its own files).
        let played = Executable.run(["--db", back, "--reviewer", "anna", "play", first, "--device", "file:FILE=\(dir)/heard.wav,FORMAT=wav"],
                                    environment: ["XDG_CACHE_HOME": dir + "/cache-c"])
        XCTAssertEqual(played.status, 0, played.stderr)
        XCTAssertGreaterThan(try readFile(dir + "/heard.wav").count, 44)

        // Only into an empty store; only by a lead.
        let again = msreview("lena", "store", "copy", "--from", db, "--to", out)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already holds 8 session(s)"), again.stderr)
        XCTAssertEqual(msreview("anna", "store", "copy", "--from", db, "--to", dir + "/anna.sqlite").status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/anna.sqlite"), "a refused copy creates nothing")
    }
}
