import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// `msreview play` through real ALSA (the `file` PCM), with standard input not a terminal.
final class PlayCLITests: XCTestCase {
    var dir = ""
    var db = ""
    override func setUp() {
        dir = makeTempDirectory("play"); db = TestStore.location(in: dir)
        XCTAssertEqual(Executable.run(["--db", db, "import", Repository.samples]).status, 0)
    }
    override func tearDown() { removeTree(dir) }

    func play(_ args: String...) -> (ProcessResult, String) {
        let out = dir + "/out-\(UUID().uuidString).wav"
        let r = Executable.run(["--db", db, "--reviewer", "anna", "play"] + args + ["--device", "file:FILE=\(out),FORMAT=wav"])
        return (r, out)
    }

    func testPlaysToTheEndRecordsCoverageAndHonoursFromAndSpeed() throws {
        let (r, out) = play("S-20261120-0002")
        XCTAssertEqual(r.status, 0, r.stderr)
        let source = try Store(path: db).session("S-20261120-0002")!.recordings[0]
        let written = try AudioFile.probe(path: out)
        XCTAssertEqual(written.frames, source.frames, "every frame played")
        let store = try Store(path: db)
        let heard = try store.heardMillis(session: "S-20261120-0002", reviewer: "anna")
        XCTAssertEqual(heard, try store.audioMillis(session: "S-20261120-0002"), "coverage survives in the store")

        // From 11:02:30 on the session clock: the recording starts 11:02:02, so 28 s are skipped.
        let (later, laterOut) = play("S-20261120-0002", "--from", "11:02:30")
        XCTAssertEqual(later.status, 0, later.stderr)
        XCTAssertEqual(Double(try AudioFile.probe(path: laterOut).frames), Double(source.frames! - 28 * Int64(source.sampleRate!)), accuracy: 1)
        let (fast, fastOut) = play("S-20261120-0002", "--speed", "2")
        XCTAssertEqual(fast.status, 0, fast.stderr)
        XCTAssertEqual(Double(try AudioFile.probe(path: fastOut).frames) / Double(source.frames!), 0.5, accuracy: 0.05)
    }

    func testNoSoundCardIsOneClearLine() {
        let r = Executable.run(["--db", db, "play", "S-20261120-0001", "--device", "no_such_pcm"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("msreview: audio device \"no_such_pcm\""), r.stderr)
        XCTAssertTrue(r.stderr.contains("--device"))
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "ALSA itself prints nothing: \(r.stderr)")
        XCTAssertEqual(Executable.run(["--db", db, "play", "S-20261120-0001", "--speed", "3"]).status, 2)
        XCTAssertEqual(Executable.run(["--db", db, "play", "S-20261120-0001", "--from", "soon"]).status, 2)
    }

    func testStatsReportLatencies() throws {
        let (r, _) = play("S-20261120-0001", "--stats")
        XCTAssertEqual(r.status, 0, r.stderr)
        let stats = try JSON.parse(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertNotNil(stats["first_frame_ms"]?.numberValue)
        XCTAssertGreaterThan(stats["x_realtime"]?.numberValue ?? 0, 1, "the file PCM is not paced")
        XCTAssertNotNil(stats["seek_ms_median"]?.numberValue)
    }
}
