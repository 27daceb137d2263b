"""Does Phase 0 pay off? Planner decoders over a grid of regimes x initialisations x seeds (issue 16).

``python experiments/phase0_value.py --config experiments/phase0_value.yaml --output_dir runs/phase0_value``

Each cell trains the planner's decoder alone on the frozen LLM's hidden states
(``tomas probe-planner``: the states are computed once and cached, a cell takes seconds), once
per seed, and records validation and test metrics; the LoRA is not the question here. The
YAML names the base planner config and flags, the seeds, and experiments: each a grid of
``PlannerConfig`` keys -> values (e.g. ``model.config_head_init: [phase0, random]``,
``data.train_fraction: [0.01, 1.0]``). Also measured once: what the exported rows carry
(``tomas.eval.rows.row_probe``) against random rows of the same shape.

Writes ``cells.jsonl`` (one line per cell and seed, so an interrupted grid goes on where it
stopped), ``results.json`` (mean and standard deviation per cell) and one PNG per experiment.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from pathlib import Path

import torch
import yaml

from tomas.config import PLANNER_YAML, PlannerConfig, parse_config
from tomas.errors import TomasError
from tomas.io import save_json
from tomas.plots import png_figure

METRICS = ("tool_accuracy", "plan_accuracy", "config_accuracy", "size_accuracy_given_tool",
           "config_accuracy_given_tool_and_size")


def read_grid(path: str) -> dict:
    try:
        spec = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as e:
        raise TomasError(f"{path}: cannot read the grid ({e})") from None
    for key in ("seeds", "experiments"):
        if key not in spec:
            raise TomasError(f"{path}: missing key {key!r}")
    for name, axes in spec["experiments"].items():
        if not isinstance(axes, dict) or not all(isinstance(v, list) and v for v in axes.values()):
            raise TomasError(f"{path}: experiments.{name}: expected a mapping of config key -> non-empty list")
    return spec


def cells(axes: dict) -> list[dict]:
    keys = list(axes)
    return [dict(zip(keys, values)) for values in itertools.product(*(axes[k] for k in keys))]


def flags_of(cell: dict) -> list[str]:
    return [arg for k, v in cell.items() for arg in (f"--{k}", json.dumps(v) if isinstance(v, bool) else str(v))]


def run_cell(spec: dict, cell: dict, seed: int, out: Path) -> dict:
    from tomas.training.probe import probe  # the probe's training loop, called in-process per cell

    argv = [*spec.get("flags", []), *flags_of(cell), "--training.seed", str(seed), "--output_dir", str(out)]
    cfg, _ = parse_config(PlannerConfig, argv, spec.get("planner_config", PLANNER_YAML))
    report = probe(cfg, log=lambda *_: None, save=False)
    kept = (*METRICS, "unseen_answers", "latency_regret_pct", "preference_accuracy", "plan_accuracy_by_preference",
            "preference_plan_accuracy", "new_tool", "old_tools")
    return {split: {k: v for k, v in report["splits"][split].items() if k in kept}
            for split in ("val", "test")} | {"num_train": report["num_train"]}


def init_name(cell: dict) -> str:
    """The initialisation a cell compares: the config head's rows, prefixed ``live_`` for the live head."""
    init = cell.get("model.config_head_init", "phase0")
    return f"live_{init}" if cell.get("model.config_head") == "live" else init


def read_cells(path: Path) -> dict:
    """``cells.jsonl``: (experiment, cell, seed) -> its record."""
    lines = path.read_text().splitlines() if path.is_file() else []
    return {(r["experiment"], json.dumps(r["cell"], sort_keys=True), r["seed"]): r for r in map(json.loads, lines)}


def collect(dirs: list[str], to: str) -> None:
    """Every grid's cells in one flat file (``--collect``), each tagged with the grid folder it came from."""
    cells_out = []
    for folder in dirs:
        for row in flat_cells(read_cells(Path(folder) / "cells.jsonl"))["cells"]:
            cells_out.append({"grid": Path(folder).name, **row})
    save_json({"cells": cells_out}, Path(to))
    print(f"{len(cells_out)} cells -> {to}")


def extras(split: dict) -> dict[str, float]:
    """A split's regime-specific metrics, flat: on requests whose answer was never a training answer
    (``unseen_plan_accuracy``); of a tool added after training (``new_tool_*``: its requests' tool and plan
    accuracy, and plan accuracy with its tool forced; ``old_tools_*``: the other tools' plan accuracy before
    and after it was added); of preferences in words (``preference_accuracy``: the preference read right;
    ``preference_plan_accuracy``: plan accuracy on the requests that state one)."""
    out = {}
    if "unseen_answers" in split:
        out["unseen_plan_accuracy"] = split["unseen_answers"]["plan_accuracy"]
    if "new_tool" in split:
        new = split["new_tool"]
        out |= {"new_tool_tool_accuracy": new["tool_accuracy"], "new_tool_plan_accuracy": new["plan_accuracy"],
                "new_tool_plan_accuracy_given_tool": new["plan_accuracy_given_tool"],
                "old_tools_plan_accuracy_before": split["old_tools"]["plan_accuracy_before"],
                "old_tools_plan_accuracy_after": split["old_tools"]["plan_accuracy_after"]}
    if "preference_accuracy" in split:
        out["preference_accuracy"] = split["preference_accuracy"]
    if "preference_plan_accuracy" in split:
        out["preference_plan_accuracy"] = split["preference_plan_accuracy"]
    return out


def flat_cells(done: dict) -> dict:
    """Every cell and seed in the issue's flat format, test split (``regret``: mean latency regret in % of
    the oracle's latency; ``unseen_plan_accuracy``: on requests whose answer was never a training answer)."""
    out = []
    for r in done.values():
        test, cell = r["test"], r["cell"]
        regime = ", ".join([r["experiment"]] + [f"{k.split('.')[-1]}={v}" for k, v in cell.items()
                                                if k not in ("model.config_head_init", "model.config_head")])
        row = {"regime": regime, "init": init_name(cell), "seed": r["seed"], "split": "test",
               "tool_accuracy": test["tool_accuracy"], "config_accuracy": test["config_accuracy"],
               "plan_accuracy": test["plan_accuracy"], "regret": test.get("latency_regret_pct")}
        out.append(row | extras(test))
    return {"cells": out}


def summarise(rows: list[dict]) -> dict:
    """Mean and sample standard deviation of every metric over the seeds of one cell."""
    out: dict = {}
    for split in ("val", "test"):
        for key in METRICS:
            values = [r[split][key] for r in rows]
            out.setdefault(split, {})[key] = {"mean": statistics.mean(values),
                                              "std": statistics.stdev(values) if len(values) > 1 else 0.0}
        flat = [extras(r[split]) for r in rows]
        for key in flat[0]:
            values = [f[key] for f in flat]
            out[split][key] = {"mean": statistics.mean(values),
                               "std": statistics.stdev(values) if len(values) > 1 else 0.0}
    return out


def plot(name: str, results: list[dict], path: Path) -> None:
    """Validation plan accuracy of every cell (mean ± std over seeds), one bar per cell."""
    with png_figure(path, (max(6, 0.55 * len(results) + 2), 4.5)) as (fig, ax):
        means = [100 * r["summary"]["val"]["plan_accuracy"]["mean"] for r in results]
        stds = [100 * r["summary"]["val"]["plan_accuracy"]["std"] for r in results]
        ax.bar(range(len(results)), means, yerr=stds, capsize=3)
        ax.set_xticks(range(len(results)), [", ".join(f"{k.split('.')[-1]}={short(v)}" for k, v in r["cell"].items())
                                            for r in results], rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("validation plan accuracy (%)")
        ax.set_ylim(0, 100)
        ax.set_title(f"{name} (decoder probe, mean ± std over seeds)")
        fig.tight_layout()


def short(value) -> str:
    """A cell value for a plot label: an assets path by its run's folder (runs/row_alone/assets -> row_alone)."""
    return Path(value).parent.name if isinstance(value, str) and "/" in value else str(value)


def rows_report(spec: dict, out: Path) -> dict:
    """What Phase 0's exported rows carry vs random rows of the same shape (``row_probe``)."""
    from tomas.artifacts.assets import WEIGHTS, load_weights
    from tomas.data import load_tool_data
    from tomas.eval.rows import row_probe

    cfg, _ = parse_config(PlannerConfig, [*spec.get("flags", []), "--output_dir", str(out)],
                          spec.get("planner_config", PLANNER_YAML))
    data = load_tool_data(cfg.data.tool_registry, cfg.data.profiling_data)
    data = data.subset(cfg.data.tools) if cfg.data.tools else data
    if cfg.data.new_tool:  # the assets are those of the other tools
        data = data.subset([t for t in data.tool_names if t != cfg.data.new_tool])
    weights = torch.load(Path(cfg.data.assets_dir) / WEIGHTS, map_location="cpu", weights_only=True)
    rows = load_weights(str(Path(cfg.data.assets_dir) / WEIGHTS), len(data.configs), weights["hidden_dim"])
    random_rows = torch.randn(rows.shape, generator=torch.Generator().manual_seed(0)) * rows.std() + rows.mean()
    return {"phase0_rows": row_probe(rows, data), "random_rows": row_probe(random_rows, data)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="experiments/phase0_value.yaml")
    p.add_argument("--output_dir", default="runs/phase0_value")
    p.add_argument("--rows_only", action="store_true", help="only what the rows carry (rows.json), no grid")
    p.add_argument("--collect", nargs="+", metavar="DIR", help="merge these grids' cells into one flat file")
    p.add_argument("--to", default="docs/results/phase0_value.json", help="the merged file (with --collect)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    if args.collect:
        collect(args.collect, args.to)
        return 0
    spec, out = read_grid(args.config), Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    if args.rows_only:
        save_json(rows_report(spec, out), out / "rows.json")
        print(f"Rows: {out / 'rows.json'}")
        return 0
    done_path = out / "cells.jsonl"
    done = read_cells(done_path)
    plan = [(name, cell, seed) for name, axes in spec["experiments"].items() for cell in cells(axes)
            for seed in spec["seeds"]]
    from tqdm.auto import tqdm

    for name, cell, seed in tqdm(plan, desc="Cells"):
        key = (name, json.dumps(cell, sort_keys=True), seed)
        if key not in done:
            done[key] = {"experiment": name, "cell": cell, "seed": seed, **run_cell(spec, cell, seed, out)}
            with open(done_path, "a") as f:
                f.write(json.dumps(done[key]) + "\n")
    results: dict = {"config": args.config, "seeds": spec["seeds"], "rows": rows_report(spec, out), "experiments": {}}
    for name, axes in spec["experiments"].items():
        results["experiments"][name] = [
            {"cell": cell, "summary": summarise([done[(name, json.dumps(cell, sort_keys=True), s)]
                                                 for s in spec["seeds"]])} for cell in cells(axes)]
        plot(name, results["experiments"][name], out / f"{name}.png")
    save_json(results, out / "results.json")
    save_json(flat_cells(done), out / "cells.json")
    for name, rows in results["experiments"].items():
        print(f"{name}:")
        for r in rows:
            v = r["summary"]["val"]
            print(f"  {json.dumps(r['cell'])}: val " + " · ".join(
                f"{key} {100 * v[key]['mean']:.1f} ± {100 * v[key]['std']:.1f}"
                for key in ("plan_accuracy", *(k for k in v if k not in METRICS))))
    print(f"Results: {out / 'results.json'}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TomasError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
