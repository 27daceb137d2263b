"""Sizes of inputs people name instead of measuring: "shot on my Nikon D850" (45.7 MP), "the whole of
Moby-Dick" (~206,000 words). The table (``named_sizes.yaml``) lists products and sources of pictures
(cameras, phones, webcams, consoles, satellite scenes) in megapixels and well-known texts (books, plays,
speeches, laws) in words; the size reader turns a name in a request into a ``Quantity`` that each tool's
own size classes classify like a stated number. A name the table lacks is left to the learned reading.

The table was written from general knowledge by a session that read none of the planner's data or
hand-written sets (docs/planner.md, "Named inputs").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from tomas.errors import DataError

TABLE = Path(__file__).with_name("named_sizes.yaml")
KINDS = {"images": ("megapixels", "area"), "texts": ("words", "length")}
"""Section of the table -> (its entries' value key, the ``Quantity`` kind it gives)."""


@dataclass(frozen=True)
class NamedSize:
    names: tuple[str, ...]
    """The name and the aliases people type, matched whole and case-insensitively."""
    kind: str
    """"area" (``value`` in megapixels) or "length" (``value`` in words)."""
    value: float


def _distinctive(name: str) -> bool:
    """Five characters with a letter, or an acronym of three ("GDPR", "PS4"): "1984" or "It" would fire on
    years and words."""
    name = name.strip()
    acronym = len(name) >= 3 and name.isupper() and name.isalnum()
    return (len(name) >= 5 or acronym) and any(c.isalpha() for c in name)


@cache
def named_sizes(path: Path = TABLE) -> tuple[NamedSize, ...]:
    """The table's entries, checked: each has ``names`` (non-empty strings) and its section's positive value."""
    obj = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(obj, dict) or set(obj) - set(KINDS):
        raise DataError(f"{path}: expected the sections {', '.join(KINDS)}")
    out = []
    for section, (key, kind) in KINDS.items():
        for n, entry in enumerate(obj.get(section) or [], start=1):
            names, value = (entry.get("names"), entry.get(key)) if isinstance(entry, dict) else (None, None)
            if not isinstance(names, list) or not names or not all(isinstance(s, str) and s.strip() for s in names):
                raise DataError(f"{path}: {section} entry {n}: field names: expected a list of non-empty strings")
            vague = [s for s in names if not _distinctive(s)]
            if vague:
                raise DataError(f"{path}: {section} entry {n}: field names: {vague[0]!r} is too short or only a "
                                "number to stand for one thing (a year, a word)")
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise DataError(f"{path}: {section} entry {n} ({names[0]}): field {key}: expected a positive number")
            out.append(NamedSize(tuple(s.strip() for s in names), kind, float(value)))
    return tuple(out)
