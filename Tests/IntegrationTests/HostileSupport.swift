// Helpers of the hostile-client tests: a well-behaved client that keeps calling, cartd's RSS, many
// raw sockets, and frames built by hand.

import CartClient
import CartProto
import CartTesting
import Foundation
import NIOCore
import ProtobufCSupport
import Synchronization
import Testing
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// The flags every hostile-client daemon runs with: room for 1,000 raw connections plus the
/// well-behaved client, and short frame and unwritable timeouts so the tests take seconds.
let hostileDaemonArguments = ["--max-connections", "1001", "--frame-timeout", "3", "--unwritable-timeout", "2"]

/// A client that keeps calling Health/Check and GetCart, each with a 2 s deadline and no retries,
/// on one connection, from the moment it is started until it is stopped.
final class WellBehavedClient: Sendable {
    struct Report: CustomStringConvertible {
        var calls = 0
        var failures: [String] = []
        var slowest: Duration = .zero
        var description: String {
            "\(calls) calls, \(failures.count) failed, slowest \(milliseconds(slowest)) ms"
        }
    }

    private final class State: Sendable {
        let report = Mutex(Report())
        let running = Mutex(true)
    }

    private let state = State()
    private let task: Task<Void, Never>

    /// Starts calling `daemon` as `user`.
    init(daemon: TestDaemon, user: String = "well-behaved") async throws {
        var configuration = CartClientConfiguration(socketPath: daemon.socketPath,
                                                    token: try await daemon.token(user: user))
        configuration.defaultTimeout = .seconds(2)
        configuration.retry = .none
        let client = CartClient(configuration: configuration)
        // One call before the hostile client arrives: the connection is open and counted from here on.
        _ = try await client.health()
        let state = self.state
        task = Task {
            var index = 0
            while state.running.withLock({ $0 }) {
                let started = ContinuousClock.now
                do {
                    if index % 2 == 0 {
                        guard try await client.health() == .serving else { throw RPCError(code: .unknown, message: "not SERVING") }
                    } else {
                        _ = try await client.getCart()
                    }
                    let took = ContinuousClock.now - started
                    state.report.withLock {
                        $0.calls += 1
                        $0.slowest = max($0.slowest, took)
                        if took > .seconds(2) { $0.failures.append("call \(index) took \(took)") }
                    }
                } catch {
                    state.report.withLock {
                        $0.calls += 1
                        $0.failures.append("call \(index): \(error)")
                    }
                }
                index += 1
                try? await Task.sleep(for: .milliseconds(20))
            }
            await client.close()
        }
    }

    /// Stops calling and returns what happened.
    func stop() async -> Report {
        state.running.withLock { $0 = false }
        await task.value
        return state.report.withLock { $0 }
    }

    /// Stops and records an issue unless every call succeeded within its deadline.
    func expectAllSucceeded(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        let report = await stop()
        print("hostile[\(what)]: well-behaved client: \(report)")
        #expect(report.calls > 0, "\(what): the well-behaved client made no call", sourceLocation: sourceLocation)
        #expect(report.failures.isEmpty, "\(what): \(report.failures.prefix(5))", sourceLocation: sourceLocation)
    }
}

/// A duration in whole milliseconds.
func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
}

/// cartd's resident set, from `/proc/PID/status`.
enum DaemonMemory {
    /// VmRSS in KiB.
    static func rssKiB(_ daemon: TestDaemon) throws -> Int {
        guard let pid = daemon.pid else { throw TestDaemonError(description: "cartd is not running") }
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else {
            throw TestDaemonError(description: "no VmRSS in /proc/\(pid)/status")
        }
        return kib
    }

    /// A baseline after a short quiet period: the smallest of a few readings.
    static func baseline(_ daemon: TestDaemon) async throws -> Int {
        var smallest = Int.max
        for _ in 0..<4 {
            smallest = min(smallest, try rssKiB(daemon))
            try await Task.sleep(for: .milliseconds(100))
        }
        return smallest
    }

    /// Waits up to `timeout` for RSS to come back within 10 % of `baseline`; returns the last reading.
    static func settle(_ daemon: TestDaemon, baseline: Int, timeout: Duration = .seconds(8)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        var reading = try rssKiB(daemon)
        while reading > baseline * 11 / 10, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            reading = try rssKiB(daemon)
        }
        return reading
    }

    /// Reports before/peak/after and expects `after` within 10 % of `before`.
    static func expectReturned(_ what: String, before: Int, peak: Int, after: Int,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        print("hostile[\(what)]: cartd RSS before \(before) KiB, during \(peak) KiB, after \(after) KiB "
              + "(\(String(format: "%+.1f", Double(after - before) * 100 / Double(before))) %)")
        #expect(after <= before * 11 / 10, "\(what): RSS \(before) KiB before, \(after) KiB after (> +10 %)",
                sourceLocation: sourceLocation)
    }
}

/// Raises this process's open-file limit to at least `count` (up to the hard limit), for tests with
/// many sockets. The daemon, started afterwards, inherits it.
func raiseOpenFileLimit(to count: Int) {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(count) else { return }
    limit.rlim_cur = min(rlim_t(count), limit.rlim_max)
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

/// A request frame whose envelope is built by hand, so it can carry what the encoder never would.
func rawRequestFrame(streamID: UInt32, envelope: [UInt8]) -> [UInt8] {
    var header = ByteBuffer()
    header.writeFrameHeader(FrameHeader(length: UInt32(envelope.count), streamID: streamID, type: .request))
    return Array(header.readableBytesView) + envelope
}

/// A protobuf length-delimited field: tag, length, bytes.
func protoField(_ number: Int, _ bytes: [UInt8]) -> [UInt8] {
    varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes
}

/// A protobuf varint.
func varint(_ value: UInt64) -> [UInt8] {
    var value = value, bytes: [UInt8] = []
    while value >= 0x80 {
        bytes.append(UInt8(value & 0x7f) | 0x80)
        value >>= 7
    }
    return bytes + [UInt8(value)]
}

extension RawSocket {
    /// Sends a request and reads its Response: the status (nil for success).
    func call(_ frame: [UInt8]) throws -> (streamID: UInt32, status: RPCError?) {
        try send(frame)
        let reply = try readFrame()
        return (reply.header.streamID, try decodeResponse(reply.data).status)
    }

    /// Sets the socket's receive timeout.
    func setReceiveTimeout(milliseconds: Int) {
        var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
}
