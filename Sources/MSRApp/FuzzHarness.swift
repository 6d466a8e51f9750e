import Glibc
import MSRCore
import MSRMedia
import MSRStore

/// The entry points fuzzing drives (`make fuzz`, Sources/msreview-fuzz) and the tests replay:
/// each takes arbitrary bytes and must neither crash nor hang, whatever they are.
public enum FuzzHarness {
    public static let targets = ["manifest", "exif", "checklist", "tar"]

    /// Runs one input through `target`; returns false for an unknown target.
    @discardableResult
    public static func run(_ target: String, _ bytes: [UInt8]) -> Bool {
        switch target {
        case "manifest":
            // Parsing includes every field rule of the bundle format; then the anti-fraud rules that
            // work on the manifest alone (all time arithmetic on untrusted timestamps).
            if let m = try? Manifest.parse(bytes) {
                let evidence = SessionEvidence(manifest: m, recordings: m.recordings.map { RecordingFacts(entry: $0, status: .ok) },
                                               photos: m.photos.map { PhotoFacts(entry: $0, status: .ok) },
                                               loudFrames: 0, totalFrames: 0, importedAt: Timestamp(utcMillis: 1_795_000_000_000))
                _ = FraudCheck.local(evidence, FraudThresholds())
            }
        case "exif":
            _ = PhotoFile.exifTime(bytes)
            _ = try? PhotoFile.inspect(bytes)
        case "checklist":
            if let c = try? Checklist.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.checklist") {
                _ = Score.review(c, answers: [:])
            }
        case "tar":
            importTar(bytes)
        default:
            return false
        }
        return true
    }

    /// One store per process for the tar target (created on first use).
    nonisolated(unsafe) static var tarStore: Store?
    nonisolated(unsafe) static var tarDir = ""

    /// Imports the bytes as a bundle archive (plain or gzip, as the magic says) into a scratch store.
    static func importTar(_ bytes: [UInt8]) {
        if tarStore == nil {
            var template = Array("/tmp/msreview-fuzz-XXXXXX".utf8CString)
            guard let d = mkdtemp(&template) else { return }
            tarDir = String(cString: d)
            tarStore = try? Store(path: tarDir + "/s.sqlite")
        }
        guard let store = tarStore else { return }
        let gz = bytes.count > 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
        let path = tarDir + "/input" + (gz ? ".tar.gz" : ".tar")
        guard (try? writeFile(path, bytes)) != nil else { return }
        let importer = try? Importer(store: store, now: { Timestamp(utcMillis: 1_795_000_000_000) }, workers: 1)
        _ = try? importer?.run(paths: [path])
        unlink(path)
    }
}
