"""Seeded generator of a synthetic but physically plausible profiling table.

Latency model (milliseconds) for a tool ``t``, input size ``s`` and resources::

    work      = base_ms[t] * size_factor[s]                         # grows with input size
    compute   = cpu_share * amdahl(cores, p_cpu) + gpu_share * amdahl(sm / 10, p_gpu)
    amdahl(n, p) = (1 - p) + p / n                                   # diminishing returns
    penalty   = 1 + swap * max(0, need_mem / memory_gb - 1)          # tight host memory
              * 1 + spill * max(0, need_gpu_mem / gpu_memory_gb - 1) # tight GPU memory
    latency   = round(work * compute * penalty * exp(N(0, noise)))

``gpu_share`` is 0 for a CPU-only configuration (0 SMs). A tool whose name is not in
``TOOL_COSTS`` gets a cost derived from a hash of its name, so any registry works.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

from tomas.data.profiling import CANONICAL_HEADER, INPUT_SIZES
from tomas.data.registry import Tool
from tomas.data.templates import format_number
from tomas.io import atomic_write


@dataclass(frozen=True)
class ToolCost:
    base_ms: float
    """Latency of a small input on one core / 10 SMs with ample memory."""
    gpu_share: float
    """Fraction of the work a GPU can take (0 = CPU-bound tool)."""
    need_mem_gb: float
    """Host memory a small input needs; scales with input size."""
    need_gpu_mem_gb: float
    """GPU memory a small input needs; scales with input size."""


TOOL_COSTS: dict[str, ToolCost] = {
    "image_classification": ToolCost(120.0, 0.85, 2.0, 1.0),
    "text_summarization": ToolCost(900.0, 0.70, 4.0, 2.5),
    "image_captioning": ToolCost(650.0, 0.80, 3.0, 2.0),
    "object_detection": ToolCost(380.0, 0.90, 3.0, 1.5),
    "machine_translation": ToolCost(540.0, 0.65, 3.5, 2.0),
    "super_resolution": ToolCost(1500.0, 0.95, 4.0, 3.0),
    "visual_question_answering": ToolCost(1100.0, 0.80, 5.0, 3.5),
}

SIZE_FACTOR = {"small": 1.0, "medium": 2.6, "large": 6.5}
SIZE_MEMORY = {"small": 1.0, "medium": 1.8, "large": 3.2}
DEFAULT_LEVELS: dict[str, tuple[float, ...]] = {
    "cpu_cores": (2, 4, 8),
    "memory_gb": (4, 8, 16),
    "gpu_sm": (20, 50, 80),
    "gpu_memory_gb": (2, 4, 8),
}
P_CPU, P_GPU, SWAP, SPILL, NOISE = 0.9, 0.97, 0.8, 1.5, 0.03


def _cost_for(name: str) -> ToolCost:
    if name in TOOL_COSTS:
        return TOOL_COSTS[name]
    h = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    return ToolCost(100.0 + h % 1500, 0.6 + (h >> 12) % 35 / 100, 1.0 + (h >> 4) % 5, 0.5 + (h >> 8) % 4)


def latency_ms(cost: ToolCost, size: str, cpu: float, mem: float, sm: float, gpu_mem: float) -> float:
    """Noise-free latency of one configuration (see the module docstring)."""
    amdahl = lambda n, p: (1 - p) + p / max(n, 1e-9)  # noqa: E731
    gpu_share = cost.gpu_share if sm > 0 and gpu_mem > 0 else 0.0
    compute = (1 - gpu_share) * amdahl(cpu, P_CPU) + (gpu_share * amdahl(sm / 10, P_GPU) if gpu_share else 0.0)
    mem_need = cost.need_mem_gb * SIZE_MEMORY[size]
    penalty = 1 + SWAP * max(0.0, mem_need / mem - 1)
    if gpu_share:
        penalty *= 1 + SPILL * max(0.0, cost.need_gpu_mem_gb * SIZE_MEMORY[size] / gpu_mem - 1)
    return cost.base_ms * SIZE_FACTOR[size] * compute * penalty


def generate_profiling(tools: list[Tool], seed: int = 0,
                       levels: dict[str, tuple[float, ...]] = DEFAULT_LEVELS) -> list[dict]:
    """Rows in ``CANONICAL_HEADER`` order: tool-major, then size, cpu, mem, sm, gpu mem."""
    rng = random.Random(seed)
    rows = []
    for tool in tools:
        cost = _cost_for(tool.name)
        for size in INPUT_SIZES:
            for cpu in levels["cpu_cores"]:
                for mem in levels["memory_gb"]:
                    for sm in levels["gpu_sm"]:
                        for gmem in levels["gpu_memory_gb"]:
                            base = latency_ms(cost, size, cpu, mem, sm, gmem)
                            lat = max(1, round(base * math.exp(rng.gauss(0.0, NOISE))))
                            values = (tool.name, size, cpu, mem, sm, gmem, lat)
                            rows.append(dict(zip(CANONICAL_HEADER, values, strict=True)))
    return rows


def write_profiling(rows: list[dict], path: str | Path) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CANONICAL_HEADER)
    for r in rows:
        writer.writerow([r["tool"], r["input_size"], *(format_number(r[k]) for k in CANONICAL_HEADER[2:])])
    return atomic_write(path, lambda p: p.write_text(buf.getvalue()))
