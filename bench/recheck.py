"""Interleaved re-check of one case: `ebmflow run` (whole process) alternating
with peers' in-process solves of the same problem.json, several rounds.

    bench/.venv/bin/python bench/recheck.py rbm-n16 --peers sksundae-cvode-jac --rounds 2

On a shared machine the load changes during a long `make bench`, and the
peers (numpy on two OpenBLAS threads) lose more to it than ebmflow does;
alternating the runs puts both under the same conditions. Prints a
Markdown section (times per round, best of each, ratio of the bests, the
load average at the start and the end) to append to bench/results.md.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("case")
    parser.add_argument("--peers", nargs="+", default=["sksundae-cvode-jac"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ebmflow", default=os.path.join(ROOT, ".build", "release", "ebmflow"))
    args = parser.parse_args()
    yaml = os.path.join(HERE, "cases", args.case + ".yaml")
    folder = os.path.join(OUT, args.case)
    os.makedirs(folder, exist_ok=True)
    subprocess.run([args.ebmflow, "export", yaml, "--output", folder, "--force"], check=True, capture_output=True)
    problem = os.path.join(folder, "problem.json")
    started, load_before = datetime.datetime.now(), load()
    times = {name: [] for name in ["ebmflow run (process)"] + args.peers}
    for _ in range(args.rounds):
        start = time.perf_counter()
        subprocess.run([args.ebmflow, "run", yaml, "--quiet", "--force", "--threads", "2",
                        "--output", os.path.join(folder, "run")], check=True, capture_output=True)
        times["ebmflow run (process)"].append(time.perf_counter() - start)
        for peer in args.peers:
            out = subprocess.run([sys.executable, os.path.join(HERE, "peers", "solve.py"), problem, "--solver", peer],
                                 check=True, capture_output=True, text=True).stdout
            times[peer].append(json.loads(out)["wall_seconds"])
        print(f"round done: " + ", ".join(f"{k} {v[-1]:.3g} s" for k, v in times.items()), file=sys.stderr)
    best = {name: min(values) for name, values in times.items()}
    ours = best["ebmflow run (process)"]
    print(f"## Interleaved re-check of {args.case} ({started:%Y-%m-%d %H:%M}–{datetime.datetime.now():%H:%M})\n")
    print(f"`bench/recheck.py {args.case} --peers {' '.join(args.peers)} --rounds {args.rounds}`: `ebmflow run` "
          f"(whole process) alternating with each peer's in-process solve. Load average (1, 5, 15 min) before: "
          f"{load_before}; after: {load()}.\n")
    print("| solver | wall times | best | ratio to ebmflow run's best |")
    print("| --- | --- | ---: | ---: |")
    for name, values in times.items():
        ratio = "—" if name.startswith("ebmflow") else f"{best[name] / ours:.1f}×"
        print(f"| {name} | {', '.join(f'{v:.3g}' for v in values)} s | {best[name]:.3g} s | {ratio} |")


if __name__ == "__main__":
    main()
