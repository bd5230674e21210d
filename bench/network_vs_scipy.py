#!/usr/bin/python3
"""Building a random Gaussian network, ratenet against NumPy/SciPy.

Sparse: N neurons, each with k distinct partners (no self-coupling) and weights
N(mu/k, g^2/k), as models/random_gaussian.cpp builds them. The baseline is a
vectorised NumPy construction of the same matrix law (k distinct columns per
row: all rows drawn at once, sorted, rows with a repeated column redrawn) put
into a scipy.sparse CSR matrix. Dense: N x N weights N(0, g^2/N), against
NumPy's standard_normal of the same shape. For each size it prints both
times, their ratio, and each side's peak resident memory against the bytes of
the matrix it built (ratenet's target: at most 1.2x).

    /usr/bin/python3 bench/network_vs_scipy.py [--build build] [--sparse 100000:100 1000000:100] [--dense 4000 8000]

Both sides run in their own process, alternately, under the same environment
(bench/machine.py's bench_env(): OPENBLAS_CORETYPE and the thread variables as
set when the script starts; the script prints them, the BLAS library and kernel
each side loaded, and the machine's DGEMM/SGEMM and stream peaks measured in the
same run); the best of --repeats runs is compared. --json FILE writes the
figures with that header.
"""
import argparse
import os
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine  # noqa: E402

BASELINE = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np
    import scipy, scipy.sparse
    n, k, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    g, mu = 1.5, 0.0
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    if k > 0:
        cols = rng.integers(0, n - 1, size=(n, k))          # among the n - 1 other neurons
        cols.sort(axis=1)
        bad = np.flatnonzero((np.diff(cols, axis=1) == 0).any(axis=1))
        while bad.size:                                     # redraw rows with a repeated partner
            c = rng.integers(0, n - 1, size=(bad.size, k))
            c.sort(axis=1)
            cols[bad] = c
            bad = bad[(np.diff(c, axis=1) == 0).any(axis=1)]
        cols += cols >= np.arange(n)[:, None]               # skip the diagonal
        data = rng.normal(mu / k, g / np.sqrt(k), size=n * k)
        W = scipy.sparse.csr_matrix((data, cols.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
        nbytes = W.data.nbytes + W.indices.nbytes + W.indptr.nbytes
        check = float(W.data[::997].sum())
    else:
        W = rng.standard_normal((n, n))
        W *= g / np.sqrt(n)
        nbytes = W.nbytes
        check = float(W[0, 0])
    sec = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0
    print(json.dumps({"seconds": sec, "matrix_bytes": nbytes, "peak_rss_bytes": rss, "checksum": check,
                      "loaded": f"numpy {np.__version__} (PCG64), scipy {scipy.__version__}"}))
    """
)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--sparse", nargs="*", default=["100000:100", "1000000:100"], help="N:k pairs")
    ap.add_argument("--dense", nargs="*", type=int, default=[4000, 8000])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--streams", type=int, nargs="+", default=[1, 3],
                    help="model.streams layouts to time on the ratenet side (1 serial, 2 parallel, 3 parallel + fast normal)")
    machine.add_common_args(ap)
    args = ap.parse_args()
    driver = os.path.join(args.build, "bench", "bench_network_driver")
    machine.wait_for(driver, 60)  # a rebuild may be under way
    if not os.path.exists(driver):
        sys.exit(f"{driver} not found: build with cmake --build {args.build} --target bench_network_driver")
    env = machine.bench_env()  # one environment for both sides
    header = machine.print_header("network_vs_scipy.py", env, ratenet=[(driver, [driver, "10", "2", "1"])],
                                  peaks_n=args.peaks_n)
    print(f"ratenet: {driver} (xoshiro256** + ratenet's polar normal; no BLAS is used to build W)")
    cases = [(int(s.split(":")[0]), int(s.split(":")[1])) for s in args.sparse] + [(n, 0) for n in args.dense]
    loaded = None
    rows = []
    print(f"{'N':>8} {'k':>4} {'streams':>7} {'ratenet s':>10} {'baseline s':>11} {'baseline/ratenet':>17} "
          f"{'ratenet peak/matrix':>20} {'baseline peak/matrix':>21}")
    for n, k in cases:
        best_b = None
        best_r = {st: None for st in args.streams}
        for rep in range(args.repeats):
            for st in args.streams:
                r = machine.run_json([driver, str(n), str(k), "1", str(st)], env)
                machine.check_blas(header, r, driver)
                if best_r[st] is None or r["seconds"] < best_r[st]["seconds"]:
                    best_r[st] = r
            b = machine.run_json([machine.PYTHON, "-c", BASELINE, str(n), str(k), "1"], env)
            loaded = b["loaded"]
            best_b = b if best_b is None or b["seconds"] < best_b["seconds"] else best_b
        for st in args.streams:
            r = best_r[st]
            row = {"n": n, "k": k, "streams": st, "ratenet": r, "baseline": best_b,
                   "ratenet_seconds": r["seconds"], "baseline_seconds": best_b["seconds"],
                   "speedup": best_b["seconds"] / r["seconds"],
                   "ratenet_peak_over_matrix": r["peak_rss_bytes"] / r["matrix_bytes"],
                   "baseline_peak_over_matrix": best_b["peak_rss_bytes"] / best_b["matrix_bytes"]}
            rows.append(row)
            print(f"{n:>8} {k if k else 'dense':>4} {st:>7} {r['seconds']:>10.3f} {best_b['seconds']:>11.3f} "
                  f"{row['speedup']:>17.2f} {row['ratenet_peak_over_matrix']:>20.2f} "
                  f"{row['baseline_peak_over_matrix']:>21.2f}", flush=True)
    print(f"baseline: {loaded}; sparse: vectorised k-distinct draw + scipy.sparse.csr_matrix; "
          "dense: Generator.standard_normal")
    machine.write_json(args.json, header, rows, baseline=loaded, repeats=args.repeats)


if __name__ == "__main__":
    main()
