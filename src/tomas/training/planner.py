"""Planner training: setup (data, Phase 0 assets, frozen LLM + LoRA + HierarchicalDecoder), the
hierarchical loss, and the ``PlannerTrainer`` loop (AdamW, validation, checkpoints, resume).

Loss = CE(tool) + λ·(CE(config among the gold tool's fitting configs of the gold input size)
+ CE(input size)).
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from tqdm.auto import tqdm

from tomas.artifacts.assets import WEIGHTS, load_weights
from tomas.artifacts.planner import METRICS, PLOT, STATE, save_planner_folder
from tomas.artifacts.planner_meta import PlannerMeta
from tomas.config import PlannerConfig
from tomas.data import ToolData, load_tool_data
from tomas.data.planner import PlannerExample, load_dev, load_planner_examples
from tomas.data.planner.preferences import preference_class
from tomas.data.profiling import INPUT_SIZES
from tomas.data.spelling import SpellingFix, read_as_fixed, word_counts
from tomas.errors import DataError
from tomas.eval.planner import (
    choose_lexical_weights,
    confirmation_threshold,
    handwritten_metrics,
    planner_metrics,
    predict_examples,
)
from tomas.eval.scope import choose_scope, lexical_scope_margins, scope_bounded
from tomas.io import save_jsonl, save_torch
from tomas.models.config_table import ConfigTable
from tomas.models.llm import LoadedLLM, load_llm
from tomas.models.planner import (
    PlannerModel,
    budget_tensor,
    build_planner,
    free_tensor,
    pad_prompts,
    render_prompt,
    scope_states,
)
from tomas.models.scope import NearestScope
from tomas.plots import plot_planner_history
from tomas.training.distributed import Objective, make_accelerator, run_device
from tomas.training.lexical import fit_lexical_models
from tomas.training.planner_loss import loss_counts, planner_loss
from tomas.training.schedule import bucketed_batches, every, lr_lambda, seed_everything
from tomas.training.state import load_state, restore, resume_file, stateful_dicts

if TYPE_CHECKING:
    from accelerate import Accelerator

LOG_EVERY = 10

OUT_OF_SCOPE_REFUSED = 0.01
"""The most of the in-scope validation requests (generated, hand-written alike) a refusal threshold may refuse."""

DEV_KEYS = ("tool_accuracy", "plan_accuracy", "in_scope_refused", "out_of_scope_recall")
"""What each evaluation reports of the hand-written validation requests (``dev_<key>`` in the metrics)."""

CONFIRM_TARGET = 0.98
"""Plans whose tool probability is below the threshold chosen on validation ask for confirmation, where the
threshold is the lowest at which this share of the answered validation requests have the right tool."""


@dataclass
class PlannerSetup:
    cfg: PlannerConfig
    data: ToolData
    table: ConfigTable
    llm: LoadedLLM
    model: PlannerModel
    train: list[PlannerExample]
    val: list[PlannerExample]
    dev: list[PlannerExample]
    """The hand-written validation requests (``data.dev_file``; empty when unused)."""
    device: torch.device
    train_ids: list[list[int]]
    """Token ids of every training prompt (tokenised once)."""
    acc: Accelerator
    """This process's accelerator: built once, here."""


def check_assets(table: ConfigTable, data: ToolData, assets_dir: str) -> None:
    """The Phase 0 assets must describe exactly the configurations of the profiling table."""
    where = Path(assets_dir) / "config_lookup.json"
    if table.num_configs != len(data.configs):
        raise DataError(f"{where}: {table.num_configs} configurations, but the profiling table has "
                        f"{len(data.configs)} (re-run `tomas export` for this data)")
    for c in data.configs:
        if table.lookup[c.config_id] != c.lookup_entry():
            raise DataError(f"{where}: config {c.config_id} differs from profiling row {c.config_id + 2} "
                            f"(re-run `tomas export` for this data)")


def config_rows(cfg: PlannerConfig, table: ConfigTable, hidden: int) -> torch.Tensor | None:
    """Phase 0's exported rows, unless the config head starts from other rows (random, features)."""
    random = cfg.model.config_head_init in ("random", "features")
    return None if random else phase0_rows(cfg, table.num_configs, hidden)


def phase0_rows(cfg: PlannerConfig, num_configs: int, hidden: int) -> torch.Tensor:
    """The first ``num_configs`` rows of ``data.assets_dir``'s export. A live head maps the reader's ``hidden``
    states onto rows of any width (a reader other than Phase 0's LLM); a row head needs rows ``hidden`` wide."""
    return load_weights(str(Path(cfg.data.assets_dir) / WEIGHTS), num_configs,
                        None if cfg.model.config_head == "live" else hidden)


def setup(cfg: PlannerConfig, log=print, acc: Accelerator | None = None) -> PlannerSetup:
    """``acc``: the run's accelerator, if the caller built it already (``make_accelerator``)."""
    seed_everything(cfg.training.seed)
    acc = acc or make_accelerator(cfg.training)
    device = run_device(cfg.training, acc)
    if cfg.training.num_threads:
        torch.set_num_threads(cfg.training.num_threads)
    log("Loading data and Phase 0 assets...")
    data = load_tool_data(cfg.data.tool_registry, cfg.data.profiling_data)
    data = data.subset(cfg.data.tools) if cfg.data.tools else data
    table = ConfigTable.from_assets(cfg.data.assets_dir)
    check_assets(table, data, cfg.data.assets_dir)
    train = select_training(load_planner_examples(cfg.data.train_file, data), cfg, table)
    val, dev = load_planner_examples(cfg.data.val_file, data), load_dev(cfg.data.dev_file, data, log)
    log(f"  ✓ {len(train)} training / {len(val)} validation (+ {len(dev)} hand-written) examples, "
        f"{len(data.tools)} tools, {table.num_configs} configurations")
    log(f"Loading LLM {cfg.model.llm_model} (frozen) + LoRA r={cfg.model.lora.r} "
        f"on {', '.join(cfg.model.lora.target_modules)}...")
    llm = load_llm(cfg.model.llm_model, device, seed=cfg.training.seed)
    model = build_planner(cfg.model, llm, table, config_rows(cfg, table, llm.hidden_size))
    fit_lexical_models(model.decoder, cfg, train, val + dev, log)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log(f"  ✓ hidden {llm.hidden_size}, config head init: {cfg.model.config_head_init}, "
        f"{n_train:,} trainable parameters")
    train_ids = llm.tokenizer([prompt_of(e) for e in train])["input_ids"]
    return PlannerSetup(cfg, data, table, llm, model, train, val, dev, device, train_ids, acc)


def heldout_configs(cfg: PlannerConfig, table: ConfigTable) -> set[int]:
    """``data.holdout_configs`` of each tool's configuration ids, drawn with the training seed."""
    if cfg.data.holdout_configs <= 0:
        return set()
    rng = random.Random(f"{cfg.training.seed}/holdout-configs")
    held = set()
    for ids in table.tool_mask_map().values():
        held |= set(rng.sample(ids, round(len(ids) * cfg.data.holdout_configs)))
    return held


def select_training(examples: list[PlannerExample], cfg: PlannerConfig, table: ConfigTable) -> list[PlannerExample]:
    """The training examples a run learns from: without those whose answer is a held-out
    configuration, then ``data.train_fraction`` of each tool's labelled and of its scope-only ones (at least one
    each), drawn with the training seed."""
    d = cfg.data
    if not 0 < d.train_fraction <= 1 or not 0 <= d.holdout_configs < 1:
        raise DataError(f"data.train_fraction must be in (0, 1] (got {d.train_fraction}) and data.holdout_configs "
                        f"in [0, 1) (got {d.holdout_configs})")
    held = heldout_configs(cfg, table)
    kept = [e for e in examples if e.config_id not in held]
    if cfg.data.train_fraction >= 1:
        return kept
    rng = random.Random(f"{cfg.training.seed}/train-fraction")
    chosen = []
    for group in dict.fromkeys((e.tool, e.scope_only) for e in kept):  # scope-only apart: every tool keeps labels
        own = [e for e in kept if (e.tool, e.scope_only) == group]
        chosen += rng.sample(own, max(1, round(len(own) * cfg.data.train_fraction)))
    return chosen


def prompt_of(e: PlannerExample) -> str:
    return render_prompt(e.task, e.free_resources, e.latency_budget_ms)


def targets(examples: list[PlannerExample], data: ToolData, device: torch.device) -> dict[str, torch.Tensor]:
    """The gold answers as tensors; an out-of-scope example (tool null) has tool and size -1; ``scope_only``
    marks the in-scope ones that teach only the scope head (``PlannerExample.scope_only``)."""
    return {"tool": torch.tensor([-1 if e.tool is None else data.tool_id(e.tool) for e in examples], device=device),
            "size": torch.tensor([-1 if e.input_size is None else INPUT_SIZES.index(e.input_size) for e in examples],
                                 device=device),
            "size_in_text": torch.tensor([e.size_in_text for e in examples], device=device),
            "scope_only": torch.tensor([e.scope_only for e in examples], device=device),
            "config": torch.tensor([-1 if e.config_id is None else e.config_id for e in examples], device=device),
            "free": free_tensor([e.free_resources for e in examples]),
            "budget": budget_tensor([e.latency_budget_ms for e in examples]),
            "preference": torch.tensor([preference_class(e.preference) for e in examples], device=device)}


class PlannerTrainer:
    COUNTERS = ("step", "train_wall_s", "history", "best")

    def __init__(self, setup: PlannerSetup, log=print, command: str | None = None):
        self.setup, self.cfg, self.log, self.command, self.acc = setup, setup.cfg, log, command, setup.acc
        training = setup.cfg.training
        heads = list(setup.model.decoder.parameters())
        lora = [p for n, p in setup.model.lm.named_parameters() if p.requires_grad]
        opt = torch.optim.AdamW([{"params": lora, "lr": training.learning_rate},
                                 {"params": heads, "lr": setup.cfg.model.head_learning_rate}],
                                weight_decay=training.weight_decay)
        # DDP over the model and its loss (``tomas.training.distributed``), as in Phase 0.
        self.objective, self.opt = self.acc.prepare(Objective(setup.model, self.batch_loss), opt)
        self.model = setup.model
        # Stepped by hand (once per optimizer step), not by accelerate (once per process).
        self.sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(training, training.max_steps))
        self.out = Path(setup.cfg.output_dir)
        self.step, self.train_wall_s, self.history, self.best = 0, 0.0, [], None
        self.micro = training.batch_size * self.acc.num_processes
        self.lengths = [len(r) for r in setup.train_ids]
        self.per_epoch = len(bucketed_batches(self.lengths, self.micro, training.seed, 0))
        self._epoch_cache: tuple[int, list[list[int]]] = (-1, [])

    def micro_batch(self, index: int) -> list[int]:
        """Micro-batch ``index`` of the seeded epoch stream: this process's share of its example ids."""
        lengths, training = self.lengths, self.cfg.training
        epoch, k = divmod(index, self.per_epoch)
        if self._epoch_cache[0] != epoch:
            self._epoch_cache = (epoch, bucketed_batches(lengths, self.micro, training.seed, epoch))
        return self._epoch_cache[1][k][self.acc.process_index::self.acc.num_processes]

    def train_step(self) -> dict:
        training = self.cfg.training
        parts_sum: dict[str, float] = {}
        for k in range(training.grad_accum):
            ids = self.micro_batch(self.step * training.grad_accum + k)
            setup = self.setup
            batch = pad_prompts([setup.train_ids[i] for i in ids], setup.llm.tokenizer.pad_token_id, setup.device)
            examples = [self.setup.train[i] for i in ids]
            with self.acc.accumulate(self.objective), self.acc.autocast():
                loss, parts = self.objective(batch, targets(examples, self.setup.data, self.setup.device))
                self.acc.backward(loss)
                if self.acc.sync_gradients and training.grad_clip:
                    self.acc.clip_grad_norm_(self.model.parameters(), training.grad_clip)
                self.opt.step()
                self.opt.zero_grad()
            for key, v in {"loss": loss.item(), **parts}.items():
                parts_sum[key] = parts_sum.get(key, 0.0) + v / training.grad_accum
        self.sched.step()
        self.step += 1
        return self.mean_over_processes(parts_sum)

    def mean_over_processes(self, parts: dict[str, float]) -> dict[str, float]:
        """The step's losses averaged over the processes: what is logged is the global batch's."""
        if self.acc.num_processes == 1:
            return parts
        mean = self.acc.reduce(torch.tensor(list(parts.values()), dtype=torch.float64, device=self.setup.device),
                               "mean")
        return dict(zip(parts, mean.tolist()))

    def batch_loss(self, model: PlannerModel, batch: dict, gold: dict) -> tuple[torch.Tensor, dict]:
        # Each term's examples in the global batch, per process (``planner_loss``); one process: its own.
        counts = self.acc.reduce(loss_counts(gold), "sum") / self.acc.num_processes
        hidden = model.last_hidden(**batch)
        return planner_loss(model.decoder.logits(hidden), model.decoder, gold, self.cfg.model.config_loss_weight,
                            counts, hidden, self.cfg.model.scope_contrast)

    @cached_property
    def spelling(self) -> SpellingFix | None:
        """``model.spelling``: the training file's words, to fix typing slips toward (saved beside the planner)."""
        return SpellingFix(word_counts(e.task for e in self.setup.train)) if self.cfg.model.spelling else None

    def evaluate(self) -> dict:
        setup, limit = self.setup, self.cfg.training.eval_limit
        # Validation is read as planning reads requests (typing slips fixed): the thresholds chosen here hold there.
        val, dev = (read_as_fixed(s, self.spelling) for s in (setup.val[:limit] if limit else setup.val, setup.dev))
        decoder = self.model.decoder
        decoder.set_scope_memory(self.scope_memory())
        decoder.lexical_weight, decoder.size_lexical_weight = choose_lexical_weights(
            self.model, setup.llm.tokenizer, val + dev, setup.device)
        decoder.scope_lexical_weight = 0.0  # the memory's score alone; the margin's weight is chosen with the threshold
        choices, dev_choices = self.predict(val, "Validating"), self.predict(dev, "Validating (hand-written)")
        margins = lexical_scope_margins(decoder, [val, dev]) if self.cfg.model.scope_lexical else None
        floor = decoder.scope_floor(scope_bounded([val, dev], OUT_OF_SCOPE_REFUSED))
        weight, scope, alone, (choices, dev_choices) = choose_scope([(val, choices), (dev, dev_choices)], margins,
                                                                    OUT_OF_SCOPE_REFUSED, decoder.scope_boundary, floor)
        decoder.scope_lexical_weight, decoder.alone_above = weight, alone
        m = planner_metrics(val, choices, setup.table)
        keep = ("tool_accuracy", "config_accuracy", "violations", "latency_regret_ms", "infeasible_accuracy",
                "out_of_scope_recall", "in_scope_refused")
        return {k: m[k] for k in keep if k in m} | self.dev_metrics(dev_choices) | {
            "out_of_scope_above": scope, "scope_alone_above": alone, "lexical_weight": decoder.lexical_weight,
            "scope_lexical_weight": weight, "size_lexical_weight": decoder.size_lexical_weight,
            "confirm_below": confirmation_threshold(val, choices, setup.table, CONFIRM_TARGET)}

    def scope_memory(self) -> NearestScope | None:
        """``model.scope_rule: nearest``: every training request's vector (of what ``model.scope_text`` reads) under
        the current weights (None otherwise, or when the training file lacks requests in or out of scope)."""
        setup = self.setup
        inside = torch.tensor([e.tool is not None for e in setup.train], dtype=torch.bool)
        if not (self.cfg.model.out_of_scope and self.cfg.model.scope_rule == "nearest") or inside.all() \
                or not inside.any():
            return None
        reads = self.cfg.model.scope_text
        states = scope_states(self.model, setup.llm.tokenizer, reads, [e.task for e in setup.train],
                              [prompt_of(e) for e in setup.train], setup.device, 64)
        return NearestScope(states, inside, reads)

    def predict(self, examples: list[PlannerExample], label: str) -> list:
        return predict_examples(self.model, self.setup.llm.tokenizer, examples, self.setup.device,
                                progress=label if self.acc.is_main_process and examples else None)

    def dev_metrics(self, choices: list) -> dict:
        """``DEV_KEYS`` of the hand-written validation requests, as ``dev_<key>`` (none without them)."""
        if not choices:
            return {}
        m = handwritten_metrics(self.setup.dev, choices, self.setup.table)
        return {f"dev_{k}": m[k] for k in DEV_KEYS if k in m}

    # ---- checkpoints -------------------------------------------------------------------------
    def save_planner(self, record: dict) -> None:
        meta = PlannerMeta(
            config=asdict(self.cfg), llm_model=self.cfg.model.llm_model, step=self.step,
            data_fingerprint=self.setup.data.fingerprint, tool_names=self.setup.table.tool_names,
            num_configs=self.setup.table.num_configs, train_wall_s=round(self.train_wall_s, 2), validation=record,
            command=self.command, confirm_below=record.get("val_confirm_below"),
            out_of_scope_above=record.get("val_out_of_scope_above"),
            lexical_weight=record.get("val_lexical_weight", 0.0),
            scope_lexical_weight=record.get("val_scope_lexical_weight", 0.0),
            scope_alone_above=record.get("val_scope_alone_above"),
            size_lexical_weight=record.get("val_size_lexical_weight", 0.0),
            preference_above=getattr(self.model.decoder.preference_lexical, "above", None),
            # The registry's size definitions travel with the planner: it reads stated sizes through them.
            input_sizes={t.name: t.input_sizes.to_json() if t.input_sizes else None for t in self.setup.data.tools})
        # The table is copied in: a moved or copied planner folder works without the assets it was trained from.
        save_planner_folder(self.out, self.model, meta, self.cfg.data.assets_dir,
                            self.spelling.to_json() if self.spelling is not None else None)

    def save_state(self) -> None:
        save_torch({**{key: getattr(self, key) for key in self.COUNTERS}, "weights": self.model.trainable_state_dict(),
                    **stateful_dicts(optimizer=self.opt, scheduler=self.sched),
                    "torch_rng": torch.get_rng_state(), "data_fingerprint": self.setup.data.fingerprint},
                   self.out / STATE)

    def resume(self, resume: str) -> None:
        path = resume_file(resume, self.out / STATE, self.log)
        if path is None:
            return
        state = load_state(path, self.setup.data.fingerprint, required="optimizer")
        unexpected = self.model.load_state_dict(state["weights"], strict=False).unexpected_keys
        if unexpected:
            raise DataError(f"{path}: unexpected weights {unexpected[:3]} (other model settings?)")
        restore(state, self, self.COUNTERS, optimizer=self.opt, scheduler=self.sched)
        torch.set_rng_state(state["torch_rng"])
        self.log(f"  ✓ Resumed from {path} at step {self.step}")

    # ---- loop --------------------------------------------------------------------------------
    def record(self, r: dict) -> None:
        self.history.append(r)
        if self.acc.is_main_process:
            save_jsonl(self.history, self.out / METRICS)

    def end_eval(self, running: dict) -> None:
        result = self.evaluate()
        r = {"step": self.step, "train_wall_s": round(self.train_wall_s, 2), **running,
             **{k if k.startswith("dev_") else f"val_{k}": v for k, v in result.items()}}
        self.record(r)
        score = (result["config_accuracy"], result["tool_accuracy"])
        if self.acc.is_main_process:
            dev = (f"hand-written val tool {result['dev_tool_accuracy']:.1%} plan "
                   f"{result['dev_plan_accuracy']:.1%} - " if "dev_tool_accuracy" in result else "")
            self.log(f"Step {self.step}/{self.cfg.training.max_steps} - val tool {result['tool_accuracy']:.1%} - "
                     f"config {result['config_accuracy']:.1%} - violations {result['violations']} - {dev}lexical "
                     f"weights {result['lexical_weight']:g} / {result['scope_lexical_weight']:g} / "
                     f"{result['size_lexical_weight']:g} - {self.train_wall_s:.0f}s")
            if self.best is None or score > tuple(self.best):
                self.best = list(score)
                self.save_planner(r)
                self.log(f"✓ New best planner saved to {self.out}")
            plot_planner_history(self.history, self.out / PLOT)

    def fit(self) -> dict:
        training = self.cfg.training
        if training.resume:
            self.resume(training.resume)
        self.objective.train()
        bar = tqdm(total=training.max_steps, initial=self.step, desc="Planner", disable=not self.acc.is_main_process)
        sums, count, t0 = {}, 0, time.perf_counter()
        while self.step < training.max_steps:
            parts = self.train_step()
            sums = {k: sums.get(k, 0.0) + v for k, v in parts.items()}
            count += 1
            bar.update(1)
            bar.set_postfix(loss=f"{parts['loss']:.3f}")
            is_eval = self.step == training.max_steps or every(self.step, training.eval_every_steps)
            if self.step % LOG_EVERY == 0 or is_eval:
                self.train_wall_s += time.perf_counter() - t0
                running = {k: v / count for k, v in sums.items()} | {"lr": self.sched.get_last_lr()[0]}
                if is_eval:
                    self.end_eval(running)
                else:
                    self.record({"step": self.step, "train_wall_s": round(self.train_wall_s, 2), **running})
                sums, count, t0 = {}, 0, time.perf_counter()
            if self.acc.is_main_process and (is_eval or every(self.step, training.save_every_steps)):
                self.save_state()
        bar.close()
        return next((r for r in reversed(self.history) if "val_tool_accuracy" in r), {})
