#!/usr/bin/python3
"""Sparse networks at scale: ratenet's SpMV, SpMM and RK4 against SciPy, and the bandwidth floor.

A random network of N neurons, K random partners per row (no self-coupling),
weights N(0, 1.5^2/K), current form dh/dt = -h + W tanh(h). ratenet runs
through build/bench/bench_sparse_driver (bench/bench_sparse_driver.cpp), which
times one right-hand side (an SpMV plus elementwise work, best of 10), one
tangent product J Q with 16 columns (an SpMM, best of 5), RK4 with dt 0.05 for
STEPS steps (one run) and, optionally, a partial Lyapunov spectrum of
LYAPUNOV_K exponents; it measures a stream triad on all its OpenMP threads
(before and after the timed kernels, keeping the best) and holds the two
products to the floor W's CSR bytes / triad. Over the repeats, the best time of
each product is held to the floor of the best triad of any repeat. The issue's target:
both within 1.5x of that bandwidth floor. The script prints, honestly, whether
each ratio meets it.

The baseline is a SciPy child process: the same matrix law built with
vectorised NumPy (K distinct columns per row, as network_vs_scipy.py draws them)
into scipy.sparse CSR, then, best of a few each, one `W @ x` (SpMV), one `W @ Q`
with Q of N x 16 (SpMM), one right-hand side `-h + W @ np.tanh(h)`, the full
tangent product `-Q + W @ (sech^2(h) * Q)` (like ratenet's J Q; recorded in the
JSON), and one RK4 run of STEPS steps of dt 0.05 (simulate_vs_numpy.py's loop).
It reports the bytes of SciPy's W (data + indices + indptr; SciPy keeps 32-bit
indices when they fit) and its floor against the triad the ratenet driver just
measured (passed in) and against the header's one-thread triad (SciPy's sparse
products run on one thread).

    /usr/bin/python3 bench/sparse_vs_scipy.py [--build build] [--cases 100000:100:40:16:2 1000000:100:5:0] [--repeats 2]

A case is N:K:STEPS[:LYAPUNOV_K[:LYAPUNOV_T_SIM]] (LYAPUNOV_K 0: no spectrum).
Both sides run in their own process, alternately, --repeats times, under the same
environment (bench/machine.py's bench_env(); the script prints it, the BLAS
library and kernel each side loaded, and the machine's peaks measured in the
same run); each figure is the best of the repeats. --json FILE writes the
figures with that header.
"""
import argparse
import os
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine  # noqa: E402

TARGET = 1.5  # the target: within 1.5x of the bandwidth floor
DT = 0.05

BASELINE = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np
    import scipy, scipy.sparse
    n, k, steps, dt = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    triad_all, triad_one, seed = float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
    g = 1.5
    rng = np.random.default_rng(seed)

    def best(f, reps):
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t0)
        return min(ts)

    t0 = time.perf_counter()
    cols = rng.integers(0, n - 1, size=(n, k))              # among the n - 1 other neurons
    cols.sort(axis=1)
    bad = np.flatnonzero((np.diff(cols, axis=1) == 0).any(axis=1))
    while bad.size:                                         # redraw rows with a repeated partner
        c = rng.integers(0, n - 1, size=(bad.size, k))
        c.sort(axis=1)
        cols[bad] = c
        bad = bad[(np.diff(c, axis=1) == 0).any(axis=1)]
    cols += cols >= np.arange(n)[:, None]                   # skip the diagonal
    data = rng.normal(0.0, g / np.sqrt(k), size=n * k)
    W = scipy.sparse.csr_matrix((data, cols.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    del cols, data
    build = time.perf_counter() - t0
    nbytes = W.data.nbytes + W.indices.nbytes + W.indptr.nbytes

    h0 = rng.normal(size=n)
    x = np.tanh(h0)
    Q = rng.standard_normal((n, 16))
    d = 1.0 - x * x                                         # sech^2(h0)
    spmv = best(lambda: W @ x, 10)
    rhs = best(lambda: -h0 + W @ np.tanh(h0), 10)
    spmm = best(lambda: W @ Q, 5)
    jq = best(lambda: -Q + W @ (d[:, None] * Q), 5)

    def f(h):
        return -h + W @ np.tanh(h)

    def run(h):
        for _ in range(steps):
            k1 = f(h)
            k2 = f(h + 0.5 * dt * k1)
            k3 = f(h + 0.5 * dt * k2)
            k4 = f(h + dt * k3)
            h = h + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        return h

    t0 = time.perf_counter()
    h = run(h0.copy())
    rk4 = time.perf_counter() - t0

    floor_all = nbytes / (triad_all * 1e9) if triad_all > 0 else None
    floor_one = nbytes / (triad_one * 1e9) if triad_one > 0 else None
    ratio = lambda t, fl: t / fl if fl else None
    print(json.dumps({
        "n": n, "k": k, "nnz": int(W.nnz), "w_bytes": nbytes, "index_dtype": str(W.indices.dtype),
        "build_seconds": build, "spmv_seconds": spmv, "rhs_seconds": rhs, "spmm16_seconds": spmm,
        "jq16_seconds": jq, "rk4_steps": steps, "rk4_seconds": rk4, "x_final_0": float(h[0]),
        "mean_abs_h_final": float(np.abs(h).mean()),
        "triad_gbs_driver": triad_all, "triad_gbs_one_thread": triad_one or None,
        "floor_seconds": floor_all, "floor_seconds_one_thread": floor_one,
        "spmv_over_floor": ratio(spmv, floor_all), "rhs_over_floor": ratio(rhs, floor_all),
        "spmm16_over_floor": ratio(spmm, floor_all),
        "spmv_over_floor_one_thread": ratio(spmv, floor_one), "rhs_over_floor_one_thread": ratio(rhs, floor_one),
        "spmm16_over_floor_one_thread": ratio(spmm, floor_one),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0,
        "loaded": f"numpy {np.__version__}, scipy {scipy.__version__} (scipy.sparse CSR, one thread)"}))
    """
)

# Best of the repeats, field by field: times, and floors (the best floor is the
# one of the best triad). Ratios are formed from these, so that the best time is
# held to the tightest floor of any repeat.
RATENET_BEST = ("rhs_seconds", "jq16_seconds", "rk4_seconds", "lyapunov_seconds", "floor_seconds",
                "rhs_local_seconds", "jq16_local_seconds", "jq16_mixed_seconds")
BASELINE_BEST = ("spmv_seconds", "rhs_seconds", "spmm16_seconds", "jq16_seconds", "rk4_seconds",
                 "floor_seconds", "floor_seconds_one_thread", "build_seconds")


def best_fields(runs, fields):
    out = {}
    for f in fields:
        vals = [r[f] for r in runs if r.get(f) is not None]
        out[f] = min(vals) if vals else None
    return out


def verdict(ratio):
    return "meets" if ratio <= TARGET else "MISSES"


def parse_case(s):
    p = s.split(":")
    if not 3 <= len(p) <= 5:
        raise argparse.ArgumentTypeError(f"{s!r}: expected N:K:STEPS[:LYAPUNOV_K[:LYAPUNOV_T_SIM]]")
    return {"n": int(p[0]), "k": int(p[1]), "steps": int(p[2]), "lyapunov_k": int(p[3]) if len(p) > 3 else 0,
            "lyapunov_t_sim": float(p[4]) if len(p) > 4 else 2.0}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--cases", nargs="+", type=parse_case,
                    default=[parse_case("100000:100:40:16:2"), parse_case("1000000:100:5:0")],
                    help="N:K:STEPS[:LYAPUNOV_K[:LYAPUNOV_T_SIM]] (default 100000:100:40:16:2 1000000:100:5:0)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1, help="seed of the SciPy side (ratenet's driver uses its own)")
    machine.add_common_args(ap)
    args = ap.parse_args()
    driver = os.path.join(args.build, "bench", "bench_sparse_driver")
    machine.wait_for(driver, 60)  # a rebuild may be under way
    if not os.path.exists(driver):
        sys.exit(f"{driver} not found: build with cmake --build {args.build} --target bench_sparse_driver")
    env = machine.bench_env()  # one environment for both sides
    header = machine.print_header("sparse_vs_scipy.py", env, ratenet=[(driver, [driver, "1000", "10", "1", "0"])],
                                  peaks_n=args.peaks_n)
    triad_one = (header.get("peaks") or {}).get("triad_gbs") or 0.0
    print(f"ratenet: {driver} (CSR, OpenMP threads; floor = W's CSR bytes / the driver's own triad on those threads)")
    print(f"target (the issue's): one RHS and one J Q within {TARGET}x of the bandwidth floor")
    print("SpMM16: ratenet's tangent product J Q = -Q + W (sech^2(h) Q) against SciPy's bare W @ Q (N x 16); "
          "S/r = SciPy time / ratenet time; best of the repeats")
    print(f"{'':>13} {'one RHS, ms':^22} | {'SpMM16, ms':^22} | {'RK4, s':^22} | {'over floor':^17} |")
    print(f"{'N':>8} {'K':>4} {'ratenet':>8} {'SciPy':>8} {'S/r':>5} | {'ratenet':>8} {'SciPy':>8} {'S/r':>5} | "
          f"{'ratenet':>8} {'SciPy':>8} {'S/r':>5} | {'RHS':>8} {'J Q':>8} | {'spectrum s':>10}")
    rows = []
    loaded = None
    for c in args.cases:
        n, k = c["n"], c["k"]
        rns, bls = [], []
        for _ in range(args.repeats):
            r = machine.run_json([driver, n, k, c["steps"], c["lyapunov_k"], c["lyapunov_t_sim"]], env)
            machine.check_blas(header, r, driver)
            rns.append(r)
            b = machine.run_json([machine.PYTHON, "-c", BASELINE, n, k, c["steps"], DT, r["triad_gbs"], triad_one,
                                  args.seed], env)
            loaded = b["loaded"]
            bls.append(b)
        rn, bl = best_fields(rns, RATENET_BEST), best_fields(bls, BASELINE_BEST)
        over = {f: rn[f + "_seconds"] / rn["floor_seconds"] for f in ("rhs", "jq16", "rhs_local", "jq16_local")}
        scipy_over = {f: bl[f + "_seconds"] / bl["floor_seconds"] for f in ("spmv", "rhs", "spmm16")}
        one = bl["floor_seconds_one_thread"]
        scipy_over_one = {f: bl[f + "_seconds"] / one if one else None for f in ("spmv", "rhs", "spmm16")}
        row = dict(c)
        row.update({
            "ratenet": rns, "baseline": bls,
            "ratenet_w_bytes": rns[0]["w_bytes"], "baseline_w_bytes": bls[0]["w_bytes"],
            "baseline_index_dtype": bls[0]["index_dtype"],
            "threads": rns[0]["threads"], "triad_gbs_driver": max(r["triad_gbs"] for r in rns),
            "triad_gbs_one_thread": triad_one or None,
            "ratenet_rhs_seconds": rn["rhs_seconds"], "baseline_rhs_seconds": bl["rhs_seconds"],
            "rhs_speedup": bl["rhs_seconds"] / rn["rhs_seconds"],
            "ratenet_jq16_seconds": rn["jq16_seconds"], "baseline_spmm16_seconds": bl["spmm16_seconds"],
            "baseline_jq16_seconds": bl["jq16_seconds"],
            "spmm16_speedup": bl["spmm16_seconds"] / rn["jq16_seconds"],
            "jq16_speedup": bl["jq16_seconds"] / rn["jq16_seconds"],
            "ratenet_rk4_seconds": rn["rk4_seconds"], "baseline_rk4_seconds": bl["rk4_seconds"],
            "rk4_speedup": bl["rk4_seconds"] / rn["rk4_seconds"],
            "rhs_over_floor": over["rhs"], "jq16_over_floor": over["jq16"],
            "rhs_local_over_floor": over["rhs_local"], "jq16_local_over_floor": over["jq16_local"],
            "ratenet_jq16_mixed_seconds": rn["jq16_mixed_seconds"],
            "ratenet_tanh": rns[0].get("tanh"),
            "rhs_meets_target": over["rhs"] <= TARGET, "jq16_meets_target": over["jq16"] <= TARGET,
            "ratenet_floor_seconds": rn["floor_seconds"],
            "baseline_spmv_seconds": bl["spmv_seconds"],
            "baseline_floor_seconds": bl["floor_seconds"], "baseline_floor_seconds_one_thread":
                bl["floor_seconds_one_thread"],
            "baseline_spmv_over_floor": scipy_over["spmv"], "baseline_rhs_over_floor": scipy_over["rhs"],
            "baseline_spmm16_over_floor": scipy_over["spmm16"],
            "baseline_spmv_over_floor_one_thread": scipy_over_one["spmv"],
            "baseline_rhs_over_floor_one_thread": scipy_over_one["rhs"],
            "baseline_spmm16_over_floor_one_thread": scipy_over_one["spmm16"],
            "lyapunov_seconds": rn["lyapunov_seconds"] if c["lyapunov_k"] > 0 else None,
            "lambda1": min(rns, key=lambda r: r["lyapunov_seconds"])["lambda1"] if c["lyapunov_k"] > 0 else None,
        })
        rows.append(row)
        spec = f"{row['lyapunov_seconds']:.2f}" if row["lyapunov_seconds"] is not None else "-"
        print(f"{n:>8} {k:>4} {1e3 * row['ratenet_rhs_seconds']:>8.2f} {1e3 * row['baseline_rhs_seconds']:>8.2f} "
              f"{row['rhs_speedup']:>5.2f} | {1e3 * row['ratenet_jq16_seconds']:>8.1f} "
              f"{1e3 * row['baseline_spmm16_seconds']:>8.1f} {row['spmm16_speedup']:>5.2f} | "
              f"{row['ratenet_rk4_seconds']:>8.3f} {row['baseline_rk4_seconds']:>8.3f} {row['rk4_speedup']:>5.2f} | "
              f"{row['rhs_over_floor']:>8.2f} {row['jq16_over_floor']:>8.2f} | {spec:>10}", flush=True)
        print(f"{'':>14}target <= {TARGET}x floor: RHS {row['rhs_over_floor']:.2f}x {verdict(row['rhs_over_floor'])}, "
              f"J Q {row['jq16_over_floor']:.2f}x {verdict(row['jq16_over_floor'])} "
              f"(floor {1e3 * row['ratenet_floor_seconds']:.2f} ms = {row['ratenet_w_bytes'] / 1e6:.0f} MB at "
              f"{row['triad_gbs_driver']:.1f} GB/s, {row['threads']} threads)", flush=True)
        print(f"{'':>14}columns folded into [0, 4096) (gathers from cache): RHS {row['rhs_local_over_floor']:.2f}x, "
              f"J Q {row['jq16_local_over_floor']:.2f}x the same floor; J Q with float32 products (mixed) "
              f"{1e3 * row['ratenet_jq16_mixed_seconds']:.1f} ms", flush=True)
        one = row["baseline_spmv_over_floor_one_thread"]
        print(f"{'':>14}SciPy: W {row['baseline_w_bytes'] / 1e6:.0f} MB ({row['baseline_index_dtype']} indices), "
              f"SpMV {1e3 * row['baseline_spmv_seconds']:.2f} ms = {row['baseline_spmv_over_floor']:.2f}x its floor "
              f"at the driver's triad"
              + (f", {one:.2f}x at the one-thread triad ({triad_one:.1f} GB/s)" if one is not None else "")
              + f"; full J Q {1e3 * row['baseline_jq16_seconds']:.1f} ms ({row['jq16_speedup']:.2f}x ratenet's)"
              + (f"; lambda_1 {row['lambda1']:+.4f} ({c['lyapunov_k']} exponents, t_sim {c['lyapunov_t_sim']:g})"
                 if row["lambda1"] is not None else ""), flush=True)
    misses = [f"N = {r['n']} {what} {r[key]:.2f}x" for r in rows
              for what, key in (("RHS", "rhs_over_floor"), ("J Q", "jq16_over_floor")) if r[key] > TARGET]
    print(f"target within {TARGET}x of the bandwidth floor: "
          + ("met by every case" if not misses else "MISSED: " + ", ".join(misses)))
    print(f"baseline: {loaded}")
    machine.write_json(args.json, header, rows, baseline=loaded, repeats=args.repeats, dt=DT, target=TARGET)


if __name__ == "__main__":
    main()
