import CCartSys
#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Who is at the other end of a Unix-domain socket, as the kernel reports it (SO_PEERCRED).
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The peer's process id at connect time.
    public var pid: Int32
    /// The peer's effective user id.
    public var uid: UInt32
    /// The peer's effective group id.
    public var gid: UInt32

    /// Creates credentials.
    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// "uid=… gid=… pid=…".
    public var description: String { "uid=\(uid) gid=\(gid) pid=\(pid)" }

    /// Reads the peer credentials of a connected Unix-socket channel.
    /// - Parameter channel: An accepted (or connected) Unix-domain socket channel.
    /// - Returns: A future with the credentials; fails when the channel is not a Unix socket.
    public static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(RPCError(code: .internal, message: "not a socket channel"))
        }
        let future: EventLoopFuture<cartsys_ucred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(cartsys_so_peercred()))
        return future.map { PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
    }
}

/// Which peers may connect: allowed uids and gids (a peer matching either is allowed).
public struct PeerPolicy: Sendable, Hashable {
    /// Users allowed to connect.
    public var allowedUIDs: Set<UInt32>
    /// Groups whose members (by the peer's effective gid) may connect.
    public var allowedGIDs: Set<UInt32>
    /// Users treated as administrators (catalog and admin RPCs) without a token role.
    public var adminUIDs: Set<UInt32>

    /// Creates a policy.
    public init(allowedUIDs: Set<UInt32>, allowedGIDs: Set<UInt32> = [], adminUIDs: Set<UInt32> = []) {
        self.allowedUIDs = allowedUIDs
        self.allowedGIDs = allowedGIDs
        self.adminUIDs = adminUIDs
    }

    /// The default: the daemon's own user and root, nobody else.
    public static var ownUserAndRoot: PeerPolicy {
        PeerPolicy(allowedUIDs: [0, UInt32(getuid())])
    }

    /// Whether a peer with these credentials may connect.
    public func allows(_ peer: PeerCredentials) -> Bool {
        allowedUIDs.contains(peer.uid) || allowedGIDs.contains(peer.gid)
    }
}
