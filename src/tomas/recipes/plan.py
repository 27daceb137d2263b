"""Inference: a user task + the free resources -> a JSON resource plan.

``tomas plan "Summarise this 40-page contract" --cpu-cores 8 --memory-gb 16 --gpu-sm 60
--gpu-memory-gb 8 [--latency-budget-ms 900] [--json]``, or ``--batch FILE.jsonl`` (one
``{"task", "free_resources": {...}, "latency_budget_ms"?, "input"?, "input_size"?}`` per line -> one plan
per line). ``--input FILE`` (an image or a text file) or ``--input-size`` makes the input size exact.
A plan always fits the free resources; when nothing of the chosen tool does, the answer
says so and the exit code is ``EXIT_INFEASIBLE``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from tomas.data.profiling import INPUT_SIZES, RESOURCES
from tomas.inference import load_planner, parse_request, read_requests, whole

EXIT_INFEASIBLE = 3
EXIT_BAD_LINES = 2  # --batch: at least one line was not a valid request (the others are planned)
"""Version of the plan JSON written by ``tomas plan`` (bumped when a field changes meaning or goes)."""


def size_said(p: dict) -> str:
    """Where the input size came from, for people: "read from '12 MP'", "from your words, 74%; else large"."""
    if p["size_source"] != "words":
        return f"{'given' if p['size_source'] == 'input' else 'read'}: {p.get('size_read_from', '')}".rstrip(": ")
    other = f"; else {p['runner_up_size']}" if "runner_up_size" in p else ""
    return f"from your words, {p['size_confidence']:.0%}{other}"


def print_plan(p: dict) -> None:
    if p["tool"] is None:
        c = p["closest_tool"]
        print(f"✗ Out of scope: {p['reason']} (confidence {p['out_of_scope_confidence']:.0%}; closest tool "
              f"{c['tool']}, {c['confidence']:.0%}).")
        return
    if p["needs_confirmation"]:
        print("? Please confirm the tool: " + " or ".join(f"{t['tool']} ({t['confidence']:.0%})"
                                                        for t in p["candidate_tools"]))
    if not p["feasible"]:
        print(f"✗ No feasible plan: {p['reason']} (tool {p['tool']}, confidence {p['tool_confidence']:.0%}).")
        return
    print(f"Tool: {p['tool']} (input size {p['input_size']}, {size_said(p)}), config #{p['config_id']}, "
          f"confidence {p['confidence']:.0%}")
    print(f"  CPU cores {p['cpu_cores']}, memory {p['memory_gb']} GB, GPU SMs {p['gpu_sm']}, "
          f"GPU memory {p['gpu_memory_gb']} GB -> expected latency {p['latency_ms']} ms"
          + ("" if "meets_budget" not in p else f" ({'within' if p['meets_budget'] else 'over'} budget)"))
    if p.get("preference"):
        print(f"  Preference applied: {p['preference']['says']} (read from your words, "
              f"{p['preference']['confidence']:.0%})")
    if "runner_up" in p:
        r = p["runner_up"]
        print(f"  Runner-up: config #{r['config_id']} ({r['cpu_cores']} cores, {r['memory_gb']} GB, "
              f"{r['gpu_sm']} SMs, {r['gpu_memory_gb']} GB GPU) -> {r['latency_ms']} ms")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tomas plan", description="Plan a tool and its resources for a task.")
    p.add_argument("task", nargs="?", help="the task, in plain words")
    for flag, key in (("--cpu-cores", "cpu_cores"), ("--memory-gb", "memory_gb"), ("--gpu-sm", "gpu_sm"),
                      ("--gpu-memory-gb", "gpu_memory_gb")):
        p.add_argument(flag, dest=key, type=float, help=f"free {key.replace('_', ' ')} (required with a task)")
    p.add_argument("--latency-budget-ms", type=float, default=None)
    p.add_argument("--input", metavar="FILE", default=None,
                   help="the input itself: an image (its pixel dimensions) or a text file (its word count) "
                        "makes the input size exact")
    p.add_argument("--input-size", choices=INPUT_SIZES, default=None, help="the input's size class, when known")
    p.add_argument("--batch", metavar="FILE.jsonl", help="plan every request in the file, - = standard input (JSONL "
                                                         "out; a bad line gets an error line, exit 2)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--planner_dir", default="assets/planner")
    p.add_argument("--assets_dir", default=None, help="Phase 0 assets (default: the planner folder's copy)")
    p.add_argument("--device", default="auto")
    args = p.parse_args(argv)
    if (args.task is None) == (args.batch is None):
        p.error("give either a task or --batch FILE.jsonl")
    if args.task is not None:
        missing = [f"--{k.replace('_', '-')}" for k in RESOURCES if getattr(args, k) is None]
        if missing:
            p.error(f"the free resources are required: {' '.join(missing)}")
        if any(getattr(args, k) < 0 for k in RESOURCES):
            p.error("free resources must be ≥ 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.batch:
        return plan_batch(args)
    request = {"task": args.task, "free_resources": {k: whole(getattr(args, k)) for k in RESOURCES},
               "latency_budget_ms": None if args.latency_budget_ms is None else whole(args.latency_budget_ms)}
    if args.input is not None:
        request["input"] = {"path": args.input}
    if args.input_size is not None:
        request["input_size"] = args.input_size
    parse_request(request, "tomas plan")  # a bad input file fails in one line before the planner loads
    planner = load_planner(args.planner_dir, args.device, args.assets_dir)
    t0 = time.perf_counter()
    plan = planner.plan([request])[0]
    if args.json:
        print(json.dumps(plan, indent=2))
    else:
        print_plan(plan)
        print(f"(planned in {(time.perf_counter() - t0) * 1000:.0f} ms)")
    return 0 if plan["feasible"] else EXIT_INFEASIBLE


def plan_batch(args: argparse.Namespace) -> int:
    """One output line per input line, in order: a plan, or ``{"id"?, "error"}`` for a bad line."""
    items = read_requests(args.batch)
    good = [r for r in items if isinstance(r, dict)]
    planner = load_planner(args.planner_dir, args.device, args.assets_dir) if good else None
    t0 = time.perf_counter()
    plans = iter(planner.plan(good) if planner else [])
    for item in items:
        print(json.dumps(next(plans) if isinstance(item, dict) else item.to_dict()))
    bad = len(items) - len(good)
    print(f"planned {len(good)} requests in {time.perf_counter() - t0:.2f} s"
          + (f"; {bad} bad line(s) answered with an error" if bad else ""), file=sys.stderr)
    return EXIT_BAD_LINES if bad else 0
