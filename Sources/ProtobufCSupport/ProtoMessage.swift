import Locking

/// A Swift message type that can be decoded from protobuf bytes (through protobuf-c).
public protocol ProtoDecodable: Sendable {
    /// The proto full name, e.g. `cart.v1.AddItemRequest`, for error messages.
    static var protoName: String { get }
    /// Decodes a message.
    /// - Parameter bytes: The encoding.
    /// - Throws: ``ProtobufDecodingError`` when the bytes are not a valid encoding or a field is unacceptable
    ///   (for instance a string that is not UTF-8).
    init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError)
}

/// A Swift message type that can be encoded to protobuf bytes (through protobuf-c).
public protocol ProtoEncodable: Sendable {
    /// Builds the protobuf-c struct of this message in `arena`.
    /// - Returns: The built message, valid until the arena is reset.
    func build(in arena: ProtobufArena) -> any PackableMessage
}

/// A message type that goes both ways.
public typealias ProtoMessage = ProtoDecodable & ProtoEncodable

extension ProtoEncodable {
    /// The message's encoding as a byte array (allocates; for tests, storage and slow paths).
    public func protobufBytes() -> [UInt8] {
        ProtobufArena.withPooled { arena in
            let built = build(in: arena)
            let size = built.packedSize
            return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                count = size == 0 ? 0 : built.pack(into: UnsafeMutableRawPointer(buffer.baseAddress!))
            }
        }
    }
}

extension ProtoDecodable {
    /// Decodes a message from a byte array.
    public init(protobufBytes bytes: [UInt8]) throws(ProtobufDecodingError) {
        let result: Result<Self, ProtobufDecodingError> = bytes.withUnsafeBytes { raw in
            do throws(ProtobufDecodingError) { return .success(try Self(protobuf: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }
}

/// Arenas are handed to one thread at a time by the pool; the pool itself is behind a mutex.
@usableFromInline
final class ArenaPool: Sendable {
    private let arenas = Locked<[UnsafeArenaBox]>([])

    @usableFromInline
    init() {}

    @usableFromInline
    func take() -> ProtobufArena { arenas.withLock { $0.popLast()?.arena } ?? ProtobufArena() }

    @usableFromInline
    func give(_ arena: ProtobufArena) {
        arenas.withLock { pool in
            if pool.count < 64 { pool.append(UnsafeArenaBox(arena: arena)) }
        }
    }
}

/// An arena in the pool: owned by no thread while it sits there.
private struct UnsafeArenaBox: @unchecked Sendable {
    let arena: ProtobufArena
}

@usableFromInline
let arenaPool = ArenaPool()

extension ProtobufArena {
    /// Runs `body` with an arena from a process-wide pool, resetting and returning it afterwards.
    ///
    /// Thread-safe; nested calls get different arenas.
    @inlinable
    public static func withPooled<R, E: Error>(_ body: (ProtobufArena) throws(E) -> R) throws(E) -> R {
        let arena = arenaPool.take()
        defer {
            arena.reset()
            arenaPool.give(arena)
        }
        return try body(arena)
    }
}
