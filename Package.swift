// swift-tools-version:6.0
import Foundation
import PackageDescription

// Layers, dependencies pointing one way:
//   CSundials, CLapack (system libraries)
//   -> EBMLinearAlgebra (BLAS/LAPACK in Swift types)
//   -> EBMCore (states, Walsh-Hadamard, targets, models, loss and derivatives)
//   EBMSolvers (CVODE and KINSOL wrappers; the only code that imports
//   CSundials; knows nothing of EBMs)
//   EBMScenario (strict YAML decoding of scenarios into plain values)
//   -> EBMAnalysis (gradient flow, trajectory, orders, ...)
//   -> EBMIO (scenario -> problem, .dat and JSON writers)
//   -> ebmflow (the command line)
//   CMPI (system library: Open MPI) -> EBMDistributed (MPI session, byte
//   messages, the work farm; knows nothing of EBMs) -> ebmflow
//   CSundialsParallel (CVODE on nvector_parallel) + EBMDistributed + EBMCore
//   -> EBMFullModel (the full model ising(n) split over ranks) -> ebmflow
/// Release builds of the Swift targets are tuned for the building machine's
/// CPU when it has AVX2 and FMA (x86-64 from Haswell on): the all-states
/// kernels' loops then run four doubles wide instead of two. Swift does not
/// contract multiply-adds or reorder sums without being told, so results
/// stay the same. `EBMFLOW_PORTABLE=1` (in a fresh build folder) builds for
/// any x86-64, for a binary that must run on older machines.
let cpuTuning: [SwiftSetting] = {
    #if arch(x86_64) && os(Linux)
    guard ProcessInfo.processInfo.environment["EBMFLOW_PORTABLE"] == nil,
          let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    let features = Set(flags.split(separator: " "))
    guard features.contains("avx2"), features.contains("fma") else { return [] }
    return [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]
    #else
    return []
    #endif
}()

/// The numerical targets' release builds drop Swift's dynamic exclusivity
/// checks (`swift_beginAccess` on every class property a step touches):
/// debug builds, which the tests run, keep them and would trap on a
/// violation.
let numericalTuning: [SwiftSetting] = cpuTuning + [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "ebmflow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ebmflow", targets: ["ebmflow"]),
        .library(name: "EBMFlow", targets: ["EBMCore", "EBMSolvers", "EBMScenario", "EBMAnalysis", "EBMIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CSundials", providers: [.apt(["libsundials-dev"])]),
        .systemLibrary(name: "CLapack", providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "EBMThreads"),
        .target(name: "EBMDistributed", dependencies: ["CMPI", "EBMThreads"]),
        .systemLibrary(name: "CSundialsParallel", pkgConfig: "ompi-c", providers: [.apt(["libsundials-dev", "libopenmpi-dev"])]),
        .target(name: "EBMFullModel", dependencies: ["CSundialsParallel", "EBMDistributed", "EBMCore", "EBMSolvers"], swiftSettings: numericalTuning),
        .target(name: "EBMLinearAlgebra", dependencies: ["CLapack"], swiftSettings: numericalTuning),
        .target(name: "EBMCore", dependencies: ["EBMLinearAlgebra"], swiftSettings: numericalTuning),
        .target(name: "EBMSolvers", dependencies: ["CSundials", "EBMLinearAlgebra"], swiftSettings: numericalTuning),
        .target(name: "EBMScenario", dependencies: ["Yams"]),
        .target(name: "EBMAnalysis", dependencies: ["EBMSolvers", "EBMCore", "EBMLinearAlgebra", "EBMThreads"], swiftSettings: numericalTuning),
        .target(name: "EBMIO", dependencies: ["EBMAnalysis", "EBMCore", "EBMSolvers", "EBMLinearAlgebra", "EBMScenario", "EBMDistributed", "EBMFullModel"]),
        .executableTarget(name: "ebmflow", dependencies: [
            "EBMIO", "EBMAnalysis", "EBMCore", "EBMDistributed", "EBMLinearAlgebra", "EBMScenario",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "EBMCoreTests", dependencies: ["EBMCore", "EBMLinearAlgebra"]),
        .testTarget(name: "EBMSolversTests", dependencies: ["EBMSolvers", "EBMLinearAlgebra", "CSundials"]),
        .testTarget(name: "EBMScenarioTests", dependencies: ["EBMScenario"]),
        .testTarget(name: "EBMAnalysisTests", dependencies: ["EBMAnalysis", "EBMSolvers", "EBMCore", "EBMLinearAlgebra"]),
        .testTarget(name: "EBMIOTests", dependencies: ["EBMIO", "EBMAnalysis", "EBMCore", "EBMScenario"],
                    exclude: ["bad-scenarios"]),  // read from the source tree by path
        .testTarget(name: "EBMDistributedTests", dependencies: ["EBMDistributed"]),
        .testTarget(name: "EBMLinearAlgebraTests", dependencies: ["EBMLinearAlgebra"]),
        .testTarget(name: "EBMFullModelTests", dependencies: [
            "EBMFullModel", "EBMDistributed", "EBMSolvers", "EBMAnalysis", "EBMCore", "EBMLinearAlgebra",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
