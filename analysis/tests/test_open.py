"""ratenet_analysis.open: every group as an xarray Dataset, a sweep on its
parameter grid, .part files, and the point folder of an unfinished sweep."""

import os
import signal
import subprocess
import time

import numpy as np
import pytest

import ratenet_analysis as ra
from conftest import run_ok

TANH = ('[model]\nname = "random_gaussian"\nn = 20\n[network]\nform = "current"\n[transfer]\nname = "tanh"\n'
        '[initial]\nrandom_std = 1.0\n[simulate]\nt_end = 20.0\ndt_out = 1.0\n')


def test_every_group_is_a_labelled_dataset(demo):
    d = ra.open(demo["wta"])
    assert d.kind == "simulate" and d.status == "completed"
    assert set(d) >= {"network", "trajectory"}
    x = d["trajectory"]["x"]
    assert x.dims == ("t", "neuron") and x.attrs["units"] and x.attrs["long_name"]
    np.testing.assert_allclose(d["trajectory"]["t"].values[:3], [0.0, 0.05, 0.1])
    with ra.open_file(demo["wta"]) as f:  # the same numbers as the plain reader
        np.testing.assert_array_equal(x.values, f.trajectory().x())
    with pytest.raises(KeyError, match="has no group"):
        d["lyapunov"]


def test_sweep_on_its_parameter_grid(ratenet, tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text(TANH + '[sweep]\nseeds = 3\n[sweep.params]\n"model.g" = [0.5, 1.5, 2.5]\n"model.n" = [10, 20]\n')
    run_ok(ratenet, "sweep", cfg, "-o", tmp_path / "s.h5", "-q")
    g = ra.open(tmp_path / "s.h5").sweep()
    assert dict(g.sizes) == {"model.g": 3, "model.n": 2, "seed": 3}
    assert g["seed"].dtype.kind == "i" and g["model.n"].dtype.kind == "i"
    np.testing.assert_allclose(g["model.g"].values, [0.5, 1.5, 2.5])
    assert (g["status"].values == "completed").all()
    # The grid holds the same numbers as the flat table, point by point.
    with ra.open_file(tmp_path / "s.h5") as f:
        sw = f.sweep()
    for p in range(len(sw)):
        gv, nv, s = sw.params[p]
        assert g["temporal_std"].sel({"model.g": gv, "model.n": int(nv), "seed": int(s)}).item() == sw.results["temporal_std"][p]
    df = g["temporal_std"].to_dataframe().reset_index()
    assert len(df) == 18 and df["seed"].dtype.kind == "i"
    assert g["temporal_std"].attrs["units"] == "model units"


def test_part_and_point_folder_of_an_unfinished_sweep(ratenet, tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text(TANH.replace("t_end = 20.0", "t_end = 600.0").replace("n = 20", "n = 150")
                   + '[sweep]\nseeds = 20\n[sweep.params]\n"model.g" = [1.5, 2.5]\n')
    p = subprocess.Popen([ratenet, "sweep", str(cfg), "-o", str(tmp_path / "s.h5"), "-q"])
    folder = tmp_path / "s.h5.points"
    for _ in range(1000):
        if folder.is_dir() and sum(n.endswith(".bin") for n in os.listdir(folder)) >= 2:
            break
        time.sleep(0.01)
    p.send_signal(signal.SIGINT)
    p.wait()
    if (tmp_path / "s.h5").exists():
        pytest.skip("the sweep finished before it could be interrupted")
    n = sum(name.endswith(".bin") for name in os.listdir(folder))
    d = ra.open(folder)
    assert d.status == "running" and d.attrs["points_done"] == n
    r = d["sweep/results"]
    assert r.sizes["point"] == n and (r["status"].values == "completed").all()
    assert np.all(np.isfinite(r["mean_rate"].values)) and np.all(r["seconds"].values > 0)
    # A damaged point file is skipped, as ratenet reruns it.
    first = sorted(folder.glob("p*.bin"))[0]
    b = bytearray(first.read_bytes())
    b[20] ^= 0xFF
    first.write_bytes(bytes(b))
    with pytest.raises(ra.RatenetFormatError, match="checksum"):
        ra.read_point(str(first))
    assert ra.open(folder)["sweep/results"].sizes["point"] == n - 1


def test_interrupted_part_file_opens(interrupted):
    d = ra.open(interrupted)
    assert d.status in ("interrupted", "running")
    assert d["trajectory"]["x"].sizes["t"] > 0
