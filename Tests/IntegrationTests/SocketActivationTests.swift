import CartClient
import CartTesting
import Foundation
import Testing
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// systemd socket activation, done the way systemd does it: a listening socket as fd 3,
/// `LISTEN_FDS=1` and `LISTEN_PID` set to the daemon's own pid (by a shell that then execs it).
@Suite("cartd under systemd socket activation", .serialized)
struct SocketActivationTests {
    /// `sh -c` sets `LISTEN_PID` to its own pid, which `exec` hands on to cartd.
    static let execWithListenPID = #"LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@""#

    @Test("serves Health and carts on the socket passed as fd 3, creates no socket, leaves the passed one alone")
    func activated() async throws {
        let daemon = try TestDaemon()   // directory, secret and tokens; cartd is spawned here
        defer { daemon.removeDirectory() }
        let listener = try listeningSocket(path: daemon.socketPath)
        defer { close(listener) }
        let notCreated = daemon.directory + "/not-created.sock"
        let child = try ChildProcess.spawn(
            "/bin/sh",
            arguments: ["-c", Self.execWithListenPID, TestDaemon.binaryPath, "--socket", notCreated,
                        "--database", daemon.databasePath, "--jwt-secret-file", daemon.secretPath],
            environment: ["PATH": "/usr/bin:/bin", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "cartd.socket"],
            descriptors: [3: listener], outputPath: daemon.logPath)
        try await waitForLog(daemon, child, "listening")
        #expect(daemon.logContents().contains("socket activation"))

        let client = try await daemon.client(user: "alice")
        #expect(try await client.health() == .serving)
        let cart = try await client.getCart()
        #expect(cart.userID == "alice")
        #expect(try await client.getCart() == cart)
        await client.close()
        #expect(!FileManager.default.fileExists(atPath: notCreated))

        #expect(try await child.stop() == 0)
        #expect(isSocketFile(daemon.socketPath), "cartd removed a socket file it did not create")
    }

    @Test("LISTEN_PID of another process is ignored: cartd creates its own socket from --socket")
    func otherPID() async throws {
        let daemon = try TestDaemon()
        defer { daemon.removeDirectory() }
        let passedPath = daemon.directory + "/systemd.sock"
        let listener = try listeningSocket(path: passedPath)
        defer { close(listener) }
        let child = try ChildProcess.spawn(
            TestDaemon.binaryPath,
            arguments: ["--socket", daemon.socketPath, "--database", daemon.databasePath,
                        "--jwt-secret-file", daemon.secretPath],
            environment: ["PATH": "/usr/bin:/bin", "LISTEN_FDS": "1", "LISTEN_PID": "\(getpid())"],
            descriptors: [3: listener], outputPath: daemon.logPath)
        try await waitForLog(daemon, child, "listening")
        #expect(UnixSocketFile.isLive(daemon.socketPath))
        #expect(daemon.logContents().contains("LISTEN_PID is another process"))
        let client = try await daemon.client(user: "bob")
        #expect(try await client.health() == .serving)
        #expect(try await client.getCart().userID == "bob")
        await client.close()
        #expect(try await child.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath), "its own socket is removed on exit")
        #expect(isSocketFile(passedPath))
    }

    @Test("fd 3 that is not a listening Unix stream socket stops start-up with status 2, saying why",
          arguments: ["not a socket", "not a Unix-domain socket", "not a stream socket", "not listening"])
    func badDescriptor(_ problem: String) async throws {
        let daemon = try TestDaemon()
        defer { daemon.removeDirectory() }
        let descriptor: CInt, cloexec = Int32(SOCK_CLOEXEC.rawValue)
        switch problem {
        case "not a socket": descriptor = open(daemon.secretPath, O_RDONLY | O_CLOEXEC)
        case "not a Unix-domain socket": descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | cloexec, 0)
        case "not a stream socket": descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | cloexec, 0)
        default: descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | cloexec, 0)
        }
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        let child = try ChildProcess.spawn(
            "/bin/sh",
            arguments: ["-c", Self.execWithListenPID, TestDaemon.binaryPath, "--socket", daemon.socketPath,
                        "--database", daemon.databasePath, "--jwt-secret-file", daemon.secretPath],
            environment: ["PATH": "/usr/bin:/bin", "LISTEN_FDS": "1"],
            descriptors: [3: descriptor], outputPath: daemon.logPath)
        #expect(try await child.wait(timeout: .seconds(60)) == 2)
        #expect(daemon.logContents().contains("fd 3 from systemd is \(problem)"), "\(daemon.logContents())")
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
    }

    /// Waits until the daemon's log contains `text`, failing if the daemon exits first.
    private func waitForLog(_ daemon: TestDaemon, _ child: ChildProcess, _ text: String) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while !daemon.logContents().contains(text) {
            guard child.isRunning else {
                throw TestDaemonError(description: "cartd exited with \(child.status ?? -1): \(daemon.logContents())")
            }
            guard clock.now < deadline else {
                _ = try? await child.stop(signal: SIGKILL)
                throw TestDaemonError(description: "cartd did not log \(text): \(daemon.logContents())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A listening Unix-domain stream socket bound to `path` (close-on-exec), as systemd makes for a `.socket` unit.
func listeningSocket(path: String) throws -> CInt {
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw TestDaemonError(description: "socket: \(String(cString: strerror(errno)))") }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
        close(descriptor)
        throw TestDaemonError(description: "socket path too long: \(path)")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0, listen(descriptor, 16) == 0 else {
        let reason = String(cString: strerror(errno))
        close(descriptor)
        throw TestDaemonError(description: "bind/listen \(path): \(reason)")
    }
    return descriptor
}

/// Whether `path` exists and is a socket.
func isSocketFile(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK
}
