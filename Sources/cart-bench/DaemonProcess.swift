import CUDSFloor
import Foundation
import NIOCore
import NIOPosix
import TTRPC
import CartProto

#if canImport(Glibc)
import Glibc
#endif

/// The cartd under test: started by the bench (the release binary next to cart-bench, on a private
/// temporary directory) or an existing one reached through `--socket`.
///
/// Not thread-safe: used from the bench's main task only.
final class DaemonUnderTest {
    /// The socket calls go to.
    let socketPath: String
    /// The daemon's pid, when known (always for a daemon the bench started).
    private(set) var pid: Int32?
    /// The HS256 secret file tokens are minted with.
    let secretPath: String
    /// The database (bench-started daemons only).
    let databasePath: String?
    /// The private directory (bench-started daemons only), removed by ``cleanUp()``.
    let directory: String?
    private var process: Process?
    private let binary: String?
    private let extraArguments: [String]

    /// Describes a daemon the bench starts itself in a new temporary directory.
    init(binary: String, directory: String? = nil, extraArguments: [String]) throws {
        let directory = try directory ?? Self.makeTemporaryDirectory()
        self.directory = directory
        self.binary = binary
        self.socketPath = directory + "/cartd.sock"
        self.databasePath = directory + "/cart.db"
        self.secretPath = directory + "/jwt.secret"
        self.extraArguments = extraArguments
        if !FileManager.default.fileExists(atPath: secretPath) {
            let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            _ = FileManager.default.createFile(atPath: secretPath, contents: Data(secret.utf8),
                                               attributes: [.posixPermissions: 0o600])
        }
    }

    /// Describes a daemon that is already running.
    init(existingSocket: String, secretPath: String, pid: Int32?) {
        self.socketPath = existingSocket
        self.secretPath = secretPath
        self.pid = pid
        self.directory = nil
        self.databasePath = nil
        self.binary = nil
        self.extraArguments = []
    }

    /// Whether the bench owns the process (so may restart it and read its database).
    var isOwned: Bool { binary != nil }

    /// Starts the daemon and waits for its first answered Health call.
    /// - Returns: Nanoseconds from spawning the process to that first answer (cold start).
    @discardableResult
    func start(group: any EventLoopGroup, timeout: TimeAmount = .seconds(120)) async throws -> UInt64 {
        guard let binary, let directory, let databasePath else { throw BenchError("cannot start a daemon given by --socket") }
        let logPath = directory + "/cartd.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: binary)
        child.arguments = ["--socket", socketPath, "--database", databasePath, "--jwt-secret-file", secretPath]
            + extraArguments
        child.standardError = log
        child.standardOutput = log
        let spawned = cuds_now_ns()
        try child.run()
        process = child
        pid = child.processIdentifier
        let deadline = spawned + UInt64(timeout.nanoseconds)
        while cuds_now_ns() < deadline {
            guard child.isRunning else {
                throw BenchError("cartd exited with status \(child.terminationStatus):\n\(logContents())")
            }
            if access(socketPath, F_OK) == 0,
               let connection = try? await TTRPCClientConnection.connect(unixSocketPath: socketPath, group: group,
                                                                          connectTimeout: .seconds(1)) {
                let answered = try? await connection.unaryCall(
                    service: "grpc.health.v1.Health", method: "Check",
                    payload: connection.channel.allocator.buffer(protoMessage: HealthCheckRequest())).get()
                let at = cuds_now_ns()
                await connection.close()
                if answered != nil { return at - spawned }
            }
            try await Task.sleep(nanoseconds: 500_000)
        }
        throw BenchError("cartd did not answer Health within \(timeout):\n\(logContents())")
    }

    /// Sends SIGTERM and waits for the daemon to exit.
    func stop() async {
        guard let child = process else { return }
        if child.isRunning { kill(child.processIdentifier, SIGTERM) }
        let deadline = cuds_now_ns() + 30_000_000_000
        while child.isRunning {
            if cuds_now_ns() > deadline { kill(child.processIdentifier, SIGKILL) }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        process = nil
        pid = nil
    }

    /// Removes the temporary directory (owned daemons only) unless CART_BENCH_KEEP is set.
    func cleanUp() {
        guard let directory, ProcessInfo.processInfo.environment["CART_BENCH_KEEP"] == nil else { return }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The daemon's log (owned daemons only).
    func logContents() -> String {
        guard let directory else { return "" }
        return (try? String(contentsOfFile: directory + "/cartd.log", encoding: .utf8)) ?? ""
    }

    /// A snapshot of the daemon's CPU time and memory, or `nil` when the pid is unknown.
    func stats() -> ProcessStats? { pid.flatMap(ProcessStats.read(pid:)) }

    /// Resets the daemon's peak RSS (VmHWM) to its current RSS, so a workload's peak is its own.
    func resetPeakRSS() {
        guard let pid else { return }
        _ = try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
    }

    static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/cart-bench-XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: result)
    }
}

/// CPU time and memory of one process, read from /proc.
struct ProcessStats: Sendable {
    /// utime + stime, nanoseconds.
    var cpuNanoseconds: UInt64
    /// VmRSS, bytes.
    var rssBytes: UInt64
    /// VmHWM (peak RSS), bytes.
    var peakRSSBytes: UInt64

    static func read(pid: Int32) -> ProcessStats? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = UInt64(fields[11]), let stime = UInt64(fields[12]) else { return nil }
        let ticks = UInt64(sysconf(Int32(_SC_CLK_TCK)))
        func kilobytes(_ key: String) -> UInt64 {
            for line in status.split(separator: "\n") where line.hasPrefix(key) {
                return UInt64(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
            }
            return 0
        }
        return ProcessStats(cpuNanoseconds: (utime + stime) * 1_000_000_000 / ticks,
                            rssBytes: kilobytes("VmRSS:") * 1024, peakRSSBytes: kilobytes("VmHWM:") * 1024)
    }

    /// This process's CPU time (all threads), nanoseconds.
    static func selfCPUNanoseconds() -> UInt64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func ns(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_usec) * 1000 }
        return ns(usage.ru_utime) + ns(usage.ru_stime)
    }
}

/// A failure of the bench itself.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Bytes in a MiB, as a Double.
let mebibyte = 1024.0 * 1024.0
