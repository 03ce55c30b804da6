import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for tests that must hand it descriptors (as
/// systemd passes fd 3 for socket activation); `Foundation.Process` closes every descriptor but
/// the standard three.
///
/// Thread-safe. The child starts with every signal at its default action and none blocked.
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let exitStatus = NIOLockedValueBox<Int32?>(nil)

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `path`.
    /// - Parameters:
    ///   - path: The executable.
    ///   - arguments: `argv[1...]` (`argv[0]` is `path`).
    ///   - environment: The child's whole environment.
    ///   - descriptors: Descriptors to pass, as child fd → parent fd (e.g. `[3: listener]`).
    ///   - outputPath: A file that receives the child's standard output and error (appended);
    ///     `/dev/null` when `nil`. Standard input is `/dev/null`.
    public static func spawn(_ path: String, arguments: [String], environment: [String: String],
                             descriptors: [CInt: CInt] = [:], outputPath: String? = nil) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // dup2(fd, fd) would keep close-on-exec: pass such a descriptor through a copy.
        var copies: [CInt] = []
        defer { copies.forEach { close($0) } }
        for (target, source) in descriptors.sorted(by: { $0.key < $1.key }) {
            var from = source
            if from == target || descriptors.keys.contains(from) {
                from = fcntl(source, F_DUPFD_CLOEXEC, 100)
                guard from >= 0 else { throw TestDaemonError(description: "dup of fd \(source) failed: \(errnoText())") }
                copies.append(from)
            }
            posix_spawn_file_actions_adddup2(&actions, from, target)
        }

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw TestDaemonError(description: "posix_spawn \(path) failed: \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid)
    }

    /// The exit status once the child has exited (128 + the signal for a signal death), else `nil`.
    public var status: Int32? {
        exitStatus.withLockedValue { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid {
                    status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
                }
            }
            return status
        }
    }

    /// Whether the child still runs.
    public var isRunning: Bool { status == nil }

    /// Sends `signal` to the child, if it still runs.
    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits for the child to exit; kills it (SIGKILL) and throws after `timeout`.
    /// - Returns: The exit status (128 + the signal for a signal death).
    @discardableResult
    public func wait(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if let status { return status }
            if clock.now >= deadline {
                kill(pid, SIGKILL)
                throw TestDaemonError(description: "process \(pid) did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Sends `signal` and waits for the exit.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        self.signal(signal)
        return try await wait(timeout: timeout)
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }
