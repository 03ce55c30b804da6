// A small tmpfs for disk-full tests: mounted, filled to ENOSPC, unmounted.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted for one test (root only).
public struct TemporaryTmpfs: Sendable {
    /// The mount point.
    public let path: String

    /// Whether this process may mount (root, and a trial mount succeeds): the tests that need it are skipped otherwise.
    public static let isAvailable: Bool = {
        guard getuid() == 0, let directory = try? TestDaemon.makeTemporaryDirectory() else { return false }
        defer { rmdir(directory) }
        guard mount("tmpfs", directory, "tmpfs", 0, "size=1m,mode=0700") == 0 else { return false }
        umount2(directory, Int32(MNT_DETACH))
        return true
    }()

    /// Mounts a tmpfs of `size` at `path` (created if needed).
    /// - Throws: When the mount fails.
    public init(at path: String, size: String) throws {
        mkdir(path, 0o700)
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(size),mode=0700") == 0 else {
            throw TestDaemonError(description: "mount tmpfs at \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
    }

    /// Unmounts it (lazily, so files still open do not keep it mounted).
    public func unmount() {
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }

    /// Fills the file system with `filler` until writing fails (ENOSPC).
    /// - Parameters:
    ///   - chunk: Bytes per write.
    ///   - pause: A pause between writes, so writers racing for the space get some.
    /// - Returns: The bytes written.
    @discardableResult
    public func fill(filler: String, chunk: Int = 4096, pause: Duration = .zero) -> Int {
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        let bytes = [UInt8](repeating: 0, count: chunk)
        var total = 0
        while true {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            total += written
            if written < chunk { continue }
            if pause > .zero { usleep(UInt32(pause.components.attoseconds / 1_000_000_000_000)) }
        }
        // Whatever is left is smaller than a chunk: take it too.
        if chunk > 4096 {
            let page = [UInt8](repeating: 0, count: 4096)
            while page.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 { total += 4096 }
        }
        return total
    }
}
