"""The planner's hand-written text banks as YAML data files: read once, by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml


@cache
def load_bank(name: str) -> dict:
    return yaml.safe_load((Path(__file__).parent / name).read_text(encoding="utf-8"))
