// CUDSFloor: the latency floor of a Unix-domain socket on this machine, and process pinning.
//
// A plain blocking ping-pong: a server thread reads a request of a fixed size and answers with a
// response of a fixed size; the calling thread sends, waits for the whole answer and times each
// round trip. No framing, no allocation, no event loop: what any RPC over the same socket costs
// at least. cart-bench quotes every sequential latency as a ratio to this floor, measured in the
// same run with the same pinning.
#ifndef CUDS_FLOOR_H
#define CUDS_FLOOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One floor measurement.
typedef struct {
    /// Bytes the client writes per round trip (a whole request frame, header included).
    int request_bytes;
    /// Bytes the server answers with (a whole response frame).
    int response_bytes;
    /// Round trips timed; `latencies_ns` must hold this many values.
    int iterations;
    /// Round trips run first and not timed.
    int warmup;
    /// CPU both ends are pinned to for the run, or -1 to leave affinity alone.
    int pin_cpu;
} cuds_floor_config;

/// Runs the ping-pong on a fresh socket in `directory` and writes each round trip's latency.
/// - Returns: 0, or -1 with a message in `error` (at most `error_length` bytes, NUL-terminated).
int cuds_floor_run(const cuds_floor_config *config, const char *directory, uint64_t *latencies_ns,
                   char *error, size_t error_length);

/// Pins every thread of process `pid` (0: this process) to CPU `cpu`; threads created later inherit it.
/// - Returns: the number of threads pinned, or -errno.
int cuds_pin_process(pid_t pid, int cpu);

/// Sets every thread of `pid` (0: this process) back to all online CPUs.
/// - Returns: the number of threads changed, or -errno.
int cuds_unpin_process(pid_t pid);

/// The pid of the process listening on the Unix socket `path` (SO_PEERCRED of a fresh connection).
/// - Returns: the pid, or -errno.
pid_t cuds_socket_peer_pid(const char *path);

/// Monotonic clock, nanoseconds.
uint64_t cuds_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif
