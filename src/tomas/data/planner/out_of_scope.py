"""Hand-written out-of-scope requests: things a user may ask that none of the registered tools serves,
each with the (hypothetical) tool it would need. Data only: how they are drawn into planner tasks is
the generator's business. The requests themselves are data (``banks/out_of_scope.yaml``, by theme).
"""

from __future__ import annotations

from collections.abc import Iterable

from tomas.data.planner.banks import load_bank, training_only_bank

OUT_OF_SCOPE: tuple[tuple[str, str], ...] = tuple(tuple(r) for r in load_bank("out_of_scope.yaml")["requests"])
"""Requests that fall outside the default registry, as (request, needs). ``needs`` is "" for a request
that no ML tool of this kind would serve (errands, chit-chat, general knowledge, maths, coding questions,
letters and poems), else the snake_case name of the missing tool (the same name for the same capability).
Many are near misses: they share words with a registered tool ("generate a picture", "translate this
audio clip", "summarize this podcast") but need another one. ``out_of_scope_requests`` drops an entry
whose ``needs`` is registered, so the list stays valid for a registry that adds such a tool."""


TRAINING_OUT_OF_SCOPE: tuple[tuple[str, str], ...] = tuple(
    tuple(r) for r in training_only_bank()["out_of_scope"])
"""More such requests, as (request, needs), by the second writer of ``banks/training_only.yaml``: training only,
never held out for validation or test."""


def out_of_scope_requests(tool_names: Iterable[str], training_only: bool = False) -> tuple[str, ...]:
    """The requests that none of ``tool_names`` serves (entries needing a registered tool are dropped), from
    ``OUT_OF_SCOPE`` or, with ``training_only``, ``TRAINING_OUT_OF_SCOPE``."""
    registered = set(tool_names)
    bank = TRAINING_OUT_OF_SCOPE if training_only else OUT_OF_SCOPE
    return tuple(request for request, needs in bank if needs not in registered)
