"""The documentation: every public object has a numpydoc docstring, checked with
the same numpydoc validation the Sphinx build applies (analysis/docs/conf.py),
and the API reference builds with Sphinx without a warning.

The full build (the tutorial notebook executed, figures included) is
scripts/python_docs.sh; here the API reference is built with a stub tutorial.
"""

import importlib
import inspect
import os
import runpy
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import ANALYSIS

import ratenet_analysis as ra

DOCS = ANALYSIS / "docs"
# Modules whose public functions are checked besides __all__.
MODULES = ["ratenet_analysis.plots", "ratenet_analysis.binary", "ratenet_analysis.reproduce", "ratenet_analysis.reproduce.chaos",
                     "ratenet_analysis.reproduce.engelken2020", "ratenet_analysis.reproduce.engelken2020_input",
                     "ratenet_analysis.reproduce.hahnloser2000",
                     "ratenet_analysis.reproduce.hahnloser_seung2001", "ratenet_analysis.reproduce.rajan2010"]

numpydoc_validate = pytest.importorskip("numpydoc.validate", reason="numpydoc (python3-numpydoc) is not installed")


def _conf():
    return runpy.run_path(str(DOCS / "conf.py"))


def _checks():
    """The numpydoc checks of conf.py: {"all", excluded...} -> the set of codes applied."""
    conf = _conf()["numpydoc_validation_checks"]
    codes = set(numpydoc_validate.ERROR_MSGS)
    return codes - set(conf) if "all" in conf else set(conf)


def _public_members(cls):
    """Public methods and properties defined by ``cls`` itself (not inherited from object or Mapping)."""
    out = []
    for name, obj in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(obj, (property, staticmethod, classmethod)) or inspect.isfunction(obj):
            out.append(name)
    return out


def public_objects():
    """Dotted names of everything the documentation must cover."""
    names = ["ratenet_analysis"]
    for name in ra.__all__:
        obj = getattr(ra, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # constants (SUPPORTED_FORMAT_VERSION) are described in api.rst
        full = f"{obj.__module__}.{obj.__qualname__}"
        names.append(full)
        if inspect.isclass(obj):
            names += [f"{full}.{m}" for m in _public_members(obj)]
    for modname in MODULES:
        mod = importlib.import_module(modname)
        names.append(modname)
        for name, obj in vars(mod).items():
            if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == modname:
                names.append(f"{modname}.{name}")
    return names


# Stricter than conf.py everywhere but in plots.py: a return value is described,
# and a summary starts with a verb in the imperative ("Return", not "Returns").
STRICT = {"RT03", "SS05"}
RELAXED_PREFIXES = ("ratenet_analysis.plots",)


def _errors(name, checks):
    if not name.startswith(RELAXED_PREFIXES):
        checks = checks | STRICT
    res = numpydoc_validate.validate(name)
    return [f"{code}: {msg}" for code, msg in res["errors"] if code in checks]


def test_every_public_object_has_a_numpydoc_docstring():
    checks = _checks()
    assert {"GL08", "SS01", "PR01", "RT01"} <= checks  # missing docstring, summary, parameters, returns
    names = public_objects()
    assert len(names) > 60, names
    bad = {n: e for n in names if (e := _errors(n, checks))}
    report = "\n".join(f"{n}:\n  " + "\n  ".join(e) for n, e in bad.items())
    assert not bad, f"{len(bad)} of {len(names)} public objects fail numpydoc validation:\n{report}"


def _undocumented(a, b):
    return a + b


def _half_documented(a, b):
    """Add two numbers."""
    return a + b


def _documented(a, b):
    """Add two numbers.

    Parameters
    ----------
    a, b : float
        The numbers.

    Returns
    -------
    float
        Their sum.
    """
    return a + b


def test_the_check_fails_on_missing_sections():
    checks = _checks()
    here = __name__
    assert any(e.startswith("GL08") for e in _errors(f"{here}._undocumented", checks))
    half = _errors(f"{here}._half_documented", checks)
    assert any(e.startswith("PR01") for e in half) and any(e.startswith("RT01") for e in half), half
    assert _errors(f"{here}._documented", checks) == []


def test_api_reference_lists_every_public_name():
    api = (DOCS / "api.rst").read_text()
    missing = [n for n in ra.__all__ if n not in api]
    assert not missing, f"api.rst does not mention {missing}"


def test_api_reference_builds_without_warnings(tmp_path):
    """``sphinx-build -W`` on the sources, the executed tutorial replaced by a stub."""
    pytest.importorskip("sphinx", reason="Sphinx (python3-sphinx) is not installed")
    src = tmp_path / "src"
    shutil.copytree(DOCS, src, ignore=shutil.ignore_patterns("_build", "*.ipynb"))
    (src / "tutorial.rst").write_text("Tutorial\n========\n\nExecuted by scripts/python_docs.sh.\n")
    env = dict(os.environ)
    pkg_parent = os.path.dirname(os.path.dirname(ra.__file__))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [pkg_parent, env.get("PYTHONPATH")]))
    r = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                        "-d", str(tmp_path / "doctrees"), str(src), str(tmp_path / "html")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, textwrap.shorten(r.stdout, 2000) + "\n" + r.stderr[-6000:]
    html = (tmp_path / "html" / "api.html").read_text()
    for name in ("open_file", "RatenetFile", "Trajectory", "run", "open_runs"):
        assert f'id="ratenet_analysis.{name}"' in html or f"ratenet_analysis.{name}" in html, name
