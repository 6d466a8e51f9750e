import Glibc
import MSRCore
import MSRMedia

/// Writes synthetic but valid bundles for benchmarks and scale tests: tiny audio, tiny
/// photos with EXIF, questionnaires, and a share of planted frauds. Same seed, same bytes.
public struct SampleGenerator {
    public var count: Int
    public var seed: UInt64
    /// Write `.tar.gz` bundles instead of directories.
    public var tar = false
    /// Seconds of audio per recording.
    public var audioSeconds = 4
    public var sampleRate = 8000

    /// What was planted, by session id (for tests and the generator's summary).
    public struct Plan: Sendable {
        public var sessions: [String] = []
        public var planted: [String: String] = [:]
        public var bytes: Int64 = 0
    }

    public init(count: Int, seed: UInt64) {
        self.count = count
        self.seed = seed
    }

    static let cities: [(String, String, String)] = [
        ("Москва, ул. Тверская, 12", "Europe/Moscow", "+03:00"),
        ("Нижний Новгород, ул. Горького, 5", "Europe/Moscow", "+03:00"),
        ("Казань, ул. Баумана, 44", "Europe/Moscow", "+03:00"),
        ("Екатеринбург, пр. Ленина, 50", "Asia/Yekaterinburg", "+05:00"),
        ("Новосибирск, Красный пр., 25", "Asia/Novosibirsk", "+07:00"),
        ("Владивосток, ул. Светланская, 9", "Asia/Vladivostok", "+10:00"),
        ("Самара, ул. Куйбышева, 90", "Europe/Samara", "+04:00"),
        ("Калининград, Ленинский пр., 30", "Europe/Kaliningrad", "+02:00"),
    ]
    static let firstNames = ["Анна", "Мария", "Ольга", "Елена", "Ирина", "Дмитрий", "Сергей", "Алексей", "Павел", "Наталья"]
    static let lastNames = ["Петрова", "Иванова", "Смирнова", "Кузнецова", "Попова", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозова"]
    public static let checklists = ["bank-branch", "pharmacy", "fuel-station", "public-services"]

    public func generate(into directory: String, progress: ((Int, Int) -> Void)? = nil) throws -> Plan {
        try makeDirectories(directory)
        var rng = SeededRandom(seed: seed)
        var plan = Plan()
        let locationCount = max(1, min(200, count / 25))
        // The last photo taken at each location: a planted reuse copies one from earlier the same day.
        var lastPhoto: [Int: [UInt8]] = [:]
        // 2026-10-01 local midnight, as days since the epoch.
        let firstDay = Timestamp.daysFromCivil(year: 2026, month: 10, day: 1)
        for i in 0..<count {
            let loc = i % locationCount
            let slot = i / locationCount
            let day = firstDay + slot / 40
            let minuteOfDay = 9 * 60 + (slot % 40) * 15 + 1
            let city = SampleGenerator.cities[loc % SampleGenerator.cities.count]
            let offset = parseUTCOffset(city.2) ?? 0
            let employeeIndex = loc * 3 + (slot / 40) % 3
            let startLocal = Int64(day) * 86_400_000 + Int64(minuteOfDay) * 60_000
            var start = Timestamp(utcMillis: startLocal - Int64(offset) * 1000, offsetSeconds: offset)
            let length = Int64(5 * 60 + Int(rng.next() % 240)) * 1000
            let id = "S-" + start.localDate.replacingOccurrences(of: "-", with: "") + "-" + pad4(i / 10000) + pad4(i % 10000)
            let kind = i % 10 == 7 ? Int(rng.next() % 7) : -1  // every tenth session carries one planted problem
            var plantedNote: String?
            if kind == 4 {
                // After closing time, each slot its own minute, so planted sessions never overlap.
                start = start.adding(millis: Int64(21 * 60 + 5 + (slot % 40) * 12 - minuteOfDay) * 60_000)
                plantedNote = "outside-hours"
            }
            let end = start.adding(millis: length)

            let bundleName = id
            let root = tar ? directory + "/.gen-" + bundleName : directory + "/" + bundleName
            try makeDirectories(root + "/audio")
            try makeDirectories(root + "/photos")

            // Audio: speech-like bursts of filtered noise; silent when planted.
            let silent = kind == 5
            if silent { plantedNote = "audio-silent" }
            let audioName = i % 2 == 0 ? "audio/rec-001.flac" : "audio/rec-001.wav"
            let samples = SampleGenerator.speechLike(seconds: audioSeconds, rate: sampleRate, silent: silent, rng: &rng)
            try AudioFile.write(path: root + "/" + audioName, samples: samples, sampleRate: sampleRate,
                                format: i % 2 == 0 ? .flac : .wav)
            let audioSHA = try fileSHA(root + "/" + audioName)
            // Questionnaire in the middle of the session; the (short) recording covers it.
            let qStart = start.adding(millis: length / 2)
            let recStart = qStart.adding(millis: -Int64(audioSeconds) * 500)
            let tooFast = kind == 1
            if tooFast { plantedNote = "answers-too-fast" }
            let step: Int64 = tooFast ? 300 : 8000
            let qSubmit = qStart.adding(millis: step * 3 + 500)
            var photoBytes: [UInt8]?
            var exifShift: Int64 = 0
            if kind == 2 { exifShift = 600_000; plantedNote = "photo-time-mismatch" }
            let takenAt = qStart.adding(millis: 2000)
            if kind == 0, let previous = lastPhoto[loc] {
                photoBytes = previous
                plantedNote = "photo-reused"
            } else if kind != 3 {
                let exifCivil = CivilTime(utcMillis: takenAt.utcMillis + exifShift + Int64(offset) * 1000)
                photoBytes = try PhotoFile.encode(rgb: SampleGenerator.picture(width: 64, height: 48, rng: &rng), width: 64, height: 48,
                                                  quality: 70, exifTime: exifCivil, exifOffset: city.2)
            } else {
                plantedNote = "photo-missing"
            }
            var photosJSON: [JSON] = []
            var linked: [JSON] = []
            if let bytes = photoBytes {
                try writeFile(root + "/photos/p-001.jpg", bytes)
                var sha = SHA256Hasher.hex(bytes)
                if kind == 6 { sha = String(sha.reversed()); plantedNote = "file-tampered" }
                photosJSON.append(.object([("file", .string("photos/p-001.jpg")), ("taken_at", .string(takenAt.description)),
                                           ("sha256", .string(sha))]))
                linked.append(.string("photos/p-001.jpg"))
                if kind != 0 { lastPhoto[loc] = bytes }
            }
            let nps = Int(rng.next() % 11)
            let csi = 1 + Int(rng.next() % 5)
            let answers: [JSON] = [
                .object([("question", "rate_specialist".json), ("text", "Оцените работу специалиста".json), ("kind", "scale5".json),
                         ("value", csi.json), ("answered_at", qStart.adding(millis: step).description.json)]),
                .object([("question", "recommend".json), ("text", "Порекомендуете ли вы нас друзьям?".json), ("kind", "nps".json),
                         ("value", nps.json), ("answered_at", qStart.adding(millis: step * 2).description.json)]),
                .object([("question", "comment".json), ("text", "Комментарий".json), ("kind", "text".json),
                         ("value", (nps >= 9 ? "Быстро и вежливо" : "Долго ждал").json),
                         ("answered_at", qStart.adding(millis: step * 3).description.json)]),
            ]
            let first = SampleGenerator.firstNames[employeeIndex % 10], last = SampleGenerator.lastNames[(employeeIndex / 10) % 10]
            var members: [(String, JSON)] = [
                ("format", .string(Manifest.format)),
                ("session_id", .string(id)),
                ("device_id", .string("DEV-" + pad4(loc))),
                ("location", .object([("id", .string("BR-" + pad4(loc))), ("name", .string(city.0)), ("timezone", .string(city.1)),
                                      ("hours", .object([("open", "09:00".json), ("close", "21:00".json)]))])),
                ("employee", .object([("id", .string("E-" + pad4(employeeIndex))), ("name", .string(first + " " + last))])),
                ("started_at", .string(start.description)),
                ("ended_at", .string(end.description)),
                ("checklist", .string(SampleGenerator.checklists[loc % 4])),
                ("recordings", .array([.object([("file", .string(audioName)), ("started_at", .string(recStart.description)),
                                                ("sha256", .string(audioSHA))])])),
                ("photos", .array(photosJSON)),
                ("questionnaires", .array([.object([
                    ("id", "Q1".json), ("form", (i % 3 == 0 ? "nps-2" : "csi-3").json), ("started_at", qStart.description.json),
                    ("submitted_at", qSubmit.description.json), ("photos", .array(linked)), ("answers", .array(answers)),
                ])])),
            ]
            if i % 9 == 4 {
                members.append(("callback_requests", .array([.object([
                    ("name", "Иван".json), ("phone", "+7 900 000-\(pad4(i % 10000).prefix(2))-\(pad4(i % 10000).suffix(2))".json),
                    ("topic", "ипотека".json), ("at", end.adding(millis: -60_000).description.json),
                ])])))
            }
            try writeFile(root + "/session.json", Array(JSON.object(members).prettySerialized().utf8))
            if tar {
                var entries = [TarEntry(name: bundleName, kind: .directory)]
                for rel in ["session.json", audioName] + (photoBytes == nil ? [] : ["photos/p-001.jpg"]) {
                    entries.append(TarEntry(name: bundleName + "/" + rel, data: try readFile(root + "/" + rel)))
                }
                try TarBundle.write(to: directory + "/" + bundleName + ".tar.gz", gzip: true, entries: entries)
                removeTree(root)
            }
            plan.sessions.append(id)
            if let plantedNote { plan.planted[id] = plantedNote }
            progress?(i + 1, count)
        }
        return plan
    }

    /// Bursts of noise shaped like syllables, a few hundred ms each with pauses between.
    static func speechLike(seconds: Int, rate: Int, silent: Bool, rng: inout SeededRandom) -> [Int16] {
        var out = [Int16](repeating: 0, count: seconds * rate)
        if silent { return out }
        var i = 0
        var last: Double = 0
        while i < out.count {
            let burst = rate / 5 + Int(rng.next() % UInt64(rate / 3))
            let pause = rate / 20 + Int(rng.next() % UInt64(rate / 6))
            for k in 0..<burst where i + k < out.count {
                let env = sin(Double.pi * Double(k) / Double(burst))
                let noise = Double(Int64(rng.next() % 2001) - 1000) / 1000
                last = 0.7 * last + 0.3 * noise   // crude low-pass: darker, voice-like
                out[i + k] = Int16(max(-32767, min(32767, env * last * 9000)))
            }
            i += burst + pause
        }
        return out
    }

    /// Random value noise (a coarse random grid, smoothly interpolated) with a few blocks on top:
    /// different for every photo, with detail at the scale a perceptual hash sees.
    public static func picture(width: Int, height: Int, rng: inout SeededRandom) -> [UInt8] {
        let gw = 7, gh = 6
        let grid = (0..<(gw * gh)).map { _ in Double(rng.next() % 256) }
        var blocks: [(Int, Int, Int, Int, Double)] = []
        for _ in 0..<3 {
            let x = Int(rng.next() % UInt64(width)), y = Int(rng.next() % UInt64(height))
            blocks.append((x, y, x + width / 5, y + height / 4, Double(rng.next() % 256)))
        }
        let tint = (0.5 + Double(rng.next() % 50) / 100, 0.5 + Double(rng.next() % 50) / 100, 0.5 + Double(rng.next() % 50) / 100)
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let gx = Double(x) / Double(width) * Double(gw - 1), gy = Double(y) / Double(height) * Double(gh - 1)
                let x0 = min(Int(gx), gw - 2), y0 = min(Int(gy), gh - 2)
                let fx = gx - Double(x0), fy = gy - Double(y0)
                let top = grid[y0 * gw + x0] * (1 - fx) + grid[y0 * gw + x0 + 1] * fx
                let bottom = grid[(y0 + 1) * gw + x0] * (1 - fx) + grid[(y0 + 1) * gw + x0 + 1] * fx
                var g = top * (1 - fy) + bottom * fy
                for b in blocks where x >= b.0 && x < b.2 && y >= b.1 && y < b.3 { g = b.4 }
                let o = (y * width + x) * 3
                px[o] = UInt8(max(0, min(255, g * tint.0 + 40)))
                px[o + 1] = UInt8(max(0, min(255, g * tint.1 + 20)))
                px[o + 2] = UInt8(max(0, min(255, g * tint.2)))
            }
        }
        return px
    }
}

func pad4(_ v: Int) -> String { let s = String(v); return s.count >= 4 ? s : String(repeating: "0", count: 4 - s.count) + s }

func fileSHA(_ path: String) throws -> String { SHA256Hasher.hex(try readFile(path)) }

