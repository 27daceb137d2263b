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
from dataclasses import dataclass

from tomas.data.planner.text import bank_splits


@dataclass(frozen=True)
class Preference:
    says: str
    """What the plan reports it applied, in words."""
    resources: tuple[str, ...]
    """The resources to spend least of (empty: none, the preference is speed)."""
    phrases: tuple[str, ...]
    """How users write it; validation and test hold out their own share (``bank_splits``)."""


PREFERENCES: dict[str, Preference] = {
    "fastest": Preference("as fast as possible, whatever the resources", (), (
        "I'm in a hurry, cost doesn't matter.", "As fast as possible, whatever it takes.",
        "Speed is all that matters here.", "I need this right now, use whatever you need.",
        "Make it quick, resources are no object.", "Urgent: the fastest option, please.",
        "Don't worry about the cost, just be fast.", "Time is critical, throw everything at it.",
        "Fastest possible turnaround, please.", "We're on a deadline, so go all out on speed.",
        "Finish it as soon as you can, never mind the hardware.", "Rush job: speed over everything else.")),
    "spare_gpu": Preference("leave most of the GPU free", ("gpu_sm", "gpu_memory_gb"), (
        "Leave most of the GPU free for others.", "Please go easy on the GPU, other jobs need it.",
        "Keep GPU use to a minimum.", "Don't hog the GPU.",
        "Other people share this GPU, so use as little of it as you can.", "Try to keep the graphics card mostly free.",
        "A minimal GPU footprint, please.", "The GPU is busy with other work, use as little of it as possible.",
        "Spare the GPU where you can.", "Use as few GPU resources as you can get away with.",
        "Someone is training on the GPU, so leave them most of it.", "Be light on the accelerator, please.")),
    "few_cores": Preference("use as few CPU cores as possible", ("cpu_cores",), (
        "Use as few cores as you can.", "Keep the CPU core count low.", "Don't take many CPU cores.",
        "Go light on the processor cores, please.", "Other jobs need the CPU, so use as few cores as possible.",
        "Minimise the number of CPU cores.", "Be frugal with CPU cores.", "Leave the CPU cores to others if you can.",
        "The fewer cores the better.", "Please don't grab all the cores.",
        "Keep it to a handful of cores at most.", "Our CPUs are shared, so keep the core count down.")),
}
"""Preference name -> its meaning and phrasings."""


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


def preference_phrases(name: str, split: str, seed: int = 0) -> tuple[str, ...]:
    """``split``'s share of the preference's phrasings (held out per split like every other bank)."""
    phrases = PREFERENCES[name].phrases
    return tuple(phrases[i] for i in bank_splits(len(phrases), f"preference/{name}", seed)[split])


def add_preference(task: str, phrase: str) -> str:
    """The task followed by the preference, as a new sentence."""
    task = task.rstrip()
    return f"{task}{'' if task.endswith(('.', '?', '!')) else '.'} {phrase}"


def draw_preference(rng: random.Random, share: float) -> str | None:
    """A preference for ``share`` of the draws, else None."""
    return rng.choice(PREFERENCE_NAMES) if rng.random() < share else None


def preference_class(name: str | None) -> int:
    """The preference head's class: 0 = none, then ``PREFERENCE_NAMES`` in order."""
    return 0 if name is None else 1 + PREFERENCE_NAMES.index(name)
