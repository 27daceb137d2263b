"""Atomic file writes (a reader never sees a half-written asset or checkpoint) and fast YAML reads."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import yaml

# libyaml's loader where PyYAML was built with it: 15x faster on the planner's text banks, which a fresh
# `tomas plan` reads (~150 ms of its cold start with the pure-Python loader)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and rename the result onto ``path`` in one step.

    The temporary file lives in the same folder so the rename is atomic on POSIX.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the asset gets the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_json(obj: Any, path: str | Path) -> Path:
    return atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2) + "\n"))


def save_torch(obj: Any, path: str | Path) -> Path:
    return atomic_write(path, lambda p: torch.save(obj, p))


def save_jsonl(records: list[dict], path: str | Path) -> Path:
    """One JSON line per record, the whole file rewritten atomically (a metrics history after a resume
    is exactly the run's history)."""
    return atomic_write(path, lambda p: p.write_text("".join(json.dumps(r) + "\n" for r in records)))


def read_yaml(path: str | Path) -> Any:
    """A YAML file's data, safely loaded (no Python objects)."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_YAML_LOADER)
