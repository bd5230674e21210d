"""The framework of the hostile-input harness: running ratenet, classifying what
it did, and the registry of cases. The cases are in cases.py and configs/; the
command line is run.py.

A case is a function of a Ctx. It returns normally when ratenet behaved as the
contract says (outcome "clean") and raises Outcome (through the helpers wrong(),
crash(), loss()) at the first deviation. Skip() marks a case that cannot run
here (no --shim).
"""
import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG_DIR = HERE / "configs"
DATA_DIR = HERE / "data"

# Every time limit is multiplied by this (an ASan build is about 3x slower).
try:
    TIME_SCALE = float(os.environ.get("RATENET_HOSTILE_TIME_SCALE", "") or 1.0)
except ValueError:
    TIME_SCALE = 1.0
if TIME_SCALE <= 0:
    TIME_SCALE = 1.0

CATEGORIES = ("clean", "wrong_code", "crash", "data_loss")
GROUPS = ("configs", "matrix_files", "hdf5_mutations", "signals", "concurrency", "disk_full", "checks", "messages")

# Text that means a sanitizer or HDF5's error stack reached the user.
CRASH_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:", "HDF5-DIAG")
ERROR_PREFIX = "ratenet: error: "


def T(seconds):
    """A time limit scaled by RATENET_HOSTILE_TIME_SCALE."""
    return seconds * TIME_SCALE


# ------------------------------------------------------------------ outcomes

class Outcome(Exception):
    def __init__(self, category, reason):
        super().__init__(reason)
        self.category = category
        self.reason = reason


class Skip(Exception):
    pass


def wrong(reason):
    raise Outcome("wrong_code", reason)


def crash(reason):
    raise Outcome("crash", reason)


def loss(reason):
    raise Outcome("data_loss", reason)


def short(text, limit=300):
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "..."


# ------------------------------------------------------------------ registry

class Case:
    def __init__(self, group, name, fn, procs=1, needs_shim=False, doc=""):
        assert group in GROUPS, group
        self.group, self.name, self.fn = group, name, fn
        self.procs, self.needs_shim, self.doc = procs, needs_shim, doc

    @property
    def id(self):
        return f"{self.group}/{self.name}"


CASES = []


def case(group, name=None, procs=1, shim=False):
    """Registers a function as a case. procs: ratenet processes it runs at once."""
    def deco(fn):
        CASES.append(Case(group, name or fn.__name__, fn, procs, shim, (fn.__doc__ or "").strip()))
        return fn
    return deco


def register(group, name, fn, procs=1, shim=False, doc=""):
    CASES.append(Case(group, name, fn, procs, shim, doc))


# ------------------------------------------------------------------ processes

class Result:
    """What one ratenet process did."""

    def __init__(self, args, rc, stdout, stderr, seconds, timed_out, maxrss_kb, sent=None):
        self.args, self.rc, self.stdout, self.stderr = args, rc, stdout, stderr
        self.seconds, self.timed_out, self.maxrss_kb, self.sent = seconds, timed_out, maxrss_kb, sent

    @property
    def code(self):
        """The exit code as a shell reports it (128 + signal for a signal death)."""
        if self.rc is None:
            return None
        return 128 - self.rc if self.rc < 0 else self.rc

    def describe(self):
        what = "timeout" if self.timed_out else (f"signal {-self.rc}" if self.rc < 0 else f"exit {self.rc}")
        cmd = " ".join(shlex.quote(a) for a in self.args[1:])
        return f"`ratenet {short(cmd, 120)}`: {what} after {self.seconds:.2f}s"


def _is_asan(binary):
    try:
        with open(binary, "rb") as f:
            data = f.read()
        return b"__asan_init" in data or b"AddressSanitizer" in data
    except OSError:
        return False


LIVE = set()          # processes still running (killed by pid if the harness is interrupted)
LIVE_LOCK = threading.Lock()


def kill_live():
    with LIVE_LOCK:
        procs = list(LIVE)
    for p in procs:
        try:
            os.kill(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Proc:
    """A ratenet process started in the background."""

    def __init__(self, ctx, args, popen, out_path, err_path, started):
        self.ctx, self.args, self.popen = ctx, args, popen
        self.out_path, self.err_path, self.started = out_path, err_path, started
        self.sent = None
        self.sent_at = None
        self.result = None

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        if self.result is not None:
            return False
        return self._reap(os.WNOHANG)

    def send(self, sig):
        if self.result is None:
            try:
                os.kill(self.popen.pid, sig)
            except ProcessLookupError:
                pass
            self.sent = sig
            self.sent_at = time.monotonic()

    def _reap(self, flags):
        try:
            pid, status, ru = os.wait4(self.popen.pid, flags)
        except ChildProcessError:
            pid, status, ru = self.popen.pid, 0, None
        if pid == 0:
            return True
        rc = os.waitstatus_to_exitcode(status)
        self.popen.returncode = rc
        self._finish(rc, False, ru.ru_maxrss if ru else 0)
        return False

    def _finish(self, rc, timed_out, maxrss):
        with LIVE_LOCK:
            LIVE.discard(self)
        seconds = time.monotonic() - self.started
        out = Path(self.out_path).read_text(errors="replace")
        err = Path(self.err_path).read_text(errors="replace")
        self.result = Result(self.args, rc, out, err, seconds, timed_out, maxrss, self.sent)
        self.ctx.results.append(self.result)

    def wait(self, timeout):
        """Waits up to timeout seconds (already scaled); kills it on timeout."""
        deadline = time.monotonic() + timeout
        while self.result is None:
            if not self._reap(os.WNOHANG):
                break
            if time.monotonic() > deadline:
                try:
                    os.kill(self.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    _, status, ru = os.wait4(self.popen.pid, 0)
                    rc = os.waitstatus_to_exitcode(status)
                except ChildProcessError:
                    rc, ru = -9, None
                self.popen.returncode = rc
                self._finish(rc, True, ru.ru_maxrss if ru else 0)
                break
            time.sleep(0.005)
        return self.result

    def since_signal(self):
        return None if self.sent_at is None or self.result is None else \
            self.started + self.result.seconds - self.sent_at


class Ctx:
    """One case's working directory and its ratenet processes."""

    def __init__(self, opts, root, fixtures, slots):
        self.opts = opts
        self.bin = opts.ratenet
        self.shim = opts.shim
        self.root = Path(root)
        self.dir = self.root / "work"      # ratenet's current directory
        self.logs = self.root / "logs"     # its stdout/stderr (outside work/)
        self.dir.mkdir()
        self.logs.mkdir()
        self.fixtures = fixtures
        self.slots = slots
        self.results = []
        self.procs = []
        self._n = 0
        self.notes = []

    # -- files
    def path(self, *parts):
        return self.dir.joinpath(*parts)

    def write(self, name, text, mode="w"):
        p = self.path(name)
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text)
        return name

    def copy_data(self, name, dest=None):
        shutil.copy(DATA_DIR / name, self.path(dest or name))
        return dest or name

    # -- environment
    def env(self, shim_match=None, shim_after=None, extra=None):
        e = dict(os.environ)
        e.setdefault("OMP_NUM_THREADS", "1")
        e.setdefault("OPENBLAS_NUM_THREADS", "1")
        e["LC_ALL"] = "C"
        for k in ("RATENET_SHIM_ENOSPC_MATCH", "RATENET_SHIM_ENOSPC_AFTER"):
            e.pop(k, None)
        if shim_match is not None:
            if not self.shim:
                raise Skip("needs --shim")
            e["LD_PRELOAD"] = str(Path(self.shim).resolve()) + (" " + e["LD_PRELOAD"] if e.get("LD_PRELOAD") else "")
            e["RATENET_SHIM_ENOSPC_MATCH"] = shim_match
            e["RATENET_SHIM_ENOSPC_AFTER"] = str(int(shim_after or 0))
            asan = e.get("ASAN_OPTIONS", "")
            e["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "verify_asan_link_order=0"
        if extra:
            e.update(extra)
        return e

    # -- processes
    def start(self, args, env=None, cwd=None):
        """Starts `ratenet ARGS` in the background (returns a Proc)."""
        self._n += 1
        out = self.logs / f"{self._n:02d}.out"
        err = self.logs / f"{self._n:02d}.err"
        argv = [self.bin] + [str(a) for a in args]
        # Limits through a shell that execs ratenet (same pid): no core files, a
        # cap on the file size, and on the address space unless ASan needs it.
        limits = "ulimit -c 0; ulimit -f 4194304 2>/dev/null;"  # 2 GiB in 512-byte blocks
        if not self.opts.asan:
            limits += " ulimit -v 8388608 2>/dev/null;"          # 8 GiB
        wrapper = ["/bin/sh", "-c", limits + ' exec "$0" "$@"'] + argv
        with open(out, "wb") as fo, open(err, "wb") as fe:
            started = time.monotonic()
            p = subprocess.Popen(wrapper, cwd=str(cwd or self.dir), env=env or self.env(), stdin=subprocess.DEVNULL,
                                 stdout=fo, stderr=fe, start_new_session=True)
        proc = Proc(self, argv, p, out, err, started)
        with LIVE_LOCK:
            LIVE.add(proc)
        self.procs.append(proc)
        return proc

    def kill_all(self):
        """SIGKILLs (by pid) and reaps every process of this case still running."""
        for p in self.procs:
            if p.result is None:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(5)

    def run(self, args, timeout=10, env=None, cwd=None):
        """Runs `ratenet ARGS` to the end; timeout in unscaled seconds."""
        return self.start(args, env=env, cwd=cwd).wait(T(timeout))

    # -- snapshots of the work directory
    def snapshot(self):
        snap = {}
        for dirpath, dirnames, filenames in os.walk(self.dir):
            for d in dirnames:
                snap[os.path.relpath(os.path.join(dirpath, d), self.dir) + "/"] = "dir"
            for f in filenames:
                p = os.path.join(dirpath, f)
                try:
                    with open(p, "rb") as fh:
                        snap[os.path.relpath(p, self.dir)] = hashlib.sha1(fh.read()).hexdigest()
                except OSError:
                    snap[os.path.relpath(p, self.dir)] = "unreadable"
        return snap

    def expect_unchanged(self, before, allow_new=()):
        """Nothing new in the work directory (wrong_code) and nothing that was
        there changed or removed (data_loss)."""
        after = self.snapshot()
        # OUT.lock files are ratenet's own (reused or removed by later runs).
        changed = [k for k, v in before.items() if k in after and after[k] != v and not k.endswith(".lock")]
        gone = [k for k in before if k not in after and not k.endswith(".lock")]
        if changed or gone:
            loss("the user's files were " + ", ".join(
                ([f"changed: {' '.join(sorted(changed))}"] if changed else []) +
                ([f"removed: {' '.join(sorted(gone))}"] if gone else [])))
        new = sorted(k for k in after if k not in before and not any(re.fullmatch(a, k) for a in allow_new))
        if new:
            wrong("left behind: " + " ".join(new))

    def fixture(self, name):
        return self.fixtures.get(name, self)

    def note(self, text):
        self.notes.append(text)


# ------------------------------------------------------------------ checks on results

def check_no_crash(res, allowed_codes=()):
    """A signal it was not sent, an exit >= 128 not asked for, a timeout, or a
    sanitizer/HDF5 report: crash."""
    if res.timed_out:
        crash(f"{res.describe()} (killed; limit reached)")
    text = res.stdout + "\n" + res.stderr
    for marker in CRASH_MARKERS:
        if marker in text:
            i = text.index(marker)
            crash(f"{res.describe()}: {marker!r} in the output: {short(text[max(0, i - 40):i + 200])}")
    if res.rc < 0:
        sig = -res.rc
        if not (res.sent == sig and 128 + sig in allowed_codes):
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = str(sig)
            crash(f"{res.describe()}: killed by {name}" + (f" (sent {signal.Signals(res.sent).name})" if res.sent else "")
                  + f"; stderr: {short(res.stderr, 200)}")
    elif res.rc >= 128 and res.rc not in allowed_codes:
        crash(f"{res.describe()}: exit code {res.rc}; stderr: {short(res.stderr, 200)}")


def check_error_line(res, must=(), must_not=()):
    """Exactly one stderr line, `ratenet: error: ...`, with no internal names."""
    lines = [l for l in res.stderr.split("\n") if l.strip()]
    if len(lines) != 1:
        wrong(f"{res.describe()}: expected one line on stderr, got {len(lines)}: {short(res.stderr)}")
    line = lines[0]
    if not line.startswith(ERROR_PREFIX):
        wrong(f"{res.describe()}: the stderr line does not start with {ERROR_PREFIX!r}: {short(line)}")
    if "filesystem error:" in line:
        wrong(f"{res.describe()}: raw std::filesystem error: {short(line)}")
    if re.search(r"\.tmp", line):
        wrong(f"{res.describe()}: the message names a temporary file: {short(line)}")
    for rx in ([must] if isinstance(must, str) else must):
        if not re.search(rx, line, re.S):
            wrong(f"{res.describe()}: message does not match /{rx}/: {short(line)}")
    for rx in ([must_not] if isinstance(must_not, str) else must_not):
        if re.search(rx, line, re.S):
            wrong(f"{res.describe()}: message matches /{rx}/, it should not: {short(line)}")
    return line


def expect(res, codes, must=(), must_not=(), max_seconds=None):
    """The general expectation on one process: no crash, an exit code in codes
    and, for exit 1 or 2, one `ratenet: error:` line matching must."""
    codes = (codes,) if isinstance(codes, int) else tuple(codes)
    check_no_crash(res, allowed_codes=tuple(c for c in codes if c >= 128))
    if res.code not in codes:
        wrong(f"{res.describe()}: expected exit {'/'.join(map(str, codes))}; stderr: {short(res.stderr, 240)}")
    if res.code in (1, 2):
        check_error_line(res, must, must_not)
    if max_seconds is not None and res.seconds > T(max_seconds):
        wrong(f"{res.describe()}: took {res.seconds:.2f}s, expected under {T(max_seconds):.1f}s")
    return res


def check_no_control_chars(res):
    bad = re.search(r"[\x00-\x09\x0b-\x1f\x7f]", res.stdout)
    if bad:
        i = bad.start()
        wrong(f"{res.describe()}: raw control character {bad.group()!r} on stdout near {res.stdout[max(0, i - 30):i + 30]!r}")


# ------------------------------------------------------------------ HDF5 checks (h5py in the harness)

def h5_open(path, what="file"):
    """Opens an HDF5 file read-only; missing or unreadable: data_loss."""
    import h5py
    p = Path(path)
    if not p.exists():
        loss(f"{what} {p.name} is missing")
    try:
        return h5py.File(str(p), "r", locking=False)
    except Exception as e:  # noqa: BLE001 - any failure to open is data loss
        loss(f"{what} {p.name} is not readable by h5py: {short(str(e), 200)}")


def attr_str(obj, name):
    v = obj.attrs.get(name)
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    return v


def check_status(path, statuses, what="file"):
    statuses = (statuses,) if isinstance(statuses, str) else tuple(statuses)
    with h5_open(path, what) as f:
        st = attr_str(f, "status")
        if st not in statuses:
            loss(f"{what} {Path(path).name}: root attribute status = {st!r}, expected {' or '.join(statuses)}")


def check_trajectory_consistent(path, what="file", need_samples=False, x_may_run_ahead=False):
    """len(t) == x.shape[0] (== attribute samples when present). With
    x_may_run_ahead (a failed write), x may have rows past len(t), which are not
    data (docs/commands.md): len(t) == samples <= rows of x."""
    with h5_open(path, what) as f:
        if "trajectory" not in f:
            loss(f"{what} {Path(path).name} has no /trajectory")
        g = f["trajectory"]
        if "t" not in g or "x" not in g:
            loss(f"{what} {Path(path).name}: /trajectory lacks t or x")
        try:
            nt = g["t"].shape[0]
            nx = g["x"].shape[0]
        except Exception as e:  # noqa: BLE001
            loss(f"{what} {Path(path).name}: cannot read /trajectory: {e}")
        if nt != nx and not (x_may_run_ahead and nt <= nx):
            loss(f"{what} {Path(path).name}: len(t) = {nt} but x has {nx} rows")
        if "samples" in g.attrs:
            s = int(g.attrs["samples"])
            if s != nt:
                loss(f"{what} {Path(path).name}: /trajectory samples = {s} but len(t) = {nt}")
        elif need_samples:
            loss(f"{what} {Path(path).name}: /trajectory has no samples attribute")
        try:
            t = g["t"][:]
            g["x"][max(0, nx - 2):nx]
        except Exception as e:  # noqa: BLE001
            loss(f"{what} {Path(path).name}: /trajectory data unreadable: {short(str(e), 200)}")
        import numpy as np
        if nt > 1 and not np.all(np.diff(t) > 0):
            loss(f"{what} {Path(path).name}: /trajectory/t is not increasing")
        return nt


# ------------------------------------------------------------------ waiting

def wait_until(pred, timeout, step=0.02):
    """Polls pred() until true or timeout (already scaled) seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


# ------------------------------------------------------------------ fixtures

FIXTURE_BUILDERS = {}


def fixture(name):
    """Registers a builder of a shared fixture: fn(ctx, dest_dir) -> value."""
    def deco(fn):
        FIXTURE_BUILDERS[name] = fn
        return fn
    return deco


class Fixtures:
    """Files made once per session by ratenet itself (shared, read-only: cases
    copy them). A fixture that cannot be made fails every case that needs it
    with the fixture's own outcome."""

    def __init__(self, opts, root):
        self.opts = opts
        self.root = Path(root)
        self.lock = threading.Lock()
        self.made = {}

    def get(self, name, ctx):
        with self.lock:
            if name not in self.made:
                d = self.root / name
                d.mkdir(parents=True, exist_ok=True)
                fctx = Ctx(self.opts, tempfile.mkdtemp(prefix=f"fixture-{name}-", dir=self.root), self, ctx.slots)
                try:
                    value = FIXTURE_BUILDERS[name](fctx, d)
                    self.made[name] = ("ok", value)
                except Outcome as e:
                    self.made[name] = ("fail", Outcome(e.category, f"fixture {name}: {e.reason}"))
                except Skip as e:
                    self.made[name] = ("skip", e)
            kind, value = self.made[name]
        if kind == "fail":
            raise Outcome(value.category, value.reason)
        if kind == "skip":
            raise Skip(str(value))
        return value


# ------------------------------------------------------------------ config-file cases

HEADER_KEYS = ("command", "args", "expect", "message", "not-message", "group", "copy", "max-seconds", "names-file",
               "output", "timeout")


def parse_header(text):
    """The `# key: value` lines at the top of a config (before the first line
    that is not a comment); other comment lines are the description."""
    h = {"description": []}
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if not s.startswith("#"):
            break
        m = re.match(r"#\s*([a-z-]+):\s?(.*)$", s)
        if m and m.group(1) in HEADER_KEYS:
            key, val = m.group(1), m.group(2).strip()
            if key in ("message", "not-message", "copy"):
                h.setdefault(key, []).append(val)
            else:
                h[key] = val
        else:
            h["description"].append(s.lstrip("#").strip())
    return h


def config_case(path):
    """A case from configs/NAME.toml: run `ratenet COMMAND NAME.toml ARGS -o
    out.h5` in an empty directory; expect the exit code (default 2), one
    `ratenet: error:` line naming the file and matching every `message`,
    nothing left behind, and a quick answer (max-seconds, default 5)."""
    path = Path(path)
    h = parse_header(path.read_text(errors="replace"))
    command = h.get("command", "simulate")
    code = int(h.get("expect", "2"))
    group = h.get("group", "configs")
    max_seconds = float(h.get("max-seconds", "5"))
    timeout = float(h.get("timeout", str(max_seconds * 1.5 + 2)))
    names_file = h.get("names-file", "yes").lower() not in ("no", "false", "0")
    output = h.get("output", "out.h5")
    extra = shlex.split(h.get("args", ""))
    copies = [c for line in h.get("copy", []) for c in line.split()]

    def run_case(ctx):
        for c in copies:
            ctx.copy_data(c)
        shutil.copy(path, ctx.path(path.name))
        before = ctx.snapshot()
        args = [command, path.name] + extra + (["-o", output] if output and output != "none" else [])
        res = ctx.run(args, timeout=timeout)
        must = list(h.get("message", []))
        if names_file and code in (1, 2):
            must.append(re.escape(path.name))
        expect(res, code, must=must, must_not=h.get("not-message", []), max_seconds=max_seconds)
        ctx.expect_unchanged(before)

    register(group, "cfg:" + path.stem, run_case, doc=" ".join(h["description"]))


def load_config_cases():
    for p in sorted(CONFIG_DIR.glob("*.toml")):
        config_case(p)
