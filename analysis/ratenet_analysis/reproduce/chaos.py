"""Transition to chaos: Sompolinsky, Crisanti & Sommers, PRL 61:259 (1988);
Kadmon & Sompolinsky, PRX 5:041030 (2015).

``ratenet chaos`` computes the largest Lyapunov exponent of dh/dt = -h + J tanh(h),
J_ij ~ N(0, g^2/N), against g over several seeds, and the dynamic mean-field
prediction.  The figure shows lambda_max(g) with error bars, the mean-field line
and g_c (simulated and mean field, published g_c = 1).
"""

from __future__ import annotations

import os
from typing import Dict, Optional

import numpy as np

from .. import binary
from ..reader import open_file
from . import config_path, prepare_outdir

NAME = "chaos"
PUBLISHED = (
    "Published: SCS 1988 (tanh, J ~ N(0, g^2/N)): h = 0 is stable for g < 1 and the network is chaotic\n"
    "for g > 1, g_c = 1; lambda_max from dynamic mean-field theory grows like (g - 1)^2 near onset.\n"
    "Kadmon & Sompolinsky 2015: the onset is where g^2 <phi'(h)^2> = 1; finite N approach DMFT ~ 1/N."
)
SMALL = dict(sets=["model.n=200"])
FULL = dict(sets=["model.n=1000"])


def run(full: bool = False, outdir: str = "reproduce-out", ratenet: Optional[str] = None, sets=None) -> Dict:
    exe = binary.find_ratenet(ratenet)
    binary.require_subcommand(exe, "chaos", "reproduce chaos")
    out = prepare_outdir(os.path.join(outdir, NAME))
    h5 = os.path.join(out, "chaos.h5")
    binary.run_analysis(exe, "chaos", str(config_path(NAME)), h5, sets if sets is not None else (FULL if full else SMALL)["sets"])
    from .. import plots

    with open_file(h5) as f:
        ch = f.chaos()
        n = f.network().n if f.has("network") else None
        fig = plots.plot_chaos(ch, f, published=PUBLISHED)
    fig.suptitle(f"Transition to chaos, tanh network N = {n} (ratenet) vs Sompolinsky, Crisanti & Sommers 1988")
    paths = [os.path.join(out, f"{NAME}.png"), os.path.join(out, f"{NAME}.pdf")]
    for p in paths:
        fig.savefig(p, dpi=plots.DPI)
    import matplotlib.pyplot as plt

    plt.close(fig)
    # Mean-field value at the largest simulated g, for comparison
    mf_at = np.interp(ch.g, ch.meanfield_g, ch.meanfield_lambda) if len(ch.meanfield_g) else np.full(len(ch.g), np.nan)
    key = {
        "N": n,
        "g_c": ch.g_c,
        "g_c_err": ch.g_c_err,
        "g_c_meanfield": ch.g_c_meanfield,
        "g_c_published": 1.0,
        "max_abs_dev_from_meanfield_above_1.5": float(np.nanmax(np.abs(ch.lambda_mean - mf_at)[ch.g >= 1.5]))
        if np.any(ch.g >= 1.5) else float("nan"),
        "divergent_points": int(ch.divergent.sum()),
    }
    return dict(key_numbers=key, figures=paths, files=[h5])
