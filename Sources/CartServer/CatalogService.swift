import CartCore
import CartProto
import Foundation
import NIOCore
import TTRPC

/// `cart.v1.CatalogService`: products, variants, prices and stock. Role `admin` (or an admin peer).
public struct CatalogService: Sendable {
    /// The service's proto name.
    public static let name = "cart.v1.CatalogService"

    let store: any CatalogStore
    let auth: Authenticator

    /// Creates the service.
    public init(store: any CatalogStore, auth: Authenticator) {
        self.store = store
        self.auth = auth
    }

    /// Registers every RPC.
    public func register(in router: inout Router) {
        router.registerUnary(service: Self.name, method: "UpsertProducts", request: UpsertProductsRequest.self,
                             response: UpsertProductsResponse.self) { request, context in
            auth.authenticateAdmin(context).flatMapThrowing { _ in
                guard !request.products.isEmpty else {
                    throw RPCError(code: .invalidArgument, message: "products must not be empty")
                }
                return UpsertProductsResponse(upserted: Int32(try store.upsertProducts(request.products)))
            }
        }
        router.registerUnary(service: Self.name, method: "GetProduct", request: GetProductRequest.self,
                             response: Product.self) { request, context in
            auth.authenticateAdmin(context).flatMapThrowing { _ in
                try IDValidation.required(request.productID, field: "product_id")
                guard let product = try store.product(id: request.productID) else {
                    throw CartError.productNotFound(request.productID)
                }
                return product
            }
        }
        router.registerUnary(service: Self.name, method: "ListProducts", request: ListProductsRequest.self,
                             response: ListProductsResponse.self) { request, context in
            auth.authenticateAdmin(context).flatMapThrowing { _ in
                guard (0...500).contains(request.pageSize) else {
                    throw RPCError(code: .invalidArgument, message: "page_size must be between 0 and 500 (0 means 100)")
                }
                let size = request.pageSize == 0 ? 100 : Int(request.pageSize)
                let after = try PageToken.decode(request.pageToken)
                let page = try store.listProducts(afterID: after, limit: size + 1)
                let products = Array(page.prefix(size))
                let next = page.count > size ? PageToken.encode(products.last!.id) : ""
                return ListProductsResponse(products: products, nextPageToken: next)
            }
        }
        router.registerUnary(service: Self.name, method: "SetStock", request: SetStockRequest.self,
                             response: Product.self) { request, context in
            auth.authenticateAdmin(context).flatMapThrowing { _ in
                try store.setStock(productID: request.productID, variantID: request.variantID, stock: request.stock)
            }
        }
        router.registerUnary(service: Self.name, method: "DeleteProduct", request: DeleteProductRequest.self,
                             response: DeleteProductResponse.self) { request, context in
            auth.authenticateAdmin(context).flatMapThrowing { _ in
                DeleteProductResponse(deleted: try store.deleteProduct(id: request.productID))
            }
        }
    }
}

/// Opaque page tokens: the last id of a page, base64url-encoded.
enum PageToken {
    static func encode(_ lastID: String) -> String {
        Data(lastID.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ token: String) throws -> String? {
        guard !token.isEmpty else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        guard token.utf8.count <= 1024, let data = Data(base64Encoded: base64),
              let id = String(data: data, encoding: .utf8) else {
            throw RPCError(code: .invalidArgument, message: "page_token is not one this service returned")
        }
        return id
    }
}
