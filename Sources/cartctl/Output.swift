#if canImport(Glibc)
import Glibc
#endif

/// Reads the process environment.
enum ProcessInfoEnvironment {
    /// The value of an environment variable, if set and not empty.
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}

/// Flushes standard output (so that `watch` output reaches a pipe as each event arrives).
func flushOutput() {
    fflush(nil)
}
