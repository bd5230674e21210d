"""Lyapunov spectra of chaotic rate networks (Engelken, Wolf & Abbott, arXiv:2006.02427, 2020).

Chaos is extensive: lambda_i against i/N is the same for every N,
so the Kaplan-Yorke dimension D_KY and the entropy rate H grow proportionally to N.

``ratenet lyapunov configs/reproduce_engelken2020.toml`` computes the full
spectrum of a random tanh network (current form, zero diagonal, g = 4).  The
reproduction runs it for several N (``--set model.n=N``) and, for each N, several
network realisations (``--set seeds.network=S``), side by side; the figure
overlays the seed-averaged spectra against i/N and plots D_KY and H against N
with lines through the origin.

Key numbers: ``collapse_max_dev`` is the largest difference between the
seed-averaged spectra of the smallest and the largest N, both interpolated at
i/N on a grid of [0.05, 0.95] (the tails i/N < 0.05 and > 0.95 hold a handful of
exponents with O(1/N) corrections); ``no_collapse_max_dev`` is the same difference
when the spectra are compared against i instead of i/N (what one would see if
the spectrum were not extensive).  ``D_KY_ratio`` is D_KY(N_max)/D_KY(N_min), to
be compared with ``N_ratio``.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence

import numpy as np

from .. import binary
from ..reader import open_file
from . import config_path, prepare_outdir

NAME = "engelken2020"
FIGSIZE = (14.0, 5.5)
PUBLISHED = (
    "Published (Engelken, Wolf & Abbott 2020): lambda_i vs i/N does not depend on N (extensive chaos);\n"
    "D_KY and the entropy rate H grow linearly with N, D_KY/N is a small fraction that rises with g;\n"
    "the exponents of a zero-diagonal network average to -1/tau (sum = -N/tau)."
)
# Network seeds per N: small networks differ more from one realisation to the next
# (D_KY of single chaotic N = 100 networks spreads by about 15 %), and cost N^3 less.
# Small networks at g = 4 are not always chaotic: network seed 4 at N = 100 is nearly
# periodic (lambda_max = 0.009, D_KY about 1; the three others have lambda_max ~ 0.2).
# The seeds below are fixed (not picked per run); adding seed 4 lowers the N = 100 mean
# D_KY from 6.4 to 5.3.  Such networks become rare as N grows (none among those tried at N = 200).
SMALL: Dict = dict(ns=[100, 200], seeds={100: [1, 2, 3], 200: [1, 2]}, sets=[])  # the config holds the lengths
FULL: Dict = dict(ns=[100, 200, 400], seeds={100: [1, 2, 3, 4, 5, 6], 200: [1, 2, 3], 400: [1, 2]},
                  sets=["lyapunov.t_sim=1000", "lyapunov.t_warmup=100"])
GRID = np.linspace(0.05, 0.95, 91)


def spectrum_at(x: np.ndarray, exponents: np.ndarray, n: int) -> np.ndarray:
    """Interpolate a spectrum lambda_i (i = 1..k) as a function of i/N.

    Parameters
    ----------
    x : numpy.ndarray
        Where to evaluate, in units of i/N.
    exponents : numpy.ndarray
        The exponents, largest first.
    n : int
        The network size N.

    Returns
    -------
    numpy.ndarray
        The interpolated exponents, shaped like ``x``.
    """
    return np.interp(x, np.arange(1, len(exponents) + 1) / n, exponents)


def run(full: bool = False, outdir: str = "reproduce-out", ratenet: Optional[str] = None,
        ns: Optional[Sequence[int]] = None, seeds=None,
        sets: Optional[Sequence[str]] = None, jobs: Optional[int] = None) -> Dict:
    """Reproduce the extensivity of chaos: Lyapunov spectra for several N.

    Runs ``ratenet lyapunov`` (full spectrum) for every N and network seed side
    by side, and compares the seed-averaged spectra against i/N, D_KY and the
    entropy rate against N.

    Parameters
    ----------
    full : bool, default False
        Run at the paper's size (``FULL``) instead of the reduced one (``SMALL``).
    outdir : str, default "reproduce-out"
        Results go to ``OUTDIR/engelken2020/``.
    ratenet : str, optional
        The binary; default ``$RATENET``, ``./build/ratenet``, or ``ratenet`` on PATH.
    ns : sequence of int, optional
        Network sizes (default those of the size).
    seeds : list of int or dict of int to list of int, optional
        Network seeds, for every N or per N.
    sets : sequence of str, optional
        ``KEY=VALUE`` overrides instead of those of the size.
    jobs : int, optional
        Runs side by side (default ``$RATENET_JOBS`` or min(2, cores)).

    Returns
    -------
    dict
        ``{"key_numbers": {...}, "figures": [PNG and PDF paths], "files": [HDF5 paths]}``.

    Raises
    ------
    RatenetBinaryError
        The binary is missing, lacks ``ratenet lyapunov``, or a run failed.
    FileNotFoundError
        ``configs/reproduce_engelken2020.toml`` was not found (see :func:`ratenet_analysis.reproduce.config_dirs`).
    RuntimeError
        A run did not complete or did not give a full spectrum.
    """
    exe = binary.find_ratenet(ratenet)
    binary.require_subcommand(exe, "lyapunov", "reproduce engelken2020")
    out = prepare_outdir(os.path.join(outdir, NAME))
    size = FULL if full else SMALL
    ns = sorted(int(n) for n in (ns or size["ns"]))
    seeds = seeds or size["seeds"]  # a list for every N, or {N: list}
    seeds = {n: list(seeds[n] if isinstance(seeds, dict) else seeds) for n in ns}
    sets = list(size["sets"] if sets is None else sets)
    cfg = str(config_path(NAME, exe))
    todo = [(n, s, os.path.join(out, f"lyapunov_N{n}_seed{s}.h5")) for n in ns for s in seeds[n]]
    # Largest N first: the longest runs start first, the short ones fill in.
    todo.sort(key=lambda r: -r[0])
    binary.run_many(exe, [binary.analysis_args("lyapunov", cfg, h5, sets + [f"model.n={n}", f"seeds.network={s}"])
                          for n, s, h5 in todo], jobs=jobs)
    per_n: Dict[int, List] = {n: [] for n in ns}
    g = None
    for n, s, h5 in sorted(todo):
        with open_file(h5) as f:
            ly = f.lyapunov()
            g = float(f.network().param("g"))
            status = f.status
        if status != "completed" or ly.k != n:
            raise RuntimeError(f"{h5}: status {status}, {ly.k} exponents for N = {n} (expected a full spectrum)")
        per_n[n].append(ly)
    N = np.array(ns, float)
    mean_spec = {n: np.mean([ly.exponents for ly in per_n[n]], axis=0) for n in ns}
    dky = {n: np.array([ly.kaplan_yorke for ly in per_n[n]]) for n in ns}
    H = {n: np.array([ly.entropy_rate for ly in per_n[n]]) for n in ns}
    dky_mean = np.array([dky[n].mean() for n in ns])
    dky_sem = np.array([dky[n].std(ddof=1) / np.sqrt(len(dky[n])) if len(dky[n]) > 1 else np.nan for n in ns])
    H_mean = np.array([H[n].mean() for n in ns])
    n0, n1 = ns[0], ns[-1]
    a = spectrum_at(GRID, mean_spec[n0], n0)
    b = spectrum_at(GRID, mean_spec[n1], n1)
    # Against i (no rescaling): the first n0 exponents of both sizes.
    no_collapse = float(np.max(np.abs(mean_spec[n0] - mean_spec[n1][:n0])[int(0.05 * n0):int(0.95 * n0)]))
    # Network-to-network spread at the largest N (std over seeds at fixed i/N), the natural scale.
    spread = (float(np.max(np.std([spectrum_at(GRID, ly.exponents, n1) for ly in per_n[n1]], axis=0, ddof=1)))
              if len(per_n[n1]) > 1 else float("nan"))
    key = {
        "g": g,
        "N": ns,
        "seeds": [len(seeds[n]) for n in ns],
        "D_KY": [float(v) for v in dky_mean],
        "D_KY_sem": [float(v) for v in dky_sem],
        "D_KY_over_N": [float(v) for v in dky_mean / N],
        "D_KY_slope": float(np.sum(N * dky_mean) / np.sum(N * N)),
        "D_KY_ratio": float(dky_mean[-1] / dky_mean[0]) if dky_mean[0] > 0 else float("nan"),
        "N_ratio": float(N[-1] / N[0]),
        "entropy_rate": [float(v) for v in H_mean],
        "entropy_rate_over_N": [float(v) for v in H_mean / N],
        "lambda_max": [float(np.mean([ly.lambda_max for ly in per_n[n]])) for n in ns],
        "lambda_max_all": [float(ly.lambda_max) for n in ns for ly in per_n[n]],
        "mean_exponent": [float(np.mean(mean_spec[n])) for n in ns],
        "max_rel_sum_error": float(max(abs(ly.sum / -n - 1) for n in ns for ly in per_n[n])),
        "collapse_max_dev": float(np.max(np.abs(a - b))),
        "collapse_rms_dev": float(np.sqrt(np.mean((a - b) ** 2))),
        "no_collapse_max_dev": no_collapse,
        "seed_spread_max_std": spread,
        "spectrum_width": float(mean_spec[n1][0] - mean_spec[n1][-1]),
    }
    figs = draw(ns, per_n, mean_spec, key, out)
    return dict(key_numbers=key, figures=figs, files=[r[2] for r in todo])


def draw(*args, **kwargs) -> List[str]:
    """Draw the figure, with the house style in effect (plots.STYLE).

    Parameters
    ----------
    *args, **kwargs
        Passed to the module's drawing function (as :func:`run` calls it).

    Returns
    -------
    list of str
        The PNG and PDF files written.
    """
    from .. import plots

    with plots.style():
        return _draw(*args, **kwargs)


def _draw(ns, per_n, mean_spec, key, out) -> List[str]:
    from matplotlib.figure import Figure

    from .. import plots

    fig = Figure(figsize=FIGSIZE, dpi=plots.DPI, layout="constrained")
    a1, a2, a3 = fig.subplots(1, 3)
    cm = plots.colormap(plots.SEQ_CMAP)
    styles = ["-", "--", "-.", ":"]
    for k, n in enumerate(ns):
        c = cm(0.85 * k / max(1, len(ns) - 1))
        x = np.arange(1, n + 1) / n
        for ly in per_n[n]:
            a1.plot(x, ly.exponents, "-", color=c, lw=0.6, alpha=0.35)
        a1.plot(x, mean_spec[n], color=c, lw=1.8, ls=styles[k % 4],
                label=f"N = {n} (mean of {len(per_n[n])} networks)")
    a1.axhline(0, color="0.4", lw=0.8, ls="--")
    a1.set_xlabel("i / N")
    a1.set_ylabel("Lyapunov exponent $\\lambda_i$ (1/$\\tau$)")
    a1.set_title(f"(a) spectra, g = {key['g']:g}: max difference {key['collapse_max_dev']:.3f} "
                 f"(vs i: {key['no_collapse_max_dev']:.2f})", fontsize=10)
    a1.legend(fontsize=9)
    N = np.array(key["N"], float)
    nn = np.linspace(0, N.max() * 1.05, 50)
    for n in ns:
        a2.plot([n] * len(per_n[n]), [ly.kaplan_yorke for ly in per_n[n]], ".", color="0.6", ms=6)
    a2.errorbar(N, key["D_KY"], yerr=np.nan_to_num(key["D_KY_sem"]), fmt="o", color=cm(0.2), ms=7, capsize=3,
                label="simulation: mean $\\pm$ s.e. (grey: single networks)")
    a2.plot(nn, key["D_KY_slope"] * nn, "--", color=cm(0.7), label=f"D_KY = {key['D_KY_slope']:.3g} N")
    a2.set_xlabel("network size N (neurons)")
    a2.set_ylabel("Kaplan-Yorke dimension $D_{KY}$")
    a2.set_title(f"(b) attractor dimension is extensive: ratio {key['D_KY_ratio']:.2f} for N ratio {key['N_ratio']:g}",
                 fontsize=10)
    a2.legend(fontsize=8)
    a3.plot(N, key["entropy_rate"], "s", color=cm(0.2), ms=7, label="entropy rate H (sum of positive $\\lambda_i$)")
    hs = float(np.sum(N * np.array(key["entropy_rate"])) / np.sum(N * N))
    a3.plot(nn, hs * nn, "--", color=cm(0.7), label=f"H = {hs:.3g} N")
    a3.set_xlabel("network size N (neurons)")
    a3.set_ylabel("entropy rate H (nats per $\\tau$)")
    a3.set_title("(c) entropy rate is extensive", fontsize=10)
    a3.legend(fontsize=8)
    fig.supxlabel(PUBLISHED, fontsize=8.5)
    fig.suptitle("Engelken, Wolf & Abbott 2020: extensive chaos in random tanh networks (ratenet)")
    paths = [os.path.join(out, f"{NAME}.png"), os.path.join(out, f"{NAME}.pdf")]
    for p in paths:
        fig.savefig(p, dpi=plots.DPI)
    return paths
