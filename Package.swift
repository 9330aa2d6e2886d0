// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "strata",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "strata", targets: ["strata"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Hummingbird's own dependency: the HTTP part types its channel handlers see.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        .target(name: "StrataCore", swiftSettings: swiftSettings),
        .target(
            name: "StrataLanguage",
            dependencies: ["StrataCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StrataEngine",
            dependencies: ["StrataCore", "StrataLanguage"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StrataStore",
            dependencies: [
                "StrataCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StrataIngest",
            dependencies: ["StrataCore", "StrataStore"],
            swiftSettings: swiftSettings
        ),
        .target(name: "StrataDemo", dependencies: ["StrataCore"], swiftSettings: swiftSettings),
        // The example workspace, examples/, kept at the repository root: its definition files are
        // resources, so `strata demo` and `strata init --example` work from any folder. Its
        // strata.yaml makes the folder a workspace of its own; the messaging rules at its end are added
        // to the strata.yaml of a workspace made from the example.
        .target(
            name: "StrataExamples",
            path: "examples",
            resources: [
                .copy("segments"), .copy("scores"), .copy("stages"), .copy("activations"), .copy("destinations"),
                .copy("templates"), .copy("rfm.yaml"), .copy("traits.yaml"), .copy("strata.yaml"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StrataActivation",
            dependencies: [
                "StrataCore", "StrataLanguage", "StrataStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The dashboard's pages without HTTP: view models, templates, SVG charts, session cookies.
        .target(
            name: "StrataDashboard",
            dependencies: [
                "StrataCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // The scale-out path: the message log shipped to ClickHouse, segments compiled to its SQL.
        .target(
            name: "StrataClickHouse",
            dependencies: [
                "StrataCore", "StrataLanguage", "StrataEngine", "StrataStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StrataRuntime",
            dependencies: [
                "StrataCore", "StrataLanguage", "StrataEngine", "StrataStore", "StrataIngest", "StrataActivation",
                "StrataClickHouse", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StrataServer",
            dependencies: [
                "StrataCore", "StrataLanguage", "StrataEngine", "StrataStore", "StrataRuntime", "StrataActivation",
                "StrataDashboard",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The real-time engine's cost per message, in process (Benchmarks/LiveReplay/main.swift).
        .executableTarget(
            name: "live-replay",
            dependencies: ["StrataCore", "StrataLanguage", "StrataEngine", "StrataStore", "StrataRuntime"],
            path: "Benchmarks/LiveReplay",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "strata",
            dependencies: [
                "StrataCore", "StrataLanguage", "StrataEngine", "StrataStore", "StrataIngest", "StrataDemo",
                "StrataExamples", "StrataRuntime", "StrataServer", "StrataActivation", "StrataClickHouse",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StrataCoreTests", dependencies: ["StrataCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StrataLanguageTests",
            dependencies: ["StrataLanguage", "StrataCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataEngineTests",
            dependencies: [
                "StrataEngine", "StrataLanguage", "StrataCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataStoreTests",
            dependencies: ["StrataStore", "StrataCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataActivationTests",
            dependencies: [
                "StrataActivation", "StrataLanguage", "StrataStore", "StrataCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataRuntimeTests",
            dependencies: [
                "StrataRuntime", "StrataActivation", "StrataEngine", "StrataLanguage", "StrataStore", "StrataIngest",
                "StrataCore",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataCLITests",
            dependencies: ["StrataStore", "StrataCore", "StrataRuntime"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataIngestTests",
            dependencies: ["StrataIngest", "StrataStore", "StrataCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataServerTests",
            dependencies: [
                "StrataServer", "StrataStore", "StrataCore", "StrataRuntime", "StrataClickHouse",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataDashboardTests", dependencies: ["StrataDashboard", "StrataCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StrataClickHouseTests",
            dependencies: [
                "StrataClickHouse", "StrataEngine", "StrataLanguage", "StrataStore", "StrataCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataDemoTests",
            dependencies: ["StrataDemo", "StrataCore"],
            swiftSettings: swiftSettings
        ),
    ]
)
