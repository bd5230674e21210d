"""Reproductions of published results: one module per paper, each with
``run(full=False, outdir=..., ratenet=None) -> dict`` returning
``{"key_numbers": {...}, "figures": [...], "files": [...]}``."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import Dict


class _Lazy:
    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, attr):
        mod: ModuleType = importlib.import_module(f"{__name__}.{self.name}")
        return getattr(mod, attr)


REPRODUCTIONS: Dict[str, _Lazy] = {
    n: _Lazy(n) for n in ("hahnloser2000", "hahnloser_seung2001", "chaos", "engelken2020")
}

# analysis/ratenet_analysis/reproduce/__init__.py -> repository root
REPO_ROOT = Path(__file__).resolve().parents[3]


def config_path(name: str) -> Path:
    """configs/reproduce_NAME.toml in the repository."""
    p = REPO_ROOT / "configs" / f"reproduce_{name}.toml"
    if not p.is_file():
        raise FileNotFoundError(f"missing config {p}")
    return p


def prepare_outdir(outdir: str) -> str:
    os.makedirs(outdir, exist_ok=True)
    return os.path.abspath(outdir)
