import Foundation

/// The `ebmflow` binary the tests run, as users run it: `$EBMFLOW_BINARY`
/// when set (to test another build, e.g. a release one), else the one in
/// the build folder these tests were built into (next to the test bundle,
/// so `swift test -c release` runs the release binary), else
/// `.build/debug/ebmflow` under the package root.
let ebmflowBinary: String = {
    if let path = ProcessInfo.processInfo.environment["EBMFLOW_BINARY"], !path.isEmpty { return path }
    let candidates: [String?] = [Bundle.main.executablePath, Bundle.main.bundlePath, CommandLine.arguments.first]
    for case let path? in candidates {
        // The bundle is `<build folder>/ebmflowPackageTests.xctest`, a file on
        // Linux and a folder (the path may point inside it) on macOS.
        var bundle = URL(fileURLWithPath: path).standardizedFileURL
        while bundle.pathExtension != "xctest" && bundle.pathComponents.count > 1 { bundle.deleteLastPathComponent() }
        guard bundle.pathExtension == "xctest" else { continue }
        let binary = bundle.deletingLastPathComponent().appendingPathComponent("ebmflow").path
        if FileManager.default.isExecutableFile(atPath: binary) { return binary }
    }
    return repositoryRoot + "/.build/debug/ebmflow"
}()
