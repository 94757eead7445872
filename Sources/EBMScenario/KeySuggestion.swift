/// The candidate closest to `word` in edit distance, if it is close enough to
/// be a likely typo: at most 2 edits, and at most half as many edits as the word has letters.
/// Case is ignored, so `Spins` suggests `spins`.
func closestMatch(to word: String, among candidates: [String]) -> String? {
    let target = Array(word.lowercased())
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(target, Array(candidate.lowercased()))
        if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
    }
    guard let best, best.distance <= 2, 2 * best.distance <= target.count else { return nil }
    return best.candidate
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and
/// swaps of neighbours each cost 1 (so `t_ned` is one edit from `t_end`).
/// O(|a| |b|) time.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    // d[i][j] = distance between a[..<i] and b[..<j].
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let substitution = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}
