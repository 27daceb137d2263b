"""The seeded train / val / test splits of planner examples.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from tomas.data import ToolData
from tomas.data.planner import text
from tomas.data.planner.banks import SCOPE_ONLY_FILES
from tomas.data.planner.files import OUT_OF_SCOPE_PHRASING, PlannerExample
from tomas.data.planner.numeric import numeric_cue
from tomas.data.planner.oracle import ToolIndex
from tomas.data.planner.out_of_scope import out_of_scope_requests
from tomas.data.planner.phrases import REGISTRY_TEMPLATES
from tomas.data.planner.preferences import attach_random, draw_preference
from tomas.data.planner.scope_only import scope_only_examples
from tomas.data.planner.snapshots import P_BUDGET, P_INFEASIBLE, sample_budget, sample_free_resources
from tomas.data.planner.text import (
    bank_splits,
    phrasing_id,
    render_registry_task,
    render_task,
    split_phrasings,
    split_templates,
    unsized_cues,
    vary_register,
)
from tomas.data.profiling import INPUT_SIZES
from tomas.data.registry import Tool
from tomas.errors import DataError

SPLITS = ("train", "val", "test")


P_OUT_OF_SCOPE = 0.10
"""Out-of-scope examples per split, as a share of its in-scope ones: requests no registered tool serves
(``out_of_scope``), labelled tool null, so the planner learns to say so instead of forcing a tool on them.
Validation and test draw from their own held-out share of the bank, like every other bank."""


def _training_cue(tool: Tool, size: str, rng: random.Random, held_out: set[str]) -> str | None:
    """A numeric size cue for training that is no validation or test cue ("a 4K photo" may be one)."""
    for _ in range(20):
        cue = numeric_cue(tool.input_sizes, size, rng)
        if cue.lower() not in held_out:
            return cue
    return None


def _task(tool: Tool, template: int, size: str, rng: random.Random, wording: random.Random | None, bank,
          held_out: set[str], protected: set[str]) -> tuple[str, str, bool]:
    """(task text, phrasing id, whether the text states the size) of one example. Training tasks (``wording``:
    their own random stream) may state the size as a number, leave it unsaid, come from the registry's
    description, and vary in register; the draws keep this order, so the data is the same for a seed."""
    cue, said = None, True
    if wording is not None:
        draw = wording.random()
        if tool.input_sizes and draw < text.P_NUMERIC:
            cue = _training_cue(tool, size, wording, held_out)
        elif draw > 1 - text.P_UNSIZED:  # "this photo": the text does not say the size
            cue, said = wording.choice(unsized_cues(tool)), False
    task, phrasing = render_task(tool, template, size, rng, bank, cue), phrasing_id(tool, template)
    if wording is not None:
        if wording.random() < text.P_REGISTRY and said:
            r = wording.randrange(len(REGISTRY_TEMPLATES))
            task = render_registry_task(tool, r, size, wording, bank.cues)
            phrasing = f"{tool.name}/registry-{r}"
        task = vary_register(task, wording, protected | text.cue_words(cue or ""))
    return task, phrasing, said


def _examples(index: ToolIndex, tool: Tool, split: str, count: int, seed: int,
              preference_share: float = 0.0) -> list[PlannerExample]:
    rng = random.Random(f"{seed}/{split}/{tool.name}")
    # Wording variation draws from its own stream, so the snapshots and labels do not depend on it
    # (its knobs are read as text.P_*, where a test can turn them off).
    wording = random.Random(f"{seed}/{split}/{tool.name}/wording") if split == "train" else None
    # Preferences too (every split): the examples without one are the same as before preferences existed.
    wish = random.Random(f"{seed}/{split}/{tool.name}/preference")
    bank, templates = split_phrasings(tool, split, seed), split_templates(tool, split, seed)
    held_out = {c.lower() for other in ("val", "test") for cues in split_phrasings(tool, other, seed).cues.values()
                for c in cues}
    sizes = [s for s in INPUT_SIZES if s in index.by_size]
    protected = text.cue_words(*(c for cues in bank.cues.values() for c in cues))
    # Templates in a shuffled cycle: every held-out template is used, however many a tool has.
    order = rng.sample(templates, len(templates))
    examples = []
    for k in range(count):
        size = rng.choice(sizes)
        task, phrasing, said = _task(tool, order[k % len(order)], size, rng, wording, bank, held_out, protected)
        configs = index.by_size[size]
        free = sample_free_resources(configs, rng, infeasible=rng.random() < P_INFEASIBLE)
        budget = sample_budget(configs, free, rng) if rng.random() < P_BUDGET else None
        preference = draw_preference(wish, preference_share)
        if preference is not None:
            task = attach_random(task, preference, split, wish)  # wordings split alike for every seed
        examples.append(PlannerExample(
            id=f"{split}/{tool.name}/{k:04d}", task=task, tool=tool.name, input_size=size, free_resources=free,
            latency_budget_ms=budget, config_id=index.choose(size, free, budget, preference), phrasing=phrasing,
            preference=preference, size_in_text=said))
    return examples


def _out_of_scope_examples(data: ToolData, split: str, count: int, seed: int) -> list[PlannerExample]:
    """``count`` requests from ``split``'s share of the out-of-scope bank, each with a machine snapshot
    (and sometimes a latency budget) drawn for a random tool, as a real request comes with them."""
    requests = out_of_scope_requests(t.name for t in data.tools)
    if count == 0 or len(requests) < 3:
        return []
    held = bank_splits(len(requests), "out_of_scope", seed)[split]
    if split == "train":  # the training-only requests follow the bank's, numbered after them
        extra = out_of_scope_requests((t.name for t in data.tools), training_only=True)
        held += list(range(len(requests), len(requests) + len(extra)))
        requests += extra
    rng = random.Random(f"{seed}/{split}/out_of_scope")
    wording = random.Random(f"{seed}/{split}/out_of_scope/wording") if split == "train" else None
    configs = [c for t in data.tools for c in ToolIndex(data, t.name).by_size.values()]
    examples = []
    for k in range(count):
        n = rng.choice(held)
        task = requests[n] if wording is None else text.vary_register(requests[n], wording)
        sized = rng.choice(configs)
        free = sample_free_resources(sized, rng)
        budget = sample_budget(sized, free, rng) if rng.random() < P_BUDGET else None
        examples.append(PlannerExample(id=f"{split}/out_of_scope/{k:04d}", task=task, tool=None, input_size=None,
                                       free_resources=free, latency_budget_ms=budget, config_id=None,
                                       phrasing=f"{OUT_OF_SCOPE_PHRASING}{n:03d}"))
    return examples


def generate_planner(data: ToolData, seed: int = 0, train_per_tool: int = 400, val_per_tool: int = 50,
                     test_per_tool: int = 100, preference_share: float = 0.0,
                     out_of_scope_share: float = P_OUT_OF_SCOPE,
                     scope_only_files: tuple[str, ...] = SCOPE_ONLY_FILES) -> dict[str, list[PlannerExample]]:
    """Split name -> examples, tool-major. Validation and test use only their own held-out templates,
    cues and slot values (``heldout_templates``, ``split_phrasings``). ``preference_share`` of every
    split's tasks state a preference in words (``preferences``; e.g. ``P_PREFERENCE``); the rest are the
    same whatever the share. Each split ends with ``out_of_scope_share`` as many out-of-scope examples
    (tool null) as it has in-scope ones; training then ends with the examples of the scope-only banks
    ``scope_only_files`` (``scope_only``), drawn apart, so the rest is the same with or without them."""
    counts = {"train": train_per_tool, "val": val_per_tool, "test": test_per_tool}
    for split, count in counts.items():
        if count < 0:
            raise DataError(f"{split}_per_tool: expected a count >= 0, got {count}")
    for name, share in (("preference_share", preference_share), ("out_of_scope_share", out_of_scope_share)):
        if not 0 <= share <= 1:
            raise DataError(f"{name}: expected a share in [0, 1], got {share}")
    splits: dict[str, list[PlannerExample]] = {s: [] for s in SPLITS}
    for tool in data.tools:
        index = ToolIndex(data, tool.name)
        for split in SPLITS:
            splits[split] += _examples(index, tool, split, counts[split], seed, preference_share)
    for split in SPLITS:
        splits[split] += _out_of_scope_examples(data, split, round(out_of_scope_share * len(splits[split])), seed)
    splits["train"] += scope_only_examples(data, scope_only_files, seed)
    return splits


def planner_stats(examples: Sequence[PlannerExample]) -> dict[str, float]:
    """Shares of out-of-scope examples (tool null), of infeasible ones (an in-scope ``config_id`` null), of
    examples with a latency budget and of examples that state a preference."""
    n = max(len(examples), 1)
    return {"out_of_scope": sum(e.tool is None for e in examples) / n,
            "infeasible": sum(e.tool is not None and e.config_id is None for e in examples) / n,
            "budgeted": sum(e.latency_budget_ms is not None for e in examples) / n,
            "preference": sum(e.preference is not None for e in examples) / n}
