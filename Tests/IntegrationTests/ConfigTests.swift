import CartClient
import CartTesting
import Foundation
import Testing
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

@Suite("cartd configuration: file, environment, flags", .serialized)
struct ConfigTests {
    @Test("precedence: defaults < file < environment < flags, in --print-config and --print-config-sources")
    func precedence() throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try writeFile(directory + "/cartd.json", """
            {"socket": "\(directory)/from-file.sock", "max-connections": 100, "max-lines": 10, "currency": "USD",
             "allow-uid": [1001, 1002], "socket-mode": "0660", "sqlite-synchronous": "full"}
            """)
        let environment = ["CARTD_MAX_CONNECTIONS": "200", "CARTD_MAX_LINES": "20", "CARTD_ALLOW_UID": "2001, 2002",
                           "CARTD_GATEWAY_TIMEOUT": "2.5"]
        let arguments = ["--config", config, "--max-connections", "300"]
        let run = try runCartd(arguments + ["--print-config"], environment: environment)
        #expect(run.status == 0, "\(run.errors)")
        let printed = try JSON.object(run.output)
        #expect(printed["max-connections"] == .number(300))
        #expect(printed["max-lines"] == .number(20))
        #expect(printed["allow-uid"] == .array([.number(2001), .number(2002)]))
        #expect(printed["gateway-timeout"] == .number(2.5))
        #expect(printed["currency"] == .string("USD"))
        #expect(printed["socket"] == .string(directory + "/from-file.sock"))
        #expect(printed["socket-mode"] == .string("0660"))
        #expect(printed["sqlite-synchronous"] == .string("full"))
        #expect(printed["idle-timeout"] == .number(300))
        #expect(printed["socket-group"] == .null)
        let keys = run.output.split(separator: "\n").compactMap { $0.split(separator: "\"").dropFirst().first }
        #expect(keys.count == printed.count)
        #expect(keys == keys.sorted(), "keys are sorted")

        let sources = try runCartd(arguments + ["--print-config-sources"], environment: environment)
        #expect(sources.status == 0, "\(sources.errors)")
        let origin = try JSON.object(sources.output)
        #expect(origin["max-connections"] == .string("flag --max-connections"))
        #expect(origin["max-lines"] == .string("environment variable CARTD_MAX_LINES"))
        #expect(origin["currency"] == .string("config file \(config)"))
        #expect(origin["idle-timeout"] == .string("default"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/from-file.sock"))
    }

    @Test("--print-config's output is itself a config file giving the same configuration")
    func roundTrip() throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try runCartd(["--print-config", "--socket-group", "0", "--jwt-key", "a=/x", "--jwt-key", "b=/y@0",
                                  "--metrics-listen", "127.0.0.1:9464", "--allow-insecure-socket-dir"])
        #expect(first.status == 0, "\(first.errors)")
        let config = try writeFile(directory + "/printed.json", first.output)
        let second = try runCartd(["--config", config, "--print-config"])
        #expect(second.status == 0, "\(second.errors)")
        #expect(second.output == first.output)
    }

    @Test("every cartd flag is a config key (besides --config and the --print-config flags)")
    func everyFlagIsAKey() throws {
        let help = try runCartd(["--experimental-dump-help"])
        #expect(help.status == 0, "\(help.errors)")
        struct Dump: Decodable {
            struct Command: Decodable { let arguments: [Argument] }
            struct Argument: Decodable { let names: [Name]? }
            struct Name: Decodable { let kind: String; let name: String }
            let command: Command
        }
        let dump = try JSONDecoder().decode(Dump.self, from: Data(help.output.utf8))
        let flags = Set(dump.command.arguments.flatMap { $0.names ?? [] }.filter { $0.kind == "long" }.map(\.name))
            .subtracting(["help", "version", "config", "print-config", "print-config-sources"])
        let printed = try runCartd(["--print-config"])
        let keys = Set(try JSON.object(printed.output).keys)
        #expect(flags == keys, "flags without a key: \(flags.subtracting(keys)); keys without a flag: \(keys.subtracting(flags))")
    }

    @Test("an unknown key in the file stops start-up with status 2, naming it; nothing is created")
    func unknownFileKey() throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try writeFile(directory + "/cartd.json", """
            {"socket": "\(directory)/cartd.sock", "database": "\(directory)/cart.db", "max_connections": 10, "sokcet": "x"}
            """)
        let run = try runCartd(["--config", config])
        #expect(run.status == 2)
        #expect(run.errors.contains("\"sokcet\""), "\(run.errors)")
        #expect(run.errors.contains("\"max_connections\" (did you mean \"max-connections\"?)"), "\(run.errors)")
        #expect(run.errors.contains(config))
        #expect(!FileManager.default.fileExists(atPath: directory + "/cartd.sock"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/cart.db"))
    }

    @Test("an unknown CARTD_ variable stops start-up with status 2, naming it; cartctl's and the tests' are tolerated")
    func unknownVariable() throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["--socket", directory + "/cartd.sock", "--database", directory + "/cart.db"]
        let run = try runCartd(arguments, environment: ["CARTD_SOKET": "/tmp/x.sock"])
        #expect(run.status == 2)
        #expect(run.errors.contains("CARTD_SOKET"), "\(run.errors)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/cartd.sock"))
        let tolerated = try runCartd(arguments + ["--print-config"],
                                     environment: ["CARTD_TOKEN": "t", "CARTD_BINARY": "/x/cartd"])
        #expect(tolerated.status == 0, "\(tolerated.errors)")
    }

    /// A bad value and the words its message must contain; FILE stands for the config file's path.
    struct BadValue: Sendable, CustomTestStringConvertible {
        var file: String?
        var environment: [String: String] = [:]
        var flags: [String] = []
        let expected: [String]
        var testDescription: String { "\(file ?? "") \(environment) \(flags)" }
    }

    static let badValues: [BadValue] = [
        BadValue(file: #"{"max-connections": "many"}"#, expected: ["max-connections", "not an integer", "config file FILE"]),
        BadValue(file: #"{"max-connections": 1.5}"#, expected: ["max-connections", "config file FILE"]),
        BadValue(file: #"{"max-connections": 0}"#, expected: ["max-connections", "must be positive", "config file FILE"]),
        BadValue(file: #"{"allow-uid": 1001}"#, expected: ["allow-uid", "array", "config file FILE"]),
        BadValue(file: #"{"allow-uid": [-1]}"#, expected: ["allow-uid", "config file FILE"]),
        BadValue(file: #"{"socket-mode": 660}"#, expected: ["socket-mode", "octal", "config file FILE"]),
        BadValue(file: #"{"sqlite-synchronous": "sometimes"}"#, expected: ["sqlite-synchronous", "config file FILE"]),
        BadValue(file: #"{"gateway": "paypal"}"#, expected: ["gateway", "paypal", "config file FILE"]),
        BadValue(file: #"{"enable-test-service": "yes"}"#, expected: ["enable-test-service", "true or false", "FILE"]),
        BadValue(file: #"{"socket": null}"#, expected: ["socket", "config file FILE"]),
        BadValue(file: #"{"socket": "/x", "#, expected: ["FILE", "not valid JSON"]),
        BadValue(file: #"["socket"]"#, expected: ["FILE", "one JSON object"]),
        BadValue(environment: ["CARTD_SOCKET_MODE": "0999"], expected: ["socket-mode", "environment variable CARTD_SOCKET_MODE"]),
        BadValue(environment: ["CARTD_MAX_LINES": "lots"], expected: ["max-lines", "environment variable CARTD_MAX_LINES"]),
        BadValue(environment: ["CARTD_MAX_LINE_QUANTITY": "0"], expected: ["max-line-quantity", "1…10000", "CARTD_MAX_LINE_QUANTITY"]),
        BadValue(environment: ["CARTD_LOG_LEVEL": "loud"], expected: ["log-level", "environment variable CARTD_LOG_LEVEL"]),
        BadValue(environment: ["CARTD_METRICS_ALLOW_REMOTE": "maybe"], expected: ["metrics-allow-remote", "CARTD_METRICS_ALLOW_REMOTE"]),
        BadValue(flags: ["--socket-mode", "0999"], expected: ["socket-mode", "flag --socket-mode"]),
        BadValue(flags: ["--max-connections", "0"], expected: ["max-connections", "must be positive", "flag --max-connections"]),
        BadValue(flags: ["--max-connections", "many"], expected: ["--max-connections"]),
        BadValue(flags: ["--event-loop-threads", "0"], expected: ["event-loop-threads", "1…256", "flag --event-loop-threads"]),
        BadValue(environment: ["CARTD_EVENT_LOOP_THREADS": "1000"],
                 expected: ["event-loop-threads", "1…256", "environment variable CARTD_EVENT_LOOP_THREADS"]),
        BadValue(flags: ["--gateway", "razorpay"], expected: ["gateway", "razorpay-key-id", "flag --gateway"]),
        // The file's valid value is overridden by a bad one from the environment: the message names the environment.
        BadValue(file: #"{"max-lines": 10}"#, environment: ["CARTD_MAX_LINES": "5000"],
                 expected: ["max-lines", "environment variable CARTD_MAX_LINES"]),
    ]

    @Test("a bad value stops start-up with status 2, naming the key and its source; nothing is created",
          arguments: badValues)
    func badValue(_ bad: BadValue) throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var arguments = ["--socket", directory + "/cartd.sock", "--database", directory + "/cart.db"]
        let path = directory + "/cartd.json"
        if let file = bad.file { arguments += ["--config", try writeFile(path, file)] }
        let run = try runCartd(arguments + bad.flags, environment: bad.environment)
        #expect(run.status == 2, "\(run.errors)")
        for word in bad.expected.map({ $0.replacingOccurrences(of: "FILE", with: path) }) {
            #expect(run.errors.contains(word), "\(run.errors)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/cartd.sock"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/cart.db"))
    }

    @Test("a config file alone starts the daemon: socket, mode, database, secret and one event loop from the file")
    func daemonFromFile() async throws {
        let daemon = try TestDaemon()   // a directory, a secret and tokens; started here from a config file
        defer { daemon.removeDirectory() }
        let config = try writeFile(daemon.directory + "/cartd.json", """
            {
              "socket": "\(daemon.socketPath)",
              "socket-mode": "0660",
              "database": "\(daemon.databasePath)",
              "jwt-secret-file": "\(daemon.secretPath)",
              "max-connections": 64,
              "event-loop-threads": 1
            }
            """)
        let child = try ChildProcess.spawn(TestDaemon.binaryPath, arguments: ["--config", config],
                                           environment: ["PATH": "/usr/bin:/bin"], outputPath: daemon.logPath)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        // "listening" is logged after the mode is applied.
        while !(UnixSocketFile.isLive(daemon.socketPath) && daemon.logContents().contains("listening")) {
            guard child.isRunning, clock.now < deadline else {
                _ = try? await child.stop(signal: SIGKILL)
                Issue.record("cartd did not listen: \(daemon.logContents())")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try fileMode(daemon.socketPath) == 0o660)
        let loops = try eventLoopThreadNames(pid: child.pid)
        #expect(loops.count == 1, "event-loop threads: \(loops)")
        let client = try await daemon.client(user: "alice")
        #expect(try await client.health() == .serving)
        #expect(try await client.getCart().userID == "alice")
        await client.close()
        #expect(try await child.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
    }

    @Test("--print-config shows secret files' paths, never their contents")
    func secretsNotPrinted() throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secrets = ["jwt": "jwt-secret-CONTENT-0123456789abcdef", "jwt2": "second-jwt-CONTENT-0123456789",
                       "key": "razorpay-key-CONTENT-0123456789", "hook": "razorpay-hook-CONTENT-0123456789"]
        var paths: [String: String] = [:]
        for (name, secret) in secrets {
            paths[name] = try writeFile(directory + "/\(name).secret", secret + "\n", mode: 0o600)
        }
        let config = try writeFile(directory + "/cartd.json", """
            {"jwt-secret-file": "\(paths["jwt"]!)", "jwt-key": ["k2=\(paths["jwt2"]!)"], "gateway": "razorpay",
             "razorpay-key-id": "rzp_test_id", "razorpay-key-secret-file": "\(paths["key"]!)",
             "razorpay-webhook-secret-file": ["\(paths["hook"]!)"]}
            """)
        for flag in ["--print-config", "--print-config-sources"] {
            let run = try runCartd(["--config", config, flag])
            #expect(run.status == 0, "\(run.errors)")
            #expect(!run.output.contains("CONTENT") && !run.errors.contains("CONTENT"), "\(run.output)")
            if flag == "--print-config" {
                for path in paths.values { #expect(run.output.contains(path)) }
            }
        }
    }
}

/// Runs `cartd` to completion with only `PATH` and `environment` in its environment.
/// - Returns: Its exit status, standard output and standard error (each small: read one after the other).
func runCartd(_ arguments: [String], environment: [String: String] = [:]) throws
    -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: TestDaemon.binaryPath)
    process.arguments = arguments
    process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { mine, _ in mine }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

/// Writes `text` to `path` and returns the path.
@discardableResult
func writeFile(_ path: String, _ text: String, mode: Int = 0o644) throws -> String {
    guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
        throw TestDaemonError(description: "cannot write \(path)")
    }
    return path
}

/// The names of a process's NIO event-loop threads (`/proc/PID/task/*/comm`), sorted.
func eventLoopThreadNames(pid: pid_t) throws -> [String] {
    let tasks = "/proc/\(pid)/task"
    return try FileManager.default.contentsOfDirectory(atPath: tasks).compactMap { task in
        let name = try String(contentsOfFile: "\(tasks)/\(task)/comm", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return name.hasPrefix("NIO-ELT-") ? name : nil
    }.sorted()
}

/// A JSON value, for comparing `--print-config` output exactly.
enum JSON: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    /// Decodes `text`, which must hold one object.
    static func object(_ text: String) throws -> [String: JSON] {
        guard case .object(let object) = try JSONDecoder().decode(JSON.self, from: Data(text.utf8)) else {
            throw TestDaemonError(description: "not a JSON object: \(text)")
        }
        return object
    }
}
