/// An example scenario with comments, the first version of the annotated
/// file of docs/scenarios.md (that file itself is parsed and resolved by
/// `DocumentedScenarioTests`): fixed values for the parser's tests.
let designExampleScenario = #"""
name: demo
spins: 4
target:                       # kind: random | ising | parity | table | data
  kind: random
  seed: 7
  orders: [1, 2, 3, 4]
  scale: [0.6, 0.4, 0.3, 0.2] # one per listed order, or a single number
  # ising:  couplings: [{sites: [0, 1], value: 0.5}, ...]
  # parity: strength: 1.0    (optional couplings: as for ising)
  # table:  probabilities: [...]   (2^spins numbers, state x in order)
  # data:   file: data/x.txt, pseudocount: 0.5
  # any kind: beta: 1.0  (multiplies every J*: inverse temperature, a continuation knob)
model:                        # kind: ising | rbm | mlp
  kind: rbm
  hidden: 4                   # rbm; ising takes order: k (default spins)
                              # mlp takes layers: [8, 8], activation: tanh
  # frozen: ["b[0]"]          # optional: parameters held fixed (any model)
init:                         # kind: normal | uniform | zeros | values
  kind: normal
  scale: 1.0e-3
  seed: 1
  # values: {"a[0]": 0.1, "W[0,1]": -0.2}  (others zero)
integrator:
  rtol: 1.0e-8
  atol: 1.0e-10
  t_end: 1.0e4
  grad_tol: 1.0e-10           # stop early once |∇L| falls below
  linear_solver: auto         # auto | dense | gmres
  max_steps: 1000000
analyses:                     # any subset; each has its own options
  trajectory: {samples: 400, spacing: log, t_min: 1.0e-3}
  orders: {epsilon: [0.1, 0.01, 0.001]}
  fixed_points:
    methods: [newton, deflation, homotopy, plateau]
    starts: 50                # random starts drawn like init, from seed
    seed: 3
  continuation:
    parameter: beta           # beta | mix | pseudocount | "J{0,1}"
    from: 0.0
    to: 1.0
    start: init               # init (Newton-polished) | catalog | end
    step: {initial: 0.01, min: 1.0e-8, max: 0.05}
    max_points: 5000
  basins:
    plane: {x: "W[0,0]", y: "b[0]", center: init}
    #      or {fixed_points: [0, 1, 2]} or {random: 5, center: init}
    range: {x: [-3, 3], y: [-3, 3]}
    resolution: [200, 200]
    t_max: 1.0e4
    tol: 1.0e-8
  portrait:
    plane: {x: "W[0,0]", y: "W[0,1]", center: init}
    range: {x: [-2, 2], y: [-2, 2]}
    grid: [25, 25]
    orbits: {grid: [5, 5], t_max: 100}
output: out/demo
"""#
