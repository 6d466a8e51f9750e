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

    func workstation(_ who: String, _ w: Int = 80, _ h: Int = 24) throws -> Workstation {
        try Workstation(store: store, reviewer: who, config: Config(), device: "null", width: w, height: h)
    }

    func press(_ ws: Workstation, _ keys: Key...) { for k in keys { ws.dispatch(.key(k)) } }
    func type(_ ws: Workstation, _ text: String) { for c in text { ws.dispatch(.key(.char(c))) } }
}
