"""Planner metrics against the profiling oracle (what counts as right: each function says).
"""

from __future__ import annotations

from collections import Counter

import torch

from tomas.config.commands import SizeMode, choices
from tomas.data.planner import PlannerExample
from tomas.data.profiling import INPUT_SIZES
from tomas.data.registry import Tool
from tomas.data.size_reader import SizeHint, size_hints
from tomas.models.config_table import ConfigTable
from tomas.models.decoder import Choice
from tomas.models.lexical import choose_weight
from tomas.models.planner import PlannerModel, free_tensor, predict_requests, prompt_states, render_prompt


def predict_examples(model: PlannerModel, tokenizer, examples: list[PlannerExample], device: torch.device,
                     batch_size: int = 32, progress: str | None = None,
                     hints: list[list[SizeHint]] | None = None) -> list[Choice]:
    """Hierarchical masked decoding for every example, batched (``progress``: a progress bar's label;
    ``hints``: ``example_hints``)."""
    return predict_requests(model, tokenizer, [(e.task, e.free_resources, e.latency_budget_ms) for e in examples],
                            device, batch_size, progress, size_hints=hints)


SIZE_MODES = choices(SizeMode)
"""How evaluation treats the input size: ``numbers`` = read numbers in the request and the products or works it
names exactly (the shipped planner), ``unnamed`` = numbers only (no table of named inputs), ``off`` = the
learned reading alone, ``given`` = the example's size passed as the input's facts
(what a caller with the file in hand gets)."""


def choose_lexical_weights(model: PlannerModel, tokenizer, examples: list[PlannerExample],
                           device: torch.device) -> tuple[float, float]:
    """(``model.lexical``'s weight, ``model.size_lexical``'s) chosen on these validation requests
    (``models.lexical.choose_weight``: the tool against the tool head's log-probabilities; the size, where the text
    states it, against log P(size | the right tool); 0 without the model). One more pass of the reader over them
    (~3 s with MiniLM), before any mixing."""
    decoder, tasks, names = model.decoder, [e.task for e in examples], model.decoder.table.tool_names
    tool_prior = decoder.lexical.log_probs(tasks, names) if decoder.lexical else None
    size_prior = decoder.size_lexical.log_probs(tasks, INPUT_SIZES) if decoder.size_lexical else None
    if tool_prior is None and size_prior is None:
        return 0.0, 0.0
    states = prompt_states(model, tokenizer, [render_prompt(e.task, e.free_resources, e.latency_budget_ms)
                                              for e in examples], device).to(decoder.tool_head.weight.device)
    gold = [names.index(e.tool) if e.tool else None for e in examples]
    with torch.no_grad():
        out = decoder.logits(states)
        size_logp = decoder.size_log_probs(out.config, torch.tensor([g or 0 for g in gold], device=states.device))
    sizes = [INPUT_SIZES.index(e.input_size) if e.states_size else None for e in examples]
    return (0.0 if tool_prior is None else choose_weight(out.tool.float().log_softmax(-1).cpu(), tool_prior, gold),
            0.0 if size_prior is None else choose_weight(size_logp.cpu(), size_prior, sizes))


def example_hints(examples: list[PlannerExample], tools: list[Tool], table: ConfigTable,
                  mode: str = "numbers") -> list[list[SizeHint]]:
    """Per example, one ``SizeHint`` per tool of ``table`` (``tools``: the registry entries, for their sizes)."""
    classes = {t.name: t.input_sizes for t in tools}
    per_tool = [classes.get(name) for name in table.tool_names]
    sizes = [tuple(s for k, s in enumerate(INPUT_SIZES) if bool(((table.tool_of == i) & (table.size_of == k)).any()))
             for i in range(len(table.tool_names))]
    return [size_hints(e.task, per_tool, sizes, input_size=e.input_size if mode == "given" and e.input_size else None,
                       numbers=mode != "off", names=mode != "unnamed") for e in examples]


def by_size_source(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable,
                   hints: list[list[SizeHint]] | None) -> dict[str, dict]:
    """Per size source of the plan (input / number / words), the examples and their plan accuracy."""
    groups: dict[str, list[bool]] = {}
    for k, (e, c) in enumerate(zip(examples, choices)):
        source = hints[k][c.tool_id].source if hints else "words"
        groups.setdefault(source, []).append(plan_right(e, c, table))
    return {k: {"num_examples": len(v), "plan_accuracy": sum(v) / len(v)} for k, v in sorted(groups.items())}


def chosen_tool(c: Choice, table: ConfigTable) -> str | None:
    """The plan's tool: None when the planner says no registered tool serves the request."""
    return None if c.out_of_scope else table.tool_names[c.tool_id]


def tool_right(e: PlannerExample, c: Choice, table: ConfigTable) -> bool:
    """The plan's tool is the request's (null for null: an out-of-scope request refused)."""
    return chosen_tool(c, table) == e.tool


def plan_right(e: PlannerExample, c: Choice, table: ConfigTable) -> bool:
    """Tool, input size and configuration all the oracle's ("nothing fits" with the right tool and size;
    an out-of-scope request: refused)."""
    if e.tool is None:
        return c.out_of_scope
    return tool_right(e, c, table) and c.input_size == e.input_size and c.config_id == e.config_id


def is_violation(choice: Choice, example: PlannerExample, table: ConfigTable) -> bool:
    """A returned config that is not the chosen tool's or does not fit the free resources (a refused
    request returns none)."""
    if choice.config_id is None or choice.out_of_scope:
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


def preference_metrics(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable) -> dict:
    """How preferences in words are read and honoured: ``preference_accuracy`` = the preference read (by a
    preference head or the words) is the request's, or none when it states none (absent for a planner that reads
    none); ``stated_read_right``: that share among the requests that state one; ``false_preference``: the share of
    the in-scope requests stating none read as stating one; per preference stated (``none`` = no preference), the
    examples and their plan accuracy (tool and configuration both the oracle's, which honours the preference);
    ``preference_plan_accuracy``: plan accuracy over every request that states one (absent when none does)."""
    out: dict = {}
    if choices and choices[0].preference_prob is not None:
        read = [(e.preference, c.preference, e.tool) for e, c in zip(examples, choices)]
        out["preference_accuracy"] = sum(said == got for said, got, _ in read) / max(1, len(read))
        stated = [said == got for said, got, _ in read if said is not None]
        plain = [got is not None for said, got, tool in read if said is None and tool is not None]
        out |= {k: sum(v) / len(v) for k, v in (("stated_read_right", stated), ("false_preference", plain)) if v}
    groups: dict[str, list] = {}
    for e, c in zip(examples, choices):
        groups.setdefault(e.preference or "none", []).append(
            tool_right(e, c, table) and c.config_id == e.config_id)
    out["plan_accuracy_by_preference"] = {k: {"num_examples": len(v), "plan_accuracy": sum(v) / len(v)}
                                          for k, v in sorted(groups.items())}
    stated = [right for k, v in groups.items() if k != "none" for right in v]
    if stated:
        out["preference_plan_accuracy"] = sum(stated) / len(stated)
    return out


def scope_metrics(examples: list[PlannerExample], choices: list[Choice]) -> dict:
    """How requests no tool serves are answered: ``out_of_scope_recall`` = the share of out-of-scope requests
    answered tool null (absent when there are none); ``in_scope_refused`` = the share of in-scope requests
    answered tool null (0 without a scope head)."""
    outside = [c.out_of_scope for e, c in zip(examples, choices) if e.tool is None]
    inside = [c.out_of_scope for e, c in zip(examples, choices) if e.tool is not None]
    out = {"num_out_of_scope": len(outside), "in_scope_refused": sum(inside) / max(1, len(inside))}
    if outside:
        out["out_of_scope_recall"] = sum(outside) / len(outside)
    return out


def coverage_curve(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable,
                   thresholds: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)) -> list[dict]:
    """Tool accuracy against coverage over the in-scope requests: at each confirmation threshold, the share
    answered without confirmation (not refused, tool probability at least the threshold) and the share of
    those with the right tool."""
    pairs = [(e, c) for e, c in zip(examples, choices) if e.tool is not None]
    rows = []
    for t in thresholds:
        answered = [tool_right(e, c, table) for e, c in pairs if not c.out_of_scope and c.tool_prob >= t]
        rows.append({"threshold": t, "coverage": len(answered) / max(1, len(pairs)),
                     "answered_tool_accuracy": sum(answered) / len(answered) if answered else None})
    return rows


CONFIRM_SLACK = 1e-4
"""How far below the lowest tool probability it answers ``confirmation_threshold`` is placed (halfway to the next
lower one where that is nearer): a loaded planner's arithmetic (LoRA merged into the weights) moves a probability by
about 1e-6, and at the probability itself one of val's requests that training answered asked for confirmation once
loaded (session 26's seed 1; docs/planner.md, "Out of scope and unsure"). Where the next lower probability is within
about 2e-6, halfway leaves less room than that drift: the two are then too close for any placement to keep both."""


def confirmation_threshold(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable,
                           target: float = 0.98) -> float:
    """The lowest tool probability below which a plan asks for confirmation such that ``target`` of the
    in-scope requests answered without it have the right tool (chosen on validation; 1.0 when even the
    most confident answers miss the target, so every plan asks), placed ``CONFIRM_SLACK`` below the request it is
    set at (the same requests answered)."""
    answered = sorted(((c.tool_prob, tool_right(e, c, table)) for e, c in zip(examples, choices)
                       if e.tool is not None and not c.out_of_scope), reverse=True)
    threshold, lower, right = None, 0.0, 0
    for k, (prob, ok) in enumerate(answered, start=1):
        right += ok
        last_of_tie = k == len(answered) or answered[k][0] < prob
        if last_of_tie and right / k >= target:
            threshold, lower = prob, answered[k][0] if k < len(answered) else 0.0
    return 1.0 if threshold is None else max(threshold - CONFIRM_SLACK, (threshold + lower) / 2)


def latency_regret(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable) -> tuple[float, float]:
    """Mean latency a chosen configuration takes beyond the oracle's (where both exist), in ms and in % of the
    oracle's mean latency."""
    lat = {i: float(v["latency_ms"]) for i, v in table.lookup.items()}
    regrets = [max(0.0, lat[c.config_id] - lat[e.config_id]) for c, e in zip(choices, examples)
               if c.config_id is not None and e.config_id is not None]
    oracle_lat = [lat[e.config_id] for e in examples if e.config_id is not None]
    mean_regret = sum(regrets) / max(1, len(regrets))
    return mean_regret, 100 * mean_regret / max(1e-9, sum(oracle_lat) / max(1, len(oracle_lat)))


def tool_confusion(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable) -> list[list[int]]:
    """[oracle tool][chosen tool] counts (a refusal counts under the tool the scope head overruled)."""
    confusion = [[0] * len(table.tool_names) for _ in table.tool_names]
    for e, c in zip(examples, choices):
        confusion[table.tool_names.index(e.tool)][c.tool_id] += 1
    return confusion


def planner_metrics(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable) -> dict:
    """Tool, configuration and plan metrics over the in-scope requests (a refusal counts as a wrong tool),
    and ``scope_metrics`` over all."""
    scope = scope_metrics(examples, choices)
    pairs = [(e, c) for e, c in zip(examples, choices) if e.tool is not None]
    examples, choices = [e for e, _ in pairs], [c for _, c in pairs]
    n = len(examples)
    regret_ms, regret_pct = latency_regret(examples, choices, table)
    wrong = [{"task": e.task, "free_resources": e.free_resources, "latency_budget_ms": e.latency_budget_ms,
              "oracle": [e.tool, e.config_id], "chosen": [chosen_tool(c, table), c.config_id]}
             for e, c in zip(examples, choices) if not plan_right(e, c, table)]
    tools_right = [tool_right(e, c, table) for e, c in zip(examples, choices)]
    config_right = [c.config_id == e.config_id and not c.out_of_scope for c, e in zip(choices, examples)]
    plan_ok = [plan_right(e, c, table) for e, c in zip(examples, choices)]
    return {
        "tool_accuracy": sum(tools_right) / max(1, n),
        # The configuration (size included) is the oracle's; "nothing fits" matches "nothing fits" whatever the tool.
        "config_accuracy": sum(config_right) / max(1, n),
        # Tool, input size and configuration all the oracle's ("nothing fits" right only with the right tool and size).
        "plan_accuracy": sum(plan_ok) / max(1, n),
        "config_accuracy_given_tool": sum(plan_ok) / max(1, sum(tools_right)),
        "violations": sum(is_violation(c, e, table) for c, e in zip(choices, examples)),
        "latency_regret_ms": regret_ms,
        "latency_regret_pct": regret_pct,
        "infeasible_accuracy": sum((c.config_id is None) == (e.config_id is None)
                                   for c, e in zip(choices, examples)) / max(1, n),
        "num_infeasible": sum(e.config_id is None for e in examples),
        "config_accuracy_by_case": accuracy_by_case(examples, choices),
        "num_examples": n,
        "tools": table.tool_names,
        "confusion": tool_confusion(examples, choices, table),
        "worst_examples": wrong[:10],
        "tool_accuracy_by_phrasing": tool_accuracy_by_phrasing(examples, choices, table.tool_names),
        **preference_metrics(examples, choices, table),
        **scope,
        "coverage": coverage_curve(examples, choices, table),
    }


def size_breakdowns(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable, tools_right: list[bool],
                    hints: list[list[SizeHint]] | None, stated: dict[str, str] | None) -> dict:
    """Over the requests that state a size: plan accuracy per size source of the plan, and, where the set
    says how each request states its size (``stated``: id -> "number" / "words"), size accuracy given the
    right tool and plan accuracy per way of stating it."""
    sized = [i for i, e in enumerate(examples) if e.input_size]
    out = {"plan_accuracy_by_size_source": by_size_source([examples[i] for i in sized], [choices[i] for i in sized],
                                                          table, [hints[i] for i in sized] if hints else None)}
    if stated:
        groups: dict[str, list[int]] = {}
        for i in sized:
            groups.setdefault(stated.get(examples[i].id, "unknown"), []).append(i)
        out["by_size_stated"] = {k: {
            "num_requests": len(ids), "tool_accuracy": sum(tools_right[i] for i in ids) / len(ids),
            "size_accuracy_given_tool": sum(tools_right[i] and choices[i].input_size == examples[i].input_size
                                            for i in ids) / max(1, sum(tools_right[i] for i in ids)),
            "plan_accuracy": sum(plan_right(examples[i], choices[i], table) for i in ids) / len(ids)}
            for k, ids in sorted(groups.items())}
    return out


def handwritten_metrics(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable,
                        hints: list[list[SizeHint]] | None = None, stated: dict[str, str] | None = None) -> dict:
    """The hand-written set: tool accuracy over every request; input-size and plan accuracy (tool,
    size and configuration all the oracle's for the human labels) over those that state a size."""
    sized = [i for i, e in enumerate(examples) if e.input_size]
    m = planner_metrics([examples[i] for i in sized], [choices[i] for i in sized], table)
    full = planner_metrics(examples, choices, table)
    tools_right = [tool_right(e, c, table) for e, c in zip(examples, choices)]
    categories: dict[str, dict] = {}
    for i, e in enumerate(examples):
        row = categories.setdefault(e.phrasing.split("/hand-")[1], {"n": 0, "tool": 0, "sized": 0, "plan": 0})
        row["n"] += 1
        row["tool"] += tools_right[i]
        if e.input_size:
            c = choices[i]
            row["sized"] += 1
            row["plan"] += plan_right(e, c, table)
    return {
        "num_requests": len(examples), "num_with_size": len(sized),
        "tool_accuracy": sum(tools_right) / max(1, len(examples)),
        "size_accuracy": sum(choices[i].input_size == examples[i].input_size for i in sized) / max(1, len(sized)),
        "size_accuracy_given_tool": sum(tools_right[i] and choices[i].input_size == examples[i].input_size
                                        for i in sized) / max(1, sum(tools_right[i] for i in sized)),
        **{k: m[k] for k in ("plan_accuracy", "config_accuracy_given_tool", "infeasible_accuracy", "num_infeasible",
                             "preference_accuracy", "stated_read_right", "false_preference",
                             "preference_plan_accuracy") if k in m},
        **size_breakdowns(examples, choices, table, tools_right, hints, stated),
        "config_accuracy_given_tool_and_size": conditional_accuracies(
            [examples[i] for i in sized], [choices[i] for i in sized], table)["config_accuracy_given_tool_and_size"],
        "violations": sum(is_violation(c, e, table) for c, e in zip(choices, examples)),
        "by_category": {k: {"num_requests": r["n"], "tool_accuracy": r["tool"] / r["n"],
                            "plan_accuracy": r["plan"] / r["sized"] if r["sized"] else None}
                        for k, r in sorted(categories.items())},
        "in_scope_refused": full["in_scope_refused"], "coverage": full["coverage"],
        **{k: full[k] for k in ("num_out_of_scope", "out_of_scope_recall") if k in full and full["num_out_of_scope"]},
        "tools": table.tool_names, "confusion": full["confusion"],
        "wrong_tool": [{"id": e.id, "task": e.task, "tool": e.tool, "chosen": chosen_tool(c, table)}
                       for e, c, right in zip(examples, choices, tools_right) if not right],
    }


def conditional_accuracies(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable) -> dict:
    """Input-size accuracy where the tool is right; config accuracy where tool and size are right."""
    right_tool = [(e, c) for e, c in zip(examples, choices) if tool_right(e, c, table)]
    right_size = [(e, c) for e, c in right_tool if c.input_size == e.input_size]
    right_config = sum(c.config_id == e.config_id for e, c in right_size)
    return {"size_accuracy_given_tool": len(right_size) / max(1, len(right_tool)),
            "config_accuracy_given_tool_and_size": right_config / max(1, len(right_size))}


def unseen_answer_metrics(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable,
                          held: set[int]) -> dict:
    """Plan accuracy (and the conditional accuracies) on the requests whose oracle answer is one of the
    ``held`` configurations: never a training answer (``data.holdout_configs``)."""
    pairs = [(e, c) for e, c in zip(examples, choices) if e.config_id in held]
    chosen, picked = [e for e, _ in pairs], [c for _, c in pairs]
    return {"num_examples": len(pairs), "plan_accuracy": planner_metrics(chosen, picked, table)["plan_accuracy"],
            **conditional_accuracies(chosen, picked, table)}
