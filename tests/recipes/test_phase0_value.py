"""The Phase 0 value grid (script/phase0_value.py) on the tiny planner's data and assets."""

from __future__ import annotations

import json


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
    r = cli(["script/phase0_value.py", "--config", str(grid), "--output_dir", str(out)], timeout=600)
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
    assert cli(["script/phase0_value.py", "--collect", str(out), "--to", str(merged)]).returncode == 0
    assert [{k: v for k, v in c.items() if k != "grid"} for c in json.loads(merged.read_text())["cells"]] == flat
    again = cli(["script/phase0_value.py", "--config", str(grid), "--output_dir", str(out)], timeout=600)
    assert again.returncode == 0 and len((out / "cells.jsonl").read_text().splitlines()) == len(lines)  # resumed


def test_a_bad_grid_is_one_error_line(cli, tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("seeds: [0]\nexperiments:\n  x: {model.config_head_init: phase0}\n")
    r = cli(["script/phase0_value.py", "--config", str(grid), "--output_dir", str(tmp_path / "o")], timeout=120)
    assert r.returncode == 2 and r.stderr.strip() == (f"error: {grid}: experiments.x: expected a mapping of "
                                                      "config key -> non-empty list")
