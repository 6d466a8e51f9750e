import MSRCore
import XCTest

/// Every check of the catalogue: a case that must raise it, and one just inside its threshold.
final class FraudTests: XCTestCase {
    let t = FraudThresholds()

    func ts(_ s: String) -> Timestamp { Timestamp(rfc3339: "2026-11-20T" + s + "+03:00")! }

    /// A clean session 10:00:00–10:10:00 with one questionnaire 10:05:00–10:05:30 (3 answers),
    /// one linked photo taken 10:05:10 with matching EXIF, and a recording 10:00:00 for 10 minutes.
    func evidence(_ edit: (inout SessionEvidence) -> Void = { _ in }) -> SessionEvidence {
        let answers = (1...3).map { i in
            Manifest.Answer(question: "q\(i)", kind: .scale5, value: .number(5), answeredAt: ts("10:05:" + ["05", "15", "25"][i - 1]))
        }
        let q = Manifest.Questionnaire(id: "Q1", startedAt: ts("10:05:00"), submittedAt: ts("10:05:30"), photos: ["p.jpg"], answers: answers)
        let m = Manifest(sessionID: "S-1", deviceID: "D-1",
                         location: .init(id: "L", timezone: "Europe/Moscow", hours: .init(open: 9 * 60, close: 21 * 60)),
                         employee: .init(id: "E-1"), startedAt: ts("10:00:00"), endedAt: ts("10:10:00"), checklist: nil,
                         recordings: [.init(file: "a.flac", startedAt: ts("10:00:00"))],
                         photos: [.init(file: "p.jpg", takenAt: ts("10:05:10"))], questionnaires: [q], callbackRequests: [])
        var rec = RecordingFacts(entry: m.recordings[0], sha256: "aa", size: 1, status: .ok)
        rec.durationMillis = 600_000
        var photo = PhotoFacts(entry: m.photos[0], sha256: "bb", size: 1, status: .ok)
        photo.exifTime = ts("10:05:10")
        photo.exifText = "2026-11-20 10:05:10"
        var e = SessionEvidence(manifest: m, recordings: [rec], photos: [photo], loudFrames: 600, totalFrames: 6000,
                                importedAt: Timestamp(rfc3339: "2026-11-21T09:00:00Z")!)
        edit(&e)
        return e
    }

    func codes(_ e: SessionEvidence) -> [FindingCode] { FraudCheck.local(e, t).map(\.code) }

    func testACleanSessionRaisesNothing() {
        XCTAssertEqual(FraudCheck.local(evidence(), t), [])
    }

    func testPhotoMissing() {
        // Unlinked, and the only photo 61 s before the questionnaire: outside the window.
        XCTAssertEqual(codes(evidence {
            $0.manifest.questionnaires[0].photos = []
            $0.photos[0].entry.takenAt = self.ts("10:03:59")
            $0.photos[0].exifTime = self.ts("10:03:59")
        }), [.photoMissing])
        // Unlinked, taken exactly 60 s before: inside the window.
        XCTAssertEqual(codes(evidence {
            $0.manifest.questionnaires[0].photos = []
            $0.photos[0].entry.takenAt = self.ts("10:04:00")
            $0.photos[0].exifTime = self.ts("10:04:00")
        }), [])
    }

    func testPhotoTimeMismatch() {
        XCTAssertEqual(codes(evidence { $0.photos[0].exifTime = self.ts("10:07:11") }), [.photoTimeMismatch], "121 s")
        XCTAssertEqual(codes(evidence { $0.photos[0].exifTime = self.ts("10:07:10") }), [], "exactly 120 s")
        // A linked photo taken outside the window.
        XCTAssertEqual(codes(evidence {
            $0.photos[0].entry.takenAt = self.ts("10:06:31")
            $0.photos[0].exifTime = self.ts("10:06:31")
        }), [.photoTimeMismatch])
        XCTAssertEqual(codes(evidence {
            $0.photos[0].entry.takenAt = self.ts("10:06:30")
            $0.photos[0].exifTime = self.ts("10:06:30")
        }), [])
    }

    func testPhotoNoExif() {
        XCTAssertEqual(codes(evidence { $0.photos[0].exifTime = nil }), [.photoNoExif])
        XCTAssertEqual(codes(evidence { $0.photos[0].exifTime = nil; $0.photos[0].status = .missing }), [], "a missing file is file-missing's business")
    }

    func testAnswersOutsideSession() {
        XCTAssertEqual(codes(evidence { $0.manifest.endedAt = self.ts("10:05:29") }), [.answersOutsideSession])
        XCTAssertEqual(codes(evidence { $0.manifest.endedAt = self.ts("10:05:30") }), [])
        XCTAssertEqual(codes(evidence { $0.manifest.questionnaires[0].answers[0].answeredAt = self.ts("09:59:59") }),
                       [.answersOutsideSession, .answersOutOfOrder])
    }

    func testAnswersOutOfOrder() {
        XCTAssertEqual(codes(evidence { $0.manifest.questionnaires[0].answers[2].answeredAt = self.ts("10:05:31") }), [.answersOutOfOrder])
        XCTAssertEqual(codes(evidence { $0.manifest.questionnaires[0].answers[2].answeredAt = self.ts("10:05:30") }), [])
        let reversed = codes(evidence {
            $0.manifest.questionnaires[0].submittedAt = self.ts("10:04:59")
            $0.manifest.questionnaires[0].answers = []
        })
        XCTAssertEqual(reversed, [.answersOutOfOrder])
    }

    func testAnswersTooFast() {
        func timed(_ seconds: Int) -> [FindingCode] {
            codes(evidence {
                $0.manifest.questionnaires[0].submittedAt = self.ts("10:05:00").adding(millis: Int64(seconds) * 1000)
                for i in 0..<3 { $0.manifest.questionnaires[0].answers[i].answeredAt = self.ts("10:05:00") }
            })
        }
        XCTAssertEqual(timed(2), [.answersTooFast], "3 answers in 2 s")
        XCTAssertEqual(timed(3), [], "exactly 1.0 s per answer")
    }

    func testAudioMissing() {
        // Recording ends 10:03:59.999 — the window starts 10:04:00.
        XCTAssertEqual(codes(evidence { $0.recordings[0].durationMillis = 239_999 }), [.audioMissing])
        XCTAssertEqual(codes(evidence { $0.recordings[0].durationMillis = 240_000 }), [])
        XCTAssertEqual(codes(evidence { $0.recordings[0].durationMillis = nil }), [.audioMissing], "unreadable audio covers nothing")
    }

    func testAudioSilent() {
        XCTAssertEqual(codes(evidence { $0.loudFrames = 299 }), [.audioSilent], "4.98 %")
        XCTAssertEqual(codes(evidence { $0.loudFrames = 300 }), [], "exactly 5 %")
        XCTAssertEqual(codes(evidence { $0.loudFrames = 0; $0.totalFrames = 0 }), [], "no decodable audio: nothing to judge")
    }

    func testOutsideHours() {
        XCTAssertEqual(codes(evidence { $0.manifest.location.hours = .init(open: 10 * 60 + 1, close: 21 * 60) }), [.outsideHours])
        XCTAssertEqual(codes(evidence { $0.manifest.location.hours = .init(open: 10 * 60, close: 10 * 60 + 10) }), [], "10:00–10:10 exactly")
        XCTAssertEqual(codes(evidence { $0.manifest.location.hours = .init(open: 10 * 60, close: 10 * 60 + 9) }), [.outsideHours])
        // Hours are read in the location's zone: 10:00 Moscow (UTC+3) is 14:00 in Novosibirsk (UTC+7).
        XCTAssertEqual(codes(evidence {
            $0.manifest.location.timezone = "Asia/Novosibirsk"
            $0.manifest.location.hours = .init(open: 14 * 60, close: 15 * 60)
        }), [])
        XCTAssertEqual(codes(evidence {
            $0.manifest.location.timezone = "Asia/Novosibirsk"
            $0.manifest.location.hours = .init(open: 9 * 60, close: 12 * 60)
        }), [.outsideHours], "09:00–12:00 in Moscow terms would pass; in Novosibirsk it is 14:00")
        XCTAssertEqual(codes(evidence { $0.manifest.location.hours = .init(open: 22 * 60, close: 11 * 60) }), [], "overnight hours")
    }

    func testFutureTimestamp() {
        let ended = Timestamp(rfc3339: "2026-11-20T10:10:00+03:00")!
        XCTAssertEqual(codes(evidence { $0.importedAt = ended.adding(millis: -300_001) }), [.futureTimestamp])
        XCTAssertEqual(codes(evidence { $0.importedAt = ended.adding(millis: -300_000) }), [])
    }

    func testExifWithoutOffsetFarFromUTCIsClean() {
        // EXIF 10:05:10 without offset, read in Vladivostok (UTC+10) where the session is.
        let civil = CivilTime(exif: "2026:11:20 10:05:10")!
        let exif = Zone.timestamp(of: civil, in: "Asia/Vladivostok")!
        let vvo = { (s: String) in Timestamp(rfc3339: "2026-11-20T" + s + "+10:00")! }
        var e = evidence()
        e.manifest.location.timezone = "Asia/Vladivostok"
        e.manifest.startedAt = vvo("10:00:00"); e.manifest.endedAt = vvo("10:10:00")
        e.manifest.questionnaires[0].startedAt = vvo("10:05:00"); e.manifest.questionnaires[0].submittedAt = vvo("10:05:30")
        for i in 0..<3 { e.manifest.questionnaires[0].answers[i].answeredAt = vvo("10:05:" + ["05", "15", "25"][i]) }
        e.recordings[0].entry.startedAt = vvo("10:00:00")
        e.photos[0].entry.takenAt = vvo("10:05:10")
        e.photos[0].exifTime = exif
        XCTAssertEqual(FraudCheck.local(e, t), [])
        // Read as UTC instead, the same EXIF would be ten hours off.
        e.photos[0].exifTime = Timestamp(utcMillis: civil.millisAsUTC)
        XCTAssertEqual(FraudCheck.local(e, t).map(\.code), [.photoTimeMismatch])
    }

    func use(_ s: String, _ q: String, _ start: Int64, sha: String, phash: UInt64? = nil) -> PhotoUse {
        PhotoUse(sessionID: s, questionnaireID: q, questionnaireStart: start, file: "p.jpg", sha256: sha, phash: phash)
    }

    func testPhotoReusedFlagsAllButTheEarliestUse() {
        let f = FraudCheck.reused([use("S-3", "Q1", 300, sha: "x"), use("S-1", "Q1", 100, sha: "x"), use("S-2", "Q1", 200, sha: "x"),
                                   use("S-4", "Q1", 50, sha: "other")])
        XCTAssertEqual(f.map(\.sessionID).sorted(), ["S-2", "S-3"])
        XCTAssertTrue(f.allSatisfy { $0.detail.contains("of S-1 Q1 (the original)") && $0.severity == .fraud })
        XCTAssertEqual(FraudCheck.reused([use("S-1", "Q1", 100, sha: "x")]), [])
    }

    func testPhotoSimilarWithinTheDistance() {
        let original = use("S-1", "Q1", 100, sha: "a", phash: 0x0F0F_F0F0_0F0F_F0F0)
        let six = use("S-2", "Q1", 200, sha: "b", phash: 0x0F0F_F0F0_0F0F_F0F0 ^ 0b111111)
        let seven = use("S-3", "Q1", 300, sha: "c", phash: 0x0F0F_F0F0_0F0F_F0F0 ^ 0b1111111)
        XCTAssertEqual(FraudCheck.similar(six, candidates: [original], t: t)?.detail, "resembles p.jpg of S-1 Q1: Hamming distance 6 of 64")
        XCTAssertNil(FraudCheck.similar(seven, candidates: [original], t: t), "7 bits is past the threshold")
        XCTAssertNil(FraudCheck.similar(original, candidates: [six], t: t), "the earlier use is not flagged")
        let identical = use("S-4", "Q1", 400, sha: "a", phash: original.phash)
        XCTAssertNil(FraudCheck.similar(identical, candidates: [original], t: t), "byte-identical is photo-reused, not similar")
        // The band index finds every hash within the distance.
        let index = PhotoIndex<PhotoUse>(distance: 6)
        var rng = SeededRandom(seed: 9)
        for i in 0..<2000 { index.insert(use("R-\(i)", "Q", Int64(i), sha: "r\(i)", phash: rng.next())) }
        index.insert(original)
        for _ in 0..<200 {
            var h = original.phash!
            for _ in 0..<6 { h ^= 1 << (rng.next() % 64) }
            XCTAssertTrue(index.near(h).contains(original))
            XCTAssertTrue(index.near(h).allSatisfy { ($0.phash! ^ h).nonzeroBitCount <= 6 })
        }
    }

    func testSessionOverlap() {
        let a = SessionInterval(sessionID: "A", deviceID: "D1", employeeID: "E1", start: 0, end: 600_000)
        let b = SessionInterval(sessionID: "B", deviceID: "D2", employeeID: "E1", start: 594_999, end: 900_000)
        let c = SessionInterval(sessionID: "C", deviceID: "D1", employeeID: "E9", start: 595_000, end: 900_000)
        let f = FraudCheck.overlaps([a, b, c], t: t)
        XCTAssertEqual(Set(f.map { "\($0.sessionID)>\($0.detail.split(separator: " ")[1])" }), ["A>B", "B>A"],
                       "B overlaps A by 5.001 s (same employee); C by exactly 5 s does not count")
        XCTAssertTrue(f.first { $0.sessionID == "A" }!.detail.contains("same employee E1"))
        XCTAssertEqual(FraudCheck.overlaps([a, SessionInterval(sessionID: "X", deviceID: "D9", employeeID: "E9", start: 0, end: 600_000)], t: t), [])
    }

    func testExplainCoversEveryCode() {
        for code in FindingCode.allCases { XCTAssertGreaterThan(FraudCheck.explain(code, t).count, 40, code.rawValue) }
        var loose = t
        loose.exifToleranceSeconds = 300
        XCTAssertTrue(FraudCheck.explain(.photoTimeMismatch, loose).contains("300 s"))
    }

    func testCSVNeutralisesFormulas() {
        XCTAssertEqual(CSV.row(["=SUM(A1)", "+1", "-2+3", "@x", "\tx", "\rx", "plain", "a,b", "say \"hi\""]),
                       "'=SUM(A1),'+1,'-2+3,'@x,'\tx,\"'\rx\",plain,\"a,b\",\"say \"\"hi\"\"\"\r\n")
        // What a spreadsheet acts on is the first character after controls and spaces.
        XCTAssertEqual(CSV.cell("\u{0}=1+41"), "'\u{0}=1+41")
        XCTAssertEqual(CSV.cell("\u{1}\u{1F}@SUM(A1)"), "'\u{1}\u{1F}@SUM(A1)")
        XCTAssertEqual(CSV.cell("  =1+1"), "'  =1+1")
        XCTAssertEqual(CSV.cell("＝1+1"), "'＝1+1")
        XCTAssertEqual(CSV.cell("\u{7F}x"), "'\u{7F}x")
        // Numbers stay numbers.
        for n in ["-63.2", "-100", "0", "12", "3.25"] { XCTAssertEqual(CSV.cell(n), n) }
        for n in ["-", "-.5", "1.", "--1", "-1e5", "1-1"] { XCTAssertNotEqual(CSV.cell(n), n.isEmpty ? "x" : "'" + n + "x", n) }
        XCTAssertEqual(CSV.cell("-1e5"), "'-1e5")
        // A CR LF pair inside a cell is one Character but must still be quoted.
        XCTAssertEqual(CSV.cell("a\r\nb"), "\"a\r\nb\"")
        XCTAssertEqual(CSV.cell(" x"), "\" x\"")
        XCTAssertEqual(CSV.cell("x "), "\"x \"")
        XCTAssertEqual(CSV.cell("- x "), "\"'- x \"")
        XCTAssertEqual(CSV.cell(""), "")
        XCTAssertEqual(CSV.cell("Анна, \"Ли\""), "\"Анна, \"\"Ли\"\"\"")
        XCTAssertEqual(CSV.row([]), "\r\n")
    }
}
