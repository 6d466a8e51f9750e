import CChafa
import CExif
import CJPEG
import Glibc
import MSRCore

/// What a photo's bytes say about it: whether the JPEG decodes, its size, and its EXIF capture time.
public struct PhotoInfo: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// `DateTimeOriginal` as written (`YYYY:MM:DD HH:MM:SS`), if present and well-formed.
    public var exifDateTime: CivilTime?
    /// `OffsetTimeOriginal` in seconds east of UTC, if present and well-formed.
    public var exifOffsetSeconds: Int?
    /// EXIF Orientation (1–8; 1 when absent or malformed).
    public var orientation: Int = 1
    /// The upright 32×32 grey thumbnail, for the near-duplicate check.
    public var thumbnail: PhotoThumbnail?
    /// libjpeg's first warning when it decoded past damaged data (and how many there were).
    public var damage: String?
}

public struct PhotoError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// JPEG photos: decode check through libjpeg-turbo, EXIF through libexif.
public enum PhotoFile {
    public static let maxBytes: Int64 = 32 << 20
    public static let maxPixels = Int(MSR_JPEG_MAX_PIXELS)

    /// Decodes the whole image (scaled down by up to 1/8: every entropy-coded byte is still read,
    /// so truncation and corruption are caught), thumbnails it upright, and reads the EXIF
    /// capture time. Damage libjpeg reads past (stray bytes, a premature end) is reported in
    /// `damage`, not thrown: the picture is still evidence, and still matched by its pixels.
    public static func inspect(_ bytes: [UInt8]) throws(PhotoError) -> PhotoInfo {
        var grey: UnsafeMutablePointer<UInt8>?
        let result = bytes.withUnsafeBufferPointer { msr_jpeg_decode_grey($0.baseAddress, $0.count, 0, &grey) }
        defer { free(grey) }
        guard result.ok == 1 else {
            let message = withUnsafeBytes(of: result.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if message.contains("over the limit") { throw PhotoError(message: message) }
            throw PhotoError(message: "not a readable JPEG: " + (message.isEmpty ? "decode failed" : message))
        }
        guard Int(result.width) * Int(result.height) <= maxPixels else {
            throw PhotoError(message: "\(result.width)×\(result.height) pixels, over the limit")
        }
        let (time, offset) = exifTime(bytes)
        var info = PhotoInfo(width: Int(result.width), height: Int(result.height), exifDateTime: time, exifOffsetSeconds: offset)
        info.orientation = orientation(bytes)
        if let grey {
            let w = Int(result.out_width), h = Int(result.out_height)
            info.thumbnail = PhotoThumbnail(grey: Array(UnsafeBufferPointer(start: grey, count: w * h)), width: w, height: h,
                                            orientation: info.orientation)
        }
        if result.warnings > 0 {
            let message = withUnsafeBytes(of: result.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            let more = Int(result.warnings) - 1
            info.damage = more > 0 ? "\(message) (and \(more) more warning(s))" : message
        }
        return info
    }

    /// EXIF Orientation, 1 when absent or outside 1–8.
    public static func orientation(_ bytes: [UInt8]) -> Int {
        guard let data = exif_data_new() else { return 1 }
        defer { exif_data_unref(data) }
        exif_data_unset_option(data, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION)
        bytes.withUnsafeBufferPointer { exif_data_load_data(data, $0.baseAddress, UInt32(min($0.count, Int(UInt32.max)))) }
        let v = Int(msr_exif_ifd0_short(data, EXIF_TAG_ORIENTATION))
        return (1...8).contains(v) ? v : 1
    }

    /// DateTimeOriginal and OffsetTimeOriginal, each nil when absent or malformed.
    public static func exifTime(_ bytes: [UInt8]) -> (CivilTime?, Int?) {
        guard let data = exif_data_new() else { return (nil, nil) }
        defer { exif_data_unref(data) }
        // Keep tags libexif does not know, and never let it "fix" what it read.
        exif_data_unset_option(data, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS)
        exif_data_unset_option(data, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION)
        bytes.withUnsafeBufferPointer { exif_data_load_data(data, $0.baseAddress, UInt32(min($0.count, Int(UInt32.max)))) }
        var buf = [CChar](repeating: 0, count: 64)
        var time: CivilTime?
        if msr_exif_ascii(data, EXIF_TAG_DATE_TIME_ORIGINAL, &buf, 64) == 1 {
            time = CivilTime(exif: cText(buf))
        }
        var offset: Int?
        if msr_exif_ascii(data, EXIF_TAG_OFFSET_TIME_ORIGINAL, &buf, 64) == 1 {
            offset = parseUTCOffset(cText(buf))
        }
        return (time, offset)
    }

    /// The capture moment, per the bundle format: with OffsetTimeOriginal when present,
    /// else in the location's time zone, else in UTC.
    public static func captureTime(_ info: PhotoInfo, timezone: String?) -> Timestamp? {
        guard let civil = info.exifDateTime else { return nil }
        if let offset = info.exifOffsetSeconds {
            return Timestamp(utcMillis: civil.millisAsUTC - Int64(offset) * 1000, offsetSeconds: offset)
        }
        if let tz = timezone, let t = Zone.timestamp(of: civil, in: tz) { return t }
        return Timestamp(utcMillis: civil.millisAsUTC, offsetSeconds: 0)
    }

    /// A terminal preview of a photo: `columns`×`rows` block symbols chosen by libchafa from the
    /// decoded image (grey, so it reads on any terminal, with or without colour).
    public static func preview(_ bytes: [UInt8], columns: Int, rows: Int) throws(PhotoError) -> [String] {
        guard columns > 0, rows > 0 else { return [] }
        var grey: UnsafeMutablePointer<UInt8>?
        // Half size is ample for a few dozen cells and keeps large photos cheap.
        let info = bytes.withUnsafeBufferPointer { msr_jpeg_decode_grey($0.baseAddress, $0.count, 2, &grey) }
        defer { free(grey) }
        guard info.ok == 1, let grey else { throw PhotoError(message: "not a readable JPEG") }
        let w = Int(info.out_width), h = Int(info.out_height)
        var rgba = [UInt8](repeating: 255, count: w * h * 4)
        for i in 0..<(w * h) { rgba[i * 4] = grey[i]; rgba[i * 4 + 1] = grey[i]; rgba[i * 4 + 2] = grey[i] }
        var out = [UInt32](repeating: 32, count: columns * rows)
        let ok = rgba.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { msr_chafa_symbols(px.baseAddress, Int32(w), Int32(h), Int32(columns), Int32(rows), $0.baseAddress) }
        }
        guard ok == 1 else { throw PhotoError(message: "libchafa could not render the photo") }
        return (0..<rows).map { r in
            String(String.UnicodeScalarView((0..<columns).map { Unicode.Scalar(out[r * columns + $0]) ?? " " }))
        }
    }

    /// Encodes an RGB image as JPEG, with an EXIF block carrying DateTimeOriginal
    /// (and OffsetTimeOriginal when given). Used by the sample generator and tests.
    public static func encode(rgb: [UInt8], width: Int, height: Int, quality: Int = 75,
                              exifTime: CivilTime?, exifOffset: String?) throws(PhotoError) -> [UInt8] {
        var app1: [UInt8] = []
        if let exifTime {
            guard let data = exif_data_new() else { throw PhotoError(message: "libexif: out of memory") }
            defer { exif_data_unref(data) }
            exif_data_set_byte_order(data, EXIF_BYTE_ORDER_INTEL)
            let text = exifTime.dateString.prefix(4) + ":" + two(exifTime.month) + ":" + two(exifTime.day) + " "
                + exifTime.timeString
            _ = msr_exif_set_ascii(data, EXIF_TAG_DATE_TIME_ORIGINAL, text)
            if let exifOffset { _ = msr_exif_set_ascii(data, EXIF_TAG_OFFSET_TIME_ORIGINAL, exifOffset) }
            var out: UnsafeMutablePointer<UInt8>?
            var size: UInt32 = 0
            exif_data_save_data(data, &out, &size)
            if let out {
                app1 = Array(UnsafeBufferPointer(start: out, count: Int(size)))
                free(out)
            }
        }
        var out: UnsafeMutablePointer<UInt8>?
        var outSize: UInt = 0
        var message = [CChar](repeating: 0, count: 200)
        let ok = rgb.withUnsafeBufferPointer { px in
            app1.withUnsafeBufferPointer { a in
                msr_jpeg_encode_rgb(px.baseAddress, Int32(width), Int32(height), Int32(quality),
                                    a.count > 0 ? a.baseAddress : nil, UInt32(a.count), &out, &outSize, &message, 200)
            }
        }
        guard ok == 1, let out else { throw PhotoError(message: "JPEG encode failed: " + cText(message)) }
        defer { free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(outSize)))
    }
}

private func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

/// The text before the first NUL of a C character buffer.
func cText(_ buf: [CChar]) -> String {
    String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
