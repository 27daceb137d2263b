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

from tomas.config import PLANNER_DIR
from tomas.errors import DataError
from tomas.plans import Plan

PlanResult = Plan
"""A plan as the Python API returns it: the one plan type (``tomas.plans.Plan``): its fields, ``resources`` and
``to_dict()`` (the JSON of ``tomas plan --json``)."""


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
        return self._loaded.plan(checked, batch_size)


__all__ = ["Plan", "PlanResult", "Planner"]
