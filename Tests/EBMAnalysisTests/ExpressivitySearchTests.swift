import Testing
import EBMCore
import EBMAnalysis

/// The smallest fully expressive member of each family.
@Suite struct ExpressivitySearchTests {
    @Test func smallestSizesOnFewSpins() throws {
        let rbm3 = try #require(ExpressivitySearch.smallestFullyExpressive(like: RestrictedBoltzmannMachine(spins: 3, hidden: 4)))
        #expect(rbm3.smallest == 1 && rbm3.searched == [1] && rbm3.countingBound == 1)
        #expect(rbm3.summary == "rbm(h=1, units=spin) (tested h = 1)")
        // n + h + nh >= 15 first at h = 3 on 4 spins; (n + 2) w >= 15 at w = 3.
        let rbm4 = try #require(ExpressivitySearch.smallestFullyExpressive(like: RestrictedBoltzmannMachine(spins: 4, hidden: 1)))
        #expect(rbm4.smallest == 3 && rbm4.countingBound == 3)
        let mlp = MultilayerPerceptron(spins: 4, widths: [2, 2], activation: .softplus)
        let mlp4 = try #require(ExpressivitySearch.smallestFullyExpressive(like: mlp))
        #expect(mlp4.smallest == 3)
        #expect(mlp4.summary == "mlp(layers=[3], activation=softplus) (tested width = 3; width < 3 has too few parameters)")
        let ising = try #require(ExpressivitySearch.smallestFullyExpressive(like: GeneralisedIsingModel(spins: 4, order: 2)))
        #expect(ising.smallest == 4)
    }

    @Test func searchStopsWhenGIsTooLarge() throws {
        let result = try #require(ExpressivitySearch.smallestFullyExpressive(like: RestrictedBoltzmannMachine(spins: 12, hidden: 2)))
        #expect(result.smallest == nil && result.searched.isEmpty && result.countingBound == 315)
        #expect(result.summary.contains("would have more than 4000000 entries"))
    }
}
