"""Size cues that state the input size as a number in other units (pixel dimensions, megapixels,
file sizes, word and page counts, numbers in words), for training tasks (``text.P_NUMERIC``).
"""

from __future__ import annotations

import math
import random
import re

# Sizes as numbers in other units, for training tasks (``P_NUMERIC``). The ranges sit inside the
# classes the hand-written cue banks above draw, with gaps between them so no number is ambiguous:
# images small <= 200 px a side, medium 1.5-14 megapixels, large >= 30 megapixels; texts small
# <= 150 words, medium 2,500-8,000 words (8-30 pages), large >= 90,000 words (200+ pages).
_MEGAPIXELS = {"small": (0.0006, 0.04), "medium": (1.5, 14.0), "large": (30.0, 400.0)}


_IMAGE_KB = {"small": (2, 40), "medium": (900, 6000), "large": (150_000, 2_000_000)}


_WORDS = {"small": (5, 150), "medium": (2500, 8000), "large": (90_000, 600_000)}


_PAGES = {"medium": (8, 30), "large": (200, 1500)}


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
    if first.isdigit():
        vowel = first.startswith("8") or first[:2] in ("11", "18") and len(first) % 3 == 2
    else:
        vowel = first[:1].lower() in "aeio"
    return ("an " if vowel else "a ") + phrase


def _roundish(value: float) -> int:
    """Round to two significant digits: a size someone would write (43817 -> 44000)."""
    digits = max(0, len(str(int(value))) - 2)
    return max(1, int(round(value, -digits)))


def _image_cue(size: str, rng: random.Random) -> str:
    noun = rng.choice(_IMAGE_NOUNS)
    form = rng.choice(("dims", "dims", "file") + (("megapixels",) if size != "small" else ()))
    if form == "file":
        kb = _roundish(math.exp(rng.uniform(*map(math.log, _IMAGE_KB[size]))))
        amount = f"{kb} KB" if kb < 1000 else f"{_roundish(kb / 1000)} MB" if kb < 1_000_000 else f"{kb / 1e6:.1f} GB"
        return _article(f"{amount} {noun}")
    mp = math.exp(rng.uniform(*map(math.log, _MEGAPIXELS[size])))
    if form == "megapixels":
        value = f"{mp:.0f}" if mp >= 10 else f"{mp:.1f}".rstrip("0").rstrip(".")
        return _article(rng.choice((f"{value}-megapixel {noun}", f"{value} MP {noun}",
                                    f"{noun} of {value} megapixels")))
    a, b = rng.choice(_ASPECTS)
    step = 2 if size == "small" else 8
    w = max(step, round(math.sqrt(mp * 1e6 * a / b) / step) * step)
    h = max(step, round(w * b / a / step) * step)
    w, h = (w, h) if rng.random() < 0.7 else (h, w)
    dims = rng.choice((f"{w}x{h}", f"{w} x {h}", f"{w}×{h}", f"{w} by {h}"))
    return _article(rng.choice((f"{dims} {noun}", f"{noun} of {dims} pixels", f"{dims}-pixel {noun}")))


def _text_cue(size: str, rng: random.Random) -> str:
    noun = rng.choice(_TEXT_NOUNS)
    if size in _PAGES and rng.random() < 0.4:
        pages = _count(rng.randint(*_PAGES[size]), rng)
        return rng.choice((_article(f"{pages}-page {noun}"), _article(f"{noun} of {pages} pages"),
                           f"{pages} pages of text"))
    low, high = _WORDS[size]
    words = _count(_roundish(math.exp(rng.uniform(math.log(low), math.log(high)))), rng)
    return rng.choice((_article(f"{words}-word {noun}"), _article(f"{noun} of {words} words"), f"{words} words of text",
                       _article(f"{noun} (about {words} words)")))


def numeric_cue(units: str, size: str, rng: random.Random) -> str:
    """A size cue that states ``size`` as a number: "a 4032x3024 photo", "a forty-page report"."""
    return _image_cue(size, rng) if units == "image" else _text_cue(size, rng)
