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
        XCTAssertEqual(e.low, 1.037, accuracy: 0.0005)   // 3 − 2.776 × 0.7071
        XCTAssertEqual(e.high, 4.963, accuracy: 0.0005)
        XCTAssertEqual(Statistics.mean([70])?.low, 70, "one value: no interval to speak of")
        XCTAssertNil(Statistics.mean([]))
        XCTAssertEqual(Statistics.tQuantile975(degreesOfFreedom: 40), 2.021, accuracy: 0.001)
        XCTAssertEqual(Statistics.tQuantile975(degreesOfFreedom: 120), 1.980, accuracy: 0.001)
        XCTAssertEqual(Statistics.tQuantile975(degreesOfFreedom: 100_000), 1.960, accuracy: 0.001)
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
        XCTAssertEqual(Statistics.rank([a, b, c]), [1, 1, 3])
    }
}
