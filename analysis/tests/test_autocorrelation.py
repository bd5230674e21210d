"""ratenet_analysis.autocorrelation and plots.plot_autocorrelation on `autocorrelation`
sweeps the real binary writes: every number checked against the raw /sweep/results
read with h5py and reduced over the seeds here, by hand."""

import h5py
import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.figure import Figure

import ratenet_analysis as ra
from conftest import pyrun, run_ok
from ratenet_analysis import plots

G = [0.8, 2.0]


def _config(seeds, n=80, extra="", params='"model.g" = [0.8, 2.0]\n', ac=""):
    return ('[model]\nname = "random_gaussian"\n' f"n = {n}\n" '[network]\nform = "current"\n'
            '[transfer]\nname = "tanh"\n[initial]\nrandom_std = 1.0\n' + extra
            + "[autocorrelation]\nt_warmup = 20.0\nt_sim = 80.0\ndt_sample = 0.5\nmax_lag = 10.0\n" + ac
            + f'[sweep]\nanalysis = "autocorrelation"\nseeds = {seeds}\n[sweep.params]\n' + params)


def _sweep(ratenet, d, name, text):
    cfg = d / f"{name}.toml"
    cfg.write_text(text)
    out = d / f"{name}.h5"
    run_ok(ratenet, "sweep", cfg, "-o", out, "-q")
    return out


@pytest.fixture(scope="module")
def files(ratenet, tmp_path_factory):
    """{name: path}: small autocorrelation sweeps (each well under a second)."""
    d = tmp_path_factory.mktemp("autocorrelation")
    return {
        "three_seeds": _sweep(ratenet, d, "three_seeds", _config(3)),
        "one_seed": _sweep(ratenet, d, "one_seed", _config(1, n=60)),
        # an input b: the mean-field theory does not apply
        "with_input": _sweep(ratenet, d, "with_input", _config(2, n=60, extra="[input]\nb = 0.1\n")),
        # a small bound: g = 3 leaves it (status diverged), g = 0.8 decays from a small start
        "diverging": _sweep(ratenet, d, "diverging",
                            _config(2, n=60, params='"model.g" = [0.8, 3.0]\n', ac="bound = 2.5\n")
                            .replace("random_std = 1.0", "random_std = 0.1")),
    }


def _raw(path):
    """The sweep as stored: keys, params (P x K), status, and every result with its attributes."""
    with h5py.File(path, "r") as f:
        keys = [k.decode() if isinstance(k, bytes) else str(k) for k in f["sweep/keys"][()]]
        status = [s.decode() if isinstance(s, bytes) else str(s) for s in f["sweep/status"][()]]
        results = {k: np.asarray(v[()], float) for k, v in f["sweep/results"].items()}
        attrs = {k: dict(v.attrs) for k, v in f["sweep/results"].items()}
        params = f["sweep/params"][()]
    return {"keys": keys, "params": params, "status": np.array(status), "results": results, "attrs": attrs}


def _rows(raw, name, g, completed=True):
    """The rows (one per seed, in seed order) of a result at the swept value g."""
    m = np.isclose(raw["params"][:, raw["keys"].index("model.g")], g)
    if completed:
        m &= raw["status"] == "completed"
    return raw["results"][name][m]


def _mean_sem(rows):
    """Mean over the seeds (axis 0) and the standard error of that mean, sd (ddof 1) / sqrt(S)."""
    S = rows.shape[0]
    return rows.mean(axis=0), rows.std(axis=0, ddof=1) / np.sqrt(S)


def _half(c, t):
    """The first lag at which c falls to c[0]/2, interpolated linearly (by hand, a loop)."""
    for k in range(1, len(c)):
        if c[k] <= c[0] / 2:
            return t[k - 1] + (t[k] - t[k - 1]) * (c[k - 1] - c[0] / 2) / (c[k - 1] - c[k])
    return np.nan


def test_mean_and_error_over_seeds_equal_a_hand_computation(files):
    path = files["three_seeds"]
    raw = _raw(path)
    assert (raw["status"] == "completed").all() and raw["keys"] == ["model.g", "seed_index"]
    ac = ra.autocorrelation(path)
    assert dict(ac.sizes) == {"model.g": 2, "lag": 21}
    assert ac["C"].dims == ("model.g", "lag") and ac["variance"].dims == ("model.g",)
    assert "seed" not in ac.dims
    np.testing.assert_allclose(ac["model.g"].values, G)
    np.testing.assert_allclose(ac["lag"].values, raw["results"]["lag_time"][0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ac["lag"].values, np.arange(21) * 0.5, atol=1e-12)
    for i, g in enumerate(G):
        for out, name in (("C", "autocovariance"), ("variance", "variance"), ("tau_c", "tau_c")):
            rows = _rows(raw, name, g)
            assert rows.shape[0] == 3
            mean, sem = _mean_sem(rows)
            np.testing.assert_allclose(ac[out].values[i], mean, rtol=1e-12, atol=0)
            np.testing.assert_allclose(ac[f"{out}_error"].values[i], sem, rtol=1e-10, atol=0)
            assert np.all(np.asarray(sem) > 0)
    assert (ac["n_seeds"].values == 3).all()
    assert ac.attrs["error"] == ac["C_error"].attrs["error"] == ac["variance_error"].attrs["error"]
    assert "over seeds" in ac.attrs["error"] and "neurons" not in ac.attrs["error"]
    assert ac.attrs["variable"] == "state" and ac.attrs["seeds"] == 3
    # units and long names, as the file gives them
    assert ac["C"].attrs["units"] == raw["attrs"]["autocovariance"]["units"]
    assert ac["tau_c"].attrs["units"] == ac["lag"].attrs["units"] == ac["half_time"].attrs["units"] == "time (units of tau)"
    assert all(ac[v].attrs.get("long_name") and "units" in ac[v].attrs for v in [*ac.data_vars, "lag"])


def test_every_source_gives_the_same_dataset(files):
    path = files["three_seeds"]
    ref = ra.autocorrelation(path)
    for s in [str(path), ra.open(path), ra.open(path).sweep()]:
        assert ra.autocorrelation(s).identical(ref), type(s).__name__
    with ra.open_file(path) as f:  # the numpy reader's file and Sweep; also a path while f holds the file
        for s in [f, f.sweep(), path]:
            assert ra.autocorrelation(s).identical(ref), type(s).__name__
    assert not ra.autocorrelation(path, "rate").identical(ref)
    with pytest.raises(TypeError, match="autocorrelation"):
        ra.autocorrelation(3.0)
    with pytest.raises(ValueError, match="'state' or 'rate'"):
        ra.autocorrelation(path, variable="x")


def test_half_time_against_a_hand_interpolation(files):
    path = files["three_seeds"]
    raw = _raw(path)
    ac = ra.autocorrelation(path)
    for i, g in enumerate(G):
        C = _rows(raw, "autocovariance", g)
        t = _rows(raw, "lag_time", g)
        per_seed = np.array([_half(c, tt) for c, tt in zip(C, t)])
        assert np.all(np.isfinite(per_seed)) and np.all(per_seed > 0) and np.all(per_seed < 10)
        mean, sem = _mean_sem(per_seed)
        np.testing.assert_allclose(ac["half_time"].values[i], mean, rtol=1e-12)
        np.testing.assert_allclose(ac["half_time_error"].values[i], sem, rtol=1e-10)
    # the theory: the half time of what the estimator should see (Delta + window bias)
    seen = _rows(raw, "dmft_autocovariance", 2.0)[0] + _rows(raw, "dmft_window_bias", 2.0)[0]
    expected = _half(seen, raw["results"]["lag_time"][0])
    assert 0 < expected < 10
    np.testing.assert_allclose(ac["dmft_half_time"].sel({"model.g": 2.0}).item(), expected, rtol=1e-12)
    assert np.isnan(ac["dmft_half_time"].sel({"model.g": 0.8}).item())  # Delta = 0 below g = 1


def test_rate_picks_the_rate_fields(files):
    path = files["three_seeds"]
    raw = _raw(path)
    state = ra.autocorrelation(path)
    rate = ra.autocorrelation(path, variable="rate")
    assert rate.attrs["variable"] == "rate"
    assert "rate" in rate["C"].attrs["long_name"] and "state" in state["C"].attrs["long_name"]
    pairs = {"C": "rate_autocovariance", "variance": "rate_variance", "tau_c": "rate_tau_c"}
    for i, g in enumerate(G):
        for out, name in pairs.items():
            mean, sem = _mean_sem(_rows(raw, name, g))
            np.testing.assert_allclose(rate[out].values[i], mean, rtol=1e-12)
            np.testing.assert_allclose(rate[f"{out}_error"].values[i], sem, rtol=1e-10)
        dmft = _rows(raw, "dmft_rate_autocovariance", g)[0]
        np.testing.assert_array_equal(rate["dmft"].values[i], dmft)
        np.testing.assert_allclose(rate["dmft_seen"].values[i], dmft + _rows(raw, "dmft_rate_window_bias", g)[0],
                                   rtol=1e-14, atol=1e-15)
        np.testing.assert_array_equal(rate["dmft_variance"].values[i], _rows(raw, "dmft_rate_variance", g)[0])
        np.testing.assert_array_equal(rate["dmft_tau_c"].values[i], _rows(raw, "dmft_rate_tau_c", g)[0])
    # the rate's numbers are not the state's (tanh compresses h at g = 2)
    assert rate["variance"].sel({"model.g": 2.0}).item() < state["variance"].sel({"model.g": 2.0}).item()
    assert not np.allclose(rate["dmft"].values[1], state["dmft"].values[1])


def test_one_seed_error_is_the_recorded_error_over_neurons(files):
    path = files["one_seed"]
    raw = _raw(path)
    for variable, prefix in (("state", ""), ("rate", "rate_")):
        ac = ra.autocorrelation(path, variable=variable)
        assert "neurons" in ac.attrs["error"] and ac["C_error"].attrs["error"] == ac.attrs["error"]
        assert (ac["n_seeds"].values == 1).all()
        for i, g in enumerate(G):
            C = _rows(raw, f"{prefix}autocovariance", g)
            E = _rows(raw, f"{prefix}autocovariance_error", g)
            assert C.shape[0] == 1 and np.all(E > 0)
            np.testing.assert_array_equal(ac["C"].values[i], C[0])
            np.testing.assert_array_equal(ac["C_error"].values[i], E[0])
            np.testing.assert_array_equal(ac["variance"].values[i], _rows(raw, f"{prefix}variance", g)[0])
            np.testing.assert_array_equal(ac["variance_error"].values[i], E[0, 0])  # the error of C(0)
            assert np.isnan(ac["tau_c_error"].values[i]) and np.isnan(ac["half_time_error"].values[i])
            np.testing.assert_allclose(ac["half_time"].values[i], _half(C[0], _rows(raw, "lag_time", g)[0]),
                                       rtol=1e-12)


def test_theory_is_nan_where_it_does_not_apply(files):
    ac = ra.autocorrelation(files["with_input"])
    assert np.isfinite(ac["C"].values).all() and np.isfinite(ac["variance"].values).all()
    for v in ("dmft", "dmft_seen", "dmft_variance", "dmft_tau_c", "dmft_half_time"):
        assert np.isnan(ac[v].values).all(), v
    # ... and it applies without the input
    ref = ra.autocorrelation(files["three_seeds"])
    assert np.isfinite(ref["dmft"].values).all() and ref["dmft_variance"].sel({"model.g": 2.0}).item() > 0.5


def test_dmft_fields_equal_the_files(files):
    path = files["three_seeds"]
    raw = _raw(path)
    ac = ra.autocorrelation(path)
    for i, g in enumerate(G):
        dmft = _rows(raw, "dmft_autocovariance", g)
        bias = _rows(raw, "dmft_window_bias", g)
        assert np.all(dmft == dmft[0]) and np.all(bias == bias[0])  # the same for every seed
        np.testing.assert_array_equal(ac["dmft"].values[i], dmft[0])
        np.testing.assert_allclose(ac["dmft_seen"].values[i], dmft[0] + bias[0], rtol=1e-14, atol=1e-15)
        np.testing.assert_array_equal(ac["dmft_variance"].values[i], _rows(raw, "dmft_variance", g)[0])
        np.testing.assert_array_equal(ac["dmft_tau_c"].values[i], _rows(raw, "dmft_tau_c", g)[0])
    g2 = {"model.g": 2.0}
    assert ac["dmft"].sel(g2).values[0] == ac["dmft_variance"].sel(g2).item() > 0
    assert np.all(ac["dmft_seen"].sel(g2).values < ac["dmft"].sel(g2).values)  # the window's mean lowers the estimate
    assert np.isnan(ac["dmft_tau_c"].sel({"model.g": 0.8}).item())
    assert ac["dmft"].attrs["units"] == raw["attrs"]["dmft_autocovariance"]["units"]


def test_points_not_completed_are_excluded(files):
    raw = _raw(files["diverging"])
    assert list(raw["status"]) == ["completed", "completed", "diverged", "diverged"]
    ac = ra.autocorrelation(files["diverging"])
    np.testing.assert_array_equal(ac["n_seeds"].values, [2, 0])
    g3 = ac.sel({"model.g": 3.0})
    for v in ("C", "C_error", "variance", "tau_c", "half_time", "dmft", "dmft_seen", "dmft_variance"):
        assert np.isnan(g3[v].values).all(), v
    assert np.isfinite(_rows(raw, "dmft_autocovariance", 3.0, completed=False)).all()  # on file, but excluded
    mean, _ = _mean_sem(_rows(raw, "autocovariance", 0.8))
    np.testing.assert_allclose(ac["C"].sel({"model.g": 0.8}).values, mean, rtol=1e-12)
    # Marked not completed on the grid: seed 1 of g = 2 and seeds 0, 1 of g = 0.8.
    path = files["three_seeds"]
    raw = _raw(path)
    grid = ra.open(path).sweep()
    status = grid["status"].values.copy()
    status[1, 1] = "diverged"
    status[0, :2] = "failed"
    grid["status"] = (grid["status"].dims, status)
    ac = ra.autocorrelation(grid)
    np.testing.assert_array_equal(ac["n_seeds"].values, [1, 2])
    C = _rows(raw, "autocovariance", 2.0)[[0, 2]]
    mean, sem = _mean_sem(C)
    np.testing.assert_allclose(ac["C"].sel({"model.g": 2.0}).values, mean, rtol=1e-12)
    np.testing.assert_allclose(ac["C_error"].sel({"model.g": 2.0}).values, sem, rtol=1e-10)
    # one seed left at g = 0.8: its recorded error over neurons
    np.testing.assert_array_equal(ac["C"].sel({"model.g": 0.8}).values, _rows(raw, "autocovariance", 0.8)[2])
    np.testing.assert_array_equal(ac["C_error"].sel({"model.g": 0.8}).values,
                                  _rows(raw, "autocovariance_error", 0.8)[2])
    assert "n_seeds >= 2" in ac.attrs["error"] and "n_seeds == 1" in ac.attrs["error"]


def test_lags_that_differ_between_points(ratenet, tmp_path):
    """dt_sample swept: the lag coordinate holds every point's lags, NaN where a point has none."""
    path = _sweep(ratenet, tmp_path, "dt", _config(1, n=40, params='"autocorrelation.dt_sample" = [0.5, 1.0]\n'))
    raw = _raw(path)
    ac = ra.autocorrelation(path)
    np.testing.assert_allclose(ac["lag"].values, np.arange(21) * 0.5, atol=1e-12)
    dt = raw["params"][:, raw["keys"].index("autocorrelation.dt_sample")]
    coarse = ac["C"].sel({"autocorrelation.dt_sample": 1.0}).values
    C1 = raw["results"]["autocovariance"][dt == 1.0][0]
    np.testing.assert_array_equal(coarse[::2], C1[np.isfinite(C1)])
    assert np.isnan(coarse[1::2]).all()
    np.testing.assert_array_equal(ac["C"].sel({"autocorrelation.dt_sample": 0.5}).values,
                                  raw["results"]["autocovariance"][dt == 0.5][0])


def _lines(ax, gid):
    return [ln for ln in ax.lines if ln.get_gid() == gid]


def test_plot_has_simulation_theory_and_legend(files):
    ac = ra.autocorrelation(files["three_seeds"])
    fig = plots.plot_autocorrelation(files["three_seeds"])
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    sim, seen, pure = _lines(ax, "simulation"), _lines(ax, "dmft_seen"), _lines(ax, "dmft")
    assert (len(sim), len(seen), len(pure), len(ax.lines)) == (2, 2, 2, 7)  # and the zero line
    for i in range(2):
        np.testing.assert_array_equal(sim[i].get_ydata(), ac["C"].values[i])
        np.testing.assert_array_equal(seen[i].get_ydata(), ac["dmft_seen"].values[i])
        np.testing.assert_array_equal(pure[i].get_ydata(), ac["dmft"].values[i])
        assert sim[i].get_color() == seen[i].get_color() == pure[i].get_color()
        assert seen[i].get_linestyle() == "--" and pure[i].get_linestyle() == ":"
    assert sim[0].get_color() != sim[1].get_color()
    assert len(ax.collections) == 2  # the error bands
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["coupling gain $g$ = 0.8", "coupling gain $g$ = 2", "mean-field theory + window bias",
                      "mean-field theory"]
    assert ax.get_xlabel() == "time lag (units of $\\tau$)"
    assert ax.get_ylabel().startswith("autocovariance C($\\tau$) of the state (")
    assert "mean over 3 seeds" in ax.get_title(loc="left")
    assert "mean-field" in fig._suptitle.get_text()
    rate = plots.plot_autocorrelation(files["three_seeds"], variable="rate").axes[0]
    assert "of the rate" in rate.get_ylabel()
    np.testing.assert_array_equal(_lines(rate, "simulation")[1].get_ydata(),
                                  ra.autocorrelation(files["three_seeds"], "rate")["C"].values[1])
    # one seed: the band is the error over neurons; no theory: no theory lines
    ax1 = plots.plot_autocorrelation(files["one_seed"]).axes[0]
    assert "over neurons" in ax1.get_title(loc="left")
    fig_b = plots.plot_autocorrelation(ra.autocorrelation(files["with_input"]))
    axb = fig_b.axes[0]
    assert (len(_lines(axb, "simulation")), len(_lines(axb, "dmft_seen")), len(_lines(axb, "dmft"))) == (2, 0, 0)
    assert "no mean-field theory" in axb.get_title(loc="left")
    assert len(axb.get_legend().get_texts()) == 2


def test_figure_registry_and_cli_plot(ratenet, files, tmp_path):
    path = files["three_seeds"]
    with ra.open_file(path) as f:
        figs = plots.figures_for(f)
        names = list(figs)
        assert names[:3] == ["autocorrelation", "autocorrelation_rate", "sweep"]
        assert "sweep_autocovariance_curves" in names  # the generic figures stay
        reg = figs["autocorrelation"]()
        np.testing.assert_array_equal(_lines(reg.axes[0], "simulation")[1].get_ydata(),
                                      ra.autocorrelation(path)["C"].values[1])
        ref = tmp_path / "ref.png"
        plots.save(reg, str(ref))
    # `plot` with no --figure draws it, under its name
    r = pyrun("plot", path, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "three_seeds_autocorrelation.png"
    assert r.stdout.strip() == f"wrote {out.name}" and out.exists()
    np.testing.assert_array_equal(mpimg.imread(str(out)), mpimg.imread(str(ref)))
    r = pyrun("plot", path, "--figure", "autocorrelation_rate", "-o", tmp_path / "rate.png")
    assert r.returncode == 0, r.stderr
    assert mpimg.imread(str(tmp_path / "rate.png")).shape[:2] == (720, 1200)
    assert not np.array_equal(mpimg.imread(str(tmp_path / "rate.png")), mpimg.imread(str(ref)))
    # a sweep of another analysis: no autocorrelation figure, and not an autocorrelation sweep
    other = _sweep(ratenet, tmp_path, "other",
                   '[model]\nname = "random_gaussian"\nn = 20\n[network]\nform = "current"\n[transfer]\nname = "tanh"\n'
                   '[initial]\nrandom_std = 1.0\n[simulate]\nt_end = 5.0\ndt_out = 1.0\n'
                   '[sweep]\nseeds = 1\n[sweep.params]\n"model.g" = [0.5, 1.5]\n')
    with ra.open_file(other) as f:
        names = list(plots.figures_for(f))
    assert names[0] == "sweep" and not any(n.startswith("autocorrelation") for n in names)
    with pytest.raises(ValueError, match="not an autocorrelation sweep"):
        ra.autocorrelation(other)
