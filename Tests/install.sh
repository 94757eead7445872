#!/usr/bin/env bash
# `make install` into a temporary PREFIX gives an ebmflow that runs and
# renders plots from a folder outside the repository (the gnuplot scripts
# found in PREFIX/share/ebmflow/plots); DESTDIR stages the same tree under
# another root; `make uninstall` removes what was installed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "install test FAILED: $*"; exit 1; }

prefix="$scratch/prefix"
make -s -C "$repo" install PREFIX="$prefix" >"$scratch/install.log" 2>&1 || { cat "$scratch/install.log"; fail "make install"; }
[ -x "$prefix/bin/ebmflow" ] || fail "no $prefix/bin/ebmflow"
for script in "$repo"/plots/*.gp; do
  [ -f "$prefix/share/ebmflow/plots/$(basename "$script")" ] || fail "no $(basename "$script") in $prefix/share/ebmflow/plots"
done

# Outside the repository, found through PATH: no ./plots, no build folder beside it.
mkdir "$scratch/elsewhere"
(
  cd "$scratch/elsewhere"
  export PATH="$prefix/bin:$PATH"
  ebmflow --version >/dev/null
  ebmflow run --quick --quiet --output result >run.log 2>&1 || { cat run.log; exit 1; }
  ebmflow plot result >plot.log 2>&1 || { cat plot.log; exit 1; }
) || fail "the installed ebmflow could not run and plot"
for png in trajectory couplings basins portrait; do
  [ -s "$scratch/elsewhere/result/$png.png" ] || fail "no $png.png from the installed ebmflow plot"
done

# DESTDIR: the same layout under a staging root.
make -s -C "$repo" install DESTDIR="$scratch/stage" PREFIX=/opt/ebmflow >"$scratch/stage.log" 2>&1 || { cat "$scratch/stage.log"; fail "make install DESTDIR"; }
[ -x "$scratch/stage/opt/ebmflow/bin/ebmflow" ] && [ -f "$scratch/stage/opt/ebmflow/share/ebmflow/plots/trajectory.gp" ] \
  || fail "DESTDIR not honoured"

make -s -C "$repo" uninstall PREFIX="$prefix" >/dev/null
[ ! -e "$prefix/bin/ebmflow" ] && [ ! -e "$prefix/share/ebmflow" ] || fail "make uninstall left files behind"
echo "install: make install, installed plot from outside the repository, DESTDIR, uninstall: ok"
