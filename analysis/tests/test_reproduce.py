"""Reproductions in reduced size; their key numbers asserted."""

import os
import stat

import matplotlib.image as mpimg
import numpy as np
import pytest

import ratenet_analysis as ra
from conftest import pyrun
from ratenet_analysis import plots
from ratenet_analysis.reproduce import REPRODUCTIONS


def _png_ok(p, figsize):
    img = mpimg.imread(str(p))
    assert img.shape[:2] == (round(figsize[1] * plots.DPI), round(figsize[0] * plots.DPI))
    assert img[..., :3].std() > 0.05
    pdf = os.path.splitext(str(p))[0] + ".pdf"
    assert open(pdf, "rb").read(4) == b"%PDF"


def test_hahnloser2000_cli(ratenet, tmp_path):
    r = pyrun("reproduce", "hahnloser2000", "-o", tmp_path, "--ratenet", ratenet)
    assert r.returncode == 0, r.stderr
    vals = dict(line.split(": ", 1) for line in r.stdout.splitlines() if ": " in line and not line.startswith("wrote"))
    alpha, beta = float(vals["alpha"]), float(vals["beta"])
    gain, pred = float(vals["winner_gain"]), float(vals["predicted_gain"])
    assert pred == pytest.approx(1 / (1 - alpha + beta), rel=1e-12) == pytest.approx(2.0)
    assert gain == pytest.approx(pred, rel=1e-5)
    assert float(vals["max_gain_relative_error_all_params"]) < 1e-3  # the other (alpha, beta) pairs
    assert int(vals["winner_switches"]) == 2
    a, b = vals["winners_matching_theory"].split("/")
    assert a == b
    assert float(vals["max_loser_rate"]) < 1e-6
    _png_ok(tmp_path / "hahnloser2000" / "hahnloser2000.png", REPRODUCTIONS["hahnloser2000"].FIGSIZE)


def test_missing_subcommand_message(tmp_path):
    """A binary without the subcommand: exit 3 and a message naming it (a stand-in script, not ratenet)."""
    fake = tmp_path / "old-ratenet"
    fake.write_text("#!/bin/sh\necho 'Usage: ratenet [OPTIONS] SUBCOMMAND'\necho\necho 'Subcommands:'\n"
                    "echo '  simulate                    Integrate a network'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    for name, sub in (("hahnloser_seung2001", "permitted"), ("chaos", "chaos"), ("engelken2020", "lyapunov"),
                      ("rajan2010", "lyapunov"), ("engelken2020_input", "lyapunov")):
        r = pyrun("reproduce", name, "-o", tmp_path / "out", "--ratenet", fake)
        assert r.returncode == 3, r.stderr
        assert f"needs `ratenet {sub}`" in r.stderr and "Traceback" not in r.stderr


def test_hahnloser_seung2001(ratenet, tmp_path):
    mod = REPRODUCTIONS["hahnloser_seung2001"]
    res = mod.run(outdir=str(tmp_path), ratenet=ratenet)
    k = res["key_numbers"]
    assert k["asymmetry_max_abs"] < 1e-12 and k["criterion"] == "positive_definite"
    # the count equals numpy's eigvalsh over all 2^N subsets of the W in the file, size by size
    assert k["n_permitted"] == k["n_permitted_numpy"] == 80
    assert k["counts_by_size"] == k["counts_by_size_numpy"] == [1, 10, 30, 30, 10, 0, 0, 0, 0, 0, 0]
    assert k["classification_matches_numpy"] is True
    assert k["down_closed_numpy"] and k["down_closed_file"] and k["n_borderline"] == 0
    # ratenet permitted --verify: every simulated set behaved as predicted
    assert k["verified_sets"] >= 20 and k["verified_disagree"] == 0 and k["verification_all_agree"] is True
    assert k["verified_agree"] == k["verified_sets"]
    # and so did our own simulations of every maximal permitted and minimal forbidden set
    assert k["simulations"] == k["n_maximal"] + k["n_minimal_forbidden"]
    assert k["simulation_agreement"] == 1.0
    # ring n = 10, j0 = -2, j1 = 6: the maximal permitted sets are the 10 arcs of 4
    assert k["n_maximal"] == 10 and k["max_permitted_size"] == 4 and k["maximal_are_contiguous_arcs"]
    with ra.open_file(res["files"][0]) as f:
        assert f.permitted().verification.all_agree
    _png_ok(res["figures"][0], mod.FIGSIZE)


def test_hahnloser_seung2001_numpy_count():
    """The independent brute force itself, on matrices with a known answer."""
    from ratenet_analysis.reproduce.hahnloser_seung2001 import down_closed, numpy_permitted

    n = 6
    for alpha, expect in ((1.5, n), (0.5, 2**n - 1)):
        ok = numpy_permitted(alpha * np.eye(n) - np.ones((n, n)))
        assert ok[0] and ok.sum() - 1 == expect and down_closed(ok, n)


def test_chaos(ratenet, tmp_path):
    """The config's own (reduced) size: N = 500, g in 0.7 .. 2.0, 2 seeds (about 10 s of CPU,
    in two shards side by side).  Mean field: g_c = 1; the finite-size crossing is about 1.2."""
    mod = REPRODUCTIONS["chaos"]
    res = mod.run(outdir=str(tmp_path), ratenet=ratenet)
    k = res["key_numbers"]
    assert k["N"] == 500 and k["seeds"] == 2
    assert k["g_c_meanfield"] == pytest.approx(1.0, abs=1e-6)
    assert 0.8 <= k["g_c"] <= 1.5
    assert k["nan_means"] == 0 and k["divergent_points"] == 0
    lam = dict(zip(k["g"], k["lambda_mean"]))
    assert lam[0.7] < -0.2 and lam[2.0] > 0.02  # ordered below, chaotic above
    # below g = 1 the exponent is that of h = 0, lambda_max = g - 1 (mean field), up to finite N and T
    assert k["max_abs_dev_from_meanfield_below_1"] < 0.05
    _png_ok(res["figures"][0], mod.FIGSIZE)


def test_engelken2020(ratenet, tmp_path):
    """Full spectra for N = 100 (3 networks) and N = 200 (2 networks), g = 4.

    Tolerances: the seed-averaged spectra against i/N must agree within 0.15 on i/N in
    [0.05, 0.95].  That is about 6 % of the spectrum's width (lambda_1 - lambda_N = 2.6)
    and 3 times the network-to-network standard deviation at fixed i/N (measured about 0.05
    at N = 200); the statistical error of single exponents is 0.02-0.04 (the files'
    `errors`).  Against i instead of i/N the two spectra differ by about 0.9: the test
    tells extensive from non-extensive.  D_KY: single chaotic N = 100 networks spread by
    about 15 % (D_KY 5.6 .. 7.6), so the ratio of the means has a relative s.e. of about
    12 %; we allow 30 % (2.5 s.e.) around N_200/N_100 = 2 (measured 2.4: D_KY/N still
    rises from 0.064 at N = 100 to 0.077 at N = 200, a finite-size effect).
    """
    mod = REPRODUCTIONS["engelken2020"]
    res = mod.run(outdir=str(tmp_path), ratenet=ratenet)
    k = res["key_numbers"]
    assert k["N"] == [100, 200] and k["g"] == 4.0
    assert all(lm > 0.1 for lm in k["lambda_max_all"])  # every network is chaotic
    assert k["max_rel_sum_error"] < 1e-5  # full spectra: sum = -N (RK4, dt = 0.1)
    assert k["mean_exponent"] == pytest.approx([-1.0, -1.0], abs=1e-5)
    assert k["collapse_max_dev"] < 0.15
    assert k["collapse_rms_dev"] < 0.05
    assert k["no_collapse_max_dev"] > 4 * k["collapse_max_dev"]
    assert k["N_ratio"] == 2.0
    assert k["D_KY_ratio"] == pytest.approx(k["N_ratio"], rel=0.3)
    d = np.array(k["D_KY_over_N"])
    assert np.all((d > 0.03) & (d < 0.15))
    _png_ok(res["figures"][0], mod.FIGSIZE)


def test_rajan2010(ratenet, tmp_path):
    """lambda_max against the amplitude A of a sinusoidal input, N = 200, g = 2.5, 3 networks.

    Reduced to 4 amplitudes (0, 1, 2, 3.5) at f = 0.03 and 0.3 (a subset of the default runs,
    which give the same numbers point by point).  Measured: lambda_max(A = 0) = 0.095 .. 0.137
    per network (block s.e. 0.010-0.013, s.e. of the mean over networks 0.013); at A = 3.5,
    f = 0.03: -0.19 .. -0.33; the mean crosses zero at A_c = 1.5 (f = 0.03; the default's 10
    amplitudes give 1.61, single networks 1.17 .. 1.64) and 2.7 (f = 0.3; default 3.04).
    The test requires chaos without input by 3 s.e., every network stable at A = 3.5, a
    crossing inside the range, and a higher A_c at the high frequency by more than the
    network-to-network spread of A_c (0.27).
    """
    mod = REPRODUCTIONS["rajan2010"]
    res = mod.run(outdir=str(tmp_path), ratenet=ratenet, amplitudes=[0.0, 1.0, 2.0, 3.5], freqs=[0.03, 0.3])
    k = res["key_numbers"]
    assert k["N"] == 200 and k["g"] == 2.5 and k["amplitudes"][0] == 0.0 and k["seeds"] == [1, 2, 3]
    assert k["lambda_max_A0"] > 3 * k["lambda_max_A0_sem"] > 0
    # every network is chaotic without input, by more than three times its own error
    assert all(lm > 3 * e for lm, e in zip(k["lambda_max_A0_all"], k["lambda_max_A0_err_all"]))
    assert k["lambda_max_Amax"] < -3 * k["lambda_max_Amax_sem"] < 0
    assert all(lm < 0 for lm in k["lambda_max_Amax_all"])
    assert 0.0 < k["A_c"] < k["A_max"] == 3.5
    assert all(0.0 < a < 3.5 for a in k["A_c_networks"])
    a_lo, a_hi = k["A_c_by_frequency"]
    assert a_lo == k["A_c"] and np.isfinite(a_hi)
    assert a_hi > a_lo + 0.5
    assert len(res["files"]) == 4 * 2 * 3 and all(os.path.exists(p) for p in res["files"])
    _png_ok(res["figures"][0], mod.FIGSIZE)


def test_engelken2020_input(ratenet, tmp_path):
    """Full spectra of an N = 100, g = 4 network driven by frozen OU noise (tau_c = 1), 3 networks.

    The default size (2 input realisations per sigma > 0) with one white-noise strength.
    Measured: H = 0.297 +- 0.028 and D_KY = 6.42 +- 0.58 at sigma = 0 (lambda_max
    0.19-0.21 per network, block s.e. 0.02-0.03), D_KY = 3.70 +- 0.28 at sigma = 2,
    H = D_KY = 0 at sigma = 4 (lambda_max -0.07 .. -0.13 for all 6 runs); the mean
    lambda_max crosses zero at sigma_c = 3.07; white noise of the same low-frequency power
    suppresses chaos already at sigma = 2.  The test requires chaos at sigma = 0 in every
    network, H and D_KY at sigma = 4 below those at sigma = 0 by more than 3 combined
    s.e., a nearly monotonic fall (Spearman <= -0.9; measured -1.00 for both; with one
    realisation only, H gives -0.94: H at sigma = 1 is 0.302, level with 0.297 at
    sigma = 0), every run stable at sigma = 4 and H of the white input below that of the
    OU input at sigma = 2.
    """
    mod = REPRODUCTIONS["engelken2020_input"]
    res = mod.run(outdir=str(tmp_path), ratenet=ratenet, white_sigmas=[2.0])
    k = res["key_numbers"]
    assert k["N"] == 100 and k["g"] == 4.0 and k["networks"] == [1, 2, 3]
    assert k["sigmas"][0] == 0.0 and k["sigma_max"] == 4.0
    assert all(lm > 0.1 for lm in k["lambda_max_0_networks"])  # every network is chaotic without input
    assert k["H_0"] - k["H_max"] > 3 * np.hypot(k["H_0_sem"], k["H_max_sem"]) > 0
    assert k["D_KY_0"] - k["D_KY_max"] > 3 * np.hypot(k["D_KY_0_sem"], k["D_KY_max_sem"]) > 0
    assert k["spearman_H"] <= -0.9 and k["spearman_D_KY"] <= -0.9
    assert k["lambda_max_max"] < 0 and k["sigma_suppressed_all"] is not None
    assert 1.0 < k["D_KY_half_sigma"] < 3.5 and 1.0 < k["sigma_c"] <= 4.0
    assert k["max_rel_sum_error"] < 1e-5  # full spectra: sum = -N (the Jacobian's trace)
    i2 = k["sigmas"].index(2.0)
    assert k["white_sigmas"] == [2.0] and k["white_H"][0] < k["H"][i2] - 3 * k["H_sem"][i2]
    assert len(res["files"]) == 3 + 5 * 3 * 2 + 3 and all(os.path.exists(p) for p in res["files"])
    _png_ok(res["figures"][0], mod.FIGSIZE)
