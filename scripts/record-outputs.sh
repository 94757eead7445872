#!/usr/bin/env bash
# Runs every scenario in scenarios/ (and the embedded default) with the given
# binary and writes each run's files under OUT, one folder per scenario and
# mode, plus a manifest of SHA-256 sums of every file (OUT/manifest.txt).
# Two manifests made by two binaries compare byte for byte with `diff`:
# this is how a refactor shows that it changes no result.
#   scripts/record-outputs.sh BIN OUT [quick|full]
#   scripts/record-outputs.sh --manifest OUT   (the manifest of OUT again)
# Timing lines (summary.json's wall-clock fields) are not results; files
# that hold them are listed with their volatile keys removed first.
set -uo pipefail
manifest() { # folder
  local out=$1
  (cd "$out" && find . -type f ! -name manifest.txt ! -name '*.stderr' | sort | while read -r file; do
   case "$file" in
     *.stdout) sed "s|$out|OUT|g" "$file" | sha256sum | sed "s|-|$file|" ;;
     *.json) sed -E '/"(wall|elapsed|seconds|time_s|started|finished|date)[a-z_]*"/d' "$file" | sha256sum | sed "s|-|$file|" ;;
     *) sha256sum "$file" ;;
   esac
 done) > "$out/manifest.txt"
  echo "manifest: $out/manifest.txt ($(wc -l < "$out/manifest.txt") files)"
}
if [ "${1:-}" = --manifest ]; then manifest "$(cd "${2:?usage: scripts/record-outputs.sh --manifest OUT}" && pwd)"; exit 0; fi
bin=${1:?usage: scripts/record-outputs.sh BIN OUT [quick|full]}
out=${2:?usage: scripts/record-outputs.sh BIN OUT [quick|full]}
mode=${3:-quick}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
cd "$(dirname "$0")/.."
mkdir -p "$out"
out=$(cd "$out" && pwd)
flag=""; [ "$mode" = quick ] && flag="--quick"
run() { # name, command...
  local name=$1; shift
  local start=$(date +%s.%N)
  if "$@" --quiet --force $flag --threads 2 --output "$out/$name" >"$out/$name.stdout" 2>"$out/$name.stderr"; then
    echo "ok   $name $(echo "$(date +%s.%N) - $start" | bc | cut -c1-6) s"
  else
    echo "FAIL $name (exit $?)"
  fi
}
while IFS= read -r f; do
  name=$(echo "${f%.yaml}" | tr '/' '_')
  run "$name.run" "$bin" run "$f"
  if grep -q '^sweep:' "$f"; then run "$name.sweep" "$bin" sweep "$f"; fi
done < <(find scenarios -name '*.yaml' | sort)
run default.run "$bin" run
manifest "$out"
