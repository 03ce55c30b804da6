import CUDSFloor
import Foundation

/// The C ping-pong floor for one pair of frame sizes.
struct FloorResult: Codable, Sendable {
    /// What the sizes are of (e.g. `health`, `get-cart`).
    var name: String
    var requestBytes: Int
    var responseBytes: Int
    var iterations: Int
    var pinned: Bool
    var p50Us: Double
    var p90Us: Double
    var p99Us: Double
    var p999Us: Double
}

/// Runs the blocking C UDS ping-pong with these frame sizes.
/// - Parameters:
///   - pinCPU: The CPU both ends run on, or `nil` to leave them to the scheduler.
func measureFloor(name: String, requestBytes: Int, responseBytes: Int, iterations: Int, pinCPU: Int32?,
                  directory: String) throws -> FloorResult {
    var config = cuds_floor_config(request_bytes: Int32(requestBytes), response_bytes: Int32(responseBytes),
                                   iterations: Int32(iterations), warmup: Int32(max(100, iterations / 10)),
                                   pin_cpu: pinCPU ?? -1)
    var latencies = [UInt64](repeating: 0, count: iterations)
    var error = [CChar](repeating: 0, count: 256)
    let status = latencies.withUnsafeMutableBufferPointer { buffer in
        cuds_floor_run(&config, directory, buffer.baseAddress, &error, error.count)
    }
    guard status == 0 else { throw BenchError("floor \(name): \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))") }
    var histogram = makeLatencyHistogram()
    for latency in latencies { _ = histogram.record(latency) }
    return FloorResult(name: name, requestBytes: requestBytes, responseBytes: responseBytes, iterations: iterations,
                       pinned: pinCPU != nil, p50Us: histogram.microseconds(50), p90Us: histogram.microseconds(90),
                       p99Us: histogram.microseconds(99), p999Us: histogram.microseconds(99.9))
}

extension LatencyHistogram {
    /// The value at `percentile`, in microseconds.
    func microseconds(_ percentile: Double) -> Double {
        totalCount == 0 ? 0 : Double(valueAtPercentile(percentile)) / 1000
    }
}
