"""Finding and running the ratenet binary."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from typing import List, Optional, Sequence

from .errors import RatenetBinaryError


def find_ratenet(explicit: Optional[str] = None) -> str:
    """The ratenet binary: ``explicit``, else $RATENET, else ./build/ratenet, else ratenet on PATH."""
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
    """The subcommands `ratenet --help` lists."""
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
    return name in subcommands(binary)


def require_subcommand(binary: str, name: str, what: str) -> None:
    if not has_subcommand(binary, name):
        raise RatenetBinaryError(
            f"{what} needs `ratenet {name}`, which this binary ({binary}) does not have yet "
            f"(its subcommands: {', '.join(subcommands(binary))}). Rebuild ratenet once `{name}` is implemented."
        )


def run(binary: str, args: Sequence[str], quiet: bool = True, timeout: Optional[float] = None) -> subprocess.CompletedProcess:
    """Run ratenet; raise RatenetBinaryError with its stderr when it fails."""
    cmd: List[str] = [binary, *map(str, args)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise RatenetBinaryError(f"timed out after {timeout} s: {' '.join(cmd)}") from e
    if p.returncode != 0:
        raise RatenetBinaryError(
            f"ratenet failed (exit {p.returncode}): {' '.join(cmd)}\n{p.stderr.strip() or p.stdout.strip()}"
        )
    if not quiet and p.stdout.strip():
        print(p.stdout.strip())
    return p


@lru_cache(maxsize=None)
def _sub_help(binary: str, sub: str) -> str:
    try:
        p = subprocess.run([binary, sub, "--help"], capture_output=True, text=True, timeout=30)
        return p.stdout + p.stderr
    except OSError:
        return ""


def run_analysis(binary: str, sub: str, config: str, output: str, sets: Sequence[str] = (), timeout: Optional[float] = None):
    """``ratenet SUB CONFIG -o OUTPUT [--set k=v]...``, with --force/-q when SUB has them."""
    h = _sub_help(binary, sub)
    args: List[str] = [sub, config, "-o", output]
    if "--force" in h:
        args.append("--force")
    elif os.path.exists(output):
        os.remove(output)
    if "--quiet" in h or " -q" in h:
        args.append("-q")
    for s in sets:
        args += ["--set", s]
    return run(binary, args, timeout=timeout)
