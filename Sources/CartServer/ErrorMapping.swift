import CartAuth
import CartCore
import TTRPC

extension ErrorKind {
    /// The google.rpc code of this kind.
    public var statusCode: StatusCode {
        switch self {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .permissionDenied: .permissionDenied
        case .failedPrecondition: .failedPrecondition
        case .aborted: .aborted
        case .outOfRange: .outOfRange
        case .resourceExhausted: .resourceExhausted
        case .unavailable: .unavailable
        case .unauthenticated: .unauthenticated
        case .deadlineExceeded: .deadlineExceeded
        case .internal: .internal
        }
    }
}

extension CartError: RPCErrorConvertible {
    /// The error as the caller sees it: its kind's code and its caller-actionable message.
    public var rpcError: RPCError { RPCError(code: kind.statusCode, message: message) }
}

extension CheckoutError: RPCErrorConvertible {
    /// The error as the caller sees it: its kind's code and its caller-actionable message.
    public var rpcError: RPCError { RPCError(code: kind.statusCode, message: message) }
}

extension StoreError: RPCErrorConvertible {
    /// The error as the caller sees it; the storage detail stays in the log (as the cause).
    public var rpcError: RPCError { RPCError(code: kind.statusCode, message: message, cause: self) }
}

extension AuthError: RPCErrorConvertible {
    /// UNAUTHENTICATED with the reason (which never contains the secret).
    public var rpcError: RPCError { RPCError(code: .unauthenticated, message: message) }
}
