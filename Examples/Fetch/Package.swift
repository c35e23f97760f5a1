// swift-tools-version: 6.1
import Foundation
import PackageDescription

// greenlet as another package uses it: a dependency by path (here the checkout two levels
// up; from a registry or git URL it would be `.package(url:from:)`). SwiftPM names a path
// dependency after its directory, so the name is read from the path, whatever the clone
// is called.
let greenletPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL.path
let greenlet = URL(fileURLWithPath: greenletPath).lastPathComponent.lowercased()

let package = Package(
    name: "Fetch",
    dependencies: [.package(path: greenletPath)],
    targets: [
        .executableTarget(
            name: "fetch",
            dependencies: [
                .product(name: "Greenlet", package: greenlet),
                .product(name: "GreenletClient", package: greenlet),
                .product(name: "GreenletHTTP", package: greenlet),
                .product(name: "GreenletTLS", package: greenlet),
            ]
        ),
    ]
)
