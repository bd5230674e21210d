"""Finite-time exponents, participation ratios and covariant Lyapunov vectors
(``/lyapunov/local_exponents``, ``/lyapunov/participation_ratio``,
``/lyapunov/covariant``): read through ``ra.open`` and the plain reader, against
h5py and an independent numpy recomputation, and drawn by the three figures
of ``plots`` on files the real binary writes (about 0.3 s each).

The file "from before these datasets" is a real file with them deleted by
h5py (the binary cannot write the old layout any more).
"""

import shutil

import h5py
import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

import ratenet_analysis as ra
from conftest import pyrun, run_ok
from ratenet_analysis import cli, plots
from test_figures_quality import label_problems, text_overlaps

N, K = 40, 6
T_SIM, T_LOCAL, CLV_WINDOW = 300, 10, 50
CFG = f"""[model]
name = "random_gaussian"
n = {N}
g = 4.0
[network]
form = "current"
[transfer]
name = "tanh"
[lyapunov]
k = {K}
dt = 0.05
t_warmup = 50
t_ons_warmup = 100
t_sim = {T_SIM}
t_local = {T_LOCAL}
clv_window = {CLV_WINDOW}
clv_backward = 200
clv_vectors = true
"""
NEW = ["lyapunov_local", "lyapunov_vectors", "lyapunov_angles"]
EXPECTED_PX = (round(plots.FIGSIZE[1] * plots.DPI), round(plots.FIGSIZE[0] * plots.DPI))  # rows, cols


@pytest.fixture(scope="module")
def files(ratenet, tmp_path_factory):
    """{name: path}: ``clv`` (t_local, covariant vectors stored), ``novec`` (covariant, vectors not stored),
    ``stable`` (g = 0.5: no unstable vector, every angle NaN), ``plain`` (t_local = 0, no clv_window) and
    ``old`` (``clv`` without the new datasets)."""
    d = tmp_path_factory.mktemp("lyapunov_vectors")
    cfg = d / "l.toml"
    cfg.write_text(CFG)
    runs = {"clv": [], "novec": ["lyapunov.clv_vectors=false"], "stable": ["model.g=0.5"],
            "plain": ["lyapunov.t_local=0", "lyapunov.clv_window=0"]}
    out = {}
    for name, sets in runs.items():
        out[name] = d / f"{name}.h5"
        args = ["lyapunov", cfg, "-o", out[name], "--force", "-q"]
        for s in sets:
            args += ["--set", s]
        run_ok(ratenet, *args)
    out["old"] = d / "old.h5"
    shutil.copy(out["clv"], out["old"])
    with h5py.File(out["old"], "a") as h:
        g = h["lyapunov"]
        for name in ("local_exponents", "participation_ratio", "window", "covariant"):
            del g[name]
        del g.attrs["t_local"]
    return out


def _by_gid(artists, prefix):
    return [a for a in artists if (a.get_gid() or "").startswith(prefix)]


# --------------------------------------------------------------------------- reading


def test_open_labels_the_new_datasets_as_h5py_reads_them(files):
    d = ra.open(files["clv"])
    ly, cv = d["lyapunov"], d["lyapunov/covariant"]
    W = T_SIM // T_LOCAL
    expect = {
        ("lyapunov", "participation_ratio"): (("exponent",), (K,), "1"),
        ("lyapunov", "local_exponents"): (("window", "exponent"), (W, K), "1/time (units of tau)"),
        ("lyapunov/covariant", "t"): (("t",), (CLV_WINDOW,), "time (units of tau)"),
        ("lyapunov/covariant", "exponents"): (("vector",), (K,), "1/time (units of tau)"),
        ("lyapunov/covariant", "participation_ratio"): (("vector",), (K,), "1"),
        ("lyapunov/covariant", "angle_unstable_stable"): (("t",), (CLV_WINDOW,), "rad"),
        ("lyapunov/covariant", "vectors"): (("t", "neuron", "vector"), (CLV_WINDOW, N, K), "1"),
        ("lyapunov/covariant", "state"): (("t", "neuron"), (CLV_WINDOW, N), "model units"),
    }
    with h5py.File(files["clv"], "r", locking=False) as h:
        for (group, name), (dims, shape, units) in expect.items():
            v = d[group][name]
            assert v.dims == dims and v.shape == shape, (group, name, v.dims, v.shape)
            assert v.attrs["units"] == units and v.attrs["long_name"], (group, name, v.attrs)
            np.testing.assert_array_equal(v.values, h[f"{group}/{name}"][()])
        assert ly.attrs["t_local"] == T_LOCAL
        assert {k: cv.attrs[k] for k in ("clv_window", "clv_backward")} == {"clv_window": CLV_WINDOW,
                                                                            "clv_backward": 200}
        assert cv.attrs["n_unstable"] == h["lyapunov/covariant"].attrs["n_unstable"] >= 1
        assert cv.attrs["n_stable"] == h["lyapunov/covariant"].attrs["n_stable"] >= 1
    assert ly["local_exponents"].attrs["long_name"] == "finite-time exponent"
    assert cv["angle_unstable_stable"].attrs["units"] == "rad"
    # The windows cover the accumulation: the global exponents are their means.
    np.testing.assert_allclose(ly["local_exponents"].mean("window").values, ly["exponents"].values,
                               rtol=1e-9, atol=1e-12)
    # Angles are principal angles, the vectors unit vectors.
    a = cv["angle_unstable_stable"].values
    assert np.all(np.isfinite(a)) and np.all((a >= 0) & (a <= np.pi / 2 + 1e-12))
    np.testing.assert_allclose(np.linalg.norm(cv["vectors"].values, axis=1), 1.0, rtol=1e-10)


def test_plain_reader_exposes_them(files):
    with ra.open_file(files["clv"]) as f, h5py.File(files["clv"], "r", locking=False) as h:
        ly = f.lyapunov()
        np.testing.assert_array_equal(ly.participation_ratio, h["lyapunov/participation_ratio"][()])
        np.testing.assert_array_equal(ly.local_exponents, h["lyapunov/local_exponents"][()])
        assert ly.t_local == T_LOCAL and ly.local_exponents.shape == (T_SIM // T_LOCAL, K)
        cv = ly.covariant
        assert isinstance(cv, ra.CovariantVectors)
        g = h["lyapunov/covariant"]
        assert len(cv) == CLV_WINDOW and cv.k == K and cv.has_vectors
        assert (cv.n_unstable, cv.n_stable) == (g.attrs["n_unstable"], g.attrs["n_stable"])
        assert (cv.clv_window, cv.clv_backward) == (CLV_WINDOW, 200)
        for name in ("t", "exponents", "participation_ratio", "angle_unstable_stable"):
            np.testing.assert_array_equal(getattr(cv, name), g[name][()])
        V = g["vectors"][()]
        np.testing.assert_array_equal(cv.vectors(), V)
        np.testing.assert_array_equal(cv.vectors(-1), V[-1])
        np.testing.assert_array_equal(cv.vectors([3, 1, 3]), V[[3, 1, 3]])
        np.testing.assert_array_equal(cv.state(slice(2, 5)), g["state"][2:5])
        with pytest.raises(IndexError):
            cv.vectors(CLV_WINDOW)
    with ra.open_file(files["novec"]) as f:
        cv = f.lyapunov().covariant
        assert cv is not None and not cv.has_vectors and len(cv) == CLV_WINDOW
        with pytest.raises(ra.RatenetFormatError, match="clv_vectors = true"):
            cv.vectors()
        with pytest.raises(ra.RatenetFormatError, match="clv_vectors = true"):
            cv.state()


def test_files_without_windows_covariant_or_the_new_datasets(files):
    d = ra.open(files["plain"])
    assert d["lyapunov"]["local_exponents"].sizes == {"window": 0, "exponent": K}
    assert "lyapunov/covariant" not in d
    with ra.open_file(files["plain"]) as f:
        ly = f.lyapunov()
        assert ly.local_exponents.shape == (0, K) and ly.t_local == 0 and ly.covariant is None
        assert ly.participation_ratio.shape == (K,)
    # A file from before these datasets: read, with None / no rows.
    old = ra.open(files["old"])["lyapunov"]
    assert set(old.data_vars) == {"exponents", "errors"}
    with ra.open_file(files["old"]) as f:
        ly = f.lyapunov()
        assert ly.participation_ratio is None and ly.covariant is None
        assert ly.local_exponents.shape == (0, K) and ly.t_local == 0
        assert ly.k == K and np.all(np.isfinite(ly.exponents))


def test_covariant_participation_ratio_recomputed_from_the_vectors(files):
    """1 / sum_j V_ji^4 of each stored unit vector, averaged over the window, is the stored ratio."""
    with h5py.File(files["clv"], "r", locking=False) as h:
        V = h["lyapunov/covariant/vectors"][()]  # t x neuron x vector
        stored = h["lyapunov/covariant/participation_ratio"][()]
        gs = h["lyapunov/participation_ratio"][()]
    V = V / np.sqrt(np.sum(V ** 2, axis=1, keepdims=True))
    mine = np.mean(1.0 / np.sum(V ** 4, axis=1), axis=0)
    np.testing.assert_allclose(mine, stored, rtol=1e-10)
    # Both kinds of ratio lie in [1, N], near (N + 2) / 3 for these delocalised vectors.
    for pr in (stored, gs):
        assert np.all((pr >= 1) & (pr <= N))
        assert np.all(np.abs(pr / ((N + 2) / 3) - 1) < 0.3), pr


# --------------------------------------------------------------------------- figures


def test_local_exponents_figure(files):
    labelled = ra.open(files["clv"])
    with ra.open_file(files["clv"]) as f:
        ly = f.lyapunov()
        for source in (ly, f, labelled, str(files["clv"])):  # every accepted source
            fig = plots.plot_local_exponents(source, k=4)
            assert isinstance(fig, Figure)
            ax = fig.axes[0]
            hists, lines = _by_gid(ax.patches, "local_"), _by_gid(ax.lines, "global_")
            assert [h.get_gid() for h in hists] == [f"local_{i}" for i in range(1, 5)]
            assert [ln.get_gid() for ln in lines] == [f"global_{i}" for i in range(1, 5)]
            for i, (h, ln) in enumerate(zip(hists, lines)):
                assert ln.get_xdata()[0] == pytest.approx(ly.exponents[i], rel=1e-12)
                assert np.allclose(h.get_edgecolor()[:3], to_rgb(ln.get_color()))
            assert len({tuple(np.round(h.get_edgecolor(), 6)) for h in hists}) == 4  # one colour each
        assert ax.get_xlabel() == "finite-time Lyapunov exponent (1/$\\tau$)"
        assert "t_{\\mathrm{local}}$ = 10 (units of $\\tau$)" in fig._suptitle.get_text()
        # density: each histogram's area is 1
        for h in hists:
            xy = h.get_xy()
            area = np.sum(np.diff(xy[:, 0]) * xy[:-1, 1])
            assert area == pytest.approx(1.0, rel=1e-6)
        assert len(_by_gid(plots.plot_local_exponents(ly, k=10).axes[0].patches, "local_")) == K  # at most k stored
    # No windows: a figure that says so.
    fig = plots.plot_local_exponents(files["plain"])
    assert not _by_gid(fig.axes[0].patches, "local_") and "none stored" in fig._suptitle.get_text()


def test_lyapunov_vectors_figure(files):
    with ra.open_file(files["clv"]) as f:
        ly = f.lyapunov()
        fig = plots.plot_lyapunov_vectors(f)
    ax = fig.axes[0]
    assert ax.get_ylim() == (0.0, 1.0)
    (gs,), (cov,) = _by_gid(ax.lines, "gram_schmidt"), _by_gid(ax.lines, "covariant")
    np.testing.assert_array_equal(gs.get_xdata(), np.arange(1, K + 1))
    np.testing.assert_allclose(gs.get_ydata(), ly.participation_ratio / N, rtol=1e-12)
    np.testing.assert_allclose(cov.get_ydata(), ly.covariant.participation_ratio / N, rtol=1e-12)
    assert _by_gid(ax.lines, "random")[0].get_ydata()[0] == pytest.approx((N + 2) / (3 * N))
    # Without covariant vectors: the Gram-Schmidt line only.
    ax = plots.plot_lyapunov_vectors(files["plain"]).axes[0]
    assert len(_by_gid(ax.lines, "gram_schmidt")) == 1 and not _by_gid(ax.lines, "covariant")
    # A file from before the participation ratios: a figure that says so.
    fig = plots.plot_lyapunov_vectors(files["old"])
    assert not _by_gid(fig.axes[0].lines, "gram_schmidt")
    assert "no participation ratios" in fig._suptitle.get_text()


def test_covariant_angles_figure(files):
    with ra.open_file(files["clv"]) as f:
        a = f.lyapunov().covariant.angle_unstable_stable
        fig = plots.plot_covariant_angles(f)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel().endswith("(rad)")
    bars = _by_gid(ax.patches, "angles")
    assert bars and sum(b.get_height() for b in bars) == len(a)  # every angle counted once
    widths = np.log([b.get_x() + b.get_width() for b in bars]) - np.log([b.get_x() for b in bars])
    np.testing.assert_allclose(widths, widths[0], rtol=1e-9)  # log-spaced bins
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"mean = {a.mean():.3g} rad" in legend and f"min = {a.min():.3g} rad" in legend
    assert _by_gid(ax.lines, "min")[0].get_xdata()[0] == pytest.approx(a.min())
    # Every angle NaN (no unstable vector): a clear title, no bars.
    with ra.open_file(files["stable"]) as f:
        cv = f.lyapunov().covariant
        assert cv.n_unstable == 0 and np.all(np.isnan(cv.angle_unstable_stable))
        fig = plots.plot_covariant_angles(f)
    assert not _by_gid(fig.axes[0].patches, "angles")
    assert "undefined (the unstable subspace is empty)" in fig._suptitle.get_text()
    fig = plots.plot_covariant_angles(files["plain"])
    assert "no covariant vectors" in fig._suptitle.get_text()


def test_figures_text_layout_and_units(files):
    figs = {
        "local": plots.plot_local_exponents(files["clv"]),
        "vectors": plots.plot_lyapunov_vectors(files["clv"]),
        "angles": plots.plot_covariant_angles(files["clv"]),
        "angles_nan": plots.plot_covariant_angles(files["stable"]),
        "local_none": plots.plot_local_exponents(files["plain"]),
        "vectors_old": plots.plot_lyapunov_vectors(files["old"]),
    }
    problems = []
    for name, fig in figs.items():
        problems += [f"{name}: {p}" for p in text_overlaps(fig)]
        problems += [f"{name}: label without units: {s!r}" for s in label_problems(fig)]
        assert fig._suptitle.get_text() and ".h5" not in fig._suptitle.get_text()
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- registry and command line


def test_registry_lists_the_new_figures_only_with_their_data(files):
    def names(key):
        with ra.open_file(files[key]) as f:
            return list(plots.figures_for(f))

    assert names("clv") == ["lyapunov", *NEW, "network"]
    assert names("stable") == ["lyapunov", *NEW, "network"]  # the angles figure says why it is empty
    assert names("plain") == ["lyapunov", "lyapunov_vectors", "network"]  # no windows, no covariant group
    assert names("old") == ["lyapunov", "network"]


def test_plot_and_report_write_the_new_pngs(files, tmp_path):
    for name in NEW:  # `plot FILE --figure NAME`, in process
        out = tmp_path / f"{name}.png"
        assert cli.main(["plot", str(files["clv"]), "--figure", name, "-o", str(out)]) == 0
        img = mpimg.imread(str(out))
        assert img.shape[:2] == EXPECTED_PX and img[..., :3].std() > 0.05
    main = tmp_path / "main.png"  # without --figure: still the spectrum
    assert cli.main(["plot", str(files["clv"]), "-o", str(main)]) == 0
    with ra.open_file(files["clv"]) as f:
        assert next(iter(plots.figures_for(f))) == "lyapunov"
    r = pyrun("report", files["clv"], "-o", tmp_path / "rep")  # the command line, every figure
    assert r.returncode == 0, r.stderr
    pngs = sorted(p.name for p in (tmp_path / "rep").glob("*.png"))
    assert pngs == sorted(f"clv_{n}.png" for n in ["lyapunov", *NEW, "network"])
