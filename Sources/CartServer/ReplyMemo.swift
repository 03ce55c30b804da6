import CartCore
import CartProto
import NIOCore
import Locking
import TTRPC

/// The last encoded GetCart reply of each user: when the store hands back the same priced cart
/// (same version, same prices), the reply bytes are reused instead of encoded again.
///
/// Thread-safe (a mutex); bounded (a random entry is dropped past `capacity`).
final class ReplyMemo: Sendable {
    private let entries: Locked<RandomEvictingDictionary<String, (cart: PricedCart, bytes: ByteBuffer)>>

    init(capacity: Int) {
        entries = Locked(RandomEvictingDictionary(capacity: capacity))
    }

    /// The encoding of `cart`, from the memo or freshly encoded (and remembered).
    func reply(for cart: PricedCart, allocator: ByteBufferAllocator) -> ByteBuffer {
        if let hit = entries.withLock({ $0[cart.userID] }), hit.cart == cart { return hit.bytes }
        let bytes = allocator.buffer(protoMessage: cart)
        _ = entries.withLock { $0.set((cart, bytes), for: cart.userID) }
        return bytes
    }
}
