#if canImport(Glibc)
import Glibc
#endif
import Testing
import EBMCore
import EBMLinearAlgebra

/// The fast kernels (`ObjectiveWorkspace` over each model's `EnergyKernel`)
/// against the straightforward `ObjectiveEvaluation`, for every size class
/// that takes its own code path: one chunk, many chunks on one thread, many
/// chunks on several threads; transforms inside one block and across blocks.
@Suite struct KernelTests {
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let model: @Sendable () -> any EnergyModel
        var frozen: Set<Int> = []
        var scale = 0.7
        var dense = true
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "rbm spin n=4 h=3 (one chunk, loops)", model: { RestrictedBoltzmannMachine(spins: 4, hidden: 3) }),
        Case(name: "rbm binary n=4 h=3", model: { RestrictedBoltzmannMachine(spins: 4, hidden: 3, units: .binary) }),
        Case(name: "rbm spin n=2 h=2 (fewer states than a vector)", model: { RestrictedBoltzmannMachine(spins: 2, hidden: 2) }),
        Case(name: "rbm spin n=10 h=9 (chunks, BLAS, one thread)", model: { RestrictedBoltzmannMachine(spins: 10, hidden: 9) }),
        Case(name: "rbm binary n=10 h=9 large weights", model: { RestrictedBoltzmannMachine(spins: 10, hidden: 9, units: .binary) },
             scale: 4),
        Case(name: "rbm spin n=13 h=7 (parallel chunks)", model: { RestrictedBoltzmannMachine(spins: 13, hidden: 7) }, dense: false),
        Case(name: "rbm spin n=9 h=4 frozen b", model: { RestrictedBoltzmannMachine(spins: 9, hidden: 4) }, frozen: [9, 10, 11, 12]),
        Case(name: "ising n=6 k=2", model: { GeneralisedIsingModel(spins: 6, order: 2) }),
        Case(name: "ising n=7 k=7 (full)", model: { GeneralisedIsingModel(spins: 7, order: 7) }),
        Case(name: "ising n=17 k=17 (blocked, parallel transform)", model: { GeneralisedIsingModel(spins: 17, order: 17) },
             scale: 0.02, dense: false),
        Case(name: "ising n=16 k=3 frozen", model: { GeneralisedIsingModel(spins: 16, order: 3) }, frozen: [0, 5, 20],
             scale: 0.1, dense: false),
    ]

    static func objective(_ c: Case) throws -> LearningObjective {
        let model = c.model()
        let values = randomVector(model.parameterCount, scale: c.scale, seed: 17)
        return LearningObjective(model: model, target: try randomTarget(spins: model.spins, seed: 3), frozen: c.frozen,
                                 frozenValues: values)
    }

    @Test(arguments: cases)
    func kernelsAgreeWithTheStraightforwardPasses(_ c: Case) throws {
        let objective = try Self.objective(c)
        let theta = randomVector(objective.dimension, scale: c.scale, seed: 5)
        let v = randomVector(objective.dimension, scale: 1, seed: 6)
        let reference = objective.evaluate(theta)
        for threads in [1, 2] {
            let workspace = ObjectiveWorkspace(objective: objective, parallelism: Parallelism(threads: threads))
            workspace.evaluate(theta)
            #expect(relativeError(workspace.energyValues, reference.model.energies) < 1e-12, "energies")
            #expect(relativeError(workspace.probabilityValues, reference.probabilities) < 1e-12, "probabilities")
            #expect(abs(workspace.loss - reference.loss) <= 1e-12 * max(1, abs(reference.loss)), "loss")
            #expect(relativeError(workspace.gradient, reference.gradient) < 1e-12, "gradient")
            #expect(relativeError(workspace.hessianVectorProduct(v), reference.hessianVectorProduct(v)) < 1e-12, "Hv")
            if c.dense {
                let dense = workspace.hessian
                #expect(relativeError(dense, reference.hessian().elements) < 1e-12, "Hessian")
                let h = Matrix(rows: objective.dimension, columns: objective.dimension, columnMajor: dense)
                #expect(h.asymmetry == 0, "the dense Hessian is exactly symmetric")
            }
        }
    }

    /// The same bits whatever the number of threads.
    @Test(arguments: cases.filter { $0.name.contains("parallel") })
    func threadCountDoesNotChangeTheBits(_ c: Case) throws {
        let objective = try Self.objective(c)
        let theta = randomVector(objective.dimension, scale: c.scale, seed: 8)
        let v = randomVector(objective.dimension, scale: 1, seed: 9)
        var results: [[Double]] = []
        for threads in [1, 2, 3] {
            let workspace = ObjectiveWorkspace(objective: objective, parallelism: Parallelism(threads: threads))
            workspace.evaluate(theta)
            results.append(workspace.energyValues + workspace.gradient + workspace.hessianVectorProduct(v) + [workspace.loss])
        }
        #expect(results[0] == results[1])
        #expect(results[0] == results[2])
    }

    /// The full model's diagonal `1 - m_A²`, as the preconditioner uses it.
    @Test func isingHessianDiagonalIsOneMinusSquaredMoments() throws {
        let model = GeneralisedIsingModel(spins: 6, order: 6)
        let objective = LearningObjective(model: model, target: try randomTarget(spins: 6))
        let theta = randomVector(objective.dimension, scale: 0.4, seed: 2)
        let workspace = ObjectiveWorkspace(objective: objective)
        workspace.evaluate(theta)
        var diagonal = [Double](repeating: 0, count: objective.dimension)
        #expect(diagonal.withUnsafeMutableBufferPointer { workspace.hessianDiagonal(into: $0) })
        let h = objective.evaluate(theta).hessian()
        #expect(relativeError(diagonal, (0..<objective.dimension).map { h[$0, $0] }) < 1e-12)
        let m = Walsh.canonicalOrder(objective.evaluate(theta).moments)
        #expect(relativeError(diagonal, m.map { 1 - $0 * $0 }) < 1e-12)
    }

    /// The full model's Newton systems `(I + γ∇²L) z = r`, solved in two
    /// transforms, against a dense LU solve; truncated models decline.
    @Test(arguments: [0.01, 1.0, 300.0])
    func fullModelSolvesItsShiftedHessianExactly(_ gamma: Double) throws {
        let n = 7
        let objective = LearningObjective(model: GeneralisedIsingModel(spins: n, order: n), target: try randomTarget(spins: n))
        let theta = randomVector(objective.dimension, scale: 0.5, seed: 12)
        let r = randomVector(objective.dimension, scale: 1, seed: 13)
        for threads in [1, 2] {
            let workspace = ObjectiveWorkspace(objective: objective, parallelism: Parallelism(threads: threads))
            workspace.evaluate(theta)
            let z = try #require(workspace.solveShiftedHessian(shift: gamma, right: r))
            var shifted = objective.evaluate(theta).hessian()
            for j in 0..<objective.dimension {
                for k in 0..<objective.dimension { shifted[j, k] *= gamma }
                shifted[j, j] += 1
            }
            #expect(relativeError(z, try LAPACK.solve(shifted, r)) < 1e-11)
        }
        let truncated = LearningObjective(model: GeneralisedIsingModel(spins: n, order: 3), target: try randomTarget(spins: n))
        let workspace = ObjectiveWorkspace(objective: truncated)
        workspace.evaluate(randomVector(truncated.dimension, scale: 0.5, seed: 1))
        #expect(workspace.solveShiftedHessian(shift: gamma, right: randomVector(truncated.dimension, scale: 1, seed: 2)) == nil)
    }

    /// A model without a fast kernel goes through its `EnergyEvaluation`.
    @Test func fallbackKernelMatches() throws {
        let model = RestrictedBoltzmannMachine(spins: 5, hidden: 2)
        let objective = LearningObjective(model: model, target: try randomTarget(spins: 5))
        let kernel = EvaluationKernel(model: model)
        let theta = randomVector(model.parameterCount, scale: 0.5, seed: 4)
        var e = [Double](repeating: 0, count: model.stateCount)
        theta.withUnsafeBufferPointer { t in e.withUnsafeMutableBufferPointer { kernel.evaluate(t, energies: $0) } }
        #expect(e == model.evaluate(theta).energies)
        let reference = objective.evaluate(theta)
        var hv = [Double](repeating: 0, count: model.parameterCount)
        let v = randomVector(model.parameterCount, scale: 1, seed: 3)
        reference.probabilities.withUnsafeBufferPointer { p in
            reference.residual.withUnsafeBufferPointer { w in
                v.withUnsafeBufferPointer { pv in
                    hv.withUnsafeMutableBufferPointer { kernel.hessianVectorProduct(probabilities: p, residual: w, direction: pv, into: $0) }
                }
            }
        }
        #expect(relativeError(hv, reference.hessianVectorProduct(v)) < 1e-12)
    }

    @Test func vectorisedExponentialIsAccurate() {
        var worst = 0.0
        var x = -708.0
        while x <= 709 {
            let e = VectorMath.exp(x), reference = Glibc.exp(x)
            worst = max(worst, abs(e - reference) / reference)
            x += 0.0137
        }
        #expect(worst < 4e-16)
        #expect(VectorMath.exp(-800) == 0)
        #expect(VectorMath.exp(0) == 1)
        #expect(VectorMath.exp(800) == .infinity)
        #expect(VectorMath.exp(.nan).isNaN)
    }
}
