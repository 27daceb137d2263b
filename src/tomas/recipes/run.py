"""Main job, task to plan: validate -> Phase 0 pre-training -> export -> Phase 0 evaluation ->
planner data -> planner training -> planner evaluation -> one sample plan, then
``<output_dir>/run_summary.json``.

Takes the flags of ``tomas pretrain`` (YAML + overrides) for Phase 0; planner settings go
through ``--planner_config F`` and ``--planner.KEY VALUE`` (any key of ``tomas train``,
e.g. ``--planner.training.max_steps 100``); ``--stop_after STAGE`` ends the job after a
stage. Interrupt it at any time: running it again skips the stages already done
(``<output_dir>/run_state.json``) and resumes the one that was interrupted from its own
state file. Changed settings start every stage afresh.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tomas.artifacts.assets import BEST, WEIGHTS
from tomas.artifacts.planner import read_meta
from tomas.config import HAND_FILES, PLANNER_DIR, PRETRAIN_YAML, PlannerConfig, parse_config, shipped
from tomas.config.commands import EvaluateArgs, ExportArgs, RunConfig, Stage, choices
from tomas.config.parsing import replace_keys
from tomas.io import read_yaml, save_json

STATE, SUMMARY = "run_state.json", "run_summary.json"
STAGES = choices(Stage)


def split_planner_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """(Phase 0 flags, planner flags): ``--planner.X v`` -> ``--X v`` (any key of ``tomas train``)."""
    phase0, planner, i = [], [], 0
    while i < len(argv):
        key, eq, value = argv[i].partition("=")
        if key.startswith("--planner."):
            name = "--" + key[len("--planner."):]
            takes_next = not eq and i + 1 < len(argv)
            planner += [name, value] if eq else [name, argv[i + 1]] if takes_next else [name]
            i += takes_next
        else:
            phase0.append(argv[i])
        i += 1
    return phase0, planner


class StopAfter(Exception):
    """``--stop_after STAGE`` reached: the job ends there; running it again goes on from the next stage."""


class MainJob:
    """Runs the stages in order; a stage already recorded as done in ``run_state.json`` is skipped."""

    def __init__(self, cfg: RunConfig, config_file: str | None, planner_argv: list[str]):
        self.cfg, self.config_file, self.planner_argv = cfg, config_file, planner_argv
        self.out = Path(cfg.output_dir)
        self.state_path = self.out / STATE
        self.state = json.loads(self.state_path.read_text()) if self.state_path.is_file() else {}
        if self.state.get("config") not in (None, self.fingerprint()):
            print(f"  (settings changed since {self.state_path} was written: every stage runs again)")
            self.state = {}
        self.state["config"] = self.fingerprint()

    def fingerprint(self) -> dict:
        from dataclasses import asdict

        phase0 = asdict(self.cfg)
        phase0["training"].pop("resume", None)
        planner_config = phase0.pop("planner_config")
        phase0.pop("stop_after")  # where to stop changes no stage's result
        return {"phase0": phase0, "planner": [*self.planner_argv, "--config", planner_config]}

    def stage(self, number: int, name: str, title: str, work: Callable[[], dict | None]) -> dict:
        done = self.state.setdefault("stages", {}).get(name)
        head = f"\n[{number}/{len(STAGES)}] {title}"
        if done and done.get("done"):
            print(f"{head}: done in an earlier run ({done['wall_s']:.0f} s), skipped")
            return done.get("result") or {}
        print(head + "...")
        t0 = time.perf_counter()
        result = work() or {}
        wall = time.perf_counter() - t0
        self.state["stages"][name] = {"done": True, "wall_s": round(wall, 2), "result": result}
        save_json(self.state, self.state_path)
        if name == self.cfg.stop_after:
            raise StopAfter(name)
        return result

    # --- the stages ------------------------------------------------------------------------
    def run(self) -> dict:
        from tomas.recipes import evaluate, export, pretrain

        cfg, out = self.cfg, self.out
        d = cfg.data
        self.stage(1, "validate", "Validating the registry and the profiling data", self.validate)
        p0 = self.stage(2, "pretrain", "Phase 0: pre-training the resource encoder",
                        lambda: self.pretrain_result(pretrain.pretrain(cfg, self.config_file)))
        files = {"encoder_checkpoint": str(out / BEST), "tool_registry": d.tool_registry,
                 "profiling_data": d.profiling_data, "llm_model": cfg.model.llm_model, "device": cfg.training.device}
        self.stage(3, "export", "Exporting the planner's assets", lambda: {"rows": len(export.export(
            **vars(ExportArgs(**files, output_dir=str(out)))))})
        ev = self.stage(4, "evaluate", "Phase 0 evaluation: greedy read-back of every configuration", lambda: {
            k: v for k, v in evaluate.evaluate(**vars(EvaluateArgs(**files, weights=str(out / WEIGHTS)))).items()
            if k not in ("worst_examples", "failed_ids")})
        print(f"  Exact match {ev['exact_match']:.2%} of {ev['num_configs']} configurations "
              f"(per field: " + ", ".join(f"{k} {v:.1%}" for k, v in ev["per_field"].items()) + ")")
        self.stage(5, "planner_data", "Planner data from this registry and table", self.planner_data)
        planner_cfg = self.planner_config()
        self.stage(6, "train_planner", "Planner training (frozen LLM + LoRA + HierarchicalDecoder)",
                   lambda: self.train_planner(planner_cfg))
        pe = self.stage(7, "evaluate_planner", "Planner evaluation on the held-out phrasings",
                        lambda: self.evaluate_planner(planner_cfg))
        sample = self.stage(8, "plan", "A sample plan", lambda: self.sample_plan(planner_cfg))
        summary = {**self.summary(p0, ev, pe, planner_cfg), "sample_plan_right": sample.get("right")}
        save_json(summary, out / SUMMARY)
        self.closing(summary, sample, planner_cfg)
        return summary

    def validate(self) -> dict:
        from tomas.data import load_tool_data

        data = load_tool_data(self.cfg.data.tool_registry, self.cfg.data.profiling_data)
        print(f"  ✓ {len(data.tools)} tools, {len(data.configs)} configurations")
        return {"num_tools": len(data.tools), "num_configs": len(data.configs)}

    @staticmethod
    def pretrain_result(final: dict) -> dict:
        return {"train_wall_s": final.get("train_wall_s"), "step": final.get("step"),
                "target_reached": final.get("target_reached"), "stopped_by": final.get("stopped_by")}

    def planner_dir(self) -> Path:
        return self.out / "planner_data"

    def planner_data(self) -> dict:
        from tomas.data import load_tool_data
        from tomas.data.planner import generate_planner, write_planner

        data = load_tool_data(self.cfg.data.tool_registry, self.cfg.data.profiling_data)
        data = data.subset(self.cfg.data.tools) if self.cfg.data.tools else data
        splits = generate_planner(data, seed=self.cfg.training.seed)
        paths = write_planner(splits, self.planner_dir())
        for split, path in paths.items():
            print(f"  ✓ {len(splits[split])} {split} examples -> {path}")
        return {split: len(v) for split, v in splits.items()}

    def planner_config(self) -> PlannerConfig:
        """The planner's config: its YAML, then this job's data, model and output folder, then --planner.* flags."""
        folder, c = self.planner_dir(), self.cfg
        cfg, _ = parse_config(PlannerConfig, ["--config", c.planner_config, *self.planner_argv],
                              prog="tomas run (--planner.*)")
        ours = {"data.tool_registry": c.data.tool_registry, "data.profiling_data": c.data.profiling_data,
                "data.train_file": str(folder / "train.jsonl"), "data.val_file": str(folder / "val.jsonl"),
                "data.test_file": str(folder / "test.jsonl"), "data.assets_dir": str(self.out),
                "output_dir": str(self.out / "planner"), "training.device": c.training.device,
                "training.resume": "auto"}
        if c.data.tools:  # the planner plans over the configurations Phase 0 exported
            ours["data.tools"] = c.data.tools
        if not self.planner_names_reader():  # no reader of its own: it reads with Phase 0's LLM
            ours["model.llm_model"] = c.model.llm_model
        given = {a.split("=")[0][2:].replace("-", "_") for a in self.planner_argv if a.startswith("--")}
        return replace_keys(cfg, {k: v for k, v in ours.items() if k not in given})

    def planner_names_reader(self) -> bool:
        """The planner's YAML or flags choose its text reader (``model.llm_model``: the shipped one reads with
        MiniLM, whatever Phase 0 ran on)."""

        if "--model.llm_model" in self.planner_argv:
            return True
        path = Path(shipped(self.cfg.planner_config))
        loaded = read_yaml(path) if path.is_file() else None
        return "llm_model" in ((loaded or {}).get("model") or {})

    def train_planner(self, cfg: PlannerConfig) -> dict:
        from tomas.recipes.train_planner import train_planner

        final = train_planner(cfg, command=f"tomas run --output_dir {self.out} (stage train_planner)")
        return {k: final.get(k) for k in ("step", "train_wall_s", "val_tool_accuracy", "val_config_accuracy")}

    def evaluate_planner(self, cfg: PlannerConfig) -> dict:
        from tomas.recipes.evaluate_planner import evaluate_planner

        r = evaluate_planner(cfg.output_dir, device=cfg.training.device, hand_files=list(HAND_FILES))
        print(f"  Tool accuracy {r['tool_accuracy']:.2%} · config accuracy {r['config_accuracy']:.2%} · "
              f"plan accuracy {r['plan_accuracy']:.2%} · violations {r['violations']} · "
              f"{r['num_examples']} examples of {cfg.data.test_file}")
        if r.get("num_out_of_scope"):
            print(f"  Out of scope: {r['out_of_scope_recall']:.1%} of {r['num_out_of_scope']} refused, "
                  f"{r['in_scope_refused']:.1%} of in-scope ones wrongly")
        for path, h in r.get("handwritten_sets", {}).items():
            print(f"  Hand-written {path}: tool {h['tool_accuracy']:.2%} · plan {h['plan_accuracy']:.2%}")
        keep = ("tool_accuracy", "config_accuracy", "plan_accuracy", "config_accuracy_given_tool", "violations",
                "infeasible_accuracy", "latency_regret_pct", "num_examples", "train_wall_s", "out_of_scope_recall",
                "in_scope_refused", "confirmation")
        hand = {path: {k: h[k] for k in ("tool_accuracy", "plan_accuracy", "violations")}
                for path, h in r.get("handwritten_sets", {}).items()}
        return {**{k: r.get(k) for k in keep}, "handwritten": hand}

    def sample_plan(self, cfg: PlannerConfig) -> dict:
        """Plans the first held-out test request that something fits with the trained planner, as ``tomas plan``
        would, and says whether it is the oracle's plan."""
        from tomas.inference import load_planner

        lines = [json.loads(line) for line in Path(cfg.data.test_file).read_text().splitlines()]
        first = next((e for e in lines if e["config_id"] is not None), lines[0])  # a request something fits
        request = {"task": first["task"], "free_resources": first["free_resources"],
                   "latency_budget_ms": first.get("latency_budget_ms")}
        plan = load_planner(cfg.output_dir, cfg.training.device).plan([request])[0].to_dict()
        print(json.dumps(plan, indent=2))
        right = (plan["tool"], plan["input_size"], plan["config_id"]) == (first["tool"], first["input_size"],
                                                                         first["config_id"])
        print(f"  {'✓ the oracle' if right else '✗ not the oracle'}'s plan: {first['tool']}, "
              f"{first['input_size']} input, config {first['config_id']}")
        return {"request": request, "plan": plan, "oracle": {k: first[k] for k in ("tool", "input_size", "config_id")},
                "right": right}

    # --- the end -------------------------------------------------------------------------
    def summary(self, p0: dict, ev: dict, pe: dict, planner_cfg: PlannerConfig) -> dict:
        stages = self.state["stages"]
        planner_meta = read_meta(planner_cfg.output_dir)
        return {
            "phase0_exact_match": ev["exact_match"], "phase0_target_reached": p0.get("target_reached"),
            "phase0_stopped_by": p0.get("stopped_by"),
            "phase0_train_wall_s": p0.get("train_wall_s"),
            "phase0_eval_wall_s": ev.get("eval_wall_s"), "planner_tool_accuracy": pe["tool_accuracy"],
            "planner_config_accuracy": pe["config_accuracy"], "planner_plan_accuracy": pe.get("plan_accuracy"),
            "planner_violations": pe["violations"],
            "planner_handwritten": pe.get("handwritten", {}),
            "planner_train_wall_s": planner_meta.train_wall_s,
            "total_wall_s": round(sum(s.get("wall_s", 0.0) for s in stages.values() if isinstance(s, dict)), 2),
            "num_configs": ev["num_configs"], "llm_model": self.cfg.model.llm_model,
            "stage_wall_s": {name: stages[name]["wall_s"] for name in STAGES if name in stages},
            "planner_dir": planner_cfg.output_dir, "assets_dir": str(self.out),
            "planner_reader": planner_meta.llm_model, **provenance(),
        }

    def closing(self, summary: dict, sample: dict, planner_cfg: PlannerConfig) -> None:
        r = sample["request"]["free_resources"]
        flags = "" if planner_cfg.output_dir == PLANNER_DIR else f" --planner_dir {planner_cfg.output_dir}"
        print(f"\nDone in {summary['total_wall_s'] / 60:.1f} min: Phase 0 exact match "
              f"{summary['phase0_exact_match']:.2%} of {summary['num_configs']} configurations, planner tool "
              f"{summary['planner_tool_accuracy']:.1%} / config {summary['planner_config_accuracy']:.1%} / "
              f"{summary['planner_violations']} violations. Summary: {self.out / SUMMARY}")
        print("Go on with:")
        print(f"  tomas plan {json.dumps(sample['request']['task'])} --cpu-cores {r['cpu_cores']:g} "
              f"--memory-gb {r['memory_gb']:g} --gpu-sm {r['gpu_sm']:g} --gpu-memory-gb {r['gpu_memory_gb']:g}"
              f"{flags}")
        print(f"  tomas evaluate-planner{flags}        # the full report and confusion matrix")
        print(f"  tomas evaluate-planner{flags} --hand_file {' '.join(HAND_FILES)}   # + the hand-written "
              "requests (default tools only)")


def main(argv: list[str] | None = None) -> int:
    phase0_argv, planner_argv = split_planner_args(sys.argv[1:] if argv is None else argv)
    cfg, config_file = parse_config(RunConfig, phase0_argv, PRETRAIN_YAML, prog="tomas run")
    if cfg.training.resume is None:
        cfg.training.resume = "auto"  # re-running the main job continues where it stopped
    print(f"Loading configuration from: {config_file}")
    try:
        MainJob(cfg, config_file, planner_argv).run()
    except StopAfter as stop:
        print(f"\nStopped after stage {stop}, as asked; run the same command without --stop_after to go on.")
    return 0


def provenance() -> dict:
    """When and from which commit a run finished (the results table cites runs by both); the commit is None
    outside a git checkout, and ``dirty`` says whether tracked files differed from it."""
    import datetime
    import subprocess

    def git(*args: str) -> str | None:
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=True).stdout
        except (OSError, subprocess.SubprocessError):
            return None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "commit": commit.strip() if commit else None, "dirty": bool(status.strip()) if status is not None else None}
