"""Refusal thresholds chosen on validation: the scope score above which a request is out of scope, and how much the
request's words weigh in that score (``model.scope_lexical``); docs/planner.md, "Out of scope and unsure"."""

from __future__ import annotations

import dataclasses

import torch

from tomas.data.planner import PlannerExample
from tomas.models.decoder import Choice


def scope_threshold(examples: list[PlannerExample], choices: list[Choice], max_refused: float,
                    boundary: float = 0.5, floor: float | None = None) -> float:
    """The lowest scope score (``Choice.scope_score``), from ``floor`` up (default: the score's own ``boundary``, 0.5
    for the head's probability; ``HierarchicalDecoder.scope_floor``), above which refusing leaves at most
    ``max_refused`` of the in-scope requests refused (chosen on validation: refusing a request a tool serves costs
    more than planning one it does not). Without enough in-scope requests to tell, the ``boundary``."""
    inside = sorted((c.scope_score for e, c in zip(examples, choices)
                     if e.tool is not None and c.scope_score is not None), reverse=True)
    allowed = int(max_refused * len(inside))  # this many may stay above the threshold
    return max(boundary if floor is None else floor, inside[allowed]) if len(inside) > allowed else boundary


def joint_scope_threshold(sets: list[tuple[list[PlannerExample], list[Choice]]], max_refused: float,
                          boundary: float = 0.5, floor: float | None = None, halfway: bool = True) -> float:
    """The lowest threshold (from ``floor``, as ``scope_threshold``) at which no set of (examples, choices) refuses
    more than ``max_refused`` of its in-scope requests (a set without any tells nothing): generated validation alone
    overstates how unlike a refusal real requests look. Where a request's score sets it, it is placed halfway up to
    the next score of the sets' requests (``halfway_up``; ``halfway=False``: at the score, the rule before session 25,
    which the older probes under docs/results reproduce their figures with)."""
    chosen = max((scope_threshold(examples, choices, max_refused, boundary, floor) for examples, choices in sets
                  if any(e.tool is not None for e in examples)), default=boundary)
    scores = [c.scope_score for _, choices in sets for c in choices if c.scope_score is not None]
    return halfway_up(chosen, scores) if halfway else chosen


def halfway_up(threshold: float, scores: list[float]) -> float:
    """``threshold`` moved halfway to the lowest of ``scores`` above it where it is one of them (a request's score,
    not a floor or a boundary, unless one equals a score): the same requests of ``scores`` are refused (other sets'
    may differ), and the one scored at it is not refused by a loaded planner's slightly different arithmetic (LoRA
    merged into the weights, another batch's padding). At the score itself, the loaded planners of session 25 refused
    one more of `planner_dev`'s in-scope requests on a seed than training had chosen."""
    above = [s for s in scores if s > threshold]
    if threshold not in scores or not above:
        return threshold
    middle = (threshold + min(above)) / 2
    return middle if threshold < middle < min(above) else threshold  # adjacent doubles: no room between them


def scope_bounded(sets: list[list[PlannerExample]], max_refused: float) -> bool:
    """Whether validation ``sets`` bound a refusal threshold with no floor (``HierarchicalDecoder.scope_floor``): a
    hand-written set beside the generated one (the generated split alone let it fall too far, session 20), each with
    enough in-scope requests for the budget to allow a refusal (with fewer, the threshold would rest on the one
    highest-scoring request)."""
    return len(sets) > 1 and min(sum(e.tool is not None for e in s) for s in sets) * max_refused >= 1


SCOPE_GRID = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2)
"""The weights of the lexical out-of-scope margin ``choose_scope`` tries: the nearest-neighbour score is a cosine
difference (about -0.5 to 0.5), the margin a log-probability difference (about -15 to 5)."""


def choose_scope(sets: list[tuple[list[PlannerExample], list[Choice]]], margins: list[torch.Tensor] | None,
                 max_refused: float, boundary: float, floor: float | None = None,
                 halfway: bool = True) -> tuple[float, float, float, list[list[Choice]]]:
    """(weight, threshold, the threshold at weight 0, each set's choices refused by the first two): the
    ``SCOPE_GRID`` weight of the lexical out-of-scope margin (``margins``: one [len(examples)] tensor per set; None:
    weight 0) under which, at its own ``joint_scope_threshold`` (from ``floor``), the most out-of-scope requests of
    all sets are refused (ties: the smaller weight). ``sets``' choices carry the memory's score alone (decoded at
    weight 0); ``halfway``: as ``joint_scope_threshold``."""
    best = None
    for weight in SCOPE_GRID if margins is not None else (0.0,):
        mixed = [(examples, with_scope_prior(choices, margins[k] if margins else None, weight))
                 for k, (examples, choices) in enumerate(sets)]
        threshold = joint_scope_threshold(mixed, max_refused, boundary, floor, halfway)
        refused = [with_scope_threshold(choices, threshold) for _, choices in mixed]
        caught = sum(c.out_of_scope for (examples, _), choices in zip(mixed, refused)
                     for e, c in zip(examples, choices) if e.tool is None)
        if best is None or caught > best[0]:
            best = (caught, weight, threshold, refused)
    return best[1], best[2], joint_scope_threshold(sets, max_refused, boundary, floor, halfway), best[3]


def lexical_scope_margins(decoder, sets: list[list[PlannerExample]]) -> list[torch.Tensor] | None:
    """The lexical model's out-of-scope margin of each set's requests, for ``choose_scope`` (None without the model,
    a nearest-neighbour memory, or out-of-scope requests in the file it was fitted on)."""
    lexical = decoder.lexical
    if lexical is None or decoder.scope_memory is None:
        return None
    margins = [lexical.scope_margins(lexical.class_log_probs([e.task for e in examples])) for examples in sets]
    return None if any(m is None for m in margins) else margins


def with_scope_prior(choices: list[Choice], margins: torch.Tensor | None, weight: float) -> list[Choice]:
    """``choices`` whose scope score also reads ``weight`` × ``margins`` (what the decoder does at that weight)."""
    if margins is None or not weight:
        return choices
    return [c if c.scope_score is None else dataclasses.replace(c, scope_score=c.scope_score + weight * float(m),
                                                                   scope_words=weight * float(m))
            for c, m in zip(choices, margins)]


def with_scope_threshold(choices: list[Choice], threshold: float) -> list[Choice]:
    """``choices`` refused above ``threshold`` instead of the decoder's own."""
    return [dataclasses.replace(c, out_of_scope=c.scope_score is not None and c.scope_score > threshold)
            for c in choices]
