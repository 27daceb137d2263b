"""The main job end to end on the tiny model through the real CLI: task to plan, stopped after Phase 0's
evaluation and resumed from there (the stages already done are skipped, not redone)."""

from __future__ import annotations

import datetime
import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SUMMARY_KEYS = {"phase0_exact_match", "phase0_target_reached", "phase0_stopped_by", "phase0_train_wall_s",
                "phase0_eval_wall_s",
                "planner_tool_accuracy",
                "planner_config_accuracy", "planner_violations", "planner_train_wall_s", "total_wall_s",
                "num_configs", "llm_model"}

PLANNER_YAML = """\
model:
  lora: {r: 4, alpha: 8}
  head_learning_rate: 1.0e-2
training:
  batch_size: 8
  max_steps: 10
  learning_rate: 1.0e-2
  warmup_steps: 0
  eval_every_steps: 5
  eval_limit: 30
  save_every_steps: 5
  num_threads: 1
"""


@pytest.fixture(scope="module")
def job(pretrained, cli, tmp_path_factory):
    root = tmp_path_factory.mktemp("job")
    (root / "planner.yaml").write_text(PLANNER_YAML)
    args = ["-m", "tomas.cli", "run", "--config", str(pretrained.config), "--output_dir", str(root / "assets"),
            "--planner_config", str(root / "planner.yaml")]
    first = cli([*args, "--stop_after", "evaluate"])
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    second = cli(args)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    return root / "assets", first, second


def test_first_run_stops_after_phase0_evaluation(job, pretrained):
    out, first, _ = job
    assert "[4/8] Phase 0 evaluation" in first.stdout and "[5/8]" not in first.stdout
    assert "Stopped after stage evaluate" in first.stdout
    report = json.loads((out / "eval_report.json").read_text())
    assert report["num_configs"] == pretrained.num_rows


def test_second_run_skips_the_stages_done_and_finishes(job):
    _, _, second = job
    for n, stage in enumerate(["Validating", "Phase 0: pre-training", "Exporting", "Phase 0 evaluation"], 1):
        assert f"[{n}/8] {stage}" in second.stdout and "skipped" in second.stdout.split(f"[{n}/8]")[1].split("\n")[0]
    assert "Anchor stage" not in second.stdout  # Phase 0 was not trained again
    for n in range(5, 9):
        line = second.stdout.split(f"[{n}/8]")[1].split("\n")[0]
        assert "skipped" not in line, line


def test_summary_and_the_sample_plan(job, pretrained):
    out, _, second = job
    summary = json.loads((out / "run_summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert summary["num_configs"] == pretrained.num_rows and summary["llm_model"] == "tiny"
    report = json.loads((out / "eval_report.json").read_text())
    assert summary["phase0_exact_match"] == report["exact_match"]
    # reached = a full check was 100%, so the greedy read-back of the exported rows is too
    assert isinstance(summary["phase0_target_reached"], bool)
    assert not summary["phase0_target_reached"] or report["exact_match"] == 1.0
    assert (summary["phase0_stopped_by"] is None) == summary["phase0_target_reached"]  # else it names the cap
    planner_report = json.loads((out / "planner" / "planner_eval_report.json").read_text())
    assert summary["planner_tool_accuracy"] == planner_report["tool_accuracy"]
    assert summary["planner_violations"] == planner_report["violations"] == 0
    assert summary["total_wall_s"] >= summary["phase0_train_wall_s"] > 0
    assert (out / "planner" / "adapter_model.safetensors").is_file() and (out / "planner" / "README.md").is_file()
    assert '"tool":' in second.stdout and "Go on with:" in second.stdout and "tomas plan " in second.stdout
    # the sample is a request something fits, checked against the oracle; the hand-written sets of the
    # default tools are skipped for this registry, so none is summarised
    assert isinstance(summary["sample_plan_right"], bool) and ("the oracle's plan:" in second.stdout)
    assert summary["planner_handwritten"] == {}
    # provenance for the results table: the checkout's commit (the tests run inside the repository)
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout.strip()
    assert summary["commit"] == head and isinstance(summary["dirty"], bool)
    assert datetime.datetime.fromisoformat(summary["finished_at"]).tzinfo is not None
    assert summary["planner_reader"] == "tiny"


def test_the_printed_plan_command_works(job, cli):
    out, _, second = job
    command = next(line.strip() for line in second.stdout.splitlines() if line.strip().startswith("tomas plan "))
    import shlex

    result = cli(["-m", "tomas.cli", *shlex.split(command)[1:], "--json"])
    assert result.returncode in (0, 3), result.stderr[-2000:]
    assert json.loads(result.stdout)["tool"]


def test_a_one_tool_job_plans_over_that_tool_only(pretrained, cli, tmp_path):
    """`make quick`'s shape: Phase 0 on one tool's configurations, then a planner over the same ones."""
    (tmp_path / "planner.yaml").write_text(PLANNER_YAML)
    tool = json.loads(pretrained.registry.read_text())[0]["name"]
    r = cli(["-m", "tomas.cli", "run", "--config", str(pretrained.config), "--output_dir", str(tmp_path / "assets"),
             "--planner_config", str(tmp_path / "planner.yaml"), "--data.tools", f"[{tool}]"])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    summary = json.loads((tmp_path / "assets" / "run_summary.json").read_text())
    lookup = json.loads((tmp_path / "assets" / "config_lookup.json").read_text())
    assert summary["num_configs"] == len(lookup) and {e["tool_name"] for e in lookup.values()} == {tool}
    assert json.loads((tmp_path / "assets" / "planner" / "tool_mask_map.json").read_text()).keys() == {tool}
