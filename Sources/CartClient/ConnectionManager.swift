import NIOCore
import NIOPosix
import Locking
import TTRPC

/// Keeps one open connection to the daemon and replaces it when it breaks.
///
/// Thread-safe: the fast path (an open connection) is a lock and a check; concurrent callers
/// that find no connection share one connection attempt.
final class ConnectionManager: Sendable {
    private struct State {
        var current: TTRPCClientConnection?
        var connecting: Task<TTRPCClientConnection, any Error>?
        var closed = false
    }

    private let state = Locked(State())
    private let socketPath: String
    private let connectTimeout: TimeAmount
    private let group: any EventLoopGroup

    init(socketPath: String, connectTimeout: TimeAmount, group: any EventLoopGroup) {
        self.socketPath = socketPath
        self.connectTimeout = connectTimeout
        self.group = group
    }

    /// An open connection, connecting if needed.
    /// - Throws: ``RPCError`` UNAVAILABLE when the daemon cannot be reached.
    func connection() async throws(RPCError) -> TTRPCClientConnection {
        enum Next { case ready(TTRPCClientConnection), wait(Task<TTRPCClientConnection, any Error>), closed }
        let next: Next = state.withLock { state in
            if state.closed { return .closed }
            if let current = state.current, current.isActive { return .ready(current) }
            state.current = nil
            if let task = state.connecting { return .wait(task) }
            let task = Task { [socketPath, connectTimeout, group] () throws -> TTRPCClientConnection in
                try await TTRPCClientConnection.connect(unixSocketPath: socketPath, group: group,
                                                        connectTimeout: connectTimeout)
            }
            state.connecting = task
            return .wait(task)
        }
        switch next {
        case .ready(let connection): return connection
        case .closed: throw RPCError(code: .unavailable, message: "the client is closed")
        case .wait(let task):
            do {
                let connection = try await task.value
                let keep = state.withLock { state -> Bool in
                    if state.connecting == task { state.connecting = nil }
                    guard !state.closed else { return false }
                    if state.current == nil || state.current?.isActive != true { state.current = connection }
                    return true
                }
                if !keep { await connection.close() }
                return connection
            } catch {
                state.withLock { state in if state.connecting == task { state.connecting = nil } }
                throw RPCError(from: error)
            }
        }
    }

    /// Drops `connection` if it is the current one (after it failed), so the next call reconnects.
    func invalidate(_ connection: TTRPCClientConnection) {
        let dropped = state.withLock { state -> Bool in
            guard state.current === connection else { return false }
            state.current = nil
            return true
        }
        if dropped { Task { await connection.close() } }
    }

    /// Opens a connection of its own (for a watch stream, which needs a connection to close to stop it).
    func dedicatedConnection() async throws(RPCError) -> TTRPCClientConnection {
        try await TTRPCClientConnection.connect(unixSocketPath: socketPath, group: group, connectTimeout: connectTimeout)
    }

    /// Closes the connection; later calls fail with UNAVAILABLE.
    func close() async {
        let (current, connecting) = state.withLock { state in
            state.closed = true
            defer { state.current = nil; state.connecting = nil }
            return (state.current, state.connecting)
        }
        connecting?.cancel()
        await current?.close()
    }
}
