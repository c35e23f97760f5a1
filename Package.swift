// swift-tools-version: 6.1
import PackageDescription

// Async functions run on their caller's executor (the hub) instead of hopping to the
// generic executor and back at every call: each hop costs a task-status lock.
let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

let package = Package(
    name: "greenlet",
    products: [
        .library(name: "Greenlet", targets: ["Greenlet"]),
        .library(name: "GreenletHTTP", targets: ["GreenletHTTP"]),
        .library(name: "GreenletTLS", targets: ["GreenletTLS"]),
        .library(name: "GreenletStreams", targets: ["GreenletStreams"]),
        .library(name: "GreenletClient", targets: ["GreenletClient"]),
        .library(name: "GreenletRedis", targets: ["GreenletRedis"]),
        .executable(name: "greenlet", targets: ["greenlet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // libevent, which only the hub and the poll descriptor call.
        .systemLibrary(
            name: "CLibevent",
            path: "Sources/CLibevent",
            pkgConfig: "libevent",
            providers: [.apt(["libevent-dev"])]
        ),
        // The few C helpers Swift cannot call directly: errno, accept4, the current task.
        .systemLibrary(name: "CGreenlet", path: "Sources/CGreenlet"),
        // OpenSSL (TLS and digests), with wrappers for the macros Swift cannot call.
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // hiredis, for its reply reader and command formatter only.
        .systemLibrary(
            name: "CHiredis",
            path: "Sources/CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // zlib, for the gzip and deflate content codings.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The lock every module shares state between OS threads with (pthread-backed, so
        // ThreadSanitizer sees it).
        .target(name: "GreenletLocks", swiftSettings: swiftSettings),
        // The runtime: hub, green threads, timers, sockets, offload.
        .target(
            name: "Greenlet",
            dependencies: [
                "CLibevent",
                "CGreenlet",
                "GreenletLocks",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP/1.1 parsing and serialization over bytes only (sans-I/O).
        .target(
            name: "GreenletHTTP",
            dependencies: ["CZlib", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: swiftSettings
        ),
        // TLS sessions over bytes only (sans-I/O, OpenSSL memory BIOs), and SHA-256.
        .target(
            name: "GreenletTLS",
            dependencies: ["COpenSSL", "GreenletLocks"],
            swiftSettings: swiftSettings
        ),
        // Byte streams (a green thread's socket, a blocking one, TLS on either) and the
        // HTTP message reader over them, which clients and servers share.
        .target(
            name: "GreenletStreams",
            dependencies: ["Greenlet", "GreenletHTTP", "GreenletTLS"],
            swiftSettings: swiftSettings
        ),
        // The HTTP client: dialers, fetches, redirects, connection reuse.
        .target(
            name: "GreenletClient",
            dependencies: [
                "Greenlet",
                "GreenletHTTP",
                "GreenletTLS",
                "GreenletStreams",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // A Redis client for green threads: hiredis's reader and formatter over the hub's
        // own sockets.
        .target(
            name: "GreenletRedis",
            dependencies: ["Greenlet", "GreenletHTTP", "CHiredis"],
            swiftSettings: swiftSettings
        ),
        // What the subcommands do, as a library that tests drive in-process.
        .target(
            name: "GreenletTools",
            dependencies: [
                "Greenlet",
                "GreenletLocks",
                "GreenletHTTP",
                "GreenletClient",
                "GreenletRedis",
                "GreenletStreams",
                "GreenletTLS",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // libFuzzer entry for the HTTP parsers (`make fuzz`); a plain build replays files.
        .executableTarget(name: "HTTPParserFuzz", dependencies: ["GreenletHTTP"]),
        // The command line: argument parsing and printing only.
        .executableTarget(
            name: "greenlet",
            dependencies: [
                "Greenlet",
                "GreenletClient",
                "GreenletTools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "GreenletTests", dependencies: ["Greenlet", "GreenletLocks"]),
        .testTarget(name: "GreenletToolsTests", dependencies: ["GreenletTools", "Greenlet", "GreenletHTTP", "GreenletLocks", "GreenletRedis", "GreenletTestSupport"]),
        .testTarget(name: "GreenletHTTPTests", dependencies: ["GreenletHTTP"]),
        .testTarget(name: "GreenletRedisTests", dependencies: ["GreenletRedis", "Greenlet", "GreenletTestSupport"]),
        // What several test targets share: throw-away certificates, a refused port, a hub
        // on a thread of its own with an origin beside it, a scripted stream, both dialers.
        .target(
            name: "GreenletTestSupport",
            dependencies: ["Greenlet", "GreenletClient", "GreenletRedis", "GreenletStreams", "GreenletTLS", "GreenletTools"],
            path: "Tests/Support"
        ),
        .testTarget(name: "GreenletTLSTests", dependencies: ["GreenletTLS", "GreenletTestSupport"]),
        .testTarget(
            name: "GreenletClientTests",
            dependencies: ["GreenletClient", "GreenletStreams", "GreenletTLS", "Greenlet", "GreenletHTTP", "GreenletTools", "GreenletTestSupport"]
        ),
        .testTarget(
            name: "GreenletStreamsTests",
            dependencies: ["GreenletStreams", "GreenletClient", "GreenletTLS", "Greenlet", "GreenletHTTP", "GreenletTools", "GreenletTestSupport"]
        ),
        // Runs the built `greenlet` binary against real sockets (see Makefile); the crawl tests
        // start the project's own HTTP origin in-process.
        .testTarget(name: "EndToEndTests", dependencies: ["GreenletTools", "GreenletTLS", "GreenletTestSupport"]),
    ]
)
