import Foundation

/// A photo as near-duplicate matching sees it: a 32×32 grey thumbnail, area-averaged from the
/// decoded picture after its EXIF orientation (so a phone's re-save that turns the pixels
/// matches its original). Every print and every comparison is computed from these 1,024 bytes,
/// which the store keeps beside the photo.
public struct PhotoThumbnail: Equatable, Hashable, Sendable {
    public static let side = 32
    public var pixels: [UInt8]

    public init?(pixels: [UInt8]) {
        guard pixels.count == Self.side * Self.side else { return nil }
        self.pixels = pixels
    }

    /// Area-averages a grey image (row-major, `width`×`height`) to 32×32, turned upright by the
    /// EXIF orientation (1–8; anything else counts as 1).
    public init(grey: [UInt8], width: Int, height: Int, orientation: Int) {
        let n = Self.side
        let upright = PhotoOrientation(rawValue: orientation) ?? .up
        // Size of the upright picture: orientations 5–8 swap the sides.
        let (uw, uh) = upright.swapsSides ? (height, width) : (width, height)
        var out = [UInt8](repeating: 0, count: n * n)
        guard width > 0, height > 0, grey.count >= width * height else { pixels = out; return }
        for cy in 0..<n {
            let y0 = cy * uh / n, y1 = max(y0 + 1, (cy + 1) * uh / n)
            for cx in 0..<n {
                let x0 = cx * uw / n, x1 = max(x0 + 1, (cx + 1) * uw / n)
                var sum = 0, count = 0
                for y in y0..<min(y1, uh) {
                    for x in x0..<min(x1, uw) {
                        let (sx, sy) = upright.source(x: x, y: y, width: width, height: height)
                        sum += Int(grey[sy * width + sx])
                        count += 1
                    }
                }
                out[cy * n + cx] = UInt8(count > 0 ? (sum + count / 2) / count : 0)
            }
        }
        pixels = out
    }

    /// Why the photo gets no prints, or nil: a flat or plain picture (its prints would match
    /// every other plain picture), or one mostly flat, as a damaged photo that libjpeg filled
    /// with grey is.
    public var lowDetailReason: String? {
        let values = pixels.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        if sd < PhotoMatcher.minimumContrast { return "low detail: a flat or plain picture" }
        let n = Self.side
        var flat = 0
        for by in 0..<(n / 4) {
            for bx in 0..<(n / 4) {
                var s = 0.0, s2 = 0.0
                for y in 0..<4 { for x in 0..<4 { let v = values[(by * 4 + y) * n + bx * 4 + x]; s += v; s2 += v * v } }
                let m = s / 16
                if (s2 / 16 - m * m) < 1 { flat += 1 }
            }
        }
        if Double(flat) > PhotoMatcher.maximumFlatShare * Double(n * n / 16) {
            return "low detail: mostly flat (as a damaged photo's grey fill is)"
        }
        return nil
    }
}

/// The eight EXIF orientations: how the stored pixels are turned to stand upright.
public enum PhotoOrientation: Int, Sendable {
    case up = 1, mirrored = 2, upsideDown = 3, upsideDownMirrored = 4
    case leftMirrored = 5, right = 6, rightMirrored = 7, left = 8

    var swapsSides: Bool { rawValue >= 5 }

    /// The stored pixel shown at (x, y) of the upright picture.
    func source(x: Int, y: Int, width w: Int, height h: Int) -> (Int, Int) {
        switch self {
        case .up: return (x, y)
        case .mirrored: return (w - 1 - x, y)
        case .upsideDown: return (w - 1 - x, h - 1 - y)
        case .upsideDownMirrored: return (x, h - 1 - y)
        case .leftMirrored: return (y, x)
        case .right: return (y, h - 1 - x)
        case .rightMirrored: return (w - 1 - y, h - 1 - x)
        case .left: return (w - 1 - y, x)
        }
    }
}

/// How sure a near-duplicate match is, and what it weighs.
public enum PhotoMatchGrade: String, CaseIterable, Comparable, Sendable {
    /// The same pixels in another file: re-encoded, metadata changed or stripped, bytes damaged,
    /// colours converted.
    case definitely
    /// The same picture edited: resized, cropped, turned, mirrored, brightened, watermarked.
    case probably
    /// Alike enough for a person to look.
    case maybe

    public var severity: Severity { self == .maybe ? .suspect : .fraud }

    private var rank: Int { self == .definitely ? 0 : self == .probably ? 1 : 2 }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// One photo compared with a stored one.
public struct PhotoMatch: Equatable, Sendable {
    public var grade: PhotoMatchGrade
    /// Hamming distance (of 63 bits) between the closest prints of the two.
    public var distance: Int
    /// Correlation of the two 16×16 thumbnails as aligned by those prints (1 = the same).
    public var correlation: Double
    /// How the photo was turned to match ("mirrored", "rotated 3°", "cropped", …), or nil.
    public var transform: String?
}

/// Near-duplicate photos: each stored photo has six prints (64-bit DCT hashes of its whole
/// thumbnail and of five 90 % crops: centre and corners); a new photo is looked up with
/// thirteen (its eight turns and mirrors, a centre crop, four small rotations). A pair of prints
/// within `similarDistance` bits makes a candidate; the thumbnails then decide the grade.
public enum PhotoMatcher {
    public static let printBits = 63
    public static let minimumContrast = 6.0
    public static let maximumFlatShare = 0.4
    /// `definitely`: the whole thumbnails, unturned, differ by at most this many bits and this
    /// mean grey level (of 255).
    public static let definitelyDistance = 4
    public static let definitelyMeanDifference = 3.0

    /// The six prints a stored photo is indexed by.
    public static func storedPrints(_ t: PhotoThumbnail) -> [UInt64] {
        storedPlanes(Plane(t)).map { $0.1.dctPrint() }
    }

    /// The thirteen prints a new photo is looked up with. The eight turns and mirrors come from
    /// one DCT (a mirror or a quarter turn only swaps and negates coefficients), so a look-up
    /// costs six transforms, not thirteen.
    public static func queryPrints(_ t: PhotoThumbnail) -> [UInt64] {
        let p = Plane(t)
        return Plane.dihedral(p.dctCoefficients()).map(Plane.print(of:)) + queryCropAndRotations(p).map { $0.1.dctPrint() }
    }

    /// Compares a new photo with a stored one; nil when they are not alike.
    public static func match(_ query: PhotoThumbnail, _ stored: PhotoThumbnail, t: FraudThresholds) -> PhotoMatch? {
        match(query, queryVariants(Plane(query)), stored, storedVariants(Plane(stored)), t: t)
    }

    /// The same, with the variants made beforehand (`PhotoMatchMemo` makes them once a photo).
    static func match(_ query: PhotoThumbnail, _ q: [Variant], _ stored: PhotoThumbnail, _ s: [Variant], t: FraudThresholds) -> PhotoMatch? {
        var best: PhotoMatch?
        for a in q {
            for b in s {
                let d = (a.print ^ b.print).nonzeroBitCount
                guard d <= t.similarDistance else { continue }
                let r = correlation(a.fine, b.fine)
                let grade: PhotoMatchGrade
                if a.name == nil, b.name == nil, d <= definitelyDistance,
                   meanDifference(query, stored) <= definitelyMeanDifference {
                    grade = .definitely
                } else if r >= t.probablyCorrelation {
                    grade = .probably
                } else if r >= t.maybeCorrelation {
                    grade = .maybe
                } else { continue }
                let m = PhotoMatch(grade: grade, distance: d, correlation: r, transform: a.name ?? b.name.map { _ in "cropped" })
                if best == nil || (m.grade, -m.correlation, m.distance) < (best!.grade, -best!.correlation, best!.distance) { best = m }
            }
        }
        return best
    }

    static func meanDifference(_ a: PhotoThumbnail, _ b: PhotoThumbnail) -> Double {
        var sum = 0
        for i in a.pixels.indices { sum += abs(Int(a.pixels[i]) - Int(b.pixels[i])) }
        return Double(sum) / Double(a.pixels.count)
    }

    /// A variant of a thumbnail: its print and its normalised 16×16 picture.
    struct Variant {
        var name: String?
        var print: UInt64
        var fine: [Double]
    }

    static let crops: [(Double, Double)] = [(0.5, 0.5), (0, 0), (1, 0), (0, 1), (1, 1)]

    /// The whole thumbnail and its five 90 % crops, named.
    static func storedPlanes(_ p: Plane) -> [(String?, Plane)] {
        [(nil, p)] + crops.map { ("cropped", p.crop(0.9, $0.0, $0.1)) }
    }

    static func storedVariants(_ p: Plane) -> [Variant] { storedPlanes(p).map { variant($0.0, $0.1) } }

    static let turnNames = [nil, "mirrored", "turned 90°", "turned 90° and mirrored", "turned 180°", "turned 180° and mirrored",
                            "turned 270°", "turned 270° and mirrored"]

    /// The eight turns and mirrors of a plane, in `turnNames`' order.
    static func dihedral(_ p: Plane) -> [Plane] {
        var out: [Plane] = []
        var turned = p
        for _ in 0..<4 {
            out.append(turned)
            out.append(turned.mirrored())
            turned = turned.turned()
        }
        return out
    }

    /// A centre crop and four small rotations, named.
    static func queryCropAndRotations(_ p: Plane) -> [(String, Plane)] {
        [("cropped", p.crop(0.9, 0.5, 0.5))] + [-3.0, -1.5, 1.5, 3.0].map { degrees in
            ("rotated \(degrees < 0 ? "−" : "")\(decimal(abs(degrees)))°", p.rotated(degrees, keep: 0.86))
        }
    }

    static func queryVariants(_ p: Plane) -> [Variant] {
        let prints = Plane.dihedral(p.dctCoefficients()).map(Plane.print(of:))
        let turns = zip(dihedral(p), prints).enumerated().map { k, e in
            Variant(name: turnNames[k], print: e.1, fine: e.0.normalisedHalf())
        }
        return turns + queryCropAndRotations(p).map { variant($0.0, $0.1) }
    }

    static func variant(_ name: String?, _ p: Plane) -> Variant {
        Variant(name: name, print: p.dctPrint(), fine: p.normalisedHalf())
    }

    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
}

/// A 32×32 grey plane in floating point, for the variants.
struct Plane {
    static let n = PhotoThumbnail.side
    var v: [Double]

    init(_ t: PhotoThumbnail) { v = t.pixels.map(Double.init) }
    init(values: [Double]) { v = values }

    subscript(x: Int, y: Int) -> Double { v[y * Self.n + x] }

    func mirrored() -> Plane {
        let n = Self.n
        return Plane(values: (0..<(n * n)).map { i in v[(i / n) * n + (n - 1 - i % n)] })
    }

    /// A quarter turn clockwise.
    func turned() -> Plane {
        let n = Self.n
        return Plane(values: (0..<(n * n)).map { i in
            let x = i % n, y = i / n
            return v[(n - 1 - x) * n + y]
        })
    }

    /// Bilinear sample at (x, y) in pixel units (pixel centres at +0.5), clamped at the edges.
    func sample(_ x: Double, _ y: Double) -> Double {
        let n = Self.n
        let cx = min(max(x - 0.5, 0), Double(n) - 1.0001), cy = min(max(y - 0.5, 0), Double(n) - 1.0001)
        let x0 = Int(cx), y0 = Int(cy)
        let fx = cx - Double(x0), fy = cy - Double(y0)
        let top: Double = self[x0, y0] * (1 - fx) + self[x0 + 1, y0] * fx
        let bottom: Double = self[x0, y0 + 1] * (1 - fx) + self[x0 + 1, y0 + 1] * fx
        return top * (1 - fy) + bottom * fy
    }

    /// The `share`×`share` part anchored at (ax, ay) (0 = left/top, 1 = right/bottom), resampled to 32×32.
    func crop(_ share: Double, _ ax: Double, _ ay: Double) -> Plane {
        let n = Double(Self.n), size = n * share
        let x0 = (n - size) * ax, y0 = (n - size) * ay
        return Plane(values: (0..<(Self.n * Self.n)).map { i in
            sample(x0 + (Double(i % Self.n) + 0.5) * size / n, y0 + (Double(i / Self.n) + 0.5) * size / n)
        })
    }

    /// Turned by `degrees` about the centre, keeping the central `keep` share (no new corners).
    func rotated(_ degrees: Double, keep: Double) -> Plane {
        let n = Double(Self.n), a = degrees * .pi / 180
        let c = cos(a), s = sin(a)
        return Plane(values: (0..<(Self.n * Self.n)).map { i in
            let u = ((Double(i % Self.n) + 0.5) / n - 0.5) * keep, w = ((Double(i / Self.n) + 0.5) / n - 0.5) * keep
            return sample((c * u - s * w + 0.5) * n, (s * u + c * w + 0.5) * n)
        })
    }

    static let cosines: [Double] = (0..<8).flatMap { u in
        (0..<n).map { x in cos(Double.pi * Double(2 * x + 1) * Double(u) / Double(2 * n)) }
    }

    /// pHash: the 8×8 lowest frequencies of the 2-D DCT without the mean (63 values), each bit
    /// whether a value is above their median.
    func dctPrint() -> UInt64 { Self.print(of: dctCoefficients()) }

    /// The 8×8 lowest frequencies of the 2-D DCT, at `v * 8 + u` (u across, v down).
    func dctCoefficients() -> [Double] {
        let n = Self.n
        // Rows first: 8 frequencies × 32 rows, then columns.
        var rows = [Double](repeating: 0, count: 8 * n)
        v.withUnsafeBufferPointer { v in
            Self.cosines.withUnsafeBufferPointer { cos in
                for y in 0..<n {
                    for u in 0..<8 {
                        var s = 0.0
                        for x in 0..<n { s += cos[u * n + x] * v[y * n + x] }
                        rows[u * n + y] = s
                    }
                }
            }
        }
        var c = [Double](repeating: 0, count: 64)
        for vv in 0..<8 {
            for u in 0..<8 {
                var s = 0.0
                for y in 0..<n { s += Self.cosines[vv * n + y] * rows[u * n + y] }
                c[vv * 8 + u] = s
            }
        }
        return c
    }

    /// The print of DCT coefficients: one bit per frequency but the mean, above their median or not.
    static func print(of c: [Double]) -> UInt64 {
        var values = [Double](repeating: 0, count: 63)
        for i in 1..<64 { values[i - 1] = c[i] }
        var sorted = values
        sorted.sort()
        let median = sorted[31]
        var print: UInt64 = 0
        for (i, x) in values.enumerated() where x > median { print |= 1 << UInt64(i) }
        return print
    }

    /// The coefficients of the eight turns and mirrors of a plane, in `PhotoMatcher.turnNames`'
    /// order, from its own: a mirror negates the odd horizontal frequencies, a quarter turn swaps
    /// the axes and negates what then runs backwards.
    static func dihedral(_ c: [Double]) -> [[Double]] {
        func mirrored(_ c: [Double]) -> [Double] { (0..<64).map { i in (i % 8) % 2 == 1 ? -c[i] : c[i] } }
        // turned(): new(x, y) = old(y, n − 1 − x), so C'(u, v) = (−1)^u · C(v, u).
        func turned(_ c: [Double]) -> [Double] { (0..<64).map { i in let u = i % 8, v = i / 8; return (u % 2 == 1 ? -1 : 1) * c[u * 8 + v] } }
        var out: [[Double]] = []
        var t = c
        for _ in 0..<4 {
            out.append(t)
            out.append(mirrored(t))
            t = turned(t)
        }
        return out
    }

    /// Averaged down to 16×16, less its mean, scaled to unit length.
    func normalisedHalf() -> [Double] {
        let n = Self.n, h = n / 2
        var out = [Double](repeating: 0, count: h * h)
        for y in 0..<h {
            for x in 0..<h {
                out[y * h + x] = (self[2 * x, 2 * y] + self[2 * x + 1, 2 * y] + self[2 * x, 2 * y + 1] + self[2 * x + 1, 2 * y + 1]) / 4
            }
        }
        let mean = out.reduce(0, +) / Double(out.count)
        var norm = 0.0
        for i in out.indices { out[i] -= mean; norm += out[i] * out[i] }
        norm = norm.squareRoot()
        if norm > 0 { for i in out.indices { out[i] /= norm } }
        return out
    }
}
