"""A trained planner folder loaded for planning: requests in, JSON plans out.

The one code path behind the Python API (``tomas.Planner``), ``tomas plan`` and ``tomas serve``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import torch

from tomas.artifacts import planner as artifacts
from tomas.artifacts.planner_meta import PlannerMeta
from tomas.config import PlannerConfig
from tomas.data.planner.preferences import PREFERENCES
from tomas.data.profiling import INPUT_SIZES, RESOURCES
from tomas.data.size_reader import SizeHint, facts_quantities, size_hints
from tomas.data.sizes import SizeClasses, parse_input_sizes
from tomas.data.spelling import SpellingFix, read_as_fixed
from tomas.emit import emit
from tomas.errors import DataError
from tomas.models.config_table import ConfigTable
from tomas.models.decoder import Choice
from tomas.models.lexical import LexicalPreference
from tomas.models.llm import load_llm, resolve_device
from tomas.models.planner import (
    CompiledPlanner,
    FastTokenizer,
    PlannerModel,
    build_decoder,
    build_planner,
    compile_reader,
    predict_requests,
    render_prompt,
)
from tomas.plans import SCHEMA_VERSION, Plan, whole
from tomas.requests import parse_request


@dataclass
class LoadedPlanner:
    cfg: PlannerConfig
    meta: PlannerMeta
    model: PlannerModel
    tokenizer: object
    table: ConfigTable
    device: torch.device
    spelling: SpellingFix | None = None
    """Typing slips fixed before a request is read (``artifacts.load_spelling``; None: read as written)."""

    def as_read(self, request: dict) -> dict:
        """``request`` with its task as the planner reads it (typing slips fixed)."""
        return request if self.spelling is None else {**request, "task": self.spelling(request["task"])}

    def read_examples(self, examples: list) -> list:
        """Evaluation examples with their tasks as the planner reads them (``as_read``)."""
        return read_as_fixed(examples, self.spelling)

    @cached_property
    def size_classes(self) -> list[SizeClasses | None]:
        """Each tool's input-size definitions (saved from the registry; None: sizes from words only)."""
        saved = self.meta.input_sizes or {}
        return [parse_input_sizes(saved[t], f"{artifacts.META}: {t}") if saved.get(t) else None
                for t in self.table.tool_names]

    @cached_property
    def tool_sizes(self) -> list[tuple[str, ...]]:
        """Each tool's profiled input sizes, smallest first."""
        return [tuple(sorted({e["input_size"] for e in self.table.lookup.values() if e["tool_name"] == t},
                             key=INPUT_SIZES.index)) for t in self.table.tool_names]

    def hints(self, request: dict) -> list[SizeHint]:
        """What the request's input facts, given size or numbers say of each tool's input size."""
        facts = request.get("input")
        facts = facts_quantities(facts) if isinstance(facts, dict) else None
        return size_hints(request["task"], self.size_classes, self.tool_sizes, facts, request.get("input_size"),
                          numbers=self.cfg.model.size_reader == "numbers")

    @torch.no_grad()
    def plan(self, requests: list[dict], batch_size: int = 32) -> list[Plan]:
        """``[{"task", "free_resources", "latency_budget_ms"?, "input"?, "input_size"?}]`` -> one plan each."""
        requests = with_machine_resources(requests)
        read = [self.as_read(r) for r in requests]
        hints = [self.hints(r) for r in read]
        choices = predict_requests(self.model, self.tokenizer, [(r["task"], r["free_resources"],
                                                                  r.get("latency_budget_ms")) for r in read],
                                   self.device, batch_size, size_hints=hints)
        plans = [self.describe(r, c, h[c.tool_id]) for r, c, h in zip(requests, choices, hints)]
        for plan, r in zip(plans, read):
            plan.task_read_as = r["task"] if r["task"] != plan.task else None
        return plans

    def prompt_tokens(self, plans: list[Plan]) -> int:
        """Tokens the LLM read for ``plans`` (the service's compute accounting): a plan holds its request's task,
        free resources and budget."""
        prompts = [render_prompt(p.task_read_as or p.task, p.free_resources, p.latency_budget_ms) for p in plans]
        return sum(len(ids) for ids in self.tokenizer(prompts)["input_ids"])

    def tools_summary(self) -> list[dict]:
        lookup = self.table.lookup
        return [{"name": tool, "num_configs": len(ids), "input_sizes": sorted({lookup[i]["input_size"] for i in ids})}
                for tool, ids in ((t, [i for i in lookup if lookup[i]["tool_name"] == t])
                                  for t in self.table.tool_names)]

    def model_summary(self) -> dict:
        """The LLM's shape: what a load test needs for FLOPs per request (2 x parameters x tokens)."""
        from tomas.perf import count_nonembedding

        base = self.model.lm.get_base_model()
        c = base.config
        return {"llm_model": self.meta.llm_model, "hidden_size": c.hidden_size,
                "intermediate_size": c.intermediate_size, "num_layers": c.num_hidden_layers,
                "nonembedding_params": count_nonembedding(base)}

    @property
    def confirm_below(self) -> float:
        """Tool confidence below which a plan asks for confirmation (chosen on validation at training;
        0: never, for planners trained before)."""
        return self.meta.confirm_below or 0.0

    def describe(self, request: dict, c: Choice, hint: SizeHint | None = None) -> Plan:
        plan = self.plan_of(request, c, hint)
        plan.free_read = request.get("free_read")  # "auto": what was read, and from where
        if request.get("emit"):  # the configuration for a scheduler (None: nothing to run)
            plan.emit_asked = True
            if plan.config_id is not None:
                try:
                    plan.emitted = emit(plan.to_dict(), request["emit"], request.get("gpu_total_sm"))
                except DataError as e:
                    plan.emit_error = str(e)
        return plan

    def plan_of(self, request: dict, c: Choice, hint: SizeHint | None = None) -> Plan:
        tool = self.table.tool_names[c.tool_id]
        plan = Plan(task=request["task"], free_resources={k: whole(v) for k, v in request["free_resources"].items()},
                    latency_budget_ms=request.get("latency_budget_ms"), feasible=c.config_id is not None, tool=tool,
                    input_size=c.input_size, config_id=c.config_id, id=request.get("id"),
                    tool_confidence=round(c.tool_prob, 4), **size_report(c, hint), **self.confirmation(c))
        if c.out_of_scope:
            return self.refusal(plan, c)
        if c.preference_prob is not None:  # a planner that reads preferences says which one it applied
            plan.reads_preferences = True
            plan.preference = None if c.preference is None else {
                "name": c.preference, "says": PREFERENCES[c.preference].says, "confidence": round(c.preference_prob, 4)}
        if c.runner_up_tool is not None:  # what else the request may have meant, and how likely
            plan.runner_up_tool = {"tool": self.table.tool_names[c.runner_up_tool],
                                   "confidence": round(c.runner_up_tool_prob, 4)}
        if c.config_id is None:
            plan.reason = f"no {c.input_size}-input configuration of {tool} fits the free resources"
            return plan
        entry = self.table.lookup[c.config_id]
        plan = dataclasses.replace(plan, **{r: whole(entry[r]) for r in RESOURCES}, latency_ms=entry["latency_ms"],
                                   confidence=round(c.tool_prob * (c.config_prob or 0.0), 4))
        if plan.latency_budget_ms is not None:
            plan.meets_budget = entry["latency_ms"] <= plan.latency_budget_ms
        if c.runner_up is not None:
            ru = self.table.lookup[c.runner_up]
            plan.runner_up = {"config_id": c.runner_up, **{r: whole(ru[r]) for r in RESOURCES},
                              "latency_ms": ru["latency_ms"]}
        return plan

    def confirmation(self, c: Choice) -> dict:
        """``needs_confirmation``, and when it is true the two most probable tools to confirm between."""
        if c.out_of_scope or c.tool_prob >= self.confirm_below:
            return {"needs_confirmation": False}
        top = [(c.tool_id, c.tool_prob)] + ([(c.runner_up_tool, c.runner_up_tool_prob)]
                                            if c.runner_up_tool is not None else [])
        return {"needs_confirmation": True,
                "candidate_tools": [{"tool": self.table.tool_names[t], "confidence": round(p, 4)} for t, p in top]}

    @staticmethod
    def refusal(plan: Plan, c: Choice) -> Plan:
        """The plan for a request no registered tool serves: no tool, no configuration, the reason and the
        closest tool (for a caller who disagrees)."""
        closest = {"tool": plan.tool, "confidence": plan.tool_confidence}
        return dataclasses.replace(
            plan, feasible=False, tool=None, input_size=None, config_id=None, tool_confidence=None, size_source=None,
            size_confidence=None, size_read_from=None, runner_up_size=None, runner_up_tool=None, preference=None,
            reads_preferences=False, closest_tool=closest,
            reason="no registered tool serves this request (out of scope)",
            out_of_scope_confidence=None if c.out_of_scope_prob is None else round(c.out_of_scope_prob, 4),
            out_of_scope_margin=round(c.scope_score - (c.scope_words or 0.0), 4) if c.scope_rule == "nearest" else None,
            out_of_scope_words=None if c.scope_words is None else round(c.scope_words, 4))


def with_machine_resources(requests: list[dict]) -> list[dict]:
    """``free_resources: "auto"`` replaced by this machine's free resources (read once for the batch), with
    ``free_read`` saying what was read."""
    if not any(r["free_resources"] == "auto" for r in requests):
        return requests
    from tomas.machine import free_resources

    free, said = free_resources()
    return [{**r, "free_resources": free, "free_read": said} if r["free_resources"] == "auto" else r
            for r in requests]


SIZE_SURE = 0.9
"""Below this size confidence a plan names the runner-up size too."""


def size_report(c: Choice, hint: SizeHint | None) -> dict:
    """Where the plan's input size came from and how sure it is: ``size_source`` "input" (the caller's
    facts), "number" (a number in the request, read exactly), "named" (a product or work it names: the
    table of named inputs) or "words" (the learned reading)."""
    out = {"size_source": hint.source if hint else "words", "size_confidence": round(c.size_prob, 4)}
    if hint and hint.read:
        out["size_read_from"] = hint.read
    if c.size_prob < SIZE_SURE and c.runner_up_size is not None:
        out["runner_up_size"] = c.runner_up_size
    return out


def load_planner(planner_dir: str, device: str = "auto", assets_dir: str | None = None,
                 legacy: bool = False, compiled: bool = False) -> LoadedPlanner:
    """The frozen LLM + the folder's LoRA and heads, on its configuration table (``assets_dir`` overrides it).

    ``legacy``: read a format-1 folder (``planner.safetensors``), for ``tomas convert-planner``; ``compiled``
    (CPU only): plan with the folder's compiled reader when it has a current one, else load the full way and
    write one for next time (``artifacts.save_compiled_reader``; skipped where the folder is read-only or the
    trace does not match)."""
    folder = Path(planner_dir)
    if legacy:
        meta = PlannerMeta.from_json(artifacts.with_old_defaults(json.loads((folder / artifacts.META).read_text())))
    else:
        meta = artifacts.read_meta(folder)
    cfg = meta.planner_config()
    assets_dir = assets_dir or artifacts.table_dir_of(folder, meta)
    table = ConfigTable.from_assets(assets_dir)
    if table.num_configs != meta.num_configs or table.tool_names != meta.tool_names:
        raise DataError(f"{assets_dir}: assets have {table.num_configs} configs / tools "
                        f"{table.tool_names}, the planner was trained on {meta.num_configs} / {meta.tool_names}")
    dev = resolve_device(device)
    compiled = compiled and not legacy and dev.type == "cpu"
    if compiled and (fast := load_compiled_planner(folder, meta, cfg, table)) is not None:
        return fast
    llm = load_llm(meta.llm_model, dev, seed=cfg.training.seed)
    model = build_planner(cfg.model, llm, table, None if legacy else artifacts.saved_live_rows(folder))
    if legacy:
        artifacts.load_legacy_weights(model, folder)
    else:
        artifacts.load_adapter(model.lm, folder)
        artifacts.load_heads(model.decoder, folder, cfg.model.scope_text)
        # Inference only from here: LoRA folded into the frozen weights (W + BA) saves its extra
        # matmuls on every layer it adapts (~15% of a forward pass with the preset on this CPU).
        model.lm.merge_adapter()
    set_scope_threshold(model.decoder, meta)
    set_lexical(model.decoder, folder, meta)
    if compiled:
        write_compiled_reader(folder, model, llm.tokenizer, meta)
    return LoadedPlanner(cfg, meta, model.eval(), llm.tokenizer, table, dev, artifacts.load_spelling(folder, meta))


def load_compiled_planner(folder: Path, meta: PlannerMeta, cfg: PlannerConfig, table: ConfigTable
                          ) -> LoadedPlanner | None:
    """The planner with the folder's current compiled reader (torch alone: no transformers, no peft), or None."""
    saved = artifacts.load_compiled_reader(folder, meta)
    if saved is None:
        return None
    reader, tokenizer_path, pad_id = saved
    decoder = build_decoder(cfg.model, reader_width(reader, pad_id), table,
                            artifacts.saved_live_rows(folder))
    artifacts.load_heads(decoder, folder, cfg.model.scope_text)
    set_scope_threshold(decoder, meta)
    set_lexical(decoder, folder, meta)
    model = CompiledPlanner(reader, decoder).eval()
    return LoadedPlanner(cfg, meta, model, FastTokenizer(tokenizer_path, pad_id), table, torch.device("cpu"),
                         artifacts.load_spelling(folder, meta))


def set_scope_threshold(decoder, meta: PlannerMeta) -> None:
    """The refusal threshold chosen on validation (the score's own boundary for a planner saved without one)."""
    above = meta.out_of_scope_above
    decoder.out_of_scope_above = above if above is not None else decoder.scope_boundary
    decoder.alone_above = meta.scope_alone_above


def set_lexical(decoder, folder: Path, meta: PlannerMeta) -> None:
    """The folder's lexical models at the weights chosen on validation: the tool one for tools and refusals, the size
    one for sizes, the preference reader at its threshold (weight 0 or no threshold: its files are not read; a weight
    without its files is one ``DataError`` line)."""
    used = meta.lexical_weight or meta.scope_lexical_weight
    decoder.lexical = artifacts.load_lexical(folder) if used else None
    decoder.lexical_weight, decoder.scope_lexical_weight = meta.lexical_weight, meta.scope_lexical_weight
    decoder.size_lexical = (artifacts.load_lexical(folder, artifacts.SIZE_LEXICAL_FILES) if meta.size_lexical_weight
                            else None)
    decoder.size_lexical_weight = meta.size_lexical_weight
    decoder.preference_lexical = None
    if meta.preference_above is not None:
        files = artifacts.PREFERENCE_LEXICAL_FILES
        try:
            decoder.preference_lexical = LexicalPreference(artifacts.load_lexical(folder, files), meta.preference_above)
        except ValueError as e:  # another lexical model's files under the preference reader's names
            raise DataError(f"{folder / files[1]}: {e}; copy the folder again or retrain") from None


def reader_width(reader, pad_id: int) -> int:
    """The width of a compiled reader's states (one pad token through it, unoptimised like every call of it:
    ``CompiledPlanner.last_hidden``)."""
    with torch.no_grad(), torch.jit.optimized_execution(False):
        return int(reader(torch.tensor([[pad_id]]), torch.tensor([[1]]), torch.tensor([[1]]))[0].shape[-1])


def write_compiled_reader(folder: Path, model: PlannerModel, tokenizer, meta: PlannerMeta) -> None:
    """Trace the reader and save it beside the planner for fast starts (called when the folder has no current
    one), when the trace matches and the folder is writable (a line on stderr says so; nothing is written
    otherwise)."""
    if not os.access(folder, os.W_OK):
        return
    traced = compile_reader(model, tokenizer)
    if traced is None:
        return
    artifacts.save_compiled_reader(folder, traced, tokenizer, meta)
    print(f"  (wrote {folder / artifacts.COMPILED_READER}: later plans start without transformers)", file=sys.stderr)


@dataclass
class BadLine:
    """A batch line that is not a valid request: answered by an error object on its own output line."""

    error: str
    id: object = None

    def to_dict(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, **({"id": self.id} if self.id is not None else {}),
                "error": self.error}


def read_requests(path: str) -> list[dict | BadLine]:
    """Batch input (``-`` = standard input): one JSON object per line. A bad line becomes a
    ``BadLine`` (naming the line and the field) in place of its request; the others stand."""
    if path == "-":
        text = sys.stdin.read()
    elif not Path(path).is_file():
        raise DataError(f"{path}: no such file")
    else:
        text = Path(path).read_text()
    out: list[dict | BadLine] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            out.append(BadLine(f"{path}: line {n}: not valid JSON ({e.msg})"))
            continue
        try:
            out.append(parse_request(r, f"{path}: line {n}"))
        except DataError as e:
            out.append(BadLine(str(e), r.get("id") if isinstance(r, dict) else None))
    if not out:
        raise DataError(f"{path}: no requests")
    return out
