"""Permitted and forbidden sets of symmetric threshold-linear networks (Hahnloser & Seung, NIPS 13, 2001).

The classification is checked by simulation.

``ratenet permitted --verify configs/reproduce_hahnloser_seung2001.toml``
classifies every subset S of a symmetric ring network (local excitation, global
inhibition: model ``ring``) by the criterion of the paper, (I - W)_SS positive
definite, and checks a sample of permitted and forbidden sets by simulation
(/permitted/verification).  The reproduction then

* counts the permitted sets independently: numpy ``eigvalsh`` of (I - W)_SS for
  every subset of the W read from the file (batched by subset size), and checks
  the down-closure (every subset of a permitted set is permitted);
* simulates, with ``ratenet simulate`` on the same W, a fixed point x* (x*_S = 1,
  the other neurons 0.5 below threshold) of every maximal permitted and every
  minimal forbidden set, started next to x*: a permitted set must hold, a
  forbidden one must be left.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional

import numpy as np

from .. import binary
from ..reader import open_file
from . import config_path, prepare_outdir

NAME = "hahnloser_seung2001"
FIGSIZE = (13.0, 8.5)
PUBLISHED = (
    "Published (Hahnloser & Seung, NIPS 13, 2001;\n"
    "Hahnloser, Seung & Slotine 2003): for symmetric W\n"
    "a set S is permitted (the active set of a stable\n"
    "steady state for some input) iff (I - W)_SS is\n"
    "positive definite; subsets of permitted sets are\n"
    "permitted, supersets of forbidden sets forbidden.\n"
    "In a ring with local excitation and global\n"
    "inhibition the maximal permitted sets are the\n"
    "contiguous arcs up to a maximal width."
)

SMALL = dict(sets=[], max_tests=40, t_end=80.0)  # the config file: ring n = 10, j0 = -2, j1 = 6
# n = 14 (same j0, j1): every subset has |lambda_min((I - W)_SS)| >= 0.017, so every
# simulation settles within a few hundred time units.  (n = 16 has permitted sets with
# lambda_min = 9e-5, n = 12 and 15 exactly singular ones: see analysis/README.md.)
FULL = dict(sets=["model.n=14", "permitted.verify_permitted=100", "permitted.verify_forbidden=100"],
            max_tests=400, t_end=200.0)
MAX_BRUTE_FORCE_N = 20


def numpy_permitted(W: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Classify every subset of neurons by the criterion of Hahnloser & Seung.

    S is permitted when (I - W)_SS is positive definite (smallest eigenvalue of
    its symmetric part > ``tol``).  Independent of ratenet:
    :func:`numpy.linalg.eigvalsh` on every principal submatrix, batched by
    subset size.

    Parameters
    ----------
    W : numpy.ndarray
        The coupling matrix, shape (N, N), N <= 20.
    tol : float, default 1e-10
        Smallest eigenvalue counted as positive.

    Returns
    -------
    numpy.ndarray of bool
        Indexed by the bitmask of the subset, shape (2**N,); the empty set
        (index 0) counts as permitted.

    Raises
    ------
    ValueError
        N > 20.

    Examples
    --------
    >>> import numpy as np
    >>> from ratenet_analysis.reproduce.hahnloser_seung2001 import numpy_permitted
    >>> W = 1.5 * np.eye(2) - np.ones((2, 2))      # WTA, alpha = 1.5, beta = 1
    >>> numpy_permitted(W).tolist()                # {}, {0}, {1}, {0, 1}
    [True, True, True, False]
    """
    from itertools import combinations

    N = W.shape[0]
    if N > MAX_BRUTE_FORCE_N:
        raise ValueError(f"brute force over 2^{N} subsets is too large (N <= {MAX_BRUTE_FORCE_N})")
    A = np.eye(N) - W
    A = 0.5 * (A + A.T)
    ok = np.zeros(2**N, bool)
    ok[0] = True
    weights = 1 << np.arange(N)
    for k in range(1, N + 1):
        subsets = np.array(list(combinations(range(N), k)), dtype=np.intp)  # C(N, k) x k
        for chunk in np.array_split(subsets, max(1, len(subsets) // 20000)):
            sub = A[chunk[:, :, None], chunk[:, None, :]]  # C x k x k
            lam_min = np.linalg.eigvalsh(sub)[:, 0]
            ok[weights[chunk].sum(axis=1)] = lam_min > tol
    return ok


def down_closed(ok: np.ndarray, N: int) -> bool:
    """Check that every subset of a permitted set is permitted.

    It suffices to drop one element at a time.

    Parameters
    ----------
    ok : numpy.ndarray of bool
        As returned by :func:`numpy_permitted`.
    N : int
        Number of neurons.

    Returns
    -------
    bool
        True if the permitted sets are closed under taking subsets.
    """
    masks = np.flatnonzero(ok)
    for i in range(N):
        bit = 1 << i
        sub = masks[(masks & bit) != 0] ^ bit
        if not ok[sub].all():
            return False
    return True


def _mask(row: np.ndarray) -> int:
    return int(sum(1 << int(i) for i in np.flatnonzero(row)))


def check_by_simulation(exe: str, W: np.ndarray, S: np.ndarray, workdir: str, tag: str, t_end: float, rng) -> Dict:
    """Simulate next to the fixed point with support S and report whether it held.

    The input makes x* (1 on S, the others 0.5 below threshold) a fixed point;
    the run starts 1e-3 away from it, for at least 15/abs(lambda_min) time units.

    Parameters
    ----------
    exe : str
        The ratenet binary.
    W : numpy.ndarray
        The coupling matrix, shape (N, N).
    S : numpy.ndarray of bool
        The support, shape (N,).
    workdir : str
        Folder for the config, W.npy and the output.
    tag : str
        File name stem of this run.
    t_end : float
        Minimum simulated time.
    rng : numpy.random.Generator
        For the initial perturbation.

    Returns
    -------
    dict
        ``held`` (same active set and within 1e-3 of x* at the end),
        ``distance``, ``final_active``, ``status``.

    Raises
    ------
    RatenetBinaryError
        The simulation failed other than by diverging.
    """
    N = W.shape[0]
    # Relaxation towards (permitted) or growth away from (forbidden) x* goes like
    # exp(-lambda_min t), lambda_min the smallest eigenvalue of (I - W)_SS: run for
    # at least 15 / |lambda_min| (nearly singular sets are slow either way).
    lam = float(np.linalg.eigvalsh((np.eye(N) - W)[np.ix_(S, S)]).min()) if S.any() else 1.0
    t_end = float(min(max(t_end, 15.0 / max(abs(lam), 1e-12)), 1e6))
    x_star = np.where(S, 1.0, 0.0)
    b = x_star - W @ x_star  # (I - W) x* on S
    b[~S] = -(W @ x_star)[~S] - 0.5  # inactive neurons 0.5 below threshold
    x0 = x_star + 1e-3 * rng.standard_normal(N)
    wpath = os.path.join(workdir, "W.npy")
    np.save(wpath, W)  # (re)written every time: the directory may hold an older run's W
    cfg = os.path.join(workdir, f"{tag}.toml")
    fmt = lambda v: "[" + ", ".join(f"{x:.17g}" for x in v) + "]"  # noqa: E731
    with open(cfg, "w") as fh:
        fh.write(
            f'[model]\nname = "matrix"\npath = "{wpath}"\n[network]\nform = "rate"\ntau = 1.0\n'
            f'[transfer]\nname = "relu"\n[input]\nb = {fmt(b)}\n[initial]\nx0 = {fmt(x0)}\n'
            f'[simulate]\nmethod = "dopri5"\nt_end = {t_end}\ndt_out = {t_end / 200}\nbound = 1e6\n'
        )
    h5 = os.path.join(workdir, f"{tag}.h5")
    try:
        binary.run(exe, ["simulate", cfg, "-o", h5, "--force", "-q"])
    except binary.RatenetBinaryError as e:
        if "diverg" not in str(e):
            raise
    with open_file(h5) as f:
        tr = f.trajectory()
        x = tr.x(-1)
        status = f.status
    active = x > 1e-6 * max(1.0, np.max(np.abs(x)))
    dist = float(np.max(np.abs(x - x_star))) if np.all(np.isfinite(x)) else np.inf
    held = bool(np.array_equal(active, S) and dist < 1e-3 and status == "completed")
    return dict(held=held, distance=dist, final_active=active, status=status)


def run(full: bool = False, outdir: str = "reproduce-out", ratenet: Optional[str] = None,
        simulate: bool = True, sets: Optional[List[str]] = None) -> Dict:
    """Reproduce the permitted-set criterion on a symmetric ring network.

    Runs ``ratenet permitted --verify``, counts the permitted sets again with
    :func:`numpy_permitted`, checks the down-closure, and simulates next to the
    fixed points of the maximal permitted and minimal forbidden sets.

    Parameters
    ----------
    full : bool, default False
        Run at the paper's size (``FULL``) instead of the reduced one (``SMALL``).
    outdir : str, default "reproduce-out"
        Results go to ``OUTDIR/hahnloser_seung2001/``.
    ratenet : str, optional
        The binary; default ``$RATENET``, ``./build/ratenet``, or ``ratenet`` on PATH.
    simulate : bool, default True
        Run the own simulations (:func:`check_by_simulation`).
    sets : list of str, optional
        ``KEY=VALUE`` overrides instead of those of the size.

    Returns
    -------
    dict
        ``{"key_numbers": {...}, "figures": [PNG and PDF paths], "files": [HDF5 paths], "tests": [...]}``.

    Raises
    ------
    RatenetBinaryError
        The binary is missing, lacks ``ratenet permitted``, or a run failed.
    FileNotFoundError
        ``configs/reproduce_hahnloser_seung2001.toml`` was not found (see :func:`ratenet_analysis.reproduce.config_dirs`).
    """
    exe = binary.find_ratenet(ratenet)
    binary.require_subcommand(exe, "permitted", "reproduce hahnloser_seung2001")
    out = prepare_outdir(os.path.join(outdir, NAME))
    size = FULL if full else SMALL
    h5 = os.path.join(out, "permitted.h5")
    # `ratenet permitted --verify` exits 1 when a verification disagrees, after writing the file:
    # read the file and report the disagreement as a key number.
    p_run = binary.run_analysis(exe, "permitted", str(config_path(NAME, exe)), h5,
                                size["sets"] if sets is None else sets, extra=["--verify"], check=False)
    if p_run.returncode not in (0, 1) or not os.path.exists(h5):
        raise binary.RatenetBinaryError(f"ratenet permitted failed (exit {p_run.returncode}):\n{p_run.stderr.strip()}")
    with open_file(h5) as f:
        net = f.network()
        p = f.permitted()
    W = net.load_W(exe).W  # rebuilt by this binary if the config asked for output.network = "recipe"
    N = W.shape[0]
    sym = float(np.max(np.abs(W - W.T)))
    # Independent count over every subset of the same W.
    ok = numpy_permitted(W)
    brute_masks = set(np.flatnonzero(ok).tolist()) - {0}
    file_masks = {_mask(r) for r in p.sets}
    brute_by_size = np.bincount([bin(m).count("1") for m in brute_masks], minlength=N + 1)
    brute_by_size[0] = 1
    ver = p.verification
    tests: List[Dict] = []
    if simulate:
        rng = np.random.default_rng(7)
        work = os.path.join(out, "sims")
        os.makedirs(work, exist_ok=True)
        for i, S in enumerate(p.maximal[: size["max_tests"]]):
            r = check_by_simulation(exe, W, S, work, f"permitted_{i}", size["t_end"], rng)
            tests.append(dict(kind="permitted", set=S, **r, correct=r["held"]))
        for i, S in enumerate(p.minimal_forbidden[: size["max_tests"]]):
            r = check_by_simulation(exe, W, S, work, f"forbidden_{i}", size["t_end"], rng)
            tests.append(dict(kind="forbidden", set=S, **r, correct=not r["held"]))
    n_ok = sum(t["correct"] for t in tests)
    key = {
        "N": N,
        "model": f"{net.model} ({', '.join(f'{k} = {v}' for k, v in net.model_params.items() if k != 'n')})",
        "asymmetry_max_abs": sym,
        "criterion": p.attrs.get("criterion", "?"),
        "n_permitted": p.n_permitted,
        "n_permitted_numpy": len(brute_masks),
        "counts_by_size": [int(c) for c in p.counts_by_size],
        "counts_by_size_numpy": [int(c) for c in brute_by_size],
        "classification_matches_numpy": file_masks == brute_masks,
        "down_closed_numpy": down_closed(ok, N),
        "down_closed_file": bool(p.attrs.get("down_closed", False)),
        "n_borderline": int(p.attrs.get("n_borderline", 0)),
        "n_maximal": int(p.maximal.shape[0]),
        "n_minimal_forbidden": int(p.minimal_forbidden.shape[0]),
        "max_permitted_size": int(np.max(np.flatnonzero(p.counts_by_size))),
        "maximal_are_contiguous_arcs": all(_is_arc(r) for r in p.maximal),
        "verified_sets": len(ver) if ver is not None else 0,
        "verified_agree": ver.n_agree if ver is not None else 0,
        "verified_disagree": ver.n_disagree if ver is not None else 0,
        "verification_all_agree": bool(ver is not None and ver.all_agree),
        "simulation_agreement": n_ok / len(tests) if tests else float("nan"),
        "simulations": len(tests),
        "copositivity": p.attrs.get("copositivity", "?"),
    }
    figs = draw(p, net, tests, key, out)
    return dict(key_numbers=key, figures=figs, files=[h5], tests=tests)


def _is_arc(row: np.ndarray) -> bool:
    """The members form one contiguous arc of the ring (indices mod N)."""
    r = np.asarray(row, bool)
    k = int(r.sum())
    if k == 0 or k == len(r):
        return True
    # exactly one 0 -> 1 transition going around the ring
    return int(np.sum(~r & np.roll(r, -1))) == 1


def draw(*args, **kwargs) -> List[str]:
    """Draw the figure, with the house style in effect (plots.STYLE).

    Parameters
    ----------
    *args, **kwargs
        Passed to the module's drawing function (as :func:`run` calls it).

    Returns
    -------
    list of str
        The PNG and PDF files written.
    """
    from .. import plots

    with plots.style():
        return _draw(*args, **kwargs)


def _draw(p, net, tests, key, out) -> List[str]:
    from matplotlib.figure import Figure

    from .. import plots

    fig = Figure(figsize=FIGSIZE, dpi=plots.DPI, layout="constrained")
    gs = fig.add_gridspec(2, 3)
    ax_c, ax_m, ax_f = (fig.add_subplot(gs[0, i]) for i in range(3))
    ax_s = fig.add_subplot(gs[1, :2])
    ax_t = fig.add_subplot(gs[1, 2])
    from math import comb

    N = p.n
    cm = plots.colormap(plots.SEQ_CMAP)
    ks = np.arange(N + 1)
    ax_c.bar(ks, [comb(N, k) for k in ks], color="0.85", edgecolor="0.5", label="all subsets")
    ax_c.bar(ks, p.counts_by_size, color=cm(0.35), label="permitted")
    ax_c.set_yscale("log")
    ax_c.set_xlabel("set size k (neurons)")
    ax_c.set_ylabel("number of sets")
    ax_c.set_title("(a) permitted sets by size")
    ax_c.legend()
    plots._set_matrix(ax_m, p.maximal, "(b) maximal permitted sets", "set")
    plots._set_matrix(ax_f, p.minimal_forbidden, "(c) minimal forbidden sets", "set")
    # Simulation outcomes: distance of the final state from x*
    for kind, c, mk in (("permitted", cm(0.15), "o"), ("forbidden", cm(0.8), "^")):
        sel = [t for t in tests if t["kind"] == kind]
        if sel:
            d = np.array([min(t["distance"], 1e3) for t in sel])
            ax_s.semilogy(np.arange(len(sel)), np.maximum(d, 1e-16), mk, color=c, ms=6,
                          label=f"{kind} sets: {sum(t['correct'] for t in sel)}/{len(sel)} behave as predicted")
    ax_s.axhline(1e-3, color="0.4", ls="--", lw=1, label="held: active set = S and |x - x*| < 1e-3")
    ax_s.set_xlabel("tested set (maximal permitted / minimal forbidden)")
    ax_s.set_ylabel("max |x(t_end) - x*| (model units)")
    ax_s.set_title("(d) simulation started next to the fixed point with support S")
    ax_s.legend(fontsize=9)
    ax_t.axis("off")
    txt = PUBLISHED + "\n\nThis run: " + (
        f"ring N = {key['N']}, {key['n_permitted']} non-empty permitted\nsets ({key['n_permitted_numpy']} by numpy eigvalsh), "
        f"{key['n_maximal']} maximal\n(contiguous arcs: {key['maximal_are_contiguous_arcs']}), largest size "
        f"{key['max_permitted_size']};\nclassification = numpy check: {key['classification_matches_numpy']};\n"
        f"ratenet --verify: {key['verified_agree']}/{key['verified_sets']} sets agree;\n"
        f"own simulations agreeing: {key['simulation_agreement']:.0%} of {key['simulations']};\n"
        f"copositivity of I - W: {key['copositivity']}"
    )
    ax_t.text(0, 1, txt.replace(";", ";"), va="top", fontsize=8.5, transform=ax_t.transAxes, wrap=False)
    fig.suptitle("Hahnloser & Seung 2001: permitted and forbidden sets of a symmetric network (ratenet)")
    paths = [os.path.join(out, f"{NAME}.png"), os.path.join(out, f"{NAME}.pdf")]
    for path in paths:
        fig.savefig(path, dpi=plots.DPI)
    return paths
