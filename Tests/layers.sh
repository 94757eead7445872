#!/usr/bin/env bash
# The layering of docs/design.md, checked: every `import` of a project
# target names a direct dependency declared in Package.swift, and no
# target depends on one listed in a higher layer. Prints "layers: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import glob, os, re, sys
package = open("Package.swift").read()
deps = {}
for m in re.finditer(r'\.(?:target|executableTarget|testTarget|systemLibrary)\(name: "(\w+)"(?:, (?:pkgConfig: "[^"]*", )?dependencies: \[(.*?)\])?', package, re.S):
    deps[m.group(1)] = set(re.findall(r'"(\w+)"', m.group(2) or "")) | set(re.findall(r'product\(name: "(\w+)"', m.group(2) or ""))
layers = [["CSundials", "CSundialsParallel", "CLapack", "CMPI"], ["EBMThreads", "EBMLinearAlgebra"],
          ["EBMCore", "EBMSolvers", "EBMDistributed", "EBMScenario"], ["EBMFullModel", "EBMAnalysis"], ["EBMIO"], ["ebmflow"]]
layer = {t: i for i, ts in enumerate(layers) for t in ts}
known = set(deps) | {"ArgumentParser", "Yams"}
passed = failed = 0
for base in ("Sources", "Tests"):
    for target in sorted(os.listdir(base)):
        if target not in deps:
            continue
        imports = set()
        for path in glob.glob(f"{base}/{target}/**/*.swift", recursive=True):
            imports |= set(re.findall(r'^\s*(?:@testable\s+)?import\s+(\w+)', open(path).read(), re.M))
        problems = [f"imports {m} without depending on it" for m in sorted((imports & known) - deps[target] - {target})]
        if base == "Sources":
            problems += [f"depends on {d}, a higher layer" for d in sorted(deps[target]) if layer.get(d, -1) >= layer.get(target, 99)]
            if target not in layer:
                problems.append("is in no layer of docs/design.md")
        for problem in problems:
            print(f"FAILED: {target} {problem}")
        failed += bool(problems)
        passed += not problems
print(f"layers: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
