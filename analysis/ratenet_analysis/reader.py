"""Readers for ratenet's HDF5 files (docs/file-format.md, format version 1).

Every reader returns plain numpy arrays inside small dataclasses.  The
trajectory is lazy: :class:`Trajectory` keeps the h5py dataset and reads only
the rows asked for, so files larger than memory can be sliced.

Partial files (``NAME.h5.part``, root ``status`` "running" or "interrupted")
are readable up to their last flush; readers never require the attributes
written at the end of a run.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .errors import RatenetFormatError

import h5py

# Attributes renamed in format version 2 (ending drift between the file and the
# sweep results): group -> {version 1 name: current name}. Version 1 files are
# read under the current names.
V1_RENAMED_ATTRS = {"fixed_points": {"parity": "index_sum", "n_unstable_points": "n_unstable"}}

SUPPORTED_FORMAT_VERSION = 2  # 2: named dimensions, units and long_name on every dataset; 1 still read

KINDS = ("simulate", "permitted", "fixed_points", "lyapunov", "sweep", "chaos")


# --------------------------------------------------------------------------- helpers


def _decode(v: Any) -> Any:
    """Attribute value -> str / int / float / ndarray."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        if v.dtype.kind in ("S", "O"):
            return [_decode(e) for e in v.tolist()]
        if v.shape == ():
            return v.item()
        return v
    if isinstance(v, np.generic):
        return v.item()
    return v


def _attrs(obj) -> Dict[str, Any]:
    try:
        return {k: _decode(v) for k, v in obj.attrs.items()}
    except (OSError, RuntimeError) as e:  # corrupt attribute heap
        raise RatenetFormatError(f"cannot read attributes of {obj.name!r}: {e}") from e


def _strings(ds) -> List[str]:
    return [_decode(s) if not isinstance(s, str) else s for s in ds[()].tolist()]


def _as_float(v: Any) -> Any:
    """Model parameters are stored as strings ("1.5"); return numbers where possible."""
    if isinstance(v, str):
        s = v.strip()
        if s in ("true", "false"):
            return s == "true"
        try:
            i = int(s)
            return i
        except ValueError:
            pass
        try:
            return float(s)
        except ValueError:
            return v
    return v


# --------------------------------------------------------------------------- dataclasses


@dataclass
class Schedule:
    """Piecewise-constant input b(t) = b[s] for t_start[s] <= t < t_end[s]."""

    t_start: np.ndarray  # S
    t_end: np.ndarray  # S
    b: np.ndarray  # S x N

    def __len__(self) -> int:
        return len(self.t_start)


@dataclass
class Network:
    """The /network group."""

    n: int
    form: str  # "rate" or "current"
    transfer: str
    transfer_params: Dict[str, float]
    model: str
    model_params: Dict[str, Any]
    W_format: str  # "dense" or "csr"
    b: np.ndarray
    tau: np.ndarray
    noise_sigma: float
    equation: str
    schedule: Optional[Schedule]
    transfer_slopes: Optional[np.ndarray]
    attrs: Dict[str, Any]
    _W_dense: Optional[np.ndarray] = field(default=None, repr=False)
    _W_csr: Any = field(default=None, repr=False)

    @property
    def W(self) -> np.ndarray:
        """Dense coupling matrix, W[i, j] from neuron j to neuron i."""
        if self._W_dense is None:
            self._W_dense = self._W_csr.toarray()
        return self._W_dense

    def W_sparse(self):
        """W as a scipy.sparse CSR matrix (converted from dense when stored dense)."""
        import scipy.sparse as sp

        if self._W_csr is None:
            self._W_csr = sp.csr_matrix(self._W_dense)
        return self._W_csr

    def input_at(self, t: float) -> np.ndarray:
        """The input b(t), schedule included."""
        if self.schedule is not None:
            for s in range(len(self.schedule)):
                if self.schedule.t_start[s] <= t < self.schedule.t_end[s]:
                    return self.schedule.b[s]
        return self.b

    def param(self, name: str, default: Any = None) -> Any:
        """A model parameter (``alpha``) or a transfer parameter (``transfer_gain``)."""
        if name in self.model_params:
            return self.model_params[name]
        if name.startswith("transfer_") and name[9:] in self.transfer_params:
            return self.transfer_params[name[9:]]
        return default


@dataclass
class Trajectory:
    """The /trajectory group, read lazily.

    ``t`` and ``neuron`` are loaded (small); the state stays on disk in
    ``dataset`` and is read by :meth:`x` one slice at a time.
    """

    t: np.ndarray  # T
    neuron: np.ndarray  # R
    dataset: Any  # h5py.Dataset, T_stored x R
    attrs: Dict[str, Any]
    units: str
    long_name: str

    @property
    def shape(self):
        return (len(self.t), len(self.neuron))

    def __len__(self) -> int:
        return len(self.t)

    @property
    def status(self) -> str:
        return self.attrs.get("status", "running")

    def x(self, rows: Any = slice(None), neurons: Any = slice(None)) -> np.ndarray:
        """State at the sample rows ``rows`` (slice, int or index array) for the
        recorded columns ``neurons`` (positions in ``neuron``, not neuron ids)."""
        T = len(self.t)
        if isinstance(rows, slice):
            rows = slice(*rows.indices(T))
        elif np.isscalar(rows):
            r = int(rows)
            if r < 0:
                r += T
            if not 0 <= r < T:
                raise IndexError(f"sample {rows} out of range 0..{T - 1}")
            rows = r
        else:
            rows = np.asarray(rows)
            if rows.dtype == bool:
                rows = np.flatnonzero(rows)
            rows = np.where(rows < 0, rows + T, rows)
            if rows.size and (rows.min() < 0 or rows.max() >= T):
                raise IndexError("sample index out of range")
        try:
            if isinstance(rows, np.ndarray):
                # h5py wants increasing unique indices
                u, inv = np.unique(rows, return_inverse=True)
                out = self.dataset[u, :][inv]
            else:
                out = self.dataset[rows, :]
        except OSError as e:
            raise RatenetFormatError(f"cannot read /trajectory/x (truncated or corrupt file?): {e}") from e
        out = np.asarray(out)
        return out[..., neurons] if neurons is not None else out

    def column(self, neuron_id: int) -> int:
        """Column of ``x`` holding neuron ``neuron_id``."""
        hits = np.flatnonzero(self.neuron == neuron_id)
        if hits.size == 0:
            raise KeyError(f"neuron {neuron_id} was not recorded")
        return int(hits[0])

    def window(self, t0: float, t1: float) -> slice:
        """Row slice of the samples with t0 <= t < t1."""
        return slice(int(np.searchsorted(self.t, t0, "left")), int(np.searchsorted(self.t, t1, "left")))

    def to_xarray(self):
        """A labelled xarray.DataArray x(t, neuron) (lazy, via engine h5netcdf).

        Falls back to an in-memory DataArray when h5netcdf cannot open the file
        (e.g. a .part file still being written)."""
        import xarray as xr

        path = self.dataset.file.filename
        try:
            ds = xr.open_dataset(path, engine="h5netcdf", group="trajectory")
            da = ds["x"]
            if da.shape[0] != len(self.t):
                da = da.isel(t=slice(0, len(self.t)))
            return da
        except Exception:  # noqa: BLE001 - any backend failure: build it in memory
            return xr.DataArray(
                self.x(),
                dims=("t", "neuron"),
                coords={"t": self.t, "neuron": self.neuron},
                attrs={**self.attrs, "units": self.units, "long_name": self.long_name},
                name="x",
            )


@dataclass
class Verification:
    """/permitted/verification (``ratenet permitted --verify``): sets checked by simulation."""

    sets: np.ndarray  # V x N bool
    permitted: np.ndarray  # V bool: the prediction (permitted / forbidden)
    agrees: np.ndarray  # V bool: the simulation behaved as predicted
    max_error: np.ndarray  # V
    growth_rate: np.ndarray  # V
    attrs: Dict[str, Any]

    def __len__(self) -> int:
        return len(self.agrees)

    @property
    def n_agree(self) -> int:
        return int(self.attrs.get("n_agree", int(self.agrees.sum())))

    @property
    def n_disagree(self) -> int:
        return int(self.attrs.get("n_disagree", int((~self.agrees).sum())))

    @property
    def all_agree(self) -> bool:
        return len(self) > 0 and self.n_disagree == 0 and bool(self.agrees.all())


@dataclass
class Permitted:
    """The /permitted group.  Set matrices are bool, one row per set.

    ``sets`` holds the non-empty permitted sets (by size, then lexicographically);
    ``counts_by_size[0]`` is 1 for the empty set, so ``counts_by_size.sum()`` is
    ``n_permitted + 1``.
    """

    sets: np.ndarray  # P x N (non-empty sets)
    maximal: np.ndarray  # M x N
    minimal_forbidden: np.ndarray  # F x N
    counts_by_size: np.ndarray  # N+1
    attrs: Dict[str, Any]
    verification: Optional[Verification] = None

    @property
    def n_permitted(self) -> int:
        """Number of non-empty permitted sets."""
        return int(self.attrs.get("n_permitted", int(self.counts_by_size[1:].sum())))

    @staticmethod
    def members(rows: np.ndarray) -> List[List[int]]:
        return [list(np.flatnonzero(r)) for r in np.atleast_2d(rows)]

    @property
    def n(self) -> int:
        return len(self.counts_by_size) - 1

    def is_permitted(self, members: Sequence[int]) -> bool:
        """Is the set permitted?  (a subset of some maximal permitted set)"""
        v = np.zeros(self.n, bool)
        v[list(members)] = True
        return bool(np.any(np.all(self.maximal[:, v], axis=1))) if v.any() else True


@dataclass
class FixedPoints:
    """The /fixed_points group."""

    support: np.ndarray  # F x N bool
    x: np.ndarray  # F x N
    eig: np.ndarray  # F x N complex
    stable: np.ndarray  # F bool
    n_unstable: np.ndarray  # F
    index: np.ndarray  # F
    attrs: Dict[str, Any]
    classes: List[str] = field(default_factory=list)  # F: "stable" / "unstable" / "marginal"
    residual: Optional[np.ndarray] = None  # F

    def __len__(self) -> int:
        return len(self.stable)

    @property
    def parity(self) -> int:
        """Sum of the indices sgn det(I - W_SS) (+1 for a CTLN)."""
        return int(self.attrs.get("index_sum", int(self.index.sum())))

    @property
    def sizes(self) -> np.ndarray:
        return self.support.sum(axis=1)


@dataclass
class Lyapunov:
    """The /lyapunov group, with the convergence trace."""

    exponents: np.ndarray  # k
    errors: np.ndarray  # k
    trace_t: np.ndarray  # R
    trace_exponents: np.ndarray  # R x k
    attrs: Dict[str, Any]
    n: Optional[int] = None  # network size (from /network), for i/N

    @property
    def k(self) -> int:
        return len(self.exponents)

    @property
    def sum(self) -> float:
        """Sum of the exponents (attribute ``sum``; equals ``mean_trace`` for a full spectrum)."""
        v = self.attrs.get("sum")
        return float(v) if v is not None else float(np.sum(self.exponents))

    @property
    def mean_trace(self) -> float:
        """Time average of the Jacobian's trace along the trajectory (-N for a zero-diagonal current-form network)."""
        return float(self.attrs.get("mean_trace", np.nan))

    @property
    def t_accumulate_start(self) -> float:
        """Time at which the exponents start to be accumulated (t_warmup + t_ons_warmup)."""
        a = self.attrs
        if "t_final" in a and "t_accumulated" in a:
            return float(a["t_final"]) - float(a["t_accumulated"])
        return float(a.get("t_warmup", 0.0)) + float(a.get("t_ons_warmup", 0.0))

    @property
    def kaplan_yorke(self) -> float:
        v = self.attrs.get("kaplan_yorke")
        return float(v) if v is not None else kaplan_yorke(self.exponents)

    @property
    def entropy_rate(self) -> float:
        v = self.attrs.get("entropy_rate")
        return float(v) if v is not None else float(np.sum(self.exponents[self.exponents > 0]))

    @property
    def lambda_max(self) -> float:
        return float(self.exponents[0]) if self.k else float("nan")


def kaplan_yorke(exponents: np.ndarray) -> float:
    """D_KY = k + sum_{i<=k} lambda_i / |lambda_{k+1}| (k: last index with a non-negative cumulative sum)."""
    lam = np.sort(np.asarray(exponents, float))[::-1]
    c = np.cumsum(lam)
    if len(lam) == 0 or c[0] < 0:
        return 0.0
    k = int(np.max(np.flatnonzero(c >= 0))) + 1
    if k >= len(lam):
        return float(len(lam))
    return k + c[k - 1] / abs(lam[k])


@dataclass
class Sweep:
    """The /sweep group as a table keyed by the swept parameters."""

    keys: List[str]  # K dotted config keys (+ "seed_index")
    params: np.ndarray  # P x K
    status: List[str]  # P
    seconds: np.ndarray  # P
    results: Dict[str, np.ndarray]  # name -> P (x ...)
    attrs: Dict[str, Any]
    # What each result is, as the file describes it (the analysis registry
    # writes both on every dataset of results/; empty in version 1 files).
    units: Dict[str, str] = field(default_factory=dict)
    long_names: Dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.params.shape[0]

    def label(self, name: str) -> str:
        """'long name [units]' of a result, for plot axes (the name itself when undescribed)."""
        ln = self.long_names.get(name, name)
        u = self.units.get(name, "")
        return f"{ln} [{u}]" if u and u != "1" else ln

    @property
    def analysis(self) -> str:
        return str(self.attrs.get("analysis", ""))

    @property
    def swept_keys(self) -> List[str]:
        """The swept config keys, without the ``seed_index`` column."""
        return [k for k in self.keys if k != "seed_index"]

    def column(self, name: str) -> np.ndarray:
        """A swept parameter (by key, or by its last dotted component) or a result."""
        if name in self.keys:
            return self.params[:, self.keys.index(name)]
        short = [k.split(".")[-1] for k in self.keys]
        if short.count(name) == 1:
            return self.params[:, short.index(name)]
        if name in self.results:
            return self.results[name]
        if name == "seconds":
            return self.seconds
        raise KeyError(f"no swept key or result named {name!r}; keys {self.keys}, results {sorted(self.results)}")

    def table(self) -> Dict[str, np.ndarray]:
        """Columns: every swept key, status, seconds and every scalar result."""
        t: Dict[str, np.ndarray] = {k: self.params[:, i] for i, k in enumerate(self.keys)}
        t["status"] = np.array(self.status, dtype=object)
        t["seconds"] = self.seconds
        for k, v in self.results.items():
            if v.ndim == 1:
                t[k] = v
        return t

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame(self.table())

    @property
    def done(self) -> np.ndarray:
        """Points that were run (status not empty)."""
        return np.array([s != "" for s in self.status], bool)

    def unique(self, key: str) -> np.ndarray:
        return np.unique(self.column(key))

    def select(self, **fixed: float) -> np.ndarray:
        """Boolean mask of the points where each given key (short names allowed) has the given value."""
        m = np.ones(len(self), bool)
        for k, v in fixed.items():
            m &= np.isclose(self.column(k), v)
        return m


@dataclass
class Chaos:
    """The /chaos group: largest exponent against g, with the mean-field curve."""

    g: np.ndarray  # G
    lambda_max: np.ndarray  # G x S
    divergent: np.ndarray  # G x S bool
    lambda_mean: np.ndarray  # G
    lambda_sem: np.ndarray  # G
    meanfield_g: np.ndarray  # M
    meanfield_lambda: np.ndarray  # M
    attrs: Dict[str, Any]
    n_finite: Optional[np.ndarray] = None  # G: seeds with a finite exponent
    n_divergent: Optional[np.ndarray] = None  # G: seeds that diverged
    meanfield_status: List[str] = field(default_factory=list)  # M: "stable" / "chaotic" / "failed"
    n: Optional[int] = None  # network size (from the config: a chaos file has no /network group)

    @property
    def key(self) -> str:
        """The swept config key (``model.g`` unless [chaos] key says otherwise)."""
        return str(self.attrs.get("key", "model.g"))

    @property
    def g_c_found(self) -> bool:
        return bool(self.attrs.get("g_c_found", np.isfinite(self.g_c)))

    @property
    def g_c(self) -> float:
        return float(self.attrs.get("g_c", np.nan))

    @property
    def g_c_err(self) -> float:
        return float(self.attrs.get("g_c_err", np.nan))

    @property
    def g_c_stable_branch(self) -> float:
        """Zero of the stable branch of the mean exponent, extrapolated (NaN if not found)."""
        return float(self.attrs.get("g_c_stable_branch", np.nan))

    @property
    def g_c_stable_branch_err(self) -> float:
        return float(self.attrs.get("g_c_stable_branch_err", np.nan))

    @property
    def g_c_meanfield(self) -> float:
        return float(self.attrs.get("g_c_meanfield", np.nan))


# --------------------------------------------------------------------------- the file


class RatenetFile:
    """An open ratenet HDF5 file (use :func:`open_file`)."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        if not os.path.exists(self.path):
            raise FileNotFoundError(self.path)
        try:
            # No lock: ratenet may still be writing a .part file.
            self.h5 = h5py.File(self.path, "r", locking=False)
        except OSError as e:
            raise RatenetFormatError(
                f"{self.path}: cannot open as HDF5: it is not an HDF5 file, or it is truncated or corrupt ({e})"
            ) from e
        try:
            self.attrs = _attrs(self.h5)
            fmt = self.attrs.get("format")
            if fmt != "ratenet":
                raise RatenetFormatError(
                    f"{self.path}: not a ratenet file (root attribute format = {fmt!r}, expected 'ratenet')"
                )
            ver = self.attrs.get("format_version")
            try:
                ver = int(ver)
            except (TypeError, ValueError):
                raise RatenetFormatError(f"{self.path}: missing or invalid format_version attribute ({ver!r})") from None
            if ver > SUPPORTED_FORMAT_VERSION:
                raise RatenetFormatError(
                    f"{self.path}: format_version {ver} is newer than this reader supports "
                    f"({SUPPORTED_FORMAT_VERSION}); update ratenet_analysis"
                )
            if ver < 1:
                raise RatenetFormatError(f"{self.path}: invalid format_version {ver}")
            self.format_version = ver
        except BaseException:
            self.h5.close()
            raise

    # -- context manager
    def __enter__(self) -> "RatenetFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.h5.close()
        except Exception:  # noqa: BLE001
            pass

    def __repr__(self) -> str:
        return f"<RatenetFile {self.path!r} kind={self.kind!r} status={self.status!r}>"

    # -- header
    @property
    def kind(self) -> str:
        return str(self.attrs.get("kind", ""))

    @property
    def status(self) -> str:
        return str(self.attrs.get("status", "running"))

    @property
    def message(self) -> str:
        return str(self.attrs.get("message", ""))

    @property
    def is_partial(self) -> bool:
        """A run that did not finish: a .part file or status running/interrupted."""
        return self.path.endswith(".part") or self.status in ("running", "interrupted")

    @property
    def config_text(self) -> str:
        return str(self.attrs.get("config", ""))

    @property
    def config(self) -> Dict[str, Any]:
        """The resolved configuration, parsed from TOML."""
        try:
            return tomllib.loads(self.config_text)
        except tomllib.TOMLDecodeError:
            return {}

    @property
    def seeds(self) -> Dict[str, int]:
        return {k[5:]: int(v) for k, v in self.attrs.items() if k.startswith("seed_")}

    def has(self, group: str) -> bool:
        try:
            return group.strip("/") in self.h5
        except (OSError, RuntimeError):
            return False

    def groups(self) -> List[str]:
        try:
            return [k for k in self.h5.keys()]
        except (OSError, RuntimeError) as e:
            raise RatenetFormatError(f"{self.path}: cannot list groups (corrupt file?): {e}") from e

    def _group(self, name: str):
        try:
            if name not in self.h5:
                have = ", ".join("/" + g for g in self.groups()) or "none"
                raise RatenetFormatError(
                    f"{self.path}: no /{name} group (kind {self.kind!r}, status {self.status!r}; groups: {have})"
                )
            g = self.h5[name]
        except (OSError, RuntimeError, KeyError) as e:
            raise RatenetFormatError(f"{self.path}: cannot open /{name} (truncated or corrupt file?): {e}") from e
        return g

    def _read(self, g, name: str, default: Any = KeyError) -> Any:
        try:
            if name not in g:
                if default is KeyError:
                    raise RatenetFormatError(f"{self.path}: missing dataset {g.name}/{name}")
                return default
            return g[name][()]
        except (OSError, RuntimeError) as e:
            raise RatenetFormatError(f"{self.path}: cannot read {g.name}/{name} (truncated or corrupt file?): {e}") from e

    # -- readers
    def network(self) -> Network:
        g = self._group("network")
        a = _attrs(g)
        n = int(a.get("n", 0))
        fmt = str(a.get("W_format", "dense"))
        W = Wc = None
        if fmt == "csr":
            import scipy.sparse as sp

            shape = tuple(int(s) for s in np.asarray(a.get("W_shape", (n, n))).ravel())
            Wc = sp.csr_matrix(
                (self._read(g, "W_data"), self._read(g, "W_indices"), self._read(g, "W_indptr")), shape=shape
            )
        else:
            W = np.asarray(self._read(g, "W"), float)
        b = np.asarray(self._read(g, "b"), float)
        n = n or len(b)
        sched = None
        if "schedule" in g:
            sg = g["schedule"]
            sched = Schedule(
                np.asarray(self._read(sg, "t_start"), float),
                np.asarray(self._read(sg, "t_end"), float),
                np.asarray(self._read(sg, "b"), float).reshape(-1, n),
            )
        slopes = self._read(g, "transfer_slopes", None)
        return Network(
            n=n,
            form=str(a.get("form", "rate")),
            transfer=str(a.get("transfer", "")),
            transfer_params={k[9:]: v for k, v in a.items() if k.startswith("transfer_")},
            model=str(a.get("model", "")),
            model_params={k[6:]: _as_float(v) for k, v in a.items() if k.startswith("model_")},
            W_format=fmt,
            b=b,
            tau=np.asarray(self._read(g, "tau"), float),
            noise_sigma=float(a.get("noise_sigma", 0.0)),
            equation=str(a.get("equation", "")),
            schedule=sched,
            transfer_slopes=None if slopes is None else np.asarray(slopes, float),
            attrs=a,
            _W_dense=W,
            _W_csr=Wc,
        )

    def trajectory(self) -> Trajectory:
        g = self._group("trajectory")
        a = _attrs(g)
        try:
            xd = g["x"]
            t = np.asarray(g["t"][()], float)
            neuron = np.asarray(g["neuron"][()], np.int64)
            xa = _attrs(xd)
            rows = xd.shape[0]
        except (OSError, RuntimeError, KeyError) as e:
            raise RatenetFormatError(f"{self.path}: cannot read /trajectory (truncated or corrupt file?): {e}") from e
        # A killed run may have appended x but not yet t: keep complete samples only.
        t = t[: min(len(t), rows)]
        return Trajectory(
            t=t,
            neuron=neuron,
            dataset=xd,
            attrs=a,
            units=str(xa.get("units", "")),
            long_name=str(xa.get("long_name", "x")),
        )

    def permitted(self) -> Permitted:
        g = self._group("permitted")
        a = _attrs(g)
        n = self._n_hint()

        def sets(name):
            v = self._read(g, name, None)
            if v is None:
                return np.zeros((0, n), bool)
            return np.asarray(v).astype(bool).reshape(-1, n if n else np.asarray(v).shape[-1])

        counts = self._read(g, "counts_by_size", None)
        s = sets("sets")
        if counts is None:
            counts = np.bincount(s.sum(axis=1), minlength=s.shape[1] + 1)
            counts[0] = 1
        ver = None
        if "verification" in g:
            vg = g["verification"]
            vs = self._read(vg, "sets")
            nn = n if n else np.asarray(vs).shape[-1]
            vs = np.asarray(vs).astype(bool).reshape(-1, nn)
            V = vs.shape[0]
            ver = Verification(
                sets=vs,
                permitted=np.asarray(self._read(vg, "permitted")).astype(bool).reshape(V),
                agrees=np.asarray(self._read(vg, "agrees")).astype(bool).reshape(V),
                max_error=np.asarray(self._read(vg, "max_error", np.full(V, np.nan)), float).reshape(V),
                growth_rate=np.asarray(self._read(vg, "growth_rate", np.full(V, np.nan)), float).reshape(V),
                attrs=_attrs(vg),
            )
        return Permitted(s, sets("maximal"), sets("minimal_forbidden"), np.asarray(counts, np.int64), a, ver)

    def _current_names(self, group: str, attrs: dict) -> dict:
        """Attributes under their current names (version 1 files used others)."""
        if self.format_version >= 2:
            return attrs
        out = dict(attrs)
        for old, new in V1_RENAMED_ATTRS.get(group, {}).items():
            if old in out:
                out.setdefault(new, out.pop(old))
        return out

    def fixed_points(self) -> FixedPoints:
        g = self._group("fixed_points")
        a = self._current_names("fixed_points", _attrs(g))
        sup = np.asarray(self._read(g, "support")).astype(bool)
        n = sup.shape[1] if sup.ndim == 2 else self._n_hint()
        sup = sup.reshape(-1, n)
        x = np.asarray(self._read(g, "x"), float).reshape(-1, n)
        er = np.asarray(self._read(g, "eig_real"), float).reshape(-1, n)
        ei = np.asarray(self._read(g, "eig_imag", np.zeros_like(er)), float).reshape(-1, n)
        stable = self._read(g, "stable", None)
        stable = (er.max(axis=1, initial=-np.inf) < 0) if stable is None else np.asarray(stable).astype(bool)
        nu = self._read(g, "n_unstable", None)
        nu = (er > 0).sum(axis=1) if nu is None else np.asarray(nu, np.int64)
        idx = np.asarray(self._read(g, "index", np.zeros(len(stable))), np.int64)
        cls = _strings(g["class"]) if "class" in g else ["stable" if s_ else "unstable" for s_ in stable]
        res = self._read(g, "residual", None)
        return FixedPoints(sup, x, er + 1j * ei, stable, nu, idx, a, cls, None if res is None else np.asarray(res, float))

    def lyapunov(self) -> Lyapunov:
        g = self._group("lyapunov")
        a = _attrs(g)
        ex = np.asarray(self._read(g, "exponents"), float).ravel()
        err = np.asarray(self._read(g, "errors", np.full(ex.shape, np.nan)), float).ravel()
        tt = np.zeros(0)
        te = np.zeros((0, len(ex)))
        if "trace" in g:
            tg = g["trace"]
            tt = np.asarray(self._read(tg, "t", tt), float).ravel()
            te = np.asarray(self._read(tg, "exponents", te), float)
            te = te.reshape(len(tt), -1) if te.size else np.zeros((len(tt), len(ex)))
            m = min(len(tt), te.shape[0])
            tt, te = tt[:m], te[:m]
        n = int(a["n"]) if "n" in a else (self._n_hint() or None)
        return Lyapunov(ex, err, tt, te, a, n=n)

    def sweep(self) -> Sweep:
        g = self._group("sweep")
        a = _attrs(g)
        try:
            keys = _strings(g["keys"]) if "keys" in g else []
            status = _strings(g["status"]) if "status" in g else []
        except (OSError, RuntimeError) as e:
            raise RatenetFormatError(f"{self.path}: cannot read /sweep (truncated or corrupt file?): {e}") from e
        params = np.asarray(self._read(g, "params"), float).reshape(-1, len(keys)) if keys else np.zeros((0, 0))
        P = params.shape[0]
        status = (status + [""] * P)[:P]
        seconds = np.asarray(self._read(g, "seconds", np.full(P, np.nan)), float)
        results: Dict[str, np.ndarray] = {}
        units: Dict[str, str] = {}
        long_names: Dict[str, str] = {}
        if "results" in g:
            rg = g["results"]
            for name in rg:
                obj = rg[name]
                if isinstance(obj, h5py.Dataset):
                    v = self._read(rg, name)
                    results[name] = np.asarray(v) if np.asarray(v).dtype.kind not in "SO" else np.array(_strings(obj), object)
                    da = _attrs(obj)
                    if isinstance(da.get("units"), str):
                        units[name] = da["units"]
                    if isinstance(da.get("long_name"), str):
                        long_names[name] = da["long_name"]
        return Sweep(keys, params, status, seconds, results, a, units, long_names)

    def chaos(self) -> Chaos:
        g = self._group("chaos")
        a = _attrs(g)
        gv = np.asarray(self._read(g, "g"), float).ravel()
        lm = np.asarray(self._read(g, "lambda_max"), float).reshape(len(gv), -1)
        dv = np.asarray(self._read(g, "divergent", np.zeros(lm.shape)), float).astype(bool).reshape(lm.shape)
        ok = np.where(dv, np.nan, lm)
        with np.errstate(all="ignore"):
            cnt = np.sum(np.isfinite(ok), axis=1)
            mean_default = np.nanmean(ok, axis=1) if ok.size else np.zeros(len(gv))
            sem_default = np.nanstd(ok, axis=1, ddof=1) / np.sqrt(np.maximum(cnt, 1)) if ok.size else np.zeros(len(gv))
        mean = np.asarray(self._read(g, "lambda_mean", mean_default), float)
        sem = np.asarray(self._read(g, "lambda_sem", sem_default), float)
        mg = np.zeros(0)
        ml = np.zeros(0)
        mst: List[str] = []
        if "meanfield" in g:
            mfg = g["meanfield"]
            mg = np.asarray(self._read(mfg, "g", mg), float)
            ml = np.asarray(self._read(mfg, "lambda_max", ml), float)
            if "status" in mfg:
                mst = _strings(mfg["status"])
        nf = self._read(g, "n_finite", None)
        nd = self._read(g, "n_divergent", None)
        n = self._n_hint() or None
        if n is None:
            try:
                n = int(self.config.get("model", {}).get("n")) or None
            except (TypeError, ValueError):
                n = None
        return Chaos(gv, lm, dv, mean, sem, mg, ml, a,
                     n_finite=None if nf is None else np.asarray(nf, np.int64),
                     n_divergent=None if nd is None else np.asarray(nd, np.int64),
                     meanfield_status=mst, n=n)

    def _n_hint(self) -> int:
        try:
            if "network" in self.h5:
                a = self.h5["network"].attrs
                if "n" in a:
                    return int(a["n"])
                if "b" in self.h5["network"]:
                    return int(self.h5["network/b"].shape[0])
        except (OSError, RuntimeError):
            pass
        return 0


def open_file(path: str | os.PathLike) -> RatenetFile:
    """Open a ratenet file (also ``NAME.h5.part``); raises RatenetFormatError when it is not one."""
    return RatenetFile(path)
