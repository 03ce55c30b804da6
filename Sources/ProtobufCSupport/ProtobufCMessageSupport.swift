import CCartProto

/// A protobuf-c message that failed to decode, or a field whose content is not acceptable.
public struct ProtobufDecodingError: Error, Sendable, CustomStringConvertible {
    /// What was wrong, in words for the caller (e.g. "request payload is not a valid cart.v1.AddItemRequest").
    public let message: String

    /// Creates an error with a caller-facing message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// The signature of a generated `…__unpack` function.
public typealias ProtobufCUnpack<T> = (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) ->
    UnsafeMutablePointer<T>?

/// Generic glue between Swift buffers and protobuf-c generated messages.
public enum ProtobufC {
    /// Decodes `bytes` into the arena with a generated unpack function.
    /// - Parameters:
    ///   - bytes: The encoded message.
    ///   - arena: Where the decoded message and its fields live.
    ///   - unpack: The message's generated `…__unpack`.
    ///   - typeName: The proto name, for the error message.
    /// - Returns: The decoded message, valid until the arena is reset.
    /// - Throws: ``ProtobufDecodingError`` when the bytes are not a valid encoding.
    @inlinable
    public static func unpack<T>(
        _ bytes: UnsafeRawBufferPointer,
        arena: ProtobufArena,
        using unpack: ProtobufCUnpack<T>,
        typeName: String
    ) throws(ProtobufDecodingError) -> UnsafeMutablePointer<T> {
        let empty: UInt8 = 0
        let result: UnsafeMutablePointer<T>? = withUnsafePointer(to: empty) { emptyPointer in
            let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyPointer
            return unpack(arena.allocator, bytes.count, base)
        }
        guard let result else { throw ProtobufDecodingError("payload is not a valid \(typeName)") }
        return result
    }

    /// The encoded size of a protobuf-c message.
    /// - Parameter message: A pointer to a generated message struct (its first member is `ProtobufCMessage base`).
    @inlinable
    public static func packedSize<T>(_ message: UnsafePointer<T>) -> Int {
        protobuf_c_message_get_packed_size(UnsafeRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self))
    }

    /// Encodes a protobuf-c message into memory of at least ``packedSize(_:)`` bytes.
    /// - Returns: The number of bytes written.
    @inlinable
    public static func pack<T>(_ message: UnsafePointer<T>, into destination: UnsafeMutableRawPointer) -> Int {
        protobuf_c_message_pack(
            UnsafeRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self),
            destination.assumingMemoryBound(to: UInt8.self)
        )
    }

    /// Encodes a protobuf-c message into a new byte array.
    @inlinable
    public static func packToArray<T>(_ message: UnsafePointer<T>) -> [UInt8] {
        let size = packedSize(message)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = size == 0 ? 0 : pack(message, into: UnsafeMutableRawPointer(buffer.baseAddress!))
        }
    }

    /// Reads a protobuf-c string field as Swift text, refusing invalid UTF-8.
    /// - Parameters:
    ///   - pointer: The field (`NULL` and protobuf-c's empty string both read as "").
    ///   - field: The field's name, for the error message (made only when there is an error).
    /// - Throws: ``ProtobufDecodingError`` naming the field when it is not UTF-8.
    public static func string(_ pointer: UnsafePointer<CChar>?,
                              field: @autoclosure () -> String) throws(ProtobufDecodingError) -> String {
        guard let pointer, pointer.pointee != 0 else { return "" }
        guard let value = String(validatingCString: pointer) else {
            throw ProtobufDecodingError("\(field()) is not valid UTF-8")
        }
        return value
    }

    /// Copies a protobuf-c `bytes` field into a byte array.
    public static func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard data.len > 0, let base = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }
}

/// Something that can write its protobuf encoding into memory it is given: a built C message.
///
/// Lets the layer that owns the output buffer (a NIO `ByteBuffer`) size it once and have the
/// message packed straight into it, without an intermediate copy.
public protocol PackableMessage {
    /// The number of bytes ``pack(into:)`` writes.
    var packedSize: Int { get }
    /// Writes the encoding; `destination` holds at least ``packedSize`` bytes.
    /// - Returns: The number of bytes written.
    func pack(into destination: UnsafeMutableRawPointer) -> Int
}

/// A protobuf-c message built in an arena, ready to be packed.
///
/// Keeps the arena (and so every string and sub-message the struct points at) alive.
public struct BuiltMessage<T>: PackableMessage {
    /// The arena that owns the message.
    public let arena: ProtobufArena
    /// The message struct, inside the arena.
    public let pointer: UnsafeMutablePointer<T>

    /// Wraps a message built in `arena`.
    public init(arena: ProtobufArena, pointer: UnsafeMutablePointer<T>) {
        self.arena = arena
        self.pointer = pointer
    }

    /// The encoded size.
    public var packedSize: Int { ProtobufC.packedSize(pointer) }

    /// Packs the message.
    public func pack(into destination: UnsafeMutableRawPointer) -> Int { ProtobufC.pack(pointer, into: destination) }

    /// The encoding as a byte array.
    public func bytes() -> [UInt8] { ProtobufC.packToArray(pointer) }
}
