import MSRCore
import XCTest

/// Every field rule of the bundle format, one refusal each, plus what must be accepted.
final class ManifestTests: XCTestCase {
    static let base = """
    {
      "format": "msr-bundle/1",
      "session_id": "S-20261120-0001",
      "device_id": "DEV-0042",
      "location": {"id": "BR-017", "name": "Нижний Новгород", "timezone": "Europe/Moscow",
                   "hours": {"open": "09:00", "close": "21:00"}},
      "employee": {"id": "E-1203", "name": "Анна Петрова"},
      "started_at": "2026-11-20T10:15:02+03:00",
      "ended_at": "2026-11-20T10:24:40+03:00",
      "checklist": "bank-branch",
      "recordings": [{"file": "audio/rec-001.flac", "started_at": "2026-11-20T10:15:03+03:00",
                      "sha256": "9f2c000000000000000000000000000000000000000000000000000000000000"}],
      "photos": [{"file": "photos/p-001.jpg", "taken_at": "2026-11-20T10:21:10+03:00"}],
      "questionnaires": [{"id": "Q1", "form": "csi-3", "started_at": "2026-11-20T10:21:05+03:00",
        "submitted_at": "2026-11-20T10:21:40+03:00", "photos": ["photos/p-001.jpg"],
        "answers": [
          {"question": "rate_specialist", "text": "Оцените", "kind": "scale5", "value": 5, "answered_at": "2026-11-20T10:21:12+03:00"},
          {"question": "recommend", "kind": "nps", "value": 9},
          {"question": "ok", "kind": "yesno", "value": false},
          {"question": "branch", "kind": "choice", "value": "A"},
          {"question": "comment", "kind": "text", "value": "Быстро и вежливо"}]}],
      "callback_requests": [{"name": "Иван", "phone": "+7 900 000-00-00", "topic": "ипотека", "at": "2026-11-20T10:22:00+03:00"}],
      "future_field": {"ignored": true}
    }
    """

    func baseJSON() -> JSON { try! JSON.parse(Self.base) }

    func edited(_ path: [JSONPathStep], _ value: JSON?) -> [UInt8] {
        Array(baseJSON().replacing(path, with: value)!.serialized().utf8)
    }

    func assertRejected(_ path: [JSONPathStep], _ value: JSON?, field: String?, contains: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Manifest.parse(edited(path, value)), file: file, line: line) { e in
            let err = e as! ManifestError
            XCTAssertEqual(err.field, field, "\(err)", file: file, line: line)
            XCTAssertTrue(err.description.contains(contains), "\(err)", file: file, line: line)
        }
    }

    func testAcceptsTheSpecExample() throws {
        let m = try Manifest.parse(Array(Self.base.utf8))
        XCTAssertEqual(m.sessionID, "S-20261120-0001")
        XCTAssertEqual(m.location.hours?.open, 9 * 60)
        XCTAssertEqual(m.employee.name, "Анна Петрова")
        XCTAssertEqual(m.recordings.first?.file, "audio/rec-001.flac")
        XCTAssertEqual(m.questionnaires.first?.answers.map(\.value), [.number(5), .number(9), .bool(false), .text("A"), .text("Быстро и вежливо")])
        XCTAssertEqual(m.callbackRequests.first?.phone, "+7 900 000-00-00")
        XCTAssertEqual(m.files, ["audio/rec-001.flac", "photos/p-001.jpg"])
    }

    func testOptionalFieldsMayBeAbsent() throws {
        var j = baseJSON()
        if case var .object(m) = j {
            m.removeAll { ["checklist", "recordings", "photos", "questionnaires", "callback_requests"].contains($0.0) }
            j = .object(m)
        }
        let m = try Manifest.parse(Array(j.serialized().utf8))
        XCTAssertNil(m.checklist)
        XCTAssertTrue(m.recordings.isEmpty && m.photos.isEmpty && m.questionnaires.isEmpty)
        XCTAssertNoThrow(try Manifest.parse(edited(["location", "timezone"], nil)))
        XCTAssertNoThrow(try Manifest.parse(edited(["location", "hours"], nil)))
    }

    func testNotJSONAndOversize() {
        XCTAssertThrowsError(try Manifest.parse(Array("{\"format\": ".utf8))) {
            XCTAssertTrue("\($0)".contains("not valid JSON: line 1"), "\($0)")
        }
        XCTAssertThrowsError(try Manifest.parse(Array("[1,2]".utf8))) { XCTAssertTrue("\($0)".contains("JSON object")) }
        var big = Array(Self.base.utf8)
        big.insert(contentsOf: [UInt8](repeating: 0x20, count: Manifest.maxBytes), at: 1)
        XCTAssertThrowsError(try Manifest.parse(big)) { XCTAssertTrue("\($0)".contains("over the 1 MiB limit"), "\($0)") }
    }

    /// A NUL is refused in every string, names and values alike, naming where it is.
    func testANulInAnyStringIsRefusedWhereItIs() {
        assertRejected(["employee", "name"], "An\u{0}na".json, field: "employee.name", contains: "NUL character")
        assertRejected(["location", "name"], "\u{0}".json, field: "location.name", contains: "NUL character")
        assertRejected(["questionnaires", 0, "answers", 2, "value"], "a\u{0}b".json, field: "questionnaires[0].answers[2].value", contains: "NUL character")
    }

    func testFormat() {
        assertRejected(["format"], "msr-bundle/2".json, field: "format", contains: "not supported")
        assertRejected(["format"], nil, field: "format", contains: "required")
        assertRejected(["format"], 1.json, field: "format", contains: "must be a string")
    }

    func testRequiredFields() {
        for path: [JSONPathStep] in [["session_id"], ["device_id"], ["location"], ["location", "id"], ["employee"], ["employee", "id"],
                            ["started_at"], ["ended_at"], ["recordings", 0, "file"], ["recordings", 0, "started_at"],
                            ["photos", 0, "file"], ["questionnaires", 0, "id"], ["questionnaires", 0, "started_at"],
                            ["questionnaires", 0, "submitted_at"], ["questionnaires", 0, "answers", 0, "question"],
                            ["questionnaires", 0, "answers", 0, "kind"], ["questionnaires", 0, "answers", 0, "value"]] {
            let field = path.map { step -> String in
                switch step { case let .key(k): return "." + k; case let .index(i): return "[\(i)]" }
            }.joined()
            assertRejected(path, nil, field: String(field.dropFirst()), contains: "required field is missing")
        }
    }

    func testIdentifiers() {
        for bad in ["", "has space", String(repeating: "x", count: 65), "slash/no", "кириллица"] {
            assertRejected(["session_id"], bad.json, field: "session_id", contains: "A-Z a-z 0-9")
        }
        assertRejected(["device_id"], "D#1".json, field: "device_id", contains: "A-Z")
        assertRejected(["location", "id"], "".json, field: "location.id", contains: "A-Z")
        assertRejected(["employee", "id"], "E 1".json, field: "employee.id", contains: "A-Z")
        assertRejected(["questionnaires", 0, "id"], "Q 1".json, field: "questionnaires[0].id", contains: "A-Z")
        assertRejected(["questionnaires", 0, "answers", 1, "question"], "what?".json,
                       field: "questionnaires[0].answers[1].question", contains: "A-Z")
        XCTAssertNoThrow(try Manifest.parse(edited(["session_id"], String(repeating: "a.B_9-", count: 10).prefix(64).description.json)))
    }

    func testTimestamps() {
        assertRejected(["started_at"], "2026-11-20T10:15:02".json, field: "started_at", contains: "explicit offset")
        assertRejected(["ended_at"], "2026-11-20T10:00:00+03:00".json, field: "ended_at", contains: "before started_at")
        assertRejected(["recordings", 0, "started_at"], "yesterday".json, field: "recordings[0].started_at", contains: "RFC 3339")
        assertRejected(["photos", 0, "taken_at"], "2026-11-20 10:21:10".json, field: "photos[0].taken_at", contains: "RFC 3339")
        assertRejected(["questionnaires", 0, "answers", 0, "answered_at"], 5.json,
                       field: "questionnaires[0].answers[0].answered_at", contains: "must be a string")
        XCTAssertNoThrow(try Manifest.parse(edited(["ended_at"], "2026-11-20T07:15:02Z".json)), "equal to start is fine")
    }

    func testLocationRules() {
        assertRejected(["location", "timezone"], "Europe/Atlantis".json, field: "location.timezone", contains: "IANA")
        assertRejected(["location", "hours", "open"], "9am".json, field: "location.hours.open", contains: "HH:MM")
        assertRejected(["location", "hours", "close"], "25:00".json, field: "location.hours.close", contains: "HH:MM")
        assertRejected(["location"], "BR-017".json, field: "location", contains: "must be an object")
        assertRejected(["checklist"], "bank branch".json, field: "checklist", contains: "A-Z")
    }

    func testFilePathsMayNotEscape() {
        assertRejected(["recordings", 0, "file"], "/etc/passwd".json, field: "recordings[0].file", contains: "absolute path")
        assertRejected(["recordings", 0, "file"], "../x.wav".json, field: "recordings[0].file", contains: "escapes the bundle")
        assertRejected(["photos", 0, "file"], "photos/../../p.jpg".json, field: "photos[0].file", contains: "escapes the bundle")
        assertRejected(["photos", 0, "file"], "photos//p.jpg".json, field: "photos[0].file", contains: "plain form")
        assertRejected(["photos", 0, "file"], "".json, field: "photos[0].file", contains: "empty path")
        assertRejected(["photos", 0, "file"], "audio/rec-001.flac".json, field: "photos[0].file", contains: "named twice")
        assertRejected(["questionnaires", 0, "photos", 0], "photos/other.jpg".json, field: "questionnaires[0].photos[0]",
                       contains: "not one of the bundle's photos")
        assertRejected(["questionnaires", 0, "photos", 0], "../p.jpg".json, field: "questionnaires[0].photos[0]",
                       contains: "escapes the bundle")
    }

    func testSHA256Format() {
        assertRejected(["recordings", 0, "sha256"], "9F2C".json, field: "recordings[0].sha256", contains: "64 lowercase")
        assertRejected(["recordings", 0, "sha256"], String(repeating: "A", count: 64).json, field: "recordings[0].sha256", contains: "lowercase")
    }

    func testAnswerKindsAndValues() {
        let a: [JSONPathStep] = ["questionnaires", 0, "answers"]
        assertRejected(a + [0, "kind"], "stars".json, field: "questionnaires[0].answers[0].kind", contains: "not one of")
        assertRejected(a + [0, "value"], 6.json, field: "questionnaires[0].answers[0].value", contains: "1 to 5")
        assertRejected(a + [0, "value"], 4.5.json, field: "questionnaires[0].answers[0].value", contains: "whole number")
        assertRejected(a + [0, "value"], "5".json, field: "questionnaires[0].answers[0].value", contains: "whole number")
        assertRejected(a + [1, "value"], 11.json, field: "questionnaires[0].answers[1].value", contains: "0 to 10")
        assertRejected(a + [1, "value"], (-1).json, field: "questionnaires[0].answers[1].value", contains: "0 to 10")
        assertRejected(a + [2, "value"], 1.json, field: "questionnaires[0].answers[2].value", contains: "true or false")
        assertRejected(a + [3, "value"], 3.json, field: "questionnaires[0].answers[3].value", contains: "string")
        assertRejected(a + [4, "value"], .null, field: "questionnaires[0].answers[4].value", contains: "string")
    }

    func testDuplicateQuestionnaire() throws {
        var j = baseJSON()
        let q = j["questionnaires"]!.arrayValue![0]
        if case var .object(m) = j, let i = m.firstIndex(where: { $0.0 == "questionnaires" }) {
            m[i].1 = .array([q, q])
            j = .object(m)
        }
        XCTAssertThrowsError(try Manifest.parse(Array(j.serialized().utf8))) {
            XCTAssertEqual(($0 as! ManifestError).field, "questionnaires[1].id")
        }
    }
}
