"""Hahnloser & Seung, NIPS 13 (2001): permitted and forbidden sets in symmetric
threshold-linear networks, checked by simulation.

``ratenet permitted`` classifies every subset of a symmetric ring network
(local excitation, global inhibition: model ``ring``).  Each maximal permitted
set and each minimal forbidden set is then tested by simulation: an input b is
built that makes the set S the support of a fixed point x* (x*_S = 1, the other
neurons 0.5 below threshold) and the network is started next to x*.  A permitted
set must hold (stable steady state with active set S), a forbidden one must be
left.  The file's classification is also compared with an independent numpy
eigenvalue check of every subset (small N).
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional

import numpy as np

from .. import binary
from ..reader import open_file
from . import config_path, prepare_outdir

NAME = "hahnloser_seung2001"
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

SMALL = dict(sets=["model.n=10", "model.j0=-2.0", "model.j1=6.0"], max_tests=40, t_end=80.0)
FULL = dict(sets=["model.n=16", "model.j0=-2.0", "model.j1=8.0"], max_tests=400, t_end=200.0)


def numpy_permitted(W: np.ndarray) -> np.ndarray:
    """Bool vector over bitmasks 1..2^N-1: (I - W)_SS positive definite (N <= 16)."""
    N = W.shape[0]
    A = np.eye(N) - W
    ok = np.zeros(2**N, bool)
    ok[0] = True
    for m in range(1, 2**N):
        S = [i for i in range(N) if m >> i & 1]
        ok[m] = np.linalg.eigvalsh(A[np.ix_(S, S)]).min() > 1e-10
    return ok


def _mask(row: np.ndarray) -> int:
    return int(sum(1 << int(i) for i in np.flatnonzero(row)))


def check_by_simulation(exe: str, W: np.ndarray, S: np.ndarray, workdir: str, tag: str, t_end: float, rng) -> Dict:
    """Simulate next to the fixed point with support S; report whether it held."""
    N = W.shape[0]
    x_star = np.where(S, 1.0, 0.0)
    b = x_star - W @ x_star  # (I - W) x* on S
    b[~S] = -(W @ x_star)[~S] - 0.5  # inactive neurons 0.5 below threshold
    x0 = x_star + 1e-3 * rng.standard_normal(N)
    wpath = os.path.join(workdir, "W.npy")
    if not os.path.exists(wpath):
        np.save(wpath, W)
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


def run(full: bool = False, outdir: str = "reproduce-out", ratenet: Optional[str] = None) -> Dict:
    exe = binary.find_ratenet(ratenet)
    binary.require_subcommand(exe, "permitted", "reproduce hahnloser_seung2001")
    out = prepare_outdir(os.path.join(outdir, NAME))
    size = FULL if full else SMALL
    h5 = os.path.join(out, "permitted.h5")
    binary.run_analysis(exe, "permitted", str(config_path(NAME)), h5, size["sets"])
    with open_file(h5) as f:
        net = f.network()
        p = f.permitted()
    W = net.W
    N = W.shape[0]
    sym = float(np.max(np.abs(W - W.T)))
    # Independent check of the classification.
    agree_numpy = None
    if N <= 16:
        ok = numpy_permitted(W)
        file_masks = {_mask(r) for r in p.sets} | {0}
        mine = {m for m in range(2**N) if ok[m]}
        agree_numpy = file_masks == mine
    rng = np.random.default_rng(7)
    work = os.path.join(out, "sims")
    os.makedirs(work, exist_ok=True)
    tests: List[Dict] = []
    maxi = p.maximal[: size["max_tests"]]
    forb = p.minimal_forbidden[: size["max_tests"]]
    for i, S in enumerate(maxi):
        r = check_by_simulation(exe, W, S, work, f"permitted_{i}", size["t_end"], rng)
        tests.append(dict(kind="permitted", set=S, **r, correct=r["held"]))
    for i, S in enumerate(forb):
        r = check_by_simulation(exe, W, S, work, f"forbidden_{i}", size["t_end"], rng)
        tests.append(dict(kind="forbidden", set=S, **r, correct=not r["held"]))
    n_ok = sum(t["correct"] for t in tests)
    key = {
        "N": N,
        "asymmetry_max_abs": sym,
        "n_permitted": int(p.counts_by_size.sum()),
        "n_maximal": int(p.maximal.shape[0]),
        "n_minimal_forbidden": int(p.minimal_forbidden.shape[0]),
        "max_permitted_size": int(np.max(np.flatnonzero(p.counts_by_size))),
        "classification_matches_numpy": agree_numpy,
        "simulation_agreement": n_ok / max(1, len(tests)),
        "simulations": len(tests),
        "copositivity": p.attrs.get("copositivity", "?"),
    }
    figs = draw(p, net, tests, key, out)
    return dict(key_numbers=key, figures=figs, files=[h5], tests=tests)


def draw(p, net, tests, key, out) -> List[str]:
    import matplotlib.pyplot as plt

    from .. import plots

    fig = plt.figure(figsize=(13, 8.5), dpi=plots.DPI, layout="constrained")
    gs = fig.add_gridspec(2, 3)
    ax_c, ax_m, ax_f = (fig.add_subplot(gs[0, i]) for i in range(3))
    ax_s = fig.add_subplot(gs[1, :2])
    ax_t = fig.add_subplot(gs[1, 2])
    from math import comb

    N = p.n
    cm = plt.get_cmap(plots.SEQ_CMAP)
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
        f"ring N = {key['N']}, {key['n_permitted']} permitted sets,\n{key['n_maximal']} maximal, largest size "
        f"{key['max_permitted_size']};\nclassification = numpy eigenvalue check: {key['classification_matches_numpy']};\n"
        f"simulations agreeing: {key['simulation_agreement']:.0%} of {key['simulations']};\ncopositivity of I - W: {key['copositivity']}"
    )
    ax_t.text(0, 1, txt.replace(";", ";"), va="top", fontsize=8.5, transform=ax_t.transAxes, wrap=False)
    fig.suptitle("Hahnloser & Seung 2001: permitted and forbidden sets of a symmetric network (ratenet)")
    paths = [os.path.join(out, f"{NAME}.png"), os.path.join(out, f"{NAME}.pdf")]
    for path in paths:
        fig.savefig(path, dpi=plots.DPI)
    plt.close(fig)
    return paths
