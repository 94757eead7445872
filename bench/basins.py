"""Basin maps: this build against the previous release (v0.1), in one run.

    python3 bench/basins.py --ebmflow .build/release/ebmflow      (make bench)

Builds v0.1 itself (git commit 5f1cc3f, in a worktree under bench/out/v0.1,
release mode; reused when already built), then times both binaries on one
thread on the same cases, one after the other:

- basins-rbm: scenarios/basins-rbm.yaml's 200 x 200 map (its portrait off).
- basins-rbm-unrefined: the same with `refine: false` (certified stopping
  and the lean loop alone).
- demo-plane-40: the demo's basin plane at 40 x 40 with t_max = 1e4 (the
  v0.1 demo's map; the demo's trajectory and portrait off).

Each binary runs `ebmflow run --threads 1 --quiet` on a copy of the
scenario that keeps only the basins analysis (the analysis itself is the
scenario's, unchanged); v0.1's copy drops the keys it does not know
(`t_limit`, `certify`, `refine`: it has none of these features).
Reported: CPU seconds (user + system) and wall seconds of each, the
CPU-time ratio (the machine is shared, so wall time depends on the load),
the fraction of cells unresolved (labels -1 and -3), and the number of
cells whose labels differ. Attractor ids (numbered by first appearance) are
matched one-to-one through the cells both runs resolved; cells v0.1 left
unresolved and this build resolved are counted separately.
Writes bench/basins-results.md with the date, the machine and its load.
"""

import argparse
import datetime
import os
import platform
import re
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out", "basins")
PREVIOUS_COMMIT = "5f1cc3f"
PREVIOUS_TREE = os.path.join(HERE, "out", "v0.1")


def log(message):
    print(message, file=sys.stderr, flush=True)


def previous_binary():
    """Builds v0.1 in a git worktree under bench/out (once)."""
    binary = os.path.join(PREVIOUS_TREE, ".build", "release", "ebmflow")
    if os.path.exists(binary):
        return binary
    if not os.path.exists(PREVIOUS_TREE):
        os.makedirs(os.path.dirname(PREVIOUS_TREE), exist_ok=True)
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", PREVIOUS_TREE, PREVIOUS_COMMIT], check=True)
    log(f"building v0.1 ({PREVIOUS_COMMIT}) in {PREVIOUS_TREE}")
    subprocess.run(["swift", "build", "-c", "release", "--product", "ebmflow"], cwd=PREVIOUS_TREE, check=True)
    return binary


def basins_only(text, replacements=()):
    """The scenario with `analyses:` reduced to its `basins:` block."""
    lines = text.splitlines()
    out, in_analyses, keep = [], False, False
    for line in lines:
        if line.startswith("analyses:"):
            in_analyses = True
            out.append(line)
            continue
        if in_analyses:
            if line and not line.startswith(" "):
                in_analyses = False
            else:
                if re.match(r"^  \S", line):
                    keep = line.startswith("  basins:")
                if keep:
                    out.append(line)
                continue
        out.append(line)
    text = "\n".join(out) + "\n"
    for old, new in replacements:
        if isinstance(old, str):
            if old not in text:
                raise SystemExit(f"bench/basins.py: `{old}` not found in the scenario")
            text = text.replace(old, new)
        else:
            text, count = old.subn(new, text)
            if count != 1:
                raise SystemExit(f"bench/basins.py: `{old.pattern}` not found once in the scenario")
    return text


CASES = [
    ("basins-rbm", "scenarios/basins-rbm.yaml", ()),
    ("basins-rbm-unrefined", "scenarios/basins-rbm.yaml", (("refine: true", "refine: false"),)),
    ("demo-plane-40", "scenarios/demo.yaml", ((re.compile(r"resolution: \[\d+, \d+\]"), "resolution: [40, 40]"),)),
]


NEW_KEYS = re.compile(r"^\s+(t_limit|certify|refine):")


def read_map(folder):
    """{(x, y): label} from basins.dat."""
    labels = {}
    with open(os.path.join(folder, "basins.dat")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            x, y, label = line.split()
            labels[(x, y)] = int(float(label))
    return labels


def run(binary, scenario, folder):
    """(wall seconds, CPU seconds: user + system of the run)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([binary, "run", scenario, "--output", folder, "--force", "--threads", "1", "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ebmflow", default=os.path.join(ROOT, ".build", "release", "ebmflow"))
    parser.add_argument("--output", default=os.path.join(HERE, "basins-results.md"))
    parser.add_argument("--cases", nargs="*", default=[name for name, _, _ in CASES], help="which cases to run")
    args = parser.parse_args()
    current = os.path.abspath(args.ebmflow)
    previous = previous_binary()
    os.makedirs(OUT, exist_ok=True)
    rows = []
    load_before = os.getloadavg()
    for name, path, replacements in [case for case in CASES if case[0] in args.cases]:
        with open(os.path.join(ROOT, path)) as f:
            text = basins_only(f.read(), replacements)
        scenario = os.path.join(OUT, name + ".yaml")
        with open(scenario, "w") as f:
            f.write(text)
        previous_scenario = os.path.join(OUT, name + "-v0.1.yaml")
        with open(previous_scenario, "w") as f:
            f.write("".join(line for line in text.splitlines(keepends=True) if not NEW_KEYS.match(line)))
        times, maps = {}, {}
        for label, binary, path in (("v0.1", previous, previous_scenario), ("this build", current, scenario)):
            folder = os.path.join(OUT, name + "-" + label.replace(" ", "-"))
            log(f"{name}: {label}")
            times[label] = run(binary, path, folder)
            maps[label] = read_map(folder)
        old, new = maps["v0.1"], maps["this build"]
        unresolved = lambda labels: sum(1 for v in labels.values() if v in (-1, -3)) / len(labels)
        # Attractor ids are numbered by first appearance in grid order: they are
        # matched through the cells both builds resolved (one-to-one).
        pairs = {}
        for cell, before in old.items():
            after = new[cell]
            if before >= 0 and after >= 0:
                pairs.setdefault(before, {}).setdefault(after, 0)
                pairs[before][after] += 1
        match = {before: max(counts, key=counts.get) for before, counts in pairs.items()}
        if len(set(match.values())) != len(match):
            log(f"{name}: two v0.1 attractors map to one attractor of this build")
        differ = resolved_now = 0
        for cell, before in old.items():
            after = new[cell]
            if before in (-1, -3) and after not in (-1, -3):
                resolved_now += 1
            elif (match.get(before) != after) if before >= 0 else before != after:
                differ += 1
        rows.append((name, len(old), times["v0.1"], times["this build"], unresolved(old), unresolved(new), differ, resolved_now))
        log(f"{name}: v0.1 {times['v0.1'][1]:.2f} s CPU, this build {times['this build'][1]:.2f} s CPU, {differ} labels differ, "
            f"{resolved_now} resolved only now, unresolved {100 * unresolved(old):.1f}% -> {100 * unresolved(new):.1f}%")
    load_after = os.getloadavg()
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        "# Basin maps: this build against v0.1",
        "",
        f"Measured {stamp} on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores, {platform.platform()}), "
        f"1 thread each, release builds, by `python3 bench/basins.py` (`make bench`). "
        f"Load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f}. Other jobs share the cores, so the "
        f"speed-up is taken on CPU time (user + system of each single-threaded run); wall times are shown too.",
        "",
        "| case | cells | v0.1 CPU s | this build CPU s | speed-up (CPU) | v0.1 wall s | this build wall s | "
        "unresolved v0.1 | unresolved now | labels differing | resolved only now |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, cells, old_t, new_t, old_u, new_u, differ, resolved_now in rows:
        lines.append(f"| {name} | {cells} | {old_t[1]:.2f} | {new_t[1]:.2f} | {old_t[1] / new_t[1]:.1f}x | {old_t[0]:.1f} | "
                     f"{new_t[0]:.1f} | {100 * old_u:.1f}% | {100 * new_u:.1f}% | {differ} | {resolved_now} |")
    lines += ["", "Attractor ids are matched one-to-one through the cells both builds resolved; a cell v0.1 left unresolved (-1, -3) and this build resolved counts under 'resolved only now', not as differing.", ""]
    with open(args.output, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
