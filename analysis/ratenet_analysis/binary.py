"""Finding and running the ratenet binary."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from typing import List, Optional, Sequence

from .errors import RatenetBinaryError


def find_ratenet(explicit: Optional[str] = None) -> str:
    """Find the ratenet binary.

    Parameters
    ----------
    explicit : str, optional
        A path given by the caller (``--ratenet``); it must exist.

    Returns
    -------
    str
        The absolute path of ``explicit``, else ``$RATENET``, else
        ``./build/ratenet`` (relative to the working directory), else
        ``ratenet`` on PATH.

    Raises
    ------
    RatenetBinaryError
        ``explicit`` or ``$RATENET`` is not an executable file, or none is found.
    """
    cands = []
    if explicit:
        cands.append(("--ratenet", explicit))
    if os.environ.get("RATENET"):
        cands.append(("$RATENET", os.environ["RATENET"]))
    cands.append(("./build/ratenet", os.path.join(os.getcwd(), "build", "ratenet")))
    for origin, c in cands:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
        if origin != "./build/ratenet":
            raise RatenetBinaryError(f"ratenet binary not found at {c} (from {origin})")
    w = shutil.which("ratenet")
    if w:
        return w
    raise RatenetBinaryError(
        "ratenet binary not found: pass --ratenet PATH, set RATENET, or build it into ./build/ratenet"
    )


@lru_cache(maxsize=None)
def subcommands(binary: str) -> tuple:
    """List the subcommands a ratenet binary has (from ``ratenet --help``).

    Parameters
    ----------
    binary : str
        The ratenet binary.

    Returns
    -------
    tuple of str
        The subcommand names (cached per binary).

    Raises
    ------
    RatenetBinaryError
        The binary cannot be run.
    """
    try:
        out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30).stdout
    except OSError as e:
        raise RatenetBinaryError(f"cannot run {binary}: {e}") from e
    subs, on = [], False
    for line in out.splitlines():
        if line.strip().lower().startswith("subcommands"):
            on = True
            continue
        if on and line.startswith("  ") and line.strip():
            subs.append(line.split()[0])
    return tuple(subs)


def has_subcommand(binary: str, name: str) -> bool:
    """Tell whether a ratenet binary has a subcommand.

    Parameters
    ----------
    binary : str
        The ratenet binary.
    name : str
        The subcommand (``"chaos"``, ...).

    Returns
    -------
    bool
        True if ``ratenet --help`` lists it.
    """
    return name in subcommands(binary)


def require_subcommand(binary: str, name: str, what: str) -> None:
    """Fail with a clear message when a ratenet binary lacks a subcommand.

    Parameters
    ----------
    binary : str
        The ratenet binary.
    name : str
        The subcommand needed.
    what : str
        What needs it, for the message (``"reproduce chaos"``).

    Raises
    ------
    RatenetBinaryError
        The binary does not have ``name``.
    """
    if not has_subcommand(binary, name):
        raise RatenetBinaryError(
            f"{what} needs `ratenet {name}`, which this binary ({binary}) does not have yet "
            f"(its subcommands: {', '.join(subcommands(binary))}). Rebuild ratenet once `{name}` is implemented."
        )


def child_env(threads: Optional[int] = None) -> dict:
    """Return the environment for a ratenet child process.

    ratenet's Lyapunov engine lets Eigen/OpenMP use every core for N x k products
    with N^2 k >= 8e6 (N >= 200 for a full spectrum).  On a busy machine, and
    whenever several ratenet processes run side by side (shards, several N), that
    fork/join is much slower than one thread (measured: N = 200 full spectrum 20-60 s
    instead of 1.2 s on a loaded 2-core machine).  With ``threads`` given,
    OMP_NUM_THREADS is set to it unless the user has set OMP_NUM_THREADS.

    Parameters
    ----------
    threads : int, optional
        OpenMP threads for the child (None: inherit).

    Returns
    -------
    dict
        A copy of ``os.environ``, adjusted.
    """
    env = dict(os.environ)
    if threads is not None and "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = str(int(threads))
    return env


def run(binary: str, args: Sequence[str], quiet: bool = True, timeout: Optional[float] = None,
        threads: Optional[int] = 1, check: bool = True) -> subprocess.CompletedProcess:
    """Run ratenet and wait for it.

    Parameters
    ----------
    binary : str
        The ratenet binary.
    args : sequence
        Its arguments (converted with ``str``).
    quiet : bool, default True
        When False, print its stdout.
    timeout : float, optional
        Seconds before it is killed.
    threads : int or None, default 1
        OMP_NUM_THREADS for the child (see :func:`child_env`).
    check : bool, default True
        Raise when it exits with an error.

    Returns
    -------
    subprocess.CompletedProcess
        With its stdout and stderr as text.

    Raises
    ------
    RatenetBinaryError
        It timed out, or (``check``) exited non-zero; the message holds its stderr.
    """
    cmd: List[str] = [binary, *map(str, args)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=child_env(threads))
    except subprocess.TimeoutExpired as e:
        raise RatenetBinaryError(f"timed out after {timeout} s: {' '.join(cmd)}") from e
    if check and p.returncode != 0:
        raise RatenetBinaryError(
            f"ratenet failed (exit {p.returncode}): {' '.join(cmd)}\n{p.stderr.strip() or p.stdout.strip()}"
        )
    if not quiet and p.stdout.strip():
        print(p.stdout.strip())
    return p


def analysis_args(sub: str, config: str, output: str, sets: Sequence[str] = (), extra: Sequence[str] = ()) -> List[str]:
    """Build the arguments ``SUB CONFIG -o OUTPUT --force -q [EXTRA...] [--set k=v]...``.

    Parameters
    ----------
    sub : str
        The subcommand.
    config : str
        The config file.
    output : str
        The output file.
    sets : sequence of str, optional
        ``KEY=VALUE`` overrides.
    extra : sequence of str, optional
        Further flags (``--verify``, ``--shard 0/2``).

    Returns
    -------
    list of str
        The arguments, without the binary.
    """
    args: List[str] = [sub, str(config), "-o", str(output), "--force", "-q", *map(str, extra)]
    for s in sets:
        args += ["--set", str(s)]
    return args


def run_analysis(binary: str, sub: str, config: str, output: str, sets: Sequence[str] = (), timeout: Optional[float] = None,
                 extra: Sequence[str] = (), threads: Optional[int] = 1, check: bool = True):
    """Run ``ratenet SUB CONFIG -o OUTPUT --force -q [EXTRA...] [--set k=v]...``.

    Parameters
    ----------
    binary : str
        The ratenet binary.
    sub : str
        The subcommand.
    config : str
        The config file.
    output : str
        The output file.
    sets : sequence of str, optional
        ``KEY=VALUE`` overrides.
    timeout : float, optional
        Seconds before it is killed.
    extra : sequence of str, optional
        Further flags (``--verify``, ``--shard 0/2``).
    threads : int or None, default 1
        OMP_NUM_THREADS for the child.
    check : bool, default True
        Raise when it exits with an error.

    Returns
    -------
    subprocess.CompletedProcess
        As returned by :func:`run`.

    Raises
    ------
    RatenetBinaryError
        As for :func:`run`.
    """
    return run(binary, analysis_args(sub, config, output, sets, extra), timeout=timeout, threads=threads, check=check)


def default_jobs() -> int:
    """Return how many ratenet processes the reproductions run side by side.

    Returns
    -------
    int
        ``$RATENET_JOBS``, else min(2, cores).

    Raises
    ------
    RatenetBinaryError
        ``$RATENET_JOBS`` is not an integer.
    """
    v = os.environ.get("RATENET_JOBS")
    if v:
        try:
            return max(1, int(v))
        except ValueError:
            raise RatenetBinaryError(f"RATENET_JOBS={v!r} is not an integer") from None
    return max(1, min(2, os.cpu_count() or 1))


def run_many(binary: str, arg_lists: Sequence[Sequence[str]], jobs: Optional[int] = None,
             timeout: Optional[float] = None) -> List[subprocess.CompletedProcess]:
    """Run several ratenet commands, ``jobs`` at a time, each with one OpenMP thread.

    Parameters
    ----------
    binary : str
        The ratenet binary.
    arg_lists : sequence of sequence of str
        The arguments of each command.
    jobs : int, optional
        Processes at a time (default :func:`default_jobs`).
    timeout : float, optional
        Seconds each command may take.

    Returns
    -------
    list of subprocess.CompletedProcess
        In the order of ``arg_lists``.

    Raises
    ------
    RatenetBinaryError
        Any command failed or timed out (naming it, with its stderr); the others
        are still waited for.
    """
    jobs = jobs or default_jobs()
    pending = [list(map(str, a)) for a in arg_lists]
    running: List[tuple] = []
    done: List[Optional[subprocess.CompletedProcess]] = [None] * len(pending)
    errors: List[str] = []
    nxt = 0
    env = child_env(1)
    while nxt < len(pending) or running:
        while nxt < len(pending) and len(running) < jobs:
            cmd = [binary, *pending[nxt]]
            try:
                proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            except OSError as e:
                raise RatenetBinaryError(f"cannot run {binary}: {e}") from e
            running.append((nxt, cmd, proc))
            nxt += 1
        idx, cmd, proc = running.pop(0)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            errors.append(f"timed out after {timeout} s: {' '.join(cmd)}")
            continue
        done[idx] = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
        if proc.returncode != 0:
            errors.append(f"ratenet failed (exit {proc.returncode}): {' '.join(cmd)}\n{err.strip() or out.strip()}")
    if errors:
        raise RatenetBinaryError("\n".join(errors))
    return done  # type: ignore[return-value]
