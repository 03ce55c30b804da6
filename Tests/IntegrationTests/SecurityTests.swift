import CartAuth
import CartClient
import CartCore
import CartProto
import CartTesting
import Foundation
import NIOCore
import Testing
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// Who may reach cartd and what they may do: socket file and directory, SO_PEERCRED allow-list, tokens, roles,
/// and secrets kept out of the log.
@Suite("Security: socket, peers, tokens, roles, secrets", .serialized)
struct SecurityTests {
    // MARK: Socket file and directory

    @Test("socket file: 0600 and cartd's by default, 0660 and the group's when asked; a file, a symlink or a sticky world-writable directory at the path is refused and left alone")
    func socketFileAndDirectory() async throws {
        try await withTestDaemon { daemon in
            var info = stat()
            #expect(lstat(daemon.socketPath, &info) == 0)
            #expect(info.st_mode & S_IFMT == S_IFSOCK)
            #expect(info.st_mode & 0o777 == 0o600)
            #expect(info.st_uid == getuid())
            let directoryMode = try fileMode(daemon.directory)
            #expect(directoryMode == 0o700)
        }
        let group = getuid() == 0 ? gid_t(65534) : getgid()
        let shared = try TestDaemon(arguments: ["--socket-mode", "0660", "--socket-group", "\(group)"])
        try await shared.start()
        try await shared.waitUntilLoggedListening()
        var info = stat()
        #expect(stat(shared.socketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660, "group may read and write, others nothing")
        #expect(info.st_gid == group)
        #expect(try await shared.stop() == 0)
        shared.removeDirectory()

        // Whatever sits at the socket path and is not a socket stays as it was; cartd refuses to start.
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let precious = directory + "/precious.txt"
        try "keep me".write(toFile: precious, atomically: true, encoding: .utf8)
        try "regular file".write(toFile: directory + "/cartd.sock", atomically: true, encoding: .utf8)
        let onFile = try TestDaemon(directory: directory)
        await #expect(throws: TestDaemonError.self) { try await onFile.start() }
        #expect(onFile.logContents().contains("exists and is not a socket"))
        #expect(try String(contentsOfFile: directory + "/cartd.sock", encoding: .utf8) == "regular file")
        try FileManager.default.removeItem(atPath: directory + "/cartd.sock")
        #expect(symlink(precious, directory + "/cartd.sock") == 0)
        let onLink = try TestDaemon(directory: directory)
        await #expect(throws: TestDaemonError.self) { try await onLink.start() }
        #expect(onLink.logContents().contains("exists and is not a socket"))
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == "keep me", "the symlink was followed")

        // A sticky world-writable directory (like /tmp) is still writable by everyone: refused.
        let sticky = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: sticky) }
        chmod(sticky, 0o1777)
        let inSticky = try TestDaemon(directory: sticky)
        await #expect(throws: TestDaemonError.self) { try await inSticky.start() }
        #expect(inSticky.logContents().contains("writable by every user"))
        #expect(!FileManager.default.fileExists(atPath: inSticky.socketPath))
    }

    // MARK: SO_PEERCRED

    @Test("SO_PEERCRED: a client running as uid 65534 is closed without an answer and logged; --allow-uid 65534 serves it",
          .enabled(if: getuid() == 0, "needs root to run a client as another user"))
    func peerAllowList() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            try Test.cancel("needs /usr/bin/setpriv and /usr/bin/python3")
        }
        // The socket must be reachable by nobody: a 0755 directory (under /tmp) and a 0666 socket.
        let directory = try TestDaemon.makeTemporaryDirectory()
        chmod(directory, 0o755)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let refusing = try TestDaemon(arguments: ["--socket-mode", "0666"], directory: directory)
        try await refusing.start()
        let refused = try await healthCheckAsNobody(socket: refusing.socketPath, directory: directory)
        #expect(refused.uid == "65534")
        #expect(refused.outcome == "closed", "a refused peer got \(refused.outcome)")
        #expect(try await refusing.client().health() == .serving, "cartd's own user is still served")
        try await refusing.stop()
        let log = refusing.logContents()
        #expect(log.contains("refusing connection") && log.contains("peer.uid=65534"), "\(log)")

        let allowing = try TestDaemon(arguments: ["--socket-mode", "0666", "--allow-uid", "65534"], directory: directory)
        try await allowing.start()
        let served = try await healthCheckAsNobody(socket: allowing.socketPath, directory: directory)
        #expect(served.uid == "65534")
        #expect(served.outcome.hasPrefix("answered "), "an allowed peer got \(served.outcome)")
        if served.outcome.hasPrefix("answered ") {
            let bytes = hexBytes(String(served.outcome.dropFirst("answered ".count)))
            #expect(bytes.count > 10)
            #expect(try servingStatus(Array(bytes.dropFirst(10))) == .serving)
        }
        try await allowing.stop()
        #expect(!allowing.logContents().contains("refusing connection"))
    }

    /// Runs a Python client as uid/gid 65534 (setpriv, no supplementary groups) that sends one Health/Check frame.
    /// - Returns: The uid the client ran as, and "answered <hex of the reply>", "closed" or "error …".
    private func healthCheckAsNobody(socket: String, directory: String) async throws -> (uid: String, outcome: String) {
        let script = """
            import os, socket, sys
            print("uid", os.getuid(), flush=True)
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            client.settimeout(5)
            try:
                client.connect(sys.argv[1])
                client.sendall(bytes.fromhex(sys.argv[2]))
                data = b""
                while len(data) < 10 or len(data) < 10 + int.from_bytes(data[0:4], "big"):
                    chunk = client.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                print("answered " + data.hex() if data else "closed")
            except (ConnectionResetError, BrokenPipeError):
                print("closed")
            except Exception as error:
                print("error", type(error).__name__, error)
            """
        let hex = healthCheckBytes(streamID: 1).map { String(format: "%02x", $0) }.joined()
        let output = directory + "/nobody-\(UUID().uuidString.prefix(8)).out"
        let child = try ChildProcess.spawn(
            "/usr/bin/setpriv",
            arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, socket, hex],
            environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"], outputPath: output)
        #expect(try await child.wait(timeout: .seconds(30)) == 0)
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        let uid = lines.first { $0.hasPrefix("uid ") }.map { String($0.dropFirst(4)) } ?? "?"
        return (uid, lines.last { !$0.hasPrefix("uid ") } ?? "no output")
    }

    // MARK: Tokens

    @Test("JWT attacks are UNAUTHENTICATED: alg confusion to RS256, HS512, unknown kid, nbf ahead, wrong aud/iss, 12 KB token, retired key; a 64 KB token is RESOURCE_EXHAUSTED")
    func jwtAttacks() async throws {
        let issuer = "https://auth.cartsync.test", audience = "cartd"
        let directory = try TestDaemon.makeTemporaryDirectory()
        let oldFile = directory + "/old.secret", newFile = directory + "/new.secret"
        for file in [oldFile, newFile] {
            let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            _ = FileManager.default.createFile(atPath: file, contents: Data(secret.utf8),
                                               attributes: [.posixPermissions: 0o600])
        }
        let retiredAt = Int(Date().timeIntervalSince1970) - 3600
        let daemon = try TestDaemon(arguments: ["--jwt-issuer", issuer, "--jwt-audience", audience,
                                                "--jwt-key", "old=\(oldFile)@\(retiredAt)", "--jwt-key", "new=\(newFile)"],
                                    directory: directory)
        try await daemon.start()
        let key = try daemon.signingKey
        let oldSecret = try SigningKey.secret(fromFile: oldFile), newSecret = try SigningKey.secret(fromFile: newFile)
        func mint(_ key: SigningKey, sub: String = "mallory", iss: String? = issuer, aud: [String]? = [audience],
                  nbf: Date? = nil, roles: [String]? = nil) async throws -> String {
            try await TokenMinter(key: key).mint(TokenClaims(sub: sub, exp: Date().addingTimeInterval(600), nbf: nbf,
                                                             iss: iss, aud: aud, roles: roles))
        }
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = ["sub": "mallory", "exp": now + 600, "iss": issuer, "aud": [audience]]

        let refused: [(String, String)] = [
            ("alg confusion: header RS256, HMAC-SHA256 keyed with the secret",
             try pythonJWT(header: ["alg": "RS256", "typ": "JWT"], claims: claims, secret: key.secret)),
            ("alg confusion with kid new: header RS256, HMAC keyed with the new secret",
             try pythonJWT(header: ["alg": "RS256", "typ": "JWT", "kid": "new"], claims: claims, secret: newSecret)),
            ("alg HS512 keyed with the secret",
             try pythonJWT(header: ["alg": "HS512", "typ": "JWT"], claims: claims, secret: key.secret, digest: "sha512")),
            ("alg hs256 in lower case", try pythonJWT(header: ["alg": "hs256", "typ": "JWT"], claims: claims, secret: key.secret)),
            ("a kid cartd does not know", try pythonJWT(header: ["alg": "HS256", "kid": "k-2031"], claims: claims, secret: key.secret)),
            ("a kid that is not a string", try pythonJWT(header: ["alg": "HS256", "kid": 7], claims: claims, secret: key.secret)),
            ("nbf 60 s ahead", try await mint(key, nbf: Date().addingTimeInterval(60))),
            ("wrong aud", try await mint(key, aud: ["billing"])),
            ("no aud", try await mint(key, aud: nil)),
            ("wrong iss", try await mint(key, iss: "https://evil.test")),
            ("no iss", try await mint(key, iss: nil)),
            ("12 KB token (over cartd's 8 KiB token limit)",
             try await mint(key, roles: [String(repeating: "r", count: 9_000)])),
            ("kid old, retired an hour ago", try await mint(SigningKey(id: "old", secret: oldSecret))),
            ("no kid, signed with the retired key", try await mint(SigningKey(id: nil, secret: oldSecret))),
            ("kid new, signed with the retired key", try await mint(SigningKey(id: "new", secret: oldSecret))),
            ("kid new, signed with the default key", try await mint(SigningKey(id: "new", secret: key.secret))),
        ]
        for (name, token) in refused {
            let client = CartClient(socketPath: daemon.socketPath, token: token)
            let error = await expectRPCError(.unauthenticated, name) { try await client.getCart() }
            #expect(error?.message.isEmpty == false)
            await client.close()
        }

        // 64 KB: the ttrpc envelope's metadata limit (16 KiB) refuses it while decoding the request, before any
        // token parsing, so the code is RESOURCE_EXHAUSTED; the connection and other callers are unaffected.
        let huge = try pythonJWT(header: ["alg": "HS256", "typ": "JWT"],
                                 claims: claims.merging(["pad": String(repeating: "x", count: 48_000)]) { $1 },
                                 secret: key.secret)
        #expect(huge.utf8.count >= 64_000)
        let hugeClient = CartClient(socketPath: daemon.socketPath, token: huge)
        let hugeError = await expectRPCError(.resourceExhausted, "64 KB token") { try await hugeClient.getCart() }
        #expect(hugeError?.message.contains("metadata") == true)
        await hugeClient.close()
        let bystander = CartClient(socketPath: daemon.socketPath, token: try await mint(key, sub: "bystander"))
        #expect(try await bystander.getCart().userID == "bystander", "other callers are unaffected")
        await bystander.close()

        let accepted: [(String, String)] = [
            ("default key with iss and aud", try await mint(key)),
            ("kid new (rotation)", try await mint(SigningKey(id: "new", secret: newSecret))),
            ("no kid, signed with the new key", try await mint(SigningKey(id: nil, secret: newSecret))),
            ("aud among several", try await mint(key, aud: ["billing", audience])),
            ("nbf 3 s ahead, inside the 5 s leeway", try await mint(key, nbf: Date().addingTimeInterval(3))),
        ]
        for (name, token) in accepted {
            let client = CartClient(socketPath: daemon.socketPath, token: token)
            do {
                #expect(try await client.getCart().userID == "mallory", "\(name)")
            } catch {
                Issue.record("\(name): \(error)")
            }
            await client.close()
        }
        try await daemon.stop()
        daemon.removeDirectory()
    }

    @Test("a token secret shorter than 32 bytes (HS256's hash size) stops start-up with status 2, for --jwt-secret-file and --jwt-key")
    func shortTokenSecret() throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let short = directory + "/short.secret", good = directory + "/good.secret"
        _ = FileManager.default.createFile(atPath: short, contents: Data("twenty-bytes-secret!".utf8),
                                           attributes: [.posixPermissions: 0o600])
        _ = FileManager.default.createFile(atPath: good, contents: Data(String(repeating: "k", count: 32).utf8),
                                           attributes: [.posixPermissions: 0o600])
        for extra in [["--jwt-secret-file", short], ["--jwt-secret-file", good, "--jwt-key", "k2=\(short)"]] {
            let (status, output) = try runTool(TestDaemon.binaryPath, ["--socket", directory + "/cartd.sock",
                                                                       "--database", directory + "/cart.db"] + extra)
            #expect(status == 2, "\(extra): \(output)")
            #expect(output.contains("the secret in \(short) is 20 bytes; use at least 32"), "\(output)")
            #expect(!output.contains("Assertion failed"))
            #expect(!FileManager.default.fileExists(atPath: directory + "/cartd.sock"))
        }
    }

    @Test("a token's sub reaches only its own cart: another user's cart id, case, spaces, guest namespace; foreign orders are NOT_FOUND")
    func subjectIsolation() async throws {
        try await withPaymentDaemon { daemon, _ in
            let alice = try await daemon.client(user: "alice")
            let cart = try await alice.addItem(productID: "p-pen", quantity: 2)
            let (_, order) = try await checkoutAndPay(alice)
            let aliceNow = try await alice.addItem(productID: "p-mug", quantity: 1)
            let guestToken = try await daemon.token(user: "eve", guest: true)
            let guest = CartClient(socketPath: daemon.socketPath, token: guestToken)
            let guestCart = try await guest.addItem(productID: "p-pen", quantity: 4)

            for sub in [cart.id, "Alice", "alice ", " alice", "eve"] {
                let other = try await daemon.client(user: sub)
                let theirs = try await other.getCart()
                #expect(theirs.id != aliceNow.id && theirs.id != guestCart.id, "sub \(sub) reached another cart")
                #expect(theirs.items.isEmpty, "sub \(sub) sees lines that are not its own")
                await expectRPCError(.notFound, "sub \(sub) reading alice's order") {
                    try await other.getOrder(orderID: order.id)
                }
                await expectRPCError(.notFound, "sub \(sub) removing alice's line") {
                    try await other.removeItem(itemID: aliceNow.items[0].id)
                }
                await other.close()
            }
            // The guest namespace is the guests' own: a registered user's token cannot claim a sub in it.
            for sub in ["guest:eve", "guest:alice"] {
                let squatter = try await daemon.client(user: sub)
                let error = await expectRPCError(.unauthenticated, "sub \(sub)") { try await squatter.getCart() }
                #expect(error?.message == "token sub must not start with guest: (reserved for guest sessions)")
                await squatter.close()
            }
            // A guest token whose sub is a registered user's id gets the guest's own cart.
            let impostor = CartClient(socketPath: daemon.socketPath, token: try await daemon.token(user: "alice", guest: true))
            #expect(try await impostor.getCart().id != aliceNow.id)
            await impostor.close()
            #expect(try await alice.getCart() == aliceNow)
            #expect(try await guest.getCart() == guestCart)
            await guest.close()
            await alice.close()
        }
    }

    @Test("one connection, several callers: each call is answered for the token it carries — alternating users, a missing, doubled or mis-cased entry after a known caller, a token that expires while the connection keeps sending it")
    func oneConnectionManyTokens() async throws {
        let daemon = try TestDaemon()
        try await daemon.start()
        let alice = try await daemon.token(user: "alice"), bob = try await daemon.token(user: "bob")
        let raw = try await daemon.connect()
        func owner(_ metadata: Metadata) async throws -> String {
            let reply = try await raw.unary(service: "cart.v1.CartService", method: "GetCart", payload: ByteBuffer(),
                                            metadata: metadata)
            return try reply.readProtoMessage(as: PricedCart.self).userID
        }
        func bearer(_ token: String, key: String = "authorization") -> Metadata {
            var metadata = Metadata()
            metadata.append(key, "Bearer \(token)")
            return metadata
        }
        for round in 0..<3 {
            #expect(try await owner(bearer(alice)) == "alice", "round \(round)")
            #expect(try await owner(bearer(alice)) == "alice", "round \(round), the same token again")
            #expect(try await owner(bearer(bob)) == "bob", "round \(round), another token on the same connection")
        }
        _ = await expectRPCError(.unauthenticated, "no authorization after a known caller") { try await owner(Metadata()) }
        var doubled = bearer(alice)
        doubled.append("authorization", "Bearer \(bob)")
        _ = await expectRPCError(.unauthenticated, "two authorization entries after a known caller") {
            try await owner(doubled)
        }
        _ = await expectRPCError(.unauthenticated, "a token one byte short of alice's") {
            try await owner(bearer(String(alice.dropLast())))
        }
        #expect(try await owner(bearer(alice, key: "Authorization")) == "alice", "keys compare in lower case")

        // A token that expires (1 s, plus the verifier's 5 s leeway) while the connection keeps sending it.
        let carol = try await daemon.token(user: "carol", lifetime: 1)
        #expect(try await owner(bearer(carol)) == "carol")
        #expect(try await owner(bearer(carol)) == "carol", "the same token again, before it expires")
        try await Task.sleep(for: .seconds(7.5))
        let expired = await expectRPCError(.unauthenticated, "carol's token after it expired, same connection") {
            try await owner(bearer(carol))
        }
        #expect(expired?.message.contains("expired") == true, "\(expired?.message ?? "")")
        #expect(try await owner(bearer(alice)) == "alice", "the connection still serves a valid token")
        await raw.close()
        try await daemon.stop()
        daemon.removeDirectory()
    }

    // MARK: Roles

    @Test("every Catalog/Admin RPC and HandleGatewayWebhook: PERMISSION_DENIED for a shopper or a look-alike role, UNAUTHENTICATED without a token; nothing changes")
    func adminRPCsNeedTheRole() async throws {
        try await withPaymentDaemon { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            _ = try await alice.addItem(productID: "p-pen", quantity: 1)
            let payment = try await alice.createPaymentFromCart(shipping: Addresses.home)
            let body = webhookBody(event: "payment.captured", orderID: payment.gatewayOrderID,
                                   gatewayPaymentID: "pay_role_1", amount: payment.amount.amountMinor)
            let bodySignature = try pythonHMAC(secret: SimulatedSecrets.webhookSecret, body)
            let backupPath = daemon.directory + "/stolen.db"
            let penBefore = try await admin.getProduct(productID: "p-pen")

            let calls: [(String, @Sendable (CartClient) async throws -> Void)] = [
                ("CatalogService/UpsertProducts", {
                    _ = try await $0.upsertProducts([Product(id: "p-evil", name: "Evil", price: TestCatalog.inr(1),
                                                             active: true, stock: 1, variants: [])])
                }),
                ("CatalogService/GetProduct", { _ = try await $0.getProduct(productID: "p-pen") }),
                ("CatalogService/ListProducts", { _ = try await $0.listProducts() }),
                ("CatalogService/SetStock", { _ = try await $0.setStock(productID: "p-pen", stock: 0) }),
                ("CatalogService/DeleteProduct", { _ = try await $0.deleteProduct(productID: "p-pen") }),
                ("AdminService/InspectUser", { _ = try await $0.inspectUser(userID: "alice") }),
                ("AdminService/GetMetrics", { _ = try await $0.metrics() }),
                ("AdminService/Backup", { _ = try await $0.backup(path: backupPath) }),
                ("AdminService/ImportLegacyCarts", {
                    _ = try await $0.importLegacyCarts([LegacyCart(userID: "alice", lines: [
                        LegacyCartLine(productID: "p-pen", quantity: 40)])])
                }),
                ("PaymentService/HandleGatewayWebhook", {
                    _ = try await $0.handleGatewayWebhook(gateway: "razorpay", body: Array(body.utf8),
                                                          signature: bodySignature, eventID: "evt_role_1")
                }),
            ]
            // The table covers every method of the admin services in the protos.
            let root = ObservabilityTests.repositoryRoot + "/Protos/cart/v1/"
            var adminMethods: Set<String> = ["PaymentService/HandleGatewayWebhook"]
            for (file, service) in [("catalog.proto", "CatalogService"), ("admin.proto", "AdminService")] {
                let text = try String(contentsOfFile: root + file, encoding: .utf8)
                for line in text.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("rpc ") {
                    let name = line.trimmingCharacters(in: .whitespaces).dropFirst(4).prefix { $0 != "(" }
                    adminMethods.insert("\(service)/\(name)")
                }
            }
            #expect(Set(calls.map(\.0)) == adminMethods)

            let key = try daemon.signingKey
            let lookAlike = try await TokenMinter(key: key).mint(subject: "mallory", lifetime: 600,
                                                                 roles: ["Admin", "ADMIN", "admin ", "administrator", "root"])
            let callers: [(String, CartClient, StatusCode)] = [
                ("a shopper", try await daemon.client(user: "mallory"), .permissionDenied),
                ("look-alike roles", CartClient(socketPath: daemon.socketPath, token: lookAlike), .permissionDenied),
                ("a guest", try await daemon.client(user: "mallory", guest: true), .permissionDenied),
                ("no token", daemon.client(), .unauthenticated),
            ]
            for (name, call) in calls {
                for (who, client, code) in callers {
                    await expectRPCError(code, "\(who) calling \(name)") { try await call(client) }
                }
            }
            for (_, client, _) in callers { await client.close() }

            #expect(try await admin.getProduct(productID: "p-pen") == penBefore)
            await expectRPCError(.notFound, "p-evil") { try await admin.getProduct(productID: "p-evil") }
            #expect(!FileManager.default.fileExists(atPath: backupPath))
            #expect(try await alice.getPayment(paymentID: payment.id).status == .created)
            #expect(try await alice.getCart().items.map(\.quantity) == [1])
            // The same webhook from an admin is served: the refusals above were about the role only.
            let served = try await admin.handleGatewayWebhook(gateway: "razorpay", body: Array(body.utf8),
                                                              signature: bodySignature, eventID: "evt_role_1")
            #expect(served.status == .paid && !served.duplicate)
            await alice.close()
        }
    }

    // MARK: Secrets in logs

    @Test("a trace-level JSON log of a whole flow holds no JWT secret, token, gateway secret or signature")
    func secretsNeverLogged() async throws {
        let daemon = try TestDaemon(arguments: ["--log-level", "trace", "--log-format", "json"])
        try await daemon.start()
        var tokens: [String] = []
        var signatures: [String] = []
        let adminToken = try await daemon.token(user: "ops", admin: true)
        tokens.append(adminToken)
        let admin = CartClient(socketPath: daemon.socketPath, token: adminToken)
        _ = try await admin.upsertProducts(TestCatalog.products)
        let aliceToken = try await daemon.token(user: "alice")
        tokens.append(aliceToken)
        let alice = CartClient(socketPath: daemon.socketPath, token: aliceToken)

        // A guest's lines merged (the guest token travels in the request body too).
        let guestToken = try await daemon.token(user: "visitor-7", guest: true)
        tokens.append(guestToken)
        let guest = CartClient(socketPath: daemon.socketPath, token: guestToken)
        _ = try await guest.addItem(productID: "p-pen", quantity: 1)
        _ = try await alice.mergeGuestCart(guestToken: guestToken)
        await guest.close()

        // Checkout, a refused signature, then the right one.
        _ = try await alice.addItem(productID: "p-mug", quantity: 1)
        let first = try await alice.createPaymentFromCart(shipping: Addresses.home)
        let wrong = try pythonPaymentSignature(orderID: first.gatewayOrderID, gatewayPaymentID: "pay_log_1",
                                               keySecret: "not-the-simulated-key-secret")
        signatures.append(wrong)
        await expectRPCError(.permissionDenied, "wrong signature") {
            try await alice.confirmPayment(paymentID: first.id, gatewayPaymentID: "pay_log_1", signature: wrong)
        }
        let right = try pythonPaymentSignature(orderID: first.gatewayOrderID, gatewayPaymentID: "pay_log_1")
        signatures.append(right)
        _ = try await alice.confirmPayment(paymentID: first.id, gatewayPaymentID: "pay_log_1", signature: right)

        // A second payment completed by webhook, after one with a bad signature.
        _ = try await alice.addItem(productID: "p-pen", quantity: 2)
        let second = try await alice.createPaymentFromCart(shipping: Addresses.office)
        let body = webhookBody(event: "payment.captured", orderID: second.gatewayOrderID, gatewayPaymentID: "pay_log_2",
                               amount: second.amount.amountMinor)
        let badHook = try pythonHMAC(secret: "not-the-webhook-secret", body)
        let goodHook = try pythonHMAC(secret: SimulatedSecrets.webhookSecret, body)
        signatures += [badHook, goodHook]
        await expectRPCError(.permissionDenied, "bad webhook signature") {
            try await admin.handleGatewayWebhook(gateway: "razorpay", body: Array(body.utf8), signature: badHook,
                                                 eventID: "evt_log_1")
        }
        _ = try await admin.handleGatewayWebhook(gateway: "razorpay", body: Array(body.utf8), signature: goodHook,
                                                 eventID: "evt_log_2")

        // Refused tokens are sent too.
        let expired = try await daemon.token(user: "alice", lifetime: -120)
        let forged = try await TokenMinter(key: SigningKey(id: nil, secret: Array("a forger's secret, 32 bytes or longer".utf8)))
            .mint(subject: "alice", lifetime: 600)
        tokens += [expired, forged]
        for token in [expired, forged] {
            let client = CartClient(socketPath: daemon.socketPath, token: token)
            await expectRPCError(.unauthenticated, "bad token") { try await client.getCart() }
            await client.close()
        }
        _ = try await admin.inspectUser(userID: "alice")
        await alice.close()
        await admin.close()
        #expect(try await daemon.stop() == 0)

        let log = daemon.logContents()
        #expect(log.contains("ConfirmPayment") && log.contains("HandleGatewayWebhook")
                    && (log.contains("\"level\":\"trace\"") || log.contains("\"level\":\"debug\"")),
                "the log does not show the flow at a verbose level")
        let jwtSecret = try String(contentsOfFile: daemon.secretPath, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var secrets: [(String, String)] = [("the JWT secret", jwtSecret),
                                           ("the simulated key secret", SimulatedSecrets.keySecret),
                                           ("the simulated webhook secret", SimulatedSecrets.webhookSecret)]
        for (index, token) in tokens.enumerated() {
            secrets.append(("token \(index)", token))
            secrets.append(("token \(index)'s signature", String(token.split(separator: ".").last ?? "")))
        }
        for (index, signature) in signatures.enumerated() { secrets.append(("signature \(index)", signature)) }
        for (name, secret) in secrets where !secret.isEmpty {
            #expect(!log.contains(secret), "\(name) appears in the log")
        }
        daemon.removeDirectory()
    }
}

/// Bytes from lowercase hex.
private func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
        bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
        index = next
    }
    return bytes
}
