// swift-tools-version:6.0
// msreview — mystery-shopper review workstation.
//
// Layers (each depends only on those above it):
//   C shims        one system-library (or tiny C) target per C library
//   MSRCore        pure domain: bundle model, validation, JSON, time — no C libraries
//   MSRMedia       adapters for media: SHA-256, tar, audio/photo probes
//   MSRStore       the store: SQLite (one person) or PostgreSQL (a team), one SQL dialect layer
//   MSRAudio       the player: libsndfile decoding, Rubber Band speed, ALSA output (no terminal)
//   MSRApp         use cases (import, reviews, fraud, playback, samples) wiring core + adapters
//   MSRTerminal    screen grid, styles and keys (pure)
//   MSRWorkstation the TUI: state → update → view, an effect runner, a thin ncurses backend
//   msreview       the executable: argument parsing and output only
import PackageDescription

let package = Package(
    name: "msreview",
    products: [
        .executable(name: "msreview", targets: ["msreview"]),
        // libFuzzer targets under `make fuzz`; built plainly, a replayer of fuzz inputs.
        .executable(name: "msreview-fuzz", targets: ["msreview-fuzz"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CExif", pkgConfig: "libexif", providers: [.apt(["libexif-dev"])]),
        .systemLibrary(name: "CLinux"),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CRubberBand", pkgConfig: "rubberband", providers: [.apt(["librubberband-dev"])]),
        .systemLibrary(name: "CCurses", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CChafa", pkgConfig: "chafa", providers: [.apt(["libchafa-dev", "libglib2.0-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // libjpeg reports errors by longjmp, which Swift cannot catch: a few lines of real C.
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),

        .target(name: "MSRCore"),
        .target(name: "MSRMedia", dependencies: ["MSRCore", "CArchive", "CSndFile", "CExif", "CCrypto", "CJPEG", "CLinux", "CChafa"]),
        .target(name: "MSRStore", dependencies: ["MSRCore", "CSQLite", "CPQ"]),
        .target(name: "MSRAudio", dependencies: ["MSRCore", "CSndFile", "CALSA", "CRubberBand"]),
        .target(name: "MSRMail", dependencies: ["MSRCore", "CCurl"]),
        .target(name: "MSRApp", dependencies: ["MSRCore", "MSRMedia", "MSRStore", "MSRAudio", "MSRMail"]),
        .target(name: "MSRTerminal", dependencies: ["MSRCore"]),
        .target(name: "MSRWorkstation", dependencies: ["MSRCore", "MSRMedia", "MSRStore", "MSRAudio", "MSRApp", "MSRTerminal", "CCurses"]),
        .executableTarget(name: "msreview", dependencies: ["MSRCore", "MSRMedia", "MSRStore", "MSRAudio", "MSRApp", "MSRWorkstation"]),
        .executableTarget(name: "msreview-fuzz", dependencies: ["MSRApp", "MSRMedia"]),

        // Builders of real test inputs (bundles, audio, JPEGs, tar archives) and a process runner.
        .target(name: "MSRTestSupport", dependencies: ["MSRCore", "MSRMedia", "MSRStore", "MSRApp"], path: "Tests/MSRTestSupport"),
        .testTarget(name: "MSRCoreTests", dependencies: ["MSRCore"]),
        .testTarget(name: "MSRMediaTests", dependencies: ["MSRCore", "MSRMedia", "MSRTestSupport"]),
        .testTarget(name: "MSRStoreTests", dependencies: ["MSRCore", "MSRMedia", "MSRStore", "MSRTestSupport"]),
        .testTarget(name: "MSRAudioTests", dependencies: ["MSRCore", "MSRMedia", "MSRAudio", "MSRTestSupport"]),
        .testTarget(name: "MSRWorkstationTests", dependencies: ["MSRCore", "MSRStore", "MSRApp", "MSRTerminal", "MSRWorkstation", "MSRTestSupport"],
                    exclude: ["Snapshots"]),
        .testTarget(name: "MSRAppTests", dependencies: ["MSRCore", "MSRMedia", "MSRStore", "MSRApp", "MSRTerminal", "MSRWorkstation", "MSRTestSupport"]),
    ]
)
