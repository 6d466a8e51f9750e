import MSRCore
import XCTest

/// Checked against textbook values (Wilson 1927; Student's t tables) to three decimals.
final class StatisticsTests: XCTestCase {
    func testWilsonInterval() throws {
        let e = try XCTUnwrap(Statistics.wilson(successes: 8, of: 10))
        XCTAssertEqual(e.value, 0.8)
        XCTAssertEqual(e.low, 0.490, accuracy: 0.0005)
        XCTAssertEqual(e.high, 0.943, accuracy: 0.0005)
        let zero = try XCTUnwrap(Statistics.wilson(successes: 0, of: 5))
        XCTAssertEqual(zero.low, 0)
        XCTAssertEqual(zero.high, 0.434, accuracy: 0.0005)
        XCTAssertNil(Statistics.wilson(successes: 0, of: 0))
    }

    func testStudentTMean() throws {
        let e = try XCTUnwrap(Statistics.mean([1, 2, 3, 4, 5]))
        XCTAssertEqual(e.value, 3)
        XCTAssertEqual(e.low, 1.037, accuracy: 0.0005)   // 3 − 2.776445 × 0.7071
        XCTAssertEqual(e.high, 4.963, accuracy: 0.0005)
        XCTAssertEqual(Statistics.mean([70])?.low, 70, "one value: no interval to speak of")
        XCTAssertNil(Statistics.mean([]))
    }

    /// Bounded means of identical or few values (issue 18: nine identical reviews gave
    /// "[100.0–100.0] n=9"). Hand computed: nine 100s → μ̃ = (900 + 50)/10 = 95, s̃² = 95·5/9 =
    /// 52.78, t(9) = 2.262157 → 100 − 2.262157·√(52.78/9) = 94.52. Three 100s → μ̃ = 87.5,
    /// s̃² = 87.5·12.5/3 = 364.58, t(3) = 3.182446 → 100 − 35.08 = 64.92. Two 0s → μ̃ = 16.67,
    /// s̃² = 16.67·83.33/2 = 694.4, t(2) = 4.302653 → 0 + 80.18. An NPS of +100 from two answers on
    /// −100…100 → μ̃ = 66.67, s̃² = 166.67·33.33/2 = 2777.8, → 100 − 160.35 = −60.35.
    func testBoundedMeansOfIdenticalValuesKeepAnHonestInterval() throws {
        let nine = try XCTUnwrap(Statistics.mean(Array(repeating: 100, count: 9), within: 0...100))
        XCTAssertEqual(nine.value, 100)
        XCTAssertEqual(nine.low, 100 - 2.262157163 * (95.0 * 5 / 9 / 9).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(nine.low, 94.52, accuracy: 0.005)
        XCTAssertEqual(nine.high, 100)
        XCTAssertEqual(try XCTUnwrap(Statistics.mean([100, 100, 100], within: 0...100)).low, 64.92, accuracy: 0.005)
        let zeros = try XCTUnwrap(Statistics.mean([0, 0], within: 0...100))
        XCTAssertEqual(zeros.low, 0)
        XCTAssertEqual(zeros.high, 80.18, accuracy: 0.005)
        XCTAssertEqual(try XCTUnwrap(Statistics.nps([10, 10])).low, -60.35, accuracy: 0.005)
        // Spread values: the sample's own variance with one pseudo-value, n degrees of freedom.
        // 100, 75, 87.5: m = 87.5, s² = 156.25, μ̃ = 78.125, s̃² = (78.125·21.875 + 2·156.25)/3 = 673.83,
        // t(3) → 87.5 − 3.182446·√(673.83/3) = 39.80.
        XCTAssertEqual(try XCTUnwrap(Statistics.mean([100, 75, 87.5], within: 0...100)).low, 39.80, accuracy: 0.005)
        // More identical values, more certainty; the interval never collapses.
        let lows = (2...40).map { Statistics.mean(Array(repeating: 100, count: $0), within: 0...100)!.low }
        XCTAssertEqual(lows, lows.sorted())
        XCTAssertLessThan(lows.last!, 100)
        // Unbounded means (a score bias) keep the plain t interval.
        XCTAssertEqual(try XCTUnwrap(Statistics.mean([5, 5, 5])).low, 5)
    }

    /// Student's t 0.975 quantiles against published nine-decimal table values (the usual
    /// statistical tables; R's qt(0.975, df) and SciPy's t.ppf give the same), to 1e-6.
    func testStudentTQuantilesMatchPublishedValues() {
        let published: [Int: Double] = [
            1: 12.706204736, 2: 4.302652730, 3: 3.182446305, 4: 2.776445105, 5: 2.570581836, 6: 2.446911851,
            7: 2.364624252, 8: 2.306004135, 9: 2.262157163, 10: 2.228138852, 11: 2.200985160, 12: 2.178812830,
            13: 2.160368656, 14: 2.144786688, 15: 2.131449546, 16: 2.119905299, 17: 2.109815578, 18: 2.100922040,
            19: 2.093024054, 20: 2.085963447, 21: 2.079613845, 22: 2.073873068, 23: 2.068657610, 24: 2.063898562,
            25: 2.059538553, 26: 2.055529439, 27: 2.051830516, 28: 2.048407142, 29: 2.045229642, 30: 2.042272456,
            40: 2.021075390, 60: 2.000297822, 120: 1.979930405, 1000: 1.962339081, 100_000: 1.959987708,
        ]
        for (df, value) in published.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(Statistics.tQuantile975(degreesOfFreedom: df), value, accuracy: 1e-6, "df \(df)")
        }
        // Where the closed form hands over to the expansion, the two agree.
        XCTAssertEqual(Statistics.tQuantile975(degreesOfFreedom: 200), Statistics.tQuantile975(degreesOfFreedom: 201), accuracy: 1e-4)
        XCTAssertLessThan(Statistics.tQuantile975(degreesOfFreedom: 201), Statistics.tQuantile975(degreesOfFreedom: 200))
    }

    func testCSIAndNPS() throws {
        XCTAssertEqual(Statistics.csi([5, 5, 1, 3])?.value, (100 + 100 + 0 + 50) / 4)
        // 3 promoters, 1 passive, 2 detractors of 6: 50 % − 33.3 % = 16.7.
        XCTAssertEqual(try XCTUnwrap(Statistics.nps([10, 9, 9, 8, 6, 0])).value, 100.0 / 6, accuracy: 1e-9)
        XCTAssertEqual(Statistics.nps([10, 10])?.value, 100)
    }

    func testRankingNeverOrdersOverlappingIntervals() {
        let a = Estimate(value: 90, low: 85, high: 95, count: 10)
        let b = Estimate(value: 80, low: 70, high: 88, count: 4)    // overlaps a
        let c = Estimate(value: 60, low: 55, high: 65, count: 12)   // below both
        XCTAssertEqual(Statistics.rank([a, b, c]), [1...2, 1...2, 3...3])
    }

    /// The case the issue found: 69.3 [38.0–100] was rank 1 above 87.2 [77.5–97.0] rank 2. Both
    /// could hold either place, and a third wholly below both is third for certain.
    func testRankRangesOfHandMadeCases() {
        let wide = Estimate(value: 69.3, low: 38, high: 100, count: 3)
        let narrow = Estimate(value: 87.2, low: 77.5, high: 97, count: 9)
        let low = Estimate(value: 20, low: 10, high: 30, count: 8)
        XCTAssertEqual(Statistics.rank([wide, narrow, low]), [1...2, 1...2, 3...3])
        // A chain: a overlaps b, b overlaps c, a is wholly above c.
        let a = Estimate(value: 90, low: 80, high: 100, count: 5)
        let b = Estimate(value: 75, low: 60, high: 85, count: 5)
        let c = Estimate(value: 55, low: 40, high: 65, count: 5)
        XCTAssertEqual(Statistics.rank([a, b, c]), [1...2, 1...3, 2...3])
        XCTAssertEqual(Statistics.rank([a]), [1...1])
        XCTAssertEqual(Statistics.rank([]), [])
    }

    /// Over random intervals: whenever two overlap, their ranges meet; whenever one is wholly
    /// above another, its best place is above the other's best and its worst above the other's worst.
    func testOverlappingIntervalsAlwaysGetRangesThatMeet() {
        var rng = SeededRandom(seed: 17)
        for _ in 0..<200 {
            let n = 2 + Int(rng.next() % 30)
            let es = (0..<n).map { _ -> Estimate in
                let v = Double(rng.next() % 1000) / 10, half = Double(rng.next() % 300) / 10
                return Estimate(value: v, low: max(0, v - half), high: min(100, v + half), count: 5)
            }
            let r = Statistics.rank(es)
            for i in 0..<n {
                for j in 0..<n where i != j {
                    if es[i].low <= es[j].high && es[j].low <= es[i].high {
                        XCTAssertTrue(r[i].overlaps(r[j]), "\(es[i]) \(r[i]) and \(es[j]) \(r[j]) overlap but their ranks do not meet")
                    } else if es[i].low > es[j].high {
                        XCTAssertLessThan(r[i].lowerBound, r[j].lowerBound)
                        XCTAssertLessThan(r[i].upperBound, r[j].upperBound)
                    }
                }
            }
        }
    }
}
