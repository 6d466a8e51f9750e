import CCrypto

/// Streaming SHA-256 through OpenSSL's libcrypto (SHA-NI where the CPU has it).
public final class SHA256Hasher {
    private let ctx: OpaquePointer

    public init() {
        ctx = EVP_MD_CTX_new()
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(ctx) }

    public func update(_ buffer: UnsafeRawBufferPointer) {
        if let base = buffer.baseAddress, buffer.count > 0 { EVP_DigestUpdate(ctx, base, buffer.count) }
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// Finishes and returns the digest as lowercase hex. The hasher may not be used afterwards.
    public func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &digest, &len)
        return hexString(digest)
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let h = SHA256Hasher()
        h.update(bytes)
        return h.finalizeHex()
    }
}

private let hexDigits = Array("0123456789abcdef".utf8)

/// Lowercase hex, two digits a byte.
public func hexString(_ bytes: [UInt8]) -> String {
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(hexDigits[Int(b >> 4)])
        out.append(hexDigits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}
