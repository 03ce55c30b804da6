import CartCore
import CartProto
import Foundation
import Logging
import NIOCore
import ProtobufCSupport
import TTRPC

/// Settings of the cart service.
public struct CartServiceConfiguration: Sendable {
    /// The currency of new carts.
    public var defaultCurrency = "INR"
    /// Line quantity and line count limits.
    public var rules = CartRules()

    /// The defaults: INR, at most 50 per line and 100 lines.
    public init() {}
}

/// `cart.v1.CartService`: the caller's own cart. Every RPC authenticates; mutations honour
/// `expected_version` and `idempotency-key`, commit in one store transaction, and publish the new
/// cart to the owner's watchers after the commit.
public struct CartService: Sendable {
    /// The service's proto name.
    public static let name = "cart.v1.CartService"

    let store: any CartStore
    let auth: Authenticator
    let hub: WatchHub
    let configuration: CartServiceConfiguration
    let events: CartEvents
    private let replies = ReplyMemo(capacity: 10_000)

    /// Creates the service.
    /// - Parameters:
    ///   - store: Where carts live.
    ///   - auth: Who is calling.
    ///   - hub: WatchCart fan-out.
    ///   - configuration: Currency and limits.
    ///   - events: Told about created carts, added items and replays (metrics).
    public init(store: any CartStore, auth: Authenticator, hub: WatchHub, configuration: CartServiceConfiguration,
                events: CartEvents = CartEvents()) {
        self.store = store
        self.auth = auth
        self.hub = hub
        self.configuration = configuration
        self.events = events
    }

    /// Registers every RPC.
    public func register(in router: inout Router) {
        // GetCart's closures capture what they use, not `self`: a copy of this struct per closure
        // and call would retain and release every one of its fields.
        let memo = replies, store = store, auth = auth, cartCreated = events.cartCreated
        let defaultCurrency = configuration.defaultCurrency
        router.register(service: Self.name, method: "GetCart", .unaryAnswer { payload, context in
            do {
                _ = try payload.readProtoMessage(as: GetCartRequest.self)
            } catch {
                return .now(.failure(error))
            }
            return auth.answer(context) { caller in
                let (cart, created) = try store.pricedCart(userID: caller.userID, defaultCurrency: defaultCurrency,
                                                           nowMs: CartService.nowMs(), isGuest: caller.isGuest)
                if created { cartCreated() }
                context.annotations["cart.id"] = cart.id
                return memo.reply(for: cart, allocator: context.allocator)
            }
        })
        registerMutation(in: &router, method: "AddItem", request: AddItemRequest.self) { request in
            (.addItem(productID: request.productID, variantID: request.variantID, quantity: request.quantity),
             request.expectedVersion)
        }
        registerMutation(in: &router, method: "UpdateItem", request: UpdateItemRequest.self) { request in
            (.update(itemID: request.itemID, quantity: request.quantity), request.expectedVersion)
        }
        registerMutation(in: &router, method: "RemoveItem", request: RemoveItemRequest.self) { request in
            (.remove(itemID: request.itemID), request.expectedVersion)
        }
        registerMutation(in: &router, method: "ClearCart", request: ClearCartRequest.self) { request in
            (.clear, request.expectedVersion)
        }
        router.registerUnary(service: Self.name, method: "MergeGuestCart", request: MergeGuestCartRequest.self,
                             response: CartReply.self) { request, context in
            auth.authenticate(context).and(auth.verifyToken(request.guestToken, on: context.eventLoop)
                .flatMapErrorThrowing { error in
                    throw RPCError(code: .invalidArgument,
                                   message: "guest_token is not valid: \(RPCError(from: error).message)")
                })
                .flatMapThrowing { caller, guest in
                    guard guest.isGuest else {
                        throw RPCError(code: .invalidArgument, message: "guest_token is not a guest session's token")
                    }
                    let guestUserID = Authenticator.userID(of: guest)
                    let mutation = try makeMutation(caller, command: .clear, expectedVersion: 0, context: context,
                                                    fingerprint: { .mergeGuestCart(guestUserID: guestUserID) })
                    let outcome = try store.mergeGuestCart(guestUserID: guestUserID, into: mutation,
                                                           rules: configuration.rules) { $0.protobufBytes() }
                    return reply(outcome, caller: caller, addedUnits: 0)
                }
        }
        WatchCartHandler(store: store, auth: auth, hub: hub, configuration: configuration).register(in: &router)
    }

    /// Registers a mutation RPC. With a token verified before, the call costs one promise: the
    /// request is decoded and the mutation handed to the store's writer on the event loop, and the
    /// writer's completion encodes the reply back on the loop and completes the promise (no future
    /// chain, whose generic futures and callbacks cost several µs of every call).
    private func registerMutation<Request: ProtoDecodable>(
        in router: inout Router, method: String, request: Request.Type,
        command: @escaping @Sendable (Request) -> (CartCommand, UInt64)
    ) {
        router.register(service: Self.name, method: method, .unaryAnswer { payload, context in
            let request: Request
            do { request = try payload.readProtoMessage(as: Request.self) } catch {
                return .now(.failure(error))
            }
            switch auth.answer(context, { $0 }) {
            case .now(.success(let caller)):
                return mutate(command(request), caller: caller, context: context)
            case .now(.failure(let error)):
                return .now(.failure(error))
            case .later(let verified):
                return .later(verified.flatMap { caller in
                    mutate(command(request), caller: caller, context: context).future(on: context.eventLoop)
                })
            }
        })
    }

    /// Hands one cart command to the store's writer; the answer comes when its transaction committed.
    private func mutate(_ command: (CartCommand, UInt64), caller: CallerIdentity,
                        context: ServerCallContext) -> CallAnswer<ByteBuffer> {
        let (command, expectedVersion) = command
        let mutation: CartMutation
        do {
            mutation = try makeMutation(caller, command: command, expectedVersion: expectedVersion,
                                        context: context,
                                        fingerprint: { .cart(command, expectedVersion: expectedVersion) })
        } catch {
            return .now(.failure(error))
        }
        let loop = context.eventLoop
        let promise = loop.makePromise(of: ByteBuffer.self)
        let units: Int64 = if case .add(_, _, let quantity) = command { quantity } else { 0 }
        // Off the event loop: the store commits mutations in groups on its writer thread.
        store.mutate(mutation, rules: configuration.rules, encodeResult: { $0.protobufBytes() },
                     completion: { result in
            loop.execute {
                switch result {
                case .success(let outcome):
                    if case .applied(let applied) = outcome { context.annotations["cart.id"] = applied.cart.id }
                    promise.succeed(context.allocator.buffer(
                        protoMessage: reply(outcome, caller: caller, addedUnits: units)))
                case .failure(let error):
                    promise.fail(error)
                }
            }
        })
        return .later(promise.futureResult)
    }

    private func makeMutation(_ caller: CallerIdentity, command: CartCommand, expectedVersion: UInt64,
                              context: ServerCallContext,
                              fingerprint: () -> IdempotencyFingerprint) throws -> CartMutation {
        var idempotency: IdempotencyRequest?
        if let key = try Self.idempotencyKey(context.metadata) {
            idempotency = IdempotencyRequest(key: key, fingerprint: fingerprint())
        }
        return CartMutation(userID: caller.userID, command: command, expectedVersion: expectedVersion,
                            idempotency: idempotency, nowMs: Self.nowMs(),
                            defaultCurrency: configuration.defaultCurrency, isGuest: caller.isGuest)
    }

    private func reply(_ outcome: CartMutationOutcome, caller: CallerIdentity, addedUnits: Int64) -> CartReply {
        switch outcome {
        case .replayed(let bytes):
            events.idempotentReplay()
            return .stored(bytes)
        case .applied(let result):
            if result.created { events.cartCreated() }
            if addedUnits > 0 { events.itemsAdded(addedUnits) }
            if result.changed { hub.publish(userID: caller.userID, cart: result.priced) }
            // The bytes stored for the idempotency key are this very reply: no second encoding.
            if let encoded = result.encoded { return .stored(encoded) }
            return .message(result.priced)
        }
    }

    /// The `idempotency-key` metadata, validated; `nil` when absent.
    static func idempotencyKey(_ metadata: Metadata) throws -> String? {
        let values = metadata.values("idempotency-key")
        guard let key = values.first else { return nil }
        guard values.count == 1 else {
            throw RPCError(code: .invalidArgument, message: "send at most one idempotency-key")
        }
        try IdempotencyKey.validate(key)
        return key
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// Counters the cart service reports to (metrics); each closure must be cheap and thread-safe.
public struct CartEvents: Sendable {
    /// A cart was created.
    public var cartCreated: @Sendable () -> Void = {}
    /// Units were added by AddItem.
    public var itemsAdded: @Sendable (Int64) -> Void = { _ in }
    /// A mutation was answered from its idempotency record.
    public var idempotentReplay: @Sendable () -> Void = {}

    /// No-op events.
    public init() {}
}
