// Checkout's records: the payment for a snapshot of a cart, and the order it turns into.

/// Where a payment stands. Transitions: created → paid | failed | cancelled | expired; nothing leaves
/// the other states.
public enum PaymentStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Stock reserved, waiting for the shopper to pay.
    case created
    /// Paid and verified; the order exists.
    case paid
    /// The gateway reported a failure; the reservation is released.
    case failed
    /// Cancelled (by the shopper, or replaced by a newer payment); the reservation is released.
    case cancelled
    /// Not paid before it expired; the reservation is released.
    case expired

    /// Whether the payment can still be paid.
    public var isPending: Bool { self == .created }
}

/// A postal address for shipping and billing.
public struct Address: Hashable, Sendable, Codable {
    /// Recipient's full name.
    public var name: String
    /// First address line.
    public var line1: String
    /// Second address line (optional).
    public var line2: String
    /// City.
    public var city: String
    /// State or province (optional).
    public var state: String
    /// Postal code.
    public var postalCode: String
    /// ISO-3166 alpha-2 country code.
    public var country: String
    /// Phone number (optional).
    public var phone: String

    /// Creates an address.
    public init(name: String = "", line1: String = "", line2: String = "", city: String = "", state: String = "",
                postalCode: String = "", country: String = "", phone: String = "") {
        self.name = name
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.state = state
        self.postalCode = postalCode
        self.country = country
        self.phone = phone
    }

    /// Whether every field is empty (an absent address on the wire).
    public var isEmpty: Bool { self == Address() }
}

/// A payment for the snapshot of a cart at one version.
public struct Payment: Hashable, Sendable, Codable {
    /// The payment's id.
    public var id: String
    /// The cart it was created from.
    public var cartID: String
    /// The paying user.
    public var userID: String
    /// Where it stands.
    public var status: PaymentStatus
    /// The snapshot's total.
    public var amount: Money
    /// The method asked for ("razorpay").
    public var paymentMethod: String
    /// The gateway handling it ("razorpay" or "simulated").
    public var gateway: String
    /// The gateway's order id.
    public var gatewayOrderID: String
    /// The gateway's public key id.
    public var gatewayKeyID: String
    /// The cart's lines at creation, priced then.
    public var items: [PricedItem]
    /// Where to ship.
    public var shippingAddress: Address
    /// Who pays.
    public var billingAddress: Address
    /// Creation time, Unix ms.
    public var createdAtMs: Int64
    /// When the reservation ends and an unpaid payment expires, Unix ms.
    public var expiresAtMs: Int64
    /// The order, once paid.
    public var orderID: String?
    /// The cart version the snapshot was taken at.
    public var cartVersion: UInt64
    /// Why it failed, was cancelled or expired.
    public var statusReason: String
    /// When the status last changed, Unix ms.
    public var updatedAtMs: Int64
    /// The gateway's payment id, once paid.
    public var gatewayPaymentID: String?

    /// Creates a payment.
    public init(id: String, cartID: String, userID: String, status: PaymentStatus, amount: Money,
                paymentMethod: String, gateway: String, gatewayOrderID: String, gatewayKeyID: String,
                items: [PricedItem], shippingAddress: Address, billingAddress: Address, createdAtMs: Int64,
                expiresAtMs: Int64, orderID: String? = nil, cartVersion: UInt64, statusReason: String = "",
                updatedAtMs: Int64, gatewayPaymentID: String? = nil) {
        self.id = id
        self.cartID = cartID
        self.userID = userID
        self.status = status
        self.amount = amount
        self.paymentMethod = paymentMethod
        self.gateway = gateway
        self.gatewayOrderID = gatewayOrderID
        self.gatewayKeyID = gatewayKeyID
        self.items = items
        self.shippingAddress = shippingAddress
        self.billingAddress = billingAddress
        self.createdAtMs = createdAtMs
        self.expiresAtMs = expiresAtMs
        self.orderID = orderID
        self.cartVersion = cartVersion
        self.statusReason = statusReason
        self.updatedAtMs = updatedAtMs
        self.gatewayPaymentID = gatewayPaymentID
    }
}

/// Where an order stands.
public enum OrderStatus: String, Hashable, Sendable, Codable {
    /// Paid and confirmed; ready for fulfilment.
    case confirmed
}

/// An order: what was bought, at what price, to where. Created exactly once per paid payment.
public struct Order: Hashable, Sendable, Codable {
    /// The order's id.
    public var id: String
    /// The payment that paid for it.
    public var paymentID: String
    /// The buyer.
    public var userID: String
    /// The lines as paid for.
    public var items: [PricedItem]
    /// The amount paid.
    public var totalPrice: Money
    /// Where to ship.
    public var shippingAddress: Address
    /// Who paid.
    public var billingAddress: Address
    /// Where it stands.
    public var status: OrderStatus
    /// Creation time, Unix ms.
    public var createdAtMs: Int64
    /// The cart it came from.
    public var cartID: String

    /// Creates an order.
    public init(id: String, paymentID: String, userID: String, items: [PricedItem], totalPrice: Money,
                shippingAddress: Address, billingAddress: Address, status: OrderStatus, createdAtMs: Int64,
                cartID: String) {
        self.id = id
        self.paymentID = paymentID
        self.userID = userID
        self.items = items
        self.totalPrice = totalPrice
        self.shippingAddress = shippingAddress
        self.billingAddress = billingAddress
        self.status = status
        self.createdAtMs = createdAtMs
        self.cartID = cartID
    }
}
