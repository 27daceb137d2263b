"""Typing slips fixed before a request is read (``model.spelling``): "clasify this thumbnial", "Sumarize",
"200 megapixle" become "classify this thumbnail", "Summarize", "200 megapixel", so the reader sees the words
it was trained on and the size reader a unit it knows.

Conservative on purpose (a wrong fix changes what was asked): only a lowercase or capitalised word of at least
``MIN_LENGTH`` letters is changed, and only when it is not English (pyspellchecker's word list), not a word the
training file uses ``MIN_KNOWN`` times (its own typing slips, drawn at random, are rarer) and not part of a
named input (``named_sizes``); it becomes the training word used at least ``MIN_COUNT`` times that starts with
the same letter and is fewest edits away (one, or two for words over six letters; rapidfuzz's optimal string
alignment distance), the most frequent winning a tie. Acronyms, mixed-case names, numbers and short words are
left alone. The vocabulary is the planner's training file, plus the requests of a tool added later (``spelling.json``
in its folder, with the English words the fix could otherwise reach, found once at training or ``tomas add-tool``
so that planning never loads the English list).
Chosen on validation (docs/planner.md, "Typing slips").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cached_property, lru_cache

WORD = re.compile(r"[A-Za-z]+")
MIN_LENGTH, MIN_KNOWN, MIN_COUNT = 5, 3, 10


def word_counts(tasks: Iterable[str]) -> dict[str, int]:
    """Lowercase word -> how many times the tasks use it (the vocabulary ``SpellingFix`` corrects toward)."""
    return dict(Counter(w.lower() for task in tasks for w in WORD.findall(task)).most_common())


def edit_limit(word: str) -> int:
    return 1 if len(word) <= 6 else 2


class SpellingFix:
    """``fix(text) -> text`` with the slips of unknown words corrected toward ``counts`` (``word_counts``);
    ``english``: the English words within reach (``english_within_reach``; None: ask pyspellchecker's list)."""

    def __init__(self, counts: dict[str, int], english: Iterable[str] | None = None):
        self.counts = counts
        if english is not None:
            self.english_within_reach = frozenset(english)
        self.frequent = defaultdict(list)  # first letter -> the words to correct toward
        for w, c in counts.items():
            if c >= MIN_COUNT:
                self.frequent[w[0]].append(w)
        self.word = lru_cache(maxsize=1 << 16)(self._word)  # requests repeat their words

    @classmethod
    def from_json(cls, saved: dict) -> SpellingFix:
        """``spelling.json``'s object (``to_json``), or the plain word counts of a planner saved before."""
        if isinstance(saved.get("counts"), dict):
            return cls(saved["counts"], saved.get("english_within_reach"))
        return cls(saved)

    def with_tasks(self, tasks: Iterable[str]) -> SpellingFix:
        """This vocabulary plus the words of ``tasks`` (a tool added after training: a word they use ``MIN_KNOWN``
        times is then read as written, one used ``MIN_COUNT`` times is fixed toward). The English words within
        reach are found again, from the installed pyspellchecker, when the result is saved (``to_json``)."""
        counts = Counter(self.counts) + Counter(word_counts(tasks))
        return SpellingFix(dict(counts.most_common()))

    def to_json(self) -> dict:
        return {"counts": self.counts, "english_within_reach": sorted(self.english_within_reach)}

    @cached_property
    def english(self):
        """pyspellchecker's English list (~0.1 s to load)."""
        from spellchecker import SpellChecker

        return SpellChecker()

    @cached_property
    def english_within_reach(self) -> frozenset[str]:
        """The English words (of at least ``MIN_LENGTH`` lowercase letters) ``nearest`` would change: the only
        ones the fix must know are English. One pass over the list with rapidfuzz's batched distances."""
        from rapidfuzz.distance import OSA
        from rapidfuzz.process import cdist

        words = [w for w in self.english.word_frequency.keys() if len(w) >= MIN_LENGTH and w.isalpha() and w.islower()]
        out = []
        for letter, targets in self.frequent.items():
            mine = [w for w in words if w[0] == letter]
            distances = cdist(mine, targets, scorer=OSA.distance, score_cutoff=2) if mine else []
            out += [w for w, row in zip(mine, distances) if any(
                within_reach(w, t, int(d)) for t, d in zip(targets, row))]
        return frozenset(out)

    @cached_property
    def named(self) -> frozenset[str]:
        from tomas.data.named_sizes import named_sizes

        return frozenset(w.lower() for entry in named_sizes() for name in entry.names for w in WORD.findall(name))

    def nearest(self, word: str) -> str | None:
        """The frequent training word fewest edits from ``word`` (within its limit), or None."""
        from rapidfuzz.distance import OSA

        limit = edit_limit(word)
        scored = [(OSA.distance(word, c, score_cutoff=limit), -self.counts[c], c) for c in self.frequent[word[0]]
                  if abs(len(c) - len(word)) <= limit]  # cheap first: no distance to words of other lengths
        best = min((s for s in scored if within_reach(word, s[2], s[0])), default=None)
        return best[2] if best is not None else None

    def _word(self, w: str) -> str:
        lower = w.lower()
        if len(w) < MIN_LENGTH or not (w.islower() or w.istitle()) or self.counts.get(lower, 0) >= MIN_KNOWN \
                or lower in self.named:
            return w
        fixed = self.nearest(lower)
        if fixed is None or lower in self.english_within_reach:
            return w
        return fixed.capitalize() if w.istitle() else fixed

    def __call__(self, text: str) -> str:
        return WORD.sub(lambda m: self.word(m.group(0)), text)


def within_reach(word: str, target: str, distance: int) -> bool:
    """``target`` (a frequent training word with ``word``'s first letter) is one the fix may turn ``word`` into."""
    limit = edit_limit(word)
    return target != word and abs(len(target) - len(word)) <= limit and distance <= limit


def read_as_fixed(examples: list, fix: SpellingFix | None) -> list:
    """Planner examples with their tasks as ``fix`` reads them (``fix`` None: as written)."""
    import dataclasses

    return examples if fix is None else [dataclasses.replace(e, task=fix(e.task)) for e in examples]
