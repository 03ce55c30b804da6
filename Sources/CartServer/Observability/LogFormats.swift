import Foundation
import Logging

/// How log lines are written: logfmt (`key=value`, easy to grep) or JSON (one object per line, for
/// log shippers).
public enum LogFormat: String, Sendable, CaseIterable {
    /// `ts=… level=info logger=cart msg="…" key=value`.
    case logfmt
    /// `{"ts":"…","level":"info","logger":"cart","msg":"…","key":"value"}`.
    case json
}

/// A swift-log handler writing one line per event to standard error in a ``LogFormat``.
///
/// Thread-safe: each line is formatted first and written with one `write(2)`.
public struct LineLogHandler: LogHandler {
    /// The line format.
    public let format: LogFormat
    /// The logger's label (`cart`, `payments`, `cartd`).
    public let label: String
    /// The level below which events are dropped.
    public var logLevel: Logger.Level
    /// Metadata on every line of this logger.
    public var metadata: Logger.Metadata = [:]
    private let sink: @Sendable (String) -> Void

    /// Creates a handler.
    /// - Parameters:
    ///   - label: The logger's label.
    ///   - format: logfmt or JSON.
    ///   - level: The minimum level.
    ///   - sink: Where lines go (standard error by default; tests collect them).
    public init(label: String, format: LogFormat, level: Logger.Level,
                sink: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.sink = sink
    }

    /// Reads or writes one metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The timestamp format of every line, built once.
    private static let timeFormat = Date.ISO8601FormatStyle.iso8601.year().month().day()
        .timeZone(separator: .omitted).time(includingFractionalSeconds: true)

    /// Writes one event.
    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let time = Date().formatted(Self.timeFormat)
        switch format {
        case .logfmt: sink(Self.logfmtLine(time: time, level: event.level, label: label, message: "\(event.message)", metadata: merged))
        case .json: sink(Self.jsonLine(time: time, level: event.level, label: label, message: "\(event.message)", metadata: merged))
        }
    }

    static func logfmtLine(time: String, level: Logger.Level, label: String, message: String,
                           metadata: Logger.Metadata) -> String {
        var line = "ts=\(time) level=\(level.rawValue) logger=\(quoteLogfmt(label)) msg=\(quoteLogfmt(message))"
        for key in metadata.keys.sorted() {
            line += " \(key)=\(quoteLogfmt("\(metadata[key]!)"))"
        }
        return line
    }

    static func jsonLine(time: String, level: Logger.Level, label: String, message: String,
                         metadata: Logger.Metadata) -> String {
        var fields: [(String, String)] = [("ts", time), ("level", level.rawValue), ("logger", label), ("msg", message)]
        for key in metadata.keys.sorted() where !["ts", "level", "logger", "msg"].contains(key) {
            fields.append((key, "\(metadata[key]!)"))
        }
        return "{" + fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",") + "}"
    }

    static func quoteLogfmt(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
        guard needsQuotes else { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }

    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// Writes a line to standard error.
    @Sendable public static func standardError(_ line: String) {
        let text = line + "\n"
        text.withCString { pointer in _ = write(2, pointer, strlen(pointer)) }
    }
}
