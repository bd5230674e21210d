"""Reproductions of published results, one module per paper.

Each module has ``run(full=False, outdir=..., ratenet=None) -> dict`` returning
``{"key_numbers": {...}, "figures": [...], "files": [...]}``; ``REPRODUCTIONS``
maps the names (``hahnloser2000``, ``hahnloser_seung2001``, ``chaos``,
``engelken2020``, ``rajan2010``, ``engelken2020_input``) to the modules,
imported on first use.

Examples
--------
>>> from ratenet_analysis.reproduce import REPRODUCTIONS
>>> res = REPRODUCTIONS["chaos"].run(outdir="out")       # doctest: +SKIP
>>> res["key_numbers"]["g_c"]                            # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import Dict, List, Optional


class _Lazy:
    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, attr):
        mod: ModuleType = importlib.import_module(f"{__name__}.{self.name}")
        return getattr(mod, attr)


REPRODUCTIONS: Dict[str, _Lazy] = {
    n: _Lazy(n) for n in ("hahnloser2000", "hahnloser_seung2001", "chaos", "engelken2020", "rajan2010",
                         "engelken2020_input")
}

# analysis/ratenet_analysis/reproduce/__init__.py -> repository root (source tree only)
REPO_ROOT = Path(__file__).resolve().parents[3]


def config_dirs(exe: Optional[str] = None) -> List[Path]:
    """List the folders searched for the reproduction configs.

    In order: ``$RATENET_CONFIGS``; the ``configs/`` of the source tree this
    package sits in; next to the ratenet binary, ``configs/`` of its build tree
    (``build/ratenet``) or ``share/ratenet/configs`` of its installation
    (``bin/ratenet``).

    Parameters
    ----------
    exe : str, optional
        The ratenet binary.

    Returns
    -------
    list of pathlib.Path
        The folders, whether they exist or not.
    """
    dirs = []
    if os.environ.get("RATENET_CONFIGS"):
        dirs.append(Path(os.environ["RATENET_CONFIGS"]))
    dirs.append(REPO_ROOT / "configs")
    if exe:
        prefix = Path(exe).resolve().parent.parent
        dirs += [prefix / "configs", prefix / "share" / "ratenet" / "configs"]
    return dirs


def find_config(name: str, exe: Optional[str] = None) -> Optional[Path]:
    """Find ``reproduce_NAME.toml`` in the folders of :func:`config_dirs`.

    Parameters
    ----------
    name : str
        The reproduction (``"chaos"``, ...).
    exe : str, optional
        The ratenet binary.

    Returns
    -------
    pathlib.Path or None
        The first match, or None.
    """
    for d in config_dirs(exe):
        p = d / f"reproduce_{name}.toml"
        if p.is_file():
            return p
    return None


def config_path(name: str, exe: Optional[str] = None) -> Path:
    """Find ``reproduce_NAME.toml`` like :func:`find_config`, or fail.

    Parameters
    ----------
    name : str
        The reproduction (``"chaos"``, ...).
    exe : str, optional
        The ratenet binary.

    Returns
    -------
    pathlib.Path
        The config file.

    Raises
    ------
    FileNotFoundError
        It is in none of the folders (the message names them).
    """
    p = find_config(name, exe)
    if p is None:
        raise FileNotFoundError(f"missing config reproduce_{name}.toml (looked in "
                                + ", ".join(map(str, config_dirs(exe))) + "; set RATENET_CONFIGS)")
    return p


def prepare_outdir(outdir: str) -> str:
    """Create an output folder (and its parents) if needed.

    Parameters
    ----------
    outdir : str
        The folder.

    Returns
    -------
    str
        Its absolute path.
    """
    os.makedirs(outdir, exist_ok=True)
    return os.path.abspath(outdir)
