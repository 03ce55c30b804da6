import Logging

#if canImport(Glibc)
import Glibc
#endif

/// systemd socket activation, as `sd_listen_fds(3)` with `unset_environment` set: when
/// `LISTEN_PID` is this process and `LISTEN_FDS` ≥ 1, systemd has passed its listening sockets
/// from fd 3 (`SD_LISTEN_FDS_START`) on, and cartd serves on fd 3 instead of creating a socket.
enum SocketActivation {
    /// `SD_LISTEN_FDS_START`.
    static let firstDescriptor: CInt = 3
    /// The variables systemd sets; removed after reading so that no child inherits them.
    static let variables = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]

    /// The listening socket systemd passed to this process, checked and marked close-on-exec;
    /// `nil` when cartd was not socket-activated (it then creates its own socket).
    /// - Parameters:
    ///   - configuredSocket: The `socket` setting, for the log (it is not created when activated).
    ///   - logger: Where to say what happened.
    /// - Throws: ``StartupError`` when the variables are malformed or fd 3 is not a listening
    ///   Unix-domain stream socket.
    static func inheritedListener(configuredSocket: String, logger: Logger) throws(StartupError) -> CInt? {
        let pidText = environmentValue("LISTEN_PID"), countText = environmentValue("LISTEN_FDS")
        let names = environmentValue("LISTEN_FDNAMES")
        defer { for name in variables { unsetenv(name) } }
        guard let pidText else { return nil }
        guard let pid = pid_t(pidText), pid > 0 else {
            throw StartupError("socket activation: LISTEN_PID=\(pidText) is not a process id")
        }
        guard pid == getpid() else {
            logger.info("LISTEN_PID is another process: not socket-activated",
                        metadata: ["listen_pid": "\(pid)", "pid": "\(getpid())"])
            return nil
        }
        guard let countText, let count = CInt(countText), (0...1_000).contains(count) else {
            throw StartupError("socket activation: LISTEN_FDS=\(countText ?? "") is not a number of descriptors")
        }
        guard count >= 1 else { return nil }
        for descriptor in firstDescriptor..<(firstDescriptor + count) {
            let flags = fcntl(descriptor, F_GETFD)
            guard flags >= 0, fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) == 0 else {
                throw StartupError("socket activation: fd \(descriptor) from systemd is not open (\(errnoText()))")
            }
        }
        let path = try checkListeningUnixStream(firstDescriptor)
        if count > 1 {
            logger.warning("systemd passed more than one socket: cartd serves on the first only",
                           metadata: ["fds": "\(count)", "names": "\(names ?? "")"])
        }
        logger.info("socket activation: serving on the socket systemd passed; the socket setting and its mode and group are not applied",
                    metadata: ["fd": "\(firstDescriptor)", "path": "\(path)", "socket_setting": "\(configuredSocket)"])
        return firstDescriptor
    }

    /// Checks that `descriptor` is a listening `AF_UNIX` stream socket.
    /// - Returns: The path it is bound to (`@name` for the abstract namespace, empty when unnamed).
    static func checkListeningUnixStream(_ descriptor: CInt) throws(StartupError) -> String {
        let what = "socket activation: fd \(descriptor) from systemd"
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw StartupError("\(what) is not open (\(errnoText()))") }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw StartupError("\(what) is not a socket; cartd.socket must have ListenStream=/run/cartd/cartd.sock")
        }
        guard let domain = intOption(descriptor, SO_DOMAIN), domain == AF_UNIX else {
            throw StartupError("\(what) is not a Unix-domain socket; ListenStream= must be a path such as /run/cartd/cartd.sock")
        }
        guard let type = intOption(descriptor, SO_TYPE), type == CInt(SOCK_STREAM.rawValue) else {
            throw StartupError("\(what) is not a stream socket; use ListenStream=, not ListenDatagram= or ListenSequentialPacket=")
        }
        guard intOption(descriptor, SO_ACCEPTCONN) == 1 else {
            throw StartupError("\(what) is not listening; cartd.socket must have Accept=no")
        }
        return boundPath(descriptor)
    }

    private static func boundPath(_ descriptor: CInt) -> String {
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        guard result == 0, Int(length) > pathOffset else { return "" }
        let bytes = withUnsafeBytes(of: &address.sun_path) { Array($0.prefix(Int(length) - pathOffset)) }
        if bytes.first == 0 { return "@" + String(decoding: bytes.dropFirst(), as: UTF8.self) }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func intOption(_ descriptor: CInt, _ option: CInt) -> CInt? {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(descriptor, SOL_SOCKET, option, &value, &length) == 0 else { return nil }
        return value
    }

    private static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
