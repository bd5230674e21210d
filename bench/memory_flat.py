#!/usr/bin/python3
"""Peak resident memory of `ratenet simulate` against the number of samples.

Streams a 10-neuron winner-take-all circuit (RK4, dt = dt_out) to HDF5 with 10^3
and with 10^7 samples and prints the peak resident set size of each run (from
wait4's rusage): streaming keeps memory flat in the run length.

    /usr/bin/python3 bench/memory_flat.py [--build build] [--samples 1000 10000000] [--json FILE]

ratenet runs under bench/machine.py's bench_env() (the script's own environment),
like every other benchmark; the script first prints it, the BLAS library and
kernel of the executable, and the machine's DGEMM/SGEMM and stream peaks
measured in the same run. --json FILE writes the figures with that header.
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
name = "hahnloser_wta"
n = 10
[network]
form = "rate"
[transfer]
name = "relu"
[input]
b = [0.5, 0.6, 0.7, 0.8, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5]
[simulate]
method = "rk4"
dt = 0.001
dt_out = 0.001
t_end = {t_end}
"""


def run(binary, samples, tmp, env):
    cfg = os.path.join(tmp, f"mem_{samples}.toml")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(t_end=(samples - 1) * 0.001))
    out = os.path.join(tmp, f"mem_{samples}.h5")
    t0 = time.perf_counter()
    machine.wait_for(binary)
    proc = subprocess.Popen([binary, "simulate", cfg, "-o", out, "--force", "--quiet"], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    sec = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"ratenet failed for {samples} samples (status {status})")
    size = os.path.getsize(out)
    os.remove(out)
    return usage.ru_maxrss / 1024.0, sec, size / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--samples", type=int, nargs="+", default=[1000, 10_000_000])
    machine.add_common_args(ap)
    args = ap.parse_args()
    binary = os.path.join(args.build, "ratenet")
    env = machine.bench_env()
    header = machine.print_header("memory_flat.py", env, ratenet=[(binary, None)], numpy=False, peaks_n=args.peaks_n)
    rows = []
    print(f"{'samples':>10} {'peak RSS MiB':>13} {'seconds':>8} {'file MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for s in args.samples:
            rss, sec, mb = run(binary, s, tmp, env)
            rows.append({"samples": s, "peak_rss_mib": rss, "seconds": sec, "file_mb": mb})
            print(f"{s:>10} {rss:>13.1f} {sec:>8.2f} {mb:>8.1f}", flush=True)
    machine.write_json(args.json, header, rows, neurons=10)


if __name__ == "__main__":
    main()
