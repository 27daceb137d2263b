"""Phase 0 setup: what the trainer trains on (data, frozen LLM, samples and their slot anchors)
and what it trains (encoder + prefix adapter), on this process's device."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from tomas.config import PretrainConfig, TrainingConfig
from tomas.data import ToolData, load_tool_data
from tomas.data.pretrain_dataset import PretrainSample, make_samples
from tomas.data.profiling import INPUT_SIZES, NUMERIC_FIELDS
from tomas.errors import TomasError
from tomas.models.fields import check_layout, field_targets, layout_tokens, num_int_digits, value_layout
from tomas.models.llm import LoadedLLM, load_llm
from tomas.models.prefix import value_string
from tomas.models.self_encoding import SelfEncoder, build_self_encoder
from tomas.training.distributed import make_accelerator, run_device, trackers
from tomas.training.schedule import lr_lambda, seed_everything

if TYPE_CHECKING:
    from accelerate import Accelerator


@dataclass
class Phase0Setup:
    cfg: PretrainConfig
    data: ToolData
    llm: LoadedLLM
    samples: list[PretrainSample]
    anchors: torch.Tensor
    """[num_samples, num_slots] token ids each slot is anchored to (pad-filled); fields mode: the field
    classes of every sample ([num_samples, 2 + characters])."""
    resources: torch.Tensor
    """[num_configs, 6] canonical resource vectors (config order)."""
    model: SelfEncoder
    device: torch.device
    acc: Accelerator
    """This process's accelerator (processes, mixed precision, trackers): built once, here."""


def load_data(cfg: PretrainConfig) -> ToolData:
    data = load_tool_data(cfg.data.tool_registry, cfg.data.profiling_data)
    return data.subset(cfg.data.tools) if cfg.data.tools else data


def sample_anchor_ids(samples: list[PretrainSample], tool_names: list[str], tokenizer, num_slots: int):
    """Token ids of each sample's compact value string, padded to the slot count."""
    rows = []
    for s in samples:
        fields = {"tool": tool_names[s.tool_id], "input_size": INPUT_SIZES[int(s.resources[0])],
                  **dict(zip(NUMERIC_FIELDS, s.resources[1:]))}
        rows.append(tokenizer(value_string(fields), add_special_tokens=False)["input_ids"])
    k = num_slots or max(map(len, rows))
    if max(map(len, rows)) > k:
        raise TomasError(f"model.prefix.num_slots={k} is shorter than the longest value string "
                         f"({max(map(len, rows))} tokens); use 0 (automatic) or more")
    pad = tokenizer.pad_token_id
    return torch.tensor([r + [pad] * (k - len(r)) for r in rows]), k


def setup(cfg: PretrainConfig, log=print, acc: Accelerator | None = None) -> Phase0Setup:
    """``acc``: the run's accelerator, if the caller built it already (``make_accelerator``)."""
    seed_everything(cfg.training.seed)
    acc = acc or make_accelerator(cfg.training, trackers(cfg.logging), cfg.output_dir)
    device = run_device(cfg.training, acc)
    if cfg.training.num_threads:
        torch.set_num_threads(cfg.training.num_threads)
    log("[1/5] Loading dataset...")
    data = load_data(cfg)
    log(f"[2/5] Loading LLM {cfg.model.llm_model} (frozen)...")
    llm = load_llm(cfg.model.llm_model, device, seed=cfg.training.seed)
    aug = cfg.data.augmentation
    samples = make_samples(data.configs, data.tool_names, llm.tokenizer, aug.mode, aug.num_copies,
                           cfg.training.seed, aug.jitter)
    log(f"  ✓ Loaded {len(samples)} samples from {len(data.configs)} configs")
    log(f"  ✓ Augmentation factor: {aug.num_copies}×")
    if cfg.model.prefix.slot_mode == "row":  # no slots to anchor: the LM loss alone trains the row
        anchors, k = torch.zeros(len(samples), 1, dtype=torch.long), 1
    else:
        anchors, k = sample_anchor_ids(samples, data.tool_names, llm.tokenizer, cfg.model.prefix.num_slots)
    resources = torch.tensor([c.vector() for c in data.configs])
    log("[3/5] Building encoder (Stream A frozen, Stream B + fusion trainable)...")
    vocab, layout = set(anchors.flatten().tolist()), None
    if cfg.model.prefix.slot_mode == "fields":
        layout = value_layout(llm.tokenizer, data.tool_names, num_int_digits(resources))
        targets = field_targets(torch.tensor([x.tool_id for x in samples]),
                                torch.tensor([x.resources for x in samples]), layout["num_int_digits"])
        check_layout(layout, targets, anchors)
        anchors, vocab = targets, vocab | layout_tokens(layout)
    model = build_self_encoder(cfg, llm, data.tools, resources, k, sorted(vocab), layout).to(device)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log(f"  ✓ hidden {llm.hidden_size}, {k} slots, {n_train / 1e6:.2f}M trainable parameters")
    return Phase0Setup(cfg, data, llm, samples, anchors, resources, model, device, acc)


@dataclass
class Optimizers:
    anchor_params: list[torch.nn.Parameter]
    """What the anchor stage trains: the encoder and the slot expander."""
    params: list[torch.nn.Parameter]
    """What the LM stage trains (snap: the shared soft prompts alone)."""
    anchor_opt: torch.optim.Optimizer
    opt: torch.optim.Optimizer
    anchor_sched: torch.optim.lr_scheduler.LambdaLR
    sched: torch.optim.lr_scheduler.LambdaLR


def phase0_optimizers(model, training: TrainingConfig, lm_steps: int) -> Optimizers:
    """The anchor stage's optimizer (encoder + slot expander) and the LM stage's, each with its schedule. The
    schedulers stay outside accelerate, which would step them once per process: they step once per optimizer
    update, whatever the number of processes."""
    adapter = model.adapter
    anchor_params = [p for p in [*model.encoder.parameters(), *adapter.expander.parameters()] if p.requires_grad]
    # snap: the LLM reads exact tokens, so the LM loss has nothing to teach the encoder
    params = ([adapter.soft_prompt, adapter.soft_suffix] if adapter.expander.snap
              else [p for p in model.parameters() if p.requires_grad])
    anchor_opt = torch.optim.AdamW(anchor_params, lr=training.anchor_learning_rate)
    # the anchor stage decays linearly over its cap: it needs the low-rate tail to get every slot right
    anchor_sched = torch.optim.lr_scheduler.LambdaLR(
        anchor_opt, lr_lambda(dataclasses.replace(training, warmup_steps=0, schedule="linear"),
                              training.anchor_max_steps))
    encoder = {id(p) for p in model.encoder.parameters()}
    groups = [{"params": [p for p in params if id(p) not in encoder]},
              {"params": [p for p in params if id(p) in encoder],
               "lr": training.encoder_learning_rate or training.learning_rate}]
    opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=training.learning_rate,
                            weight_decay=training.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(training, lm_steps))
    return Optimizers(anchor_params, params, anchor_opt, opt, anchor_sched, sched)
