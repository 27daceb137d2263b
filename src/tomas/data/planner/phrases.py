"""The hand-written phrase bank: per-tool task templates and size cues (``PHRASE_BANK``), generic ones
for any other tool, the templates written from a tool's registry description, and a second writer's
training-only templates and cues (``TRAINING_TEMPLATES``, ``TRAINING_CUES``). The phrases themselves are data
(``banks/phrases.yaml``, ``banks/training_only.yaml``); this module gives them their types. How tasks are drawn
from them, and which share each split holds out, is ``text``'s business.
"""

from __future__ import annotations

from dataclasses import dataclass

from tomas.data.planner.banks import load_bank, training_only_bank

_BANK = load_bank("phrases.yaml")


def _cues(name: str) -> dict[str, tuple[str, ...]]:
    return {size: tuple(cues) for size, cues in _BANK[name].items()}


IMAGE_CUES: dict[str, tuple[str, ...]] = _cues("image_cues")
"""Size cues of the image tools. A cue that states a number ("a 4K photo") takes its label from the
tool's ``input_sizes`` (``text.size_cues``); a test checks every label here agrees with the shipped
definitions. Words-only cues are labelled by hand."""


TEXT_CUES: dict[str, tuple[str, ...]] = _cues("text_cues")
"""Size cues of the text tools (labels as for ``IMAGE_CUES``)."""


UNSIZED_CUES: dict[str, tuple[str, ...]] = _cues("unsized_cues")
"""Cues that say which input but not how big (per ``Phrasings.units``; "generic" for other tools): people
often do not say. Training only (``text.P_UNSIZED``), without a size label to learn from."""


GENERIC_CUES: dict[str, tuple[str, ...]] = _cues("generic_cues")
"""Size cues for a tool outside ``PHRASE_BANK``: they say only how big the input is."""


LANGUAGES: tuple[str, ...] = tuple(_BANK["languages"])
"""Languages for the translation templates' ``{src}`` and ``{lang}`` slots."""


QUESTIONS: tuple[str, ...] = tuple(_BANK["questions"])
"""Questions about an image for ``visual_question_answering``'s ``{question}`` slot; held out per split like
every bank. Counting and "which/where" ones are answered in words (a number, a name), not boxes."""


@dataclass(frozen=True)
class Phrasings:
    """A tool's task templates (``{input}`` = a size cue, plus optional extra slots) and its size cues."""

    templates: tuple[str, ...]
    cues: dict[str, tuple[str, ...]]
    extras: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Extra slot name -> values; ``{Name}`` (capitalised slot) gives the value capitalised."""
    units: str | None = None
    """"image" or "text": training tasks may give the size as a number (``numeric_cue``); None: never."""


_SHARED = {"image_cues": IMAGE_CUES, "text_cues": TEXT_CUES, "languages": LANGUAGES, "questions": QUESTIONS}
"""Banks several tools share, by their YAML name (shared as one object: a split holds a shared bank out once)."""


def _phrasings(entry: dict) -> Phrasings:
    return Phrasings(tuple(entry["templates"]), _SHARED[entry["cues"]],
                     tuple((slot, _SHARED[values]) for slot, values in (entry.get("extras") or {}).items()),
                     units=entry.get("units"))


PHRASE_BANK: dict[str, Phrasings] = {tool: _phrasings(entry) for tool, entry in _BANK["phrase_bank"].items()}
"""Hand-written phrasings of the default registry's tools (none says the tool's snake_case name)."""


GENERIC_TEMPLATES: tuple[str, ...] = tuple(_BANK["generic_templates"])
"""Templates for any tool outside ``PHRASE_BANK``: ``{name}`` is its name in words, ``{does}`` its description."""


REGISTRY_TEMPLATES: tuple[str, ...] = tuple(_BANK["registry_templates"])
"""Training-only tasks for every tool from its registry description (``{does}``, starting lower case):
the registry's words ("scene", "species", "bounding box") join the planner's vocabulary for the tool."""


_TRAINING = training_only_bank()


TRAINING_TEMPLATES: dict[str, tuple[str, ...]] = {tool: tuple(t) for tool, t in _TRAINING["templates"].items()}
"""Training-only templates of the default registry's tools, written by a second writer who read none of the
project's data (``banks/training_only.yaml`` says how): goal-phrased, long, terse, non-native and plain requests,
so the tool is learnt from meaning, not from one writer's templates. Never in validation or test, which keep
their held-out share of ``PHRASE_BANK``'s templates."""


TRAINING_CUES: dict[str, dict[str, tuple[str, ...]]] = {
    units: {size: tuple(cues) for size, cues in _TRAINING[f"{units}_cues"].items()} for units in ("image", "text")}
"""``Phrasings.units`` -> size -> training-only words-only size cues by the same second writer. A cue that
overlaps a validation or test cue is dropped where the training split is built (``text.split_phrasings``)."""
