"""Preferences in words: how a request asks to trade resources, what the oracle does with it, and how
tasks say it ("leave most of the GPU free for others", "use as few cores as you can", "I'm in a hurry").

A preference changes only which fitting configuration is right (``oracle.ToolIndex.choose``):

* ``fastest``: the fastest candidate, whatever it takes (the budget cannot change that one).
* any other: among the candidates that meet the latency budget (all candidates when there is no
  budget or none meets it), the one with the least of the preference's resources, measured as
  ``resource_costs(..., only=resources)`` (each resource over the tool's largest requirement of it);
  ties -> lower latency -> lower config id.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tomas.data.planner.banks import load_bank
from tomas.data.planner.text import bank_splits


@dataclass(frozen=True)
class Preference:
    says: str
    """What the plan reports it applied, in words."""
    resources: tuple[str, ...]
    """The resources to spend least of (empty: none, the preference is speed)."""
    phrases: tuple[str, ...]
    """How users write it as a sentence; validation and test hold out their own share (``bank_splits``)."""
    tails: tuple[str, ...] = ()
    """As a phrase inside the task's sentence ("while leaving the GPU mostly idle"); held out the same way."""


BANK = load_bank("preferences.yaml")
"""Per preference (and ``lookalike``): its ``sentences`` and ``tails`` (``banks/preferences.yaml`` says who wrote
them)."""
PREFERENCES: dict[str, Preference] = {
    name: Preference(says, resources, tuple(BANK[name]["sentences"]), tuple(BANK[name]["tails"]))
    for name, says, resources in (("fastest", "as fast as possible, whatever the resources", ()),
                                  ("spare_gpu", "leave most of the GPU free", ("gpu_sm", "gpu_memory_gb")),
                                  ("few_cores", "use as few CPU cores as possible", ("cpu_cores",)))}
"""Preference name -> its meaning and wordings."""
LOOKALIKE_SENTENCES, LOOKALIKE_TAILS = (tuple(BANK["lookalike"][k]) for k in ("sentences", "tails"))
"""Wordings that state no preference, in the same shapes."""


PREFERENCE_NAMES: tuple[str, ...] = tuple(PREFERENCES)


P_PREFERENCE = 0.30
"""Share of planner examples (every split) whose task states a preference, in data generated for a planner
that reads them (``tomas data generate-planner --preference_share``); the shipped data has none (0):
measured in docs/phase0_value.md, planners trained on such data plan plain requests worse."""


def check_preference(name: object) -> str | None:
    """A problem with a ``preference`` value (None = a valid name or no preference)."""
    if name is None or name in PREFERENCES:
        return None
    return f"unknown preference {name!r} (expected null or one of {', '.join(PREFERENCE_NAMES)})"


def preference_phrases(name: str, split: str) -> tuple[str, ...]:
    """``split``'s share of the preference's sentences (held out per split like every other bank)."""
    return split_share(PREFERENCES[name].phrases, f"preference/{name}", split)


def add_preference(task: str, phrase: str) -> str:
    """The task followed by the preference, as a new sentence."""
    task = task.rstrip()
    return f"{task}{'' if task.endswith(('.', '?', '!')) else '.'} {phrase}"


SEGMENT = re.compile(r"(?<=[.!?])\s+|\s*[;,:]\s+|\s+[-–—]+\s+")
"""Where a request splits into the pieces a preference is read from: sentence ends, semicolons, commas, colons and
dashes (people attach a preference as a sentence, a clause or a phrase after the task)."""
SENTENCE_STYLES = ("after", "clause", "before")
P_TAIL = 0.3
"""Share of attached wordings that are phrases inside the task's sentence (``Preference.tails``), not sentences."""


def segments(text: str) -> list[str]:
    """The request's pieces (``SEGMENT``) that hold a word (the whole text when none does)."""
    return [p.strip() for p in SEGMENT.split(text) if re.search(r"\w", p)] or [text.strip()]


def words_of(piece: str) -> str:
    """The piece's words alone, lowercased (attaching a wording may change a piece's case and punctuation)."""
    return " ".join(re.findall(r"\w+", piece.lower()))


WORDING_SEED = 0
"""Every wording bank splits with this seed, whatever the data's: the preference reader is fitted beside data of any
seed, so a wording held out for validation or test is never a training wording, whichever seed made the data."""


def split_share(bank: tuple[str, ...], key: str, split: str) -> tuple[str, ...]:
    """``split``'s share of a bank of wordings (held out per split like every other bank: ``bank_splits``)."""
    return tuple(bank[i] for i in bank_splits(len(bank), key, WORDING_SEED)[split]) if bank else ()


def wordings(name: str | None, split: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(sentences, phrases) of ``split``'s share: a preference's, or (None) the look-alikes', which state none."""
    if name is None:
        return (split_share(LOOKALIKE_SENTENCES, "preference/lookalike", split),
                split_share(LOOKALIKE_TAILS, "preference/lookalike_tail", split))
    return preference_phrases(name, split), split_share(PREFERENCES[name].tails, f"preference/{name}/tail", split)


def attach(task: str, wording: str, style: str) -> str:
    """``wording`` put into ``task`` as people do: a sentence ``after`` it, a ``clause`` after a comma, a sentence
    ``before`` it, or a ``tail`` phrase inside its last sentence ("... as fast as you can.")."""
    task = task.strip()
    end = task[-1] if task.endswith((".", "?", "!")) else "."
    if style == "tail":
        return f"{task.rstrip('.?!')} {wording}{end}"
    if style == "before":
        return f"{wording}{'' if wording.endswith(('.', '?', '!')) else '.'} {task}"
    if style == "clause" and end != "?":
        first, _, rest = wording.partition(" ")
        first = first.lower() if first[1:].islower() and first not in ("I", "I'm", "I'd", "I'll") else first
        return f"{task.rstrip('.!')}, {first} {rest}".rstrip()
    return add_preference(task, wording)


def attach_random(task: str, name: str | None, split: str, rng: random.Random) -> str:
    """``task`` with one of ``split``'s wordings of preference ``name`` (None: a look-alike) in a random style."""
    sentences, tails = wordings(name, split)
    if tails and (not sentences or rng.random() < P_TAIL):
        return attach(task, rng.choice(tails), "tail")
    return attach(task, rng.choice(sentences), rng.choice(SENTENCE_STYLES))


def preference_views(requests: Sequence[tuple[str, str | None]], split: str,
                     seed: int = 0) -> list[tuple[str, str | None, str]]:
    """(text, stated preference, the request as written) triples to fit or choose a preference reader on: each
    request as written, and each that states none twice more, with a random preference in one of ``split``'s
    wordings and with a look-alike that states none (``attach_random``); ``seed``: the draws."""
    rng = random.Random(f"{seed}/{split}/preference_views")
    views = []
    for task, stated in requests:
        views.append((task, stated, task))
        if stated is None:
            name = rng.choice(PREFERENCE_NAMES)
            views.append((attach_random(task, name, split, rng), name, task))
            views.append((attach_random(task, None, split, rng), None, task))
    return views


def labelled_segments(views: Sequence[tuple[str, str | None, str]]) -> tuple[list[str], list[str | None]]:
    """Each view's ``segments``, labelled: a piece the attached wording made states the view's preference, a piece of
    the request as written states none (a request written with a preference is left out: which piece says it is
    not known)."""
    texts, labels = [], []
    for text, stated, written in views:
        if stated is not None and text == written:
            continue
        own = {words_of(p) for p in segments(written)}
        for piece in segments(text):
            texts.append(piece)
            labels.append(None if words_of(piece) in own else stated)
    return texts, labels


def draw_preference(rng: random.Random, share: float) -> str | None:
    """A preference for ``share`` of the draws, else None."""
    return rng.choice(PREFERENCE_NAMES) if rng.random() < share else None


def preference_class(name: str | None) -> int:
    """The preference head's class: 0 = none, then ``PREFERENCE_NAMES`` in order."""
    return 0 if name is None else 1 + PREFERENCE_NAMES.index(name)
