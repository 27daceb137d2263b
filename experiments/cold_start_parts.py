"""What a one-plan process spends outside planning, part by part (docs/serving.md, "A fast start for one plan per
process"): importing `tomas plan`'s stage with the garbage collector on and off; the compiled reader's first two
calls with TorchScript's graph optimisation on and off; the process's end after importing torch, a normal exit
against ``os._exit``. Each in fresh processes, alternated, the median of ``--repeats``.

``python experiments/cold_start_parts.py --planner_dir assets/planner --repeats 5 --output F`` (the folder must hold
a current compiled reader: one `tomas plan` from it writes one).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from tomas.io import save_json

IMPORT = """import gc, time, sys
if sys.argv[1] == "off": gc.disable()
t = time.perf_counter(); import tomas.recipes.plan; print(time.perf_counter() - t)"""
READER = """import json, sys, time, torch
reader = torch.jit.load(sys.argv[2] + "/reader.torchscript.pt", map_location="cpu")
ids = torch.tensor([[101, 2054, 1997, 2003, 102]]); mask = torch.ones_like(ids)
t = time.perf_counter()
with torch.no_grad(), torch.jit.optimized_execution(sys.argv[1] == "on"):
    reader(ids[:, :1], mask[:, :1], mask[:, :1]); reader(ids, mask, mask)  # the words' span: all of it
print(time.perf_counter() - t)"""
EXIT = """import os, sys, torch
sys.stdout.flush()
if sys.argv[1] == "quick": os._exit(0)"""


def seconds_printed(code: str, *args: str) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def wall(code: str, *args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], capture_output=True, check=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--planner_dir", default="assets/planner")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--output", default=None)
    args = p.parse_args(argv)
    parts = {"import the plan stage (s)": (seconds_printed, IMPORT, ("on", "off"), ()),
             "the compiled reader's first two calls (s)": (seconds_printed, READER, ("on", "off"), (args.planner_dir,)),
             "a process that imports torch, start to end (s)": (wall, EXIT, ("normal", "quick"), ())}
    result = {"planner_dir": args.planner_dir, "repeats": args.repeats}
    for name, (measure, code, ways, extra) in parts.items():
        runs = {way: [] for way in ways}
        for _ in range(args.repeats):
            for way in ways:
                runs[way].append(measure(code, way, *extra))
        result[name] = {way: round(statistics.median(r), 3) for way, r in runs.items()}
        print(f"{name}: " + ", ".join(f"{way} {v:.3f}" for way, v in result[name].items()))
    if args.output:
        save_json(result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
