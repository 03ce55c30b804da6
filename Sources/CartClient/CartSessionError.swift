// The errors CartSession adds to the daemon's.

import CartCore
import TTRPC

/// Why a ``CartSession`` operation failed, beyond the daemon's own ``RPCError``s (which pass through unchanged).
public enum CartSessionError: Error, Sendable, CustomStringConvertible, RPCErrorConvertible {
    /// The cart changed since the version the call expected (the daemon answered ABORTED). `fresh` is the cart
    /// as it is now, already stored in the session: show it, and let the shopper decide again.
    case conflict(fresh: PricedCart, underlying: RPCError)
    /// Checkout was refused locally, without calling the daemon: the cart has no lines.
    case emptyCart(cartID: String)

    /// What went wrong, for people.
    public var description: String {
        switch self {
        case .conflict(let fresh, let underlying):
            "The cart changed (now version \(fresh.version)); review it and try again. \(underlying.message)"
        case .emptyCart(let cartID):
            "Cart is empty. Please add items first. Cart ID: \(cartID)"
        }
    }

    /// The error as the daemon would have reported it: the ABORTED of a conflict, FAILED_PRECONDITION for an
    /// empty cart (the daemon's own answer to an empty checkout).
    public var rpcError: RPCError {
        switch self {
        case .conflict(_, let underlying): underlying
        case .emptyCart: RPCError(code: .failedPrecondition, message: description)
        }
    }
}
