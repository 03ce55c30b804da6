import Glibc
import ProtobufCSupport

/// The strings of a connection's previous request, handed out again when the next request carries
/// the same bytes in the same place.
///
/// A connection's calls repeat themselves: the same service and method, the same metadata keys and
/// usually the same values (one caller, one token). Reusing the `String` made for the previous call
/// skips its UTF-8 validation and its allocation, and later comparisons with it (the connection's
/// route memo, an authenticator's per-connection memo) take `String`'s same-storage fast path.
///
/// Not thread-safe: owned by one connection's handler on its event loop.
struct RecentStrings {
    private var slots: [String]
    /// Metadata built from the strings now in the metadata slots (entry i from slots 2 + 2i and
    /// 3 + 2i), or empty: a request whose entries are all handed out from those slots, in the same
    /// places, carries exactly this metadata, which is then handed out again (no new array). Only
    /// ``RequestEnvelope`` sets it, keeping that promise (see its decoding).
    var metadata = Metadata()

    /// The number of slots.
    var slotCount: Int { slots.count }

    /// Creates `count` empty slots; slot numbers from `count` on are decoded without reuse.
    init(count: Int) {
        slots = Array(repeating: "", count: count)
    }

    /// The text of a protobuf-c string field: the string kept in `slot` when its bytes are the same,
    /// a newly validated one (then kept in `slot`) otherwise.
    /// - Parameters:
    ///   - pointer: The field (`NULL` and protobuf-c's empty string both read as "").
    ///   - slot: Where this field's previous value is kept.
    ///   - field: The field's name, for the error message.
    /// - Throws: ``ProtobufDecodingError`` naming the field when it is not UTF-8.
    mutating func string(_ pointer: UnsafePointer<CChar>?, slot: Int,
                         field: @autoclosure () -> String) throws(ProtobufDecodingError) -> String {
        try reusing(pointer, slot: slot, field: field()).value
    }

    /// ``string(_:slot:field:)``, and whether the string was already in `slot` (`false` for an empty
    /// field, which leaves the slot as it is, and for a slot number past the slots).
    mutating func reusing(_ pointer: UnsafePointer<CChar>?, slot: Int, field: @autoclosure () -> String)
        throws(ProtobufDecodingError) -> (value: String, reused: Bool) {
        guard let pointer, pointer.pointee != 0 else { return ("", false) }
        guard slot < slots.count else { return (try ProtobufC.string(pointer, field: field()), false) }
        let length = strlen(pointer)
        let previous = slots[slot]
        if previous.utf8.count == length,
           previous.utf8.withContiguousStorageIfAvailable({ memcmp($0.baseAddress!, pointer, length) == 0 }) == true {
            return (previous, true)
        }
        let value = try ProtobufC.string(pointer, field: field())
        slots[slot] = value
        return (value, false)
    }
}
