"""Decoder probe: train only the HierarchicalDecoder on the frozen LLM's cached hidden states.

The frozen LLM (no LoRA) encodes every planner prompt once (cached next to the report), then
only the heads train, with the same loss, steps, batch size and (constant) head learning rate
as ``tomas train`` — batches drawn with replacement, no warm-up or decay: seconds on a CPU
instead of the ~20 minutes of a LoRA run. Use it to compare
decoder-side changes (scorer features, config-head init, loss weights) before a full run; LoRA
adds on top of these numbers, it does not replace them.

setup (data, assets, frozen LLM) -> encode (cached) -> train heads -> report
(``<output_dir>/probe/probe_report.json``: per split the planner metrics, plus input-size accuracy given the right
tool and config accuracy given the right tool and size, which isolate the config scorer).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import asdict
from pathlib import Path

import torch
from tqdm.auto import tqdm

from tomas.config import PlannerConfig
from tomas.data import ToolData, load_tool_data
from tomas.data.planner import PlannerExample, load_planner_examples
from tomas.errors import DataError
from tomas.eval.planner import conditional_accuracies, planner_metrics, unseen_answer_metrics
from tomas.io import save_json, save_torch
from tomas.models.config_table import ConfigTable
from tomas.models.decoder import Choice, HierarchicalDecoder, rescale_rows
from tomas.models.llm import LoadedLLM, default_dtype, load_llm, resolve_device
from tomas.models.planner import (
    READOUTS,
    budget_tensor,
    build_decoder,
    encode_prompts,
    feature_rows,
    free_tensor,
    initial_rows,
)
from tomas.training import new_tool
from tomas.training.planner import (
    check_assets,
    config_rows,
    heldout_configs,
    phase0_rows,
    prompt_of,
    select_training,
    targets,
)
from tomas.training.planner_loss import labelled, planner_loss
from tomas.training.schedule import seed_everything

PROBE_REPORT, CACHE = "probe_report.json", "probe_hidden.pt"
SPLITS = ("train", "val", "test")


@torch.no_grad()
def frozen_states(llm: LoadedLLM, prompts: list[str], readout: str, device: torch.device, batch_size: int = 32
                  ) -> torch.Tensor:
    """[len(prompts), hidden] float32 prompt vectors (per ``model.readout``) of the frozen LLM (CPU)."""
    body, pool = llm.model.get_decoder(), READOUTS[readout]
    rows = []
    for i in tqdm(range(0, len(prompts), batch_size), desc="Encoding prompts", leave=False):
        batch = encode_prompts(llm.tokenizer, prompts[i:i + batch_size], device)
        rows.append(pool(body(**batch).last_hidden_state, batch["attention_mask"]).cpu())
    return torch.cat(rows)


def cached_hidden(cfg: PlannerConfig, examples: dict[str, list[PlannerExample]], device: torch.device,
                  log=print) -> tuple[dict[str, torch.Tensor], int]:
    """Hidden states per split, reused from ``output_dir`` when the LLM and every prompt are the same."""
    prompts = {s: [prompt_of(e) for e in examples[s]] for s in SPLITS}
    llm_dtype = str(default_dtype(device))  # load_llm's choice: bf16 and fp32 hidden states differ
    sizes = [str(len(prompts[s])) for s in SPLITS]
    key = hashlib.sha256("\0".join([cfg.model.llm_model, llm_dtype, cfg.model.readout, *sizes,
                                    *(p for s in SPLITS for p in prompts[s])])
                         .encode())
    path = probe_dir(cfg) / CACHE
    if path.is_file():
        cached = torch.load(path, map_location="cpu", weights_only=True)
        if cached.get("key") == key.hexdigest():
            log(f"  ✓ hidden states from {path}")
            return cached["hidden"], cached["hidden_size"]
    llm = load_llm(cfg.model.llm_model, device, seed=cfg.training.seed)
    log(f"  encoding {sum(map(len, prompts.values()))} prompts with the frozen {cfg.model.llm_model}...")
    hidden = {s: frozen_states(llm, prompts[s], cfg.model.readout, device) for s in SPLITS}
    save_torch({"key": key.hexdigest(), "hidden": hidden, "hidden_size": llm.hidden_size}, path)
    return hidden, llm.hidden_size


def probe_dir(cfg: PlannerConfig) -> Path:
    """``<output_dir>/probe``: kept apart from a trained planner's files in the same output_dir."""
    return Path(cfg.output_dir) / "probe"


def train_decoder(cfg: PlannerConfig, table: ConfigTable, hidden: torch.Tensor, gold: dict,
                  log=print, rows: torch.Tensor | None = None) -> HierarchicalDecoder:
    """A fresh decoder trained alone on cached prompt states (``hidden``) with the planner's loss; its
    config head starts from ``rows`` (default: per ``model.config_head_init``)."""
    seed_everything(cfg.training.seed)  # loading the LLM (first run only) may have drawn from the global RNG
    if rows is None:
        rows = initial_rows(cfg.model, config_rows(cfg, table, hidden.shape[-1]), table, hidden.shape[-1])
    dec = build_decoder(cfg.model, hidden.shape[-1], table, rows)
    opt = torch.optim.AdamW(dec.parameters(), lr=cfg.model.head_learning_rate, weight_decay=cfg.training.weight_decay)
    generator = torch.Generator().manual_seed(cfg.training.seed)
    training = cfg.training
    log(f"  training the decoder alone: {training.max_steps} steps × batch {training.batch_size}, "
        f"lr {cfg.model.head_learning_rate}")
    for _ in range(training.max_steps):
        idx = torch.randint(len(hidden), (training.batch_size,), generator=generator)
        loss, _ = planner_loss(dec.logits(hidden[idx]), dec, {k: v[idx] for k, v in gold.items()},
                               cfg.model.config_loss_weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return dec


def split_report(examples: list[PlannerExample], choices: list[Choice], table: ConfigTable, held: set[int]) -> dict:
    """One split's metrics; with held-out configurations, also on the requests whose answer is one of them."""
    m = planner_metrics(examples, choices, table)
    report = {k: m[k] for k in ("tool_accuracy", "config_accuracy", "violations", "latency_regret_pct",
                                "config_accuracy_by_case", "preference_accuracy", "plan_accuracy_by_preference",
                                "preference_plan_accuracy")
              if k in m}
    report.update(conditional_accuracies(examples, choices, table), plan_accuracy=m["plan_accuracy"])
    if held:
        report["unseen_answers"] = unseen_answer_metrics(examples, choices, table, held)
    return report


def probe(cfg: PlannerConfig, log=print, save: bool = True) -> dict:
    """``save``: write the report (an experiment grid keeps its own results file instead)."""
    seed_everything(cfg.training.seed)
    data = load_tool_data(cfg.data.tool_registry, cfg.data.profiling_data)
    if not cfg.data.new_tool:
        check_assets(ConfigTable.from_assets(cfg.data.assets_dir), data, cfg.data.assets_dir)
    files = {"train": cfg.data.train_file, "val": cfg.data.val_file, "test": cfg.data.test_file}
    examples = {split: load_planner_examples(files[split], data) for split in SPLITS}
    hidden, _ = cached_hidden(cfg, examples, resolve_device(cfg.training.device), log)
    if cfg.data.new_tool:
        table, dec, base, num_train = new_tool_decoder(cfg, data, examples, hidden, log)
    else:
        table, base = ConfigTable.from_assets(cfg.data.assets_dir), None
        # The regime's training examples (data.train_fraction, data.holdout_configs): rows of the cached states.
        train = select_training(examples["train"], cfg, table)
        position = {e.id: i for i, e in enumerate(examples["train"])}
        dec = train_decoder(cfg, table, hidden["train"][[position[e.id] for e in train]],
                            targets(train, data, torch.device("cpu")), log)
        num_train = len(train)
    report = {"llm_model": cfg.model.llm_model, "model": asdict(cfg.model), "data": asdict(cfg.data),
              "steps": cfg.training.max_steps, "batch_size": cfg.training.batch_size,
              "num_train": num_train, "splits": {}}
    for split in ("val", "test"):
        chosen = examples[split]
        choices = predict(dec, hidden[split], chosen)
        r = report["splits"][split] = split_report(chosen, choices, table, heldout_configs(cfg, table))
        if base is not None:
            r.update(new_tool_report(cfg.data.new_tool, chosen, hidden[split], dec, base, table))
        log(f"  {split}: tool {r['tool_accuracy']:.1%} · config {r['config_accuracy']:.1%} · size|tool "
            f"{r['size_accuracy_given_tool']:.1%} · config|tool,size {r['config_accuracy_given_tool_and_size']:.1%}"
            f" · violations {r['violations']} · regret {r['latency_regret_pct']:.1f}%")
    if save:
        save_json(report, probe_dir(cfg) / PROBE_REPORT)
        log(f"✓ {probe_dir(cfg) / PROBE_REPORT}")
    return report


def predict(dec: HierarchicalDecoder, hidden: torch.Tensor, examples: list[PlannerExample],
            tools: torch.Tensor | None = None) -> list[Choice]:
    return dec.predict(hidden, free_tensor([e.free_resources for e in examples]),
                       budget_tensor([e.latency_budget_ms for e in examples]), tools)


_STREAM_A: dict[tuple, torch.Tensor] = {}
"""(LLM, tool, description or not) -> the new tool's Stream A: a grid loads the LLM for it once."""


def new_tool_rows(cfg: PlannerConfig, data: ToolData, table: ConfigTable, num_old: int, hidden_size: int
                  ) -> torch.Tensor:
    """Raw config-head rows of every configuration, the new tool's last, per ``model.config_head_init``:
    Phase 0's export for the old tools and its encoder for the new one; seeded random; or ``feature_rows``."""
    init = cfg.model.config_head_init
    if init == "features":
        return feature_rows(table, hidden_size)
    if init == "random":
        return torch.randn(table.num_configs, hidden_size, generator=torch.Generator().manual_seed(cfg.training.seed))
    if init != "phase0":
        raise DataError(f"data.new_tool: model.config_head_init must be phase0, random or features, not {init}")
    encoder, info = new_tool.load_encoder(cfg.data.new_tool_encoder)
    if info["tool_names"] != table.tool_names[:-1]:
        raise DataError(f"{cfg.data.new_tool_encoder}: trained on {info['tool_names']}, not the planner's old tools")
    old = phase0_rows(cfg, num_old, hidden_size)
    key = (info["llm_model"], table.tool_names[-1], info["anchor_description"])
    if key not in _STREAM_A:  # Stream A: the embeddings of Phase 0's LLM, whatever reads the prompts
        llm = load_llm(info["llm_model"], torch.device("cpu"), seed=cfg.training.seed)
        _STREAM_A[key] = new_tool.new_tool_stream_a(llm, data.tools[-1], info["anchor_description"])
    return torch.cat([old, new_tool.encoder_rows(encoder, _STREAM_A[key], data.configs[num_old:])])


def new_tool_decoder(cfg: PlannerConfig, data: ToolData, examples: dict, hidden: dict, log=print
                     ) -> tuple[ConfigTable, HierarchicalDecoder, HierarchicalDecoder, int]:
    """(full table, decoder with the new tool added, the decoder before, training examples): the decoder
    trained on every tool but ``data.new_tool``, then given it as ``tomas add-tool`` does."""
    tool = cfg.data.new_tool
    full = ConfigTable.from_lookup(data.tool_names, {c.config_id: c.lookup_entry() for c in data.configs})
    old = ConfigTable.from_assets(cfg.data.assets_dir)
    n = old.num_configs
    if (data.tool_names[-1] != tool or old.tool_names != data.tool_names[:-1]
            or any(old.lookup[i] != full.lookup[i] for i in range(n))):
        raise DataError(f"{cfg.data.assets_dir}: data.new_tool needs the assets of every other tool, and {tool} "
                        "last in the registry and the profiling table")
    raw = new_tool_rows(cfg, data, full, n, hidden["train"].shape[-1])
    position = {e.id: i for i, e in enumerate(examples["train"])}
    train = select_training([e for e in examples["train"] if e.tool != tool], cfg, old)
    hidden_old = hidden["train"][[position[e.id] for e in train]]
    gold = targets(train, data, torch.device("cpu"))
    base = train_decoder(cfg, old, hidden_old, gold, log, rows=raw[:n])
    dec = new_tool.extend_decoder(base, full, rescale_rows(raw[n:], reference=raw[:n]))
    own = [position[e.id] for e in examples["train"] if e.tool == tool and not e.scope_only]
    picked = random.Random(f"{cfg.training.seed}/new-tool-examples").sample(own, min(cfg.data.new_tool_examples,
                                                                                     len(own)))
    known = labelled(gold)  # the tool row is fitted against the other tools' labelled requests
    new_tool.fit_tool_row(dec, hidden["train"][picked], hidden_old[known], gold["tool"][known])
    log(f"  {tool} added after training: {len(picked)} of its examples, rows from {cfg.model.config_head_init}")
    return full, dec, base, len(train)


def new_tool_report(tool: str, examples: list[PlannerExample], hidden: torch.Tensor, dec: HierarchicalDecoder,
                    base: HierarchicalDecoder, table: ConfigTable) -> dict:
    """The new tool's requests on their own (``new_tool``; ``plan_accuracy_given_tool``: decoded with the
    right tool forced, the config head's part alone: input size and configuration both the oracle's),
    and the plan accuracy on the other tools' requests before and after it was added (``old_tools``)."""
    new = [i for i, e in enumerate(examples) if e.tool == tool]
    old = [i for i, e in enumerate(examples) if e.tool != tool]
    new_examples, old_examples = [examples[i] for i in new], [examples[i] for i in old]
    after, before = predict(dec, hidden[old], old_examples), predict(base, hidden[old], old_examples)
    choices = predict(dec, hidden[new], new_examples)
    forced = predict(dec, hidden[new], new_examples, torch.full((len(new),), table.tool_names.index(tool)))
    report = split_report(new_examples, choices, table, set())
    report["plan_accuracy_given_tool"] = planner_metrics(new_examples, forced, table)["plan_accuracy"]
    return {"new_tool": report,
            "old_tools": {"plan_accuracy_before": planner_metrics(old_examples, before, table)["plan_accuracy"],
                          "plan_accuracy_after": planner_metrics(old_examples, after, table)["plan_accuracy"]}}
