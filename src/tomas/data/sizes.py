"""Input sizes as registry data: a tool's size classes in a unit its inputs have, and the one rule that
turns a known quantity (the input's own facts, or a number the request states) into a class.

In ``tools.json`` a tool may carry ``"input_sizes": {"small": {"max_megapixels": 0.5},
"medium": {"max_megapixels": 16}, "large": {}}``: each class holds the inputs up to its ``max_<unit>``
and above the previous class's; an empty object is open-ended. Units come in three dimensions, so a
tool defined in pages still reads "6,000 words", and an image tool reads "12 MP" and "4032x3024" alike:

| dimension | units a registry may use | read from a request or a file |
|---|---|---|
| area | ``pixels``, ``megapixels`` | pixel dimensions, megapixels, 1080p / 4K / 8K, file sizes |
| length | ``words``, ``pages`` | words, pages, characters, lines, sentences, paragraphs, chapters, file sizes |
| duration | ``seconds``, ``frames`` | seconds, minutes, hours, hh:mm:ss, frames |

The conversions between a dimension's units are the constants below, fixed and documented: a page is
``WORDS_PER_PAGE`` words, a frame ``1 / FRAMES_PER_SECOND`` seconds, an image file ``BYTES_PER_MEGAPIXEL``
per megapixel (a typical JPEG), a text file ``BYTES_PER_WORD`` per word.
"""

from __future__ import annotations

from dataclasses import dataclass

from tomas.config.commands import InputSize, choices
from tomas.errors import DataError

INPUT_SIZES: tuple[str, ...] = choices(InputSize)
"""The input-size classes, smallest first (the profiling table's ``input_size`` column)."""

WORDS_PER_PAGE = 300
CHARACTERS_PER_WORD = 6  # five letters and a space
BYTES_PER_WORD = 6  # plain text, UTF-8, mostly ASCII
BYTES_PER_MEGAPIXEL = 400_000  # a typical JPEG: a 12 MP phone photo is ~4.8 MB
FRAMES_PER_SECOND = 30
WORDS_IN = {"line": 12, "sentence": 20, "tweet": 40, "paragraph": 120, "chapter": 4000}
"""Typical word counts of the other text units people count in ("a three-line email", "a 30-chapter novel")."""

UNITS: dict[str, tuple[str, float]] = {
    "pixels": ("area", 1e-6),
    "megapixels": ("area", 1.0),
    "words": ("length", 1.0),
    "pages": ("length", WORDS_PER_PAGE),
    "seconds": ("duration", 1.0),
    "frames": ("duration", 1 / FRAMES_PER_SECOND),
}
"""Unit -> (dimension, how many of the dimension's base unit one of it is); the bases are megapixels,
words and seconds."""


BYTES_PER_BASE = {"area": BYTES_PER_MEGAPIXEL, "length": BYTES_PER_WORD}
"""How a file size converts into each dimension's base unit (a duration has no such rule)."""


@dataclass(frozen=True)
class Quantity:
    """A size known as a number: ``value`` in ``kind``'s base unit, or bytes (``kind`` "bytes")."""

    kind: str
    """"area" (megapixels), "length" (words), "duration" (seconds) or "bytes"."""
    value: float
    text: str = ""
    """What it was read from: the request's words ("a 4032x3024 photo"), or the input's facts."""
    named: bool = False
    """Read from a product or work the request names ("shot on a Nikon D850"), not from a number."""


@dataclass(frozen=True)
class SizeClasses:
    """A tool's input-size classes: ``bounds`` = (size, largest value in ``unit``, None = open), ascending."""

    unit: str
    bounds: tuple[tuple[str, float | None], ...]

    @property
    def dimension(self) -> str:
        return UNITS[self.unit][0]

    def base_value(self, q: Quantity) -> float | None:
        """``q`` in this dimension's base unit, or None when it measures something else."""
        if q.kind == self.dimension:
            return q.value
        if q.kind == "bytes" and self.dimension in BYTES_PER_BASE:
            return q.value / BYTES_PER_BASE[self.dimension]
        return None

    def classify(self, q: Quantity) -> str | None:
        """The class holding ``q``; None when ``q`` measures another dimension or exceeds every class."""
        base = self.base_value(q)
        if base is None:
            return None
        value = base / UNITS[self.unit][1]
        return next((size for size, top in self.bounds if top is None or value <= top), None)

    def to_json(self) -> dict:
        return {size: ({} if top is None else {f"max_{self.unit}": top}) for size, top in self.bounds}


def parse_input_sizes(obj: object, where: str) -> SizeClasses:
    """A registry entry's ``input_sizes`` checked (known sizes and unit, one unit, ascending, only the
    largest open); ``DataError`` naming ``where`` and the field otherwise."""
    field = f"{where}: field 'input_sizes'"
    if not isinstance(obj, dict) or not obj:
        raise DataError(f"{field}: expected an object of size classes, e.g. "
                        '{"small": {"max_megapixels": 0.5}, "medium": {"max_megapixels": 16}, "large": {}}')
    units, bounds = set(), []
    for size in obj:
        if size not in INPUT_SIZES:
            raise DataError(f"{field}: unknown size {size!r} (expected {', '.join(INPUT_SIZES)})")
    for size in (s for s in INPUT_SIZES if s in obj):
        spec = obj[size]
        if not isinstance(spec, dict) or len(spec) > 1:
            raise DataError(f"{field}.{size}: expected {{}} or one key max_<unit>, got {spec!r}")
        top = None
        for key, value in spec.items():
            unit = key.removeprefix("max_")
            if not key.startswith("max_") or unit not in UNITS:
                raise DataError(f"{field}.{size}: unknown key {key!r} (expected one of "
                                f"{', '.join('max_' + u for u in UNITS)})")
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise DataError(f"{field}.{size}.{key}: expected a positive number, got {value!r}")
            units.add(unit)
            top = float(value)
        bounds.append((size, top))
    if len(units) != 1:
        raise DataError(f"{field}: expected one unit for every class, got "
                        f"{', '.join(sorted(units)) or 'none (give the smaller classes a max_<unit>)'}")
    for (size, top), (_, next_top) in zip(bounds, bounds[1:]):
        if top is None:
            raise DataError(f"{field}.{size}: only the largest class may be open-ended ({{}})")
        if next_top is not None and next_top <= top:
            raise DataError(f"{field}: classes overlap or are out of order ({size} ends at {top:g}, "
                            f"the next class at {next_top:g})")
    return SizeClasses(units.pop(), tuple(bounds))
