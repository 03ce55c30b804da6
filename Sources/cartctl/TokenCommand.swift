import ArgumentParser

/// `cartctl token`: development tokens.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Development tokens signed with cartd's HS256 secret.",
        subcommands: [Mint.self]
    )

    /// `cartctl token mint`: prints a signed JWT.
    struct Mint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a token and print it.")

        @Option(help: "The user id (`sub`).")
        var user: String

        @Flag(help: "Add role admin.")
        var admin = false

        @Flag(help: "Mark the token as a guest session (`guest: true`).")
        var guest = false

        @Option(help: "Lifetime: 30s, 15m, 1h, 2d.")
        var ttl = TokenLifetime(seconds: 3600)

        @Option(help: "Key id for the `kid` header (key rotation).")
        var kid: String?

        @Option(help: "The `iss` claim.")
        var issuer: String?

        @Option(help: "The `aud` claim.")
        var audience: String?

        @Option(help: "The HS256 secret (env CARTD_JWT_SECRET_FILE).")
        var secretFile: String = ProcessInfoEnvironment.value("CARTD_JWT_SECRET_FILE") ?? "./.run/jwt.secret"

        func run() async throws {
            try await reportingErrors {
                let token = try await TokenMinting.mint(
                    subject: user, lifetime: ttl.seconds, roles: admin ? ["admin"] : [], guest: guest, keyID: kid,
                    issuer: issuer, audience: audience, secretFile: secretFile)
                print(token)
            }
        }
    }
}
