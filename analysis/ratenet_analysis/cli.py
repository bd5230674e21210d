"""Command line: python3 -m ratenet_analysis {plot,report,summary,reproduce} ..."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import List, Optional

import numpy as np

from .errors import RatenetBinaryError, RatenetFormatError
from .reader import RatenetFile, open_file


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def summary_text(f: RatenetFile) -> str:
    """Summarise a ratenet file in a few lines of text (``summary`` command).

    Parameters
    ----------
    f : RatenetFile
        The open file, of any kind (also a ``.part`` file).

    Returns
    -------
    str
        The header (kind, status, format version) and the key numbers of each group.
    """
    a = f.attrs
    L: List[str] = []
    L.append(f"{f.path}")
    L.append(
        f"  ratenet file, format_version {f.format_version}, kind {f.kind}, status {f.status}"
        + (f" ({f.message})" if f.message else "")
        + ("  [partial]" if f.is_partial else "")
    )
    L.append(f"  written by ratenet {a.get('ratenet_version', '?')} ({a.get('git_commit', '?')}) at {a.get('created_utc', '?')}")
    L.append(f"  command: {a.get('command_line', '')}")
    L.append("  seeds: " + ", ".join(f"{k} {v}" for k, v in f.seeds.items()))
    if f.has("network"):
        net = f.network()
        mp = ", ".join(f"{k} = {_fmt(v)}" for k, v in net.model_params.items())
        tp = ", ".join(f"{k} = {_fmt(v)}" for k, v in net.transfer_params.items())
        L.append(f"  network: N = {net.n}, model {net.model} ({mp}), form {net.form}, transfer {net.transfer}" + (f" ({tp})" if tp else ""))
        rest = f"b in [{net.b.min():.4g}, {net.b.max():.4g}]; noise_sigma {net.noise_sigma:g}"
        if not net.W_stored:  # never runs the binary: the summary stays cheap and works without it
            entries = net.attrs.get("W_nonzeros")
            L.append(f"    W not stored (recipe): rebuilt on demand by `ratenet network {shlex.quote(f.path)}`"
                     + (f" ({int(entries)} entries)" if entries is not None else "") + f"; {rest}")
        else:
            nnz = net.W_sparse().nnz if net.W_format == "csr" else int(np.count_nonzero(net.W))
            L.append(f"    W {net.W_format}, {nnz} nonzero; {rest}")
        if net.schedule is not None:
            L.append(f"    input schedule: {len(net.schedule)} intervals in [{net.schedule.t_start.min():g}, {net.schedule.t_end.max():g})")
    if f.has("trajectory"):
        tr = f.trajectory()
        ta = tr.attrs
        L.append(
            f"  trajectory: {tr.shape[0]} samples x {tr.shape[1]} neurons, t in "
            + (f"[{tr.t[0]:g}, {tr.t[-1]:g}]" if len(tr) else "(empty)")
            + f", dt_out {ta.get('dt_out', '?')}, method {ta.get('method', '?')}, {tr.dataset.dtype}, status {ta.get('status', 'running')}"
        )
        if len(tr):
            last = tr.x(-1)
            L.append(f"    final state: min {np.nanmin(last):.4g}, max {np.nanmax(last):.4g} (neuron {tr.neuron[int(np.nanargmax(last))]}), "
                     f"steady_state {ta.get('steady_state', '?')}")
    if f.has("permitted"):
        p = f.permitted()
        pa = p.attrs
        L.append(
            f"  permitted: {p.n_permitted} non-empty permitted sets, {p.maximal.shape[0]} maximal, "
            f"{p.minimal_forbidden.shape[0]} minimal forbidden; criterion {pa.get('criterion', '?')}, "
            f"copositivity {pa.get('copositivity', '?')}, status {pa.get('status', '?')}"
        )
        L.append("    counts by size (0 .. N): " + " ".join(str(int(c)) for c in p.counts_by_size))
        if p.verification is not None:
            v = p.verification
            L.append(f"    verified by simulation: {v.n_agree} agree, {v.n_disagree} disagree (of {len(v)} sets)")
    if f.has("fixed_points"):
        fp = f.fixed_points()
        L.append(
            f"  fixed points: {len(fp)} ({int(fp.stable.sum())} stable), parity {fp.parity}, "
            f"status {fp.attrs.get('status', '?')}"
        )
        for s in range(min(len(fp), 8)):
            L.append(f"    S = {list(np.flatnonzero(fp.support[s]))}: {'stable' if fp.stable[s] else 'unstable'}, index {fp.index[s]:+d}")
    if f.has("lyapunov"):
        ly = f.lyapunov()
        la = ly.attrs
        top = ", ".join(f"{v:.4g}" for v in ly.exponents[:5])
        L.append(
            f"  lyapunov: k = {ly.k}, lambda = [{top}{', ...' if ly.k > 5 else ''}], D_KY = {ly.kaplan_yorke:.4g}, "
            f"H = {ly.entropy_rate:.4g}, sum = {ly.sum:.8g} (mean trace {ly.mean_trace:.8g}), status {la.get('status', '?')}"
        )
    if f.has("sweep"):
        sw = f.sweep()
        L.append(f"  sweep ({sw.analysis}): {len(sw)} points ({int(sw.done.sum())} run) over {', '.join(sw.keys)}; "
                 f"results {', '.join(sorted(sw.results))}")
        for k in sw.keys:
            u = sw.unique(k)
            L.append(f"    {k}: {len(u)} values in [{u.min():g}, {u.max():g}]")
    if f.has("chaos"):
        ch = f.chaos()
        L.append(
            f"  chaos ({ch.key}, N = {ch.n}): {len(ch.g)} values in [{ch.g.min():g}, {ch.g.max():g}], {ch.lambda_max.shape[1]} seeds; "
            f"g_c = {ch.g_c:.4g} +- {ch.g_c_err:.2g} (zero crossing), {ch.g_c_stable_branch:.4g} +- "
            f"{ch.g_c_stable_branch_err:.2g} (stable branch), mean field {ch.g_c_meanfield:.4g}; "
            f"{int(ch.divergent.sum())} divergent points"
        )
        if np.isfinite(ch.g_div_meanfield):
            L.append(f"    mean-field divergence (threshold-linear): g_div = {ch.g_div_meanfield:.4g}")
        pops = ch.populations
        if pops is not None:
            L.append(
                f"    populations: {len(pops.alpha)}, alpha = [{', '.join(f'{a:.3g}' for a in pops.alpha)}]; at the mean-field "
                f"g_c = {pops.g_c:.4g}: mu = [{', '.join(f'{v:.3g}' for v in pops.mu)}], delta = "
                f"[{', '.join(f'{v:.3g}' for v in pops.delta)}], stability matrix spectral radius {pops.spectral_radius:.6g}; "
                f"bulk radius of W = {pops.bulk_radius_per_g:.4g} g"
            )
    return "\n".join(L)


def points_summary_text(folder: str) -> str:
    """Summarise the ``OUT.h5.points/`` folder of an unfinished sweep.

    Parameters
    ----------
    folder : str
        The folder ratenet keeps a sweep's finished points in until it writes OUT.h5.

    Returns
    -------
    str
        Several lines: points finished of those planned, their statuses, and
        the range of each scalar result with its units.
    """
    from .labelled import open_points

    d = open_points(folder)
    r = d["sweep/results"]
    status = r["status"].values if "sweep" not in d else d["sweep"]["status"].values
    done = status != ""
    planned = d.attrs.get("points_planned")
    L = [folder,
         f"  unfinished sweep (status running): {d.attrs['points_done']} point(s) finished"
         + (f" of {planned} planned" if planned is not None else " (no plan.tsv: the number planned is unknown)")
         + (f", sweep hash {d.attrs['sweep_hash']}" if "sweep_hash" in d.attrs else "")]
    counts = {}
    for s in status[done]:
        counts[s] = counts.get(s, 0) + 1
    if counts:
        L.append("  statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if "sweep" in d:
        keys = [str(k) for k in d["sweep"]["keys"].values if str(k) != "seed_index"]
        L.append("  swept: " + ", ".join(keys) + " (and seed); open it on the grid with ratenet_analysis.open(FOLDER).sweep()")
    for name, v in r.data_vars.items():
        if name in ("status", "seconds") or v.ndim != 1:
            continue
        vals = v.values[np.isfinite(v.values)]
        if len(vals):
            units = v.attrs.get("units", "")
            L.append(f"  {name}: {_fmt(float(vals.min()))} .. {_fmt(float(vals.max()))}" + (f" [{units}]" if units else ""))
    L.append(f"  resume it with: ratenet sweep CONFIG -o {os.path.basename(folder.rstrip(os.sep))[:-len('.points')]} --resume"
             if folder.rstrip(os.sep).endswith(".points") else "  resume it with: ratenet sweep CONFIG -o OUT --resume")
    return "\n".join(L)


def cmd_summary(args) -> int:
    """Print :func:`summary_text` of ``args.file`` (``summary FILE``).

    A directory is read as the ``OUT.h5.points/`` folder of an unfinished
    sweep (:func:`points_summary_text`).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    int
        The exit code, 0.
    """
    if os.path.isdir(args.file):
        print(points_summary_text(args.file))
        return 0
    with open_file(args.file) as f:
        print(summary_text(f))
    return 0


def cmd_plot(args) -> int:
    """Draw one figure of ``args.file`` (``plot FILE [--figure NAME] [-o OUT]``).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``file``, ``figure``, ``output``, ``dpi``).

    Returns
    -------
    int
        The exit code, 0.
    """
    from . import plots

    with open_file(args.file) as f:
        figs = plots.figures_for(f)
        if not figs:
            raise RatenetFormatError(f"{f.path}: nothing to plot (kind {f.kind!r}, groups {f.groups()})")
        name = args.figure or next(iter(figs))
        if name not in figs:
            raise SystemExit(f"no figure {name!r} for this file; available: {', '.join(figs)}")
        out = args.output or os.path.splitext(os.path.basename(f.path.removesuffix(".part")))[0] + f"_{name}.png"
        plots.save(figs[name](), out, dpi=args.dpi)
    print(f"wrote {out}")
    return 0


def cmd_report(args) -> int:
    """Write every figure of ``args.file`` once per format, and its summary (``report FILE -o DIR``).

    Each figure of :func:`plots.figures_for` is drawn once and saved in each of
    the (deduplicated) formats; figures_for itself lists no figure twice.  The
    network figure of a file that does not store W (``output.network =
    "recipe"``) rebuilds W with ``ratenet network``; when that fails the other
    figures and the summary are still written, and the exit code is 3.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``file``, ``output``, ``formats``, ``dpi``).

    Returns
    -------
    int
        The exit code: 0, or 3 when the network figure of a recipe file could not
        be drawn (W not rebuilt).
    """
    from . import plots

    os.makedirs(args.output, exist_ok=True)
    with open_file(args.file) as f:
        stem = os.path.splitext(os.path.basename(f.path.removesuffix(".part")))[0]
        figs = plots.figures_for(f)
        exts = list(dict.fromkeys(e.strip().lower().lstrip(".") for e in args.formats.split(",") if e.strip()))
        written = []
        skipped = []
        for name, make in figs.items():
            try:
                fig = make()  # drawn once, saved in every format
            except RatenetBinaryError as e:
                if name != "network":
                    raise
                skipped.append(f"figure {name} not drawn: {e}")  # W of a recipe file could not be rebuilt
                continue
            for ext in exts:
                p = os.path.join(args.output, f"{stem}_{name}.{ext}")
                if p in written:
                    continue
                plots.save(fig, p, dpi=args.dpi)
                written.append(p)
        sp = os.path.join(args.output, f"{stem}_summary.txt")
        with open(sp, "w") as fh:
            fh.write(summary_text(f) + "\n")
        written.append(sp)
    for p in written:
        print(f"wrote {p}")
    for msg in skipped:
        print(f"ratenet_analysis: {msg}", file=sys.stderr)
    return 3 if skipped else 0


def cmd_reproduce(args) -> int:
    """Run a reproduction and print its key numbers (``reproduce NAME``).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``name``, ``full``, ``output``, ``ratenet``).

    Returns
    -------
    int
        The exit code, 0.
    """
    from .reproduce import REPRODUCTIONS

    mod = REPRODUCTIONS[args.name]
    res = mod.run(full=args.full, outdir=args.output, ratenet=args.ratenet)
    for k, v in res.get("key_numbers", {}).items():
        print(f"{k}: {_fmt(v)}")
    for p in res.get("figures", []):
        print(f"wrote {p}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser of ``python3 -m ratenet_analysis``.

    Returns
    -------
    argparse.ArgumentParser
        With the subcommands ``plot``, ``report``, ``summary`` and ``reproduce``.
    """
    from . import plots
    from .reproduce import REPRODUCTIONS

    from . import __version__

    ap = argparse.ArgumentParser(prog="python3 -m ratenet_analysis", description="Analyse and plot ratenet HDF5 files.")
    ap.add_argument("--version", action="version", version=f"ratenet_analysis {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plot", help="draw the main figure for what the file holds")
    p.add_argument("file")
    p.add_argument("-o", "--output", help="figure path, .png or .pdf (default: FILE_<figure>.png)")
    p.add_argument("--figure", help="which figure (default: the main one for the file's kind)")
    p.add_argument("--dpi", type=int, default=plots.DPI)
    p.set_defaults(func=cmd_plot)
    p = sub.add_parser("report", help="write every figure for the file into a directory")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.add_argument("--formats", default="png", help="comma-separated: png,pdf")
    p.add_argument("--dpi", type=int, default=plots.DPI)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("summary", help="print a short summary")
    p.add_argument("file")
    p.set_defaults(func=cmd_summary)
    p = sub.add_parser("reproduce", help="reproduce a published result with the ratenet binary")
    p.add_argument("name", choices=sorted(REPRODUCTIONS))
    p.add_argument("--full", action="store_true", help="paper-size run (slow)")
    p.add_argument("-o", "--output", default="reproduce-out", help="output directory")
    p.add_argument("--ratenet", help="ratenet binary (default: $RATENET or ./build/ratenet)")
    p.set_defaults(func=cmd_reproduce)
    return ap


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line (``ratenet-analysis`` / ``python3 -m ratenet_analysis``).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 success, 2 an unreadable, foreign or newer file, 3 the
        ratenet binary is missing, lacks a subcommand, or a run failed.
    """
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except RatenetFormatError as e:
        print(f"ratenet_analysis: error: {e}", file=sys.stderr)
        return 2
    except RatenetBinaryError as e:
        print(f"ratenet_analysis: {e}", file=sys.stderr)
        return 3
    except FileNotFoundError as e:
        print(f"ratenet_analysis: error: no such file: {e}", file=sys.stderr)
        return 2
    except ValueError as e:
        print(f"ratenet_analysis: error: {e}", file=sys.stderr)
        return 2
