"""Planner end to end through the real CLI on the tiny model and the 3-tool fixture:
generate-planner -> export (Phase 0 assets) -> train -> evaluate-planner -> plan (single, JSON, batch)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from tomas.models.decoder import RESOURCES

TOMAS = ["-m", "tomas.cli"]
MAX_STEPS, EVAL_EVERY = 40, 20


@dataclass
class PlannerRun:
    root: Path
    config: Path
    assets: Path
    data: Path
    out: Path
    result: object


def planner_yaml(pretrained, data: Path, assets: Path, out: Path) -> str:
    return f"""\
data:
  tool_registry: {pretrained.registry}
  profiling_data: {pretrained.profiling}
  train_file: {data}/train.jsonl
  val_file: {data}/val.jsonl
  test_file: {data}/test.jsonl
  assets_dir: {assets}
model:
  llm_model: tiny
  lora: {{r: 4, alpha: 8}}
  head_learning_rate: 1.0e-2
training:
  batch_size: 8
  max_steps: {MAX_STEPS}
  learning_rate: 1.0e-2
  warmup_steps: 0
  eval_every_steps: {EVAL_EVERY}
  save_every_steps: 10
  device: cpu
  num_threads: 1
  seed: 0
output_dir: {out}
"""


@pytest.fixture(scope="module")
def planner_run(pretrained, cli, tmp_path_factory) -> PlannerRun:
    root = tmp_path_factory.mktemp("planner")
    data, assets, out = root / "data", root / "assets", root / "planner"
    gen = cli([*TOMAS, "data", "generate-planner", "--tool_registry", str(pretrained.registry), "--profiling_data",
               str(pretrained.profiling), "--output_dir", str(data), "--train_per_tool", "60", "--val_per_tool", "10",
               "--test_per_tool", "20"])
    assert gen.returncode == 0, gen.stderr
    ckpt = pretrained.out / "pretrained_encoder.pt"
    exp = cli(["script/export_classifier_weights.py", "--encoder_checkpoint", str(ckpt),
               "--tool_registry", str(pretrained.registry), "--profiling_data", str(pretrained.profiling),
               "--llm_model", "tiny", "--output_dir", str(assets), "--device", "cpu"])
    assert exp.returncode == 0, exp.stderr
    config = root / "train_planner.yaml"
    config.write_text(planner_yaml(pretrained, data, assets, out))
    result = cli(["script/train.py", "--config", str(config)])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return PlannerRun(root, config, assets, data, out, result)


def test_training_writes_checkpoint_metrics_and_plot(planner_run):
    out = planner_run.out
    for name in ("planner.safetensors", "planner.json", "planner_state.pt", "planner_metrics.jsonl",
                 "planner_curve.png"):
        assert (out / name).is_file(), name
    records = [json.loads(line) for line in (out / "planner_metrics.jsonl").read_text().splitlines()]
    evals = [r for r in records if "val_config_accuracy" in r]
    assert [r["step"] for r in evals] == list(range(EVAL_EVERY, MAX_STEPS + 1, EVAL_EVERY))
    first = [r["loss"] for r in records][:2]
    assert sum(r["loss"] for r in records[-2:]) < sum(first)  # the loss goes down
    assert all(r["val_violations"] == 0 for r in evals)
    # The checkpoint holds only LoRA + heads: a small fraction of the LLM.
    from safetensors.torch import load_file

    weights = load_file(str(out / "planner.safetensors"))
    assert weights and all("lora_" in k or "decoder." in k for k in weights)
    assert any("lora_" in k for k in weights) and any("config_head" in k for k in weights)
    meta = json.loads((out / "planner.json").read_text())
    assert meta["llm_model"] == "tiny" and meta["num_configs"] == 20


def test_evaluate_planner_report(planner_run, cli):
    r = cli([*TOMAS, "evaluate-planner", "--planner_dir", str(planner_run.out), "--device", "cpu"])
    assert r.returncode == 0, r.stderr
    report = json.loads((planner_run.out / "planner_eval_report.json").read_text())
    for key in ("tool_accuracy", "config_accuracy", "violations", "latency_regret_ms", "num_examples"):
        assert key in report
    test_lines = (planner_run.data / "test.jsonl").read_text().splitlines()
    assert report["num_examples"] == len(test_lines)
    assert report["violations"] == 0
    assert 0 <= report["config_accuracy"] <= 1 and 0 <= report["tool_accuracy"] <= 1
    assert sum(map(sum, report["confusion"])) == len(test_lines)
    assert (planner_run.out / "planner_confusion.png").stat().st_size > 1000


def _plan(cli, planner_run, *args):
    return cli(["script/inference.py", *args, "--planner_dir", str(planner_run.out), "--device", "cpu"])


def test_plan_json_fits_the_free_resources(planner_run, cli):
    free = {"cpu_cores": 4, "memory_gb": 4, "gpu_sm": 20, "gpu_memory_gb": 2}
    r = _plan(cli, planner_run, "Transcribe this hour-long interview recording", "--cpu-cores", "4", "--memory-gb",
              "4", "--gpu-sm", "20", "--gpu-memory-gb", "2", "--json")
    plan = json.loads(r.stdout)
    lookup = json.loads((planner_run.assets / "config_lookup.json").read_text())
    mask = json.loads((planner_run.assets / "tool_mask_map.json").read_text())
    if plan["feasible"]:
        assert r.returncode == 0
        entry = lookup[str(plan["config_id"])]
        assert plan["config_id"] in mask[plan["tool"]] and entry["tool_name"] == plan["tool"]
        assert all(entry[k] <= free[k] for k in RESOURCES)
        assert plan["latency_ms"] == entry["latency_ms"] and 0 < plan["confidence"] <= 1
    else:
        assert r.returncode == 3


def test_plan_with_nothing_free_is_infeasible_with_exit_3(planner_run, cli):
    r = _plan(cli, planner_run, "Read this scanned page", "--cpu-cores", "0", "--memory-gb", "0", "--gpu-sm", "0",
              "--gpu-memory-gb", "0", "--json")
    assert r.returncode == 3, r.stderr
    plan = json.loads(r.stdout)
    assert plan["feasible"] is False and plan["config_id"] is None and "fits" in plan["reason"]


def test_plan_batch_masks_every_answer(planner_run, cli, tmp_path):
    examples = [json.loads(line) for line in (planner_run.data / "test.jsonl").read_text().splitlines()]
    batch = tmp_path / "requests.jsonl"
    batch.write_text("".join(json.dumps({k: e[k] for k in ("task", "free_resources", "latency_budget_ms")}) + "\n"
                             for e in examples))
    r = _plan(cli, planner_run, "--batch", str(batch))
    assert r.returncode == 0, r.stderr
    plans = [json.loads(line) for line in r.stdout.splitlines()]
    lookup = json.loads((planner_run.assets / "config_lookup.json").read_text())
    assert len(plans) == len(examples)
    for p, e in zip(plans, examples):
        if p["config_id"] is not None:
            entry = lookup[str(p["config_id"])]
            assert entry["tool_name"] == p["tool"] and entry["input_size"] == p["input_size"]
            assert all(entry[k] <= e["free_resources"][k] for k in RESOURCES)


def test_plan_bad_batch_line_is_one_error_line(planner_run, cli, tmp_path):
    batch = tmp_path / "bad.jsonl"
    batch.write_text('{"task": "x", "free_resources": {"cpu_cores": 1, "memory_gb": 1, "gpu_sm": 0}}\n')
    r = _plan(cli, planner_run, "--batch", str(batch))
    assert r.returncode == 2
    field = "free_resources.gpu_memory_gb"
    assert r.stderr.strip() == f"error: {batch}: line 1: field {field}: missing or not a number ≥ 0"


def test_plan_refuses_a_checkpoint_of_another_decoder_shape(planner_run, cli, tmp_path):
    from safetensors.torch import load_file, save_file

    weights = load_file(str(planner_run.out / "planner.safetensors"))
    name = next(n for n in weights if n.endswith("feature_head.weight"))
    weights[name] = torch.zeros(weights[name].shape[0] + 2, weights[name].shape[1])  # an older scorer's 5 features
    save_file(weights, str(tmp_path / "planner.safetensors"))
    (tmp_path / "planner.json").write_bytes((planner_run.out / "planner.json").read_bytes())
    r = cli(["script/inference.py", "Read this page", "--cpu-cores", "4", "--memory-gb", "4", "--gpu-sm", "0",
             "--gpu-memory-gb", "0", "--planner_dir", str(tmp_path), "--device", "cpu"])
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"error: {tmp_path / 'planner.safetensors'}: {name} has shape")
    assert len(r.stderr.strip().splitlines()) == 1


def test_resume_continues_from_the_saved_step(planner_run, cli):
    """Re-running with more steps and --training.resume auto starts at the saved step."""
    r = cli(["script/train.py", "--config", str(planner_run.config), "--training.max_steps", str(MAX_STEPS + 10),
             "--training.resume", "auto", "--output_dir", str(planner_run.out)])
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"Resumed from {planner_run.out / 'planner_state.pt'} at step {MAX_STEPS}" in r.stdout
    state = torch.load(planner_run.out / "planner_state.pt", weights_only=True)
    assert state["step"] == MAX_STEPS + 10


def test_training_refuses_assets_of_other_data(planner_run, cli, tmp_path):
    lookup = json.loads((planner_run.assets / "config_lookup.json").read_text())
    lookup["0"]["latency_ms"] += 1
    assets = tmp_path / "assets"
    assets.mkdir()
    for name in ("config_weights.pt", "tool_mask_map.json"):
        (assets / name).write_bytes((planner_run.assets / name).read_bytes())
    (assets / "config_lookup.json").write_text(json.dumps(lookup))
    r = cli(["script/train.py", "--config", str(planner_run.config), "--data.assets_dir", str(assets),
             "--output_dir", str(tmp_path / "out")])
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"error: {assets / 'config_lookup.json'}: config 0 differs")
    assert not (tmp_path / "out").exists()


def test_probe_trains_the_decoder_alone_and_reuses_the_hidden_cache(planner_run, cli, tmp_path):
    out = tmp_path / "probe"
    args = [*TOMAS, "probe-planner", "--config", str(planner_run.config), "--output_dir", str(out),
            "--training.max_steps", "60"]
    first = cli(args)
    assert first.returncode == 0, first.stderr
    assert "encoding" in first.stdout and (out / "probe" / "probe_hidden.pt").is_file()
    report = json.loads((out / "probe" / "probe_report.json").read_text())
    assert report["model"]["config_features"] and report["steps"] == 60
    for split in ("val", "test"):
        r = report["splits"][split]
        assert r["violations"] == 0
        # Rank features let the scorer learn the oracle's rule from its bias alone, whatever the LLM.
        assert r["config_accuracy_given_tool_and_size"] >= 0.9, r
    again = cli(args)
    assert again.returncode == 0 and "hidden states from" in again.stdout
    assert json.loads((out / "probe" / "probe_report.json").read_text()) == report  # seeded: the same numbers


def test_checkpoint_from_before_the_readout_option_reads_the_last_token(planner_run, tmp_path):
    from tomas.models.planner import last_token_states, mean_token_states
    from tomas.stages.plan import load_planner

    meta = json.loads((planner_run.out / "planner.json").read_text())
    assert meta["config"]["model"]["readout"] == "mean"  # what this run was trained with (the default)
    del meta["config"]["model"]["readout"]
    (tmp_path / "planner.json").write_text(json.dumps(meta))
    (tmp_path / "planner.safetensors").write_bytes((planner_run.out / "planner.safetensors").read_bytes())
    assert load_planner(str(planner_run.out), "cpu").model.readout is mean_token_states
    assert load_planner(str(tmp_path), "cpu").model.readout is last_token_states
