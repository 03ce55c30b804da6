import CartStoreSQLite
import Foundation

// cartd's configuration: one JSON file (`--config FILE` or `CARTD_CONFIG`), then `CARTD_*`
// environment variables, then flags; later layers win. Every key is a flag's name as written on the
// command line (kebab-case: `"max-connections"` ⇔ `--max-connections` ⇔ `CARTD_MAX_CONNECTIONS`).
// Unknown keys and bad values stop start-up with a message naming the key and where the value came from.

/// Where a setting's value came from.
enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    case builtIn
    case file(String)
    case environment(String)
    case flag(String)

    var description: String {
        switch self {
        case .builtIn: "default"
        case .file(let path): "config file \(path)"
        case .environment(let variable): "environment variable \(variable)"
        case .flag(let flag): "flag \(flag)"
        }
    }
}

/// A configuration mistake; cartd prints it and exits with status 2 before creating anything.
struct ConfigError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A JSON value, decoded strictly: no conversions between types.
enum ConfigValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([ConfigValue])
    case object([String: ConfigValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ConfigValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ConfigValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The value as compact JSON, for messages.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }
}

/// How one kind of value is read from the file (JSON) and from text (environment, string flags),
/// and shown by `--print-config`.
struct Codec<Value>: Sendable {
    /// What a valid value looks like, for messages.
    let expected: String
    let fromJSON: @Sendable (ConfigValue) -> Value?
    let fromText: @Sendable (String) -> Value?
    let toJSON: @Sendable (Value) -> ConfigValue
}

enum Codecs {
    static let string = Codec<String>(
        expected: "a string",
        fromJSON: { if case .string(let text) = $0 { text } else { nil } },
        fromText: { $0 },
        toJSON: { .string($0) })

    static let bool = Codec<Bool>(
        expected: "true or false",
        fromJSON: { if case .bool(let value) = $0 { value } else { nil } },
        fromText: { text in
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "yes", "on", "1": true
            case "false", "no", "off", "0": false
            default: nil
            }
        },
        toJSON: { .bool($0) })

    static let double = Codec<Double>(
        expected: "a number",
        fromJSON: { value in
            switch value {
            case .integer(let number): Double(number)
            case .number(let number): number.isFinite ? number : nil
            default: nil
            }
        },
        fromText: { Double($0.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil } },
        toJSON: { .number($0) })

    /// A file mode as an octal string ("0660"): a JSON number would be read as decimal.
    static let octalMode = Codec<UInt32>(
        expected: "an octal mode string such as \"0600\" or \"0660\"",
        fromJSON: { if case .string(let text) = $0 { parseMode(text) } else { nil } },
        fromText: parseMode,
        toJSON: { mode in
            let digits = String(mode, radix: 8)
            return .string(String(repeating: "0", count: max(0, 4 - digits.count)) + digits)
        })

    static let synchronous = Codec<SQLiteStoreOptions.Synchronous>(
        expected: "normal or full",
        fromJSON: { if case .string(let text) = $0 { SQLiteStoreOptions.Synchronous(rawValue: text.uppercased()) } else { nil } },
        fromText: { SQLiteStoreOptions.Synchronous(rawValue: $0.trimmingCharacters(in: .whitespaces).uppercased()) },
        toJSON: { .string($0.rawValue.lowercased()) })

    static let uids = list(integer(UInt32.self, expected: "an id"), expected: "an array of ids (0…4294967295)")

    static let strings = list(string, expected: "an array of strings")

    /// An integer; ranges are `DaemonSettings.validate()`'s business.
    static func integer<Integer: FixedWidthInteger & Sendable>(_: Integer.Type, expected: String = "an integer") -> Codec<Integer> {
        Codec(
            expected: expected,
            fromJSON: { value in
                switch value {
                case .integer(let number): Integer(exactly: number)
                case .number(let number): Integer(exactly: number)
                default: nil
                }
            },
            fromText: { Integer($0.trimmingCharacters(in: .whitespaces)) },
            toJSON: { .integer(Int64($0)) })
    }

    /// An array in the file; comma-separated in the environment (empty: none).
    static func list<Element>(_ element: Codec<Element>, expected: String) -> Codec<[Element]> {
        Codec<[Element]>(
            expected: expected,
            fromJSON: { value in
                guard case .array(let items) = value else { return nil }
                let elements = items.compactMap(element.fromJSON)
                return elements.count == items.count ? elements : nil
            },
            fromText: { text in
                let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }
                let elements = items.compactMap(element.fromText)
                return elements.count == items.count ? elements : nil
            },
            toJSON: { .array($0.map(element.toJSON)) })
    }

    /// An optional setting: `null` in the file, empty in the environment, means unset.
    static func optional<Wrapped>(_ wrapped: Codec<Wrapped>) -> Codec<Wrapped?> {
        Codec<Wrapped?>(
            expected: wrapped.expected + " or null",
            fromJSON: { value in value == .null ? .some(nil) : wrapped.fromJSON(value).map { .some($0) } },
            fromText: { text in text.isEmpty ? .some(nil) : wrapped.fromText(text).map { .some($0) } },
            toJSON: { $0.map(wrapped.toJSON) ?? .null })
    }

    private static func parseMode(_ text: String) -> UInt32? {
        let digits = text.trimmingCharacters(in: .whitespaces)
        guard !digits.isEmpty, digits.count <= 4, let mode = UInt32(digits, radix: 8), mode <= 0o777 else { return nil }
        return mode
    }
}

/// What a flag contributed.
enum FlagOutcome {
    case absent
    case applied
    /// The flag's text is not a valid value.
    case invalid(String)
}

/// One setting, named as its flag is: read from the file, the environment and the command line,
/// and shown by `--print-config`.
struct ConfigKey {
    /// The flag's name without the dashes: the file key.
    let name: String
    /// What a valid value looks like.
    let expected: String
    /// `--print-config` shows "<redacted>" instead of the value. No setting holds an inline secret
    /// today (secrets are always read from files, and paths are not secret).
    let isSecret: Bool
    let applyJSON: (inout DaemonSettings, ConfigValue) -> Bool
    let applyText: (inout DaemonSettings, String) -> Bool
    let applyFlag: (inout DaemonSettings, Cartd) -> FlagOutcome
    let value: (DaemonSettings) -> ConfigValue

    /// `CARTD_` and the name in upper snake case.
    var environmentVariable: String { "CARTD_" + name.uppercased().replacingOccurrences(of: "-", with: "_") }

    /// A setting whose flag has the setting's type (a list flag counts when given at least once,
    /// a switch when given).
    static func key<Value>(_ name: String, _ setting: WritableKeyPath<DaemonSettings, Value>, _ codec: Codec<Value>,
                           flag: @escaping (Cartd) -> Value?, secret: Bool = false) -> ConfigKey {
        make(name, setting, codec, secret: secret) { settings, command in
            guard let value = flag(command) else { return .absent }
            settings[keyPath: setting] = value
            return .applied
        }
    }

    /// A setting whose flag is text that the codec parses (`--socket-mode 0660`).
    static func key<Value>(_ name: String, _ setting: WritableKeyPath<DaemonSettings, Value>, _ codec: Codec<Value>,
                           flagText: @escaping (Cartd) -> String?) -> ConfigKey {
        make(name, setting, codec, secret: false) { settings, command in
            guard let text = flagText(command) else { return .absent }
            guard let value = codec.fromText(text) else { return .invalid(text) }
            settings[keyPath: setting] = value
            return .applied
        }
    }

    private static func make<Value>(_ name: String, _ setting: WritableKeyPath<DaemonSettings, Value>,
                                    _ codec: Codec<Value>, secret: Bool,
                                    applyFlag: @escaping (inout DaemonSettings, Cartd) -> FlagOutcome) -> ConfigKey {
        ConfigKey(
            name: name, expected: codec.expected, isSecret: secret,
            applyJSON: { settings, json in
                guard let value = codec.fromJSON(json) else { return false }
                settings[keyPath: setting] = value
                return true
            },
            applyText: { settings, text in
                guard let value = codec.fromText(text) else { return false }
                settings[keyPath: setting] = value
                return true
            },
            applyFlag: applyFlag,
            value: { codec.toJSON($0[keyPath: setting]) })
    }

    /// An optional setting (`null` in the file when unset).
    static func optional<Wrapped>(_ name: String, _ setting: WritableKeyPath<DaemonSettings, Wrapped?>,
                                  _ codec: Codec<Wrapped>, flag: @escaping (Cartd) -> Wrapped?) -> ConfigKey {
        key(name, setting, Codecs.optional(codec), flag: { command in flag(command).map { .some($0) } })
    }

    /// Every setting. `ConfigTests` checks that every flag of `cartd` is here.
    static var all: [ConfigKey] {
        [
            key("socket", \.socket, Codecs.string, flag: \.socket),
            key("socket-mode", \.socketMode, Codecs.octalMode, flagText: \.socketMode),
            optional("socket-group", \.socketGroup, Codecs.string, flag: \.socketGroup),
            key("allow-insecure-socket-dir", \.allowInsecureSocketDir, Codecs.bool,
                flag: { $0.allowInsecureSocketDir ? true : nil }),
            key("allow-uid", \.allowUIDs, Codecs.uids, flag: { $0.allowUIDs.isEmpty ? nil : $0.allowUIDs }),
            key("allow-gid", \.allowGIDs, Codecs.uids, flag: { $0.allowGIDs.isEmpty ? nil : $0.allowGIDs }),
            key("admin-uid", \.adminUIDs, Codecs.uids, flag: { $0.adminUIDs.isEmpty ? nil : $0.adminUIDs }),
            key("max-connections", \.maxConnections, Codecs.integer(Int.self), flag: \.maxConnections),
            key("max-calls-per-connection", \.maxCallsPerConnection, Codecs.integer(Int.self),
                flag: \.maxCallsPerConnection),
            optional("event-loop-threads", \.eventLoopThreads, Codecs.integer(Int.self), flag: \.eventLoopThreads),
            key("idle-timeout", \.idleTimeoutSeconds, Codecs.integer(Int.self), flag: \.idleTimeout),
            key("unwritable-timeout", \.unwritableTimeoutSeconds, Codecs.integer(Int.self), flag: \.unwritableTimeout),
            key("frame-timeout", \.frameTimeoutSeconds, Codecs.integer(Int.self), flag: \.frameTimeout),
            key("shutdown-grace", \.shutdownGraceSeconds, Codecs.integer(Int.self), flag: \.shutdownGrace),
            key("database", \.database, Codecs.string, flag: \.database),
            key("sqlite-synchronous", \.sqliteSynchronous, Codecs.synchronous, flagText: \.sqliteSynchronous),
            optional("seed-catalog", \.seedCatalog, Codecs.string, flag: \.seedCatalog),
            key("currency", \.currency, Codecs.string, flag: \.currency),
            key("max-line-quantity", \.maxLineQuantity, Codecs.integer(Int64.self), flag: \.maxLineQuantity),
            key("max-lines", \.maxLines, Codecs.integer(Int.self), flag: \.maxLines),
            key("idempotency-retention-hours", \.idempotencyRetentionHours, Codecs.integer(Int.self),
                flag: \.idempotencyRetentionHours),
            optional("jwt-secret-file", \.jwtSecretFile, Codecs.string, flag: \.jwtSecretFile),
            key("jwt-key", \.jwtKeys, Codecs.strings, flag: { $0.jwtKeys.isEmpty ? nil : $0.jwtKeys }),
            optional("jwt-issuer", \.jwtIssuer, Codecs.string, flag: \.jwtIssuer),
            optional("jwt-audience", \.jwtAudience, Codecs.string, flag: \.jwtAudience),
            key("gateway", \.gateway, Codecs.string, flag: \.gateway),
            key("razorpay-base-url", \.razorpayBaseURL, Codecs.string, flag: \.razorpayBaseUrl),
            optional("razorpay-key-id", \.razorpayKeyID, Codecs.string, flag: \.razorpayKeyId),
            optional("razorpay-key-secret-file", \.razorpayKeySecretFile, Codecs.string, flag: \.razorpayKeySecretFile),
            key("razorpay-webhook-secret-file", \.razorpayWebhookSecretFiles, Codecs.strings,
                flag: { $0.razorpayWebhookSecretFile.isEmpty ? nil : $0.razorpayWebhookSecretFile }),
            key("gateway-timeout", \.gatewayTimeoutSeconds, Codecs.double, flag: \.gatewayTimeout),
            key("reservation-minutes", \.reservationMinutes, Codecs.integer(Int.self), flag: \.reservationMinutes),
            optional("reservation-seconds", \.reservationSeconds, Codecs.integer(Int.self), flag: \.reservationSeconds),
            key("expiry-sweep-seconds", \.expirySweepSeconds, Codecs.integer(Int.self), flag: \.expirySweepSeconds),
            key("enable-test-service", \.enableTestService, Codecs.bool, flag: { $0.enableTestService ? true : nil }),
            key("log-level", \.logLevel, Codecs.string, flag: \.logLevel),
            key("log-format", \.logFormat, Codecs.string, flag: \.logFormat),
            optional("metrics-listen", \.metricsListen, Codecs.string, flag: \.metricsListen),
            key("metrics-allow-remote", \.metricsAllowRemote, Codecs.bool,
                flag: { $0.metricsAllowRemote ? true : nil }),
        ]
    }
}

/// The settings built layer by layer — defaults < file < environment < flags — remembering
/// where each value came from.
struct LayeredSettings {
    /// `CARTD_*` variables that are not settings: the config file's path, and variables of the
    /// other cartsync tools (`cartctl`'s token, the test harness's binary), which may share a shell.
    static let otherVariables: Set<String> = ["CARTD_CONFIG", "CARTD_TOKEN", "CARTD_BINARY"]

    private(set) var settings = DaemonSettings()
    private(set) var sources: [String: ConfigSource] = [:]
    private let keys: [String: ConfigKey]

    init() {
        keys = Dictionary(uniqueKeysWithValues: ConfigKey.all.map { ($0.name, $0) })
    }

    /// Applies a JSON config file: one object whose keys are flag names.
    mutating func applyFile(_ path: String) throws(ConfigError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = access(path, F_OK) != 0 ? "no such file" : access(path, R_OK) != 0 ? "permission denied" : "not a readable file"
            throw ConfigError("cannot read config file \(path): \(reason)")
        }
        let object: [String: ConfigValue]
        do {
            guard case .object(let decoded) = try JSONDecoder().decode(ConfigValue.self, from: data) else {
                throw ConfigError("config file \(path) must hold one JSON object, e.g. {\"socket\": \"/run/cartd/cartd.sock\"}")
            }
            object = decoded
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError("config file \(path) is not valid JSON: \(Self.syntaxProblem(data) ?? "\(error)")")
        }
        let unknown = object.keys.filter { keys[$0] == nil }.sorted()
        if !unknown.isEmpty {
            let named = unknown.map { name in
                let kebab = name.replacingOccurrences(of: "_", with: "-").lowercased()
                return keys[kebab] == nil ? "\"\(name)\"" : "\"\(name)\" (did you mean \"\(kebab)\"?)"
            }
            throw ConfigError("config file \(path): unknown key\(unknown.count == 1 ? "" : "s") \(named.joined(separator: ", ")); keys are the flag names, see cartd --help")
        }
        for name in object.keys.sorted() {
            let key = keys[name]!, value = object[name]!
            guard key.applyJSON(&settings, value) else {
                throw ConfigError("\(name): \(value.json) is not \(key.expected) (from config file \(path))")
            }
            sources[name] = .file(path)
        }
    }

    /// Applies `CARTD_<KEY>` variables (lists comma-separated).
    mutating func applyEnvironment(_ environment: [String: String]) throws(ConfigError) {
        let variables = environment.keys.filter { $0.hasPrefix("CARTD_") && !Self.otherVariables.contains($0) }.sorted()
        let byVariable = Dictionary(uniqueKeysWithValues: keys.values.map { ($0.environmentVariable, $0) })
        let unknown = variables.filter { byVariable[$0] == nil }
        if !unknown.isEmpty {
            throw ConfigError("unknown environment variable\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")); cartd reads CARTD_ and a flag name in upper snake case, e.g. CARTD_MAX_CONNECTIONS")
        }
        for variable in variables {
            let key = byVariable[variable]!, text = environment[variable]!
            guard key.applyText(&settings, text) else {
                throw ConfigError("\(key.name): \"\(text)\" is not \(key.expected) (from environment variable \(variable))")
            }
            sources[key.name] = .environment(variable)
        }
    }

    /// Applies the flags that were given.
    mutating func applyFlags(_ command: Cartd) throws(ConfigError) {
        for key in ConfigKey.all {
            switch key.applyFlag(&settings, command) {
            case .absent: break
            case .applied: sources[key.name] = .flag("--" + key.name)
            case .invalid(let text):
                throw ConfigError("\(key.name): \"\(text)\" is not \(key.expected) (from flag --\(key.name))")
            }
        }
    }

    /// The settings after `DaemonSettings.validate()`, whose complaint gets the value's source.
    func validated() throws(ConfigError) -> DaemonSettings {
        do {
            try settings.validate()
        } catch {
            throw ConfigError("\(error.key): \(error.problem) (from \(source(of: error.key)))")
        }
        return settings
    }

    /// Where `key`'s value came from.
    func source(of key: String) -> ConfigSource { sources[key] ?? .builtIn }

    /// The effective configuration as a JSON object with sorted keys: itself a valid config file.
    func effectiveJSON() -> String {
        var object: [String: ConfigValue] = [:]
        for key in keys.values {
            let value = key.value(settings)
            object[key.name] = key.isSecret && value != .null ? .string("<redacted>") : value
        }
        return Self.pretty(object)
    }

    /// Where each value came from, as a JSON object with sorted keys.
    func sourcesJSON() -> String {
        Self.pretty(Dictionary(uniqueKeysWithValues: keys.keys.map { ($0, .string(source(of: $0).description)) }))
    }

    /// One key per line, sorted; arrays of scalars on one line.
    private static func pretty(_ object: [String: ConfigValue]) -> String {
        let lines = object.keys.sorted().map { key in
            let value: String
            if case .array(let items) = object[key]! {
                value = "[" + items.map(\.json).joined(separator: ", ") + "]"
            } else {
                value = object[key]!.json
            }
            return "  \(ConfigValue.string(key).json): \(value)"
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n}"
    }

    /// JSONSerialization's account of a syntax error, with the offset as line and column.
    private static func syntaxProblem(_ data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data)
            return nil
        } catch {
            guard var text = (error as NSError).userInfo["NSDebugDescription"] as? String else { return nil }
            if let range = text.range(of: "around character "),
               let offset = Int(text[range.upperBound...].prefix { $0.isNumber }), offset <= data.count {
                let before = data.prefix(offset)
                let line = before.filter { $0 == 0x0A }.count + 1
                let column = before.count - (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
                text = String(text[..<range.lowerBound]) + "at line \(line), column \(column)"
            }
            return text
        }
    }
}
