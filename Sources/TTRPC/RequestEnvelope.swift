import CCartProto
import NIOCore
import ProtobufCSupport

/// A decoded `ttrpc.Request`: which method to call, its payload, deadline and metadata.
public struct RequestEnvelope: Sendable {
    /// Full proto name of the service, e.g. `cart.v1.CartService`.
    public var service: String
    /// Bare method name, e.g. `AddItem`.
    public var method: String
    /// The encoded request message.
    public var payload: ByteBuffer
    /// Nanoseconds left until the caller's deadline when it sent the call; 0 = none, < 0 = spent.
    public var timeoutNano: Int64
    /// The call's metadata.
    public var metadata: Metadata

    /// Creates an envelope.
    public init(service: String, method: String, payload: ByteBuffer, timeoutNano: Int64 = 0,
                metadata: Metadata = Metadata()) {
        self.service = service
        self.method = method
        self.payload = payload
        self.timeoutNano = timeoutNano
        self.metadata = metadata
    }
}

/// Limits applied while decoding a request envelope.
public struct EnvelopeLimits: Sendable, Hashable {
    /// The most metadata entries one request may carry.
    public var maxMetadataEntries: Int
    /// The most bytes of metadata keys and values one request may carry.
    public var maxMetadataBytes: Int

    /// Creates limits; the defaults allow 64 entries and 16 KiB.
    public init(maxMetadataEntries: Int = 64, maxMetadataBytes: Int = 16 * 1024) {
        self.maxMetadataEntries = maxMetadataEntries
        self.maxMetadataBytes = maxMetadataBytes
    }
}

extension RequestEnvelope {
    /// Decodes a `ttrpc.Request` from a frame's data.
    /// - Parameters:
    ///   - data: The Request frame's data.
    ///   - arena: Scratch memory for protobuf-c; reset by the caller afterwards.
    ///   - limits: Metadata limits.
    /// - Throws: INVALID_ARGUMENT when the bytes are not a Request or a string is not UTF-8;
    ///   RESOURCE_EXHAUSTED when the metadata is over the limits.
    public static func decode(
        _ data: ByteBuffer,
        arena: ProtobufArena,
        limits: EnvelopeLimits = EnvelopeLimits()
    ) throws(RPCError) -> RequestEnvelope {
        var strings = RecentStrings(count: 0)
        return try decode(data, arena: arena, limits: limits, reusing: &strings)
    }

    /// Decodes a `ttrpc.Request`, reusing the strings of the connection's previous request where the
    /// bytes are the same (``RecentStrings``).
    static func decode(
        _ data: ByteBuffer,
        arena: ProtobufArena,
        limits: EnvelopeLimits,
        reusing strings: inout RecentStrings
    ) throws(RPCError) -> RequestEnvelope {
        let result: Result<RequestEnvelope, RPCError> = data.withUnsafeReadableBytes { bytes in
            do throws(ProtobufDecodingError) {
                let request = try ProtobufC.unpack(bytes, arena: arena, using: ttrpc__request__unpack,
                                                   typeName: "ttrpc.Request")
                return decodeFields(request.pointee, limits: limits, strings: &strings)
            } catch {
                return .failure(RPCError(code: .invalidArgument, message: "unmarshal request error: \(error.message)"))
            }
        }
        return try result.get()
    }

    /// The number of ``RecentStrings`` slots a connection keeps: service, method and the keys and
    /// values of the first ``reusedMetadataEntries`` metadata entries.
    static let recentStringSlots = 2 + 2 * reusedMetadataEntries
    /// Metadata entries whose strings are reused from the connection's previous request.
    static let reusedMetadataEntries = 8

    private static func decodeFields(_ request: Ttrpc__Request, limits: EnvelopeLimits,
                                     strings: inout RecentStrings) -> Result<RequestEnvelope, RPCError> {
        do throws(ProtobufDecodingError) {
            let count = request.n_metadata
            if count > limits.maxMetadataEntries {
                return .failure(RPCError(code: .resourceExhausted,
                    message: "request carries \(count) metadata entries; the limit is \(limits.maxMetadataEntries)"))
            }
            // While every entry is handed out from the slots the previous metadata was built from,
            // in the same places, that metadata is reused whole (see ``RecentStrings/metadata``);
            // from the first entry that is not, a new one is built from the entries so far. The
            // memo is emptied here and set again only when this request decodes: a request that
            // fails may have replaced slots.
            let previous = strings.metadata
            strings.metadata = Metadata()
            var metadata = Metadata()
            // Whether the entries so far are `previous`'s first `entries`, not yet copied.
            var same = previous.count > 0
            // Whether every entry's strings are in their slots, so `metadata` may be the next memo.
            var inSlots = true
            var entries = 0
            var metadataBytes = 0
            func endReuse() {
                guard same else { return }
                same = false
                metadata = Metadata(prefix: entries, of: previous, capacity: count)
            }
            for index in 0..<count {
                guard let entry = request.metadata[index] else {
                    // protobuf-c leaves no NULL element in a repeated field; were there one, it would
                    // only end reuse, keeping the entries reused so far.
                    endReuse()
                    inSlots = false
                    continue
                }
                let (key, keyReused) = try strings.reusing(entry.pointee.key, slot: 2 + 2 * index,
                                                           field: "metadata key")
                let (value, valueReused) = try strings.reusing(entry.pointee.value, slot: 3 + 2 * index,
                                                               field: "metadata value of \(key)")
                metadataBytes += key.utf8.count + value.utf8.count
                if metadataBytes > limits.maxMetadataBytes {
                    return .failure(RPCError(code: .resourceExhausted,
                        message: "request metadata exceeds \(limits.maxMetadataBytes) bytes"))
                }
                if same, keyReused, valueReused, index < previous.count {
                    entries += 1
                    continue
                }
                if key.isEmpty || value.isEmpty || 3 + 2 * index >= strings.slotCount { inSlots = false }
                if same { endReuse() } else if entries == 0 { metadata.reserveCapacity(count) }
                metadata.append(key, value)
                entries += 1
            }
            // All entries reused: the previous metadata itself, or its prefix when there are fewer.
            if same {
                metadata = entries == previous.count
                    ? previous : Metadata(prefix: entries, of: previous, capacity: entries)
            }
            let payload: ByteBuffer
            if request.payload.len > 0, let base = request.payload.data {
                payload = ByteBuffer(bytes: UnsafeRawBufferPointer(start: base, count: request.payload.len))
            } else {
                payload = ByteBuffer()
            }
            let service = try strings.string(request.service, slot: 0, field: "service")
            let method = try strings.string(request.method, slot: 1, field: "method")
            // Decoded: the memo again (a request without metadata left the slots as they were).
            strings.metadata = count == 0 ? previous : inSlots ? metadata : Metadata()
            return .success(RequestEnvelope(
                service: service,
                method: method,
                payload: payload,
                timeoutNano: request.timeout_nano,
                metadata: metadata
            ))
        } catch {
            return .failure(RPCError(code: .invalidArgument, message: "unmarshal request error: \(error.message)"))
        }
    }

    /// Appends this request as a complete frame (header and `ttrpc.Request` data) to `buffer`.
    /// - Parameters:
    ///   - streamID: The stream id of the call.
    ///   - flags: Frame flags (``FrameFlags/remoteClosed`` for a server-streaming call).
    ///   - buffer: Where to write.
    ///   - arena: Scratch memory for protobuf-c; reset by the caller afterwards.
    /// - Returns: The frame's data length (callers check it against the 4 MiB limit).
    @discardableResult
    public func writeFrame(streamID: UInt32, flags: FrameFlags, to buffer: inout ByteBuffer,
                           arena: ProtobufArena) -> Int {
        var request = Ttrpc__Request()
        ttrpc__request__init(&request)
        request.service = arena.cString(service)
        request.method = arena.cString(method)
        request.timeout_nano = timeoutNano
        if !metadata.isEmpty {
            let array = arena.allocatePointerArray(of: Ttrpc__KeyValue.self, count: metadata.count)!
            for (index, entry) in metadata.enumerated() {
                let keyValue = arena.allocateZeroed(Ttrpc__KeyValue.self)
                ttrpc__key_value__init(keyValue)
                keyValue.pointee.key = arena.cString(entry.key)
                keyValue.pointee.value = arena.cString(entry.value)
                array[index] = keyValue
            }
            request.n_metadata = metadata.count
            request.metadata = array
        }
        return payload.withUnsafeReadableBytes { bytes in
            if bytes.count > 0 {
                request.payload = ProtobufCBinaryData(
                    len: bytes.count,
                    data: UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)))
            }
            return withUnsafePointer(to: &request) { pointer in
                let size = ProtobufC.packedSize(pointer)
                buffer.writeFrameHeader(FrameHeader(length: UInt32(size), streamID: streamID, type: .request,
                                                    flags: flags))
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
                    ProtobufC.pack(pointer, into: out.baseAddress!)
                }
                return size
            }
        }
    }
}
