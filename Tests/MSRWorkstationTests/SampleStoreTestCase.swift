import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTerminal
import MSRTestSupport
import MSRWorkstation
import XCTest

/// A real store with the sample bundles, a lead (lena) and a reviewer (anna), and the
/// workstation driven key by key: what the workstation suites share.
class SampleStoreTestCase: XCTestCase {
    var dir = ""
    var store: Store!

    override func setUpWithError() throws {
        dir = makeTempDirectory("ws")
        store = try Store(path: TestStore.location(in: dir, name: "s"))
        _ = try Importer(store: store, now: { Timestamp(rfc3339: "2026-11-21T00:00:00Z")! }).run(paths: [Repository.samples])
        let lead = ReviewService(store: store, actor: "lena")
        try lead.addReviewer(id: "lena", role: .lead, name: nil)
        _ = try lead.loadChecklists([Repository.checklists])
        try lead.addReviewer(id: "anna", role: .reviewer, name: nil)
    }

    override func tearDown() {
        store = nil
        removeTree(dir)
    }

    func workstation(_ who: String, _ w: Int = 80, _ h: Int = 24, keys: KeyTable = .standard, config: Config = Config(), background: Bool = false) throws -> Workstation {
        try Workstation(store: store, reviewer: who, config: config, device: "null", width: w, height: h, keys: keys, background: background)
    }

    /// `masking`: a pattern whose matches read as `#N` (row ids, which follow the import's order),
    /// with the lines' trailing blanks cut (a shorter id leaves one more).
    func assertSnapshot(_ grid: Grid, _ name: String, masking: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = Repository.root + "/Tests/MSRWorkstationTests/Snapshots/\(name).txt"
        var text = grid.text + "\n"
        if let masking {
            text = text.replacingOccurrences(of: masking, with: "#N", options: .regularExpression)
                .split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmingTrailingSpaces() }.joined(separator: "\n")
        }
        if ProcessInfo.processInfo.environment["MSREVIEW_RECORD_SNAPSHOTS"] == "1" || !FileManager.default.fileExists(atPath: path) {
            try writeFile(path, Array(text.utf8))
            if ProcessInfo.processInfo.environment["MSREVIEW_RECORD_SNAPSHOTS"] != "1" { XCTFail("recorded new snapshot \(name); check it in", file: file, line: line) }
            return
        }
        let expected = String(decoding: try readFile(path), as: UTF8.self)
        if expected != text {
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false), b = text.split(separator: "\n", omittingEmptySubsequences: false)
            let row = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            XCTFail("\(name) differs at row \(row):\nexpected: \(row < a.count ? String(a[row]) : "")\nactual:   \(row < b.count ? String(b[row]) : "")", file: file, line: line)
        }
    }

    func press(_ ws: Workstation, _ keys: Key...) { for k in keys { ws.dispatch(.key(k)) } }
    func type(_ ws: Workstation, _ text: String) { for c in text { ws.dispatch(.key(.char(c))) } }
}
