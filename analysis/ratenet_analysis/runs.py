"""Running ratenet from Python: a config (a file or a dict) in, the opened result out."""

from __future__ import annotations

import json
import math
import os
import shlex
import subprocess
import sys
import tempfile
import warnings
from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

from .binary import child_env, find_ratenet, subcommands
from .errors import RatenetBinaryError, RatenetFormatError
from .reader import Network, RatenetFile, open_file

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
    hint : str, optional
        What to do about it, appended to the message (e.g. how to rebuild W by hand).

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

    def __init__(self, exit_code: int, message: str, stderr: str, command: list, hint: str = ""):
        self.exit_code = exit_code
        self.message = message
        self.stderr = stderr
        self.command = command
        super().__init__(f"ratenet exited with code {exit_code}: {message}" + (f" ({hint})" if hint else ""))


def _error_message(err_lines, out: str = "") -> str:
    """ratenet's last ``ratenet: error:`` line without the prefix, else its last line of output."""
    msgs = [ln.strip() for ln in err_lines if ln.startswith("ratenet: error: ")]
    if msgs:
        return msgs[-1][len("ratenet: error: "):]
    lines = "".join(err_lines).strip().splitlines() or out.strip().splitlines()
    return lines[-1] if lines else ""


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
        raise RatenetRunError(code, _error_message(err_lines, out), stderr, cmd)
    return open_file(output)


# --------------------------------------------------------------------------- W of a recipe file


def _by_hand(path: str) -> str:
    """How to rebuild W without this package, for error messages."""
    q = shlex.quote(path)
    return (f"to rebuild W by hand: `ratenet network {q} -o W.h5`, then read W.h5 "
            f"(ratenet_analysis.open_file('W.h5').network().W)")


def _rebuild_W(source: str, expect: Optional[Network] = None, ratenet: Optional[str] = None,
               output: Optional[str] = None, force: bool = True) -> Tuple[str, Any]:
    """Rebuild the W of a ratenet file with ``ratenet network``.

    Runs ``ratenet network SOURCE -o OUT -q`` (OUT: ``output``, else a
    temporary file deleted afterwards), reads W and checks the rebuilt network
    against ``expect`` (N, b, tau, and the file's ``W_nonzeros``).

    Returns ``(layout, W)``: ``"dense"`` and a numpy array, or ``"csr"`` and a
    scipy.sparse.csr_matrix.
    """
    source = os.fspath(source)
    recipe = expect is not None and not expect.W_stored
    what = (f"W of {source} is not stored (written with output.network = \"recipe\")" if recipe
            else f"cannot rebuild W of {source}")
    try:
        exe = find_ratenet(ratenet)
    except RatenetBinaryError as e:
        raise RatenetBinaryError(
            f"{what}, and there is no ratenet binary to rebuild it: {e}. Pass ratenet=PATH or set RATENET; "
            f"or, {_by_hand(source)}"
        ) from e
    try:
        subs = subcommands(exe)
    except RatenetBinaryError as e:
        raise RatenetBinaryError(f"{what}: {e}; {_by_hand(source)}") from e
    if subs and "network" not in subs:
        raise RatenetBinaryError(
            f"{what}, and this ratenet ({exe}) has no `network` subcommand to rebuild it "
            f"(its subcommands: {', '.join(subs)}): use a newer ratenet; {_by_hand(source)}"
        )

    def run_and_read(out: str) -> Tuple[Network, Dict[str, Any]]:
        cmd = [exe, "network", source, "-o", out, "-q"] + (["--force"] if force else [])
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=child_env(1))
        except OSError as e:
            raise RatenetBinaryError(f"{what}: cannot run {exe}: {e}; {_by_hand(source)}") from e
        if p.returncode != 0:
            raise RatenetRunError(p.returncode, _error_message(p.stderr.splitlines(keepends=True), p.stdout),
                                  p.stderr, cmd, hint=f"rebuilding W of {source}; {_by_hand(source)}")
        with open_file(out) as f:
            net = f.network()  # every dataset is read into memory: the file may go
            if net.W_format not in ("dense", "csr"):
                raise RatenetFormatError(f"{out}: `ratenet network` wrote W_format = {net.W_format!r}, not dense or csr")
            net.load_W()
            return net, dict(f.attrs)

    if output is not None:
        got, attrs = run_and_read(os.fspath(output))
    else:
        with tempfile.TemporaryDirectory(prefix="ratenet-W-") as d:
            got, attrs = run_and_read(os.path.join(d, "W.h5"))
    layout = got.W_format
    W = got.W_sparse() if layout == "csr" else got.W
    if expect is not None:
        _check_rebuilt(source, expect, got, layout, W, attrs, exe)
    return layout, W


def _check_rebuilt(source: str, expect: Network, got: Network, layout: str, W: Any, attrs: Dict[str, Any],
                   exe: str) -> None:
    """Raise if the rebuilt network is not the file's; warn if another ratenet build rebuilt it."""
    try:
        with open_file(source) as f:
            written = {k: f.attrs.get(k) for k in ("ratenet_version", "git_commit")}
    except (OSError, RatenetFormatError):
        written = {}
    by = {k: attrs.get(k) for k in ("ratenet_version", "git_commit")}

    def versions() -> str:
        return (f"{source} was written by ratenet {written.get('ratenet_version', '?')} ({written.get('git_commit', '?')}), "
                f"{exe} is {by.get('ratenet_version', '?')} ({by.get('git_commit', '?')})")

    problems = []
    if got.n != expect.n:
        problems.append(f"N = {got.n}, the file's is {expect.n}")
    entries = W.nnz if layout == "csr" else W.size
    want = expect.attrs.get("W_nonzeros")
    if want is not None and int(want) not in (entries, W.nnz if layout == "csr" else int(np.count_nonzero(W))):
        problems.append(f"{entries} entries in W, the file's W_nonzeros is {int(want)}")
    for name in ("b", "tau"):
        a, b = getattr(got, name), getattr(expect, name)
        if a.shape != b.shape or not np.array_equal(a, b):
            problems.append(f"{name} differs")
    if problems:
        raise RatenetBinaryError(
            f"the network `ratenet network` rebuilt from {source} is not the one the file describes "
            f"({'; '.join(problems)}); {versions()}"
        )
    key = "git_commit" if written.get("git_commit") and by.get("git_commit") else "ratenet_version"
    if written.get(key) and by.get(key) and written[key] != by[key]:
        warnings.warn(
            f"W of {source} was rebuilt by another ratenet build: {versions()}. It equals the W of the run "
            "only if the model's generator did not change between them.",
            RuntimeWarning,
            stacklevel=4,
        )


def rebuild_network(path: str | os.PathLike, ratenet: Optional[str] = None, output: Optional[str] = None,
                    force: bool = True) -> Network:
    """Rebuild a file's network, W included, with ``ratenet network``.

    The way to W for a file written with ``[output] network = "recipe"``,
    which stores everything but W: ``ratenet network FILE`` rebuilds it from the
    file's stored configuration and seeds, bit for bit.  (Reading
    :attr:`Network.W` of such a file does the same on first use.)  W is
    rebuilt also when the file stores it, which checks that the run can be
    reproduced.  The rebuilt network's N, b and tau must equal the file's.

    Parameters
    ----------
    path : str or os.PathLike
        A ratenet file with a ``/network`` group (not ``sweep`` or ``chaos``),
        also an unfinished run's ``NAME.h5.part``.
    ratenet : str, optional
        The binary; default ``$RATENET``, ``./build/ratenet``, or ``ratenet`` on PATH.
    output : str, optional
        Keep the rebuilt file here (a ratenet file of kind ``network``, e.g. for
        :func:`open`); default a temporary file, deleted once W is read.
    force : bool, default True
        Replace an existing ``output``.

    Returns
    -------
    Network
        The file's network (its ``W_format`` and attributes as stored) with W
        in memory, dense or CSR as ratenet builds it (:attr:`Network.W_layout`).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    RatenetFormatError
        ``path`` is not a ratenet file, or has no ``/network`` group.
    RatenetBinaryError
        The binary was not found, lacks ``ratenet network``, or rebuilt a
        network that differs from the file's; the message says how to rebuild
        W by hand.
    RatenetRunError
        ``ratenet network`` exited with an error (exit code and message).

    See Also
    --------
    Network.load_W : The same for a network already read.

    Examples
    --------
    >>> with ra.run("configs/random_tanh.toml", overrides={"output.network": "recipe"}) as f:  # doctest: +SKIP
    ...     f.network().W_stored
    False
    >>> W = ra.rebuild_network("random_tanh.h5").W                                           # doctest: +SKIP
    """
    path = os.fspath(path)
    with open_file(path) as f:
        net = f._network(read_W=False)
    layout, W = _rebuild_W(path, net, ratenet, output=output, force=force)
    net._layout = layout
    if layout == "csr":
        net._W_csr = W
    else:
        net._W_dense = W
    return net
