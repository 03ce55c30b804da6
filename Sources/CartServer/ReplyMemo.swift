import CartCore
import CartProto
import NIOCore
import Locking
import TTRPC

/// The last encoded GetCart reply of each user: when the store hands back the same priced cart
/// (same version, same prices), the reply bytes are reused instead of encoded again.
///
/// Thread-safe (a mutex); bounded (arbitrary entries are dropped past `capacity`).
final class ReplyMemo: Sendable {
    private let entries = Locked<[String: (cart: PricedCart, bytes: ByteBuffer)]>([:])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The encoding of `cart`, from the memo or freshly encoded (and remembered).
    func reply(for cart: PricedCart, allocator: ByteBufferAllocator) -> ByteBuffer {
        if let hit = entries.withLock({ $0[cart.userID] }), hit.cart == cart { return hit.bytes }
        let bytes = allocator.buffer(protoMessage: cart)
        guard capacity > 0 else { return bytes }
        entries.withLock { entries in
            if entries[cart.userID] == nil, entries.count >= capacity {
                for key in entries.keys.prefix(max(1, capacity / 16)) { entries.removeValue(forKey: key) }
            }
            entries[cart.userID] = (cart, bytes)
        }
        return bytes
    }
}
