"""Figures for ratenet files (matplotlib).

Each ``plot_*`` function takes the reader's dataclass and returns a Figure.
:func:`figures_for` lists every figure a file supports; :func:`save` writes
PNG or PDF by the extension.  Figures have a fixed size (``FIGSIZE`` inches at
``DPI``), so a PNG is ``FIGSIZE * DPI`` pixels.

Importing this module changes nothing global: figures are
:class:`matplotlib.figure.Figure` objects made without pyplot (no backend is
chosen, no window can open), and the house style (:data:`STYLE`) is applied
inside each plotting function only, through :func:`matplotlib.rc_context`.
"""

from __future__ import annotations

import functools
import os
from typing import Callable, Dict, Optional, Tuple

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .reader import Chaos, FixedPoints, Lyapunov, Network, Permitted, RatenetFile, Sweep, Trajectory

FIGSIZE = (10.0, 6.0)
DPI = 120
SEQ_CMAP = "viridis"  # grey-safe, perceptually uniform
DIV_CMAP = "cividis"

# The house style, applied only while a figure is drawn (styled()).
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "image.cmap": SEQ_CMAP,
}


def style():
    """A context in which :data:`STYLE` is in effect."""
    return matplotlib.rc_context(STYLE)


def styled(func):
    """Run a figure-making function with :data:`STYLE` in effect (and nothing changed after)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with style():
            return func(*args, **kwargs)

    return wrapper


def colormap(name: str = SEQ_CMAP):
    """A registered colour map by name."""
    return matplotlib.colormaps[name]

TIME_LABEL = "time t (units of $\\tau$)"


def new_figure(nrows=1, ncols=1, **kw):
    """A Figure of the house size with its axes, made without pyplot."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


def save(fig, path: str, dpi: int = DPI) -> str:
    """Write a figure; PNG or PDF (or anything matplotlib knows) by the extension."""
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in ("png", "pdf", "svg", "eps", "ps", "jpg", "jpeg", "tif", "tiff"):
        raise ValueError(f"{path}: unknown figure type {ext!r} (use .png or .pdf)")
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def _suptitle(fig, f: Optional[RatenetFile], what: str) -> None:
    if f is None:
        fig.suptitle(what)
        return
    extra = "" if f.status == "completed" else f"  [status: {f.status}]"
    fig.suptitle(f"{what} — {os.path.basename(f.path)}{extra}")


# --------------------------------------------------------------------------- trajectory


def _shade_schedule(ax, net: Optional[Network], t0: float, t1: float, vertical: bool = True) -> None:
    if net is None or net.schedule is None:
        return
    for s in range(len(net.schedule)):
        a, b = max(net.schedule.t_start[s], t0), min(net.schedule.t_end[s], t1)
        if b <= a:
            continue
        shade = "0.85" if s % 2 == 0 else "0.72"
        ax.axvspan(a, b, color=shade, alpha=0.45 if vertical else 0.0, lw=0, zorder=0)


@styled
def plot_trajectory(
    traj: Trajectory,
    net: Optional[Network] = None,
    f: Optional[RatenetFile] = None,
    max_time_rows: int = 2000,
    max_neurons: int = 400,
    n_traces: int = 5,
):
    """Heat map neurons x time plus a few traces; schedule intervals shaded."""
    fig, (ax1, ax2) = new_figure(2, 1, sharex=True, height_ratios=[3, 2])
    T, R = traj.shape
    if T == 0:
        ax1.text(0.5, 0.5, "no samples written yet", ha="center", va="center", transform=ax1.transAxes)
        _suptitle(fig, f, "Trajectory")
        return fig
    step = max(1, int(np.ceil(T / max_time_rows)))
    cstep = max(1, int(np.ceil(R / max_neurons)))
    X = traj.x(slice(0, T, step), slice(0, R, cstep))
    t = traj.t[0:T:step]
    ids = traj.neuron[0:R:cstep]
    units = traj.units or "model units"
    finite = X[np.isfinite(X)]
    vmin, vmax = (np.percentile(finite, [1, 99]) if finite.size else (0, 1))
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    cmap = SEQ_CMAP if vmin >= 0 else DIV_CMAP
    dt = t[1] - t[0] if len(t) > 1 else 1.0
    im = ax1.imshow(
        X.T,
        aspect="auto",
        origin="lower",
        interpolation="nearest",
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        extent=(t[0] - dt / 2, t[-1] + dt / 2, -0.5, len(ids) - 0.5),
    )
    cb = fig.colorbar(im, ax=ax1, pad=0.01)
    cb.set_label(f"{traj.long_name} ({units})")
    ax1.set_ylabel("recorded neuron" + (f" (every {cstep}th)" if cstep > 1 else ""))
    if len(ids) <= 20:
        ax1.set_yticks(range(len(ids)), [str(i) for i in ids])
    if net is not None and net.schedule is not None:
        for s in range(len(net.schedule)):
            for edge in (net.schedule.t_start[s], net.schedule.t_end[s]):
                ax1.axvline(edge, color="white", lw=0.8, ls="--")
    # Traces: the most variable recorded neurons.
    var = np.nanvar(X, axis=0) + 1e-12 * np.nanmean(np.abs(X), axis=0)
    pick = np.argsort(var)[::-1][: min(n_traces, len(ids))]
    _shade_schedule(ax2, net, t[0], t[-1])
    colors = colormap(SEQ_CMAP)(np.linspace(0.0, 0.85, len(pick)))
    styles = ["-", "--", "-.", ":", (0, (5, 1, 1, 1))]
    for k, c in enumerate(pick):
        ax2.plot(t, X[:, c], color=colors[k], ls=styles[k % len(styles)], lw=1.4, label=f"neuron {ids[c]}")
    ax2.set_xlabel(TIME_LABEL)
    ax2.set_ylabel(f"{traj.long_name} ({units})")
    ax2.legend(loc="best", ncols=min(len(pick), 5))
    ax2.set_xlim(t[0], t[-1])
    st = traj.attrs.get("status", "running")
    info = f"{traj.attrs.get('method', '')}, dt_out = {traj.attrs.get('dt_out', '?')}, status {st}"
    if net is not None and net.schedule is not None:
        info += "; shaded: input schedule intervals"
    ax2.set_title(info, fontsize=10, loc="left")
    _suptitle(fig, f, f"Trajectory ({net.model if net else ''}, N = {net.n if net else R})")
    return fig


# --------------------------------------------------------------------------- permitted sets


def _set_matrix(ax, rows: np.ndarray, title: str, ylabel: str) -> None:
    if rows.shape[0] == 0:
        ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title)
        return
    show = rows[:200]
    ax.imshow(show.astype(float), aspect="auto", cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xlabel("neuron index")
    ax.set_ylabel(ylabel)
    more = f" (first 200 of {rows.shape[0]})" if rows.shape[0] > 200 else f" ({rows.shape[0]})"
    ax.set_title(title + more)


@styled
def plot_permitted(p: Permitted, f: Optional[RatenetFile] = None):
    """Counts of permitted sets by size; maximal permitted and minimal forbidden sets as matrices."""
    fig, axes = new_figure(1, 3)
    n = p.n
    sizes = np.arange(n + 1)
    from math import comb

    total = np.array([comb(n, k) for k in sizes], float)
    axes[0].bar(sizes, total, color="0.85", edgecolor="0.5", label="all subsets $\\binom{N}{k}$")
    axes[0].bar(sizes, p.counts_by_size, color=colormap(SEQ_CMAP)(0.35), label="permitted")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("set size k (neurons)")
    axes[0].set_ylabel("number of sets")
    axes[0].set_title("permitted sets by size")
    axes[0].legend()
    _set_matrix(axes[1], p.maximal, "maximal permitted sets", "set")
    _set_matrix(axes[2], p.minimal_forbidden, "minimal forbidden sets", "set")
    a = p.attrs
    txt = (
        f"criterion {a.get('criterion', '?')}, {p.n_permitted} non-empty permitted sets, "
        f"copositivity of I-W: {a.get('copositivity', '?')}, I-W positive definite: {a.get('positive_definite', '?')}"
    )
    if p.verification is not None:
        v = p.verification
        txt += f"; verified by simulation: {v.n_agree}/{len(v)} sets agree"
    fig.supxlabel(txt, fontsize=9)
    _suptitle(fig, f, f"Permitted and forbidden sets (N = {n})")
    return fig


@styled
def plot_fixed_points(fp: FixedPoints, f: Optional[RatenetFile] = None):
    """Fixed points coloured by stability: supports, counts by size, Jacobian spectra."""
    fig, axes = new_figure(1, 3)
    cm = colormap(SEQ_CMAP)
    c_st, c_un = cm(0.15), cm(0.8)
    F = len(fp)
    n = fp.support.shape[1] if fp.support.ndim == 2 else 0
    if F:
        order = np.lexsort((fp.sizes, ~fp.stable))
        show = order[:200]
        img = np.where(fp.support[show], np.where(fp.stable[show], 2.0, 1.0)[:, None], 0.0)
        from matplotlib.colors import ListedColormap

        axes[0].imshow(img, aspect="auto", interpolation="nearest", cmap=ListedColormap(["white", c_un, c_st]), vmin=0, vmax=2)
        axes[0].set_xlabel("neuron index")
        axes[0].set_ylabel("fixed point")
        axes[0].yaxis.get_major_locator().set_params(integer=True)
    axes[0].set_title(f"supports ({F} fixed points)")
    sizes = np.arange(n + 1)
    cs = np.bincount(fp.sizes[fp.stable], minlength=n + 1)[: n + 1] if F else np.zeros(n + 1)
    cu = np.bincount(fp.sizes[~fp.stable], minlength=n + 1)[: n + 1] if F else np.zeros(n + 1)
    axes[1].bar(sizes, cs, color=c_st, label="stable")
    axes[1].bar(sizes, cu, bottom=cs, color=c_un, hatch="//", label="unstable")
    axes[1].set_xlabel("support size |S| (neurons)")
    axes[1].set_ylabel("number of fixed points")
    axes[1].set_title("fixed points by support size")
    axes[1].legend()
    if F:
        for mask, c, lab, mk in ((fp.stable, c_st, "stable", "o"), (~fp.stable, c_un, "unstable", "^")):
            if mask.any():
                e = fp.eig[mask].ravel()
                axes[2].scatter(e.real, e.imag, s=18, color=c, marker=mk, label=lab, alpha=0.8)
        axes[2].axvline(0, color="0.4", lw=0.8, ls="--")
        axes[2].legend()
    axes[2].set_xlabel("Re eigenvalue (1/$\\tau$)")
    axes[2].set_ylabel("Im eigenvalue (1/$\\tau$)")
    axes[2].set_title("Jacobian eigenvalues")
    a = fp.attrs
    fig.supxlabel(
        f"parity (sum of index) = {fp.parity if F else '?'}, "
        f"supports tested {a.get('supports_tested', '?')}, status {a.get('status', '?')}",
        fontsize=9,
    )
    _suptitle(fig, f, "Fixed points")
    return fig


# --------------------------------------------------------------------------- Lyapunov


@styled
def plot_lyapunov(ly: Lyapunov, f: Optional[RatenetFile] = None, n_traces: int = 6):
    """Spectrum lambda_i vs i/N; convergence traces with error bands; D_KY and H in the legend."""
    fig, (ax1, ax2) = new_figure(1, 2)
    N = ly.n or ly.k
    i = np.arange(1, ly.k + 1)
    x = i / N
    cm = colormap(SEQ_CMAP)
    err = np.nan_to_num(ly.errors)
    ax1.fill_between(x, ly.exponents - 2 * err, ly.exponents + 2 * err, color=cm(0.6), alpha=0.35, lw=0)
    ax1.plot(
        x,
        ly.exponents,
        ".-",
        color=cm(0.2),
        ms=3,
        label=f"$\\lambda_i$ (k = {ly.k} of N = {N})\n$D_{{KY}}$ = {ly.kaplan_yorke:.3g}, "
        f"$D_{{KY}}/N$ = {ly.kaplan_yorke / N:.3g}\nentropy rate H = {ly.entropy_rate:.3g} /$\\tau$",
    )
    ax1.axhline(0, color="0.4", lw=0.8, ls="--")
    ax1.set_xlabel("i / N")
    ax1.set_ylabel("Lyapunov exponent $\\lambda_i$ (1/$\\tau$)")
    ax1.set_title("spectrum (band: $\\pm 2$ s.e.)")
    ax1.legend(loc="best")
    if len(ly.trace_t):
        # trace/t is the absolute time; the estimates accumulate from t_warmup + t_ons_warmup on.
        ta = ly.trace_t - ly.t_accumulate_start
        # The running estimates are in the order of the tangent vectors (not sorted):
        # match each final exponent with its column by the last row.
        last = ly.trace_exponents[-1]
        cols = np.argsort(last)[::-1] if np.all(np.isfinite(last)) else np.arange(ly.k)
        pick = np.unique(np.r_[np.arange(min(n_traces - 1, ly.k)), ly.k - 1])
        colors = cm(np.linspace(0, 0.9, len(pick)))
        for c, j in zip(colors, pick):
            ax2.plot(ta, ly.trace_exponents[:, cols[j]], color=c, lw=1.3, label=f"$\\lambda_{{{j + 1}}}$")
            ax2.axhspan(ly.exponents[j] - 2 * err[j], ly.exponents[j] + 2 * err[j], color=c, alpha=0.2, lw=0)
        ax2.legend(loc="best", ncols=2)
        ax2.set_xscale("log" if ta[0] > 0 and ta[-1] / ta[0] > 50 else "linear")
    else:
        ax2.text(0.5, 0.5, "no convergence trace", ha="center", va="center", transform=ax2.transAxes)
    ax2.set_xlabel("accumulation time (units of $\\tau$)")
    ax2.set_ylabel("running estimate (1/$\\tau$)")
    ax2.set_title("convergence (bands: final $\\pm 2$ s.e.)")
    a = ly.attrs
    fig.supxlabel(
        f"dynamics {a.get('dynamics', '?')}, dt = {a.get('dt', '?')}, t_ons = {a.get('t_ons', '?')}, "
        f"t_sim = {a.get('t_sim', '?')}, sum = {ly.sum:.6g} (mean trace {ly.mean_trace:.6g}), status {a.get('status', '?')}",
        fontsize=9,
    )
    _suptitle(fig, f, "Lyapunov spectrum")
    return fig


# --------------------------------------------------------------------------- sweeps


def sweep_defaults(sw: Sweep) -> Tuple[str, str, Optional[str]]:
    keys = [k for k in sw.keys if k != "seed_index"]
    scalars = [k for k, v in sw.results.items() if v.ndim == 1 and v.dtype.kind in "fiub"]
    y = scalars[0] if scalars else "seconds"
    if not keys:
        return y, sw.keys[0] if sw.keys else "seconds", None
    # x: the key with most distinct values, by: another one
    keys = sorted(keys, key=lambda k: -len(sw.unique(k)))
    return y, keys[0], keys[1] if len(keys) > 1 else None


@styled
def plot_sweep(sw: Sweep, y: Optional[str] = None, x: Optional[str] = None, by: Optional[str] = None,
               f: Optional[RatenetFile] = None):
    """Any result against any swept parameter, one line per value of another (mean +- s.e. over the rest)."""
    dy, dx, dby = sweep_defaults(sw)
    y, x = y or dy, x or dx
    by = by if by is not None else dby
    fig, ax = new_figure()
    ok = np.array([s == "completed" for s in sw.status], bool)
    xv, yv = sw.column(x), np.asarray(sw.column(y), float)
    groups = [None] if by is None else list(sw.unique(by))
    cm = colormap(SEQ_CMAP)
    markers = "osD^v<>p*h"
    for gi, gval in enumerate(groups):
        m = ok.copy() if gval is None else ok & np.isclose(sw.column(by), gval)
        xs = np.unique(xv[m])
        mean = np.array([np.nanmean(yv[m & (xv == u)]) for u in xs]) if len(xs) else np.zeros(0)
        cnt = np.array([np.sum(np.isfinite(yv[m & (xv == u)])) for u in xs])
        sd = np.array([np.nanstd(yv[m & (xv == u)], ddof=1) if c > 1 else 0.0 for u, c in zip(xs, cnt)])
        sem = sd / np.sqrt(np.maximum(cnt, 1))
        c = cm(0.85 * gi / max(1, len(groups) - 1))
        ax.errorbar(xs, mean, yerr=sem, color=c, marker=markers[gi % len(markers)], ms=5, capsize=3,
                    label=None if gval is None else f"{by} = {gval:g}")
    failed = sw.done & ~ok
    if failed.any():
        ax.plot(xv[failed], np.zeros(failed.sum()), "x", color="0.3", label="diverged / failed")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if by is not None or failed.any():
        ax.legend(loc="best")
    ax.set_title(f"{int(sw.done.sum())} of {len(sw)} points run")
    _suptitle(fig, f, f"Sweep: {y} vs {x}")
    return fig


# --------------------------------------------------------------------------- chaos


@styled
def plot_chaos(ch: Chaos, f: Optional[RatenetFile] = None, published: Optional[str] = None):
    """lambda_max vs g with error bars, mean-field line, g_c marked."""
    fig, ax = new_figure()
    cm = colormap(SEQ_CMAP)
    for s in range(ch.lambda_max.shape[1]):
        ok = ~ch.divergent[:, s]
        ax.plot(ch.g[ok], ch.lambda_max[ok, s], ".", color="0.6", ms=4, label="single seeds" if s == 0 else None)
    ax.errorbar(ch.g, ch.lambda_mean, yerr=ch.lambda_sem, fmt="o", color=cm(0.15), capsize=3, ms=5,
                label="simulation: mean $\\pm$ s.e.")
    div = ch.divergent.any(axis=1)
    if div.any():
        ax.plot(ch.g[div], np.zeros(div.sum()), "x", color="0.2", ms=7, label="divergent seeds")
    if len(ch.meanfield_g):
        ax.plot(ch.meanfield_g, ch.meanfield_lambda, "-", color=cm(0.75), lw=2, label="dynamic mean-field theory")
    ax.axhline(0, color="0.4", lw=0.8, ls="--")
    if np.isfinite(ch.g_c):
        ax.axvline(ch.g_c, color=cm(0.15), ls=":", lw=1.5, label=f"$g_c$ (simulation) = {ch.g_c:.3g} $\\pm$ {ch.g_c_err:.2g}")
        if np.isfinite(ch.g_c_err) and ch.g_c_err > 0:
            ax.axvspan(ch.g_c - ch.g_c_err, ch.g_c + ch.g_c_err, color=cm(0.15), alpha=0.12, lw=0)
    if np.isfinite(ch.g_c_stable_branch):
        ax.axvline(ch.g_c_stable_branch, color=cm(0.45), ls="-.", lw=1.2,
                   label=f"$g_c$ (stable branch) = {ch.g_c_stable_branch:.3g} $\\pm$ {ch.g_c_stable_branch_err:.2g}")
    if np.isfinite(ch.g_c_meanfield):
        ax.axvline(ch.g_c_meanfield, color=cm(0.75), ls="--", lw=1.5, label=f"$g_c$ (mean field) = {ch.g_c_meanfield:.3g}")
    ax.set_xlabel("coupling gain g" if ch.key == "model.g" else ch.key)
    ax.set_ylabel("largest Lyapunov exponent $\\lambda_{max}$ (1/$\\tau$)")
    ax.legend(loc="upper left")
    if published:
        ax.text(0.99, 0.02, published, transform=ax.transAxes, ha="right", va="bottom", fontsize=9,
                bbox=dict(boxstyle="round", fc="white", ec="0.6"))
    _suptitle(fig, f, "Transition to chaos" + (f" (N = {ch.n})" if ch.n else ""))
    return fig


# --------------------------------------------------------------------------- dispatch


def figures_for(f: RatenetFile) -> Dict[str, Callable[[], Figure]]:
    """Every figure the file supports, by name, the main one first."""
    out: Dict[str, Callable] = {}
    kind = f.kind
    net = f.network() if f.has("network") else None
    order = {
        "simulate": ["trajectory"],
        "permitted": ["permitted", "fixed_points"],
        "fixed_points": ["fixed_points", "permitted"],
        "lyapunov": ["lyapunov"],
        "sweep": ["sweep"],
        "chaos": ["chaos"],
    }.get(kind, [])
    groups = order + [g for g in ("trajectory", "permitted", "fixed_points", "lyapunov", "sweep", "chaos") if g not in order]
    for g in groups:
        if not f.has(g):
            continue
        if g == "trajectory":
            out["trajectory"] = lambda: plot_trajectory(f.trajectory(), net, f)
        elif g == "permitted":
            out["permitted"] = lambda: plot_permitted(f.permitted(), f)
        elif g == "fixed_points":
            out["fixed_points"] = lambda: plot_fixed_points(f.fixed_points(), f)
        elif g == "lyapunov":
            out["lyapunov"] = lambda: plot_lyapunov(f.lyapunov(), f)
        elif g == "chaos":
            out["chaos"] = lambda: plot_chaos(f.chaos(), f)
        elif g == "sweep":
            sw = f.sweep()
            out["sweep"] = lambda: plot_sweep(sw, f=f)
            scal = [k for k, v in sw.results.items() if v.ndim == 1 and v.dtype.kind in "fiub"]
            for r in scal:
                for xk in [k for k in sw.keys if k != "seed_index"]:
                    byk = next((o for o in sw.keys if o not in (xk, "seed_index")), None)
                    name = f"sweep_{r}_vs_{xk.split('.')[-1]}"
                    if name not in out:
                        out[name] = (lambda r=r, xk=xk, byk=byk: plot_sweep(sw, y=r, x=xk, by=byk, f=f))
    return out


def main_figure(f: RatenetFile):
    figs = figures_for(f)
    if not figs:
        raise ValueError(f"{f.path}: nothing to plot (kind {f.kind!r}, groups {f.groups()})")
    name = next(iter(figs))
    return name, figs[name]()
