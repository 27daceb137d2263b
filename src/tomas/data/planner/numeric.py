"""Size cues that state the input size as a number in other units (pixel dimensions, megapixels,
named resolutions, file sizes, word, page and character counts, durations, numbers in words), for training tasks
(``text.P_NUMERIC``), drawn inside the class a tool's ``input_sizes`` define.
"""

from __future__ import annotations

import math
import random
import re

from tomas.data.sizes import BYTES_PER_MEGAPIXEL, UNITS, WORDS_PER_PAGE, SizeClasses

MARGIN = 1.3
"""Numbers are drawn at least this factor inside their class's bounds, so rounding never crosses one."""


SPAN = (400.0, 40.0)
"""The smallest class starts SPAN[0] times below its top, an open largest class ends SPAN[1] times above
its bottom (log-uniform draws in between)."""


def class_range(classes: SizeClasses, size: str) -> tuple[float, float]:
    """(low, high) in the dimension's base unit (megapixels, words) to draw ``size`` from."""
    factor = UNITS[classes.unit][1]
    tops = [top for _, top in classes.bounds]
    i = [s for s, _ in classes.bounds].index(size)
    low = tops[i - 1] * factor * MARGIN if i else tops[i] * factor / SPAN[0]
    high = tops[i] * factor / MARGIN if tops[i] is not None else tops[i - 1] * factor * SPAN[1]
    return low, high


_RESOLUTIONS = {"480p": 0.41, "720p": 0.92, "1080p": 2.07, "full-HD": 2.07, "1440p": 3.69, "4K": 8.29, "8K": 33.2}


_ASPECTS = ((1, 1), (4, 3), (3, 2), (16, 9), (5, 4))


_IMAGE_NOUNS = ("image", "photo", "picture", "JPEG", "PNG", "shot", "scan", "frame")


_TEXT_NOUNS = ("document", "text", "article", "report", "transcript", "file", "write-up", "letter")


_ONES = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()


_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def spelled(n: int) -> str:
    """1..99 in words: 45 -> "forty-five"."""
    if n < 20:
        return _ONES[n - 1]
    tens, ones = divmod(n, 10)
    return _TENS[tens - 2] + (f"-{_ONES[ones - 1]}" if ones else "")


def _count(n: int, rng: random.Random) -> str:
    """A count as people write it: 45000, 45,000 or 45k; under 100 sometimes in words."""
    forms = [f"{n:,}", str(n)] + ([f"{n // 1000}k"] if n >= 1000 and n % 1000 == 0 else [])
    return rng.choice(forms + ([spelled(n)] * 2 if n < 100 else []))


def _article(phrase: str) -> str:
    """"a" or "an" + ``phrase``, by how its first word sounds: an 8K, an 11-page, an image; a 1,100-word."""
    first = re.split(r"[\s×x-]", phrase, maxsplit=1)[0].replace(",", "")
    first = re.match(r"\d*", first).group(0) or first  # "8K" sounds like "8"
    if first.isdigit():
        vowel = first.startswith("8") or first[:2] in ("11", "18") and len(first) % 3 == 2
    else:
        vowel = first[:1].lower() in "aeio"
    return ("an " if vowel else "a ") + phrase


def _roundish(value: float) -> int:
    """Round to two significant digits: a size someone would write (43817 -> 44000)."""
    digits = max(0, len(str(int(value))) - 2)
    return max(1, int(round(value, -digits)))


def _log_uniform(low: float, high: float, rng: random.Random) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _image_cue(classes: SizeClasses, size: str, rng: random.Random) -> str:
    noun = rng.choice(_IMAGE_NOUNS)
    low, high = class_range(classes, size)
    named = [name for name, mp in _RESOLUTIONS.items() if low <= mp <= high]
    form = rng.choice(("dims", "dims", "file", "megapixels") + (("named",) if named else ()))
    if form == "named":
        return _article(f"{rng.choice(named)} {noun}")
    if form == "file":
        kb = _roundish(_log_uniform(low, high, rng) * BYTES_PER_MEGAPIXEL / 1000)
        amount = f"{kb} KB" if kb < 1000 else f"{_roundish(kb / 1000)} MB" if kb < 1_000_000 else f"{kb / 1e6:.1f} GB"
        return _article(f"{amount} {noun}")
    mp = _log_uniform(low, high, rng)
    if form == "megapixels" and mp >= 0.05:
        value = f"{mp:.0f}" if mp >= 10 else f"{mp:.2g}"
        return _article(rng.choice((f"{value}-megapixel {noun}", f"{value} MP {noun}",
                                    f"{noun} of {value} megapixels")))
    a, b = rng.choice(_ASPECTS)
    step = 2 if mp < 0.1 else 8
    w = max(step, round(math.sqrt(mp * 1e6 * a / b) / step) * step)
    h = max(step, round(w * b / a / step) * step)
    w, h = (w, h) if rng.random() < 0.7 else (h, w)
    dims = rng.choice((f"{w}x{h}", f"{w} x {h}", f"{w}×{h}", f"{w} by {h}"))
    return _article(rng.choice((f"{dims} {noun}", f"{noun} of {dims} pixels", f"{dims}-pixel {noun}")))


def _text_cue(classes: SizeClasses, size: str, rng: random.Random) -> str:
    noun = rng.choice(_TEXT_NOUNS)
    low, high = class_range(classes, size)
    if high >= 2 * WORDS_PER_PAGE and rng.random() < 0.4:
        pages = _count(_roundish(_log_uniform(max(2.0, low / WORDS_PER_PAGE), high / WORDS_PER_PAGE, rng)), rng)
        return rng.choice((_article(f"{pages}-page {noun}"), _article(f"{noun} of {pages} pages"),
                           f"{pages} pages of text"))
    if high <= 20_000 and rng.random() < 0.2:
        chars = _roundish(_log_uniform(low * 6, high * 6, rng))
        return rng.choice((_article(f"{chars:,}-character {noun}"), f"{chars:,} characters of text"))
    words = _count(_roundish(_log_uniform(max(5.0, low), high, rng)), rng)
    return rng.choice((_article(f"{words}-word {noun}"), _article(f"{noun} of {words} words"), f"{words} words of text",
                       _article(f"{noun} (about {words} words)")))


_CLIP_NOUNS = ("clip", "recording", "video", "audio file", "track", "voice memo")


def _duration_cue(classes: SizeClasses, size: str, rng: random.Random) -> str:
    seconds = _log_uniform(*class_range(classes, size), rng)
    noun = rng.choice(_CLIP_NOUNS)
    if seconds < 120:
        n = _count(max(1, round(seconds)), rng)
        return rng.choice((_article(f"{n}-second {noun}"), f"{n} seconds of {noun}"))
    if seconds < 3 * 3600:
        n = _count(max(2, round(seconds / 60)), rng)
        return rng.choice((_article(f"{n}-minute {noun}"), _article(f"{noun} of {n} minutes")))
    n = _count(round(seconds / 3600), rng)
    return rng.choice((_article(f"{n}-hour {noun}"), f"{n} hours of {noun}"))


def numeric_cue(classes: SizeClasses, size: str, rng: random.Random) -> str:
    """A size cue that states ``size`` of ``classes`` as a number: "a 4032x3024 photo", "a forty-page
    report", "a 90-minute recording"."""
    cue = {"area": _image_cue, "length": _text_cue, "duration": _duration_cue}[classes.dimension]
    return cue(classes, size, rng)
