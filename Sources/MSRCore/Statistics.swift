import Foundation

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
    /// low = high = the value).
    ///
    /// With `bounds` [a, b] (a percent's 0–100), the values live on a bounded scale and a few of
    /// them cannot show their own spread: nine identical reviews have no variance at all, yet
    /// nine reviews cannot prove the next will be the same. So the variance is the sample's
    /// combined with one pseudo-value of the largest variance a quantity on [a, b] can have near
    /// its mean (Bhatia–Davis: (μ − a)(b − μ)), the mean first drawn half a value towards the
    /// middle so that a mean at the edge still has room:
    ///   μ̃ = (n·m + (a + b)/2) / (n + 1),  s̃² = ((μ̃ − a)(b − μ̃) + (n − 1)·s²) / n,
    /// with n degrees of freedom (the pseudo-value adds one), and the interval is cut to [a, b].
    /// Nine reviews of 100 % give [94.5–100]; three give [64.9–100]; with many values the
    /// pseudo-value's weight (1/n) fades and the interval is the sample's own.
    public static func mean(_ values: [Double], within bounds: ClosedRange<Double>? = nil) -> Estimate? {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        let m = values.reduce(0, +) / n
        guard values.count > 1 else { return Estimate(value: m, low: m, high: m, count: 1) }
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)
        guard let bounds else {
            let half = tQuantile975(degreesOfFreedom: values.count - 1) * (variance / n).squareRoot()
            return Estimate(value: m, low: m - half, high: m + half, count: values.count)
        }
        let (a, b) = (bounds.lowerBound, bounds.upperBound)
        let centre = (n * m + (a + b) / 2) / (n + 1)
        let shrunk = ((centre - a) * (b - centre) + (n - 1) * variance) / n
        let half = tQuantile975(degreesOfFreedom: values.count) * (shrunk / n).squareRoot()
        return Estimate(value: m, low: max(a, m - half), high: min(b, m + half), count: values.count)
    }

    /// The 0.975 quantile of Student's t, exact to 1e-9 for every number of degrees of freedom:
    /// to 200 the root of the distribution function's closed form for whole degrees of freedom
    /// (Abramowitz & Stegun 26.7.3–4), found by bisection once per process; above, the
    /// Cornish–Fisher expansion, whose first omitted term is below 1e-9 there.
    public static func tQuantile975(degreesOfFreedom df: Int) -> Double {
        let v = max(df, 1)
        if v <= exactTQuantiles.count { return exactTQuantiles[v - 1] }
        let z = z95, n = Double(v)
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n)
    }

    static let exactTQuantiles: [Double] = (1...200).map { v in
        var low = 1.0, high = 20.0
        for _ in 0..<100 {
            let mid = (low + high) / 2
            if tCentralProbability(mid, degreesOfFreedom: v) < 0.95 { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// P(|T| ≤ t) for Student's t with v degrees of freedom, in closed form (θ = atan(t/√v)):
    /// for even v, sin θ · Σ, for odd v, (2/π)(θ + sin θ · Σ), Σ a finite series in cos² θ.
    static func tCentralProbability(_ t: Double, degreesOfFreedom v: Int) -> Double {
        let theta = atan(t / Double(v).squareRoot()), c = cos(theta), c2 = c * c, s = sin(theta)
        if v % 2 == 0 {
            var term = 1.0, sum = 1.0
            for k in stride(from: 2, through: v - 2, by: 2) { term *= Double(k - 1) / Double(k) * c2; sum += term }
            return s * sum
        }
        guard v > 1 else { return 2 * theta / Double.pi }
        var term = c, sum = c
        for k in stride(from: 3, through: v - 2, by: 2) { term *= Double(k - 1) / Double(k) * c2; sum += term }
        return 2 / Double.pi * (theta + s * sum)
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

    /// Ranks by value, highest first, without pretending to know more than the samples show: each
    /// entry gets the range of places it could hold — from 1 + the number of others whose whole
    /// interval lies above its own, to the count less the number of others whose whole interval
    /// lies below. Two entries whose intervals overlap always get ranges that meet, so none is
    /// shown as placed above another it may equal.
    public static func rank(_ estimates: [Estimate]) -> [ClosedRange<Int>] {
        estimates.map { e in
            let best = 1 + estimates.filter { $0.low > e.high }.count
            let worst = estimates.count - estimates.filter { $0.high < e.low }.count
            return best...worst
        }
    }
}
