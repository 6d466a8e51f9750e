import MSRCore
import XCTest

final class JSONTests: XCTestCase {
    func testParsesAndKeepsMemberOrder() throws {
        let j = try JSON.parse(#"{"b": [1, 2.5, -3e2], "a": {"x": null, "y": true}, "s": "Анна \u0041\n"}"#)
        XCTAssertEqual(j.objectValue?.map(\.0), ["b", "a", "s"])
        XCTAssertEqual(j["b"], .array([.number(1), .number(2.5), .number(-300)]))
        XCTAssertEqual(j["a"]?["y"], .bool(true))
        XCTAssertEqual(j["s"], .string("Анна A\n"))
    }

    func testRoundTripsThroughSerialization() throws {
        let j = try JSON.parse(#"{"k":"q\"uote\\ 😀 \u0001","n":[0,1.25,-7],"e":{},"z":[]}"#)
        XCTAssertEqual(try JSON.parse(j.serialized()), j)
        XCTAssertEqual(try JSON.parse(j.prettySerialized()), j)
        XCTAssertEqual(j.serialized(), #"{"k":"q\"uote\\ 😀 \u0001","n":[0,1.25,-7],"e":{},"z":[]}"#)
    }

    func testReportsLineAndColumn() {
        XCTAssertThrowsError(try JSON.parse("{\n  \"a\": 1,\n  \"b\" 2\n}")) { e in
            let err = e as! JSONSyntaxError
            XCTAssertEqual(err.line, 3)
            XCTAssertEqual(err.column, 7)
            XCTAssertTrue(err.message.contains("':'"), err.message)
        }
    }

    func testRefusesDuplicatesDeepNestingAndJunk() {
        XCTAssertThrowsError(try JSON.parse(#"{"a":1,"a":2}"#)) { XCTAssertTrue("\($0)".contains("duplicate")) }
        XCTAssertThrowsError(try JSON.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100))) {
            XCTAssertTrue("\($0)".contains("nesting"))
        }
        for bad in ["", "{", "[1,]", "01", "1.", "\"\\x\"", "\"a\u{1}\"", "tru", "{} x", "\"\\ud800\"", "1e999"] {
            XCTAssertThrowsError(try JSON.parse(bad), "accepted \(bad.debugDescription)")
        }
        XCTAssertThrowsError(try JSON.parse([0x22, 0xFF, 0x22])) { XCTAssertTrue("\($0)".contains("UTF-8")) }
    }

    func testNumbersPrintAsIntegersWhenWhole() {
        XCTAssertEqual(JSON.number(42).serialized(), "42")
        XCTAssertEqual(JSON.number(-0.5).serialized(), "-0.5")
    }
}

final class TimestampTests: XCTestCase {
    func testParsesOffsetsAndFractions() throws {
        let t = try XCTUnwrap(Timestamp(rfc3339: "2026-11-20T10:15:02+03:00"))
        XCTAssertEqual(t.utcMillis, try XCTUnwrap(Timestamp(rfc3339: "2026-11-20T07:15:02Z")).utcMillis)
        XCTAssertEqual(t.offsetSeconds, 10800)
        XCTAssertEqual(t.description, "2026-11-20T10:15:02+03:00")
        XCTAssertEqual(t.localDate, "2026-11-20")
        let f = try XCTUnwrap(Timestamp(rfc3339: "2026-11-20T10:15:02.5-05:30"))
        XCTAssertEqual(f.utcMillis % 1000, 500)
        XCTAssertEqual(f.description, "2026-11-20T10:15:02.500-05:30")
        XCTAssertEqual(Timestamp(rfc3339: "1970-01-01T00:00:00Z")?.utcMillis, 0)
        XCTAssertEqual(Timestamp(rfc3339: "2024-02-29T00:00:00.123456789z")?.utcMillis, 1_709_164_800_123)
    }

    func testRefusesTimesWithoutOffsetOrOutOfRange() {
        for bad in ["2026-11-20T10:15:02", "2026-11-20 10:15:02Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                    "2026-11-20T24:00:00Z", "2026-11-20T10:15:02+3:00", "2026-11-20T10:15:02+03:00x", "", "2026-11-20"] {
            XCTAssertNil(Timestamp(rfc3339: bad), bad)
        }
    }

    func testLocalDateUsesTheMomentsOwnOffset() throws {
        // 23:30 in Vladivostok is still the previous day in UTC.
        let t = try XCTUnwrap(Timestamp(rfc3339: "2026-11-20T00:30:00+10:00"))
        XCTAssertEqual(t.localDate, "2026-11-20")
        XCTAssertEqual(CivilTime(utcMillis: t.utcMillis).dateString, "2026-11-19")
    }

    func testExifTimesAndZones() throws {
        let c = try XCTUnwrap(CivilTime(exif: "2026:11:20 10:21:10"))
        XCTAssertEqual(c.timeString, "10:21:10")
        XCTAssertNil(CivilTime(exif: "2026:11:20"))
        XCTAssertNil(CivilTime(exif: "0000:00:00 00:00:00"))
        let moscow = try XCTUnwrap(Zone.timestamp(of: c, in: "Europe/Moscow"))
        XCTAssertEqual(moscow.utcMillis, Timestamp(rfc3339: "2026-11-20T10:21:10+03:00")?.utcMillis)
        // New York in November is UTC−5 (after the DST change), in July UTC−4.
        let ny = try XCTUnwrap(Zone.timestamp(of: c, in: "America/New_York"))
        XCTAssertEqual(ny.offsetSeconds, -5 * 3600)
        let summer = try XCTUnwrap(Zone.timestamp(of: CivilTime(year: 2026, month: 7, day: 1, hour: 12), in: "America/New_York"))
        XCTAssertEqual(summer.offsetSeconds, -4 * 3600)
        XCTAssertNil(Zone.timestamp(of: c, in: "Mars/Olympus"))
        XCTAssertEqual(parseUTCOffset("+03:00"), 10800)
        XCTAssertEqual(parseUTCOffset("-0530"), -19800)
        XCTAssertNil(parseUTCOffset("+3"))
    }

    /// The UTF-8 fast path gives every string the width its scalars give: control characters,
    /// combining marks (two-byte U+0301, U+0483), the soft hyphen, Cyrillic, and wide text after them.
    func testTextWidthOfAStringIsTheSumOfItsScalars() {
        for text in ["", "S-20261120-0001", "Анна Петрова", "e\u{301}te\u{301}", "а\u{483}б", "soft\u{AD}hyphen", "a\u{7}b\u{7F}c",
                     "Ёжик ёлка", "ՀայԱ", "Ωμέγα", "日本 Анна", "ǅ ß ÿ", "\u{200B}zero width"] {
            XCTAssertEqual(TextWidth.of(text), text.unicodeScalars.reduce(0) { $0 + TextWidth.of($1) }, text)
        }
        XCTAssertEqual(TextWidth.of("e\u{301}"), 1)
    }

    func testTextWidthAlignsCyrillicAndWideCharacters() {
        XCTAssertEqual(TextWidth.of("Анна"), 4)
        XCTAssertEqual(TextWidth.of("日本"), 4)
        XCTAssertEqual(TextWidth.fit("Анна Петрова", 6), "Анна …")
        XCTAssertEqual(TextWidth.fit("日本語", 5), "日本…")
        XCTAssertEqual(TextWidth.of(TextWidth.fit("日本語テキスト", 7)), 7)
    }
}
