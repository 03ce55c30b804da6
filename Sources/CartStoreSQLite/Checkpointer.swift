import Dispatch
import GRDB

/// Moves WAL pages into the database file from a connection of its own, in the background, so
/// commits never pay for a checkpoint (and its fsync): SQLite's automatic checkpoint on the writer
/// is raised to a large safety threshold, and this runs PASSIVE checkpoints (which never block the
/// writer or readers) every `interval`.
///
/// Thread-safe: all work happens on its own serial queue.
final class Checkpointer: Sendable {
    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "cartd.store.checkpointer", qos: .utility)
    private let interval: DispatchTimeInterval

    /// Starts checkpointing `path` every `interval`.
    init(path: String, interval: DispatchTimeInterval) throws {
        var configuration = Configuration()
        configuration.label = "cartd.checkpointer"
        configuration.busyMode = .immediateError
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
        schedule()
    }

    private func schedule() {
        queue.asyncAfter(deadline: .now() + interval) { [weak self] in
            guard let self else { return }  // the store, and with it this checkpointer, is gone
            _ = try? self.connection.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
            self.schedule()
        }
    }
}
