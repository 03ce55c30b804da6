// Round trips of every catalog.proto, payment.proto and admin.proto message.

import CartCore
import CartProto
import Testing

@Suite("catalog.proto round trips")
struct CatalogRoundTripTests {
    @Test func products() throws {
        try expectRoundTrip(Sample.product)
        try expectRoundTrip(Product(id: "", name: "", price: Money(currencyCode: "", amountMinor: 0), stock: 0))
        try expectRoundTrip(Sample.product.variants[0])
        try expectRoundTrip(Sample.product.variants[1])
    }

    @Test func productWithManyVariants() throws {
        var product = Sample.product
        product.variants = (0..<100).map {
            ProductVariant(id: "v\($0)", name: "\(Sample.unicode) \($0)", additionalPrice: Sample.inr(Int64(-$0)),
                           active: $0.isMultiple(of: 2), stock: Int64($0))
        }
        try expectRoundTrip(product)
    }

    @Test func requestsAndResponses() throws {
        let products = (0..<50).map { index in
            Product(id: "p\(index)", name: Sample.unicode, price: Sample.inr(Int64(index)), stock: Int64(index),
                    variants: index.isMultiple(of: 5) ? Sample.product.variants : [])
        }
        try expectRoundTrip(UpsertProductsRequest(products: products))
        try expectRoundTrip(UpsertProductsRequest())
        try expectRoundTrip(UpsertProductsResponse(upserted: Int32.max))
        try expectRoundTrip(UpsertProductsResponse(upserted: -1))
        try expectRoundTrip(GetProductRequest(productID: Sample.unicode))
        try expectRoundTrip(ListProductsRequest(pageSize: Int32.min, pageToken: Sample.longText))
        try expectRoundTrip(ListProductsRequest())
        try expectRoundTrip(ListProductsResponse(products: products, nextPageToken: "next"))
        try expectRoundTrip(ListProductsResponse())
        try expectRoundTrip(SetStockRequest(productID: "p1", variantID: "v1", stock: Int64.max))
        try expectRoundTrip(SetStockRequest(productID: "p1", stock: -1))
        try expectRoundTrip(DeleteProductRequest(productID: "p1"))
        try expectRoundTrip(DeleteProductResponse(deleted: true))
        try expectRoundTrip(DeleteProductResponse(deleted: false))
    }
}

@Suite("payment.proto round trips")
struct PaymentRoundTripTests {
    @Test(arguments: PaymentStatus.allCases)
    func payment(status: PaymentStatus) throws {
        try expectRoundTrip(Sample.payment(status))
        try expectRoundTrip(Sample.payment(status, items: []))
    }

    @Test func paymentOptionalIDsAndAddresses() throws {
        let decoded = try Payment(protobufBytes: Sample.payment(.created).protobufBytes())
        #expect(decoded.orderID == nil)
        #expect(decoded.gatewayPaymentID == nil)
        #expect(decoded.billingAddress == Address())
        #expect(decoded.shippingAddress == Sample.address)
    }

    @Test func orders() throws {
        for index in [0, 1, 2, 60] { try expectRoundTrip(Sample.order(index)) }
        try expectRoundTrip(ListOrdersResponse(orders: (0..<20).map(Sample.order), nextPageToken: Sample.unicode))
        try expectRoundTrip(ListOrdersResponse())
        try expectRoundTrip(ListOrdersRequest(pageSize: 100, pageToken: "t"))
        try expectRoundTrip(ListOrdersRequest())
    }

    @Test func requestsAndResponses() throws {
        try expectRoundTrip(CreatePaymentFromCartRequest(
            paymentMethod: "razorpay", shippingAddress: Sample.address, billingAddress: Address(name: "Only a name"),
            currencyCode: "INR", expectedVersion: UInt64.max))
        try expectRoundTrip(CreatePaymentFromCartRequest())
        try expectRoundTrip(ConfirmPaymentRequest(
            paymentID: "pay_1", gatewayPaymentID: "pay_XYZ", gatewaySignature: String(repeating: "ab", count: 32)))
        try expectRoundTrip(ConfirmPaymentRequest())
        try expectRoundTrip(HandleGatewayWebhookRequest(
            gateway: "razorpay", body: (0..<4_096).map { UInt8(truncatingIfNeeded: $0 &* 31) }, signature: "sig",
            eventID: Sample.unicode))
        try expectRoundTrip(HandleGatewayWebhookRequest(body: [0, 0xFF, 0]))
        try expectRoundTrip(HandleGatewayWebhookRequest())
        for status in PaymentStatus.allCases {
            try expectRoundTrip(GatewayWebhookResponse(duplicate: true, paymentID: "pay_1", status: status))
        }
        try expectRoundTrip(GatewayWebhookResponse())
        try expectRoundTrip(CancelPaymentRequest(paymentID: Sample.unicode))
        try expectRoundTrip(GetPaymentRequest(paymentID: "pay_1"))
        try expectRoundTrip(GetOrderRequest(orderID: "ord_1"))
    }
}

@Suite("admin.proto round trips")
struct AdminRoundTripTests {
    @Test func inspectUser() throws {
        try expectRoundTrip(InspectUserRequest(userID: Sample.unicode))
        try expectRoundTrip(InspectUserResponse(
            cart: Sample.cart, payments: PaymentStatus.allCases.map { Sample.payment($0) },
            orders: (0..<5).map(Sample.order)))
        try expectRoundTrip(InspectUserResponse())
        #expect(InspectUserResponse().protobufBytes().isEmpty)
    }

    @Test func metricsAndBackup() throws {
        try expectRoundTrip(GetMetricsRequest())
        try expectRoundTrip(GetMetricsResponse(prometheusText: "# TYPE x counter\nx{a=\"é\"} 1\n" + Sample.longText))
        try expectRoundTrip(GetMetricsResponse())
        try expectRoundTrip(BackupRequest(path: "/var/lib/cartd/backup-\(Sample.unicode).sqlite"))
        try expectRoundTrip(BackupResponse(path: "/tmp/b", sizeBytes: Int64.max))
        try expectRoundTrip(BackupResponse())
    }

    @Test func legacyImport() throws {
        let lines = (0..<30).map {
            LegacyCartLine(productID: "p\($0)", variantID: $0.isMultiple(of: 2) ? "" : "v\($0)",
                           quantity: $0 == 0 ? Int64.min : Int64($0))
        }
        let carts = [
            LegacyCart(userID: "u1", lines: lines), LegacyCart(userID: Sample.unicode, lines: []), LegacyCart(),
        ]
        try expectRoundTrip(lines[1])
        try expectRoundTrip(carts[0])
        try expectRoundTrip(ImportLegacyCartsRequest(carts: carts))
        try expectRoundTrip(ImportLegacyCartsRequest())
        try expectRoundTrip(ImportLegacyCartsResponse(
            users: 3, cartsMerged: Int32.max, lines: -1, linesCapped: 7,
            skipped: ["u1/p9/", "", Sample.unicode] + (0..<200).map { "u/p\($0)/v" }))
        try expectRoundTrip(ImportLegacyCartsResponse())
    }
}
