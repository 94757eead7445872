import Testing
@testable import EBMCore
import EBMLinearAlgebra

/// The dense curvature is computed a chunk of directions at a time; the
/// chunk size must not change it.
@Suite struct MultilayerPerceptronChunkTests {
    @Test(arguments: [1, 3, 7, 1000])
    func chunkSizeDoesNotMatter(_ chunk: Int) throws {
        let model = MultilayerPerceptron(spins: 3, widths: [3, 2], activation: .tanh)
        let theta = randomVector(model.parameterCount, scale: 0.8, seed: 41)
        let w = randomVector(model.stateCount, scale: 0.3, seed: 42)
        let at = try #require(model.evaluate(theta) as? MultilayerPerceptron.Evaluation)
        let full = at.curvatureMatrix(weights: w)
        let chunked = at.curvatureMatrix(weights: w, chunk: chunk)
        #expect(relativeError(chunked.elements, full.elements) < 1e-14)
        for j in 0..<model.parameterCount {
            let product = at.curvatureProduct(weights: w, direction: unitVector(model.parameterCount, j))
            #expect(relativeError(chunked.column(j), product, floor: 1e-12) < 1e-12, "column \(j)")
        }
    }
}
