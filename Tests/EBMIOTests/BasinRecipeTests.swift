import Foundation
import Testing
import EBMAnalysis
import EBMCore
import EBMScenario
@testable import EBMIO

/// Computes every unit as another process would: from the units' recipe
/// (its bytes decoded, the scenario resolved again) and records that
/// travel as bytes, one fresh computer per run, as `WorkFarm` gives each
/// rank one per task.
struct RecipeScheduler: WorkScheduler {
    var threads: Int { 1 }
    var layout: String { "recipes" }

    func run<Kind: WorkUnitKind>(_ kind: Kind, units: [Int], stop: StopCondition,
                                 onResult: (Int, Kind.Record) throws -> Void) throws {
        guard !units.isEmpty else { return }
        guard let recipe = kind.recipe else {
            Issue.record("\(Kind.analysis) units without a recipe")
            return
        }
        let computer = try WorkTask.decoded(recipe.bytes).prepare()()
        for unit in units {
            try onResult(unit, try WorkRecordCoding.decode(Kind.Record.self, try computer(unit)))
        }
    }
}

@Suite struct BasinRecipeTests {
    /// Certificates learned between blocks of rows travel in the recipe
    /// other processes rebuild the units from: a map with no survey
    /// certificate, computed entirely from recipes, learns the same
    /// certificates and gives the same labels and times as on local
    /// threads (scenarios/basins-rbm.yaml's problem, 10 x 10).
    @Test func learnedCertificatesTravelInTheRecipe() throws {
        let resolved = try ResolvedScenario(try Scenario.load(contentsOf: repositoryRoot + "/scenarios/basins-rbm.yaml"))
        let names = resolved.objective.model.parameterNames
        let plane = try Plane.axes(center: [Double](repeating: 0, count: names.count), x: names.firstIndex(of: "W[0,0]")!,
                                   y: names.firstIndex(of: "b[0]")!, names: names)
        let axis = gridValues(-3...3, count: 10)
        func map(_ scheduler: WorkScheduler) throws -> BasinMap {
            var units = BasinRowsTask.units(resolved: resolved, quick: false, plane: plane, xs: axis, ys: axis, maximumTime: 1e4,
                                            limitTime: 1e6, tolerance: 1e-8, certify: true, refine: false, threads: 1)
            units.certificates = []
            return try basinMap(units, catalog: FixedPointCatalog(), tolerances: ClassificationTolerances(), scheduler: scheduler)
        }
        let local = try map(LocalScheduler(threads: 2)), remote = try map(RecipeScheduler())
        #expect(!local.certificates.isEmpty && local.certifiedCount > 0)
        #expect(remote.certificates == local.certificates && remote.labels == local.labels
                && remote.labelTimes == local.labelTimes && remote.times == local.times)
    }
}
