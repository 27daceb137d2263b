"""Phase 0 training: setup (data, frozen LLM, samples, encoder + prefix adapter) and the staged ``Phase0Trainer``.

Multi-process (``accelerate launch`` / ``torchrun``, data parallel): every process builds
the same model; each optimizer step takes one GLOBAL batch of ``batch_size x processes``
samples (``epoch_batches``), process ``r`` trains on its ``r::processes`` share, and the
gradients are averaged by hand so the step equals a single process's step on the whole
global batch. Epoch statistics are summed over processes, the exact-match check is
sharded over them, so every process takes the same stop decision; only the main process
logs, writes files and shows progress bars.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from tomas.artifacts.assets import BEST, METRICS, PLOT, STATE, check_compatible, epoch_checkpoint_name
from tomas.config import PretrainConfig
from tomas.data import ToolData, load_tool_data
from tomas.data.pretrain_dataset import PretrainSample, collate, make_samples
from tomas.data.profiling import INPUT_SIZES, NUMERIC_FIELDS
from tomas.errors import TomasError
from tomas.eval.readback import teacher_forced_exact_match
from tomas.io import append_jsonl, save_torch
from tomas.models.fields import check_layout, field_targets, layout_tokens, num_int_digits, value_layout
from tomas.models.llm import LoadedLLM, load_llm, resolve_device
from tomas.models.prefix import value_string
from tomas.models.self_encoding import (
    PromptCache,
    SelfEncoder,
    build_self_encoder,
    checkpoint_header,
    lm_forward,
)
from tomas.plots import png_figure
from tomas.training.schedule import epoch_batches, lr_lambda, seed_everything


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


def process_state(cfg: PretrainConfig):
    """accelerate's state of this process (a single one unless started by accelerate launch / torchrun)."""
    from accelerate import PartialState

    return PartialState(cpu=resolve_device(cfg.training.device).type == "cpu")


def main_process_log(cfg: PretrainConfig, log=print):
    """``log`` on the main process, a no-op on the others: console lines are never duplicated."""
    return log if process_state(cfg).is_main_process else (lambda *_, **__: None)


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


def setup(cfg: PretrainConfig, log=print) -> Phase0Setup:
    seed_everything(cfg.training.seed)
    device = resolve_device(cfg.training.device)
    if device.type == "cuda":
        device = process_state(cfg).device  # cuda:LOCAL_RANK under accelerate launch / torchrun
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
    return Phase0Setup(cfg, data, llm, samples, anchors, resources, model, device)


WINDOW_KEYS = ("loss_sum", "anchor_sum", "count", "correct", "anchor_correct")


STAGES = ("anchor", "lm", "check", "repair", "done")


class Phase0Trainer:
    """The staged training loop; its state lives here so it can be checkpointed and resumed exactly.

    anchor: the encoder and slot expander alone (no LLM), until every slot of every configuration
    names its value token. lm: the LM loss through the frozen LLM, until a sampled teacher-forced
    check is all right (in ``snap`` mode only the shared soft prompt learns here: how to copy value
    tokens into a description). check: teacher-forced exact match of every configuration. repair: a
    few steps on the configurations still wrong (plus replay), then a check of those.
    """

    def __init__(self, s: Phase0Setup, log=print):
        from accelerate import Accelerator

        self.s, self.cfg, self.log = s, s.cfg, log
        t = self.cfg.training
        mp = t.mixed_precision if s.device.type == "cuda" else "no"
        self.out = Path(self.cfg.output_dir)
        self.acc = Accelerator(cpu=s.device.type == "cpu", mixed_precision=mp, log_with=trackers(self.cfg) or None,
                               project_dir=self.out, gradient_accumulation_steps=t.grad_accum)
        if self.acc.log_with:
            wandb = self.cfg.logging.wandb
            # W&B must not need a network: offline unless the user sets WANDB_MODE.
            self.acc.init_trackers(wandb.project, config=flat(asdict(self.cfg)), init_kwargs={"wandb": {
                "entity": wandb.entity, "mode": os.environ.get("WANDB_MODE", "offline"), "dir": str(self.out)}})
        self.world, self.rank = self.acc.num_processes, self.acc.process_index
        self.model = s.model
        self.snap = s.model.adapter.expander.snap
        self.steps_per_epoch = math.ceil(math.ceil(len(s.samples) / (t.batch_size * self.world)) / t.grad_accum)
        self.lm_steps = min(t.max_steps, t.num_epochs * self.steps_per_epoch)
        adapter = s.model.adapter
        anchor_params = [*s.model.encoder.parameters(), *adapter.expander.parameters()]
        self.anchor_params = [p for p in anchor_params if p.requires_grad]
        # snap: the LLM reads exact tokens, so the LM loss has nothing to teach the encoder
        self.params = [adapter.soft_prompt] if self.snap else [p for p in s.model.parameters() if p.requires_grad]
        anchor_opt = torch.optim.AdamW(self.anchor_params, lr=t.anchor_learning_rate)
        # the anchor stage decays linearly over its cap: it needs the low-rate tail to get every slot right
        self.anchor_sched = torch.optim.lr_scheduler.LambdaLR(
            anchor_opt, lr_lambda(dataclasses.replace(t, warmup_steps=0, schedule="linear"), t.anchor_max_steps))
        self.anchor_opt = self.acc.prepare(anchor_opt)
        opt = torch.optim.AdamW(self.params, lr=t.learning_rate, weight_decay=t.weight_decay)
        # The scheduler stays outside accelerate, which would step it once per process:
        # it steps once per optimizer update, whatever the number of processes.
        self.sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(t, self.lm_steps))
        # No DDP wrapper: DDP fails on steps where a parameter gets no gradient (the soft
        # prompt during the anchor stage); `average_gradients` all-reduces what each step
        # produced, so the optimizer state matches one process's.
        self.opt = self.acc.prepare(opt)
        if self.world > 1:
            for tensor in [*self.model.parameters(), *self.model.buffers()]:
                torch.distributed.broadcast(tensor.data, src=0)  # identical start on every process
        self.cache = PromptCache(s.llm.model, s.model.adapter.prompt_before)
        has_anchor_stage = self.cfg.model.prefix.anchor_weight > 0 and t.anchor_max_steps > 0
        self.stage = "anchor" if has_anchor_stage else "lm"
        self.step = self.stage_step = self.epoch = self.batch_in_epoch = self.repair_round = 0
        self.failures: list[int] = []
        self.at_risk: list[int] = []  # right at the full check, but by the smallest margins: repair protects them
        self.best = (-1.0, -math.inf)  # (exact match, -loss)
        self.train_wall_s = 0.0
        self.finished = False  # targets reached: a resumed run has nothing left to do
        self.history: list[dict] = []
        self.window = dict.fromkeys(WINDOW_KEYS, 0.0)

    # --- checkpoints -------------------------------------------------------------------
    def payload(self, with_state: bool) -> dict:
        s = self.s
        ckpt = checkpoint_header(self.model, self.cfg, s.llm.name, s.data.fingerprint,
                                 s.data.tool_names, s.resources)
        ckpt.update(stage=self.stage, step=self.step, stage_step=self.stage_step, epoch=self.epoch,
                    batch_in_epoch=self.batch_in_epoch, repair_round=self.repair_round, failures=list(self.failures),
                    at_risk=list(self.at_risk),
                    train_wall_s=self.train_wall_s, best=list(self.best), history=self.history,
                    finished=self.finished, num_processes=self.world)
        if with_state:
            ckpt.update(optimizer=self.opt.state_dict(), anchor_optimizer=self.anchor_opt.state_dict(),
                        scheduler=self.sched.state_dict(), anchor_scheduler=self.anchor_sched.state_dict(),
                        window=dict(self.window))
        return ckpt

    def save(self, name: str, with_state: bool = True) -> None:
        if self.acc.is_main_process:
            save_torch(self.payload(with_state), self.out / name)

    def resume(self, path: str) -> None:
        path = Path(path)
        if str(path) == "auto":
            path = self.out / STATE
            if not path.is_file():
                self.log(f"  (no {path} yet: starting fresh)")
                return
        if not path.is_file():
            raise TomasError(f"--resume {path}: file not found")
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
        if "anchor_optimizer" not in ckpt:
            raise TomasError(f"{path}: holds no resumable state of this trainer (use train_state.pt of a run "
                             "started by this version, or start afresh)")
        check_compatible(ckpt, path, self.s.llm.name, self.s.data.fingerprint)
        if ckpt["batch_in_epoch"] and ckpt.get("num_processes", 1) != self.world:
            raise TomasError(f"{path}: saved mid-epoch by {ckpt.get('num_processes', 1)} process(es); resume it with "
                             f"the same number (the epoch's global batches depend on it), not {self.world}")
        self.model.encoder.load_state_dict(ckpt["encoder"])
        self.model.adapter.load_state_dict(ckpt["adapter"])
        self.opt.load_state_dict(ckpt["optimizer"])
        self.anchor_opt.load_state_dict(ckpt["anchor_optimizer"])
        self.sched.load_state_dict(ckpt["scheduler"])
        self.anchor_sched.load_state_dict(ckpt["anchor_scheduler"])
        for key in ("stage", "step", "stage_step", "epoch", "batch_in_epoch", "repair_round", "failures",
                    "train_wall_s", "history", "finished", "window"):
            setattr(self, key, ckpt[key])
        self.at_risk = ckpt.get("at_risk", [])
        self.best = tuple(ckpt["best"])
        self.log(f"  ✓ Resumed from {path} (stage {self.stage}, step {self.step})")

    # --- one optimizer step ------------------------------------------------------------
    def train_global_batch(self, global_batch: list[int], use_lm: bool) -> None:
        """This process's share of one global batch, its losses weighted so that the gradient averaged over
        the processes is the gradient of the global batch's losses (anchor: mean over samples; LM: mean
        over target tokens)."""
        local = global_batch[self.rank::self.world]
        if not local:  # fewer samples than processes: a zero-weight stand-in keeps the collectives in step
            return self.train_batch(global_batch[:1], use_lm, weights=(0.0, 0.0))
        tokens = lambda idx: sum(len(self.s.samples[i].target_ids) for i in idx)
        self.train_batch(local, use_lm, weights=(len(local) * self.world / len(global_batch),
                                                 tokens(local) * self.world / tokens(global_batch)))

    def train_batch(self, idx: list[int], use_lm: bool, weights: tuple[float, float] = (1.0, 1.0)) -> None:
        """One (micro-)batch of the LM stage (``use_lm``) or of the anchor stage; ``weights`` scale the anchor
        and LM losses (1, 1 in a single process)."""
        s, cfg = self.s, self.cfg
        batch = collate([s.samples[i] for i in idx], s.llm.tokenizer.pad_token_id)
        batch = {k: v.to(s.device) for k, v in batch.items()}
        stats = dict.fromkeys(WINDOW_KEYS, 0)
        opt, params = (self.opt, self.params) if use_lm else (self.anchor_opt, self.anchor_params)
        with self.acc.accumulate(self.model), self.acc.autocast():
            prefix, slots = self.model(batch["tool_id"], batch["resources"], s.llm.embeddings, False)
            loss = torch.zeros((), device=s.device)
            if cfg.model.prefix.anchor_weight > 0 and not (use_lm and self.snap):
                a_loss, a_ok = self.model.adapter.anchor_loss(slots, s.anchors[idx].to(s.device),
                                                              s.llm.embeddings.weight)
                loss = loss + cfg.model.prefix.anchor_weight * scaled(a_loss, weights[0])
                stats["anchor_sum"] = a_loss.item() * len(idx)
                stats["anchor_correct"] = a_ok.all(1).sum().item()
            if use_lm:
                lm_loss, correct, _, _ = lm_forward(s.llm.model, prefix, batch["target_ids"], batch["target_mask"],
                                                 self.cache)
                loss = loss + scaled(lm_loss, weights[1])
                stats["loss_sum"] = lm_loss.item() * len(idx)
                stats["correct"] = correct.sum().item()
            stats["count"] = len(idx)
            self.acc.backward(loss)
            if self.acc.sync_gradients:
                self.average_gradients(params)
                if cfg.training.grad_clip > 0:
                    self.acc.clip_grad_norm_(params, cfg.training.grad_clip)
            opt.step()  # accelerate skips it between accumulation boundaries
            if self.acc.sync_gradients:
                (self.sched if use_lm else self.anchor_sched).step()
            opt.zero_grad(set_to_none=True)
        self.add_stats(stats if any(weights) else dict.fromkeys(WINDOW_KEYS, 0))

    def average_gradients(self, params: list[torch.nn.Parameter]) -> None:
        """Mean of every process's gradients (the parameters that got one: the same on every process)."""
        if self.world == 1:
            return
        grads = [p.grad for p in params if p.grad is not None]
        if grads:
            mean = self.acc.reduce(torch.cat([g.flatten() for g in grads]), "mean")
            for g, m in zip(grads, mean.split([g.numel() for g in grads])):
                g.copy_(m.view_as(g))

    def add_stats(self, stats: dict) -> None:
        """Add one step's statistics, summed over processes (every process then holds the global window)."""
        if self.world > 1:
            summed = self.acc.reduce(torch.tensor([float(stats[k]) for k in WINDOW_KEYS], dtype=torch.float64,
                                                  device=self.s.device), "sum")
            stats = dict(zip(WINDOW_KEYS, summed.tolist()))
        for k in WINDOW_KEYS:
            self.window[k] += stats[k]

    # --- checks ------------------------------------------------------------------------
    def exact_match(self, config_ids: list[int] | None = None, desc: str = "Checking") -> dict:
        """Teacher-forced exact match over these configurations (all by default), sharded over the processes.

        Returns exact_match, per_field, the ids of the configurations still wrong and ``margins``
        (config id -> smallest logit gap of its description)."""
        s = self.s
        configs = s.data.configs if config_ids is None else [s.data.configs[i] for i in config_ids]
        shard = ToolData(s.data.tools, configs[self.rank::self.world], s.data.fingerprint)
        cache = PromptCache(s.llm.model, self.model.adapter.prompt_before, self.model.adapter.soft_prompt)
        ev = teacher_forced_exact_match(self.model, s.llm, shard, s.device, cache,
                                        progress=self.acc.is_main_process and desc or None)
        wrong = set(ev["failed_ids"])
        if self.world == 1:
            return {**ev, "wrong": sorted(wrong), "margins": {c.config_id: m for c, m in zip(configs, ev["margins"])}}
        n, fields = len(shard.configs), list(ev["per_field"])
        counts = [n, ev["exact_match"] * n, *(ev["per_field"][f] * n for f in fields)]
        total = self.acc.reduce(torch.tensor(counts, dtype=torch.float64, device=s.device), "sum").round().tolist()
        flags = torch.tensor([c.config_id in wrong for c in configs], dtype=torch.float64, device=s.device)
        mine = torch.zeros(len(configs), dtype=torch.float64, device=s.device)
        mine[self.rank::self.world] = flags[self.rank::self.world]
        everyone = self.acc.reduce(mine, "sum")
        margins = torch.zeros(len(configs), dtype=torch.float64, device=s.device)
        margins[self.rank::self.world] = torch.tensor(ev["margins"], dtype=torch.float64, device=s.device)
        margins = self.acc.reduce(margins, "sum").tolist()  # each entry filled by exactly one process
        return {"exact_match": total[1] / total[0], "per_field": {f: c / total[0] for f, c in zip(fields, total[2:])},
                "wrong": sorted(configs[i].config_id for i in everyone.nonzero().flatten().tolist()),
                "margins": {c.config_id: m for c, m in zip(configs, margins)}}

    @torch.no_grad()
    def anchor_check(self) -> float:
        """Fraction of configurations (canonical samples) whose every slot names its value token."""
        s, n = self.s, len(self.s.data.configs)
        batch = collate(s.samples[:n], s.llm.tokenizer.pad_token_id)
        ok = []
        for i in range(0, n, 1024):
            part = slice(i, i + 1024)
            v = self.model.encoder(batch["tool_id"][part].to(s.device), batch["resources"][part].to(s.device))
            out = self.model.adapter.expander(v)
            ok.append(self.model.adapter.anchor_loss(out, s.anchors[:n][part].to(s.device),
                                                     s.llm.embeddings.weight)[1].all(1).cpu())
        return torch.cat(ok).float().mean().item()

    def sample_configs(self, size: int, exclude: tuple[int, ...] = ()) -> list[int]:
        """A fresh random sample of configuration ids, a function of (seed, step) only (resume is exact)."""
        g = torch.Generator().manual_seed(self.cfg.training.seed * 7919 + self.step)
        pool = [i for i in torch.randperm(len(self.s.data.configs), generator=g).tolist() if i not in set(exclude)]
        return sorted(pool[:size])

    # --- the stages --------------------------------------------------------------------
    def fit(self) -> dict:
        if self.finished:
            self.log("  ✓ This run already reached its targets: nothing left to train")
        run = {"anchor": self.fit_anchor, "lm": self.fit_lm, "check": self.full_check, "repair": self.fit_repair}
        while self.stage != "done":
            run[self.stage]()
        self.wait_for_everyone()
        self.acc.end_training()
        return self.history[-1] if self.history else {}

    def next_stage(self, stage: str) -> None:
        self.stage, self.stage_step = stage, 0
        self.save(STATE)

    @contextlib.contextmanager
    def clock(self):
        """Adds the time spent inside to the training wall time (checks included, file writes not)."""
        t0 = time.perf_counter()
        yield
        self.train_wall_s += time.perf_counter() - t0

    def fit_anchor(self) -> None:
        t = self.cfg.training
        self.log("Anchor stage: the encoder learns each configuration's value tokens (no LLM)...")
        bar = self.bar(t.anchor_max_steps, "Anchor")
        n, size = len(self.s.samples), t.anchor_batch_size * self.world
        while self.stage == "anchor":
            g = torch.Generator().manual_seed(t.seed * 100_003 + self.step)
            with self.clock():
                self.train_global_batch(torch.randperm(n, generator=g)[:size].tolist(), False)
            self.step, self.stage_step = self.step + 1, self.stage_step + 1
            bar.update(1)
            if self.stage_step % t.anchor_check_every == 0 or self.stage_step >= t.anchor_max_steps:
                with self.clock():
                    right = self.anchor_check()
                bar.set_postfix(slots_right=f"{right:.1%}")
                self.record(stage="anchor", anchor_exact=right)
                if right >= 1.0 or self.stage_step >= t.anchor_max_steps:
                    bar.close()
                    self.log(f"  ✓ Anchor stage: every slot right for {right:.2%} of the configurations after "
                             f"{self.stage_step} steps ({self.train_wall_s:.0f} s)")
                    self.next_stage("lm")

    def fit_lm(self) -> None:
        t = self.cfg.training
        what = "the shared soft prompt learns to copy value tokens" if self.snap else "encoder and prompt"
        self.log(f"LM stage: {what} (at most {self.lm_steps} steps, checked every {t.check_every_steps})...")
        bar = self.bar(self.lm_steps, "LM", initial=self.stage_step)
        while self.stage == "lm":
            batches = epoch_batches(len(self.s.samples), t.batch_size * self.world, t.seed, self.epoch)
            with self.clock():
                self.train_global_batch(batches[self.batch_in_epoch], True)
            self.step, self.stage_step = self.step + 1, self.stage_step + 1
            self.batch_in_epoch += 1
            bar.update(1)
            bar.set_postfix(loss=f"{self.window['loss_sum'] / max(1, self.window['count']):.4f}")
            if self.batch_in_epoch == len(batches):
                self.epoch, self.batch_in_epoch = self.epoch + 1, 0
                if t.checkpoint_freq and self.epoch % t.checkpoint_freq == 0:
                    self.save(epoch_checkpoint_name(self.epoch))
            capped = self.stage_step >= self.lm_steps
            if self.stage_step % t.check_every_steps == 0 or capped:
                self.sampled_check(bar, capped)
            elif t.save_every_steps and self.step % t.save_every_steps == 0:
                self.save(STATE)

    def sampled_check(self, bar, capped: bool) -> None:
        """Every check_every_steps: once the loss is below target_loss, a teacher-forced check of a fresh
        sample of configurations decides whether the LM stage is done (before that it would be wasted)."""
        t = self.cfg.training
        loss = self.window["loss_sum"] / max(1, self.window["count"])
        if loss >= t.target_loss and not capped:
            return self.record(stage="lm")
        with self.clock():
            ev = self.exact_match(self.sample_configs(t.check_size), desc=None)
        bar.set_postfix(loss=f"{loss:.4f}", check=f"{ev['exact_match']:.0%}")
        self.record(stage="lm", check_exact=ev["exact_match"], check_size=min(t.check_size, len(self.s.data.configs)))
        if capped or ev["exact_match"] >= t.target_exact_match:
            bar.close()
            why = "reached the step cap" if capped and ev["exact_match"] < t.target_exact_match else "check passed"
            self.log(f"  ✓ LM stage {why} after {self.stage_step} steps: sampled check {ev['exact_match']:.0%} "
                     f"of {min(t.check_size, len(self.s.data.configs))}, loss {loss:.4f} ({self.train_wall_s:.0f} s)")
            self.next_stage("check")

    def full_check(self) -> None:
        t = self.cfg.training
        self.log(f"Checking all {len(self.s.data.configs)} configurations (teacher-forced, = greedy exact match)...")
        with self.clock():
            ev = self.exact_match(desc="Check")
        self.failures = ev["wrong"]
        right = sorted((m, i) for i, m in ev["margins"].items() if i not in set(self.failures))
        self.at_risk = sorted(i for _, i in right[:t.check_size])
        self.record(stage="check", exact_match=ev["exact_match"], per_field=ev["per_field"],
                    num_failures=len(self.failures), min_margin_right=right[0][0] if right else None)
        self.log(f"  ✓ Exact match {ev['exact_match']:.2%} ({len(self.failures)} wrong)")
        reached = ev["exact_match"] >= t.target_exact_match
        self.keep_if_best(ev["exact_match"])
        if reached or self.repair_round >= t.repair_rounds:
            self.finish(reached, ev["exact_match"])
        else:
            self.repair_round += 1
            self.next_stage("repair")

    def fit_repair(self) -> None:
        """Steps on the configurations still wrong, with the ones nearest to going wrong (smallest margins
        at the full check) and a random replay in every batch, at repair_learning_rate decaying to 0:
        the shared soft prompt moves just enough. The recheck covers the wrong, the at-risk and a fresh sample."""
        t = self.cfg.training
        self.log(f"Repair round {self.repair_round}: {t.repair_steps} steps on the {len(self.failures)} "
                 f"configurations still wrong, with the {len(self.at_risk)} nearest to going wrong and a replay...")
        size = t.batch_size * self.world
        n_wrong, n_risk = max(1, size // 4), size // 2 if self.at_risk else 0
        while self.stage_step < t.repair_steps:
            k = self.stage_step
            wrong = [self.failures[(k * n_wrong + i) % len(self.failures)] for i in range(n_wrong)]
            risk = [self.at_risk[(k * n_risk + i) % len(self.at_risk)] for i in range(n_risk)]
            replay = self.sample_configs(size - n_wrong - n_risk, exclude=tuple(self.failures + self.at_risk))
            for group in self.opt.param_groups:  # the LM schedule's next step sets its own rate again
                group["lr"] = t.repair_learning_rate * (1 - k / t.repair_steps)
            with self.clock():
                self.train_global_batch(wrong + risk + replay, True)
            self.step, self.stage_step = self.step + 1, self.stage_step + 1
        ids = sorted(set(self.failures) | set(self.at_risk) | set(self.sample_configs(t.check_size)))
        with self.clock():
            ev = self.exact_match(ids, desc="Recheck")
        fixed = len(self.failures) - len(set(ev["wrong"]) & set(self.failures))
        self.record(stage="repair", check_exact=ev["exact_match"], check_size=len(ids), fixed=fixed,
                    lr=t.repair_learning_rate)  # the round's starting rate (the schedule's is not used)
        self.log(f"  ✓ {fixed} of {len(self.failures)} fixed; {ev['exact_match']:.2%} of {len(ids)} rechecked "
                 "(still-wrong + at-risk + a fresh sample) are right")
        all_right = not ev["wrong"]
        if all_right or self.repair_round >= t.repair_rounds:
            if len(ev["wrong"]) < len(self.failures):
                self.save(BEST, with_state=False)
            self.failures = ev["wrong"]
            self.finish(all_right, None)
        else:
            self.failures, self.repair_round = ev["wrong"], self.repair_round + 1
            self.next_stage("repair")

    def keep_if_best(self, exact: float) -> None:
        if exact > self.best[0]:
            self.best = (exact, self.step)
            self.save(BEST, with_state=False)
            self.log(f"  ✓ Best model saved ({self.out / BEST}, exact match {exact:.2%})")

    def finish(self, reached: bool, exact: float | None) -> None:
        t = self.cfg.training
        self.finished = reached
        if reached:
            what = f"{exact:.2%} of all configurations" if exact is not None else "every rechecked configuration"
            self.log(f"\n🎉 Target reached: {what} reproduced exactly (target {t.target_exact_match:.0%}).")
            if exact is None or exact >= 1.0:
                self.log("Training complete - encoder has successfully memorized all configurations!")
        else:
            self.log(f"  ✗ Targets not reached within the caps: {len(self.failures)} configurations still wrong")
        self.next_stage("done")

    # --- records -----------------------------------------------------------------------
    def record(self, **fields) -> None:
        """One metrics record: the window's statistics since the last one, then ``fields``."""
        w, n = self.window, max(1, self.window["count"])
        r = {"step": self.step, "epoch": round(self.epoch + self.batch_in_epoch / self.steps_per_epoch, 3),
             "train_wall_s": round(self.train_wall_s, 2),
             "loss": w["loss_sum"] / n if w["loss_sum"] else None,
             "anchor_loss": w["anchor_sum"] / n if w["anchor_sum"] else None,
             "train_exact": w["correct"] / n if w["loss_sum"] else None,
             "lr": (self.anchor_sched if self.stage == "anchor" else self.sched).get_last_lr()[0], **fields}
        self.history.append(r)
        self.window = dict.fromkeys(WINDOW_KEYS, 0.0)
        if self.acc.is_main_process:
            append_jsonl(r, self.out / METRICS)
            if self.acc.log_with:
                self.acc.log({k: v for k, v in flat(r).items() if isinstance(v, (int, float))}, step=r["step"])
            plot_phase0_history(self.history, self.out / PLOT)
        self.save(STATE)

    def bar(self, total: int, desc: str, initial: int = 0):
        return tqdm(total=total, initial=initial, desc=desc, disable=not self.acc.is_main_process,
                    dynamic_ncols=True, leave=False)

    def wait_for_everyone(self) -> None:
        if self.s.device.type == "cuda":
            self.acc.wait_for_everyone()
        elif self.world > 1:  # accelerate's barrier names a CUDA device even for CPU processes: fails with 1 GPU
            torch.distributed.barrier()


def scaled(loss: torch.Tensor, weight: float) -> torch.Tensor:
    return loss if weight == 1.0 else loss * weight


def trackers(cfg: PretrainConfig) -> list[str]:
    """Experiment trackers to log to; each needs its package installed."""
    import importlib.util

    wanted = {"wandb": cfg.logging.wandb.enabled, "tensorboard": cfg.logging.tensorboard}
    for name, package, flag in (("wandb", "wandb", "logging.wandb.enabled"),
                                ("tensorboard", "tensorboard", "logging.tensorboard")):
        if wanted[name] and importlib.util.find_spec(package) is None:
            raise TomasError(f"{flag} is on but the {package} package is not installed (pip install {package})")
    return [name for name, on in wanted.items() if on]


def flat(d: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` -> ``{"a/b": 1}`` (trackers take flat scalars)."""
    out = {}
    for k, v in d.items():
        out.update(flat(v, f"{prefix}{k}/") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


def plot_phase0_history(history: list[dict], path: Path) -> None:
    """Losses and exact match (sampled checks, full checks) against training wall time."""
    with png_figure(path, (8, 4.5)) as (fig, ax):
        wall = [r["train_wall_s"] / 60 for r in history]

        def series(key: str, scale: float = 1.0):
            return [(w, scale * r[key]) for w, r in zip(wall, history) if r.get(key) is not None] or [(0, float("nan"))]

        ax.plot(*zip(*series("loss")), "o-", label="LM loss")
        ax.plot(*zip(*series("anchor_loss")), "s--", label="anchor loss", alpha=0.6)
        ax.set_yscale("log")
        ax.set_xlabel("training wall time (min)")
        ax.set_ylabel("loss")
        ax2 = ax.twinx()
        ax2.plot(*zip(*series("anchor_exact", 100)), "c.:", label="every slot right (%)")
        ax2.plot(*zip(*series("check_exact", 100)), "g.:", label="sampled check exact (%)")
        ax2.plot(*zip(*series("exact_match", 100)), "g^", markersize=9, label="all configurations exact (%)")
        ax2.set_ylim(0, 101)
        ax2.set_ylabel("exact match (%)")
        fig.legend(loc="upper center", ncol=3, fontsize="small")
        fig.tight_layout(rect=(0, 0, 1, 0.9))
