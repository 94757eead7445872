"""ebmflow against what users would pick instead, on the same problems.

    python bench/run.py --ebmflow .build/release/ebmflow      (make bench)

For every case in bench/cases: `ebmflow export` writes problem.json; a
tight-tolerance `ebmflow integrate` (rtol 1e-10, atol 1e-13) gives the
reference final state; `ebmflow integrate` at the case's tolerances is
timed (in-process repeats, best wall time) and so are the peers in
bench/peers/solve.py (scipy solve_ivp BDF, LSODA, Radau and scikit-sundae
CVODE, numpy right-hand side, analytic Jacobian), each in its own process
with a time limit. Errors are max_j |theta_j(t_end) - theta_ref_j|. Peak
memory is each process's maximum resident set (wait4). The 200 x 200 basin
map is timed on 1 and 2 threads. Prints a table and writes bench/results.md.

The previous release (v0.1, commit 5f1cc3f) is built from its commit in a
git worktree under bench/out/v0.1 and timed on the RBM cases in the same
run. For the goals, ebmflow's time is also taken as a whole `ebmflow run`
process (scenario reading, integration, trajectory files), against the
peers' in-process solve.

With --work-precision, every solver integrates the work-precision cases
(rbm-n8/12/16, ising-n10/12) at rtol 1e-4 ... 1e-10 (atol = rtol / 1000)
against a reference at rtol 1e-12, atol 1e-15; ebmflow's time there is
the whole `ebmflow integrate` process. bench/out/work-precision/CASE.dat
holds the points and gnuplot draws docs/work-precision-CASE.png
(bench/work-precision.gp).
"""

import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = os.path.join(HERE, "cases")
OUT = os.path.join(HERE, "out")

RBM_CASES = ["rbm-n8", "rbm-n12", "rbm-n16"]
ISING_CASES = ["ising-n10", "ising-n12", "ising-n14", "ising-n20"]
DENSE_PEERS = ["scipy-BDF", "scipy-LSODA", "scipy-Radau", "sksundae-cvode", "sksundae-cvode-jac"]
KRYLOV_PEERS = ["sksundae-gmres"]
REFERENCE = {"rtol": 1e-10, "atol": 1e-13}
# The million-ODE case's reference is one decade looser (its tight run alone takes minutes).
REFERENCE_OVERRIDES = {"ising-n20": {"rtol": 1e-9, "atol": 1e-12}}
PREVIOUS_RELEASE = ("v0.1", "5f1cc3f")
WP_CASES = ["rbm-n8", "rbm-n12", "rbm-n16", "ising-n10", "ising-n12"]
WP_RTOLS = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
WP_REFERENCE = {"rtol": 1e-12, "atol": 1e-15}


def log(message):
    print(message, file=sys.stderr, flush=True)


def peak_rss_of(command, timeout, env=None):
    """Runs command with a time limit; returns (exit code or None on timeout,
    stdout, stderr, wall seconds, peak resident set in bytes from wait4)."""
    out_path = os.path.join(OUT, ".stdout")
    err_path = os.path.join(OUT, ".stderr")
    start = time.perf_counter()
    with open(out_path, "w") as out_file, open(err_path, "w") as err_file:
        process = subprocess.Popen(command, stdout=out_file, stderr=err_file, env=env, start_new_session=True)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid != 0:
                break
            if time.perf_counter() - start > timeout:
                os.killpg(process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                status = None
                break
            time.sleep(0.01)
    wall = time.perf_counter() - start
    with open(out_path) as f:
        out = f.read()
    with open(err_path) as f:
        err = f.read()
    code = None if status is None else os.waitstatus_to_exitcode(status)
    return code, out, err, wall, usage.ru_maxrss * 1024


def peer_environment():
    """numpy's OpenBLAS without the machine's OPENBLAS_CORETYPE / L2 overrides
    (they slow a current numpy; see the machine notes)."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def read_state(path):
    with open(path) as f:
        return [float(line) for line in f if line.strip()]


def max_error(path, reference):
    try:
        state = read_state(path)
    except OSError:
        return None
    if len(state) != len(reference):
        return None
    return max(abs(a - b) for a, b in zip(state, reference))


def machine():
    model = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    memory = "unknown"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                memory = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    return {"nproc": os.cpu_count(), "model": model, "memory": memory, "kernel": platform.release(),
            "python": platform.python_version()}


def load_average():
    return "%.2f %.2f %.2f" % os.getloadavg()


class Bench:
    def __init__(self, args):
        self.args = args
        self.ebmflow = os.path.abspath(args.ebmflow)
        self.python = sys.executable
        self.rows = []
        self.notes = []
        self.failed_peers = {}   # (family, peer) -> case at which it stopped (timeout or failure)
        self.references = {}
        os.makedirs(OUT, exist_ok=True)

    def ebm(self, *arguments, timeout=3600):
        return peak_rss_of([self.ebmflow, *arguments], timeout)

    def previous_release(self):
        """The previous release's binary, built from its commit in a git
        worktree under bench/out (once; later runs reuse it)."""
        name, commit = PREVIOUS_RELEASE
        tree = os.path.join(OUT, name)
        binary = os.path.join(tree, ".build", "release", "ebmflow")
        if os.path.exists(binary):
            return binary
        if not os.path.exists(tree):
            subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", tree, commit], check=True,
                           stdout=subprocess.DEVNULL)
        log(f"== building {name} ({commit}) in {tree}")
        subprocess.run(["swift", "build", "-c", "release", "--product", "ebmflow", "--package-path", tree], check=True,
                       stdout=subprocess.DEVNULL)
        return binary

    def previous(self, name):
        """The previous release on case `name`, timed like ebmflow."""
        release = PREVIOUS_RELEASE[0]
        try:
            binary = self.previous_release()
        except (subprocess.CalledProcessError, OSError) as error:
            self.rows.append({"case": name, "solver": f"ebmflow {release}", "status": f"failed to build: {error}"})
            return
        yaml = os.path.join(CASES, name + ".yaml")
        folder = os.path.join(OUT, name)
        state_path = os.path.join(folder, f"ebmflow-{release}.txt")
        code, out, err, wall, rss = peak_rss_of([binary, "integrate", yaml, "--repeat", str(self.args.repeats),
                                                 "--final-state", state_path], 3600)
        if code != 0:
            self.rows.append({"case": name, "solver": f"ebmflow {release}", "status": "failed: " + err.strip()[-160:]})
            return
        timing = json.loads(out)
        stats = timing["statistics"]
        reference = read_state(os.path.join(folder, "reference.txt"))
        row = {"case": name, "solver": f"ebmflow {release}", "seconds": timing["best_seconds"],
               "all_seconds": timing["wall_seconds"],
               "rhs": stats["rhs_evaluations"] + stats["linear_solver_rhs_evaluations"],
               "jac": stats["jacobian_evaluations"], "jv": stats["jacobian_vector_evaluations"],
               "steps": stats["steps"], "error": max_error(state_path, reference), "rss": rss, "status": "ok"}
        self.rows.append(row)
        log(f"   ebmflow {release}: {row['seconds']:.3f} s, error {row['error']:.2e}")

    def whole_run(self, name):
        """`ebmflow run` on the case as a whole process, best of the repeats."""
        yaml = os.path.join(CASES, name + ".yaml")
        walls = []
        for _ in range(self.args.repeats):
            code, out, err, wall, rss = self.ebm("run", yaml, "--quiet", "--force", "--threads", "2",
                                                 "--output", os.path.join(OUT, name, "run"))
            if code != 0:
                raise SystemExit(f"ebmflow run on {name} failed: {err}")
            walls.append(wall)
        self.rows.append({"case": name, "solver": "ebmflow run (process)", "seconds": min(walls),
                          "all_seconds": walls, "rss": rss, "status": "ok"})
        log(f"   ebmflow run (whole process): {min(walls):.3f} s ({', '.join('%.3f' % w for w in walls)})")

    def case(self, name, peers):
        yaml = os.path.join(CASES, name + ".yaml")
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        log(f"== {name}")
        problem = os.path.join(folder, "problem.json")
        if peers:
            code, out, err, wall, _ = self.ebm("export", yaml, "--output", folder, "--force")
            if code != 0:
                raise SystemExit(f"export of {name} failed: {err}")
        reference_path = os.path.join(folder, "reference.txt")
        tolerances = REFERENCE_OVERRIDES.get(name, REFERENCE)
        # The reference does not depend on the timings: reuse it while the case,
        # the tolerances and the binary are unchanged.
        key = json.dumps([open(yaml).read(), tolerances, os.path.getmtime(self.ebmflow)])
        key_path = reference_path + ".key"
        if not (os.path.exists(reference_path) and os.path.exists(key_path) and open(key_path).read() == key):
            code, out, err, wall, rss = self.ebm("integrate", yaml, "--rtol", str(tolerances["rtol"]), "--atol",
                                                 str(tolerances["atol"]), "--final-state", reference_path)
            if code != 0:
                raise SystemExit(f"reference run of {name} failed: {err}")
            with open(key_path, "w") as f:
                f.write(key)
            log(f"   reference ({tolerances['rtol']:g}/{tolerances['atol']:g}): {json.loads(out)['best_seconds']:.3f} s")
        reference = read_state(reference_path)
        self.references[name] = tolerances
        extra = ["--rhs-calls", "20"] if name.startswith("rbm") else []
        state_path = os.path.join(folder, "ebmflow.txt")
        code, out, err, wall, rss = self.ebm("integrate", yaml, "--repeat", str(self.args.repeats),
                                             "--final-state", state_path, *extra)
        if code != 0:
            raise SystemExit(f"ebmflow on {name} failed: {err}")
        timing = json.loads(out)
        stats = timing["statistics"]
        row = {"case": name, "solver": "ebmflow", "seconds": timing["best_seconds"], "all_seconds": timing["wall_seconds"],
               "rhs": stats["rhs_evaluations"] + stats["linear_solver_rhs_evaluations"],
               "jac": stats["jacobian_evaluations"], "jv": stats["jacobian_vector_evaluations"],
               "steps": stats["steps"], "error": max_error(state_path, reference), "rss": rss,
               "dimension": timing["free_parameters"], "linear_solver": timing["linear_solver"],
               "preconditioner": timing["preconditioner"], "rhs_seconds": timing.get("rhs_seconds"),
               "jv_seconds": timing.get("jv_seconds"), "status": "ok"}
        self.rows.append(row)
        log(f"   ebmflow: {row['seconds']:.3f} s ({timing['wall_seconds']}), error {row['error']:.2e}, "
            f"{row['steps']} steps, peak {rss / 2**20:.0f} MiB")
        if name.startswith("rbm"):
            self.whole_run(name)
            if not self.args.no_previous:
                self.previous(name)
        for peer in peers:
            self.peer(name, peer, problem, reference, folder, extra)
        if name.startswith("rbm") and extra:
            code, out, err, wall, rss = peak_rss_of([self.python, os.path.join(HERE, "peers", "solve.py"), problem,
                                                     "--solver", "none", "--time-rhs", "20"], 600, peer_environment())
            if code == 0:
                report = json.loads(out)
                row["numpy_rhs_seconds"] = report["rhs_seconds"]
                row["blas"] = report.get("blas")
                log(f"   right-hand side: ebmflow {row['rhs_seconds'] * 1e3:.3f} ms, numpy {report['rhs_seconds'] * 1e3:.3f} ms")

    def peer(self, name, peer, problem, reference, folder, extra):
        family = name.split("-")[0]
        if (family, peer) in self.failed_peers:
            self.rows.append({"case": name, "solver": peer, "status": f"not attempted: stopped at {self.failed_peers[(family, peer)]}"})
            return
        state_path = os.path.join(folder, peer + ".txt")
        if os.path.exists(state_path):
            os.remove(state_path)
        runs = []
        for attempt in range(2):
            code, out, err, wall, rss = peak_rss_of([self.python, os.path.join(HERE, "peers", "solve.py"), problem,
                                                     "--solver", peer, "--final-state", state_path],
                                                    self.args.peer_timeout, peer_environment())
            if code is None:
                self.rows.append({"case": name, "solver": peer, "status": f"timed out after {self.args.peer_timeout:.0f} s",
                                  "rss": rss})
                self.failed_peers[(family, peer)] = name
                log(f"   {peer}: timed out")
                return
            if code != 0:
                message = (err.strip().splitlines() or ["?"])[-1][:160]
                self.rows.append({"case": name, "solver": peer, "status": f"failed: {message}", "rss": rss})
                self.failed_peers[(family, peer)] = name
                log(f"   {peer}: failed: {message}")
                return
            report = json.loads(out)
            runs.append((report, rss))
            if report["wall_seconds"] > 20:
                break
        report, rss = min(runs, key=lambda r: r[0]["wall_seconds"])
        status = "ok" if report.get("success", True) else "failed: " + report.get("message", "")
        row = {"case": name, "solver": peer, "seconds": report["wall_seconds"],
               "all_seconds": [r[0]["wall_seconds"] for r in runs], "rhs": report.get("nfev"),
               "jac": report.get("njev"), "steps": report.get("steps"), "error": max_error(state_path, reference),
               "rss": max(r[1] for r in runs), "status": status}
        self.rows.append(row)
        if status != "ok":
            self.failed_peers[(family, peer)] = name
        log(f"   {peer}: {row['seconds']:.3f} s, error {row['error'] if row['error'] is None else format(row['error'], '.2e')}, "
            f"peak {row['rss'] / 2**20:.0f} MiB")

    def cannot(self, name, peer, reason):
        self.rows.append({"case": name, "solver": peer, "status": f"cannot attempt: {reason}"})

    def basins(self):
        yaml = os.path.join(CASES, "basins-rbm.yaml")
        times = {}
        for threads in (1, 2):
            walls = []
            for _ in range(min(2, self.args.repeats)):
                code, out, err, wall, rss = self.ebm("run", yaml, "--threads", str(threads), "--quiet", "--force",
                                                     "--output", os.path.join(OUT, f"basins-{threads}"))
                if code != 0:
                    raise SystemExit(f"basin map failed: {err}")
                walls.append(wall)
            times[threads] = walls
            self.rows.append({"case": "basins 200x200", "solver": f"ebmflow, {threads} thread{'s' if threads > 1 else ''}",
                              "seconds": min(walls), "all_seconds": walls, "rss": rss, "status": "ok"})
            log(f"== basins on {threads} thread(s): {min(walls):.2f} s ({', '.join('%.2f' % w for w in walls)})")
        with open(os.path.join(OUT, "basins-1", "basins.dat")) as a, open(os.path.join(OUT, "basins-2", "basins.dat")) as b:
            self.notes.append("basin maps on 1 and 2 threads are " + ("byte-identical" if a.read() == b.read() else "DIFFERENT"))
        return min(times[1]) / min(times[2])


def fmt_seconds(s):
    return "—" if s is None else ("%.3g s" % s if s < 100 else "%.0f s" % s)


def fmt_error(e):
    return "—" if e is None else "%.1e" % e


def fmt_mib(b):
    return "—" if not b else "%.0f MiB" % (b / 2**20)


def table(rows):
    ebm = {r["case"]: r for r in rows if r["solver"] == "ebmflow"}
    lines = ["| case | P | solver | wall time | ebmflow speed-up | RHS evals | Jacobians | J·v | steps | error vs reference | peak RSS | status |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        base = ebm.get(r["case"])
        ratio = "—"
        if base and r["solver"] != "ebmflow" and r.get("seconds"):
            ratio = "%.1f×" % (r["seconds"] / base["seconds"])
        dimension = base["dimension"] if base else ""
        solver = r["solver"]
        if solver == "ebmflow" and r.get("linear_solver"):
            solver += f" ({r['linear_solver']}{', preconditioned' if r.get('preconditioner') else ''})"
        lines.append(f"| {r['case']} | {dimension} | {solver} | {fmt_seconds(r.get('seconds'))} | {ratio} | "
                     f"{r.get('rhs', '—') if r.get('rhs') is not None else '—'} | {r.get('jac') if r.get('jac') is not None else '—'} | "
                     f"{r.get('jv') if r.get('jv') is not None else '—'} | {r.get('steps') if r.get('steps') is not None else '—'} | "
                     f"{fmt_error(r.get('error'))} | {fmt_mib(r.get('rss'))} | {r.get('status', '')} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ebmflow", default=os.path.join(ROOT, ".build", "release", "ebmflow"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peer-timeout", type=float, default=300)
    parser.add_argument("--cases", nargs="*", help="only these cases (default: all)")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--output", default=os.path.join(HERE, "results.md"))
    parser.add_argument("--no-previous", action="store_true", help="do not build and time the previous release")
    parser.add_argument("--work-precision", action="store_true",
                        help="also draw the work-precision diagrams (rtol 1e-4 ... 1e-10, every solver)")
    parser.add_argument("--work-precision-only", action="store_true", help="only the work-precision diagrams")
    parser.add_argument("--wp-cases", nargs="*", default=WP_CASES)
    parser.add_argument("--wp-peers", nargs="*", help="only these peers in the diagrams (default: all that apply)")
    parser.add_argument("--wp-rtols", nargs="*", type=float, default=WP_RTOLS)
    args = parser.parse_args()
    if args.work_precision_only:
        work_precision(Bench(args), args)
        return

    bench = Bench(args)
    info = machine()
    started = datetime.datetime.now()
    load_before = load_average()
    selected = lambda name: not args.cases or name in args.cases
    for name in RBM_CASES:
        if selected(name):
            bench.case(name, [] if args.no_peers else DENSE_PEERS)
    for name in ISING_CASES:
        if not selected(name):
            continue
        n = int(name.split("-n")[1])
        peers = [] if args.no_peers else list(KRYLOV_PEERS)
        if not args.no_peers and n < 20:
            peers = DENSE_PEERS + peers
        bench.case(name, peers)
        if not args.no_peers and n >= 20:
            for peer in DENSE_PEERS:
                gib = (2**n - 1) ** 2 * 8 / 2**30
                bench.cannot(name, peer, f"a dense Jacobian of {2**n - 1} ODEs is {gib:,.0f} GiB")
    speedup = bench.basins() if selected("basins") else None
    load_after = load_average()
    finished = datetime.datetime.now()

    rows = bench.rows
    get = lambda case, solver: next((r for r in rows if r["case"] == case and r["solver"] == solver), None)
    goals = []
    r16 = get("rbm-n16", "ebmflow")
    if r16 and r16.get("numpy_rhs_seconds"):
        ratio = r16["numpy_rhs_seconds"] / r16["rhs_seconds"]
        goals.append(("RBM right-hand side at n = h = 16 at least 2× faster than numpy",
                      f"ebmflow {r16['rhs_seconds'] * 1e3:.2f} ms, numpy {r16['numpy_rhs_seconds'] * 1e3:.2f} ms: {ratio:.1f}×",
                      ratio >= 2))
    # The goals compare the whole `ebmflow run` process with the peers' in-process solve.
    for case, peer, target, error_factor in (("rbm-n12", "scipy-BDF", 15, 1.5), ("rbm-n12", "sksundae-cvode-jac", 3.5, 1.5),
                                             ("rbm-n16", "sksundae-cvode-jac", 5, None)):
        process, ours, other = get(case, "ebmflow run (process)"), get(case, "ebmflow"), get(case, peer)
        if process and ours and other and other.get("seconds"):
            ratio = other["seconds"] / process["seconds"]
            met = ratio >= target
            measured = f"{process['seconds']:.3g} s vs {other['seconds']:.3g} s: {ratio:.1f}×"
            if error_factor is not None:
                met = met and other.get("error") is not None and ours["error"] <= error_factor * other["error"]
                measured += f" (errors: ebmflow {fmt_error(ours['error'])}, {peer} {fmt_error(other.get('error'))})"
            wording = f" at an error at most {error_factor}× the peer's" if error_factor else ""
            goals.append((f"{case}: `ebmflow run` at least {target}× faster than {peer}{wording}", measured, met))
        elif process:
            goals.append((f"{case}: `ebmflow run` at least {target}× faster than {peer}",
                          other.get("status", "not run") if other else "not run", False))
    for case in RBM_CASES:
        ours, previous = get(case, "ebmflow"), get(case, "ebmflow " + PREVIOUS_RELEASE[0])
        if ours and previous and previous.get("seconds"):
            goals.append((f"{case}: faster than the previous release {PREVIOUS_RELEASE[0]} (same `integrate` timing)",
                          f"{previous['seconds']:.3g} s → {ours['seconds']:.3g} s: {previous['seconds'] / ours['seconds']:.1f}×",
                          ours["seconds"] < previous["seconds"]))
    r20 = get("ising-n20", "ebmflow")
    if r20:
        goals.append(("full model n = 20 completes", f"{fmt_seconds(r20['seconds'])}, peak {fmt_mib(r20['rss'])}", True))
    largest = {}
    for peer in DENSE_PEERS + KRYLOV_PEERS + ["ebmflow"]:
        done = [int(r["case"].split("-n")[1]) for r in rows
                if r["case"].startswith("ising") and r["solver"] == peer and r.get("status") == "ok"
                and r.get("seconds", 1e9) <= args.peer_timeout]
        largest[peer] = max(done) if done else None
    if speedup is not None:
        goals.append(("200×200 basin map at least 1.8× faster on 2 threads than on 1", f"{speedup:.2f}×", speedup >= 1.8))

    text = [f"# ebmflow benchmark results", "",
            f"Run {started:%Y-%m-%d %H:%M}–{finished:%H:%M} by `make bench` on {info['nproc']} cores "
            f"({info['model']}), {info['memory']} memory, Linux {info['kernel']}, Python {info['python']}.",
            f"Load average (1, 5, 15 min) before: {load_before}; after: {load_after} "
            "(the machine is shared: other work may have run at the same time).",
            f"Each ebmflow time is the best of {args.repeats} in-process repeats (each builds the flow anew); "
            "each peer ran in its own process (twice when under 20 s, best kept), numpy's OpenBLAS "
            "without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE overrides.",
            f"Error: max_j |θ_j(t_end) - θ_ref,j| against ebmflow at rtol {REFERENCE['rtol']:g}, atol {REFERENCE['atol']:g} "
            + "".join(f"({case}: rtol {t['rtol']:g}, atol {t['atol']:g})" for case, t in REFERENCE_OVERRIDES.items()) + ". "
            f"Peers stop after {args.peer_timeout:.0f} s.", "",
            table(rows), ""]
    if r16 and r16.get("blas"):
        text.append("numpy's BLAS (threadpoolctl): " + ", ".join(
            f"{b.get('internal_api')} {b.get('version')} {b.get('architecture')} {b.get('num_threads')} threads" for b in r16["blas"]))
        text.append("")
    text += ["## Goals", "", "| goal | measured | met |", "| --- | --- | --- |"]
    text += [f"| {g} | {m} | {'yes' if ok else 'no'} |" for g, m, ok in goals]
    text += ["", "Largest full model `ising(n)` completed within the time limit: " +
             ", ".join(f"{peer}: {'n = %d' % n if n else 'none'}" for peer, n in largest.items()), ""]
    text += [f"- {note}" for note in bench.notes]
    text.append("")
    with open(args.output, "w") as f:
        f.write("\n".join(text))
    print("\n".join(text))
    if args.work_precision:
        work_precision(bench, args)


def work_precision(bench, args):
    """Error against wall time over the tolerances, per case and solver:
    bench/out/work-precision/CASE.dat and docs/work-precision-CASE.png."""
    folder = os.path.join(OUT, "work-precision")
    os.makedirs(folder, exist_ok=True)
    info = machine()
    stamp = f"{datetime.datetime.now():%Y-%m-%d}, {info['nproc']} cores {info['model']}"
    for name in args.wp_cases:
        yaml = os.path.join(CASES, name + ".yaml")
        case_folder = os.path.join(OUT, name)
        os.makedirs(case_folder, exist_ok=True)
        problem = os.path.join(case_folder, "problem.json")
        code, out, err, wall, _ = bench.ebm("export", yaml, "--output", case_folder, "--force")
        if code != 0:
            raise SystemExit(f"export of {name} failed: {err}")
        reference_path = os.path.join(case_folder, "wp-reference.txt")
        key = json.dumps([open(yaml).read(), WP_REFERENCE, os.path.getmtime(bench.ebmflow)])
        if not (os.path.exists(reference_path) and os.path.exists(reference_path + ".key")
                and open(reference_path + ".key").read() == key):
            log(f"== {name}: work-precision reference (rtol {WP_REFERENCE['rtol']:g})")
            code, out, err, wall, _ = bench.ebm("integrate", yaml, "--rtol", str(WP_REFERENCE["rtol"]), "--atol",
                                                str(WP_REFERENCE["atol"]), "--final-state", reference_path)
            if code != 0:
                raise SystemExit(f"work-precision reference of {name} failed: {err}")
            with open(reference_path + ".key", "w") as f:
                f.write(key)
        reference = read_state(reference_path)
        peers = list(DENSE_PEERS) + (KRYLOV_PEERS if name.startswith("ising") else [])
        if args.wp_peers is not None:
            peers = [p for p in peers if p in args.wp_peers]
        points = []
        for solver in ["ebmflow"] + peers:
            for rtol in args.wp_rtols:
                atol = rtol / 1000
                state_path = os.path.join(case_folder, f"wp-{solver}-{rtol:g}.txt")
                if os.path.exists(state_path):
                    os.remove(state_path)
                if solver == "ebmflow":
                    command = [bench.ebmflow, "integrate", yaml, "--rtol", str(rtol), "--atol", str(atol),
                               "--final-state", state_path]
                    env = None
                else:
                    command = [bench.python, os.path.join(HERE, "peers", "solve.py"), problem, "--solver", solver,
                               "--rtol", str(rtol), "--atol", str(atol), "--final-state", state_path]
                    env = peer_environment()
                code, out, err, wall, _ = peak_rss_of(command, args.peer_timeout, env)
                if code != 0:
                    log(f"   {name} {solver} rtol {rtol:g}: {'timed out' if code is None else 'failed'}; tighter tolerances skipped")
                    break
                seconds = wall if solver == "ebmflow" else json.loads(out)["wall_seconds"]
                error = max_error(state_path, reference)
                points.append((solver, rtol, seconds, error))
                log(f"   {name} {solver} rtol {rtol:g}: {seconds:.3g} s, error {error:.2e}")
        data = os.path.join(folder, name + ".dat")
        with open(data, "w") as f:
            f.write(f"# work-precision of {name}: wall seconds and max_j |theta_j(t_end) - theta_ref,j| against "
                    f"ebmflow at rtol {WP_REFERENCE['rtol']:g}, atol {WP_REFERENCE['atol']:g}; atol = rtol / 1000\n")
            f.write(f"# measured {stamp}; ebmflow: whole `ebmflow integrate` process; peers: in-process solve\n")
            f.write("# columns: rtol seconds error; one gnuplot block per solver, named by its first line\n")
            blocks = 0
            for solver in ["ebmflow"] + peers:
                rows = [p for p in points if p[0] == solver]
                if not rows:
                    continue
                f.write(("\n\n" if blocks else "") + f"\"{solver}\"\n")
                blocks += 1
                for _, rtol, seconds, error in rows:
                    f.write(f"{rtol:.1e} {seconds:.6g} {error:.6e}\n")
        png = os.path.join(ROOT, "docs", f"work-precision-{name}.png")
        subprocess.run(["gnuplot", "-e", f"data='{data}'; blocks={blocks}; output='{png}'; title='{name} ({stamp})'",
                        os.path.join(HERE, "work-precision.gp")], check=True)
        log(f"   wrote {png}")


if __name__ == "__main__":
    main()
