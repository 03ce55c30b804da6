import ArgumentParser
import CartClient
import Foundation

/// A failure found by cartctl itself (a bad file, an unreadable secret), reported like the daemon's errors.
struct CLIError: Error, CustomStringConvertible {
    /// The status code printed.
    var code: StatusCode
    /// What was wrong.
    var message: String

    init(_ code: StatusCode, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { "\(code.name): \(message)" }
}

/// Runs `body`; any error is printed to stderr as `cartctl: CODE: message` and exits with status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as RPCError {
        printError("cartctl: \(error.code.name): \(error.message)")
        throw ExitCode(1)
    } catch let error as CartSessionError {
        printError("cartctl: \(error.rpcError.code.name): \(error.rpcError.message)")
        throw ExitCode(1)
    } catch let error as CLIError {
        printError("cartctl: \(error.code.name): \(error.message)")
        throw ExitCode(1)
    } catch {
        printError("cartctl: UNKNOWN: \(error)")
        throw ExitCode(1)
    }
}

/// A readable description of a JSON decoding failure: where in the document, and what.
func describe(_ error: DecodingError) -> String {
    func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return text.isEmpty ? "the document" : text
    }
    switch error {
    case .keyNotFound(let key, let context):
        return "\(path(context.codingPath + [key])) is missing"
    case .typeMismatch(let type, let context):
        return "\(path(context.codingPath)) is not a valid \(type)"
    case .valueNotFound(let type, let context):
        return "\(path(context.codingPath)) is null; expected \(type)"
    case .dataCorrupted(let context):
        if let underlying = context.underlyingError {
            return "\(path(context.codingPath)): not valid JSON (\(underlying.localizedDescription))"
        }
        return "\(path(context.codingPath)): \(context.debugDescription)"
    @unknown default:
        return "\(error)"
    }
}
