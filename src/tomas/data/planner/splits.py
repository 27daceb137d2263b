"""The seeded train / val / test splits of planner examples.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from tomas.data import ToolData
from tomas.data.planner import text
from tomas.data.planner.files import PlannerExample
from tomas.data.planner.numeric import numeric_cue
from tomas.data.planner.oracle import ToolIndex
from tomas.data.planner.phrases import REGISTRY_TEMPLATES
from tomas.data.planner.preferences import add_preference, draw_preference, preference_phrases
from tomas.data.planner.snapshots import P_BUDGET, P_INFEASIBLE, sample_budget, sample_free_resources
from tomas.data.planner.text import (
    heldout_templates,
    render_registry_task,
    render_task,
    split_phrasings,
    vary_register,
)
from tomas.data.profiling import INPUT_SIZES
from tomas.data.registry import Tool
from tomas.errors import DataError

SPLITS = ("train", "val", "test")


def _training_cue(tool: Tool, size: str, rng: random.Random, held_out: set[str]) -> str | None:
    """A numeric size cue for training that is no validation or test cue ("a 4K photo" may be one)."""
    for _ in range(20):
        cue = numeric_cue(tool.input_sizes, size, rng)
        if cue.lower() not in held_out:
            return cue
    return None


def _examples(index: ToolIndex, tool: Tool, split: str, count: int, seed: int,
              preference_share: float = 0.0) -> list[PlannerExample]:
    rng = random.Random(f"{seed}/{split}/{tool.name}")
    # Wording variation draws from its own stream, so the snapshots and labels do not depend on it
    # (its knobs are read as text.P_*, where a test can turn them off).
    wording = random.Random(f"{seed}/{split}/{tool.name}/wording") if split == "train" else None
    # Preferences too (every split): the examples without one are the same as before preferences existed.
    wish = random.Random(f"{seed}/{split}/{tool.name}/preference")
    bank, templates = split_phrasings(tool, split, seed), heldout_templates(tool, seed)[split]
    held_out = {c.lower() for other in ("val", "test") for cues in split_phrasings(tool, other, seed).cues.values()
                for c in cues}
    sizes = [s for s in INPUT_SIZES if s in index.by_size]
    examples = []
    for k in range(count):
        size = rng.choice(sizes)
        template = rng.choice(templates)
        cue = None
        if wording is not None and tool.input_sizes and wording.random() < text.P_NUMERIC:
            cue = _training_cue(tool, size, wording, held_out)
        task, phrasing = render_task(tool, template, size, rng, bank, cue), f"{tool.name}/{template:02d}"
        if wording is not None:
            if wording.random() < text.P_REGISTRY:
                r = wording.randrange(len(REGISTRY_TEMPLATES))
                task = render_registry_task(tool, r, size, wording, bank.cues)
                phrasing = f"{tool.name}/registry-{r}"
            task = vary_register(task, wording)
        configs = index.by_size[size]
        free = sample_free_resources(configs, rng, infeasible=rng.random() < P_INFEASIBLE)
        budget = sample_budget(configs, free, rng) if rng.random() < P_BUDGET else None
        preference = draw_preference(wish, preference_share)
        if preference is not None:
            task = add_preference(task, wish.choice(preference_phrases(preference, split, seed)))
        examples.append(PlannerExample(
            id=f"{split}/{tool.name}/{k:04d}", task=task, tool=tool.name, input_size=size, free_resources=free,
            latency_budget_ms=budget, config_id=index.choose(size, free, budget, preference), phrasing=phrasing,
            preference=preference))
    return examples


def generate_planner(data: ToolData, seed: int = 0, train_per_tool: int = 400, val_per_tool: int = 50,
                     test_per_tool: int = 100, preference_share: float = 0.0) -> dict[str, list[PlannerExample]]:
    """Split name -> examples, tool-major. Validation and test use only their own held-out templates,
    cues and slot values (``heldout_templates``, ``split_phrasings``). ``preference_share`` of every
    split's tasks state a preference in words (``preferences``; e.g. ``P_PREFERENCE``); the rest are the
    same whatever the share."""
    counts = {"train": train_per_tool, "val": val_per_tool, "test": test_per_tool}
    for split, count in counts.items():
        if count < 0:
            raise DataError(f"{split}_per_tool: expected a count >= 0, got {count}")
    if not 0 <= preference_share <= 1:
        raise DataError(f"preference_share: expected a share in [0, 1], got {preference_share}")
    splits: dict[str, list[PlannerExample]] = {s: [] for s in SPLITS}
    for tool in data.tools:
        index = ToolIndex(data, tool.name)
        for split in SPLITS:
            splits[split] += _examples(index, tool, split, counts[split], seed, preference_share)
    return splits


def planner_stats(examples: Sequence[PlannerExample]) -> dict[str, float]:
    """Shares of infeasible examples (``config_id`` null), of examples with a latency budget and of
    examples that state a preference."""
    n = max(len(examples), 1)
    return {"infeasible": sum(e.config_id is None for e in examples) / n,
            "budgeted": sum(e.latency_budget_ms is not None for e in examples) / n,
            "preference": sum(e.preference is not None for e in examples) / n}
