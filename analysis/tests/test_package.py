"""The package as a user installs it: offline into a venv (regular and editable),
one version, and an import that changes nothing global."""

import os
import subprocess
import sys

from conftest import REPO

PY = "/usr/bin/python3"  # Debian's interpreter: the one that sees python3-h5py and friends


def _venv(tmp_path):
    v = tmp_path / "v"
    subprocess.run([PY, "-m", "venv", "--system-site-packages", str(v)], check=True)
    return v


def _pip_install(v, *args):
    r = subprocess.run([str(v / "bin" / "pip"), "install", "-q", "--no-index", "--no-build-isolation", *args],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def _where(v, cwd):
    """(file, version) of the ratenet_analysis the venv imports, from a directory outside the source tree."""
    r = subprocess.run([str(v / "bin" / "python"), "-c",
                        "import ratenet_analysis as ra; print(ra.__file__); print(ra.__version__)"],
                       capture_output=True, text=True, cwd=cwd, env={k: x for k, x in os.environ.items() if k != "PYTHONPATH"})
    assert r.returncode == 0, r.stderr
    return r.stdout.split("\n")[:2]


def test_installs_offline_into_a_venv(tmp_path):
    v = _venv(tmp_path)
    _pip_install(v, str(REPO / "analysis"))
    path, version = _where(v, tmp_path)
    assert path.startswith(str(v)), path  # the installed copy, not the source tree
    # The console script and the module entry point answer with the same version.
    r = subprocess.run([str(v / "bin" / "ratenet-analysis"), "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"ratenet_analysis {version}", r.stdout + r.stderr


def test_editable_install_imports_the_source_tree(tmp_path):
    v = _venv(tmp_path)
    _pip_install(v, "-e", str(REPO / "analysis"))
    path, _ = _where(v, tmp_path)
    assert path == str(REPO / "analysis" / "ratenet_analysis" / "__init__.py"), path


def test_version_is_the_builds(ratenet):
    """One version: the package's equals the ratenet binary's (CMakeLists.txt)."""
    import ratenet_analysis as ra

    out = subprocess.run([ratenet, "--version"], capture_output=True, text=True, check=True).stdout
    assert out.split()[:2] == ["ratenet", ra.__version__], out


def test_import_changes_nothing_global():
    """No matplotlib backend, no rcParams, no environment variable, no pyplot."""
    code = r"""
import os, sys
import matplotlib
env = dict(os.environ)
rc = dict.copy(matplotlib.rcParams)  # dict.copy: reading 'backend' through rcParams would resolve it
import ratenet_analysis, ratenet_analysis.reader, ratenet_analysis.plots, ratenet_analysis.cli
import ratenet_analysis.reproduce
assert dict(os.environ) == env, set(os.environ.items()) ^ set(env.items())
changed = {k for k in rc if dict.__getitem__(matplotlib.rcParams, k) != rc[k]}
assert not changed, changed
assert "matplotlib.pyplot" not in sys.modules
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr


def test_figures_leave_the_style_as_they_found_it(tmp_path, demo):
    """The house style applies inside the plotting functions only."""
    import matplotlib

    import ratenet_analysis as ra
    from ratenet_analysis import plots

    before = dict.copy(matplotlib.rcParams)
    with ra.open_file(demo["wta"]) as f:
        _, fig = plots.main_figure(f)
    plots.save(fig, str(tmp_path / "fig.png"))
    assert fig.axes[0].title.get_fontsize() == plots.STYLE["axes.titlesize"]
    assert {k for k in before if dict.__getitem__(matplotlib.rcParams, k) != before[k]} == set()
