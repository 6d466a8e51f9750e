import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// The C decoders run in a limited child process: a crash or a hang costs one file, never the
/// import; limits and format caps make hostile media unreadable instead of expensive.
final class IsolationTests: XCTestCase {
    var dir = ""
    var db: String { dir + "/s.sqlite" }

    override func setUp() { dir = makeTempDirectory("isolation") }
    override func tearDown() { removeTree(dir) }

    func sha(_ bytes: [UInt8]) -> String { SHA256Hasher.hex(bytes) }

    func testADecoderCrashMakesTheFileUnreadableAndTheImportGoesOn() throws {
        let victim = BundleFixture.valid("S-CRASH", photoSeed: 3)
        victim.write(into: dir + "/spool")
        let photo = try XCTUnwrap(victim.files["photos/p-001.jpg"])
        let r = Executable.run(["--db", db, "import", dir + "/spool", Repository.samples, "--json"], environment: ["MSREVIEW_PROBE_TEST": "crash:" + sha(photo)])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try JSON.parse(r.stdout)["imported"], 9)
        let store = try Store(path: db)
        let crashed = try XCTUnwrap(try store.session("S-CRASH"))
        XCTAssertEqual(crashed.photos.first?.status, .unreadable)
        XCTAssertEqual(crashed.findings.first { $0.code == .fileUnreadable }?.detail, "the decoder crashed (signal 11)")
        XCTAssertEqual(crashed.findings.first { $0.code == .fileUnreadable }?.file, "photos/p-001.jpg")
        XCTAssertEqual(crashed.recordings.first?.status, .ok, "the restarted decoder read the recording")
        // The samples decoded through the child just as in process: sizes, EXIF, hashes, envelopes.
        let fine = try XCTUnwrap(try store.session("S-20261120-0001"))
        XCTAssertEqual(fine.photos.first?.status, .ok)
        XCTAssertEqual(fine.photos.first?.width, 320)
        XCTAssertNotNil(fine.photos.first?.exifTime)
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM photos WHERE thumb IS NOT NULL AND session_id LIKE 'S-2026%'")?.int, 8)
        let envelope = try store.envelope(session: "S-20261120-0001")
        XCTAssertGreaterThan(envelope.count, 100, "the envelope crosses the process boundary")
        let direct = try AudioFile.envelope(path: store.mediaRoot + "/" + fine.recordings[0].sha256!.prefix(2) + "/" + fine.recordings[0].sha256!)
        XCTAssertEqual(Array(envelope.prefix(direct.count)), direct)
    }

    func testAHangingDecoderIsStoppedAfterItsTime() throws {
        setenv("MSREVIEW_PROBE_TEST", "hang:" + sha(MediaFixtures.jpeg(seed: 5)), 1)
        defer { unsetenv("MSREVIEW_PROBE_TEST") }
        BundleFixture.valid("S-HANG", photoSeed: 5).write(into: dir + "/spool")
        var limits = ProbeLimits()
        limits.secondsPerFile = 2
        let store = try Store(path: db)
        let started = Date()
        let report = try Importer(store: store, workers: 1, prober: { IsolatedProber(executable: Executable.path, limits: limits) })
            .run(paths: [dir + "/spool"])
        XCTAssertEqual(report.imported, 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "not stuck on the hanging file")
        let s = try XCTUnwrap(try store.session("S-HANG"))
        XCTAssertEqual(s.findings.first { $0.code == .fileUnreadable }?.detail, "the decoder took longer than 2 s and was stopped")
    }

    func testTheChildRunsUnderItsLimits() throws {
        var limits = ProbeLimits()
        limits.memoryBytes = 1 << 30
        limits.cpuSeconds = 77
        let prober = IsolatedProber(executable: Executable.path, limits: limits)
        let path = dir + "/a.wav"
        try writeFile(path, MediaFixtures.audio(.wav, seconds: 1))
        XCTAssertEqual(try prober.audio(path: path).info.channels, 1)
        let child = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init).first { pid in
            ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").contains("probe-server\u{0}1073741824\u{0}77")
        })
        let text = try String(contentsOfFile: "/proc/\(child)/limits", encoding: .utf8)
        func soft(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(name) }.map { $0.dropFirst(26).split(separator: " ").first.map(String.init) ?? "" }
        }
        XCTAssertEqual(soft("Max address space"), "1073741824")
        XCTAssertEqual(soft("Max cpu time"), "77")
        XCTAssertEqual(soft("Max file size"), "0", "a decoder writes no files")
        XCTAssertEqual(soft("Max core file size"), "0")
    }

    /// Formats outside the spec and values beyond the caps are unreadable, with the reason.
    func testFormatAndSizeCaps() throws {
        func wavHeader(channels: UInt16, rate: UInt32) -> [UInt8] {
            func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
            func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
            let data = [UInt8](repeating: 0, count: Int(channels) * 2 * 100)
            return Array("RIFF".utf8) + le32(36 + UInt32(data.count)) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(channels)
                + le32(rate) + le32(rate * UInt32(channels) * 2) + le16(channels * 2) + le16(16) + Array("data".utf8) + le32(UInt32(data.count)) + data
        }
        let prober = InProcessProber()
        func reason(_ bytes: [UInt8], _ name: String) -> String {
            let path = dir + "/" + name
            try? writeFile(path, bytes)
            do { _ = try prober.audio(path: path); return "read" } catch { return error.message }
        }
        XCTAssertEqual(reason(wavHeader(channels: 2, rate: 8000), "ok.wav"), "read")
        XCTAssertEqual(reason(wavHeader(channels: 16, rate: 8000), "many.wav"), "16 channels (at most 8)")
        XCTAssertEqual(reason(wavHeader(channels: 1, rate: 1000), "slow.wav"), "sample rate 1000 Hz out of range")
        let aiff = dir + "/x.aiff"
        XCTAssertEqual(system("sox -n -r 8000 -c 1 '\(aiff)' synth 0.2 sine 440 2>/dev/null"), 0)
        XCTAssertTrue(reason(try readFile(aiff), "y.aiff").hasSuffix("is not WAV, FLAC or OGG"))
        let adpcm = dir + "/x.wav"
        XCTAssertEqual(system("sox -n -r 8000 -c 1 -e ima-adpcm '\(adpcm)' synth 0.2 sine 440 2>/dev/null"), 0)
        let adpcmReason = reason(try readFile(adpcm), "z.wav")
        XCTAssertTrue(adpcmReason.hasPrefix("audio encoding"), adpcmReason)

        // A JPEG whose header claims 60000 × 60000 is refused before any pixel is decoded.
        var jpeg = MediaFixtures.jpeg(width: 32, height: 24)
        let sof = try XCTUnwrap((0..<jpeg.count - 9).first { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) })
        jpeg[sof + 5] = 0xEA; jpeg[sof + 6] = 0x60; jpeg[sof + 7] = 0xEA; jpeg[sof + 8] = 0x60
        try writeFile(dir + "/huge.jpg", jpeg)
        XCTAssertThrowsError(try prober.photo(path: dir + "/huge.jpg")) {
            XCTAssertEqual(($0 as? PhotoError)?.message, "60000×60000 pixels, over the limit of 100000000")
        }
    }
}
