#!/usr/bin/python3
"""Sweeps on 1 and 2 MPI ranks, and the ensemble mode against a loop of trials.

    /usr/bin/python3 bench/sweep_scaling.py [--build build]

1. A 16-point sweep (random tanh network, N = 400, RK4, 4000 steps a point) run
   with `mpirun -n 1` and `mpirun -n 2` (one thread per rank): wall times and the
   speed-up (dynamic distribution; target >= 1.8 on 2 cores).
2. bench_ensemble_driver: S initial conditions integrated as one matrix-matrix
   product per step against S separate integrations, same network, same steps.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

CONFIG = """
[model]
name = "random_gaussian"
n = 400
g = 1.5
[network]
form = "current"
[transfer]
name = "tanh"
[initial]
random_std = 1.0
[simulate]
method = "rk4"
dt = 0.05
t_end = 200.0
dt_out = 1.0
[sweep]
analysis = "simulate"
seeds = 4
[sweep.params]
"model.g" = [0.5, 1.0, 1.5, 2.0]
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    binary = os.path.abspath(os.path.join(args.build, "ratenet"))
    env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "sweep16.toml")
        with open(cfg, "w") as f:
            f.write(CONFIG)
        times = {}
        for ranks in (1, 2):
            out = os.path.join(tmp, f"r{ranks}.h5")
            t0 = time.perf_counter()
            subprocess.run(["mpirun", "-n", str(ranks), "--oversubscribe", binary, "sweep", cfg, "-o", out, "--quiet"],
                           check=True, env=env)
            times[ranks] = time.perf_counter() - t0
        print(f"16-point sweep: 1 rank {times[1]:.2f} s, 2 ranks {times[2]:.2f} s, speed-up {times[1] / times[2]:.2f}")
    driver = os.path.join(args.build, "bench", "bench_ensemble_driver")
    for n, s, steps in ((200, 32, 400), (500, 32, 400), (1000, 16, 400), (4000, 16, 50)):
        r = json.loads(subprocess.run([driver, str(n), str(s), str(steps)], check=True, capture_output=True,
                                      text=True).stdout)
        print(f"ensemble N={n:5d} S={s:3d}: ensemble {r['ensemble_seconds']:.3f} s, loop {r['loop_seconds']:.3f} s, "
              f"speed-up {r['speedup']:.2f}, max |difference| {r['max_difference']:.1e}")


if __name__ == "__main__":
    main()
