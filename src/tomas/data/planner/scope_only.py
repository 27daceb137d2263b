"""Training text that teaches the scope head alone (``PlannerExample.scope_only``).

A writer's requests show what people's in-scope and out-of-scope requests look like; trained on every head,
the third writer's moved the tool and size heads away from the validation sets (docs/planner.md, "A third
writer's training text"). Here each of its templates gives one in-scope example that only the scope term
learns from, and each of its out-of-scope requests one out-of-scope example, after the training split's own. A bank
may also hold in-scope requests as written (``in_scope``: [request, tool], no slot: short requests that name their
input only as "this"), each one example after all the others whose text states no size: not scope-only, so the tool
head learns from it too (the fifth writer's, session 21: adopted on validation over teaching the scope head alone;
the sixth writer's, session 23), while the size term skips it (``size_in_text`` False).
"""

from __future__ import annotations

import dataclasses
import random

from tomas.data import ToolData
from tomas.data.planner.banks import training_only_bank
from tomas.data.planner.files import OUT_OF_SCOPE_PHRASING, PlannerExample
from tomas.data.planner.oracle import ToolIndex
from tomas.data.planner.snapshots import P_BUDGET, sample_budget, sample_free_resources
from tomas.data.planner.text import render_task, split_phrasings
from tomas.data.profiling import INPUT_SIZES

SCOPE_PHRASING = "scope-"
"""Phrasing ids "<tool>/scope-<nnn>", "<tool>/scope-w<nnn>" (as written) and "out_of_scope/scope-<nnn>": a scope-only
bank's entries."""


def _snapshot(index: ToolIndex, size: str, rng: random.Random) -> tuple[dict, float | None]:
    configs = index.by_size[size]
    free = sample_free_resources(configs, rng)
    return free, sample_budget(configs, free, rng) if rng.random() < P_BUDGET else None


def _in_scope(data: ToolData, templates: dict[str, list[str]], seed: int) -> list[PlannerExample]:
    """One example per template, drawn with the training split's cues and slot values, marked scope-only."""
    examples = []
    for tool in data.tools:
        own = tuple(templates.get(tool.name, ()))
        if not own:
            continue
        index, rng = ToolIndex(data, tool.name), random.Random(f"{seed}/train/{tool.name}/scope-only")
        bank = split_phrasings(tool, "train", seed)
        first = len(bank.templates)
        bank = dataclasses.replace(bank, templates=bank.templates + own)
        sizes = [s for s in INPUT_SIZES if s in index.by_size]
        for j in range(len(own)):
            size = rng.choice(sizes)
            task = render_task(tool, first + j, size, rng, bank)
            free, budget = _snapshot(index, size, rng)
            examples.append(PlannerExample(
                id=f"train/{tool.name}/{SCOPE_PHRASING}{j:04d}", task=task, tool=tool.name, input_size=size,
                free_resources=free, latency_budget_ms=budget, config_id=index.choose(size, free, budget),
                phrasing=f"{tool.name}/{SCOPE_PHRASING}{j:03d}", scope_only=True))
    return examples


def _out_of_scope(data: ToolData, requests: list[list[str]], seed: int) -> list[PlannerExample]:
    """One example per request that no registered tool serves, with a snapshot drawn for a random tool."""
    registered = {t.name for t in data.tools}
    rng = random.Random(f"{seed}/train/out_of_scope/scope-only")
    indexes = [ToolIndex(data, t.name) for t in data.tools]
    examples = []
    for k, (request, needs) in enumerate(requests):
        if needs in registered:
            continue
        index = rng.choice(indexes)
        free, budget = _snapshot(index, rng.choice(sorted(index.by_size, key=INPUT_SIZES.index)), rng)
        examples.append(PlannerExample(
            id=f"train/out_of_scope/{SCOPE_PHRASING}{k:04d}", task=request, tool=None, input_size=None,
            free_resources=free, latency_budget_ms=budget, config_id=None,
            phrasing=f"{OUT_OF_SCOPE_PHRASING}{SCOPE_PHRASING}{k:03d}"))
    return examples


def _in_scope_as_written(data: ToolData, requests: list[list[str]], seed: int) -> list[PlannerExample]:
    """One example per in-scope request of a registered tool, as written: its text states no size, so the size its
    label is drawn for is random (``size_in_text`` False: no size is learned from it) and, unlike a template's, it is
    not scope-only (every other term learns from it). Numbered per tool from 0 under their own prefix (phrasing
    "<tool>/scope-w<nnn>", id ".../scope-as-written-<nnnn>"), apart from the tool's templates."""
    examples = []
    for tool in data.tools:
        own = [request for request, name in requests if name == tool.name]
        if not own:
            continue
        index, rng = ToolIndex(data, tool.name), random.Random(f"{seed}/train/{tool.name}/scope-only-as-written")
        sizes = [s for s in INPUT_SIZES if s in index.by_size]
        for j, request in enumerate(own):
            size = rng.choice(sizes)
            free, budget = _snapshot(index, size, rng)
            examples.append(PlannerExample(
                id=f"train/{tool.name}/{SCOPE_PHRASING}as-written-{j:04d}", task=request, tool=tool.name,
                input_size=size, free_resources=free, latency_budget_ms=budget,
                config_id=index.choose(size, free, budget), phrasing=f"{tool.name}/{SCOPE_PHRASING}w{j:03d}",
                size_in_text=False))
    return examples


def _registered_share(data: ToolData, bank: dict) -> list[list[str]]:
    """The first of ``bank``'s out-of-scope requests, as many as the registered tools' share of its in-scope entries."""
    names = {t.name for t in data.tools}
    every = sum(map(len, bank["templates"].values())) + len(bank["in_scope"])
    registered = sum(len(bank["templates"].get(n, ())) for n in names) + sum(t in names for _, t in bank["in_scope"])
    return bank["out_of_scope"][:round(len(bank["out_of_scope"]) * registered / max(every, 1))]


def scope_only_examples(data: ToolData, files: tuple[str, ...], seed: int = 0) -> list[PlannerExample]:
    """The training examples of the scope-only banks ``files`` (``banks/``, the format of ``training_only.yaml``;
    their cues are not used): each template and in-scope request of a registered tool once, and of the out-of-scope
    requests of each bank the share that the registered tools hold of that bank's in-scope entries (all of them for
    the registry it was written for, none for a registry without any of its tools: out-of-scope requests alone would
    teach the head that nothing is in scope)."""
    if not files:
        return []
    bank = training_only_bank(files)
    templates, as_written = bank["templates"], bank["in_scope"]
    requests = [r for name in files for r in _registered_share(data, training_only_bank((name,)))]
    return (_in_scope(data, templates, seed) + _out_of_scope(data, requests, seed)
            + _in_scope_as_written(data, as_written, seed))
