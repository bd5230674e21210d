"""Readers and figures for /permitted, /fixed_points, /lyapunov, /sweep, /chaos on
files the binary writes, with values checked against theory or an independent
numpy computation."""

from itertools import combinations, product
from math import comb

import matplotlib.image as mpimg
import numpy as np
import pytest

import ratenet_analysis as ra
from conftest import REPO, pyrun, run_ok
from ratenet_analysis import plots
from ratenet_analysis.reader import kaplan_yorke

EXPECTED_PX = (round(plots.FIGSIZE[1] * plots.DPI), round(plots.FIGSIZE[0] * plots.DPI))  # rows, cols


def _run(exe, sub, cfg, out, *sets, extra=()):
    args = [sub, cfg, "-o", out, "--force", "-q", *extra]
    for s in sets:
        args += ["--set", s]
    run_ok(exe, *args)
    return out


def _plot_ok(path, tmp_path, kind):
    """`plot` (the main figure for the kind) and `report` (every figure) write images of the expected size."""
    png = tmp_path / "fig.png"
    r = pyrun("plot", path, "-o", png)
    assert r.returncode == 0, r.stderr
    img = mpimg.imread(str(png))
    assert img.shape[:2] == EXPECTED_PX
    assert img[..., :3].std() > 0.05  # not blank
    r = pyrun("report", path, "-o", tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    pngs = sorted((tmp_path / "rep").glob("*.png"))
    assert any(p.name.endswith(f"_{kind}.png") for p in pngs), [p.name for p in pngs]
    for p in pngs:
        assert mpimg.imread(str(p)).shape[:2] == EXPECTED_PX, p.name
    r = pyrun("summary", path)
    assert r.returncode == 0, r.stderr
    return r.stdout


def wta(n, alpha, beta=1.0):
    return (f'[model]\nname = "hahnloser_wta"\nn = {n}\nalpha = {alpha}\nbeta = {beta}\n'
            '[network]\nform = "rate"\n[transfer]\nname = "relu"\n')


CYCLE3 = ('[model]\nname = "ctln"\nn = 3\nedges = [[0, 1], [1, 2], [2, 0]]\neps = 0.25\ndelta = 0.5\ntheta = 1.0\n'
          '[network]\nform = "rate"\n[transfer]\nname = "relu"\n')


# --------------------------------------------------------------------------- /permitted


def test_permitted_wta_singletons(ratenet, tmp_path):
    """alpha > 1: (I - W)_SS = (1 - alpha) I + beta 11' has the eigenvalue 1 - alpha < 0 on
    every S with |S| >= 2 (vectors summing to zero), so only the singletons are permitted."""
    n = 6
    cfg = tmp_path / "wta.toml"
    cfg.write_text(wta(n, 1.5))
    out = _run(ratenet, "permitted", cfg, tmp_path / "perm.h5", extra=["--verify"])
    with ra.open_file(out) as f:
        assert f.kind == "permitted" and f.status == "completed"
        p = f.permitted()
        np.testing.assert_array_equal(p.counts_by_size, [1, 6, 0, 0, 0, 0, 0])
        assert p.n_permitted == 6 and p.sets.shape == (6, 6) and p.sets.dtype == bool
        np.testing.assert_array_equal(p.sets, np.eye(n, dtype=bool))  # by size, then lexicographically
        np.testing.assert_array_equal(p.maximal, np.eye(n, dtype=bool))
        # minimal forbidden: every pair, in lexicographic order
        pairs = np.zeros((comb(n, 2), n), bool)
        for r, (i, j) in enumerate(combinations(range(n), 2)):
            pairs[r, [i, j]] = True
        np.testing.assert_array_equal(p.minimal_forbidden, pairs)
        assert p.attrs["criterion"] == "positive_definite"
        assert p.is_permitted([2]) and not p.is_permitted([1, 2])
        v = p.verification
        assert v is not None and len(v) > 0 and v.sets.shape == (len(v), n)
        assert v.all_agree and v.n_disagree == 0
        assert v.permitted.any() and (~v.permitted).any()  # both kinds were simulated
    out_txt = _plot_ok(out, tmp_path, "permitted")
    assert "6 non-empty permitted sets" in out_txt and "verified by simulation" in out_txt


def test_permitted_wta_all_sets(ratenet, tmp_path):
    """alpha < 1: I - W = (1 - alpha) I + beta 11' is positive definite: every subset is permitted."""
    n = 5
    cfg = tmp_path / "wta.toml"
    cfg.write_text(wta(n, 0.5))
    out = _run(ratenet, "permitted", cfg, tmp_path / "perm.h5")
    with ra.open_file(out) as f:
        p = f.permitted()
        np.testing.assert_array_equal(p.counts_by_size, [comb(n, k) for k in range(n + 1)])
        assert p.n_permitted == 2**n - 1 and p.sets.shape == (2**n - 1, n)
        assert len({tuple(r) for r in p.sets}) == 2**n - 1
        np.testing.assert_array_equal(p.sets.sum(axis=1), np.sort(p.sets.sum(axis=1)))  # by size
        np.testing.assert_array_equal(p.maximal, np.ones((1, n), bool))
        assert p.minimal_forbidden.shape == (0, n)
        assert p.attrs["positive_definite"] == 1
        assert p.verification is None
    _plot_ok(out, tmp_path, "permitted")


# --------------------------------------------------------------------------- /fixed_points


def test_fixed_points_3cycle(ratenet, tmp_path):
    """CTLN of the 3-cycle (eps 0.25, delta 0.5, theta 1): FP(G) = {012}, x*_i = theta/(3 + delta - eps)
    = 1/3.25, Jacobian -I + W (circulant): -1 + (-1 + eps) + (-1 - delta) = -3.25 and
    -1 - ((-1 + eps) + (-1 - delta))/2 +- i sqrt(3)/2 (eps + delta) = 0.125 +- 0.6495i: unstable."""
    cfg = tmp_path / "cycle.toml"
    cfg.write_text(CYCLE3)
    out = _run(ratenet, "fixed-points", cfg, tmp_path / "fp.h5")
    with ra.open_file(out) as f:
        assert f.kind == "fixed_points"
        fp = f.fixed_points()
        assert len(fp) == 1 and fp.support.dtype == bool
        np.testing.assert_array_equal(fp.support, [[True, True, True]])
        np.testing.assert_allclose(fp.x[0], 1 / 3.25, rtol=1e-12)
        assert not fp.stable[0] and fp.n_unstable[0] == 2 and fp.classes == ["unstable"]
        im = np.sqrt(3) / 2 * 0.75
        # sorted by real part, largest first
        np.testing.assert_allclose(fp.eig[0].real, [0.125, 0.125, -3.25], atol=1e-12)
        np.testing.assert_allclose(np.sort(fp.eig[0].imag), [-im, 0.0, im], atol=1e-12)
        assert im == pytest.approx(0.6495, abs=1e-4)
        # the same from W read back from the file
        W = f.network().W
        np.testing.assert_allclose(np.sort_complex(np.linalg.eigvals(-np.eye(3) + W)), np.sort_complex(fp.eig[0]),
                                   atol=1e-12)
        assert fp.index.tolist() == [1] and fp.parity == 1
        assert fp.residual is not None and fp.residual[0] < 1e-12
    _plot_ok(out, tmp_path, "fixed_points")


# --------------------------------------------------------------------------- /lyapunov


LYAP = ('[model]\nname = "random_gaussian"\nn = 40\ng = 4.0\nzero_diagonal = true\n[network]\nform = "current"\n'
        '[transfer]\nname = "tanh"\n[initial]\nrandom_std = 1.0\n[seeds]\nnetwork = 1\n'
        '[lyapunov]\ndt = 0.025\nt_ons = 1.0\nt_warmup = 20.0\nt_ons_warmup = 10.0\nt_sim = 60.0\n')


def test_lyapunov_tanh_full_spectrum(ratenet, tmp_path):
    """Zero-diagonal tanh network, current form: the Jacobian -I + W diag(phi') has trace -N
    at every point, so the full spectrum sums to -N (Liouville) and mean_trace is -N."""
    N = 40
    cfg = tmp_path / "ly.toml"
    cfg.write_text(LYAP)
    out = _run(ratenet, "lyapunov", cfg, tmp_path / "ly.h5")
    with ra.open_file(out) as f:
        assert f.kind == "lyapunov" and f.status == "completed"
        ly = f.lyapunov()
        assert ly.k == N and ly.n == N
        assert np.all(np.diff(ly.exponents) <= 0)  # largest first
        assert ly.errors.shape == (N,) and np.all(ly.errors >= 0)
        R = len(ly.trace_t)
        assert R > 10 and ly.trace_exponents.shape == (R, N)
        assert np.all(np.diff(ly.trace_t) > 0)
        # trace/t is absolute time: accumulation starts after t_warmup + t_ons_warmup = 30
        assert ly.t_accumulate_start == pytest.approx(30.0)
        assert ly.trace_t[0] > 30.0 and ly.trace_t[-1] == pytest.approx(90.0)
        # the last running estimate is the final spectrum (in tangent-vector order)
        np.testing.assert_allclose(np.sort(ly.trace_exponents[-1])[::-1], ly.exponents, rtol=1e-9, atol=1e-12)
        assert ly.mean_trace == pytest.approx(-N, rel=1e-12)
        assert np.sum(ly.exponents) == pytest.approx(-N, rel=1e-6)
        assert ly.sum == pytest.approx(np.sum(ly.exponents), rel=1e-12)
        assert ly.sum == pytest.approx(ly.mean_trace, rel=1e-6)
        assert ly.exponents[0] > 0.02  # this network (seed 1) is chaotic
        assert ly.kaplan_yorke == pytest.approx(kaplan_yorke(ly.exponents), rel=1e-9)
        assert ly.kaplan_yorke > 1
        assert ly.entropy_rate == pytest.approx(np.sum(ly.exponents[ly.exponents > 0]), rel=1e-9)
    _plot_ok(out, tmp_path, "lyapunov")


# --------------------------------------------------------------------------- /sweep


def test_sweep_grid(ratenet, tmp_path):
    """configs/sweep_chaos_small.toml (smaller and shorter): keys sorted, then seed_index; the
    points are the Cartesian product with the last key varying fastest and the seed fastest of all."""
    cfg = REPO / "configs" / "sweep_chaos_small.toml"
    # --set splits keys at every dot (also inside quotes), so the params table is set whole
    out = _run(ratenet, "sweep", cfg, tmp_path / "sweep.h5", "simulate.t_end=10",
               'sweep.params={ "model.g" = { linspace = [0.5, 2.0, 8] }, "model.n" = [20, 30] }')
    g = np.linspace(0.5, 2.0, 8)
    with ra.open_file(out) as f:
        assert f.kind == "sweep" and f.status == "completed"
        sw = f.sweep()
        assert sw.analysis == "simulate"
        assert sw.keys == ["model.g", "model.n", "seed_index"] and sw.swept_keys == ["model.g", "model.n"]
        expected = np.array(list(product(g, [20, 30], [0, 1])), float)
        assert sw.params.shape == expected.shape == (32, 3)
        np.testing.assert_allclose(sw.params, expected, rtol=0, atol=1e-12)
        assert sw.status == ["completed"] * 32 and sw.done.all()
        assert np.all(sw.seconds > 0)
        t = sw.table()
        assert set(t) >= {"model.g", "model.n", "seed_index", "status", "seconds", "mean_rate", "temporal_std",
                          "final_rms", "t_final"}
        assert all(len(col) == 32 for col in t.values())
        np.testing.assert_allclose(t["model.g"], expected[:, 0])
        np.testing.assert_allclose(t["t_final"], 10.0)
        np.testing.assert_allclose(sw.column("g"), expected[:, 0])  # short name
        np.testing.assert_allclose(np.unique(sw.column("n")), [20, 30])
        m = sw.select(g=2.0, n=30)
        assert m.sum() == 2 and np.all(sw.params[m, 2] == [0, 1])
        # g = 0.5 < 1: the activity decays to the fixed point 0; g = 2: chaos keeps it going
        assert np.all(sw.results["temporal_std"][sw.select(g=0.5)] < 1e-2)
        assert np.all(sw.results["temporal_std"][sw.select(g=2.0, n=30)] > 0.05)
    txt = _plot_ok(out, tmp_path, "sweep")
    assert "sweep (simulate): 32 points (32 run)" in txt


# --------------------------------------------------------------------------- /chaos


def test_chaos_reader(ratenet, tmp_path):
    """configs/reproduce_chaos.toml at a tiny size: mean-field g_c = 1 for tanh, no NaN in the curve."""
    out = _run(ratenet, "chaos", REPO / "configs" / "reproduce_chaos.toml", tmp_path / "chaos.h5",
               "model.n=60", "chaos.seeds=2", "lyapunov.t_warmup=20", "lyapunov.t_sim=20",
               "chaos.g=[0.5, 1.0, 1.5, 2.5]", "chaos.meanfield_points=9")
    with ra.open_file(out) as f:
        assert f.kind == "chaos" and f.status == "completed"
        ch = f.chaos()
        assert ch.n == 60 and ch.key == "model.g"
        np.testing.assert_allclose(ch.g, [0.5, 1.0, 1.5, 2.5])
        assert ch.lambda_max.shape == (4, 2) and ch.divergent.shape == (4, 2) and ch.divergent.dtype == bool
        assert not ch.divergent.any() and np.all(np.isfinite(ch.lambda_max))
        assert np.all(np.isfinite(ch.lambda_mean)) and np.all(np.isfinite(ch.lambda_sem))
        np.testing.assert_allclose(ch.lambda_mean, ch.lambda_max.mean(axis=1), rtol=1e-12)
        np.testing.assert_allclose(ch.lambda_sem, ch.lambda_max.std(axis=1, ddof=1) / np.sqrt(2), rtol=1e-9)
        np.testing.assert_array_equal(ch.n_finite, [2, 2, 2, 2])
        np.testing.assert_array_equal(ch.n_divergent, [0, 0, 0, 0])
        assert ch.g_c_meanfield == pytest.approx(1.0, abs=1e-6)
        # The stable-branch estimate is a float (NaN when fewer than two clearly stable g).
        assert isinstance(ch.g_c_stable_branch, float)
        assert len(ch.meanfield_g) == len(ch.meanfield_lambda) == len(ch.meanfield_status) == 9
        assert np.all(np.isfinite(ch.meanfield_lambda))
        # mean field: h = 0 is stable below g = 1 with lambda_max = g - 1, chaotic above
        below = ch.meanfield_g < 1
        np.testing.assert_allclose(ch.meanfield_lambda[below], ch.meanfield_g[below] - 1, atol=1e-6)
        assert all(s == "chaotic" for s, g in zip(ch.meanfield_status, ch.meanfield_g) if g > 1)
        assert np.all(ch.meanfield_lambda[ch.meanfield_g > 1] > 0)
        assert ch.lambda_mean[0] < -0.3  # g = 0.5: lambda_max near g - 1
        # a chaos file also holds the /sweep table of its points
        sw = f.sweep()
        assert sw.analysis == "lyapunov" and sw.keys == ["model.g", "seed_index"]
    _plot_ok(out, tmp_path, "chaos")


def test_version1_fixed_points_names(ratenet, tmp_path):
    """A version 1 file (attributes `parity`, `n_unstable_points`, no dimensions)
    reads under the current names."""
    import h5py

    cfg = tmp_path / "c.toml"
    cfg.write_text(CYCLE3)
    out = tmp_path / "fp.h5"
    run_ok(ratenet, "fixed-points", cfg, "-o", out, "-q")
    with h5py.File(out, "r+") as f:
        assert f.attrs["format_version"] == 2
        g = f["fixed_points"]
        assert "parity" not in g.attrs and g.attrs["index_sum"] == 1
        f.attrs["format_version"] = np.int64(1)
        g.attrs["parity"] = g.attrs["index_sum"] + 6  # distinguishable from the sum of `index`
        g.attrs["n_unstable_points"] = g.attrs["n_unstable"]
        del g.attrs["index_sum"], g.attrs["n_unstable"]
    with ra.open_file(out) as f:
        assert f.format_version == 1
        fp = f.fixed_points()
        assert fp.parity == 7
        assert fp.attrs["index_sum"] == 7 and fp.attrs["n_unstable"] == 1 and "parity" not in fp.attrs


def test_sweep_autocorrelation_against_numpy(ratenet, tmp_path):
    """A sweep of the registry's autocorrelation analysis: the file describes its results
    (long names, units), and C(tau) equals NumPy's estimate from the trajectory `simulate`
    writes for the same network (a NumPy matrix, so no seed is involved), initial state and grid."""
    rng = np.random.default_rng(7)
    n = 30
    np.save(tmp_path / "W.npy", rng.normal(0.0, 2.5 / np.sqrt(n), (n, n)))
    x0 = ", ".join(f"{v:.6f}" for v in rng.normal(0.0, 1.0, n))
    base = (f'[model]\nname = "matrix"\npath = "{tmp_path / "W.npy"}"\n[network]\nform = "current"\n'
            f'[transfer]\nname = "tanh"\n[initial]\nx0 = [{x0}]\n'
            '[simulate]\nt_end = 60.0\ndt_out = 0.5\natol = 1e-8\nrtol = 1e-6\n'
            '[autocorrelation]\nt_warmup = 20.0\nt_sim = 40.0\ndt_sample = 0.5\nmax_lag = 10.0\n')
    cfg = tmp_path / "ac.toml"
    cfg.write_text(base + '[sweep]\nanalysis = "autocorrelation"\n[sweep.params]\n"autocorrelation.max_lag" = [10.0]\n')
    out = _run(ratenet, "sweep", cfg, tmp_path / "ac.h5")
    with ra.open_file(out) as f:
        sw = f.sweep()
        assert sw.analysis == "autocorrelation" and sw.status == ["completed"]
        assert sw.long_names["tau_c"] == "correlation time" and sw.units["tau_c"] == "time (units of tau)"
        assert sw.label("autocovariance").startswith("autocovariance C(tau) [")
        C = sw.results["autocovariance"][0]
        lag = sw.results["lag_time"][0]
        np.testing.assert_allclose(lag, np.arange(21) * 0.5, atol=1e-12)
        assert C[0] == sw.results["variance"][0]
    # The same run through `simulate`: the trajectory on the same grid, then the
    # textbook estimator in NumPy.
    sim = tmp_path / "sim.toml"
    sim.write_text(base)
    traj = _run(ratenet, "simulate", sim, tmp_path / "sim.h5")
    with ra.open_file(traj) as f:
        tr = f.trajectory()
        t = tr.t
        x = tr.x()
    y = x[t >= 20.0 - 1e-9]
    y = y - y.mean(axis=0)
    T = y.shape[0]
    ref = np.array([np.mean(np.sum(y[: T - k] * y[k:], axis=0) / (T - k)) for k in range(21)])
    np.testing.assert_allclose(C, ref, rtol=1e-9, atol=1e-12)
    assert C[0] > 0.1  # chaotic at g = 2.5
