#!/usr/bin/python3
"""Full Lyapunov spectrum: ratenet against the same algorithm in NumPy.

The algorithm is Engelken's (RainerEngelken/RNN-LyapunovSpectra): explicit Euler
map, QR every t_ons, log|diag R| accumulated, full spectrum (k = N).

  tanh  current form  h <- (1-dt) h + dt J tanh(h)
                      Q <- (1-dt) Q + dt J (sech^2(h) * Q)
  relu  rate form     x <- (1-dt) x + dt [W x + b]_+
                      Q <- (1-dt) Q + dt D (W Q),   D = diag(W x + b > 0)
        (W ~ N(mu/N, g^2/N), mu = -2, b = 1: a fraction of the units active. NumPy
        does the full product, as Engelken's code would; ratenet multiplies only
        the active rows.)

ratenet runs through bench_lyapunov_driver (built in bench/), which also times a
dense DGEMM in the same process, Eigen's and the linked BLAS's (called with its own
threading), and takes the faster as the machine's rate; NumPy's own N x N matmul
is timed too.
Both sides draw their own W with the same statistics (not the same matrix).

Each case also runs ratenet with lyapunov.precision = "mixed" (float32 tangent
products, QR and sums in float64), at the case's t_sim and, with float64 beside
it, at MIXED_HORIZON times t_sim: the issue's target (the full spectrum at
N = 1000 at least 1.6x faster than float64) is read at the longer run, and the
difference of the two lengths gives the speed-up per unit of simulated time, the
figure that holds for long runs. Then both networks at N = 1000 once more, both
precisions, with ratenet's default integrator (lyapunov.dynamics = "flow", RK4;
dt = 0.01, t_ons = 1).

Usage: /usr/bin/python3 bench/lyapunov_vs_numpy.py [--driver PATH] [--quick] [--json OUT]
Both sides run under one environment (bench/machine.py's bench_env(): the
script's own, OPENBLAS_CORETYPE and the thread variables included); the script
first prints it, the BLAS library and kernel each side loaded, and the machine's
DGEMM/SGEMM and stream peaks measured in the same run (--json OUT includes them).
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import machine  # noqa: E402

MIXED_HORIZON = 4  # the mixed-precision comparison also runs both precisions this many times longer


def numpy_run(phi, n, dt, t_ons, t_sim, t_warmup, g, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    mu = -2.0 if phi == "relu" else 0.0
    W = rng.standard_normal((n, n)) * (g / np.sqrt(n)) + mu / n
    np.fill_diagonal(W, 0.0)
    b = np.ones(n) if phi == "relu" else np.zeros(n)
    x = rng.standard_normal(n)
    steps_ons = int(round(t_ons / dt))
    n_ons = int(round(t_sim / t_ons))
    t0 = time.perf_counter()
    for _ in range(int(round(t_warmup / dt))):
        if phi == "tanh":
            x = (1 - dt) * x + dt * (W @ np.tanh(x))
        else:
            x = (1 - dt) * x + dt * np.maximum(W @ x + b, 0.0)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    ls = np.zeros(n)
    t_tangent = 0.0
    active = 0.0
    for _ in range(n_ons):
        for _ in range(steps_ons):
            ta = time.perf_counter()
            if phi == "tanh":
                D = 1.0 / np.cosh(x) ** 2
                Q = (1 - dt) * Q + dt * (W @ (D[:, None] * Q))
                t_tangent += time.perf_counter() - ta
                x = (1 - dt) * x + dt * (W @ np.tanh(x))
            else:
                u = W @ x + b
                D = (u > 0).astype(float)
                active += D.sum()
                Q = (1 - dt) * Q + dt * (D[:, None] * (W @ Q))
                t_tangent += time.perf_counter() - ta
                x = (1 - dt) * x + dt * np.maximum(u, 0.0)
        Q, R = np.linalg.qr(Q)
        ls += np.log(np.abs(np.diag(R)))
    seconds = time.perf_counter() - t0
    lam = np.sort(ls / (n_ons * t_ons))[::-1]
    # NumPy's own DGEMM rate, for reference.
    A = rng.standard_normal((n, n))
    B = rng.standard_normal((n, n))
    A @ B
    reps, ta = 0, time.perf_counter()
    while True:
        A @ B
        reps += 1
        tg = time.perf_counter() - ta
        if tg > 1.0 and reps >= 3:
            break
    steps = n_ons * steps_ons
    return {
        "seconds": seconds,
        "tangent_seconds": t_tangent,
        "tangent_gflops": 2.0 * n**3 * steps / t_tangent / 1e9,
        "numpy_dgemm_gflops": 2.0 * n**3 * reps / tg / 1e9,
        "lambda_max": float(lam[0]),
        "mean_exponent": float(lam.mean()),
        "mean_active": active / steps if phi == "relu" else float(n),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", default=None, help="bench_lyapunov_driver executable")
    ap.add_argument("--quick", action="store_true", help="N = 500 only")
    machine.add_common_args(ap)
    ap.add_argument("--worker", nargs=8, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        phi, n, dt, t_ons, t_sim, t_warmup, g, seed = args.worker
        res = numpy_run(phi, int(n), float(dt), float(t_ons), float(t_sim), float(t_warmup), float(g), int(seed))
        print(json.dumps(res))
        return 0

    driver = args.driver
    if driver is None:
        for cand in ("../build-lyap/bench", "../build/bench", "../build-release/bench"):
            p = os.path.join(HERE, cand, "bench_lyapunov_driver")
            if os.path.exists(p):
                driver = p
                break
    if driver is None or not os.path.exists(driver):
        print("bench_lyapunov_driver not found; build it (target bench_lyapunov_driver) or pass --driver", file=sys.stderr)
        return 2

    dt, t_ons, t_warmup, g = 0.1, 1.0, 10.0, 2.0
    cases = [("tanh", 500, 20.0), ("tanh", 1000, 10.0), ("relu", 500, 20.0), ("relu", 1000, 10.0)]
    if args.quick:
        cases = [c for c in cases if c[1] == 500]

    env = machine.bench_env()  # one environment for both sides
    probe = [driver, "--n", "8", "--t-sim", "1", "--t-warmup", "0"]
    header = machine.print_header("lyapunov_vs_numpy.py", env, ratenet=[(driver, probe)], peaks_n=args.peaks_n)

    rows = []
    for phi, n, t_sim in cases:
        common = [str(dt), str(t_ons), str(t_sim), str(t_warmup), str(g)]
        npres = machine.run_json([machine.PYTHON, os.path.abspath(__file__), "--worker", phi, str(n)] + common + ["1"],
                                 env)
        rn = machine.run_json([driver, "--n", str(n), "--phi", phi, "--dynamics", "euler_map", "--dt", str(dt),
                               "--t-ons", str(t_ons), "--t-sim", str(t_sim), "--t-warmup", str(t_warmup), "--g", str(g)],
                              env)
        machine.check_blas(header, rn, driver)
        # lyapunov.precision = "mixed": float32 tangent products, the same run otherwise;
        # then both precisions over MIXED_HORIZON times as long. A run's fixed costs
        # (first touch of the N x N buffers, the first QR, the warm-up, the first
        # float64 check product) weigh on a 10-interval run; the difference between
        # the two lengths is the cost per unit of simulated time without them.
        def driver_run(t, mixed):
            return machine.run_json([driver, "--n", str(n), "--phi", phi, "--dynamics", "euler_map", "--dt", str(dt),
                                     "--t-ons", str(t_ons), "--t-sim", str(t), "--t-warmup", str(t_warmup),
                                     "--g", str(g)] + (["--mixed"] if mixed else []), env)

        rm = driver_run(t_sim, True)
        t_long = MIXED_HORIZON * t_sim
        rn_long, rm_long = driver_run(t_long, False), driver_run(t_long, True)
        row = {"phi": phi, "n": n, "t_sim": t_sim, "ratenet": rn, "numpy": npres, "mixed": rm,
               "time_ratio_ratenet_over_numpy": rn["seconds"] / npres["seconds"],
               "mixed_speedup_vs_float64": rn["seconds"] / rm["seconds"],
               "mixed_long": {"t_sim": t_long, "float64": rn_long, "mixed": rm_long},
               "mixed_speedup_long": rn_long["seconds"] / rm_long["seconds"],
               "mixed_speedup_per_time": ((rn_long["seconds"] - rn["seconds"]) / (rm_long["seconds"] - rm["seconds"])
                                          if rm_long["seconds"] > rm["seconds"] else None)}
        rows.append(row)
        print(f"{phi:5s} N={n:5d}  ratenet {rn['seconds']:7.2f} s  numpy {npres['seconds']:7.2f} s  "
              f"ratio {row['time_ratio_ratenet_over_numpy']:.3f}  |  tangent {rn['tangent_gflops']:6.1f} GFLOP/s "
              f"(active {rn['mean_active']:.0f}/{n}), machine DGEMM {rn['dgemm_gflops']:6.1f} GFLOP/s "
              f"(Eigen {rn['eigen_dgemm_gflops']:.1f}, BLAS {rn['blas_dgemm_gflops']:.1f}), "
              f"tangent/DGEMM {rn['tangent_vs_dgemm']:.2f}  |  numpy tangent {npres['tangent_gflops']:6.1f}, "
              f"numpy DGEMM {npres['numpy_dgemm_gflops']:6.1f} GFLOP/s  |  lambda_max {rn['lambda_max']:+.3f} / "
              f"{npres['lambda_max']:+.3f}, mean {rn['mean_exponent']:.4f} / {npres['mean_exponent']:.4f}",
              flush=True)
        per_time = row["mixed_speedup_per_time"]
        print(f"      mixed: {rm['seconds']:.2f} s (float64 / mixed {row['mixed_speedup_vs_float64']:.2f}); "
              f"t_sim = {t_long:g}: float64 {rn_long['seconds']:.2f} s, mixed {rm_long['seconds']:.2f} s "
              f"({row['mixed_speedup_long']:.2f}); per unit of simulated time "
              f"{'-' if per_time is None else f'{per_time:.2f}'}", flush=True)
    # The same comparison at ratenet's default integrator ("flow", RK4, dt = 0.01,
    # t_ons = 1: four tangent products per step, 400 per QR), the one a
    # lyapunov run gets unless it asks otherwise. The Euler map above does one
    # product per step and ten per QR, so its float64 QR, the same in both
    # precisions, weighs more there.
    defaults = []
    if not args.quick:
        d_dt, d_t_ons, d_t_sim, d_t_warmup = 0.01, 1.0, 2.0, 1.0
        for phi in ("tanh", "relu"):
            def default_run(mixed):
                return machine.run_json([driver, "--n", "1000", "--phi", phi, "--dynamics", "flow_rk4",
                                         "--dt", str(d_dt), "--t-ons", str(d_t_ons), "--t-sim", str(d_t_sim),
                                         "--t-warmup", str(d_t_warmup), "--g", str(g)] + (["--mixed"] if mixed else []),
                                        env)

            f64, mx = default_run(False), default_run(True)
            row = {"phi": phi, "n": 1000, "dynamics": "flow_rk4", "dt": d_dt, "t_ons": d_t_ons, "t_sim": d_t_sim,
                   "t_warmup": d_t_warmup, "float64": f64, "mixed": mx,
                   "mixed_speedup_vs_float64": f64["seconds"] / mx["seconds"]}
            defaults.append(row)
            print(f"{phi:5s} N= 1000  flow_rk4 dt = {d_dt:g}: float64 {f64['seconds']:.2f} s, mixed "
                  f"{mx['seconds']:.2f} s (float64 / mixed {row['mixed_speedup_vs_float64']:.2f}); lambda_max "
                  f"{f64['lambda_max']:+.5f} / {mx['lambda_max']:+.5f}", flush=True)
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    summary = {"dt": dt, "t_ons": t_ons, "t_warmup": t_warmup, "g": g, "loadavg": load, "cases": rows, "mixed_defaults": defaults}
    print(json.dumps(summary))
    machine.write_json(args.json, header, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
