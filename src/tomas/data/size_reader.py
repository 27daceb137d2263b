"""Read a size stated as a number exactly: "2500x2000", "12 MP", "3 GB", "6,000 words", "twenty pages",
"1080p", "8K", "90 minutes" -> ``Quantity``s, and the input's own facts (a file, or numbers a caller
gives) -> ``Quantity``s. ``stated_size`` maps them through a tool's ``SizeClasses``.

A number is a size only with a unit attached; dates, prices, counts of labels or languages, ticket
numbers are not. A quantity that names the wanted *output* ("in 200 words", "a 100-word summary",
"upscale it to 4K", "for a 1080p screen") or a machine resource ("16 GB of RAM", "within 5 seconds")
is skipped: it says nothing about the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tomas.data.named_sizes import name_key, named_pattern, whole_input
from tomas.data.sizes import (
    CHARACTERS_PER_WORD,
    FRAMES_PER_SECOND,
    UNITS,
    WORDS_IN,
    WORDS_PER_PAGE,
    Quantity,
    SizeClasses,
)
from tomas.errors import DataError

_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = dict(zip("twenty thirty forty fifty sixty seventy eighty ninety".split(), range(20, 100, 10)))
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER_WORDS = "|".join([*_SMALL, *_TENS])
_WORD_NUMBER = re.compile(  # starts with a number word or "a"/"half a" before a scale; scales and "and" may follow
    rf"\b(?:(?:{_NUMBER_WORDS})|(?:a|an|half a)\s+(?:hundred|thousand|million|billion|dozen)|dozen|couple of)"
    rf"(?:[\s-]+(?:and[\s-]+)?(?:{_NUMBER_WORDS}|hundred|thousand|million|billion|dozen)\b)*\b", re.IGNORECASE)


def _words_to_number(phrase: str) -> float | None:
    """"two hundred" -> 200, "forty-five" -> 45, "a dozen" -> 12, "half a million" -> 500000."""
    tokens = re.findall(r"[a-z]+", phrase.lower().replace("couple of", "couple"))
    total, current, seen = 0.0, 0.0, False
    for tok in tokens:
        if tok in ("a", "an", "and"):
            continue
        if tok == "half":
            current += 0.5
        elif tok == "couple":
            current += 2
        elif tok == "dozen":
            current = (current or 1) * 12
        elif tok in _SMALL:
            current += _SMALL.index(tok)
        elif tok in _TENS:
            current += _TENS[tok]
        elif tok == "hundred":
            current = (current or 1) * 100
        elif tok in _SCALES:
            total += (current or 1) * _SCALES[tok]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _spell_out_numbers(text: str) -> str:
    """Numbers in words as digits ("twenty pages" -> "20 pages"); the rest of the text unchanged."""
    def replace(m: re.Match) -> str:
        value = _words_to_number(m.group(0))
        if value is None or not m.group(0).strip() or m.group(0).strip().lower() in ("a", "an"):
            return m.group(0)
        return f"{value:g}" if value < 1e6 else str(int(value))
    return _WORD_NUMBER.sub(replace, text)


_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "mn": 1e6, "bn": 1e9, "billion": 1e9}

# Units of the length dimension, in words.
_LENGTH_UNITS = {r"words?": 1, r"pages?|pp\.?": WORDS_PER_PAGE, r"characters?|chars?|letters": 1 / CHARACTERS_PER_WORD,
                 r"lines?": WORDS_IN["line"], r"sentences?": WORDS_IN["sentence"], r"tweets?": WORDS_IN["tweet"],
                 r"paragraphs?|paras?": WORDS_IN["paragraph"], r"chapters?": WORDS_IN["chapter"]}
_DURATION_UNITS = {r"seconds?|secs?|s": 1, r"minutes?|mins?": 60, r"hours?|hrs?|h": 3600,
                   r"frames?": 1 / FRAMES_PER_SECOND}
_BYTE_UNITS = {r"bytes?|b": 1, r"kb|kib|kilobytes?": 1e3, r"mb|mib|megabytes?|megs?": 1e6,
               r"gb|gib|gigabytes?|gigs?": 1e9, r"tb|tib|terabytes?": 1e12}
_AREA_UNITS = {r"mp|mpx|mpix|megapixels?|mega-?pixels?|mega pixels?": 1.0, r"gp|gigapixels?|giga-?pixels?": 1000.0}
_NAMED_RESOLUTIONS = {  # width, height
    "qvga": (320, 240), "vga": (640, 480), "svga": (800, 600), "xga": (1024, 768), "hd ready": (1280, 720),
    "full hd": (1920, 1080), "full-hd": (1920, 1080), "fhd": (1920, 1080), "hd": (1280, 720), "wqhd": (2560, 1440),
    "qhd": (2560, 1440), "ultra hd": (3840, 2160), "ultra-hd": (3840, 2160), "uhd": (3840, 2160),
    "2k": (2048, 1080), "4k": (3840, 2160), "5k": (5120, 2880), "6k": (6144, 3160), "8k": (7680, 4320),
    "10k": (10240, 4320), "16k": (15360, 8640),
}
_LENGTH_WORDS = "words?|pages?|characters?|chars?|lines?|sentences?|paragraphs?|chapters?"

# Context that makes a quantity the wanted output or a machine resource, not the input.
_OUTPUT_BEFORE = re.compile(r"(?:\b(?:in|into|to|under|below|within|at most|no more than|max(?:imum)?|"
                            r"down to|up to|limit(?:ed)? to|less than|fewer than)\s+(?:a\s+|an\s+)?"
                            r"(?:about\s+|around\s+|roughly\s+)?"
                            r"|\bto\s+(?:a|an|the)\s+)$", re.IGNORECASE)
_OUTPUT_AFTER = re.compile(r"^[\s-]*(?:\w+[\s-]+)?(?:summary|summaries|abstract|tl;?dr|digest|recap|version|"
                           r"output|screens?|displays?|monitors?|tvs?|televisions?|prints?|result|bullet)\b",
                           re.IGNORECASE)
_OUTPUT_LENGTH_AFTER = re.compile(r"^[\s-]*(?:\w+[\s-]+)?(?:synops[ie]s|overview|gist|rundown|pr[eé]cis|"
                                  r"takeaways)\b"
                                  r"|^[\s-]*answers?\b"
                                  r"|^[\s,]*(?:is|are|would\s+be|will\s+do|should\s+do)\s+(?:fine|enough|plenty|"
                                  r"ok(?:ay)?|great)\b|^[\s,]*will\s+do\b", re.IGNORECASE)
"""Only after a length ("a one-page synopsis of the novel", "a one-word answer", "one word is enough"): "a
5-megapixel overview shot" is the input. "Answer" and "is enough" follow the length directly ("my 300-word essay
answer", "a 300-page manual is fine" keep their input); "80 pages max" stays a length (an input's bound too)."""
_RESOURCE_AFTER = re.compile(r"^[\s-]*(?:of\s+)?(?:free\s+|spare\s+|available\s+)?(?:ram|memory|vram|gpu|"
                             r"disk|storage|space|quota|bandwidth|/s|ps\b|per\s+sec|budget|latency|cache|swap)",
                             re.IGNORECASE)
_RESOURCE_BEFORE = re.compile(r"(?:ram|memory|vram|gpu|disk|storage|quota|budget|latency|deadline|cores?|"
                              r"within|every|after|before|by|takes?|under|wait|timeout|only|have|has|got)"
                              r"(?:\s+(?:of|is|are|at|:))?\s+(?:about\s+|around\s+|only\s+|just\s+)?$",
                              re.IGNORECASE)

@dataclass(frozen=True)
class _Match:
    quantity: Quantity
    start: int
    end: int


def _number(text: str) -> float:
    return float(text.replace(",", ""))


_IN_BEFORE = re.compile(r"\bin\s+(?:a\s+|an\s+)?(?:about\s+|around\s+|roughly\s+)?$", re.IGNORECASE)
"""A bare "in (a)" before a quantity: an output only for a length ("summarise in 100 words"); for pixels,
bytes or time it is the input's ("the ball in a 60-megapixel photo")."""


def _skip(text: str, start: int, end: int, resource: bool = True, kind: str = "length", named: bool = False) -> bool:
    """The quantity of ``kind`` at ``text[start:end]`` names an output, a screen, or (``resource``) a machine
    resource. A ``named`` work followed by an output word is the input ("a Moby-Dick summary")."""
    before, after = text[max(0, start - 40):start], text[end:end + 40]
    output_before = _OUTPUT_BEFORE.search(before) and (kind == "length" or not _IN_BEFORE.search(before))
    output_after = _OUTPUT_AFTER.match(after) or (kind == "length" and _OUTPUT_LENGTH_AFTER.match(after))
    if output_before or (output_after and not named):
        return True
    return resource and bool(_RESOURCE_AFTER.match(after) or _RESOURCE_BEFORE.search(before))


class _Finder:
    """Every quantity stated in a text (numbers already in digits), first come first served per span: the
    readers run in order and a later one never claims a span an earlier one read."""

    NUM = r"(?<![\w.,/])" + _NUM

    def __init__(self, text: str):
        self.text, self.found = text, []

    def add(self, kind: str, value: float, m: re.Match, resource_check: bool = True, text: str = "") -> None:
        """``text``: what to say it was read from, for a named input (its name and size); else the match."""
        if any(f.start < m.end() and m.start() < f.end for f in self.found):
            return
        if not _skip(self.text, m.start(), m.end(), resource_check, kind, named=bool(text)):
            quantity = Quantity(kind, value, text or m.group(0).strip(), named=bool(text))
            self.found.append(_Match(quantity, m.start(), m.end()))

    def names(self) -> list[tuple[int, int]]:
        """Products and works named instead of measured (``named_sizes``): "shot on a Nikon D850", "all of
        Moby-Dick"; not a part of a work ("a chapter of Moby-Dick") or a picture of a product. Returns the
        spans of every name found, read or not (their digits are not numbers)."""
        pattern, entries = named_pattern()
        spans = []
        for m in pattern.finditer(self.text):
            spans.append(m.span())
            entry = entries[name_key(m.group(0))]
            if not whole_input(entry, self.text[max(0, m.start() - 60):m.start()], self.text[m.end():]):
                continue
            size = f"{entry.value:g} MP" if entry.kind == "area" else f"{entry.value:,.0f} words"
            self.add(entry.kind, entry.value, m, resource_check=False, text=f"{entry.names[0]} (~{size})")
        return spans

    def each(self, pattern: str, flags=re.IGNORECASE):
        return re.finditer(pattern, self.text, flags)

    def dimensions(self) -> None:
        """Pixel dimensions: 4032x3024, 4032 x 3024 px, 800 by 600, 1920×1080 (not a 3x3 grid or a 10x10 m room)."""
        for m in self.each(self.NUM + r"\s*(?:x|×|\*|by)\s*" + _NUM + r"(?![\w,.]*\d)(?:\s*(?:px|pixels?)\b)?"):
            w, h = _number(m.group(1)), _number(m.group(2))
            unit_after = re.match(r"\s*(?:-\s*)?(?:m|cm|mm|km|in|inch|inches|ft|feet|meters?|metres?|grid|tiles?|"
                                  r"squares?|cells?|matrix)\b", self.text[m.end():], re.IGNORECASE)
            if w >= 8 and h >= 8 and not unit_after:
                self.add("area", w * h / 1e6, m)

    def lengths(self) -> None:
        """Counts of words, pages, characters...: "6,000 words", "a 20-page", "5k-word", "2.5 million words"."""
        for pattern, words in _LENGTH_UNITS.items():
            for m in self.each(self.NUM + r"\s*(k|thousand|million|mn|m|bn|billion)?[\s-]*(?:" + pattern + r")\b"):
                value = _number(m.group(1)) * _MULT.get((m.group(2) or "").lower(), 1)
                self.add("length", value * words, m)

    def areas(self) -> None:
        """Megapixels and gigapixels ("12 MP", "12-megapixel", "a 1.2-gigapixel"); pixel counts and sides
        ("2 million pixels", "a 500-pixel-wide banner", "4000 px across")."""
        for pattern, mp in _AREA_UNITS.items():
            for m in self.each(self.NUM + r"[\s-]*(?:" + pattern + r")\b"):
                self.add("area", _number(m.group(1)) * mp, m)
        for m in self.each(r"\b(?:a|one|single)\s+gigapixel\b|\bgigapixel-(?:class|scale|sized?)\b"):
            self.add("area", 1000.0, m)
        for m in self.each(self.NUM + r"\s*(k|thousand|million|m)?[\s-]*(?:px|pixels?)\b"):
            value = _number(m.group(1)) * _MULT.get((m.group(2) or "").lower(), 1)
            self.add("area", value / 1e6 if value >= 10_000 else value * value * 0.75 / 1e6, m)

    def resolutions(self) -> None:
        """Named resolutions: 1080p, 720p, 4K, 8K, Full HD, VGA (not "4k words": counted above)."""
        for m in self.each(r"(?<![\w.])(\d{3,4})\s?p\b"):
            h = _number(m.group(1))
            if h in (144, 240, 360, 480, 540, 576, 720, 900, 1080, 1440, 1600, 2160, 2880, 4320):
                self.add("area", h * h * 16 / 9 / 1e6, m)
        names = "|".join(sorted((re.escape(n) for n in _NAMED_RESOLUTIONS), key=len, reverse=True))
        for m in self.each(r"(?<![\w.])(" + names + r")(?![\w-]*\s*(?:" + _LENGTH_WORDS + r"|k?b\b))"):
            key = m.group(1).lower()
            if key in ("hd",) and not re.match(r"[\s-]*(?:photo|image|picture|frame|video|still|shot|screenshot|"
                                               r"png|jpe?g|render|scan|wallpaper|capture)", self.text[m.end():],
                                               re.IGNORECASE):
                continue
            w, h = _NAMED_RESOLUTIONS[key]
            self.add("area", w * h / 1e6, m)

    def file_sizes(self) -> None:
        """File sizes: "3 GB", "a 32 KB file", "a 4.5MB JPEG" (not "16 GB of RAM")."""
        for pattern, factor in _BYTE_UNITS.items():
            pattern = r"bytes?" if pattern.startswith("bytes") else pattern
            for m in self.each(self.NUM + r"[\s-]*(?:" + pattern + r")\b(?!/s)"):
                self.add("bytes", _number(m.group(1)) * factor, m)

    def durations(self) -> None:
        """Durations: "a 90-minute recording", "2 hours of audio", "01:23:45" (not "within 5 seconds")."""
        for m in self.each(r"(?<![\d:])(\d{1,2}):(\d{2}):(\d{2})(?![\d:])", 0):
            h, mi, s = (int(g) for g in m.groups())
            self.add("duration", h * 3600 + mi * 60 + s, m)
        for pattern, seconds in _DURATION_UNITS.items():
            for m in self.each(self.NUM + r"[\s-]*(?:" + pattern + r")\b(?![\s-]*(?:ago|later|from now))"):
                if not _decade(m):
                    self.add("duration", _number(m.group(1)) * seconds, m)


def _decade(m: re.Match) -> bool:
    """"photos from the 1970s", "the '90s": a decade, not a number of seconds."""
    if not re.fullmatch(r"\d+s", m.group(0), re.IGNORECASE):
        return False
    n = m.group(1)
    return m.string[max(m.start() - 1, 0):m.start()] in ("'", "\u2019") or (len(n) == 4 and n.endswith("0"))


def _find(text: str) -> list[_Match]:
    """Every quantity stated in ``text`` (numbers already in digits), in the order they stand."""
    finder = _Finder(text)
    for read in (finder.dimensions, finder.lengths, finder.areas, finder.resolutions, finder.file_sizes,
                 finder.durations):
        read()
    return sorted(finder.found, key=lambda f: f.start)


def read_quantities(text: str, names: bool = True) -> list[Quantity]:
    """Every size the request states: the products and works it names and its numbers with a unit, in the
    order they stand (outputs and resources skipped). A name's own digits ("iPhone 15", "Catch-22") are not
    numbers: names are read first, then masked."""
    finder, masked = _Finder(text), text
    for start, end in finder.names() if names else []:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    found = finder.found + _find(_spell_out_numbers(masked))  # spelling numbers out moves little: order by start
    return [f.quantity for f in sorted(found, key=lambda f: f.start)]


@dataclass(frozen=True)
class StatedSize:
    """What the numbers of a request say about one tool's input size."""

    sizes: tuple[str, ...]
    """The distinct classes the tool's quantities fall in, in order of appearance: one = read, more = a conflict."""
    quantities: tuple[Quantity, ...]

    @property
    def size(self) -> str | None:
        return self.sizes[0] if len(self.sizes) == 1 else None


def stated_size(quantities: list[Quantity], classes: SizeClasses | None) -> StatedSize:
    """The classes that ``quantities`` of ``classes``' dimension fall in (none without definitions)."""
    if classes is None:
        return StatedSize((), ())
    mine = [(q, classes.classify(q)) for q in quantities]
    mine = [(q, s) for q, s in mine if s is not None]
    return StatedSize(tuple(dict.fromkeys(s for _, s in mine)), tuple(q for q, _ in mine))


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".ico")


TEXT_SUFFIXES = (".txt", ".md", ".rst", ".csv", ".tsv", ".json", ".jsonl", ".html", ".htm", ".xml", ".srt", ".vtt",
                 ".tex", ".log", ".yaml", ".yml")


def file_facts(path: str | Path) -> Quantity:
    """The input's own size: an image's pixel dimensions (Pillow) or a text file's word count; anything
    else is a ``DataError`` in one line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: input file not found")
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as image:
                w, h = image.size
        except (UnidentifiedImageError, OSError) as e:
            raise DataError(f"{path}: not a readable image ({e.__class__.__name__})") from None
        return Quantity("area", w * h / 1e6, f"{w}x{h} pixels ({path.name})")
    if suffix in TEXT_SUFFIXES:
        try:
            words = len(path.read_text(encoding="utf-8-sig").split())
        except (OSError, UnicodeDecodeError) as e:
            raise DataError(f"{path}: not a readable UTF-8 text file ({e.__class__.__name__})") from None
        return Quantity("length", float(words), f"{words:,} words ({path.name})")
    raise DataError(f"{path}: unknown input type {suffix or '(no suffix)'!r}: expected an image "
                    f"({', '.join(IMAGE_SUFFIXES)}) or a text file ({', '.join(TEXT_SUFFIXES)})")


FACT_FIELDS = ("width", "height", "megapixels", "bytes", "words", "pages", "seconds", "frames")
"""The numbers a caller may give about its input (``input`` of a request)."""


def facts_quantities(facts: dict) -> list[Quantity]:
    """A request's ``input`` object -> its quantities: ``path`` (read), ``width`` and ``height`` (together),
    ``megapixels``, ``bytes``, ``words``, ``pages``, ``seconds``, ``frames``; ``DataError`` naming the field."""
    unknown = sorted(set(facts) - {*FACT_FIELDS, "path"})
    if unknown:
        raise DataError(f"field input.{unknown[0]}: unknown (expected path or {', '.join(FACT_FIELDS)})")
    for key in FACT_FIELDS:
        value = facts.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or not value > 0):
            raise DataError(f"field input.{key}: expected a number > 0, got {value!r}")
    if ("width" in facts) != ("height" in facts):
        raise DataError("field input: width and height go together")
    out = [file_facts(facts["path"])] if facts.get("path") else []
    if "width" in facts:
        out.append(Quantity("area", facts["width"] * facts["height"] / 1e6, f"{facts['width']}x{facts['height']}"))
    scale = {**{unit: UNITS[unit] for unit in ("megapixels", "words", "pages", "seconds", "frames")},
             "bytes": ("bytes", 1)}
    out += [Quantity(kind, facts[key] * factor, f"{facts[key]:g} {key}") for key, (kind, factor) in scale.items()
            if key in facts]
    if not out:
        raise DataError("field input: give path, width and height, megapixels, bytes, words, pages, seconds or frames")
    return out


@dataclass(frozen=True)
class SizeHint:
    """What is known of one tool's input size before the planner reads the words: the classes still
    possible (all of them when nothing is known) and where that came from."""

    allowed: tuple[str, ...]
    source: str
    """"input" (the caller's facts or size), "number" (one class read from the request's numbers), "named"
    (one class from a product or work it names: ``named_sizes``) or "words" (the learned reading decides
    among ``allowed``: no number, or numbers that disagree)."""
    read: str = ""
    """The words or facts the size was read from ("a 4032x3024 photo"), empty for "words"."""


def size_hints(task: str, classes: list[SizeClasses | None], sizes: list[tuple[str, ...]],
               facts: list[Quantity] | None = None, input_size: str | None = None,
               numbers: bool = True, names: bool = True) -> list[SizeHint]:
    """One ``SizeHint`` per tool (``classes[i]``: its definitions, ``sizes[i]``: its profiled sizes).

    Facts before guesses: a given ``input_size`` or input facts decide; else (``numbers``) the request's
    numbers (and, with ``names``, the products and works it names) decide when they fall in one class, and
    narrow the learned reading when they fall in several."""
    quantities = read_quantities(task, names) if numbers else []
    hints = []
    for tool_classes, tool_sizes in zip(classes, sizes):
        if input_size is not None:
            hints.append(SizeHint((input_size,), "input", f"input_size {input_size}"))
            continue
        fact = stated_size(facts or [], tool_classes)
        if fact.size is not None:
            hints.append(SizeHint((fact.size,), "input", fact.quantities[0].text))
            continue
        said = stated_size(quantities, tool_classes)
        if said.size is not None:
            first = said.quantities[0]
            hints.append(SizeHint((said.size,), "named" if first.named else "number", first.text))
        else:
            narrowed = tuple(s for s in tool_sizes if s in said.sizes) or tuple(tool_sizes)
            hints.append(SizeHint(narrowed, "words"))
    return hints
