import CartClient
import CartProto
import CartTesting
import Foundation
import NIOCore
import Testing
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

@Suite("cartd over its socket: foundation", .serialized)
struct DaemonFoundationTests {
    @Test("Health/Check answers SERVING through CartClient; cartctl health exits 0")
    func health() async throws {
        try await withTestDaemon { daemon in
            let client = daemon.client()
            #expect(try await client.health() == .serving)
            #expect(try await client.health(service: "grpc.health.v1.Health") == .serving)
            let unknown = await expectRPCError(.notFound, "an unknown service") {
                try await client.health(service: "no.such.Service")
            }
            #expect(unknown?.message == "unknown service no.such.Service")
            await client.close()
            // A request that does not decode is INVALID_ARGUMENT, and the connection goes on serving.
            let connection = try await daemon.connect()
            await expectRPCError(.invalidArgument, "an undecodable Check request") {
                try await connection.unary(service: "grpc.health.v1.Health", method: "Check",
                                           payload: ByteBuffer(bytes: [0x0a, 0xff]))
            }
            #expect(try await connection.call(service: "grpc.health.v1.Health", method: "Check",
                                              request: HealthCheckRequest(), response: HealthCheckResponse.self).status == .serving)
            await connection.close()
            let (status, output) = try runTool(TestDaemon.siblingBinary("cartctl"),
                                               ["health", "--socket", daemon.socketPath])
            #expect(status == 0)
            #expect(output.contains("SERVING"))
        }
    }

    @Test("cartctl health exits non-zero when no daemon listens")
    func healthDown() throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, output) = try runTool(TestDaemon.siblingBinary("cartctl"),
                                           ["health", "--socket", directory + "/none.sock"])
        #expect(status != 0)
        #expect(output.contains("UNAVAILABLE"))
    }

    @Test("unknown service and method are UNIMPLEMENTED")
    func unimplemented() async throws {
        try await withTestDaemon { daemon in
            let connection = try await daemon.connect()
            for (service, method) in [("cart.v9.Nothing", "Get"), ("grpc.health.v1.Health", "Nope")] {
                do {
                    _ = try await connection.unary(service: service, method: method, payload: ByteBuffer())
                    Issue.record("\(service)/\(method) answered")
                } catch let error as RPCError {
                    #expect(error.code == .unimplemented)
                }
            }
            await connection.close()
        }
    }

    @Test("the server enforces deadlines: a slow call and a spent deadline get DEADLINE_EXCEEDED")
    func deadlines() async throws {
        try await withTestDaemon { daemon in
            let connection = try await daemon.connect()
            var payload = ByteBuffer()
            payload.writeProtoMessage(SleepRequest(durationMs: 2_000))
            // No local deadline: the answer must come from the server's enforcement.
            let slow = RequestEnvelope(service: TestServiceName, method: "Sleep", payload: payload, timeoutNano: 2_000_000)
            let started = ContinuousClock.now
            do {
                _ = try await connection.unaryCall(slow, localDeadline: nil).get()
                Issue.record("slow call finished")
            } catch let error as RPCError {
                #expect(error.code == .deadlineExceeded)
            }
            #expect(ContinuousClock.now - started < .seconds(1))
            let spent = RequestEnvelope(service: "grpc.health.v1.Health", method: "Check", payload: ByteBuffer(),
                                        timeoutNano: -1)
            do {
                _ = try await connection.unaryCall(spent, localDeadline: nil).get()
                Issue.record("spent deadline answered")
            } catch let error as RPCError {
                #expect(error.code == .deadlineExceeded)
            }
            // The connection still serves.
            #expect(try await connection.call(service: "grpc.health.v1.Health", method: "Check",
                                              request: HealthCheckRequest(), response: HealthCheckResponse.self).status == .serving)
            await connection.close()
        }
    }

    @Test("a 5 MiB request gets RESOURCE_EXHAUSTED and the same connection answers Health afterwards")
    func oversizedRequest() async throws {
        try await withTestDaemon { daemon in
            let socket = try RawSocket(path: daemon.socketPath)
            var big: [UInt8] = [0x00, 0x50, 0x00, 0x00, 0, 0, 0, 1, 1, 0]
            big += [UInt8](repeating: 0x41, count: 5 << 20)
            try socket.send(big)
            let reply = try socket.readFrame()
            #expect(reply.header.streamID == 1)
            let status = try decodeResponse(reply.data).status
            #expect(status?.code == .resourceExhausted)
            #expect(status?.message == "message length 5242880 exceed maximum message size of 4194304")
            try socket.send(healthCheckBytes(streamID: 3))
            let next = try socket.readFrame()
            #expect(next.header.streamID == 3)
            #expect(try servingStatus(next.data) == .serving)
        }
    }

    @Test("a reply that would exceed 4 MiB is answered RESOURCE_EXHAUSTED, never sent")
    func oversizedReply() async throws {
        try await withTestDaemon { daemon in
            let connection = try await daemon.connect()
            do {
                _ = try await connection.call(service: TestServiceName, method: "Echo",
                                              request: EchoRequest(replySize: 5 << 20), response: EchoResponse.self)
                Issue.record("oversized reply sent")
            } catch let error as RPCError {
                #expect(error.code == .resourceExhausted)
            }
            let small = try await connection.call(service: TestServiceName, method: "Echo",
                                                  request: EchoRequest(data: [1, 2, 3]), response: EchoResponse.self)
            #expect(small.data == [1, 2, 3])
            await connection.close()
        }
    }

    @Test("bad frames affect only their stream or connection; other connections keep being served")
    func badInputIsolated() async throws {
        try await withTestDaemon { daemon in
            let healthy = try await daemon.connect()
            // Garbage envelope, even id, reused id: each answered on its stream, connection kept.
            let socket = try RawSocket(path: daemon.socketPath)
            try socket.send([0, 0, 0, 3, 0, 0, 0, 1, 1, 0, 0xff, 0xff, 0xff])
            #expect(try decodeResponse(socket.readFrame().data).status?.code == .invalidArgument)
            try socket.send(healthCheckBytes(streamID: 4))
            let even = try socket.readFrame()
            #expect(even.header.streamID == 4)
            #expect(try decodeResponse(even.data).status?.message == "StreamID must be odd for client initiated streams")
            try socket.send(healthCheckBytes(streamID: 3))
            #expect(try servingStatus(socket.readFrame().data) == .serving)
            try socket.send(healthCheckBytes(streamID: 3))
            #expect(try decodeResponse(socket.readFrame().data).status?.message
                    == "StreamID cannot be re-used and must increment")
            // Unknown frame type: ignored; the next call is answered.
            try socket.send([0, 0, 0, 1, 0, 0, 0, 5, 0x42, 0, 0x00])
            try socket.send(healthCheckBytes(streamID: 5))
            let afterUnknown = try socket.readFrame()
            #expect(afterUnknown.header.streamID == 5)
            #expect(try servingStatus(afterUnknown.data) == .serving)

            // Half a frame, then silence: only that connection waits.
            let staller = try RawSocket(path: daemon.socketPath)
            try staller.send(Array(healthCheckBytes(streamID: 1).prefix(7)))
            // A truncated header then close.
            let truncated = try RawSocket(path: daemon.socketPath)
            try truncated.send([0, 0, 0])
            // Random bytes.
            let noise = try RawSocket(path: daemon.socketPath)
            var generator = SystemRandomNumberGenerator()
            try? noise.send((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) })

            for _ in 0..<20 {
                let status = try await healthy.call(service: "grpc.health.v1.Health", method: "Check",
                                                    request: HealthCheckRequest(), response: HealthCheckResponse.self)
                #expect(status.status == .serving)
            }
            let fresh = daemon.client()
            #expect(try await fresh.health() == .serving)
            await fresh.close()
            await healthy.close()
            _ = staller
        }
    }

    @Test("a client that never reads its responses does not stop others being served")
    func neverReads() async throws {
        try await withTestDaemon { daemon in
            let flooder = try RawSocket(path: daemon.socketPath)
            var batch: [UInt8] = []
            for index in 0..<2_000 {
                batch += requestBytes(streamID: UInt32(2 * index + 1), service: TestServiceName, method: "Echo",
                                      message: EchoRequest(replySize: 16 * 1024))
            }
            // Sending may block once the daemon stops reading; do it off this task.
            let sender = Task.detached { try? flooder.send(batch) }
            try await Task.sleep(for: .milliseconds(300))
            let client = daemon.client()
            for _ in 0..<10 { #expect(try await client.health() == .serving) }
            await client.close()
            sender.cancel()
        }
    }

    @Test("many concurrent calls on one connection are all answered")
    func concurrentCalls() async throws {
        try await withTestDaemon { daemon in
            let connection = try await daemon.connect()
            try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let reply = try await connection.call(service: TestServiceName, method: "Echo",
                                                              request: EchoRequest(data: Array("\(index)".utf8)),
                                                              response: EchoResponse.self)
                        return reply.data
                    }
                }
                var replies = Set<[UInt8]>()
                for try await reply in group { replies.insert(reply) }
                #expect(replies.count == 200)
            }
            await connection.close()
        }
    }

    @Test("server streaming: messages in order, clean end, or an error status")
    func streaming() async throws {
        try await withTestDaemon { daemon in
            let connection = try await daemon.connect()
            var received: [Int32] = []
            for try await message in connection.streamingCall(service: TestServiceName, method: "Count",
                                                             request: CountRequest(count: 5), response: CountResponse.self) {
                received.append(message.n)
            }
            #expect(received == [1, 2, 3, 4, 5])
            var failed: RPCError?
            do {
                for try await _ in connection.streamingCall(service: TestServiceName, method: "Count",
                                                            request: CountRequest(count: 2, failWithCode: 10),
                                                            response: CountResponse.self) {}
            } catch let error as RPCError {
                failed = error
            }
            #expect(failed?.code == .aborted)
            await connection.close()
        }
    }

    @Test("the socket is created 0600 by default and 0660 when asked; removed on exit")
    func socketModes() async throws {
        try await withTestDaemon { daemon in
            let mode = try fileMode(daemon.socketPath)
            #expect(mode == 0o600)
        }
        let daemon = try TestDaemon(arguments: ["--socket-mode", "0660"])
        try await daemon.start()
        // The mode is applied right after bind (the socket is created 0600 under umask 0177, never looser).
        try await daemon.waitUntilLoggedListening()
        #expect(try fileMode(daemon.socketPath) == 0o660)
        #expect(try await daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
        daemon.removeDirectory()
    }

    @Test("a second daemon on a live socket refuses to start; a stale socket file is replaced")
    func liveAndStaleSockets() async throws {
        try await withTestDaemon { daemon in
            let (status, output) = try runTool(TestDaemon.binaryPath, ["--socket", daemon.socketPath])
            #expect(status != 0)
            #expect(output.contains("another server is already listening"))
            #expect(try await daemon.client().health() == .serving)
        }
        // A socket file left by a killed daemon.
        let killed = try TestDaemon()
        try await killed.start()
        try await killed.stop(signal: SIGKILL)
        #expect(FileManager.default.fileExists(atPath: killed.socketPath))
        let restarted = try TestDaemon(directory: killed.directory)
        try await restarted.start()
        #expect(try await restarted.client().health() == .serving)
        try await restarted.stop()
        restarted.removeDirectory()
    }

    @Test("refuses a world-writable socket directory unless allowed")
    func insecureDirectory() async throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        chmod(directory, 0o777)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let refused = try TestDaemon(directory: directory)
        await #expect(throws: TestDaemonError.self) { try await refused.start() }
        #expect(refused.logContents().contains("writable by every user"))
        let allowed = try TestDaemon(arguments: ["--allow-insecure-socket-dir"], directory: directory)
        try await allowed.start()
        #expect(try await allowed.stop() == 0)
    }

    @Test("SIGTERM: in-flight calls finish, new calls get UNAVAILABLE, streams end cleanly, exit 0")
    func gracefulShutdown() async throws {
        let daemon = try TestDaemon(arguments: ["--shutdown-grace", "10"])
        try await daemon.start()
        let connection = try await daemon.connect()
        let watchSocket = try RawSocket(path: daemon.socketPath)
        try watchSocket.send(requestBytes(streamID: 1, service: "grpc.health.v1.Health", method: "Watch",
                                          message: HealthCheckRequest(), flags: .remoteClosed))
        let first = try watchSocket.readFrame()
        #expect(first.header.type == .data)
        let slow = connection.callFuture(service: TestServiceName, method: "Sleep",
                                         request: SleepRequest(durationMs: 700), response: SleepResponse.self)
        try await Task.sleep(for: .milliseconds(100))
        let stopping = Task { try await daemon.stop() }
        try await Task.sleep(for: .milliseconds(150))
        do {
            _ = try await connection.call(service: "grpc.health.v1.Health", method: "Check",
                                          request: HealthCheckRequest(), response: HealthCheckResponse.self)
            Issue.record("a new call was served while draining")
        } catch {
            #expect(error.code == .unavailable)
        }
        let end = try watchSocket.readFrame()
        #expect(end.header.type == .data)
        #expect(end.header.flags == [.remoteClosed, .noData])
        #expect(try await slow.get().sleptMs == 700)
        #expect(try await stopping.value == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
        daemon.removeDirectory()
    }
}

/// The test-only service registered by `--enable-test-service`.
let TestServiceName = "cartsync.testing.v1.TestService"

/// Runs a tool to completion.
/// - Returns: Its exit status and its standard output and error together.
func runTool(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The permission bits of a file.
func fileMode(_ path: String) throws -> UInt32 {
    var info = stat()
    guard stat(path, &info) == 0 else { throw TestDaemonError(description: "stat \(path) failed") }
    return UInt32(info.st_mode) & 0o777
}
