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


def test_part_and_point_folder_of_an_unfinished_sweep(ratenet, tmp_path, capsys):
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
    assert r.sizes["point"] == 40 and (r["status"].values == "completed").sum() == n
    ok = r["status"].values == "completed"
    assert np.all(np.isfinite(r["mean_rate"].values[ok])) and np.all(r["seconds"].values[ok] > 0)
    # The plan ratenet writes into the folder puts the finished points on the grid.
    assert d.attrs["points_planned"] == 40
    g = d.sweep()
    assert dict(g.sizes) == {"model.g": 2, "seed": 20}
    done = g["status"].values == "completed"
    assert int(done.sum()) == n and (g["status"].values[~done] == "").all()
    assert np.isnan(g["mean_rate"].values[~done]).all()
    snapshot = {v: g[v].values.copy() for v in ("mean_rate", "temporal_std")}
    # `ratenet_analysis summary` reads the folder too.
    from ratenet_analysis import cli

    assert cli.main(["summary", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"{n} point(s) finished of 40 planned" in out and "swept: model.g" in out
    assert f"statuses: completed {n}" in out and "--resume" in out
    with pytest.raises(ra.RatenetFormatError, match="not the point folder"):
        ra.open(tmp_path)
    # A damaged point file is skipped, as ratenet reruns it.
    first = sorted(folder.glob("p*.bin"))[0]
    b = bytearray(first.read_bytes())
    b[20] ^= 0xFF
    first.write_bytes(bytes(b))
    with pytest.raises(ra.RatenetFormatError, match="checksum"):
        ra.read_point(str(first))
    assert ra.open(folder).attrs["points_done"] == n - 1
    # The finished sweep holds the same numbers where the folder had them, bit for bit.
    run_ok(ratenet, "sweep", cfg, "-o", tmp_path / "s.h5", "--resume", "-q")
    full = ra.open(tmp_path / "s.h5").sweep()
    for v, a in snapshot.items():
        np.testing.assert_array_equal(a[done], full[v].values[done])
    assert not folder.exists()


def test_interrupted_part_file_opens(interrupted):
    d = ra.open(interrupted)
    assert d.status in ("interrupted", "running")
    assert d["trajectory"]["x"].sizes["t"] > 0


def test_open_sweep_reads_shards_as_the_merged_file(ratenet, tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text(TANH + '[sweep]\nseeds = 2\n[sweep.params]\n"model.g" = [0.5, 1.5, 2.5]\n')
    for i in range(3):
        run_ok(ratenet, "sweep", cfg, "--shard", f"{i}/3", "-o", tmp_path / f"sh{i}.h5", "-q")
    run_ok(ratenet, "merge", tmp_path / "merged.h5", *[tmp_path / f"sh{i}.h5" for i in range(3)], "-q")
    merged = ra.open(tmp_path / "merged.h5").sweep()
    g = ra.open_sweep(str(tmp_path / "sh*.h5"))
    assert dict(g.sizes) == dict(merged.sizes) == {"model.g": 3, "seed": 2}
    for v in ("mean_rate", "temporal_std", "final_rms", "t_final"):
        np.testing.assert_array_equal(g[v].values, merged[v].values)
    assert (g["status"].values == merged["status"].values).all()
    # Two shards only: the third shard's points are missing (NaN, status "").
    part = ra.open_sweep([tmp_path / "sh0.h5", tmp_path / "sh1.h5"])
    assert (part["status"].values == "").sum() == 2 and np.isnan(part["t_final"].values).sum() == 2
    # A shard of another sweep is refused.
    other = tmp_path / "o.toml"
    other.write_text(cfg.read_text().replace("n = 20", "n = 21"))
    run_ok(ratenet, "sweep", other, "--shard", "1/3", "-o", tmp_path / "other1.h5", "-q")
    with pytest.raises(ra.RatenetFormatError, match="different sweeps"):
        ra.open_sweep([tmp_path / "sh0.h5", tmp_path / "other1.h5"])


def test_open_runs_stacks_along_the_differing_keys(ratenet, tmp_path):
    cfg = tmp_path / "r.toml"
    cfg.write_text(TANH)
    gs = [0.5, 1.5, 2.5]
    for g in gs:
        run_ok(ratenet, "simulate", cfg, "--set", f"model.g={g}", "-o", tmp_path / f"run_g{g}.h5", "-q")
    st = ra.open_runs(str(tmp_path / "run_g*.h5"))
    assert st["x"].dims == ("run", "t", "neuron") and st.sizes["run"] == 3
    assert st.attrs["differing_keys"] == "model.g"
    np.testing.assert_allclose(st["model.g"].values, gs)
    for i, g in enumerate(gs):
        with ra.open_file(tmp_path / f"run_g{g}.h5") as f:
            np.testing.assert_array_equal(st["x"].isel(run=i).values, f.trajectory().x())
    # Runs of different lengths align on their coordinates, NaN where one has no value.
    run_ok(ratenet, "simulate", cfg, "--set", "simulate.t_end=10.0", "-o", tmp_path / "short.h5", "-q")
    two = ra.open_runs([tmp_path / "run_g0.5.h5", tmp_path / "short.h5"])
    assert two.sizes["t"] == 21 and np.isnan(two["x"].isel(run=1).sel(t=15.0).values).all()
    assert set(two.attrs["differing_keys"].split(", ")) == {"model.g", "simulate.t_end"}
