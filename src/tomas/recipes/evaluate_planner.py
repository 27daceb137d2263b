"""Evaluate a trained planner on the held-out test split against the profiling oracle.

Metrics: tool accuracy; config accuracy (the chosen id equals the oracle's, "infeasible"
included, whatever the tool); plan accuracy (tool and configuration both the oracle's, so
"nothing fits" is right only with the right tool) and config accuracy given the right tool
(plan-right / tool-right); violations (a returned config of another tool or needing more than the free
resources; the decoder's masks make this 0 by construction, and it is checked, not assumed);
infeasible-detection accuracy (the plan says "nothing fits" exactly when the oracle does);
latency regret: mean over examples where both have a plan of max(0, latency(chosen) −
latency(oracle)) in ms, and as % of the oracle's mean latency.

``--hand_file``: also the hand-written test set (``handwritten_metrics``), whose labels are a
tool and, when the request states one, an input size; the configuration label is the oracle's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tomas.artifacts.planner import EVAL_REPORT, HAND_REPORT, write_model_card
from tomas.data import load_tool_data
from tomas.data.planner import HAND_FILE, load_handwritten, load_planner_examples
from tomas.eval.planner import handwritten_metrics, planner_metrics, predict_examples, unseen_answer_metrics
from tomas.io import save_json
from tomas.plots import png_figure
from tomas.training.planner import heldout_configs

CONFUSION = "planner_confusion.png"


def evaluate_handwritten(planner, data, path: str, batch_size: int) -> dict | None:
    """``handwritten_metrics`` of ``planner`` on the set at ``path``; None (said) when the set names
    tools the planner does not plan over (a planner of another registry or a subset of it)."""
    named = set()
    for line in Path(path).read_text().splitlines() if Path(path).is_file() else []:
        try:
            named.add(json.loads(line).get("tool"))
        except (json.JSONDecodeError, AttributeError):
            pass  # load_handwritten names the line
    if not named <= set(planner.table.tool_names):
        print(f"Skipping {path}: it names tools this planner does not plan over")
        return None
    examples = load_handwritten(path, data)
    print(f"Evaluating on {len(examples)} hand-written requests of {path}...")
    choices = predict_examples(planner.model, planner.tokenizer, examples, planner.device, batch_size,
                               progress="Hand-written set")
    return handwritten_metrics(examples, choices, planner.table)


def plot_confusion(report: dict, path: Path) -> None:
    names, m = report["tools"], report["confusion"]
    with png_figure(path, (1.2 * len(names) + 3, 1.0 * len(names) + 2.5)) as (fig, ax):
        ax.imshow(m, cmap="Blues")
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_yticks(range(len(names)), names)
        for i, row in enumerate(m):
            for j, v in enumerate(row):
                ax.text(j, i, str(v), ha="center", va="center", fontsize=8)
        ax.set_xlabel("chosen tool")
        ax.set_ylabel("oracle tool")
        ax.set_title(f"tool {report['tool_accuracy']:.1%} · config {report['config_accuracy']:.1%} · "
                     f"violations {report['violations']}")
        fig.tight_layout()


def evaluate_planner(planner_dir: str, test_file: str | None, device: str, batch_size: int,
                     output_dir: str | None, hand_file: str | None = None) -> dict:
    """The test split's report (``EVAL_REPORT``); with ``hand_file``, also the hand-written set's
    (``HAND_REPORT``, and under ``report["handwritten"]``)."""
    from tomas.inference import load_planner

    planner = load_planner(planner_dir, device)
    cfg = planner.cfg
    data = load_tool_data(cfg.data.tool_registry, cfg.data.profiling_data)
    data = data.subset(cfg.data.tools) if cfg.data.tools else data
    examples = load_planner_examples(test_file or cfg.data.test_file, data)
    print(f"Evaluating {planner_dir} on {len(examples)} examples of {test_file or cfg.data.test_file}...")
    choices = predict_examples(planner.model, planner.tokenizer, examples, planner.device, batch_size,
                               progress="Evaluating")
    report = planner_metrics(examples, choices, planner.table)
    if cfg.data.holdout_configs > 0:  # trained without some answers: how it does on exactly those
        held = heldout_configs(cfg, planner.table)
        report["unseen_answers"] = unseen_answer_metrics(examples, choices, planner.table, held)
    report["train_wall_s"] = planner.meta.get("train_wall_s")
    report["test_file"] = test_file or cfg.data.test_file
    out = Path(output_dir or planner_dir)
    hand = evaluate_handwritten(planner, data, hand_file, batch_size) if hand_file else None
    if hand is not None:
        save_json({**hand, "hand_file": hand_file}, out / HAND_REPORT)
        report["handwritten"] = {k: hand[k] for k in ("num_requests", "tool_accuracy", "size_accuracy",
                                                      "plan_accuracy", "violations")}
    save_json(report, out / EVAL_REPORT)
    if out.resolve() == Path(planner_dir).resolve():
        write_model_card(out)  # the card quotes the report beside it
    plot_confusion(report, out / CONFUSION)
    report["path"] = str(out / EVAL_REPORT)
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tomas evaluate-planner", description=__doc__.splitlines()[0])
    p.add_argument("--planner_dir", default="assets/planner", help="folder written by `tomas train`")
    p.add_argument("--test_file", default=None, help="planner JSONL (default: the training config's test_file)")
    p.add_argument("--output_dir", default=None, help="where the report goes (default: planner_dir)")
    p.add_argument("--hand_file", default=None,
                   help=f"also the hand-written test set, e.g. {HAND_FILE} (report: {HAND_REPORT})")
    p.add_argument("--batch_size", type=int, default=32)
    p.add_argument("--device", default="auto")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    r = evaluate_planner(args.planner_dir, args.test_file, args.device, args.batch_size, args.output_dir,
                         args.hand_file)
    print(f"Tool accuracy {r['tool_accuracy']:.2%} · config accuracy {r['config_accuracy']:.2%} · "
          f"plan accuracy {r['plan_accuracy']:.2%} "
          f"(config {r['config_accuracy_given_tool']:.2%} given the right tool) · "
          f"violations {r['violations']} · infeasible detection {r['infeasible_accuracy']:.2%} · "
          f"latency regret {r['latency_regret_ms']:.1f} ms ({r['latency_regret_pct']:.2f}% of oracle mean) · "
          f"{r['num_examples']} examples")
    print("Config accuracy by case: " + ", ".join(f"{k} {v:.1%}" for k, v in r["config_accuracy_by_case"].items()))
    if "preference_accuracy" in r:
        print(f"Preferences in words: read right {r['preference_accuracy']:.1%}; plan accuracy by preference: "
              + ", ".join(f"{k} {v['plan_accuracy']:.1%} ({v['num_examples']})"
                          for k, v in r["plan_accuracy_by_preference"].items()))
    misread = [(k, v) for k, v in r["tool_accuracy_by_phrasing"].items() if v["tool_accuracy"] < 1][:5]
    for phrasing, row in misread:
        print(f"  misread phrasing {phrasing}: tool {row['tool_accuracy']:.0%} of {row['num_examples']}, chosen "
              + ", ".join(f"{t} {n}" for t, n in row["chosen"].items()))
    if "handwritten" in r:
        h = r["handwritten"]
        print(f"Hand-written set: tool {h['tool_accuracy']:.2%} of {h['num_requests']} · input size "
              f"{h['size_accuracy']:.2%} · plan {h['plan_accuracy']:.2%} (of those stating a size) · "
              f"violations {h['violations']}")
    print(f"Report: {r['path']}")
    return 0
