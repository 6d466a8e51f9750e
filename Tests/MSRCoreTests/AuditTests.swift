import MSRCore
import XCTest

final class KrippendorffTests: XCTestCase {
    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: four observers,
    /// twelve units, values 1–5, missing values (nil). Published: nominal α = 0.743, interval α = 0.849.
    static let reliabilityData: [[Double?]] = {
        let a: [Double?] = [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil]
        let b: [Double?] = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3]
        let c: [Double?] = [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil]
        let d: [Double?] = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil]
        return (0..<12).map { [a[$0], b[$0], c[$0], d[$0]] }
    }()

    func testPublishedExampleWithMissingValues() throws {
        XCTAssertEqual(try XCTUnwrap(Krippendorff.alpha(Self.reliabilityData, metric: .nominal)), 0.743, accuracy: 0.0005)
        XCTAssertEqual(try XCTUnwrap(Krippendorff.alpha(Self.reliabilityData, metric: .interval)), 0.849, accuracy: 0.0005)
    }

    /// Krippendorff (2011), example A: binary data, two observers, ten units. Published α = 0.095.
    func testPublishedBinaryTwoObservers() throws {
        let a: [Double] = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
        let b: [Double] = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
        let units = zip(a, b).map { [$0.0, $0.1] as [Double?] }
        XCTAssertEqual(try XCTUnwrap(Krippendorff.alpha(units, metric: .nominal)), 0.095, accuracy: 0.0005)
    }

    func testDegenerateCases() {
        XCTAssertNil(Krippendorff.alpha([[1, 1], [1, 1]], metric: .nominal), "no variation: α undefined")
        XCTAssertNil(Krippendorff.alpha([[1, nil], [nil, 2]], metric: .interval), "no pairable values")
        XCTAssertEqual(Krippendorff.alpha([[1, 1], [0, 0], [1, 1]], metric: .nominal), 1, "perfect agreement")
    }
}

final class CalibrationReportTests: XCTestCase {
    let checklist = try! Checklist.parse("""
        id: c
        version: 1
        [s] S
        - greet: Greets
        - tone: Tone
          kind: scale 5
          na: yes
        - offer: Offers
          kind: points 4
        """, file: "c.checklist")

    func testConsensusAgreementAndDeviation() throws {
        let answers: [[String: ItemAnswer]] = [
            ["greet": .yes, "tone": .value(5), "offer": .value(4)],
            ["greet": .yes, "tone": .value(3), "offer": .value(4)],
            ["greet": .no, "tone": .value(4), "offer": .value(4)],
        ]
        let r = CalibrationReport(checklist: checklist, reviewers: ["a", "b", "c"], answers: answers)
        XCTAssertEqual(r.items.map(\.consensus), [.answer(.yes), .median(4), .median(4)])
        XCTAssertEqual(r.items.map(\.agreed), [false, false, true])
        XCTAssertEqual(try XCTUnwrap(r.percentAgreement), 100.0 / 3, accuracy: 1e-9)
        // Percents: a 3/3 = 100; b (1 + 0.5 + 1)/3 = 83.3; c (0 + 0.75 + 1)/3 = 58.3: the spread
        // of the figures shown, 100.0 − 58.3 = 41.7 (not 41.666… rounded).
        XCTAssertEqual(try XCTUnwrap(r.spread), 41.7, accuracy: 1e-9)
        // a: |1−1|, |1−0.75|, 0 → 25/3 points; b: 0, 25, 0; c: 100, 0, 0.
        XCTAssertEqual(r.deviations.map { $0.map { ($0 * 1000).rounded() / 1000 } }, [8.333, 8.333, 33.333])
        XCTAssertNotNil(r.alphaInterval)
    }

    /// N/A where the consensus has a value counts as a full disagreement; so does a value where the
    /// consensus is N/A; N/A with an N/A consensus agrees. (It used to drop out: 11 N/A answers
    /// against a "yes" consensus gave a deviation of 0.)
    func testNotApplicableAgainstTheConsensusIsADisagreement() throws {
        let answers: [[String: ItemAnswer]] = [
            ["greet": .yes, "tone": .value(4), "offer": .value(4)],
            ["greet": .yes, "tone": .value(4), "offer": .value(4)],
            ["greet": .yes, "tone": .notApplicable, "offer": .value(4)],
        ]
        let r = CalibrationReport(checklist: checklist, reviewers: ["a", "b", "c"], answers: answers)
        XCTAssertEqual(r.items.map(\.consensus), [.answer(.yes), .median(4), .median(4)])
        // c: greet 0, tone N/A against 4 → 100, offer 0: 100/3.
        XCTAssertEqual(try XCTUnwrap(r.deviations[2]), 100.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(r.deviations[0], 0)

        let mostlyNA: [[String: ItemAnswer]] = [
            ["greet": .yes, "tone": .notApplicable],
            ["greet": .yes, "tone": .notApplicable],
            ["greet": .yes, "tone": .value(5)],
        ]
        let n = CalibrationReport(checklist: checklist, reviewers: ["a", "b", "c"], answers: mostlyNA)
        XCTAssertEqual(n.items[1].consensus, .answer(.notApplicable))
        // a, b: greet 0, tone N/A = N/A 0 (offer unanswered: left out) → 0; c: 0 and 100 → 50.
        XCTAssertEqual(n.deviations, [0, 0, 50])
    }

    func testConsensusRules() {
        XCTAssertEqual(Consensus.of([.yes, .no], kind: .yesno), .none, "a tie has no majority")
        XCTAssertEqual(Consensus.of([.notApplicable, .notApplicable, .yes], kind: .yesno), .answer(.notApplicable))
        XCTAssertEqual(Consensus.of([.value(2), .value(5)], kind: .scale(5)), .median(3.5))
        XCTAssertEqual(Consensus.of([], kind: .yesno), .none)
    }
}

final class ReviewerAuditingTests: XCTestCase {
    func review(_ who: String, _ percent: Double, seconds: Double?, listened: Double?, fractions: [Double], na: Int = 0, checklist: String = "c") -> AuditedReview {
        AuditedReview(reviewer: who, checklistID: checklist, percent: percent, seconds: seconds, listened: listened,
                      fractions: fractions, answers: fractions.count + na, notApplicable: na)
    }

    /// The overturn rate: the share of a reviewer's reviews with an item a dispute overturned,
    /// Wilson interval, flagged when above the setting and surely above the team's.
    func testOverturnRateBesideTheTeamsAndItsFlag() throws {
        func many(_ who: String, _ n: Int, overturned k: Int) -> [AuditedReview] {
            (0..<n).map { i in
                AuditedReview(reviewer: who, checklistID: "c", percent: 80, seconds: nil, listened: nil, fractions: [1, 0],
                              answers: 2, notApplicable: 0, overturned: i < k)
            }
        }
        // dan 6 of 10; the team 6 + 1 of 40 = 17.5 %. Wilson 6/10: 31.3–83.2 %, above 17.5: flagged.
        let (rows, _) = ReviewerAuditing.figures(many("dan", 10, overturned: 6) + many("eve", 30, overturned: 1), calibration: [:], reviewers: [])
        let dan = rows[0], eve = rows[1]
        XCTAssertEqual(try XCTUnwrap(dan.overturned?.value), 0.6, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(dan.overturned?.low), 0.3127, accuracy: 1e-4)
        XCTAssertEqual(try XCTUnwrap(dan.overturned?.high), 0.8318, accuracy: 1e-4)
        XCTAssertEqual(try XCTUnwrap(dan.teamOverturned), 7.0 / 40, accuracy: 1e-12)
        XCTAssertTrue(dan.flags.contains("overturned"))
        XCTAssertFalse(eve.flags.contains("overturned"), "1 of 30 is under the team's")
        // 2 of 10 against a team of 3 of 40: 20 % is above the setting, but Wilson's 5.7–51.0 % is not surely above 7.5 %.
        let (few, _) = ReviewerAuditing.figures(many("dan", 10, overturned: 2) + many("eve", 30, overturned: 1), calibration: [:], reviewers: [])
        XCTAssertFalse(few[0].flags.contains("overturned"))
        XCTAssertEqual(try XCTUnwrap(few[0].overturned?.low), 0.0567, accuracy: 1e-4)
    }

    func testFiguresAndFlags() throws {
        let reviews = [
            review("anna", 80, seconds: 600, listened: 1.0, fractions: [1, 0, 1]),
            review("anna", 70, seconds: 400, listened: 0.9, fractions: [1, 0.5, 0]),
            review("bob", 100, seconds: 60, listened: 0.1, fractions: [1, 1, 1], na: 1),
            review("bob", 100, seconds: 30, listened: nil, fractions: [1, 1, 1], na: 1),
        ]
        let (rows, team) = ReviewerAuditing.figures(reviews, calibration: ["anna": [5], "bob": [30, 20]], reviewers: ["anna", "bob", "cleo"])
        XCTAssertEqual(rows.map(\.reviewer), ["anna", "bob", "cleo"], "every reviewer is listed, even without reviews")
        XCTAssertEqual(team, 230, "median of 600, 400, 60, 30")
        let anna = rows[0], bob = rows[1]
        XCTAssertEqual(anna.medianSeconds, 500)
        XCTAssertEqual(try XCTUnwrap(anna.listened?.value), 95, accuracy: 1e-9)
        XCTAssertEqual(bob.unheardSubmits, 1, "10 % heard; the session without audio does not count")
        XCTAssertEqual(bob.straightLined, 2)
        XCTAssertEqual(anna.straightLined, 0)
        // N/A: bob 2 of 8 answers = 25 %; the team 2 of 14 on the same checklist.
        XCTAssertEqual(try XCTUnwrap(bob.naRate), 25, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(bob.teamNARate), 200.0 / 14, accuracy: 1e-9)
        // Checklist mean 87.5: anna −7.5 and −17.5 → −12.5; bob +12.5.
        XCTAssertEqual(try XCTUnwrap(anna.bias?.value), -12.5, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(bob.bias?.value), 12.5, accuracy: 1e-9)
        XCTAssertEqual(bob.calibrationDeviation, 25)
        XCTAssertEqual(bob.flags, ["unheard-submits", "listened-little", "straight-lining", "na-rate", "lenient", "calibration", "fast"])
        XCTAssertEqual(anna.flags, [], "−12.5 on two reviews: the interval (±63.5) includes 0")
        XCTAssertEqual(rows[2].reviews, 0)
        XCTAssertEqual(rows[2].flags, [])
    }
}
