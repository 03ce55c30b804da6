import ArgumentParser
import CartAuth
import CartClient
import NIOCore

/// Who the caller is: a token given as is, or a development token minted from the daemon's secret.
struct IdentityOptions: ParsableArguments {
    @Option(help: "A JWT to send as `authorization: Bearer` (env CARTD_TOKEN).")
    var token: String?

    @Option(help: "Mint a 1-hour development token for this user id from the secret file.")
    var user: String?

    @Flag(help: "With --user: give the minted token role admin (Catalog and Admin RPCs).")
    var admin = false

    @Option(help: "The HS256 secret for --user (env CARTD_JWT_SECRET_FILE).")
    var secretFile: String = ProcessInfoEnvironment.value("CARTD_JWT_SECRET_FILE") ?? "./.run/jwt.secret"

    func validate() throws {
        if token != nil && user != nil { throw ValidationError("give either --token or --user, not both") }
        if admin && user == nil { throw ValidationError("--admin needs --user (a given --token carries its own roles)") }
    }

    /// The token to send: `--token`, else one minted for `--user`, else env `CARTD_TOKEN`, else none.
    /// - Throws: ``CLIError`` when the secret cannot be read or the token cannot be signed.
    func resolveToken() async throws -> String? {
        if let token { return token }
        guard let user else { return ProcessInfoEnvironment.value("CARTD_TOKEN") }
        return try await TokenMinting.mint(subject: user, lifetime: 3600, roles: admin ? ["admin"] : [],
                                           secretFile: secretFile)
    }
}

/// `--json`: machine-readable output.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (snake_case fields as in the protos) instead of tables.")
    var json = false
}

/// The options of every command that calls cartd as someone.
struct ClientOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var identity: IdentityOptions
    @OptionGroup var output: OutputOptions

    /// Whether to print JSON.
    var json: Bool { output.json }

    /// A client for the socket, with the resolved token and the `--timeout` as the default deadline.
    func makeClient() async throws -> CartClient {
        Self.makeClient(connection: connection, token: try await identity.resolveToken())
    }

    /// A client for `connection` sending `token`.
    static func makeClient(connection: ConnectionOptions, token: String?) -> CartClient {
        var configuration = CartClientConfiguration(socketPath: connection.socket, token: token)
        configuration.defaultTimeout = .nanoseconds(Int64(connection.timeout * 1_000_000_000))
        return CartClient(configuration: configuration)
    }

    /// Runs `body` with a client, closing it afterwards; errors are reported as `cartctl: CODE: message`.
    func withClient(_ body: (CartClient) async throws -> Void) async throws {
        try await Self.withClient(body) { try await makeClient() }
    }

    /// Runs `body` with the client `make` creates, closing it afterwards; errors are reported.
    static func withClient(_ body: (CartClient) async throws -> Void,
                           make: () async throws -> CartClient) async throws {
        try await reportingErrors {
            let client = try await make()
            do {
                try await body(client)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
        }
    }
}

/// Signing development tokens with the daemon's secret file.
enum TokenMinting {
    /// Mints an HS256 token.
    /// - Throws: ``CLIError`` FAILED_PRECONDITION when the secret file is unusable, INTERNAL when signing fails.
    static func mint(subject: String, lifetime: Int, roles: [String], guest: Bool = false, keyID: String? = nil,
                     issuer: String? = nil, audience: String? = nil, secretFile: String) async throws -> String {
        let secret: [UInt8]
        do {
            secret = try SigningKey.secret(fromFile: secretFile, minimumBytes: SigningKey.minimumTokenSecretBytes)
        } catch {
            throw CLIError(.failedPrecondition, error.message)
        }
        let minter = TokenMinter(key: SigningKey(id: keyID, secret: secret))
        do {
            return try await minter.mint(subject: subject, lifetime: Double(lifetime), roles: roles, guest: guest,
                                         issuer: issuer, audience: audience)
        } catch {
            throw CLIError(.internal, "cannot sign the token: \(error)")
        }
    }
}

/// The options of operator commands: the caller is an admin, so `--user` is free to name the
/// user operated on. The token: `--token`, else an admin token minted for `--as` from the secret
/// file when it is readable, else none (cartd then relies on the peer's uid being an admin uid).
struct AdminClientOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "A JWT with role admin (env CARTD_TOKEN).")
    var token: String?

    @Option(name: .customLong("as"), help: "Mint a 1-hour admin token for this user id from the secret file.")
    var caller = "cartctl-admin"

    @Option(help: "The HS256 secret for minting (env CARTD_JWT_SECRET_FILE).")
    var secretFile: String = ProcessInfoEnvironment.value("CARTD_JWT_SECRET_FILE") ?? "./.run/jwt.secret"

    /// Whether to print JSON.
    var json: Bool { output.json }

    /// Runs `body` with an admin client.
    func withClient(_ body: (CartClient) async throws -> Void) async throws {
        try await ClientOptions.withClient(body) {
            var token = token ?? ProcessInfoEnvironment.value("CARTD_TOKEN")
            if token == nil, (try? SigningKey.secret(fromFile: secretFile)) != nil {
                token = try await TokenMinting.mint(subject: caller, lifetime: 3600, roles: ["admin"],
                                                    secretFile: secretFile)
            }
            return ClientOptions.makeClient(connection: connection, token: token)
        }
    }
}
