import NIOCore

/// The kind of a ttrpc frame (header byte 8).
public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The byte on the wire.
    public let rawValue: UInt8
    /// Wraps a raw type byte; unknown values are kept (and ignored by the server).
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A call from client to server; the data is a `ttrpc.Request`.
    public static let request = MessageType(rawValue: 0x01)
    /// The server's answer; the data is a `ttrpc.Response`.
    public static let response = MessageType(rawValue: 0x02)
    /// One message of a stream (protocol 1.2); the data is the raw message.
    public static let data = MessageType(rawValue: 0x03)

    /// A short name for logs.
    public var description: String {
        switch self {
        case .request: "request"
        case .response: "response"
        case .data: "data"
        default: "type(0x\(String(rawValue, radix: 16)))"
        }
    }
}

/// The flags byte of a ttrpc frame (header byte 9).
public struct FrameFlags: OptionSet, Hashable, Sendable {
    /// The raw byte.
    public let rawValue: UInt8
    /// Wraps a raw flags byte.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The sender will send nothing more on this stream (Request: no client data follows; Data: last).
    public static let remoteClosed = FrameFlags(rawValue: 0x01)
    /// Request only: the client will send Data frames on this stream.
    public static let remoteOpen = FrameFlags(rawValue: 0x02)
    /// Data only: the frame carries no message (distinct from an empty message).
    public static let noData = FrameFlags(rawValue: 0x04)
}

/// The fixed 10-byte ttrpc frame header: length, stream id, type, flags (all big-endian).
public struct FrameHeader: Hashable, Sendable {
    /// The length of the data that follows the header (not counting the header).
    public var length: UInt32
    /// The stream the frame belongs to; client-initiated streams are odd.
    public var streamID: UInt32
    /// The kind of frame.
    public var type: MessageType
    /// The frame's flags.
    public var flags: FrameFlags

    /// Creates a header.
    public init(length: UInt32, streamID: UInt32, type: MessageType, flags: FrameFlags = []) {
        self.length = length
        self.streamID = streamID
        self.type = type
        self.flags = flags
    }
}

/// The fixed numbers of the ttrpc wire format.
public enum TTRPCWire {
    /// The size of a frame header in bytes.
    public static let headerLength = 10
    /// The largest data length a frame may carry, 4 MiB (exactly 4 MiB is allowed).
    public static let maxMessageLength = 4 << 20
}

extension ByteBuffer {
    /// Writes a 10-byte frame header: length and stream id big-endian, then type and flags.
    ///
    /// Stored straight into the buffer's memory after one check of capacity and uniqueness:
    /// `writeMultipleIntegers` wrote each of the four fields on its own (a uniqueness check, a
    /// capacity check and a copy each, ~510 instructions per header in callgrind).
    /// - Returns: The number of bytes written (always 10).
    @discardableResult
    @inlinable
    public mutating func writeFrameHeader(_ header: FrameHeader) -> Int {
        writeWithUnsafeMutableBytes(minimumWritableBytes: TTRPCWire.headerLength) { bytes in
            bytes.storeBytes(of: header.length.bigEndian, toByteOffset: 0, as: UInt32.self)
            bytes.storeBytes(of: header.streamID.bigEndian, toByteOffset: 4, as: UInt32.self)
            bytes.storeBytes(of: header.type.rawValue, toByteOffset: 8, as: UInt8.self)
            bytes.storeBytes(of: header.flags.rawValue, toByteOffset: 9, as: UInt8.self)
            return TTRPCWire.headerLength
        }
    }

    /// Reads a 10-byte frame header, or returns `nil` (consuming nothing) when fewer bytes are readable.
    @inlinable
    public mutating func readFrameHeader() -> FrameHeader? {
        guard let (length, streamID, type, flags) = readMultipleIntegers(as: (UInt32, UInt32, UInt8, UInt8).self) else {
            return nil
        }
        return FrameHeader(length: length, streamID: streamID, type: MessageType(rawValue: type),
                           flags: FrameFlags(rawValue: flags))
    }
}
