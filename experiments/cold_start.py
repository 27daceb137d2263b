"""Cold start of ``tomas plan``: one fresh process per plan, the full reader (transformers + peft) against the
compiled one (TorchScript, torch alone). Prints and writes the median wall time and peak memory of each.

``python experiments/cold_start.py --planner_dir assets/planner --repeats 5 --output docs/results/serving/cold.json``

The planner folder is copied first, so the compiled reader is written into the copy (the first compiled call
writes it and is not timed), never into the folder given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tomas.io import save_json

TASK = "Which of our labels fits a 1920x1080 screenshot best?"
FREE = ["--cpu-cores", "8", "--memory-gb", "16", "--gpu-sm", "60", "--gpu-memory-gb", "8"]


def one_plan(planner_dir: Path, full: bool, task: str = TASK) -> tuple[float, float, dict]:
    """(wall seconds, peak RSS MiB, the plan) of one `tomas plan` in a fresh process."""
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "tomas.cli", "plan", task, *FREE, "--json", "--device", "cpu",
                              "--planner_dir", str(planner_dir), *(["--full_reader"] if full else [])],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"tomas plan failed (exit {os.waitstatus_to_exitcode(status)}) on {planner_dir}")
    return wall, usage.ru_maxrss / 1024, json.loads(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--planner_dir", default="assets/planner")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--output", default=None, help="JSON file for the figures (default: print only)")
    p.add_argument("--task", default=TASK, help="the request (e.g. one with typing slips, which loads a word list)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "planner"
        shutil.copytree(args.planner_dir, folder, ignore=shutil.ignore_patterns("reader.*", "tokenizer.json"))
        one_plan(folder, full=False, task=args.task)  # writes the compiled reader (not timed)
        runs = {name: [one_plan(folder, full, args.task) for _ in range(args.repeats)]
                for name, full in (("full_reader", True), ("compiled_reader", False))}
    plans = {name: [r[2] for r in rs] for name, rs in runs.items()}
    same = all(p == plans["full_reader"][0] for ps in plans.values() for p in ps)
    result = {"planner_dir": args.planner_dir, "repeats": args.repeats, "task": args.task, "same_plan_every_time": same,
              **{name: {"median_wall_s": round(statistics.median(r[0] for r in rs), 3),
                        "walls_s": [round(r[0], 3) for r in rs], "peak_rss_mib_max": round(max(r[1] for r in rs))}
                 for name, rs in runs.items()}}
    for name in runs:
        print(f"{name:>15}: median {result[name]['median_wall_s']:.2f} s per plan (fresh process), "
              f"peak memory ≤ {result[name]['peak_rss_mib_max']} MiB")
    print(f"Same plan every time: {same}")
    if args.output:
        save_json(result, args.output)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
