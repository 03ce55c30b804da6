import CartCore
import Locking
import Synchronization

/// The whole catalog in memory, with the stock reserved by pending payments, kept equal to the
/// database by the store: every catalog or reservation change goes through the store's single
/// writer and updates this cache inside the same transaction; a failed transaction reloads it.
///
/// Thread-safe: a mutex; readers hold it for the microseconds of a lookup or of pricing one cart.
final class CatalogCache: Sendable {
    /// The cached state.
    struct State: Sendable {
        /// Products, variants, and total reserved units per stock key.
        var catalog: StaticCatalog
        /// Reserved units per user and stock key (a user's own reservations never count against them).
        var reservedByUser: [String: [StockKey: Int64]]

        /// Adds (or with a negative count, removes) a user's reservation.
        mutating func reserve(userID: String, key: StockKey, units: Int64) {
            let total = (catalog.reservedUnits[key] ?? 0) + units
            catalog.reservedUnits[key] = total > 0 ? total : nil
            let own = (reservedByUser[userID]?[key] ?? 0) + units
            reservedByUser[userID, default: [:]][key] = own > 0 ? own : nil
            if reservedByUser[userID]?.isEmpty == true { reservedByUser.removeValue(forKey: userID) }
        }

        /// The catalog as `userID` sees it: stock minus other users' reservations.
        func view(for userID: String?) -> UserCatalogView {
            UserCatalogView(base: catalog, own: userID.flatMap { reservedByUser[$0] } ?? [:])
        }
    }

    private let state: Locked<State>
    private let epochCounter = Atomic<UInt64>(0)

    init(_ state: State) {
        self.state = Locked(state)
    }

    /// Increases on every change of products, stock or reservations: prices computed at one epoch
    /// stay valid while it does not move.
    var epoch: UInt64 { epochCounter.load(ordering: .acquiring) }

    /// Runs `body` with the catalog as `userID` sees it.
    func read<R: Sendable, E: Error>(for userID: String? = nil, _ body: (UserCatalogView) throws(E) -> R) throws(E) -> R {
        try state.withLock { (state: inout State) throws(E) -> R in try body(state.view(for: userID)) }
    }

    /// Changes the cached state.
    func update<R: Sendable, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        try state.withLock { (state: inout State) throws(E) -> R in
            epochCounter.add(1, ordering: .releasing)
            return try body(&state)
        }
    }

    /// Replaces everything (after a reload).
    func replace(with fresh: State) {
        state.withLock { state in
            epochCounter.add(1, ordering: .releasing)
            state = fresh
        }
    }
}

/// The catalog as one user sees it: every product, and stock minus the units other users' pending
/// payments reserve (the user's own reservation is theirs to pay).
struct UserCatalogView: CatalogLookup, Sendable {
    let base: StaticCatalog
    let own: [StockKey: Int64]

    func product(id: String) -> Product? { base.product(id: id) }

    func productID(ofVariant variantID: String) -> String? { base.productID(ofVariant: variantID) }

    func availableUnits(productID: String, variantID: String?) -> Int64 {
        let available = base.availableUnits(productID: productID, variantID: variantID)
        let mine = own[StockKey(productID: productID, variantID: variantID)] ?? 0
        let (sum, overflow) = available.addingReportingOverflow(mine)
        return overflow ? available : sum
    }
}
