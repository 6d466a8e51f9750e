import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// Stored evidence stays verifiable (both stores): a changed or deleted stored medium is found
/// by `verify`, said by `show` and `play`, and restored by importing the original bundle again.
final class EvidenceTests: XCTestCase {
    var dir = ""
    var db = ""

    override func setUp() { dir = makeTempDirectory("evidence"); db = TestStore.location(in: dir) }
    override func tearDown() { removeTree(dir) }

    func msreview(_ args: String..., cache: String = "cache") -> ProcessResult {
        Executable.run(["--db", db] + args, environment: ["XDG_CACHE_HOME": dir + "/" + cache])
    }

    func testADamagedOrDeletedMediumIsFoundSaidAndRestoredByReimport() throws {
        XCTAssertEqual(msreview("import", Repository.samples).status, 0)
        let clean = msreview("verify", "--json")
        XCTAssertEqual(clean.status, 0, clean.stderr)
        let store = try Store(path: db)
        let all = try store.storedMedia()
        XCTAssertEqual(try JSON.parse(clean.stdout)["checked"]?.numberValue, Double(all.count))

        let session = "S-20261120-0001"
        let detail = try XCTUnwrap(try store.session(session))
        let recording = try XCTUnwrap(detail.recordings.first?.sha256)
        let photo = try XCTUnwrap(detail.photos.first?.sha256)
        // One stored copy deleted, one changed in place.
        if store.keepsMediaInDatabase {
            try store.db.execute("DELETE FROM media_chunks WHERE sha256 = ?", [.text(recording)])
            try store.db.execute("UPDATE media_chunks SET bytes = ? WHERE sha256 = ? AND idx = 0", [.blob([0xFF, 0xD8, 0xFF, 0]), .text(photo)])
        } else {
            let files = Store.mediaRoot(for: db)
            XCTAssertEqual(unlink(files + "/" + recording.prefix(2) + "/" + recording), 0)
            let p = files + "/" + photo.prefix(2) + "/" + photo
            chmod(p, 0o644)
            var bytes = try readFile(p)
            bytes[bytes.count / 2] ^= 0xFF
            try writeFile(p, bytes)
        }

        let found = msreview("verify", "--json", cache: "cache-fresh")
        XCTAssertEqual(found.status, 1)
        let problems = try JSON.parse(found.stdout)["problems"]?.arrayValue ?? []
        XCTAssertEqual(problems.count, 2, found.stdout)
        XCTAssertEqual(problems.first { $0["sha256"]?.stringValue == recording }?["problem"]?.stringValue, "missing")
        XCTAssertEqual(problems.first { $0["sha256"]?.stringValue == photo }?["problem"]?.stringValue, "changed")
        XCTAssertEqual(problems.first { $0["sha256"]?.stringValue == recording }?["uses"]?.arrayValue?.first?["session_id"]?.stringValue, session)
        let text = msreview("verify", cache: "cache-fresh")
        XCTAssertTrue(text.stdout.contains("missing  \(recording.prefix(16))…  \(session): audio/"), text.stdout)
        XCTAssertTrue(text.stdout.contains("media checked: 1 missing, 1 changed"), text.stdout)

        // show and play say it.
        let shown = msreview("show", session, cache: "cache-fresh").stdout
        XCTAssertTrue(shown.contains("GONE from the media store"), shown)
        let played = msreview("play", session, "--device", "null", cache: "cache-fresh")
        XCTAssertEqual(played.status, 1)
        XCTAssertTrue(played.stderr.contains("is gone from the media store"), played.stderr)

        // The original bundle brings both back.
        let again = msreview("import", Repository.samples, "--json")
        XCTAssertEqual(again.status, 0, again.stderr)
        let warnings = try JSON.parse(again.stdout)["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        // The photo is also S-20261120-0003's (a planted reuse): the two bundles are prepared in
        // parallel and either or both may restore it (content-addressed, so the same bytes), so
        // the two files are restored between them: 2 or, with the photo counted by both, 3.
        let restored = warnings.compactMap { w -> Int? in
            guard let r = w.range(of: ": restored ") else { return nil }
            return Int(w[r.upperBound...].prefix { $0.isNumber })
        }
        XCTAssertTrue((2...3).contains(restored.reduce(0, +)), "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("stored media file(s) of \(session)") }, "\(warnings)")
        XCTAssertEqual(msreview("verify", cache: "cache-fresh2").status, 0)
        XCTAssertEqual(msreview("play", session, "--device", "null", cache: "cache-fresh3").status, 0)
        XCTAssertFalse(msreview("show", session).stdout.contains("GONE"))
    }
}
