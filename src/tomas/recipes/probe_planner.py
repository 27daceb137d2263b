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
import sys
from dataclasses import asdict
from pathlib import Path

import torch

from tomas.config import PLANNER_YAML, PlannerConfig, parse_config
from tomas.data import load_tool_data
from tomas.data.planner import PlannerExample, load_planner_examples
from tomas.eval.planner import conditional_accuracies, planner_metrics, unseen_answer_metrics
from tomas.io import save_json, save_torch
from tomas.models.decoder import Choice, ConfigTable, HierarchicalDecoder
from tomas.models.llm import LoadedLLM, default_dtype, load_llm, resolve_device
from tomas.models.planner import READOUTS, budget_tensor, encode_prompts, free_tensor, initial_rows
from tomas.training.planner import (
    check_assets,
    config_rows,
    heldout_configs,
    planner_loss,
    prompt_of,
    select_training,
    targets,
)
from tomas.training.schedule import seed_everything

PROBE_REPORT, CACHE = "probe_report.json", "probe_hidden.pt"
SPLITS = ("train", "val", "test")


@torch.no_grad()
def frozen_states(llm: LoadedLLM, prompts: list[str], readout: str, device: torch.device, batch_size: int = 32
                  ) -> torch.Tensor:
    """[len(prompts), hidden] float32 prompt vectors (per ``model.readout``) of the frozen LLM (CPU)."""
    body, pool = llm.model.get_decoder(), READOUTS[readout]
    rows = []
    for i in range(0, len(prompts), batch_size):
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
                  log=print) -> HierarchicalDecoder:
    """A fresh decoder trained alone on cached prompt states (``hidden``) with the planner's loss."""
    seed_everything(cfg.training.seed)  # loading the LLM (first run only) may have drawn from the global RNG
    rows = initial_rows(cfg.model, config_rows(cfg, table, hidden.shape[-1]), table, hidden.shape[-1])
    dec = HierarchicalDecoder(hidden.shape[-1], table, rows, config_features=cfg.model.config_features,
                              feature_scale=cfg.model.feature_scale, live_rows=cfg.model.config_head == "live")
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
                                "config_accuracy_by_case")}
    report.update(conditional_accuracies(examples, choices, table), plan_accuracy=m["plan_accuracy"])
    if held:
        report["unseen_answers"] = unseen_answer_metrics(examples, choices, table, held)
    return report


def probe(cfg: PlannerConfig, log=print, save: bool = True) -> dict:
    """``save``: write the report (an experiment grid keeps its own results file instead)."""
    seed_everything(cfg.training.seed)
    data = load_tool_data(cfg.data.tool_registry, cfg.data.profiling_data)
    table = ConfigTable.from_assets(cfg.data.assets_dir)
    check_assets(table, data, cfg.data.assets_dir)
    files = {"train": cfg.data.train_file, "val": cfg.data.val_file, "test": cfg.data.test_file}
    examples = {split: load_planner_examples(files[split], data) for split in SPLITS}
    hidden, _ = cached_hidden(cfg, examples, resolve_device(cfg.training.device), log)
    # The regime's training examples (data.train_fraction, data.holdout_configs): rows of the cached states.
    position = {e.id: i for i, e in enumerate(examples["train"])}
    examples["train"] = select_training(examples["train"], cfg, table)
    hidden["train"] = hidden["train"][[position[e.id] for e in examples["train"]]]
    dec = train_decoder(cfg, table, hidden["train"], targets(examples["train"], data, torch.device("cpu")), log)
    report = {"llm_model": cfg.model.llm_model, "model": asdict(cfg.model), "data": asdict(cfg.data),
              "steps": cfg.training.max_steps, "batch_size": cfg.training.batch_size,
              "num_train": len(examples["train"]), "splits": {}}
    for split in ("val", "test"):
        chosen = examples[split]
        choices = dec.predict(hidden[split], free_tensor([e.free_resources for e in chosen]),
                              budget_tensor([e.latency_budget_ms for e in chosen]))
        r = report["splits"][split] = split_report(chosen, choices, table, heldout_configs(cfg, table))
        log(f"  {split}: tool {r['tool_accuracy']:.1%} · config {r['config_accuracy']:.1%} · size|tool "
            f"{r['size_accuracy_given_tool']:.1%} · config|tool,size {r['config_accuracy_given_tool_and_size']:.1%}"
            f" · violations {r['violations']} · regret {r['latency_regret_pct']:.1f}%")
    if save:
        save_json(report, probe_dir(cfg) / PROBE_REPORT)
        log(f"✓ {probe_dir(cfg) / PROBE_REPORT}")
    return report


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cfg, _ = parse_config(PlannerConfig, argv, PLANNER_YAML)
    probe(cfg)
    return 0
