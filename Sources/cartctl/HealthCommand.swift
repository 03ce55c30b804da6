import ArgumentParser
import CartClient
import NIOCore

/// `cartctl health`: exits 0 only when cartd answers SERVING.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Ask cartd whether it is serving (grpc.health.v1.Health/Check); exit 0 only when SERVING."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "A service name to ask about; empty for the daemon as a whole.")
    var service = ""

    func run() async throws {
        var configuration = CartClientConfiguration(socketPath: connection.socket)
        configuration.defaultTimeout = .milliseconds(Int64(connection.timeout * 1000))
        configuration.retry = .none
        let client = CartClient(configuration: configuration)
        defer { Task { await client.close() } }
        do {
            let status = try await client.health(service: service)
            print(status == .serving ? "SERVING" : status == .notServing ? "NOT_SERVING" : "UNKNOWN")
            if status != .serving { throw ExitCode(1) }
        } catch let error as RPCError {
            printError("cartctl: \(error.code.name): \(error.message)")
            throw ExitCode(1)
        }
    }
}
