import CartCore
import CartProto
import ProtobufCSupport

/// The answer of a mutation: a fresh message, or the bytes stored for an idempotent replay.
public enum StoredOr<Message: ProtoEncodable>: ProtoEncodable {
    /// The result of applying the mutation now.
    case message(Message)
    /// The encoded reply of the first call with the same idempotency key.
    case stored([UInt8])

    /// Builds the message (stored bytes are copied as they are).
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        switch self {
        case .message(let message): return message.build(in: arena)
        case .stored(let bytes): return StoredBytes(bytes: bytes)
        }
    }
}

/// The answer of a cart mutation.
public typealias CartReply = StoredOr<PricedCart>

/// Already-encoded message bytes.
struct StoredBytes: PackableMessage {
    let bytes: [UInt8]
    var packedSize: Int { bytes.count }
    func pack(into destination: UnsafeMutableRawPointer) -> Int {
        guard !bytes.isEmpty else { return 0 }
        return bytes.withUnsafeBytes {
            destination.copyMemory(from: $0.baseAddress!, byteCount: $0.count)
            return $0.count
        }
    }
}
