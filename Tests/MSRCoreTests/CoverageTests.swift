import MSRCore
import XCTest

/// Listening kept as exact spans of each recording's own time (issue 18: the listened share was
/// counted in whole seconds of the session clock, so 75 % showed as 88.8 %).
final class CoverageTests: XCTestCase {
    func testSpansMergeAndCountToTheMillisecond() {
        var c = Coverage()
        c.add(recording: "a.wav", from: 0, to: 1_000)
        c.add(recording: "a.wav", from: 500, to: 1_500)     // overlaps: counted once
        c.add(recording: "a.wav", from: 3_000, to: 3_250)
        c.add(recording: "a.wav", from: 1_500, to: 1_600)   // touches: merged
        c.add(recording: "b.wav", from: 10, to: 10)         // empty: nothing
        c.add(recording: "b.wav", from: -50, to: 100)       // before the start: from 0
        XCTAssertEqual(c.spans, ["a.wav": [0..<1_600, 3_000..<3_250], "b.wav": [0..<100]])
        XCTAssertEqual(c.heardMillis(), 1_600 + 250 + 100)
        // A span past a recording's end counts no more than the recording lasts.
        XCTAssertEqual(c.heardMillis(lengths: ["a.wav": 3_100, "b.wav": 60]), 1_600 + 100 + 60)
        var d = Coverage()
        d.add(recording: "a.wav", from: 1_550, to: 3_050)
        d.formUnion(c)
        XCTAssertEqual(d.spans["a.wav"], [0..<3_250])
        XCTAssertEqual(Coverage(json: d.json), d, "the stored form reads back")
        XCTAssertNil(Coverage(json: .object([("a.wav", .array([.array([.number(1)])]))])), "a pair has two ends")
    }

    /// The cases, hand computed: 75 % of every recording shows 75 %, not 88.8 %; one
    /// second of play is half of a two-second recording only when it was a whole second.
    func testThreeQuartersIsThreeQuartersAndHalfASecondIsAQuarter() {
        var c = Coverage()
        c.add(recording: "r1.wav", from: 0, to: 7_500)      // of 10 s
        c.add(recording: "r2.wav", from: 250, to: 2_500)    // of 3 s
        XCTAssertEqual(Double(c.heardMillis(lengths: ["r1.wav": 10_000, "r2.wav": 3_000])) / 13_000, 0.75, accuracy: 1e-12)
        var short = Coverage()
        short.add(recording: "s.wav", from: 700, to: 1_200)   // half a second, across a second's edge
        XCTAssertEqual(Double(short.heardMillis(lengths: ["s.wav": 2_000])) / 2_000, 0.25)
    }

    /// Stores from before kept whole seconds of the session clock: each becomes the part of
    /// each recording inside that second.
    func testOldSessionSecondsBecomeSpansOfEachRecording() {
        // Session starts at 100_000; a.wav 100_000…101_500, b.wav from 111_500 for 2 s.
        // Seconds 0, 1 (a.wav 0–1500) and 11, 12, 13 (b.wav 0–2000, second 13 past its end).
        var bits = [UInt8](repeating: 0, count: 2)
        for s in [0, 1, 11, 12, 13] { bits[s / 8] |= 1 << UInt8(s % 8) }
        let c = Coverage(sessionSeconds: bits, origin: 100_000,
                         recordings: [("a.wav", 100_000, 1_500), ("b.wav", 111_500, 2_000)])
        XCTAssertEqual(c.spans, ["a.wav": [0..<1_500], "b.wav": [0..<2_000]])
        // Second 11 is 111_000…112_000: only its last half holds b.wav.
        let one = Coverage(sessionSeconds: [0, 0b1000], origin: 100_000, recordings: [("b.wav", 111_500, 2_000)])
        XCTAssertEqual(one.spans, ["b.wav": [0..<500]])
    }
}
