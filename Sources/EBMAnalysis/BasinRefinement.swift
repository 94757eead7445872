/// Boundary refinement of a basin map (docs/analyses.md, basins,
/// "Refinement"): the grid is visited in passes from coarse to fine. Pass 0
/// integrates every `2^L`-th row and column (and the last ones); pass `ℓ`
/// adds the points of stride `2^(L−ℓ)`. A new point lies in a box of the
/// previous pass's points (a segment when it is on one of its lines); when
/// the box's corners all carry one label that is an attractor or an escape,
/// the point takes that label without being integrated (it is *inferred*),
/// otherwise it is integrated. A thin basin that touches no corner of a box
/// is missed, which is why refinement is optional.
public enum BasinRefinement {
    /// How many passes a grid of `nx × ny` points gets: `L + 1` with the
    /// coarse pass's stride `2^L` leaving about 10 or more intervals per axis.
    public static func passCount(nx: Int, ny: Int) -> Int {
        var exponent = 0
        while (min(nx, ny) - 1) / (1 << (exponent + 1)) >= 10 { exponent += 1 }
        return exponent + 1
    }

    /// The indices of an axis of `n` points in pass `pass` of `passes`
    /// (ascending): multiples of the pass's stride and the last index.
    public static func axis(_ n: Int, pass: Int, of passes: Int) -> [Int] {
        let stride = 1 << (passes - 1 - pass)
        var indices = Array(Swift.stride(from: 0, to: n, by: stride))
        if indices.last != n - 1 { indices.append(n - 1) }
        return indices
    }

    /// The columns of each row that pass `pass` adds (not in earlier passes).
    public static func newPoints(nx: Int, ny: Int, pass: Int, of passes: Int) -> [[Int]] {
        let columns = axis(nx, pass: pass, of: passes), rows = Set(axis(ny, pass: pass, of: passes))
        guard pass > 0 else { return (0..<ny).map { rows.contains($0) ? columns : [] } }
        let oldColumns = Set(axis(nx, pass: pass - 1, of: passes)), oldRows = Set(axis(ny, pass: pass - 1, of: passes))
        return (0..<ny).map { j in
            guard rows.contains(j) else { return [] }
            return oldRows.contains(j) ? columns.filter { !oldColumns.contains($0) } : columns
        }
    }

    /// The corners of the box of pass `pass − 1` points around `(i, j)`.
    static func corners(i: Int, j: Int, nx: Int, ny: Int, pass: Int, of passes: Int) -> [(Int, Int)] {
        func bracket(_ k: Int, _ axis: [Int]) -> [Int] {
            if let exact = axis.firstIndex(of: k) { return [axis[exact]] }
            let upper = axis.firstIndex { $0 > k }!
            return [axis[upper - 1], axis[upper]]
        }
        let xs = bracket(i, axis(nx, pass: pass - 1, of: passes)), ys = bracket(j, axis(ny, pass: pass - 1, of: passes))
        return ys.flatMap { y in xs.map { x in (x, y) } }
    }

    /// Pass `pass`'s plan from what earlier passes found: `keys[j][i]` is a
    /// label's identity at every point of earlier passes (nil elsewhere;
    /// attractors ≥ 0, escapes -2, unresolved -1 or -3) and `sources[j][i]`
    /// the integrated point whose outcome a point stands for. Returns the
    /// columns to integrate per row, and fills `keys` and `sources` at the
    /// inferred points.
    public static func plan(pass: Int, of passes: Int, keys: inout [[Int?]], sources: inout [[(Int, Int)?]]) -> [[Int]] {
        let ny = keys.count, nx = keys.first?.count ?? 0
        var integrate = [[Int]](repeating: [], count: ny)
        var inferred: [(Int, Int, Int, (Int, Int))] = []
        for (j, columns) in newPoints(nx: nx, ny: ny, pass: pass, of: passes).enumerated() {
            for i in columns {
                let around = corners(i: i, j: j, nx: nx, ny: ny, pass: pass, of: passes)
                let labels = around.map { keys[$0.1][$0.0] }
                if let first = labels[0], first != -1, first != -3, labels.allSatisfy({ $0 == first }),
                   let source = sources[around[0].1][around[0].0] {
                    inferred.append((i, j, first, source))
                } else {
                    integrate[j].append(i)
                }
            }
        }
        // Inferred points are filled after the whole pass is planned: a pass
        // reads only the points of earlier passes.
        for (i, j, key, source) in inferred {
            keys[j][i] = key
            sources[j][i] = source
        }
        return integrate
    }
}
