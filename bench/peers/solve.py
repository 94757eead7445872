"""Solve an `ebmflow export` problem with another tool and report as JSON.

    python solve.py PROBLEM.json --solver scipy-BDF --final-state out.txt

Solvers (numpy right-hand side; analytic Jacobian unless said otherwise):
  scipy-BDF, scipy-LSODA, scipy-Radau   scipy.integrate.solve_ivp, jac = -Hessian
  sksundae-cvode                        scikit-sundae CVODE (BDF), dense, numpy right-hand side
                                        only (CVODE's difference-quotient Jacobian)
  sksundae-cvode-jac                    the same with jacfn = -Hessian
  sksundae-gmres                        scikit-sundae CVODE (BDF), GMRES with numpy J*v (two
                                        transforms) and ebmflow's exact preconditioner
                                        (I + gamma Hessian)^-1 in numpy (full ising only)
With --time-rhs K, first times K right-hand sides at theta(0) (best of K).
The wall time covers building the solver and integrating to t_end; the
problem (target, feature matrix) is loaded before the clock starts.
"""

import argparse
import json
import sys
import time

import numpy as np

from ebm_problem import Problem


class Cache:
    """The last all-states pass, keyed by y: CVODE and scipy evaluate f at a
    point before the Jacobian there."""

    def __init__(self, problem):
        self.problem = problem
        self.key = None
        self.value = None

    def at(self, y):
        key = y.tobytes()
        if key != self.key:
            self.value = self.problem.evaluate(np.array(y))
            self.key = key
        return self.value


def solve_scipy(problem, method, rtol, atol):
    from scipy.integrate import solve_ivp

    cache = Cache(problem)

    def fun(t, y):
        return -problem.gradient(y, cache.at(y))

    def jac(t, y):
        return -problem.hessian(y, cache.at(y))

    start = time.perf_counter()
    sol = solve_ivp(fun, (0.0, problem.t_end), problem.y0, method=method, jac=jac, rtol=rtol, atol=atol)
    seconds = time.perf_counter() - start
    final = sol.y[:, -1] if sol.y.size else np.full(problem.dimension, np.nan)
    return seconds, final, {"success": bool(sol.success), "message": str(sol.message), "nfev": int(sol.nfev),
                            "njev": int(sol.njev), "nlu": int(sol.nlu), "steps": int(sol.t.size) - 1}


def solve_sundae(problem, rtol, atol, krylov, jacobian):
    from sksundae.cvode import CVODE, CVODEJacTimes, CVODEPrecond

    cache = Cache(problem)

    def rhs(t, y, yp):
        yp[:] = -problem.gradient(y, cache.at(y))

    options = dict(method="BDF", rtol=rtol, atol=atol, max_num_steps=1_000_000)
    if not krylov:
        def jacfn(t, y, yp, JJ):
            JJ[:, :] = -problem.hessian(y, cache.at(y))
        options.update(linsolver="dense")
        if jacobian:
            options.update(jacfn=jacfn)
    else:
        state = {}

        def jt_setup(t, y, yp):
            state["cache"] = cache.at(y)

        def jt_solve(t, y, yp, v, Jv):
            Jv[:] = -problem.hessian_vector(state["cache"], np.asarray(v))

        def pc_setup(t, y, yp, jok, jnew, gamma):
            jnew[0] = 1

        def pc_solve(t, y, yp, r, z, gamma, delta, lr):
            z[:] = problem.solve_shifted(cache.at(y), gamma, np.asarray(r))

        options.update(linsolver="gmres", krylov_dim=min(problem.dimension, 50),
                       jactimes=CVODEJacTimes(jt_setup, jt_solve), precond=CVODEPrecond(pc_setup, pc_solve))
    start = time.perf_counter()
    solver = CVODE(rhs, **options)
    result = solver.solve(np.array([0.0, problem.t_end / 2, problem.t_end]), problem.y0)
    seconds = time.perf_counter() - start
    final = np.asarray(result.y)[-1]
    return seconds, final, {"success": bool(result.success), "message": str(result.message),
                            "nfev": int(result.nfev), "njev": int(result.njev)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("problem")
    parser.add_argument("--solver", required=True,
                        choices=["scipy-BDF", "scipy-LSODA", "scipy-Radau", "sksundae-cvode", "sksundae-cvode-jac",
                                 "sksundae-gmres", "none"])
    parser.add_argument("--rtol", type=float)
    parser.add_argument("--atol", type=float)
    parser.add_argument("--final-state")
    parser.add_argument("--time-rhs", type=int, default=0)
    args = parser.parse_args()

    problem = Problem(args.problem)
    rtol = args.rtol or problem.rtol
    atol = args.atol or problem.atol
    report = {"solver": args.solver, "problem": problem.name, "dimension": int(problem.dimension)}
    try:
        from threadpoolctl import threadpool_info
        report["blas"] = [{k: info.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
                          for info in threadpool_info()]
    except ImportError:
        pass
    if args.time_rhs > 0:
        yp = np.empty(problem.dimension)
        best = float("inf")
        for _ in range(args.time_rhs):
            start = time.perf_counter()
            yp[:] = -problem.gradient(problem.y0)
            best = min(best, time.perf_counter() - start)
        report["rhs_seconds"] = best
    if args.solver != "none":
        if args.solver.startswith("scipy-"):
            seconds, final, info = solve_scipy(problem, args.solver[len("scipy-"):], rtol, atol)
        else:
            seconds, final, info = solve_sundae(problem, rtol, atol, krylov=args.solver == "sksundae-gmres",
                                                jacobian=args.solver == "sksundae-cvode-jac")
        report.update(info)
        report["wall_seconds"] = seconds
        if args.final_state:
            np.savetxt(args.final_state, final, fmt="%.17g")
    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
