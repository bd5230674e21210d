"""The autocovariance of an ``autocorrelation`` sweep, averaged over seeds and set
beside the dynamic mean-field theory (Sompolinsky, Crisanti & Sommers 1988)."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Tuple

import numpy as np

from .reader import RatenetFile, Sweep, open_file

# variable -> {output name: field of /sweep/results}
FIELDS: Dict[str, Dict[str, str]] = {
    "state": {
        "C": "autocovariance", "C_error": "autocovariance_error", "variance": "variance", "tau_c": "tau_c",
        "dmft": "dmft_autocovariance", "dmft_window_bias": "dmft_window_bias", "dmft_variance": "dmft_variance",
        "dmft_tau_c": "dmft_tau_c",
    },
    "rate": {
        "C": "rate_autocovariance", "C_error": "rate_autocovariance_error", "variance": "rate_variance",
        "tau_c": "rate_tau_c", "dmft": "dmft_rate_autocovariance", "dmft_window_bias": "dmft_rate_window_bias",
        "dmft_variance": "dmft_rate_variance", "dmft_tau_c": "dmft_rate_tau_c",
    },
}

_TIME_UNITS = "time (units of tau)"
_SQUARED = "(unit of the variable)^2"
# Lag times are matched across points after rounding to this many decimals
# (dt_sample * k computed in floating point).
_LAG_DECIMALS = 9

ERROR_OVER_SEEDS = "standard error of the mean over seeds (sd / sqrt(n_seeds))"
ERROR_OVER_NEURONS = "standard error over neurons recorded by ratenet (one seed)"


def _grid_of(sw: Sweep):
    """The grid of a sweep read with the numpy reader (no second opening of the file: an open
    :class:`RatenetFile` holds it without HDF5 file locking, which another opening must match)."""
    import xarray as xr

    from .labelled import sweep_grid

    group = xr.Dataset({"keys": ("column", np.array(sw.keys, dtype=object)),
                        "params": (("point", "column"), np.asarray(sw.params, float)),
                        "status": ("point", np.array(sw.status, dtype=object)),
                        "seconds": ("point", np.asarray(sw.seconds, float), {"units": "s", "long_name": "wall time"})},
                       attrs=sw.attrs)
    names = ["lag_time"] + [r for fields in FIELDS.values() for r in fields.values()]
    results = xr.Dataset()
    for name in names:
        if name in sw.results:
            v = np.asarray(sw.results[name], float)
            results[name] = (("point",) if v.ndim == 1 else ("point", "lag"), v,
                             {"units": sw.units.get(name, ""), "long_name": sw.long_names.get(name, name)})
    return sweep_grid(group, results)


def _grid(source: Any):
    """The sweep on its parameter grid (:meth:`RatenetData.sweep`) from any accepted source."""
    import xarray as xr

    from .labelled import RatenetData, open as open_labelled

    if isinstance(source, xr.Dataset):
        return source
    if isinstance(source, RatenetData):
        return source.sweep()
    if isinstance(source, RatenetFile):
        return _grid_of(source.sweep())
    if isinstance(source, Sweep):
        return _grid_of(source)
    if isinstance(source, (str, os.PathLike)):
        if os.path.isdir(source):  # the point folder of an unfinished sweep
            return open_labelled(source).sweep()
        # read with h5py without file locking, as open_file does: also while that holds the file open
        with open_file(source) as f:
            return _grid_of(f.sweep())
    raise TypeError(f"autocorrelation: expected a path, a RatenetData, a RatenetFile, a Sweep or the Dataset of "
                    f".sweep(), not {type(source).__name__}")


def _as_array(grid, name: str, dims: List[str], lag_dim: str | None) -> np.ndarray:
    """A result as a float array of shape (*dims, lag) (lag data) or dims (scalars)."""
    da = grid[name]
    if lag_dim is not None:
        extra = [d for d in da.dims if d not in dims]
        if len(extra) > 1:
            raise ValueError(f"autocorrelation: {name} has dimensions {da.dims}, expected the grid's {dims} and one lag")
        if extra:
            da = da.rename({extra[0]: "_lag"})
        else:  # one lag only: the file leaves the lag dimension out
            da = da.expand_dims("_lag")
        return np.asarray(da.transpose(*dims, "_lag").values, float)
    return np.asarray(da.transpose(*dims).values, float)


def _seed_mean(values: np.ndarray, ok: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Mean over the seed axis (axis 1) of the completed seeds; NaN where none completed.

    A NaN of a completed seed is kept (not skipped).  The mean is taken as the
    first completed seed's value plus the mean deviation from it, so values
    every seed shares (the theory) come back unchanged, bit for bit."""
    okb = ok.reshape(ok.shape + (1,) * (values.ndim - ok.ndim))
    nb = n.reshape(n.shape + (1,) * (values.ndim - 2))  # the shape of the mean: the seed axis reduced
    first = np.take_along_axis(values, np.argmax(ok, axis=1).reshape((-1, 1) + (1,) * (values.ndim - 2)), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = first[:, 0] + np.sum(np.where(okb, values - first, 0.0), axis=1) / nb
    return np.where(nb > 0, mean, np.nan)


def _seed_sem(values: np.ndarray, ok: np.ndarray, n: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Standard error of the mean over the completed seeds (sd with ddof 1, / sqrt(n)); NaN for n < 2."""
    okb = ok.reshape(ok.shape + (1,) * (values.ndim - ok.ndim))
    nb = n.reshape(n.shape + (1,) * (values.ndim - 2))
    dev = np.where(okb, values - np.expand_dims(mean, 1), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.sum(dev**2, axis=1) / (nb - 1))
        sem = sd / np.sqrt(nb)
    return np.where(nb >= 2, sem, np.nan)


def _half_time(C: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """The first lag at which an autocovariance falls to half its value at lag 0.

    Between the last lag above C(0)/2 and the first at or below it, the lag is
    interpolated linearly.

    Parameters
    ----------
    C : numpy.ndarray
        Autocovariances, shape (..., L); NaN entries (lags a point does not
        have) are skipped.
    lag : numpy.ndarray
        The L lags, ascending, the first 0.

    Returns
    -------
    numpy.ndarray
        Shape ``C.shape[:-1]``; NaN where C(0) is not positive or finite, where
        C has no value at lag 0, or where C stays above C(0)/2 at every lag.

    Examples
    --------
    >>> _half_time(np.array([4.0, 3.0, 1.0]), np.array([0.0, 1.0, 2.0]))
    array(1.5)
    """
    C = np.asarray(C, float)
    lag = np.asarray(lag, float)
    flat = C.reshape(-1, C.shape[-1])
    out = np.full(flat.shape[0], np.nan)
    for i, row in enumerate(flat):
        fin = np.isfinite(row)
        c, t = row[fin], lag[fin]
        if len(c) < 2 or t[0] != 0.0 or not c[0] > 0.0:
            continue
        half = 0.5 * c[0]
        below = np.flatnonzero(c[1:] <= half)
        if len(below) == 0:
            continue
        k = below[0] + 1
        out[i] = t[k - 1] + (half - c[k - 1]) * (t[k] - t[k - 1]) / (c[k] - c[k - 1])
    return out.reshape(C.shape[:-1])


def _lags(lag_time: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(the lags of every point together, ascending; the index of each entry of lag_time among them, -1 for NaN)."""
    rounded = np.round(lag_time, _LAG_DECIMALS)
    fin = np.isfinite(rounded)
    lags = np.unique(rounded[fin])
    idx = np.full(lag_time.shape, -1, np.int64)
    idx[fin] = np.searchsorted(lags, rounded[fin])
    return lags, idx


def _on_lags(values: np.ndarray, idx: np.ndarray, n_lags: int) -> np.ndarray:
    """Scatter per-point curves (P, S, L) onto the common lags (P, S, n_lags); NaN where a point has no value."""
    out = np.full(values.shape[:-1] + (n_lags,), np.nan)
    p, s, k = np.nonzero(idx >= 0)
    out[p, s, idx[p, s, k]] = values[p, s, k]
    return out


def _error_rule(n: np.ndarray) -> str:
    """What the errors are, given the number of completed seeds of every grid point."""
    ran = n[n > 0]
    if ran.size == 0:
        return "none (no completed point)"
    if np.all(ran >= 2):
        return ERROR_OVER_SEEDS
    if np.all(ran == 1):
        return ERROR_OVER_NEURONS
    return f"{ERROR_OVER_SEEDS} where n_seeds >= 2; {ERROR_OVER_NEURONS} where n_seeds == 1"


def autocorrelation(source: Any, variable: str = "state"):
    """Return the autocovariance of an ``autocorrelation`` sweep, averaged over seeds, with the mean-field theory.

    ``ratenet sweep`` with ``[sweep] analysis = "autocorrelation"`` records at
    every point (swept values x seeds) the population-averaged autocovariance
    C(tau) of the state h and of the rate phi(h), and the dynamic mean-field
    theory Delta(tau) (Sompolinsky, Crisanti & Sommers 1988) where it applies.
    Here the seeds are reduced: every grid point gets the mean over its
    completed seeds, a standard error, and the theory beside it.  Points whose
    status is not ``completed`` are left out; a grid point none of whose seeds
    completed is NaN.

    Parameters
    ----------
    source : str, os.PathLike, RatenetData, RatenetFile, Sweep or xarray.Dataset
        The sweep file (also an unfinished ``.part`` or ``OUT.h5.points/``
        folder), the file opened with :func:`open` or :func:`open_file`, its
        :class:`Sweep`, or the sweep on its grid (:meth:`RatenetData.sweep`,
        :func:`open_sweep`).
    variable : {"state", "rate"}, optional
        ``"state"`` (default): the autocovariance of the state (h in the
        current form) and Delta(tau); ``"rate"``: the ``rate_*`` and
        ``dmft_rate_*`` results, the autocovariance of phi(h).

    Returns
    -------
    xarray.Dataset
        Dimensions: one per swept key (none when only seeds were run) and
        ``lag``, with coordinate ``lag``: the time lags (units of tau); when
        they differ between points (``dt_sample`` or ``max_lag`` swept), the
        lags of every point together, with NaN where a point has no value.
        Variables:

        - ``C``, ``C_error`` (swept..., lag): mean over the completed seeds and
          its standard error: sd / sqrt(n) over seeds when n >= 2, the
          standard error over neurons ratenet records when one seed completed;
          the attribute ``error`` (also on the Dataset) says which.
        - ``variance``, ``variance_error``: C(0) the same way.
        - ``tau_c``, ``tau_c_error``: the correlation time (integral of
          C(tau) / C(0) over the lags), mean and standard error over seeds (NaN
          error with one seed).
        - ``half_time``, ``half_time_error``: the first lag where C falls to
          C(0)/2 (interpolated linearly between lags, per seed), mean and
          standard error over seeds; NaN where C of a completed seed stays
          above half.
        - ``dmft`` (swept..., lag): the theory Delta(tau) (for ``"rate"``:
          <phi(h(t)) phi(h(t + tau))>); NaN where it does not apply.
        - ``dmft_seen``: the theory plus the bias of subtracting the finite
          window's mean: what the estimator C should give.
        - ``dmft_variance``, ``dmft_tau_c``: the theory's C(0) and correlation
          time as recorded; ``dmft_half_time``: the half-decay time of
          ``dmft_seen``.
        - ``n_seeds``: the number of completed seeds of each grid point.

        Every variable has ``units`` and ``long_name``; the Dataset's
        attributes give ``variable``, ``error`` and ``seeds`` (the seeds run
        per grid point).

    Raises
    ------
    ValueError
        ``variable`` is neither ``"state"`` nor ``"rate"``, or the sweep lacks
        the results of the ``autocorrelation`` analysis.
    TypeError
        ``source`` is none of the accepted types.
    RatenetFormatError
        A file that holds no sweep (a :class:`RatenetData` raises
        ``KeyError``), or not a ratenet file.

    See Also
    --------
    ratenet_analysis.plots.plot_autocorrelation : The figure of this Dataset.

    Examples
    --------
    >>> ac = ra.autocorrelation("autocorrelation.h5")                  # doctest: +SKIP
    >>> ac["C"].sel({"model.g": 2.0}).plot()                           # doctest: +SKIP
    >>> ac[["half_time", "dmft_half_time"]].to_dataframe()             # doctest: +SKIP
    """
    import xarray as xr

    if variable not in FIELDS:
        raise ValueError(f"autocorrelation: variable must be 'state' or 'rate', not {variable!r}")
    fields = FIELDS[variable]
    grid = _grid(source)
    needed = ["lag_time", "status"] + list(fields.values())
    missing = [k for k in needed if k not in grid.variables]
    if missing:
        raise ValueError(f"autocorrelation: not an autocorrelation sweep (analysis "
                         f"{grid.attrs.get('analysis', '?')!r}): it lacks {', '.join(missing)}")
    if "seed" not in grid["status"].dims:
        raise ValueError("autocorrelation: expected the sweep on its grid, with a dimension 'seed' (RatenetData.sweep())")
    swept = [d for d in grid["status"].dims if d != "seed"]
    dims = swept + ["seed"]
    shape = tuple(grid.sizes[d] for d in swept)
    S = grid.sizes["seed"]
    P = int(np.prod(shape)) if shape else 1

    def lagged(name):
        a = _as_array(grid, name, dims, "lag")
        return a.reshape(P, S, a.shape[-1])

    def scalar(name):
        return _as_array(grid, name, dims, None).reshape(P, S)

    ok = (np.asarray(grid["status"].transpose(*dims).values, dtype=object) == "completed").reshape(P, S)
    n = ok.sum(axis=1)
    lag_time = lagged("lag_time")
    lags, idx = _lags(np.where(ok[..., None], lag_time, np.nan))
    if len(lags) == 0:  # nothing completed: the lags the file has
        lags, idx = _lags(lag_time)
    L = len(lags)

    C = _on_lags(lagged(fields["C"]), idx, L)
    C_rec = _on_lags(lagged(fields["C_error"]), idx, L)
    dmft_ps = _on_lags(lagged(fields["dmft"]), idx, L)
    seen_ps = dmft_ps + _on_lags(lagged(fields["dmft_window_bias"]), idx, L)
    variance, tau_c = scalar(fields["variance"]), scalar(fields["tau_c"])
    at0 = np.where(idx == 0)  # the recorded error of C(0) per point and seed
    var_rec = np.full((P, S), np.nan)
    var_rec[at0[0], at0[1]] = lagged(fields["C_error"])[at0]
    ht = _half_time(C, lags)

    one = (n == 1)[:, None]

    def mean_sem(values, recorded=None):
        m = _seed_mean(values, ok, n)
        e = _seed_sem(values, ok, n, m)
        if recorded is not None:  # one completed seed: the error ratenet records (over neurons)
            r = _seed_mean(recorded, ok, n)
            e = np.where(one if e.ndim == 2 else one[:, 0], r, e)
        return m, e

    C_mean, C_err = mean_sem(C, C_rec)
    var_mean, var_err = mean_sem(variance, var_rec)
    tau_mean, tau_err = mean_sem(tau_c)
    ht_mean, ht_err = mean_sem(ht)
    dmft = _seed_mean(dmft_ps, ok, n)
    seen = _seed_mean(seen_ps, ok, n)
    dmft_var = _seed_mean(scalar(fields["dmft_variance"]), ok, n)
    dmft_tau = _seed_mean(scalar(fields["dmft_tau_c"]), ok, n)
    dmft_ht = _half_time(seen, lags)

    rule = _error_rule(n)
    lag_units = str(grid["lag_time"].attrs.get("units") or _TIME_UNITS)

    def units(key: str, default: str) -> str:
        """The units the file gives the result behind ``key`` (version 1 files give none)."""
        return str(grid[fields[key]].attrs.get("units") or default)

    of = "of the state" if variable == "state" else "of the rate"
    theory = "mean-field Delta(tau)" if variable == "state" else "mean-field rate autocovariance"
    per_seed = f"{ERROR_OVER_SEEDS}; NaN with one seed"

    def var(a, long_name, u, **extra):
        if a.ndim == 2:
            return (swept + ["lag"], a.reshape(shape + (L,)), {"long_name": long_name, "units": u, **extra})
        return (swept, a.reshape(shape), {"long_name": long_name, "units": u, **extra})

    C_units = units("C", _SQUARED)
    data = {
        "C": var(C_mean, f"autocovariance C(tau) {of}", C_units),
        "C_error": var(C_err, "standard error of C(tau)", units("C_error", C_units), error=rule),
        "variance": var(var_mean, f"variance C(0) {of}", units("variance", C_units)),
        "variance_error": var(var_err, "standard error of C(0)", units("variance", C_units), error=rule),
        "tau_c": var(tau_mean, "correlation time (integral of C(tau)/C(0))", units("tau_c", _TIME_UNITS)),
        "tau_c_error": var(tau_err, "standard error of the correlation time over seeds", units("tau_c", _TIME_UNITS),
                           error=per_seed),
        "half_time": var(ht_mean, "half-decay time (C(tau) = C(0)/2)", lag_units),
        "half_time_error": var(ht_err, "standard error of the half-decay time over seeds", lag_units, error=per_seed),
        "dmft": var(dmft, theory, units("dmft", C_units)),
        "dmft_seen": var(seen, f"{theory} plus window bias (what the estimator gives)", units("dmft", C_units)),
        "dmft_variance": var(dmft_var, f"{theory} at lag 0", units("dmft_variance", C_units)),
        "dmft_tau_c": var(dmft_tau, "mean-field correlation time", units("dmft_tau_c", _TIME_UNITS)),
        "dmft_half_time": var(dmft_ht, "half-decay time of the mean-field theory plus window bias", lag_units),
        "n_seeds": (swept, n.reshape(shape).astype(np.int64), {"long_name": "completed seeds", "units": "1"}),
    }
    coords = {d: grid[d] for d in swept}
    coords["lag"] = ("lag", lags, {"long_name": grid["lag_time"].attrs.get("long_name", "time lag"),
                                   "units": lag_units})
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({"variable": variable, "error": rule, "seeds": int(S),
                     "analysis": str(grid.attrs.get("analysis", "autocorrelation"))})
    return ds
