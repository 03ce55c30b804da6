// Helpers of the crash-safety and security tests: the database read from outside cartd, HMACs from a
// long-lived Python process and hand-made JWTs.

import CartTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs SQL against a cartd database file with Python's `sqlite3` module (no Swift code of the store involved).
enum DatabaseProbe {
    /// Runs each named query in one connection and returns its rows as dictionaries (column name → value).
    /// - Parameters:
    ///   - path: The database file (its WAL is read too; open it after cartd stopped, or read-only while it runs).
    ///   - queries: Name → SQL.
    static func query(_ path: String, _ queries: [String: String]) throws -> [String: [[String: Any]]] {
        let script = """
            import json, sqlite3, sys
            connection = sqlite3.connect(sys.argv[1], timeout=10)
            connection.row_factory = sqlite3.Row
            queries = json.loads(sys.argv[2])
            print(json.dumps({name: [dict(row) for row in connection.execute(sql)] for name, sql in queries.items()}))
            """
        let sql = String(decoding: try JSONSerialization.data(withJSONObject: queries), as: UTF8.self)
        let (status, output, errors) = try runCapturing("/usr/bin/env", ["python3", "-c", script, path, sql])
        guard status == 0 else { throw TestDaemonError(description: "sqlite3 query failed: \(errors)") }
        guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [[String: Any]]] else {
            throw TestDaemonError(description: "sqlite3 query printed \(output)")
        }
        return object
    }

    /// `PRAGMA integrity_check`'s answer ("ok" for a sound file).
    static func integrityCheck(_ path: String) throws -> String {
        let rows = try query(path, ["check": "PRAGMA integrity_check"])["check"] ?? []
        return rows.compactMap { $0.values.first as? String }.joined(separator: "; ")
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)`: copies the WAL into the database file and truncates it to 0 bytes.
    /// - Returns: Whether the checkpoint completed (not blocked by a reader or the writer).
    static func truncateWAL(_ path: String) throws -> Bool {
        let rows = try query(path, ["checkpoint": "PRAGMA wal_checkpoint(TRUNCATE)"])["checkpoint"] ?? []
        return (rows.first?["busy"] as? Int) == 0
    }
}

/// Runs a program to completion and captures its standard output and error separately (both small: the
/// error text is read after the output).
func runCapturing(_ path: String, _ arguments: [String]) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}

/// Razorpay checkout signatures (hex HMAC-SHA256 of "order|payment" with the simulated key secret) from one
/// long-lived Python process, for tests that confirm hundreds of payments. Independent of the Swift code under test.
///
/// Thread-safe (a lock around each request/answer pair).
final class PythonSigner: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var buffer = Data()

    /// Starts the Python process.
    init(secret: String = SimulatedSecrets.keySecret) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-c", """
            import hashlib, hmac, sys
            key = sys.argv[1].encode()
            for line in sys.stdin:
                print(hmac.new(key, line.rstrip("\\n").encode(), hashlib.sha256).hexdigest(), flush=True)
            """, secret]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The signature of a payment.
    func sign(orderID: String, gatewayPaymentID: String) throws -> String {
        try lock.withLock {
            try input.fileHandleForWriting.write(contentsOf: Data("\(orderID)|\(gatewayPaymentID)\n".utf8))
            while true {
                if let newline = buffer.firstIndex(of: 0x0a) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer = Data(buffer[buffer.index(after: newline)...])
                    return line
                }
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw TestDaemonError(description: "the python signer exited") }
                buffer.append(chunk)
            }
        }
    }
}

/// A compact JWT assembled and signed by Python (`hmac` with `digest`): for tokens cartd must refuse that
/// TokenMinter will not produce (another alg, unknown kid, a header cartd does not expect).
/// - Parameters:
///   - header: The header object.
///   - claims: The claims object.
///   - secret: The HMAC key.
///   - digest: Python's hashlib name: "sha256", "sha512".
func pythonJWT(header: [String: Any], claims: [String: Any], secret: [UInt8], digest: String = "sha256") throws -> String {
    let script = """
        import base64, hashlib, hmac, sys
        def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        signing_input = b64(sys.argv[1].encode()) + "." + b64(sys.argv[2].encode())
        key = bytes.fromhex(sys.argv[3])
        print(signing_input + "." + b64(hmac.new(key, signing_input.encode(), getattr(hashlib, sys.argv[4])).digest()))
        """
    let headerJSON = String(decoding: try JSONSerialization.data(withJSONObject: header, options: .sortedKeys), as: UTF8.self)
    let claimsJSON = String(decoding: try JSONSerialization.data(withJSONObject: claims, options: .sortedKeys), as: UTF8.self)
    let hex = secret.map { String(format: "%02x", $0) }.joined()
    let (status, output, errors) = try runCapturing("/usr/bin/env", ["python3", "-c", script, headerJSON, claimsJSON,
                                                                     hex, digest])
    guard status == 0 else { throw TestDaemonError(description: "python3 jwt failed: \(errors)") }
    return output.trimmingCharacters(in: .whitespacesAndNewlines)
}

