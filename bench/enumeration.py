"""Fixed-point enumeration: this build against the previous release.

    python3 bench/enumeration.py --ebmflow .build/release/ebmflow     (make bench)

Runs `ebmflow fixed-points` on every case in bench/enumeration/ with the
previous release (built by bench/previous-release.sh) and with this build,
on 2 threads, one after the other in the same run; reports the wall times,
their ratio, the catalog sizes, and whether every effective model the
previous release found is in this build's catalog (couplings within
1e-6). Writes bench/enumeration-results.md.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out", "enumeration")


def run(binary, case, folder):
    start = time.perf_counter()
    subprocess.run([binary, "fixed-points", case, "--output", folder, "--force", "--quiet", "--threads", "2"],
                   check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    with open(os.path.join(folder, "fixed_points.json")) as f:
        catalog = json.load(f)
    return seconds, catalog


def couplings(entry):
    return [entry["couplings"][name] for name in sorted(entry["couplings"])]


def models(catalog):
    """One couplings vector per effective-model group."""
    groups = {}
    for entry in catalog["fixed_points"]:
        groups.setdefault(entry["group"], couplings(entry))
    return list(groups.values())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ebmflow", required=True)
    args = parser.parse_args()
    previous = subprocess.run([os.path.join(HERE, "previous-release.sh")], check=True, capture_output=True,
                              text=True).stdout.strip()
    os.makedirs(OUT, exist_ok=True)
    rows = []
    for name in sorted(os.listdir(os.path.join(HERE, "enumeration"))):
        case = os.path.join(HERE, "enumeration", name)
        print(f"enumeration: {name}", file=sys.stderr, flush=True)
        old_seconds, old = run(previous, case, os.path.join(OUT, "previous-" + name))
        new_seconds, new = run(os.path.abspath(args.ebmflow), case, os.path.join(OUT, "current-" + name))
        new_models = models(new)
        missing = [m for m in models(old)
                   if not any(max(abs(a - b) for a, b in zip(m, n)) < 1e-6 for n in new_models)]
        rows.append((name, old_seconds, new_seconds, len(old["fixed_points"]), len(new["fixed_points"]),
                     old["effective_models"], new["effective_models"], len(missing)))
    machine = f"{platform.node()}: {os.cpu_count()} cores, {platform.processor() or platform.machine()}"
    lines = [
        "# Fixed-point enumeration: this build against the previous release",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine}, by `python3 bench/enumeration.py`",
        "(both binaries, 2 threads, one after the other in one run; wall seconds of the whole process).",
        "",
        "| case | previous (s) | this build (s) | speed-up | rows before → after | effective models before → after | models of the previous release missing |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, old_s, new_s, old_rows, new_rows, old_models, new_models, missing in rows:
        lines.append(f"| {name} | {old_s:.1f} | {new_s:.1f} | {old_s / new_s:.1f}× | {old_rows} → {new_rows} "
                     f"| {old_models} → {new_models} | {missing} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(HERE, "enumeration-results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
