import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// A blocking Unix-socket client that sends and reads raw bytes: for tests that misbehave on
/// purpose (bad frames, stalls, floods) where a well-behaved client library would not.
///
/// Not thread-safe; use from one task.
public final class RawSocket {
    /// The file descriptor.
    public let fd: Int32

    /// Connects to `path`.
    /// - Parameter receiveTimeoutMs: How long a read waits before failing.
    public init(path: String, receiveTimeoutMs: Int = 10_000) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestDaemonError(description: "socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw TestDaemonError(description: "connect(\(path)): \(message)")
        }
        var timeout = timeval(tv_sec: receiveTimeoutMs / 1000, tv_usec: (receiveTimeoutMs % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends all bytes.
    /// - Throws: When the peer closed the connection.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestDaemonError(description: "send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    /// Reads exactly `count` bytes.
    /// - Throws: On timeout or when the peer closed the connection.
    public func read(count: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let received = result[offset...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard received > 0 else {
                throw TestDaemonError(description: received == 0 ? "connection closed by the daemon"
                                                   : "recv: \(String(cString: strerror(errno)))")
            }
            offset += received
        }
        return result
    }

    /// Reads one frame: its header and data.
    public func readFrame() throws -> (header: FrameHeader, data: [UInt8]) {
        let head = try read(count: TTRPCWire.headerLength)
        let length = head[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let stream = head[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let header = FrameHeader(length: length, streamID: stream, type: MessageType(rawValue: head[8]),
                                 flags: FrameFlags(rawValue: head[9]))
        return (header, try read(count: Int(length)))
    }

    /// Whether the daemon closed the connection (a read returns end-of-file within the timeout).
    public func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }
}
