"""Running ratenet from Python: a config (a file or a dict) in, the opened result out."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from typing import Any, Dict, Mapping, Optional

from .binary import child_env, find_ratenet
from .errors import RatenetBinaryError
from .reader import RatenetFile, open_file

COMMANDS = ("simulate", "permitted", "fixed-points", "lyapunov", "sweep", "chaos")


class RatenetRunError(RatenetBinaryError):
    """The ratenet binary exited with an error (raised by :func:`run`).

    Parameters
    ----------
    exit_code : int
        The binary's exit status.
    message : str
        Its last ``ratenet: error:`` line, without the prefix.
    stderr : str
        Everything it wrote on stderr.
    command : list of str
        The command line that was run.

    Attributes
    ----------
    exit_code : int
        2 for bad input (config, flags, files), 1 for a runtime failure, 128 + N
        after signal N.
    message : str
        ratenet's one-line message (``FILE: KEY = VALUE: RULE`` for bad input).
    stderr : str
        Everything ratenet printed on stderr.
    command : list of str
        The command line (binary, subcommand, config, ``-o``, ``--set`` ...).

    Examples
    --------
    >>> try:                                                   # doctest: +SKIP
    ...     ra.run("configs/chaos_tanh.toml", overrides={"model.n": -1}, command="chaos")
    ... except ra.RatenetRunError as e:
    ...     print(e.exit_code, e.message)
    2 configs/chaos_tanh.toml: model.n = -1: must be >= 1
    """

    def __init__(self, exit_code: int, message: str, stderr: str, command: list):
        self.exit_code = exit_code
        self.message = message
        self.stderr = stderr
        self.command = command
        super().__init__(f"ratenet exited with code {exit_code}: {message}")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"TOML cannot hold the number {v!r}")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(e) for e in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(e)}" for k, e in v.items()) + " }"
    if hasattr(v, "tolist"):  # numpy arrays and scalars
        return _toml_value(v.tolist())
    raise TypeError(f"cannot write {type(v).__name__} {v!r} as TOML")


def to_toml(config: Mapping[str, Any]) -> str:
    """Write a config dict as TOML text.

    Top-level entries become sections (``[model]``), nested mappings
    sub-tables (``[model.params]``) and lists of mappings (``input.schedule``)
    arrays of tables (``[[input.schedule]]``).  Numpy arrays and scalars are
    written as TOML arrays and numbers.

    Parameters
    ----------
    config : mapping
        ``{"model": {"name": "hahnloser_wta", "n": 4}, ...}``: every top-level
        value must itself be a mapping (a section).

    Returns
    -------
    str
        The TOML document, ending in a newline.

    Raises
    ------
    ValueError
        A top-level value is not a mapping, or a number is NaN or infinite.
    TypeError
        A value has a type TOML cannot hold (e.g. ``None``).

    Examples
    --------
    >>> import ratenet_analysis as ra
    >>> print(ra.to_toml({"model": {"name": "hahnloser_wta", "n": 2}, "input": {"b": [1.0, 0.5]}}))
    [model]
    "name" = "hahnloser_wta"
    "n" = 2
    <BLANKLINE>
    [input]
    "b" = [1.0, 0.5]
    <BLANKLINE>
    """
    lines = []

    def table(prefix: str, t: Mapping[str, Any]) -> None:
        subs, arrays = [], []
        for k, v in t.items():
            if isinstance(v, Mapping) and prefix:
                subs.append((k, v))
            elif isinstance(v, (list, tuple)) and v and all(isinstance(e, Mapping) for e in v):
                arrays.append((k, v))
            else:
                lines.append(f"{json.dumps(str(k))} = {_toml_value(v)}")
        for k, v in subs:
            lines.append(f"\n[{prefix}.{json.dumps(str(k))}]")
            table(f"{prefix}.{json.dumps(str(k))}", v)
        for k, items in arrays:
            for item in items:
                lines.append(f"\n[[{prefix}.{k}]]" if prefix else f"\n[[{k}]]")
                table(f"{prefix}.{k}" if prefix else k, item)

    for section, body in config.items():
        if not isinstance(body, Mapping):
            raise ValueError(f"config key {section!r}: top-level entries must be tables (sections), got {body!r}")
        lines.append(f"\n[{section}]")
        table(section, body)
    return "\n".join(lines).lstrip("\n") + "\n"


def run(config: Any, overrides: Optional[Mapping[str, Any]] = None, command: str = "simulate",
        output: Optional[str] = None, ratenet: Optional[str] = None, progress: bool = True,
        force: bool = True, threads: Optional[int] = None) -> RatenetFile:
    """Run ratenet on a config and return the opened result.

    The config is a TOML file or a dict (written as TOML with :func:`to_toml`);
    ``overrides`` are applied with ``--set KEY=VALUE``.  ratenet's progress on
    stderr is passed through while it runs.

    Parameters
    ----------
    config : str, os.PathLike or mapping
        A TOML config file, or the config as a dict (written next to the output).
    overrides : mapping, optional
        ``{"model.g": 2.0, "simulate.t_end": 50}``: passed as ``--set KEY=VALUE``.
    command : {"simulate", "permitted", "fixed-points", "lyapunov", "sweep", "chaos"}
        The ratenet subcommand.
    output : str, optional
        The HDF5 file to write. Default: the config's name with ``.h5`` (a dict
        config: a new temporary directory).
    ratenet : str, optional
        The binary; default ``$RATENET``, ``./build/ratenet``, or ``ratenet`` on PATH.
    progress : bool, default True
        Pass ratenet's progress (stderr) through to ``sys.stderr`` as it runs.
    force : bool, default True
        Replace an existing output.
    threads : int, optional
        OMP_NUM_THREADS for the run (unless already set).

    Returns
    -------
    RatenetFile
        The opened output (close it, or use it in a ``with`` block).

    Raises
    ------
    ValueError
        ``command`` is not one of the subcommands above.
    RatenetBinaryError
        The binary was not found.
    RatenetRunError
        ratenet exited with code 1 (runtime) or 2 (bad input), carrying its message.

    See Also
    --------
    open : The same file as labelled xarray Datasets.

    Examples
    --------
    >>> cfg = {"model": {"name": "hahnloser_wta", "n": 4, "alpha": 1.5, "beta": 1.0},
    ...        "transfer": {"name": "relu"}, "input": {"b": [0.2, 1.0, 0.3, 0.1]},
    ...        "simulate": {"t_end": 60.0}}
    >>> with ra.run(cfg, output="wta.h5", progress=False) as f:     # doctest: +SKIP
    ...     x_end = f.trajectory().x(-1)
    """
    if command not in COMMANDS:
        raise ValueError(f"command {command!r} must be one of {', '.join(COMMANDS)}")
    exe = find_ratenet(ratenet)
    if isinstance(config, Mapping):
        d = os.path.dirname(os.path.abspath(output)) if output else tempfile.mkdtemp(prefix="ratenet-run-")
        path = os.path.join(d, "config.toml")
        with open(path, "w") as f:
            f.write(to_toml(config))
    else:
        path = os.fspath(config)
    if output is None:
        output = os.path.splitext(os.path.abspath(path))[0] + ".h5"
    cmd = [exe, command, path, "-o", os.fspath(output)]
    if force:
        cmd.append("--force")
    for k, v in (overrides or {}).items():
        cmd += ["--set", f"{k}={_toml_value(v)}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(threads))
    err_lines = []
    assert proc.stderr is not None
    for line in proc.stderr:  # progress records, warnings and errors, as they come
        err_lines.append(line)
        if progress:
            sys.stderr.write(line)
            sys.stderr.flush()
    out = proc.stdout.read() if proc.stdout else ""
    code = proc.wait()
    stderr = "".join(err_lines)
    if code != 0:
        msgs = [ln.strip() for ln in err_lines if ln.startswith("ratenet: error: ")]
        message = msgs[-1][len("ratenet: error: "):] if msgs else (stderr.strip().splitlines() or [out.strip()])[-1]
        raise RatenetRunError(code, message, stderr, cmd)
    return open_file(output)
