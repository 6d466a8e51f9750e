import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore

/// The moment every test's msreview runs at (`MSREVIEW_NOW`): the suite passes on any date.
/// `make test` exports it for the test process too; runs of the executable get it either way.
public enum PinnedNow {
    public static let text = "2026-11-25T12:00:00Z"
    public static var timestamp: Timestamp { Timestamp(rfc3339: text)! }
}

/// A fresh temporary directory, removed by the caller's tearDown (or left for inspection).
public func makeTempDirectory(_ prefix: String = "msreview-test") -> String {
    var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: p!)
}

/// Real media made for tests: audio through libsndfile, JPEGs through libjpeg-turbo + libexif.
public enum MediaFixtures {
    /// A 440 Hz tone with a little noise, mono 16-bit.
    public static func tone(seconds: Double, rate: Int = 8000) -> [Int16] {
        (0..<Int(seconds * Double(rate))).map { i in
            Int16(8000 * sin(2 * Double.pi * 440 * Double(i) / Double(rate)))
        }
    }

    public static func audio(_ format: AudioFile.WriteFormat, seconds: Double = 1, rate: Int = 8000) -> [UInt8] {
        let dir = makeTempDirectory("audio")
        defer { removeTree(dir) }
        let path = dir + "/a." + format.rawValue
        try! AudioFile.write(path: path, samples: tone(seconds: seconds, rate: rate), sampleRate: rate, format: format)
        return try! readFile(path)
    }

    public static func jpeg(exif: String? = "2026:11:20 10:15:10", offset: String? = "+03:00", width: Int = 32, height: Int = 24, seed: UInt8 = 1) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<rgb.count { rgb[i] = UInt8(truncatingIfNeeded: i &* Int(seed) &+ Int(seed) * 31) }
        return try! PhotoFile.encode(rgb: rgb, width: width, height: height, quality: 80,
                                     exifTime: exif.flatMap(CivilTime.init(exif:)), exifOffset: offset)
    }
}

/// A session bundle built member by member, written as a directory or a tar archive.
public struct BundleFixture {
    public var id: String
    public var manifest: [(String, JSON)]
    public var files: [String: [UInt8]]

    /// A valid bundle: one WAV recording, one photo with EXIF, one CSI questionnaire.
    public static func valid(_ id: String = "S-20261120-0001", audio: AudioFile.WriteFormat = .wav, photoSeed: UInt8 = 1) -> BundleFixture {
        let audioFile = "audio/rec-001." + audio.rawValue
        let audioBytes = MediaFixtures.audio(audio, seconds: 2)
        let photo = MediaFixtures.jpeg(seed: photoSeed)
        let manifest: [(String, JSON)] = [
            ("format", "msr-bundle/1".json),
            ("session_id", id.json),
            ("device_id", "DEV-0042".json),
            ("location", .object([("id", "BR-017".json), ("name", "Нижний Новгород, ул. Горького, 5".json),
                                  ("timezone", "Europe/Moscow".json),
                                  ("hours", .object([("open", "09:00".json), ("close", "21:00".json)]))])),
            ("employee", .object([("id", "E-1203".json), ("name", "Анна Петрова".json)])),
            ("started_at", "2026-11-20T10:15:02+03:00".json),
            ("ended_at", "2026-11-20T10:24:40+03:00".json),
            ("checklist", "bank-branch".json),
            ("recordings", .array([.object([("file", audioFile.json), ("started_at", "2026-11-20T10:15:03+03:00".json),
                                            ("sha256", SHA256Hasher.hex(audioBytes).json)])])),
            ("photos", .array([.object([("file", "photos/p-001.jpg".json), ("taken_at", "2026-11-20T10:15:10+03:00".json),
                                        ("sha256", SHA256Hasher.hex(photo).json)])])),
            ("questionnaires", .array([.object([
                ("id", "Q1".json), ("form", "csi-3".json),
                ("started_at", "2026-11-20T10:15:05+03:00".json), ("submitted_at", "2026-11-20T10:15:40+03:00".json),
                ("photos", .array(["photos/p-001.jpg".json])),
                ("answers", .array([
                    .object([("question", "rate_specialist".json), ("text", "Оцените работу специалиста".json),
                             ("kind", "scale5".json), ("value", 5.json), ("answered_at", "2026-11-20T10:15:12+03:00".json)]),
                    .object([("question", "recommend".json), ("kind", "nps".json), ("value", 9.json),
                             ("answered_at", "2026-11-20T10:15:25+03:00".json)]),
                    .object([("question", "comment".json), ("kind", "text".json), ("value", "Быстро и вежливо".json),
                             ("answered_at", "2026-11-20T10:15:38+03:00".json)]),
                ])),
            ])])),
            ("callback_requests", .array([.object([("name", "Иван".json), ("phone", "+7 900 000-00-00".json),
                                                   ("topic", "ипотека".json), ("at", "2026-11-20T10:16:00+03:00".json)])])),
        ]
        return BundleFixture(id: id, manifest: manifest, files: [audioFile: audioBytes, "photos/p-001.jpg": photo])
    }

    /// Replaces (or adds) a top-level member.
    public mutating func set(_ key: String, _ value: JSON) {
        if let i = manifest.firstIndex(where: { $0.0 == key }) { manifest[i].1 = value } else { manifest.append((key, value)) }
    }

    public mutating func remove(_ key: String) { manifest.removeAll { $0.0 == key } }

    /// Edits a member by a path of keys and array indexes, e.g. ["recordings", 0, "file"]; nil removes it.
    public mutating func edit(_ path: [JSONPathStep], _ value: JSON?) {
        if case let .object(m)? = JSON.object(manifest).replacing(path, with: value) { manifest = m }
    }

    public var manifestBytes: [UInt8] { Array(JSON.object(manifest).prettySerialized().utf8) }

    /// Writes the bundle as `dir/<name>` (default: its id) and returns that path.
    @discardableResult
    public func write(into dir: String, name: String? = nil, manifestOverride: [UInt8]? = nil) -> String {
        let root = dir + "/" + (name ?? id)
        try! makeDirectories(root)
        try! writeFile(root + "/session.json", manifestOverride ?? manifestBytes)
        for (path, bytes) in files {
            let full = root + "/" + path
            try! makeDirectories(String(full[..<full.lastIndex(of: "/")!]))
            try! writeFile(full, bytes)
        }
        return root
    }

    /// Writes the bundle as a tar (gzip when asked) holding one top directory.
    @discardableResult
    public func writeTar(into dir: String, gzip: Bool = true, extra: [TarEntry] = []) -> String {
        let path = dir + "/" + id + (gzip ? ".tar.gz" : ".tar")
        var entries = [TarEntry(name: id, kind: .directory), TarEntry(name: id + "/session.json", data: manifestBytes)]
        for (p, bytes) in files.sorted(by: { $0.key < $1.key }) { entries.append(TarEntry(name: id + "/" + p, data: bytes)) }
        try! TarBundle.write(to: path, gzip: gzip, entries: entries + extra)
        return path
    }
}

/// Runs the built `msreview` executable.
public struct ProcessResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum Executable {
    /// `.build/<config>/msreview`, beside the test bundle.
    public static var path: String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidate = dir.appendingPathComponent("msreview").path
        if !FileManager.default.fileExists(atPath: candidate) {
            candidate = dir.deletingLastPathComponent().appendingPathComponent("msreview").path
        }
        return candidate
    }

    @discardableResult
    public static func run(_ args: [String], program: String? = nil, environment: [String: String] = [:], stdin: String? = nil) -> ProcessResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program ?? path)
        p.arguments = args
        var env = childEnvironment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        // Output goes to files, so a large output can never block the child on a full pipe.
        let dir = makeTempDirectory("run")
        defer { removeTree(dir) }
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let out = FileHandle(forWritingAtPath: dir + "/out")!, err = FileHandle(forWritingAtPath: dir + "/err")!
        let input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try! p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        p.waitUntilExit()
        try? out.close()
        try? err.close()
        let outData = (try? readFile(dir + "/out")) ?? [], errData = (try? readFile(dir + "/err")) ?? []
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}

extension Executable {
    /// The environment of every process a test starts: this one's, with the clock pinned.
    public static var childEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env[Clock.variable] = env[Clock.variable] ?? PinnedNow.text
        return env
    }

    /// Starts the executable without waiting (output discarded); the clock is pinned as in `run`.
    public static func runAsync(_ args: [String], environment: [String: String] = [:]) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        var env = childEnvironment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try! p.run()
        return p
    }

    /// Starts a bash script (a worker loop of a concurrency test) in `directory`, not waiting for it.
    public static func shell(_ script: String, in directory: String? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script]
        p.environment = childEnvironment
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return p
    }
}

/// Paths inside this repository (Samples/, Checklists/), for tests that use the real files.
public enum Repository {
    public static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
    public static var samples: String { root + "/Samples" }
    public static var checklists: String { root + "/Checklists" }

    /// Item ids of a checklist file, in order.
    public static func itemIDs(_ checklist: String) -> [String] {
        let text = String(decoding: try! readFile(checklists + "/" + checklist + ".checklist"), as: UTF8.self)
        return try! Checklist.parse(text, file: checklist).items.map(\.id)
    }
}

/// A clock tests move by hand.
public final class TestClock: @unchecked Sendable {
    public var now: Timestamp
    public init(_ start: String = "2026-11-21T09:00:00Z") { now = Timestamp(rfc3339: start)! }
    public func advance(seconds: Int64) { now = now.adding(millis: seconds * 1000) }
}

/// Parses a CSV file with Python's csv module (the reference reader); returns its rows.
public func pythonCSV(_ path: String) throws -> [[String]] {
    let script = "import csv, json, sys\nwith open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n    print(json.dumps(list(csv.reader(f))))\n"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script, path]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return try JSON.parse(Array(data)).arrayValue?.map { $0.arrayValue?.compactMap(\.stringValue) ?? [] } ?? []
}

/// Headless Chromium from Debian (installed by `make test`), to render HTML reports the way a
/// reader's browser does and to catch anything its console complains about.
public enum Chromium {
    public static let path = "/usr/bin/chromium"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

    public struct Rendering {
        public var status: Int32
        /// The page's console messages (CSP violations, script errors, failed loads).
        public var console: [String]
        public var stderr: String
    }

    /// Renders `page` to a PNG screenshot (`--screenshot`) or an A4 PDF (`--print-to-pdf`).
    public static func render(_ page: String, screenshot: String? = nil, pdf: String? = nil, width: Int = 900, height: Int = 1300) -> Rendering {
        let profile = makeTempDirectory("chromium")
        defer { removeTree(profile) }
        var args = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--user-data-dir=" + profile,
                    "--enable-logging=stderr", "--v=0", "--window-size=\(width),\(height)"]
        if let screenshot { args.append("--screenshot=" + screenshot) }
        if let pdf { args += ["--no-pdf-header-footer", "--print-to-pdf=" + pdf] }
        let r = Executable.run(args + ["file://" + page], program: path)
        let console = r.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        return Rendering(status: r.status, console: console, stderr: r.stderr)
    }
}

/// A printed PDF read back with poppler (`pdfinfo`, `pdftotext`), which `make` installs.
public enum PrintedPDF {
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/pdfinfo") }

    /// The page count `pdfinfo` reports (0 when it cannot read the file).
    public static func pages(_ path: String) -> Int {
        let r = Executable.run([path], program: "/usr/bin/pdfinfo")
        let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("Pages:") }
        return line.flatMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) } ?? 0
    }

    /// The text of every page, laid out as printed.
    public static func text(_ path: String) -> String {
        Executable.run(["-layout", path, "-"], program: "/usr/bin/pdftotext").stdout
    }
}

/// Every item of a checklist at its top answer (yes, N of a scale, N points), except `changes`:
/// the `answers` object of an answers file, as (item, value) members.
public func topAnswers(_ checklist: Checklist, except changes: [String: JSON] = [:]) -> [(String, JSON)] {
    checklist.items.map { item -> (String, JSON) in
        if let v = changes[item.id] { return (item.id, v) }
        switch item.kind { case .yesno: return (item.id, "yes"); case let .scale(n), let .points(n): return (item.id, .number(Double(n))) }
    }
}

/// Writes an answers file (`{"answers": {...}}`) and returns its path.
public func writeAnswersFile(_ path: String, _ answers: [(String, JSON)]) throws -> String {
    try writeFile(path, Array(JSON.object([("answers", .object(answers))]).serialized().utf8))
    return path
}

/// The backend the store, application and end-to-end suites run against: SQLite files, or, with
/// `MSREVIEW_TEST_BACKEND=postgres`, a fresh database per store on the PostgreSQL server that
/// `MSREVIEW_TEST_PG` names (`make test` starts a throwaway cluster and runs the suites on both).
public enum TestStore {
    public static var isPostgres: Bool { ProcessInfo.processInfo.environment["MSREVIEW_TEST_BACKEND"] == "postgres" }

    /// Where a test's store lives: `DIR/NAME.sqlite`, or a new, empty PostgreSQL database.
    public static func location(in dir: String, name: String = "s") -> String {
        guard isPostgres else { return dir + "/\(name).sqlite" }
        guard let admin = ProcessInfo.processInfo.environment["MSREVIEW_TEST_PG"] else {
            fatalError("MSREVIEW_TEST_BACKEND=postgres needs MSREVIEW_TEST_PG (a URI of the server's postgres database)")
        }
        let database = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        do {
            try Database(postgres: admin).execute("CREATE DATABASE \(database)")
        } catch {
            fatalError("cannot create a test database: \(error)")
        }
        return uri(admin, database: database)
    }

    /// The login of the PostgreSQL test server's administrator (the owner of every test store).
    public static var adminLogin: String {
        let admin = ProcessInfo.processInfo.environment["MSREVIEW_TEST_PG"] ?? ""
        return admin.split(separator: "&").first { $0.hasPrefix("user=") || $0.contains("?user=") }
            .map { String($0.split(separator: "=").last ?? "") } ?? "postgres"
    }

    /// The test server's cluster directory and port (from `MSREVIEW_TEST_PG`'s host and port).
    static var cluster: (directory: String, port: String) {
        let admin = ProcessInfo.processInfo.environment["MSREVIEW_TEST_PG"] ?? ""
        let query = admin.split(separator: "?").last.map { $0.split(separator: "&") } ?? []
        func value(_ key: String) -> String { query.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) } ?? "" }
        return (value("host"), value("port"))
    }

    /// Stops the test server (`pg_ctl stop`, fast): every connection to it is cut.
    public static func stopServer() throws {
        guard system("'\(Repository.root)/tools/pg.sh' stop '\(cluster.directory)'") == 0 else { throw CocoaError(.executableLoad) }
    }

    /// Starts the test server again on the same directory and port.
    public static func startServer() throws {
        guard system("'\(Repository.root)/tools/pg.sh' start '\(cluster.directory)' \(cluster.port) > /dev/null") == 0 else { throw CocoaError(.executableLoad) }
    }

    /// The admin URI with another database name (`postgresql:///NAME?…`).
    public static func uri(_ admin: String, database: String) -> String {
        guard let q = admin.firstIndex(of: "?") else { return "postgresql:///" + database }
        return "postgresql:///" + database + admin[q...]
    }
}
