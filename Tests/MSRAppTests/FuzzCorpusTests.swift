import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRTestSupport
import XCTest

/// Every seed and every input that once crashed a fuzz target (Fuzz/regressions) goes through the
/// same entry points as `make fuzz`, in every test run.
final class FuzzCorpusTests: XCTestCase {
    func inputs(_ kind: String, _ target: String) -> [String] {
        let dir = Repository.root + "/Fuzz/\(kind)/\(target)"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
    }

    func testSeedsAndRegressionsReplayWithoutCrashing() throws {
        for target in FuzzHarness.targets {
            let seeds = inputs("corpus", target)
            XCTAssertFalse(seeds.isEmpty, "a seed corpus for \(target)")
            for file in seeds + inputs("regressions", target) {
                XCTAssertTrue(FuzzHarness.run(target, try readFile(file)), file)
            }
        }
        XCTAssertFalse(FuzzHarness.run("nonsense", []))
    }

    /// The tar seeds are what they claim: one good bundle, and archives every rule refuses.
    func testTarSeedsImportOrAreRefused() throws {
        let dir = makeTempDirectory("fuzz-seeds")
        defer { removeTree(dir) }
        let tars = Repository.root + "/Fuzz/corpus/tar/"
        let good = Executable.run(["--db", dir + "/s.sqlite", "import", tars + "bundle.tar", tars + "bundle.tar.gz", "--json"])
        let report = try JSON.parse(good.stdout)
        XCTAssertEqual(report["imported"], 1, good.stdout)
        XCTAssertEqual(report["unchanged"], 1, "the .tar.gz holds the same bundle")
        for hostile in ["escape.tar", "symlink.tar", "hardlink.tar"] {
            let r = Executable.run(["--db", dir + "/s.sqlite", "import", tars + hostile])
            XCTAssertEqual(r.status, 1, hostile)
            XCTAssertTrue(r.stdout.contains("rejected"), "\(hostile): \(r.stdout)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/evil"))
    }
}
