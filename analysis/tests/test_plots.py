"""The plot/report/summary commands on real files; images read back."""

import matplotlib.image as mpimg
import pytest

from conftest import pyrun
from ratenet_analysis import plots

EXPECTED = (round(plots.FIGSIZE[1] * plots.DPI), round(plots.FIGSIZE[0] * plots.DPI))  # rows, cols


def _check_png(path, shape=EXPECTED):
    assert path.exists() and path.stat().st_size > 10_000
    img = mpimg.imread(str(path))
    assert img.shape[:2] == shape
    assert img[..., :3].std() > 0.05  # not blank


@pytest.mark.parametrize("which", ["wta", "random"])
def test_plot_png(demo, tmp_path, which):
    out = tmp_path / f"{which}.png"
    r = pyrun("plot", demo[which], "-o", out)
    assert r.returncode == 0, r.stderr
    _check_png(out)


def test_plot_pdf_and_schedule(scheduled, tmp_path):
    out = tmp_path / "sched.pdf"
    r = pyrun("plot", scheduled, "-o", out)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:4] == b"%PDF" and out.stat().st_size > 5000


def test_plot_partial(interrupted, tmp_path):
    out = tmp_path / "part.png"
    r = pyrun("plot", interrupted, "-o", out)
    assert r.returncode == 0, r.stderr
    _check_png(out)


def test_report_and_summary(sparse_f32, tmp_path):
    r = pyrun("report", sparse_f32, "-o", tmp_path / "rep", "--formats", "png,pdf")
    assert r.returncode == 0, r.stderr
    _check_png(tmp_path / "rep" / "csr_trajectory.png")
    assert (tmp_path / "rep" / "csr_trajectory.pdf").stat().st_size > 5000
    assert "kind simulate" in (tmp_path / "rep" / "csr_summary.txt").read_text()
    r = pyrun("summary", sparse_f32)
    assert r.returncode == 0, r.stderr
    assert "W csr" in r.stdout and "4 neurons" in r.stdout and "float32" in r.stdout


def test_unknown_extension(demo, tmp_path):
    r = pyrun("plot", demo["wta"], "-o", tmp_path / "x.xyz")
    assert r.returncode == 2 and "unknown figure type" in r.stderr


def test_report_each_figure_once_per_format(demo, tmp_path):
    """`report` writes every figure of figures_for exactly once per format (no duplicates)."""
    r = pyrun("report", demo["random"], "-o", tmp_path / "rep", "--formats", "png,pdf,png")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == len(set(lines))
    pngs = sorted(p.name for p in (tmp_path / "rep").glob("*.png"))
    assert pngs == ["random_tanh_network.png", "random_tanh_trajectory.png"]
    assert len(list((tmp_path / "rep").glob("*.pdf"))) == 2


def test_plot_named_figure(demo, tmp_path):
    out = tmp_path / "net.png"
    r = pyrun("plot", demo["wta"], "--figure", "network", "-o", out)
    assert r.returncode == 0, r.stderr
    _check_png(out)
