"""The planner's hand-written text banks as YAML data files: read once, by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

TRAINING_ONLY_FILES: tuple[str, ...] = ("training_only.yaml",)
"""The training-only banks of the shipped data, one per writer, in the order their entries are numbered
("<tool>/extra-<nnn>"). ``training_only_w3.yaml`` (a third writer) is measured but not shipped (its header says why)."""


@cache
def load_bank(name: str) -> dict:
    return yaml.safe_load((Path(__file__).parent / name).read_text(encoding="utf-8"))


def training_only_bank(files: tuple[str, ...] = TRAINING_ONLY_FILES) -> dict:
    """The training-only banks merged: per tool its templates, per units and size its cues, and the out-of-scope
    requests, each list in file order (a writer added later numbers after the earlier ones)."""
    merged: dict = {"templates": {}, "image_cues": {}, "text_cues": {}, "out_of_scope": []}
    for name in files:
        bank = load_bank(name)
        for key in ("templates", "image_cues", "text_cues"):
            for group, entries in bank.get(key, {}).items():
                merged[key].setdefault(group, []).extend(entries)
        merged["out_of_scope"].extend(bank.get("out_of_scope", []))
    return merged
