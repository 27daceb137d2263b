"""Sizes of inputs people name instead of measuring: "shot on my Nikon D850" (45.7 MP), "the whole of
Moby-Dick" (~206,000 words). The table (``named_sizes.yaml``) lists products and sources of pictures
(cameras, phones, webcams, consoles, satellite scenes) in megapixels and well-known texts (books, plays,
speeches, laws) in words; the size reader turns a name in a request into a ``Quantity`` that each tool's
own size classes classify like a stated number. A name the table lacks is left to the learned reading.

The table was written from general knowledge by a session that read none of the planner's data or
hand-written sets (docs/planner.md, "Named inputs").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tomas.errors import DataError
from tomas.io import read_yaml

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
    obj = read_yaml(path)
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


def name_key(text: str) -> str:
    """A name as matched: lower case, one space for any run of spaces and hyphens, straight apostrophes."""
    return re.sub(r"[\s-]+", " ", text.lower().replace("’", "'")).strip()


@cache
def named_pattern() -> tuple[re.Pattern, dict[str, NamedSize]]:
    """One pattern for every name of the table, longest first, and the entry of each name's key."""
    entries: dict[str, NamedSize] = {}
    for entry in named_sizes():
        for name in entry.names:
            entries.setdefault(name_key(name), entry)
    alternatives = [r"[\s-]+".join(re.escape(w).replace("'", "['’]") for w in key.split(" "))
                    for key in sorted(entries, key=len, reverse=True)]
    return re.compile(r"(?<![\w'’])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE), entries


_PART_OF = re.compile(r"\b(?:chapters?|excerpts?|passages?|quotes?|quotations?|scenes?|acts?|pages?|paragraphs?|"
                      r"sections?|lines?|sentences?|verses?|stanzas?|reviews?|essays?|articles?|analys[ie]s|"
                      r"critiques?|characters?)\s+(?:[\w'-]+\s+){0,3}?(?:of|from|in)\s+(?:the\s+)?$", re.IGNORECASE)
"""Before a named work: the input is a part of it or about it, not the whole work."""
_POSSESSIVE = re.compile(r"^['’]s\s+\w", re.IGNORECASE)
"""After a named work: "Hamlet's soliloquy" is a part of it."""
_PICTURE_OF = re.compile(r"\b(?:photos?|pictures?|images?|pics?|shots?|snaps?|posters?|ads?|adverts?)\s+of\s+"
                         r"(?:a\s+|an\s+|the\s+|my\s+|our\s+|this\s+|his\s+|her\s+)?(?:new\s+|old\s+)?$",
                         re.IGNORECASE)
"""Before a named product: a picture of the product, not one it took."""


def whole_input(entry: NamedSize, before: str, after: str) -> bool:
    """Whether a name between ``before`` and ``after`` is the input itself: not a part of a work ("a chapter of
    Moby-Dick", "Moby-Dick's opening") and not a picture of a product ("a photo of my Nikon D850")."""
    if entry.kind == "length":
        return not (_PART_OF.search(before) or _POSSESSIVE.match(after))
    return not _PICTURE_OF.search(before)
