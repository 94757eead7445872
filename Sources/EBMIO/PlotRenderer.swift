import Foundation

/// Runs the gnuplot scripts in `plots/` whose data files a result folder holds.
public struct PlotRenderer {
    /// Script → the data file it needs.
    public static let scripts: [(script: String, data: String)] = [
        ("trajectory.gp", "trajectory.dat"),
        ("couplings.gp", "couplings.dat"),
        ("orders.gp", "orders.dat"),
        ("order_times.gp", "order_times.dat"),
        ("information.gp", "information.dat"),
        ("basins.gp", "basins.dat"),
        ("portrait.gp", "field.dat"),
        ("fixed_points.gp", "fixed_points.dat"),
        ("enumeration.gp", "enumeration.dat"),
        ("visits.gp", "visits.dat"),
        ("bifurcation.gp", "bifurcation.dat"),
        ("special_curves.gp", "special_curves.dat"),
        ("likelihood.gp", "trajectory.dat"),
    ]
    /// Scripts that also need a column of their data file.
    public static let requiredColumns: [String: String] = ["likelihood.gp": "test_loglik"]

    public let scriptsFolder: String

    /// Looks for the scripts in `scriptsFolder`, then `./plots`, then beside
    /// the executable: `../../../plots` from a build folder
    /// (`.build/<triple>/release/ebmflow`), `../share/ebmflow/plots` from an
    /// installed `PREFIX/bin/ebmflow` (`make install`).
    public init(scriptsFolder: String? = nil) throws {
        // The executable's own path, not argv[0], which is a bare name when found through PATH.
        let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates: [String?] = [scriptsFolder, "plots",
                          executable.appendingPathComponent("../../../plots").standardized.path,
                          executable.appendingPathComponent("../share/ebmflow/plots").standardized.path]
        guard let found = candidates.compactMap({ $0 }).first(where: {
            FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("trajectory.gp"))
        }) else {
            throw OutputError(path: "plots", reason: "the gnuplot scripts were not found; pass --scripts PATH/TO/plots")
        }
        self.scriptsFolder = found
    }

    /// Whether the `# columns:` header of a data file names `column`.
    static func file(_ path: String, hasColumn column: String) -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        for line in text.split(separator: "\n") {
            guard line.hasPrefix("#") else { break }
            if line.hasPrefix("# columns:") { return line.split(separator: " ").contains { $0 == column } }
        }
        return false
    }

    /// Renders every plot whose data exists; returns the PNG paths.
    public func render(folder: String) throws -> [String] {
        var written: [String] = []
        for (script, data) in Self.scripts {
            let path = (folder as NSString).appendingPathComponent(data)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            if let column = Self.requiredColumns[script], !Self.file(path, hasColumn: column) { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            let escaped = folder.replacingOccurrences(of: "'", with: "''")
            process.arguments = ["gnuplot", "-e", "dir='\(escaped)'", (scriptsFolder as NSString).appendingPathComponent(script)]
            let errors = Pipe()
            process.standardError = errors
            do { try process.run() } catch {
                throw OutputError(path: folder, reason: "gnuplot could not be started (\(error)); install gnuplot-nox")
            }
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            // `env` exits 127 when it finds no `gnuplot` on the PATH.
            if process.terminationStatus == 127 {
                throw OutputError(path: folder, reason: "gnuplot could not be started (\(message.trimmingCharacters(in: .whitespacesAndNewlines))); install gnuplot-nox")
            }
            guard process.terminationStatus == 0 else {
                throw OutputError(path: folder, reason: "gnuplot failed on \(script): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            written.append((folder as NSString).appendingPathComponent((script as NSString).deletingPathExtension + ".png"))
        }
        return written
    }
}
