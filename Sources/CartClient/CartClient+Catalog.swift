// cart.v1.CatalogService: products, variants and stock (role admin).

import CartCore
import CartProto
import NIOCore

extension CartClient {
    /// The service name of the catalog RPCs.
    static let catalogService = "cart.v1.CatalogService"

    /// `UpsertProducts`: creates or replaces products (an upsert replaces a product's whole variant list).
    /// - Parameters:
    ///   - products: The products.
    ///   - idempotencyKey: The operation's key; `nil` generates one (reused across retries).
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The number of products upserted.
    /// - Throws: ``RPCError``; PERMISSION_DENIED without role admin.
    public func upsertProducts(_ products: [Product], idempotencyKey: String? = nil,
                               timeout: TimeAmount? = nil) async throws(RPCError) -> Int {
        let response = try await mutate(Self.catalogService, "UpsertProducts", UpsertProductsRequest(products: products),
                                        UpsertProductsResponse.self, idempotencyKey: idempotencyKey, timeout: timeout)
        return Int(response.upserted)
    }

    /// `GetProduct`: one product with its variants.
    /// - Parameters:
    ///   - productID: The product.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The product.
    /// - Throws: ``RPCError``; NOT_FOUND for an unknown product.
    public func getProduct(productID: String, timeout: TimeAmount? = nil) async throws(RPCError) -> Product {
        try await read(Self.catalogService, "GetProduct", GetProductRequest(productID: productID), Product.self,
                       timeout: timeout)
    }

    /// `ListProducts`: one page of the catalog.
    /// - Parameters:
    ///   - pageSize: Products per page; 0 lets the server choose.
    ///   - pageToken: `""` for the first page, else the previous page's `nextPageToken`.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The page and the token of the next one (`""` after the last page).
    /// - Throws: ``RPCError``.
    public func listProducts(pageSize: Int32 = 0, pageToken: String = "",
                             timeout: TimeAmount? = nil) async throws(RPCError) -> ListProductsResponse {
        try await read(Self.catalogService, "ListProducts", ListProductsRequest(pageSize: pageSize, pageToken: pageToken),
                       ListProductsResponse.self, timeout: timeout)
    }

    /// Every product of the catalog, page after page.
    /// - Parameters:
    ///   - pageSize: Products per call; 0 lets the server choose.
    ///   - timeout: The deadline of each page's call.
    /// - Returns: The products in the server's order.
    /// - Throws: ``RPCError`` from the first page that fails, or INTERNAL when the server repeats a page token.
    public func allProducts(pageSize: Int32 = 0, timeout: TimeAmount? = nil) async throws(RPCError) -> [Product] {
        try await Paging.collect("ListProducts") { (token) async throws(RPCError) in
            let page = try await listProducts(pageSize: pageSize, pageToken: token, timeout: timeout)
            return (page.products, page.nextPageToken)
        }
    }

    /// `SetStock`: sets the units in stock of a product, or of one of its variants.
    /// - Parameters:
    ///   - productID: The product.
    ///   - variantID: The variant; `""` for the product's own stock.
    ///   - stock: The new stock, at least 0.
    ///   - idempotencyKey: The operation's key; `nil` generates one.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The product after the change.
    /// - Throws: ``RPCError``.
    public func setStock(productID: String, variantID: String = "", stock: Int64, idempotencyKey: String? = nil,
                         timeout: TimeAmount? = nil) async throws(RPCError) -> Product {
        let request = SetStockRequest(productID: productID, variantID: variantID, stock: stock)
        return try await mutate(Self.catalogService, "SetStock", request, Product.self,
                                idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `DeleteProduct`: removes a product from the catalog; cart lines holding it turn unavailable.
    /// - Parameters:
    ///   - productID: The product.
    ///   - idempotencyKey: The operation's key; `nil` generates one.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: Whether a product was deleted.
    /// - Throws: ``RPCError``.
    public func deleteProduct(productID: String, idempotencyKey: String? = nil,
                              timeout: TimeAmount? = nil) async throws(RPCError) -> Bool {
        let response = try await mutate(Self.catalogService, "DeleteProduct", DeleteProductRequest(productID: productID),
                                        DeleteProductResponse.self, idempotencyKey: idempotencyKey, timeout: timeout)
        return response.deleted
    }
}
