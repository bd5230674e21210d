"""[output] gzip_network: W is stored as is unless compression is asked for."""

import h5py
import numpy as np
import pytest

import ratenet_analysis as ra
from conftest import run_ok

CFG = """[model]
name = "random_gaussian"
n = 300
g = 1.5
[simulate]
t_end = 0.2
dt = 0.1
"""


@pytest.mark.parametrize("sparse", [False, True])
def test_network_compression_is_opt_in(ratenet, tmp_path, sparse):
    cfg = tmp_path / "w.toml"
    cfg.write_text(CFG)
    extra = ["--set", "model.k=50"] if sparse else []
    run_ok(ratenet, "simulate", cfg, "-o", tmp_path / "plain.h5", "-q", *extra)
    run_ok(ratenet, "simulate", cfg, "-o", tmp_path / "gz.h5", "-q", "--set", "output.gzip_network=6", *extra)
    name = "network/W_data" if sparse else "network/W"
    with h5py.File(tmp_path / "plain.h5", "r") as a, h5py.File(tmp_path / "gz.h5", "r") as b:
        assert a[name].compression is None
        assert b[name].compression == "gzip" and b[name].compression_opts == 6
        np.testing.assert_array_equal(a[name][()], b[name][()])
    with ra.open_file(tmp_path / "gz.h5") as f:
        net = f.network()
        if sparse:
            assert net.W_sparse().nnz == 300 * 50
        else:
            assert net.W.shape == (300, 300)


def test_gzip_level_out_of_range_is_refused(ratenet, tmp_path):
    import subprocess

    cfg = tmp_path / "w.toml"
    cfg.write_text(CFG)
    r = subprocess.run([ratenet, "simulate", str(cfg), "-o", str(tmp_path / "x.h5"), "--set", "output.gzip_network=12"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "gzip_network = 12" in r.stderr and "0 .. 9" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.h5").exists() and not (tmp_path / "x.h5.part").exists()
