"""Reproductions in reduced size; their key numbers asserted.  Those that need a
subcommand the binary does not have are skipped, saying which."""

import matplotlib.image as mpimg
import numpy as np
import pytest

from conftest import has_sub, pyrun
from ratenet_analysis.reproduce import REPRODUCTIONS


def _need(exe, sub):
    if not has_sub(exe, sub):
        pytest.skip(f"`ratenet --help` does not list the `{sub}` subcommand yet")


def _png_ok(p):
    img = mpimg.imread(str(p))
    assert img.shape[0] > 500 and img.shape[1] > 800


def test_hahnloser2000_cli(ratenet, tmp_path):
    r = pyrun("reproduce", "hahnloser2000", "-o", tmp_path, "--ratenet", ratenet)
    assert r.returncode == 0, r.stderr
    vals = dict(line.split(": ", 1) for line in r.stdout.splitlines() if ": " in line and not line.startswith("wrote"))
    gain, pred = float(vals["winner_gain"]), float(vals["predicted_gain"])
    assert pred == pytest.approx(2.0)  # alpha = 1.5, beta = 1
    assert gain == pytest.approx(pred, rel=1e-5)
    assert float(vals["max_gain_relative_error_all_params"]) < 1e-3
    assert int(vals["winner_switches"]) == 2
    a, b = vals["winners_matching_theory"].split("/")
    assert a == b
    assert float(vals["max_loser_rate"]) < 1e-6
    _png_ok(tmp_path / "hahnloser2000" / "hahnloser2000.png")
    assert (tmp_path / "hahnloser2000" / "hahnloser2000.pdf").stat().st_size > 5000


def test_missing_subcommand_message(ratenet, tmp_path):
    for name, sub in (("hahnloser_seung2001", "permitted"), ("chaos", "chaos"), ("engelken2020", "lyapunov")):
        if has_sub(ratenet, sub):
            continue
        r = pyrun("reproduce", name, "-o", tmp_path, "--ratenet", ratenet)
        assert r.returncode == 3
        assert f"needs `ratenet {sub}`" in r.stderr and "Traceback" not in r.stderr


def test_hahnloser_seung2001(ratenet, tmp_path):
    _need(ratenet, "permitted")
    res = REPRODUCTIONS["hahnloser_seung2001"].run(outdir=str(tmp_path), ratenet=ratenet)
    k = res["key_numbers"]
    assert k["asymmetry_max_abs"] < 1e-12
    assert k["classification_matches_numpy"] is True
    assert k["simulation_agreement"] == 1.0
    # ring n = 10, j0 = -2, j1 = 6: maximal permitted sets are the 10 arcs of 4
    assert k["n_maximal"] == 10 and k["max_permitted_size"] == 4
    _png_ok(res["figures"][0])


def test_chaos(ratenet, tmp_path):
    _need(ratenet, "chaos")
    res = REPRODUCTIONS["chaos"].run(outdir=str(tmp_path), ratenet=ratenet)
    k = res["key_numbers"]
    assert k["g_c_meanfield"] == pytest.approx(1.0, abs=0.05)
    assert 0.8 < k["g_c"] < 1.5
    _png_ok(res["figures"][0])


def test_engelken2020(ratenet, tmp_path):
    _need(ratenet, "lyapunov")
    res = REPRODUCTIONS["engelken2020"].run(
        outdir=str(tmp_path), ratenet=ratenet, ns=[20, 40],
        sets=["lyapunov.t_sim=100", "lyapunov.t_warmup=20", "lyapunov.t_ons_warmup=10", "lyapunov.dt=0.05"])
    k = res["key_numbers"]
    assert all(lm > 0 for lm in k["lambda_max"])  # g = 4: chaotic
    d = np.array(k["D_KY_over_N"])
    assert np.all(d > 0.05) and np.all(d < 0.6)
    assert k["D_KY"][1] > k["D_KY"][0]
    _png_ok(res["figures"][0])
