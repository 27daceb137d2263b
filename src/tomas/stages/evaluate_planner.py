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
from collections import Counter
from pathlib import Path

import torch

from tomas.artifacts.planner import EVAL_REPORT, write_model_card
from tomas.data import load_tool_data
from tomas.data.planner import PlannerExample, load_handwritten, load_planner_examples
from tomas.io import atomic_write, save_json
from tomas.models.decoder import Choice, ConfigTable
from tomas.models.planner import PlannerModel, free_tensor, predict_requests

REPORT, CONFUSION = EVAL_REPORT, "planner_confusion.png"
HAND_FILE, HAND_REPORT = "data/planner_handwritten/requests.jsonl", "planner_handwritten_report.json"


def predict_examples(model: PlannerModel, tokenizer, examples: list[PlannerExample], device: torch.device,
                     batch_size: int = 32, progress: str | None = None) -> list[Choice]:
    """Hierarchical masked decoding for every example, batched (``progress``: a progress bar's label)."""
    return predict_requests(model, tokenizer, [(e.task, e.free_resources, e.latency_budget_ms) for e in examples],
                            device, batch_size, progress)


def is_violation(choice: Choice, example: PlannerExample, table: ConfigTable) -> bool:
    """A returned config that is not the chosen tool's or does not fit the free resources."""
    if choice.config_id is None:
        return False
    fits = bool(table.fits(free_tensor([example.free_resources]))[0, choice.config_id])
    return not fits or int(table.tool_of[choice.config_id]) != choice.tool_id


def case_of(e: PlannerExample) -> str:
    if e.config_id is None:
        return "infeasible"
    return "budget" if e.latency_budget_ms is not None else "no_budget"


def accuracy_by_case(examples: list[PlannerExample], choices: list[Choice]) -> dict[str, float]:
    """Config accuracy on infeasible, budgeted and unbudgeted examples separately (where errors live)."""
    out = {}
    for case in ("no_budget", "budget", "infeasible"):
        pairs = [(e, c) for e, c in zip(examples, choices) if case_of(e) == case]
        if pairs:
            out[case] = sum(c.config_id == e.config_id for e, c in pairs) / len(pairs)
    return out


def tool_accuracy_by_phrasing(examples: list[PlannerExample], choices: list[Choice],
                              tool_names: list[str]) -> dict[str, dict]:
    """Phrasing id -> examples, tool accuracy and the tools chosen (most often first): unseen
    phrasings fail as a whole, so this says which wordings the planner misreads, and as what."""
    chosen: dict[str, Counter] = {}
    for e, c in zip(examples, choices):
        chosen.setdefault(e.phrasing, Counter())[tool_names[c.tool_id]] += 1
    out = {phrasing: {"num_examples": c.total(), "tool_accuracy": c[phrasing.rsplit("/", 1)[0]] / c.total(),
                      "chosen": dict(c.most_common())} for phrasing, c in chosen.items()}
    return dict(sorted(out.items(), key=lambda kv: (kv[1]["tool_accuracy"], kv[0])))


def planner_metrics(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable) -> dict:
    n = len(examples)
    gold_tool = [table.tool_names.index(e.tool) for e in examples]
    lat = {i: float(v["latency_ms"]) for i, v in table.lookup.items()}
    regrets = [max(0.0, lat[c.config_id] - lat[e.config_id]) for c, e in zip(choices, examples)
               if c.config_id is not None and e.config_id is not None]
    oracle_lat = [lat[e.config_id] for e in examples if e.config_id is not None]
    mean_regret = sum(regrets) / max(1, len(regrets))
    confusion = [[0] * len(table.tool_names) for _ in table.tool_names]
    for g, c in zip(gold_tool, choices):
        confusion[g][c.tool_id] += 1
    wrong = [{"task": e.task, "free_resources": e.free_resources, "latency_budget_ms": e.latency_budget_ms,
              "oracle": [e.tool, e.config_id], "chosen": [table.tool_names[c.tool_id], c.config_id]}
             for e, c in zip(examples, choices) if c.config_id != e.config_id or table.tool_names[c.tool_id] != e.tool]
    tool_right = [g == c.tool_id for g, c in zip(gold_tool, choices)]
    config_right = [c.config_id == e.config_id for c, e in zip(choices, examples)]
    plan_right = [t and c for t, c in zip(tool_right, config_right)]
    return {
        "tool_accuracy": sum(tool_right) / max(1, n),
        # The configuration (size included) is the oracle's; "nothing fits" matches "nothing fits" whatever the tool.
        "config_accuracy": sum(config_right) / max(1, n),
        # Tool and configuration both the oracle's ("nothing fits" is right only with the right tool).
        "plan_accuracy": sum(plan_right) / max(1, n),
        "config_accuracy_given_tool": sum(plan_right) / max(1, sum(tool_right)),
        "violations": sum(is_violation(c, e, table) for c, e in zip(choices, examples)),
        "latency_regret_ms": mean_regret,
        "latency_regret_pct": 100 * mean_regret / max(1e-9, sum(oracle_lat) / max(1, len(oracle_lat))),
        "infeasible_accuracy": sum((c.config_id is None) == (e.config_id is None)
                                   for c, e in zip(choices, examples)) / max(1, n),
        "num_infeasible": sum(e.config_id is None for e in examples),
        "config_accuracy_by_case": accuracy_by_case(examples, choices),
        "num_examples": n,
        "tools": table.tool_names,
        "confusion": confusion,
        "worst_examples": wrong[:10],
        "tool_accuracy_by_phrasing": tool_accuracy_by_phrasing(examples, choices, table.tool_names),
    }


def handwritten_metrics(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable) -> dict:
    """The hand-written set: tool accuracy over every request; input-size and plan accuracy (tool,
    size and configuration all the oracle's for the human labels) over those that state a size."""
    sized = [i for i, e in enumerate(examples) if e.input_size]
    m = planner_metrics([examples[i] for i in sized], [choices[i] for i in sized], table)
    tool_right = [table.tool_names[c.tool_id] == e.tool for e, c in zip(examples, choices)]
    categories: dict[str, dict] = {}
    for i, e in enumerate(examples):
        row = categories.setdefault(e.phrasing.split("/hand-")[1], {"n": 0, "tool": 0, "sized": 0, "plan": 0})
        row["n"] += 1
        row["tool"] += tool_right[i]
        if e.input_size:
            c = choices[i]
            row["sized"] += 1
            row["plan"] += tool_right[i] and c.config_id == e.config_id and c.input_size == e.input_size
    return {
        "num_requests": len(examples), "num_with_size": len(sized),
        "tool_accuracy": sum(tool_right) / max(1, len(examples)),
        "size_accuracy": sum(choices[i].input_size == examples[i].input_size for i in sized) / max(1, len(sized)),
        "size_accuracy_given_tool": sum(tool_right[i] and choices[i].input_size == examples[i].input_size
                                        for i in sized) / max(1, sum(tool_right[i] for i in sized)),
        **{k: m[k] for k in ("plan_accuracy", "config_accuracy_given_tool", "infeasible_accuracy", "num_infeasible")},
        "violations": sum(is_violation(c, e, table) for c, e in zip(choices, examples)),
        "by_category": {k: {"num_requests": r["n"], "tool_accuracy": r["tool"] / r["n"],
                            "plan_accuracy": r["plan"] / r["sized"] if r["sized"] else None}
                        for k, r in sorted(categories.items())},
        "tools": table.tool_names, "confusion": planner_metrics(examples, choices, table)["confusion"],
        "wrong_tool": [{"id": e.id, "task": e.task, "tool": e.tool, "chosen": table.tool_names[c.tool_id]}
                       for e, c, right in zip(examples, choices, tool_right) if not right],
    }


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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, m = report["tools"], report["confusion"]
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 3, 1.0 * len(names) + 2.5))
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
    atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=110))
    plt.close(fig)


def evaluate_planner(planner_dir: str, test_file: str | None, device: str, batch_size: int,
                     output_dir: str | None, hand_file: str | None = None) -> dict:
    """The test split's report (``REPORT``); with ``hand_file``, also the hand-written set's
    (``HAND_REPORT``, and under ``report["handwritten"]``)."""
    from tomas.stages.plan import load_planner

    planner = load_planner(planner_dir, device)
    cfg = planner.cfg
    data = load_tool_data(cfg.data.tool_registry, cfg.data.profiling_data)
    data = data.subset(cfg.data.tools) if cfg.data.tools else data
    examples = load_planner_examples(test_file or cfg.data.test_file, data)
    print(f"Evaluating {planner_dir} on {len(examples)} examples of {test_file or cfg.data.test_file}...")
    choices = predict_examples(planner.model, planner.tokenizer, examples, planner.device, batch_size,
                               progress="Evaluating")
    report = planner_metrics(examples, choices, planner.table)
    report["train_wall_s"] = planner.meta.get("train_wall_s")
    report["test_file"] = test_file or cfg.data.test_file
    out = Path(output_dir or planner_dir)
    hand = evaluate_handwritten(planner, data, hand_file, batch_size) if hand_file else None
    if hand is not None:
        save_json({**hand, "hand_file": hand_file}, out / HAND_REPORT)
        report["handwritten"] = {k: hand[k] for k in ("num_requests", "tool_accuracy", "size_accuracy",
                                                      "plan_accuracy", "violations")}
    save_json(report, out / REPORT)
    if out.resolve() == Path(planner_dir).resolve():
        write_model_card(out)  # the card quotes the report beside it
    plot_confusion(report, out / CONFUSION)
    report["path"] = str(out / REPORT)
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
