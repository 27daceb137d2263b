"""Default locations: the one place each is written (every command's default, relative to the working
folder), and the shipped presets."""

from __future__ import annotations

from pathlib import Path

REGISTRY = "data/tool_registry/tools.json"
PROFILING = "data/profiling/profiling.csv"
PLANNER_DATA = "data/planner"
"""Where `tomas data generate-planner` writes train/val/test JSONL."""
HAND_FILE = "data/planner_handwritten/requests.jsonl"
"""The shipped hand-written test set (default registry's tools): evaluation only, never training or selection."""
HAND_FILES = (HAND_FILE, "data/planner_handwritten2/requests.jsonl")
"""Both shipped hand-written sets; the second states sizes as people do, written apart from the banks."""
DEV_FILE = "data/planner_dev/requests.jsonl"
"""Hand-written requests written apart from the generator and from both test sets: a second validation set
(the planner's thresholds are chosen on it beside validation), never a test."""
ASSETS = "assets"
PLANNER_DIR = f"{ASSETS}/planner"
ENCODER_CHECKPOINT = f"{ASSETS}/pretrained_encoder.pt"
CONFIG_WEIGHTS = f"{ASSETS}/config_weights.pt"
PROFILES = "profiles"
"""Where `tomas profile NAME` writes its rows and registry entry (PROFILES/NAME)."""

PRETRAIN_YAML = "configs/pretrain_encoder.yaml"
"""The shipped Phase 0 recipe: the defaults of `tomas pretrain`, `tomas run` and `tomas bench`."""
PLANNER_YAML = "configs/train_planner.yaml"
"""The shipped planner preset: the defaults of `tomas train`, `tomas probe-planner` and `tomas run`."""

PROJECT_ROOT = Path(__file__).resolve().parents[3]
"""The checkout the package is installed from (``pip install -e .``, as ``make setup`` does)."""


def shipped(path: str | Path) -> str:
    """A shipped file (``configs/...``, ``data/...``) by its repository-relative path: as given when it
    exists from the current folder (or is absolute), else the installed checkout's copy."""
    path = Path(path)
    if path.is_absolute() or path.exists() or not (PROJECT_ROOT / path).exists():
        return str(path)
    return str(PROJECT_ROOT / path)
