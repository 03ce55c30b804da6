import CCartSys
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Hands memory that a burst left free back to the kernel, so cartd's RSS comes back down after
/// 1,000 connections or a few 4 MiB messages have come and gone (issue 8: within 10 %).
///
/// glibc keeps freed heap memory: measured with 1,000 connections opened and closed, RSS stayed
/// +26 % and crept up with each round; `malloc_trim(0)` brought it back to +3 %. Two measures:
/// - a fixed mmap threshold (128 KiB) from the start: glibc otherwise raises it, up to 32 MiB, the
///   first time a large block is freed, after which 4 MiB frame buffers come from the heap and stay;
/// - every `interval` (2 s), RSS is read (`/proc/self/statm`); when it is more than 10 % and 4 MiB
///   above the lowest RSS seen after a trim (or at start), `malloc_trim(0)` runs. A trim that frees
///   less than 1 MiB (the memory is in use) doubles the wait, up to 64×; RSS growing by 1 MiB between
///   two readings (a burst) or a trim that frees memory brings it back to `interval`. So memory is
///   returned within seconds of a burst, and a steady state above the floor costs one trim a minute.
///   Each trim is logged at debug level with its duration (measured: about 1 ms to give back 10 MB
///   after 1,000 connections, 50 µs when there is nothing to give back).
///
/// Linux (glibc) only; elsewhere `run()` returns at once.
struct MemoryTrimmer: Service {
    let interval: Duration
    let logger: Logger

    init(interval: Duration = .seconds(2), logger: Logger) {
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        #if canImport(Glibc)
        _ = cartsys_malloc_set_mmap_threshold(128 * 1024)
        guard var floor = Self.residentBytes() else { return }
        var previous = floor
        var wait = interval
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let pause = wait
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            guard let resident = Self.residentBytes() else { continue }
            if resident > previous + (1 << 20) { wait = interval }
            previous = resident
            guard resident > floor + max(floor / 10, 4 << 20) else { continue }
            let started = ContinuousClock.now
            _ = cartsys_malloc_trim()
            let after = Self.residentBytes() ?? resident
            logger.debug("returned free memory to the kernel", metadata: [
                "rss.before": "\(resident >> 10) KiB", "rss.after": "\(after >> 10) KiB",
                "took": "\(ContinuousClock.now - started)"])
            previous = after
            if resident - after >= 1 << 20 {
                floor = min(floor, after)
                wait = interval
            } else {
                wait = min(wait * 2, interval * 64)
            }
        }
        #endif
    }

    /// The resident set in bytes, from `/proc/self/statm` (its second field, in pages).
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
