import CCurl
import Foundation
import MSRCore

/// Where alerts go out: an SMTP server (`smtp://host:port`, or `smtps://` for TLS from the
/// start; `startTLS` upgrades a plain connection and requires it), with a login when given.
public struct SMTPServer: Equatable, Sendable {
    public var url: String
    public var from: String
    public var user: String?
    public var password: String?
    public var startTLS = false
    /// Certificates to trust beside the system's (a company CA, a test server's own).
    public var caFile: String?
    public var timeoutSeconds = 30

    public init(url: String, from: String) { (self.url, self.from) = (url, from) }
}

/// An SMS gateway reached over HTTP: the URL, the method, and the body template, where `{to}`
/// and `{text}` are replaced (JSON-escaped in a JSON body, percent-encoded in a form or a URL).
public struct SMSGateway: Equatable, Sendable {
    public var url: String
    public var method = "POST"
    public var body = "{\"to\": \"{to}\", \"text\": \"{text}\"}"
    public var contentType = "application/json"
    public var timeoutSeconds = 30

    public init(url: String) { self.url = url }

    /// The request for one message: its URL and body.
    public func request(to: String, text: String) -> (url: String, body: String?) {
        func percent(_ s: String) -> String {
            s.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
        }
        func json(_ s: String) -> String { let q = JSON.string(s).serialized(); return String(q.dropFirst().dropLast()) }
        let u = url.replacingOccurrences(of: "{to}", with: percent(to)).replacingOccurrences(of: "{text}", with: percent(text))
        guard method != "GET" else { return (u, nil) }
        let escape = contentType.contains("json") ? json : percent
        return (u, body.replacingOccurrences(of: "{to}", with: escape(to)).replacingOccurrences(of: "{text}", with: escape(text)))
    }
}

/// Why a message did not go: libcurl's words, and whether the server refused it for good (a
/// 5xx answer) or it may be tried again.
public struct DeliveryError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var permanent: Bool
    public var description: String { message }
    public init(message: String, permanent: Bool) { (self.message, self.permanent) = (message, permanent) }
}

/// Sending through libcurl (its SMTP and HTTP clients; nothing of either protocol is written
/// here). One easy handle per message: libcurl handles are not for two threads at once.
public enum Delivery {
    private static let initialised: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    /// The bytes libcurl uploads, read through its callback.
    final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    /// Sends one SMS through the gateway: a 2xx answer is delivered; 4xx (but 408 and 429) is
    /// refused for good; anything else may be tried again.
    public static func send(sms text: String, to number: String, via gateway: SMSGateway) throws(DeliveryError) {
        guard initialised, let curl = curl_easy_init() else { throw DeliveryError(message: "libcurl could not start", permanent: false) }
        defer { curl_easy_cleanup(curl) }
        let (url, body) = gateway.request(to: number, text: text)
        let headers: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Content-Type: \(gateway.contentType)")
        defer { curl_slist_free_all(headers) }
        _ = msr_curl_setopt_string(curl, CURLOPT_URL, url)
        _ = msr_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, gateway.method)
        if let body { _ = msr_curl_setopt_string(curl, CURLOPT_COPYPOSTFIELDS, body) }
        _ = msr_curl_setopt_pointer(curl, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headers))
        // The answer is not needed: it is read and dropped.
        _ = msr_curl_setopt_io(curl, CURLOPT_WRITEFUNCTION) { _, size, count, _ in size * count }
        let (code, detail) = perform(curl, timeoutSeconds: gateway.timeoutSeconds)
        var status = 0
        _ = msr_curl_response_code(curl, &status)
        guard code == CURLE_OK else { throw DeliveryError(message: "\(gateway.url): \(detail)", permanent: false) }
        guard (200..<300).contains(status) else {
            throw DeliveryError(message: "\(gateway.url): the gateway answered \(status)", permanent: (400..<500).contains(status) && status != 408 && status != 429)
        }
    }

    /// Runs a prepared transfer with the timeouts every delivery has; libcurl's words when it fails.
    static func perform(_ curl: UnsafeMutableRawPointer, timeoutSeconds: Int) -> (CURLcode, String) {
        _ = msr_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT, 10)
        _ = msr_curl_setopt_long(curl, CURLOPT_TIMEOUT, timeoutSeconds)
        _ = msr_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            _ = msr_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(buffer.baseAddress))
            let code = curl_easy_perform(curl)
            // The buffer lives only in this closure; the handle's cleanup (an SMTP QUIT) may still
            // report into an error buffer, so it is taken back before the closure ends.
            _ = msr_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, nil)
            return code
        }
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (code, detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
    }

    /// `send`, with the reason it failed as a value (nil: delivered).
    public static func trySend(_ message: [UInt8], to recipients: [String], via server: SMTPServer) -> DeliveryError? {
        do { try send(message, to: recipients, via: server) } catch { return error }
        return nil
    }

    public static func trySend(sms text: String, to number: String, via gateway: SMSGateway) -> DeliveryError? {
        do { try send(sms: text, to: number, via: gateway) } catch { return error }
        return nil
    }

    /// Sends one RFC 5322 message to `recipients`. Returns when the server has accepted it.
    public static func send(_ message: [UInt8], to recipients: [String], via server: SMTPServer) throws(DeliveryError) {
        guard initialised, let curl = curl_easy_init() else { throw DeliveryError(message: "libcurl could not start", permanent: false) }
        defer { curl_easy_cleanup(curl) }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for r in recipients { list = curl_slist_append(list, "<\(r)>") }
        defer { curl_slist_free_all(list) }
        let upload = Upload(message)
        let context = Unmanaged.passRetained(upload)
        defer { context.release() }
        _ = msr_curl_setopt_string(curl, CURLOPT_URL, server.url)
        _ = msr_curl_setopt_string(curl, CURLOPT_MAIL_FROM, "<\(server.from)>")
        _ = msr_curl_setopt_pointer(curl, CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(list))
        _ = msr_curl_setopt_long(curl, CURLOPT_UPLOAD, 1)
        _ = msr_curl_setopt_long(curl, CURLOPT_INFILESIZE_LARGE, Int(message.count))
        _ = msr_curl_setopt_io(curl, CURLOPT_READFUNCTION) { out, size, count, raw in
            guard let out, let raw else { return 0 }
            let u = Unmanaged<Upload>.fromOpaque(raw).takeUnretainedValue()
            let n = min(size * count, u.bytes.count - u.offset)
            u.bytes.withUnsafeBufferPointer { src in
                if n > 0 { UnsafeMutableRawPointer(out).copyMemory(from: src.baseAddress! + u.offset, byteCount: n) }
            }
            u.offset += n
            return n
        }
        _ = msr_curl_setopt_pointer(curl, CURLOPT_READDATA, context.toOpaque())
        if server.startTLS { _ = msr_curl_setopt_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let ca = server.caFile { _ = msr_curl_setopt_string(curl, CURLOPT_CAINFO, ca) }
        if let user = server.user { _ = msr_curl_setopt_string(curl, CURLOPT_USERNAME, user) }
        if let password = server.password { _ = msr_curl_setopt_string(curl, CURLOPT_PASSWORD, password) }
        let (code, detail) = perform(curl, timeoutSeconds: server.timeoutSeconds)
        guard code == CURLE_OK else {
            var status = 0
            _ = msr_curl_response_code(curl, &status)
            throw DeliveryError(message: "\(server.url): \(detail)" + (status > 0 ? " (server said \(status))" : ""), permanent: status >= 500)
        }
    }
}
