import EBMAnalysis
import EBMCore
import EBMScenario
import EBMSolvers
import Foundation

/// A run stopped by SIGINT/SIGTERM after saving what it had finished.
public struct RunInterrupted: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// A checkpoint that `--resume` cannot continue from (unreadable, of
/// another scenario or size, or of records computed another way): exit 1,
/// not an interruption's 130.
public struct CheckpointRefused: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// What an interrupted long analysis had finished: the results of its
/// completed units (basin rows, sweep members, Newton starts), keyed by
/// unit index. Written atomically to `.checkpoint-ANALYSIS.json` in the
/// output folder at intervals and on interruption, removed when the
/// analysis completes. Doubles that feed later computations are stored as
/// bit patterns, so a resumed run produces the same bytes.
struct UnitCheckpoint<Record: Codable>: Codable {
    let version: String
    let scenarioHash: String
    let analysis: String
    let units: Int
    /// How the records were computed (`WorkUnitKind.recordScheme`; absent
    /// in checkpoints from before schemes were numbered: 1).
    let recordScheme: Int?
    var records: [Int: Record]

    static func fileName(_ analysis: String) -> String { ".checkpoint-\(analysis).json" }
    static func path(_ analysis: String, in folder: String) -> String {
        (folder as NSString).appendingPathComponent(fileName(analysis))
    }

    init(analysis: String, scenarioHash: String, units: Int, recordScheme: Int) {
        version = EBMFlowVersion.current
        self.scenarioHash = scenarioHash
        self.analysis = analysis
        self.units = units
        self.recordScheme = recordScheme
        records = [:]
    }

    func write(to folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(try encoder.encode(self), to: Self.path(analysis, in: folder))
    }

    /// The saved checkpoint of this analysis when resuming, checked to
    /// belong to the same scenario and size; otherwise a fresh one.
    static func start(_ analysis: String, scenarioHash: String, units: Int, recordScheme: Int, folder: String, resume: Bool,
                      progress: Progress) throws -> UnitCheckpoint {
        let fresh = UnitCheckpoint(analysis: analysis, scenarioHash: scenarioHash, units: units, recordScheme: recordScheme)
        let path = path(analysis, in: folder)
        guard resume, FileManager.default.fileExists(atPath: path) else { return fresh }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let saved: UnitCheckpoint
        do {
            saved = try decoder.decode(UnitCheckpoint.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CheckpointRefused(message: "cannot read the checkpoint \(path) (\(error)); run with --force to start again")
        }
        guard saved.scenarioHash == scenarioHash, saved.units == units, saved.analysis == analysis else {
            throw CheckpointRefused(message: "the checkpoint \(path) belongs to another scenario or size; run with --force to start again")
        }
        let savedScheme = saved.recordScheme ?? 1
        guard savedScheme == recordScheme else {
            throw CheckpointRefused(message: "the checkpoint \(path) was written by an ebmflow that computed its \(analysis) units another way (record scheme \(savedScheme), this build \(recordScheme)): resuming would not give the files of an uninterrupted run; run with --force to start again")
        }
        progress.say("\(analysis): resuming with \(saved.records.count) of \(units) units done")
        return saved
    }

    func remove(from folder: String) {
        try? FileManager.default.removeItem(atPath: Self.path(analysis, in: folder))
    }

    func interrupted(_ folder: String, noun: String) -> RunInterrupted {
        RunInterrupted(message: "interrupted: \(records.count) of \(units) \(noun) are done and saved in \(Self.path(analysis, in: folder)); continue with the same command and --resume (the result is the same as an uninterrupted run)")
    }

    /// The message of a distributed run stopped by a failed process, after
    /// the checkpoint was written.
    func failed(_ folder: String, noun: String, because failure: DistributedFailure) -> DistributedRunFailed {
        DistributedRunFailed(message: "\(failure.message)\nthe run stopped: \(records.count) of \(units) \(noun) are done and saved in \(Self.path(analysis, in: folder)); continue with the same command and --resume (the result is the same as an uninterrupted run)")
    }
}

/// A distributed run stopped by a failed process after saving its checkpoint.
public struct DistributedRunFailed: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// A long analysis whose finished units are checkpointed: it starts from
/// the saved records when resuming, saves new records at most every
/// `checkpointInterval` seconds (less often when writing would take over a
/// twentieth of the time), and on a stop or a failed process saves
/// them all and reports how to continue; on success the checkpoint goes
/// (or, with `keep`, stays until the run is done).
/// This is the one place that owns "save, then report interrupted/failed".
final class CheckpointedRun<Kind: WorkUnitKind> {
    private var checkpoint: UnitCheckpoint<Kind.Record>
    private let clock: CheckpointClock
    private let folder: String

    private let keep: Bool
    /// Records kept since the checkpoint was last written.
    private var unsaved = false

    /// `name`: the checkpoint's (default the kind's analysis); `keep`: the
    /// checkpoint stays after success (a scenario run removes them all at
    /// its end, so an interruption in a later analysis or phase does not
    /// redo the earlier ones).
    init(_ kind: Kind.Type, name: String? = nil, keep: Bool = false, scenario: Scenario, units: Int, folder: String,
         options: RunOptions, progress: Progress) throws {
        checkpoint = try UnitCheckpoint.start(name ?? Kind.analysis, scenarioHash: Checkpoints.scenarioHash(scenario, quick: options.quick),
                                              units: units,
                                              recordScheme: Kind.recordScheme, folder: folder, resume: options.resume, progress: progress)
        clock = CheckpointClock(interval: options.checkpointInterval)
        self.folder = folder
        self.keep = keep
    }

    /// The records of an interrupted run.
    var completed: [Int: Kind.Record] { checkpoint.records }

    /// Keeps a finished unit's record (written with the next due checkpoint).
    func save(_ unit: Int, _ record: Kind.Record) {
        checkpoint.records[unit] = record
        if clock.isDue() {
            let started = Date()
            try? checkpoint.write(to: folder)
            clock.wrote(seconds: Date().timeIntervalSince(started))
            unsaved = false
        } else {
            unsaved = true
        }
    }

    /// Runs `body`, which reports each new record to `save`.
    func run<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            let result = try body()
            // A kept checkpoint is written again only when it lacks records
            // (a continuation's branches can make it hundreds of megabytes).
            if !keep { checkpoint.remove(from: folder) } else if unsaved { try checkpoint.write(to: folder) }
            return result
        } catch is AnalysisInterrupted {
            try checkpoint.write(to: folder)
            throw checkpoint.interrupted(folder, noun: Kind.unitNoun)
        } catch let failure as DistributedFailure {
            try checkpoint.write(to: folder)
            throw checkpoint.failed(folder, noun: Kind.unitNoun, because: failure)
        }
    }
}

/// Writes a checkpoint at most every `interval` seconds, and so that
/// writing takes at most a twentieth of the time: a checkpoint holds every
/// record so far, and a large basin map's grows to megabytes whose
/// encoding took a seventh of the CPU of the 200 × 200 demo when written
/// every second. A stop still writes it at once.
final class CheckpointClock {
    let interval: Double
    private var last = Date.distantPast
    private var lastWrite = 0.0
    init(interval: Double) { self.interval = interval }
    func isDue() -> Bool { Date().timeIntervalSince(last) >= max(interval, 19 * lastWrite) }
    /// A write just ended after `seconds`.
    func wrote(seconds: Double) {
        lastWrite = seconds
        last = Date()
    }
}

/// The checkpoint files an interrupted run may leave (`.checkpoint-*.json`).
enum Checkpoints {
    static func existing(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(".checkpoint-") && $0.hasSuffix(".json") }.sorted()
            .map { (folder as NSString).appendingPathComponent($0) }
    }

    /// What a checkpoint is tied to: the scenario's text, and whether the
    /// run was `--quick` (its budget changes every analysis, not only
    /// their sizes). Runs without `--quick` keep the hash of the text
    /// alone, as checkpoints always had.
    static func scenarioHash(_ scenario: Scenario, quick: Bool) -> String {
        ScenarioHash.of(quick ? scenario.sourceText + "\n# --quick\n" : scenario.sourceText)
    }

    /// The run's own checkpoint, left when a phase without units of its
    /// own (the trajectory, orders, the portrait) was interrupted: it lets
    /// `--resume` continue the run, which computes that phase again.
    static let runAnalysis = "run"

    /// Writes the run's checkpoint and says how to continue.
    /// `unitsKept`: the phase is an analysis with work units that had all
    /// of them (a continuation writing its files), kept in its checkpoint.
    static func interruptRun(in phase: String, scenario: Scenario, quick: Bool, folder: String,
                             unitsKept: Bool = false) throws -> RunInterrupted {
        try UnitCheckpoint<Int>(analysis: runAnalysis, scenarioHash: scenarioHash(scenario, quick: quick), units: 0, recordScheme: 1)
            .write(to: folder)
        let again: String
        if unitsKept {
            again = "its files are written again on resuming from the units in its checkpoint, and the trajectory and orders are computed again"
        } else if phase == "trajectory" || phase == "orders" {
            again = "the trajectory and orders are computed again on resuming"
        } else {
            again = "it is computed again on resuming, as are the trajectory and orders"
        }
        return RunInterrupted(message: "interrupted in \(phase): \(again), while the basin maps, fixed-point phases and continuations finished before it are kept in their checkpoints in \(folder); continue with the same command and --resume (the result is the same as an uninterrupted run)")
    }

    /// Before a resumed run computes or writes anything: every checkpoint
    /// in the folder must belong to this scenario and mode.
    static func checkBeforeResuming(_ folder: String, scenario: Scenario, quick: Bool) throws {
        struct Owner: Decodable { let scenarioHash: String }
        let expected = scenarioHash(scenario, quick: quick)
        for path in existing(in: folder) {
            guard let data = FileManager.default.contents(atPath: path),
                  let owner = try? JSONDecoder().decode(Owner.self, from: data) else {
                throw CheckpointRefused(message: "cannot read the checkpoint \(path); run with --force to start again")
            }
            guard owner.scenarioHash != expected else { continue }
            let whose: String
            if owner.scenarioHash != scenarioHash(scenario, quick: !quick) {
                whose = "another scenario"
            } else if quick {
                whose = "a run without --quick (or to a --quick run of an ebmflow from before the two were told apart)"
            } else {
                whose = "a run with --quick"
            }
            throw CheckpointRefused(message: "the checkpoint \(path) belongs to \(whose); resume with the same scenario and flags, or run with --force to start again")
        }
    }

    /// The analysis a checkpoint file is named after (`.checkpoint-NAME.json`).
    static func analysis(of path: String) -> String {
        String((path as NSString).lastPathComponent.dropFirst(".checkpoint-".count).dropLast(".json".count))
    }

    /// Removes the checkpoints of `analyses` (and the run's own); those of
    /// other commands sharing the folder (a sweep, another subcommand's
    /// analyses) stay.
    static func remove(in folder: String, where owned: (String) -> Bool) {
        for path in existing(in: folder) where analysis(of: path) == runAnalysis || owned(analysis(of: path)) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

