"""One environment for both sides of a benchmark, the BLAS each side loaded, and
the machine's peaks measured in the same run. Imported by every bench/*.py:

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import machine

bench_env()        the environment every subprocess of every script runs under:
                   a copy of os.environ, unchanged (whatever OPENBLAS_CORETYPE the
                   machine sets applies to ratenet and to NumPy alike)
blas_of_numpy(env) the BLAS a NumPy process loads under env: the library mapped in
                   /proc/self/maps after a matmul and OpenBLAS's own configuration
                   string and core (kernel) name, asked through ctypes
blas_of_binary(binary, env, probe)
                   the same for a ratenet executable: the "blas" field of its JSON
                   line (the driver asks OpenBLAS itself) if `probe` prints one, and
                   `ldd` plus the same ctypes query in a child under env
machine_peaks(env) DGEMM and SGEMM GFLOP/s and stream bandwidth (triad, copy) in GB/s,
                   measured by NumPy in a child under env
print_header(...)  prints all of the above and returns it as a dict for --json

Nothing here changes the environment: OPENBLAS_CORETYPE selects OpenBLAS's kernel
when the library is loaded, so every query runs in a fresh child under the same
env as the benchmark itself.
"""
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import textwrap
import time

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
# Shown always, set or not; the others only when set.
ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_L2_SIZE")
OTHER_ENV_VARS = ("GOTO_NUM_THREADS", "MKL_NUM_THREADS", "MKL_DEBUG_CPU_TYPE", "OPENBLAS_VERBOSE",
                  "OMP_WAIT_POLICY", "OMP_PROC_BIND", "OMP_PLACES", "GOMP_SPINCOUNT", "LD_LIBRARY_PATH",
                  "LD_PRELOAD")
BLAS_FILE = re.compile(r"^lib(open)?blas|^libmkl|^libblis|^libflexiblas|^libcblas|^liblapack")


def bench_env():
    """The one environment of both sides: os.environ as the script found it."""
    return dict(os.environ)


# --- asking a BLAS library what it is ---------------------------------------------------------
# Runs in a child process (python -c) so that the library initialises under the
# benchmark's env. argv[1] = "numpy" (import numpy, multiply, read /proc/self/maps)
# or "libs" followed by library paths (load them with ctypes, as the binary would).
_QUERY = textwrap.dedent(
    r"""
    import ctypes, json, os, re, sys
    BLAS_FILE = re.compile(__BLAS_FILE__)

    class DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                    ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]

    try:
        _dladdr = ctypes.CDLL(None).dladdr
    except AttributeError:
        _dladdr = ctypes.CDLL("libdl.so.2").dladdr
    _dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlInfo)]

    def defined_in(fn):
        info = DlInfo()
        if _dladdr(ctypes.cast(fn, ctypes.c_void_p), ctypes.byref(info)) and info.dli_fname:
            return os.path.realpath(info.dli_fname.decode())
        return None

    def ask(paths):
        out = {"library": None, "config": None, "core": None, "num_threads": None, "vendor": None}
        for p in paths:
            try:
                lib = ctypes.CDLL(p)
            except OSError:
                continue
            for sym, key in (("openblas_get_config", "config"), ("openblas_get_corename", "core")):
                fn = getattr(lib, sym, None)
                if fn is not None and out[key] is None:
                    fn.restype = ctypes.c_char_p
                    out[key] = fn().decode(errors="replace")
                    out["vendor"] = "OpenBLAS"
                    out["library"] = out["library"] or defined_in(fn) or p
            fn = getattr(lib, "openblas_get_num_threads", None)
            if fn is not None and out["num_threads"] is None:
                fn.restype = ctypes.c_int
                out["num_threads"] = fn()
            fn = getattr(lib, "MKL_Get_Version_String", None)
            if fn is not None and out["config"] is None:
                buf = ctypes.create_string_buffer(256)
                fn(buf, 256)
                out.update(vendor="MKL", config=buf.value.decode(errors="replace"), library=defined_in(fn) or p)
            fn = getattr(lib, "bli_info_get_version_str", None)
            if fn is not None and out["config"] is None:
                fn.restype = ctypes.c_char_p
                out.update(vendor="BLIS", config="BLIS " + fn().decode(errors="replace"), library=defined_in(fn) or p)
        if out["library"] is None:
            blas = [p for p in paths if "lapack" not in os.path.basename(p)]
            out["library"] = (blas or paths or [None])[0]
            out["vendor"] = "unknown (no OpenBLAS, MKL or BLIS query symbol)" if paths else None
        return out

    def mapped():
        libs = []
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[5].startswith("/"):
                    p = os.path.realpath(parts[5])
                    if BLAS_FILE.search(os.path.basename(p)) and p not in libs:
                        libs.append(p)
        # OpenBLAS's own library first, then other BLAS, LAPACK last.
        libs.sort(key=lambda p: (0 if "openblas" in p else 2 if "lapack" in os.path.basename(p) else 1))
        return libs

    if sys.argv[1] == "numpy":
        import numpy as np
        a = np.ones((64, 64))
        a @ a
        libs = mapped()
        res = ask(libs)
        res.update(mapped=libs, numpy=np.__version__)
        try:
            import scipy
            res["scipy"] = scipy.__version__
        except ImportError:
            pass
    else:
        res = ask(sys.argv[2:])
        res["mapped"] = mapped()
    print(json.dumps(res))
    """
).replace("__BLAS_FILE__", repr(BLAS_FILE.pattern))


def _child_json(args, env, timeout=120):
    out = subprocess.run([PYTHON, "-c", _QUERY] + list(args), env=env, check=True, capture_output=True, text=True,
                         timeout=timeout).stdout
    return json.loads(out.strip().splitlines()[-1])


def blas_of_numpy(env):
    """What a NumPy process under env loads: numpy version, BLAS path, OpenBLAS config and core."""
    try:
        r = _child_json(["numpy"], env)
    except (subprocess.SubprocessError, OSError, ValueError) as e:
        return {"side": "numpy", "error": str(e)}
    r["side"] = "numpy"
    r["python"] = PYTHON
    r["source"] = "NumPy child under the bench env: /proc/self/maps after a matmul, OpenBLAS queried via ctypes"
    return r


def ldd_libs(binary, env):
    """BLAS/LAPACK libraries `ldd binary` resolves under env (real paths), in ldd's order."""
    try:
        out = subprocess.run(["ldd", binary], env=env, check=True, capture_output=True, text=True, timeout=60).stdout
    except (subprocess.SubprocessError, OSError):
        return []
    libs = []
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)\s*=>\s*(/\S+)", line) or re.match(r"\s*(/\S+)\s+\(", line)
        if not m:
            continue
        p = os.path.realpath(m.group(m.lastindex))
        if BLAS_FILE.search(os.path.basename(m.group(1))) or BLAS_FILE.search(os.path.basename(p)):
            if p not in libs:
                libs.append(p)
    return libs


def parse_reported(s):
    """Split a driver's "blas" string ("<openblas config> core=<name>") into config and core."""
    m = re.match(r"^(.*?)\s+core=(\S+)\s*$", s or "")
    if m:
        return m.group(1), m.group(2)
    return s, None


def blas_of_binary(binary, env, probe=None):
    """The BLAS a ratenet executable runs on, under env.

    probe: a cheap command line of that binary printing a JSON line; its "blas"
    field, if there is one, is the driver's own report (OpenBLAS asked from inside
    the process) and takes precedence. `ldd` plus a ctypes query of the resolved
    libraries in a child under env gives the library's path, and the kernel when
    the driver reports none."""
    r = {"side": "ratenet", "binary": os.path.abspath(binary) if binary else None}
    if not binary or not os.path.exists(binary):
        r["error"] = f"{binary} not found"
        return r
    libs = ldd_libs(binary, env)
    r["linked"] = libs
    if libs:
        try:
            q = _child_json(["libs"] + libs, env)
            r.update({k: q.get(k) for k in ("library", "config", "core", "num_threads", "vendor")})
            r["ctypes_config"], r["ctypes_core"] = q.get("config"), q.get("core")
            r["source"] = "ldd of the binary, OpenBLAS queried via ctypes in a child under the bench env"
        except (subprocess.SubprocessError, OSError, ValueError) as e:
            r["error"] = f"ctypes query failed: {e}"
    else:
        r.update(library=None, config=None, core=None,
                 source="no BLAS dynamically linked (static, or none: ldd lists no BLAS library)")
    if probe:
        try:
            js = run_json(probe, env)
        except (subprocess.SubprocessError, OSError, ValueError) as e:
            js = {}
            r["probe_error"] = str(e)
        if js.get("blas"):
            note_reported(r, js["blas"])
    return r


def note_reported(side, reported):
    """Record a driver's own "blas" string on side (a blas_of_binary dict); warn if the
    ctypes query of the same library under the same env disagrees."""
    config, core = parse_reported(reported)
    side["reported"] = reported
    side["config"], side["core"] = config, core or side.get("ctypes_core")
    side["source"] = "the driver's JSON \"blas\" field (OpenBLAS asked inside the process)" + (
        "; library path from ldd" if side.get("library") else "")
    if side.get("ctypes_config") is not None and (side["ctypes_config"], side.get("ctypes_core")) != (
            config, side["core"]):
        side["mismatch"] = (f"driver reports {reported!r}, a ctypes query of {side.get('library')} under the same "
                            f"env gives {side['ctypes_config']!r} core={side.get('ctypes_core')}")
        print(f"WARNING: {side['mismatch']}", file=sys.stderr)


def check_blas(header, js, binary=None):
    """After a driver run: compare its "blas" field with the header's; keep the first report."""
    rep = js.get("blas") if isinstance(js, dict) else None
    if not rep or not header:
        return
    for side in header.get("ratenet", []):
        if binary is not None and side.get("binary") != os.path.abspath(binary):
            continue
        if "reported" not in side:
            note_reported(side, rep)
        elif side["reported"] != rep:
            msg = f"{side.get('binary')}: BLAS changed during the run: {side['reported']!r} -> {rep!r}"
            if msg not in header.setdefault("warnings", []):
                header["warnings"].append(msg)
                print(f"WARNING: {msg}", file=sys.stderr)
        return


# --- the machine's peaks -------------------------------------------------------------------------
_PEAKS = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    n, stream_bytes = int(sys.argv[1]), float(sys.argv[2])

    def best(f, reps):
        f()  # warm up
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t0)
        return min(ts)

    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n))
    B = rng.standard_normal((n, n))
    C = np.empty((n, n))
    td = best(lambda: np.matmul(A, B, out=C), 3)
    As, Bs = A.astype(np.float32), B.astype(np.float32)
    Cs = np.empty((n, n), np.float32)
    ts = best(lambda: np.matmul(As, Bs, out=Cs), 3)
    del A, B, C, As, Bs, Cs
    m = int(stream_bytes / 24)  # three float64 arrays
    a = np.zeros(m)
    b = np.full(m, 1.0)
    c = np.full(m, 2.0)
    tt = best(lambda: np.add(b, c, out=a), 5)
    tc = best(lambda: np.copyto(a, b), 5)
    print(json.dumps({"gemm_n": n, "dgemm_gflops": 2.0 * n**3 / td / 1e9, "sgemm_gflops": 2.0 * n**3 / ts / 1e9,
                      "stream_elements": m, "stream_array_bytes": 24 * m,
                      "triad_gbs": 24.0 * m / tt / 1e9, "copy_gbs": 16.0 * m / tc / 1e9}))
    """
)


def machine_peaks(env, n=2500, stream_mb=400):
    """DGEMM/SGEMM GFLOP/s (NumPy matmul n x n, best of 3, 2 n^3 flops) and stream GB/s
    (np.add(b, c, out=a): 3 x 8 bytes an element; np.copyto(a, b): 2 x 8; arrays of
    stream_mb MB in all, best of 5), in a NumPy child under env."""
    t0 = time.perf_counter()
    try:
        out = subprocess.run([PYTHON, "-c", _PEAKS, str(n), str(stream_mb * 1e6)], env=env, check=True,
                             capture_output=True, text=True, timeout=600).stdout
        r = json.loads(out.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError, ValueError) as e:
        return {"error": str(e)}
    r["seconds"] = time.perf_counter() - t0
    r["method"] = (f"NumPy in a child under the bench env: matmul {n} x {n} (float64, float32) best of 3; "
                   f"np.add(b, c, out=a) as triad (24 B/element) and np.copyto(a, b) (16 B/element) on "
                   f"{r['stream_array_bytes'] / 1e6:.0f} MB, best of 5, one thread")
    return r


# --- running drivers -----------------------------------------------------------------------------
def wait_for(path, wait=120):
    """If the executable `path` is missing (a rebuild under way), wait up to `wait` s for it."""
    if os.sep in path and not os.path.exists(path):
        t0 = time.time()
        print(f"{path} missing (being rebuilt?); waiting up to {wait} s", file=sys.stderr)
        while not os.path.exists(path) and time.time() - t0 < wait:
            time.sleep(2)
        time.sleep(2)  # let the linker finish writing it


def run_json(cmd, env, wait=120, **kw):
    """Run cmd under env and parse the last line of its stdout as JSON. The drivers may
    be rebuilt under us: if the binary is missing (or busy) wait for it, and retry a
    failed run once."""
    cmd = [str(c) for c in cmd]
    for attempt in (0, 1):
        wait_for(cmd[0], wait)
        try:
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, **kw).stdout
            return json.loads(out.strip().splitlines()[-1])
        except (OSError, subprocess.CalledProcessError, ValueError, IndexError) as e:
            if attempt == 1:
                if isinstance(e, subprocess.CalledProcessError) and e.stderr:
                    sys.stderr.write(e.stderr)
                raise
            print(f"retrying once after: {e}", file=sys.stderr)
            time.sleep(5)


# --- the header ----------------------------------------------------------------------------------
def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def describe(side):
    """One line: library, kernel, config (for printing and the README)."""
    if side is None:
        return "(none)"
    if side.get("error") and not side.get("config"):
        return f"unknown ({side['error']})"
    if not side.get("library") and not side.get("core"):
        s = "no BLAS library linked"
        if side.get("reported"):
            s += f" (driver reports: {side['reported']})"
        return s
    s = f"{side.get('library') or '(library not found by ldd)'}, kernel {side.get('core') or '?'}"
    if side.get("config"):
        s += f" [{side['config']}]"
    if side.get("numpy"):
        s = f"numpy {side['numpy']}: " + s
    return s


def env_of(env):
    shown = {v: env.get(v) for v in ENV_VARS}
    shown.update({v: env[v] for v in OTHER_ENV_VARS if v in env})
    return shown


def print_header(script, env, ratenet=(), numpy=True, peaks=True, peaks_n=2500, stream_mb=400, extra_env=None):
    """Print and return what both sides run under.

    script: the script's name; env: bench_env(); ratenet: (binary, probe command or
    None) pairs, the ratenet executables the script runs; numpy: whether a NumPy side
    exists; extra_env: variables a script adds for one of its runs on both of its
    sides (printed, recorded)."""
    h = {
        "script": script,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": {"cpu": _cpu_model(), "cores": os.cpu_count(), "mem_gib": _mem_gib(), "python": PYTHON,
                 "kernel": platform.release()},
        "loadavg_start": os.getloadavg(),
        "env": env_of(env),
        "one_env_for_both_sides": True,
        "extra_env": extra_env or {},
        "ratenet": [blas_of_binary(b, env, probe) for b, probe in ratenet],
        "numpy": blas_of_numpy(env) if numpy else None,
    }
    h["peaks"] = machine_peaks(env, peaks_n, stream_mb) if peaks else None
    print(f"== {script}: {h['date']}, {h['host']['cpu']}, {h['host']['cores']} cores, "
          f"load {h['loadavg_start'][0]:.2f}")
    who = "both sides" if numpy or len(ratenet) > 1 else "every run"
    print(f"environment of {who}: " + " ".join(f"{k}={v if v is not None else '(unset)'}" for k, v in h["env"].items()))
    for k, v in (extra_env or {}).items():
        print(f"  {k} add: {v}")
    for side in h["ratenet"]:
        print(f"ratenet BLAS ({os.path.basename(side['binary'] or '?')}): {describe(side)}")
    if numpy:
        print(f"NumPy BLAS: {describe(h['numpy'])}")
    p = h["peaks"]
    if p and "error" not in p:
        print(f"machine (same env, same run): DGEMM {p['dgemm_gflops']:.1f} GFLOP/s, SGEMM {p['sgemm_gflops']:.1f} "
              f"GFLOP/s (NumPy, n = {p['gemm_n']}); stream triad {p['triad_gbs']:.1f} GB/s, copy "
              f"{p['copy_gbs']:.1f} GB/s ({p['stream_array_bytes'] / 1e6:.0f} MB, one thread)")
    elif p:
        print(f"machine peaks: not measured ({p['error']})")
    print(flush=True)
    return h


def add_common_args(ap):
    ap.add_argument("--json", metavar="FILE", default=None,
                    help="write the figures, with the environment/BLAS/peaks header, to FILE as JSON")
    ap.add_argument("--peaks-n", type=int, default=2500, help="matrix size of the DGEMM/SGEMM peak (default 2500)")


def write_json(path, header, results, **extra):
    if not path:
        return
    try:
        header["loadavg_end"] = os.getloadavg()
    except OSError:
        pass
    doc = {"script": header.get("script"), "argv": sys.argv[1:], "header": header, "results": results}
    doc.update(extra)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
