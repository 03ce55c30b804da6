/// The error of a call: a status code and a message for the caller.
///
/// `cause` is for the local log only and never crosses the wire (the grpc-swift design).
public struct RPCError: Error, Sendable, CustomStringConvertible {
    /// The status code sent to (or received from) the peer.
    public var code: StatusCode
    /// What was wrong, in words the caller can act on.
    public var message: String
    /// The underlying error, if any; logged locally, never sent.
    public var cause: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: The status code.
    ///   - message: A caller-actionable message.
    ///   - cause: An underlying error for the local log.
    public init(code: StatusCode, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// "CODE: message".
    public var description: String { "\(code.name): \(message)" }
}

/// An error that knows which ``RPCError`` it becomes on the wire.
///
/// Errors that do not conform become INTERNAL with a generic message; their details go to the log.
public protocol RPCErrorConvertible: Error {
    /// The error as the caller will see it.
    var rpcError: RPCError { get }
}

extension RPCError: RPCErrorConvertible {
    /// Itself.
    public var rpcError: RPCError { self }
}

extension RPCError {
    /// Converts any error into the error the caller sees: convertible errors map themselves,
    /// anything else becomes INTERNAL "internal error" with the original kept as `cause`.
    public init(from error: any Error) {
        if let convertible = error as? any RPCErrorConvertible {
            self = convertible.rpcError
        } else {
            self.init(code: .internal, message: "internal error; the server log has details", cause: error)
        }
    }
}
