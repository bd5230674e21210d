"""Every figure of ratenet_analysis.plots, drawn from files the real binary writes.

Usage::

    RATENET=build/ratenet python3 analysis/gallery.py OUTDIR

runs ``ratenet`` on the shipped configs (repository ``configs/``, made small
with ``--set``) to get one file of each kind, and saves every figure that
:func:`ratenet_analysis.plots.figures_for` offers as ``OUTDIR/<kind>_<name>.png``
(the data files go to ``OUTDIR/data``).  The figure tests import
:func:`make_files` from here, so the gallery and the tests look at the same runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CONFIGS = REPO / "configs"

# kind label -> (subcommand, config, --set overrides).  Small, so the whole set
# runs in well under a minute on one core.
RUNS = {
    "simulate": ("simulate", "reproduce_hahnloser2000.toml", []),
    "simulate_current": ("simulate", "random_tanh.toml", ["model.n=60", "simulate.t_end=60"]),
    "permitted": ("permitted", "permitted_symmetric.toml", []),
    "fixed_points": ("fixed-points", "ctln_fixed_points.toml", []),
    "fixed_points_wta": ("fixed-points", "hahnloser_wta.toml", []),
    "lyapunov": ("lyapunov", "reproduce_engelken2020.toml",
                 ["model.n=60", "lyapunov.t_warmup=20", "lyapunov.t_ons_warmup=10", "lyapunov.t_sim=100"]),
    "sweep": ("sweep", "sweep_chaos_small.toml", ["model.n=60", "simulate.t_end=40", "sweep.seeds=3"]),
    "autocorrelation": ("sweep", "autocorrelation_tanh.toml",
                        ["model.n=80", "autocorrelation.t_warmup=30", "autocorrelation.t_sim=80"]),
    "chaos": ("chaos", "chaos_tanh.toml",
              ["model.n=80", "lyapunov.t_sim=30", "lyapunov.t_warmup=20", "chaos.seeds=3", "chaos.meanfield_points=12"]),
    "chaos_populations": ("chaos", "chaos_populations.toml",
                          ["model.n=120", "lyapunov.t_sim=20", "lyapunov.t_warmup=20", "chaos.seeds=1"]),
}


def find_binary() -> str:
    """$RATENET, else build/ratenet of the repository."""
    exe = os.environ.get("RATENET") or str(REPO / "build" / "ratenet")
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise SystemExit(f"no ratenet binary at {exe}: set RATENET")
    return exe


def make_files(exe: str, outdir, kinds=None) -> dict:
    """Run ``exe`` once per kind of :data:`RUNS`; return {kind: path of the .h5 file}."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    files = {}
    for kind, (sub, cfg, sets) in RUNS.items():
        if kinds is not None and kind not in kinds:
            continue
        out = outdir / f"{kind}.h5"
        args = [exe, sub, str(CONFIGS / cfg), "-o", str(out), "--force", "-q"]
        for s in sets:
            args += ["--set", s]
        p = subprocess.run(args, capture_output=True, text=True, env=env, cwd=str(REPO))
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
        files[kind] = out
    return files


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    # The source tree next to this script, unless PYTHONPATH names another copy
    # (Python puts the script's directory first; PYTHONPATH should win).
    pp = [d for d in os.environ.get("PYTHONPATH", "").split(os.pathsep) if d]
    sys.path[:0] = [os.path.abspath(d) for d in pp] + [str(HERE)]
    import ratenet_analysis as ra
    from ratenet_analysis import plots

    files = make_files(find_binary(), out / "data")
    out.mkdir(parents=True, exist_ok=True)
    for kind, path in files.items():
        with ra.open_file(path) as f:
            for name, make in plots.figures_for(f).items():
                fig = make()
                p = plots.save(fig, str(out / f"{kind}_{name}.png"))
                print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
