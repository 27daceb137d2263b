"""The configurations a planner plans over (``ConfigTable``): their tools, sizes, resources and latencies as
tensors, what fits the free resources, and the features the decoder's scorer ranks candidates by."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import torch

from tomas.data import tool_mask_map
from tomas.data.planner.oracle import choose_config
from tomas.data.planner.preferences import PREFERENCE_NAMES, PREFERENCES
from tomas.data.profiling import FIT_TOLERANCE, INPUT_SIZES, RESOURCES, resource_costs
from tomas.errors import DataError


@dataclass(frozen=True)
class ConfigTable:
    """The exported configurations: which tool, input size and resources each id has."""

    tool_names: list[str]
    lookup: dict[int, dict]
    """Config id -> its ``config_lookup.json`` entry."""
    tool_of: torch.Tensor
    """[num_configs] tool index of each configuration."""
    size_of: torch.Tensor
    """[num_configs] input-size index (``INPUT_SIZES``) of each configuration."""
    resources: torch.Tensor
    """[num_configs, 4] float64 requirement per ``RESOURCES``."""
    latency: torch.Tensor
    """[num_configs] float64 expected latency in ms."""

    @property
    def num_configs(self) -> int:
        return len(self.lookup)

    def tool_mask_map(self) -> dict[str, list[int]]:
        return tool_mask_map(self.tool_names, [self.tool_names[i] for i in self.tool_of.tolist()])

    @classmethod
    def from_assets(cls, assets_dir: str | Path) -> ConfigTable:
        """Read ``config_lookup.json`` and ``tool_mask_map.json`` (one-line error when they disagree)."""
        folder = Path(assets_dir)
        lookup_path, mask_path = folder / "config_lookup.json", folder / "tool_mask_map.json"
        for p in (lookup_path, mask_path):
            if not p.is_file():
                raise DataError(f"{p}: not found (run `tomas export` first, or pass --data.assets_dir)")
        lookup = {int(k): v for k, v in json.loads(lookup_path.read_text()).items()}
        mask_map = json.loads(mask_path.read_text())
        if sorted(lookup) != list(range(len(lookup))):
            raise DataError(f"{lookup_path}: ids must be 0..{len(lookup) - 1}")
        tool_names = list(mask_map)
        tool_of = torch.full((len(lookup),), -1, dtype=torch.long)
        for t, ids in enumerate(mask_map.values()):
            tool_of[ids] = t
        for i, entry in lookup.items():
            if tool_of[i] < 0 or tool_names[tool_of[i]] != entry["tool_name"]:
                raise DataError(f"{mask_path}: config {i} ({entry['tool_name']}) is not listed under its tool")
        return cls.from_lookup(tool_names, lookup)

    @classmethod
    def from_lookup(cls, tool_names: list[str], lookup: dict[int, dict]) -> ConfigTable:
        """The table of ``lookup`` (ids 0..n-1, entries as in ``config_lookup.json``) over ``tool_names``."""
        tool_of = torch.tensor([tool_names.index(lookup[i]["tool_name"]) for i in range(len(lookup))])
        size_of = torch.tensor([INPUT_SIZES.index(lookup[i]["input_size"]) for i in range(len(lookup))])
        resources = torch.tensor([[float(lookup[i][r]) for r in RESOURCES] for i in range(len(lookup))],
                                 dtype=torch.float64)
        latency = torch.tensor([float(lookup[i]["latency_ms"]) for i in range(len(lookup))], dtype=torch.float64)
        return cls(tool_names, lookup, tool_of, size_of, resources, latency)

    def with_tool(self, tool_name: str, entries: list[dict]) -> ConfigTable:
        """This table plus a tool added after training: its ``config_lookup.json`` entries get the ids
        ``num_configs``.. in order, so every id the planner knew keeps its meaning."""
        if tool_name in self.tool_names:
            raise DataError(f"{tool_name}: already one of this planner's tools")
        if not entries or any(e["tool_name"] != tool_name for e in entries):
            raise DataError(f"{tool_name}: expected its configurations, got {len(entries)} entries of other tools")
        lookup = self.lookup | {self.num_configs + k: dict(e) for k, e in enumerate(entries)}
        return ConfigTable.from_lookup([*self.tool_names, tool_name], lookup)

    @cached_property
    def resource_cost(self) -> torch.Tensor:
        """[num_configs] float64: the oracle's ``resource_costs`` of every configuration."""
        return torch.tensor(resource_costs(self.tool_of.tolist(), self.resources.tolist()), dtype=torch.float64)

    @cached_property
    def rule_costs(self) -> tuple[list[float], list[float]]:
        """(latency, resource cost) of every configuration as lists: what ``rule_choice`` reads per request."""
        return self.latency.tolist(), self.resource_cost.tolist()

    @cached_property
    def preference_costs(self) -> dict[str, list[float]]:
        """Preference name -> every configuration's cost in that preference's resources (``resource_costs``)."""
        return {name: resource_costs(self.tool_of.tolist(), self.resources.tolist(), p.resources)
                for name, p in PREFERENCES.items()}

    def rule_choice(self, candidates: list[int], budget: float | None, preference: str | None = None) -> int | None:
        """The oracle's rule (``oracle.choose_config``) over ``candidates``: the fitting configurations of one
        tool and input size, the latency budget in ms (None or NaN: none) and the preference read."""
        budget = None if budget is None or math.isnan(budget) else budget
        return choose_config(candidates, *self.rule_costs, self.preference_costs, budget, preference)

    def preference_order(self, name: str) -> torch.Tensor:
        """Config ids by the preference's resource cost (ties -> lower latency -> lower id, as the oracle)."""
        cost = torch.tensor(resource_costs(self.tool_of.tolist(), self.resources.tolist(),
                                           PREFERENCES[name].resources), dtype=torch.float64)
        by_latency = self.latency_order
        return by_latency[torch.argsort(cost[by_latency], stable=True)]

    @cached_property
    def preference_orders(self) -> list[torch.Tensor]:
        """``preference_order`` of each preference that spends least of some resources (``PREFERENCE_FEATURES``)."""
        return [self.preference_order(name) for name in PREFERENCE_FEATURES]

    @cached_property
    def latency_order(self) -> torch.Tensor:
        """Config ids from fastest to slowest (ties -> lower id)."""
        return torch.argsort(self.latency, stable=True)

    @cached_property
    def cost_order(self) -> torch.Tensor:
        """Config ids from least to most resource cost (ties -> lower latency -> lower id, as the oracle)."""
        by_latency = self.latency_order
        return by_latency[torch.argsort(self.resource_cost[by_latency], stable=True)]

    def candidate_features(self, allowed: torch.Tensor, budget: torch.Tensor | None,
                           preferences: bool = False) -> torch.Tensor:
        """[batch, num_configs, num_features(preferences)] how each allowed configuration compares with
        the others allowed for its request: latency rank (0 = fastest), whether it meets the request's
        latency budget (``budget`` [batch] ms, NaN = none), and resource-cost rank among those that meet
        it (0 = least; 0 where it does not meet it). With ``preferences``, also its rank by each
        ``PREFERENCE_FEATURES`` preference's cost among the preference's candidates (those that meet the
        budget, all allowed when none does; 0 elsewhere). Zero outside ``allowed``.

        Ranks rather than values: the oracle's rule is lexicographic (meet the budget, then least
        resources; else fastest), which integer ranks express with margins of at least one weight
        unit, while standardised values need huge, finely balanced weights (docs/planner.md).
        """
        allowed = allowed.cpu()
        if budget is None:
            meets = torch.zeros_like(allowed)
        else:
            meets = allowed & (self.latency.unsqueeze(0) <= budget.to(torch.float64).unsqueeze(1))
        ranks = [_ranks_within(allowed, self.latency_order), meets.to(torch.float64),
                 _ranks_within(meets, self.cost_order)]
        if preferences:
            pool = torch.where(meets.any(1, keepdim=True), meets, allowed)
            ranks += [_ranks_within(pool, order) for order in self.preference_orders]
        return torch.stack(ranks, dim=-1).float()

    def fits(self, free: torch.Tensor) -> torch.Tensor:
        """[batch, 4] free resources -> [batch, num_configs] bool: ``profiling.fits`` for every pair."""
        return (self.resources.unsqueeze(0) <= free.to(torch.float64).unsqueeze(1) + FIT_TOLERANCE).all(-1)


NUM_FEATURES = 3
"""Per-candidate features the feature scorer weighs (``ConfigTable.candidate_features``) without preferences."""


PREFERENCE_FEATURES = tuple(n for n in PREFERENCE_NAMES if PREFERENCES[n].resources)
"""Preferences with a resource cost of their own: one more candidate feature each (``fastest`` is latency rank)."""


def num_features(preferences: bool) -> int:
    return NUM_FEATURES + (len(PREFERENCE_FEATURES) if preferences else 0)


def _ranks_within(mask: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """[batch, n] float64: each masked item's position among the masked items of its row when sorted
    by ``order`` (a permutation of 0..n-1); 0 where not masked."""
    in_order = mask[:, order].to(torch.float64)
    ranks = torch.empty_like(in_order).scatter_(1, order.expand_as(in_order).contiguous(), in_order.cumsum(1) - 1)
    return torch.where(mask, ranks, 0.0)
