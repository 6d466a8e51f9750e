import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRTestSupport
import XCTest

/// `msreview photos match` on real JPEGs edited by ImageMagick: the grades a lead checks a
/// finding with, through the isolated decoder and the import's index.
final class PhotoMatchCLITests: XCTestCase {
    var dir = ""

    override func setUp() { dir = makeTempDirectory("photos-match") }
    override func tearDown() { removeTree(dir) }

    func picture(_ path: String, seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let rgb = SampleGenerator.picture(width: 320, height: 240, rng: &rng)
        try writeFile(path, try PhotoFile.encode(rgb: rgb, width: 320, height: 240, quality: 90, exifTime: nil, exifOffset: nil))
    }

    func convert(_ args: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/convert") else { throw XCTSkip("needs ImageMagick (make deps installs it)") }
        XCTAssertEqual(system("/usr/bin/convert \(args) 2>/dev/null"), 0, args)
    }

    func testEditedCopiesGradeAndADifferentPhotoDoesNotMatch() throws {
        let original = dir + "/original.jpg"
        try picture(original, seed: 3)
        try picture(dir + "/other.jpg", seed: 4)
        try convert("'\(original)' -quality 70 '\(dir)/resaved.jpg'")
        try convert("'\(original)' -colorspace CMYK '\(dir)/cmyk.jpg'")
        try convert("'\(original)' -flop '\(dir)/mirrored.jpg'")
        try convert("'\(original)' -gravity northwest -crop 90%x90%+0+0 +repage '\(dir)/cropped.jpg'")
        try convert("'\(original)' -virtual-pixel edge -distort SRT 3 '\(dir)/rotated.jpg'")
        try writeFile(dir + "/garbage.jpg", Array("not a jpeg".utf8))
        let names = ["original", "other", "resaved", "cmyk", "mirrored", "cropped", "rotated", "garbage"]
        let r = Executable.run(["photos", "match", "--json"] + names.map { dir + "/\($0).jpg" })
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try JSON.parse(r.stdout)
        var grade: [String: String] = [:]
        for m in doc["matches"]?.arrayValue ?? [] {
            let a = URL(fileURLWithPath: m["earlier"]?.stringValue ?? "").deletingPathExtension().lastPathComponent
            let b = URL(fileURLWithPath: m["later"]?.stringValue ?? "").deletingPathExtension().lastPathComponent
            if a == "original" { grade[b] = m["grade"]?.stringValue }
            XCTAssertFalse(a == "other" || b == "other", "a different photo matches nothing: \(m)")
        }
        XCTAssertEqual(grade["resaved"], "definitely")
        XCTAssertEqual(grade["cmyk"], "definitely")
        XCTAssertEqual(grade["mirrored"], "probably")
        XCTAssertEqual(grade["cropped"], "probably")
        XCTAssertNotNil(grade["rotated"], "a 3° turn is caught")
        let mirrored = doc["matches"]?.arrayValue?.first { ($0["later"]?.stringValue ?? "").hasSuffix("/mirrored.jpg") && ($0["earlier"]?.stringValue ?? "").hasSuffix("/original.jpg") }
        XCTAssertEqual(mirrored?["transform"], "mirrored")
        let garbage = doc["photos"]?.arrayValue?.first { ($0["file"]?.stringValue ?? "").hasSuffix("garbage.jpg") }
        XCTAssertTrue(garbage?["excluded"]?.stringValue?.hasPrefix("unreadable: ") ?? false, "\(String(describing: garbage))")
        XCTAssertEqual(doc["pairs_compared"], 21, "seven readable photos")

        let text = Executable.run(["photos", "match", original, dir + "/mirrored.jpg"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.hasPrefix("probably   \(dir)/mirrored.jpg ~ \(original)  (mirrored; distance "), text.stdout)
        XCTAssertTrue(text.stdout.hasSuffix("1 match(es) among 2 photo(s), 1 pair(s)\n"), text.stdout)
        XCTAssertEqual(Executable.run(["photos", "match"]).status, 2, "no file is a usage error")
    }

    /// A flat photo gets no prints (it would match every plain picture), and `show` says why.
    func testAFlatPhotoIsSaidToBeUnmatched() throws {
        let flat = try PhotoFile.encode(rgb: [UInt8](repeating: 128, count: 64 * 48 * 3), width: 64, height: 48, quality: 80,
                                        exifTime: CivilTime(exif: "2026:11:20 10:15:10"), exifOffset: "+03:00")
        var b = BundleFixture.valid("S-FLAT")
        b.files["photos/p-001.jpg"] = flat
        b.edit(["photos", 0, "sha256"], SHA256Hasher.hex(flat).json)
        b.write(into: dir + "/spool")
        let db = dir + "/s.sqlite"
        XCTAssertEqual(Executable.run(["--db", db, "import", dir + "/spool"]).status, 0)
        let shown = Executable.run(["--db", db, "show", "S-FLAT"])
        XCTAssertTrue(shown.stdout.contains("[ok]  not matched for similarity: low detail: a flat or plain picture"), shown.stdout)
        let sample = Executable.run(["--db", db, "show", "S-FLAT"]).stdout
        XCTAssertEqual(sample.components(separatedBy: "not matched").count, 2, "said once, on the photo's line")
    }

    func testIndexTimingFindsEveryEditedCopy() throws {
        let r = Executable.run(["photos", "index-timing", "--count", "2000", "--lookups", "50", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try JSON.parse(r.stdout)
        XCTAssertEqual(doc["photos"], 2000)
        XCTAssertEqual(doc["prints"], 12000)
        XCTAssertEqual(doc["found"], 50, "every edited copy is found through the index")
        XCTAssertGreaterThan(doc["index_bytes"]?.numberValue ?? 0, 12000 * 4 * 12)
    }
}
