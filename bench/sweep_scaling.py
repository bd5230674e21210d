#!/usr/bin/python3
"""Sweeps on 1 and 2 MPI ranks, and the ensemble mode against a loop of trials.

    /usr/bin/python3 bench/sweep_scaling.py [--build build] [--t-end 200] [--ensemble N:S:STEPS ...] [--json FILE]

1. A 16-point sweep (random tanh network, N = 400, RK4, dt = 0.05 up to --t-end,
   4000 steps a point by default) run with `mpirun -n 1` and `mpirun -n 2` (one
   thread per rank): wall times and the speed-up (dynamic distribution; target
   >= 1.8 on 2 cores).
2. bench_ensemble_driver: S initial conditions integrated as one matrix-matrix
   product per step against S separate integrations, same network, same steps.

Every run uses bench/machine.py's bench_env() (the script's own environment); the
two sweeps, on 1 and on 2 ranks alike, add OMP_NUM_THREADS=1 (one thread per
rank) and Open MPI's run-as-root switches. The script first prints the
environment, the BLAS library and kernel of both executables, and the machine's
DGEMM/SGEMM and stream peaks measured in the same run. --json FILE writes the
figures with that header.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine  # noqa: E402

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
t_end = {t_end}
dt_out = 1.0
[sweep]
analysis = "simulate"
seeds = 4
[sweep.params]
"model.g" = [0.5, 1.0, 1.5, 2.0]
"""

SWEEP_ENV = {"OMP_NUM_THREADS": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--t-end", type=float, default=200.0, help="integration time of each sweep point (dt = 0.05)")
    ap.add_argument("--ensemble", nargs="*", default=["200:32:400", "500:32:400", "1000:16:400", "4000:16:50"],
                    help="N:S:STEPS cases of the ensemble against the loop")
    machine.add_common_args(ap)
    args = ap.parse_args()
    binary = os.path.abspath(os.path.join(args.build, "ratenet"))
    driver = os.path.join(args.build, "bench", "bench_ensemble_driver")
    env = machine.bench_env()
    sweep_env = dict(env, **SWEEP_ENV)  # both sweeps (1 and 2 ranks) run under this
    header = machine.print_header("sweep_scaling.py", env, ratenet=[(binary, None), (driver, [driver, "8", "1", "1"])],
                                  numpy=False, peaks_n=args.peaks_n,
                                  extra_env={"sweeps (1 and 2 ranks)": " ".join(f"{k}={v}"
                                                                                for k, v in SWEEP_ENV.items())})
    results = {"t_end": args.t_end, "dt": 0.05, "points": 16}
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "sweep16.toml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(t_end=args.t_end))
        times = {}
        for ranks in (1, 2):
            out = os.path.join(tmp, f"r{ranks}.h5")
            machine.wait_for(binary)
            t0 = time.perf_counter()
            subprocess.run(["mpirun", "-n", str(ranks), "--oversubscribe", binary, "sweep", cfg, "-o", out, "--quiet"],
                           check=True, env=sweep_env)
            times[ranks] = time.perf_counter() - t0
        print(f"16-point sweep: 1 rank {times[1]:.2f} s, 2 ranks {times[2]:.2f} s, speed-up {times[1] / times[2]:.2f}")
        results.update(sweep_seconds_1_rank=times[1], sweep_seconds_2_ranks=times[2], sweep_speedup=times[1] / times[2])
    rows = []
    for case in args.ensemble:
        n, s, steps = (int(v) for v in case.split(":"))
        r = machine.run_json([driver, str(n), str(s), str(steps)], env)
        machine.check_blas(header, r, driver)
        rows.append(r)
        print(f"ensemble N={n:5d} S={s:3d}: ensemble {r['ensemble_seconds']:.3f} s, loop {r['loop_seconds']:.3f} s, "
              f"speed-up {r['speedup']:.2f}, max |difference| {r['max_difference']:.1e}", flush=True)
    results["ensemble"] = rows
    machine.write_json(args.json, header, results)


if __name__ == "__main__":
    main()
