#!/usr/bin/python3
"""RK4 integration of a dense random tanh network, ratenet against NumPy.

Runs, in one call, the same integration (current form dh/dt = -h + J tanh(h),
J_ij ~ N(0, g^2/N), RK4 with the same dt and number of steps) with ratenet
(bench_simulate_driver, the library's integrate()) and with a straightforward
NumPy implementation, at N = 1000 and 4000, and prints the time ratio, plus the
cost of one ratenet right-hand side against one dense matrix-vector product.

    /usr/bin/python3 bench/simulate_vs_numpy.py [--build build] [--steps 200] [--repeats 3]

The two sides run alternately, --repeats times each, and the best time of each
is compared: on a shared machine the memory bandwidth (which bounds a large
matrix-vector product) drifts over minutes, and alternating exposes both sides
to the same drift.

Both sides run under one environment (bench/machine.py's bench_env(): the
script's own, OPENBLAS_CORETYPE and the thread variables included); the script
first prints it, the BLAS library and kernel each side loaded, and the machine's
DGEMM/SGEMM and stream peaks measured in the same run. --json FILE writes the
figures with that header.
"""
import argparse
import json
import os
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine  # noqa: E402

NUMPY_CODE = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    n, steps, dt = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    rng = np.random.default_rng(1)
    J = rng.normal(0.0, 2.0 / np.sqrt(n), (n, n))
    np.fill_diagonal(J, 0.0)
    h0 = rng.normal(size=n)

    def f(h):
        return -h + J @ np.tanh(h)

    def run(h):
        for _ in range(steps):
            k1 = f(h)
            k2 = f(h + 0.5 * dt * k1)
            k3 = f(h + 0.5 * dt * k2)
            k4 = f(h + dt * k3)
            h = h + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        return h

    run(h0.copy())
    t0 = time.perf_counter()
    run(h0.copy())
    sec = time.perf_counter() - t0
    x = np.tanh(h0)
    reps = 50 if n >= 2000 else 400
    t0 = time.perf_counter()
    for _ in range(reps):
        J @ x
    mv = (time.perf_counter() - t0) / reps
    print(json.dumps({"n": n, "steps": steps, "seconds": sec, "matvec_seconds": mv}))
    """
)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--dt", type=float, default=0.05)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    ap.add_argument("--repeats", type=int, default=3)
    machine.add_common_args(ap)
    args = ap.parse_args()
    driver = os.path.join(args.build, "bench", "bench_simulate_driver")
    machine.wait_for(driver, 60)  # a rebuild may be under way
    if not os.path.exists(driver):
        sys.exit(f"{driver} not found: build with cmake --build {args.build} --target bench_simulate_driver")
    env = machine.bench_env()  # one environment for both sides
    header = machine.print_header("simulate_vs_numpy.py", env, ratenet=[(driver, [driver, "8", "1"])],
                                  peaks_n=args.peaks_n)
    print(f"RK4, dense random tanh network, {args.steps} steps of dt = {args.dt}")
    print(f"{'N':>6} {'ratenet s':>10} {'numpy s':>10} {'numpy/ratenet':>14} {'rhs/matvec':>11} "
          f"{'rhs ms':>8} {'Eigen matvec ms':>16} {'numpy matvec ms':>16}")
    rows = []
    for n in args.sizes:
        rns, npys, r32s = [], [], []
        for _ in range(args.repeats):
            rns.append(machine.run_json([driver, str(n), str(args.steps), str(args.dt)], env))
            # network.precision = "float32": the same run with float32 products
            r32s.append(machine.run_json([driver, str(n), str(args.steps), str(args.dt), "float32"], env))
            machine.check_blas(header, rns[-1], driver)
            npys.append(machine.run_json([machine.PYTHON, "-c", NUMPY_CODE, str(n), str(args.steps), str(args.dt)],
                                         env))
        rn = min(rns, key=lambda r: r["seconds"])
        npy = min(npys, key=lambda r: r["seconds"])
        rhs = min(r["rhs_seconds"] for r in rns)
        eigen_mv = min(r["matvec_seconds"] for r in rns)
        numpy_mv = min(r["matvec_seconds"] for r in npys)
        ratio = npy["seconds"] / rn["seconds"]
        r32 = min(r32s, key=lambda r: r["seconds"])
        # One right-hand side against the faster of the two bare products.
        rhs_ratio = rhs / min(eigen_mv, numpy_mv)
        rows.append({"n": n, "ratenet": rns, "numpy": npys, "speedup": ratio, "rhs_over_matvec": rhs_ratio,
                     "ratenet_seconds": rn["seconds"], "numpy_seconds": npy["seconds"], "rhs_seconds": rhs,
                     "eigen_matvec_seconds": eigen_mv, "numpy_matvec_seconds": numpy_mv,
                     # W's bytes over one right-hand side: the bandwidth it streams W at
                     "rhs_w_gbs": 8.0 * n * n / rhs / 1e9,
                     "float32": r32s, "float32_seconds": r32["seconds"],
                     "float32_speedup_vs_float64": rn["seconds"] / r32["seconds"],
                     "float32_speedup_vs_numpy": npy["seconds"] / r32["seconds"],
                     "float32_rhs_over_matvec32": min(r["rhs_seconds"] for r in r32s) / min(r["matvec32_seconds"] for r in r32s)})
        print(f"{n:>6} {rn['seconds']:>10.3f} {npy['seconds']:>10.3f} {ratio:>14.2f} {rhs_ratio:>11.2f} "
              f"{1e3 * rhs:>8.3f} {1e3 * eigen_mv:>16.3f} {1e3 * numpy_mv:>16.3f}", flush=True)
        print(f"{'':>6} float32 products: {r32['seconds']:.3f} s, {rn['seconds'] / r32['seconds']:.2f}x float64, "
              f"{npy['seconds'] / r32['seconds']:.2f}x NumPy float64", flush=True)
    print(json.dumps(rows))
    machine.write_json(args.json, header, rows, steps=args.steps, dt=args.dt, repeats=args.repeats)


if __name__ == "__main__":
    main()
