import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// `msreview purge`: media past retention go, everything else stays and keeps working.
final class RetentionTests: XCTestCase {
    var dir = ""
    var db = ""

    override func setUp() { dir = makeTempDirectory("retention"); db = TestStore.location(in: dir) }
    override func tearDown() { removeTree(dir) }

    @discardableResult
    func msreview(_ args: String..., as who: String = "lena") -> ProcessResult {
        Executable.run(["--db", db, "--reviewer", who] + args, environment: ["XDG_CACHE_HOME": dir + "/cache"])
    }

    /// The media this test's store holds: beside the SQLite file, or in this test's own cache.
    func mediaFiles() -> Set<String> {
        let root = TestStore.isPostgres ? dir + "/cache/msreview/media" : Store.mediaRoot(for: db)
        let subdirs = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.count == 2 }
        return Set(subdirs.flatMap { d in ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + d)) ?? []) })
    }

    func testPurgeKeepsHashesFindingsAndScoresAndSharedFiles() throws {
        // The samples are from 2026-11-20; a bundle of today reuses one of their photos.
        var recent = BundleFixture.valid("S-RECENT")
        let shared = try readFile(Repository.samples + "/S-20261120-0002/photos/p-001.jpg")
        recent.files["photos/p-001.jpg"] = shared
        recent.edit(["photos", 0, "sha256"], SHA256Hasher.hex(shared).json)
        let today = PinnedNow.timestamp.localDate
        let text = JSON.object(recent.manifest).serialized().replacingOccurrences(of: "2026-11-20", with: today)
        guard case let .object(m) = try JSON.parse(text) else { return XCTFail() }
        recent.manifest = m
        recent.write(into: dir + "/spool")
        XCTAssertEqual(msreview("import", Repository.samples).status, 0)
        XCTAssertEqual(msreview("import", dir + "/spool").status, 0)
        XCTAssertEqual(msreview("reviewers", "add", "lena", "--role", "lead").status, 0)
        XCTAssertEqual(msreview("checklists", "load", Repository.checklists).status, 0)
        XCTAssertEqual(msreview("reviewers", "add", "anna").status, 0)
        XCTAssertEqual(msreview("pull", "--count", "1", "--checklist", "bank-branch", as: "anna").status, 0)
        let session = try XCTUnwrap(try Store(path: db).reviews(reviewer: "anna").first?.sessionID)
        let c = try ReviewService(store: try Store(path: db), actor: "lena").checklist("bank-branch")
        _ = try writeAnswersFile(dir + "/a.json", topAnswers(c))
        XCTAssertEqual(msreview("score", session, "--answers", dir + "/a.json", "--submit", as: "anna").status, 0)
        let exportBefore = msreview("export", "reviews").stdout
        let cardsBefore = msreview("scorecards", "--period", "2026-11", "--json").stdout
        let fraudBefore = msreview("fraud", "--json").stdout
        let filesBefore = mediaFiles()
        let sharedSHA = SHA256Hasher.hex(shared)
        XCTAssertTrue(filesBefore.contains(sharedSHA))

        XCTAssertEqual(msreview("purge", "--older-than", "2d", as: "anna").status, 1, "lead only")
        XCTAssertEqual(msreview("purge", "--older-than", "soon").status, 2)
        let dry = try JSON.parse(msreview("purge", "--older-than", "2d", "--dry-run", "--json").stdout)
        XCTAssertEqual(dry["sessions"], 8)
        XCTAssertEqual(dry["shared_kept"], 1, "the photo S-RECENT reuses")
        XCTAssertEqual(mediaFiles(), filesBefore, "a dry run deletes nothing")

        let done = try JSON.parse(msreview("purge", "--older-than", "2d", "--json").stdout)
        XCTAssertEqual(done["files"], dry["files"])
        XCTAssertEqual(mediaFiles(), Set([sharedSHA]).union(try recentFiles()), "only the files of S-RECENT are left")
        // Everything but the media is as it was.
        XCTAssertEqual(msreview("export", "reviews").stdout, exportBefore)
        XCTAssertEqual(msreview("scorecards", "--period", "2026-11", "--json").stdout, cardsBefore)
        XCTAssertEqual(msreview("fraud", "--json").stdout, fraudBefore)
        let recheck = msreview("fraud", "--recheck", "--json")
        XCTAssertEqual(recheck.status, 0, recheck.stderr)
        XCTAssertEqual(try JSON.parse(recheck.stdout), try JSON.parse(fraudBefore), "the checks run on stored hashes and envelopes")
        let shown = try JSON.parse(msreview("show", session, "--json").stdout)
        XCTAssertNotEqual(shown["media_purged_at"], .null)
        XCTAssertNotNil(shown["recordings"]?.arrayValue?.first?["sha256"]?.stringValue, "hashes are kept")
        XCTAssertEqual(try JSON.parse(msreview("show", "S-RECENT", "--json").stdout)["media_purged_at"], .null)
        XCTAssertTrue(msreview("log", "--action", "purge").stdout.contains("purge"))
        let play = msreview("play", session, "--device", "null")
        XCTAssertEqual(play.status, 1)
        XCTAssertTrue(play.stderr.contains("purged") && play.stderr.contains("(retention)"), play.stderr)
        let again = try JSON.parse(msreview("purge", "--older-than", "2d", "--json").stdout)
        XCTAssertEqual(again["files"], 0, "nothing left to purge")
        XCTAssertEqual(try Store(path: db).integrityCheck(), "ok")
    }

    func recentFiles() throws -> Set<String> {
        let s = try XCTUnwrap(try Store(path: db).session("S-RECENT"))
        return Set(s.recordings.compactMap(\.sha256) + s.photos.compactMap(\.sha256))
    }
}
