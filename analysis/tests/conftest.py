"""Fixtures: every file is written by the real ratenet binary during the run.

The binary is $RATENET (an error when it does not exist), else ./build/ratenet
(relative to the working directory, then to the repository root); the tests are
skipped only when neither is there.  No ratenet file is faked except the
deliberately foreign and truncated ones in test_errors.py (and a stand-in binary
that lacks subcommands, for the error message of test_reproduce.py).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ANALYSIS = HERE.parent
REPO = ANALYSIS.parent
# The installed package when there is one (CI tests the copy pip installed);
# else the source tree.
try:
    import ratenet_analysis  # noqa: F401

    FROM_SOURCE = False
except ImportError:
    sys.path.insert(0, str(ANALYSIS))
    FROM_SOURCE = True

import ratenet_analysis  # noqa: E402
from ratenet_analysis import binary  # noqa: E402


def pytest_report_header(config):
    return f"ratenet_analysis {ratenet_analysis.__version__} from {Path(ratenet_analysis.__file__).parent}"


def _find_binary():
    env = os.environ.get("RATENET")
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            pytest.fail(f"RATENET={env} is not an executable file", pytrace=False)
        return os.path.abspath(env)
    for c in (Path.cwd() / "build" / "ratenet", REPO / "build" / "ratenet"):
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return None


@pytest.fixture(scope="session")
def ratenet():
    exe = _find_binary()
    if exe is None:
        pytest.skip("no ratenet binary: set RATENET=/path/to/ratenet or build ./build/ratenet")
    return exe


def has_sub(exe, name):
    return binary.has_subcommand(exe, name)


def run_ok(exe, *args, cwd=None):
    env = binary.child_env(1)  # one OpenMP thread: see binary.child_env
    p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env)
    assert p.returncode == 0, f"ratenet {' '.join(map(str, args))} failed ({p.returncode}):\n{p.stderr}"
    return p


@pytest.fixture(scope="session")
def demo(ratenet, tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    run_ok(ratenet, "demo", "-o", d)
    return {"dir": d, "wta": d / "wta.h5", "random": d / "random_tanh.h5"}


@pytest.fixture(scope="session")
def scheduled(ratenet, tmp_path_factory):
    """The hahnloser2000 reproduction config: a WTA with an [[input.schedule]]."""
    d = tmp_path_factory.mktemp("sched")
    out = d / "sched.h5"
    run_ok(ratenet, "simulate", REPO / "configs" / "reproduce_hahnloser2000.toml", "-o", out, "-q")
    return out


@pytest.fixture(scope="session")
def sparse_f32(ratenet, tmp_path_factory):
    """CSR network, float32 state, gzip, a subset of neurons recorded, t_start != 0."""
    d = tmp_path_factory.mktemp("csr")
    cfg = d / "csr.toml"
    cfg.write_text(
        '[model]\nname = "random_gaussian"\nn = 60\ng = 1.5\nk = 12\n'
        '[network]\nform = "current"\n[transfer]\nname = "tanh"\n[initial]\nrandom_std = 1.0\n'
        '[simulate]\nmethod = "rk4"\ndt = 0.01\nt_start = 2.5\nt_end = 12.5\ndt_out = 0.25\n'
        "record = [0, 5, 7, 59]\nfloat32 = true\ngzip = 4\n"
    )
    out = d / "csr.h5"
    run_ok(ratenet, "simulate", cfg, "-o", out, "-q")
    return out


@pytest.fixture(scope="session")
def interrupted(ratenet, tmp_path_factory):
    """A real .part file: a long run stopped with SIGINT after a few flushes."""
    d = tmp_path_factory.mktemp("part")
    cfg = d / "long.toml"
    cfg.write_text(
        '[model]\nname = "random_gaussian"\nn = 100\ng = 2.0\n'
        '[network]\nform = "current"\n[transfer]\nname = "tanh"\n[initial]\nrandom_std = 1.0\n'
        '[simulate]\nmethod = "rk4"\ndt = 0.01\nt_end = 1e5\ndt_out = 0.1\nflush_seconds = 0.2\n'
    )
    out = d / "long.h5"
    p = subprocess.Popen([ratenet, "simulate", str(cfg), "-o", str(out), "-q"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    part = Path(str(out) + ".part")
    t0 = time.time()
    while time.time() - t0 < 20 and not part.exists():
        time.sleep(0.05)
    time.sleep(1.2)
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        pytest.fail("ratenet did not stop on SIGINT")
    assert part.exists(), f"the interrupted run left no .part file; ratenet said: {err.decode()!r}"
    return part


@pytest.fixture(scope="session")
def killed(ratenet, tmp_path_factory):
    """A .part file of a run killed with SIGKILL (status stays 'running')."""
    d = tmp_path_factory.mktemp("kill")
    cfg = d / "long.toml"
    cfg.write_text(
        '[model]\nname = "random_gaussian"\nn = 50\ng = 2.0\n'
        '[network]\nform = "current"\n[transfer]\nname = "tanh"\n[initial]\nrandom_std = 1.0\n'
        '[simulate]\nmethod = "rk4"\ndt = 0.01\nt_end = 1e5\ndt_out = 0.1\nflush_seconds = 0.2\n'
    )
    out = d / "long.h5"
    p = subprocess.Popen([ratenet, "simulate", str(cfg), "-o", str(out), "-q"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    part = Path(str(out) + ".part")
    t0 = time.time()
    while time.time() - t0 < 20 and not part.exists():
        time.sleep(0.05)
    time.sleep(1.0)
    p.kill()
    p.communicate()
    return part


def pyrun(*args, cwd=None, env_extra=None):
    """python3 -m ratenet_analysis ARGS (the system interpreter running these tests)."""
    env = dict(os.environ)
    if FROM_SOURCE:
        env["PYTHONPATH"] = str(ANALYSIS) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "ratenet_analysis", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env)
