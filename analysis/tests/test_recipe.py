"""Files written with ``[output] network = "recipe"``: /network without W, rebuilt
by ``ratenet network`` when W is read, bit for bit, and never when it is not.

Every file comes from the real binary: a dense network (configs/random_tanh.toml)
and a sparse one (configs/random_sparse_relu.toml), each run twice with the same
seeds, once storing W ("full") and once as a recipe.
"""

import os
import subprocess
import tempfile

import h5py
import numpy as np
import pytest

import ratenet_analysis as ra
from conftest import REPO, pyrun, run_ok
from ratenet_analysis import plots
from ratenet_analysis.cli import summary_text

CASES = {
    # name: (config, overrides, how the full file stores W)
    "dense": ("random_tanh.toml", ["model.n=300", "simulate.t_end=1", "simulate.record=[0, 1, 2, 3]",
                                     "simulate.gzip=4"], "dense"),
    "sparse": ("random_sparse_relu.toml", ["model.n=1000", "model.k=50", "simulate.t_end=1"], "csr"),
}
W_DATASETS = ("W", "W_data", "W_indices", "W_indptr")


@pytest.fixture(scope="module", params=sorted(CASES))
def pair(request, ratenet, tmp_path_factory):
    """{"full": path, "recipe": path, "layout": "dense" | "csr"} for one network."""
    name = request.param
    cfg, sets, layout = CASES[name]
    d = tmp_path_factory.mktemp(f"recipe_{name}")
    out = {"layout": layout, "name": name}
    for mode in ("full", "recipe"):
        out[mode] = d / f"{mode}.h5"
        args = ["simulate", REPO / "configs" / cfg, "-o", out[mode], "-q", "--set", f"output.network={mode}"]
        for s in sets:
            args += ["--set", s]
        run_ok(ratenet, *args)
    return out


@pytest.fixture
def no_binary(monkeypatch, tmp_path):
    """No ratenet to be found: $RATENET names a missing file (and PATH, cwd hold none)."""
    monkeypatch.setenv("RATENET", str(tmp_path / "no-such-ratenet"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def network_calls(monkeypatch):
    """Count the `ratenet network` processes started (subprocess.run is wrapped, not replaced)."""
    calls = []
    real = subprocess.run

    def counting(cmd, *a, **kw):
        if isinstance(cmd, (list, tuple)) and len(cmd) > 1 and cmd[1] == "network":
            calls.append(list(map(str, cmd)))
        return real(cmd, *a, **kw)

    monkeypatch.setattr(subprocess, "run", counting)
    return calls


def _assert_same_W(layout, got, want):
    """Bit for bit: the same dense array, or the same CSR data, indices and row pointers."""
    if layout == "csr":
        a, b = got.W_sparse(), want.W_sparse()
        assert a.shape == b.shape
        assert np.array_equal(a.data, b.data) and a.data.dtype == b.data.dtype == np.float64
        assert np.array_equal(a.indices, b.indices)
        assert np.array_equal(a.indptr, b.indptr)
    else:
        assert got.W.dtype == want.W.dtype == np.float64
        assert np.array_equal(got.W, want.W)
        assert got.W.tobytes() == want.W.tobytes()  # also the sign of zeros and NaN payloads


def test_recipe_file_has_no_W(pair):
    with h5py.File(pair["recipe"], "r") as h, h5py.File(pair["full"], "r") as full:
        g = h["network"]
        assert not any(name in g for name in W_DATASETS)
        assert g.attrs["W_format"] in ("recipe", b"recipe")
        if pair["layout"] == "csr":
            entries = full["network/W_data"].shape[0]
        else:
            entries = full["network/W"].size
        assert int(g.attrs["W_nonzeros"]) == entries
        assert h.attrs["config"] and "seed_network" in h.attrs


def test_reading_a_recipe_network_needs_no_binary(pair, no_binary):
    with ra.open_file(pair["recipe"]) as f, ra.open_file(pair["full"]) as g:
        net, full = f.network(), g.network()
    assert net.W_format == "recipe" and not net.W_stored and not net.W_loaded
    assert full.W_format == pair["layout"] and full.W_stored and full.W_loaded
    assert net.n == full.n and net.model == full.model and net.form == full.form
    assert np.array_equal(net.b, full.b) and np.array_equal(net.tau, full.tau)
    assert net.attrs["W_nonzeros"] == (full.W_sparse().nnz if pair["layout"] == "csr" else full.n**2)


def test_W_is_rebuilt_on_first_use_bit_for_bit(pair, ratenet, monkeypatch, tmp_path, network_calls):
    monkeypatch.setenv("RATENET", ratenet)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with ra.open_file(pair["recipe"]) as f, ra.open_file(pair["full"]) as g:
        net, full = f.network(), g.network()
        assert network_calls == []
        assert net.W_layout == pair["layout"]  # rebuilds
        assert len(network_calls) == 1
        assert network_calls[0][2] == os.path.abspath(pair["recipe"]) and "-q" in network_calls[0]
        assert net.W_loaded and net.W_format == "recipe" and not net.W_stored
        _assert_same_W(pair["layout"], net, full)
        assert net.W.shape == (full.n, full.n)
        # Cached: on the network, and on the open file for the next network() call.
        net.W, net.W_sparse(), net.load_W()
        again = f.network()
        _assert_same_W(pair["layout"], again, full)
        assert len(network_calls) == 1
    assert os.listdir(scratch) == []  # the rebuilt file is deleted


def test_rebuild_network(pair, ratenet, tmp_path):
    with ra.open_file(pair["full"]) as g:
        full = g.network()
    net = ra.rebuild_network(pair["recipe"], ratenet=ratenet)
    assert net.W_format == "recipe" and not net.W_stored and net.W_loaded
    assert net.W_layout == pair["layout"]
    _assert_same_W(pair["layout"], net, full)
    # A file that stores W is rebuilt too: the run can be reproduced.
    again = ra.rebuild_network(str(pair["full"]), ratenet=ratenet)
    assert again.W_format == pair["layout"] and again.W_stored
    _assert_same_W(pair["layout"], again, full)
    # Keeping the rebuilt file: a ratenet file of kind "network", for the xarray view too.
    kept = tmp_path / "W.h5"
    ra.rebuild_network(pair["recipe"], ratenet=ratenet, output=str(kept))
    with ra.open_file(kept) as k:
        assert k.kind == "network" and k.groups() == ["network"]
        _assert_same_W(pair["layout"], k.network(), full)
    d = ra.open(kept)
    assert d.kind == "network"
    if pair["layout"] == "dense":
        assert d["network"]["W"].dims == ("post", "pre")
        assert np.array_equal(d["network"]["W"].values, full.W)
    else:
        assert np.array_equal(d["network"]["W_data"].values, full.W_sparse().data)
    # The labelled view of the recipe file itself: everything but W.
    r = ra.open(pair["recipe"])
    assert r["network"].attrs["W_format"] == "recipe"
    assert not any(v in r["network"] for v in W_DATASETS)
    np.testing.assert_array_equal(r["network"]["b"].values, full.b)


def test_recipe_file_is_much_smaller(pair):
    with ra.open_file(pair["full"]) as g:
        full = g.network()
        W_bytes = (full.W_sparse().data.nbytes + full.W_sparse().indices.nbytes + full.W_sparse().indptr.nbytes
                   if pair["layout"] == "csr" else full.W.nbytes)
    small, big = os.path.getsize(pair["recipe"]), os.path.getsize(pair["full"])
    assert small < big / 5, (small, big)
    assert big - small >= 0.9 * W_bytes, (small, big, W_bytes)


def test_summary_of_a_recipe_file_does_not_run_the_binary(pair, no_binary, tmp_path, network_calls):
    with ra.open_file(pair["recipe"]) as f:
        text = summary_text(f)
    assert network_calls == []
    assert "W not stored (recipe): rebuilt on demand by `ratenet network " in text
    assert str(pair["recipe"]) in text and "nonzero" not in text
    # The command line, with no ratenet anywhere to find.
    r = pyrun("summary", pair["recipe"], cwd=tmp_path,
              env_extra={"RATENET": str(tmp_path / "no-such-ratenet"), "PATH": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert "W not stored (recipe): rebuilt on demand by `ratenet network" in r.stdout
    with ra.open_file(pair["full"]) as g:
        assert f"W {pair['layout']}, " in summary_text(g)


def test_missing_binary_says_how_to_rebuild_by_hand(pair, no_binary, ratenet):
    with ra.open_file(pair["recipe"]) as f:
        net = f.network()
        with pytest.raises(ra.RatenetBinaryError) as e:
            net.W
        msg = str(e.value)
        assert "not stored" in msg and "recipe" in msg
        assert f"ratenet network {os.path.abspath(pair['recipe'])} -o W.h5" in msg
        assert "RATENET" in msg
        with pytest.raises(ra.RatenetBinaryError, match="ratenet network"):
            net.W_sparse()
        assert not net.W_loaded
        net.load_W(ratenet)  # a binary given explicitly: fine again
        assert net.W_loaded and net.W.shape == (net.n, net.n)
    with pytest.raises(ra.RatenetBinaryError, match="ratenet network"):
        ra.rebuild_network(pair["recipe"], ratenet=str(pair["recipe"]) + ".missing")


def _stand_in(tmp_path, body, subcommands="simulate\n  network"):
    """A shell script answering --help like ratenet, and running ``body`` otherwise."""
    fake = tmp_path / "fake-ratenet"
    fake.write_text("#!/bin/sh\nif [ \"$1\" = --help ]; then\n"
                    f"  printf 'Usage: ratenet [OPTIONS] SUBCOMMAND\\n\\nSubcommands:\\n  {subcommands}\\n'\n"
                    f"  exit 0\nfi\n{body}\n")
    fake.chmod(0o755)
    return str(fake)


def test_failing_binary_raises_its_message(pair, tmp_path):
    fake = _stand_in(tmp_path, "echo 'ratenet: error: SOURCE = x: broken' >&2\nexit 2")
    with ra.open_file(pair["recipe"]) as f:
        net = f.network()
        with pytest.raises(ra.RatenetRunError) as e:
            net.load_W(fake)
    err = e.value
    assert err.exit_code == 2 and err.message == "SOURCE = x: broken"
    assert err.command[:2] == [fake, "network"]
    assert "ratenet network" in str(err) and "-o W.h5" in str(err)
    assert isinstance(err, ra.RatenetBinaryError)


def test_binary_without_network_subcommand(pair, tmp_path):
    fake = _stand_in(tmp_path, "exit 0", subcommands="simulate\n  info")
    with pytest.raises(ra.RatenetBinaryError, match="no `network` subcommand") as e:
        ra.rebuild_network(pair["recipe"], ratenet=fake)
    assert "ratenet network" in str(e.value) and "-o W.h5" in str(e.value)


def test_a_different_rebuilt_network_is_refused(pair, ratenet, tmp_path):
    """A binary that rebuilds another network (here: another N) is caught, not trusted."""
    fake = _stand_in(tmp_path, f'exec "{ratenet}" "$@" --set model.n=60')
    with pytest.raises(ra.RatenetBinaryError, match="not the one the file describes"):
        ra.rebuild_network(pair["recipe"], ratenet=fake)


def test_network_figure_of_a_recipe_file(pair, ratenet, monkeypatch, tmp_path):
    monkeypatch.setenv("RATENET", ratenet)
    with ra.open_file(pair["recipe"]) as f:
        figs = plots.figures_for(f)
        assert "network" in figs
        fig = figs["network"]()
        assert "rebuilt" in fig.axes[0].get_title()
        plots.save(fig, str(tmp_path / "net.png"))
    assert (tmp_path / "net.png").stat().st_size > 0


@pytest.mark.parametrize("pair", ["dense"], indirect=True)
def test_report_without_binary_writes_the_rest(pair, tmp_path):
    out = tmp_path / "rep"
    r = pyrun("report", pair["recipe"], "-o", out, cwd=tmp_path,
              env_extra={"RATENET": str(tmp_path / "no-such-ratenet"), "PATH": str(tmp_path)})
    assert r.returncode == 3, r.stdout + r.stderr
    assert "figure network not drawn" in r.stderr and "ratenet network" in r.stderr
    names = sorted(os.listdir(out))
    assert "recipe_trajectory.png" in names and "recipe_summary.txt" in names
    assert "recipe_network.png" not in names


@pytest.mark.parametrize("pair", ["sparse"], indirect=True)
def test_network_file_summary(pair, ratenet, tmp_path):
    w = tmp_path / "W.h5"
    run_ok(ratenet, "network", pair["recipe"], "-o", w, "-q")
    r = pyrun("summary", w)
    assert r.returncode == 0, r.stderr
    assert "kind network" in r.stdout and "W csr, " in r.stdout
