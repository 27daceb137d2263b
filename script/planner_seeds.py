"""Train and evaluate the planner over several seeds; report mean ± std (what docs/planner.md quotes).

``python script/planner_seeds.py --output_dir runs/seeds --seeds 0 1 2 [-- --training.max_steps 100 ...]``

Per seed, one after the other (two trainings never share the CPU): ``tomas train --config
configs/train_planner.yaml --training.seed S --output_dir OUT/seed_S <flags after -->``, then
``tomas evaluate-planner`` on the test split and the hand-written set. A seed whose reports
exist is not run again, so an interrupted sweep goes on where it stopped. Writes
``OUT/summary.json`` (every seed's figures and their mean and standard deviation) and
``OUT/summary.png``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from tomas.artifacts.planner import EVAL_REPORT, HAND_REPORT
from tomas.data.planner import HAND_FILE
from tomas.io import save_json
from tomas.plots import png_figure

TEST_KEYS = ("tool_accuracy", "config_accuracy", "plan_accuracy", "config_accuracy_given_tool", "violations")
HAND_KEYS = ("tool_accuracy", "size_accuracy", "plan_accuracy", "violations")


def run(args: list[str]) -> None:
    print("$ tomas " + " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "tomas.cli", *args], check=True)


def one_seed(seed: int, out: Path, config: str, extra: list[str], hand_file: str) -> dict:
    folder = out / f"seed_{seed}"
    if not (folder / EVAL_REPORT).is_file() or not (folder / HAND_REPORT).is_file():
        run(["train", "--config", config, "--training.seed", str(seed), "--output_dir", str(folder), *extra])
        run(["evaluate-planner", "--planner_dir", str(folder), "--hand_file", hand_file])
    test, hand = (json.loads((folder / name).read_text()) for name in (EVAL_REPORT, HAND_REPORT))
    meta = json.loads((folder / "planner.json").read_text())
    val = meta["validation"]
    return {"seed": seed, "train_wall_s": meta["train_wall_s"],
            "val": {"tool_accuracy": val["val_tool_accuracy"], "config_accuracy": val["val_config_accuracy"]},
            "test": {k: test[k] for k in TEST_KEYS} | unseen(test) | preferences(test),
            "hand": {k: hand[k] for k in HAND_KEYS} | preferences(hand),
            "hand_by_category": {k: v["tool_accuracy"] for k, v in hand["by_category"].items()}}


def unseen(test: dict) -> dict:
    """Plan accuracy on the requests whose answer was never a training answer (runs with data.holdout_configs)."""
    return {"unseen_plan_accuracy": test["unseen_answers"]["plan_accuracy"]} if "unseen_answers" in test else {}


def preferences(report: dict) -> dict:
    """How preferences in words were read (``preference_accuracy``) and honoured (plan accuracy on the
    requests that state one), for planners that read them."""
    return {k: report[k] for k in ("preference_accuracy", "preference_plan_accuracy") if k in report}


def mean_std(rows: list[dict]) -> dict:
    """{split: {metric: {"mean", "std"}}} over the seeds (sample standard deviation)."""
    out: dict = {}
    for split in ("val", "test", "hand"):
        for key in rows[0][split]:
            values = [r[split][key] for r in rows]
            out.setdefault(split, {})[key] = {"mean": statistics.mean(values),
                                              "std": statistics.stdev(values) if len(values) > 1 else 0.0}
    return out


def plot(summary: dict, path: Path) -> None:
    bars = [(f"{split} {key.replace('_accuracy', '')}", summary["mean_std"][split][key])
            for split, keys in (("val", ("tool_accuracy", "config_accuracy")), ("test", ("tool_accuracy",
                                "plan_accuracy")), ("hand", ("tool_accuracy", "size_accuracy", "plan_accuracy")))
            for key in keys]
    with png_figure(path, (9, 4)) as (fig, ax):
        ax.bar(range(len(bars)), [100 * b["mean"] for _, b in bars], yerr=[100 * b["std"] for _, b in bars], capsize=4)
        ax.set_xticks(range(len(bars)), [name for name, _ in bars], rotation=30, ha="right")
        ax.set_ylabel(f"% (mean ± std over {len(summary['seeds'])} seeds)")
        ax.set_ylim(0, 100)
        fig.tight_layout()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output_dir", required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--config", default="configs/train_planner.yaml")
    p.add_argument("--hand_file", default=HAND_FILE)
    args = p.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    out = Path(args.output_dir)
    rows = [one_seed(seed, out, args.config, extra, args.hand_file) for seed in args.seeds]
    summary = {"config": args.config, "flags": extra, "seeds": args.seeds, "runs": rows, "mean_std": mean_std(rows)}
    save_json(summary, out / "summary.json")
    plot(summary, out / "summary.png")
    for split, metrics in summary["mean_std"].items():
        print(f"{split:>5}: " + " · ".join(f"{k} {100 * v['mean']:.1f} ± {100 * v['std']:.1f}"
                                            for k, v in metrics.items() if k != "violations")
              + (f" · violations {metrics['violations']['mean']:g}" if "violations" in metrics else ""))
    print(f"Summary: {out / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
