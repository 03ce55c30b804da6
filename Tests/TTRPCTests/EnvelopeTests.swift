import NIOCore
import ProtobufCSupport
import Testing
@testable import TTRPC

@Suite("Envelope codec")
struct EnvelopeTests {
    @Test("decodes the Go client's captured request")
    func decodesGoRequest() throws {
        let data = ByteBuffer(bytes: goRequestFrame.dropFirst(10))
        let envelope = try RequestEnvelope.decode(data, arena: ProtobufArena())
        #expect(envelope.service == "demo.v1.Echo")
        #expect(envelope.method == "Say")
        #expect(Array(envelope.payload.readableBytesView) == hex("0a 05") + utf8("hello"))
        #expect(envelope.timeoutNano == 4_999_973_861)
        #expect(envelope.metadata["x-cart-id"] == "c42")
        #expect(envelope.metadata["X-Cart-ID"] == "c42")
    }

    @Test("encodes a request the Go server would read byte for byte")
    func encodesLikeGo() {
        var buffer = ByteBuffer()
        let envelope = RequestEnvelope(service: "demo.v1.Echo", method: "Say",
                                       payload: ByteBuffer(bytes: hex("0a 05") + utf8("hello")),
                                       timeoutNano: 4_999_973_861, metadata: ["x-cart-id": "c42"])
        envelope.writeFrame(streamID: 1, flags: [], to: &buffer, arena: ProtobufArena())
        #expect(Array(buffer.readableBytesView) == goRequestFrame)
    }

    @Test("a success response matches the captured Go server reply")
    func successResponse() {
        var buffer = ByteBuffer()
        buffer.writeResponseFrame(streamID: 1, payload: ByteBuffer(bytes: hex("0a 0b") + utf8("echo: hello")))
        #expect(Array(buffer.readableBytesView) == goResponseFrame)
    }

    @Test("an error response matches the captured Go error reply")
    func errorResponse() throws {
        var buffer = ByteBuffer()
        buffer.writeResponseFrame(streamID: 1, status: RPCError(code: .notFound, message: "no such cart \"fail\""))
        let expectedData = hex("0a 17 08 05 12 13") + utf8("no such cart \"fail\"")
        #expect(Array(buffer.readableBytesView.dropFirst(10)) == expectedData)
        let decoded = try ResponseEnvelope.decode(ByteBuffer(bytes: expectedData), arena: ProtobufArena())
        #expect(decoded.status?.code == .notFound)
        #expect(decoded.status?.message == "no such cart \"fail\"")
        #expect(decoded.payload.readableBytes == 0)
    }

    @Test("a status with code 0 means success")
    func codeZeroIsSuccess() throws {
        let decoded = try ResponseEnvelope.decode(ByteBuffer(bytes: hex("0a 00 12 01 41")), arena: ProtobufArena())
        #expect(decoded.status == nil)
        #expect(Array(decoded.payload.readableBytesView) == [0x41])
    }

    @Test("round trip keeps repeated metadata keys and order, lowercased")
    func metadataRoundTrip() throws {
        var metadata = Metadata()
        metadata.append("Authorization", "Bearer x")
        metadata.append("x-tag", "a")
        metadata.append("X-TAG", "b")
        var buffer = ByteBuffer()
        RequestEnvelope(service: "s", method: "m", payload: ByteBuffer(), timeoutNano: -5, metadata: metadata)
            .writeFrame(streamID: 3, flags: [], to: &buffer, arena: ProtobufArena())
        buffer.moveReaderIndex(forwardBy: 10)
        let decoded = try RequestEnvelope.decode(buffer, arena: ProtobufArena())
        #expect(decoded.metadata.values("x-tag") == ["a", "b"])
        #expect(decoded.metadata["authorization"] == "Bearer x")
        #expect(decoded.timeoutNano == -5)
        #expect(decoded.metadata.map(\.key) == ["authorization", "x-tag", "x-tag"])
    }

    @Test("garbage is INVALID_ARGUMENT")
    func garbage() {
        #expect(throws: RPCError.self) {
            try RequestEnvelope.decode(ByteBuffer(bytes: [0xff, 0xff, 0xff]), arena: ProtobufArena())
        }
        do {
            _ = try RequestEnvelope.decode(ByteBuffer(bytes: [0x0a, 0x05, 0x41]), arena: ProtobufArena())
            Issue.record("truncated envelope decoded")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.hasPrefix("unmarshal request error"))
        }
    }

    @Test("a service name that is not UTF-8 is INVALID_ARGUMENT naming the field")
    func invalidUTF8() {
        do {
            _ = try RequestEnvelope.decode(ByteBuffer(bytes: [0x0a, 0x02, 0xc3, 0x28]), arena: ProtobufArena())
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("service is not valid UTF-8"))
        }
    }

    @Test("metadata over the count or size limit is RESOURCE_EXHAUSTED")
    func metadataLimits() {
        var many = Metadata()
        for index in 0..<65 { many.append("k\(index)", "v") }
        var big = Metadata()
        big.append("k", String(repeating: "x", count: 20_000))
        for metadata in [many, big] {
            var buffer = ByteBuffer()
            RequestEnvelope(service: "s", method: "m", payload: ByteBuffer(), metadata: metadata)
                .writeFrame(streamID: 1, flags: [], to: &buffer, arena: ProtobufArena())
            buffer.moveReaderIndex(forwardBy: 10)
            #expect(throws: RPCError.self) { try RequestEnvelope.decode(buffer, arena: ProtobufArena()) }
            do {
                _ = try RequestEnvelope.decode(buffer, arena: ProtobufArena())
            } catch {
                #expect(error.code == .resourceExhausted)
            }
        }
    }

    /// The data of a request frame for `envelope`.
    private func requestData(_ envelope: RequestEnvelope) -> ByteBuffer {
        var buffer = ByteBuffer()
        envelope.writeFrame(streamID: 1, flags: [], to: &buffer, arena: ProtobufArena())
        buffer.moveReaderIndex(forwardBy: 10)
        return buffer
    }

    @Test("a connection's requests decode the same with the previous request's strings reused: repeated, changed, mis-cased, more entries than are reused")
    func recentStringsReuse() throws {
        var strings = RecentStrings(count: RequestEnvelope.recentStringSlots)
        let arena = ProtobufArena()
        func decode(_ service: String, _ method: String, _ pairs: [(String, String)]) throws -> RequestEnvelope {
            var metadata = Metadata()
            for (key, value) in pairs { metadata.append(key, value) }
            let data = requestData(RequestEnvelope(service: service, method: method, payload: ByteBuffer(),
                                                   metadata: metadata))
            defer { arena.reset() }
            return try RequestEnvelope.decode(data, arena: arena, limits: EnvelopeLimits(), reusing: &strings)
        }
        let token = "Bearer " + String(repeating: "t", count: 200)
        for _ in 0..<3 {
            let repeated = try decode("cart.v1.CartService", "GetCart", [("authorization", token)])
            #expect(repeated.service == "cart.v1.CartService")
            #expect(repeated.method == "GetCart")
            #expect(repeated.metadata["authorization"] == token)
        }
        let changed = try decode("cart.v1.CartService", "GetCarts", [("authorization", token + "x")])
        #expect(changed.method == "GetCarts")
        #expect(changed.metadata["authorization"] == token + "x")
        let shorter = try decode("cart.v1.CartServic", "GetCart", [("authorization", String(token.dropLast()))])
        #expect(shorter.service == "cart.v1.CartServic")
        #expect(shorter.metadata["authorization"] == String(token.dropLast()))
        let upper = try decode("cart.v1.CartService", "GetCart", [("Authorization", token)])
        #expect(upper.metadata.map(\.key) == ["authorization"], "a key in another case is lowercased, not reused as is")
        let pairs = (0..<12).map { ("k\($0)", "v\($0)") }
        for _ in 0..<2 {
            let many = try decode("s", "m", pairs)
            #expect(many.metadata.map(\.key) == pairs.map(\.0))
            #expect(many.metadata.map(\.value) == pairs.map(\.1), "entries past the reused ones decode as usual")
        }
        let empty = try decode("s", "m", [("k0", "")])
        #expect(empty.metadata["k0"] == "")
    }

    @Test("the previous request's metadata is reused only while the entries are the same: more, fewer, changed, none")
    func recentMetadataReuse() throws {
        var strings = RecentStrings(count: RequestEnvelope.recentStringSlots)
        let arena = ProtobufArena()
        func decode(_ pairs: [(String, String)]) throws -> Metadata {
            var metadata = Metadata()
            for (key, value) in pairs { metadata.append(key, value) }
            let data = requestData(RequestEnvelope(service: "s", method: "m", payload: ByteBuffer(),
                                                   metadata: metadata))
            defer { arena.reset() }
            return try RequestEnvelope.decode(data, arena: arena, limits: EnvelopeLimits(), reusing: &strings)
                .metadata
        }
        func expected(_ pairs: [(String, String)]) -> Metadata {
            var metadata = Metadata()
            for (key, value) in pairs { metadata.append(key, value) }
            return metadata
        }
        let sequence: [[(String, String)]] = [
            [("authorization", "Bearer a"), ("x-request-id", "1")],
            [("authorization", "Bearer a"), ("x-request-id", "1")],  // the same: reused
            [("authorization", "Bearer a"), ("x-request-id", "1"), ("idempotency-key", "k")],  // one more
            [("authorization", "Bearer a")],  // fewer
            [("authorization", "Bearer b")],  // changed value
            [],  // none: empty, and the memo is kept for the next
            [("authorization", "Bearer b")],
            [("x-request-id", "2"), ("authorization", "Bearer b")],  // same entries, other order
            [("x-request-id", "2"), ("x-request-id", "3")],  // a key repeated
        ]
        for pairs in sequence {
            let metadata = try decode(pairs)
            #expect(metadata == expected(pairs), "\(pairs)")
            #expect(metadata.map(\.key) == pairs.map { $0.0.lowercased() })
        }
    }

    /// A `ttrpc.Request` for service "s", method "m" with `pairs` as they are on the wire (not lowercased).
    private func rawRequest(_ pairs: [(String, String)]) -> ByteBuffer {
        var bytes: [UInt8] = [0x0a, 0x01, 0x73, 0x12, 0x01, 0x6d]
        for (key, value) in pairs {
            let entry = [0x0a, UInt8(key.utf8.count)] + Array(key.utf8)
                + [0x12, UInt8(value.utf8.count)] + Array(value.utf8)
            bytes += [0x2a, UInt8(entry.count)] + entry
        }
        return ByteBuffer(bytes: bytes)
    }

    @Test("reused metadata has the request's own bytes: an upper-case key, equivalent text, after a failed request")
    func recentMetadataBytes() throws {
        var strings = RecentStrings(count: RequestEnvelope.recentStringSlots)
        let arena = ProtobufArena()
        func decode(_ pairs: [(String, String)], limits: EnvelopeLimits = EnvelopeLimits()) throws -> Metadata {
            defer { arena.reset() }
            return try RequestEnvelope.decode(rawRequest(pairs), arena: arena, limits: limits, reusing: &strings)
                .metadata
        }
        #expect(try decode([("authorization", "x")]).map(\.key) == ["authorization"])
        #expect(try decode([("Authorization", "x")]).map(\.key) == ["authorization"])
        #expect(try decode([("Authorization", "x")]).map(\.key) == ["authorization"])
        // "café" precomposed, then decomposed: equal as Swift strings, different bytes.
        #expect(try decode([("k", "caf\u{E9}")])["k"].map { Array($0.utf8) } == Array("caf\u{E9}".utf8))
        #expect(try decode([("k", "cafe\u{301}")])["k"].map { Array($0.utf8) } == Array("cafe\u{301}".utf8))
        #expect(try decode([("k", "caf\u{E9}")])["k"].map { Array($0.utf8) } == Array("caf\u{E9}".utf8))
        // A request refused partway (its second entry over the byte limit) changes nothing for the next.
        #expect(throws: RPCError.self) {
            try decode([("k", "v"), ("big", String(repeating: "b", count: 64))],
                       limits: EnvelopeLimits(maxMetadataBytes: 32))
        }
        #expect(try decode([("k", "v")]) == ["k": "v"], "the refused request's strings are not taken for the memo's")
        #expect(try decode([("k", "caf\u{E9}")]) == ["k": "caf\u{E9}"])
        // Empty values and entries past the reused slots decode as they are, again and again.
        let many = (0..<10).map { ("k\($0)", $0 == 3 ? "" : "v\($0)") }
        for _ in 0..<3 { #expect(try decode(many).map(\.value) == many.map(\.1)) }
        let fewer = try decode([("k0", "v0"), ("k1", "v1"), ("k2", "v2"), ("k3", "x")])
        #expect(fewer.map(\.value) == ["v0", "v1", "v2", "x"])
    }

    @Test("bytes that are not UTF-8 are INVALID_ARGUMENT even where the previous request's text was valid")
    func recentStringsInvalidUTF8() throws {
        var strings = RecentStrings(count: RequestEnvelope.recentStringSlots)
        let arena = ProtobufArena()
        let good = requestData(RequestEnvelope(service: "s", method: "m", payload: ByteBuffer(), metadata: ["k": "vv"]))
        _ = try RequestEnvelope.decode(good, arena: arena, limits: EnvelopeLimits(), reusing: &strings)
        arena.reset()
        // service "s", then a metadata entry whose value is 0xc3 0x28 (same length as "vv", not UTF-8).
        let keyValue = [0x0a, 0x01, 0x6b, 0x12, 0x02, 0xc3, 0x28] as [UInt8]
        let bad = ByteBuffer(bytes: [0x0a, 0x01, 0x73, 0x12, 0x01, 0x6d, 0x2a, UInt8(keyValue.count)] + keyValue)
        do {
            _ = try RequestEnvelope.decode(bad, arena: arena, limits: EnvelopeLimits(), reusing: &strings)
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("metadata value of k is not valid UTF-8"))
        }
        arena.reset()
        let again = try RequestEnvelope.decode(good, arena: arena, limits: EnvelopeLimits(), reusing: &strings)
        #expect(again.metadata["k"] == "vv")
    }

    @Test("annotations: a key set again keeps its place with the new value, nil removes it, any number of keys")
    func annotations() {
        let annotations = CallAnnotations()
        #expect(annotations.all.isEmpty)
        annotations["user.id"] = "alice"
        annotations["cart.id"] = "c1"
        annotations["user.id"] = "bob"
        #expect(annotations.all.map(\.0) == ["user.id", "cart.id"])
        #expect(annotations["user.id"] == "bob")
        annotations["user.id"] = nil
        #expect(annotations["user.id"] == nil)
        #expect(annotations.all.map(\.0) == ["cart.id"])
        annotations["absent"] = nil
        for index in 0..<10 { annotations["k\(index)"] = "\(index)" }
        #expect(annotations.all.count == 11)
        #expect(annotations["k9"] == "9")
    }

    @Test("status codes have their canonical names")
    func statusNames() {
        #expect(StatusCode.ok.name == "OK")
        #expect(StatusCode.unauthenticated.name == "UNAUTHENTICATED")
        #expect(StatusCode(rawValue: 42).name == "CODE_42")
        #expect(StatusCode(name: "deadline_exceeded") == .deadlineExceeded)
        #expect(StatusCode.resourceExhausted.rawValue == 8)
    }

    @Test("an arena survives many large and small allocations across resets")
    func arenaReuse() {
        let arena = ProtobufArena(blockSize: 1024)
        for round in 0..<50 {
            for size in [1, 15, 16, 17, 300, 5000, 100_000] {
                let pointer = arena.allocate(byteCount: size)
                pointer.initializeMemory(as: UInt8.self, repeating: UInt8(round), count: size)
                #expect(Int(bitPattern: pointer) % 16 == 0)
            }
            let text = arena.cString("héllo \(round)")
            #expect(String(cString: text) == "héllo \(round)")
            arena.reset()
        }
    }

    @Test("a reset arena hands out its first block again, whether it held one block, several or a large one")
    func arenaResetReusesTheFirstBlock() {
        let arena = ProtobufArena(blockSize: 1024)
        let first = arena.allocate(byteCount: 64)
        arena.reset()
        #expect(arena.allocate(byteCount: 64) == first, "one block: the cursor moves back")
        for _ in 0..<10 { _ = arena.allocate(byteCount: 200) }  // spills into more ordinary blocks
        arena.reset()
        #expect(arena.allocate(byteCount: 64) == first, "several blocks: the first is kept")
        let large = arena.allocate(byteCount: 4096)
        large.initializeMemory(as: UInt8.self, repeating: 7, count: 4096)
        arena.reset()
        #expect(arena.allocate(byteCount: 64) == first, "a large block: freed, the first kept")
        let fresh = ProtobufArena(blockSize: 1024)
        fresh.reset()  // no block yet
        let pointer = fresh.allocate(byteCount: 32)
        pointer.initializeMemory(as: UInt8.self, repeating: 1, count: 32)
        #expect(Int(bitPattern: pointer) % 16 == 0)
    }
}
