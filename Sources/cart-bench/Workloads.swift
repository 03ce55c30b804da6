import CartProto
import NIOCore
import TTRPC

/// `health`: grpc.health.v1.Health/Check, no metadata: the framework's own cost.
struct HealthWorkload: Workload {
    let name = "health"
    let envelope = RequestEnvelope(service: Services.health, method: "Check",
                                   payload: ByteBufferAllocator().buffer(protoMessage: HealthCheckRequest()))

    final class Generator: CallGenerator {
        let envelope: RequestEnvelope
        init(_ envelope: RequestEnvelope) { self.envelope = envelope }
        func next() -> RequestEnvelope { envelope }
    }

    func makeGenerator(connection index: Int, of count: Int) -> any CallGenerator { Generator(envelope) }
}

/// `get-cart`: GetCart of a random user's five-line cart, with that user's token.
struct GetCartWorkload: Workload {
    let name = "get-cart"
    let fixtures: Fixtures

    final class Generator: CallGenerator {
        let envelopes: [RequestEnvelope]
        var random: FastRandom
        init(_ envelopes: [RequestEnvelope], seed: UInt64) {
            self.envelopes = envelopes
            self.random = FastRandom(seed: seed)
        }
        func next() -> RequestEnvelope { envelopes[random.below(envelopes.count)] }
    }

    func makeGenerator(connection index: Int, of count: Int) -> any CallGenerator {
        Generator(fixtures.getCartEnvelopes, seed: UInt64(index + 1) &* 0x1234_5678_9ABC_DEF1)
    }
}

/// Each user's line quantities as the bench last set them, so AddItem never exceeds the daemon's line
/// maximum. Connection `i` of `n` owns users `i, i + n, …`: no two threads touch the same entry.
final class LineQuantities: @unchecked Sendable {
    private let values: UnsafeMutablePointer<Int64>
    let count: Int

    init(users: Int, initial: Int64 = 1) {
        count = users * Fixtures.linesPerCart
        values = .allocate(capacity: count)
        values.initialize(repeating: initial, count: count)
    }

    deinit { values.deallocate() }

    subscript(user: Int, line: Int) -> Int64 {
        get { values[user * Fixtures.linesPerCart + line] }
        set { values[user * Fixtures.linesPerCart + line] = newValue }
    }
}

/// Visits a connection's users round-robin, then the next line of each: consecutive calls hit different carts.
struct UserLineCursor {
    let users: [Int]
    private var position = 0

    init(connection index: Int, of count: Int, users total: Int) {
        users = Array(stride(from: index, to: total, by: count))
        precondition(!users.isEmpty, "more connections than users: raise --users")
    }

    mutating func next() -> (user: Int, line: Int) {
        defer { position &+= 1 }
        return (users[position % users.count], (position / users.count) % Fixtures.linesPerCart)
    }
}

/// `add-item`: AddItem of one unit of a product already in the cart (the line grows; the cart keeps five
/// lines), with a fresh `idempotency-key` per call, so every call is a durable write plus an idempotency record.
struct AddItemWorkload: Workload {
    let name = "add-item"
    let fixtures: Fixtures
    let quantities: LineQuantities

    final class Generator: CallGenerator {
        let fixtures: Fixtures
        let quantities: LineQuantities
        var cursor: UserLineCursor
        let keyPrefix: String
        var sequence = 0

        init(fixtures: Fixtures, quantities: LineQuantities, connection index: Int, of count: Int) {
            self.fixtures = fixtures
            self.quantities = quantities
            self.cursor = UserLineCursor(connection: index, of: count, users: fixtures.userIDs.count)
            self.keyPrefix = "bench-\(fixtures.runID)-\(index)-\(UInt32.random(in: 0...UInt32.max))-"
        }

        func next() -> RequestEnvelope {
            for _ in 0..<(cursor.users.count * Fixtures.linesPerCart) {
                let (user, line) = cursor.next()
                guard quantities[user, line] < fixtures.maxLineQuantity else { continue }
                quantities[user, line] += 1
                sequence += 1
                var metadata = fixtures.authorization[user]
                metadata.append("idempotency-key", keyPrefix + String(sequence))
                let product = (fixtures.userNumbers[user] + line) % Fixtures.productCount
                return RequestEnvelope(service: Services.cart, method: "AddItem",
                                       payload: fixtures.addItemPayloads[product], metadata: metadata)
            }
            fatalError("every cart line is at the daemon's maximum quantity: raise --users or lower --duration")
        }
    }

    func makeGenerator(connection index: Int, of count: Int) -> any CallGenerator {
        Generator(fixtures: fixtures, quantities: quantities, connection: index, of: count)
    }
}

/// `update-item`: UpdateItem of one line, toggling its quantity between 1 and 2.
struct UpdateItemWorkload: Workload {
    let name = "update-item"
    let fixtures: Fixtures
    let quantities: LineQuantities

    final class Generator: CallGenerator {
        let fixtures: Fixtures
        let quantities: LineQuantities
        var cursor: UserLineCursor
        let allocator = ByteBufferAllocator()

        init(fixtures: Fixtures, quantities: LineQuantities, connection index: Int, of count: Int) {
            self.fixtures = fixtures
            self.quantities = quantities
            self.cursor = UserLineCursor(connection: index, of: count, users: fixtures.userIDs.count)
        }

        func next() -> RequestEnvelope {
            let (user, line) = cursor.next()
            let quantity: Int64 = quantities[user, line] == 1 ? 2 : 1
            quantities[user, line] = quantity
            let request = UpdateItemRequest(itemID: fixtures.lineIDs[user][line], quantity: quantity)
            return RequestEnvelope(service: Services.cart, method: "UpdateItem",
                                   payload: allocator.buffer(protoMessage: request),
                                   metadata: fixtures.authorization[user])
        }
    }

    func makeGenerator(connection index: Int, of count: Int) -> any CallGenerator {
        Generator(fixtures: fixtures, quantities: quantities, connection: index, of: count)
    }
}

/// `mixed`: 90 % GetCart of a random user, 10 % AddItem (as `add-item`).
struct MixedWorkload: Workload {
    let name = "mixed"
    let fixtures: Fixtures
    let quantities: LineQuantities
    /// The share of writes, in percent.
    var writePercent = 10

    final class Generator: CallGenerator {
        let reads: GetCartWorkload.Generator
        let writes: AddItemWorkload.Generator
        var random: FastRandom
        let writePercent: Int

        init(reads: GetCartWorkload.Generator, writes: AddItemWorkload.Generator, seed: UInt64, writePercent: Int) {
            self.reads = reads
            self.writes = writes
            self.random = FastRandom(seed: seed)
            self.writePercent = writePercent
        }

        func next() -> RequestEnvelope { random.below(100) < writePercent ? writes.next() : reads.next() }
    }

    func makeGenerator(connection index: Int, of count: Int) -> any CallGenerator {
        Generator(reads: GetCartWorkload.Generator(fixtures.getCartEnvelopes, seed: UInt64(index + 7) &* 0x9E37_79B9),
                  writes: AddItemWorkload.Generator(fixtures: fixtures, quantities: quantities, connection: index,
                                                    of: count),
                  seed: UInt64(index + 3) &* 0x51_7CC1_B727_220A, writePercent: writePercent)
    }
}
