"""Foreign, truncated, newer-version and wrong-kind files give a clear RatenetFormatError."""

import shutil

import h5py
import numpy as np
import pytest

import ratenet_analysis as ra
from conftest import pyrun


def _cut(src, dst, nbytes):
    data = src.read_bytes()
    dst.write_bytes(data[:nbytes])
    return dst


@pytest.mark.parametrize("fraction", [0.5, 0.02])
def test_truncated_file(demo, tmp_path, fraction):
    size = demo["random"].stat().st_size
    bad = _cut(demo["random"], tmp_path / "cut.h5", int(size * fraction))
    with pytest.raises(ra.RatenetFormatError, match="truncated or corrupt"):
        with ra.open_file(bad) as f:
            f.trajectory().x()
    r = pyrun("summary", bad)
    assert r.returncode == 2
    assert "truncated or corrupt" in r.stderr and "Traceback" not in r.stderr


def test_tiny_and_text_files(tmp_path):
    p = tmp_path / "empty.h5"
    p.write_bytes(b"")
    with pytest.raises(ra.RatenetFormatError, match="not an HDF5 file"):
        ra.open_file(p)
    p = tmp_path / "notes.h5"
    p.write_text("hello, I am not HDF5\n" * 100)
    with pytest.raises(ra.RatenetFormatError, match="not an HDF5 file"):
        ra.open_file(p)


def test_foreign_hdf5(tmp_path):
    p = tmp_path / "foreign.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("data", data=np.arange(10.0))
        f.attrs["format"] = "somebody-else"
    with pytest.raises(ra.RatenetFormatError, match="not a ratenet file"):
        ra.open_file(p)
    r = pyrun("plot", p, "-o", tmp_path / "x.png")
    assert r.returncode == 2 and "not a ratenet file" in r.stderr
    assert not (tmp_path / "x.png").exists()


def test_newer_version_refused(demo, tmp_path):
    p = tmp_path / "v3.h5"
    shutil.copy(demo["wta"], p)
    with h5py.File(p, "r+") as f:
        f.attrs["format_version"] = np.int64(ra.SUPPORTED_FORMAT_VERSION + 1)
    with pytest.raises(ra.RatenetFormatError, match=f"format_version {ra.SUPPORTED_FORMAT_VERSION + 1} is newer"):
        ra.open_file(p)


def test_missing_group(demo):
    with ra.open_file(demo["wta"]) as f:
        for reader in (f.permitted, f.fixed_points, f.lyapunov, f.sweep, f.chaos):
            with pytest.raises(ra.RatenetFormatError, match="no /"):
                reader()


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        ra.open_file(tmp_path / "nope.h5")
    r = pyrun("summary", tmp_path / "nope.h5")
    assert r.returncode == 2 and "no such file" in r.stderr
