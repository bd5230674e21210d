"""Figures for ratenet files (matplotlib).

Each ``plot_*`` function takes the reader's dataclass and returns a Figure
(:func:`plot_autocorrelation` takes what :func:`ratenet_analysis.autocorrelation`
takes; :func:`plot_local_exponents`, :func:`plot_lyapunov_vectors` and
:func:`plot_covariant_angles` take the :class:`~ratenet_analysis.Lyapunov`
group or the file, open or by path; :func:`plot_chaos_populations` takes the
:class:`~ratenet_analysis.Chaos` group or the file likewise).
:func:`figures_for` lists every figure a file supports; :func:`save` writes
PNG or PDF by the extension.  Figures have a fixed size (``FIGSIZE`` inches at
``DPI``), so a PNG is ``FIGSIZE * DPI`` pixels.

Titles name the quantity shown (never the file); axis labels are built from
the ``long_name`` and ``units`` attributes the file carries (:func:`quantity_label`),
with Greek letters set in mathtext.  Signed quantities get a diverging colour
map centred on zero; error bars say what they are.

Importing this module changes nothing global: figures are
:class:`matplotlib.figure.Figure` objects made without pyplot (no backend is
chosen, no window can open), and the house style (:data:`STYLE`) is applied
inside each plotting function only, through :func:`matplotlib.rc_context`.
"""

from __future__ import annotations

import functools
import os
import re
from math import comb
from typing import Callable, Dict, List, Optional, Tuple

import matplotlib
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from .autocorrelation import FIELDS as AUTOCORRELATION_FIELDS
from .reader import Chaos, ChaosPopulations, FixedPoints, Lyapunov, Network, Permitted, RatenetFile, Sweep, Trajectory

FIGSIZE = (10.0, 6.0)
DPI = 120
SEQ_CMAP = "viridis"  # grey-safe, perceptually uniform
DIV_CMAP = "RdBu_r"  # diverging, for signed quantities (centred on 0)

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
    """A context in which :data:`STYLE` is in effect.

    Returns
    -------
    contextmanager
        :func:`matplotlib.rc_context` with :data:`STYLE`; the previous
        settings are restored on exit.
    """
    return matplotlib.rc_context(STYLE)


def styled(func):
    """Decorate a figure-making function so that it runs with :data:`STYLE` in effect.

    Parameters
    ----------
    func : callable
        A function that makes a figure.

    Returns
    -------
    callable
        The wrapped function; nothing global is changed after it returns.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with style():
            return func(*args, **kwargs)

    return wrapper


def colormap(name: str = SEQ_CMAP):
    """A registered colour map by name.

    Parameters
    ----------
    name : str
        Name of a matplotlib colour map (default :data:`SEQ_CMAP`).

    Returns
    -------
    matplotlib.colors.Colormap
    """
    return matplotlib.colormaps[name]


TIME_LABEL = "time $t$ (units of $\\tau$)"
RATE_UNITS = "1/$\\tau$"

# --------------------------------------------------------------------------- labels

_GREEK = {
    "tau": "\\tau", "lambda": "\\lambda", "alpha": "\\alpha", "beta": "\\beta", "sigma": "\\sigma",
    "theta": "\\theta", "delta": "\\delta", "eps": "\\varepsilon", "epsilon": "\\varepsilon", "mu": "\\mu",
    "rho": "\\rho", "phi": "\\phi", "omega": "\\omega", "gamma": "\\gamma", "kappa": "\\kappa",
}
_GREEK_RE = re.compile(r"(?<![\w\\])(" + "|".join(sorted(_GREEK, key=len, reverse=True)) + r")(?:_(\w+))?(?!\w)")


def tex(text: str) -> str:
    """Set Greek-letter names in mathtext (``tau`` -> ``$\\tau$``, ``lambda_max`` -> ``$\\lambda_{max}$``).

    Text already between dollar signs is left alone.

    Parameters
    ----------
    text : str
        Plain text, e.g. a long name or units from the file.

    Returns
    -------
    str
        The text with Greek letters as mathtext.
    """

    def sub(m):
        g = _GREEK[m.group(1)]
        return f"${g}_{{\\mathrm{{{m.group(2)}}}}}$" if m.group(2) else f"${g}$"

    parts = str(text).split("$")
    for i in range(0, len(parts), 2):  # even parts are outside mathtext
        parts[i] = _GREEK_RE.sub(sub, parts[i])
    return "$".join(parts)


_UNIT_SPELLING = {
    "1/time (units of tau)": "1/$\\tau$",
    "1/tau": "1/$\\tau$",
    "time (units of tau)": "units of $\\tau$",
    "(unit of the variable)^2": "units of the variable, squared",
}


def _clean_units(units: Optional[str]) -> str:
    """Units without a repeated quantity name: 'rate (model units)' -> 'model units'."""
    u = (units or "").strip()
    if u in _UNIT_SPELLING:
        return _UNIT_SPELLING[u]
    m = re.fullmatch(r"[A-Za-z ]+?\s*[(\[](.+)[)\]]", u)  # 'quantity (units)'
    if m:
        u = m.group(1).strip()
    return u


def quantity_label(long_name: str, units: Optional[str], default_units: str = "") -> str:
    """Axis label 'long name (units)' from a dataset's ``long_name`` and ``units``.

    Units that repeat the quantity's name (``"rate (model units)"``) are reduced
    to the part in parentheses, so the label never doubles
    (``"rate x (model units)"``); ``"1"`` becomes ``(dimensionless)``.

    Parameters
    ----------
    long_name : str
        What the quantity is (the ``long_name`` attribute).
    units : str or None
        Its units (the ``units`` attribute).
    default_units : str, optional
        Used when ``units`` is empty; when that is empty too the label says
        ``(units not recorded)``.

    Returns
    -------
    str
        The label, Greek letters in mathtext.
    """
    ln = str(long_name).strip()
    m = re.fullmatch(r"(.*?)\s*\[(.+)\]", ln)  # 'name [units]' (Sweep.label style)
    if m and not units:
        ln, units = m.group(1), m.group(2)
    if re.search(r"\([^()]*\)\s*$", ln) and not units:
        return tex(ln)
    u = _clean_units(units) or default_units
    if u in ("1", "dimensionless", "-"):
        u = "dimensionless"
    elif not u:
        u = "units not recorded"
    return f"{tex(ln)} ({tex(u)})"


# Config keys that are swept: (label, units).
PARAM_LABELS: Dict[str, Tuple[str, str]] = {
    "g": ("coupling gain $g$", "dimensionless"),
    "n": ("network size $N$", "neurons"),
    "n_e": ("excitatory neurons $N_E$", "neurons"),
    "n_i": ("inhibitory neurons $N_I$", "neurons"),
    "k": ("in-degree $K$", "connections per neuron"),
    "alpha": ("self-excitation $\\alpha$", "dimensionless"),
    "beta": ("global inhibition $\\beta$", "dimensionless"),
    "theta": ("input $\\theta$", "model units"),
    "eps": ("$\\varepsilon$", "dimensionless"),
    "delta": ("$\\delta$", "dimensionless"),
    "gain": ("transfer gain", "dimensionless"),
    "noise_sigma": ("noise amplitude $\\sigma$", "model units"),
    "dt": ("time step $dt$", "units of $\\tau$"),
    "dt_out": ("output interval", "units of $\\tau$"),
    "t_end": ("end time", "units of $\\tau$"),
    "t_sim": ("simulated time", "units of $\\tau$"),
    "t_warmup": ("warm-up time", "units of $\\tau$"),
    "t_ons": ("orthonormalisation interval", "units of $\\tau$"),
    "max_lag": ("maximal lag", "units of $\\tau$"),
    "dt_sample": ("sampling interval", "units of $\\tau$"),
    "tau": ("time constant $\\tau$", "model time units"),
    "seed_index": ("seed index", "count"),
}


def param_label(key: str) -> str:
    """Axis label, with units, for a swept config key such as ``model.g``.

    Parameters
    ----------
    key : str
        Dotted config key.

    Returns
    -------
    str
        E.g. ``"coupling gain $g$ (dimensionless)"``; an unknown key is shown
        as itself with ``(config units)``.
    """
    short = key.split(".")[-1]
    if short in PARAM_LABELS:
        name, u = PARAM_LABELS[short]
        return f"{name} ({u})"
    return f"{tex(key)} (config units)"


def _param_name(key: str) -> str:
    """A swept key's name without units (for legends: 'coupling gain $g$')."""
    short = key.split(".")[-1]
    return PARAM_LABELS[short][0] if short in PARAM_LABELS else tex(key)


def sweep_label(sw: Sweep, name: str) -> str:
    """Axis label, with units, for a sweep result (from the file's long names and units) or key.

    Parameters
    ----------
    sw : Sweep
        The sweep.
    name : str
        A result name, ``"seconds"`` or a swept key.

    Returns
    -------
    str
        E.g. ``"mean rate (model units)"``.
    """
    if name in sw.keys or name in [k.split(".")[-1] for k in sw.keys]:
        return param_label(name)
    if name == "seconds" and name not in sw.results:
        return "wall-clock time per point (s)"
    ln = sw.long_names.get(name, name.replace("_", " "))
    return quantity_label(ln, sw.units.get(name, ""))


def _plural(n: int, word: str, plural: Optional[str] = None) -> str:
    """'1 fixed point', '3 fixed points'."""
    n = int(n)
    return f"{n} {word if n == 1 else (plural or word + 's')}"


_MODEL_NAMES = {"hahnloser_wta": "winner-take-all", "random_gaussian": "random Gaussian", "ctln": "CTLN",
                "random_sparse": "sparse random", "ring": "ring"}


def _nice(s: str) -> str:
    return _MODEL_NAMES.get(str(s), str(s).replace("_", " "))


def new_figure(nrows=1, ncols=1, **kw):
    """A Figure of the house size with its axes, made without pyplot.

    Parameters
    ----------
    nrows, ncols : int
        Grid of axes.
    **kw
        Passed to :meth:`matplotlib.figure.Figure.subplots`.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : matplotlib.axes.Axes or numpy.ndarray of them
    """
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


def save(fig, path: str, dpi: int = DPI) -> str:
    """Write a figure; PNG or PDF (or anything matplotlib knows) by the extension.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str
        Output path; its extension chooses the format.
    dpi : int
        Resolution for raster formats.

    Returns
    -------
    str
        ``path``.

    Raises
    ------
    ValueError
        For an unknown extension.
    """
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in ("png", "pdf", "svg", "eps", "ps", "jpg", "jpeg", "tif", "tiff"):
        raise ValueError(f"{path}: unknown figure type {ext!r} (use .png or .pdf)")
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def _suptitle(fig, f: Optional[RatenetFile], what: str) -> None:
    """The figure title: the quantity shown, plus the run status when it did not complete."""
    extra = ""
    if f is not None and f.status != "completed":
        extra = f"  [run {f.status}]"
    fig.suptitle(what + extra)


def _yes_no(v) -> str:
    if isinstance(v, (bool, np.bool_, int, np.integer)) and int(v) in (0, 1):
        return "yes" if v else "no"
    return str(v)


def _integer_ticks(ax, x: bool = True, y: bool = True, nx: Optional[int] = None, ny: Optional[int] = None) -> None:
    """Integer ticks; every integer 0..n-1 when the axis holds n <= 10 items."""
    for on, n, axis in ((x, nx, ax.xaxis), (y, ny, ax.yaxis)):
        if not on:
            continue
        if n is not None and 0 < n <= 10:
            axis.set_ticks(range(n))
        else:
            axis.set_major_locator(MaxNLocator(integer=True, nbins=6, min_n_ticks=1))


def _color_limits(values: np.ndarray, signed: Optional[bool] = None):
    """(vmin, vmax, norm or None, cmap, extend) for an image of ``values``.

    Signed data get :data:`DIV_CMAP` centred on 0 (symmetric limits); the
    limits are the 1st/99th percentiles, and ``extend`` marks the clipped ends.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0, None, SEQ_CMAP, "neither"
    lo, hi = np.percentile(finite, [1, 99])
    dmin, dmax = float(finite.min()), float(finite.max())
    if signed is None:
        # signed when the negative values are more than a transient dip (a rate that starts
        # slightly below 0 is still a rate)
        signed = dmin < -0.05 * max(dmax, 0.0) or (dmin < 0 and dmax <= 0)
    if signed:
        m = max(abs(lo), abs(hi))
        if m == 0:
            m = max(abs(dmin), abs(dmax)) or 1.0
        vmin, vmax = -m, m
        cmap = DIV_CMAP
    else:
        vmin, vmax = lo, hi
        if lo < 0:
            vmin = 0.0  # an unsigned quantity (a rate): transient dips below 0 are clipped
        elif lo - dmin <= 0.05 * (hi - lo):
            vmin = dmin  # start at the data's minimum (often 0 for rates)
        if vmax <= vmin:
            vmin, vmax = vmin - 0.5, vmax + 0.5
        cmap = SEQ_CMAP
    below, above = dmin < vmin, dmax > vmax
    extend = "both" if below and above else "min" if below else "max" if above else "neither"
    return vmin, vmax, None, cmap, extend


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


def _traj_label(traj: Trajectory, net: Optional[Network]) -> Tuple[str, str]:
    """(long name, axis label with units) of the trajectory's state."""
    ln = traj.long_name
    if not traj.attrs.get("long_name") and ln == "x" and net is not None:
        ln = "input current h" if net.form == "current" else "rate x"
    return ln, quantity_label(ln, traj.units, "model units")


@styled
def plot_trajectory(
    traj: Trajectory,
    net: Optional[Network] = None,
    f: Optional[RatenetFile] = None,
    max_time_rows: int = 2000,
    max_neurons: int = 400,
    n_traces: int = 5,
):
    """Heat map neurons x time plus traces of the most variable neurons.

    A signed state (the input current h of a current-form network) is drawn
    with a diverging colour map centred on 0; the colour bar has extension
    arrows where values are clipped.  Input schedule intervals are shaded.

    Parameters
    ----------
    traj : Trajectory
        The /trajectory group.
    net : Network, optional
        The /network group (model name, schedule).
    f : RatenetFile, optional
        The file (for the run status).
    max_time_rows : int
        At most this many samples are drawn (every k-th).
    max_neurons : int
        At most this many neurons are drawn (every k-th).
    n_traces : int
        Number of single-neuron traces in the lower panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax1, ax2) = new_figure(2, 1, sharex=True, height_ratios=[3, 2])
    T, R = traj.shape
    ln, qlabel = _traj_label(traj, net)
    what = f"{ln[:1].upper() + ln[1:]}"
    if net is not None:
        what += f" of a {_nice(net.model)} network (N = {net.n})"
    if T == 0:
        ax1.text(0.5, 0.5, "no samples written yet", ha="center", va="center", transform=ax1.transAxes)
        ax2.set_axis_off()
        _suptitle(fig, f, tex(what))
        return fig
    step = max(1, int(np.ceil(T / max_time_rows)))
    cstep = max(1, int(np.ceil(R / max_neurons)))
    X = traj.x(slice(0, T, step), slice(0, R, cstep))
    t = traj.t[0:T:step]
    ids = traj.neuron[0:R:cstep]
    signed = None
    if net is not None and net.form == "current":
        signed = True
    vmin, vmax, _, cmap, extend = _color_limits(X, signed)
    dt = t[1] - t[0] if len(t) > 1 else 1.0
    kw = dict(vmin=vmin, vmax=vmax) if cmap != DIV_CMAP else dict(norm=TwoSlopeNorm(0.0, vmin, vmax))
    im = ax1.imshow(
        X.T,
        aspect="auto",
        origin="lower",
        interpolation="nearest",
        cmap=cmap,
        extent=(t[0] - dt / 2, t[-1] + dt / 2, -0.5, len(ids) - 0.5),
        **kw,
    )
    # An inset colour bar keeps both panels the same width (the traces have their legend there).
    cb = fig.colorbar(im, cax=ax1.inset_axes([1.015, 0.0, 0.025, 1.0]), extend=extend)
    cb.set_label(qlabel)
    ax1.set_ylabel("neuron index" + (f" (every {cstep}th recorded)" if cstep > 1 else ""))
    if len(ids) <= 20:
        ax1.set_yticks(range(len(ids)), [str(i) for i in ids])
    else:
        ax1.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax1.yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: str(ids[int(round(v))]) if 0 <= round(v) < len(ids) else "")
        )
    ax1.set_title(f"all recorded neurons ({len(ids)} shown)", loc="left", fontsize=10)
    if net is not None and net.schedule is not None:
        for s in range(len(net.schedule)):
            for edge in (net.schedule.t_start[s], net.schedule.t_end[s]):
                ax1.axvline(edge, color="0.2" if cmap == DIV_CMAP else "white", lw=0.8, ls="--")
    # Traces: the most variable recorded neurons.
    var = np.nanvar(X, axis=0) + 1e-12 * np.nanmean(np.abs(X), axis=0)
    pick = np.argsort(var)[::-1][: min(n_traces, len(ids))]
    _shade_schedule(ax2, net, t[0], t[-1])
    colors = colormap(SEQ_CMAP)(np.linspace(0.0, 0.85, len(pick)))
    styles = ["-", "--", "-.", ":", (0, (5, 1, 1, 1))]
    for k, c in enumerate(pick):
        ax2.plot(t, X[:, c], color=colors[k], ls=styles[k % len(styles)], lw=1.4, label=f"neuron {ids[c]}")
    ax2.set_xlabel(TIME_LABEL)
    ax2.set_ylabel(qlabel)
    ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)
    ax2.set_xlim(t[0], t[-1])
    title = f"the {_plural(len(pick), 'most variable neuron')}"
    if net is not None and net.schedule is not None:
        title += " (shaded: input schedule intervals)"
    ax2.set_title(title, loc="left", fontsize=10)
    _suptitle(fig, f, tex(what))
    return fig


def _dataset_names(f: Optional[RatenetFile], path: str, long_name: str, units: str) -> Tuple[str, str]:
    """(long_name, units) attributes of a dataset in the file, with defaults."""
    try:
        a = f.h5[path].attrs  # type: ignore[union-attr]
        ln, u = a.get("long_name", long_name), a.get("units", units)
        ln = ln.decode() if isinstance(ln, bytes) else str(ln)
        u = u.decode() if isinstance(u, bytes) else str(u)
        return ln, u
    except Exception:  # noqa: BLE001 - no file, no dataset (csr) or no attributes
        return long_name, units


@styled
def plot_network(net: Network, f: Optional[RatenetFile] = None, max_neurons: int = 400):
    """The coupling matrix W (diverging colour map centred on 0) and the input b per neuron.

    When the file does not store W (``output.network = "recipe"``), W is
    rebuilt first with ``ratenet network`` (:meth:`Network.load_W`), which
    raises :class:`RatenetBinaryError` when it cannot.

    Parameters
    ----------
    net : Network
        The /network group.
    f : RatenetFile, optional
        The file (for the datasets' long names and units, and the run status).
    max_neurons : int
        At most this many neurons (the first ones) are drawn.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n = net.n
    m = min(n, max_neurons)
    # A recipe file (W not stored) has W rebuilt here by `ratenet network` (Network.load_W).
    W = np.asarray(net.W_sparse()[:m, :m].toarray() if net.W_layout == "csr" else net.W[:m, :m], float)
    fig, (ax1, ax2) = new_figure(1, 2, width_ratios=[1.25, 1])
    nz = W[(W != 0) & np.isfinite(W)]
    lim = float(np.percentile(np.abs(nz), 99)) if nz.size else 1.0
    lim = lim or 1.0
    below, above = bool(nz.size and nz.min() < -lim), bool(nz.size and nz.max() > lim)
    extend = "both" if below and above else "min" if below else "max" if above else "neither"
    im = ax1.imshow(W, cmap=DIV_CMAP, norm=TwoSlopeNorm(0.0, -lim, lim), interpolation="nearest", aspect="equal")
    wl, wu = _dataset_names(f, "network/W", "coupling W", "model units")
    cb = fig.colorbar(im, ax=ax1, extend=extend, shrink=0.9)
    cb.set_label(quantity_label(wl, wu, "model units"))
    ax1.set_xlabel("presynaptic neuron index $j$")
    ax1.set_ylabel("postsynaptic neuron index $i$")
    _integer_ticks(ax1, nx=m, ny=m)
    ax1.set_title("coupling matrix $W_{ij}$" + (f" (first {m} of {n})" if m < n else "")
                  + ("" if net.W_stored else ", rebuilt"))
    bl, bu = _dataset_names(f, "network/b", "input b", "model units")
    idx = np.arange(m)
    cm = colormap(SEQ_CMAP)
    blabel = quantity_label(bl, bu, "model units")
    if net.schedule is not None and len(net.schedule):
        # The input schedule as a heat map: one row per interval.
        S = len(net.schedule)
        B = net.schedule.b[:, :m]
        vmin, vmax, _, cmap, ext = _color_limits(B)
        kw = dict(norm=TwoSlopeNorm(0.0, vmin, vmax)) if cmap == DIV_CMAP else dict(vmin=vmin, vmax=vmax)
        im2 = ax2.imshow(B, aspect="auto", interpolation="nearest", cmap=cmap, origin="upper", **kw)
        cb2 = fig.colorbar(im2, ax=ax2, extend=ext)
        cb2.set_label(blabel)
        ax2.set_xlabel("neuron index")
        ax2.set_ylabel("interval start time $t$ (units of $\\tau$)")
        rows = list(range(S)) if S <= 12 else list(range(0, S, int(np.ceil(S / 12))))
        ax2.set_yticks(rows, [f"{net.schedule.t_start[r]:g}" for r in rows])
        _integer_ticks(ax2, nx=m, y=False)
        ax2.set_title(f"input schedule ({_plural(S, 'interval')})")
    elif np.any(net.b[:m] != 0):
        ax2.bar(idx, net.b[:m], color=cm(0.15), width=0.8 if m <= 100 else 1.0)
        ax2.axhline(0, color="0.4", lw=0.8)
        ax2.set_xlabel("neuron index")
        ax2.set_ylabel(blabel)
        _integer_ticks(ax2, nx=m, y=False)
        ax2.set_title("constant input per neuron")
    else:
        fig.delaxes(ax2)  # nothing to show: W gets the room
        ax1.set_title(ax1.get_title() + "; no input ($b = 0$)")
    fig.get_layout_engine().set(wspace=0.08)
    _suptitle(fig, f, f"Network: {_nice(net.model)}, N = {n}, {net.form} form, transfer {_nice(net.transfer)}")
    return fig


# --------------------------------------------------------------------------- permitted sets

_SET_CMAP = ListedColormap(["white", "black"])


def _set_matrix(ax, rows: np.ndarray, title: str, ylabel: str, key: bool = True):
    """Draw sets (rows, bool) as a black/white matrix with integer ticks and a key.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    rows : numpy.ndarray
        Sets x neurons, bool.
    title : str
        Panel title (the count is appended).
    ylabel : str
        Label of the set axis (``"set"`` is shown as ``"set index"``).
    key : bool
        Add a colour bar saying what black and white mean.

    Returns
    -------
    matplotlib.image.AxesImage or None
        The image (None when there are no sets).
    """
    if rows.shape[0] == 0:
        ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(f"{title}\n(0 sets)")
        ax.set_xticks([])
        ax.set_yticks([])
        return None
    show = rows[:200]
    im = ax.imshow(show.astype(float), aspect="auto", cmap=_SET_CMAP, norm=BoundaryNorm([-0.5, 0.5, 1.5], 2),
                   interpolation="nearest")
    ax.set_xlabel("neuron index")
    ax.set_ylabel(ylabel if "index" in ylabel or "(" in ylabel else f"{ylabel} index")
    _integer_ticks(ax, nx=show.shape[1], ny=show.shape[0])
    more = f"\n(first 200 of {rows.shape[0]})" if rows.shape[0] > 200 else f"\n({_plural(rows.shape[0], 'set')})"
    ax.set_title(title + more)
    if key:
        cb = ax.figure.colorbar(im, ax=ax, ticks=[0, 1], fraction=0.08, pad=0.02, aspect=12)
        cb.ax.set_yticklabels(["not in set", "in set"], fontsize=9)
        cb.ax.tick_params(length=0)
    return im


def _legend_headroom_log(ax, ymax: float, ymin: float = 0.5, frac: float = 0.3) -> None:
    """Log y limits leaving the top ``frac`` of the axes free for a legend."""
    span = np.log10(max(ymax, ymin * 10) / ymin)
    ax.set_ylim(ymin, ymin * 10 ** (span / (1 - frac)))


@styled
def plot_permitted(p: Permitted, f: Optional[RatenetFile] = None):
    """Counts of permitted sets by size; maximal permitted and minimal forbidden sets as matrices.

    Parameters
    ----------
    p : Permitted
        The /permitted group.
    f : RatenetFile, optional
        The file (for the run status).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = new_figure(1, 3, width_ratios=[1.1, 1, 1])
    n = p.n
    sizes = np.arange(n + 1)

    total = np.array([comb(n, k) for k in sizes], float)
    axes[0].bar(sizes, total, color="0.85", edgecolor="0.5", label="all subsets $\\binom{N}{k}$")
    axes[0].bar(sizes, p.counts_by_size, color=colormap(SEQ_CMAP)(0.35), label="permitted")
    axes[0].set_yscale("log")
    _legend_headroom_log(axes[0], total.max())
    axes[0].set_xlabel("set size $k$ (neurons)")
    axes[0].set_ylabel("number of sets")
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_title("permitted sets by size")
    axes[0].legend(loc="upper center", ncols=2, fontsize=8.5)
    _set_matrix(axes[1], p.maximal, "maximal permitted sets", "set index", key=False)
    _set_matrix(axes[2], p.minimal_forbidden, "minimal forbidden sets", "set index", key=True)
    if p.minimal_forbidden.shape[0] == 0 and p.maximal.shape[0]:
        # The key belongs to the matrix that is drawn.
        for im in axes[1].images:
            cb = fig.colorbar(im, ax=axes[1], ticks=[0, 1], fraction=0.08, pad=0.02, aspect=12)
            cb.ax.set_yticklabels(["not in set", "in set"], fontsize=9)
            cb.ax.tick_params(length=0)
    a = p.attrs
    txt = (
        f"{_plural(p.n_permitted, 'non-empty permitted set')} (criterion: {_nice(a.get('criterion', '?'))}); "
        f"I $-$ W {_nice(a.get('copositivity', '?'))}, "
        f"positive definite: {_yes_no(a.get('positive_definite', '?'))}"
    )
    if p.verification is not None:
        v = p.verification
        txt += f"\nchecked by simulation: {v.n_agree} of {_plural(len(v), 'set')} behave as predicted"
    fig.supxlabel(txt, fontsize=9)
    _suptitle(fig, f, f"Permitted and forbidden sets of neurons (N = {n})")
    return fig


def _eig_multiplicity(e: np.ndarray, tol: float) -> Tuple[np.ndarray, np.ndarray]:
    """Distinct eigenvalues (within ``tol``) and how often each occurs."""
    e = e[np.isfinite(e)]
    if e.size == 0:
        return e, np.zeros(0, int)
    key = np.round(e.real / tol) + 1j * np.round(e.imag / tol)
    u, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
    vals = np.array([e[inv == i].mean() for i in range(len(u))])
    return vals, cnt


def _multiplicity_area(m):
    """Marker area (points^2) for an eigenvalue of multiplicity m: grows like log m, stays readable."""
    return 28.0 * (1.0 + 1.5 * np.log2(np.asarray(m, float)))


def _annotate_free(ax, items, fontsize=8.5) -> int:
    """Annotate points with short texts where each text stays inside the axes and clear of other text.

    Four positions around each point are tried; a label that fits nowhere is left
    out (items come by priority).  Returns the number of labels placed.
    """
    fig = ax.figure
    try:
        fig.draw_without_rendering()  # lay the figure out once to measure text
        r = fig._get_renderer()
    except Exception:  # noqa: BLE001 - no renderer: place labels without checks
        r = None
    placed = []
    if r is not None:
        leg = ax.get_legend()
        if leg is not None:
            placed.append(leg.get_window_extent(r))
        box = ax.get_window_extent(r)
    n = 0
    for x, y, s in items:
        for dx, dy, ha, va in ((5, 4, "left", "bottom"), (-5, 4, "right", "bottom"), (5, -4, "left", "top"),
                               (-5, -4, "right", "top")):
            a = ax.annotate(s, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, fontsize=fontsize,
                            color="0.1", zorder=6)
            if r is None:
                n += 1
                break
            bb = a.get_window_extent(r)
            inside = bb.x0 >= box.x0 + 1 and bb.x1 <= box.x1 - 1 and bb.y0 >= box.y0 + 1 and bb.y1 <= box.y1 - 1
            if inside and not any(bb.x0 < p.x1 + 1 and p.x0 < bb.x1 + 1 and bb.y0 < p.y1 + 1 and p.y0 < bb.y1 + 1
                                  for p in placed):
                placed.append(bb)
                n += 1
                break
            a.remove()
    return n


@styled
def plot_fixed_points(fp: FixedPoints, f: Optional[RatenetFile] = None):
    """Fixed points coloured by stability: supports, counts by support size, Jacobian spectra.

    Only classes that occur get a legend entry; coinciding eigenvalues are
    drawn once with a marker area proportional to their multiplicity and an
    annotation such as ``×2``.

    Parameters
    ----------
    fp : FixedPoints
        The /fixed_points group.
    f : RatenetFile, optional
        The file (for the run status).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = new_figure(1, 3, width_ratios=[1.05, 1, 1.1])
    cm = colormap(SEQ_CMAP)
    F = len(fp)
    n = fp.support.shape[1] if fp.support.ndim == 2 else 0
    classes = np.array(fp.classes if len(fp.classes) == F else ["stable" if s else "unstable" for s in fp.stable], object)
    style_of = {"stable": (cm(0.15), "o", None), "marginal": (cm(0.5), "s", ".."), "unstable": (cm(0.8), "^", "//")}
    present = [c for c in ("stable", "marginal", "unstable") if np.any(classes == c)]
    present += [c for c in dict.fromkeys(classes.tolist()) if c not in present]
    for c in present:
        style_of.setdefault(c, ("0.5", "D", "xx"))
    if F:
        rank = {c: i for i, c in enumerate(present)}
        cls_idx = np.array([rank[c] for c in classes])
        order = np.lexsort((fp.sizes, cls_idx))
        show = order[:200]
        img = np.where(fp.support[show], (cls_idx[show] + 1)[:, None], 0).astype(float)
        colors = ["white"] + [style_of[c][0] for c in present]
        im = axes[0].imshow(img, aspect="auto", interpolation="nearest", cmap=ListedColormap(colors),
                            norm=BoundaryNorm(np.arange(len(colors) + 1) - 0.5, len(colors)))
        axes[0].set_xlabel("neuron index")
        axes[0].set_ylabel("fixed point index")
        _integer_ticks(axes[0], nx=n, ny=len(show))
        cb = fig.colorbar(im, ax=axes[0], ticks=np.arange(len(colors)), fraction=0.08, pad=0.02, aspect=15)
        cb.ax.set_yticklabels(["not in support"] + [f"in support,\n{c}" for c in present], fontsize=8.5)
        cb.ax.tick_params(length=0)
    else:
        axes[0].text(0.5, 0.5, "no fixed points found", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_xticks([])
        axes[0].set_yticks([])
    axes[0].set_title(f"supports ({_plural(F, 'fixed point')})" + (" (first 200)" if F > 200 else ""))
    sizes = np.arange(n + 1)
    bottom = np.zeros(n + 1)
    for c in present:
        cnt = np.bincount(fp.sizes[classes == c], minlength=n + 1)[: n + 1]
        col, _, hatch = style_of[c]
        axes[1].bar(sizes, cnt, bottom=bottom, color=col, hatch=hatch, edgecolor="0.3", lw=0.5, label=c)
        bottom += cnt
    axes[1].set_xlabel("support size $|S|$ (neurons)")
    axes[1].set_ylabel("number of fixed points")
    _integer_ticks(axes[1], nx=n + 1)
    axes[1].set_xlim(-0.6, n + 0.6)
    axes[1].set_ylim(0, max(1.0, bottom.max()) * 1.35)  # headroom for the legend
    axes[1].set_title("fixed points by support size")
    if present:
        axes[1].legend(loc="upper center", ncols=len(present))
    ax = axes[2]
    if F:
        allv = fp.eig[np.isfinite(fp.eig)]
        scale = float(np.max(np.abs(allv))) if allv.size else 1.0
        tol = 1e-6 * max(scale, 1e-12)
        pts = []
        handles = []
        for c in present:
            vals, cnt = _eig_multiplicity(fp.eig[classes == c].ravel(), tol)
            col, mk, _ = style_of[c]
            ax.scatter(vals.real, vals.imag, s=_multiplicity_area(cnt), color=col, marker=mk, alpha=0.7,
                       edgecolor="0.2", lw=0.5, zorder=3)
            handles.append(Line2D([], [], ls="none", marker=mk, ms=7, color=col, alpha=0.7, mec="0.2", mew=0.5,
                                  label=f"{c} fixed point{'s' if np.sum(classes == c) != 1 else ''}"))
            pts += [(v, m) for v, m in zip(vals, cnt)]
        ax.axvline(0, color="0.4", lw=0.8, ls="--", zorder=1)
        re_, im_ = allv.real, allv.imag
        xr = (re_.min(), re_.max())
        yr = (im_.min(), im_.max())
        dx = (xr[1] - xr[0]) or max(abs(xr[0]), 1.0)
        dy = (yr[1] - yr[0]) or dx
        ax.set_xlim(min(xr[0] - 0.15 * dx, -0.05 * dx), max(xr[1] + 0.15 * dx, 0.05 * dx))
        ax.set_ylim(yr[0] - 0.25 * dy, yr[1] + 0.6 * dy)  # headroom for the legend
        leg = ax.legend(handles=handles, loc="upper left", fontsize=8.5, title="marker area grows with multiplicity",
                        title_fontsize=8.5)
        leg.set_zorder(5)
        # Multiplicities > 1 as '×k' next to the marker, where the label does not collide.
        # (placed last, once the layout is final)
        notes = [(v.real, v.imag, f"×{m}") for v, m in sorted(pts, key=lambda p: -p[1]) if m > 1]
    else:
        notes = []
        ax.text(0.5, 0.5, "no eigenvalues", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(f"Re eigenvalue ({RATE_UNITS})")
    ax.set_ylabel(f"Im eigenvalue ({RATE_UNITS})")
    ax.set_title("Jacobian eigenvalues")
    a = fp.attrs
    fig.supxlabel(
        f"index sum (parity) = {fp.parity if F else '?'}; supports tested: {a.get('supports_tested', '?')}; "
        f"status: {a.get('status', '?')}",
        fontsize=9,
    )
    _suptitle(fig, f, f"Fixed points ({_plural(F, 'fixed point')}, N = {n})")
    _annotate_free(ax, notes)
    return fig


# --------------------------------------------------------------------------- Lyapunov


@styled
def plot_lyapunov(ly: Lyapunov, f: Optional[RatenetFile] = None, n_traces: int = 6):
    """Spectrum lambda_i vs i/N and the convergence of the running estimates.

    The convergence panel uses a symmetric-log axis, linear near 0, so the top
    exponents (close to 0) stay readable next to strongly negative ones.

    Parameters
    ----------
    ly : Lyapunov
        The /lyapunov group.
    f : RatenetFile, optional
        The file (for the run status).
    n_traces : int
        Number of running estimates drawn (the top ones and the last).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax1, ax2) = new_figure(1, 2)
    N = ly.n or ly.k
    i = np.arange(1, ly.k + 1)
    x = i / N
    cm = colormap(SEQ_CMAP)
    err = np.nan_to_num(ly.errors)
    ax1.fill_between(x, ly.exponents - 2 * err, ly.exponents + 2 * err, color=cm(0.6), alpha=0.35, lw=0,
                     label="$\\pm 2$ s.e.")
    ax1.plot(x, ly.exponents, ".-", color=cm(0.2), ms=3, label=f"$\\lambda_i$ ({ly.k} of N = {N})")
    ax1.axhline(0, color="0.4", lw=0.8, ls="--")
    extra = [
        Line2D([], [], ls="none", label=f"$D_{{KY}}$ = {ly.kaplan_yorke:.3g} ($D_{{KY}}/N$ = {ly.kaplan_yorke / N:.3g})"),
        Line2D([], [], ls="none", label=f"entropy rate H = {ly.entropy_rate:.3g} ({RATE_UNITS})"),
    ]
    ax1.set_xlabel("rank $i/N$ (dimensionless)")
    ax1.set_ylabel(f"Lyapunov exponent $\\lambda_i$ ({RATE_UNITS})")
    ax1.set_title("Lyapunov spectrum")
    h, _ = ax1.get_legend_handles_labels()
    ax1.legend(handles=h + extra, loc="upper right", handlelength=1.5)
    lo, hi = np.nanmin(ly.exponents - 2 * err), np.nanmax(ly.exponents + 2 * err)
    if np.isfinite(lo) and np.isfinite(hi):
        span = (hi - lo) or 1.0
        ax1.set_ylim(lo - 0.05 * span, hi + 0.45 * span)  # headroom for the legend
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
            ax2.axhline(ly.exponents[j], color=c, lw=0.9, ls=(0, (4, 2)), alpha=0.9)
        ax2.set_xscale("log" if ta[0] > 0 and ta[-1] / ta[0] > 50 else "linear")
        # Symmetric log: linear within |lambda| < linthresh, so the top exponents near 0 are resolved.
        top = np.abs(ly.exponents[pick])
        top = top[np.isfinite(top) & (top > 0)]
        vals = ly.trace_exponents[:, cols[pick]]
        vals = vals[np.isfinite(vals)]
        if top.size and vals.size and np.max(np.abs(vals)) / max(top.min(), 1e-12) > 20:
            # linear up to about a tenth of the largest of the top exponents
            lt = 10 ** np.floor(np.log10(max(top[: max(1, len(top) - 1)].max() / 5, 1e-6 * np.max(np.abs(vals)))))
            ax2.set_yscale("symlog", linthresh=lt, linscale=1.0)
            ax2.set_title("convergence (symlog axis; linear for $|\\lambda| <$ " + f"{lt:g})", fontsize=11)
        else:
            ax2.set_title("convergence of the running estimates", fontsize=11)
        ax2.axhline(0, color="0.4", lw=0.8, ls="--")
        ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, title="dashed:\nfinal values",
                   title_fontsize=8.5)
    else:
        ax2.text(0.5, 0.5, "no convergence trace", ha="center", va="center", transform=ax2.transAxes)
        ax2.set_title("convergence of the running estimates", fontsize=11)
    ax2.set_xlabel("accumulation time (units of $\\tau$)")
    ax2.set_ylabel(f"running estimate of $\\lambda_i$ ({RATE_UNITS})")
    a = ly.attrs
    fig.supxlabel(
        f"dynamics: {a.get('dynamics', '?')}; dt = {a.get('dt', '?')}, $t_{{ons}}$ = {a.get('t_ons', '?')}, "
        f"$t_{{sim}}$ = {a.get('t_sim', '?')}; sum = {ly.sum:.6g} (mean trace {ly.mean_trace:.6g}); "
        f"status: {a.get('status', '?')}",
        fontsize=9,
    )
    _suptitle(fig, f, "Lyapunov spectrum" + (f" (N = {N})" if ly.n else ""))
    return fig


def _lyapunov_of(source, f: Optional[RatenetFile]) -> Tuple[Lyapunov, Optional[RatenetFile]]:
    """(Lyapunov, file for the status) from a Lyapunov, a RatenetFile, a RatenetData or a path."""
    if isinstance(source, Lyapunov):
        return source, f
    if isinstance(source, RatenetFile):
        return source.lyapunov(), f if f is not None else source
    path = getattr(source, "path", source)  # RatenetData: the file it was read from
    if isinstance(path, (str, os.PathLike)):
        with RatenetFile(path) as rf:  # the vectors are not read: closing is safe
            return rf.lyapunov(), f if f is not None else rf
    raise TypeError(f"expected a Lyapunov, RatenetFile, RatenetData or a path, not {type(source).__name__}")


def _no_data(ax, message: str) -> None:
    """A centred message on an axes without data (no ticks: there is no scale to read)."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=11, color="0.25")
    ax.set_xticks([])
    ax.set_yticks([])


@styled
def plot_local_exponents(source, k: int = 4, f: Optional[RatenetFile] = None):
    """Distributions of the finite-time Lyapunov exponents, with the global exponents marked.

    One histogram (probability density, common bins) per exponent for the
    first ``k`` exponents, each with its global exponent as a dashed vertical
    line of the same colour; the legend gives each exponent and the standard
    deviation of its finite-time values.  The windows are consecutive, of
    length ``t_local`` (the ``/lyapunov`` attribute), over the accumulation.

    Parameters
    ----------
    source : Lyapunov, RatenetFile, RatenetData, str or os.PathLike
        The /lyapunov group, or a ``lyapunov`` file (open, opened with
        :func:`ratenet_analysis.open`, or its path).
    k : int
        Number of exponents shown, the largest first (at most the number stored).
    f : RatenetFile, optional
        The file (for the run status); taken from ``source`` when that is one.

    Returns
    -------
    matplotlib.figure.Figure
        One panel; the histograms are patches with gid ``"local_<i>"``, the
        global exponents lines with gid ``"global_<i>"`` (i = 1, 2, ...).  A
        file without finite-time exponents (``t_local = 0``) gives a figure
        that says so.
    """
    ly, f = _lyapunov_of(source, f)
    fig, ax = new_figure()
    L = np.asarray(ly.local_exponents, float)
    W = L.shape[0] if L.ndim == 2 else 0
    kk = max(0, min(int(k), L.shape[1] if L.ndim == 2 else 0))
    tl = f"$t_{{\\mathrm{{local}}}}$ = {ly.t_local:g} (units of $\\tau$)"
    ax.set_xlabel(f"finite-time Lyapunov exponent ({RATE_UNITS})")
    ax.set_ylabel("probability density (units of $\\tau$)")
    vals = L[:, :kk][np.isfinite(L[:, :kk])] if W and kk else np.zeros(0)
    if vals.size == 0:
        _no_data(ax, "no finite-time exponents in this file:\nrun ratenet lyapunov with lyapunov.t_local > 0")
        _suptitle(fig, f, "Finite-time Lyapunov exponents: none stored (t_local = 0)")
        return fig
    # Common bins, fine enough to resolve each exponent's own spread.
    spreads = [np.ptp(c[np.isfinite(c)]) for c in L[:, :kk].T if np.isfinite(c).sum() > 1]
    width = np.median(spreads) / max(4.0, np.sqrt(W)) if spreads and np.median(spreads) > 0 else 0.0
    nb = int(np.clip(np.ptp(vals) / width, 10, 100)) if width > 0 else 10
    edges = np.histogram_bin_edges(vals, bins=nb)
    colors = colormap(SEQ_CMAP)(np.linspace(0.0, 0.85, kk))
    for i in range(kk):
        c = colors[i]
        x = L[:, i][np.isfinite(L[:, i])]
        sd = float(np.std(x, ddof=1)) if x.size > 1 else float("nan")
        ax.hist(x, bins=edges, density=True, histtype="stepfilled", facecolor=(*c[:3], 0.25), edgecolor=c, lw=1.5,
                gid=f"local_{i + 1}",
                label=f"$\\lambda_{{{i + 1}}}$ = {ly.exponents[i]:.3g}, finite-time s.d. {sd:.2g}")
        ax.axvline(ly.exponents[i], color=c, ls="--", lw=1.6, gid=f"global_{i + 1}", label="_nolegend_")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, title="dashed: global exponent",
              title_fontsize=9)
    ax.set_title(f"{_plural(W, 'window')} covering the accumulation; largest {_plural(kk, 'exponent')} of {ly.k}",
                 loc="left", fontsize=10)
    _suptitle(fig, f, f"Finite-time Lyapunov exponents over windows of {tl}")
    return fig


@styled
def plot_lyapunov_vectors(source, f: Optional[RatenetFile] = None):
    """Localisation of the Lyapunov vectors: participation ratio / N against the exponent index.

    The participation ratio 1 / sum_j v_j^4 of a unit vector v is 1 when it
    sits on one neuron and N when it is spread evenly over all N; divided by N
    it lies in (0, 1].  Drawn for the Gram-Schmidt (QR) vectors, averaged over
    the accumulation, and, when the file has them, for the covariant vectors,
    averaged over their window; the dotted line is a uniformly random unit
    vector, (N + 2) / (3N).

    Parameters
    ----------
    source : Lyapunov, RatenetFile, RatenetData, str or os.PathLike
        The /lyapunov group, or a ``lyapunov`` file (open, opened with
        :func:`ratenet_analysis.open`, or its path).
    f : RatenetFile, optional
        The file (for the run status); taken from ``source`` when that is one.

    Returns
    -------
    matplotlib.figure.Figure
        One panel; lines with gid ``"gram_schmidt"``, ``"covariant"`` (when
        present) and ``"random"``.  A file without participation ratios (written
        by an older ratenet) gives a figure that says so.
    """
    ly, f = _lyapunov_of(source, f)
    fig, ax = new_figure()
    N = ly.n
    ax.set_xlabel("exponent index $i$ (1 = largest)")
    ax.set_ylabel("participation ratio / N (dimensionless)")
    ax.set_ylim(0.0, 1.0)
    if ly.participation_ratio is None or not N:
        _no_data(ax, "no participation ratios in this file\n(written by a ratenet from before they were stored)"
                 if ly.participation_ratio is None else "network size N unknown")
        _suptitle(fig, f, "Localisation of the Lyapunov vectors: no participation ratios")
        return fig
    cm = colormap(SEQ_CMAP)
    pr = np.asarray(ly.participation_ratio, float)
    i = np.arange(1, len(pr) + 1)
    ax.plot(i, pr / N, "o-", color=cm(0.15), ms=5, lw=1.5, gid="gram_schmidt",
            label="Gram-Schmidt (QR) vectors, mean over the accumulation")
    cv = ly.covariant
    what = "Gram-Schmidt vectors"
    if cv is not None and len(cv.participation_ratio):
        ic = np.arange(1, cv.k + 1)
        ax.plot(ic, np.asarray(cv.participation_ratio, float) / N, "s--", color=cm(0.6), ms=5, lw=1.5, gid="covariant",
                label=f"covariant vectors, mean over their window of {cv.clv_window:g} (units of $\\tau$)")
        what = "Gram-Schmidt and covariant vectors"
        if 0 < cv.n_unstable < cv.k:
            ax.axvline(cv.n_unstable + 0.5, color="0.6", lw=0.9, ls="-.", gid="unstable_boundary",
                       label=f"end of the unstable subspace ({_plural(cv.n_unstable, 'vector')})")
    ax.axhline((N + 2) / (3 * N), color="0.45", ls=":", lw=1.3, gid="random",
               label="uniformly random unit vector, $(N+2)/(3N)$")
    ax.set_xlim(0.5, max(len(pr), cv.k if cv is not None else 0) + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10, min_n_ticks=1))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.set_title("1: spread evenly over the N neurons; 1/N: on a single neuron", loc="left", fontsize=10)
    _suptitle(fig, f, f"Localisation of the Lyapunov vectors: {what} (N = {N})")
    return fig


@styled
def plot_covariant_angles(source, f: Optional[RatenetFile] = None):
    """Histogram of the angle between the unstable and the stable subspaces of the covariant vectors.

    The smallest principal angle, one per time of the covariant vectors, on
    logarithmic bins and a logarithmic axis: near-tangencies (angles close to
    0, where the dynamics is close to non-hyperbolic) are what matters.  The
    mean and the minimum are dashed and dotted lines, with their values in
    the legend; pi/2 (orthogonal subspaces) is marked.

    Parameters
    ----------
    source : Lyapunov, RatenetFile, RatenetData, str or os.PathLike
        The /lyapunov group, or a ``lyapunov`` file (open, opened with
        :func:`ratenet_analysis.open`, or its path).
    f : RatenetFile, optional
        The file (for the run status); taken from ``source`` when that is one.

    Returns
    -------
    matplotlib.figure.Figure
        One panel; the histogram's bars have gid ``"angles"``, the lines gid
        ``"mean"``, ``"min"`` and ``"orthogonal"``.  Without covariant vectors,
        or when every angle is NaN (an empty unstable or stable subspace), the
        figure says so in its title and on the axes.
    """
    ly, f = _lyapunov_of(source, f)
    fig, ax = new_figure()
    ax.set_xlabel("smallest principal angle between the unstable and stable subspaces (rad)")
    ax.set_ylabel("number of times (count)")
    cv = ly.covariant
    title = "Angle between the unstable and stable subspaces of the covariant vectors"
    if cv is None:
        _no_data(ax, "no covariant vectors in this file:\nrun ratenet lyapunov with lyapunov.clv_window > 0")
        _suptitle(fig, f, "Angle between the unstable and stable subspaces: no covariant vectors (clv_window = 0)")
        return fig
    a = np.asarray(cv.angle_unstable_stable, float)
    fin = a[np.isfinite(a)]
    sub = f"{cv.n_unstable} unstable and {cv.n_stable} stable of {_plural(cv.k, 'covariant vector')}"
    if fin.size == 0:
        reason = ("the unstable subspace is empty" if cv.n_unstable == 0 else
                  "the stable subspace is empty" if cv.n_stable == 0 else "no finite angle")
        _no_data(ax, f"the angle is undefined (NaN) at all {_plural(len(a), 'time')}:\n{reason} ({sub};\n"
                     "unstable: exponent more than 3 standard errors above 0, stable: below)")
        _suptitle(fig, f, f"Angle between the unstable and stable subspaces: undefined ({reason})")
        return fig
    cm = colormap(SEQ_CMAP)
    pos = fin[fin > 0]
    hi = max(np.pi / 2, float(fin.max())) * 1.02
    lo = float(pos.min()) / 1.5 if pos.size else hi * 1e-3
    lo = min(lo, hi / 10)  # at least a decade, so that the log axis has ticks
    nb = int(np.clip(2 * np.sqrt(pos.size), 8, 50))
    edges = np.geomspace(lo, hi, nb + 1)
    note = []
    if (fin <= 0).any():
        note.append(f"{int((fin <= 0).sum())} exact tangencies (0 rad) not shown")
    if fin.size < a.size:
        note.append(f"{a.size - fin.size} undefined (NaN)")
    label = f"angles at {_plural(fin.size, 'time')} in a window of {cv.clv_window:g} (units of $\\tau$)"
    ax.hist(pos, bins=edges, color=cm(0.55), alpha=0.85, edgecolor="white", lw=0.6, gid="angles",
            label=label + (f"; {', '.join(note)}" if note else ""))
    mean, amin = float(fin.mean()), float(fin.min())
    ax.axvline(mean, color="0.1", ls="--", lw=1.6, gid="mean", label=f"mean = {mean:.3g} rad")
    if amin > 0:
        ax.axvline(amin, color=cm(0.0), ls=":", lw=2.0, gid="min", label=f"min = {amin:.3g} rad")
    else:
        ax.plot([], [], ls=":", color=cm(0.0), gid="min", label=f"min = {amin:.3g} rad (off the log axis)")
    ax.axvline(np.pi / 2, color="0.6", lw=1.0, gid="orthogonal", label="orthogonal ($\\pi/2$)")
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    # plain numbers (0.1, 0.2, 0.5, 1) over a few decades; powers of ten over many
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if np.log10(hi / lo) <= 3 else (1.0,)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.set_title(f"{sub}; log axis: small angles are near-tangencies", loc="left", fontsize=10)
    _suptitle(fig, f, title)
    return fig


# --------------------------------------------------------------------------- sweeps


def _scalar_results(sw: Sweep) -> List[str]:
    return [k for k, v in sw.results.items() if v.ndim == 1 and v.dtype.kind in "fiub"]


def sweep_defaults(sw: Sweep) -> Tuple[str, str, Optional[str]]:
    """Default (y, x, by) of a sweep figure.

    Parameters
    ----------
    sw : Sweep
        The sweep.

    Returns
    -------
    y : str
        The first scalar result (``"seconds"`` when there is none).
    x : str
        The swept key with the most values.
    by : str or None
        Another swept key (one line per value), if any.
    """
    keys = [k for k in sw.keys if k != "seed_index"]
    scalars = _scalar_results(sw)
    y = scalars[0] if scalars else "seconds"
    if not keys:
        return y, sw.keys[0] if sw.keys else "seconds", None
    # x: the key with most distinct values, by: another one
    keys = sorted(keys, key=lambda k: -len(sw.unique(k)))
    return y, keys[0], keys[1] if len(keys) > 1 else None


def _n_seeds(sw: Sweep) -> int:
    if "seed_index" in sw.keys:
        return len(sw.unique("seed_index"))
    return 0


@styled
def plot_sweep(sw: Sweep, y: Optional[str] = None, x: Optional[str] = None, by: Optional[str] = None,
               f: Optional[RatenetFile] = None):
    """Any result against any swept parameter, one line per value of another.

    Points are the mean over the remaining points (the seeds) with error bars
    of one standard error of the mean; the legend says so.

    Parameters
    ----------
    sw : Sweep
        The sweep.
    y : str, optional
        Result to plot (default: :func:`sweep_defaults`).
    x : str, optional
        Swept key on the horizontal axis.
    by : str, optional
        Swept key with one line per value.
    f : RatenetFile, optional
        The file (for the run status).

    Returns
    -------
    matplotlib.figure.Figure
    """
    dy, dx, dby = sweep_defaults(sw)
    y, x = y or dy, x or dx
    by = by if by is not None else dby
    fig, ax = new_figure()
    ok = np.array([s == "completed" for s in sw.status], bool)
    xv, yv = sw.column(x), np.asarray(sw.column(y), float)
    groups = [None] if by is None else list(sw.unique(by))
    cm = colormap(SEQ_CMAP)
    markers = "osD^v<>p*h"
    ns = _n_seeds(sw)
    nmax = 0
    for gi, gval in enumerate(groups):
        m = ok.copy() if gval is None else ok & np.isclose(sw.column(by), gval)
        xs = np.unique(xv[m])
        with np.errstate(all="ignore"):
            mean = np.array([np.nanmean(yv[m & (xv == u)]) for u in xs]) if len(xs) else np.zeros(0)
        cnt = np.array([np.sum(np.isfinite(yv[m & (xv == u)])) for u in xs], int)
        nmax = max(nmax, int(cnt.max()) if cnt.size else 0)
        sd = np.array([np.nanstd(yv[m & (xv == u)], ddof=1) if c > 1 else 0.0 for u, c in zip(xs, cnt)])
        sem = sd / np.sqrt(np.maximum(cnt, 1))
        c = cm(0.85 * gi / max(1, len(groups) - 1))
        if nmax > 1:
            # the single points, small and translucent, behind the means
            ax.plot(xv[m], yv[m], ".", color=c, alpha=0.3, ms=4, zorder=1)
        ax.errorbar(xs, mean, yerr=sem, color=c, marker=markers[gi % len(markers)], ms=5, capsize=3, zorder=3,
                    label=None if gval is None else f"{_param_name(by)} = {gval:g}")
    n_over = ns or nmax
    what = (f"mean $\\pm$ s.e.m. over {_plural(n_over, 'seed')}" if ns else
            f"mean $\\pm$ s.e.m. over up to {_plural(n_over, 'point')}") if n_over > 1 else "single runs (no error bars)"
    failed = sw.done & ~ok
    if failed.any():
        ax.plot(xv[failed], np.zeros(failed.sum()), "x", color="0.3", label="diverged / failed (drawn at 0)")
    ax.set_xlabel(sweep_label(sw, x))
    ax.set_ylabel(sweep_label(sw, y))
    if by is None:
        h, lab = ax.get_legend_handles_labels()
        eb = Line2D([], [], color=cm(0.0), marker="o", ms=5)
        ax.legend(handles=[eb] + h, labels=[what] + lab, loc="best")
    else:
        ax.legend(loc="best", title=what, title_fontsize=9)
    ax.set_title(f"{int(sw.done.sum())} of {len(sw)} sweep points run", loc="left", fontsize=10)
    ylab = sw.long_names.get(y, _nice(y)) if y != "seconds" or y in sw.results else "run time"
    _suptitle(fig, f, f"{tex(ylab[:1].upper() + ylab[1:])} against {_param_name(x)}")
    return fig


def _lag_result(sw: Sweep, name: str) -> Optional[str]:
    """The result holding the abscissa (time lags) of a 2-D result, if any."""
    v = sw.results.get(name)
    if v is None or v.ndim != 2 or v.dtype.kind not in "fiu":
        return None
    for o in ("lag_time", "lag", "lags", "tau"):
        w = sw.results.get(o)
        if o != name and w is not None and w.shape == v.shape:
            return o
    return None


@styled
def plot_sweep_curves(sw: Sweep, y: str, x: Optional[str] = None, lag: Optional[str] = None,
                      f: Optional[RatenetFile] = None):
    """A curve-valued sweep result (e.g. the autocovariance C(tau)) against its lag, one line per swept value.

    Each line is the mean over the seeds; the band is ± one standard error of the mean.

    Parameters
    ----------
    sw : Sweep
        The sweep.
    y : str
        A 2-D result (points x lags).
    x : str, optional
        Swept key with one line per value (default: the key with most values).
    lag : str, optional
        The result holding the lags (default: ``lag_time`` when present).
    f : RatenetFile, optional
        The file (for the run status).

    Returns
    -------
    matplotlib.figure.Figure
    """
    _, dx, _ = sweep_defaults(sw)
    x = x or dx
    lag = lag or _lag_result(sw, y)
    fig, ax = new_figure()
    ok = np.array([s == "completed" for s in sw.status], bool)
    Y = np.asarray(sw.results[y], float)
    L = np.asarray(sw.results[lag], float) if lag else np.tile(np.arange(Y.shape[1], dtype=float), (len(Y), 1))
    xv = sw.column(x)
    vals = np.unique(xv[ok])
    cm = colormap(SEQ_CMAP)
    ns = _n_seeds(sw)
    for k, u in enumerate(vals):
        m = ok & (xv == u)
        c = cm(0.9 * k / max(1, len(vals) - 1))
        with np.errstate(all="ignore"):
            mean = np.nanmean(Y[m], axis=0)
            cnt = np.sum(np.isfinite(Y[m]), axis=0)
            sem = np.nanstd(Y[m], axis=0, ddof=1) / np.sqrt(np.maximum(cnt, 1)) if m.sum() > 1 else np.zeros_like(mean)
        t = L[m][0]
        ax.plot(t, mean, color=c, lw=1.6, label=f"{u:g}")
        ax.fill_between(t, mean - sem, mean + sem, color=c, alpha=0.25, lw=0)
    ax.axhline(0, color="0.4", lw=0.8, ls="--")
    ax.set_xlabel(sweep_label(sw, lag) if lag else "lag index (count)")
    ax.set_ylabel(sweep_label(sw, y))
    what = (f"lines: mean over {_plural(ns, 'seed')}; bands: $\\pm$ s.e.m." if ns > 1 else "single runs")
    ax.set_title(what, loc="left", fontsize=10)
    ax.legend(title=_param_name(x), loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
              title_fontsize=9)
    ln = sw.long_names.get(y, _nice(y))
    _suptitle(fig, f, f"{tex(ln[:1].upper() + ln[1:])} for each {_param_name(x)}")
    return fig


@styled
def plot_autocorrelation(source, variable: str = "state", f: Optional[RatenetFile] = None):
    """The autocovariance of an ``autocorrelation`` sweep beside the dynamic mean-field theory.

    One colour per swept value (per combination of values when several keys
    are swept): the simulated C(tau), mean over the seeds with a band of ± one
    standard error (over seeds; over neurons with one seed), the theory as the
    estimator should see it (``dmft_seen``: Delta(tau) plus the bias of the
    finite window's mean) dashed, and the pure theory Delta(tau) dotted and
    light.  Theory lines are left out where the theory does not apply (NaN).

    Parameters
    ----------
    source : str, os.PathLike, RatenetData, RatenetFile, Sweep or xarray.Dataset
        Anything :func:`ratenet_analysis.autocorrelation` accepts, or the
        Dataset it returned.
    variable : {"state", "rate"}, optional
        The autocovariance of the state h (default) or of the rate phi(h);
        ignored when ``source`` is already the Dataset of
        :func:`ratenet_analysis.autocorrelation`.
    f : RatenetFile, optional
        The file (for the run status); taken from ``source`` when that is one.

    Returns
    -------
    matplotlib.figure.Figure
        One panel; the simulated lines have gid ``"simulation"``, the dashed
        ones ``"dmft_seen"``, the dotted ones ``"dmft"``.
    """
    import xarray as xr

    from .autocorrelation import autocorrelation

    if isinstance(source, xr.Dataset) and "dmft_seen" in source and "C" in source:
        ac = source
    else:
        ac = autocorrelation(source, variable)
    if f is None and isinstance(source, RatenetFile):
        f = source
    variable = str(ac.attrs.get("variable", variable))
    swept = [d for d in ac["C"].dims if d != "lag"]
    C = ac["C"].transpose(*swept, "lag")
    lag = ac["lag"].values
    combos = list(np.ndindex(*[ac.sizes[d] for d in swept])) if swept else [()]
    fig, ax = new_figure()
    cm = colormap(SEQ_CMAP)
    n_theory = 0
    for k, pos in enumerate(combos):
        sel = {d: i for d, i in zip(swept, pos)}
        c = cm(0.85 * k / max(1, len(combos) - 1))
        y = C.isel(sel).values
        e = ac["C_error"].transpose(*swept, "lag").isel(sel).values
        m = np.isfinite(y)
        if not m.any():
            continue  # no completed seed at this grid point
        named = [d for d in swept if ac.sizes[d] > 1] or swept  # keys with one value only: not in the label
        label = ", ".join(f"{_param_name(d)} = {ac[d].values[sel[d]]:g}" for d in named) or "simulation"
        ax.plot(lag[m], y[m], color=c, lw=1.8, label=label, gid="simulation", zorder=3)
        band = m & np.isfinite(e)
        ax.fill_between(lag[band], (y - e)[band], (y + e)[band], color=c, alpha=0.25, lw=0, zorder=2)
        for name, ls, lw, alpha in (("dmft_seen", "--", 1.5, 1.0), ("dmft", ":", 1.3, 0.7)):
            t = ac[name].transpose(*swept, "lag").isel(sel).values
            mt = np.isfinite(t)
            if mt.any():
                ax.plot(lag[mt], t[mt], color=c, ls=ls, lw=lw, alpha=alpha, gid=name, label="_nolegend_", zorder=4)
                n_theory += 1
    ax.axhline(0, color="0.6", lw=0.7, zorder=1, gid="zero")
    handles, labels = ax.get_legend_handles_labels()
    if n_theory:
        handles += [Line2D([], [], color="0.3", ls="--", lw=1.5), Line2D([], [], color="0.3", ls=":", lw=1.3, alpha=0.7)]
        labels += ["mean-field theory + window bias", "mean-field theory"]
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.set_xlabel(quantity_label(ac["lag"].attrs.get("long_name", "time lag"), ac["lag"].attrs.get("units", ""),
                                 "units of $\\tau$"))
    ax.set_ylabel(quantity_label(ac["C"].attrs.get("long_name", "autocovariance C(tau)"), ac["C"].attrs.get("units", "")))
    S = int(ac.attrs.get("seeds", 0))
    ns = ac["n_seeds"].values
    if S > 1 and np.all(ns[ns > 0] > 1):
        what = f"lines: mean over {_plural(S, 'seed')}; bands: $\\pm$ s.e.m."
    elif S == 1 or np.all(ns[ns > 0] == 1):
        what = "lines: single runs; bands: $\\pm$ s.e. over neurons"
    else:
        what = "lines: mean over the completed seeds; bands: $\\pm$ s.e.m. (s.e. over neurons for one seed)"
    if not n_theory:
        what += "; no mean-field theory for this network"
    ax.set_title(what, loc="left", fontsize=10)
    of = "the state" if variable == "state" else "the rate"
    _suptitle(fig, f, f"Autocovariance of {of}" + (": simulation and dynamic mean-field theory" if n_theory else ""))
    return fig


# --------------------------------------------------------------------------- chaos


@styled
def plot_chaos(ch: Chaos, f: Optional[RatenetFile] = None, published: Optional[str] = None):
    """Largest Lyapunov exponent against g: seeds, mean ± s.e.m., mean-field line, g_c marked.

    Single seeds are small translucent points behind the means.  The mean-field
    g_c is a dashed line; for threshold-linear units the mean-field divergence
    boundary :attr:`~ratenet_analysis.Chaos.g_div_meanfield`, when finite, a
    dash-dot-dot line (gid ``"g_div_meanfield"``).

    Parameters
    ----------
    ch : Chaos
        The /chaos group.
    f : RatenetFile, optional
        The file (for the run status).
    published : str, optional
        A note on published values, drawn in the lower right corner.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_figure()
    cm = colormap(SEQ_CMAP)
    S = ch.lambda_max.shape[1]
    for s in range(S):
        ok = ~ch.divergent[:, s] & np.isfinite(ch.lambda_max[:, s])
        ax.plot(ch.g[ok], ch.lambda_max[ok, s], "o", color=cm(0.15), alpha=0.3, ms=3.5, mew=0, zorder=2,
                label="single seeds" if s == 0 and S > 1 else None)
    nf = ch.n_finite if ch.n_finite is not None else np.sum(~ch.divergent, axis=1)
    over = f"over {_plural(S, 'seed')}" if np.all(nf == S) else f"over up to {_plural(S, 'seed')} (divergent excluded)"
    ax.errorbar(ch.g, ch.lambda_mean, yerr=ch.lambda_sem, fmt="o-", color=cm(0.15), capsize=3, ms=5, lw=1.2, zorder=4,
                label=f"simulation: mean $\\pm$ s.e.m. {over}" if S > 1 else "simulation (1 seed)")
    div = ch.divergent.any(axis=1)
    if div.any():
        ax.plot(ch.g[div], np.zeros(div.sum()), "x", color="0.2", ms=7, zorder=5, label="divergent seeds (at 0)")
    if len(ch.meanfield_g):
        ax.plot(ch.meanfield_g, ch.meanfield_lambda, "-", color=cm(0.75), lw=2, zorder=3, label="dynamic mean-field theory")
    ax.axhline(0, color="0.4", lw=0.8, ls="--", zorder=1)
    if np.isfinite(ch.g_c):
        err = f" $\\pm$ {ch.g_c_err:.2g}" if np.isfinite(ch.g_c_err) else ""
        ax.axvline(ch.g_c, color=cm(0.15), ls=":", lw=1.5, label=f"$g_c$ (simulation) = {ch.g_c:.3g}{err}")
        if np.isfinite(ch.g_c_err) and ch.g_c_err > 0:
            ax.axvspan(ch.g_c - ch.g_c_err, ch.g_c + ch.g_c_err, color=cm(0.15), alpha=0.12, lw=0)
    if np.isfinite(ch.g_c_stable_branch):
        err = f" $\\pm$ {ch.g_c_stable_branch_err:.2g}" if np.isfinite(ch.g_c_stable_branch_err) else ""
        ax.axvline(ch.g_c_stable_branch, color=cm(0.45), ls="-.", lw=1.2,
                   label=f"$g_c$ (stable branch) = {ch.g_c_stable_branch:.3g}{err}")
    if np.isfinite(ch.g_c_meanfield):
        ax.axvline(ch.g_c_meanfield, color=cm(0.75), ls="--", lw=1.5, label=f"$g_c$ (mean field) = {ch.g_c_meanfield:.3g}")
    if np.isfinite(ch.g_div_meanfield):
        # threshold-linear units: the mean-field activity diverges here (grey, dash-dot-dot)
        ax.axvline(ch.g_div_meanfield, color="0.3", ls=(0, (6, 2, 1, 2, 1, 2)), lw=1.5, gid="g_div_meanfield",
                   label=f"$g_{{\\mathrm{{div}}}}$ (mean field) = {ch.g_div_meanfield:.3g}")
    ax.set_xlabel(param_label(ch.key))
    ax.set_ylabel(f"largest Lyapunov exponent $\\lambda_{{\\mathrm{{max}}}}$ ({RATE_UNITS})")
    h, lab = ax.get_legend_handles_labels()
    first = sorted(range(len(lab)), key=lambda k: (not lab[k].startswith("simulation"), lab[k] != "single seeds", k))
    ax.legend([h[k] for k in first], [lab[k] for k in first], loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0.0)
    if published:
        ax.text(0.99, 0.02, published, transform=ax.transAxes, ha="right", va="bottom", fontsize=9,
                bbox=dict(boxstyle="round", fc="white", ec="0.6"))
    _suptitle(fig, f, "Transition to chaos: largest Lyapunov exponent" + (f" (N = {ch.n})" if ch.n else ""))
    return fig


def _chaos_of(source, f: Optional[RatenetFile]) -> Tuple[Optional[ChaosPopulations], Optional[Chaos], Optional[RatenetFile]]:
    """(populations, Chaos or None, file for the status) from a ChaosPopulations, a Chaos, a RatenetFile, a
    RatenetData or a path."""
    if isinstance(source, ChaosPopulations):
        return source, None, f
    if isinstance(source, Chaos):
        return source.populations, source, f
    if isinstance(source, RatenetFile):
        ch = source.chaos()
        return ch.populations, ch, f if f is not None else source
    path = getattr(source, "path", source)  # RatenetData: the file it was read from
    if isinstance(path, (str, os.PathLike)):
        with RatenetFile(path) as rf:  # everything is read into memory: closing is safe
            ch = rf.chaos()
            return ch.populations, ch, f if f is not None else rf
    raise TypeError(f"expected a Chaos, ChaosPopulations, RatenetFile, RatenetData or a path, not {type(source).__name__}")


@styled
def plot_chaos_populations(source, ax=None, f: Optional[RatenetFile] = None):
    """The P-population mean field at the mean-field g_c: field statistics and stability matrix.

    Left: the mean mu_k (circles) and the standard deviation sqrt(delta_k)
    (squares) of the Gaussian field h of each population k at the mean-field
    g_c, with each population's fraction alpha_k in the tick labels.  Right: the
    stability matrix M_kl = g_c^2 alpha_l G_kl^2 <phi'(h)^2>_l as an annotated
    heat map; its spectral radius is 1 at g_c (Kadmon & Sompolinsky 2015).  The
    title gives g_c and the radius of the eigenvalue bulk of W per unit g
    (Aljadeff, Stern & Sharpee 2015), 1 / g_c when h = 0 below g_c.

    Parameters
    ----------
    source : Chaos, ChaosPopulations, RatenetFile, RatenetData, str or os.PathLike
        The /chaos group or its populations, or a ``chaos`` file (open, opened
        with :func:`ratenet_analysis.open`, or its path).
    ax : matplotlib.axes.Axes or sequence of two Axes, optional
        Where to draw: two axes (field statistics, stability matrix), or one
        (the field statistics only, the matrix's spectral radius in its title).
        Default: a new figure of the house size with both panels and a title.
    f : RatenetFile, optional
        The file (for the run status); taken from ``source`` when that is one.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.  The points have gid ``"mu"`` and ``"sqrt_delta"``,
        the heat map gid ``"stability_matrix"``.  A file without
        ``/chaos/populations`` (another model, mean-field g_c not found, or an
        older ratenet) gives a figure that says so.
    """
    pops, ch, f = _chaos_of(source, f)
    if ax is None:
        fig, (ax1, ax2) = new_figure(1, 2, width_ratios=[1.25, 1.0])
        own = True
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if not 1 <= len(axes) <= 2:
            raise ValueError(f"ax: one or two Axes, not {len(axes)}")
        ax1, ax2 = axes[0], (axes[1] if len(axes) == 2 else None)
        fig = ax1.figure
        own = False
    ref = "Kadmon & Sompolinsky 2015"
    if pops is None:
        why = ("no /chaos/populations group in this file:\nonly chaos files of the populations model with a mean-field "
               "$g_c$ have one")
        for a in (ax1, ax2):
            if a is not None:
                _no_data(a, why if a is ax1 else "no stability matrix")
        what = f"Population mean field ({ref}): not in this file"
        if own:
            _suptitle(fig, f, what)
        else:
            ax1.set_title(what, fontsize=10)
        return fig
    cm = colormap(SEQ_CMAP)
    P = len(pops.alpha)
    k = np.arange(1, P + 1)
    mu = np.asarray(pops.mu, float)
    sd = np.sqrt(np.clip(np.asarray(pops.delta, float), 0.0, None))
    ax1.axhline(0, color="0.6", lw=0.8, zorder=1)
    off = 0.12
    ax1.vlines(k - off, 0, mu, color=cm(0.15), lw=2.0, zorder=2)
    ax1.plot(k - off, mu, "o", color=cm(0.15), ms=8, zorder=3, gid="mu", label="mean $\\mu_k$ of the field $h$")
    ax1.vlines(k + off, 0, sd, color=cm(0.65), lw=2.0, zorder=2)
    ax1.plot(k + off, sd, "s", color=cm(0.65), ms=8, zorder=3, gid="sqrt_delta",
             label="standard deviation $\\sqrt{\\Delta_k}$ of $h$")
    ax1.set_xticks(k)
    ax1.set_xticklabels([f"{i}\n$\\alpha$ = {a:.3g}" for i, a in zip(k, pops.alpha)])
    ax1.set_xlim(0.4, P + 0.6)
    ax1.set_xlabel("population $k$ (index) and its fraction $\\alpha_k$")
    ax1.set_ylabel("field $h$ at the mean-field $g_c$ (model units)")
    vals = np.concatenate([mu[np.isfinite(mu)], sd[np.isfinite(sd)]])
    big = float(np.max(np.abs(vals))) if vals.size else 0.0
    if big < 1e-12:
        ax1.set_ylim(-1.0, 1.0)  # all zero: a readable scale around the points
        note = "$\\mu_k = \\Delta_k = 0$: the field vanishes at $g_c$"
    else:
        lo = min(0.0, float(np.min(vals)))
        ax1.set_ylim(lo - 0.15 * big, big * 1.45)  # headroom for the legend
        note = f"Gaussian field $h \\sim N(\\mu_k, \\Delta_k)$ in each of the {_plural(P, 'population')}"
    ax1.legend(loc="upper right", fontsize=9)
    ax1.set_title(note, loc="left", fontsize=10)
    rho = pops.spectral_radius
    if ax2 is not None:
        M = np.asarray(pops.stability_matrix, float)
        vmax = float(np.nanmax(M)) if np.isfinite(M).any() and np.nanmax(M) > 0 else 1.0
        im = ax2.imshow(M, cmap=SEQ_CMAP, vmin=0.0, vmax=vmax, interpolation="nearest", gid="stability_matrix")
        if P <= 8:
            for i in range(P):
                for j in range(P):
                    v = M[i, j]
                    light = np.isfinite(v) and v / vmax > 0.6  # viridis is light at the top
                    ax2.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=9 if P <= 5 else 7.5,
                             color="0.1" if light else "white")
        ax2.set_xticks(np.arange(P))
        ax2.set_xticklabels([str(i) for i in k])
        ax2.set_yticks(np.arange(P))
        ax2.set_yticklabels([str(i) for i in k])
        ax2.set_xlabel("presynaptic population $l$ (index)")
        ax2.set_ylabel("population $k$ (index)")
        ax2.set_title(f"stability matrix $M_{{kl}}$; spectral radius {rho:.4g}", loc="left", fontsize=10)
        cb = fig.colorbar(im, ax=ax2, fraction=0.08, pad=0.03)
        cb.set_label("stability matrix entry $M_{kl}$ (dimensionless)")
    elif np.isfinite(rho):
        ax1.set_title(f"{note}; spectral radius of $M$ {rho:.4g}", loc="left", fontsize=10)
    r = pops.bulk_radius_per_g
    gc = pops.g_c if np.isfinite(pops.g_c) else (ch.g_c_meanfield if ch is not None else np.nan)
    what = f"{_plural(P, 'population')} at the mean-field $g_c$ = {gc:.3g} ({ref})"
    if np.isfinite(r):
        what += f"; bulk radius of W = {r:.3g} $g$"
    if own:
        _suptitle(fig, f, what)
    else:
        ax1.set_title(what + "\n" + ax1.get_title(loc="left"), loc="left", fontsize=10)
    return fig


# --------------------------------------------------------------------------- dispatch


def _has_xarray() -> bool:
    """Whether xarray and pandas (optional dependencies, needed by :func:`plot_autocorrelation`) are installed."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("xarray", "pandas"))


def _lyapunov_extras(f: RatenetFile) -> Tuple[int, bool, bool]:
    """(rows of local_exponents, participation_ratio stored, covariant group stored) of /lyapunov, from the
    layout only (nothing is read; an unreadable group has none of them)."""
    try:
        g = f.h5["lyapunov"]
        windows = int(g["local_exponents"].shape[0]) if "local_exponents" in g else 0
        return windows, "participation_ratio" in g, "covariant" in g
    except (OSError, RuntimeError, KeyError, IndexError, TypeError):
        return 0, False, False


def _has_chaos_populations(f: RatenetFile) -> bool:
    """Whether the file has /chaos/populations (from the layout only; an unreadable group has none)."""
    try:
        return "populations" in f.h5["chaos"]
    except (OSError, RuntimeError, KeyError, TypeError):
        return False


def figures_for(f: RatenetFile) -> Dict[str, Callable[[], Figure]]:
    """Every figure the file supports, by name, the main one first.

    Each figure appears once: a sweep's per-result figures leave out the one
    that is the same as the main ``"sweep"`` figure.  A sweep of the
    ``autocorrelation`` analysis starts with ``"autocorrelation"`` and
    ``"autocorrelation_rate"`` (:func:`plot_autocorrelation`, when xarray is
    installed), then the generic sweep figures.  A ``lyapunov`` file adds,
    after ``"lyapunov"``, the figures of the data it holds:
    ``"lyapunov_local"`` (:func:`plot_local_exponents`, when
    ``local_exponents`` has rows), ``"lyapunov_vectors"``
    (:func:`plot_lyapunov_vectors`, when the participation ratios are stored)
    and ``"lyapunov_angles"`` (:func:`plot_covariant_angles`, when
    ``/lyapunov/covariant`` exists).  A ``chaos`` file adds, after
    ``"chaos"``, ``"chaos_populations"`` (:func:`plot_chaos_populations`,
    when ``/chaos/populations`` exists: the ``populations`` model).

    Parameters
    ----------
    f : RatenetFile
        An open file.

    Returns
    -------
    dict of str to callable
        Name -> function of no arguments that makes the Figure.
    """
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
    groups = order + [g for g in ("trajectory", "permitted", "fixed_points", "lyapunov", "sweep", "chaos", "network")
                      if g not in order]
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
            windows, has_pr, has_cov = _lyapunov_extras(f)
            if windows:
                out["lyapunov_local"] = lambda: plot_local_exponents(f.lyapunov(), f=f)
            if has_pr:
                out["lyapunov_vectors"] = lambda: plot_lyapunov_vectors(f.lyapunov(), f=f)
            if has_cov:
                out["lyapunov_angles"] = lambda: plot_covariant_angles(f.lyapunov(), f=f)
        elif g == "chaos":
            out["chaos"] = lambda: plot_chaos(f.chaos(), f)
            if _has_chaos_populations(f):
                out["chaos_populations"] = lambda: plot_chaos_populations(f.chaos(), f=f)
        elif g == "network":
            out["network"] = lambda: plot_network(net, f)
        elif g == "sweep":
            sw = f.sweep()
            if sw.analysis == "autocorrelation" and _has_xarray():
                # the seed-averaged C(tau) beside the theory first: the main figure
                for var, name in (("state", "autocorrelation"), ("rate", "autocorrelation_rate")):
                    if all(r in sw.results for r in ["lag_time", *AUTOCORRELATION_FIELDS[var].values()]):
                        out[name] = (lambda var=var: plot_autocorrelation(sw, var, f=f))
            out["sweep"] = lambda: plot_sweep(sw, f=f)
            dy, dx, dby = sweep_defaults(sw)
            made = {(dy, dx, dby)}
            seen = [(dy, sw.column(dy))] if dy in sw.results else []
            for r in _scalar_results(sw):
                v = sw.results[r]
                twin = next((o for o, w in seen if o != r and np.array_equal(v, w, equal_nan=True)), None)
                if twin is not None:
                    continue  # the same numbers as another result: the same figure
                seen.append((r, v))
                for xk in [k for k in sw.keys if k != "seed_index"]:
                    byk = next((o for o in sw.keys if o not in (xk, "seed_index")), None)
                    name = f"sweep_{r}_vs_{xk.split('.')[-1]}"
                    if name in out or (r, xk, byk) in made:
                        continue
                    made.add((r, xk, byk))
                    out[name] = (lambda r=r, xk=xk, byk=byk: plot_sweep(sw, y=r, x=xk, by=byk, f=f))
            for r in sw.results:
                lag = _lag_result(sw, r)
                if lag is not None and sw.swept_keys:
                    out[f"sweep_{r}_curves"] = (lambda r=r, lag=lag: plot_sweep_curves(sw, r, lag=lag, f=f))
    return out


def main_figure(f: RatenetFile):
    """The main figure of a file (the first of :func:`figures_for`).

    Parameters
    ----------
    f : RatenetFile
        An open file.

    Returns
    -------
    name : str
        The figure's name.
    fig : matplotlib.figure.Figure
        The figure.

    Raises
    ------
    ValueError
        When the file holds nothing to plot.
    """
    figs = figures_for(f)
    if not figs:
        raise ValueError(f"{f.path}: nothing to plot (kind {f.kind!r}, groups {f.groups()})")
    name = next(iter(figs))
    return name, figs[name]()
