"""Transition to chaos (Sompolinsky, Crisanti & Sommers, PRL 61:259, 1988).

See also Kadmon & Sompolinsky, PRX 5:041030 (2015).

``ratenet chaos configs/reproduce_chaos.toml`` computes the largest Lyapunov
exponent of dh/dt = -h + J tanh(h), J_ij ~ N(0, g^2/N) (zero diagonal), for the
couplings and seeds of its [chaos] section, the critical coupling g_c where the
seed-averaged exponent first crosses zero (with a bootstrap error), and the
dynamic mean-field prediction (g_c = 1 and the curve lambda_max(g)).

The config holds the reduced size (N = 500, 7 couplings, 2 seeds: about 10 s of
CPU); ``--full`` applies N = 1000, 21 couplings in [0.5, 2.5], 4 seeds and longer
runs with ``--set``.  The points are split into shards run side by side
(``--shard I/J``) and joined with ``ratenet merge``, which gives the file a serial
run gives.
"""

from __future__ import annotations

import os
from typing import Dict, Optional, Sequence

import numpy as np

from .. import binary
from ..reader import open_file
from . import config_path, prepare_outdir

NAME = "chaos"
FIGSIZE = (10.0, 6.0)
PUBLISHED = (
    "Published: Sompolinsky, Crisanti & Sommers 1988 (tanh, J ~ N(0, g^2/N), N -> infinity):\n"
    "h = 0 is stable for g < 1, the network is chaotic for g > 1: g_c = 1; the mean-field\n"
    "lambda_max grows like (g - 1)^2 just above onset. Finite N: the crossing of the\n"
    "simulated lambda_max moves above 1 (limit cycles and fixed points survive past g = 1)."
)
G_C_PUBLISHED = 1.0
SMALL: Dict = dict(sets=[])  # the config file is the reduced size
FULL: Dict = dict(sets=[
    "model.n=1000",
    "chaos.g={ linspace = [0.5, 2.5, 21] }",
    "chaos.seeds=4",
    "lyapunov.t_warmup=200",
    "lyapunov.t_sim=500",
])


def run_chaos(exe: str, config: str, h5: str, sets: Sequence[str] = (), jobs: Optional[int] = None) -> str:
    """Run ``ratenet chaos`` in shards side by side, then ``ratenet merge`` them.

    Parameters
    ----------
    exe : str
        The ratenet binary.
    config : str
        The chaos config.
    h5 : str
        The merged output file.
    sets : sequence of str, optional
        ``KEY=VALUE`` overrides (``--set``).
    jobs : int, optional
        Number of shards run at once; default :func:`ratenet_analysis.binary.default_jobs`.
        With one, a plain run.

    Returns
    -------
    str
        ``h5``.

    Raises
    ------
    RatenetBinaryError
        A shard or the merge failed.
    """
    jobs = jobs or binary.default_jobs()
    if jobs <= 1:
        binary.run_analysis(exe, "chaos", config, h5, sets)
        return h5
    shards = [f"{h5}.shard{i}of{jobs}.h5" for i in range(jobs)]
    binary.run_many(exe, [binary.analysis_args("chaos", config, s, sets, ["--shard", f"{i}/{jobs}"])
                          for i, s in enumerate(shards)], jobs=jobs)
    binary.run(exe, ["merge", h5, *shards, "--force"])
    for s in shards:
        os.remove(s)
    return h5


def run(full: bool = False, outdir: str = "reproduce-out", ratenet: Optional[str] = None,
        sets: Optional[Sequence[str]] = None, jobs: Optional[int] = None) -> Dict:
    """Reproduce the transition to chaos of a random tanh network.

    Runs ``ratenet chaos`` on ``configs/reproduce_chaos.toml`` (in shards, see
    :func:`run_chaos`), draws lambda_max against g with the mean-field curve and
    compares the critical coupling with g_c = 1.

    Parameters
    ----------
    full : bool, default False
        Run at the paper's size (``FULL``) instead of the reduced one (``SMALL``).
    outdir : str, default "reproduce-out"
        Results go to ``OUTDIR/chaos/``.
    ratenet : str, optional
        The binary; default ``$RATENET``, ``./build/ratenet``, or ``ratenet`` on PATH.
    sets : sequence of str, optional
        ``KEY=VALUE`` overrides instead of those of the size.
    jobs : int, optional
        Shards run side by side (default ``$RATENET_JOBS`` or min(2, cores)).

    Returns
    -------
    dict
        ``{"key_numbers": {...}, "figures": [PNG and PDF paths], "files": [HDF5 paths]}``.

    Raises
    ------
    RatenetBinaryError
        The binary is missing, lacks ``ratenet chaos``, or a run failed.
    FileNotFoundError
        ``configs/reproduce_chaos.toml`` was not found (see :func:`ratenet_analysis.reproduce.config_dirs`).
    """
    exe = binary.find_ratenet(ratenet)
    binary.require_subcommand(exe, "chaos", "reproduce chaos")
    out = prepare_outdir(os.path.join(outdir, NAME))
    h5 = os.path.join(out, "chaos.h5")
    sets = list((FULL if full else SMALL)["sets"] if sets is None else sets)
    run_chaos(exe, str(config_path(NAME, exe)), h5, sets, jobs)
    from .. import plots

    with open_file(h5) as f:
        ch = f.chaos()
        fig = plots.plot_chaos(ch, f, published=PUBLISHED)
    with plots.style():
        fig.suptitle(f"Transition to chaos, tanh network N = {ch.n} (ratenet) vs Sompolinsky, Crisanti & Sommers 1988")
    paths = [os.path.join(out, f"{NAME}.png"), os.path.join(out, f"{NAME}.pdf")]
    for p in paths:
        fig.savefig(p, dpi=plots.DPI)
    # The simulated mean against the mean-field curve (interpolated at the simulated g).
    if len(ch.meanfield_g):
        mf_at = np.interp(ch.g, ch.meanfield_g, ch.meanfield_lambda, left=np.nan, right=np.nan)
    else:
        mf_at = np.full(len(ch.g), np.nan)
    below = ch.g < 1
    key = {
        "N": ch.n,
        "g": [float(v) for v in ch.g],
        "lambda_mean": [float(v) for v in ch.lambda_mean],
        "seeds": int(ch.lambda_max.shape[1]),
        "g_c": ch.g_c,
        "g_c_err": ch.g_c_err,
        "g_c_meanfield": ch.g_c_meanfield,
        "g_c_published": G_C_PUBLISHED,
        # Below g_c the exponent is that of the fixed point h = 0: lambda_max = g - 1 (N -> infinity).
        "max_abs_dev_from_meanfield_below_1": float(np.nanmax(np.abs(ch.lambda_mean - mf_at)[below]))
        if np.any(below & np.isfinite(mf_at)) else float("nan"),
        "divergent_points": int(ch.divergent.sum()),
        "nan_means": int(np.sum(~np.isfinite(ch.lambda_mean))),
    }
    return dict(key_numbers=key, figures=paths, files=[h5])
