"""Reproductions of published results: one module per paper, each with
``run(full=False, outdir=..., ratenet=None) -> dict`` returning
``{"key_numbers": {...}, "figures": [...], "files": [...]}``."""

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
    n: _Lazy(n) for n in ("hahnloser2000", "hahnloser_seung2001", "chaos", "engelken2020")
}

# analysis/ratenet_analysis/reproduce/__init__.py -> repository root (source tree only)
REPO_ROOT = Path(__file__).resolve().parents[3]


def config_dirs(exe: Optional[str] = None) -> List[Path]:
    """Where the reproduction configs are looked for, in order: $RATENET_CONFIGS;
    the configs/ of the source tree this package sits in; next to the ratenet
    binary, configs/ of its build tree (build/ratenet) or share/ratenet/configs
    of its installation (bin/ratenet)."""
    dirs = []
    if os.environ.get("RATENET_CONFIGS"):
        dirs.append(Path(os.environ["RATENET_CONFIGS"]))
    dirs.append(REPO_ROOT / "configs")
    if exe:
        prefix = Path(exe).resolve().parent.parent
        dirs += [prefix / "configs", prefix / "share" / "ratenet" / "configs"]
    return dirs


def find_config(name: str, exe: Optional[str] = None) -> Optional[Path]:
    """configs/reproduce_NAME.toml, or None."""
    for d in config_dirs(exe):
        p = d / f"reproduce_{name}.toml"
        if p.is_file():
            return p
    return None


def config_path(name: str, exe: Optional[str] = None) -> Path:
    """configs/reproduce_NAME.toml (see config_dirs); FileNotFoundError naming where it looked."""
    p = find_config(name, exe)
    if p is None:
        raise FileNotFoundError(f"missing config reproduce_{name}.toml (looked in "
                                + ", ".join(map(str, config_dirs(exe))) + "; set RATENET_CONFIGS)")
    return p


def prepare_outdir(outdir: str) -> str:
    os.makedirs(outdir, exist_ok=True)
    return os.path.abspath(outdir)
