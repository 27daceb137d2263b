"""``tomas profile``: measure your tool under resource limits and write its profiling rows and registry entry.

``tomas profile NAME --command "python my_tool.py {input}" --inputs small=a.txt --inputs large=b.txt
--cpu_cores 1,2 --memory_gb 2,4 --output_dir profiles/NAME``

Writes ``<output_dir>/profiling.csv`` and ``<output_dir>/tools.json``: the base table and registry
(``--base_registry`` / ``--base_profiling``, the shipped ones by default) plus the new tool, ready for
``tomas validate``, Phase 0 and ``tomas add-tool NAME --tool_registry <output_dir>/tools.json --profiling_data
<output_dir>/profiling.csv``. ``cells.jsonl`` holds every cell measured (an interrupted run resumes);
``profile_summary.json`` how it was measured. How each limit is set: ``tomas.profiler``.

setup (grid, inputs, what is done) -> measure each cell -> write the table and the registry
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tqdm.auto import tqdm

from tomas.config import PROFILES, parse_config
from tomas.config.commands import ProfileArgs
from tomas.data import load_tool_data
from tomas.data.generate import write_profiling
from tomas.data.profiling import INPUT_SIZES, load_profiling
from tomas.data.registry import load_registry
from tomas.errors import DataError
from tomas.io import save_json
from tomas.profiler import CELLS, Profiler, append, done_cells, grid


def numbers(text: str, flag: str, kind=float) -> list:
    try:
        values = [kind(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise DataError(f"--{flag} {text!r}: expected comma-separated numbers") from None
    if not values or any(v < 0 for v in values):
        raise DataError(f"--{flag} {text!r}: expected comma-separated numbers ≥ 0")
    return values


def sample_inputs(specs: list[str]) -> dict[str, list[str]]:
    """``["small=a.txt,b.txt", "large=c.txt"]`` -> {size: paths}, every path an existing file."""
    inputs: dict[str, list[str]] = {}
    for spec in specs:
        size, _, paths = spec.partition("=")
        if size not in INPUT_SIZES or not paths:
            raise DataError(f"--inputs {spec!r}: expected SIZE=PATH[,PATH...], SIZE one of {', '.join(INPUT_SIZES)}")
        for path in paths.split(","):
            if not Path(path).is_file():
                raise DataError(f"--inputs {spec!r}: {path}: no such file")
            inputs.setdefault(size, []).append(str(Path(path).resolve()))
    if not inputs:
        raise DataError("--inputs: give at least one sample input, e.g. --inputs small=short.txt")
    return inputs


def profile(name: str, command: str | None, callable_: str | None, inputs: dict[str, list[str]],
            levels: dict[str, list], entry: dict, output_dir: str, base_registry: str, base_profiling: str,
            warmup: int, repeats: int, timeout_s: float, gpu_total_sm: float | None, log=print) -> dict:
    """``entry``: the new tool's registry entry (name, description, input_sizes?)."""
    tools = load_registry(base_registry)
    if name in [t.name for t in tools]:
        raise DataError(f"{base_registry}: already has a tool {name!r}; give the new tool another name")
    allowed = sorted(os.sched_getaffinity(0))
    too_many = [c for c in levels["cpu_cores"] if c > len(allowed)]
    if too_many:
        raise DataError(f"--cpu_cores {too_many[0]}: only {len(allowed)} cores can be used here")
    if any(levels["gpu_sm"]) or any(levels["gpu_memory_gb"]):
        import torch

        if not torch.cuda.is_available():
            raise DataError("--gpu_sm / --gpu_memory_gb: no GPU on this machine (leave them 0)")
        gpu_total_sm = gpu_total_sm or torch.cuda.get_device_properties(0).multi_processor_count
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    check_entry(tools, entry, out)
    cells, done = grid(inputs, **levels), done_cells(out / CELLS)
    todo = [c for c in cells if c.key() not in done]
    log(f"Profiling {name}: {len(cells)} cells ({len(cells) - len(todo)} already measured), "
        f"{warmup} warm-up + {repeats} measured runs per sample input")
    profiler = Profiler(command, callable_, inputs, warmup, repeats, timeout_s, gpu_total_sm)
    for cell in tqdm(todo, desc="Cells", dynamic_ncols=True):
        record = profiler.measure(cell, allowed)
        append(out / CELLS, record)
        done[cell.key()] = record
        if record["latency_ms"] is None:
            tqdm.write(f"  ✗ {cell.said()}: no row ({record['failed']})")
    return write_outputs(entry, tools, base_profiling, [done[c.key()] for c in cells], out, log) | {
        "command": command, "callable": callable_, "inputs": inputs, "warmup": warmup, "repeats": repeats}


def registry_json(tools, entry: dict) -> list[dict]:
    return [{"name": t.name, "description": t.description,
             **({"input_sizes": t.input_sizes.to_json()} if t.input_sizes else {})} for t in tools] + [entry]


def check_entry(tools, entry: dict, out: Path) -> None:
    """The new registry entry, checked by the registry's own loader before anything is measured."""
    import tempfile

    with tempfile.TemporaryDirectory(dir=out) as tmp:
        path = Path(tmp) / "tools.json"
        save_json(registry_json(tools, entry), path)
        try:
            load_registry(path)
        except DataError as e:
            raise DataError(str(e).replace(str(path), "the new registry entry")) from None


def write_outputs(entry: dict, tools, base_profiling: str, records: list[dict], out: Path, log) -> dict:
    name = entry["name"]
    rows = [{"tool": name, "input_size": r["input_size"], "cpu_core": r["cpu_cores"], "cpu_mem_gb": r["memory_gb"],
             "gpu_sm": r["gpu_sm"], "gpu_mem_gb": r["gpu_memory_gb"], "latency_ms": r["latency_ms"]}
            for r in records if r["latency_ms"] is not None]
    if not rows:
        raise DataError(f"{name}: no cell could be measured (see the lines above); nothing written")
    base = load_profiling(base_profiling, tools)
    old = [{"tool": c.tool, "input_size": c.input_size, "cpu_core": c.cpu_cores, "cpu_mem_gb": c.memory_gb,
            "gpu_sm": c.gpu_sm, "gpu_mem_gb": c.gpu_memory_gb, "latency_ms": c.latency_ms} for c in base]
    write_profiling(old + rows, out / "profiling.csv")
    save_json(registry_json(tools, entry), out / "tools.json")
    load_tool_data(out / "tools.json", out / "profiling.csv")  # what `tomas validate` checks, now
    summary = {"tool": name, "cells": len(records), "rows": len(rows),
               "failed": [r for r in records if r["latency_ms"] is None],
               "memory_limit": sorted({r["memory_limit"] for r in records if r.get("memory_limit")})}
    log(f"✓ {len(rows)} of {len(records)} cells measured -> {out / 'profiling.csv'} (+ {len(old)} base rows), "
        f"{out / 'tools.json'}; memory capped by {', '.join(summary['memory_limit']) or '-'}")
    log(f"  next: tomas add-tool {name} --tool_registry {out / 'tools.json'} --profiling_data "
        f"{out / 'profiling.csv'} --output_dir assets/planner_{name}")
    return summary


def main(argv: list[str] | None = None) -> int:
    args, _ = parse_config(ProfileArgs, sys.argv[1:] if argv is None else argv, prog="tomas profile")
    levels = {flag: numbers(getattr(args, flag), flag, int if flag == "cpu_cores" else float)
              for flag in ("cpu_cores", "memory_gb", "gpu_sm", "gpu_memory_gb")}
    if 0 in levels["cpu_cores"] or 0 in levels["memory_gb"]:
        raise DataError("tomas profile: --cpu_cores and --memory_gb levels must be > 0")
    out = args.output_dir or f"{PROFILES}/{args.name}"
    entry = {"name": args.name, "description": args.description or f"Runs {args.command or args.callable} on a file."}
    if args.input_sizes:
        try:
            entry["input_sizes"] = json.loads(args.input_sizes)
        except json.JSONDecodeError as e:
            raise DataError(f"--input_sizes: not valid JSON ({e.msg})") from None
    summary = profile(args.name, args.command, args.callable, sample_inputs(args.inputs), levels, entry, out,
                      args.base_registry, args.base_profiling, args.warmup, args.repeats, args.timeout_s,
                      args.gpu_total_sm)
    save_json(summary, Path(out) / "profile_summary.json")
    return 0
