import Glibc
import MSRCore
import MSRMedia
import MSRStore

/// The entry points fuzzing drives (`make fuzz`, Sources/msreview-fuzz) and the tests replay:
/// each takes arbitrary bytes and must neither crash nor hang, whatever they are.
public enum FuzzHarness {
    public static let targets = ["manifest", "exif", "checklist", "tar", "csv", "text"]

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
        case "csv":
            checkCSV(bytes)
        case "text":
            checkTerminalText(String(decoding: bytes, as: UTF8.self))
        default:
            return false
        }
        return true
    }

    /// The CSV writer: cells (split at 0x1E) written as a record read back as the same cells
    /// (less a neutralising apostrophe), and no cell a spreadsheet would run as a formula.
    static func checkCSV(_ bytes: [UInt8]) {
        let cells = bytes.split(separator: 0x1E, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        let record = Array(CSV.row(cells).utf8)
        let back = parseCSVRecord(record)
        precondition(back.count == cells.count, "CSV: \(cells.count) cells written, \(back.count) read back")
        for (written, read) in zip(cells, back) {
            var shown = Array(read.utf8)
            var w = written
            let neutralised = w.withUTF8 { CSV.needsNeutralising($0) }
            if neutralised {
                precondition(shown.first == UInt8(ascii: "'"), "CSV: a formula without its apostrophe")
                shown.removeFirst()
            }
            precondition(shown == Array(written.utf8), "CSV: a cell changed on its way through")
            shown.withUnsafeBufferPointer { precondition(neutralised || !CSV.needsNeutralising($0), "CSV: a formula left unguarded") }
        }
    }

    /// RFC 4180, one record (the reference the writer is checked against).
    static func parseCSVRecord(_ b: [UInt8]) -> [String] {
        var cells: [String] = [], cell: [UInt8] = [], i = 0, quoted = false
        precondition(b.count >= 2 && b[b.count - 2] == 13 && b[b.count - 1] == 10, "CSV: a record ends with CRLF")
        let end = b.count - 2
        while i < end {
            let c = b[i]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < end, b[i + 1] == UInt8(ascii: "\"") { cell.append(c); i += 2; continue }
                    quoted = false
                } else { cell.append(c) }
            } else if c == UInt8(ascii: "\""), cell.isEmpty {
                quoted = true
            } else if c == UInt8(ascii: ",") {
                cells.append(String(decoding: cell, as: UTF8.self)); cell = []
            } else {
                precondition(c != 10 && c != 13, "CSV: a line break outside quotes")
                cell.append(c)
            }
            i += 1
        }
        precondition(!quoted, "CSV: an unclosed quote")
        cells.append(String(decoding: cell, as: UTF8.self))
        return cells
    }

    /// The terminal sanitiser: nothing unsafe comes out, safe text is unchanged, and it is stable.
    static func checkTerminalText(_ s: String) {
        let v = TerminalText.visible(s)
        precondition(!v.unicodeScalars.contains { TerminalText.isUnsafe($0.value) }, "text: an unsafe character came through")
        precondition(TerminalText.visible(v) == v, "text: not stable")
        if !s.unicodeScalars.contains(where: { TerminalText.isUnsafe($0.value) }) { precondition(v == s, "text: safe text changed") }
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
