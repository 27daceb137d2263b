"""Train and evaluate the planner over several seeds; report mean ± std (what docs/planner.md quotes).

``python experiments/planner_seeds.py --output_dir runs/seeds --seeds 0 1 2 [-- --training.max_steps 100 ...]``

Per seed, one after the other (two trainings never share the CPU): ``tomas train --config
configs/train_planner.yaml --training.seed S --output_dir OUT/seed_S <flags after -->``, then
``tomas evaluate-planner`` in each size mode (``SIZE_MODES``: numbers read exactly, the learned reading
alone, the size given as the input's facts) on validation and the hand-written validation set (what
choices are made on), the test split and both hand-written test sets (``OUT/seed_S/<mode>/``). A seed
whose reports exist is not run again, so an interrupted sweep goes on where it stopped. Writes
``OUT/summary.json`` (every seed's figures and their mean and standard deviation) and ``OUT/summary.png``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from tomas.artifacts.planner import EVAL_REPORT
from tomas.config import DEV_FILE
from tomas.data.planner import HAND_FILES
from tomas.io import save_json
from tomas.plots import png_figure
from tomas.recipes.evaluate_planner import hand_report_name

TEST_KEYS = ("tool_accuracy", "config_accuracy", "plan_accuracy", "config_accuracy_given_tool",
             "size_accuracy_given_tool", "violations", "out_of_scope_recall", "in_scope_refused")
HAND_KEYS = ("tool_accuracy", "size_accuracy", "size_accuracy_given_tool", "plan_accuracy", "violations",
             "out_of_scope_recall", "in_scope_refused")
SIZE_MODES = ("numbers", "unnamed", "off", "given")


def run(args: list[str]) -> None:
    print("$ tomas " + " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "tomas.cli", *args], check=True)


def evaluate(folder: Path, mode: str, hand_files: list[str]) -> dict:
    """Validation, test and hand-written reports of the planner in ``folder`` with input sizes read per ``mode``."""
    out = folder / mode
    if not (out / "val" / EVAL_REPORT).is_file():
        run(["evaluate-planner", "--planner_dir", str(folder), "--size_mode", mode, "--output_dir", str(out / "val"),
             "--test_file", str(json.loads((folder / "planner.json").read_text())["config"]["data"]["val_file"])])
    if not (out / EVAL_REPORT).is_file():
        run(["evaluate-planner", "--planner_dir", str(folder), "--size_mode", mode, "--output_dir", str(out),
             "--hand_file", *hand_files])
    val, test = (json.loads(p.read_text()) for p in (out / "val" / EVAL_REPORT, out / EVAL_REPORT))
    row = {"val": {k: val[k] for k in TEST_KEYS if k in val},
           "test": {k: test[k] for k in TEST_KEYS if k in test} | unseen(test) | preferences(test) | confirmed(test)}
    for n, hand_file in enumerate(hand_files):
        hand = json.loads((out / hand_report_name(hand_file, n == 0)).read_text())
        dev = Path(hand_file).parent.name == Path(DEV_FILE).parent.name
        name = "dev" if dev else "hand" if n == 0 else f"hand{n + 1}"
        row[name] = {k: hand[k] for k in HAND_KEYS if k in hand} | preferences(hand) | confirmed(hand)
        row[name] |= {f"{stated}_{k}": v[k] for stated, v in hand.get("by_size_stated", {}).items()
                      for k in ("size_accuracy_given_tool", "plan_accuracy")}
        row[f"{name}_by_category"] = {k: v["tool_accuracy"] for k, v in hand["by_category"].items()}
        row[f"{name}_by_category_plan"] = {k: v["plan_accuracy"] for k, v in hand["by_category"].items()
                                           if v["plan_accuracy"] is not None}
        row[name]["config_accuracy_given_tool_and_size"] = hand["config_accuracy_given_tool_and_size"]
    return row


def one_seed(seed: int, out: Path, config: str, extra: list[str], hand_files: list[str],
             modes: tuple[str, ...] = SIZE_MODES) -> dict:
    folder = out / f"seed_{seed}"
    if not (folder / "planner.json").is_file():  # an interrupted training resumes from its state
        run(["train", "--config", config, "--training.seed", str(seed), "--output_dir", str(folder),
             "--training.resume", "auto", *extra])
    meta = json.loads((folder / "planner.json").read_text())
    return {"seed": seed, "train_wall_s": meta["train_wall_s"],
            **{mode: evaluate(folder, mode, hand_files) for mode in modes}}


def confirmed(report: dict) -> dict:
    """At the planner's confirmation threshold: the share answered without asking and their tool accuracy."""
    c = report.get("confirmation")
    return {} if not c else {"confirm_coverage": c["coverage"], "confirm_answered_tool_accuracy":
                             c["answered_tool_accuracy"] or 0.0}


def unseen(test: dict) -> dict:
    """Plan accuracy on the requests whose answer was never a training answer (runs with data.holdout_configs)."""
    return {"unseen_plan_accuracy": test["unseen_answers"]["plan_accuracy"]} if "unseen_answers" in test else {}


def preferences(report: dict) -> dict:
    """How preferences in words were read (``preference_accuracy``) and honoured (plan accuracy on the
    requests that state one), for planners that read them."""
    return {k: report[k] for k in ("preference_accuracy", "preference_plan_accuracy") if k in report}


def mean_std(rows: list[dict]) -> dict:
    """{mode: {split: {metric: {"mean", "std"}}}} over the seeds (sample standard deviation)."""
    out: dict = {}
    for mode in (m for m in SIZE_MODES if m in rows[0]):
        for split, metrics in rows[0][mode].items():
            for key in metrics:
                values = [r[mode][split][key] for r in rows if key in r[mode][split]]
                out.setdefault(mode, {}).setdefault(split, {})[key] = {
                    "mean": statistics.mean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0}
    return out


def plot(summary: dict, path: Path) -> None:
    shipped = summary["mean_std"]["numbers"]
    bars = [(f"{split} {key.replace('_accuracy', '')}", shipped[split][key])
            for split in ("val", "dev", "test", "hand", "hand2") if split in shipped
            for key in ("tool_accuracy", "plan_accuracy")]
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
    p.add_argument("--hand_file", nargs="+", default=[*HAND_FILES, DEV_FILE],
                   help="hand-written sets scored beside val and test (the last default, planner_dev, is validation)")
    p.add_argument("--size_modes", nargs="+", choices=SIZE_MODES, default=list(SIZE_MODES),
                   help="evaluate in these size modes only (numbers: the planner as shipped)")
    args = p.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    out = Path(args.output_dir)
    rows = [one_seed(seed, out, args.config, extra, args.hand_file, tuple(args.size_modes)) for seed in args.seeds]
    summary = {"config": args.config, "flags": extra, "seeds": args.seeds, "runs": rows, "mean_std": mean_std(rows)}
    save_json(summary, out / "summary.json")
    plot(summary, out / "summary.png")
    for mode, splits in summary["mean_std"].items():
        for split, metrics in splits.items():
            print(f"{mode:>7} {split:>5}: " + " · ".join(f"{k} {100 * v['mean']:.1f} ± {100 * v['std']:.1f}"
                                                        for k, v in metrics.items() if k != "violations")
                  + (f" · violations {metrics['violations']['mean']:g}" if "violations" in metrics else ""))
    print(f"Summary: {out / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
