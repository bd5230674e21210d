"""Paper-quality checks on every figure kind, drawn from files the real binary writes.

The files come from analysis/gallery.py (the shipped configs, made small), so
the gallery and these tests look at the same runs.  Each figure is drawn with
the Agg canvas and every visible text (titles, axis labels, tick labels,
legends, suptitle, annotations, colour-bar labels) is checked against every
other for overlap; every axis label of a quantity must carry its units in
parentheses or be explicitly unitless (an index or a count).
"""

import hashlib
import importlib.util
import inspect
import re
import subprocess
import sys
from itertools import combinations

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import TwoSlopeNorm
from matplotlib.text import Text

import ratenet_analysis as ra
from conftest import ANALYSIS, pyrun, run_ok
from ratenet_analysis import cli, plots

KINDS = ["simulate", "simulate_current", "permitted", "fixed_points", "lyapunov", "sweep", "autocorrelation", "chaos",
         "chaos_populations"]
UNITLESS = ("index", "number of", "count")  # labels that are explicitly unitless


def _gallery():
    spec = importlib.util.spec_from_file_location("ratenet_gallery", ANALYSIS / "gallery.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def files(ratenet, tmp_path_factory):
    """{kind: path}: one file of each kind, written by the binary from the shipped configs."""
    d = tmp_path_factory.mktemp("gallery")
    out = _gallery().make_files(ratenet, d)
    # A winner-take-all circuit: stable and unstable fixed points, coinciding eigenvalues.
    cfg = d / "wta.toml"
    cfg.write_text('[model]\nname = "hahnloser_wta"\nn = 4\nalpha = 1.5\nbeta = 1.0\n'
                   '[network]\nform = "rate"\n[transfer]\nname = "relu"\n[input]\nb = [1.0, 1.0, 1.0, 1.0]\n')
    run_ok(ratenet, "fixed-points", cfg, "-o", d / "wta_fp.h5", "--force", "-q")
    out["fixed_points_wta"] = d / "wta_fp.h5"
    # A sweep over two keys (one line per network size) with two seeds.
    cfg = d / "sweep2.toml"
    cfg.write_text('[model]\nname = "random_gaussian"\nn = 20\ng = 1.5\n[network]\nform = "current"\n'
                   '[transfer]\nname = "tanh"\n[initial]\nrandom_std = 1.0\n'
                   '[simulate]\nmethod = "rk4"\ndt = 0.05\nt_end = 10.0\ndt_out = 0.5\n'
                   '[sweep]\nanalysis = "simulate"\nseeds = 2\n'
                   '[sweep.params]\n"model.g" = { linspace = [0.5, 2.0, 4] }\n"model.n" = [10, 20]\n')
    run_ok(ratenet, "sweep", cfg, "-o", d / "sweep2.h5", "--force", "-q")
    out["sweep_two_keys"] = d / "sweep2.h5"
    return out


# --------------------------------------------------------------------------- helpers


def _draw(fig):
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _all_axes(fig):
    out = []

    def add(ax):
        out.append(ax)
        for c in getattr(ax, "child_axes", []):
            add(c)

    for ax in fig.axes:
        add(ax)
    return out


def visible_texts(fig):
    """[(description, Text)] of every text drawn on the figure (after a draw)."""
    items = []
    for t in fig.texts:
        items.append(("figure text", t))
    for ax in _all_axes(fig):
        if not ax.get_visible():
            continue
        items += [(f"title of {ax.get_label() or 'axes'}", t) for t in (ax.title, ax._left_title, ax._right_title)]
        items += [("annotation/text", t) for t in ax.texts]
        if ax.axison:
            for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
                if not axis.get_visible():
                    continue
                items.append((f"{name} label", axis.label))
                items.append((f"{name} offset text", axis.offsetText))
                for tick in axis._update_ticks():  # exactly the ticks that are drawn
                    for lab in (tick.label1, tick.label2):
                        items.append((f"{name} tick label", lab))
        leg = ax.get_legend()
        if leg is not None and leg.get_visible():
            items += [("legend", t) for t in leg.get_texts()] + [("legend title", leg.get_title())]
    for leg in fig.legends:
        items += [("figure legend", t) for t in leg.get_texts()] + [("figure legend title", leg.get_title())]
    return [(d, t) for d, t in items if isinstance(t, Text) and t.get_visible() and t.get_text().strip()]


def text_overlaps(fig, tol=0.5):
    """Pairs of drawn texts whose boxes overlap, and texts that stick out of the figure."""
    r = _draw(fig)
    boxes = []
    for d, t in visible_texts(fig):
        bb = t.get_window_extent(r)
        if bb.width > 0 and bb.height > 0:
            boxes.append((d, t.get_text(), bb))
    bad = []
    W, H = fig.bbox.width, fig.bbox.height
    for d, s, bb in boxes:
        if bb.x0 < -1 or bb.y0 < -1 or bb.x1 > W + 1 or bb.y1 > H + 1:
            bad.append(f"{d} {s!r} outside the figure: {bb}")
    for (d1, s1, b1), (d2, s2, b2) in combinations(boxes, 2):
        if b1.x0 < b2.x1 - tol and b2.x0 < b1.x1 - tol and b1.y0 < b2.y1 - tol and b2.y0 < b1.y1 - tol:
            bad.append(f"{d1} {s1!r} overlaps {d2} {s2!r}")
    return bad


def label_problems(fig):
    """Axis labels (axes and colour bars) without units in parentheses and not explicitly unitless."""
    bad = []
    for ax in _all_axes(fig):
        if not (ax.get_visible() and ax.axison):
            continue
        for lab in (ax.xaxis.label, ax.yaxis.label):
            s = lab.get_text().strip()
            if not s or not lab.get_visible():
                continue
            if any(w in s for w in UNITLESS):
                continue
            m = re.search(r"\(([^()]*)\)\s*$", s)
            if not m or not m.group(1).strip() or "not recorded" in m.group(1):
                bad.append(s)
    return bad


def _figures(path):
    with ra.open_file(path) as f:
        return {name: make() for name, make in plots.figures_for(f).items()}


# --------------------------------------------------------------------------- every figure


@pytest.mark.parametrize("kind", KINDS + ["fixed_points_wta", "sweep_two_keys"])
def test_every_figure_text_layout_and_units(files, kind):
    """Every figure of every kind: no overlapping text, axis labels with units, titles without file names."""
    before = dict(matplotlib.rcParams)
    figs = _figures(files[kind])
    assert figs, kind
    assert dict(matplotlib.rcParams) == before  # nothing global changed
    problems = []
    for name, fig in figs.items():
        problems += [f"{kind}/{name}: {p}" for p in text_overlaps(fig)]
        problems += [f"{kind}/{name}: label without units: {s!r}" for s in label_problems(fig)]
        title = fig._suptitle.get_text() if fig._suptitle is not None else ""
        assert title, f"{kind}/{name}: no title"
        assert ".h5" not in title and files[kind].name not in title, f"{kind}/{name}: title names the file: {title!r}"
    assert not problems, "\n".join(problems)


def test_overlap_check_can_fail():
    """The checker sees overlapping text and a label without units."""
    fig, ax = plots.new_figure()
    ax.set_title("a title")
    ax.text(0.5, 1.01, "a text on the title", transform=ax.transAxes, ha="center")
    ax.set_xlabel("model.g")
    ax.set_ylabel("rate x (rate (model units))")
    bad = text_overlaps(fig)
    assert any("overlaps" in b for b in bad)
    assert label_problems(fig) == ["model.g", "rate x (rate (model units))"]


# --------------------------------------------------------------------------- labels and colour maps


def test_quantity_label_from_file_attributes(files):
    with ra.open_file(files["simulate"]) as f:
        tr = f.trajectory()
        assert (tr.long_name, tr.units) == ("rate x", "rate (model units)")  # what the binary writes
    assert plots.quantity_label("rate x", "rate (model units)") == "rate x (model units)"
    assert plots.quantity_label("largest Lyapunov exponent", "1/time (units of tau)") == \
        "largest Lyapunov exponent (1/$\\tau$)"
    assert plots.quantity_label("Kaplan-Yorke dimension", "1") == "Kaplan-Yorke dimension (dimensionless)"
    assert plots.tex("lambda_max in 1/tau") == "$\\lambda_{\\mathrm{max}}$ in 1/$\\tau$"
    assert plots.param_label("model.g") == "coupling gain $g$ (dimensionless)"
    figs = _figures(files["simulate"])
    fig = figs["trajectory"]
    labels = [ax.yaxis.get_label_text() for ax in _all_axes(fig)]
    assert "rate x (model units)" in labels
    assert not any("((" in s or "(rate (" in s for s in labels)


def _heatmap(fig):
    ims = [im for ax in fig.axes for im in ax.images]
    assert ims
    return ims[0]


def _colorbar_extend(fig):
    ims = _heatmap(fig)
    return ims.colorbar.extend


def test_signed_state_gets_diverging_map_centred_on_zero(files):
    """The current h of a random tanh network: diverging map, centred on 0, arrows where clipped."""
    fig = _figures(files["simulate_current"])["trajectory"]
    im = _heatmap(fig)
    assert im.get_cmap().name == plots.DIV_CMAP
    norm = im.norm
    assert isinstance(norm, TwoSlopeNorm) and norm.vcenter == 0 or np.isclose(norm.vmin, -norm.vmax)
    data = np.asarray(im.get_array())
    ext = im.colorbar.extend
    assert (data.min() < norm.vmin) == (ext in ("min", "both"))
    assert (data.max() > norm.vmax) == (ext in ("max", "both"))
    assert ext != "neither"  # 1st/99th percentiles: something is clipped


def test_rates_get_sequential_map(files):
    fig = _figures(files["simulate"])["trajectory"]
    im = _heatmap(fig)
    assert im.get_cmap().name == plots.SEQ_CMAP
    assert im.norm.vmin >= 0


# --------------------------------------------------------------------------- sweeps and chaos


def test_sweep_axes_units_and_error_bars_say_what(files):
    figs = _figures(files["sweep"])
    for name, fig in figs.items():
        ax = fig.axes[0]
        assert ax.get_xlabel() == "coupling gain $g$ (dimensionless)"
        legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
        assert "mean $\\pm$ s.e.m. over 3 seeds" in legend, (name, legend)
    assert figs["sweep"].axes[0].get_ylabel() == "mean rate (model units)"


def test_chaos_single_seeds_behind_means(files):
    fig = _figures(files["chaos"])["chaos"]
    ax = fig.axes[0]
    seeds = [ln for ln in ax.lines if ln.get_label() == "single seeds"]
    assert len(seeds) == 1
    s = seeds[0]
    means = [c for c in ax.containers if c.get_label().startswith("simulation")]
    assert len(means) == 1
    mline = means[0].lines[0]
    assert s.get_alpha() is not None and s.get_alpha() < 1
    assert s.get_markersize() < mline.get_markersize()
    assert s.get_zorder() < mline.get_zorder()
    assert mline.get_linestyle() != "None"  # the means are joined by a line
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("mean $\\pm$ s.e.m. over 3 seeds" in t for t in legend), legend


def test_lyapunov_convergence_top_exponents_readable(files):
    fig = _figures(files["lyapunov"])["lyapunov"]
    ax2 = fig.axes[1]
    assert ax2.get_yscale() in ("symlog", "log")
    # the two top exponents end at clearly different heights
    ys = [ln.get_path().vertices[-1] for ln in ax2.lines if ln.get_label() in ("$\\lambda_{1}$", "$\\lambda_{2}$")]
    assert len(ys) == 2
    p = ax2.transData.transform(np.array(ys))
    assert abs(p[0, 1] - p[1, 1]) > 10  # pixels


# --------------------------------------------------------------------------- permitted sets and fixed points


def test_permitted_panels(files):
    fig = _figures(files["permitted"])["permitted"]
    r = _draw(fig)
    bars, m1, m2 = fig.axes[:3]
    # neuron and set ticks are integers
    for ax in (m1, m2):
        for lab in ax.get_xticklabels() + ax.get_yticklabels():
            if lab.get_text():
                assert re.fullmatch(r"[0-9\u2212-]+", lab.get_text()), lab.get_text()
        assert all(float(v).is_integer() for v in ax.get_xticks())
    # a key says what black means
    keys = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert "in set" in keys and "not in set" in keys
    # the legend stays off the bars
    lb = bars.get_legend().get_window_extent(r)
    for patch in bars.patches:
        pb = patch.get_window_extent(r)
        assert not lb.overlaps(pb), "legend on a bar"


def test_fixed_points_plural_and_absent_classes(files):
    """One fixed point: '1 fixed point', no legend entry for an absent class."""
    fig = _figures(files["fixed_points"])["fixed_points"]
    _draw(fig)
    texts = [t.get_text() for _, t in visible_texts(fig)]
    joined = " | ".join(texts)
    with ra.open_file(files["fixed_points"]) as f:
        fp = f.fixed_points()
    F = len(fp)
    assert re.search(rf"\b{F} fixed point{'s' if F != 1 else ''}\b", joined)
    assert not re.search(r"\b1 fixed points\b", joined)
    present = set(fp.classes)
    for ax in fig.axes:
        leg = ax.get_legend()
        if leg is None:
            continue
        for t in leg.get_texts():
            for cls in ("stable", "unstable", "marginal"):
                if re.match(rf"{cls}\b", t.get_text()):
                    assert cls in present, f"legend entry {t.get_text()!r} for an absent class"


def test_fixed_points_multiplicity_visible(files):
    """WTA: stable and unstable points, eigenvalue -1 many times: sizes and '×k' show it."""
    fig = _figures(files["fixed_points_wta"])["fixed_points"]
    with ra.open_file(files["fixed_points_wta"]) as f:
        fp = f.fixed_points()
    assert fp.stable.any() and (~fp.stable).any()
    ax = [a for a in fig.axes if a.get_title() == "Jacobian eigenvalues"][0]
    notes = [t.get_text() for t in ax.texts]
    assert any(re.fullmatch(r"×\d+", s) for s in notes), notes
    sizes = np.concatenate([c.get_sizes() for c in ax.collections if len(c.get_offsets())])
    assert sizes.max() > sizes.min()  # marker area grows with multiplicity
    title = fig._suptitle.get_text()
    assert f"{len(fp)} fixed points" in title
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(s.startswith("stable") for s in legend) and any(s.startswith("unstable") for s in legend)


# --------------------------------------------------------------------------- report


def test_report_writes_each_figure_once(files, tmp_path, monkeypatch):
    """Regression: `report` wrote the main sweep figure twice (as sweep and sweep_<y>_vs_<x>),
    and drew every figure once per format."""
    calls = {}
    real = plots.figures_for

    def counting(f):
        figs = real(f)

        def wrap(name, make):
            def m():
                calls[name] = calls.get(name, 0) + 1
                return make()
            return m
        return {n: wrap(n, mk) for n, mk in figs.items()}

    monkeypatch.setattr(plots, "figures_for", counting)
    out = tmp_path / "rep"
    assert cli.main(["report", str(files["sweep"]), "-o", str(out), "--formats", "png,pdf"]) == 0
    assert calls and all(v == 1 for v in calls.values()), calls
    monkeypatch.setattr(plots, "figures_for", real)
    for kind in ("sweep", "chaos", "autocorrelation"):
        d = tmp_path / f"rep_{kind}"
        r = pyrun("report", files[kind], "-o", d)
        assert r.returncode == 0, r.stderr
        pngs = sorted(d.glob("*.png"))
        digests = {}
        for p in pngs:
            h = hashlib.sha256(p.read_bytes()).hexdigest()
            assert h not in digests, f"{p.name} is the same figure as {digests.get(h)}"
            digests[h] = p.name
        assert len(r.stdout.splitlines()) == len(set(r.stdout.splitlines()))


# --------------------------------------------------------------------------- the module


def test_public_functions_have_numpydoc_docstrings():
    for name, obj in vars(plots).items():
        if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != plots.__name__:
            continue
        doc = inspect.getdoc(obj) or ""
        assert "Returns\n-------" in doc, name
        params = [p for p in inspect.signature(obj).parameters if p not in ("self",)]
        if params:
            assert "Parameters\n----------" in doc, name


def test_import_is_side_effect_free():
    code = ("import matplotlib; "
            "before = dict(matplotlib.rcParams); import ratenet_analysis.plots as p; "
            "assert dict(matplotlib.rcParams) == before; import sys; assert 'matplotlib.pyplot' not in sys.modules; "
            "print('ok')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ANALYSIS))
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_autocorrelation_sweep_curves(files):
    """A curve-valued result (C(tau) per point) gets a figure against its lag, one line per g."""
    figs = _figures(files["autocorrelation"])
    assert "sweep_autocovariance_curves" in figs
    ax = figs["sweep_autocovariance_curves"].axes[0]
    assert ax.get_xlabel() == "time lag (units of $\\tau$)"
    assert ax.get_ylabel().startswith("autocovariance C($\\tau$) (")
    with ra.open_file(files["autocorrelation"]) as f:
        n_g = len(f.sweep().unique("model.g"))
    assert len([ln for ln in ax.lines if not ln.get_label().startswith("_")]) == n_g
    assert "mean over 2 seeds" in ax.get_title(loc="left")


@pytest.mark.parametrize("kind", ["simulate", "permitted", "lyapunov"])
def test_network_W_gets_diverging_map(files, kind):
    """W is signed: diverging colour map centred on 0, symmetric limits, arrows where clipped."""
    fig = _figures(files[kind])["network"]
    im = fig.axes[0].images[0]
    assert im.get_cmap().name == plots.DIV_CMAP
    assert isinstance(im.norm, TwoSlopeNorm) and im.norm.vcenter == 0
    assert np.isclose(im.norm.vmin, -im.norm.vmax)
    W = np.asarray(im.get_array())
    ext = im.colorbar.extend
    assert (W.min() < im.norm.vmin) == (ext in ("min", "both"))
    assert (W.max() > im.norm.vmax) == (ext in ("max", "both"))
    assert im.colorbar.ax.get_ylabel() == "coupling W (model units)"


def test_sweep_lines_by_second_key(files):
    """One line per value of the second key, named with its units-free name; the legend title says what the bars are."""
    figs = _figures(files["sweep_two_keys"])
    ax = figs["sweep"].axes[0]
    leg = ax.get_legend()
    assert leg.get_title().get_text() == "mean $\\pm$ s.e.m. over 2 seeds"
    assert [t.get_text() for t in leg.get_texts()] == ["network size $N$ = 10", "network size $N$ = 20"]
    assert ax.get_xlabel() == "coupling gain $g$ (dimensionless)"
    assert figs["sweep_mean_rate_vs_n"].axes[0].get_xlabel() == "network size $N$ (neurons)"
    assert "sweep_mean_rate_vs_g" not in figs  # the same as "sweep"
