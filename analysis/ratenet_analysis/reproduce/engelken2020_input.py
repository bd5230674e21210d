"""Input suppresses chaos: Lyapunov spectra of driven networks (Engelken, Wolf & Abbott, arXiv:2006.02427, 2020).

A temporally fluctuating input lowers the entropy rate H (the sum of the positive
Lyapunov exponents) and the attractor (Kaplan-Yorke) dimension D_KY of a chaotic
random tanh network; strong enough input suppresses chaos (lambda_max < 0).

``ratenet lyapunov configs/reproduce_engelken2020_input.toml`` computes the full
spectrum of a random tanh network (current form, zero diagonal, g = 4) driven by
frozen Ornstein-Uhlenbeck noise: every neuron gets its own fixed realisation u_i(t)
(standard deviation sigma, correlation time tau_c = 1, drawn from ``seeds.noise``),
so the driven network is a deterministic ODE with a defined Lyapunov spectrum.
The reproduction runs it for several sigma (``--set input.frozen_noise_sigma=S``;
sigma = 0 is the autonomous network), several networks (``--set seeds.network=S``)
and, for sigma > 0, several input realisations (``--set seeds.noise=S``), side by
side.  Optionally (``white=True``, the default) it also drives the networks with
frozen white noise of the same low-frequency power: the OU process of std sigma
and correlation time tau_c has the spectral density 2 sigma^2 tau_c at low
frequencies, white noise of intensity sigma_w has sigma_w^2, so sigma_w =
sigma sqrt(2 tau_c).  The white noise is band-limited by its sampling step
(``frozen_noise_dt`` = 0.1): it carries the same slow power as the OU input plus
much more fast power.

Key numbers: per network, H, D_KY and lambda_max are averaged over the input
realisations; ``H``, ``D_KY`` and ``lambda_max`` are the means over networks at
each sigma, ``*_sem`` their standard errors over networks.  ``H_0``, ``D_KY_0``
(sigma = 0) and ``H_max``, ``D_KY_max`` (the largest sigma), the relative drops
``H_rel_drop`` = 1 - H_max/H_0 and ``D_KY_rel_drop``; ``D_KY_half_sigma``: where
the mean D_KY falls to half of D_KY_0 (linear interpolation); ``sigma_c``: where
the mean lambda_max crosses zero (linear interpolation between the last positive
and the next point); ``sigma_suppressed_mean`` / ``sigma_suppressed_all``: the
first sigma at which the mean lambda_max / every single run's lambda_max is
negative (None: none in the range); ``spearman_D_KY`` / ``spearman_H``: Spearman
rank correlation of the mean D_KY / H against sigma (-1: falls monotonically).
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence

import numpy as np

from .. import binary
from ..reader import open_file
from . import config_path, prepare_outdir

NAME = "engelken2020_input"
FIGSIZE = (15.0, 5.5)
PUBLISHED = (
    "Published (Engelken, Wolf & Abbott 2020): temporally fluctuating input can drastically reduce both the\n"
    "entropy rate H and the attractor dimension D_KY of a chaotic random network; strong enough input\n"
    "suppresses chaos (lambda_max < 0)."
)
TAU_C = 1.0  # the OU correlation time of the config (frozen_noise_tau)
# Seeds are fixed, not picked per run.  Network seeds 1-3 are those of engelken2020 at
# N = 100; network seed 4 at N = 100 is not chaotic without input (nearly periodic,
# lambda_max = 0.009, D_KY 2.1, H 0.01; the others: lambda_max 0.19-0.22), so it is
# left out of the reduced size: with it the sigma = 0 means would fall from
# H 0.30, D_KY 6.4 to 0.23, 5.3.  Seeds 5 and 6 are chaotic (lambda_max 0.21, 0.22).
# At sigma = 0 the input vanishes and the noise seed does not matter: one run per network.
SMALL: Dict = dict(n=100, sigmas=[0.0, 1.0, 2.0, 2.5, 3.0, 4.0], networks=[1, 2, 3], noises=[1, 2],
                   white_sigmas=[1.0, 2.0, 3.0, 4.0], sets=[])  # the config holds the lengths
# --full: 92 runs of about 9 s each (N = 200, t_sim 500): 14 minutes with one job.
FULL: Dict = dict(n=200, sigmas=[0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0], networks=[1, 2, 3, 4], noises=[1, 2],
                  white_sigmas=[0.5, 1.0, 1.5, 2.0, 3.0, 4.0],
                  sets=["lyapunov.t_sim=500", "lyapunov.t_warmup=100"])


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Compute the Spearman rank correlation of two sequences.

    Ties get their average rank (a suppressed network has H = D_KY = 0 at
    several sigma).

    Parameters
    ----------
    x, y : sequence of float
        The values, of equal length.

    Returns
    -------
    float
        The Pearson correlation of the ranks; NaN when either is constant or
        fewer than 2 values are given.
    """
    def ranks(v):
        v = np.asarray(v, float)
        order = np.argsort(v, kind="mergesort")
        r = np.empty(len(v))
        r[order] = np.arange(len(v), dtype=float)
        for u in np.unique(v):
            tie = v == u
            r[tie] = r[tie].mean()
        return r

    if len(x) < 2:
        return float("nan")
    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def crossing(x: Sequence[float], y: Sequence[float], level: float = 0.0) -> float:
    """Find where y(x) falls through a level for the last time.

    Linear interpolation between the last point with y > level and the next one.

    Parameters
    ----------
    x : sequence of float
        The abscissae, increasing.
    y : sequence of float
        The values at ``x``.
    level : float, default 0.0
        The level.

    Returns
    -------
    float
        The crossing; NaN when no point is above the level or the last one is.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    above = np.flatnonzero(y > level)
    if len(above) == 0 or above[-1] == len(y) - 1:
        return float("nan")
    i = above[-1]
    return float(x[i] + (y[i] - level) * (x[i + 1] - x[i]) / (y[i] - y[i + 1]))


def _sem(v: np.ndarray) -> float:
    return float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")


def _first(sigmas, mask) -> Optional[float]:
    idx = np.flatnonzero(mask)
    return float(sigmas[idx[0]]) if len(idx) else None


def run(full: bool = False, outdir: str = "reproduce-out", ratenet: Optional[str] = None,
        n: Optional[int] = None, sigmas: Optional[Sequence[float]] = None,
        networks: Optional[Sequence[int]] = None, noises: Optional[Sequence[int]] = None,
        white: bool = True, white_sigmas: Optional[Sequence[float]] = None,
        sets: Optional[Sequence[str]] = None, jobs: Optional[int] = None) -> Dict:
    """Reproduce the suppression of chaos by input: Lyapunov spectra against the input strength.

    Runs ``ratenet lyapunov`` (full spectrum) for every input strength sigma,
    network seed and noise seed side by side, and compares the entropy rate, the
    Kaplan-Yorke dimension and the spectra across sigma.

    Parameters
    ----------
    full : bool, default False
        Run the larger size (``FULL``) instead of the reduced one (``SMALL``).
    outdir : str, default "reproduce-out"
        Results go to ``OUTDIR/engelken2020_input/``.
    ratenet : str, optional
        The binary; default ``$RATENET``, ``./build/ratenet``, or ``ratenet`` on PATH.
    n : int, optional
        Network size (default that of the size).
    sigmas : sequence of float, optional
        OU input strengths (standard deviations); must include 0.
    networks : sequence of int, optional
        Network seeds (``seeds.network``).
    noises : sequence of int, optional
        Input realisations (``seeds.noise``) for every sigma > 0.
    white : bool, default True
        Also run frozen white noise of the same low-frequency power (first noise seed only).
    white_sigmas : sequence of float, optional
        The OU-equivalent strengths of the white-noise runs (intensity sigma sqrt(2 tau_c)).
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
        ``configs/reproduce_engelken2020_input.toml`` was not found (see :func:`ratenet_analysis.reproduce.config_dirs`).
    ValueError
        ``sigmas`` does not include 0.
    RuntimeError
        A run did not complete or did not give a full spectrum.
    """
    exe = binary.find_ratenet(ratenet)
    binary.require_subcommand(exe, "lyapunov", "reproduce engelken2020_input")
    out = prepare_outdir(os.path.join(outdir, NAME))
    size = FULL if full else SMALL
    n = int(n or size["n"])
    sigmas = np.array(sorted(float(s) for s in (size["sigmas"] if sigmas is None else sigmas)))
    if sigmas[0] != 0.0:
        raise ValueError(f"sigmas must include 0 (the autonomous network), got {list(sigmas)}")
    networks = [int(s) for s in (networks or size["networks"])]
    noises = [int(s) for s in (noises or size["noises"])]
    wsig = np.array(sorted(float(s) for s in (size["white_sigmas"] if white_sigmas is None else white_sigmas)
                           if float(s) > 0)) if white else np.zeros(0)
    sets = list(size["sets"] if sets is None else sets) + [f"model.n={n}"]
    cfg = str(config_path(NAME, exe))
    # (kind, sigma, network, noise, file, config, extra sets)
    todo = []
    for s in sigmas:
        for net in networks:
            for m in (noises[:1] if s == 0 else noises):
                h5 = os.path.join(out, f"lyapunov_ou_sigma{s:g}_net{net}_noise{m}.h5")
                todo.append(("ou", s, net, m, h5, cfg, [f"input.frozen_noise_sigma={s:g}"]))
    if len(wsig):
        # frozen_noise_tau does not apply to white noise (ratenet refuses it): a copy without it.
        wcfg = os.path.join(out, "reproduce_engelken2020_input_white.toml")
        with open(cfg) as src, open(wcfg, "w") as dst:
            dst.writelines(line for line in src if not line.strip().startswith("frozen_noise_tau"))
        for s in wsig:
            for net in networks:
                h5 = os.path.join(out, f"lyapunov_white_sigma{s:g}_net{net}_noise{noises[0]}.h5")
                todo.append(("white", s, net, noises[0], h5, wcfg,
                             ['input.frozen_noise="white"', f"input.frozen_noise_sigma={s * np.sqrt(2 * TAU_C):.6g}"]))
    binary.run_many(exe, [binary.analysis_args("lyapunov", c, h5, sets + x + [f"seeds.network={net}", f"seeds.noise={m}"])
                          for _, _, net, m, h5, c, x in todo], jobs=jobs)
    runs: Dict = {}  # (kind, sigma, network) -> list of Lyapunov
    g = None
    for kind, s, net, m, h5, _, _ in todo:
        with open_file(h5) as f:
            ly = f.lyapunov()
            g = float(f.network().param("g"))
            status = f.status
        if status != "completed" or ly.k != n:
            raise RuntimeError(f"{h5}: status {status}, {ly.k} exponents for N = {n} (expected a full spectrum)")
        runs.setdefault((kind, s, net), []).append(ly)

    def per_net(kind, s, attr):  # network values, averaged over the input realisations
        return np.array([np.mean([getattr(ly, attr) for ly in runs[(kind, s, net)]]) for net in networks])

    def stats(kind, ss, attr):
        v = [per_net(kind, s, attr) for s in ss]
        return np.array([x.mean() for x in v]), np.array([_sem(x) for x in v]), v

    H, H_sem, H_net = stats("ou", sigmas, "entropy_rate")
    D, D_sem, D_net = stats("ou", sigmas, "kaplan_yorke")
    L, L_sem, _ = stats("ou", sigmas, "lambda_max")
    lam_all = [[float(ly.lambda_max) for net in networks for ly in runs[("ou", s, net)]] for s in sigmas]
    spectra = {float(s): np.mean([ly.exponents for net in networks for ly in runs[("ou", s, net)]], axis=0)
               for s in sigmas}
    ou = [ly for (kind, _, _), v in runs.items() if kind == "ou" for ly in v]
    key = {
        "g": g,
        "N": n,
        "tau_c": TAU_C,
        "sigmas": [float(s) for s in sigmas],
        "networks": networks,
        "noise_seeds": noises,
        "H": [float(v) for v in H],
        "H_sem": [float(v) for v in H_sem],
        "D_KY": [float(v) for v in D],
        "D_KY_sem": [float(v) for v in D_sem],
        "lambda_max": [float(v) for v in L],
        "lambda_max_sem": [float(v) for v in L_sem],
        "lambda_max_0_networks": lam_all[0],
        "H_0": float(H[0]), "H_0_sem": float(H_sem[0]),
        "D_KY_0": float(D[0]), "D_KY_0_sem": float(D_sem[0]),
        "sigma_max": float(sigmas[-1]),
        "H_max": float(H[-1]), "H_max_sem": float(H_sem[-1]),
        "D_KY_max": float(D[-1]), "D_KY_max_sem": float(D_sem[-1]),
        "lambda_max_max": float(L[-1]),
        "H_rel_drop": float(1 - H[-1] / H[0]) if H[0] > 0 else float("nan"),
        "D_KY_rel_drop": float(1 - D[-1] / D[0]) if D[0] > 0 else float("nan"),
        "D_KY_half_sigma": crossing(sigmas, D, 0.5 * D[0]),
        "sigma_c": crossing(sigmas, L),
        "sigma_suppressed_mean": _first(sigmas, L < 0),
        "sigma_suppressed_all": _first(sigmas, np.array([max(v) < 0 for v in lam_all])),
        "spearman_D_KY": spearman(sigmas, D),
        "spearman_H": spearman(sigmas, H),
        "max_rel_sum_error": float(max(abs(ly.sum / -n - 1) for ly in ou)),
        "runs": len(todo),
    }
    white_res = None
    if len(wsig):
        WH, WH_sem, _ = stats("white", wsig, "entropy_rate")
        WD, WD_sem, _ = stats("white", wsig, "kaplan_yorke")
        WL, WL_sem, _ = stats("white", wsig, "lambda_max")
        key.update({
            "white_sigmas": [float(s) for s in wsig],
            "white_intensity": [float(s * np.sqrt(2 * TAU_C)) for s in wsig],
            "white_H": [float(v) for v in WH],
            "white_D_KY": [float(v) for v in WD],
            "white_lambda_max": [float(v) for v in WL],
            "white_sigma_c": crossing(np.r_[0.0, wsig], np.r_[L[0], WL]),
            "white_sigma_suppressed_mean": _first(wsig, WL < 0),
        })
        white_res = dict(sigmas=wsig, H=WH, H_sem=WH_sem, D=WD, D_sem=WD_sem)
    figs = draw(sigmas, H_net, D_net, spectra, white_res, key, out)
    return dict(key_numbers=key, figures=figs, files=[r[4] for r in todo])


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


def _draw(sigmas, H_net, D_net, spectra, white, key, out) -> List[str]:
    from matplotlib.figure import Figure

    from .. import plots

    fig = Figure(figsize=FIGSIZE, dpi=plots.DPI, layout="constrained")
    a1, a2, a3 = fig.subplots(1, 3)
    cm = plots.colormap(plots.SEQ_CMAP)
    nets = key["networks"]
    for ax, per, mean, sem, wkey, ylabel, title in (
        (a1, H_net, key["H"], key["H_sem"], "H", "entropy rate H (nats per $\\tau$)",
         f"(a) entropy rate: {key['H_0']:.3f} $\\to$ {key['H_max']:.3f} "
         f"(Spearman {key['spearman_H']:.2f})"),
        (a2, D_net, key["D_KY"], key["D_KY_sem"], "D", "Kaplan-Yorke dimension $D_{KY}$",
         f"(b) attractor dimension: {key['D_KY_0']:.2f} $\\to$ {key['D_KY_max']:.2f} "
         f"(Spearman {key['spearman_D_KY']:.2f})"),
    ):
        for j in range(len(nets)):
            ax.plot(sigmas, [v[j] for v in per], "-", color="0.6", lw=0.8, alpha=0.6,
                    label="single networks" if j == 0 else None)
        ax.errorbar(sigmas, mean, yerr=np.nan_to_num(sem), fmt="o-", color=cm(0.2), ms=6, capsize=3,
                    label=f"OU input ($\\tau_c$ = {key['tau_c']:g}), mean $\\pm$ s.e. ({len(nets)} networks)")
        if white is not None:
            # sigma = 0 is the same autonomous network for both inputs
            ax.errorbar(np.r_[0.0, white["sigmas"]], np.r_[mean[0], white[wkey]],
                        yerr=np.nan_to_num(np.r_[sem[0], white[wkey + "_sem"]]), fmt="s--",
                        color=cm(0.7), ms=5, capsize=3, label="white input, same slow power")
        if key["sigma_c"] == key["sigma_c"]:
            ax.axvline(key["sigma_c"], color="0.4", lw=0.8, ls=":")
        ax.set_xlabel("input strength $\\sigma$ (OU standard deviation)")
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8, loc="upper right")
    smax = max(float(sigmas[-1]), 1e-12)
    x = np.arange(1, key["N"] + 1) / key["N"]
    # main axes: the top of the spectra (the positive and weakly negative exponents);
    # inset: the full spectra
    ins = a3.inset_axes([0.52, 0.55, 0.45, 0.38])
    for s, spec in spectra.items():
        c = cm(0.9 * s / smax)
        a3.plot(x, spec, "o-", color=c, lw=1.4, ms=2.5, label=f"$\\sigma$ = {s:g}")
        ins.plot(x, spec, color=c, lw=1.0)
    for ax in (a3, ins):
        ax.axhline(0, color="0.4", lw=0.8, ls="--")
    top = max(float(v[0]) for v in spectra.values())
    a3.set_xlim(0, 0.25)
    a3.set_ylim(min(float(np.interp(0.25, x, v)) for v in spectra.values()) - 0.05, max(0.1, top + 0.05))
    ins.tick_params(labelsize=7)
    ins.set_title("full spectra", fontsize=8)
    a3.set_xlabel("i / N (top quarter of the spectrum)")
    a3.set_ylabel("Lyapunov exponent $\\lambda_i$ (1/$\\tau$)")
    sc = key["sigma_c"]
    a3.set_title(f"(c) spectra, N = {key['N']}, g = {key['g']:g}: $\\lambda_{{max}}$ < 0 from "
                 + (f"$\\sigma_c$ = {sc:.2f}" if sc == sc else "(not in range)"), fontsize=10)
    a3.legend(fontsize=8, loc="lower left")
    fig.supxlabel(PUBLISHED, fontsize=8.5)
    fig.suptitle("Engelken, Wolf & Abbott 2020: fluctuating input lowers the entropy rate and the attractor "
                 "dimension of a chaotic network and suppresses chaos (ratenet)")
    paths = [os.path.join(out, f"{NAME}.png"), os.path.join(out, f"{NAME}.pdf")]
    for p in paths:
        fig.savefig(p, dpi=plots.DPI)
    return paths
