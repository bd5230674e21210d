"""Engelken, Wolf & Abbott, arXiv:2006.02427 (2020): Lyapunov spectra of chaotic
rate networks.  Chaos is extensive: lambda_i against i/N is the same for every N,
so the Kaplan-Yorke dimension D_KY and the entropy rate grow proportionally to N.

``ratenet lyapunov`` computes the full spectrum of a random tanh network for
several N (same g); the figure overlays the spectra against i/N and plots D_KY
and the entropy rate against N with a line through the origin.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence

import numpy as np

from .. import binary
from ..reader import open_file
from . import config_path, prepare_outdir

NAME = "engelken2020"
PUBLISHED = (
    "Published (Engelken, Wolf & Abbott 2020, Fig. 1-2): lambda_i vs i/N is size invariant (extensive chaos);\n"
    "D_KY and the entropy rate H grow linearly with N; D_KY/N is small (well below 1/2) and rises with g;\n"
    "the spectrum is nearly point-symmetric about its mean."
)
SMALL = dict(ns=[30, 60, 120], sets=["lyapunov.t_sim=200", "lyapunov.t_warmup=50", "lyapunov.t_ons_warmup=20"])
FULL = dict(ns=[100, 200, 400], sets=["lyapunov.t_sim=1000", "lyapunov.t_warmup=100", "lyapunov.t_ons_warmup=100",
                                      "lyapunov.dt=0.02"])


def run(full: bool = False, outdir: str = "reproduce-out", ratenet: Optional[str] = None,
        ns: Optional[Sequence[int]] = None, sets: Optional[Sequence[str]] = None) -> Dict:
    exe = binary.find_ratenet(ratenet)
    binary.require_subcommand(exe, "lyapunov", "reproduce engelken2020")
    out = prepare_outdir(os.path.join(outdir, NAME))
    size = FULL if full else SMALL
    ns = list(ns or size["ns"])
    sets = list(size["sets"] if sets is None else sets)
    runs = []
    for n in ns:
        h5 = os.path.join(out, f"lyapunov_N{n}.h5")
        binary.run_analysis(exe, "lyapunov", str(config_path(NAME)), h5, sets + [f"model.n={n}"])
        with open_file(h5) as f:
            ly = f.lyapunov()
            g = f.network().param("g")
        runs.append((n, ly, h5, g))
    dky = np.array([r[1].kaplan_yorke for r in runs])
    H = np.array([r[1].entropy_rate for r in runs])
    N = np.array(ns, float)
    slope = float(np.sum(N * dky) / np.sum(N * N))
    # Collapse: spectra interpolated on a common i/N grid
    grid = np.linspace(0.05, 0.95, 19)
    curves = np.array([np.interp(grid, np.arange(1, r[1].k + 1) / r[0], r[1].exponents) for r in runs])
    collapse = float(np.max(np.std(curves, axis=0)))
    key = {
        "g": runs[0][3],
        "N": ns,
        "D_KY": [float(v) for v in dky],
        "D_KY_over_N": [float(v) for v in dky / N],
        "D_KY_slope": slope,
        "D_KY_over_N_spread": float(np.std(dky / N) / max(1e-12, np.mean(dky / N))),
        "entropy_rate": [float(v) for v in H],
        "lambda_max": [r[1].lambda_max for r in runs],
        "spectrum_collapse_max_std": collapse,
    }
    figs = draw(runs, key, out)
    return dict(key_numbers=key, figures=figs, files=[r[2] for r in runs])


def draw(runs, key, out) -> List[str]:
    import matplotlib.pyplot as plt

    from .. import plots

    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(14, 5.5), dpi=plots.DPI, layout="constrained")
    cm = plt.get_cmap(plots.SEQ_CMAP)
    for k, (n, ly, _, _) in enumerate(runs):
        c = cm(0.85 * k / max(1, len(runs) - 1))
        x = np.arange(1, ly.k + 1) / n
        a1.fill_between(x, ly.exponents - 2 * np.nan_to_num(ly.errors), ly.exponents + 2 * np.nan_to_num(ly.errors),
                        color=c, alpha=0.25, lw=0)
        a1.plot(x, ly.exponents, "-", color=c, lw=1.5, ls=["-", "--", "-.", ":"][k % 4], label=f"N = {n}")
    a1.axhline(0, color="0.4", lw=0.8, ls="--")
    a1.set_xlabel("i / N")
    a1.set_ylabel("Lyapunov exponent $\\lambda_i$ (1/$\\tau$)")
    a1.set_title(f"(a) spectra, g = {key['g']:g}")
    a1.legend()
    N = np.array(key["N"], float)
    nn = np.linspace(0, N.max() * 1.05, 50)
    a2.plot(N, key["D_KY"], "o", color=cm(0.2), ms=7, label="simulation")
    a2.plot(nn, key["D_KY_slope"] * nn, "--", color=cm(0.7), label=f"D_KY = {key['D_KY_slope']:.3g} N")
    a2.set_xlabel("network size N (neurons)")
    a2.set_ylabel("Kaplan-Yorke dimension $D_{KY}$")
    a2.set_title("(b) attractor dimension is extensive")
    a2.legend()
    a3.plot(N, key["entropy_rate"], "s", color=cm(0.2), ms=7, label="entropy rate H (sum of positive $\\lambda_i$)")
    hs = float(np.sum(N * np.array(key["entropy_rate"])) / np.sum(N * N))
    a3.plot(nn, hs * nn, "--", color=cm(0.7), label=f"H = {hs:.3g} N")
    a3.set_xlabel("network size N (neurons)")
    a3.set_ylabel("entropy rate H (nats per $\\tau$)")
    a3.set_title("(c) entropy rate is extensive")
    a3.legend(fontsize=8)
    a1.text(0.0, -0.2, PUBLISHED, fontsize=8.5, transform=a1.transAxes, va="top", ha="left")
    fig.suptitle("Engelken, Wolf & Abbott 2020: extensive chaos in random tanh networks (ratenet)")
    paths = [os.path.join(out, f"{NAME}.png"), os.path.join(out, f"{NAME}.pdf")]
    for p in paths:
        fig.savefig(p, dpi=plots.DPI)
    plt.close(fig)
    return paths
