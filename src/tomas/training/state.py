"""Training state for exact resume, one format for both trainers: counters, optimizers and
schedulers in a ``torch.save`` dict (``weights_only``-loadable)."""

from __future__ import annotations

from pathlib import Path

import torch

from tomas.errors import TomasError


def resume_file(resume: str, default: Path, log=print) -> Path | None:
    """The file ``--resume`` names ('auto': ``default`` if it exists, else None = start fresh)."""
    if resume == "auto":
        if default.is_file():
            return default
        log(f"  (no {default} yet: starting fresh)")
        return None
    if not Path(resume).is_file():
        raise TomasError(f"--resume {resume}: file not found")
    return Path(resume)


def load_state(path: Path, fingerprint: str, required: str) -> dict:
    """A saved training state; it must hold ``required`` and come from the same data."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if required not in state:
        raise TomasError(f"{path}: holds no resumable state of this trainer (use the train_state.pt of a run "
                         "started by this version, or start afresh)")
    if state["data_fingerprint"] != fingerprint:
        raise TomasError(f"{path}: trained on other data (fingerprint differs); use another output_dir")
    return state


def stateful_dicts(**objects) -> dict:
    """``name -> obj.state_dict()`` of optimizers and schedulers."""
    return {name: obj.state_dict() for name, obj in objects.items()}


def restore(state: dict, owner, counters: tuple[str, ...], **objects) -> None:
    """Load ``objects`` (optimizers, schedulers) by name and set ``owner``'s ``counters`` from ``state``."""
    for name, obj in objects.items():
        obj.load_state_dict(state[name])
    for key in counters:
        if key in state:  # a counter added since the state was written keeps its initial value
            setattr(owner, key, state[key])
