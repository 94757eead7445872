#!/usr/bin/env bash
# Every scenario in scenarios/ must validate, and run end to end on a small
# budget (--quick); a scenario with a `sweep:` block must also sweep on it.
# Prints a closing "N passed, N failed" line.
set -uo pipefail
bin=${1:?usage: Tests/scenarios.sh PATH/TO/ebmflow}
cd "$(dirname "$0")/.."
passed=0; failed=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
while IFS= read -r f; do
  name=$(echo "$f" | tr '/' '_')
  if "$bin" validate "$f" >"$scratch/$name.validate" 2>&1 \
     && "$bin" run "$f" --quick --quiet --force --output "$scratch/$name" >"$scratch/$name.run" 2>&1 \
     && { ! grep -q '^sweep:' "$f" \
          || "$bin" sweep "$f" --quick --quiet --force --output "$scratch/$name" >>"$scratch/$name.run" 2>&1; }; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $f"; cat "$scratch/$name.validate" "$scratch/$name.run" | head -20
  fi
done < <(find scenarios -name '*.yaml' | sort)
# The embedded default scenario must equal scenarios/demo.yaml and run.
if "$bin" run --quick --quiet --force --output "$scratch/default" >"$scratch/default.log" 2>&1 \
   && [ -f "$scratch/default/trajectory.dat" ] && [ -f "$scratch/default/couplings.dat" ] && [ -f "$scratch/default/summary.json" ]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAILED: default scenario"; head -20 "$scratch/default.log"
fi
echo "scenarios: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
