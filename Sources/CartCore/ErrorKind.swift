// The kinds of failure the domain reports, and the protocol every domain error conforms to.

/// What kind of failure an error is, mirroring the `google.rpc.Code` values.
///
/// CartCore does not know wire numbers: the server maps each kind to its status code.
/// Thread safety: a value type, `Sendable`.
public enum ErrorKind: String, Sendable, Hashable, CaseIterable {
    /// The request itself is malformed (bad id, quantity out of range, bad currency, …).
    case invalidArgument
    /// The named thing does not exist, or belongs to someone else (no hint which).
    case notFound
    /// The thing to create exists already.
    case alreadyExists
    /// The caller may not do this.
    case permissionDenied
    /// The request is well formed but the system is not in a state that allows it (stock short, inactive product, …).
    case failedPrecondition
    /// A concurrency conflict, e.g. `expected_version` does not match; the caller should re-read and retry.
    case aborted
    /// A value lies outside the range the operation accepts.
    case outOfRange
    /// A limit was reached (too many lines, …).
    case resourceExhausted
    /// A transient failure: retrying later may succeed.
    case unavailable
    /// The caller's identity could not be established.
    case unauthenticated
    /// The deadline passed before the operation finished.
    case deadlineExceeded
    /// Anything unexpected; the details go to the log, never to the caller.
    case `internal`
}

/// An error of the domain with a kind the server maps to a wire status, and a message for the caller.
///
/// Conforming types are value types and `Sendable`.
public protocol DomainError: Error, Sendable {
    /// The kind of failure, mapped to a wire status code by the server.
    var kind: ErrorKind { get }
    /// What went wrong in English the caller can act on; never internals (paths, SQL, stack traces).
    var message: String { get }
}
