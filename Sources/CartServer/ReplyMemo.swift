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
    /// A cart and its encoding, behind one reference: a lookup copies a pointer, not the cart.
    private final class Entry: Sendable {
        let cart: PricedCart
        let bytes: ByteBuffer

        init(cart: PricedCart, bytes: ByteBuffer) {
            self.cart = cart
            self.bytes = bytes
        }
    }

    private let entries: Locked<RandomEvictingDictionary<String, Entry>>

    init(capacity: Int) {
        entries = Locked(RandomEvictingDictionary(capacity: capacity))
    }

    /// The encoding of `cart`, from the memo or freshly encoded (and remembered).
    func reply(for cart: PricedCart, allocator: ByteBufferAllocator) -> ByteBuffer {
        if let hit = entries.withLock({ $0[cart.userID] }), hit.cart == cart { return hit.bytes }
        let bytes = allocator.buffer(protoMessage: cart)
        _ = entries.withLock { $0.set(Entry(cart: cart, bytes: bytes), for: cart.userID) }
        return bytes
    }
}
