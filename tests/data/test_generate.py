"""The seeded profiling generator: determinism, the shipped file, and the latency model's physics."""

from __future__ import annotations

import itertools
import statistics
import subprocess
import sys

import pytest

from tomas.data import load_tool_data
from tomas.data.generate import (
    DEFAULT_LEVELS,
    INPUT_SIZES,
    TOOL_COSTS,
    _cost_for,
    generate_profiling,
    latency_ms,
    write_profiling,
)
from tomas.data.profiling import CANONICAL_HEADER, load_profiling
from tomas.data.registry import Tool, load_registry

RESOURCES = ("cpu_core", "cpu_mem_gb", "gpu_sm", "gpu_mem_gb")
UNKNOWN_TOOLS = [Tool("speech_to_text", "x"), Tool("pose_estimation", "y"), Tool("doc_ocr", "z")]


@pytest.fixture(scope="module")
def default_rows(default_files):
    return generate_profiling(load_registry(default_files[0]), seed=0)


def _key(row):
    return tuple(row[k] for k in CANONICAL_HEADER[:-1])


def test_same_seed_same_rows(default_files, default_rows):
    assert generate_profiling(load_registry(default_files[0]), seed=0) == default_rows


def test_other_seed_other_latencies(default_files, default_rows):
    other = generate_profiling(load_registry(default_files[0]), seed=1)
    assert [_key(r) for r in other] == [_key(r) for r in default_rows]
    changed = sum(a["latency_ms"] != b["latency_ms"] for a, b in zip(default_rows, other, strict=True))
    assert changed > len(default_rows) // 2


def test_shipped_file_is_the_generator_output(default_files, default_rows, tmp_path):
    out = write_profiling(default_rows, tmp_path / "profiling.csv")
    assert out.read_bytes() == default_files[1].read_bytes()


def test_row_layout(default_files, default_rows):
    tools = load_registry(default_files[0])
    levels = [len(v) for v in DEFAULT_LEVELS.values()]
    assert len(default_rows) == len(tools) * len(INPUT_SIZES) * levels[0] * levels[1] * levels[2] * levels[3]
    assert all(list(r) == list(CANONICAL_HEADER) for r in default_rows)
    assert len({_key(r) for r in default_rows}) == len(default_rows)
    assert [r["tool"] for r in default_rows[:: len(default_rows) // len(tools)]] == [t.name for t in tools]


@pytest.mark.parametrize("tools", ["default", "unknown"])
def test_latencies_positive_integers_mostly_distinct(tools, default_rows):
    rows = default_rows if tools == "default" else generate_profiling(UNKNOWN_TOOLS, seed=0)
    latencies = [r["latency_ms"] for r in rows]
    assert all(isinstance(v, int) and v >= 1 for v in latencies)
    assert len(set(latencies)) > 0.6 * len(latencies)


def _groups(rows, vary: str):
    """Rows that differ only in ``vary``, as lists of (value of vary, latency)."""
    groups: dict[tuple, list] = {}
    for r in rows:
        key = tuple(r[k] for k in CANONICAL_HEADER[:-1] if k != vary)
        groups.setdefault(key, []).append((r[vary], r["latency_ms"]))
    return [sorted(g) for g in groups.values()]


def test_latency_grows_with_input_size(default_rows):
    order = {s: i for i, s in enumerate(INPUT_SIZES)}
    for group in _groups(default_rows, "input_size"):
        latencies = [lat for _, lat in sorted(group, key=lambda g: order[g[0]])]
        assert latencies == sorted(latencies) and len(set(latencies)) == len(latencies)


@pytest.mark.parametrize("column", ["cpu_core", "gpu_sm"])
def test_latency_shrinks_with_more_compute_on_average(default_rows, column):
    for tool in {r["tool"] for r in default_rows}:
        rows = [r for r in default_rows if r["tool"] == tool]
        means = [statistics.mean(r["latency_ms"] for r in rows if r[column] == level)
                 for level in sorted({r[column] for r in rows})]
        # Non-strictly: a GPU-bound tool barely gains from cores, and each mean carries ~0.3% noise.
        assert all(b <= a * 1.01 for a, b in itertools.pairwise(means)), (tool, column, means)
        assert means[-1] < means[0], (tool, column, means)


@pytest.mark.parametrize("name", [*TOOL_COSTS, "speech_to_text", "doc_ocr"])
def test_noise_free_latency_is_monotonic(name):
    cost = _cost_for(name)
    levels = {k: sorted(v) for k, v in DEFAULT_LEVELS.items()}
    for size in INPUT_SIZES:
        for values in itertools.product(*levels.values()):
            base = latency_ms(cost, size, *values)
            assert base > 0
            for i, more in enumerate(values):  # more of any one resource never costs latency
                for bigger in (v for v in levels[list(levels)[i]] if v > more):
                    assert latency_ms(cost, size, *values[:i], bigger, *values[i + 1:]) <= base


@pytest.mark.parametrize("name", [*TOOL_COSTS, "speech_to_text"])
def test_tight_memory_costs_latency(name):
    cost = _cost_for(name)
    need = cost.need_mem_gb * 3.2 + 1  # more than a large input needs
    for size in INPUT_SIZES:
        ample = latency_ms(cost, size, 4, need, 50, 64)
        assert latency_ms(cost, size, 4, cost.need_mem_gb / 2, 50, 64) > ample
        assert latency_ms(cost, size, 4, need, 50, cost.need_gpu_mem_gb / 2) > ample


def test_tight_memory_costs_latency_in_the_table(default_rows):
    for tool in {r["tool"] for r in default_rows}:
        large = [r for r in default_rows if r["tool"] == tool and r["input_size"] == "large"]
        low, high = min(r["cpu_mem_gb"] for r in large), max(r["cpu_mem_gb"] for r in large)
        means = {mem: statistics.mean(r["latency_ms"] for r in large if r["cpu_mem_gb"] == mem) for mem in (low, high)}
        assert means[low] > means[high]


def test_cpu_only_configuration_ignores_the_gpu():
    cost = _cost_for("speech_to_text")
    assert latency_ms(cost, "small", 2, 8, 0, 0) == latency_ms(cost, "small", 2, 8, 0, 4)
    assert latency_ms(cost, "small", 2, 8, 0, 0) > latency_ms(cost, "small", 2, 8, 20, 4)


def test_unknown_tool_names_get_a_stable_cost():
    assert not set(t.name for t in UNKNOWN_TOOLS) & set(TOOL_COSTS)
    costs = [_cost_for(t.name) for t in UNKNOWN_TOOLS]
    assert costs == [_cost_for(t.name) for t in UNKNOWN_TOOLS]
    assert len(set(costs)) == len(costs)
    assert all(c.base_ms > 0 and 0 < c.gpu_share < 1 and c.need_mem_gb > 0 for c in costs)


def test_unknown_registry_round_trips_through_the_validator(tmp_path):
    rows = generate_profiling(UNKNOWN_TOOLS, seed=5)
    path = write_profiling(rows, tmp_path / "p.csv")
    configs = load_profiling(path, UNKNOWN_TOOLS)
    assert [(c.tool, c.input_size, c.latency_ms) for c in configs] == [
        (r["tool"], r["input_size"], r["latency_ms"]) for r in rows]


def test_custom_levels(tmp_path):
    levels = {"cpu_cores": (1, 2.5), "memory_gb": (0.5,), "gpu_sm": (0, 14), "gpu_memory_gb": (0.75,)}
    rows = generate_profiling(UNKNOWN_TOOLS[:1], seed=0, levels=levels)
    assert len(rows) == len(INPUT_SIZES) * 2 * 2
    configs = load_profiling(write_profiling(rows, tmp_path / "p.csv"), UNKNOWN_TOOLS[:1])
    assert {c.cpu_cores for c in configs} == {1.0, 2.5} and {c.memory_gb for c in configs} == {0.5}


def test_cli_generate_profiling_writes_a_valid_file(tmp_path, other_files, repo_root):
    out = tmp_path / "sub" / "generated.csv"
    result = subprocess.run(
        [sys.executable, "-m", "tomas.cli", "data", "generate-profiling", "--tool_registry", str(other_files[0]),
         "--output", str(out), "--seed", "3"],
        capture_output=True, text=True, cwd=repo_root, timeout=120)
    assert result.returncode == 0, result.stderr
    data = load_tool_data(other_files[0], out)
    assert data.tool_names == [t.name for t in load_registry(other_files[0])]
    assert f"Wrote {len(data.configs)} rows to {out}" in result.stdout
    rows = generate_profiling(load_registry(other_files[0]), seed=3)
    assert [c.latency_ms for c in data.configs] == [r["latency_ms"] for r in rows]
    assert not [p for p in out.parent.iterdir() if p.name != out.name]  # no temp file left
