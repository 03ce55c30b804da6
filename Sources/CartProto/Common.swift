// cart/v1/common.proto (Money, Address) and the helpers every cart.v1 mapping shares.

import CCartProto
import CartCore
import ProtobufCSupport

/// A Swift value read from, and built into, one protobuf-c message struct of `cart.v1`.
///
/// The building block of nested and repeated fields. Pointers in `CMessage` live in an arena and never
/// escape: ``init(cMessage:)`` copies everything into Swift values.
protocol CMessageMapped {
    /// The generated struct, e.g. `Cart__V1__Money`.
    associatedtype CMessage

    /// Reads the value from a decoded struct.
    /// - Throws: ``ProtobufDecodingError`` naming the field when a field is unacceptable.
    init(cMessage: CMessage) throws(ProtobufDecodingError)

    /// Builds the struct, and everything it points at, in `arena`.
    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<CMessage>
}

/// A protobuf-c repeated message field: `n_x` entries at `x`.
typealias CRepeated<T> = (count: Int, array: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?)

extension CMessageMapped {
    /// Reads an optional sub-message.
    /// - Returns: `nil` when the field is absent (`NULL`).
    static func read(_ pointer: UnsafeMutablePointer<CMessage>?) throws(ProtobufDecodingError) -> Self? {
        guard let pointer else { return nil }
        return try Self(cMessage: pointer.pointee)
    }

    /// Reads a repeated sub-message field, refusing a missing array or `NULL` entries instead of crashing.
    /// - Parameters:
    ///   - count: `n_x`.
    ///   - array: `x`.
    ///   - field: The field's name, for the error message.
    static func readArray(
        _ count: Int, _ array: UnsafeMutablePointer<UnsafeMutablePointer<CMessage>?>?, field: String
    ) throws(ProtobufDecodingError) -> [Self] {
        guard count > 0 else { return [] }
        guard let array else { throw ProtobufDecodingError("\(field) has \(count) entries but no array") }
        var values: [Self] = []
        values.reserveCapacity(count)
        for index in 0..<count {
            guard let entry = array[index] else { throw ProtobufDecodingError("\(field)[\(index)] is missing") }
            values.append(try Self(cMessage: entry.pointee))
        }
        return values
    }

    /// Decodes a whole message with its generated unpack function, in a pooled arena.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, using unpack: ProtobufCUnpack<CMessage>, typeName: String
    ) throws(ProtobufDecodingError) -> Self {
        try ProtobufArena.withPooled { arena throws(ProtobufDecodingError) in
            try Self(cMessage: ProtobufC.unpack(bytes, arena: arena, using: unpack, typeName: typeName).pointee)
        }
    }
}

extension CMessageMapped where Self: ProtoDecodable {
    /// Decodes a whole message named ``ProtoDecodable/protoName``.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, using unpack: ProtobufCUnpack<CMessage>
    ) throws(ProtobufDecodingError) -> Self {
        try decode(bytes, using: unpack, typeName: protoName)
    }
}

extension ProtobufArena {
    /// A zeroed message struct in the arena, initialised by its generated `…__init`.
    /// - Parameter initialize: The generated init, e.g. `cart__v1__money__init`.
    func newMessage<T>(_ initialize: (UnsafeMutablePointer<T>?) -> Void) -> UnsafeMutablePointer<T> {
        let message = allocateZeroed(T.self)
        initialize(message)
        return message
    }

    /// Builds a repeated sub-message field.
    /// - Returns: `n_x` and `x`; `(0, nil)` when `values` is empty.
    func repeated<T: CMessageMapped>(_ values: [T]) -> CRepeated<T.CMessage> {
        guard let array = allocatePointerArray(of: T.CMessage.self, count: values.count) else { return (0, nil) }
        for (index, value) in values.enumerated() { array[index] = value.buildCMessage(in: self) }
        return (values.count, array)
    }

    /// Builds a repeated string field.
    /// - Returns: `n_x` and `x`; `(0, nil)` when `values` is empty.
    func repeatedStrings(_ values: [String]) -> CRepeated<CChar> {
        guard let array = allocatePointerArray(of: CChar.self, count: values.count) else { return (0, nil) }
        for (index, value) in values.enumerated() { array[index] = cString(value) }
        return (values.count, array)
    }
}

extension ProtobufC {
    /// Reads a repeated string field, refusing invalid UTF-8; a `NULL` entry reads as "".
    /// - Parameters:
    ///   - count: `n_x`.
    ///   - array: `x`.
    ///   - field: The field's name, for the error message.
    static func strings(
        _ count: Int, _ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, field: String
    ) throws(ProtobufDecodingError) -> [String] {
        guard count > 0 else { return [] }
        guard let array else { throw ProtobufDecodingError("\(field) has \(count) entries but no array") }
        var values: [String] = []
        values.reserveCapacity(count)
        for index in 0..<count { values.append(try string(array[index], field: field)) }
        return values
    }
}

/// Reads a proto enum through `convert`, turning an unknown number into an error naming the field.
func readEnum<C: RawRepresentable, T>(
    _ value: C, field: String, typeName: String, _ convert: (C) -> T?
) throws(ProtobufDecodingError) -> T where C.RawValue: BinaryInteger {
    guard let result = convert(value) else {
        throw ProtobufDecodingError("\(field) has value \(value.rawValue), which is not a valid \(typeName)")
    }
    return result
}

// MARK: - Money

extension Money: CMessageMapped {
    /// Reads a `cart.v1.Money`.
    init(cMessage message: Cart__V1__Money) throws(ProtobufDecodingError) {
        self.init(
            currencyCode: try ProtobufC.string(message.currency_code, field: "currency_code"),
            amountMinor: message.amount_minor)
    }

    /// Builds a `cart.v1.Money`.
    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__Money> {
        let message = arena.newMessage(cart__v1__money__init)
        message.pointee.currency_code = arena.cString(currencyCode)
        message.pointee.amount_minor = amountMinor
        return message
    }

    /// Reads a Money field the API always sets; an absent one reads as zero with an empty currency code,
    /// which CartCore's validation rejects as a bad currency wherever the value matters.
    static func readRequired(_ pointer: UnsafeMutablePointer<Cart__V1__Money>?) throws(ProtobufDecodingError) -> Money {
        try read(pointer) ?? Money(currencyCode: "", amountMinor: 0)
    }
}

// MARK: - Address

extension Address: CMessageMapped {
    /// Reads a `cart.v1.Address`.
    init(cMessage message: Cart__V1__Address) throws(ProtobufDecodingError) {
        self.init(
            name: try ProtobufC.string(message.name, field: "name"),
            line1: try ProtobufC.string(message.line1, field: "line1"),
            line2: try ProtobufC.string(message.line2, field: "line2"),
            city: try ProtobufC.string(message.city, field: "city"),
            state: try ProtobufC.string(message.state, field: "state"),
            postalCode: try ProtobufC.string(message.postal_code, field: "postal_code"),
            country: try ProtobufC.string(message.country, field: "country"),
            phone: try ProtobufC.string(message.phone, field: "phone"))
    }

    /// Builds a `cart.v1.Address`.
    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__Address> {
        let message = arena.newMessage(cart__v1__address__init)
        message.pointee.name = arena.cString(name)
        message.pointee.line1 = arena.cString(line1)
        message.pointee.line2 = arena.cString(line2)
        message.pointee.city = arena.cString(city)
        message.pointee.state = arena.cString(state)
        message.pointee.postal_code = arena.cString(postalCode)
        message.pointee.country = arena.cString(country)
        message.pointee.phone = arena.cString(phone)
        return message
    }

    /// Builds an Address field: an empty address is sent as an absent field.
    func buildOptional(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__Address>? {
        isEmpty ? nil : buildCMessage(in: arena)
    }

    /// Reads an Address field; an absent one reads as the empty `Address()`.
    static func readOrEmpty(_ pointer: UnsafeMutablePointer<Cart__V1__Address>?) throws(ProtobufDecodingError)
        -> Address
    {
        try read(pointer) ?? Address()
    }
}
