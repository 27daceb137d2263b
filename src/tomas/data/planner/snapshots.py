"""Machine snapshots: the free resources (and latency budgets) of planner examples.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from tomas.data.planner.oracle import fits
from tomas.data.profiling import RESOURCES, Configuration

P_INFEASIBLE = 0.065
"""Share of snapshots built so that no configuration fits (label ``None``)."""


P_BUDGET = 0.30
"""Share of examples with a latency budget."""


P_NO_GPU = 0.08
"""Share of ordinary snapshots drawn from a CPU-only machine (both GPU fields 0)."""


_GPU_FIELDS = ("gpu_sm", "gpu_memory_gb")


_GB_FIELDS = ("memory_gb", "gpu_memory_gb")


_GB_LADDER = (0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
"""Memory sizes people write: free memory that is not a profiled level is one of these."""


_NO_USE_LEVELS = {"cpu_cores": (2, 4, 8), "memory_gb": (4, 8, 16), "gpu_sm": (14, 28, 56, 80),
                  "gpu_memory_gb": (4, 8, 16)}
"""Free values for a resource the tool never uses (its maximum is 0): any machine will do."""


def _num(value: float) -> float:
    """An integral value as ``int`` (JSON ``4``, not ``4.0``), others rounded to 4 decimals."""
    value = round(float(value), 4)
    return int(value) if value.is_integer() else value


def _levels(configs: Sequence[Configuration], field: str) -> list[float]:
    return sorted({float(getattr(c, field)) for c in configs})


def _grid(lo: float, hi: float, field: str) -> list[float]:
    """Values strictly between ``lo`` and ``hi`` as people write them: GB sizes, else whole, half or quarter units."""
    if field in _GB_FIELDS:
        ladder = [float(v) for v in _GB_LADDER if lo < v < hi]
        if ladder:
            return ladder
    for step in (1.0,) if field == "gpu_sm" else (1.0, 0.5, 0.25):
        values = [k * step for k in range(math.floor(lo / step), math.ceil(hi / step) + 1) if lo < k * step < hi]
        if values:
            return values
    return []


def _above(top: float, field: str, rng: random.Random) -> float:
    """A value above the largest profiled level: a bigger machine than any configuration needs."""
    if top <= 0:
        return rng.choice(_NO_USE_LEVELS[field])
    if field in _GB_FIELDS:
        return rng.choice([v for v in _GB_LADDER if top < v <= 3 * top] or [2 * top])
    return rng.choice(sorted({math.ceil(top * f) for f in (1.25, 1.5, 2)}))


def _below(bottom: float, field: str) -> list[float]:
    """Values under the smallest level that any configuration needs (a too-small machine), not under a quarter."""
    return _grid(bottom / 4 - 1e-9, bottom, field) or [_num(bottom / 2)]


def _draw(levels: list[float], field: str, rng: random.Random) -> float:
    """Mostly a profiled level; sometimes a value between two adjacent levels, or above the largest."""
    r = rng.random()
    if r < 0.18 and len(levels) > 1:
        i = rng.randrange(len(levels) - 1)
        between = _grid(levels[i], levels[i + 1], field)
        if between:
            return rng.choice(between)
    if r > 0.9:
        return _above(levels[-1], field, rng)
    return rng.choice(levels)


def _no_gpu(free: dict[str, float]) -> dict[str, float]:
    return {**free, **{f: 0 for f in _GPU_FIELDS}}


def _ordinary_snapshot(configs: Sequence[Configuration], rng: random.Random) -> dict[str, float]:
    free = {f: _draw(_levels(configs, f), f, rng) for f in RESOURCES}
    if rng.random() < P_NO_GPU or any(free[f] == 0 for f in _GPU_FIELDS):
        free = _no_gpu(free)  # a CPU-only machine has neither SMs nor GPU memory
    return free


def _starved(free: dict[str, float], configs: Sequence[Configuration], rng: random.Random) -> dict[str, float]:
    """Make ``free`` too small for every configuration: no GPU, or one resource below every level."""
    if not any(fits(c, free) for c in configs):
        return free
    if rng.random() < 0.4 and not any(fits(c, _no_gpu(free)) for c in configs):
        return _no_gpu(free)
    needed = [f for f in RESOURCES if _levels(configs, f)[0] > 0]
    if not needed:  # some configuration runs on nothing at all: this tool cannot be starved
        return free
    field = rng.choice(needed)
    free = {**free, field: rng.choice(_below(_levels(configs, field)[0], field))}
    return _no_gpu(free) if any(free[f] == 0 for f in _GPU_FIELDS) else free


def sample_free_resources(configs: Sequence[Configuration], rng: random.Random,
                          infeasible: bool = False) -> dict[str, float]:
    """A machine snapshot for one tool and input size (``configs``), feasible unless ``infeasible``."""
    for _ in range(100):
        free = _ordinary_snapshot(configs, rng)
        if infeasible or any(fits(c, free) for c in configs):
            break
    else:
        free = {f: _levels(configs, f)[-1] for f in RESOURCES}  # the largest machine fits everything
    if infeasible:
        free = _starved(free, configs, rng)
    return {f: _num(free[f]) for f in RESOURCES}


def _round_latency(value: float) -> float:
    """Two significant digits, as a person states a deadline (137 -> 140 ms, 3.25 -> 3.2 ms)."""
    step = 10.0 ** (math.floor(math.log10(value)) - 1)
    return _num(round(round(value / step) * step, 6))


def sample_budget(configs: Sequence[Configuration], free: dict[str, float], rng: random.Random) -> float:
    """A latency budget relative to the configurations that fit ``free`` (all of ``configs`` if none).

    About half bind (between the fastest and the slowest fitting latency, so the oracle
    trades speed for resources), a quarter are loose (every fitting configuration meets
    them) and a quarter cannot be met (below the fastest).
    """
    latencies = sorted(c.latency_ms for c in ([c for c in configs if fits(c, free)] or configs))
    r = rng.random()
    if r < 0.5:
        value = rng.choice(latencies) * rng.uniform(1.0, 1.2)
    elif r < 0.75:
        value = latencies[-1] * rng.uniform(1.05, 2.0)
    else:
        value = latencies[0] * rng.uniform(0.4, 0.9)
    return _round_latency(value)
