import MSRCore
import XCTest

final class ReportingPeriodTests: XCTestCase {
    func day(_ s: String) -> Int { ReportingPeriod.day(s)! }

    func testISOWeeksAtYearEnds() {
        // 2026-01-01 is a Thursday: week 1 of 2026. 2027-01-01 is a Friday: still week 53 of 2026.
        XCTAssertTrue(ReportingPeriod.isoWeek(ofDay: day("2026-01-01")) == (2026, 1))
        XCTAssertTrue(ReportingPeriod.isoWeek(ofDay: day("2027-01-01")) == (2026, 53))
        XCTAssertTrue(ReportingPeriod.isoWeek(ofDay: day("2021-01-03")) == (2020, 53), "a Sunday belongs to the week of its Monday")
        XCTAssertTrue(ReportingPeriod.isoWeek(ofDay: day("2024-12-30")) == (2025, 1))
        let w = ReportingPeriod.week(containing: day("2026-11-22"))
        XCTAssertEqual([w.fromDate, w.toDate, w.label], ["2026-11-16", "2026-11-22", "2026-W47"])
        XCTAssertEqual(ReportingPeriod(parsing: "2026-W47"), w)
        XCTAssertEqual(ReportingPeriod(parsing: "2026-W53")?.fromDate, "2026-12-28")
        XCTAssertNil(ReportingPeriod(parsing: "2025-W53"), "2025 has 52 weeks")
        XCTAssertEqual(ReportingPeriod(parsing: "2026-W01")?.fromDate, "2025-12-29")
    }

    func testMonthsDaysRangesAndTheirPrevious() {
        let jan = ReportingPeriod(parsing: "2026-01")!
        XCTAssertEqual([jan.fromDate, jan.toDate, jan.label], ["2026-01-01", "2026-01-31", "2026-01"])
        XCTAssertEqual(jan.previous.label, "2025-12")
        XCTAssertEqual(ReportingPeriod(parsing: "2024-03")!.previous.toDate, "2024-02-29", "a leap February")
        XCTAssertEqual(ReportingPeriod(parsing: "2026-03-01")!.previous.label, "2026-02-28")
        let range = ReportingPeriod(unit: .range, from: day("2026-11-01"), to: day("2026-11-10"))
        XCTAssertEqual([range.previous.fromDate, range.previous.toDate], ["2026-10-22", "2026-10-31"])
        XCTAssertEqual(jan.series(3).map(\.label), ["2025-11", "2025-12", "2026-01"])
        XCTAssertEqual(ReportingPeriod.containing(day: day("2026-02-14"), unit: .month).label, "2026-02")
        for bad in ["2026-13", "2026-02-30", "2026-W00", "26-01", "2026-1", "month", ""] {
            XCTAssertNil(ReportingPeriod(parsing: bad), bad)
        }
    }

    func testRankingTreatsASingleReviewAsUnknown() {
        var b = ScorecardBuilder(periods: ReportingPeriod(parsing: "2026-11")!.series(2))
        let c = try! Checklist.parse("id: c\nversion: 1\n[s] S\n- i: I\n", file: "c.checklist")
        for (key, answers) in [("A", ["yes"]), ("B", ["no", "no", "no"]), ("C", ["yes", "yes", "yes"])] {
            for (i, a) in answers.enumerated() {
                b.addReview(key: key, name: nil, localDate: "2026-11-0\(i + 1)", sessionID: key + "\(i)", reviewID: 1, checklist: c,
                            score: Score.review(c, answers: ["i": ItemAnswer(text: a)!]))
            }
        }
        b.addReview(key: "Z", name: nil, localDate: "2026-12-01", sessionID: "z", reviewID: 9, checklist: c,
                    score: Score.review(c, answers: ["i": .yes]))
        let cards = b.build()
        // Outside the periods is ignored. C (100 ± 0) lies wholly above B (0 ± 0): C is first or
        // second, B second or third; A's one review could be anywhere (1–3), listed after C, whose
        // range is narrower at the same top.
        XCTAssertEqual(cards.map(\.key), ["C", "A", "B"])
        XCTAssertEqual(cards.map(\.rank), [1, 1, 2])
        XCTAssertEqual(cards.map(\.rankText), ["1–2", "1–3", "2–3"])
    }
}
