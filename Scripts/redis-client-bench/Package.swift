// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The benchmark uses greenlet as another package would: a dependency by path (the
// checkout two levels up). SwiftPM names a path dependency after its directory, so the
// name is read from the path, whatever the clone is called.
let greenletPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL.path
let greenlet = URL(fileURLWithPath: greenletPath).lastPathComponent.lowercased()

let package = Package(
    name: "RedisClientBench",
    dependencies: [.package(path: greenletPath)],
    targets: [
        .executableTarget(
            name: "redis-client-bench",
            dependencies: [
                .product(name: "Greenlet", package: greenlet),
                .product(name: "GreenletRedis", package: greenlet),
            ]
        ),
    ]
)
