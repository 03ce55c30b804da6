// The plumbing every typed call shares: metadata, idempotency keys, mutations.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import ProtobufCSupport
import TTRPC

extension CartClient {
    /// A fresh idempotency key for one logical operation: a random UUID string (36 printable ASCII characters).
    ///
    /// Mutations call this when the caller passes no key and reuse the key across their own retries.
    /// - Returns: A new key.
    public static func makeIdempotencyKey() -> String {
        UUID().uuidString.lowercased()
    }

    /// The metadata of a call: `extra` plus `authorization: Bearer <token>` when the client has a token.
    func authorizedMetadata(_ extra: Metadata = Metadata()) -> Metadata {
        var metadata = extra
        if let token = configuration.token { metadata.replace("authorization", with: "Bearer \(token)") }
        return metadata
    }

    /// Makes a read: a unary call that is always safe to repeat.
    func read<Request: ProtoEncodable, Response: ProtoDecodable>(
        _ service: String, _ method: String, _ request: Request, _ response: Response.Type, timeout: TimeAmount?
    ) async throws(RPCError) -> Response {
        try await unary(service: service, method: method, request: request, response: Response.self,
                        retryable: true, timeout: timeout)
    }

    /// Makes a mutation: sends `idempotency-key` (the caller's, or one generated for this operation) and,
    /// because the server replays a keyed call instead of applying it twice, retries it like a read.
    func mutate<Request: ProtoEncodable, Response: ProtoDecodable>(
        _ service: String, _ method: String, _ request: Request, _ response: Response.Type,
        idempotencyKey: String?, timeout: TimeAmount?
    ) async throws(RPCError) -> Response {
        var metadata = Metadata()
        metadata.replace("idempotency-key", with: idempotencyKey ?? Self.makeIdempotencyKey())
        return try await unary(service: service, method: method, request: request, response: Response.self,
                               retryable: true, metadata: metadata, timeout: timeout)
    }
}
