import CartAuth
import CartCore
import CartProto
import CUDSFloor
import NIOCore
import TTRPC

/// The data the workloads run on: a catalog of products with ample stock, and users whose carts hold
/// five lines each, with pre-minted tokens and prebuilt GetCart envelopes.
///
/// Immutable after ``load``; shared by every connection.
final class Fixtures: Sendable {
    /// Products in the bench catalog; user `i`'s cart holds products `(i + l) % productCount`, l = 0…4.
    static let productCount = 20
    /// Lines per seeded cart.
    static let linesPerCart = 5

    /// The user ids, `bench-user-<n>`.
    let userIDs: [String]
    /// The user numbers behind ``userIDs`` (the `n` of `bench-user-n`).
    let userNumbers: [Int]
    /// `authorization` metadata per user.
    let authorization: [Metadata]
    /// GetCart envelopes per user (payload and metadata fixed).
    let getCartEnvelopes: [RequestEnvelope]
    /// Line ids per user: `lineIDs[user][line]` (for UpdateItem); empty when the carts were written by SQL.
    let lineIDs: [[String]]
    /// AddItem payloads per product (quantity 1).
    let addItemPayloads: [ByteBuffer]
    /// Product ids.
    let productIDs: [String]
    /// The largest line quantity the daemon accepts.
    let maxLineQuantity: Int64
    /// A prefix unique to this run, for idempotency keys.
    let runID: String

    private init(userIDs: [String], userNumbers: [Int], tokens: [String], lineIDs: [[String]], maxLineQuantity: Int64) {
        self.userIDs = userIDs
        self.userNumbers = userNumbers
        self.lineIDs = lineIDs
        self.maxLineQuantity = maxLineQuantity
        let allocator = ByteBufferAllocator()
        self.authorization = tokens.map { ["authorization": "Bearer \($0)"] }
        let empty = allocator.buffer(protoMessage: GetCartRequest())
        self.getCartEnvelopes = authorization.map {
            RequestEnvelope(service: Services.cart, method: "GetCart", payload: empty, metadata: $0)
        }
        self.productIDs = (0..<Self.productCount).map(Self.productID)
        self.addItemPayloads = productIDs.map {
            allocator.buffer(protoMessage: AddItemRequest(productID: $0, quantity: 1))
        }
        self.runID = String(cuds_now_ns() % 1_000_000_007, radix: 36)
    }

    static func productID(_ index: Int) -> String {
        "bench-p" + String(repeating: "0", count: max(0, 3 - String(index).count)) + String(index)
    }

    static func userID(_ number: Int) -> String { "bench-user-\(number)" }

    /// Unit price of product `index`, minor units (INR).
    static func priceMinor(_ index: Int) -> Int64 { 10_000 + Int64(index) * 100 }

    /// The bench catalog.
    static var products: [Product] {
        (0..<productCount).map { index in
            Product(id: productID(index), name: "Bench product \(index)",
                    price: Money(currencyCode: "INR", amountMinor: priceMinor(index)), stock: 1_000_000_000)
        }
    }

    /// Mints tokens for `userNumbers` and, when `seed` is set, fills each user's cart with five lines
    /// through AddItem, `parallelism` connections at a time.
    static func load(socketPath: String, group: any EventLoopGroup, minter: TokenMinter, userNumbers: [Int],
                     seed: Bool, maxLineQuantity: Int64, parallelism: Int = 8) async throws -> Fixtures {
        var tokens: [String] = []
        tokens.reserveCapacity(userNumbers.count)
        for number in userNumbers {
            tokens.append(try await minter.mint(subject: userID(number), lifetime: 6 * 3600))
        }
        var lineIDs = Array(repeating: [String](), count: userNumbers.count)
        if seed {
            let connections = try await openConnections(parallelism, socketPath: socketPath, group: group)
            do {
                try await seedCarts(connections: connections, tokens: tokens, userNumbers: userNumbers,
                                    into: &lineIDs)
            } catch {
                await closeAll(connections)
                throw error
            }
            await closeAll(connections)
        }
        return Fixtures(userIDs: userNumbers.map(userID), userNumbers: userNumbers, tokens: tokens, lineIDs: lineIDs,
                        maxLineQuantity: maxLineQuantity)
    }

    private static func seedCarts(connections: [TTRPCClientConnection], tokens: [String], userNumbers: [Int],
                                  into lineIDs: inout [[String]]) async throws {
            try await withThrowingTaskGroup(of: [(Int, [String])].self) { tasks in
                for (index, connection) in connections.enumerated() {
                    tasks.addTask {
                        var seeded: [(Int, [String])] = []
                        for user in stride(from: index, to: userNumbers.count, by: connections.count) {
                            let metadata: Metadata = ["authorization": "Bearer \(tokens[user])"]
                            var cart: PricedCart?
                            for line in 0..<linesPerCart {
                                let product = productID((userNumbers[user] + line) % productCount)
                                cart = try await connection.call(
                                    service: Services.cart, method: "AddItem",
                                    request: AddItemRequest(productID: product, quantity: 1),
                                    response: PricedCart.self, metadata: metadata)
                            }
                            guard let cart, cart.items.count == linesPerCart else {
                                throw BenchError("user \(user)'s cart has \(cart?.items.count ?? 0) lines after seeding, want 5 (was the database fresh?)")
                            }
                            seeded.append((user, cart.items.map(\.id)))
                        }
                        return seeded
                    }
                }
                for try await part in tasks { for (user, ids) in part { lineIDs[user] = ids } }
            }
    }

    /// Loads the bench catalog with an admin token.
    static func loadCatalog(socketPath: String, group: any EventLoopGroup, minter: TokenMinter) async throws {
        let admin = try await minter.mint(subject: "bench-admin", lifetime: 3600, roles: ["admin"])
        let connection = try await TTRPCClientConnection.connect(unixSocketPath: socketPath, group: group)
        let reply: UpsertProductsResponse
        do {
            reply = try await connection.call(service: Services.catalog, method: "UpsertProducts",
                                              request: UpsertProductsRequest(products: products),
                                              response: UpsertProductsResponse.self,
                                              metadata: ["authorization": "Bearer \(admin)"])
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        guard reply.upserted == Int32(productCount) else {
            throw BenchError("UpsertProducts upserted \(reply.upserted) products, want \(productCount)")
        }
    }
}

/// Service names.
enum Services {
    static let health = "grpc.health.v1.Health"
    static let cart = "cart.v1.CartService"
    static let catalog = "cart.v1.CatalogService"
}

/// Closes connections.
func closeAll(_ connections: [TTRPCClientConnection]) async {
    for connection in connections { await connection.close() }
}

/// Opens `count` connections.
func openConnections(_ count: Int, socketPath: String, group: any EventLoopGroup) async throws
    -> [TTRPCClientConnection] {
    var connections: [TTRPCClientConnection] = []
    for _ in 0..<count {
        connections.append(try await TTRPCClientConnection.connect(unixSocketPath: socketPath, group: group))
    }
    return connections
}
