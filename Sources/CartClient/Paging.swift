// Following next_page_token through a paged list, without ever looping.

/// Collecting every page of a paged list RPC (ListProducts, ListOrders).
enum Paging {
    /// Calls `fetch` with `""`, then with each returned next-page token until one is empty, and
    /// returns all items in order.
    /// - Parameters:
    ///   - method: The RPC's name, for the error message.
    ///   - fetch: One page: its items and the next page's token (`""` after the last page).
    /// - Throws: What `fetch` throws; INTERNAL when the server hands back a token it gave before
    ///   (a server bug that would otherwise loop forever).
    static func collect<Item>(
        _ method: String, _ fetch: (_ token: String) async throws(RPCError) -> (items: [Item], next: String)
    ) async throws(RPCError) -> [Item] {
        var items: [Item] = []
        var token = ""
        var seen: Set<String> = []
        repeat {
            let page = try await fetch(token)
            items += page.items
            token = page.next
            guard token.isEmpty || seen.insert(token).inserted else {
                throw RPCError(code: .internal, message: "\(method) returned the page token \(token) twice")
            }
        } while !token.isEmpty
        return items
    }
}
