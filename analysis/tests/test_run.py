"""ratenet_analysis.run against the real binary: dict and file configs, overrides,
the opened result, ratenet's messages as exceptions, and progress passed through."""

import tomllib

import numpy as np
import pytest

import ratenet_analysis as ra
from conftest import REPO

WTA = {
    "model": {"name": "hahnloser_wta", "n": 4, "alpha": 1.5, "beta": 1.0},
    "input": {"b": [0.2, 1.0, 0.3, 0.1]},
    "initial": {"x0": 0.1},
    "simulate": {"t_end": 60.0, "dt_out": 0.5},
}


def test_dict_config_runs_and_opens(ratenet, tmp_path):
    with ra.run(WTA, overrides={"simulate.t_end": 40.0}, output=str(tmp_path / "wta.h5"), ratenet=ratenet,
                progress=False) as f:
        assert f.kind == "simulate" and f.status == "completed"
        tr = f.trajectory()
        assert tr.t[-1] == pytest.approx(40.0)  # the override reached the run
        x = tr.x()
        # Winner-take-all: only the most driven neuron stays active, at b / (1 - alpha + beta).
        np.testing.assert_allclose(x[-1], [0.0, 1.0 / (1 - 1.5 + 1.0), 0.0, 0.0], atol=1e-6)
        assert f.config["model"]["alpha"] == 1.5
    assert tomllib.loads((tmp_path / "config.toml").read_text()) == WTA


def test_file_config_and_other_commands(ratenet, tmp_path):
    out = tmp_path / "fp.h5"
    with ra.run(REPO / "configs" / "ctln_3cycle.toml", command="fixed-points", output=str(out), ratenet=ratenet,
                progress=False) as f:
        assert f.kind == "fixed_points"
        assert len(f.fixed_points()) == 1  # the 3-cycle CTLN: one unstable fixed point of full support


def test_bad_input_raises_with_ratenets_message(ratenet, tmp_path):
    bad = {"model": {"name": "hahnloser_wta", "n": -3}}
    with pytest.raises(ra.RatenetRunError) as e:
        ra.run(bad, output=str(tmp_path / "bad.h5"), ratenet=ratenet, progress=False)
    assert e.value.exit_code == 2
    assert e.value.message.startswith(str(tmp_path / "config.toml") + ": model.n = -3"), e.value.message
    assert not (tmp_path / "bad.h5").exists() and not (tmp_path / "bad.h5.part").exists()
    with pytest.raises(ra.RatenetRunError) as e:
        ra.run(WTA, overrides={"simulate.methd": "rk4"}, output=str(tmp_path / "x.h5"), ratenet=ratenet, progress=False)
    assert e.value.exit_code == 2 and "did you mean" in e.value.message, e.value.message
    with pytest.raises(ValueError):
        ra.run(WTA, command="simulat", ratenet=ratenet)


def test_runtime_failure_raises_exit_1(ratenet, tmp_path):
    # Self-excitation 1.5 without inhibition: the winner's rate grows without bound.
    grow = {"model": {"name": "hahnloser_wta", "n": 2, "alpha": 1.5, "beta": 0.0},
            "input": {"b": [1.0, 0.5]}, "simulate": {"t_end": 200.0, "bound": 1e3}}
    with pytest.raises(ra.RatenetRunError) as e:
        ra.run(grow, output=str(tmp_path / "grow.h5"), ratenet=ratenet, progress=False)
    assert e.value.exit_code == 1
    assert "diverged" in e.value.stderr or "bound" in e.value.stderr, e.value.stderr


def test_progress_is_passed_through(ratenet, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RATENET_PROGRESS_SECONDS", "0.05")
    cfg = {"model": {"name": "random_gaussian", "n": 100, "g": 2.0}, "network": {"form": "current"},
           "transfer": {"name": "tanh"}, "initial": {"random_std": 1.0},
           "simulate": {"t_end": 3000.0, "dt_out": 1.0}}
    with ra.run(cfg, output=str(tmp_path / "r.h5"), ratenet=ratenet) as f:
        assert f.status == "completed"
    assert "ratenet: simulate " in capsys.readouterr().err


def test_to_toml_round_trips():
    cfg = {"model": {"name": 'quote " and \\ backslash', "n": 3, "edges": [[0, 1], [1, 2]]},
           "input": {"b": [0.5, 1.0, 2.0], "schedule": [{"t_start": 0.0, "t_end": 1.0, "b": [1.0, 0.0, 0.0]},
                                                      {"t_start": 2.0, "t_end": 3.0, "b": [0.0, 1.0, 0.0]}]},
           "sweep": {"analysis": "simulate", "params": {"model.g": {"linspace": [0.5, 2.0, 4]}, "input.b": [0.0, 1.0]}},
           "permitted": {"verify": True}}
    assert tomllib.loads(ra.to_toml(cfg)) == cfg
    with pytest.raises(ValueError):
        ra.to_toml({"model": {"g": float("nan")}})
