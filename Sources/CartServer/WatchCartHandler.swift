import CartCore
import CartProto
import NIOCore
import TTRPC

/// `CartService/WatchCart`: the current cart (when newer than `since_version`), then every committed
/// change, until the client goes away or the daemon shuts down (the stream then ends cleanly).
struct WatchCartHandler: Sendable {
    let store: any CartStore
    let auth: Authenticator
    let hub: WatchHub
    let configuration: CartServiceConfiguration

    func register(in router: inout Router) {
        router.registerServerStreaming(service: CartService.name, method: "WatchCart", request: WatchCartRequest.self) {
            (request: WatchCartRequest, context: ServerCallContext, writer: TypedStreamWriter<CartEvent>) in
            auth.authenticate(context).flatMap { caller in
                let done = context.eventLoop.makePromise(of: Void.self)
                // Subscribe before reading the current cart: a change committed in between is then
                // either in the cart read or published to the watcher (older versions are dropped).
                let watcher = hub.subscribe(userID: caller.userID, sinceVersion: request.sinceVersion,
                                            writer: writer.writer, eventLoop: context.eventLoop)
                context.cancellation.onCancel { _ in
                    hub.unsubscribe(watcher)
                    done.succeed(())
                }
                do {
                    let (cart, _) = try store.pricedCart(userID: caller.userID,
                                                         defaultCurrency: configuration.defaultCurrency,
                                                         nowMs: CartService.nowMs(), isGuest: caller.isGuest)
                    let event = context.allocator.buffer(protoMessage: CartEvent(cart: cart))
                    watcher.offer(version: cart.version, event: event)
                } catch {
                    hub.unsubscribe(watcher)
                    done.fail(error)
                }
                return done.futureResult
            }
        }
    }
}
