"""The gradient flow of an `ebmflow export` problem.json, written in numpy the
way a user of scipy or scikit-sundae would write it.

    dtheta/dt = -grad L(theta),   L = KL(q || p_theta),
    grad L = sum_x (q(x) - p(x)) dE(x)/dtheta,
    Hessian = sum_x p dE dE^T - (sum_x p dE)(sum_x p dE)^T + sum_x (q - p) d2E.

States x = 0 .. 2^n - 1, spin s_i = 1 - 2 ((x >> i) & 1). Models:
rbm (spin or binary units; theta = a, b, W row-major) and ising (theta_j is
the coupling of the interaction with bitmask interactions[j];
E(x) = -sum_j theta_j chi_{a_j}(x)), evaluated through a Walsh-Hadamard
transform done with numpy reshapes.
"""

import json

import numpy as np
from scipy.special import expit, logsumexp


def fwht(f):
    """(H f)_a = sum_x (-1)^popcount(a & x) f(x), n numpy passes."""
    f = np.array(f, dtype=float)
    size = f.size
    h = 1
    while h < size:
        g = f.reshape(-1, 2, h)
        a = g[:, 0, :] + g[:, 1, :]
        b = g[:, 0, :] - g[:, 1, :]
        g[:, 0, :] = a
        g[:, 1, :] = b
        h *= 2
    return f


class Problem:
    def __init__(self, path):
        with open(path) as fh:
            d = json.load(fh)
        assert d["format"] == "ebmflow-problem/1", d["format"]
        self.data = d
        self.name = d["scenario"]
        self.n = n = d["spins"]
        self.states = S = d["states"]
        self.q = np.array(d["target"]["probabilities"], dtype=float)
        self.theta_all = np.array(d["initial_parameters"], dtype=float)
        self.free = np.array(d["free_indices"], dtype=int)
        self.y0 = self.theta_all[self.free].copy()
        self.dimension = self.free.size
        integ = d["integrator"]
        self.rtol, self.atol, self.t_end = integ["rtol"], integ["atol"], integ["t_end"]
        model = d["model"]
        self.kind = model["kind"]
        self.P = model["parameter_count"]
        x = np.arange(S)
        bits = ((x[:, None] >> np.arange(n)[None, :]) & 1).astype(float)
        if self.kind == "rbm":
            self.h = model["hidden"]
            self.spin = model["units"] == "spin"
            self.F = 1 - 2 * bits if self.spin else bits
            self.Fhat = np.hstack([np.ones((S, 1)), self.F])
        elif self.kind == "ising":
            self.interactions = np.array(model["interactions"], dtype=np.int64)
        else:
            raise ValueError(f"unknown model kind {self.kind}")

    def full(self, y):
        if self.dimension == self.P:
            return y
        theta = self.theta_all.copy()
        theta[self.free] = y
        return theta

    # ---- all-states pass -------------------------------------------------
    def evaluate(self, y):
        """Energies E, slope phi'(u) (rbm) and p, q - p."""
        theta = self.full(y)
        if self.kind == "rbm":
            n, h = self.n, self.h
            a, b, W = theta[:n], theta[n:n + h], theta[n + h:].reshape(h, n)
            U = self.F @ W.T + b
            if self.spin:
                E = -(self.F @ a) - np.logaddexp(U, -U).sum(axis=1)
                T = np.tanh(U)
            else:
                E = -(self.F @ a) - np.logaddexp(0.0, U).sum(axis=1)
                T = expit(U)
        else:
            f = np.zeros(self.states)
            f[self.interactions] = theta
            E = -fwht(f)
            T = None
        logp = -E - logsumexp(-E)
        p = np.exp(logp)
        return E, T, p, self.q - p

    def gradient(self, y, cache=None):
        E, T, p, w = cache if cache is not None else self.evaluate(y)
        if self.kind == "rbm":
            ga = -(self.F.T @ w)
            gb = -(T.T @ w)
            gW = -((T * w[:, None]).T @ self.F)
            g = np.concatenate([ga, gb, gW.ravel()])
        else:
            g = -fwht(w)[self.interactions]
        return g[self.free] if self.dimension != self.P else g

    def rhs(self, t, y, yp):
        yp[:] = -self.gradient(y)

    # ---- Jacobian -J = Hessian ---------------------------------------------
    def hessian(self, y, cache=None):
        E, T, p, w = cache if cache is not None else self.evaluate(y)
        if self.kind == "rbm":
            n, h, S = self.n, self.h, self.states
            D = np.empty((S, self.P))
            D[:, :n] = -self.F
            D[:, n:n + h] = -T
            D[:, n + h:] = -(T[:, :, None] * self.F[:, None, :]).reshape(S, h * n)
            Dp = D * p[:, None]
            mean = Dp.sum(axis=0)
            H = D.T @ Dp - np.outer(mean, mean)
            C = w[:, None] * ((1 - T * T) if self.spin else T * (1 - T))
            for mu in range(h):
                block = self.Fhat.T @ (C[:, mu:mu + 1] * self.Fhat)
                idx = np.concatenate([[n + mu], n + h + mu * n + np.arange(n)])
                H[np.ix_(idx, idx)] -= block
        else:
            m = fwht(p)
            A = self.interactions
            mA = m[A]
            H = np.empty((A.size, A.size))
            for start in range(0, A.size, 1024):  # row blocks: no P x P index temporaries
                rows = slice(start, start + 1024)
                H[rows] = m[np.bitwise_xor.outer(A[rows], A)] - np.outer(mA[rows], mA)
        if self.dimension != self.P:
            H = H[np.ix_(self.free, self.free)]
        return H

    def jacobian(self, t, y):
        return -self.hessian(y)

    def hessian_vector(self, cache, v):
        """Hessian times v at the point of `cache` (ising: two transforms)."""
        E, T, p, w = cache
        if self.kind != "ising" or self.dimension != self.P:
            raise NotImplementedError("matrix-free products are written for the full-parameter ising model")
        f = np.zeros(self.states)
        f[self.interactions] = v
        u = -fwht(f)
        c = p * (u - p @ u)
        return -fwht(c)[self.interactions]

    def solve_shifted(self, cache, gamma, r):
        """(I + gamma Hessian) z = r for the full ising model, exactly: in the
        state basis the Hessian is diag(p) - p p^T (Sherman-Morrison)."""
        E, T, p, w = cache
        N = self.states
        f = np.zeros(N)
        f[self.interactions] = r
        g = fwht(f)
        d = 1 + gamma * N * p
        s0 = (p / d).sum()
        s1 = (p * g / d).sum()
        u = (g + gamma * N * p * s1 / s0) / (N * d)
        return fwht(u)[self.interactions]
