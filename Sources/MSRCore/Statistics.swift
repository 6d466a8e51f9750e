/// Confidence intervals for the small samples of scorecards (scoring.md: Wilson for rates,
/// Student's t for means, 95 %), and a ranking that never orders overlapping intervals.
public struct Estimate: Equatable, Sendable {
    public var value: Double
    public var low: Double
    public var high: Double
    public var count: Int

    public init(value: Double, low: Double, high: Double, count: Int) {
        (self.value, self.low, self.high, self.count) = (value, low, high, count)
    }
}

public enum Statistics {
    /// The normal quantile for a two-sided 95 % interval.
    public static let z95 = 1.959963984540054

    /// Wilson score interval of `successes` out of `n`, as fractions (nil when n = 0).
    public static func wilson(successes: Int, of n: Int) -> Estimate? {
        guard n > 0 else { return nil }
        let p = Double(successes) / Double(n), z = z95, nn = Double(n)
        let denominator = 1 + z * z / nn
        let centre = (p + z * z / (2 * nn)) / denominator
        let half = z * ((p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot()) / denominator
        return Estimate(value: p, low: max(0, centre - half), high: min(1, centre + half), count: n)
    }

    /// Mean with a Student's t interval (nil for no values; a single value has no interval:
    /// low = high = the value). With `bounds`, the interval is cut to the scale the values live on
    /// (a mean percent cannot lie below 0 whatever a small sample's t interval says).
    public static func mean(_ values: [Double], within bounds: ClosedRange<Double>? = nil) -> Estimate? {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        let m = values.reduce(0, +) / n
        guard values.count > 1 else { return Estimate(value: m, low: m, high: m, count: 1) }
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)
        let half = tQuantile975(degreesOfFreedom: values.count - 1) * (variance / n).squareRoot()
        guard let bounds else { return Estimate(value: m, low: m - half, high: m + half, count: values.count) }
        return Estimate(value: m, low: max(bounds.lowerBound, m - half), high: min(bounds.upperBound, m + half), count: values.count)
    }

    /// The 0.975 quantile of Student's t: exact table values to 30 degrees of freedom, then the
    /// Cornish–Fisher expansion (within 0.001 from 30 on).
    public static func tQuantile975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if df >= 1 && df <= 30 { return table[df - 1] }
        let z = z95, v = Double(max(df, 1))
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
    }

    /// CSI per scoring.md: mean of (value − 1) / 4 × 100 over scale5 answers.
    public static func csi(_ scale5: [Int]) -> Estimate? {
        mean(scale5.map { Double($0 - 1) / 4 * 100 }, within: 0...100)
    }

    /// NPS per scoring.md: % promoters (9–10) − % detractors (0–6), −100…100. Its interval is the
    /// Student's t interval of the mean of the per-answer scores +100 / 0 / −100, whose mean is the NPS.
    public static func nps(_ answers: [Int]) -> Estimate? {
        mean(answers.map { $0 >= 9 ? 100 : $0 <= 6 ? -100 : 0 }, within: -100...100)
    }

    /// Ranks by value, highest first, without pretending to know more than the samples show:
    /// a rank is 1 + the number of others whose whole interval lies above this one's. Entries whose
    /// intervals overlap can share a rank.
    public static func rank(_ estimates: [Estimate]) -> [Int] {
        estimates.map { e in 1 + estimates.filter { $0.low > e.high }.count }
    }
}
