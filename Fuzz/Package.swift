// swift-tools-version:6.1
//
// The libFuzzer target for cartd's wire input: frame decoder, ttrpc envelopes and every request payload.
// A package of its own so its sanitizer build never touches the main build:
//
//   swift build -c debug --package-path Fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address
//
// or `make fuzz FUZZ_SECONDS=600`. See Fuzz/README.md.

import PackageDescription

let package = Package(
    name: "cartsync-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        // `name:` keeps `package: "cartsync"` below valid whatever the checkout's directory is called.
        .package(name: "cartsync", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Declares libFuzzer's `LLVMFuzzerRunDriver`, which main.swift calls (see README.md for why).
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "cartsync-fuzz",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "TTRPC", package: "cartsync"),
                .product(name: "CartProto", package: "cartsync"),
                .product(name: "CartCore", package: "cartsync"),
                .product(name: "ProtobufCSupport", package: "cartsync"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/CartFuzz",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
