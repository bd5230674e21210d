#!/usr/bin/python3
"""Hostile-input regression harness for ratenet.

    /usr/bin/python3 tests/hostile/run.py --ratenet BIN [--shim LIB] [--only SUBSTR] [--jobs 1] [--json FILE]

Runs every case (configs/*.toml and the functions in cases.py), each in a fresh
temporary directory, and classifies each outcome as clean, wrong_code, crash or
data_loss (see README.md). Prints one line per case that is not clean, a table
of counts per group, and `N passed, N failed[, N skipped]`. Exits 0 iff no case
failed.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from harness import CATEGORIES, GROUPS, Ctx, Fixtures, Outcome, Skip  # noqa: E402
import cases  # noqa: E402,F401  (registers the Python cases)


class Slots:
    """At most `total` ratenet processes at once: a case takes `procs` slots."""

    def __init__(self, total):
        self.total = total
        self.free = total
        self.cv = threading.Condition()

    def acquire(self, n):
        n = min(n, self.total)
        with self.cv:
            while self.free < n:
                self.cv.wait()
            self.free -= n
        return n

    def release(self, n):
        with self.cv:
            self.free += n
            self.cv.notify_all()


def run_one(c, opts, session, fixtures, slots):
    if c.needs_shim and not opts.shim:
        return "skipped", "needs --shim", 0.0
    root = tempfile.mkdtemp(prefix="case-", dir=session)
    ctx = Ctx(opts, root, fixtures, slots)
    t0 = time.monotonic()
    try:
        c.fn(ctx)
        cat, reason = "clean", ""
    except Outcome as e:
        cat, reason = e.category, e.reason
    except Skip as e:
        cat, reason = "skipped", str(e)
    except Exception:  # noqa: BLE001 - a bug in the case itself
        cat, reason = "wrong_code", "harness error: " + traceback.format_exc().strip().replace("\n", " | ")
    finally:
        ctx.kill_all()  # nothing of ours outlives the case
    seconds = time.monotonic() - t0
    if not opts.keep:
        shutil.rmtree(root, ignore_errors=True)
    if ctx.notes and cat == "clean":
        reason = "; ".join(ctx.notes)
    return cat, reason, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ratenet", required=True, help="the ratenet binary under test")
    ap.add_argument("--shim", help="the ENOSPC LD_PRELOAD library (enospc_shim.so); without it disk_full cases are skipped")
    ap.add_argument("--only", action="append", default=[], help="run only cases whose group/name contains SUBSTR (repeatable)")
    ap.add_argument("--jobs", type=int, default=1, help="cases run at once (at most 2 ratenet processes run at once)")
    ap.add_argument("--json", help="write the counts (and every case's outcome) to FILE")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case as it finishes")
    opts = ap.parse_args()

    opts.ratenet = str(Path(opts.ratenet).resolve())
    if not os.access(opts.ratenet, os.X_OK):
        ap.error(f"--ratenet {opts.ratenet}: not an executable file")
    if opts.shim:
        opts.shim = str(Path(opts.shim).resolve())
        if not Path(opts.shim).is_file():
            ap.error(f"--shim {opts.shim}: no such file")
    opts.asan = harness._is_asan(opts.ratenet)

    harness.load_config_cases()
    selected = [c for c in harness.CASES if not opts.only or any(s in c.id for s in opts.only)]
    ids = [c.id for c in harness.CASES]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        print(f"duplicate case names: {sorted(dup)}", file=sys.stderr)
        return 2
    if opts.list:
        for c in selected:
            print(f"{c.id}{'  (needs --shim)' if c.needs_shim else ''}{'  - ' + c.doc.splitlines()[0] if c.doc else ''}")
        return 0

    session = tempfile.mkdtemp(prefix="ratenet-hostile-")
    fixtures = Fixtures(opts, Path(session) / "fixtures")
    slots = Slots(2)
    results = {}
    lock = threading.Lock()
    queue = list(selected)
    t_start = time.monotonic()

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                c = queue.pop(0)
            n = slots.acquire(c.procs)
            try:
                cat, reason, secs = run_one(c, opts, session, fixtures, slots)
            finally:
                slots.release(n)
            with lock:
                results[c.id] = (c, cat, reason, secs)
                if cat not in ("clean", "skipped"):
                    print(f"{cat:<10} {c.id}: {reason}", flush=True)
                elif opts.verbose or (cat == "skipped"):
                    print(f"{cat:<10} {c.id} ({secs:.1f}s){': ' + reason if reason else ''}", flush=True)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, min(opts.jobs, 2)))]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except KeyboardInterrupt:
        with lock:
            queue.clear()
        harness.kill_live()
        print("interrupted: the running ratenet processes were killed", file=sys.stderr)
        if not opts.keep:
            shutil.rmtree(session, ignore_errors=True)
        return 130
    if not opts.keep:
        shutil.rmtree(session, ignore_errors=True)
    else:
        print(f"kept {session}")

    # Summary table: counts per category and per group.
    cols = list(CATEGORIES) + ["skipped"]
    per_group = {g: {k: 0 for k in cols} for g in GROUPS}
    for c, cat, _, _ in results.values():
        per_group[c.group][cat] += 1
    totals = {k: sum(per_group[g][k] for g in GROUPS) for k in cols}
    print()
    print(f"{'group':<16}" + "".join(f"{k:>12}" for k in cols) + f"{'total':>8}")
    for g in GROUPS:
        row = per_group[g]
        if sum(row.values()):
            print(f"{g:<16}" + "".join(f"{row[k]:>12}" for k in cols) + f"{sum(row.values()):>8}")
    print(f"{'all':<16}" + "".join(f"{totals[k]:>12}" for k in cols) + f"{sum(totals.values()):>8}")
    elapsed = time.monotonic() - t_start
    print(f"({len(results)} cases in {elapsed:.0f}s, time scale {harness.TIME_SCALE:g}{', ASan build' if opts.asan else ''})")
    passed = totals["clean"]
    failed = totals["wrong_code"] + totals["crash"] + totals["data_loss"]
    skipped = totals["skipped"]
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))

    if opts.json:
        doc = {
            "ratenet": opts.ratenet,
            "shim": opts.shim,
            "time_scale": harness.TIME_SCALE,
            "seconds": round(elapsed, 1),
            "passed": passed,
            "failed": failed,
            "skipped": skipped,
            "counts": totals,
            "groups": {g: per_group[g] for g in GROUPS if sum(per_group[g].values())},
            "cases": [{"id": c.id, "group": c.group, "name": c.name, "outcome": cat, "reason": reason,
                       "seconds": round(secs, 2)}
                      for c, cat, reason, secs in sorted(results.values(), key=lambda r: r[0].id)],
        }
        Path(opts.json).write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
