"""Every group of every kind of file opens in xarray (engine h5netcdf) with
named dimensions, units and long names, without phony_dims (format version 2)."""
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr

from conftest import run_ok

TLN = '[model]\nname = "hahnloser_wta"\nn = 4\n[network]\nform = "rate"\n[transfer]\nname = "relu"\n'
TANH = (
    '[model]\nname = "random_gaussian"\nn = 10\ng = 2.0\n[network]\nform = "current"\n[transfer]\nname = "tanh"\n'
    '[initial]\nrandom_std = 1.0\n[simulate]\nmethod = "rk4"\ndt = 0.1\nt_end = 3.0\ndt_out = 1.0\n'
    '[lyapunov]\ndt = 0.05\nt_ons = 1.0\nt_warmup = 2.0\nt_ons_warmup = 2.0\nt_sim = 6.0\nk = 3\n'
)
CHAOS = TANH + '[chaos]\ng = [0.5, 1.5, 2.5]\nseeds = 2\nmeanfield_points = 5\n'

CASES = {
    "simulate": (TANH, ["simulate"]),
    "permitted": (TLN, ["permitted", "--verify"]),
    "fixed_points": (TLN, ["fixed-points"]),
    "lyapunov": (TANH, ["lyapunov"]),
    "sweep": (TANH + '[sweep]\nseeds = 2\nensemble = 2\n[sweep.params]\n"model.g" = [0.5, 2.0]\n', ["sweep"]),
    "sweep_lyapunov": (TANH + '[sweep]\nanalysis = "lyapunov"\n[sweep.params]\n"model.g" = [0.5, 2.0]\n', ["sweep"]),
    "chaos": (CHAOS, ["chaos"]),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def kind_file(request, ratenet, tmp_path_factory):
    text, cmd = CASES[request.param]
    d = tmp_path_factory.mktemp(request.param)
    (d / "c.toml").write_text(text)
    run_ok(ratenet, cmd[0], d / "c.toml", "-o", d / "out.h5", "-q", *cmd[1:])
    return request.param, d / "out.h5"


def groups_of(path):
    out = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Group) else None)
    return out


def check_group(path, group):
    with xr.open_dataset(path, engine="h5netcdf", group=group) as ds:
        for name, var in ds.variables.items():
            assert "units" in var.attrs and "long_name" in var.attrs, f"{group}/{name} has no units or long_name"
            for d in var.dims:
                assert not d.startswith("phony_dim"), f"{group}/{name} has an unnamed axis"
        return {name: var.dims for name, var in ds.variables.items()}


def test_every_group_opens_labelled(kind_file):
    kind, path = kind_file
    groups = groups_of(path)
    assert groups, kind
    dims = {}
    for g in groups:
        dims[g] = check_group(path, g)
    # Labelled axes where a user expects them.
    expect = {
        "simulate": ("trajectory", "x", ("t", "neuron")),
        "permitted": ("permitted", "sets", ("set", "neuron")),
        "fixed_points": ("fixed_points", "eig_real", ("fixed_point", "eigenvalue")),
        "lyapunov": ("lyapunov", "exponents", ("exponent",)),
        "sweep": ("sweep/results", "mean_rate", ("point", "member")),
        "sweep_lyapunov": ("sweep/results", "exponents", ("point", "exponent")),
        "chaos": ("chaos", "lambda_max", ("g", "seed")),
    }[kind]
    assert dims[expect[0]][expect[1]] == expect[2]


def test_coordinates_hold_values(kind_file):
    kind, path = kind_file
    if kind == "simulate":
        with xr.open_dataset(path, engine="h5netcdf", group="trajectory") as ds:
            np.testing.assert_allclose(ds["t"].values, [0.0, 1.0, 2.0, 3.0])
            assert list(ds["neuron"].values) == list(range(10))
            assert ds["x"].sel(neuron=3).shape == (4,)
    if kind == "chaos":
        with xr.open_dataset(path, engine="h5netcdf", group="chaos") as ds:
            np.testing.assert_allclose(ds["g"].values, [0.5, 1.5, 2.5])
            assert ds["lambda_max"].sel(g=2.5).shape == (2,)
            assert ds["lambda_max"].attrs["units"] == "1/time (units of tau)"


def test_schema_check_passes(kind_file, ratenet):
    _, path = kind_file
    r = subprocess.run([ratenet, "schema", "--check", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_interrupted_part_opens(interrupted):
    for g in groups_of(interrupted):
        check_group(interrupted, g)
