"""Inference: a user task + the free resources -> a JSON resource plan.

``tomas plan "Summarise this 40-page contract" --cpu-cores 8 --memory-gb 16 --gpu-sm 60
--gpu-memory-gb 8 [--latency-budget-ms 900] [--json]``, or ``--batch FILE.jsonl`` (one
``{"task", "free_resources": {...}, "latency_budget_ms"?, "input"?, "input_size"?}`` per line -> one plan
per line). ``--input FILE`` (an image or a text file) or ``--input-size`` makes the input size exact.
A plan always fits the free resources; when nothing of the chosen tool does, the answer
says so and the exit code is ``EXIT_INFEASIBLE``.
"""

from __future__ import annotations

import json
import sys
import time

from tomas.config import parse_config
from tomas.config.commands import PlanArgs
from tomas.data.profiling import RESOURCES
from tomas.errors import DataError
from tomas.inference import load_planner, read_requests
from tomas.models.llm import resolve_device
from tomas.plans import Plan, whole
from tomas.requests import parse_request

EXIT_INFEASIBLE = 3
EXIT_BAD_LINES = 2  # --batch: at least one line was not a valid request (the others are planned)


def size_said(p: Plan) -> str:
    """Where the input size came from, for people: "read from '12 MP'", "from your words, 74%; else large"."""
    if p.size_source != "words":
        return f"{'given' if p.size_source == 'input' else 'read'}: {p.size_read_from or ''}".rstrip(": ")
    other = f"; else {p.runner_up_size}" if p.runner_up_size else ""
    return f"from your words, {p.size_confidence:.0%}{other}"


def print_plan(p: Plan) -> None:
    if p.free_read:
        f = p.free_resources
        print(f"Free: {f['cpu_cores']} CPU cores, {f['memory_gb']} GB memory, {f['gpu_sm']} GPU SMs, "
              f"{f['gpu_memory_gb']} GB GPU memory ({p.free_read})")
    if p.task_read_as:
        print(f"Read as: {p.task_read_as}")
    if p.tool is None:
        c = p.closest_tool
        margin = p.out_of_scope_margin
        side = "nearer" if margin is not None and margin >= 0 else "farther"
        why = (f"its nearest out-of-scope training request is {abs(margin):.2f} {side} (cosine) than its nearest "
               f"in-scope one" if margin is not None
               else f"confidence {p.out_of_scope_confidence:.0%}")
        if p.out_of_scope_words is not None:
            why += f", its words {p.out_of_scope_words:+.2f}"
        print(f"✗ Out of scope: {p.reason} ({why}; closest tool {c['tool']}, {c['confidence']:.0%}).")
        return
    if p.needs_confirmation:
        print("? Please confirm the tool: " + " or ".join(f"{t['tool']} ({t['confidence']:.0%})"
                                                        for t in p.candidate_tools))
    if not p.feasible:
        print(f"✗ No feasible plan: {p.reason} (tool {p.tool}, confidence {p.tool_confidence:.0%}).")
        return
    print(f"Tool: {p.tool} (input size {p.input_size}, {size_said(p)}), config #{p.config_id}, "
          f"confidence {p.confidence:.0%}")
    print(f"  CPU cores {p.cpu_cores}, memory {p.memory_gb} GB, GPU SMs {p.gpu_sm}, "
          f"GPU memory {p.gpu_memory_gb} GB -> expected latency {p.latency_ms} ms"
          + ("" if p.meets_budget is None else f" ({'within' if p.meets_budget else 'over'} budget)"))
    if p.preference:
        print(f"  Preference applied: {p.preference['says']} (read from your words, "
              f"{p.preference['confidence']:.0%})")
    if p.runner_up:
        r = p.runner_up
        print(f"  Runner-up: config #{r['config_id']} ({r['cpu_cores']} cores, {r['memory_gb']} GB, "
              f"{r['gpu_sm']} SMs, {r['gpu_memory_gb']} GB GPU) -> {r['latency_ms']} ms")


def main(argv: list[str] | None = None) -> int:
    args, _ = parse_config(PlanArgs, sys.argv[1:] if argv is None else argv, prog="tomas plan")
    resolve_device(args.device)  # a wrong --device is one line before anything loads
    if args.batch:
        return plan_batch(args)
    free = args.free or {k: whole(getattr(args, k)) for k in RESOURCES}
    request = {"task": args.task, "free_resources": free,
               "latency_budget_ms": None if args.latency_budget_ms is None else whole(args.latency_budget_ms)}
    if args.input is not None:
        request["input"] = {"path": args.input}
    request |= {k: getattr(args, k) for k in ("input_size", "emit", "gpu_total_sm") if getattr(args, k) is not None}
    parse_request(request, "tomas plan")  # a bad input file fails in one line before the planner loads
    planner = load_planner(args.planner_dir, args.device, args.assets_dir, compiled=not args.full_reader)
    t0 = time.perf_counter()
    plan = planner.plan([request])[0]
    if args.emit and not args.json:
        return print_emitted(plan)
    if args.json:
        print(json.dumps(plan.to_dict(), indent=2))
    else:
        print_plan(plan)
        print(f"(planned in {(time.perf_counter() - t0) * 1000:.0f} ms)")
    return 0 if plan.feasible else EXIT_INFEASIBLE


def print_emitted(plan: Plan) -> int:
    """The scheduler text alone on standard output (nothing when there is nothing to run: exit 3)."""
    if plan.emit_error:
        raise DataError(f"tomas plan: {plan.emit_error}")
    if plan.emitted is None:
        print(f"nothing to run: {plan.reason}", file=sys.stderr)
        return EXIT_INFEASIBLE
    print(plan.emitted, end="")
    return 0


def plan_batch(args: PlanArgs) -> int:
    """One output line per input line, in order: a plan, or ``{"id"?, "error"}`` for a bad line."""
    items = read_requests(args.batch)
    good = [r for r in items if isinstance(r, dict)]
    planner = (load_planner(args.planner_dir, args.device, args.assets_dir, compiled=not args.full_reader)
               if good else None)
    t0 = time.perf_counter()
    plans = iter(planner.plan(good) if planner else [])
    for item in items:
        print(json.dumps((next(plans) if isinstance(item, dict) else item).to_dict()))
    bad = len(items) - len(good)
    print(f"planned {len(good)} requests in {time.perf_counter() - t0:.2f} s"
          + (f"; {bad} bad line(s) answered with an error" if bad else ""), file=sys.stderr)
    return EXIT_BAD_LINES if bad else 0
