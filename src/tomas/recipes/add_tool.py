"""Add a tool to a trained planner, without training Phase 0 or the planner again.

``tomas add-tool NAME --tool_registry R --profiling_data P [--planner_dir assets/planner]
[--encoder_checkpoint assets/pretrained_encoder.pt] [--examples FILE.jsonl] (--output_dir DIR | --overwrite)``

NAME must be in the registry and the profiling table (the planner's own tools too: their requests
are the replay the new tool-head row is fitted against). Its configurations get rows from Phase 0's
encoder and its tool-head row is fitted on ``--examples`` (at most 50 requests, ``tomas plan --batch``
lines) or, without them, on 50 requests generated from its registry entry (``training.new_tool``).
Then ``tomas plan --planner_dir DIR`` plans over it like any other tool.

setup (planner, data, encoder) -> rows -> fit the tool-head row -> save (``planner.json`` last)
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import torch

from tomas.artifacts.planner import save_with_added_tool
from tomas.artifacts.planner_meta import PlannerMeta
from tomas.config import parse_config
from tomas.config.commands import AddToolArgs
from tomas.data import ToolData, load_tool_data
from tomas.data.planner import generate_planner
from tomas.data.profiling import INPUT_SIZES, RESOURCES, Configuration
from tomas.errors import DataError
from tomas.inference import BadLine, LoadedPlanner, load_planner, read_requests
from tomas.models.config_table import ConfigTable
from tomas.models.decoder import LiveConfigHead, rescale_rows
from tomas.models.llm import load_llm
from tomas.models.planner import prompt_states, render_prompt, scope_states
from tomas.training.new_tool import (
    MAX_EXAMPLES,
    encoder_rows,
    extend_decoder,
    fit_tool_row,
    load_encoder,
    new_tool_stream_a,
    remember_in_scope,
)

REPLAY_PER_TOOL = 40
"""Generated requests per old tool that the new tool-head row learns to lose against."""


def configs_of(table: ConfigTable, ids: list[int]) -> list[Configuration]:
    """``config_lookup.json`` entries as ``Configuration``s (what the encoder reads)."""
    return [Configuration(i, table.lookup[i]["tool_name"], table.lookup[i]["input_size"],
                          *(float(table.lookup[i][r]) for r in RESOURCES), float(table.lookup[i]["latency_ms"]))
            for i in ids]


def old_raw_rows(planner: LoadedPlanner, encoder, tool_names: list[str]) -> torch.Tensor:
    """The encoder's rows of the planner's configurations, checked against the rows its config head holds."""
    table = planner.table
    if tool_names != table.tool_names:
        raise DataError(f"encoder checkpoint: trained on tools {tool_names}, the planner has {table.tool_names} "
                        "(pass the Phase 0 checkpoint whose export the planner was trained on)")
    with torch.no_grad():
        raw = torch.cat([encoder(table.tool_of[i:i + 256], torch.tensor(
            [c.vector() for c in configs_of(table, list(range(i, min(i + 256, table.num_configs))))]))
            for i in range(0, table.num_configs, 256)])
    head = planner.model.decoder.config_head
    if isinstance(head, LiveConfigHead) and not torch.allclose(rescale_rows(raw), head.rows.cpu(), atol=1e-4):
        raise DataError("encoder checkpoint: its rows are not the ones this planner's config head holds "
                        "(pass the Phase 0 checkpoint whose export the planner was trained on)")
    return raw


def example_prompts(path: str | None, tool, configs: list[Configuration], seed: int
                    ) -> tuple[list[str], list[str], str]:
    """(tasks, prompts, where they came from): the user's requests, or requests generated from the registry."""
    if path is not None:
        requests = read_requests(path)
        bad = next((r for r in requests if isinstance(r, BadLine)), None)
        if bad is not None:
            raise DataError(bad.error)
        if len(requests) > MAX_EXAMPLES:
            raise DataError(f"{path}: {len(requests)} requests, at most {MAX_EXAMPLES}")
        return ([r["task"] for r in requests],
                [render_prompt(r["task"], r["free_resources"], r.get("latency_budget_ms")) for r in requests], path)
    own = ToolData([tool], [replace(c, config_id=k) for k, c in enumerate(configs)], tool.name)
    generated = generate_planner(own, seed=seed, train_per_tool=MAX_EXAMPLES, val_per_tool=0, test_per_tool=0,
                                 out_of_scope_share=0, scope_only_files=())["train"]
    return ([e.task for e in generated], [render_prompt(e.task, e.free_resources, e.latency_budget_ms)
                                          for e in generated], "generated from its registry entry")


def replay_prompts(data: ToolData, tool_names: list[str], seed: int) -> tuple[list[str], torch.Tensor]:
    """Generated requests for the planner's own tools (their registry entries must be in ``data``)."""
    missing = [t for t in tool_names if t not in data.tool_names]
    if missing:
        raise DataError(f"tool registry: lacks the planner's tool(s) {', '.join(missing)} (pass the registry "
                        "with every tool, old and new)")
    examples = generate_planner(data.subset(tool_names), seed=seed, train_per_tool=REPLAY_PER_TOOL,
                                val_per_tool=0, test_per_tool=0, out_of_scope_share=0, scope_only_files=())["train"]
    return ([render_prompt(e.task, e.free_resources, e.latency_budget_ms) for e in examples],
            torch.tensor([tool_names.index(e.tool) for e in examples]))


def add_tool(name: str, planner_dir: str, tool_registry: str, profiling_data: str, encoder_checkpoint: str,
             examples: str | None, output_dir: str | None, device: str = "auto", log=print) -> dict:
    data = load_tool_data(tool_registry, profiling_data)  # checked before the (slow) planner loads
    if name not in data.tool_names:
        raise DataError(f"{tool_registry}: no tool {name!r}")
    tool, configs = data.tools[data.tool_id(name)], [c for c in data.configs if c.tool == name]
    if not configs:
        raise DataError(f"{profiling_data}: no configurations of {name!r}")
    log(f"Loading the planner {planner_dir}...")
    planner = load_planner(planner_dir, device)
    table = planner.table.with_tool(name, [c.lookup_entry() for c in configs])
    seed = planner.cfg.training.seed
    model_cfg = planner.cfg.model
    if model_cfg.config_head_init != "phase0":
        raise DataError(f"{planner_dir}: config head rows from {model_cfg.config_head_init}, not Phase 0: "
                        "a new tool's rows come from Phase 0's encoder")
    log(f"Rows for {len(configs)} configurations of {name} from {encoder_checkpoint}...")
    new_rows = new_tool_rows(planner, tool, configs, encoder_checkpoint, log)
    decoder = extend_decoder(planner.model.decoder, table, new_rows.to(planner.device))
    tasks, prompts, source = example_prompts(examples, tool, configs, seed)
    replay, replay_tools = replay_prompts(data, planner.table.tool_names, seed)
    log(f"Fitting its tool-head row on {len(prompts)} requests ({source}) against {len(replay)} of the other tools...")
    states = prompt_states(planner.model, planner.tokenizer, prompts + replay, planner.device)
    fit_tool_row(decoder.cpu(), states[:len(prompts)], states[len(prompts):], replay_tools)
    reads = decoder.scope_memory.reads if decoder.scope_memory is not None else "prompt"
    remember_in_scope(decoder, states[:len(prompts)] if reads == "prompt" else
                      scope_states(planner.model, planner.tokenizer, reads, tasks, prompts, planner.device))
    added = {"num_examples": len(prompts), "examples": source, "encoder_checkpoint": str(encoder_checkpoint)}
    meta = extended_meta(planner, table, tool, configs, tool_registry, profiling_data, added)
    out = output_dir or planner_dir
    spelling = planner.spelling.with_tasks(tasks).to_json() if planner.spelling else None  # its words known
    save_with_added_tool(out, planner_dir, decoder, table, meta, spelling)  # a new folder appears whole, or not at all
    log(f"✓ {out}: {len(table.tool_names)} tools, {table.num_configs} configurations "
        f"(plan with `tomas plan --planner_dir {out} ...`)")
    return meta.added_tools[-1]


def new_tool_rows(planner, tool, configs: list[Configuration], encoder_checkpoint: str, log=print) -> torch.Tensor:
    """The new tool's config-head rows: Phase 0's encoder on its configurations, in the planner's row space."""
    encoder, info = load_encoder(encoder_checkpoint)
    if info["llm_model"] == planner.meta.llm_model:
        llm = SimpleNamespace(embeddings=planner.model.lm.get_input_embeddings(), tokenizer=planner.tokenizer)
    else:  # a planner reading with another model: Stream A is still Phase 0's LLM's embeddings of the name
        log(f"Loading Phase 0's LLM {info['llm_model']} for the new tool's name embeddings...")
        llm = load_llm(info["llm_model"], "cpu")
    stream_a = new_tool_stream_a(llm, tool, info["anchor_description"]).cpu()
    return rescale_rows(encoder_rows(encoder, stream_a, configs),
                        reference=old_raw_rows(planner, encoder, info["tool_names"]))


def extended_meta(planner, table: ConfigTable, tool, configs: list[Configuration], tool_registry: str,
                  profiling_data: str, added: dict) -> PlannerMeta:
    """``planner.json`` of the extended planner: its tools, sizes and data, and the added tool's record."""
    old = planner.meta
    return dataclasses.replace(
        old, tool_names=table.tool_names, num_configs=table.num_configs,
        input_sizes={**(old.input_sizes or {}), tool.name: tool.input_sizes.to_json() if tool.input_sizes else None},
        # The data the planner now plans over: evaluating it reads this registry and table.
        config={**old.config, "data": {**old.config["data"], "tool_registry": str(tool_registry),
                                       "profiling_data": str(profiling_data)}},
        added_tools=[*old.added_tools, {"tool": tool.name, "num_configs": len(configs), **added,
                                        "sizes": sorted({c.input_size for c in configs}, key=INPUT_SIZES.index)}])


def main(argv: list[str] | None = None) -> int:
    args, _ = parse_config(AddToolArgs, sys.argv[1:] if argv is None else argv, prog="tomas add-tool")
    out = check_output_dir(args.planner_dir, args.output_dir, args.overwrite)
    add_tool(args.name, args.planner_dir, args.tool_registry, args.profiling_data, args.encoder_checkpoint,
             args.examples, str(out), args.device)
    return 0


def check_output_dir(planner_dir: str, output_dir: str | None, overwrite: bool) -> Path:
    """Where the extended planner goes; never over a folder that holds something unless ``overwrite``."""
    out = Path(output_dir or planner_dir)
    if overwrite:
        return out
    if out.resolve() == Path(planner_dir).resolve():
        raise DataError(f"this would write over the trained planner {planner_dir}: give --output_dir for a new "
                        "folder, or --overwrite")
    if out.exists() and any(out.iterdir()):
        raise DataError(f"--output_dir {out}: exists and is not empty (--overwrite to replace it)")
    return out
