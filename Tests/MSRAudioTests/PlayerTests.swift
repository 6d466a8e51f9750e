import Foundation
import MSRAudio
import MSRCore
import MSRMedia
import MSRTestSupport
import XCTest

/// The player through real ALSA: the `file` PCM writes what it is given to a WAV file, unpaced,
/// so the output can be compared sample by sample with the decoded source.
final class PlayerTests: XCTestCase {
    var dir = ""
    override func setUp() { dir = makeTempDirectory("player") }
    override func tearDown() { removeTree(dir) }

    /// A 440 Hz tone that changes every 100 ms, so any skip or repeat shows.
    func source(_ format: AudioFile.WriteFormat, seconds: Double, rate: Int = 8000, name: String) -> String {
        let samples = (0..<Int(seconds * Double(rate))).map { i -> Int16 in
            let step = Double(i / (rate / 10) % 7 + 1)
            return Int16(6000 * sin(2 * Double.pi * 110 * step * Double(i) / Double(rate)))
        }
        let path = dir + "/" + name + "." + format.rawValue
        try! AudioFile.write(path: path, samples: samples, sampleRate: rate, format: format)
        return path
    }

    /// The decoded source as the 16-bit device receives it.
    func decoded(_ path: String) throws -> [Float] {
        try AudioFile.decodeAll(path: path).samples.map { Float(ALSASink.quantize($0)) / 32768 }
    }

    /// Equal sample for sample; on failure says where, without dumping the arrays.
    func assertSame(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "\(what): length", file: file, line: line)
        if let i = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            XCTFail("\(what): first difference at sample \(i): \(a[i]) vs \(b[i])", file: file, line: line)
        }
    }

    func track(_ path: String, start: Int64) -> Track {
        let info = try! AudioFile.probe(path: path)
        return Track(path: path, startMillis: start, frames: info.frames, sampleRate: info.sampleRate, channels: info.channels,
                     recording: (path as NSString).lastPathComponent)
    }

    func play(_ timeline: Timeline, from: Int64? = nil, speed: Double = 1) throws -> (out: [Float], player: Player) {
        let out = dir + "/out-\(UUID().uuidString).wav"
        let player = Player(timeline: timeline, sink: ALSASink(device: "file:FILE=\(out),FORMAT=wav"))
        player.speed = speed
        player.play(from: from)
        XCTAssertTrue(player.waitUntilFinished(timeout: 60))
        XCTAssertNil(player.error)
        player.stop()
        return (try AudioFile.decodeAll(path: out).samples, player)
    }

    func testOutputEqualsTheDecodedSourceForEachFormat() throws {
        for format in [AudioFile.WriteFormat.wav, .flac, .ogg] {
            let path = source(format, seconds: 3, name: "s")
            let expected = try decoded(path)
            let (out, player) = try play(Timeline(tracks: [track(path, start: 1_000_000)]))
            assertSame(out, expected, "\(format): every sample as decoded")
            XCTAssertTrue(player.isFinished)
            XCTAssertEqual(player.positionMillis, 1_003_000)
        }
    }

    func testSeekStartsAtTheExactFrame() throws {
        let path = source(.flac, seconds: 4, name: "s")
        let expected = try decoded(path)
        let (out, _) = try play(Timeline(tracks: [track(path, start: 0)]), from: 2_500)
        assertSame(out, Array(expected[20_000...]), "from 2.5 s = frame 20000 at 8 kHz")
    }

    func testTwoRecordingsPlayInOrderAndTheGapIsSkipped() throws {
        let a = source(.wav, seconds: 1.5, name: "a"), b = source(.ogg, seconds: 2, name: "b")
        let ea = try decoded(a), eb = try decoded(b)
        // b starts 10 s after a ends; listed out of order on purpose.
        let timeline = Timeline(tracks: [track(b, start: 11_500), track(a, start: 0)])
        let (out, player) = try play(timeline)
        assertSame(out, ea + eb, "both recordings in clock order")
        XCTAssertEqual(player.coverage.spans, [(a as NSString).lastPathComponent: [0..<1500], (b as NSString).lastPathComponent: [0..<2000]],
                       "each recording's own time heard, to the millisecond")
        // A seek into the gap starts at the next recording.
        let (fromGap, _) = try play(timeline, from: 5_000)
        assertSame(fromGap, eb, "from the gap")
    }

    func testDifferentRatesReopenTheDevice() throws {
        let a = source(.wav, seconds: 1, rate: 8000, name: "a"), b = source(.wav, seconds: 1, rate: 16000, name: "b")
        let out = dir + "/mixed.wav"
        let player = Player(timeline: Timeline(tracks: [track(a, start: 0), track(b, start: 1000)]), sink: ALSASink(device: "file:FILE=\(out),FORMAT=wav"))
        player.play()
        XCTAssertTrue(player.waitUntilFinished(timeout: 30))
        XCTAssertNil(player.error)
        player.stop()
        XCTAssertTrue(player.isFinished)
        XCTAssertEqual(player.framesWritten, 8000 + 16000)
    }

    func testSpeedChangesDurationAndKeepsCoverage() throws {
        let path = source(.flac, seconds: 6, name: "s")
        let expected = try AudioFile.decodeAll(path: path).samples.count
        for speed in [2.0, 0.75] {
            let (out, player) = try play(Timeline(tracks: [track(path, start: 0)]), speed: speed)
            let ratio = Double(out.count) / Double(expected)
            XCTAssertEqual(ratio, 1 / speed, accuracy: 0.06, "at \(speed)× the output lasts \(ratio) of the source")
            XCTAssertEqual(player.coverage.heardMillis(), 6000, "the whole source was heard at \(speed)×")
        }
    }

    func testMissingDeviceIsAClearErrorNotACrash() throws {
        let path = source(.wav, seconds: 1, name: "s")
        let sink = ALSASink(device: "no_such_device_here")
        XCTAssertThrowsError(try sink.open(sampleRate: 8000, channels: 1)) {
            XCTAssertTrue("\($0)".contains("no_such_device_here"), "\($0)")
        }
        let player = Player(timeline: Timeline(tracks: [track(path, start: 0)]), sink: sink)
        player.play()
        XCTAssertTrue(player.waitUntilFinished(timeout: 10))
        XCTAssertNotNil(player.error)
        player.stop()
    }

    func testPauseAndResumeLoseNothing() throws {
        let path = source(.wav, seconds: 2, name: "s")
        let expected = try decoded(path)
        let out = dir + "/p.wav"
        let player = Player(timeline: Timeline(tracks: [track(path, start: 0)]), sink: ALSASink(device: "file:FILE=\(out),FORMAT=wav"))
        player.play()
        player.pause()
        XCTAssertTrue(player.isPaused)
        let at = player.positionMillis
        player.resume()
        XCTAssertTrue(player.waitUntilFinished(timeout: 30))
        player.stop()
        let written = try AudioFile.decodeAll(path: out).samples
        // Everything from the paused position on was written once more after resuming.
        let tail = Array(expected[Int(at * 8)...])
        assertSame(Array(written.suffix(tail.count)), tail, "after resuming")
    }

    /// Issue 17, bug 1: once the end was reached, a seek back or play again plays (the device is
    /// made ready again after draining), for the file PCM and the null one.
    func testPlaysAgainAfterReachingTheEnd() throws {
        let path = source(.wav, seconds: 1, name: "end")
        for device in ["file:FILE=\(dir)/again.wav,FORMAT=wav", "null"] {
            let player = Player(timeline: Timeline(tracks: [track(path, start: 0)]), sink: ALSASink(device: device))
            player.play()
            XCTAssertTrue(player.waitUntilFinished(timeout: 30), device)
            let first = player.framesWritten
            XCTAssertEqual(first, 8000, device)
            player.seek(to: 500)
            XCTAssertTrue(player.waitUntilFinished(timeout: 30), device)
            XCTAssertNil(player.error, device)
            XCTAssertEqual(player.framesWritten - first, 4000, "\(device): the second half again after a seek back")
            player.play(from: 0)
            XCTAssertTrue(player.waitUntilFinished(timeout: 30), device)
            XCTAssertNil(player.error, device)
            XCTAssertEqual(player.framesWritten - first, 12000, "\(device): the whole again after play from the start")
            player.stop()
        }
    }

    /// For a listener the unpaced PCMs keep real time: a second of audio is not over at once,
    /// and after the end a seek back plays the rest again at the same pace.
    func testRealTimeOnAnUnpacedSinkLastsAsLongAsTheAudio() throws {
        let path = source(.wav, seconds: 1, name: "rt")
        let player = Player(timeline: Timeline(tracks: [track(path, start: 0)]), sink: ALSASink(device: "null"), realTime: true)
        let t0 = Date()
        player.play()
        XCTAssertTrue(player.waitUntilFinished(timeout: 30))
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(t0), 0.9, "a second of audio took at least about a second")
        let t1 = Date()
        player.seek(to: 600)
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertFalse(player.isFinished, "after a seek back it plays again")
        XCTAssertLessThan(player.positionMillis, 1000)
        XCTAssertTrue(player.waitUntilFinished(timeout: 30))
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(t1), 0.3)
        XCTAssertEqual(player.framesWritten, 8000 + 3200)
        player.stop()
    }

    /// A seek plays part of a recording: what is heard is that part, not the seconds it touches.
    func testASeekCountsOnlyWhatWasPlayed() throws {
        let path = source(.wav, seconds: 4, name: "s")
        let (_, player) = try play(Timeline(tracks: [track(path, start: 0)]), from: 2_500)
        XCTAssertEqual(player.coverage.spans, ["s.wav": [2500..<4000]])
        XCTAssertEqual(player.coverage.heardMillis(), 1500)
    }
}
