"""The oracle: the configuration a planner should pick for a tool, input size, free resources and budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tomas.data import ToolData, profiling
from tomas.data.planner.preferences import PREFERENCES
from tomas.data.profiling import RESOURCES, Configuration, resource_costs


def fits(config: Configuration, free: dict[str, float]) -> bool:
    """True when ``config`` fits ``free`` (``profiling.fits``: each of ``RESOURCES`` at most what is free)."""
    return profiling.fits([getattr(config, f) for f in RESOURCES], [free[f] for f in RESOURCES])


class ToolIndex:
    """One tool's configurations by input size, with their resource costs (built once, reused)."""

    def __init__(self, data: ToolData, tool: str):
        configs = [c for c in data.configs if c.tool == tool]
        self.by_size: dict[str, list[Configuration]] = {}
        for c in configs:
            self.by_size.setdefault(c.input_size, []).append(c)
        requirements = [[getattr(c, f) for f in RESOURCES] for c in configs]
        costs = resource_costs([tool] * len(configs), requirements)
        self.cost = {c.config_id: cost for c, cost in zip(configs, costs)}
        self.preference_cost = {name: dict(zip((c.config_id for c in configs),
                                               resource_costs([tool] * len(configs), requirements, p.resources)))
                                for name, p in PREFERENCES.items()}

    def choose(self, size: str, free: dict[str, float], budget: float | None,
               preference: str | None = None) -> int | None:
        fitting = [c for c in self.by_size.get(size, []) if fits(c, free)]
        latency = {c.config_id: c.latency_ms for c in fitting}
        return choose_config(list(latency), latency, self.cost, self.preference_cost, budget, preference)


def choose_config(candidates: list[int], latency: Mapping[int, float] | Sequence[float],
                  cost: Mapping[int, float] | Sequence[float],
                  preference_cost: Mapping[str, Mapping[int, float] | Sequence[float]],
                  budget: float | None, preference: str | None = None) -> int | None:
    """The rule ``oracle_config`` states, over config ids ``candidates`` (the fitting ones of one tool and
    size) with each id's ``latency`` (ms), resource ``cost`` and per-preference cost (``resource_costs``):
    the one home of the rule, for the data generator and for a planner that applies it (``model.config_pick``)."""
    if not candidates:
        return None
    meeting = [i for i in candidates if budget is not None and latency[i] <= budget]
    if preference is not None and preference != "fastest":
        by = preference_cost[preference]
        return min(meeting or candidates, key=lambda i: (by[i], latency[i], i))
    if meeting and preference is None:
        return min(meeting, key=lambda i: (cost[i], latency[i], i))
    return min(candidates, key=lambda i: (latency[i], i))


def oracle_config(data: ToolData, tool: str, input_size: str, free: dict[str, float],
                  latency_budget_ms: float | None, preference: str | None = None) -> int | None:
    """The configuration a planner should pick; ``None`` when none of the tool's fits (infeasible).

    Candidates are ``tool``'s configurations of ``input_size`` that ``fits`` ``free``.

    * No budget: the fastest candidate (lowest ``latency_ms``; ties -> lower config id).
    * With a budget: among candidates with ``latency_ms <= latency_budget_ms``, the
      *least-resource* one. Its resource cost is
      ``sum(value_f / max_f for f in RESOURCES if max_f > 0)``, where ``max_f`` is the
      largest value of field ``f`` over all the tool's configurations (every input size), so
      each resource weighs the same whatever its unit. Ties -> lower latency -> lower config
      id. This leaves the rest of the machine to other jobs once the user's deadline is met.
      If no candidate meets the budget, the fastest candidate (as without a budget): the
      closest the machine can get to the deadline.
    * With a ``preference`` (``preferences.PREFERENCES``): ``fastest`` -> the fastest candidate;
      any other -> among the candidates that meet the budget (all when none does or there is no
      budget) the one with the least of the preference's resources, ties -> lower latency -> lower id.
    """
    return ToolIndex(data, tool).choose(input_size, free, latency_budget_ms, preference)
