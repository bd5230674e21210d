"""The populations model in `ratenet chaos` files: /chaos/populations, g_div_meanfield, their figures.

Every file is written by the real binary from the shipped configs, made small
with the settings of their `# ratenet-test:` header lines.
"""

import shlex
import tomllib

import matplotlib.image as mpimg
import numpy as np
import pytest

import ratenet_analysis as ra
from conftest import REPO, pyrun, run_ok
from ratenet_analysis import plots

CONFIGS = REPO / "configs"
REFERENCE = "Kadmon & Sompolinsky 2015"


def _header_settings(name):
    """The words of every ``# ratenet-test:`` line in the config's leading comment block."""
    words = []
    for line in (CONFIGS / name).read_text().splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        if body.startswith("ratenet-test:"):
            words += shlex.split(body[len("ratenet-test:"):])
    return words


def _chaos(exe, outdir, name, *extra):
    out = outdir / (name.removesuffix(".toml") + ".h5")
    settings = _header_settings(name)
    assert settings, f"{name} has no '# ratenet-test:' line"
    run_ok(exe, "chaos", CONFIGS / name, "-o", out, "--force", "-q", *settings, *extra)
    return out


@pytest.fixture(scope="module")
def pop_file(ratenet, tmp_path_factory):
    """configs/chaos_populations.toml: three tanh populations, zero means, zero input."""
    return _chaos(ratenet, tmp_path_factory.mktemp("populations"), "chaos_populations.toml")


@pytest.fixture(scope="module")
def relu_file(ratenet, tmp_path_factory):
    """The same populations with threshold-linear units, block means and inputs: a finite g_div."""
    d = tmp_path_factory.mktemp("populations_relu")
    return _chaos(ratenet, d, "chaos_populations.toml", "--set", "transfer.name=relu",
                  "--set", "model.b=[0.5, -0.2, 0.3]",
                  "--set", "model.means=[[-1.0, 0.5, 0.0], [0.5, -1.0, 0.0], [0.0, 0.0, -0.5]]")


@pytest.fixture(scope="module")
def tanh_file(ratenet, tmp_path_factory):
    """configs/chaos_tanh.toml: one population (random_gaussian), no /chaos/populations."""
    return _chaos(ratenet, tmp_path_factory.mktemp("chaos_tanh"), "chaos_tanh.toml")


def _model(path):
    with ra.open_file(path) as f:
        return tomllib.loads(str(f.attrs["config"]))["model"]


# --------------------------------------------------------------------------- reader


def test_populations_group_read(pop_file):
    with ra.open_file(pop_file) as f:
        ch = f.chaos()
    pops = ch.populations
    assert isinstance(pops, ra.ChaosPopulations)
    model = _model(pop_file)
    G = np.asarray(model["gains"], float)
    P = G.shape[0]
    for name in ("alpha", "mu", "delta", "mean_rate", "active_fraction"):
        v = getattr(pops, name)
        assert isinstance(v, np.ndarray) and v.shape == (P,), name
    assert pops.stability_matrix.shape == (P, P)
    # the drawn layout's fractions: floor(alpha_k N) plus largest remainders, summing to 1
    assert abs(pops.alpha.sum() - 1.0) < 1e-12
    assert np.allclose(pops.alpha, model["fractions"], atol=1.0 / model["n"])
    assert isinstance(pops.g_c, float) and isinstance(pops.bulk_radius_per_g, float)
    assert "Kadmon" in pops.source
    # zero means, zero input: h = 0 below g_c, <phi'^2> = 1, so g_c = 1 / bulk radius
    assert np.isfinite(ch.g_c_meanfield)
    assert pops.g_c == ch.g_c_meanfield
    assert abs(ch.g_c_meanfield - 1.0 / pops.bulk_radius_per_g) < 1e-8
    assert np.all(np.abs(pops.delta) < 1e-8)
    assert np.all(np.abs(pops.mu) < 1e-8)
    assert np.allclose(pops.active_fraction, 1.0)  # tanh is smooth
    # the bulk radius per g is sqrt(rho(alpha_l G_kl^2)) (Aljadeff et al. 2015)
    A = pops.alpha[None, :] * G ** 2
    assert abs(pops.bulk_radius_per_g - np.sqrt(np.max(np.abs(np.linalg.eigvals(A))))) < 1e-9
    # M_kl = g_c^2 alpha_l G_kl^2 <phi'^2>_l with <phi'^2> = 1; spectral radius 1 at g_c
    assert np.allclose(pops.stability_matrix, ch.g_c_meanfield ** 2 * A, rtol=1e-8, atol=1e-12)
    rho = float(np.max(np.abs(np.linalg.eigvals(pops.stability_matrix))))
    assert abs(rho - 1.0) < 1e-6
    assert abs(pops.spectral_radius - rho) < 1e-12
    assert np.isnan(ch.g_div_meanfield)  # tanh: no divergence boundary


def test_relu_populations_and_g_div(relu_file):
    with ra.open_file(relu_file) as f:
        ch = f.chaos()
        assert "g_div_meanfield" in f.h5["chaos"].attrs
        stored = float(f.h5["chaos"].attrs["g_div_meanfield"])
    assert np.isfinite(ch.g_div_meanfield) and ch.g_div_meanfield == stored
    pops = ch.populations
    assert pops is not None
    assert abs(pops.spectral_radius - 1.0) < 1e-6
    assert np.all(pops.delta > 0)  # inputs and means: a field that does not vanish at g_c
    assert np.all((pops.active_fraction > 0) & (pops.active_fraction < 1))  # threshold-linear


def test_old_style_chaos_file_has_no_populations(tanh_file):
    with ra.open_file(tanh_file) as f:
        assert "populations" not in f.h5["chaos"]
        ch = f.chaos()
        figs = plots.figures_for(f)
    assert ch.populations is None
    assert np.isnan(ch.g_div_meanfield)
    assert np.isfinite(ch.g_c_meanfield)
    assert "chaos" in figs and "chaos_populations" not in figs


def test_g_div_missing_attribute_is_nan():
    """A /chaos group written before g_div_meanfield existed (attribute absent)."""
    ch = ra.Chaos(g=np.zeros(0), lambda_max=np.zeros((0, 1)), divergent=np.zeros((0, 1), bool),
                  lambda_mean=np.zeros(0), lambda_sem=np.zeros(0), meanfield_g=np.zeros(0),
                  meanfield_lambda=np.zeros(0), attrs={"g_c_meanfield": 1.0})
    assert np.isnan(ch.g_div_meanfield) and ch.populations is None
    ch.attrs["g_div_meanfield"] = 2.5
    assert ch.g_div_meanfield == 2.5


# --------------------------------------------------------------------------- figures


def test_plot_chaos_populations(pop_file):
    with ra.open_file(pop_file) as f:
        figs = plots.figures_for(f)
        names = list(figs)
        assert names.index("chaos_populations") == names.index("chaos") + 1
        fig = figs["chaos_populations"]()
        pops = f.chaos().populations
    title = fig._suptitle.get_text()
    assert REFERENCE in title and "bulk radius" in title and f"{pops.bulk_radius_per_g:.3g}" in title
    ax1 = fig.axes[0]
    mu = [ln for ln in ax1.lines if ln.get_gid() == "mu"]
    sd = [ln for ln in ax1.lines if ln.get_gid() == "sqrt_delta"]
    assert len(mu) == 1 and len(sd) == 1
    assert np.allclose(mu[0].get_ydata(), pops.mu) and np.allclose(sd[0].get_ydata(), np.sqrt(pops.delta))
    ticks = [t.get_text() for t in ax1.get_xticklabels()]
    assert len(ticks) == len(pops.alpha)
    for t, a in zip(ticks, pops.alpha):
        assert f"{a:.3g}" in t and "alpha" in t
    ims = [im for ax in fig.axes for im in ax.images if im.get_gid() == "stability_matrix"]
    assert len(ims) == 1
    assert np.allclose(np.asarray(ims[0].get_array()), pops.stability_matrix)
    notes = [t.get_text() for t in ims[0].axes.texts]
    assert len(notes) == pops.stability_matrix.size


def test_plot_chaos_populations_sources_and_axes(pop_file, tanh_file):
    from matplotlib.figure import Figure

    with ra.open_file(pop_file) as f:
        ch = f.chaos()
    for source in (pop_file, str(pop_file), ch, ch.populations, ra.open(pop_file)):
        fig = plots.plot_chaos_populations(source)
        assert any(ln.get_gid() == "mu" for ln in fig.axes[0].lines), type(source)
    # into given axes: both panels, or the field statistics only
    host = Figure()
    axes = host.subplots(1, 2)
    assert plots.plot_chaos_populations(ch, ax=axes) is host
    assert any(im.get_gid() == "stability_matrix" for im in axes[1].images)
    assert REFERENCE in axes[0].get_title(loc="left")
    one = Figure()
    ax = one.subplots()
    assert plots.plot_chaos_populations(ch, ax=ax) is one
    assert not ax.images and "spectral radius" in ax.get_title(loc="left")
    # a file without the group: a figure that says so
    fig = plots.plot_chaos_populations(tanh_file)
    assert "not in this file" in fig._suptitle.get_text()
    assert not any(ln.get_gid() == "mu" for a in fig.axes for ln in a.lines)
    with pytest.raises(TypeError):
        plots.plot_chaos_populations(42)


def test_plot_chaos_marks_g_div(relu_file, pop_file):
    with ra.open_file(relu_file) as f:
        ch = f.chaos()
        fig = plots.figures_for(f)["chaos"]()
    ax = fig.axes[0]
    lines = [ln for ln in ax.lines if ln.get_gid() == "g_div_meanfield"]
    assert len(lines) == 1
    assert np.allclose(lines[0].get_xdata(), ch.g_div_meanfield)
    gc = [ln for ln in ax.lines if ln.get_label().startswith("$g_c$ (mean field)")]
    assert len(gc) == 1
    # a line style of its own (get_linestyle() says "--" for any dash pattern: compare the patterns)
    assert gc[0]._unscaled_dash_pattern != lines[0]._unscaled_dash_pattern
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("div" in t and "(mean field)" in t and f"{ch.g_div_meanfield:.3g}" in t for t in legend), legend
    # NaN (tanh): no line
    with ra.open_file(pop_file) as f:
        fig = plots.plot_chaos(f.chaos(), f)
    assert not any(ln.get_gid() == "g_div_meanfield" for ln in fig.axes[0].lines)


# --------------------------------------------------------------------------- command line


def test_report_and_summary(pop_file, tanh_file, tmp_path):
    d = tmp_path / "rep"
    r = pyrun("report", pop_file, "-o", d)
    assert r.returncode == 0, r.stderr
    png = d / f"{pop_file.stem}_chaos_populations.png"
    assert png.exists() and png.stat().st_size > 10_000, sorted(p.name for p in d.iterdir())
    img = mpimg.imread(str(png))
    assert img.shape[:2] == (round(plots.FIGSIZE[1] * plots.DPI), round(plots.FIGSIZE[0] * plots.DPI))
    assert img[..., :3].std() > 0.05
    assert "populations: 3" in (d / f"{pop_file.stem}_summary.txt").read_text()
    d2 = tmp_path / "rep_tanh"
    r = pyrun("report", tanh_file, "-o", d2)
    assert r.returncode == 0, r.stderr
    assert (d2 / f"{tanh_file.stem}_chaos.png").exists()
    assert not list(d2.glob("*_chaos_populations.*"))
    r = pyrun("summary", tanh_file)
    assert r.returncode == 0 and "populations:" not in r.stdout
