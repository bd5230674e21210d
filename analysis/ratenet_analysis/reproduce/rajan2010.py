"""Stimulus-dependent suppression of chaos (Rajan, Abbott & Sompolinsky, PRE 82:011903, 2010).

A chaotic random network, tau dh/dt = -h + J tanh(h) + I(t) with J_ij ~ N(0, g^2/N),
driven by sinusoids of random phases, I_i(t) = A sin(2 pi f t + theta_i), becomes
non-chaotic when the amplitude A grows: the largest Lyapunov exponent lambda_max
crosses zero at a critical amplitude A_c, which depends on f and is smallest at an
intermediate frequency.

``ratenet lyapunov configs/reproduce_rajan2010.toml`` computes lambda_max (with its
standard error over blocks of the accumulation) for one amplitude, frequency and
network.  The reproduction runs it for every amplitude (``--set
input.sinusoid_amplitude=A``), two frequencies (``--set input.sinusoid_frequency=F``)
and several networks (``--set seeds.network=S --set seeds.noise=S``: the couplings
and the phases theta_i), side by side, and draws lambda_max against A.

Key numbers (at the first frequency, ``f``): ``lambda_max_A0`` and
``lambda_max_Amax`` are the network means at A = 0 and at the largest amplitude,
with the standard error over networks (``_sem``); ``A_c`` is where the network mean
crosses zero, by linear interpolation between the last positive point and the next
(negative) one; ``A_c_networks`` are the crossings of the single networks found the
same way and ``A_c_spread`` their standard deviation.  ``A_c_by_frequency`` holds
the crossing of the mean at each frequency (NaN: still chaotic at the largest A).

The reduced size uses N = 200 and g = 2.5, not the paper's g = 1.5: at N = 200 a
g = 1.5 network is not chaotic without input (finite-size shift of the transition
to chaos; lambda_max = 0.001, -0.004, 0.0001 +- 0.002 for network seeds 1-3).
``--full`` runs N = 1000 and g = 1.5 as in the paper.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence

import numpy as np

from .. import binary
from ..reader import open_file
from . import config_path, prepare_outdir

NAME = "rajan2010"
FIGSIZE = (13.0, 5.5)
PUBLISHED = (
    "Published (Rajan, Abbott & Sompolinsky 2010; g = 1.5, N = 1000): a sinusoidal input of random phases\n"
    "suppresses the chaos of a random tanh network: lambda_max falls with the amplitude A and crosses zero at\n"
    "a critical A_c; A_c depends on the frequency f and is smallest at an intermediate f (a resonance)."
)
# Network seeds (seeds.network and seeds.noise, so the couplings and the phases differ):
# fixed, not picked per run.  With g = 2.5 every N = 200 network tried (seeds 1-6) is
# chaotic at A = 0 (lambda_max 0.095 .. 0.137); at g = 2 network seed 3 is not
# (lambda_max = 0.003), and at g = 1.5 none of seeds 1-3 is.
# f = 0.03 cycles per tau is near the smallest A_c at N = 200, g = 2.5 (explored: the mean
# crossing is about 1.7 at f = 0.01, 1.35 at 0.03, 1.55 at 0.1; at f = 0.3 the networks
# are still chaotic at A = 2.5); f = 0.3 shows the rise of A_c at high frequency.
SMALL: Dict = dict(n=200, amplitudes=[0.0, 0.5, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5], freqs=[0.03, 0.3],
                   seeds=[1, 2, 3], sets=[])  # the config holds g = 2.5 and the lengths
FULL: Dict = dict(n=1000, amplitudes=[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5],
                  freqs=[0.03, 0.3], seeds=[1, 2, 3, 4],
                  sets=["model.g=1.5", "lyapunov.t_warmup=200", "lyapunov.t_sim=1000"])


def crossing(amplitudes: Sequence[float], lam: Sequence[float]) -> float:
    """Find where lambda_max(A) crosses zero for the last time.

    Linear interpolation between the last point with lambda_max > 0 and the next
    one (which is <= 0).

    Parameters
    ----------
    amplitudes : sequence of float
        The amplitudes, increasing.
    lam : sequence of float
        The largest Lyapunov exponent at each amplitude.

    Returns
    -------
    float
        The crossing amplitude; NaN when no point is positive (A_c below the
        range) or the last point is (A_c above the range).
    """
    a = np.asarray(amplitudes, float)
    y = np.asarray(lam, float)
    pos = np.flatnonzero(y > 0)
    if len(pos) == 0 or pos[-1] == len(y) - 1:
        return float("nan")
    i = int(pos[-1])
    return float(a[i] + (a[i + 1] - a[i]) * y[i] / (y[i] - y[i + 1]))


def _sem(x: np.ndarray) -> np.ndarray:
    """Standard error over the first axis (NaN with one row)."""
    if x.shape[0] < 2:
        return np.full(x.shape[1:], np.nan)
    return x.std(axis=0, ddof=1) / np.sqrt(x.shape[0])


def run(full: bool = False, outdir: str = "reproduce-out", ratenet: Optional[str] = None,
        n: Optional[int] = None, amplitudes: Optional[Sequence[float]] = None,
        freqs: Optional[Sequence[float]] = None, seeds: Optional[Sequence[int]] = None,
        sets: Optional[Sequence[str]] = None, jobs: Optional[int] = None) -> Dict:
    """Reproduce the suppression of chaos by a sinusoidal input: lambda_max against A.

    Runs ``ratenet lyapunov`` (lambda_max) for every amplitude, frequency and
    network side by side, and finds where the network mean crosses zero.

    Parameters
    ----------
    full : bool, default False
        Run at the paper's size (``FULL``) instead of the reduced one (``SMALL``).
    outdir : str, default "reproduce-out"
        Results go to ``OUTDIR/rajan2010/``.
    ratenet : str, optional
        The binary; default ``$RATENET``, ``./build/ratenet``, or ``ratenet`` on PATH.
    n : int, optional
        Network size (default that of the size).
    amplitudes : sequence of float, optional
        Input amplitudes A, increasing, the first normally 0 (default those of the size).
    freqs : sequence of float, optional
        Input frequencies f (cycles per tau); the first gives the key numbers.
    seeds : sequence of int, optional
        Network seeds (``seeds.network`` and ``seeds.noise``).
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
        ``configs/reproduce_rajan2010.toml`` was not found (see :func:`ratenet_analysis.reproduce.config_dirs`).
    RuntimeError
        A run did not complete.
    """
    exe = binary.find_ratenet(ratenet)
    binary.require_subcommand(exe, "lyapunov", "reproduce rajan2010")
    out = prepare_outdir(os.path.join(outdir, NAME))
    size = FULL if full else SMALL
    n = int(n or size["n"])
    amps = [float(a) for a in (size["amplitudes"] if amplitudes is None else amplitudes)]
    if any(b <= a for a, b in zip(amps, amps[1:])):
        raise ValueError(f"amplitudes must increase: {amps}")
    freqs = [float(f) for f in (size["freqs"] if freqs is None else freqs)]
    seeds = [int(s) for s in (size["seeds"] if seeds is None else seeds)]
    sets = list(size["sets"] if sets is None else sets)
    cfg = str(config_path(NAME, exe))
    todo = [(fi, si, ai, os.path.join(out, f"lyapunov_N{n}_f{f:g}_A{a:g}_seed{s}.h5"))
            for fi, f in enumerate(freqs) for si, s in enumerate(seeds) for ai, a in enumerate(amps)]
    binary.run_many(exe, [binary.analysis_args(
        "lyapunov", cfg, h5, sets + [f"model.n={n}", f"seeds.network={seeds[si]}", f"seeds.noise={seeds[si]}",
                                     f"input.sinusoid_amplitude={amps[ai]!r}", f"input.sinusoid_frequency={freqs[fi]!r}"])
        for fi, si, ai, h5 in todo], jobs=jobs)
    lam = np.full((len(freqs), len(seeds), len(amps)), np.nan)
    err = np.full_like(lam, np.nan)
    g = None
    for fi, si, ai, h5 in todo:
        with open_file(h5) as f:
            ly = f.lyapunov()
            g = float(f.network().param("g"))
            status = f.status
        if status != "completed" or ly.k < 1:
            raise RuntimeError(f"{h5}: status {status}, {ly.k} exponents")
        lam[fi, si, ai] = ly.lambda_max
        err[fi, si, ai] = ly.errors[0]
    mean = lam.mean(axis=1)                     # frequencies x amplitudes
    sem = np.stack([_sem(lam[fi]) for fi in range(len(freqs))])
    a_c = [crossing(amps, mean[fi]) for fi in range(len(freqs))]
    a_c_net = [crossing(amps, lam[0, si]) for si in range(len(seeds))]
    finite = np.array([v for v in a_c_net if np.isfinite(v)])
    key = {
        "N": n,
        "g": g,
        "f": freqs[0],
        "frequencies": freqs,
        "amplitudes": amps,
        "seeds": seeds,
        "lambda_max_A0": float(mean[0, 0]),
        "lambda_max_A0_sem": float(sem[0, 0]),
        "lambda_max_A0_all": [round(float(v), 5) for v in lam[0, :, 0]],
        "lambda_max_A0_err_all": [round(float(v), 5) for v in err[0, :, 0]],
        "A_max": amps[-1],
        "lambda_max_Amax": float(mean[0, -1]),
        "lambda_max_Amax_sem": float(sem[0, -1]),
        "lambda_max_Amax_all": [round(float(v), 5) for v in lam[0, :, -1]],
        "lambda_mean": [round(float(v), 5) for v in mean[0]],
        "lambda_sem": [round(float(v), 5) for v in sem[0]],
        "A_c": a_c[0],
        "A_c_networks": [round(v, 4) for v in a_c_net],
        "A_c_spread": float(finite.std(ddof=1)) if len(finite) > 1 else float("nan"),
        "A_c_range": [float(finite.min()), float(finite.max())] if len(finite) else [],
        "A_c_by_frequency": [float(v) for v in a_c],
        "lambda_mean_by_frequency": [[round(float(v), 5) for v in m] for m in mean],
        "max_run_error": float(np.nanmax(err)),
    }
    figs = draw(amps, freqs, lam, err, mean, sem, a_c, a_c_net, key, out)
    return dict(key_numbers=key, figures=figs, files=[r[3] for r in todo])


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


def _draw(amps, freqs, lam, err, mean, sem, a_c, a_c_net, key, out) -> List[str]:
    from matplotlib.figure import Figure

    from .. import plots

    fig = Figure(figsize=FIGSIZE, dpi=plots.DPI, layout="constrained")
    a1, a2 = fig.subplots(1, 2, sharey=True)
    cm = plots.colormap(plots.SEQ_CMAP)
    A = np.asarray(amps)
    seeds = key["seeds"]
    for si, s in enumerate(seeds):
        c = cm(0.15 + 0.7 * si / max(1, len(seeds) - 1))
        a1.errorbar(A, lam[0, si], yerr=err[0, si], fmt="o-", color=c, lw=0.8, ms=3.5, capsize=2, alpha=0.6,
                    label=f"network {s}" + (f": A_c = {a_c_net[si]:.2f}" if np.isfinite(a_c_net[si]) else ""))
    a1.errorbar(A, mean[0], yerr=np.nan_to_num(sem[0]), fmt="s-", color="k", lw=2.0, ms=6, capsize=3,
                label=f"mean of {len(seeds)} $\\pm$ s.e.")
    a1.axhline(0, color="0.4", lw=0.8, ls="--")
    if np.isfinite(a_c[0]):
        a1.axvline(a_c[0], color="tab:red", lw=1.2, ls=":")
        a1.plot([a_c[0]], [0], "v", color="tab:red", ms=9, label=f"A_c = {a_c[0]:.2f} (mean crosses 0)")
    a1.set_xlabel("input amplitude A")
    a1.set_ylabel("largest Lyapunov exponent $\\lambda_{max}$ (1/$\\tau$)")
    a1.set_title(f"(a) f = {freqs[0]:g} / $\\tau$, N = {key['N']}, g = {key['g']:g}: "
                 f"$\\lambda_{{max}}$ $\\pm$ s.e. per network", fontsize=10)
    a1.legend(fontsize=8)
    styles = ["s-", "o--", "^-.", "d:"]
    for fi, f in enumerate(freqs):
        c = cm(0.85 * fi / max(1, len(freqs) - 1))
        lab = f"f = {f:g} / $\\tau$: " + (f"A_c = {a_c[fi]:.2f}" if np.isfinite(a_c[fi])
                                           else f"chaotic up to A = {amps[-1]:g}")
        a2.errorbar(A, mean[fi], yerr=np.nan_to_num(sem[fi]), fmt=styles[fi % 4], color=c, lw=1.6, ms=5,
                    capsize=3, label=lab)
        if np.isfinite(a_c[fi]):
            a2.plot([a_c[fi]], [0], "v", color=c, ms=9)
    a2.axhline(0, color="0.4", lw=0.8, ls="--")
    a2.set_xlabel("input amplitude A")
    a2.set_title(f"(b) frequency dependence: mean of {len(seeds)} networks $\\pm$ s.e.", fontsize=10)
    a2.legend(fontsize=8)
    fig.supxlabel(PUBLISHED, fontsize=8.5)
    fig.suptitle("Rajan, Abbott & Sompolinsky 2010: a sinusoidal input suppresses chaos "
                 "($\\lambda_{max}$ < 0 above A_c) (ratenet)")
    paths = [os.path.join(out, f"{NAME}.png"), os.path.join(out, f"{NAME}.pdf")]
    for p in paths:
        fig.savefig(p, dpi=plots.DPI)
    return paths
