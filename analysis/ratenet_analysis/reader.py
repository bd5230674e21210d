"""Readers for ratenet's HDF5 files (docs/file-format.md, format version 2; version 1 is read too).

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

KINDS = ("simulate", "permitted", "fixed_points", "lyapunov", "sweep", "chaos", "network")


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


def _read_rows(dataset, rows: Any, T: int, name: str) -> np.ndarray:
    """Rows of an on-disk dataset whose first T rows are valid (slice, int, or int/bool array; negative from the end)."""
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
            out = dataset[u, ...][inv]
        else:
            out = dataset[rows, ...]
    except OSError as e:
        raise RatenetFormatError(f"cannot read {name} (truncated or corrupt file?): {e}") from e
    return np.asarray(out)


# --------------------------------------------------------------------------- dataclasses


@dataclass
class Schedule:
    """Piecewise-constant input: b(t) = b[s] for t_start[s] <= t < t_end[s].

    Read from ``/network/schedule`` (the config's ``[[input.schedule]]``);
    outside every interval the input is :attr:`Network.b`.

    Parameters
    ----------
    t_start, t_end : numpy.ndarray
        Start and end time of each of the S intervals, shape (S,).
    b : numpy.ndarray
        The input during each interval, shape (S, N).
    """

    t_start: np.ndarray  # S
    t_end: np.ndarray  # S
    b: np.ndarray  # S x N

    def __len__(self) -> int:
        return len(self.t_start)


@dataclass
class Network:
    """The ``/network`` group: couplings, input, time constants and model.

    Returned by :meth:`RatenetFile.network`.  The coupling matrix is available
    dense (:attr:`W`) or sparse (:meth:`W_sparse`), whichever way it was stored.

    A file written with ``[output] network = "recipe"`` does not store W
    (:attr:`W_stored` is False, :attr:`W_format` is ``"recipe"``): its stored
    configuration and seeds rebuild it bit for bit.  The first access to
    :attr:`W` or :meth:`W_sparse` then runs ``ratenet network FILE`` (the binary
    is found as :func:`run` finds it) and keeps the result on this object; call
    :meth:`load_W` to choose the binary, or use :func:`rebuild_network`.

    Parameters
    ----------
    n : int
        Number of neurons N.
    form : str
        ``"rate"`` (tau dx/dt = -x + f(W x + b)) or ``"current"``
        (tau dh/dt = -h + W f(h) + b).
    transfer : str
        Name of the transfer function f (``relu``, ``tanh``, ...).
    transfer_params : dict
        Its parameters (``gain``, ``threshold``, ...).
    model : str
        The model that built W (``hahnloser_wta``, ``random_gaussian``, ...).
    model_params : dict
        The model's parameters, as numbers where they parse as numbers.
    W_format : str
        ``"dense"`` or ``"csr"``: how W is stored in the file; ``"recipe"``: not
        stored, rebuilt on first use (see :attr:`W_stored`).
    b : numpy.ndarray
        The constant input, shape (N,).
    tau : numpy.ndarray
        Time constants, shape (N,).
    noise_sigma : float
        Standard deviation of the additive noise (0: deterministic).
    equation : str
        The network equation as text.
    schedule : Schedule or None
        The piecewise-constant input, if the config has one.
    transfer_slopes : numpy.ndarray or None
        Per-neuron slopes of a piecewise-linear transfer function, if stored.
    attrs : dict
        All attributes of ``/network``.
    _W_dense, _W_csr : numpy.ndarray or scipy.sparse.csr_matrix, optional
        Internal: W as read from the file (the other is made on first use).
    _source : str, optional
        Internal: the file the network was read from, to rebuild W from.
    _cache : dict, optional
        Internal: the rebuilt W, shared by the networks read from one open file.
    _layout : str, optional
        Internal: ``"dense"`` or ``"csr"``, how ``ratenet network`` rebuilt W.

    Examples
    --------
    >>> with ra.open_file("wta.h5") as f:          # doctest: +SKIP
    ...     net = f.network()
    >>> net.W.shape, net.param("alpha")            # doctest: +SKIP
    ((10, 10), 1.5)
    """

    n: int
    form: str  # "rate" or "current"
    transfer: str
    transfer_params: Dict[str, float]
    model: str
    model_params: Dict[str, Any]
    W_format: str  # "dense", "csr" or "recipe" (W not stored)
    b: np.ndarray
    tau: np.ndarray
    noise_sigma: float
    equation: str
    schedule: Optional[Schedule]
    transfer_slopes: Optional[np.ndarray]
    attrs: Dict[str, Any]
    _W_dense: Optional[np.ndarray] = field(default=None, repr=False)
    _W_csr: Any = field(default=None, repr=False)
    _source: Optional[str] = field(default=None, repr=False, compare=False)
    _cache: Optional[Dict[str, Any]] = field(default=None, repr=False, compare=False)
    _layout: Optional[str] = field(default=None, repr=False, compare=False)

    @property
    def W_stored(self) -> bool:
        """Whether the file stores W (False for ``W_format = "recipe"``: :attr:`W` is rebuilt on first use)."""
        return self.W_format != "recipe"

    @property
    def W_loaded(self) -> bool:
        """Whether W is in memory (False for a recipe file until W is first used, or :meth:`load_W`)."""
        return self._W_dense is not None or self._W_csr is not None

    @property
    def W_layout(self) -> str:
        """How W is held: ``"dense"`` or ``"csr"`` (for a recipe file this rebuilds W, as :meth:`load_W`)."""
        if self.W_format in ("dense", "csr") and self._layout is None:
            return self.W_format
        self.load_W()
        return self._layout or ("csr" if self._W_dense is None else "dense")

    @property
    def W(self) -> np.ndarray:
        """Dense coupling matrix, shape (N, N): ``W[i, j]`` is from neuron j to neuron i.

        For a recipe file the first access rebuilds W with ``ratenet network``
        (see :meth:`load_W`, which raises the errors).
        """
        if self._W_dense is None:
            self.load_W()
            if self._W_dense is None:
                self._W_dense = self._W_csr.toarray()
        return self._W_dense

    def W_sparse(self):
        """Return W as a sparse matrix.

        For a recipe file the first call rebuilds W with ``ratenet network``
        (see :meth:`load_W`).

        Returns
        -------
        scipy.sparse.csr_matrix
            The couplings in CSR form (converted once, and cached, when stored dense).

        Raises
        ------
        RatenetBinaryError
            W is not stored and ``ratenet network`` could not rebuild it (as :meth:`load_W`).
        """
        import scipy.sparse as sp

        if self._W_csr is None:
            self.load_W()
            if self._W_csr is None:
                self._W_csr = sp.csr_matrix(self._W_dense)
        return self._W_csr

    def load_W(self, ratenet: Optional[str] = None) -> "Network":
        """Make sure W is in memory: rebuild it with ``ratenet network`` if the file does not store it.

        Nothing happens when W is already loaded (a file that stores W, or a
        recipe rebuilt before).  Otherwise ``ratenet network FILE -o TMP/W.h5 -q``
        rebuilds W from the file's stored configuration and seeds, bit for bit;
        W is read, kept on this object (and on the open :class:`RatenetFile`, for
        later :meth:`RatenetFile.network` calls) and the temporary file is
        deleted.  The rebuilt network's N, b and tau must equal the file's, and
        its number of entries the file's ``W_nonzeros``.

        Parameters
        ----------
        ratenet : str, optional
            The ratenet binary; default ``$RATENET``, ``./build/ratenet``, or
            ``ratenet`` on PATH (as :func:`run`).

        Returns
        -------
        Network
            This network, with W loaded.

        Raises
        ------
        RatenetBinaryError
            The binary was not found, lacks ``ratenet network``, or rebuilt a
            network that differs from the file's; the message says how to rebuild
            W by hand.
        RatenetRunError
            ``ratenet network`` exited with an error (its exit code and message).
        RatenetFormatError
            The network has no file to rebuild W from.

        See Also
        --------
        rebuild_network : The same from a file name, keeping the rebuilt file if asked.
        """
        if self.W_loaded:
            return self
        if self._cache is not None and "W" in self._cache:
            self._layout, W = self._cache["layout"], self._cache["W"]
        else:
            if self._source is None:
                raise RatenetFormatError(
                    f"W of this {self.model or ''} network is not loaded and there is no file to rebuild it from"
                )
            from .runs import _rebuild_W  # runs imports this module

            self._layout, W = _rebuild_W(self._source, self, ratenet)
            if self._cache is not None:
                self._cache.update(layout=self._layout, W=W)
        if self._layout == "csr":
            self._W_csr = W
        else:
            self._W_dense = W
        return self

    def input_at(self, t: float) -> np.ndarray:
        """Return the input at time ``t``, schedule included.

        Parameters
        ----------
        t : float
            The time.

        Returns
        -------
        numpy.ndarray
            The input b(t), shape (N,): the schedule's input if ``t`` falls in one of its
            intervals, else :attr:`b`.
        """
        if self.schedule is not None:
            for s in range(len(self.schedule)):
                if self.schedule.t_start[s] <= t < self.schedule.t_end[s]:
                    return self.schedule.b[s]
        return self.b

    def param(self, name: str, default: Any = None) -> Any:
        """Return a model parameter or a transfer parameter.

        Parameters
        ----------
        name : str
            A model parameter (``"alpha"``) or a transfer parameter with the
            prefix ``transfer_`` (``"transfer_gain"``).
        default : object, optional
            Returned when there is no such parameter.

        Returns
        -------
        object
            The value (a number where the stored text parses as one), or ``default``.
        """
        if name in self.model_params:
            return self.model_params[name]
        if name.startswith("transfer_") and name[9:] in self.transfer_params:
            return self.transfer_params[name[9:]]
        return default


@dataclass
class Trajectory:
    """The ``/trajectory`` group, read lazily.

    Returned by :meth:`RatenetFile.trajectory`.  ``t`` and ``neuron`` are loaded
    (small); the state stays on disk in ``dataset`` and is read by :meth:`x` one
    slice at a time, so it is only valid while the file is open.  A killed run's
    incomplete last sample is left out.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times, shape (T,).
    neuron : numpy.ndarray
        Ids of the recorded neurons (the columns of x), shape (R,).
    dataset : h5py.Dataset
        ``/trajectory/x`` on disk, shape (T_stored, R).
    attrs : dict
        Attributes of ``/trajectory`` (``status``, ``steps``, ...).
    units : str
        Units of x as the file states them.
    long_name : str
        Description of x (``"firing rate"``, ``"input current"``, ...).

    Examples
    --------
    >>> with ra.open_file("wta.h5") as f:          # doctest: +SKIP
    ...     tr = f.trajectory()
    ...     first = tr.x(slice(0, 100))            # rows 0..99 only
    ...     last = tr.x(-1)                        # the final state
    ...     x_10_20 = tr.x(tr.window(10.0, 20.0))  # samples with 10 <= t < 20
    """

    t: np.ndarray  # T
    neuron: np.ndarray  # R
    dataset: Any  # h5py.Dataset, T_stored x R
    attrs: Dict[str, Any]
    units: str
    long_name: str

    @property
    def shape(self):
        """Shape (T, R) of the full state array."""
        return (len(self.t), len(self.neuron))

    def __len__(self) -> int:
        return len(self.t)

    @property
    def status(self) -> str:
        """Run status: ``completed``, ``diverged``, ``interrupted`` or ``running`` (not finished)."""
        return self.attrs.get("status", "running")

    def x(self, rows: Any = slice(None), neurons: Any = slice(None)) -> np.ndarray:
        """Read the state at some samples, for some recorded neurons.

        Only the requested rows are read from disk.

        Parameters
        ----------
        rows : slice, int or array_like of int or bool, default all
            Sample rows; negative integers count from the end.
        neurons : slice, int or array_like of int, default all
            Columns: positions in :attr:`neuron` (see :meth:`column`), not neuron ids.

        Returns
        -------
        numpy.ndarray
            Shape (len(rows), len(neurons)); an integer row or column drops that axis.

        Raises
        ------
        IndexError
            A row is out of range.
        RatenetFormatError
            The dataset cannot be read (truncated or corrupt file).
        """
        out = _read_rows(self.dataset, rows, len(self.t), "/trajectory/x")
        return out[..., neurons] if neurons is not None else out

    def column(self, neuron_id: int) -> int:
        """Return the column of :meth:`x` that holds a neuron.

        Parameters
        ----------
        neuron_id : int
            The neuron's index in the network (0 .. N-1).

        Returns
        -------
        int
            Its position in :attr:`neuron`.

        Raises
        ------
        KeyError
            The neuron was not recorded.
        """
        hits = np.flatnonzero(self.neuron == neuron_id)
        if hits.size == 0:
            raise KeyError(f"neuron {neuron_id} was not recorded")
        return int(hits[0])

    def window(self, t0: float, t1: float) -> slice:
        """Return the rows of the samples in a time window.

        Parameters
        ----------
        t0, t1 : float
            The window, t0 <= t < t1.

        Returns
        -------
        slice
            Rows to pass to :meth:`x`.
        """
        return slice(int(np.searchsorted(self.t, t0, "left")), int(np.searchsorted(self.t, t1, "left")))

    def to_xarray(self):
        """Return the state as a labelled array.

        Opened lazily with xarray's h5netcdf engine; falls back to an in-memory
        array when h5netcdf cannot open the file (e.g. a ``.part`` file still
        being written).

        Returns
        -------
        xarray.DataArray
            ``x`` with dimensions (t, neuron), coordinates, units and long_name.
        """
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
    """The sets ``ratenet permitted --verify`` checked by simulation.

    Read from ``/permitted/verification``; available as :attr:`Permitted.verification`.

    Parameters
    ----------
    sets : numpy.ndarray of bool
        The V checked sets, one row per set, shape (V, N).
    permitted : numpy.ndarray of bool
        The prediction for each set (True: permitted), shape (V,).
    agrees : numpy.ndarray of bool
        Whether the simulation behaved as predicted, shape (V,).
    max_error : numpy.ndarray
        Largest deviation from the predicted fixed point, shape (V,).
    growth_rate : numpy.ndarray
        Measured growth rate away from it, shape (V,).
    attrs : dict
        Attributes of the group (``n_agree``, ``n_disagree``, ...).
    """

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
        """Number of sets whose simulation agreed with the prediction."""
        return int(self.attrs.get("n_agree", int(self.agrees.sum())))

    @property
    def n_disagree(self) -> int:
        """Number of sets whose simulation disagreed with the prediction."""
        return int(self.attrs.get("n_disagree", int((~self.agrees).sum())))

    @property
    def all_agree(self) -> bool:
        """True when at least one set was checked and every check agreed."""
        return len(self) > 0 and self.n_disagree == 0 and bool(self.agrees.all())


@dataclass
class Permitted:
    """The ``/permitted`` group: the permitted and forbidden sets of a threshold-linear network.

    Returned by :meth:`RatenetFile.permitted`.  A set S of neurons is permitted
    when some input makes it the active set of a stable steady state.  Set
    matrices are bool, one row per set, one column per neuron.  ``sets`` holds
    the non-empty permitted sets (by size, then lexicographically);
    ``counts_by_size[0]`` is 1 for the empty set, so ``counts_by_size.sum()`` is
    ``n_permitted + 1``.

    Parameters
    ----------
    sets : numpy.ndarray of bool
        The non-empty permitted sets, shape (P, N).
    maximal : numpy.ndarray of bool
        The maximal permitted sets, shape (M, N).
    minimal_forbidden : numpy.ndarray of bool
        The minimal forbidden sets, shape (F, N).
    counts_by_size : numpy.ndarray of int
        Number of permitted sets of each size 0 .. N, shape (N + 1,).
    attrs : dict
        Attributes of ``/permitted`` (``n_permitted``, ``method``, ...).
    verification : Verification or None
        The simulation check of ``ratenet permitted --verify``, if run.

    Examples
    --------
    >>> with ra.run("configs/hahnloser_wta.toml", command="permitted") as f:   # doctest: +SKIP
    ...     p = f.permitted()
    >>> p.n_permitted, p.members(p.maximal)[:2], p.is_permitted([0, 1])        # doctest: +SKIP
    (10, [[0], [1]], False)
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
        """Convert set rows to lists of neuron indices.

        Parameters
        ----------
        rows : numpy.ndarray of bool
            One set (shape (N,)) or several (shape (K, N)).

        Returns
        -------
        list of list of int
            The members of each set.
        """
        return [list(np.flatnonzero(r)) for r in np.atleast_2d(rows)]

    @property
    def n(self) -> int:
        """Number of neurons N."""
        return len(self.counts_by_size) - 1

    def is_permitted(self, members: Sequence[int]) -> bool:
        """Tell whether a set of neurons is permitted.

        A set is permitted when it is a subset of some maximal permitted set
        (the empty set is permitted).

        Parameters
        ----------
        members : sequence of int
            The neurons of the set.

        Returns
        -------
        bool
            True if the set is permitted.
        """
        v = np.zeros(self.n, bool)
        v[list(members)] = True
        return bool(np.any(np.all(self.maximal[:, v], axis=1))) if v.any() else True


@dataclass
class FixedPoints:
    """The ``/fixed_points`` group: every fixed point, its support and stability.

    Returned by :meth:`RatenetFile.fixed_points`; one row per fixed point.

    Parameters
    ----------
    support : numpy.ndarray of bool
        The active neurons of each fixed point, shape (F, N).
    x : numpy.ndarray
        The fixed points, shape (F, N).
    eig : numpy.ndarray of complex
        Eigenvalues of the Jacobian at each, largest real part first, shape (F, N).
    stable : numpy.ndarray of bool
        Whether every eigenvalue has a negative real part, shape (F,).
    n_unstable : numpy.ndarray of int
        Number of eigenvalues with a positive real part, shape (F,).
    index : numpy.ndarray of int
        The index sgn det(I - W_SS) of each fixed point, shape (F,).
    attrs : dict
        Attributes of ``/fixed_points`` (``index_sum``, ...).
    classes : list of str
        ``"stable"``, ``"unstable"`` or ``"marginal"`` for each fixed point.
    residual : numpy.ndarray or None
        Norm of the right-hand side at each fixed point, shape (F,), if stored.
    """

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
        """Support size of each fixed point, shape (F,)."""
        return self.support.sum(axis=1)


@dataclass
class Lyapunov:
    """The ``/lyapunov`` group: Lyapunov exponents and their convergence.

    Returned by :meth:`RatenetFile.lyapunov`.

    Parameters
    ----------
    exponents : numpy.ndarray
        The k largest exponents, largest first, shape (k,).
    errors : numpy.ndarray
        Their standard errors, shape (k,).
    trace_t : numpy.ndarray
        Times of the convergence trace (absolute time), shape (R,).
    trace_exponents : numpy.ndarray
        Running estimates at those times, shape (R, k), in tangent-vector order.
    attrs : dict
        Attributes of ``/lyapunov`` (``sum``, ``mean_trace``, ``kaplan_yorke``, ...).
    n : int or None
        Network size N, for plotting against i/N.
    participation_ratio : numpy.ndarray or None
        Participation ratio 1 / sum_j Q_ji^4 of each (Gram-Schmidt) Lyapunov
        vector, averaged over the accumulation (1 .. N), in the order of the
        exponents, shape (k,); None in files written before it was stored.
    local_exponents : numpy.ndarray
        Finite-time exponents over consecutive windows of length
        :attr:`t_local`, in the order of the exponents, shape (W, k); no rows
        when ``lyapunov.t_local`` is 0 or the file predates them.
    covariant : CovariantVectors or None
        The covariant Lyapunov vectors (``/lyapunov/covariant``), for a run
        with ``lyapunov.clv_window > 0``; None otherwise.

    Examples
    --------
    >>> with ra.run("configs/chaos_tanh.toml", command="lyapunov",              # doctest: +SKIP
    ...             overrides={"model.n": 100, "lyapunov.k": 100}) as f:
    ...     ly = f.lyapunov()
    >>> ly.lambda_max > 0, ly.kaplan_yorke                                       # doctest: +SKIP
    >>> with ra.run("configs/chaos_tanh.toml", command="lyapunov",              # doctest: +SKIP
    ...             overrides={"lyapunov.k": 10, "lyapunov.t_local": 10, "lyapunov.clv_window": 50}) as f:
    ...     ly = f.lyapunov()
    ...     spread = ly.local_exponents.std(axis=0)      # finite-time fluctuations, per exponent
    ...     angles = ly.covariant.angle_unstable_stable  # radians, one per time
    """

    exponents: np.ndarray  # k
    errors: np.ndarray  # k
    trace_t: np.ndarray  # R
    trace_exponents: np.ndarray  # R x k
    attrs: Dict[str, Any]
    n: Optional[int] = None  # network size (from /network), for i/N
    participation_ratio: Optional[np.ndarray] = None  # k; None in older files
    local_exponents: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # W x k
    covariant: Optional["CovariantVectors"] = None  # /lyapunov/covariant, when clv_window > 0

    @property
    def k(self) -> int:
        """Number of exponents computed."""
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
        """Kaplan-Yorke dimension D_KY (the file's value, else computed from the exponents)."""
        v = self.attrs.get("kaplan_yorke")
        return float(v) if v is not None else kaplan_yorke(self.exponents)

    @property
    def entropy_rate(self) -> float:
        """Entropy rate H: the sum of the positive exponents (Pesin)."""
        v = self.attrs.get("entropy_rate")
        return float(v) if v is not None else float(np.sum(self.exponents[self.exponents > 0]))

    @property
    def lambda_max(self) -> float:
        """The largest exponent (NaN when none was computed)."""
        return float(self.exponents[0]) if self.k else float("nan")

    @property
    def t_local(self) -> float:
        """Length of the finite-time windows of :attr:`local_exponents` (0: none)."""
        return float(self.attrs.get("t_local", 0.0))


@dataclass
class CovariantVectors:
    """The ``/lyapunov/covariant`` group: covariant Lyapunov vectors (Ginelli et al. 2007).

    :attr:`Lyapunov.covariant` of a run with ``lyapunov.clv_window > 0``.  The
    vectors are taken at the ends of the ONS intervals of the last
    ``clv_window`` of the accumulation before the backward transient
    ``clv_backward``.  The small datasets are loaded; the vectors and the states
    (stored with ``lyapunov.clv_vectors = true``) stay on disk and are read by
    :meth:`vectors` and :meth:`state`, only while the file is open.

    Parameters
    ----------
    t : numpy.ndarray
        Times of the vectors (absolute time), shape (T,).
    exponents : numpy.ndarray
        Growth rate of each covariant vector over the window, largest first
        (estimates of the Lyapunov exponents from the window alone), shape (k,).
    participation_ratio : numpy.ndarray
        1 / sum_j V_ji^4 of each unit covariant vector, averaged over the
        window (1 .. N), shape (k,).
    angle_unstable_stable : numpy.ndarray
        Smallest principal angle in radians (0 .. pi/2) between the unstable
        and the stable subspaces at each time, shape (T,); NaN when one of
        them is empty.
    attrs : dict
        Attributes of ``/lyapunov/covariant`` (``n_unstable``, ``n_stable``,
        ``clv_window``, ``clv_backward``).
    vectors_dataset : h5py.Dataset or None
        ``/lyapunov/covariant/vectors`` on disk, shape (T, N, k); None when
        the vectors were not stored.
    state_dataset : h5py.Dataset or None
        ``/lyapunov/covariant/state`` on disk, shape (T, N); None when not stored.

    Examples
    --------
    >>> with ra.open_file("l.h5") as f:                  # doctest: +SKIP
    ...     cv = f.lyapunov().covariant
    ...     cv.n_unstable, cv.angle_unstable_stable.min()
    ...     V = cv.vectors(-1)                           # N x k, the last time only
    """

    t: np.ndarray  # T
    exponents: np.ndarray  # k
    participation_ratio: np.ndarray  # k
    angle_unstable_stable: np.ndarray  # T
    attrs: Dict[str, Any]
    vectors_dataset: Any = field(default=None, repr=False)  # h5py.Dataset T x N x k, or None
    state_dataset: Any = field(default=None, repr=False)  # h5py.Dataset T x N, or None

    def __len__(self) -> int:
        return len(self.t)

    @property
    def k(self) -> int:
        """Number of covariant vectors."""
        return len(self.exponents)

    @property
    def n_unstable(self) -> int:
        """Number of vectors whose exponent exceeds 3 standard errors (the unstable subspace)."""
        return int(self.attrs.get("n_unstable", 0))

    @property
    def n_stable(self) -> int:
        """Number of vectors whose exponent is below -3 standard errors (the stable subspace)."""
        return int(self.attrs.get("n_stable", 0))

    @property
    def clv_window(self) -> float:
        """Length of the window the vectors cover (whole ONS intervals)."""
        return float(self.attrs.get("clv_window", np.nan))

    @property
    def clv_backward(self) -> float:
        """Length of the backward transient after the window."""
        return float(self.attrs.get("clv_backward", np.nan))

    @property
    def has_vectors(self) -> bool:
        """Whether the file stores the vectors and states (``lyapunov.clv_vectors = true``)."""
        return self.vectors_dataset is not None

    def _stored(self, dataset, name: str):
        if dataset is None:
            raise RatenetFormatError(
                f"the file stores no /lyapunov/covariant/{name}: run with lyapunov.clv_vectors = true"
            )
        return dataset

    def vectors(self, rows: Any = slice(None)) -> np.ndarray:
        """Read the unit covariant vectors at some times.

        Only the requested rows are read from disk.

        Parameters
        ----------
        rows : slice, int or array_like of int or bool, default all
            Rows of :attr:`t`; negative integers count from the end.

        Returns
        -------
        numpy.ndarray
            Shape (len(rows), N, k): ``[r, :, i]`` is vector i (largest
            exponent first) at time ``t[r]``; an integer row drops that axis.

        Raises
        ------
        RatenetFormatError
            The vectors were not stored (``clv_vectors = false``), or cannot be read.
        IndexError
            A row is out of range.
        """
        ds = self._stored(self.vectors_dataset, "vectors")
        return _read_rows(ds, rows, len(self.t), "/lyapunov/covariant/vectors")

    def state(self, rows: Any = slice(None)) -> np.ndarray:
        """Read the network state at the times of the vectors.

        Parameters
        ----------
        rows : slice, int or array_like of int or bool, default all
            Rows of :attr:`t`; negative integers count from the end.

        Returns
        -------
        numpy.ndarray
            Shape (len(rows), N); an integer row drops that axis.

        Raises
        ------
        RatenetFormatError
            The states were not stored (``clv_vectors = false``), or cannot be read.
        IndexError
            A row is out of range.
        """
        ds = self._stored(self.state_dataset, "state")
        return _read_rows(ds, rows, len(self.t), "/lyapunov/covariant/state")


def kaplan_yorke(exponents: np.ndarray) -> float:
    """Compute the Kaplan-Yorke dimension of a Lyapunov spectrum.

    D_KY = k + (lambda_1 + ... + lambda_k) / abs(lambda_{k+1}), k the largest
    index with a non-negative cumulative sum.

    Parameters
    ----------
    exponents : array_like
        The exponents, in any order.

    Returns
    -------
    float
        D_KY; 0 when the largest exponent is negative, k when every partial sum
        is non-negative.

    Examples
    --------
    >>> from ratenet_analysis.reader import kaplan_yorke
    >>> float(kaplan_yorke([0.5, 0.0, -1.0]))
    2.5
    """
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
    """The ``/sweep`` group: a table of results keyed by the swept parameters.

    Returned by :meth:`RatenetFile.sweep`; one row per point P of the grid (the
    Cartesian product of the swept values, the last key varying fastest and
    ``seed_index`` fastest of all).  :meth:`RatenetData.sweep` gives the same
    data on its parameter grid as an xarray Dataset.

    Parameters
    ----------
    keys : list of str
        The K columns of ``params``: the swept config keys sorted by name, then ``"seed_index"``.
    params : numpy.ndarray
        The parameter values of every point, shape (P, K).
    status : list of str
        Status of each point (``""`` when it has not run).
    seconds : numpy.ndarray
        Wall time of each point, shape (P,).
    results : dict of str to numpy.ndarray
        Each result, shape (P,) or (P, L) for a result of length L per point.
    attrs : dict
        Attributes of ``/sweep`` (``analysis``, ``sweep_hash``, ...).
    units, long_names : dict of str to str
        Units and descriptions of the results (empty in version 1 files).

    Examples
    --------
    >>> with ra.run("configs/sweep_chaos_small.toml", command="sweep") as f:   # doctest: +SKIP
    ...     sw = f.sweep()
    >>> sw.swept_keys, sw.unique("g")                                          # doctest: +SKIP
    >>> sw.column("temporal_std")[sw.select(g=2.0)]                            # doctest: +SKIP
    """

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
        """Return an axis label for a result.

        Parameters
        ----------
        name : str
            A result name.

        Returns
        -------
        str
            ``"long name [units]"`` (the name itself when the file does not describe it).
        """
        ln = self.long_names.get(name, name)
        u = self.units.get(name, "")
        return f"{ln} [{u}]" if u and u != "1" else ln

    @property
    def analysis(self) -> str:
        """The analysis run at each point (``simulate``, ``lyapunov``, ...)."""
        return str(self.attrs.get("analysis", ""))

    @property
    def swept_keys(self) -> List[str]:
        """The swept config keys, without the ``seed_index`` column."""
        return [k for k in self.keys if k != "seed_index"]

    def column(self, name: str) -> np.ndarray:
        """Return one column: a swept parameter or a result.

        Parameters
        ----------
        name : str
            A swept key (``"model.g"``, or ``"g"`` when that last component is
            unambiguous), ``"seed_index"``, a result name or ``"seconds"``.

        Returns
        -------
        numpy.ndarray
            Its value at every point, shape (P,) (or (P, L) for a vector result).

        Raises
        ------
        KeyError
            No key or result has that name.
        """
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
        """Return the sweep as a table of columns.

        Returns
        -------
        dict of str to numpy.ndarray
            Every swept key, ``status``, ``seconds`` and every scalar result, each of length P.
        """
        t: Dict[str, np.ndarray] = {k: self.params[:, i] for i, k in enumerate(self.keys)}
        t["status"] = np.array(self.status, dtype=object)
        t["seconds"] = self.seconds
        for k, v in self.results.items():
            if v.ndim == 1:
                t[k] = v
        return t

    def to_pandas(self):
        """Return :meth:`table` as a pandas DataFrame.

        Returns
        -------
        pandas.DataFrame
            One row per point.
        """
        import pandas as pd

        return pd.DataFrame(self.table())

    @property
    def done(self) -> np.ndarray:
        """Points that were run (status not empty)."""
        return np.array([s != "" for s in self.status], bool)

    def unique(self, key: str) -> np.ndarray:
        """Return the distinct values of a column.

        Parameters
        ----------
        key : str
            As for :meth:`column`.

        Returns
        -------
        numpy.ndarray
            The sorted unique values.
        """
        return np.unique(self.column(key))

    def select(self, **fixed: float) -> np.ndarray:
        """Select the points where swept keys have given values.

        Parameters
        ----------
        **fixed : float
            ``key=value`` pairs (short key names allowed); values are compared with :func:`numpy.isclose`.

        Returns
        -------
        numpy.ndarray of bool
            Mask over the points, shape (P,).
        """
        m = np.ones(len(self), bool)
        for k, v in fixed.items():
            m &= np.isclose(self.column(k), v)
        return m


@dataclass
class ChaosPopulations:
    """The ``/chaos/populations`` group: the P-population static mean field at g_c.

    :attr:`Chaos.populations` of a ``chaos`` file of the ``populations`` model
    whose mean-field g_c was found.  At the mean-field g_c the field of a unit
    of population k is Gaussian, h ~ N(mu_k, delta_k) (Kadmon & Sompolinsky
    2015); P populations.

    Parameters
    ----------
    alpha : numpy.ndarray
        The populations' fractions N_k / N, shape (P,); they sum to 1.
    mu : numpy.ndarray
        Mean of the field h in each population (model units), shape (P,).
    delta : numpy.ndarray
        Variance of the field h in each population, shape (P,).
    mean_rate : numpy.ndarray
        <phi(h)> in each population, shape (P,).
    active_fraction : numpy.ndarray
        P(phi'(h) != 0) in each population (1 for a smooth phi), shape (P,).
    stability_matrix : numpy.ndarray
        M_kl = g^2 alpha_l G_kl^2 <phi'(h)^2>_l at g_c, shape (P, P) (row:
        population, column: presynaptic population); its spectral radius is 1
        at g_c.
    bulk_radius_per_g : float
        Radius of the eigenvalue bulk of W per unit g, sqrt(rho(alpha_l
        G_kl^2)) (Aljadeff, Stern & Sharpee 2015).
    g_c : float
        The mean-field g_c (as :attr:`Chaos.g_c_meanfield`).
    source : str
        The reference the file cites.

    Examples
    --------
    >>> with ra.run("configs/chaos_populations.toml", command="chaos") as f:  # doctest: +SKIP
    ...     pops = f.chaos().populations
    >>> pops.alpha, pops.mu, np.sqrt(pops.delta), pops.spectral_radius       # doctest: +SKIP
    """

    alpha: np.ndarray  # P
    mu: np.ndarray  # P
    delta: np.ndarray  # P
    mean_rate: np.ndarray  # P
    active_fraction: np.ndarray  # P
    stability_matrix: np.ndarray  # P x P
    bulk_radius_per_g: float = np.nan
    g_c: float = np.nan
    source: str = ""

    @property
    def spectral_radius(self) -> float:
        """Spectral radius of :attr:`stability_matrix` (1 at g_c; NaN when it is empty or not finite)."""
        m = np.asarray(self.stability_matrix, float)
        if m.ndim != 2 or m.shape[0] != m.shape[1] or not m.size or not np.all(np.isfinite(m)):
            return float("nan")
        return float(np.max(np.abs(np.linalg.eigvals(m))))


@dataclass
class Chaos:
    """The ``/chaos`` group: largest Lyapunov exponent against g, with the mean-field curve.

    Returned by :meth:`RatenetFile.chaos` (``ratenet chaos``).  G couplings,
    S network seeds.

    Parameters
    ----------
    g : numpy.ndarray
        The couplings, shape (G,).
    lambda_max : numpy.ndarray
        Largest exponent for each coupling and seed, shape (G, S).
    divergent : numpy.ndarray of bool
        Runs that diverged (their exponent is not used), shape (G, S).
    lambda_mean, lambda_sem : numpy.ndarray
        Mean over seeds and its standard error, shape (G,).
    meanfield_g, meanfield_lambda : numpy.ndarray
        The dynamic mean-field prediction lambda_max(g), shape (M,).
    attrs : dict
        Attributes of ``/chaos`` (``g_c``, ``g_c_err``, ``key``, ...).
    n_finite, n_divergent : numpy.ndarray of int or None
        Seeds with a finite exponent, seeds that diverged, for each g.
    meanfield_status : list of str
        ``"stable"``, ``"chaotic"`` or ``"failed"`` for each mean-field point.
    n : int or None
        Network size N (from the stored config).
    populations : ChaosPopulations or None
        The ``/chaos/populations`` group: the per-population mean field at the
        mean-field g_c (``populations`` model); None when the file has none
        (another model, g_c not found, or a file from an older ratenet).

    Examples
    --------
    >>> with ra.run("configs/chaos_tanh.toml", command="chaos") as f:   # doctest: +SKIP
    ...     ch = f.chaos()
    >>> ch.g_c, ch.g_c_err, ch.g_c_meanfield                            # doctest: +SKIP
    """

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
    populations: Optional[ChaosPopulations] = None  # /chaos/populations (populations model)

    @property
    def key(self) -> str:
        """The swept config key (``model.g`` unless [chaos] key says otherwise)."""
        return str(self.attrs.get("key", "model.g"))

    @property
    def g_c_found(self) -> bool:
        """True when the simulated mean exponent crosses zero within the swept range."""
        return bool(self.attrs.get("g_c_found", np.isfinite(self.g_c)))

    @property
    def g_c(self) -> float:
        """Critical coupling: first zero crossing of the mean exponent (NaN if none)."""
        return float(self.attrs.get("g_c", np.nan))

    @property
    def g_c_err(self) -> float:
        """Bootstrap standard error of :attr:`g_c` over the seeds."""
        return float(self.attrs.get("g_c_err", np.nan))

    @property
    def g_c_stable_branch(self) -> float:
        """Zero of the stable branch of the mean exponent, extrapolated (NaN if not found)."""
        return float(self.attrs.get("g_c_stable_branch", np.nan))

    @property
    def g_c_stable_branch_err(self) -> float:
        """Standard error of :attr:`g_c_stable_branch`."""
        return float(self.attrs.get("g_c_stable_branch_err", np.nan))

    @property
    def g_c_meanfield(self) -> float:
        """Critical coupling of the mean-field theory (1 for a tanh network)."""
        return float(self.attrs.get("g_c_meanfield", np.nan))

    @property
    def g_div_meanfield(self) -> float:
        """Threshold-linear units: where the mean-field activity diverges, in units of the swept g.

        NaN for other transfer functions, when there is no divergence, and in
        files from a ratenet that did not store it.
        """
        return float(self.attrs.get("g_div_meanfield", np.nan))


# --------------------------------------------------------------------------- the file


class RatenetFile:
    """An open ratenet HDF5 file, read group by group into numpy arrays.

    Made by :func:`open_file` (or returned by :func:`run`); a context manager.
    The header is checked on opening; each reader method reads one group.

    Parameters
    ----------
    path : str or os.PathLike
        The file, also an unfinished ``NAME.h5.part``.

    Attributes
    ----------
    path : str
        The file name.
    h5 : h5py.File
        The open HDF5 file (read-only, without file locking).
    attrs : dict
        The root attributes (``kind``, ``status``, ``config``, ``seed_*``, ...).
    format_version : int
        The file's format version (1 or 2).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    RatenetFormatError
        Not HDF5, truncated, not written by ratenet, or a newer format version.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        self._rebuilt: Dict[str, Any] = {}  # W rebuilt from a recipe (Network.load_W), shared by network() calls
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
        """Close the HDF5 file (again: no effect)."""
        try:
            self.h5.close()
        except Exception:  # noqa: BLE001
            pass

    def __repr__(self) -> str:
        return f"<RatenetFile {self.path!r} kind={self.kind!r} status={self.status!r}>"

    # -- header
    @property
    def kind(self) -> str:
        """What wrote the file: ``simulate``, ``permitted``, ``fixed_points``, ``lyapunov``, ``sweep``, ``chaos`` or ``network``."""
        return str(self.attrs.get("kind", ""))

    @property
    def status(self) -> str:
        """Run status: ``completed``, ``diverged``, ``interrupted``, ``running`` (a ``.part`` being written or killed), ..."""
        return str(self.attrs.get("status", "running"))

    @property
    def message(self) -> str:
        """The closing message ratenet wrote (e.g. why a run stopped; may be empty)."""
        return str(self.attrs.get("message", ""))

    @property
    def is_partial(self) -> bool:
        """A run that did not finish: a .part file or status running/interrupted."""
        return self.path.endswith(".part") or self.status in ("running", "interrupted")

    @property
    def config_text(self) -> str:
        """The resolved configuration as TOML text."""
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
        """The seeds used, by stream (``network``, ``initial``, ``noise``, ...)."""
        return {k[5:]: int(v) for k, v in self.attrs.items() if k.startswith("seed_")}

    def has(self, group: str) -> bool:
        """Tell whether the file has a group.

        Parameters
        ----------
        group : str
            Group path, e.g. ``"trajectory"`` or ``"/permitted/verification"``.

        Returns
        -------
        bool
            True if it exists (False also when it cannot be read).
        """
        try:
            return group.strip("/") in self.h5
        except (OSError, RuntimeError):
            return False

    def groups(self) -> List[str]:
        """Return the names of the top-level groups.

        Returns
        -------
        list of str
            E.g. ``["network", "trajectory"]``.

        Raises
        ------
        RatenetFormatError
            The file is corrupt.
        """
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
        """Read the ``/network`` group.

        Not in ``sweep`` and ``chaos`` files.  A file written with ``[output]
        network = "recipe"`` does not store W (``W_format`` ``"recipe"``,
        :attr:`Network.W_stored` False): reading this group does not need the
        binary, and the first use of :attr:`Network.W` rebuilds W with
        ``ratenet network`` (:meth:`Network.load_W`), once per open file.

        Returns
        -------
        Network
            The group's datasets as numpy arrays, its attributes in ``attrs``.

        Raises
        ------
        RatenetFormatError
            The file has no ``/network`` group (another kind of file), or it is corrupt.
        """
        return self._network(read_W=True)

    def _network(self, read_W: bool = True) -> Network:
        """The ``/network`` group; W left unread (to be rebuilt) unless ``read_W``."""
        g = self._group("network")
        a = _attrs(g)
        n = int(a.get("n", 0))
        fmt = str(a.get("W_format", "dense"))
        W = Wc = None
        if fmt == "recipe" or not read_W:
            pass  # W not stored: Network.load_W rebuilds it from this file
        elif fmt == "csr":
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
            _source=os.path.abspath(self.path),
            _cache=self._rebuilt if read_W else None,
        )

    def trajectory(self) -> Trajectory:
        """Read the ``/trajectory`` group.

        In ``simulate`` files.  The state stays on disk: read it with
        :meth:`Trajectory.x` while the file is open.

        Returns
        -------
        Trajectory
            The group's datasets as numpy arrays, its attributes in ``attrs``.

        Raises
        ------
        RatenetFormatError
            The file has no ``/trajectory`` group (another kind of file), or it is corrupt.
        """
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
        """Read the ``/permitted`` group.

        In ``permitted`` files, with ``/permitted/verification`` after ``--verify``.

        Returns
        -------
        Permitted
            The group's datasets as numpy arrays, its attributes in ``attrs``.

        Raises
        ------
        RatenetFormatError
            The file has no ``/permitted`` group (another kind of file), or it is corrupt.
        """
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
        """Read the ``/fixed_points`` group.

        In ``fixed_points`` files (version 1 attribute names are renamed).

        Returns
        -------
        FixedPoints
            The group's datasets as numpy arrays, its attributes in ``attrs``.

        Raises
        ------
        RatenetFormatError
            The file has no ``/fixed_points`` group (another kind of file), or it is corrupt.
        """
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
        """Read the ``/lyapunov`` group.

        In ``lyapunov`` files, with the convergence trace, the participation
        ratios, the finite-time exponents (``local_exponents``) and, for a run
        with ``clv_window > 0``, the covariant vectors (:class:`CovariantVectors`,
        whose vectors stay on disk while the file is open).  Files written
        before these were stored read with ``participation_ratio`` None, no
        rows of ``local_exponents`` and ``covariant`` None.

        Returns
        -------
        Lyapunov
            The group's datasets as numpy arrays, its attributes in ``attrs``.

        Raises
        ------
        RatenetFormatError
            The file has no ``/lyapunov`` group (another kind of file), or it is corrupt.
        """
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
        k = len(ex)
        pr = self._read(g, "participation_ratio", None)
        pr = None if pr is None else np.asarray(pr, float).ravel()
        le = np.asarray(self._read(g, "local_exponents", np.zeros((0, k))), float)
        if le.ndim != 2:
            le = le.reshape(-1, k) if le.size and k else np.zeros((0, k))
        cov = None
        if "covariant" in g:
            cg = g["covariant"]
            ct = np.asarray(self._read(cg, "t"), float).ravel()
            cex = np.asarray(self._read(cg, "exponents"), float).ravel()
            cov = CovariantVectors(
                t=ct,
                exponents=cex,
                participation_ratio=np.asarray(self._read(cg, "participation_ratio", np.full(cex.shape, np.nan)), float).ravel(),
                angle_unstable_stable=np.asarray(
                    self._read(cg, "angle_unstable_stable", np.full(ct.shape, np.nan)), float).ravel(),
                attrs=_attrs(cg),
                vectors_dataset=cg["vectors"] if "vectors" in cg else None,
                state_dataset=cg["state"] if "state" in cg else None,
            )
        return Lyapunov(ex, err, tt, te, a, n=n, participation_ratio=pr, local_exponents=le, covariant=cov)

    def sweep(self) -> Sweep:
        """Read the ``/sweep`` group.

        In ``sweep`` and ``chaos`` files (also a shard or an unmerged sweep).

        Returns
        -------
        Sweep
            The group's datasets as numpy arrays, its attributes in ``attrs``.

        Raises
        ------
        RatenetFormatError
            The file has no ``/sweep`` group (another kind of file), or it is corrupt.
        """
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
        """Read the ``/chaos`` group.

        In ``chaos`` files.

        Returns
        -------
        Chaos
            The group's datasets as numpy arrays, its attributes in ``attrs``.

        Raises
        ------
        RatenetFormatError
            The file has no ``/chaos`` group (another kind of file), or it is corrupt.
        """
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
        pops = self._chaos_populations(g)
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
                     meanfield_status=mst, n=n, populations=pops)

    def _chaos_populations(self, g) -> Optional[ChaosPopulations]:
        """``/chaos/populations`` as a ChaosPopulations, None when the group is absent."""
        if "populations" not in g:
            return None
        pg = g["populations"]
        pa = _attrs(pg)
        alpha = np.asarray(self._read(pg, "alpha"), float).ravel()
        P = len(alpha)

        def vec(name):
            return np.asarray(self._read(pg, name, np.full(P, np.nan)), float).ravel()

        sm = np.asarray(self._read(pg, "stability_matrix", np.full((P, P), np.nan)), float).reshape(P, P)

        def num(key):
            try:
                return float(pa.get(key, np.nan))
            except (TypeError, ValueError):
                return float("nan")

        return ChaosPopulations(alpha=alpha, mu=vec("mu"), delta=vec("delta"), mean_rate=vec("mean_rate"),
                                active_fraction=vec("active_fraction"), stability_matrix=sm,
                                bulk_radius_per_g=num("bulk_radius_per_g"), g_c=num("g_c"),
                                source=str(pa.get("source", "")))

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
    """Open a ratenet file for reading into numpy arrays.

    Parameters
    ----------
    path : str or os.PathLike
        A file ratenet wrote, also an unfinished or killed run's ``NAME.h5.part``
        (read up to its last flush, while ratenet may still write it).

    Returns
    -------
    RatenetFile
        The open file; close it, or use it in a ``with`` block.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    RatenetFormatError
        Not HDF5, truncated or corrupt, not written by ratenet, or a format
        version newer than :data:`SUPPORTED_FORMAT_VERSION`.

    See Also
    --------
    open : The file as labelled xarray Datasets.

    Examples
    --------
    >>> import ratenet_analysis as ra
    >>> with ra.open_file("wta.h5") as f:                  # doctest: +SKIP
    ...     print(f.kind, f.status, f.groups())
    ...     net, tr = f.network(), f.trajectory()
    ...     winner = tr.x(-1).argmax()
    simulate completed ['network', 'trajectory']
    """
    return RatenetFile(path)
