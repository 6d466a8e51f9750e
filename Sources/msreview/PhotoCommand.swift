import Foundation
import MSRApp
import MSRCore
import MSRMedia

let photosMatchCommand = Command(
    words: ["photos", "match"], summary: "Compare photo files as the near-duplicate check does: every graded pair.",
    usage: "photos match FILE... [--json]",
    details: """
    Decodes each JPEG in the isolated decoder, turns it upright by its EXIF orientation, and looks
    it up among the files before it with the import's prints and index (docs/fraud.md). Every pair
    that grades definitely, probably or maybe is printed, with the distance of its closest prints
    (of 63 bits), the correlation of the aligned thumbnails and how one was turned to match.
    A lead uses it to check a photo-similar finding by hand; `make bench` uses it to measure recall
    and false matches on real photos. Thresholds: similar_distance, similar_probably, similar_maybe.
    """,
    options: [
        OptionSpec(name: "json", value: nil, help: "print {\"photos\": [...], \"pairs_compared\", \"candidates\", \"matches\": [...]}"),
    ],
    positionals: 1...100_000
) { inv in
    let t = FraudThresholds(try loadConfig(inv))
    let result = PhotoComparison(paths: inv.positionals, prober: IsolatedProber(executable: selfExecutable()), thresholds: t)
    if inv.flag("json") { Output.json(result.json); return 0 }
    for p in result.photos where p.excluded != nil { Output.line("\(p.path): left out, \(p.excluded!)") }
    for p in result.pairs {
        let m = p.match
        Output.line("\(m.grade.rawValue.padding(toLength: 10)) \(result.photos[p.later].path) ~ \(result.photos[p.earlier].path)"
                    + "  (\(m.transform.map { $0 + "; " } ?? "")distance \(m.distance) of \(PhotoMatcher.printBits), correlation \(JSON.format(number: (m.correlation * 100).rounded() / 100)))")
    }
    let usable = result.photos.filter { $0.excluded == nil }.count
    Output.line("\(result.pairs.count) match(es) among \(usable) photo(s), \(usable * (usable - 1) / 2) pair(s)")
    return 0
}

let photosIndexTimingCommand = Command(
    words: ["photos", "index-timing"], summary: "Measure the near-duplicate index: memory and time per look-up at N stored photos.",
    usage: "photos index-timing [--count N] [--lookups N] [--seed S] [--json]",
    details: """
    Fills the import's multi-index with N stored photos of six prints each (a random balanced
    63-bit print and five near it, as a photo's crops are), then times look-ups of thirteen prints
    each (as a new photo's turns, mirrors, crop and rotations): unrelated photos, and edited copies
    of stored ones (a few bits off), which must all be found. Beside it, the same look-up as a scan
    of every stored print (what the index saves). No store is touched.
    """,
    options: [
        OptionSpec(name: "count", value: "N", help: "stored photos (default 1000000)"),
        OptionSpec(name: "lookups", value: "N", help: "look-ups of each kind (default 2000)"),
        OptionSpec(name: "seed", value: "S", help: "random seed (default 1)"),
        OptionSpec(name: "json", value: nil, help: "print {\"photos\", \"prints\", \"index_bytes\", \"insert_s\", \"lookup_median_ms\", \"lookup_p99_ms\", \"found\", \"scan_median_ms\", …}"),
    ]
) { inv in
    let count = try inv.int("count", default: 1_000_000, range: 1...20_000_000)
    let lookups = try inv.int("lookups", default: 2000, range: 1...1_000_000)
    var rng = SeededRandom(seed: UInt64(try inv.int("seed", default: 1, range: 0...Int.max)))
    let t = FraudThresholds(try loadConfig(inv))
    /// A 63-bit print with 31 bits set, as a median-thresholded pHash is.
    func balanced() -> UInt64 {
        var bits = Array(0..<63)
        bits.shuffle(using: &rng)
        return bits.prefix(31).reduce(UInt64(0)) { $0 | 1 << UInt64($1) }
    }
    func flipped(_ p: UInt64, _ n: Int) -> UInt64 {
        var out = p
        var done = Set<Int>()
        while done.count < n { let b = Int(rng.next() % 63); if done.insert(b).inserted { out ^= 1 << UInt64(b) } }
        return out
    }
    func ms(_ t0: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6 }
    let index = PhotoIndex<Int32>(distance: t.similarDistance)
    var bases: [UInt64] = []
    bases.reserveCapacity(count)
    // Every print in one flat array too: the comparison, a scan of all of them per look-up.
    var flat: [UInt64] = []
    flat.reserveCapacity(count * 6)
    let t0 = DispatchTime.now()
    for i in 0..<count {
        let base = balanced()
        bases.append(base)
        let prints = [base] + (0..<5).map { _ in flipped(base, 6) }
        flat += prints
        index.insert(Int32(i), prints: prints)
        if i % 100_000 == 0 { Output.progress("indexed \(i) photos") }
    }
    Output.endProgress()
    let insertSeconds = ms(t0) / 1000
    var unrelated: [Double] = [], edited: [Double] = []
    var candidates = 0, found = 0
    for k in 0..<(2 * lookups) {
        let isCopy = k % 2 == 1
        let target = Int(rng.next() % UInt64(count))
        let first = isCopy ? flipped(bases[target], 3) : balanced()
        let queries = [first] + (0..<12).map { _ in balanced() }
        let t1 = DispatchTime.now()
        let near = index.near(queries)
        let elapsed = ms(t1)
        if isCopy {
            edited.append(elapsed)
            if near.contains(Int32(target)) { found += 1 }
        } else {
            unrelated.append(elapsed)
            candidates += near.count
        }
    }
    var scans: [Double] = [], scanned = 0
    for _ in 0..<min(lookups, 20) {
        let queries = (0..<13).map { _ in balanced() }
        let t1 = DispatchTime.now()
        for q in queries { for p in flat where (p ^ q).nonzeroBitCount <= t.similarDistance { scanned += 1 } }
        scans.append(ms(t1))
    }
    func pct(_ v: [Double], _ p: Double) -> Double { let s = v.sorted(); return s[min(s.count - 1, Int(Double(s.count) * p))] }
    let doc = JSON.object([
        ("photos", .number(Double(count))), ("prints", .number(Double(index.printCount))),
        ("distance", .number(Double(t.similarDistance))), ("index_bytes", .number(Double(index.memoryBytes))),
        ("insert_s", .number((insertSeconds * 1000).rounded() / 1000)),
        ("lookups", .number(Double(lookups))),
        ("lookup_median_ms", .number((pct(unrelated, 0.5) * 1000).rounded() / 1000)),
        ("lookup_p99_ms", .number((pct(unrelated, 0.99) * 1000).rounded() / 1000)),
        ("copy_lookup_median_ms", .number((pct(edited, 0.5) * 1000).rounded() / 1000)),
        ("candidates_per_unrelated_lookup", .number(Double(candidates) / Double(lookups))),
        ("found", .number(Double(found))),
        ("scan_median_ms", .number((pct(scans, 0.5) * 1000).rounded() / 1000)),
        ("scan_hits", .number(Double(scanned))),
    ])
    if inv.flag("json") { Output.json(doc); return 0 }
    Output.line("\(count) photos, \(index.printCount) prints, index \(index.memoryBytes >> 20) MiB, filled in \(JSON.format(number: (insertSeconds * 10).rounded() / 10)) s")
    Output.line("look-up (13 prints): median \(JSON.format(number: (pct(unrelated, 0.5) * 1000).rounded() / 1000)) ms, p99 \(JSON.format(number: (pct(unrelated, 0.99) * 1000).rounded() / 1000)) ms; edited copies found: \(found) of \(lookups)")
    Output.line("a scan of every print instead: median \(JSON.format(number: (pct(scans, 0.5) * 1000).rounded() / 1000)) ms")
    return 0
}
