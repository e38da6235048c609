// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "slinky",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "slinky", targets: ["slinky"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        // Curve25519 for the login key: generated in-process so no ssh-keygen is needed on the user's machine.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "slinky",
            dependencies: ["SlinkyCLI"]
        ),
        .target(
            name: "SlinkyCLI",
            dependencies: [
                "SlinkyCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "SlinkyCore",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // What both test targets use to watch a pipeline.
        .target(
            name: "SlinkyTestSupport",
            dependencies: ["SlinkyCore"],
            path: "Tests/SlinkyTestSupport"
        ),
        .testTarget(
            name: "SlinkyCoreTests",
            dependencies: ["SlinkyCore", "SlinkyCLI", "SlinkyTestSupport"]
        ),
        .testTarget(
            name: "SlinkyIntegrationTests",
            dependencies: ["SlinkyCore", "SlinkyTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
