"""Profiling table: one row per (tool, input size, resources) with its latency.

Config ids are the row order of the validated CSV. Nothing here assumes a number of
tools, configurations or resource levels.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from tomas.data.registry import Tool, _read_text
from tomas.data.sizes import INPUT_SIZES  # noqa: F401  (re-export: the profiling column's values)
from tomas.errors import DataError

"""Input-size labels, in order; the index is the label's numeric code."""

RESOURCES = ("cpu_cores", "memory_gb", "gpu_sm", "gpu_memory_gb")
"""The resources a configuration needs and a machine has free (``config_lookup.json`` keys), in order."""
NUMERIC_FIELDS = (*RESOURCES, "latency_ms")
CONFIG_FIELDS = ("input_size", *NUMERIC_FIELDS)
"""A configuration's 6-D vector (``Configuration.vector``), in order."""

CANONICAL_HEADER = ("tool", "input_size", "cpu_core", "cpu_mem_gb", "gpu_sm", "gpu_mem_gb", "latency_ms")
"""Column names the generator writes."""

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "tool": ("tool", "tool_name"),
    "input_size": ("input_size",),
    "cpu_cores": ("cpu_core", "cpu_cores"),
    "memory_gb": ("cpu_mem_gb", "memory_gb"),
    "gpu_sm": ("gpu_sm",),
    "gpu_memory_gb": ("gpu_mem_gb", "gpu_memory_gb"),
    "latency_ms": ("latency_ms",),
}
"""Internal field -> accepted CSV column names (generator style, lookup style)."""


@dataclass(frozen=True)
class Configuration:
    """One profiled configuration; ``config_id`` is its 0-based row order."""

    config_id: int
    tool: str
    input_size: str
    cpu_cores: float
    memory_gb: float
    gpu_sm: float
    gpu_memory_gb: float
    latency_ms: float

    def vector(self) -> list[float]:
        """The 6-D resource vector ``[input_size code, cpu, mem, sm, gpu mem, latency]``."""
        return [float(INPUT_SIZES.index(self.input_size)), *(float(getattr(self, f)) for f in NUMERIC_FIELDS)]

    def lookup_entry(self) -> dict:
        """The ``config_lookup.json`` entry (the spec's key names)."""
        entry = asdict(self)
        del entry["config_id"]
        entry = {"tool_name": entry.pop("tool"), **entry}
        for f in ("cpu_cores", "gpu_sm"):  # counts read as integers when they are
            if float(entry[f]).is_integer():
                entry[f] = int(entry[f])
        return entry


def _resolve_columns(path: Path, header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in header[:i]:
            raise DataError(f"{path}: row 1: column {name!r} appears twice in the header")
    for field, names in COLUMN_ALIASES.items():
        found = [n for n in names if n in header]
        if not found:
            raise DataError(f"{path}: row 1: missing column {names[0]!r} (or {' / '.join(names[1:])})"
                            if len(names) > 1 else f"{path}: row 1: missing column {names[0]!r}")
        if len(found) > 1:
            raise DataError(f"{path}: row 1: columns {found[0]!r} and {found[1]!r} both give {field}")
        positions[field] = header.index(found[0])
    return positions


def _parse_number(path: Path, row: int, column: str, text: str, field: str) -> float:
    where = f"{path}: row {row}, column {column!r}"
    if not text.strip():
        raise DataError(f"{where}: empty value")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: {text!r} is not a number") from None
    if math.isnan(value) or math.isinf(value):
        raise DataError(f"{where}: {text!r} is not a finite number")
    if field == "latency_ms" and value <= 0:
        raise DataError(f"{where}: latency must be > 0, got {text!r}")
    if value < 0:
        raise DataError(f"{where}: {text!r} is negative")
    return value


def load_profiling(path: str | Path, tools: list[Tool]) -> list[Configuration]:
    """Read and validate the profiling CSV against the registry ``tools``."""
    path = Path(path)
    lines = _read_text(path).splitlines()
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader)]
    cols = _resolve_columns(path, header)
    names = {c: header[i] for c, i in cols.items()}
    known_tools = {t.name for t in tools}
    configs: list[Configuration] = []
    seen: dict[tuple, int] = {}
    for row_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            raise DataError(f"{path}: row {row_no}: empty row")
        if len(cells) != len(header):
            raise DataError(f"{path}: row {row_no}: expected {len(header)} columns, found {len(cells)}")
        tool = cells[cols["tool"]].strip()
        if tool not in known_tools:
            raise DataError(f"{path}: row {row_no}, column {names['tool']!r}: "
                            f"tool {tool!r} is not in the tool registry")
        size = cells[cols["input_size"]].strip()
        if size not in INPUT_SIZES:
            raise DataError(f"{path}: row {row_no}, column 'input_size': unknown input size {size!r} "
                            f"(expected one of {', '.join(INPUT_SIZES)})")
        values = {f: _parse_number(path, row_no, names[f], cells[cols[f]], f) for f in NUMERIC_FIELDS}
        key = (tool, size, *(values[f] for f in NUMERIC_FIELDS[:-1]))
        if key in seen:
            raise DataError(f"{path}: rows {seen[key]} and {row_no}: duplicate configuration "
                            f"(same tool, input_size, cpu, memory, gpu_sm, gpu_memory)")
        seen[key] = row_no
        configs.append(Configuration(len(configs), tool, size, **values))
    if not configs:
        raise DataError(f"{path}: no data rows after the header")
    _check_every_tool_profiled(path, tools, configs)
    return configs


def _check_every_tool_profiled(path: Path, tools: list[Tool], configs: list[Configuration]) -> None:
    """Every registry tool has rows, in exactly the size classes its registry entry defines (when it does)."""
    used = {c.tool for c in configs}
    for t in tools:
        if t.name not in used:
            raise DataError(f"{path}: tool {t.name!r} from the registry has no profiling rows")
        defined = [size for size, _ in t.input_sizes.bounds] if t.input_sizes else None
        profiled = [size for size in INPUT_SIZES if any(c.tool == t.name and c.input_size == size for c in configs)]
        if defined is not None and defined != profiled:
            raise DataError(f"{path}: tool {t.name!r}: the registry's input_sizes define {', '.join(defined)}; "
                            f"its profiling rows have {', '.join(profiled)}")


FIT_TOLERANCE = 1e-9
"""A configuration fits free resources when each of ``RESOURCES`` it needs is at most free + this: the
one fitting rule of the oracle (``fits``) and of the decoder's batched mask (``ConfigTable.fits``)."""


def fits(needs: Sequence[float], free: Sequence[float]) -> bool:
    """True when each need (``RESOURCES`` order) is at most the free amount (``FIT_TOLERANCE``)."""
    return all(need <= have + FIT_TOLERANCE for need, have in zip(needs, free, strict=True))


def resource_costs(tool_of: Sequence[object], requirements: Sequence[Sequence[float]],
                   only: Sequence[str] = RESOURCES) -> list[float]:
    """Each configuration's resource cost, the oracle's tie-break under a latency budget:
    Σ over ``RESOURCES`` of its requirement / its tool's largest requirement of that resource
    (resources a tool never uses are skipped), summed in ``RESOURCES`` order so that every
    caller gets the same float, bit for bit. ``tool_of[i]`` is configuration i's tool.
    ``only``: sum over these resources alone (a preference's cost, e.g. the GPU's share)."""
    tops: dict[object, list[float]] = {}
    for tool, row in zip(tool_of, requirements):
        tops[tool] = [max(a, b) for a, b in zip(tops.get(tool, row), row)]
    costs = []
    for tool, row in zip(tool_of, requirements):
        cost = 0.0
        for name, value, top in zip(RESOURCES, row, tops[tool]):
            if top > 0 and name in only:
                cost += value / top
        costs.append(cost)
    return costs
