"""The planner's hand-written text banks as YAML data files: read once, by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tomas.io import read_yaml

TRAINING_ONLY_FILES: tuple[str, ...] = ("training_only.yaml",)
"""The training-only banks of the shipped data, one per writer, in the order their entries are numbered
("<tool>/extra-<nnn>"): every head learns from their examples."""
SCOPE_ONLY_FILES: tuple[str, ...] = ("training_only_w3.yaml", "training_only_w5.yaml", "training_only_w6.yaml")
"""The scope-only banks of the shipped data (``tomas.data.planner.scope_only``): only the scope head learns from
their examples. The third writer's text taught every head in session 9 and lost plan accuracy on validation;
taught to the scope head alone (session 10) it passed the rule fixed before scoring (docs/planner.md). The fifth
writer's short requests (in scope as written, and out of scope) joined it by the same kind of rule in session 21; its
in-scope requests teach every term but the size (a second rule, the same session). A sixth writer's requests, in the
same format, joined by a rule on out-of-scope recall in session 23."""


@cache
def load_bank(name: str) -> dict:
    return read_yaml(Path(__file__).parent / name)


def training_only_bank(files: tuple[str, ...] = TRAINING_ONLY_FILES) -> dict:
    """The training-only banks merged: per tool its templates, per units and size its cues, the out-of-scope
    requests and the in-scope ones as written (``in_scope``: [request, tool], a scope-only bank's), each list in file
    order (a writer added later numbers after the earlier ones)."""
    merged: dict = {"templates": {}, "image_cues": {}, "text_cues": {}, "out_of_scope": [], "in_scope": []}
    for name in files:
        bank = load_bank(name)
        for key in ("templates", "image_cues", "text_cues"):
            for group, entries in bank.get(key, {}).items():
                merged[key].setdefault(group, []).extend(entries)
        for key in ("out_of_scope", "in_scope"):
            merged[key].extend(bank.get(key, []))
    return merged
