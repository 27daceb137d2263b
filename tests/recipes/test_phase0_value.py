"""The Phase 0 value grid (experiments/phase0_value.py) on the tiny planner's data and assets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_grid_writes_every_cell_and_seed_and_resumes(planner_run, cli, tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"""\
planner_config: {planner_run.config}
flags: [--training.max_steps, "30"]
seeds: [0, 1]
experiments:
  little_data:
    model.config_head_init: [phase0, random]
    data.train_fraction: [0.25, 1.0]
  unseen_answers:
    model.config_head: [rows, live]
    data.holdout_configs: [0.2]
""")
    out = tmp_path / "grid"
    r = cli(["experiments/phase0_value.py", "--config", str(grid), "--output_dir", str(out)], timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    lines = [json.loads(line) for line in (out / "cells.jsonl").read_text().splitlines()]
    assert len(lines) == (4 + 2) * 2  # cells x seeds
    small = [x for x in lines if x["cell"].get("data.train_fraction") == 0.25]
    full = [x for x in lines if x["cell"].get("data.train_fraction") == 1.0]
    assert max(x["num_train"] for x in small) < min(x["num_train"] for x in full)
    results = json.loads((out / "results.json").read_text())
    unseen = results["experiments"]["unseen_answers"][0]["summary"]
    assert 0 <= unseen["test"]["unseen_plan_accuracy"]["mean"] <= 1
    for cell in results["experiments"]["little_data"]:
        assert set(cell["summary"]["val"]["plan_accuracy"]) == {"mean", "std"}
    assert set(results["rows"]) == {"phase0_rows", "random_rows"}
    assert (out / "little_data.png").stat().st_size > 1000
    flat = json.loads((out / "cells.json").read_text())["cells"]  # the format, one entry per cell and seed
    assert len(flat) == len(lines) and {c["init"] for c in flat} == {"phase0", "random", "live_phase0"}
    by_line = {(x["experiment"], x["seed"], json.dumps(x["cell"])): x["test"]["plan_accuracy"] for x in lines}
    assert sorted(c["plan_accuracy"] for c in flat) == sorted(by_line.values())
    assert all(set(c) >= {"regime", "init", "seed", "tool_accuracy", "config_accuracy", "plan_accuracy", "regret"}
               for c in flat)
    merged = tmp_path / "merged.json"
    assert cli(["experiments/phase0_value.py", "--collect", str(out), "--to", str(merged)]).returncode == 0
    assert [{k: v for k, v in c.items() if k != "grid"} for c in json.loads(merged.read_text())["cells"]] == flat
    again = cli(["experiments/phase0_value.py", "--config", str(grid), "--output_dir", str(out)], timeout=600)
    assert again.returncode == 0 and len((out / "cells.jsonl").read_text().splitlines()) == len(lines)  # resumed


def test_a_bad_grid_is_one_error_line(cli, tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("seeds: [0]\nexperiments:\n  x: {model.config_head_init: phase0}\n")
    r = cli(["experiments/phase0_value.py", "--config", str(grid), "--output_dir", str(tmp_path / "o")], timeout=120)
    assert r.returncode == 2 and r.stderr.strip() == (f"error: {grid}: experiments.x: expected a mapping of "
                                                      "config key -> non-empty list")


def test_new_tool_grid_adds_the_last_tool_after_training(planner_run, pretrained, cli, tmp_path):
    """data.new_tool: the decoder learns the first two tools, the third is added after training. Without
    examples it is never chosen and the old tools' plans do not move; with some it is chosen."""
    import torch

    from tomas.artifacts.assets import save_assets
    from tomas.data import load_tool_data

    data = load_tool_data(pretrained.registry, pretrained.profiling)
    old = data.subset(data.tool_names[:-1])
    assets = tmp_path / "assets"
    save_assets(torch.zeros(len(old.configs), 8), old, assets, log=lambda *_: None)  # the table; rows unused
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"""\
planner_config: {planner_run.config}
flags: [--training.max_steps, "30", --data.assets_dir, {assets}, --data.new_tool, {data.tool_names[-1]}]
seeds: [0]
experiments:
  new_tool:
    model.config_head_init: [random, features]
    data.new_tool_examples: [0, 20]
""")
    out = tmp_path / "grid"
    r = cli(["experiments/phase0_value.py", "--config", str(grid), "--output_dir", str(out)], timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    flat = json.loads((out / "cells.json").read_text())["cells"]
    assert len(flat) == 4
    for c in flat:
        if "new_tool_examples=0" in c["regime"]:
            assert c["new_tool_tool_accuracy"] == 0
            assert c["old_tools_plan_accuracy_after"] == c["old_tools_plan_accuracy_before"]
        else:
            assert c["new_tool_tool_accuracy"] > 0.05  # the tiny random LLM tells tools apart poorly
        assert 0 <= c["new_tool_plan_accuracy_given_tool"] <= 1
    grid.write_text(f"""\
planner_config: {planner_run.config}
flags: [--data.assets_dir, {assets}, --data.new_tool, {data.tool_names[-1]}, --data.new_tool_encoder,
        {pretrained.out / 'pretrained_encoder.pt'}]
seeds: [0]
experiments:
  new_tool: {{model.config_head_init: [phase0]}}
""")
    r = cli(["experiments/phase0_value.py", "--config", str(grid), "--output_dir", str(tmp_path / "o")], timeout=600)
    assert r.returncode == 2 and "trained on" in r.stderr  # an encoder that saw the new tool is refused


GRIDS = sorted((Path(__file__).resolve().parents[2] / "experiments").glob("*.yaml"))


@pytest.mark.parametrize("grid", GRIDS, ids=[g.name for g in GRIDS])
def test_every_shipped_grid_parses_cell_by_cell(grid, repo_root):
    """Each cell of every shipped experiment grid is a valid planner config (typos fail here, not hours in)."""
    import importlib.util

    from tomas.config import PlannerConfig, parse_config

    spec_ = importlib.util.spec_from_file_location("phase0_value", repo_root / "experiments/phase0_value.py")
    runner = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(runner)
    spec = runner.read_grid(str(grid))
    for axes in spec["experiments"].values():
        for cell in runner.cells(axes):
            cfg, _ = parse_config(PlannerConfig, [*spec.get("flags", []), *runner.flags_of(cell)],
                                  str(repo_root / spec["planner_config"]))
            for key, value in cell.items():
                section, name = key.split(".")
                assert getattr(getattr(cfg, section), name) == value
