@testable import CartClient
import CartCore
import Testing

@Suite("Paging: every page of a list, never a loop")
struct PagingTests {
    /// A server's pages: token → (items, next token).
    private static func server(_ pages: [String: ([Int], String)]) -> (String) throws(RPCError) -> ([Int], String) {
        { (token) throws(RPCError) in
            guard let page = pages[token] else { throw RPCError(code: .invalidArgument, message: "bad token \(token)") }
            return page
        }
    }

    @Test("follows next_page_token until it is empty, keeping the order")
    func followsTokens() async throws {
        let fetch = Self.server(["": ([1, 2], "a"), "a": ([3], "b"), "b": ([4, 5], "")])
        var asked: [String] = []
        let items = try await Paging.collect("ListThings") { (token) async throws(RPCError) in
            asked.append(token)
            let (items, next) = try fetch(token)
            return (items, next)
        }
        #expect(items == [1, 2, 3, 4, 5])
        #expect(asked == ["", "a", "b"])
    }

    @Test("a single empty page")
    func emptyList() async throws {
        let items = try await Paging.collect("ListThings") { (_: String) async throws(RPCError) -> ([Int], String) in ([], "") }
        #expect(items.isEmpty)
    }

    @Test("a token handed back twice is INTERNAL naming the method, not an endless loop")
    func repeatedTokenStops() async throws {
        let fetch = Self.server(["": ([1], "a"), "a": ([2], "b"), "b": ([3], "a")])
        var calls = 0
        do {
            _ = try await Paging.collect("ListOrders") { (token) async throws(RPCError) in
                calls += 1
                let (items, next) = try fetch(token)
                return (items, next)
            }
            Issue.record("a repeated page token was followed")
        } catch {
            #expect(error.code == .internal)
            #expect(error.message == "ListOrders returned the page token a twice")
        }
        #expect(calls == 3)
    }

    @Test("an error of a page ends the listing with that error")
    func pageErrorPropagates() async throws {
        let fetch = Self.server(["": ([1], "gone")])
        do {
            _ = try await Paging.collect("ListProducts") { (token) async throws(RPCError) in try fetch(token) }
            Issue.record("a failing page was ignored")
        } catch {
            #expect(error.code == .invalidArgument)
        }
    }
}
