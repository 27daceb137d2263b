"""Evaluate a trained planner on the held-out test split against the profiling oracle.

Metrics: tool accuracy; config accuracy (the chosen id equals the oracle's, "infeasible"
included, whatever the tool); plan accuracy (tool and configuration both the oracle's, so
"nothing fits" is right only with the right tool) and config accuracy given the right tool
(plan-right / tool-right); violations (a returned config of another tool or needing more than the free
resources; the decoder's masks make this 0 by construction, and it is checked, not assumed);
infeasible-detection accuracy (the plan says "nothing fits" exactly when the oracle does);
latency regret: mean over examples where both have a plan of max(0, latency(chosen) −
latency(oracle)) in ms, and as % of the oracle's mean latency.

Requests no registered tool serves (tool null in the file): the figures above are over the in-scope
requests (a refusal counts as a wrong tool); ``out_of_scope_recall`` = the share of out-of-scope requests
answered tool null, ``in_scope_refused`` = the share of in-scope ones answered tool null. ``coverage``:
tool accuracy against the share answered without confirmation at several thresholds; ``confirmation``:
the same at the threshold the planner chose on validation (``confirm_below`` in planner.json).

``--hand_file``: also the hand-written test sets (``handwritten_metrics``), whose labels are a
tool and, when the request states one, an input size; the configuration label is the oracle's.
``--size_mode``: ``numbers`` (the planner as shipped: numbers in a request, and products or works it names,
read exactly), ``unnamed`` (numbers only), ``off`` (the learned size reading alone) or ``given`` (each
example's size passed as the input's facts, as a caller with the file in hand gets it); default: the
planner's ``model.size_reader``. ``--baselines``: TF-IDF and
sentence-encoder classifiers (``eval.baselines``) trained on the planner's own training file and scored on
the same sets, same size mode, same metrics (``BASELINE_REPORT``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tomas.artifacts.planner import EVAL_REPORT, HAND_REPORT, write_model_card
from tomas.config import parse_config
from tomas.config.commands import EvaluatePlannerArgs
from tomas.data import load_tool_data
from tomas.data.planner import load_handwritten, load_planner_examples, tools_named
from tomas.eval.baselines import READERS
from tomas.eval.planner import (
    by_size_source,
    conditional_accuracies,
    coverage_curve,
    example_hints,
    handwritten_metrics,
    planner_metrics,
    predict_examples,
    unseen_answer_metrics,
)
from tomas.io import save_json
from tomas.plots import png_figure
from tomas.training.planner import heldout_configs

CONFUSION = "planner_confusion.png"
BASELINE_REPORT = "baselines_report.json"


def size_stated(path: str) -> dict[str, str]:
    """id -> how the request states its size ("number" / "words"), for sets that say (``size_stated``)."""
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    return {r["id"]: r["size_stated"] for r in rows if isinstance(r, dict) and "size_stated" in r}


def evaluate_handwritten(planner, data, path: str, batch_size: int, size_mode: str) -> dict | None:
    """``handwritten_metrics`` of ``planner`` on the set at ``path``; None (said) when the set names
    tools the planner does not plan over (a planner of another registry or a subset of it)."""
    if not tools_named(path) <= set(planner.table.tool_names):
        print(f"Skipping {path}: it names tools this planner does not plan over")
        return None
    examples = planner.read_examples(load_handwritten(path, data))
    print(f"Evaluating on {len(examples)} hand-written requests of {path}...")
    hints = example_hints(examples, data.tools, planner.table, size_mode)
    choices = predict_examples(planner.model, planner.tokenizer, examples, planner.device, batch_size,
                               progress="Hand-written set", hints=hints)
    return handwritten_metrics(examples, choices, planner.table, hints, size_stated(path)) | {
        "confirmation": confirmation_report(planner.confirm_below, examples, choices, planner.table)}


def confirmation_report(threshold: float, examples, choices, table) -> dict:
    """At the planner's confirmation threshold: the share of in-scope requests answered without asking, and
    the share of those with the right tool."""
    row = coverage_curve(examples, choices, table, (threshold,))[0]
    return {"confirm_below": threshold, "coverage": row["coverage"],
            "answered_tool_accuracy": row["answered_tool_accuracy"]}


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


def hand_report_name(path: str, first: bool) -> str:
    """The first set's report is ``HAND_REPORT``; another's is named after its folder (``planner_<folder>_report.json``,
    without a second "planner_")."""
    return HAND_REPORT if first else f"planner_{Path(path).parent.name.removeprefix('planner_')}_report.json"


def evaluate_baselines(readers: list[str], train_file: str, sets: dict[str, tuple[list, bool]], data, table,
                       size_mode: str) -> dict:
    """Each baseline reader (``eval.baselines``) fitted on ``train_file`` and scored on ``sets`` (name ->
    (examples, is a hand-written set)) with the planner's metrics: reader -> name -> metrics."""
    from tomas.eval.baselines import fit_baseline, score_baseline

    train = load_planner_examples(train_file, data)
    out = {}
    for reader in readers:
        print(f"Fitting the {reader} baseline on {len(train)} examples of {train_file}...")
        t0 = time.perf_counter()
        baseline = fit_baseline(reader, train)
        out[reader] = {"fit_wall_s": round(time.perf_counter() - t0, 1)} | {
            name: score_baseline(baseline, examples, data, table, size_mode, size_stated(name) if hand else None, hand)
            for name, (examples, hand) in sets.items()}
    return out


def evaluate_planner(planner_dir: str, test_file: str | None = None, device: str = "auto", batch_size: int = 32,
                     output_dir: str | None = None, hand_files: list[str] | None = None, size_mode: str | None = None,
                     baselines: list[str] | None = None, config_pick: str | None = None) -> dict:
    """The test split's report (``EVAL_REPORT``); with ``hand_files``, also each hand-written set's
    (``hand_report_name``; summaries under ``report["handwritten_sets"]``, the first's under ``"handwritten"``);
    with ``baselines``, those readers trained on the planner's training file and scored on the same sets
    (``BASELINE_REPORT``, summaries under ``report["baselines"]``)."""
    from tomas.inference import load_planner

    planner = load_planner(planner_dir, device)
    cfg = planner.cfg
    if config_pick:
        planner.model.decoder.config_pick = config_pick
    data = load_tool_data(cfg.data.tool_registry, cfg.data.profiling_data)
    data = data.subset(cfg.data.tools) if cfg.data.tools else data
    test_file = test_file or cfg.data.test_file
    examples = load_planner_examples(test_file, data)
    size_mode = size_mode or cfg.model.size_reader
    print(f"Evaluating {planner_dir} on {len(examples)} examples of {test_file} (input size: {size_mode})...")
    report = split_report(planner, data, examples, size_mode, batch_size) | {"test_file": test_file}
    out = Path(output_dir or planner_dir)
    for n, hand_file in enumerate(hand_files or []):
        path = out / hand_report_name(hand_file, n == 0)
        add_handwritten(report, planner, data, hand_file, batch_size, size_mode, path)
    if baselines:
        sets = {"test": (examples, False)} | {f: (load_handwritten(f, data), True) for f in hand_files or []
                                              if f in report.get("handwritten_sets", {})}
        add_baselines(report, baselines, cfg.data.train_file, sets, data, planner.table, size_mode,
                      out / BASELINE_REPORT)
    save_json(report, out / EVAL_REPORT)
    if out.resolve() == Path(planner_dir).resolve():
        write_model_card(out)  # the card quotes the report beside it
    plot_confusion(report, out / CONFUSION)
    report["path"] = str(out / EVAL_REPORT)
    return report


def split_report(planner, data, examples: list, size_mode: str, batch_size: int) -> dict:
    """Every metric of the planner on ``examples`` (a planner JSONL split), read as it reads requests."""
    examples = planner.read_examples(examples)
    hints = example_hints(examples, data.tools, planner.table, size_mode)
    choices = predict_examples(planner.model, planner.tokenizer, examples, planner.device, batch_size,
                               progress="Evaluating", hints=hints)
    report = planner_metrics(examples, choices, planner.table)
    report["size_mode"], report["config_pick"] = size_mode, planner.model.decoder.config_pick
    report["spelling"] = planner.spelling is not None  # typing slips fixed before reading (model.spelling)
    inside = [i for i, e in enumerate(examples) if e.tool is not None]
    in_examples, in_choices = [examples[i] for i in inside], [choices[i] for i in inside]
    report["plan_accuracy_by_size_source"] = by_size_source(in_examples, in_choices, planner.table,
                                                            [hints[i] for i in inside])
    report.update(conditional_accuracies(in_examples, in_choices, planner.table))
    report["confirmation"] = confirmation_report(planner.confirm_below, examples, choices, planner.table)
    if planner.cfg.data.holdout_configs > 0:  # trained without some answers: how it does on exactly those
        held = heldout_configs(planner.cfg, planner.table)
        report["unseen_answers"] = unseen_answer_metrics(examples, choices, planner.table, held)
    report["train_wall_s"] = planner.meta.train_wall_s
    return report


HAND_SUMMARY = ("num_requests", "tool_accuracy", "size_accuracy", "size_accuracy_given_tool", "plan_accuracy",
                "violations", "by_size_stated", "in_scope_refused", "out_of_scope_recall", "confirmation")


def add_handwritten(report: dict, planner, data, hand_file: str, batch_size: int, size_mode: str, path: Path) -> None:
    """A hand-written set's report at ``path``, its summary under ``report["handwritten_sets"]`` (and the first
    set's under ``report["handwritten"]``)."""
    hand = evaluate_handwritten(planner, data, hand_file, batch_size, size_mode)
    if hand is None:
        return
    save_json({**hand, "hand_file": hand_file, "size_mode": size_mode}, path)
    summary = {k: hand[k] for k in HAND_SUMMARY if k in hand}
    report.setdefault("handwritten_sets", {})[hand_file] = summary
    report.setdefault("handwritten", summary)


def add_baselines(report: dict, readers: list[str], train_file: str, sets: dict, data, table, size_mode: str,
                  path: Path) -> None:
    """The baselines trained on ``train_file`` and scored on ``sets``: their report at ``path``, tool and plan
    accuracy under ``report["baselines"]``."""
    scored = evaluate_baselines(readers, train_file, sets, data, table, size_mode)
    save_json(scored | {"train_file": train_file, "size_mode": size_mode}, path)
    report["baselines"] = {reader: {name: {k: m[k] for k in ("tool_accuracy", "plan_accuracy")}
                                    for name, m in rows.items() if isinstance(m, dict)}
                           for reader, rows in scored.items()}


def main(argv: list[str] | None = None) -> int:
    args, _ = parse_config(EvaluatePlannerArgs, sys.argv[1:] if argv is None else argv, prog="tomas evaluate-planner")
    baselines = None if args.baselines is None else args.baselines or list(READERS)  # no names: all
    r = evaluate_planner(args.planner_dir, args.test_file, args.device, args.batch_size, args.output_dir,
                         hand_files=args.hand_file, size_mode=args.size_mode, baselines=baselines,
                         config_pick=args.config_pick)
    print(f"Tool accuracy {r['tool_accuracy']:.2%} · config accuracy {r['config_accuracy']:.2%} · "
          f"plan accuracy {r['plan_accuracy']:.2%} "
          f"(config {r['config_accuracy_given_tool']:.2%} given the right tool) · "
          f"violations {r['violations']} · infeasible detection {r['infeasible_accuracy']:.2%} · "
          f"latency regret {r['latency_regret_ms']:.1f} ms ({r['latency_regret_pct']:.2f}% of oracle mean) · "
          f"{r['num_examples']} examples")
    print("Config accuracy by case: " + ", ".join(f"{k} {v:.1%}" for k, v in r["config_accuracy_by_case"].items()))
    if "preference_accuracy" in r:
        said = (("stated_read_right", "of those stating one"), ("false_preference", "plain ones read as stating one"))
        parts = [f"{what} {r[k]:.1%}" for k, what in said if k in r]
        print(f"Preferences in words: read right {r['preference_accuracy']:.1%} ({'; '.join(parts)}); "
              "plan accuracy by preference: "
              + ", ".join(f"{k} {v['plan_accuracy']:.1%} ({v['num_examples']})"
                          for k, v in r["plan_accuracy_by_preference"].items()))
    misread = [(k, v) for k, v in r["tool_accuracy_by_phrasing"].items() if v["tool_accuracy"] < 1][:5]
    for phrasing, row in misread:
        print(f"  misread phrasing {phrasing}: tool {row['tool_accuracy']:.0%} of {row['num_examples']}, chosen "
              + ", ".join(f"{t} {n}" for t, n in row["chosen"].items()))
    print("Plan accuracy by size source: " + ", ".join(f"{k} {v['plan_accuracy']:.1%} ({v['num_examples']})"
                                                       for k, v in r["plan_accuracy_by_size_source"].items()))
    for path, h in r.get("handwritten_sets", {}).items():
        print(f"Hand-written {path}: tool {h['tool_accuracy']:.2%} of {h['num_requests']} · input size "
              f"{h['size_accuracy']:.2%} ({h['size_accuracy_given_tool']:.2%} given the right tool) · plan "
              f"{h['plan_accuracy']:.2%} (of those stating a size) · violations {h['violations']}")
    print(f"Out of scope: {r.get('out_of_scope_recall', float('nan')):.1%} of {r['num_out_of_scope']} refused · "
          f"in scope wrongly refused {r['in_scope_refused']:.1%} · confirmation below "
          f"{r['confirmation']['confirm_below']:.2f}: {r['confirmation']['coverage']:.1%} answered, "
          f"{r['confirmation']['answered_tool_accuracy'] or 0:.1%} of them the right tool")
    for reader, rows in r.get("baselines", {}).items():
        print(f"Baseline {reader}: " + " · ".join(f"{name} tool {m['tool_accuracy']:.1%} plan {m['plan_accuracy']:.1%}"
                                                  for name, m in rows.items()))
    print(f"Report: {r['path']}")
    return 0
