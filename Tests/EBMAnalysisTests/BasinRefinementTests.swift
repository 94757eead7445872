import Testing
import EBMAnalysis
import EBMCore

@Suite struct BasinRefinementTests {
    /// The passes' new points cover the grid exactly once, and pass 0 is the coarse grid.
    @Test(arguments: [(200, 200), (41, 23), (8, 8), (2, 5)]) func passesCoverTheGridOnce(nx: Int, ny: Int) {
        let passes = BasinRefinement.passCount(nx: nx, ny: ny)
        var seen = [[Int]](repeating: [Int](repeating: 0, count: nx), count: ny)
        for p in 0..<passes {
            for (j, columns) in BasinRefinement.newPoints(nx: nx, ny: ny, pass: p, of: passes).enumerated() {
                for i in columns { seen[j][i] += 1 }
            }
        }
        #expect(seen.allSatisfy { $0.allSatisfy { $0 == 1 } })
        let coarse = BasinRefinement.axis(nx, pass: 0, of: passes)
        #expect(coarse.first == 0 && coarse.last == nx - 1)
        if nx == 200 && ny == 200 { #expect(passes == 5 && coarse.count == 14) }
    }

    /// Runs every pass of an nx × ny map whose integrated points take
    /// `truth(i, j)`; `check` sees each pass's plan. Returns the labels of
    /// every point (integrated or inferred) and how many were integrated.
    static func refine(nx: Int, ny: Int, truth: (Int, Int) -> Int,
                       check: (_ pass: Int, _ plan: [[Int]]) -> Void = { _, _ in }) -> (keys: [[Int?]], integrated: Int) {
        let passes = BasinRefinement.passCount(nx: nx, ny: ny)
        var keys = [[Int?]](repeating: [Int?](repeating: nil, count: nx), count: ny)
        var sources = [[(Int, Int)?]](repeating: [(Int, Int)?](repeating: nil, count: nx), count: ny)
        var integrated = 0
        for p in 0..<passes {
            let plan = p == 0 ? BasinRefinement.newPoints(nx: nx, ny: ny, pass: 0, of: passes)
                : BasinRefinement.plan(pass: p, of: passes, keys: &keys, sources: &sources)
            check(p, plan)
            for (j, columns) in plan.enumerated() {
                for i in columns {
                    keys[j][i] = truth(i, j)
                    sources[j][i] = (i, j)
                    integrated += 1
                }
            }
        }
        return (keys, integrated)
    }

    /// On a label field split by the line x = 50.5 (a known answer), every
    /// pass integrates only the points whose box straddles the line, and
    /// the inferred labels are right everywhere.
    @Test func planIntegratesOnlyAcrossTheBoundary() {
        let n = 101
        let truth: (Int, Int) -> Int = { i, _ in i <= 50 ? 0 : 1 }
        let passes = BasinRefinement.passCount(nx: n, ny: n)
        let (keys, integrated) = Self.refine(nx: n, ny: n, truth: truth) { p, plan in
            guard p > 0 else { return }
            // Integrated only where the previous pass's points around it straddle the boundary.
            let old = BasinRefinement.axis(n, pass: p - 1, of: passes)
            for i in plan.joined() {
                let lo = old.last { $0 <= i }!, hi = old.first { $0 >= i }!
                #expect(lo <= 50 && hi >= 51)
            }
        }
        for j in 0..<n { for i in 0..<n { #expect(keys[j][i] == truth(i, j)) } }
        #expect(integrated < n * n / 4)
    }

    /// Unresolved corners (-1 still moving, -3 failed) never stand for a
    /// label: on a field of them every point of every pass is integrated.
    /// Escapes (-2) are a label like an attractor: a field of them is
    /// inferred from the coarse pass alone.
    @Test(arguments: [(-1, true), (-3, true), (-2, false), (4, false)])
    func onlyResolvedCornersAreInferred(label: Int, integratesEverything: Bool) {
        let (nx, ny) = (37, 29)
        let passes = BasinRefinement.passCount(nx: nx, ny: ny)
        let (keys, integrated) = Self.refine(nx: nx, ny: ny, truth: { _, _ in label }) { p, plan in
            let expected = BasinRefinement.newPoints(nx: nx, ny: ny, pass: p, of: passes)
            if p > 0 { #expect(plan == (integratesEverything ? expected : expected.map { _ in [] })) }
        }
        let coarse = BasinRefinement.axis(nx, pass: 0, of: passes).count * BasinRefinement.axis(ny, pass: 0, of: passes).count
        #expect(integrated == (integratesEverything ? nx * ny : coarse))
        #expect(keys.allSatisfy { $0.allSatisfy { $0 == label } })
    }
}
