import Foundation

/// One experiment, decoded from a scenario file (docs/scenarios.md) into plain,
/// validated values: the target, the model, where the flow starts, how it is
/// integrated, and which analyses to run.
///
/// Decoding is strict: unknown keys, wrong types, missing required keys and
/// values out of range are all errors, each reported with its key path, line
/// and column, and all reported together in one `ScenarioError`.
public struct Scenario: Sendable, Equatable {
    /// Names the run in output headers; defaults to the file name without
    /// its extension.
    public var name: String
    /// Number of binary variables `n`, in 1...`maximumSpins`.
    public var spins: Int
    public var target: TargetSpecification
    public var model: ModelSpecification
    /// YAML key `init`.
    public var initialization: InitializationSpecification
    public var integrator: IntegratorSpecification
    public var analyses: AnalysesSpecification
    /// The members `ebmflow sweep` runs; nil if the scenario has none.
    public var sweep: SweepSpecification?
    /// The output folder as written (relative to the working directory, as a
    /// command-line path is); `nil` if the scenario names none.
    public var output: String?
    /// The folder of the scenario file, against which relative data paths
    /// are resolved; `nil` for text that came from no file.
    public var baseDirectory: String?
    /// The scenario text as read, so that a run can record its hash.
    public var sourceText: String

    /// Every analysis enumerates all `2^spins` states; beyond 2^30 one vector
    /// of probabilities alone takes 8 GiB.
    public static let maximumSpins = 30

    public init(name: String, spins: Int, target: TargetSpecification, model: ModelSpecification,
                initialization: InitializationSpecification = .default,
                integrator: IntegratorSpecification = .default,
                analyses: AnalysesSpecification = AnalysesSpecification(), output: String? = nil,
                baseDirectory: String? = nil, sourceText: String = "", sweep: SweepSpecification? = nil) {
        self.name = name
        self.spins = spins
        self.target = target
        self.model = model
        self.initialization = initialization
        self.integrator = integrator
        self.analyses = analyses
        self.output = output
        self.baseDirectory = baseDirectory
        self.sourceText = sourceText
        self.sweep = sweep
    }

    /// Reads and decodes the scenario file at `path`; `path` prefixes every
    /// message, and its folder becomes `baseDirectory`.
    ///
    /// - Throws: `ScenarioError` with every problem found, or the one saying
    ///   the file could not be read.
    public static func load(contentsOf path: String) throws -> Scenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioError(fileName: path, diagnostics: [ScenarioDiagnostic(
                keyPath: "", line: nil, column: nil,
                message: "cannot read the scenario file: \(error.localizedDescription)")])
        }
        let folder = (path as NSString).deletingLastPathComponent
        return try parse(yaml: text, fileName: path, baseDirectory: folder.isEmpty ? "." : folder)
    }

    /// Decodes scenario text; `fileName` prefixes every message.
    ///
    /// - Throws: `ScenarioError` with every problem found, in file order.
    public static func parse(yaml: String, fileName: String = "<scenario>",
                             baseDirectory: String? = nil) throws -> Scenario {
        let document = ScenarioDocument(text: yaml)
        guard document.syntaxErrors.isEmpty else {
            throw ScenarioError(fileName: fileName, diagnostics: document.syntaxErrors)
        }
        let reader = ScenarioReader(document: document)
        let scenario = document.root.flatMap {
            decode(ScenarioNode(node: $0, path: "", keyMark: nil), fileName: fileName, reader: reader)
        }
        if document.root == nil {
            reader.report("the scenario is empty; it needs at least `spins`, `target` and `model`", at: "",
                          position: SourcePosition(line: 1, column: 1))
        }
        guard reader.diagnostics.isEmpty, var scenario else {
            let diagnostics = reader.diagnostics.isEmpty
                ? [ScenarioDiagnostic(keyPath: "", line: nil, column: nil,
                                      message: "internal error: the scenario was refused without a reason")]
                : reader.diagnostics.enumerated().sorted {
                    ($0.element.line ?? 0, $0.element.column ?? 0, $0.offset)
                        < ($1.element.line ?? 0, $1.element.column ?? 0, $1.offset)
                }.map(\.element)
            throw ScenarioError(fileName: fileName, diagnostics: diagnostics)
        }
        scenario.baseDirectory = baseDirectory
        scenario.sourceText = yaml
        return scenario
    }

    /// `path` as written in the scenario, resolved against `baseDirectory`
    /// when it is relative.
    public func resolvedPath(_ path: String) -> String {
        guard !path.hasPrefix("/"), let baseDirectory, !baseDirectory.isEmpty else { return path }
        return baseDirectory.hasSuffix("/") ? baseDirectory + path : baseDirectory + "/" + path
    }
}

extension Scenario {
    static let keys = ["name", "spins", "target", "model", "init", "integrator", "analyses", "sweep", "output"]

    private static func decode(_ root: ScenarioNode, fileName: String, reader: ScenarioReader) -> Scenario? {
        guard case .mapping = root.node, let map = reader.block(root, keys: keys) else {
            let valid = keys.joined(separator: ", ")
            reader.report("a scenario is a map of keys (\(valid)), got \(reader.describe(root.node))", about: root)
            return nil
        }

        let name = reader.value(map["name"], reader.string) {
            $0.contains(where: \.isNewline) ? "a name must fit on one line" : nil
        }
        let spinsRule = "spins must be from 1 to \(maximumSpins): every analysis enumerates all 2^spins states"
        let spins = reader.value(reader.required("spins", in: map, "the number of binary variables"),
                                 reader.integer) { (1...maximumSpins).contains($0) ? nil : spinsRule }
        let target = reader.required("target", in: map, "the distribution to learn")
            .flatMap { TargetSpecification.decode($0, spins: spins, reader: reader) }
        let model = reader.required("model", in: map, "the energy model that learns it")
            .flatMap { ModelSpecification.decode($0, spins: spins, reader: reader) }
        let initialization = map["init"].flatMap { InitializationSpecification.decode($0, reader: reader) }
        let integrator = map["integrator"].map { IntegratorSpecification.decode($0, reader: reader) }
            ?? .default
        var isDataTarget = false
        if case .data = target?.kind { isDataTarget = true }
        let analyses = map["analyses"].map {
            AnalysesSpecification.decode($0, spins: spins, endTime: integrator.endTime, isDataTarget: isDataTarget,
                                         reader: reader)
        }
        let sweep = map["sweep"].flatMap {
            SweepSpecification.decode($0, initialization: initialization ?? .default, target: target, model: model,
                                      reader: reader)
        }
        let output = reader.value(map["output"], reader.string)

        guard let spins, let target, let model else { return nil }
        return Scenario(name: name ?? defaultName(fileName: fileName), spins: spins, target: target, model: model,
                        initialization: initialization ?? .default, integrator: integrator,
                        analyses: analyses ?? AnalysesSpecification(), output: output, sweep: sweep)
    }

    /// The file name without folder and extension; "scenario" for text that
    /// came from no file.
    static func defaultName(fileName: String) -> String {
        let stem = ((fileName as NSString).lastPathComponent as NSString).deletingPathExtension
        return stem.isEmpty || fileName.hasPrefix("<") ? "scenario" : stem
    }
}
