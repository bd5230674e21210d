#!/usr/bin/python3
"""Permitted-set enumeration: ratenet's depth-first search with incremental Cholesky
against the NumPy brute force (one np.linalg.eigvalsh per subset, all 2^N - 1 subsets).

Run with Debian's interpreter:  /usr/bin/python3 bench/permitted_vs_bruteforce.py [--driver PATH]

The C++ side is bench_permitted_driver (built with the benchmarks; it links the core
library only). Random symmetric family: W = g (A + A')/sqrt(2N) + shift I, A_ij ~ N(0, 1)
from ratenet's Rng; the driver prints W so that both sides see the same matrix.
At N <= 20 the brute force runs in full and its count must equal ratenet's; at N = 24
(16.7M subsets) it is timed on a random sample of subsets and extrapolated: said so in
the table. WTA circuits up to N = 40 are ratenet only (time per permitted set).
The brute force runs in this script's own process and the driver under the same
environment (bench/machine.py's bench_env(), the script's own, unchanged); the
script first prints it, the BLAS library and kernel each side loaded, and the
machine's DGEMM/SGEMM and stream peaks measured in the same run. --json FILE
writes the figures with that header.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import machine  # noqa: E402

ENV = machine.bench_env()  # this process's own environment: the NumPy side runs under it too


def find_driver(explicit):
    if explicit:
        return explicit
    if os.environ.get("RATENET_BENCH_DRIVER"):
        return os.environ["RATENET_BENCH_DRIVER"]
    for d in ("build", "build-tln", "build-release", "build-bench"):
        p = os.path.join(ROOT, d, "bench", "bench_permitted_driver")
        if os.path.exists(p):
            return p
    sys.exit("bench_permitted_driver not found: build it (cmake --build BUILD --target bench_permitted_driver) "
             "or pass --driver PATH")


def run_driver(driver, *args):
    return machine.run_json([driver, *map(str, args)], ENV)


def members(mask, n):
    return [i for i in range(n) if mask >> i & 1]


def brute_full(A):
    """Every subset: permitted iff the smallest eigenvalue of A_SS is > 0."""
    n = A.shape[0]
    count = 0
    t0 = time.perf_counter()
    for mask in range(1, 1 << n):
        idx = members(mask, n)
        if np.linalg.eigvalsh(A[np.ix_(idx, idx)])[0] > 0:
            count += 1
    return time.perf_counter() - t0, count


def brute_sampled(A, samples, rng):
    """Time `samples` random non-empty subsets; extrapolate to 2^N - 1."""
    n = A.shape[0]
    masks = rng.integers(1, 1 << n, size=samples)
    count = 0
    t0 = time.perf_counter()
    for mask in masks:
        idx = members(int(mask), n)
        if np.linalg.eigvalsh(A[np.ix_(idx, idx)])[0] > 0:
            count += 1
    dt = time.perf_counter() - t0
    total = (1 << n) - 1
    return dt * total / samples, count * total / samples


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", help="path of bench_permitted_driver")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--g", type=float, default=1.0, help="coupling gain of the random family")
    ap.add_argument("--shift", type=float, default=0.0, help="diagonal shift of the random family")
    ap.add_argument("--sizes", default="16,20,24")
    ap.add_argument("--full-max", type=int, default=20, help="largest N for the full brute force")
    ap.add_argument("--samples", type=int, default=100000, help="subsets timed when N > full-max")
    ap.add_argument("--wta", default="10,20,30,40")
    ap.add_argument("--wta-max-sets", type=int, default=2000000)
    machine.add_common_args(ap)
    args = ap.parse_args()
    driver = find_driver(args.driver)
    rng = np.random.default_rng(args.seed)
    header = machine.print_header("permitted_vs_bruteforce.py", ENV,
                                  ratenet=[(driver, [driver, "permitted", "wta_single", "3", "1"])],
                                  peaks_n=args.peaks_n)

    print(f"numpy {np.__version__}, python {sys.version.split()[0]}; driver {driver}")
    print(f"random symmetric: W = {args.g} (A + A')/sqrt(2N) + {args.shift} I, seed {args.seed}\n")
    hdr = f"{'N':>3} {'permitted':>10} {'max|S|':>6} {'ratenet s':>10} {'us/set':>7} {'numpy s':>10} {'numpy mode':>22} {'speed-up':>9}"
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for n in map(int, args.sizes.split(",")):
        r = run_driver(driver, "permitted", "random_sym", n, args.seed, args.g, args.shift, "--print-w")
        machine.check_blas(header, r, driver)
        W = np.array(r["W"])
        A = np.eye(n) - W
        if n <= args.full_max:
            t_np, count = brute_full(A)
            mode = "full"
            if count != r["n_permitted"]:
                sys.exit(f"MISMATCH at N = {n}: numpy counts {count}, ratenet {r['n_permitted']}")
            mode += ", counts agree"
        else:
            t_np, count = brute_sampled(A, args.samples, rng)
            mode = f"extrapolated, {args.samples // 1000}k sample"
        ratio = t_np / r["seconds"]
        rows.append({"n": n, "n_permitted": r["n_permitted"], "max_size": r["max_size"], "ratenet_seconds": r["seconds"],
                     "us_per_set": r["us_per_set"], "numpy_seconds": t_np, "numpy_mode": mode,
                     "numpy_full": n <= args.full_max, "speedup": ratio,
                     "ratenet": {k: v for k, v in r.items() if k != "W"}})
        print(f"{n:>3} {r['n_permitted']:>10} {r['max_size']:>6} {r['seconds']:>10.4f} {r['us_per_set']:>7.3f} "
              f"{t_np:>10.2f} {mode:>22} {ratio:>8.0f}x")

    print("\nWTA circuits W = alpha I - 11' (ratenet only; brute force would need 2^N subsets)")
    hdr = f"{'N':>3} {'alpha':>5} {'status':>10} {'permitted':>10} {'seconds':>9} {'us/set':>7}"
    print(hdr)
    print("-" * len(hdr))
    wta = []
    for n in map(int, args.wta.split(",")):
        for kind, alpha in (("wta_all", 0.5), ("wta_single", 1.5)):
            r = run_driver(driver, "permitted", kind, n, 1, "--max-sets", args.wta_max_sets)
            machine.check_blas(header, r, driver)
            wta.append({"n": n, "alpha": alpha, "kind": kind, "status": r["status"], "n_permitted": r["n_permitted"],
                        "seconds": r["seconds"], "us_per_set": r["us_per_set"]})
            print(f"{n:>3} {alpha:>5} {r['status']:>10} {r['n_permitted']:>10} {r['seconds']:>9.4f} {r['us_per_set']:>7.3f}")
    print(f"(alpha = 0.5: all 2^N - 1 sets permitted, truncated at {args.wta_max_sets} when larger;"
          " alpha = 1.5: singletons only, the cost is the N(N-1)/2 failed pair tests)")

    at20 = [row["speedup"] for row in rows if row["n"] == 20]
    if at20:
        print(f"\ntarget: >= 100x at N = 20 -> {at20[0]:.0f}x {'MET' if at20[0] >= 100 else 'NOT MET'}")
    machine.write_json(args.json, header, {"random": rows, "wta": wta}, seed=args.seed, g=args.g, shift=args.shift,
                       samples=args.samples, full_max=args.full_max, wta_max_sets=args.wta_max_sets)


if __name__ == "__main__":
    main()
