import CCartProto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bump allocator for building and unpacking protobuf-c messages without a `malloc` per field.
///
/// Strings, repeated-field arrays and sub-messages of one message are carved out of a few large
/// blocks, and everything is released at once by ``reset()`` or when the arena is deallocated.
/// Pass ``allocator`` to a generated `…__unpack` function to decode into the arena; never call
/// `…__free_unpacked` on such a message (its free is a no-op anyway).
///
/// Not thread-safe: one arena belongs to one call on one thread at a time.
public final class ProtobufArena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var largeBlocks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private let blockSize: Int
    private var allocatorStorage: UnsafeMutablePointer<ProtobufCAllocator>

    /// Creates an empty arena.
    /// - Parameter blockSize: The size of each ordinary block; larger requests get a block of their own.
    public init(blockSize: Int = 8 * 1024) {
        self.blockSize = blockSize
        self.allocatorStorage = .allocate(capacity: 1)
        self.allocatorStorage.initialize(
            to: ProtobufCAllocator(
                alloc: { data, size in
                    // The arena outlives every pack and unpack that uses it: no retain and release per allocation.
                    Unmanaged<ProtobufArena>.fromOpaque(data!)._withUnsafeGuaranteedRef { $0.allocate(byteCount: size) }
                },
                free: { _, _ in },
                allocator_data: nil
            )
        )
        self.allocatorStorage.pointee.allocator_data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        for block in blocks { free(block) }
        for block in largeBlocks { free(block) }
        allocatorStorage.deinitialize(count: 1)
        allocatorStorage.deallocate()
    }

    /// A protobuf-c allocator that allocates from this arena; valid while the arena lives.
    public var allocator: UnsafeMutablePointer<ProtobufCAllocator> { allocatorStorage }

    /// Allocates `byteCount` bytes aligned to 16, valid until the next ``reset()``.
    /// - Parameter byteCount: How many bytes.
    /// - Returns: Uninitialised memory owned by the arena.
    public func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = max(16, (byteCount + 15) & ~15)
        if size > remaining {
            if size > blockSize / 4 {
                // A large request gets a block of its own; the current block stays usable.
                guard let block = malloc(size) else { fatalError("out of memory allocating \(size) bytes") }
                largeBlocks.append(block)
                return block
            }
            guard let block = malloc(blockSize) else { fatalError("out of memory allocating \(blockSize) bytes") }
            blocks.append(block)
            cursor = block
            remaining = blockSize
        }
        let result = cursor!
        cursor = result + size
        remaining -= size
        return result
    }

    /// Allocates and zero-fills storage for one `T` (a protobuf-c message struct).
    /// - Returns: A pointer to zeroed memory; call the message's `…__init` on it before use.
    public func allocateZeroed<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        let raw = allocate(byteCount: MemoryLayout<T>.stride)
        memset(raw, 0, MemoryLayout<T>.stride)
        return raw.bindMemory(to: T.self, capacity: 1)
    }

    /// Allocates an array of `count` pointers (a protobuf-c repeated message field), zeroed.
    /// - Returns: The array, or `nil` when `count` is 0 (protobuf-c's convention for an empty field).
    public func allocatePointerArray<T>(of type: T.Type, count: Int) -> UnsafeMutablePointer<UnsafeMutablePointer<T>?>? {
        guard count > 0 else { return nil }
        let raw = allocate(byteCount: MemoryLayout<UnsafeMutablePointer<T>?>.stride * count)
        memset(raw, 0, MemoryLayout<UnsafeMutablePointer<T>?>.stride * count)
        return raw.bindMemory(to: UnsafeMutablePointer<T>?.self, capacity: count)
    }

    /// Copies a Swift string into the arena as a NUL-terminated UTF-8 C string.
    /// - Returns: A pointer valid until the next ``reset()``.
    public func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        var copy = string
        return copy.withUTF8 { utf8 in
            let raw = allocate(byteCount: utf8.count + 1)
            if let base = utf8.baseAddress { memcpy(raw, base, utf8.count) }
            raw.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return raw.bindMemory(to: CChar.self, capacity: utf8.count + 1)
        }
    }

    /// Copies bytes into the arena as protobuf-c `bytes` field data.
    /// - Returns: The field value; empty bytes give `len == 0, data == nil`.
    public func binaryData(_ bytes: UnsafeRawBufferPointer) -> ProtobufCBinaryData {
        guard bytes.count > 0, let base = bytes.baseAddress else { return ProtobufCBinaryData(len: 0, data: nil) }
        let raw = allocate(byteCount: bytes.count)
        memcpy(raw, base, bytes.count)
        return ProtobufCBinaryData(len: bytes.count, data: raw.bindMemory(to: UInt8.self, capacity: bytes.count))
    }

    /// Releases everything allocated so far, keeping one ordinary block for reuse.
    public func reset() {
        // The usual case, one call's message in the first block: only the cursor moves back (no
        // array traversal, uniqueness checks or slices).
        if blocks.count == 1, largeBlocks.isEmpty {
            cursor = blocks[0]
            remaining = blockSize
            return
        }
        for block in largeBlocks { free(block) }
        largeBlocks.removeAll(keepingCapacity: true)
        guard let first = blocks.first else { return }
        for block in blocks.dropFirst() { free(block) }
        blocks.removeAll(keepingCapacity: true)
        blocks.append(first)
        cursor = first
        remaining = blockSize
    }
}
