"""Every ratenet file as labelled arrays: one :class:`xarray.Dataset` per group,
with the dimensions, coordinates, units and long names the file carries, and a
sweep on its parameter grid."""

from __future__ import annotations

import builtins
import os
import struct
from collections.abc import Mapping
from typing import Any, Dict, Iterator, List, Optional

import h5py
import numpy as np

from .errors import RatenetFormatError
from .reader import SUPPORTED_FORMAT_VERSION, _attrs


class RatenetData(Mapping):
    """A ratenet file's groups as xarray Datasets.

    Returned by :func:`open` and :func:`open_points`: a read-only mapping from
    group path (``"network"``, ``"trajectory"``, ``"sweep/results"``, ...) to
    :class:`xarray.Dataset`, with the dimensions, coordinates, units and long
    names the file carries.

    Parameters
    ----------
    path : str
        The file (or points folder) the data came from.
    attrs : dict
        The root attributes.
    groups : dict of str to xarray.Dataset
        The groups by path, without a leading ``/``.

    Attributes
    ----------
    path : str
        The file (or points folder).
    attrs : dict
        The root attributes (``kind``, ``status``, ``config``, ...).

    Examples
    --------
    >>> d = ra.open("wta.h5")                          # doctest: +SKIP
    >>> list(d), d.kind, d.status                      # doctest: +SKIP
    (['network', 'trajectory'], 'simulate', 'completed')
    >>> d["trajectory"]["x"].sel(t=slice(10, 20))      # doctest: +SKIP
    """

    def __init__(self, path: str, attrs: Dict[str, Any], groups: Dict[str, Any]):
        self.path = path
        self.attrs = attrs
        self._groups = groups

    def __getitem__(self, group: str):
        try:
            return self._groups[group.strip("/")]
        except KeyError:
            raise KeyError(f"{self.path} has no group {group!r}; it has {sorted(self._groups)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._groups)

    def __len__(self) -> int:
        return len(self._groups)

    @property
    def kind(self) -> str:
        """What wrote the file: ``simulate``, ``permitted``, ``fixed_points``, ``lyapunov``, ``sweep``, ``chaos`` or ``network``."""
        return str(self.attrs.get("kind", ""))

    @property
    def status(self) -> str:
        """``completed``, ``diverged``, ``running`` (a .part being written or killed), ``interrupted``, ..."""
        return str(self.attrs.get("status", ""))

    def __repr__(self) -> str:
        return f"<RatenetData {self.path!r} kind={self.kind} status={self.status} groups={sorted(self._groups)}>"

    def sweep(self):
        """Return the sweep on its parameter grid.

        Returns
        -------
        xarray.Dataset
            One dimension per swept key plus ``seed``; every result, the
            ``status`` and the wall time ``seconds`` as variables; NaN (and
            status ``""``) where a point did not run.  ``.to_dataframe()`` gives
            the flat table.

        Raises
        ------
        KeyError
            The file holds no sweep.

        Examples
        --------
        >>> g = ra.open("sweep.h5").sweep()                           # doctest: +SKIP
        >>> g["temporal_std"].mean("seed").sel({"model.g": 2.0})      # doctest: +SKIP
        """
        if "sweep" not in self._groups:
            raise KeyError(f"{self.path} holds no sweep (kind {self.kind!r})")
        return sweep_grid(self._groups["sweep"], self._groups.get("sweep/results"))


def _strings(a) -> List[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(a).ravel()]


def sweep_grid(sweep, results=None):
    """Put a sweep's points on their parameter grid.

    Parameters
    ----------
    sweep : xarray.Dataset
        The ``/sweep`` group (``keys``, ``params``, ``status``, ``seconds``).
    results : xarray.Dataset, optional
        The ``/sweep/results`` group.

    Returns
    -------
    xarray.Dataset
        As :meth:`RatenetData.sweep`.
    """
    import pandas as pd
    import xarray as xr

    keys = _strings(sweep["keys"].values)
    params = np.asarray(sweep["params"].values, float).reshape(-1, len(keys))
    swept = [k for k in keys if k != "seed_index"]
    columns = []
    for i, k in enumerate(swept):
        col = params[:, i]
        columns.append(col.astype(np.int64) if np.all(col == np.round(col)) and np.all(np.abs(col) < 2**53) else col)
    columns.append(params[:, -1].astype(np.int64))
    ds = xr.Dataset() if results is None else results.copy()
    ds["status"] = ("point", np.array(_strings(sweep["status"].values), dtype=object))
    ds["seconds"] = ("point", np.asarray(sweep["seconds"].values, float))
    ds["seconds"].attrs.update(sweep["seconds"].attrs)
    index = pd.MultiIndex.from_arrays(columns, names=swept + ["seed"])
    grid = ds.assign_coords(point=index).unstack("point")
    grid["status"] = grid["status"].fillna("")
    for k in swept:
        grid[k].attrs["long_name"] = k
    grid["seed"].attrs["long_name"] = "seed index"
    grid.attrs.update({k: v for k, v in sweep.attrs.items() if isinstance(v, (str, int, float, np.integer, np.floating))})
    return grid


def open(path: str | os.PathLike) -> RatenetData:  # noqa: A001 - the package's entry point, as xarray.open_dataset
    """Open a ratenet file (also ``NAME.h5.part``) as labelled arrays.

    Parameters
    ----------
    path : str or os.PathLike
        A file ratenet wrote, finished or not; or the ``OUT.h5.points/`` folder of
        an unfinished sweep (see :func:`open_points`).

    Returns
    -------
    RatenetData
        A mapping from group path (``"trajectory"``, ``"sweep/results"``, ...) to
        :class:`xarray.Dataset`, loaded into memory (the file is closed again).
        The groups are as stored: the ``"network"`` group of a file written with
        ``output.network = "recipe"`` has no W (attribute ``W_format`` is
        ``"recipe"``); ``rebuild_network(path, output="W.h5")`` writes a file
        of kind ``network`` that holds it, to open here.

    Raises
    ------
    RatenetFormatError
        Not a ratenet file, or newer than this package reads.

    See Also
    --------
    open_file : The same file read into numpy arrays, lazily.

    Examples
    --------
    >>> import ratenet_analysis as ra
    >>> d = ra.open("wta.h5")                        # doctest: +SKIP
    >>> x = d["trajectory"]["x"]                     # doctest: +SKIP
    >>> x.isel(t=-1).argmax("neuron")                # doctest: +SKIP
    """
    import xarray as xr

    path = os.fspath(path)
    if os.path.isdir(path):
        return open_points(path)
    try:
        with h5py.File(path, "r", locking=False) as f:
            attrs = _attrs(f)
            names: List[str] = []
            f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Group) else None)
    except OSError as e:
        raise RatenetFormatError(f"{path}: cannot open as HDF5 ({e})") from e
    if attrs.get("format") != "ratenet":
        raise RatenetFormatError(f"{path}: not a ratenet file (root attribute format = {attrs.get('format')!r})")
    version = int(attrs.get("format_version", 1))
    if version > SUPPORTED_FORMAT_VERSION:
        raise RatenetFormatError(f"{path}: format_version {version} is newer than this package reads "
                                 f"({SUPPORTED_FORMAT_VERSION}); update ratenet_analysis")
    groups = {}
    for g in names:
        kw = {} if version >= 2 else {"phony_dims": "sort"}  # version 1: no named dimensions
        with xr.open_dataset(path, engine="h5netcdf", group=g, **kw) as ds:
            groups[g] = ds.load()
    return RatenetData(path, attrs, groups)


_MAGIC = (b"RNPOINT1", b"RNPOINT2")


def read_point(path: str) -> Dict[str, Any]:
    """Read one point file of a sweep's journal.

    While a sweep runs, ratenet writes each finished point to
    ``OUT.h5.points/pNNNNNNNNN.bin``.

    Parameters
    ----------
    path : str
        The point file.

    Returns
    -------
    dict
        ``{"point": int, "seconds": float, "status": str, "values": {name: numpy.ndarray}}``.

    Raises
    ------
    RatenetFormatError
        Not a point file, truncated, or its checksum does not match (ratenet
        reruns such a point on ``--resume``).
    """
    with builtins.open(path, "rb") as fh:
        buf = fh.read()
    if len(buf) < 8 or buf[:8] not in _MAGIC:
        raise RatenetFormatError(f"{path}: not a ratenet point file")
    end = len(buf)
    if buf[:8] == b"RNPOINT2":
        end -= 8
        h = 0xCBF29CE484222325
        for b in buf[:end]:
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        if struct.unpack_from("<Q", buf, end)[0] != h:
            raise RatenetFormatError(f"{path}: checksum mismatch: the point file is corrupt")
    pos = 8

    def take(fmt):
        nonlocal pos
        size = struct.calcsize(fmt)
        if pos + size > end:
            raise RatenetFormatError(f"{path}: truncated point file")
        v = struct.unpack_from(fmt, buf, pos)
        pos += size
        return v

    def text():
        (n,) = take("<Q")
        (s,) = take(f"<{n}s")
        return s.decode("utf-8", "replace")

    (p,) = take("<q")
    (seconds,) = take("<d")
    status = text()
    (nv,) = take("<Q")
    values = {}
    for _ in range(nv):
        name = text()
        (n,) = take("<Q")
        values[name] = np.array(take(f"<{n}d"), float)
    return {"point": p, "seconds": seconds, "status": status, "values": values}


def open_points(folder: str | os.PathLike) -> RatenetData:
    """Open the points an unfinished sweep has finished so far.

    Parameters
    ----------
    folder : str or os.PathLike
        The sweep's ``OUT.h5.points/`` folder.

    Returns
    -------
    RatenetData
        Group ``"sweep/results"``: every result, ``status`` and ``seconds`` of
        the finished points, indexed by point number (every planned point,
        with NaN and status ``""`` for those not run, when there is a plan).  Damaged point files are
        skipped (ratenet reruns them on ``--resume``).  When the folder holds
        the sweep's plan (``plan.tsv``, written by ratenet when the sweep
        starts), there is also a group ``"sweep"`` covering every planned
        point, so that :meth:`RatenetData.sweep` puts the finished points on
        the parameter grid, with NaN and status ``""`` where a point has not
        run yet; ``attrs["points_planned"]`` gives their number.

    Examples
    --------
    >>> d = ra.open("sweep.h5.points")                       # doctest: +SKIP
    >>> d.attrs["points_done"], d.attrs["points_planned"]    # doctest: +SKIP
    >>> d.sweep()["mean_rate"].mean("seed")                  # doctest: +SKIP
    """
    import xarray as xr

    folder = os.fspath(folder)
    names_in = os.listdir(folder)
    if "sweep_hash" not in names_in and not any(n.startswith("p") and n.endswith(".bin") for n in names_in):
        raise RatenetFormatError(f"{folder}: not the point folder of a ratenet sweep (no sweep_hash, no point files)")
    rows = []
    for name in sorted(os.listdir(folder)):
        if name.startswith("p") and name.endswith(".bin"):
            try:
                rows.append(read_point(os.path.join(folder, name)))
            except RatenetFormatError:
                continue
    names: List[str] = []
    width: Dict[str, int] = {}
    for r in rows:
        for k, v in r["values"].items():
            if k not in width:
                names.append(k)
            width[k] = max(width.get(k, 1), len(v))
    data = {}
    for k in names:
        a = np.full((len(rows), width[k]), np.nan)
        for i, r in enumerate(rows):
            v = r["values"].get(k)
            if v is not None:
                a[i, : len(v)] = v
        data[k] = (("point",), a[:, 0]) if width[k] == 1 else (("point", f"{k}_index"), a)
    ds = xr.Dataset(data, coords={"point": np.array([r["point"] for r in rows], np.int64)})
    ds["status"] = ("point", np.array([r["status"] for r in rows], dtype=object))
    ds["seconds"] = ("point", np.array([r["seconds"] for r in rows], float))
    hash_file = os.path.join(folder, "sweep_hash")
    attrs = {"kind": "sweep", "status": "running", "points_done": len(rows)}
    if os.path.exists(hash_file):
        with builtins.open(hash_file) as fh:
            attrs["sweep_hash"] = fh.read().strip()
    groups = {"sweep/results": ds}
    plan = _read_plan(os.path.join(folder, "plan.tsv"))
    if plan is not None:
        keys, params = plan
        n = params.shape[0]
        attrs["points_planned"] = n
        done = ds["point"].values
        if len(done) and (done.min() < 0 or done.max() >= n):
            raise RatenetFormatError(f"{folder}: a point number outside the plan of {n} points")
        status = np.full(n, "", dtype=object)
        status[done] = ds["status"].values
        seconds = np.full(n, np.nan)
        seconds[done] = ds["seconds"].values
        groups["sweep"] = xr.Dataset(
            {"keys": ("column", np.array(keys, dtype=object)), "params": (("point", "column"), params),
             "status": ("point", status), "seconds": ("point", seconds)},
            attrs={"status": "running"})
        groups["sweep"]["seconds"].attrs.update({"units": "s", "long_name": "wall time of the point"})
        full = ds.drop_vars(["status", "seconds"]).reindex(point=np.arange(n))
        full["status"] = ("point", status)
        full["seconds"] = ("point", seconds)
        groups["sweep/results"] = full
    return RatenetData(folder, attrs, groups)


def _read_plan(path: str):
    """The plan of a point folder (``plan.tsv``: a header ``point``, the keys,
    ``seed_index``; one row per point) as (keys, params), or None without one."""
    if not os.path.exists(path):
        return None
    with builtins.open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
        if len(header) < 2 or header[0] != "point" or header[-1] != "seed_index":
            raise RatenetFormatError(f"{path}: not a sweep plan (header {header!r})")
        table = np.loadtxt(fh, delimiter="\t", ndmin=2) if os.path.getsize(path) > 0 else np.zeros((0, len(header)))
    if table.shape[1] != len(header) or not np.array_equal(table[:, 0], np.arange(table.shape[0])):
        raise RatenetFormatError(f"{path}: rows are not the points 0, 1, ... with {len(header)} columns")
    return header[1:], table[:, 1:]


def _flat(config: Dict[str, Any], prefix: str = "") -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for k, v in config.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = tuple(v) if isinstance(v, list) else v
    return out


def _expand(paths) -> List[str]:
    import glob

    if isinstance(paths, (str, os.PathLike)):
        found = sorted(glob.glob(os.fspath(paths)))
        if not found:
            raise FileNotFoundError(f"no file matches {os.fspath(paths)!r}")
        return found
    return [os.fspath(p) for p in paths]


def open_runs(paths, group: Optional[str] = None):
    """Stack many runs along the config keys that differ between them.

    The ``xarray.open_mfdataset`` idea applied to ratenet's stored configs:
    simulate, lyapunov, chaos ... files of one kind, e.g. written by
    :func:`run` with different ``overrides``.

    Parameters
    ----------
    paths : str or sequence of str
        A glob pattern, or the files.
    group : str, optional
        The group to stack (default: the kind's main group, e.g. ``trajectory``,
        ``lyapunov``, ``chaos``).

    Returns
    -------
    xarray.Dataset
        The group of every file, concatenated along a new dimension ``run``, with
        one coordinate per config key that differs between the files (and
        ``path``). Axes of different lengths are aligned by their coordinates
        (NaN where a run has no value).

    Raises
    ------
    FileNotFoundError
        The glob matches no file.
    RatenetFormatError
        The files are of different kinds, or one lacks the group.

    Examples
    --------
    >>> for g in (0.5, 1.5, 2.5):                                             # doctest: +SKIP
    ...     ra.run("configs/random_tanh.toml", overrides={"model.g": g}, output=f"g{g}.h5").close()
    >>> runs = ra.open_runs("g*.h5")                                          # doctest: +SKIP
    >>> runs["x"].std(["t", "neuron"]).to_series()                            # doctest: +SKIP
    """
    import tomllib

    import xarray as xr

    files = _expand(paths)
    if not files:
        raise ValueError("open_runs needs at least one file")
    datas = [open(p) for p in files]
    kinds = {d.kind for d in datas}
    if len(kinds) != 1:
        raise RatenetFormatError(f"open_runs: the files are of different kinds {sorted(kinds)}")
    main = {"simulate": "trajectory", "lyapunov": "lyapunov", "permitted": "permitted", "fixed_points": "fixed_points",
            "chaos": "chaos", "sweep": "sweep/results", "network": "network"}
    g = group or main.get(next(iter(kinds)), "")
    configs = [_flat(tomllib.loads(str(d.attrs.get("config", "")))) for d in datas]
    keys = sorted({k for c in configs for k in c})
    differ = [k for k in keys if len({repr(c.get(k)) for c in configs}) > 1 and not k.startswith("output.")]
    parts = []
    for d in datas:
        if g not in d:
            raise RatenetFormatError(f"{d.path} has no group {g!r}")
        parts.append(d[g])
    stacked = xr.concat(parts, dim="run", join="outer", combine_attrs="drop_conflicts")
    stacked = stacked.assign_coords(run=np.arange(len(files)), path=("run", np.array(files, dtype=object)))
    for k in differ:
        vals = [c.get(k) for c in configs]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            stacked = stacked.assign_coords({k: ("run", np.array(vals))})
        else:
            stacked = stacked.assign_coords({k: ("run", np.array([repr(v) if v is not None else "" for v in vals], dtype=object))})
    stacked.attrs["differing_keys"] = ", ".join(differ)
    return stacked


def open_sweep(shards):
    """Read the shards of a sweep together, without merging them on disk.

    Parameters
    ----------
    shards : str or sequence of str
        The ``ratenet sweep --shard I/N`` output files: a glob or a list.

    Returns
    -------
    xarray.Dataset
        The sweep on its parameter grid, as :meth:`RatenetData.sweep` gives it
        for a merged file; points no shard holds are NaN (status ``""``).

    Raises
    ------
    FileNotFoundError
        The glob matches no file.
    RatenetFormatError
        The shards come from different sweeps (``sweep_hash``), have different
        numbers of points, or overlap.
    """
    files = _expand(shards)
    datas = [open(p) for p in files]
    hashes = {str(d["sweep"].attrs.get("sweep_hash", "")) for d in datas}
    if len(hashes) != 1:
        raise RatenetFormatError(f"open_sweep: the shards come from different sweeps (hashes {sorted(hashes)})")
    base = datas[0]["sweep"].copy()
    results = datas[0]["sweep/results"].copy() if "sweep/results" in datas[0] else None
    status = np.array(_strings(base["status"].values), dtype=object)
    for d in datas[1:]:
        s = np.array(_strings(d["sweep"]["status"].values), dtype=object)
        if s.shape != status.shape:
            raise RatenetFormatError(f"open_sweep: {d.path} has {s.size} points, {files[0]} {status.size}")
        take = s != ""
        if np.any(take & (status != "")):
            raise RatenetFormatError(f"open_sweep: {d.path} repeats points of another shard")
        status[take] = s[take]
        base["seconds"].values[take] = d["sweep"]["seconds"].values[take]
        if results is not None:
            for name, var in d["sweep/results"].data_vars.items():
                if name not in results:
                    results[name] = var
                else:
                    results[name].values[take] = var.values[take]
    base["status"] = ("point", status)
    return sweep_grid(base, results)
