"""The Python cases of the hostile-input harness (the config-file cases are in
configs/). Each case is a function of a Ctx registered with @case(group): it
returns when ratenet behaved as the contract says and raises (wrong(), crash(),
loss()) at the first deviation. See README.md for the contract.
"""
import re
import shutil
import signal
import time
from pathlib import Path

import numpy as np

from harness import (T, Skip, case, check_error_line, check_no_control_chars, check_no_crash, check_status,
                     check_trajectory_consistent, crash, expect, fixture, h5_open, attr_str, loss, register, short,
                     wait_until, wrong)

# ====================================================================== configs

WTA3 = """[model]
name = "hahnloser_wta"
n = 3
alpha = 1.5
beta = 1.0

[network]
form = "rate"

[transfer]
name = "relu"

[input]
b = [0.5, 1.0, 0.7]

[simulate]
method = "rk4"
t_end = 2.0
dt_out = 0.1
"""

# The CTLN of configs/ctln_fixed_points.toml: a fast fixed-points run.
CTLN4 = """[model]
name = "ctln"
n = 4
edges = [[0, 1], [1, 2], [2, 0], [0, 3], [2, 3]]

[network]
form = "rate"

[transfer]
name = "relu"

[fixed_points]
tol_x = 1e-9
"""

PERM6 = """[model]
name = "random_gaussian"
n = 6
g = 1.2
mu = -1.0
symmetric = true

[network]
form = "rate"

[transfer]
name = "relu"
"""

LYAP8 = """[model]
name = "random_gaussian"
n = 8
g = 2.0

[network]
form = "current"

[transfer]
name = "tanh"

[lyapunov]
dt = 0.1
t_ons = 1.0
t_warmup = 5.0
t_ons_warmup = 5.0
t_sim = 20.0
"""

# A sweep of 4 quick points (2 values x 2 seeds).
SWEEP4 = WTA3 + """
[sweep]
analysis = "simulate"
seeds = 2

[sweep.params]
"model.alpha" = [1.2, 1.5]
"""

# A tiny chaos run: 3 couplings x 1 seed.
CHAOS3 = """[model]
name = "random_gaussian"
n = 8
g = 1.0

[network]
form = "current"

[transfer]
name = "tanh"

[lyapunov]
k = 1
dt = 0.1
t_ons = 1.0
t_warmup = 5.0
t_ons_warmup = 2.0
t_sim = 10.0

[chaos]
g = [0.5, 1.5, 2.5]
seeds = 1
meanfield_points = 3
bootstrap = 20
"""

# A simulate run of about 3-5 s (Release): random tanh network, current form, dopri5.
SIM_LONG = """[model]
name = "random_gaussian"
n = 200
g = 2.0

[network]
form = "current"

[transfer]
name = "tanh"

[initial]
random_std = 1.0

[simulate]
method = "dopri5"
t_end = 14000.0
dt_out = 2.0
"""

# The first of two writers: long enough (about 1.3 s in a Release build) to be
# running when the second starts, short enough that waiting for it to finish
# stays cheap under ASan.
SIM_FIRST_WRITER = SIM_LONG.replace("t_end = 14000.0", "t_end = 5000.0")
assert SIM_FIRST_WRITER != SIM_LONG

# A sweep of 6 points of about 0.4 s each.
SWEEP6 = """[model]
name = "random_gaussian"
n = 100
g = 1.5

[network]
form = "current"

[transfer]
name = "tanh"

[initial]
random_std = 1.0

[simulate]
method = "rk4"
dt = 0.05
t_end = 1500.0
dt_out = 0.5

[sweep]
analysis = "simulate"
seeds = 2

[sweep.params]
"model.g" = [1.2, 1.6, 2.0]
"""

# A Lyapunov run of more than 5 s (full spectrum of 100 neurons).
LYAP_LONG = """[model]
name = "random_gaussian"
n = 100
g = 2.0

[network]
form = "current"

[transfer]
name = "tanh"

[lyapunov]
dt = 0.05
t_ons = 1.0
t_warmup = 10.0
t_ons_warmup = 10.0
t_sim = 1200.0
"""

# A Lyapunov run of about 1-2 s, interrupted to make checkpoints.
LYAP_CKPT = """[model]
name = "random_gaussian"
n = 12
g = 2.0

[network]
form = "current"

[transfer]
name = "tanh"

[lyapunov]
dt = 0.05
t_ons = 1.0
t_warmup = 10.0
t_ons_warmup = 10.0
t_sim = 16000.0
"""

# A 2-neuron network on a very fine (allowed) output grid: 10^8 samples.
SIM_FINE_GRID = """[model]
name = "hahnloser_wta"
n = 2

[network]
form = "rate"

[transfer]
name = "relu"

[input]
b = [0.5, 1.0]

[simulate]
method = "dopri5"
t_end = 1e4
dt_out = 1e-4
"""

# Fixed points of a 30-neuron symmetric random network: up to 2^30 supports.
FP_LONG = """[model]
name = "random_gaussian"
n = 30
g = 0.3
symmetric = true

[network]
form = "rate"

[transfer]
name = "relu"

[input]
b = 1.0

[fixed_points]
max_n = 30
"""

# Permitted sets of a 40-neuron symmetric W with small entries: every set is
# permitted, so the enumeration runs far longer than any case.
PERM_LONG = """[model]
name = "matrix"
path = "W40.npy"

[network]
form = "rate"

[transfer]
name = "relu"

[permitted]
max_sets = 1000000000
store_permitted = false
"""


def write_w40(ctx):
    rng = np.random.default_rng(40)
    a = rng.normal(size=(40, 40)) * 0.02
    w = (a + a.T) / 2
    np.fill_diagonal(w, 0.0)
    np.save(ctx.path("W40.npy"), w)


def ls(ctx, pattern="*"):
    return sorted(p.name for p in ctx.dir.glob(pattern))


def no_final(ctx, name="out.h5"):
    if ctx.path(name).exists():
        wrong(f"{name} exists after a failed run")


def no_temporaries(ctx):
    left = [str(p.relative_to(ctx.dir)) for p in ctx.dir.rglob("*") if ".tmp" in p.name]
    if left:
        wrong("temporary files left behind: " + " ".join(sorted(left)))


# ====================================================================== fixtures (made once per session)

def made(ctx, args, what, timeout=30):
    res = ctx.run(args, timeout=timeout)
    expect(res, 0)
    return res


@fixture("sim")
def fx_sim(ctx, d):
    ctx.write("sim.toml", WTA3)
    made(ctx, ["simulate", "sim.toml", "-o", "sim.h5"], "simulate")
    check_status(ctx.path("sim.h5"), "completed")
    shutil.copy(ctx.path("sim.h5"), d / "sim.h5")
    return {"file": d / "sim.h5"}


@fixture("perm")
def fx_perm(ctx, d):
    ctx.write("perm.toml", PERM6)
    made(ctx, ["permitted", "perm.toml", "-o", "perm.h5"], "permitted")
    check_status(ctx.path("perm.h5"), "completed")
    shutil.copy(ctx.path("perm.h5"), d / "perm.h5")
    return {"file": d / "perm.h5"}


@fixture("fp")
def fx_fp(ctx, d):
    ctx.write("fp.toml", CTLN4)
    made(ctx, ["fixed-points", "fp.toml", "-o", "fp.h5"], "fixed-points")
    check_status(ctx.path("fp.h5"), "completed")
    shutil.copy(ctx.path("fp.h5"), d / "fp.h5")
    return {"file": d / "fp.h5"}


@fixture("lyap")
def fx_lyap(ctx, d):
    ctx.write("lyap.toml", LYAP8)
    made(ctx, ["lyapunov", "lyap.toml", "-o", "lyap.h5"], "lyapunov")
    check_status(ctx.path("lyap.h5"), "completed")
    shutil.copy(ctx.path("lyap.h5"), d / "lyap.h5")
    return {"file": d / "lyap.h5"}


@fixture("sweep")
def fx_sweep(ctx, d):
    """A serial sweep and the two shards of the same sweep."""
    ctx.write("sw.toml", SWEEP4)
    made(ctx, ["sweep", "sw.toml", "-o", "sweep.h5"], "sweep")
    made(ctx, ["sweep", "sw.toml", "--shard", "0/2", "-o", "s0.h5"], "sweep shard 0")
    made(ctx, ["sweep", "sw.toml", "--shard", "1/2", "-o", "s1.h5"], "sweep shard 1")
    out = {}
    for n in ("sweep.h5", "s0.h5", "s1.h5"):
        check_status(ctx.path(n), "completed")
        shutil.copy(ctx.path(n), d / n)
        out[n] = d / n
    shutil.copy(ctx.path("sw.toml"), d / "sw.toml")
    out["config"] = d / "sw.toml"
    out["file"] = out["sweep.h5"]
    return out


@fixture("chaos")
def fx_chaos(ctx, d):
    ctx.write("ch.toml", CHAOS3)
    made(ctx, ["chaos", "ch.toml", "-o", "chaos.h5"], "chaos")
    made(ctx, ["chaos", "ch.toml", "--shard", "0/2", "-o", "c0.h5"], "chaos shard 0")
    made(ctx, ["chaos", "ch.toml", "--shard", "1/2", "-o", "c1.h5"], "chaos shard 1")
    out = {}
    for n in ("chaos.h5", "c0.h5", "c1.h5"):
        check_status(ctx.path(n), "completed")
        shutil.copy(ctx.path(n), d / n)
        out[n] = d / n
    out["file"] = out["chaos.h5"]
    return out


@fixture("ckpt")
def fx_ckpt(ctx, d):
    """An interrupted Lyapunov run: OUT.h5.part with a checkpoint."""
    ctx.write("ly.toml", LYAP_CKPT)
    p = ctx.start(["lyapunov", "ly.toml", "-o", "ly.h5", "--checkpoint-every", "0.001"])
    wait_until(lambda: ctx.path("ly.h5.part").exists() or not p.alive(), T(5))
    time.sleep(T(0.3))
    p.send(signal.SIGTERM)
    res = p.wait(T(5))
    expect(res, 143)
    with h5_open(ctx.path("ly.h5.part"), "checkpoint") as f:
        if "lyapunov/checkpoint" not in f:
            loss("ly.h5.part has no /lyapunov/checkpoint after SIGTERM")
    shutil.copy(ctx.path("ly.h5.part"), d / "ly.h5.part")
    shutil.copy(ctx.path("ly.toml"), d / "ly.toml")
    return {"file": d / "ly.h5.part", "config": d / "ly.toml"}


@fixture("sweep6_ref")
def fx_sweep6(ctx, d):
    """The reference (uninterrupted) run of SWEEP6."""
    ctx.write("sw6.toml", SWEEP6)
    made(ctx, ["sweep", "sw6.toml", "-o", "ref.h5"], "sweep", timeout=60)
    check_status(ctx.path("ref.h5"), "completed")
    shutil.copy(ctx.path("ref.h5"), d / "ref.h5")
    return {"file": d / "ref.h5"}


def sweep_tables(path, what="file"):
    """The /sweep datasets that a resumed run must reproduce bit for bit."""
    with h5_open(path, what) as f:
        if "sweep" not in f:
            loss(f"{what} {Path(path).name} has no /sweep")
        g = f["sweep"]
        out = {}
        try:
            for name in ("keys", "params", "status"):
                out[name] = g[name][()]
            for k in g["results"]:
                name = k.decode("utf-8", "replace") if isinstance(k, bytes) else k
                out["results/" + name] = g["results"][k][()]
        except Exception as e:  # noqa: BLE001
            loss(f"{what} {Path(path).name}: /sweep unreadable: {short(str(e), 200)}")
        return out


def same_tables(a, b):
    if sorted(a) != sorted(b):
        return f"datasets differ: {sorted(set(a) ^ set(b))}"
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        if x.shape != y.shape or x.dtype != y.dtype:
            return f"{k}: shape/type {x.shape} {x.dtype} vs {y.shape} {y.dtype}"
        if x.dtype.kind in "OSU":
            if x.tolist() != y.tolist():
                return f"{k}: {x.tolist()} vs {y.tolist()}"
        elif x.tobytes() != y.tobytes():
            return f"{k}: values differ ({x.ravel()[:6]} vs {y.ravel()[:6]})"
    return None


# ====================================================================== matrix_files

MATRIX_CFG = """[model]
name = "matrix"
path = "{path}"
{extra}
[network]
form = "rate"

[transfer]
name = "relu"

[input]
b = 0.5

[simulate]
method = "rk4"
t_end = 1.0
dt_out = 0.1
"""


def npy_bytes(header, data=b"", version=1, hlen=None):
    """A .npy file with an arbitrary header dict text and payload."""
    magic = b"\x93NUMPY" + bytes([version, 0])
    h = header.encode("latin1")
    lenbytes = 2 if version == 1 else 4
    total = len(magic) + lenbytes + len(h) + 1
    h = h + b" " * ((64 - total % 64) % 64) + b"\n"
    n = len(h) if hlen is None else hlen
    return magic + n.to_bytes(lenbytes, "little") + h + data


def matrix_case(ctx, files, path, extra="", must=(), must_not=(), max_seconds=2, max_rss_mb=None, code=2):
    """simulate m.toml with model.path = path; expect a refusal naming the key."""
    for name, content in files.items():
        if callable(content):
            content(ctx.path(name))
        else:
            ctx.write(name, content)
    ctx.write("m.toml", MATRIX_CFG.format(path=path, extra=extra))
    before = ctx.snapshot()
    res = ctx.run(["simulate", "m.toml", "-o", "out.h5"], timeout=max_seconds * 2 + 3)
    expect(res, code, must=[r"m\.toml"] + list(must), must_not=must_not, max_seconds=max_seconds)
    if max_rss_mb is not None:
        # Measured above what the binary needs to start at all (an ASan build
        # reserves about 250 MB before main).
        base = _baseline_rss_kb(ctx)
        if res.maxrss_kb - base > max_rss_mb * 1024:
            wrong(f"{res.describe()}: peak RSS {res.maxrss_kb / 1024:.0f} MB, {base / 1024:.0f} MB of it to start; "
                  f"expected under {max_rss_mb} MB more")
    ctx.expect_unchanged(before)


_BASE_RSS = {}


def _baseline_rss_kb(ctx):
    """Peak RSS of `ratenet models`: what the binary takes before any work."""
    if ctx.bin not in _BASE_RSS:
        res = ctx.run(["models"], timeout=60)
        _BASE_RSS[ctx.bin] = res.maxrss_kb
    return _BASE_RSS[ctx.bin]


def _npy_case(name, header, data, must=(), max_rss_mb=200, doc="", version=1, hlen=None):
    def fn(ctx):
        matrix_case(ctx, {"W.npy": npy_bytes(header, data, version, hlen)}, "W.npy",
                    must=[r"model\.path"] + list(must), max_rss_mb=max_rss_mb)
    register("matrix_files", name, fn, doc=doc)


def _huge_header_payload():
    # 336 bytes in all: a 128-byte header and 208 bytes (26 doubles) of data.
    data = np.arange(26, dtype="<f8").tobytes()
    return npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (20000, 20000), }", data)


@case("matrix_files")
def npy_header_claims_20000x20000(ctx):
    """A .npy whose header claims 20000 x 20000 doubles (3.2 GB) but that holds
    336 bytes: refused at once (exit 2, < 2 s, < 200 MB), naming the file and
    its size."""
    blob = _huge_header_payload()
    assert len(blob) == 336
    matrix_case(ctx, {"big.npy": blob}, "big.npy", must=[r"model\.path", r"big\.npy", r"\b(336|208)\b"], max_rss_mb=200)


_npy_case("npy_shape_overflow", "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
          b"\0" * 64, doc="rows x cols overflows 64 bits")
_npy_case("npy_shape_too_many_digits", "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999, 3), }",
          b"\0" * 64, doc="a dimension that does not fit in 64 bits")
_npy_case("npy_shape_negative", "{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 3), }", b"\0" * 72)
_npy_case("npy_shape_garbage", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, x), }", b"\0" * 72)
_npy_case("npy_shape_3d", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }", b"\0" * 64)
_npy_case("npy_shape_empty", "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 0), }", b"")
_npy_case("npy_no_shape", "{'descr': '<f8', 'fortran_order': False, }", b"\0" * 72)
_npy_case("npy_no_descr", "{'fortran_order': False, 'shape': (3, 3), }", b"\0" * 72)
_npy_case("npy_truncated_data", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }", b"\0" * 40)
_npy_case("npy_big_endian", "{'descr': '>f8', 'fortran_order': False, 'shape': (3, 3), }", b"\0" * 72)
_npy_case("npy_object_dtype", "{'descr': '|O', 'fortran_order': False, 'shape': (3, 3), }", b"\0" * 72)
_npy_case("npy_header_past_eof", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }", b"", hlen=60000,
          doc="the header length field points past the end of the file")
_npy_case("npy_version3_huge_header", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }", b"", version=3,
          hlen=0xFFFFFFF0, doc="a 4 GB header length in a 100-byte file")
_npy_case("npy_non_square", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", b"\0" * 96)
_npy_case("npy_nan", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }",
          np.array([0, -.5, -.5, np.nan, 0, -.5, -.5, -.5, 0], dtype="<f8").tobytes(), doc="NaN in W")
_npy_case("npy_inf", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }",
          np.array([0, -.5, -.5, -.5, 0, np.inf, -.5, -.5, 0], dtype="<f8").tobytes(), doc="inf in W")


@case("matrix_files")
def npy_bad_magic(ctx):
    matrix_case(ctx, {"W.npy": b"NOTNUMPY" + b"\0" * 120}, "W.npy", must=[r"model\.path"])


def _csv_case(name, text, must=(), doc=""):
    def fn(ctx):
        matrix_case(ctx, {"W.csv": text}, "W.csv", must=[r"model\.path"] + list(must))
    register("matrix_files", name, fn, doc=doc)


_csv_case("csv_inf", "0, -0.5, -0.5\n-0.5, 0, inf\n-0.5, -0.5, 0\n")
_csv_case("csv_overflow", "0, -0.5, -0.5\n-0.5, 0, 1e400\n-0.5, -0.5, 0\n", doc="1e400 does not fit a double")
_csv_case("csv_ragged", "0, -0.5, -0.5\n-0.5, 0\n-0.5, -0.5, 0\n")
_csv_case("csv_empty", "")
_csv_case("csv_only_comments", "# nothing here\n# at all\n")
_csv_case("csv_text", "a, b, c\nd, e, f\ng, h, i\n")
_csv_case("csv_non_square", "0, -0.5, -0.5, 1\n-0.5, 0, -0.5, 1\n-0.5, -0.5, 0, 1\n")
_csv_case("csv_binary", "\x00\x01\x02\xff\xfe garbage\n")


def _h5_writer(build):
    def write(path):
        import h5py
        with h5py.File(path, "w") as f:
            build(f)
    return write


@case("matrix_files")
def h5_missing_dataset(ctx):
    matrix_case(ctx, {"W.h5": _h5_writer(lambda f: f.create_dataset("X", data=np.zeros((3, 3))))}, "W.h5",
                must=[r"model\.(path|dataset)"])


@case("matrix_files")
def h5_string_dataset(ctx):
    matrix_case(ctx, {"W.h5": _h5_writer(lambda f: f.create_dataset("W", data=np.array([b"a", b"b", b"c"])))}, "W.h5",
                must=[r"model\.path"])


@case("matrix_files")
def h5_dataset_3d(ctx):
    matrix_case(ctx, {"W.h5": _h5_writer(lambda f: f.create_dataset("W", data=np.zeros((2, 2, 2))))}, "W.h5",
                must=[r"model\.path"])


@case("matrix_files")
def h5_dataset_is_group(ctx):
    matrix_case(ctx, {"W.h5": _h5_writer(lambda f: f.create_group("W"))}, "W.h5", must=[r"model\.path"])


@case("matrix_files")
def h5_declared_200000x200000(ctx):
    """A chunked dataset declared 200000 x 200000 (320 GB) and never written:
    refused by the memory check before anything is read (exit 2, < 2 s)."""
    matrix_case(ctx, {"W.h5": _h5_writer(lambda f: f.create_dataset("W", shape=(200000, 200000), dtype="f8",
                                                                    chunks=(100, 100)))},
                "W.h5", must=[r"model\.path|model\.n", r"would need|memory"], max_rss_mb=200)


@case("matrix_files")
def h5_not_hdf5(ctx):
    matrix_case(ctx, {"W.h5": b"this is not an HDF5 file at all\n" * 20}, "W.h5", must=[r"model\.path"])


@case("matrix_files")
def matrix_path_is_directory(ctx):
    ctx.path("W.npy").mkdir()
    matrix_case(ctx, {}, "W.npy", must=[r"model\.path"])


@case("matrix_files")
def b_path_wrong_length(ctx):
    """model.b_path holding 2 values for 3 neurons."""
    ctx.copy_data("W3.csv")
    matrix_case(ctx, {"b.npy": lambda p: np.save(p, np.array([1.0, 2.0]))}, "W3.csv", extra='b_path = "b.npy"\n',
                must=[r"model\.b_path|input\.b"])


@case("matrix_files")
def tau_path_zero(ctx):
    """model.tau_path with a zero time constant."""
    ctx.copy_data("W3.csv")
    matrix_case(ctx, {"tau.npy": lambda p: np.save(p, np.array([1.0, 0.0, 1.0]))}, "W3.csv",
                extra='tau_path = "tau.npy"\n', must=[r"tau"])


# ====================================================================== messages

@case("messages")
def csv_nan_names_path_and_position(ctx):
    """A NaN in a .csv W: the message names model.path and W[1][0], never input.W."""
    matrix_case(ctx, {"W.csv": "0, -0.5, -0.5\nnan, 0, -0.5\n-0.5, -0.5, 0\n"}, "W.csv",
                must=[r"model\.path", r"W\[1\]\[0\]|W\[1, ?0\]|row 1,? col(umn)? 0"], must_not=[r"input\.W"])


@case("messages")
def config_is_directory(ctx):
    ctx.path("cfg.toml").mkdir()
    before = ctx.snapshot()
    res = ctx.run(["simulate", "cfg.toml", "-o", "out.h5"], timeout=5)
    expect(res, 2, must=[r"cfg\.toml", r"is a directory"], max_seconds=2)
    ctx.expect_unchanged(before)


@case("messages")
def misspelt_subcommand(ctx):
    ctx.write("x.toml", WTA3)
    before = ctx.snapshot()
    res = ctx.run(["simulat", "x.toml"], timeout=5)
    expect(res, 2, must=[r"did you mean", r"\bsimulate\b"], max_seconds=2)
    ctx.expect_unchanged(before)


@case("messages")
def config_does_not_exist(ctx):
    res = ctx.run(["simulate", "nothere.toml", "-o", "out.h5"], timeout=5)
    expect(res, 2, must=[r"nothere\.toml"], max_seconds=2)
    no_final(ctx)


def _missing_dir_case(command, config, extra=()):
    def fn(ctx):
        ctx.write("c.toml", config)
        before = ctx.snapshot()
        res = ctx.run([command, "c.toml", "-o", "nodir/out.h5"] + list(extra), timeout=20)
        expect(res, 2, must=[r"nodir"], max_seconds=5)
        ctx.expect_unchanged(before)
    register("messages", f"missing_output_dir_{command}", fn,
             doc=f"`ratenet {command} ... -o nodir/out.h5`: exit 2 before any work")


_missing_dir_case("simulate", WTA3)
_missing_dir_case("permitted", PERM6)
_missing_dir_case("fixed-points", CTLN4)
_missing_dir_case("lyapunov", LYAP8)
_missing_dir_case("sweep", SWEEP4)
_missing_dir_case("chaos", CHAOS3)


@case("messages")
def missing_output_dir_merge(ctx):
    fx = ctx.fixture("sweep")
    shutil.copy(fx["s0.h5"], ctx.path("s0.h5"))
    shutil.copy(fx["s1.h5"], ctx.path("s1.h5"))
    before = ctx.snapshot()
    res = ctx.run(["merge", "nodir/out.h5", "s0.h5", "s1.h5"], timeout=10)
    expect(res, 2, must=[r"nodir"], max_seconds=5)
    ctx.expect_unchanged(before)


# ====================================================================== checks

def _output_is_dir_case(command, config):
    def fn(ctx):
        ctx.write("c.toml", config)
        ctx.path("out.h5").mkdir()
        ctx.write("out.h5/keep.txt", "the user's file\n")
        before = ctx.snapshot()
        res = ctx.run([command, "c.toml", "-o", "out.h5"], timeout=20)
        expect(res, 2, must=[r"out\.h5"], max_seconds=5)
        ctx.expect_unchanged(before)
    register("checks", f"output_is_directory_{command}", fn, doc=f"`{command} -o DIR` with an existing directory")


_output_is_dir_case("simulate", WTA3)
_output_is_dir_case("fixed-points", CTLN4)
_output_is_dir_case("lyapunov", LYAP8)
_output_is_dir_case("sweep", SWEEP4)


@case("checks")
def simulate_output_empty(ctx):
    """simulate -o '' is a usage error."""
    ctx.write("c.toml", WTA3)
    before = ctx.snapshot()
    res = ctx.run(["simulate", "c.toml", "-o", ""], timeout=5)
    expect(res, 2, must=[r"-o|output"], max_seconds=2)
    ctx.expect_unchanged(before)


@case("checks")
def set_value_with_newline(ctx):
    """--set 'model.g=2\\n[extra]': a newline inside a value must not smuggle in TOML."""
    ctx.write("c.toml", WTA3.replace('name = "hahnloser_wta"\nn = 3\nalpha = 1.5\nbeta = 1.0',
                                     'name = "random_gaussian"\nn = 3\ng = 1.0'))
    before = ctx.snapshot()
    res = ctx.run(["simulate", "c.toml", "-o", "out.h5", "--set", "model.g=2\n[extra]"], timeout=5)
    expect(res, 2, must=[r"--set|model\.g"], max_seconds=2)
    ctx.expect_unchanged(before)


@case("checks")
def set_value_with_newline_key(ctx):
    """--set 'model.n\\nx=3': a newline inside the key."""
    ctx.write("c.toml", WTA3)
    before = ctx.snapshot()
    res = ctx.run(["simulate", "c.toml", "-o", "out.h5", "--set", "model.n\nx=3"], timeout=5)
    expect(res, 2, must=[r"--set|model"], max_seconds=2)
    ctx.expect_unchanged(before)


@case("checks")
def merge_missing_shard(ctx):
    """merge with one of two shards: exit 1 naming what is missing, no OUT.h5."""
    fx = ctx.fixture("sweep")
    shutil.copy(fx["s0.h5"], ctx.path("s0.h5"))
    before = ctx.snapshot()
    res = ctx.run(["merge", "merged.h5", "s0.h5"], timeout=10)
    expect(res, 1, must=[r"missing|shard"], max_seconds=5)
    ctx.expect_unchanged(before)


@case("checks")
def merge_allow_missing(ctx):
    """merge --allow-missing with one of two shards: OUT.h5 with status incomplete."""
    fx = ctx.fixture("sweep")
    shutil.copy(fx["s0.h5"], ctx.path("s0.h5"))
    res = ctx.run(["merge", "merged.h5", "s0.h5", "--allow-missing"], timeout=10)
    check_no_crash(res)
    if res.code not in (0, 1):
        wrong(f"{res.describe()}: expected exit 0 or 1; stderr: {short(res.stderr, 240)}")
    check_status(ctx.path("merged.h5"), "incomplete", "merged file")


@case("checks")
def merge_same_shard_twice(ctx):
    """The same shard given twice: a usage error, no OUT.h5."""
    fx = ctx.fixture("sweep")
    shutil.copy(fx["s0.h5"], ctx.path("s0.h5"))
    before = ctx.snapshot()
    res = ctx.run(["merge", "merged.h5", "s0.h5", "s0.h5"], timeout=10)
    expect(res, (1, 2), must=[r"s0\.h5"], max_seconds=5)
    ctx.expect_unchanged(before)


@case("checks")
def merge_shards_complete(ctx):
    """Control: merging both shards gives a completed file equal to the serial run."""
    fx = ctx.fixture("sweep")
    shutil.copy(fx["s0.h5"], ctx.path("s0.h5"))
    shutil.copy(fx["s1.h5"], ctx.path("s1.h5"))
    res = ctx.run(["merge", "merged.h5", "s0.h5", "s1.h5"], timeout=10)
    expect(res, 0)
    check_status(ctx.path("merged.h5"), "completed", "merged file")
    diff = same_tables(sweep_tables(ctx.path("merged.h5"), "merged file"), sweep_tables(fx["sweep.h5"], "serial file"))
    if diff:
        loss(f"merged shards differ from the serial sweep: {diff}")


# ====================================================================== concurrency

def _wait_started(ctx, proc, names=("o.h5.part", "o.h5.points", "o.h5.lock"), timeout=3):
    wait_until(lambda: any(ctx.path(n).exists() for n in names) or not proc.alive(), T(timeout))
    if not proc.alive():
        r = proc.result
        check_no_crash(r)
        wrong(f"the first writer ended before the second started ({r.describe()}); stderr: {short(r.stderr, 200)}")


def _second_writer_refused(ctx, a, b_res):
    """The second writer: exit 2, `is being written by another ratenet process (pid A)`."""
    expect(b_res, 2, must=[r"is being written by another ratenet process \(pid \d+\)"])
    pid = error_pid(b_res)
    if pid != a.pid:
        wrong(f"{b_res.describe()}: names pid {pid}, the running writer is pid {a.pid}")


def error_pid(res):
    m = re.search(r"\(pid (\d+)\)", res.stderr)
    return int(m.group(1)) if m else None


def _first_writer_ok(ctx, a, kind, timeout=40):
    ra = a.wait(T(timeout))
    expect(ra, 0)
    with h5_open(ctx.path("o.h5"), "the first writer's output") as f:
        st, k = attr_str(f, "status"), attr_str(f, "kind")
    if st != "completed" or k != kind:
        loss(f"o.h5 of the first writer: status {st!r}, kind {k!r}; expected completed {kind}")
    return ra


def _two_writers(b_command, b_config, b_extra=(), check=None):
    def fn(ctx):
        ctx.write("a.toml", SIM_FIRST_WRITER)
        ctx.write("b.toml", b_config)
        a = ctx.start(["simulate", "a.toml", "-o", "o.h5"])
        _wait_started(ctx, a)
        rb = ctx.run([b_command, "b.toml", "-o", "o.h5"] + list(b_extra), timeout=20)
        _second_writer_refused(ctx, a, rb)
        _first_writer_ok(ctx, a, "simulate")
        if check:
            check(ctx)
    return fn


def _no_points_dir(ctx):
    if ctx.path("o.h5.points").exists():
        wrong("the refused sweep left o.h5.points/ behind")


register("concurrency", "simulate_then_fixed_points", _two_writers("fixed-points", CTLN4), procs=2,
         doc="a fixed-points run with the -o of a running simulate is refused; the simulate completes")
register("concurrency", "simulate_then_fixed_points_force", _two_writers("fixed-points", CTLN4, ["--force"]), procs=2,
         doc="--force does not take a file another process is writing")
register("concurrency", "simulate_then_sweep", _two_writers("sweep", SWEEP4, check=_no_points_dir), procs=2,
         doc="a sweep with the -o of a running simulate is refused (neither OUT.h5 nor OUT.h5.points/ touched)")
register("concurrency", "simulate_then_sweep_force", _two_writers("sweep", SWEEP4, ["--force"], check=_no_points_dir),
         procs=2)
register("concurrency", "simulate_then_lyapunov", _two_writers("lyapunov", LYAP8), procs=2)
register("concurrency", "simulate_then_lyapunov_force", _two_writers("lyapunov", LYAP8, ["--force"]), procs=2)


@case("concurrency", procs=2)
def sweep_then_simulate(ctx):
    """A simulate with the -o of a running sweep is refused; the sweep completes."""
    ctx.write("a.toml", SWEEP6)
    ctx.write("b.toml", WTA3)
    a = ctx.start(["sweep", "a.toml", "-o", "o.h5"])
    _wait_started(ctx, a)
    rb = ctx.run(["simulate", "b.toml", "-o", "o.h5", "--force"], timeout=10)
    _second_writer_refused(ctx, a, rb)
    _first_writer_ok(ctx, a, "sweep")
    diff = same_tables(sweep_tables(ctx.path("o.h5")), sweep_tables(ctx.fixture("sweep6_ref")["file"], "reference"))
    if diff:
        loss(f"the sweep differs from an undisturbed run: {diff}")


@case("concurrency", procs=2)
def sweep_then_sweep_resume(ctx):
    """A second `sweep --resume` of the same running sweep is refused (one
    journal, one writer); the first completes with the reference values."""
    ctx.write("a.toml", SWEEP6)
    a = ctx.start(["sweep", "a.toml", "-o", "o.h5"])
    wait_until(lambda: len(list(ctx.path("o.h5.points").glob("p*.bin"))) >= 1 or not a.alive(), T(10))
    if not a.alive():
        wrong(f"the first sweep ended before the second started ({a.result.describe()})")
    rb = ctx.run(["sweep", "a.toml", "-o", "o.h5", "--resume"], timeout=20)
    _second_writer_refused(ctx, a, rb)
    _first_writer_ok(ctx, a, "sweep")
    diff = same_tables(sweep_tables(ctx.path("o.h5")), sweep_tables(ctx.fixture("sweep6_ref")["file"], "reference"))
    if diff:
        loss(f"the sweep differs from an undisturbed run: {diff}")


@case("concurrency", procs=2)
def lyapunov_then_lyapunov_force(ctx):
    """`lyapunov --force` with the -o of a running lyapunov is refused."""
    ctx.write("a.toml", LYAP_LONG)
    a = ctx.start(["lyapunov", "a.toml", "-o", "o.h5", "--checkpoint-every", "0.2"])
    _wait_started(ctx, a, timeout=5)
    rb = ctx.run(["lyapunov", "a.toml", "-o", "o.h5", "--force"], timeout=20)
    _second_writer_refused(ctx, a, rb)
    _first_writer_ok(ctx, a, "lyapunov", timeout=60)


def _demo_existing(name, content):
    def fn(ctx):
        ctx.path("d").mkdir()
        ctx.write(f"d/{name}", content)
        before = ctx.snapshot()
        res = ctx.run(["demo", "-o", "d"], timeout=30)
        expect(res, 2, must=[r"--force"], max_seconds=5)
        ctx.expect_unchanged(before)
    return fn


register("concurrency", "demo_keeps_user_h5", _demo_existing("wta.h5", b"my own data, not ratenet's\n"),
         doc="demo -o DIR with DIR/wta.h5 of the user's: exit 2 mentioning --force, the file unchanged")
register("concurrency", "demo_keeps_user_toml", _demo_existing("wta.toml", "# my own config\n[model]\nname = \"ring\"\n"),
         doc="demo -o DIR with DIR/wta.toml of the user's")
register("concurrency", "demo_keeps_user_random_tanh_h5", _demo_existing("random_tanh.h5", b"\x89HDF-ish user bytes\n"),
         doc="demo -o DIR with DIR/random_tanh.h5 of the user's (the second file the demo writes)")


@case("concurrency")
def demo_force_overwrites(ctx):
    """demo -o DIR --force replaces the files and succeeds."""
    ctx.path("d").mkdir()
    ctx.write("d/wta.h5", b"old\n")
    res = ctx.run(["demo", "-o", "d", "--force"], timeout=40)
    expect(res, 0)
    check_status(ctx.path("d/wta.h5"), "completed", "demo output")


# ====================================================================== signals

def _interrupt_case(command, config, setup, sig, wait=1.5, exit_within=1.0):
    code = 128 + sig

    def fn(ctx):
        setup(ctx)
        ctx.write("c.toml", config)
        p = ctx.start([command, "c.toml", "-o", "out.h5"])
        time.sleep(T(wait))
        if not p.alive():
            r = p.result
            check_no_crash(r)
            wrong(f"{r.describe()} ended before the signal (the case needs a longer run)")
        p.send(sig)
        r = p.wait(T(exit_within) + 1.0)
        if r.timed_out:
            crash(f"{command}: still running {T(exit_within) + 1:.1f}s after {signal.Signals(sig).name} (killed)")
        expect(r, code)
        late = p.since_signal()
        if late is not None and late > T(exit_within) + 0.05:
            wrong(f"{r.describe()}: exited {late:.2f}s after {signal.Signals(sig).name}, expected within {T(exit_within):.1f}s")
        no_final(ctx)
        check_status(ctx.path("out.h5.part"), "interrupted", "the interrupted output")
        if command == "simulate":
            check_trajectory_consistent(ctx.path("out.h5.part"), "the interrupted output")
    return fn


def _sigkill_case(command, config, setup, wait=1.5):
    def fn(ctx):
        setup(ctx)
        ctx.write("c.toml", config)
        p = ctx.start([command, "c.toml", "-o", "out.h5"])
        time.sleep(T(wait))
        if not p.alive():
            r = p.result
            check_no_crash(r)
            wrong(f"{r.describe()} ended before the signal (the case needs a longer run)")
        p.send(signal.SIGKILL)
        p.wait(T(5))
        with h5_open(ctx.path("out.h5.part"), "the killed run's output") as f:
            fmt, kind, st = attr_str(f, "format"), attr_str(f, "kind"), attr_str(f, "status")
        if fmt != "ratenet" or kind is None:
            loss(f"out.h5.part after kill -9: root attributes missing (format={fmt!r}, kind={kind!r})")
        if st != "running":
            loss(f"out.h5.part after kill -9: status {st!r}, expected 'running'")
    return fn


def _nothing(ctx):
    pass


for _cmd, _cfg, _setup, _tag in (("permitted", PERM_LONG, write_w40, "permitted"),
                                  ("fixed-points", FP_LONG, _nothing, "fixed_points")):
    register("signals", f"{_tag}_sigint", _interrupt_case(_cmd, _cfg, _setup, signal.SIGINT),
             doc="SIGINT after 1.5 s: exit 130 within 1 s, OUT.part with status interrupted")
    register("signals", f"{_tag}_sigterm", _interrupt_case(_cmd, _cfg, _setup, signal.SIGTERM),
             doc="SIGTERM after 1.5 s: exit 143 within 1 s, OUT.part with status interrupted")
    register("signals", f"{_tag}_sigkill", _sigkill_case(_cmd, _cfg, _setup),
             doc="kill -9 after 1.5 s: OUT.part readable, root attributes present, status running")

register("signals", "simulate_fine_grid_sigterm",
         _interrupt_case("simulate", SIM_FINE_GRID, _nothing, signal.SIGTERM, wait=1.0, exit_within=2.0),
         doc="a 10^8-sample run, SIGTERM after 1 s: exit 143 within 2 s, OUT.part consistent, status interrupted")
register("signals", "simulate_fine_grid_sigint",
         _interrupt_case("simulate", SIM_FINE_GRID, _nothing, signal.SIGINT, wait=1.0, exit_within=2.0))
register("signals", "simulate_long_sigterm",
         _interrupt_case("simulate", SIM_LONG, _nothing, signal.SIGTERM, wait=1.0, exit_within=2.0))


@case("signals")
def simulate_sigkill_then_rerun(ctx):
    """After kill -9, the same command without --force is refused (mentions
    --force) and leaves OUT.part byte for byte; with --force it completes."""
    ctx.write("c.toml", SIM_LONG)
    p = ctx.start(["simulate", "c.toml", "-o", "out.h5"])
    wait_until(lambda: ctx.path("out.h5.part").exists() or not p.alive(), T(3))
    time.sleep(T(1.0))
    if not p.alive():
        check_no_crash(p.result)
        wrong(f"{p.result.describe()} ended before the kill")
    p.send(signal.SIGKILL)
    p.wait(T(5))
    if not ctx.path("out.h5.part").exists():
        loss("no out.h5.part after kill -9")
    before = ctx.snapshot()
    res = ctx.run(["simulate", "c.toml", "-o", "out.h5"], timeout=10)
    expect(res, 2, must=[r"--force"], max_seconds=3)
    ctx.expect_unchanged(before)
    res = ctx.run(["simulate", "c.toml", "-o", "out.h5", "--force"], timeout=40)
    expect(res, 0)
    check_status(ctx.path("out.h5"), "completed")
    check_trajectory_consistent(ctx.path("out.h5"), need_samples=True)
    if ctx.path("out.h5.part").exists():
        wrong("out.h5.part still there after the --force run completed")


@case("signals")
def lyapunov_sigterm_checkpoint_resume(ctx):
    """lyapunov --checkpoint-every 0.5, SIGTERM: exit 143, OUT.part status
    interrupted; --resume completes."""
    ctx.write("c.toml", LYAP_LONG)
    args = ["lyapunov", "c.toml", "-o", "out.h5", "--checkpoint-every", "0.5"]
    p = ctx.start(args)
    time.sleep(T(2.0))
    if not p.alive():
        check_no_crash(p.result)
        wrong(f"{p.result.describe()} ended before the signal")
    p.send(signal.SIGTERM)
    r = p.wait(T(3))
    if r.timed_out:
        crash("lyapunov: still running 3 s after SIGTERM")
    expect(r, 143)
    no_final(ctx)
    check_status(ctx.path("out.h5.part"), "interrupted", "the checkpoint file")
    res = ctx.run(args + ["--resume"], timeout=60)
    expect(res, 0)
    check_status(ctx.path("out.h5"), "completed")
    if ctx.path("out.h5.part").exists():
        wrong("out.h5.part still there after the resumed run completed")
    no_temporaries(ctx)


def _start_sweep6_and_kill(ctx, sig, n_points):
    ctx.write("sw.toml", SWEEP6)
    p = ctx.start(["sweep", "sw.toml", "-o", "out.h5"])
    pts = ctx.path("out.h5.points")
    wait_until(lambda: len(list(pts.glob("p*.bin"))) >= n_points or not p.alive(), T(20), step=0.005)
    if not p.alive():
        check_no_crash(p.result)
        wrong(f"{p.result.describe()} ended before {n_points} points were committed")
    p.send(sig)
    return p.wait(T(5))


@case("signals")
def sweep_corrupt_point_resume(ctx):
    """A committed point file with one byte flipped: --resume recomputes it
    (saying so, exit 0, /sweep bitwise equal to a clean run) or refuses (exit 1
    naming the file); it never merges the corrupted value."""
    ref = sweep_tables(ctx.fixture("sweep6_ref")["file"], "reference")
    _start_sweep6_and_kill(ctx, signal.SIGKILL, 2)
    files = sorted(ctx.path("out.h5.points").glob("p*.bin"))
    if not files:
        wrong("no committed point files")
    victim = files[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    res = ctx.run(["sweep", "sw.toml", "-o", "out.h5", "--resume"], timeout=30)
    check_no_crash(res)
    if res.code == 0:
        diff = same_tables(sweep_tables(ctx.path("out.h5"), "resumed sweep"), ref)
        if diff:
            loss(f"the corrupted point {victim.name} was merged silently: {diff}")
        if victim.name not in res.stderr:
            wrong(f"{res.describe()}: recomputed, but stderr does not mention {victim.name}: {short(res.stderr, 200)}")
    elif res.code == 1:
        check_error_line(res, must=[re.escape(victim.name)])
        if ctx.path("out.h5").exists():
            wrong("out.h5 written although the resume was refused")
    else:
        wrong(f"{res.describe()}: expected exit 0 (recomputed) or 1 (refused); stderr: {short(res.stderr, 200)}")


@case("signals")
def sweep_sigterm_resume(ctx):
    """SIGTERM during a sweep: exit 143; --resume completes with the same file."""
    ref = sweep_tables(ctx.fixture("sweep6_ref")["file"], "reference")
    r = _start_sweep6_and_kill(ctx, signal.SIGTERM, 2)
    if r.timed_out:
        crash("sweep: still running 5 s after SIGTERM")
    expect(r, 143)
    no_final(ctx)
    res = ctx.run(["sweep", "sw.toml", "-o", "out.h5", "--resume"], timeout=30)
    expect(res, 0)
    diff = same_tables(sweep_tables(ctx.path("out.h5"), "resumed sweep"), ref)
    if diff:
        loss(f"the resumed sweep differs from an uninterrupted run: {diff}")
    if ctx.path("out.h5.points").exists():
        wrong("out.h5.points/ still there after the sweep completed")


# ====================================================================== disk_full

SIM_MB = """[model]
name = "random_gaussian"
n = 50
g = 2.0

[network]
form = "current"

[transfer]
name = "tanh"

[initial]
random_std = 1.0

[simulate]
method = "rk4"
dt = 0.01
t_end = 200.0
dt_out = 0.01
flush_seconds = 0.05
"""


def _enospc_message(res):
    expect(res, 1, must=[r"(?i)no space left on device"])


@case("disk_full", shim=True)
def simulate_disk_full_midrun(ctx):
    """ENOSPC after 1.5 MB of an 8 MB trajectory: exit 1 `no space left on
    device`, no out.h5, and out.h5.part (when readable) consistent: t and the
    samples attribute agree, and every row they cover was written (no zeros)."""
    ctx.write("c.toml", SIM_MB)
    res = ctx.run(["simulate", "c.toml", "-o", "out.h5"], timeout=30,
                  env=ctx.env(shim_match="out.h5.part", shim_after=1_500_000))
    _enospc_message(res)
    no_final(ctx)
    part = ctx.path("out.h5.part")
    if part.exists():
        import h5py
        try:
            h5py.File(str(part), "r", locking=False).close()
            readable = True
        except Exception:  # noqa: BLE001 - unreadable is allowed when the superblock was hit
            readable = False
        if readable:
            with h5_open(part) as f:
                has_traj = "trajectory" in f
            if has_traj:
                nt = check_trajectory_consistent(part, "out.h5.part after ENOSPC", need_samples=True,
                                                 x_may_run_ahead=True)
                import numpy as np
                with h5_open(part) as f:
                    x = f["trajectory/x"][:nt]
                if nt and np.any(np.all(x == 0, axis=1)):
                    loss("out.h5.part after ENOSPC: rows of zeros inside the samples t covers")
    no_temporaries(ctx)


@case("disk_full", shim=True)
def fixed_points_disk_full_at_once(ctx):
    """ENOSPC on the first byte of the output: exit 1, no out.h5."""
    ctx.write("c.toml", CTLN4)
    res = ctx.run(["fixed-points", "c.toml", "-o", "out.h5"], timeout=10,
                  env=ctx.env(shim_match="out.h5", shim_after=0))
    _enospc_message(res)
    no_final(ctx)
    no_temporaries(ctx)


@case("disk_full", shim=True)
def permitted_disk_full_at_once(ctx):
    ctx.write("c.toml", PERM6)
    res = ctx.run(["permitted", "c.toml", "-o", "out.h5"], timeout=10,
                  env=ctx.env(shim_match="out.h5", shim_after=0))
    _enospc_message(res)
    no_final(ctx)
    no_temporaries(ctx)


@case("disk_full", shim=True)
def lyapunov_checkpoint_disk_full(ctx):
    """ENOSPC while writing the first checkpoint: exit 1, no out.h5, no temporaries."""
    ctx.write("c.toml", LYAP_CKPT.replace("t_sim = 16000.0", "t_sim = 2000.0"))
    res = ctx.run(["lyapunov", "c.toml", "-o", "out.h5", "--checkpoint-every", "0.001"], timeout=20,
                  env=ctx.env(shim_match="out.h5", shim_after=0))
    _enospc_message(res)
    no_final(ctx)
    no_temporaries(ctx)


@case("disk_full", shim=True)
def sweep_journal_disk_full(ctx):
    """ENOSPC in OUT.h5.points/: exit 1 `no space left on device` (not a
    temporary name), no out.h5; a --resume with space completes with the
    reference values (no corrupt point was committed)."""
    ref = sweep_tables(ctx.fixture("sweep6_ref")["file"], "reference")
    ctx.write("sw.toml", SWEEP6)
    res = ctx.run(["sweep", "sw.toml", "-o", "out.h5"], timeout=30,
                  env=ctx.env(shim_match="out.h5.points", shim_after=400))
    _enospc_message(res)
    no_final(ctx)
    no_temporaries(ctx)
    res = ctx.run(["sweep", "sw.toml", "-o", "out.h5", "--resume"], timeout=30)
    expect(res, 0)
    diff = same_tables(sweep_tables(ctx.path("out.h5"), "resumed sweep"), ref)
    if diff:
        loss(f"after ENOSPC and --resume the sweep differs from a clean run: {diff}")


# ====================================================================== hdf5_mutations
#
# Real files of every kind (fixtures above), mutated with h5py; then `info
# FILE`, `merge OUT.h5 FILE OTHER` (sweep and chaos shards) and `lyapunov
# CONFIG --resume` (checkpoints at OUT.h5.part). Expected: exit 0, 1 or 2,
# never a signal; one `ratenet: error:` line for 1 and 2; no raw control
# characters from `info`; no OUT.h5 after a failed merge or resume.

CTRL = "\x1b[31mRED\x07"

# target -> (fixture, file key, name of the copy in the work directory)
TARGETS = {
    "sim": ("sim", "file", "f.h5"),
    "perm": ("perm", "file", "f.h5"),
    "fp": ("fp", "file", "f.h5"),
    "lyap": ("lyap", "file", "f.h5"),
    "sweep": ("sweep", "sweep.h5", "f.h5"),
    "shard": ("sweep", "s0.h5", "s0.h5"),
    "chaos": ("chaos", "chaos.h5", "f.h5"),
    "chaos_shard": ("chaos", "c0.h5", "c0.h5"),
    "ckpt": ("ckpt", "file", "ly.h5.part"),
}


def h5edit(fn):
    """A mutation through h5py (the file opened r+)."""
    def apply(path):
        import h5py
        with h5py.File(str(path), "r+", locking=False) as f:
            fn(f)
    return apply


def raw(fn):
    """A mutation of the bytes."""
    def apply(path):
        path.write_bytes(fn(path.read_bytes()))
    return apply


def replace_ds(g, name, data):
    if name in g:
        del g[name]
    g[name] = data


def retype_attrs(obj):
    """Every string attribute becomes an int, every number a string."""
    for k in list(obj.attrs):
        v = obj.attrs[k]
        if isinstance(v, (str, bytes)):
            obj.attrs[k] = np.int64(7)
        else:
            obj.attrs[k] = "not a number"


def arrays_for_attrs(obj):
    """Every scalar attribute becomes an array of two."""
    for k in list(obj.attrs):
        v = obj.attrs[k]
        if isinstance(v, str):
            v = v.encode("utf-8")
        obj.attrs[k] = np.array([v, v]) if not isinstance(v, np.ndarray) else np.stack([v, v])


def _del_attr(name):
    return lambda f: f.attrs.__delitem__(name) if name in f.attrs else None


def _set_attr(name, value):
    def fn(f):
        f.attrs[name] = value
    return fn


def _in(group, fn):
    return lambda f: fn(f[group])


def _ctrl_everywhere(f):
    for k in ("message", "command_line", "status", "created_utc", "git_commit", "ratenet_version", "kind"):
        f.attrs[k] = CTRL + k
    if "network" in f:
        f["network"].attrs["model"] = CTRL
        f["network"].attrs["transfer"] = CTRL
    f.create_group(CTRL + "group")


def _garbage(data):
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, size=len(data), dtype=np.uint8).tobytes()


MUTATIONS = [
    # root attributes
    (("sim", "shard", "ckpt"), "format_wrong", h5edit(_set_attr("format", "hdf5"))),
    (("sim", "ckpt"), "format_int", h5edit(_set_attr("format", np.int64(42)))),
    (("sim", "shard"), "format_missing", h5edit(_del_attr("format"))),
    (("sim", "shard", "ckpt"), "format_version_string", h5edit(_set_attr("format_version", "1"))),
    (("sim", "shard"), "format_version_array", h5edit(_set_attr("format_version", np.array([1, 1])))),
    (("sim",), "format_version_float", h5edit(_set_attr("format_version", 1.5))),
    (("sim", "shard", "ckpt"), "format_version_future", h5edit(_set_attr("format_version", np.int64(99)))),
    (("sim", "shard", "ckpt"), "kind_missing", h5edit(_del_attr("kind"))),
    (("sim", "shard"), "kind_int", h5edit(_set_attr("kind", np.int64(3)))),
    (("shard",), "kind_simulate", h5edit(_set_attr("kind", "simulate"))),
    (("sim",), "status_array", h5edit(_set_attr("status", np.array([b"a", b"b"])))),
    (("sim",), "status_int", h5edit(_set_attr("status", np.int64(1)))),
    (("sim", "shard"), "control_characters", h5edit(_ctrl_everywhere)),
    (("sim", "shard", "ckpt", "lyap"), "root_attrs_retyped", h5edit(retype_attrs)),
    (("sim", "ckpt"), "root_attrs_arrays", h5edit(arrays_for_attrs)),
    (("shard", "ckpt"), "config_garbage", h5edit(_set_attr("config", "this is [not toml = ="))),
    (("shard", "ckpt"), "config_missing", h5edit(_del_attr("config"))),
    (("shard",), "config_int", h5edit(_set_attr("config", np.int64(5)))),
    (("shard",), "config_huge_sweep", h5edit(_set_attr(
        "config", '[model]\nname = "ring"\n[sweep.params]\n"model.n" = { linspace = [1.0, 2.0, 2000000000] }\n'))),
    # whole-file damage
    (("sim", "perm", "fp", "lyap", "sweep", "shard", "chaos", "chaos_shard", "ckpt"), "truncated_half",
     raw(lambda d: d[:len(d) // 2])),
    (("sim", "shard", "ckpt"), "truncated_100_bytes", raw(lambda d: d[:100])),
    (("sim", "shard"), "empty_file", raw(lambda d: b"")),
    (("sim", "shard", "ckpt"), "random_bytes", raw(_garbage)),
    (("sim",), "superblock_zeroed", raw(lambda d: b"\0" * 64 + d[64:])),
    # /network
    (("sim", "ckpt"), "network_deleted", h5edit(lambda f: f.__delitem__("network"))),
    (("sim", "ckpt"), "network_n_string", h5edit(_in("network", _set_attr("n", "three")))),
    (("sim",), "network_attrs_retyped", h5edit(_in("network", retype_attrs))),
    (("sim",), "network_is_dataset", h5edit(lambda f: (f.__delitem__("network"), f.create_dataset("network", data=1.0)))),
    # /trajectory
    (("sim",), "x_deleted", h5edit(_in("trajectory", lambda g: g.__delitem__("x")))),
    (("sim",), "t_deleted", h5edit(_in("trajectory", lambda g: g.__delitem__("t")))),
    (("sim",), "x_scalar", h5edit(_in("trajectory", lambda g: replace_ds(g, "x", 1.0)))),
    (("sim",), "x_1d", h5edit(_in("trajectory", lambda g: replace_ds(g, "x", np.zeros(21))))),
    (("sim",), "x_3d", h5edit(_in("trajectory", lambda g: replace_ds(g, "x", np.zeros((21, 3, 2)))))),
    (("sim",), "x_more_rows_than_t", h5edit(_in("trajectory", lambda g: replace_ds(g, "x", np.zeros((500, 3)))))),
    (("sim",), "t_more_rows_than_x", h5edit(_in("trajectory", lambda g: replace_ds(g, "t", np.arange(500.0))))),
    (("sim",), "x_zero_columns", h5edit(_in("trajectory", lambda g: replace_ds(g, "x", np.zeros((21, 0)))))),
    (("sim",), "t_empty", h5edit(_in("trajectory", lambda g: replace_ds(g, "t", np.zeros(0))))),
    (("sim",), "t_strings", h5edit(_in("trajectory", lambda g: replace_ds(g, "t", np.array([b"a"] * 21))))),
    (("sim",), "t_scalar", h5edit(_in("trajectory", lambda g: replace_ds(g, "t", 0.5)))),
    (("sim",), "x_int", h5edit(_in("trajectory", lambda g: replace_ds(g, "x", np.zeros((21, 3), dtype=np.int32))))),
    (("sim",), "x_strings", h5edit(_in("trajectory", lambda g: replace_ds(g, "x", np.array([[b"ab"] * 3] * 21))))),
    (("sim",), "trajectory_is_dataset", h5edit(lambda f: (f.__delitem__("trajectory"),
                                                          f.create_dataset("trajectory", data=np.zeros(4))))),
    (("sim",), "trajectory_attrs_retyped", h5edit(_in("trajectory", retype_attrs))),
    (("sim",), "trajectory_samples_huge", h5edit(_in("trajectory", _set_attr("samples", np.int64(2**62))))),
    # other kinds
    (("perm",), "sets_1d", h5edit(_in("permitted", lambda g: replace_ds(g, "sets", np.zeros(6, dtype=np.uint8))))),
    (("perm",), "counts_strings", h5edit(_in("permitted", lambda g: replace_ds(g, "counts_by_size", np.array([b"x"] * 7))))),
    (("perm",), "permitted_attrs_retyped", h5edit(_in("permitted", retype_attrs))),
    (("fp",), "fixed_points_x_deleted", h5edit(_in("fixed_points", lambda g: g.__delitem__("x")))),
    (("fp",), "fixed_points_attrs_retyped", h5edit(_in("fixed_points", retype_attrs))),
    (("lyap",), "exponents_strings", h5edit(_in("lyapunov", lambda g: replace_ds(g, "exponents", np.array([b"x"] * 8))))),
    (("lyap",), "lyapunov_attrs_retyped", h5edit(_in("lyapunov", retype_attrs))),
    (("chaos",), "chaos_deleted", h5edit(lambda f: f.__delitem__("chaos"))),
    (("chaos",), "chaos_g_deleted", h5edit(_in("chaos", lambda g: g.__delitem__("g")))),
    (("chaos",), "chaos_attrs_retyped", h5edit(_in("chaos", retype_attrs))),
    (("chaos",), "lambda_mean_strings", h5edit(_in("chaos", lambda g: replace_ds(g, "lambda_mean", np.array([b"x"] * 3))))),
    # /sweep (shards are merged)
    (("shard", "sweep"), "sweep_deleted", h5edit(lambda f: f.__delitem__("sweep"))),
    (("shard",), "sweep_keys_deleted", h5edit(_in("sweep", lambda g: g.__delitem__("keys")))),
    (("shard",), "sweep_keys_int", h5edit(_in("sweep", lambda g: replace_ds(g, "keys", np.arange(2))))),
    (("shard",), "sweep_params_1d", h5edit(_in("sweep", lambda g: replace_ds(g, "params", np.zeros(4))))),
    (("shard",), "sweep_params_more_rows", h5edit(_in("sweep", lambda g: replace_ds(g, "params", np.zeros((1000, 2)))))),
    (("shard",), "sweep_params_strings", h5edit(_in("sweep", lambda g: replace_ds(g, "params", np.array([[b"a", b"b"]] * 4))))),
    (("shard",), "sweep_status_float", h5edit(_in("sweep", lambda g: replace_ds(g, "status", np.zeros(4))))),
    (("shard",), "sweep_status_deleted", h5edit(_in("sweep", lambda g: g.__delitem__("status")))),
    (("shard",), "sweep_status_short", h5edit(_in("sweep", lambda g: replace_ds(g, "status", np.array([b"completed"]))))),
    (("shard",), "sweep_seconds_deleted", h5edit(_in("sweep", lambda g: g.__delitem__("seconds")))),
    (("shard", "chaos_shard"), "sweep_results_short", h5edit(_in("sweep/results", lambda g: [
        replace_ds(g, k, g[k][:1]) for k in list(g)]))),
    (("shard", "chaos_shard"), "sweep_results_strings", h5edit(_in("sweep/results", lambda g: [
        replace_ds(g, k, np.array([b"x"] * g[k].shape[0])) for k in list(g)]))),
    (("shard",), "sweep_results_deleted", h5edit(_in("sweep", lambda g: g.__delitem__("results")))),
    (("shard",), "sweep_n_points_string", h5edit(_in("sweep", _set_attr("n_points", "four")))),
    (("shard",), "sweep_n_points_huge", h5edit(_in("sweep", _set_attr("n_points", np.int64(10**15))))),
    (("shard",), "sweep_n_points_negative", h5edit(_in("sweep", _set_attr("n_points", np.int64(-4))))),
    (("shard",), "sweep_n_points_zero", h5edit(_in("sweep", _set_attr("n_points", np.int64(0))))),
    (("shard",), "sweep_hash_int", h5edit(_in("sweep", _set_attr("sweep_hash", np.int64(1))))),
    (("shard",), "sweep_analysis_bogus", h5edit(_in("sweep", _set_attr("analysis", "bogus")))),
    (("shard", "chaos_shard"), "sweep_attrs_retyped", h5edit(_in("sweep", retype_attrs))),
    (("shard",), "sweep_attrs_arrays", h5edit(_in("sweep", arrays_for_attrs))),
    # Lyapunov checkpoints (resumed)
    (("ckpt",), "checkpoint_deleted", h5edit(lambda f: f.__delitem__("lyapunov/checkpoint"))),
    (("ckpt",), "checkpoint_Q_deleted", h5edit(_in("lyapunov/checkpoint", lambda g: g.__delitem__("Q")))),
    (("ckpt",), "checkpoint_Q_wrong_shape", h5edit(_in("lyapunov/checkpoint", lambda g: replace_ds(g, "Q", np.eye(5))))),
    (("ckpt",), "checkpoint_Q_1d", h5edit(_in("lyapunov/checkpoint", lambda g: replace_ds(g, "Q", np.zeros(144))))),
    (("ckpt",), "checkpoint_Q_strings", h5edit(_in("lyapunov/checkpoint", lambda g: replace_ds(g, "Q", np.array([[b"q"] * 12] * 12))))),
    (("ckpt",), "checkpoint_x_wrong_length", h5edit(_in("lyapunov/checkpoint", lambda g: replace_ds(g, "x", np.zeros(3))))),
    (("ckpt",), "checkpoint_x_scalar", h5edit(_in("lyapunov/checkpoint", lambda g: replace_ds(g, "x", 0.0)))),
    (("ckpt",), "checkpoint_log_sums_wrong_length", h5edit(_in("lyapunov/checkpoint", lambda g: replace_ds(g, "log_sums", np.zeros(100))))),
    (("ckpt",), "checkpoint_block_sums_wrong_shape", h5edit(_in("lyapunov/checkpoint", lambda g: replace_ds(g, "block_sums", np.zeros((1, 1)))))),
    (("ckpt",), "checkpoint_trace_values_short", h5edit(_in("lyapunov/checkpoint", lambda g: replace_ds(g, "trace_values", np.zeros((0, 12)))))),
    (("ckpt",), "checkpoint_trace_times_long", h5edit(_in("lyapunov/checkpoint", lambda g: replace_ds(g, "trace_times", np.arange(5000.0))))),
    (("ckpt",), "checkpoint_attrs_deleted", h5edit(_in("lyapunov/checkpoint", lambda g: [g.attrs.__delitem__(k) for k in list(g.attrs)]))),
    (("ckpt",), "checkpoint_attrs_retyped", h5edit(_in("lyapunov/checkpoint", retype_attrs))),
    (("ckpt",), "checkpoint_attrs_arrays", h5edit(_in("lyapunov/checkpoint", arrays_for_attrs))),
    (("ckpt",), "checkpoint_step_negative", h5edit(_in("lyapunov/checkpoint", _set_attr("step", np.int64(-5))))),
    (("ckpt",), "checkpoint_step_huge", h5edit(_in("lyapunov/checkpoint", _set_attr("step", np.int64(2**62))))),
    (("ckpt",), "checkpoint_dimension_huge", h5edit(_in("lyapunov/checkpoint", _set_attr("dimension", np.int64(2**40))))),
    (("ckpt",), "checkpoint_k_zero", h5edit(_in("lyapunov/checkpoint", _set_attr("k", np.int64(0))))),
    (("ckpt",), "checkpoint_n_blocks_negative", h5edit(_in("lyapunov/checkpoint", _set_attr("n_blocks", np.int64(-1))))),
    (("ckpt",), "checkpoint_steps_per_ons_zero", h5edit(_in("lyapunov/checkpoint", _set_attr("steps_per_ons", np.int64(0))))),
    (("ckpt",), "checkpoint_dt_nan", h5edit(_in("lyapunov/checkpoint", _set_attr("dt", np.nan)))),
    (("ckpt",), "checkpoint_t_nan", h5edit(_in("lyapunov/checkpoint", _set_attr("t", np.nan)))),
    (("ckpt",), "checkpoint_phase_bogus", h5edit(_in("lyapunov/checkpoint", _set_attr("phase", CTRL)))),
    (("ckpt",), "checkpoint_phase_newline", h5edit(_in("lyapunov/checkpoint", _set_attr(
        "phase", "bogus\nratenet: error: a second line")))),
    (("ckpt",), "checkpoint_x_nan", h5edit(_in("lyapunov/checkpoint", lambda g: replace_ds(g, "x", np.full(12, np.nan))))),
]


def _mutation_case(target, mname, mutate):
    fx_name, key, local = TARGETS[target]

    def fn(ctx):
        fx = ctx.fixture(fx_name)
        dst = ctx.path(local)
        shutil.copy(fx[key], dst)
        try:
            mutate(dst)
        except (KeyError, ValueError, OSError, TypeError) as e:
            raise Skip(f"mutation does not apply: {e}")
        # info FILE
        res = ctx.run(["info", local], timeout=10)
        expect(res, (0, 1, 2))
        check_no_control_chars(res)
        if target in ("shard", "chaos_shard"):
            other = "s1.h5" if target == "shard" else "c1.h5"
            shutil.copy(fx[other], ctx.path(other))
            res = ctx.run(["merge", "merged.h5", local, other], timeout=20)
            expect(res, (0, 1, 2))
            if res.code == 0:
                check_status(ctx.path("merged.h5"), ("completed", "incomplete"), "merged file")
            elif ctx.path("merged.h5").exists():
                wrong(f"{res.describe()}: merged.h5 written although the merge failed")
        if target == "ckpt":
            shutil.copy(fx["config"], ctx.path("ly.toml"))
            res = ctx.run(["lyapunov", "ly.toml", "-o", "ly.h5", "--resume"], timeout=20)
            expect(res, (0, 1, 2))
            if res.code == 0:
                check_status(ctx.path("ly.h5"), ("completed", "diverged"), "resumed output")
            elif ctx.path("ly.h5").exists():
                wrong(f"{res.describe()}: ly.h5 written although the resume failed")
    return fn


for _targets, _mname, _mutate in MUTATIONS:
    for _t in _targets:
        register("hdf5_mutations", f"{_t}:{_mname}", _mutation_case(_t, _mname, _mutate))


@case("hdf5_mutations")
def ckpt_config_changed(ctx):
    """--resume with a config that differs from the checkpoint's: exit 2, the
    checkpoint kept as it was."""
    fx = ctx.fixture("ckpt")
    shutil.copy(fx["file"], ctx.path("ly.h5.part"))
    ctx.write("ly.toml", fx["config"].read_text().replace("g = 2.0", "g = 2.5"))
    before = ctx.snapshot()
    res = ctx.run(["lyapunov", "ly.toml", "-o", "ly.h5", "--resume"], timeout=10)
    expect(res, 2, must=[r"config"])
    ctx.expect_unchanged(before)


@case("hdf5_mutations")
def ckpt_resume_intact(ctx):
    """Control: the unmodified checkpoint resumes and completes."""
    fx = ctx.fixture("ckpt")
    shutil.copy(fx["file"], ctx.path("ly.h5.part"))
    shutil.copy(fx["config"], ctx.path("ly.toml"))
    res = ctx.run(["lyapunov", "ly.toml", "-o", "ly.h5", "--resume"], timeout=30)
    expect(res, 0)
    check_status(ctx.path("ly.h5"), "completed")


@case("hdf5_mutations")
def info_every_kind(ctx):
    """Control: `info` on an unmodified file of every kind: exit 0."""
    for name in ("sim", "perm", "fp", "lyap", "sweep", "chaos", "ckpt"):
        fx = ctx.fixture(name)
        local = f"{name}.h5"
        shutil.copy(fx["file"], ctx.path(local))
        res = ctx.run(["info", local], timeout=10)
        expect(res, 0)
        check_no_control_chars(res)
