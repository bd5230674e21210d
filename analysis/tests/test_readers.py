"""Readers on files the real binary writes."""

import numpy as np
import pytest

import ratenet_analysis as ra
from ratenet_analysis.reader import kaplan_yorke


def test_root_attributes(demo):
    with ra.open_file(demo["wta"]) as f:
        assert f.format_version == 2
        assert f.kind == "simulate"
        assert f.status == "completed"
        assert not f.is_partial
        assert f.config["model"]["name"] == "hahnloser_wta"
        assert set(f.seeds) == {"network", "initial", "noise", "tangent"}
        assert f.has("network") and f.has("trajectory") and not f.has("lyapunov")


def test_wta_network_and_winner(demo):
    with ra.open_file(demo["wta"]) as f:
        net = f.network()
        tr = f.trajectory()
        alpha, beta = net.param("alpha"), net.param("beta")
        n = net.n
        assert net.W.shape == (n, n) and net.W_format == "dense"
        np.testing.assert_allclose(net.W, alpha * np.eye(n) - beta * np.ones((n, n)), atol=1e-15)
        assert net.W_sparse().shape == (n, n)
        assert net.form == "rate" and net.transfer == "relu"
        np.testing.assert_array_equal(tr.neuron, np.arange(n))
        x_end = tr.x(-1)
        w = int(np.argmax(net.b))
        assert int(np.argmax(x_end)) == w
        # the winner's steady rate: b_w / (1 - alpha + beta), from the file's own attributes
        assert x_end[w] == pytest.approx(net.b[w] / (1 - alpha + beta), rel=1e-5)
        assert np.max(np.abs(np.delete(x_end, w))) < 1e-6


def test_time_grid(demo, sparse_f32):
    for path in (demo["wta"], demo["random"], sparse_f32):
        with ra.open_file(path) as f:
            tr = f.trajectory()
            a = tr.attrs
            k = np.arange(len(tr.t))
            np.testing.assert_allclose(tr.t, a["t_start"] + k * a["dt_out"], rtol=1e-12, atol=1e-12)
            assert tr.t[-1] == pytest.approx(a["t_end"])
            assert tr.shape == (a["samples"], len(tr.neuron))


def test_lazy_slicing(demo):
    with ra.open_file(demo["random"]) as f:
        tr = f.trajectory()
        T, R = tr.shape
        assert (T, R) == (2001, 200)
        full = tr.x()
        assert full.shape == (T, R)
        np.testing.assert_array_equal(tr.x(slice(10, 20)), full[10:20])
        np.testing.assert_array_equal(tr.x(slice(0, T, 100), slice(0, 5)), full[::100, :5])
        np.testing.assert_array_equal(tr.x(5), full[5])
        np.testing.assert_array_equal(tr.x([7, 3, 3]), full[[7, 3, 3]])
        w = tr.window(10.0, 20.0)
        assert tr.t[w][0] == pytest.approx(10.0) and tr.t[w][-1] < 20.0
        with pytest.raises(IndexError):
            tr.x(T)


def test_to_xarray(demo):
    with ra.open_file(demo["wta"]) as f:
        tr = f.trajectory()
        da = tr.to_xarray()
        assert da.dims == ("t", "neuron")
        np.testing.assert_array_equal(da["t"].values, tr.t)
        np.testing.assert_array_equal(da.values, tr.x())


def test_schedule(scheduled):
    with ra.open_file(scheduled) as f:
        net = f.network()
        cfg = f.config
        sched = cfg["input"]["schedule"]
        assert net.schedule is not None and len(net.schedule) == len(sched)
        np.testing.assert_allclose(net.schedule.t_start, [s["t_start"] for s in sched])
        np.testing.assert_allclose(net.schedule.b, np.array([s["b"] for s in sched]))
        np.testing.assert_allclose(net.input_at(net.schedule.t_start[2] + 1.0), net.schedule.b[2])
        np.testing.assert_allclose(net.input_at(1e9), net.b)
        tr = f.trajectory()
        # every interval ends with a WTA steady state: winner rate = b_w / (1 - alpha + beta)
        G = 1 / (1 - net.param("alpha") + net.param("beta"))
        for s in range(len(net.schedule)):
            row = int(np.searchsorted(tr.t, net.schedule.t_end[s], "right")) - 1
            x = tr.x(row)
            w = int(np.argmax(x))
            assert x[w] == pytest.approx(G * net.schedule.b[s, w], rel=1e-5)


def test_csr_float32_subset(sparse_f32):
    with ra.open_file(sparse_f32) as f:
        net = f.network()
        assert net.W_format == "csr"
        S = net.W_sparse()
        assert S.shape == (60, 60)
        np.testing.assert_array_equal(np.diff(S.indptr), 12)  # k partners per row
        assert net.W.shape == (60, 60) and np.count_nonzero(net.W) == S.nnz
        tr = f.trajectory()
        np.testing.assert_array_equal(tr.neuron, [0, 5, 7, 59])
        assert tr.dataset.dtype == np.float32
        assert tr.x().shape == (len(tr.t), 4)
        assert tr.column(59) == 3
        assert tr.t[0] == pytest.approx(2.5)
        da = tr.to_xarray()
        np.testing.assert_array_equal(da["neuron"].values, [0, 5, 7, 59])


def test_interrupted_part_file(interrupted):
    with ra.open_file(interrupted) as f:
        assert f.path.endswith(".h5.part")
        assert f.is_partial
        assert f.status == "interrupted"
        tr = f.trajectory()
        assert len(tr) > 10
        x = tr.x()
        assert x.shape == (len(tr.t), 100) and np.all(np.isfinite(x))
        a = tr.attrs
        np.testing.assert_allclose(tr.t, a["t_start"] + np.arange(len(tr.t)) * a["dt_out"], rtol=1e-12, atol=1e-9)


def test_killed_part_file(killed):
    """SIGKILL: the file holds what was flushed (status running), or the reader says clearly that it cannot."""
    if not killed.exists():
        pytest.skip("the killed run left no .part file")
    try:
        f = ra.open_file(killed)
    except ra.RatenetFormatError as e:
        assert str(killed) in str(e)
        return
    with f:
        assert f.status == "running" and f.is_partial
        try:
            tr = f.trajectory()
            assert tr.x().shape[0] == len(tr.t)
        except ra.RatenetFormatError:
            pass


def test_kaplan_yorke_helper():
    # Lorenz-63 (science.md): (0.906, 0, -14.572) -> D_KY = 2.062
    assert kaplan_yorke(np.array([0.906, 0.0, -14.572])) == pytest.approx(2.062, abs=1e-3)
    assert kaplan_yorke(np.array([-1.0, -2.0])) == 0.0
