import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRTestSupport
import XCTest

final class MediaTests: XCTestCase {
    var dir = ""
    override func setUp() { dir = makeTempDirectory("media") }
    override func tearDown() { removeTree(dir) }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256Hasher.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256Hasher.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testProbesEachAcceptedAudioFormatFromItsHeader() throws {
        for format in [AudioFile.WriteFormat.wav, .flac, .ogg] {
            let path = dir + "/a." + format.rawValue
            try writeFile(path, MediaFixtures.audio(format, seconds: 1.5, rate: 16000))
            let info = try AudioFile.probe(path: path)
            XCTAssertEqual(info.container, format.rawValue)
            XCTAssertEqual(info.sampleRate, 16000)
            XCTAssertEqual(info.channels, 1)
            XCTAssertEqual(Double(info.durationMillis), 1500, accuracy: 30, "\(format)")
        }
    }

    func testGarbageAndTruncatedAudioAreUnreadable() throws {
        try writeFile(dir + "/junk.wav", Array("RIFF this is not audio at all".utf8))
        XCTAssertThrowsError(try AudioFile.probe(path: dir + "/junk.wav"))
        let flac = MediaFixtures.audio(.flac)
        try writeFile(dir + "/cut.flac", Array(flac.prefix(20)))
        XCTAssertThrowsError(try AudioFile.probe(path: dir + "/cut.flac"))
    }

    func testJPEGWithEXIFOffset() throws {
        let info = try PhotoFile.inspect(MediaFixtures.jpeg(exif: "2026:11:20 10:21:10", offset: "+03:00", width: 40, height: 30))
        XCTAssertEqual(info.width, 40)
        XCTAssertEqual(info.height, 30)
        XCTAssertEqual(info.exifDateTime?.timeString, "10:21:10")
        XCTAssertEqual(info.exifOffsetSeconds, 10800)
        let t = PhotoFile.captureTime(info, timezone: "Asia/Vladivostok")
        XCTAssertEqual(t?.utcMillis, Timestamp(rfc3339: "2026-11-20T10:21:10+03:00")?.utcMillis, "the offset wins over the zone")
    }

    func testEXIFWithoutOffsetIsReadInTheLocationZoneElseUTC() throws {
        let info = try PhotoFile.inspect(MediaFixtures.jpeg(exif: "2026:11:20 10:21:10", offset: nil))
        XCTAssertNil(info.exifOffsetSeconds)
        XCTAssertEqual(PhotoFile.captureTime(info, timezone: "Asia/Vladivostok")?.utcMillis,
                       Timestamp(rfc3339: "2026-11-20T10:21:10+10:00")?.utcMillis)
        XCTAssertEqual(PhotoFile.captureTime(info, timezone: nil)?.utcMillis, Timestamp(rfc3339: "2026-11-20T10:21:10Z")?.utcMillis)
    }

    func testJPEGWithoutEXIF() throws {
        let info = try PhotoFile.inspect(MediaFixtures.jpeg(exif: nil))
        XCTAssertNil(info.exifDateTime)
        XCTAssertNil(PhotoFile.captureTime(info, timezone: "Europe/Moscow"))
    }

    func testATruncatedJPEGDecodesWithItsDamageNotedAndGarbageDoesNot() throws {
        let good = MediaFixtures.jpeg(width: 64, height: 64)
        let cut = try PhotoFile.inspect(Array(good.prefix(good.count / 2)))
        XCTAssertTrue(cut.damage?.contains("Premature end") ?? false, "\(String(describing: cut.damage))")
        XCTAssertThrowsError(try PhotoFile.inspect(Array(good.prefix(200)))) {
            XCTAssertTrue("\($0)".contains("not a readable JPEG"), "\($0)")
        }
        XCTAssertThrowsError(try PhotoFile.inspect(Array("not a jpeg".utf8)))
        XCTAssertThrowsError(try PhotoFile.inspect([]))
    }

    // MARK: photo forensics

    /// A 256×192 photo with smooth detail (what a camera's picture looks like to the matcher).
    func scene(into path: String) throws {
        var rgb = [UInt8](repeating: 0, count: 256 * 192 * 3)
        for y in 0..<192 {
            for x in 0..<256 {
                let v = 128 + 60 * sin(Double(x) / 23 + Double(y) / 41) + 50 * cos(Double(x * y) / 3000 + Double(y) / 17)
                for c in 0..<3 { rgb[(y * 256 + x) * 3 + c] = UInt8(max(0, min(255, v + Double(c * 20 - 20)))) }
            }
        }
        try writeFile(path, try PhotoFile.encode(rgb: rgb, width: 256, height: 192, quality: 90, exifTime: CivilTime(exif: "2026:11:20 10:15:10"), exifOffset: nil))
    }

    func tool(_ command: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/convert"), FileManager.default.isExecutableFile(atPath: "/usr/bin/jpegtran"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/exiv2") else {
            throw XCTSkip("needs ImageMagick, jpegtran and exiv2 (make deps installs them)")
        }
        XCTAssertEqual(system(command + " 2>/dev/null"), 0, command)
    }

    /// Every JPEG a device produces is read: CMYK (Adobe, inverted), stray bytes and a cut end
    /// (decoded, the damage noted), EXIF Orientation 6 and 8 (thumbnailed upright). Each still
    /// matches the original by its pixels.
    func testCMYKDamagedAndTurnedJPEGsAreReadAndMatchTheirOriginal() throws {
        let base = dir + "/base.jpg"
        try scene(into: base)
        let original = try XCTUnwrap(try PhotoFile.inspect(try readFile(base)).thumbnail)
        XCTAssertNil(original.lowDetailReason)
        func read(_ path: String) throws -> PhotoInfo { try PhotoFile.inspect(try readFile(path)) }
        let t = FraudThresholds()

        try tool("/usr/bin/convert '\(base)' -colorspace CMYK '\(dir)/cmyk.jpg'")
        let cmyk = try read(dir + "/cmyk.jpg")
        XCTAssertNil(cmyk.damage)
        XCTAssertNotNil(PhotoMatcher.match(try XCTUnwrap(cmyk.thumbnail), original, t: t), "CMYK matches its original")

        var bytes = try readFile(base)
        let sos = try XCTUnwrap((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        bytes.insert(contentsOf: [0x00, 0x11], at: sos)   // two stray bytes between the header's markers
        try writeFile(dir + "/stray.jpg", bytes)
        let stray = try read(dir + "/stray.jpg")
        XCTAssertTrue(stray.damage?.contains("extraneous bytes before marker") ?? false, "\(String(describing: stray.damage))")
        XCTAssertEqual(PhotoMatcher.match(try XCTUnwrap(stray.thumbnail), original, t: t)?.grade, .definitely, "same pixels")
        XCTAssertNotNil(stray.exifDateTime, "the EXIF time survives")

        let whole = try readFile(base)
        try writeFile(dir + "/cut.jpg", Array(whole.prefix(whole.count * 9 / 10)))
        let cut = try read(dir + "/cut.jpg")
        XCTAssertTrue(cut.damage?.contains("Premature end") ?? false, "\(String(describing: cut.damage))")
        XCTAssertNotNil(PhotoMatcher.match(try XCTUnwrap(cut.thumbnail), original, t: t), "a cut copy still matches")

        for (rotate, orientation) in [("270", 6), ("90", 8)] {
            let turned = dir + "/o\(orientation).jpg"
            try tool("/usr/bin/jpegtran -rotate \(rotate) -copy all -outfile '\(turned)' '\(base)' && /usr/bin/exiv2 -M'set Exif.Image.Orientation \(orientation)' '\(turned)'")
            let info = try read(turned)
            XCTAssertEqual(info.orientation, orientation)
            XCTAssertEqual(PhotoMatcher.match(try XCTUnwrap(info.thumbnail), original, t: t)?.grade, .definitely,
                           "orientation \(orientation) is applied before matching")
        }
        // A phone's re-save that applies the orientation to the pixels matches the tagged original.
        try tool("/usr/bin/convert '\(dir)/o6.jpg' -auto-orient -quality 85 '\(dir)/applied.jpg'")
        XCTAssertNotNil(PhotoMatcher.match(try XCTUnwrap(try read(dir + "/applied.jpg").thumbnail), try XCTUnwrap(try read(dir + "/o6.jpg").thumbnail), t: t))
    }

    // MARK: tar

    func testExtractsABundleArchive() throws {
        let tar = BundleFixture.valid().writeTar(into: dir, gzip: true)
        let out = dir + "/out"
        try makeDirectories(out)
        XCTAssertEqual(try TarBundle.extract(archive: tar, into: out).top, "S-20261120-0001")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/S-20261120-0001/photos/p-001.jpg"))
    }

    /// The manifest is read in place (nothing written), and only the members a caller keeps are
    /// unpacked; the rest are named as skipped, wherever they stand in the archive.
    func testReadsTheManifestInPlaceAndUnpacksOnlyWhatIsKept() throws {
        let fixture = BundleFixture.valid()
        let tar = dir + "/b.tar.gz"
        try TarBundle.write(to: tar, gzip: true, entries: [
            TarEntry(name: "S-1", kind: .directory),
            TarEntry(name: "S-1/junk/before.bin", data: [UInt8](repeating: 7, count: 100_000)),
            TarEntry(name: "S-1/session.json", data: fixture.manifestBytes),
            TarEntry(name: "S-1/audio/kept.wav", data: [1, 2, 3]),
            TarEntry(name: "S-1/after.txt", data: [4]),
        ])
        let found = try TarBundle.readFile("session.json", archive: tar, maxBytes: 1 << 20)
        XCTAssertEqual(found.top, "S-1")
        XCTAssertEqual(found.bytes, fixture.manifestBytes)
        XCTAssertEqual(try TarBundle.readFile("session.json", archive: tar, maxBytes: 10).bytes, nil, "over the bound: size only")
        XCTAssertEqual(try TarBundle.readFile("session.json", archive: tar, maxBytes: 10).size, Int64(fixture.manifestBytes.count))
        XCTAssertNil(try TarBundle.readFile("nothing.json", archive: tar, maxBytes: 10).size)
        let out = dir + "/out"
        try makeDirectories(out)
        let unpacked = try TarBundle.extract(archive: tar, into: out, keep: { ["session.json", "audio/kept.wav"].contains($0) })
        XCTAssertEqual(unpacked.skipped, ["junk/before.bin", "after.txt"])
        XCTAssertEqual(try readFile(out + "/S-1/audio/kept.wav"), [1, 2, 3])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/S-1/junk/before.bin"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/S-1/after.txt"))
        // Skipped members are still checked: a link among them refuses the archive.
        let linked = dir + "/linked.tar"
        try TarBundle.write(to: linked, gzip: false, entries: [TarEntry(name: "B/session.json", data: [1]), TarEntry(name: "B/l", kind: .symlink("/etc"))])
        XCTAssertThrowsError(try TarBundle.extract(archive: linked, into: out, keep: { _ in false })) {
            XCTAssertTrue("\($0)".contains("is a link"), "\($0)")
        }
    }

    func assertRefused(_ entries: [TarEntry], _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tar = dir + "/evil-\(UUID().uuidString).tar"
        try TarBundle.write(to: tar, gzip: false, entries: entries)
        let out = dir + "/x-\(UUID().uuidString)"
        try makeDirectories(out)
        XCTAssertThrowsError(try TarBundle.extract(archive: tar, into: out), file: file, line: line) {
            XCTAssertTrue("\($0)".contains(message), "\($0)", file: file, line: line)
        }
    }

    func testRefusesMembersThatEscapeOrLink() throws {
        let victim = dir + "/victim"
        try makeDirectories(victim)
        try assertRefused([TarEntry(name: "B/session.json", data: [1]), TarEntry(name: "B/../../escaped.txt", data: [1])], "escapes")
        try assertRefused([TarEntry(name: victim + "/abs.txt", data: [1])], "absolute path")
        try assertRefused([TarEntry(name: "B", kind: .directory), TarEntry(name: "B/link", kind: .symlink(victim))], "is a link")
        try assertRefused([TarEntry(name: "B/a", data: [1]), TarEntry(name: "B/h", kind: .hardlink("/etc/passwd"))], "is a link")
        try assertRefused([TarEntry(name: "A/x", data: [1]), TarEntry(name: "B/y", data: [1])], "more than one top directory")
        try assertRefused([TarEntry(name: "loose.txt", data: [1])], "outside the bundle's top directory")
        try assertRefused([TarEntry(name: "B/a", data: [1]), TarEntry(name: "B/a", data: [2])], "appears twice")
        try assertRefused([], "empty")
        // Nothing was written outside the extraction directories.
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/escaped.txt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: victim + "/abs.txt"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: victim), [])
    }

    func testNotATarIsAClearError() throws {
        try writeFile(dir + "/x.tar.gz", Array("hello".utf8))
        XCTAssertThrowsError(try TarBundle.extract(archive: dir + "/x.tar.gz", into: dir)) {
            XCTAssertTrue("\($0)".contains("tar"), "\($0)")
        }
    }

    // MARK: bundle directory

    /// No link is followed, by openat2 or by the component walk: one leading out rejects, one
    /// staying inside is reported; FIFOs and directories are not files; sizes are capped.
    func testNoSymlinkIsFollowedAndNothingLeavesTheBundle() throws {
        let b = dir + "/B"
        try makeDirectories(b + "/photos")
        try writeFile(b + "/photos/real.jpg", [1, 2, 3])
        try writeFile(dir + "/secret", [9, 9])
        symlink("real.jpg", b + "/photos/inside.jpg")
        symlink(dir + "/secret", b + "/photos/outside.jpg")
        symlink("..", b + "/up")
        symlink("photos", b + "/alias")
        mkfifo(b + "/photos/pipe.jpg", 0o644)
        for kernel in [true, false] {
            let bundle = try BundleDirectory(path: b, kernelResolve: kernel)
            XCTAssertEqual(try bundle.readFile("photos/real.jpg", maxBytes: 100), [1, 2, 3])
            XCTAssertThrowsError(try bundle.readFile("photos/inside.jpg", maxBytes: 100)) {
                XCTAssertEqual($0 as? BundleFileError, .symlink("photos/inside.jpg"), "kernel \(kernel)")
            }
            XCTAssertThrowsError(try bundle.readFile("alias/real.jpg", maxBytes: 100)) {
                XCTAssertEqual($0 as? BundleFileError, .symlink("alias/real.jpg"), "a linked directory is not followed either")
            }
            for escape in ["photos/outside.jpg", "up/secret"] {
                XCTAssertThrowsError(try bundle.readFile(escape, maxBytes: 100)) {
                    guard case .escapes = $0 as! BundleFileError else { return XCTFail("\(escape): \($0)") }
                }
            }
            XCTAssertThrowsError(try bundle.readFile("photos/none.jpg", maxBytes: 100)) {
                XCTAssertEqual($0 as? BundleFileError, .missing("photos/none.jpg"))
            }
            XCTAssertThrowsError(try bundle.readFile("photos/real.jpg", maxBytes: 2)) {
                guard case .tooLarge = $0 as! BundleFileError else { return XCTFail("\($0)") }
            }
            XCTAssertThrowsError(try bundle.readFile("photos", maxBytes: 100)) {
                XCTAssertEqual($0 as? BundleFileError, .notRegular("photos"))
            }
            XCTAssertThrowsError(try bundle.readFile("photos/pipe.jpg", maxBytes: 100)) {
                XCTAssertEqual($0 as? BundleFileError, .notRegular("photos/pipe.jpg"), "a FIFO neither hangs nor counts as a file")
            }
        }
    }

    func testMediaStoreIsContentAddressed() throws {
        let media = try MediaStore(root: dir + "/media")
        let a = try media.ingest(bytes: [1, 2, 3])
        let b = try media.ingest(bytes: [1, 2, 3])
        XCTAssertEqual(a, b)
        XCTAssertEqual(try readFile(media.path(for: a.sha256)), [1, 2, 3])
        try writeFile(dir + "/f", Array(repeating: 7, count: 3 << 20))
        let fd = open(dir + "/f", O_RDONLY)
        defer { close(fd) }
        let c = try media.ingest(fd: fd, name: "f")
        XCTAssertEqual(c.size, 3 << 20)
        XCTAssertEqual(c.sha256, SHA256Hasher.hex(Array(repeating: 7, count: 3 << 20)))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/media/tmp"), [], "no temp files left")
        try media.sync()
    }
}
