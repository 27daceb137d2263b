"""The tool registry: a JSON list of ``{"name", "description", "input_sizes"?}`` objects
(``input_sizes``: the tool's size classes in a unit of its inputs, ``tomas.data.sizes``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tomas.data.sizes import SizeClasses, parse_input_sizes
from tomas.errors import DataError


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_sizes: SizeClasses | None = None
    """The input-size classes as data; None: the tool's sizes are read from words only."""


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")  # tolerate the BOM spreadsheet programs write
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: cannot read file ({e.__class__.__name__}: {e})") from None
    if not text.strip():
        raise DataError(f"{path}: file is empty")
    return text


def load_registry(path: str | Path) -> list[Tool]:
    """Read and validate the registry; the list order defines the tool ids."""
    path = Path(path)
    try:
        entries = json.loads(_read_text(path))
    except json.JSONDecodeError as e:
        raise DataError(f"{path}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    if not isinstance(entries, list):
        raise DataError(f"{path}: expected a JSON list of tools, got {type(entries).__name__}")
    if not entries:
        raise DataError(f"{path}: the registry lists no tools")
    tools: list[Tool] = []
    first_seen: dict[str, int] = {}
    for i, entry in enumerate(entries, start=1):
        where = f"{path}: tool #{i}"
        if not isinstance(entry, dict):
            raise DataError(f"{where}: expected an object with 'name' and 'description'")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise DataError(f"{where}: field 'name' is missing or empty")
        if name != name.strip() or any(c.isspace() for c in name):
            raise DataError(f"{where}: field 'name' {name!r} must not contain whitespace")
        description = entry.get("description")
        if not isinstance(description, str) or not description.strip():
            raise DataError(f"{where} ({name}): field 'description' is missing or empty")
        if name in first_seen:
            raise DataError(f"{where}: duplicate name {name!r} (first at tool #{first_seen[name]})")
        first_seen[name] = i
        sizes = parse_input_sizes(entry["input_sizes"], f"{where} ({name})") if "input_sizes" in entry else None
        tools.append(Tool(name=name, description=description.strip(), input_sizes=sizes))
    return tools
