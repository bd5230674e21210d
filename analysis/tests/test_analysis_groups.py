"""Readers and figures for /permitted, /fixed_points, /lyapunov, /sweep, /chaos on
files the binary writes.  Each test is skipped (with the reason) only while
`ratenet --help` does not list the subcommand."""

import glob

import matplotlib.image as mpimg
import numpy as np
import pytest

import ratenet_analysis as ra
from conftest import REPO, has_sub, pyrun, run_ok
from ratenet_analysis.reader import kaplan_yorke


def _need(exe, *subs):
    for s in subs:
        if has_sub(exe, s):
            return s
    pytest.skip(f"`ratenet --help` does not list {' / '.join(subs)} yet")


def _run(exe, sub, cfg, out, *sets):
    args = [sub, cfg, "-o", out]
    for s in sets:
        args += ["--set", s]
    run_ok(exe, *args)
    return out


def _plot_ok(path, tmp_path):
    png = tmp_path / "fig.png"
    r = pyrun("plot", path, "-o", png)
    assert r.returncode == 0, r.stderr
    assert mpimg.imread(str(png)).shape[:2] == (720, 1200)
    r = pyrun("summary", path)
    assert r.returncode == 0, r.stderr


WTA = '[model]\nname = "hahnloser_wta"\nn = 6\nalpha = 1.5\nbeta = 1.0\n[network]\nform = "rate"\n[transfer]\nname = "relu"\n'
CYCLE3 = '[model]\nname = "ctln"\nn = 3\nedges = [[0, 1], [1, 2], [2, 0]]\n[network]\nform = "rate"\n[transfer]\nname = "relu"\n'


def test_permitted_wta(ratenet, tmp_path):
    sub = _need(ratenet, "permitted")
    cfg = tmp_path / "wta.toml"
    cfg.write_text(WTA)
    out = _run(ratenet, sub, cfg, tmp_path / "perm.h5")
    with ra.open_file(out) as f:
        assert f.kind == "permitted"
        p = f.permitted()
        # alpha > 1: only the singletons are permitted (science.md)
        np.testing.assert_array_equal(p.counts_by_size, [1, 6, 0, 0, 0, 0, 0])
        assert p.maximal.shape == (6, 6) and np.all(p.maximal.sum(axis=1) == 1)
        assert p.minimal_forbidden.shape == (15, 6) and np.all(p.minimal_forbidden.sum(axis=1) == 2)
        assert p.attrs.get("criterion") == "positive_definite"
        assert p.is_permitted([2]) and not p.is_permitted([1, 2])
    _plot_ok(out, tmp_path)


def test_fixed_points_3cycle(ratenet, tmp_path):
    sub = _need(ratenet, "fixed_points", "fixed-points", "fixedpoints")
    cfg = tmp_path / "cycle.toml"
    cfg.write_text(CYCLE3)
    out = _run(ratenet, sub, cfg, tmp_path / "fp.h5")
    with ra.open_file(out) as f:
        fp = f.fixed_points()
        # FP(G) = {123}, x* = theta/(3 + delta - eps), unstable (science.md)
        assert len(fp) == 1
        np.testing.assert_array_equal(fp.support[0], [True, True, True])
        np.testing.assert_allclose(fp.x[0], 1 / 3.25, rtol=1e-9)
        assert not fp.stable[0] and fp.n_unstable[0] == 2
        np.testing.assert_allclose(np.sort_complex(fp.eig[0]),
                                   np.sort_complex([-3.25, 0.125 + 0.6495j, 0.125 - 0.6495j]), atol=1e-3)
        assert int(fp.index.sum()) == 1
    _plot_ok(out, tmp_path)


def test_lyapunov_tanh(ratenet, tmp_path):
    sub = _need(ratenet, "lyapunov")
    cfg = tmp_path / "ly.toml"
    cfg.write_text('[model]\nname = "random_gaussian"\nn = 20\ng = 3.0\n[network]\nform = "current"\n'
                   '[transfer]\nname = "tanh"\n[initial]\nrandom_std = 1.0\n'
                   '[lyapunov]\ndt = 0.05\nt_ons = 1.0\nt_warmup = 20.0\nt_ons_warmup = 10.0\nt_sim = 200.0\n')
    out = _run(ratenet, sub, cfg, tmp_path / "ly.h5")
    with ra.open_file(out) as f:
        ly = f.lyapunov()
        assert ly.k == 20 and ly.n == 20
        assert np.all(np.diff(ly.exponents) <= 1e-12)  # largest first
        assert ly.errors.shape == (20,)
        assert ly.trace_exponents.shape == (len(ly.trace_t), 20) and len(ly.trace_t) > 1
        # sum = -N for a zero-diagonal tanh flow (science.md)
        assert np.sum(ly.exponents) == pytest.approx(-20, rel=0.02)
        assert ly.kaplan_yorke == pytest.approx(kaplan_yorke(ly.exponents), rel=1e-6, abs=1e-9)
        assert ly.entropy_rate == pytest.approx(np.sum(ly.exponents[ly.exponents > 0]), rel=1e-6, abs=1e-12)
    _plot_ok(out, tmp_path)


def test_chaos_reader(ratenet, tmp_path):
    sub = _need(ratenet, "chaos")
    out = _run(ratenet, sub, REPO / "configs" / "reproduce_chaos.toml", tmp_path / "chaos.h5", "model.n=100")
    with ra.open_file(out) as f:
        ch = f.chaos()
        G, S = ch.lambda_max.shape
        assert G == len(ch.g) and ch.divergent.shape == (G, S)
        assert ch.lambda_mean.shape == (G,) and ch.lambda_sem.shape == (G,)
        assert len(ch.meanfield_g) == len(ch.meanfield_lambda) > 0
        assert ch.g_c_meanfield == pytest.approx(1.0, abs=0.05)
    _plot_ok(out, tmp_path)


def test_sweep_reader(ratenet, tmp_path):
    sub = _need(ratenet, "sweep")
    cfgs = [c for c in sorted(glob.glob(str(REPO / "configs" / "*.toml"))) if "[sweep]" in open(c).read()]
    if not cfgs:
        pytest.skip("no configs/*.toml with a [sweep] section to run (the sweep syntax is not in docs/file-format.md)")
    out = _run(ratenet, sub, cfgs[0], tmp_path / "sweep.h5")
    with ra.open_file(out) as f:
        sw = f.sweep()
        P, K = sw.params.shape
        assert K == len(sw.keys) and len(sw.status) == P and sw.seconds.shape == (P,)
        for v in sw.results.values():
            assert v.shape[0] == P
        t = sw.table()
        assert all(len(col) == P for col in t.values())
    _plot_ok(out, tmp_path)
