/// The default scenario, run by `ebmflow run` with no file: the same text
/// as `scenarios/demo.yaml` (a test keeps the two identical).
public enum DefaultScenario {
    public static let fileName = "scenarios/demo.yaml"
    public static let text = """
# demo — the default scenario (`ebmflow run` with no file runs this text).
# Question: how does an RBM with 4 hidden units learn a random 4-spin target
#   with interactions of every order, from a small initialisation?
# Model: rbm(h=4), spin units; target: random couplings of orders 1-4.
# Method: CVODE BDF on dθ/dt = -∇L(θ), dense analytic Jacobian, stopped once
#   |∇L| < 1e-10.
# Outputs: trajectory.dat (KL, |∇L| and every parameter against t),
#   couplings.dat (the model's effective couplings J_A(t)), basins of
#   attraction and a phase portrait on the plane of W[0,0] and W[0,1] through
#   the initial point (basins.dat, field.dat, nullclines.dat, orbits.dat;
#   the portrait drawn over the basin map), summary.json.
name: demo
spins: 4
target:
  kind: random
  seed: 7
  orders: [1, 2, 3, 4]
  scale: [0.6, 0.4, 0.3, 0.2]
model:
  kind: rbm
  hidden: 4
init:
  kind: normal
  scale: 1.0e-3
  seed: 1
integrator:
  rtol: 1.0e-8
  atol: 1.0e-10
  t_end: 1.0e5
  grad_tol: 1.0e-10
  linear_solver: auto
  max_steps: 1000000
analyses:
  trajectory: {samples: 400, spacing: log, t_min: 1.0e-3}
  basins:
    plane: {x: "W[0,0]", y: "W[0,1]", center: init}
    range: {x: [-3, 3], y: [-3, 3]}
    resolution: [200, 200]
    t_max: 1.0e4
    tol: 1.0e-9
    label_by: effective_model
  portrait:
    plane: {x: "W[0,0]", y: "W[0,1]", center: init}
    range: {x: [-3, 3], y: [-3, 3]}
    grid: [41, 41]
    orbits: {grid: [4, 4], t_max: 1000}
    background: basins
output: out/demo

"""
}
