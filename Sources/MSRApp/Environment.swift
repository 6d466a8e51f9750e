import Glibc

/// Where things are, from flags and the environment, as the brief fixes them.
public enum StoreLocation {
    /// `--db PATH`, else `$MSREVIEW_DB`, else `$XDG_DATA_HOME/msreview/msreview.sqlite`
    /// (with XDG's default `~/.local/share` when unset).
    public static func resolve(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let db = environment["MSREVIEW_DB"], !db.isEmpty { return db }
        let data: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            data = xdg
        } else {
            data = (environment["HOME"] ?? "/tmp") + "/.local/share"
        }
        return data + "/msreview/msreview.sqlite"
    }
}

/// The process environment as a dictionary.
public func processEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    var p = environ
    while let entry = p.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
        p += 1
    }
    return env
}
