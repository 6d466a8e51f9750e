import Foundation
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

    func use(_ s: String, _ q: String, _ start: Int64, sha: String, thumbnail: PhotoThumbnail? = nil) -> PhotoUse {
        PhotoUse(sessionID: s, questionnaireID: q, questionnaireStart: start, file: "p.jpg", sha256: sha, thumbnail: thumbnail)
    }

    /// A detailed 32×32 picture: a few smooth waves of seeded directions and phases.
    func picture(seed: UInt64, _ edit: (Int, Int, Double) -> Double = { _, _, v in v }) -> PhotoThumbnail {
        var rng = SeededRandom(seed: seed)
        let waves = (0..<5).map { _ in (Double(rng.next() % 1000) / 250 + 0.5, Double(rng.next() % 1000) / 250 + 0.5, Double(rng.next() % 628) / 100) }
        var px: [UInt8] = []
        for y in 0..<32 {
            for x in 0..<32 {
                var v = 0.0
                for (fx, fy, ph) in waves { v += sin(Double(x) * fx / 5 + Double(y) * fy / 5 + ph) }
                px.append(UInt8(max(0, min(255, edit(x, y, 128 + v * 25)))))
            }
        }
        return PhotoThumbnail(pixels: px)!
    }

    func testPhotoReusedFlagsAllButTheEarliestUse() {
        let f = FraudCheck.reused([use("S-3", "Q1", 300, sha: "x"), use("S-1", "Q1", 100, sha: "x"), use("S-2", "Q1", 200, sha: "x"),
                                   use("S-4", "Q1", 50, sha: "other")])
        XCTAssertEqual(f.map(\.sessionID).sorted(), ["S-2", "S-3"])
        XCTAssertTrue(f.allSatisfy { $0.detail.contains("of S-1 Q1 (the original)") && $0.severity == .fraud })
        XCTAssertEqual(FraudCheck.reused([use("S-1", "Q1", 100, sha: "x")]), [])
    }

    func testPhotoSimilarGradesTheNearestEarlierPhotoOfAnotherSession() throws {
        let pic = picture(seed: 1)
        let original = use("S-1", "Q1", 100, sha: "a", thumbnail: pic)
        // The same pixels in another file: definitely, fraud.
        let copy = use("S-2", "Q1", 200, sha: "b", thumbnail: pic)
        let d = try XCTUnwrap(FraudCheck.similar(copy, candidates: [original], t: t))
        XCTAssertEqual(d.grade, .definitely)
        XCTAssertEqual(d.severity, .fraud)
        XCTAssertTrue(d.detail.hasPrefix("definitely: the same picture as p.jpg of S-1 Q1 (distance 0 of 63"), d.detail)
        // Mirrored and brightened: an edited copy, probably.
        let mirrored = use("S-3", "Q1", 300, sha: "c", thumbnail: PhotoThumbnail(pixels: (0..<1024).map { pic.pixels[($0 / 32) * 32 + 31 - $0 % 32] })!)
        let m = try XCTUnwrap(FraudCheck.similar(mirrored, candidates: [original], t: t))
        XCTAssertEqual(m.grade, .probably)
        XCTAssertTrue(m.detail.contains("(mirrored; distance"), m.detail)
        let brighter = use("S-4", "Q1", 400, sha: "d", thumbnail: picture(seed: 1) { _, _, v in v * 1.1 })
        XCTAssertEqual(FraudCheck.similar(brighter, candidates: [original], t: t)?.grade, .probably)
        // The nearest is named, not the earliest: the copy matches itself definitely, the mirror only probably.
        let later = use("S-5", "Q1", 500, sha: "e", thumbnail: pic)
        XCTAssertTrue(try XCTUnwrap(FraudCheck.similar(later, candidates: [mirrored, copy], t: t)).detail.contains("of S-2 Q1"))
        // Not flagged: a different picture, the earlier use, a byte-identical copy (photo-reused), the same session.
        XCTAssertNil(FraudCheck.similar(use("S-6", "Q1", 600, sha: "f", thumbnail: picture(seed: 2)), candidates: [original], t: t))
        XCTAssertNil(FraudCheck.similar(original, candidates: [copy], t: t))
        XCTAssertNil(FraudCheck.similar(use("S-7", "Q1", 700, sha: "a", thumbnail: pic), candidates: [original], t: t))
        XCTAssertNil(FraudCheck.similar(use("S-1", "Q2", 800, sha: "g", thumbnail: pic), candidates: [original], t: t))
        // A flat picture gets no prints, so it matches nothing.
        XCTAssertNotNil(PhotoThumbnail(pixels: [UInt8](repeating: 90, count: 1024))!.lowDetailReason)
        XCTAssertNil(use("S-8", "Q1", 900, sha: "h", thumbnail: PhotoThumbnail(pixels: [UInt8](repeating: 90, count: 1024))).thumbnail)
    }

    /// The look-up prints of a photo's turns and mirrors, derived from one DCT, are the prints of
    /// the turned and mirrored thumbnails themselves (what the stored copy of one was printed from).
    func testQueryPrintsOfTurnsAndMirrorsAreThoseOfTheTurnedPictures() {
        var rng = SeededRandom(seed: 21)
        for _ in 0..<20 {
            var pixels: [UInt8] = []
            for i in 0..<1024 {
                let x: Int = i % 32, y: Int = i / 32
                let noise = Int(rng.next() % 40)
                pixels.append(UInt8((x * 3 + y * 5 + noise) % 256))
            }
            let t = PhotoThumbnail(pixels: pixels)!
            let query = PhotoMatcher.queryPrints(t)
            XCTAssertEqual(query.count, 13)
            // Turn the pixels themselves: each turn's stored (whole) print is among the look-up prints, in order.
            var turned = pixels
            for k in 0..<4 {
                var mirrored: [UInt8] = [], next: [UInt8] = []
                for i in 0..<1024 {
                    let x: Int = i % 32, y: Int = i / 32
                    mirrored.append(turned[y * 32 + 31 - x])
                    next.append(turned[(31 - x) * 32 + y])
                }
                XCTAssertEqual(PhotoMatcher.storedPrints(PhotoThumbnail(pixels: turned)!)[0], query[2 * k], "turn \(k)")
                XCTAssertEqual(PhotoMatcher.storedPrints(PhotoThumbnail(pixels: mirrored)!)[0], query[2 * k + 1], "turn \(k), mirrored")
                turned = next
            }
        }
    }

    /// The multi-index finds every payload with a print within the distance, and only those.
    func testPhotoIndexFindsEveryPrintWithinTheDistance() {
        let index = PhotoIndex<Int>(distance: 10)
        var rng = SeededRandom(seed: 9)
        var stored: [[UInt64]] = []
        for i in 0..<3000 {
            let prints = (0..<6).map { _ in rng.next() }
            stored.append(prints)
            index.insert(i, prints: prints)
        }
        for trial in 0..<300 {
            let target = trial * 7 % 3000
            var q = stored[target][trial % 6]
            for _ in 0..<(trial % 11) { q ^= 1 << (rng.next() % 64) }
            let found = index.near([q, rng.next()])
            XCTAssertTrue(found.contains(target), "trial \(trial)")
            XCTAssertEqual(Set(found).count, found.count, "each payload once")
        }
        let far = index.near([0])
        XCTAssertTrue(far.allSatisfy { stored[$0].contains { $0.nonzeroBitCount <= 10 } })
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
