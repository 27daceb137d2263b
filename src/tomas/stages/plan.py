"""Inference: a user task + the free resources -> a JSON resource plan.

``tomas plan "Summarise this 40-page contract" --cpu-cores 8 --memory-gb 16 --gpu-sm 60
--gpu-memory-gb 8 [--latency-budget-ms 900] [--json]``, or ``--batch FILE.jsonl`` (one
``{"task", "free_resources": {...}, "latency_budget_ms"?}`` per line -> one plan per line).
A plan always fits the free resources; when nothing of the chosen tool does, the answer
says so and the exit code is ``EXIT_INFEASIBLE``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file

from tomas.config import PlannerConfig, from_dict
from tomas.errors import DataError
from tomas.models.decoder import RESOURCES, Choice, ConfigTable
from tomas.models.llm import load_llm, resolve_device
from tomas.models.planner import PlannerModel, build_planner, predict_requests
from tomas.stages.train_planner import META, WEIGHTS_FILE

EXIT_INFEASIBLE = 3


@dataclass
class LoadedPlanner:
    cfg: PlannerConfig
    meta: dict
    model: PlannerModel
    tokenizer: object
    table: ConfigTable
    device: torch.device

    @torch.no_grad()
    def plan(self, requests: list[dict], batch_size: int = 32) -> list[dict]:
        """``[{"task", "free_resources", "latency_budget_ms"}]`` -> one plan dict each."""
        choices = predict_requests(self.model, self.tokenizer, [(r["task"], r["free_resources"],
                                                                  r.get("latency_budget_ms")) for r in requests],
                                   self.device, batch_size)
        return [self.describe(r, c) for r, c in zip(requests, choices)]

    def describe(self, request: dict, c: Choice) -> dict:
        tool = self.table.tool_names[c.tool_id]
        plan = {"task": request["task"], "free_resources": request["free_resources"],
                "latency_budget_ms": request.get("latency_budget_ms"), "feasible": c.config_id is not None,
                "tool": tool, "input_size": c.input_size, "tool_confidence": round(c.tool_prob, 4)}
        if c.config_id is None:
            return plan | {"config_id": None, "reason": f"no {c.input_size}-input configuration of {tool} fits the "
                                                         f"free resources"}
        entry = self.table.lookup[c.config_id]
        plan |= {"config_id": c.config_id, **{r: entry[r] for r in RESOURCES}, "latency_ms": entry["latency_ms"],
                 "confidence": round(c.tool_prob * (c.config_prob or 0.0), 4)}
        budget = request.get("latency_budget_ms")
        if budget is not None:
            plan["meets_budget"] = entry["latency_ms"] <= budget
        if c.runner_up is not None:
            ru = self.table.lookup[c.runner_up]
            plan["runner_up"] = {"config_id": c.runner_up, **{r: ru[r] for r in RESOURCES},
                                 "latency_ms": ru["latency_ms"]}
        return plan


def load_planner(planner_dir: str, device: str = "auto", assets_dir: str | None = None) -> LoadedPlanner:
    """The frozen LLM + the checkpoint's LoRA and heads, on the exported configuration table."""
    folder = Path(planner_dir)
    if not (folder / META).is_file() or not (folder / WEIGHTS_FILE).is_file():
        raise DataError(f"{folder}: no trained planner ({META} + {WEIGHTS_FILE}); run `tomas train` first")
    meta = json.loads((folder / META).read_text())
    # Checkpoints written before `model.readout` existed were trained on the last token's state.
    meta["config"].setdefault("model", {}).setdefault("readout", "last")
    cfg = from_dict(PlannerConfig, meta["config"])
    table = ConfigTable.from_assets(assets_dir or cfg.data.assets_dir)
    if table.num_configs != meta["num_configs"] or table.tool_names != meta["tool_names"]:
        raise DataError(f"{assets_dir or cfg.data.assets_dir}: assets have {table.num_configs} configs / tools "
                        f"{table.tool_names}, the planner was trained on {meta['num_configs']} / {meta['tool_names']}")
    dev = resolve_device(device)
    llm = load_llm(meta["llm_model"], dev, seed=cfg.training.seed)
    model = build_planner(cfg.model, llm, table, None)
    weights = load_file(str(folder / WEIGHTS_FILE))
    expected = {n: tuple(p.shape) for n, p in model.named_parameters() if p.requires_grad}
    if set(weights) != set(expected):
        diff = sorted(set(expected) - set(weights))[:2] + sorted(set(weights) - set(expected))[:2]
        raise DataError(f"{folder / WEIGHTS_FILE}: weights do not match the planner built from {META} "
                        f"({len(set(weights) ^ set(expected))} names differ, e.g. {', '.join(diff)}); retrain it")
    for name, shape in expected.items():
        if tuple(weights[name].shape) != shape:  # e.g. a checkpoint of an older decoder design
            raise DataError(f"{folder / WEIGHTS_FILE}: {name} has shape {tuple(weights[name].shape)}, the planner "
                            f"built from {META} needs {shape}; retrain it")
    model.load_state_dict(weights, strict=False)
    return LoadedPlanner(cfg, meta, model.eval(), llm.tokenizer, table, dev)


def read_requests(path: str) -> list[dict]:
    """Batch input: one JSON object per line (one-line error naming the line and field)."""
    requests = []
    for n, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}: line {n}: not valid JSON ({e.msg})") from None
        if not isinstance(r, dict) or not isinstance(r.get("task"), str) or not r["task"].strip():
            raise DataError(f"{path}: line {n}: field task: missing or empty")
        free = r.get("free_resources")
        for key in RESOURCES:
            value = free.get(key) if isinstance(free, dict) else None
            if not isinstance(value, int | float) or value < 0:
                raise DataError(f"{path}: line {n}: field free_resources.{key}: missing or not a number ≥ 0")
        budget = r.get("latency_budget_ms")
        if budget is not None and (not isinstance(budget, int | float) or budget <= 0):
            raise DataError(f"{path}: line {n}: field latency_budget_ms: must be a number > 0")
        requests.append(r)
    if not requests:
        raise DataError(f"{path}: no requests")
    return requests


def print_plan(p: dict) -> None:
    if not p["feasible"]:
        print(f"✗ No feasible plan: {p['reason']} (tool {p['tool']}, confidence {p['tool_confidence']:.0%}).")
        return
    print(f"Tool: {p['tool']} (input size {p['input_size']}), config #{p['config_id']}, "
          f"confidence {p['confidence']:.0%}")
    print(f"  CPU cores {p['cpu_cores']}, memory {p['memory_gb']} GB, GPU SMs {p['gpu_sm']}, "
          f"GPU memory {p['gpu_memory_gb']} GB -> expected latency {p['latency_ms']} ms"
          + ("" if "meets_budget" not in p else f" ({'within' if p['meets_budget'] else 'over'} budget)"))
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
    p.add_argument("--batch", metavar="FILE.jsonl", help="plan every request in the file (JSONL out)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--planner_dir", default="assets/planner")
    p.add_argument("--assets_dir", default=None, help="Phase 0 assets (default: the planner's training assets)")
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
    requests = read_requests(args.batch) if args.batch else [
        {"task": args.task, "free_resources": {k: getattr(args, k) for k in RESOURCES},
         "latency_budget_ms": args.latency_budget_ms}]
    planner = load_planner(args.planner_dir, args.device, args.assets_dir)
    t0 = time.perf_counter()
    plans = planner.plan(requests)
    elapsed = time.perf_counter() - t0
    if args.batch:
        for p in plans:
            print(json.dumps(p))
        print(f"planned {len(plans)} requests in {elapsed:.2f} s", file=sys.stderr)
        return 0
    if args.json:
        print(json.dumps(plans[0], indent=2))
    else:
        print_plan(plans[0])
        print(f"(planned in {elapsed * 1000:.0f} ms)")
    return 0 if plans[0]["feasible"] else EXIT_INFEASIBLE
