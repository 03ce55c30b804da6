#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the server could not set up its socket file.
public struct SocketSetupError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and what to do about it.
    public let message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// The life of a Unix-socket file: safe creation, ownership and removal.
public enum UnixSocketFile {
    /// Makes `path` ready for `bind`: creates the parent directory, checks it is not writable by
    /// others, refuses when a live server answers on `path`, and removes a stale socket file.
    /// - Parameters:
    ///   - path: The socket path.
    ///   - allowInsecureDirectory: Accept a parent directory that others can write to.
    /// - Throws: ``SocketSetupError`` saying what is wrong.
    public static func prepare(path: String, allowInsecureDirectory: Bool) throws(SocketSetupError) {
        guard !path.isEmpty else { throw SocketSetupError("the socket path is empty") }
        guard path.utf8.count < 108 else {
            throw SocketSetupError("socket path \(path) is \(path.utf8.count) bytes; Unix sockets allow at most 107")
        }
        let directory = parentDirectory(of: path)
        try makeDirectories(directory)
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw SocketSetupError("cannot inspect directory \(directory): \(errnoText())")
        }
        if info.st_mode & S_IWOTH != 0, !allowInsecureDirectory {
            throw SocketSetupError(
                "refusing to create the socket in \(directory): the directory is writable by every user " +
                "(mode \(String(info.st_mode & 0o7777, radix: 8))); use a private directory such as /run/cartd, " +
                "or pass --allow-insecure-socket-dir")
        }
        var existing = stat()
        if lstat(path, &existing) == 0 {
            guard existing.st_mode & S_IFMT == S_IFSOCK else {
                throw SocketSetupError("\(path) exists and is not a socket; remove it or choose another --socket path")
            }
            if isLive(path) {
                throw SocketSetupError("another server is already listening on \(path); stop it first or choose another --socket path")
            }
            guard unlink(path) == 0 || errno == ENOENT else {
                throw SocketSetupError("cannot remove the stale socket \(path): \(errnoText())")
            }
        }
    }

    /// Applies the socket file's mode and group after `bind`.
    /// - Returns: The inode of the socket file, so ``remove(path:inode:)`` removes only our own file.
    public static func finish(path: String, mode: UInt32, group: UInt32?) throws(SocketSetupError) -> UInt64 {
        guard chmod(path, mode_t(mode)) == 0 else {
            throw SocketSetupError("cannot set mode \(String(mode, radix: 8)) on \(path): \(errnoText())")
        }
        if let group {
            guard chown(path, uid_t.max, gid_t(group)) == 0 else {
                throw SocketSetupError("cannot give \(path) to group \(group): \(errnoText())")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw SocketSetupError("cannot inspect \(path): \(errnoText())") }
        return UInt64(info.st_ino)
    }

    /// Removes the socket file if it is still the one this process created.
    public static func remove(path: String, inode: UInt64) {
        var info = stat()
        if lstat(path, &info) == 0, UInt64(info.st_ino) == inode {
            unlink(path)
        }
    }

    /// Whether a server accepts connections on `path` right now.
    public static func isLive(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    private static func makeDirectories(_ directory: String) throws(SocketSetupError) {
        var info = stat()
        if stat(directory, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw SocketSetupError("\(directory) is not a directory") }
            return
        }
        let parent = parentDirectory(of: directory)
        if parent != directory { try makeDirectories(parent) }
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
            throw SocketSetupError("cannot create directory \(directory): \(errnoText())")
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
