"""The planner as a Python object: load once, plan many times.

```python
from tomas import Planner

planner = Planner.from_pretrained("assets/planner")          # device="auto": CUDA when there is one
result = planner.plan("Caption this 4K photo", {"cpu_cores": 8, "memory_gb": 16, "gpu_sm": 60, "gpu_memory_gb": 8})
print(result.tool, result.resources, result.latency_ms)      # or result.to_dict(): the JSON of `tomas plan --json`
```
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tomas.config import PLANNER_DIR
from tomas.errors import DataError


@dataclass(frozen=True)
class PlanResult:
    """One plan. ``feasible`` False: nothing of ``tool`` at ``input_size`` fits, or ``tool`` is None: no
    registered tool serves the request; ``reason`` says which."""

    tool: str | None
    input_size: str | None
    feasible: bool
    config_id: int | None
    resources: dict | None  # cpu_cores, memory_gb, gpu_sm, gpu_memory_gb of the configuration
    latency_ms: float | None
    tool_confidence: float
    runner_up_tool: dict | None  # {"tool", "confidence"}: the second most probable tool
    confidence: float | None  # tool confidence x configuration confidence
    runner_up: dict | None  # the second-best configuration of the same tool (config_id, resources, latency_ms)
    meets_budget: bool | None  # None without a latency budget
    reason: str | None
    plan: dict  # the full JSON plan, as `tomas plan --json` prints it
    preference: dict | None = None  # {"name", "says", "confidence"}: the preference in words it applied
    size_source: str = "words"  # "input" (the caller's facts), "number" (read exactly from the task) or "words"
    size_confidence: float = 1.0  # P(input_size) given the tool; 1.0 when facts or a number decided
    needs_confirmation: bool = False  # the tool is uncertain: confirm between ``candidate_tools`` (plan JSON)
    emitted: str | None = None  # with ``emit=``: the configuration for a scheduler (None: nothing to run)

    def to_dict(self) -> dict:
        return dict(self.plan)

    @classmethod
    def from_plan(cls, plan: dict) -> PlanResult:
        from tomas.data.profiling import RESOURCES

        feasible = plan["feasible"]
        return cls(tool=plan["tool"], input_size=plan["input_size"], feasible=feasible, config_id=plan["config_id"],
                   resources={r: plan[r] for r in RESOURCES} if feasible else None,
                   latency_ms=plan.get("latency_ms"), tool_confidence=plan.get("tool_confidence", 0.0),
                   runner_up_tool=plan.get("runner_up_tool"),
                   confidence=plan.get("confidence"), runner_up=plan.get("runner_up"),
                   meets_budget=plan.get("meets_budget"), reason=plan.get("reason"), plan=plan,
                   preference=plan.get("preference"), size_source=plan.get("size_source", "words"),
                   size_confidence=plan.get("size_confidence", 0.0),
                   needs_confirmation=plan.get("needs_confirmation", False), emitted=plan.get("emitted"))


class Planner:
    """A trained planner folder (``tomas train`` / ``make run``: ``assets/planner``), loaded once."""

    def __init__(self, loaded):
        self._loaded = loaded

    @classmethod
    def from_pretrained(cls, folder: str = PLANNER_DIR, device: str = "auto",
                        assets_dir: str | None = None) -> Planner:
        from tomas.inference import load_planner

        return cls(load_planner(folder, device, assets_dir))

    @property
    def tools(self) -> list[str]:
        return list(self._loaded.table.tool_names)

    def plan(self, task: str, free_resources: Mapping[str, float] | str, latency_budget_ms: float | None = None,
             id: object = None, input: str | os.PathLike | Mapping | None = None,
             input_size: str | None = None, emit: str | None = None,
             gpu_total_sm: float | None = None) -> PlanResult:
        """``input``: the input itself (a path: an image's pixels or a text file's words are read) or facts
        about it (``{"width", "height"}``, ``megapixels``, ``bytes``, ``words``, ``pages``, ``seconds``,
        ``frames``); ``input_size``: its class, when the caller knows it. Either makes the size exact.
        ``emit`` (``k8s``, ``slurm``, ``ray``, ``docker``, ``env``): the result's ``emitted`` is the configuration
        for that scheduler (``gpu_total_sm``: the GPU's SM count, for a GPU configuration)."""
        free = free_resources if free_resources == "auto" else dict(free_resources)  # "auto": read this machine
        request = {"task": task, "free_resources": free, "latency_budget_ms": latency_budget_ms}
        if input is not None:
            request["input"] = dict(input) if isinstance(input, Mapping) else {"path": os.fspath(input)}
        request |= {k: v for k, v in (("input_size", input_size), ("emit", emit), ("gpu_total_sm", gpu_total_sm))
                    if v is not None}
        return self.plan_batch([request if id is None else {"id": id, **request}])[0]

    def plan_batch(self, requests: Sequence[Mapping], batch_size: int = 32) -> list[PlanResult]:
        """Requests as ``tomas plan --batch`` lines (``{"id"?, "task", "free_resources", "latency_budget_ms"?,
        "input"?, "input_size"?}``);
        a malformed one raises ``DataError`` naming its index and field before anything is planned."""
        from tomas.requests import parse_request

        checked = [parse_request(dict(r) if isinstance(r, Mapping) else r, f"request {i}")
                   for i, r in enumerate(requests)]
        if not checked:
            raise DataError("plan_batch: no requests")
        return [PlanResult.from_plan(p) for p in self._loaded.plan(checked, batch_size)]


__all__ = ["PlanResult", "Planner"]
