/// A google.rpc.Code: the outcome of a call, as carried in a ttrpc Response's status.
public struct StatusCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The number on the wire.
    public let rawValue: Int32
    /// Wraps a code number; unknown numbers are kept as they are.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Success.
    public static let ok = StatusCode(rawValue: 0)
    /// The caller cancelled the call.
    public static let cancelled = StatusCode(rawValue: 1)
    /// An error with no better code.
    public static let unknown = StatusCode(rawValue: 2)
    /// The request is malformed, whatever the state of the system.
    public static let invalidArgument = StatusCode(rawValue: 3)
    /// The deadline passed before the call finished.
    public static let deadlineExceeded = StatusCode(rawValue: 4)
    /// Something the request names does not exist (or is not the caller's).
    public static let notFound = StatusCode(rawValue: 5)
    /// What the request would create exists already.
    public static let alreadyExists = StatusCode(rawValue: 6)
    /// The caller is known but may not do this.
    public static let permissionDenied = StatusCode(rawValue: 7)
    /// A limit was hit (message size, quota, connection's in-flight calls).
    public static let resourceExhausted = StatusCode(rawValue: 8)
    /// The system is not in the state the call needs.
    public static let failedPrecondition = StatusCode(rawValue: 9)
    /// A concurrency conflict (e.g. a version check); retry at a higher level.
    public static let aborted = StatusCode(rawValue: 10)
    /// A value past the valid range.
    public static let outOfRange = StatusCode(rawValue: 11)
    /// The service or method does not exist.
    public static let unimplemented = StatusCode(rawValue: 12)
    /// An internal invariant broke; details are in the server's log.
    public static let `internal` = StatusCode(rawValue: 13)
    /// The service cannot answer now (e.g. shutting down); retrying may succeed.
    public static let unavailable = StatusCode(rawValue: 14)
    /// Data was lost or corrupted.
    public static let dataLoss = StatusCode(rawValue: 15)
    /// The caller's credentials are missing or invalid.
    public static let unauthenticated = StatusCode(rawValue: 16)

    private static let names = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ]

    /// The canonical upper-case name, e.g. `NOT_FOUND`; `CODE_<n>` for unknown numbers.
    public var name: String {
        (0..<Int32(Self.names.count)).contains(rawValue) ? Self.names[Int(rawValue)] : "CODE_\(rawValue)"
    }

    /// The canonical name.
    public var description: String { name }

    /// The code with this canonical name (case-insensitive), if any.
    public init?(name: String) {
        guard let index = Self.names.firstIndex(of: name.uppercased()) else { return nil }
        self.init(rawValue: Int32(index))
    }
}
