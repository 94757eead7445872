#!/usr/bin/env bash
# Builds the previous release of ebmflow (0.1, commit 5f1cc3f) once, in the
# git worktree bench/out/v0.1 (git-ignored; bench/run.py and bench/basins.py
# use the same one), and prints its binary's path.
# Benchmarks time it beside the current build in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
release=5f1cc3f
tree=bench/out/v0.1
if [ ! -x "$tree/.build/release/ebmflow" ]; then
  mkdir -p bench/out
  [ -d "$tree" ] || git worktree add --detach "$tree" "$release" >&2
  (cd "$tree" && swift build -c release --product ebmflow >&2)
fi
echo "$PWD/$tree/.build/release/ebmflow"
