import CartAuth
import CartClient
import Foundation
import NIOConcurrencyHelpers
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// Why a test daemon could not be started.
public struct TestDaemonError: Error, CustomStringConvertible {
    /// What went wrong, with the daemon's log when there is one.
    public let description: String

    /// Creates an error.
    public init(description: String) { self.description = description }
}

/// The real `cartd` binary, started as a child process on a private temporary directory
/// (socket, database and log inside it), for socket-level tests.
///
/// Thread-safe. Stop it with ``stop(signal:)``; ``withTestDaemon(arguments:_:)`` does that for you.
public final class TestDaemon: Sendable {
    /// The private directory (mode 0700) holding socket, database and log.
    public let directory: String
    /// The daemon's socket.
    public let socketPath: String
    /// The SQLite database file the daemon is given.
    public let databasePath: String
    /// Where the daemon's standard error goes.
    public let logPath: String
    /// The HS256 secret file the daemon verifies tokens with (created with mode 0600).
    public let secretPath: String
    /// The arguments the daemon runs with (besides the socket and database).
    public let arguments: [String]
    private let process = NIOLockedValueBox<Process?>(nil)

    /// Creates a daemon description with a fresh temporary directory; ``start()`` runs it.
    /// - Parameters:
    ///   - arguments: Extra `cartd` arguments.
    ///   - directory: Reuse this directory (for restarts on the same database); a new one when `nil`.
    public init(arguments: [String] = [], directory: String? = nil) throws {
        self.directory = try directory ?? Self.makeTemporaryDirectory()
        self.socketPath = self.directory + "/cartd.sock"
        self.databasePath = self.directory + "/cart.db"
        self.logPath = self.directory + "/cartd.log"
        self.secretPath = self.directory + "/jwt.secret"
        self.arguments = arguments
        if !FileManager.default.fileExists(atPath: secretPath) {
            let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            _ = FileManager.default.createFile(atPath: secretPath, contents: Data(secret.utf8),
                                           attributes: [.posixPermissions: 0o600])
        }
    }

    /// The daemon's token secret.
    public var signingKey: SigningKey {
        get throws { SigningKey(id: nil, secret: try SigningKey.secret(fromFile: secretPath)) }
    }

    /// Mints a token the daemon accepts.
    /// - Parameters:
    ///   - user: The `sub`.
    ///   - admin: Adds role `admin`.
    ///   - guest: A guest session.
    ///   - lifetime: Seconds until it expires.
    public func token(user: String, admin: Bool = false, guest: Bool = false,
                      lifetime: TimeInterval = 3600) async throws -> String {
        try await TokenMinter(key: signingKey).mint(subject: user, lifetime: lifetime, roles: admin ? ["admin"] : [],
                                                    guest: guest)
    }

    /// A client acting as `user`.
    public func client(user: String, admin: Bool = false, guest: Bool = false) async throws -> CartClient {
        CartClient(socketPath: socketPath, token: try await token(user: user, admin: admin, guest: guest))
    }

    /// The path of the `cartd` binary: `$CARTD_BINARY`, or the one built next to the test bundle.
    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["CARTD_BINARY"], !path.isEmpty { return path }
        return executableDirectory() + "/cartd"
    }

    /// The path of a sibling executable built with the tests (e.g. `cartctl`).
    public static func siblingBinary(_ name: String) -> String { executableDirectory() + "/" + name }

    /// Starts the daemon and waits until it answers on its socket.
    /// - Parameter timeout: How long to wait for it to listen.
    /// - Throws: ``TestDaemonError`` with the daemon's log when it exits or does not listen in time.
    public func start(timeout: Duration = .seconds(60)) async throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: Self.binaryPath)
        child.arguments = ["--socket", socketPath, "--database", databasePath, "--jwt-secret-file", secretPath,
                           "--enable-test-service"] + arguments
        child.standardError = log
        child.standardOutput = log
        try child.run()
        process.withLockedValue { $0 = child }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if !child.isRunning {
                throw TestDaemonError(description: "cartd exited with status \(child.terminationStatus) before listening:\n\(logContents())")
            }
            if UnixSocketFile.isLive(socketPath) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        _ = try? await stop(signal: SIGKILL)
        throw TestDaemonError(description: "cartd did not listen on \(socketPath) within \(timeout):\n\(logContents())")
    }

    /// The daemon's process id, while it runs.
    public var pid: Int32? { process.withLockedValue { $0?.isRunning == true ? $0?.processIdentifier : nil } }

    /// Sends `signal` (SIGTERM by default) and waits for the daemon to exit.
    /// - Returns: The exit status (or the signal number for an uncaught signal).
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        guard let child = process.withLockedValue({ $0 }) else { return 0 }
        if child.isRunning { kill(child.processIdentifier, signal) }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while child.isRunning {
            if clock.now >= deadline {
                kill(child.processIdentifier, SIGKILL)
                throw TestDaemonError(description: "cartd did not exit within \(timeout) of signal \(signal)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        process.withLockedValue { $0 = nil }
        return child.terminationStatus
    }

    /// Everything the daemon logged so far.
    public func logContents() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Waits until the daemon logs that it listens: the socket's mode and group are final by then.
    /// (``start()`` returns as soon as the socket accepts connections, which is a moment earlier:
    /// the mode and group are applied right after bind.)
    /// - Parameter timeout: How long to wait.
    /// - Throws: ``TestDaemonError`` when the line does not appear in time.
    public func waitUntilLoggedListening(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !logContents().contains("msg=listening") {
            guard ContinuousClock.now < deadline else {
                throw TestDaemonError(description: "cartd never logged msg=listening:\n\(logContents())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// A client of this daemon.
    /// - Parameter token: A JWT for the calls, or `nil`.
    public func client(token: String? = nil) -> CartClient {
        CartClient(socketPath: socketPath, token: token)
    }

    /// A raw ttrpc connection to this daemon.
    public func connect() async throws -> TTRPCClientConnection {
        try await TTRPCClientConnection.connect(unixSocketPath: socketPath)
    }

    /// Removes the temporary directory (after ``stop(signal:)``), unless `CARTSYNC_KEEP_TEST_DIRS` is set.
    public func removeDirectory() {
        guard ProcessInfo.processInfo.environment["CARTSYNC_KEEP_TEST_DIRS"] == nil else { return }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A new private temporary directory (mode 0700).
    public static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/cartsync-test-XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestDaemonError(description: "mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: result)
    }

    private static func executableDirectory() -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }
}

/// Starts the real `cartd` on a private temporary socket and database, runs `body`, then stops
/// the daemon (SIGTERM) and removes the directory.
/// - Parameters:
///   - arguments: Extra `cartd` arguments.
///   - body: The test, given the running daemon.
/// - Returns: What `body` returns.
public func withTestDaemon<R>(arguments: [String] = [], _ body: (TestDaemon) async throws -> R) async throws -> R {
    let daemon = try TestDaemon(arguments: arguments)
    try await daemon.start()
    do {
        let result = try await body(daemon)
        try await daemon.stop()
        daemon.removeDirectory()
        return result
    } catch {
        _ = try? await daemon.stop(signal: SIGKILL)
        daemon.removeDirectory()
        throw error
    }
}
