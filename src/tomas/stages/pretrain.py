"""Phase 0: self-encoding pre-training of the resource encoder.

setup (data, frozen LLM, samples, encoder + prefix adapter) -> train (AdamW, early stop
at target loss AND target exact match, checkpoints, resume) -> save (best encoder).

Multi-process (``accelerate launch`` / ``torchrun``, data parallel): every process builds
the same model; each optimizer step takes one GLOBAL batch of ``batch_size x processes``
samples (``epoch_batches``), process ``r`` trains on its ``r::processes`` share, and the
gradients are averaged by hand so the step equals a single process's step on the whole
global batch. Epoch statistics are summed over processes, the exact-match check is
sharded over them, so every process takes the same stop decision; only the main process
logs, writes files and shows progress bars.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from tomas.config import PretrainConfig, parse_config
from tomas.data import ToolData, load_tool_data
from tomas.data.pretrain_dataset import PretrainSample, collate, make_samples
from tomas.data.profiling import INPUT_SIZES, NUMERIC_FIELDS
from tomas.errors import TomasError
from tomas.io import append_jsonl, atomic_write, save_torch
from tomas.models.llm import LoadedLLM, load_llm, resolve_device
from tomas.models.prefix import value_string
from tomas.models.self_encoding import (
    PromptCache,
    SelfEncoder,
    build_self_encoder,
    checkpoint_header,
    lm_forward,
)
from tomas.stages.evaluate import teacher_forced_exact_match

DEFAULT_CONFIG = "configs/pretrain_encoder.yaml"
BEST, STATE, METRICS, PLOT = "pretrained_encoder.pt", "train_state.pt", "pretrain_metrics.jsonl", "pretrain_curve.png"


def epoch_checkpoint_name(epoch: int) -> str:
    return f"encoder_checkpoint_epoch{epoch}.pt"


@dataclass
class Setup:
    cfg: PretrainConfig
    data: ToolData
    llm: LoadedLLM
    samples: list[PretrainSample]
    anchors: torch.Tensor
    """[num_samples, num_slots] token ids each slot is anchored to (pad-filled)."""
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


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


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


def setup(cfg: PretrainConfig, log=print) -> Setup:
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
    vocab = sorted(set(anchors.flatten().tolist()))
    model = build_self_encoder(cfg, llm, data.tools, resources, k, vocab).to(device)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log(f"  ✓ hidden {llm.hidden_size}, {k} slots, {n_train / 1e6:.2f}M trainable parameters")
    return Setup(cfg, data, llm, samples, anchors, resources, model, device)


def epoch_batches(num_samples: int, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """The epoch's shuffled batches: a function of (seed, epoch) only, so resume is exact."""
    g = torch.Generator().manual_seed(seed * 100_003 + epoch)
    perm = torch.randperm(num_samples, generator=g).tolist()
    return [perm[i:i + batch_size] for i in range(0, num_samples, batch_size)]


def lr_lambda(cfg: PretrainConfig, total_steps: int):
    t = cfg.training

    def f(step: int) -> float:
        if step < t.warmup_steps:
            return (step + 1) / (t.warmup_steps + 1)
        progress = min(1.0, (step - t.warmup_steps) / max(1, total_steps - t.warmup_steps))
        floor = t.min_lr_ratio
        if t.schedule == "cosine":
            return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
        if t.schedule == "linear":
            return max(floor, 1 - progress)
        return 1.0

    return f


def header(cfg: PretrainConfig, config_file: str | None, device: torch.device) -> str:
    t, a = cfg.training, cfg.data.augmentation
    lines = ["=" * 80, "TOMAS-LLM Encoder Pre-training", "=" * 80, f"Config: {config_file}", f"Device: {device}",
             f"LLM Model: {cfg.model.llm_model}", f"Batch Size: {t.batch_size}", f"Learning Rate: {t.learning_rate}",
             f"Max Epochs: {t.num_epochs}", f"Target Loss: {t.target_loss}",
             f"Target Exact Match: {t.target_exact_match:.0%}", f"Augmentation: {a.mode} (×{a.num_copies})", "=" * 80]
    return "\n".join(lines)


STAT_KEYS = ("loss_sum", "anchor_sum", "count", "correct", "anchor_correct")


class Trainer:
    """The training loop; state lives here so it can be checkpointed and resumed exactly."""

    def __init__(self, s: Setup, log=print):
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
        per_epoch = math.ceil(len(s.samples) / (t.batch_size * self.world))
        self.steps_per_epoch = math.ceil(per_epoch / t.grad_accum)
        self.params = [p for p in s.model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(self.params, lr=t.learning_rate, weight_decay=t.weight_decay)
        # The scheduler stays outside accelerate, which would step it once per process:
        # it steps once per optimizer update, whatever the number of processes.
        self.sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(self.cfg, self.steps_per_epoch * t.num_epochs))
        # No DDP wrapper: DDP fails on steps where a parameter gets no gradient (the soft
        # prompt and slot residual during the anchor-only curriculum); `average_gradients`
        # all-reduces what each step produced, so the optimizer state matches one process's.
        self.model, self.opt = s.model, self.acc.prepare(opt)
        if self.world > 1:
            for tensor in [*self.model.parameters(), *self.model.buffers()]:
                torch.distributed.broadcast(tensor.data, src=0)  # identical start on every process
        self.cache = PromptCache(s.llm.model, s.model.adapter.prompt_before)
        self.epoch, self.batch_in_epoch, self.step = 0, 0, 0
        self.best = (-1.0, -math.inf)  # (exact match, -loss)
        self.train_wall_s = 0.0
        self.finished = False  # targets reached: a resumed run has nothing left to do
        self.history: list[dict] = []
        self.epoch_stats = self._new_epoch_stats()

    @staticmethod
    def _new_epoch_stats() -> dict:
        return {"loss_sum": 0.0, "anchor_sum": 0.0, "count": 0, "correct": 0, "anchor_correct": 0.0}

    # --- checkpoints -------------------------------------------------------------------
    def payload(self, with_state: bool) -> dict:
        s = self.s
        ckpt = checkpoint_header(self.model, self.cfg, s.llm.name, s.data.fingerprint,
                                 s.data.tool_names, s.resources)
        ckpt.update(epoch=self.epoch, batch_in_epoch=self.batch_in_epoch, step=self.step,
                    train_wall_s=self.train_wall_s, best=list(self.best), history=self.history,
                    finished=self.finished, num_processes=self.world)
        if with_state:
            ckpt.update(optimizer=self.opt.state_dict(), scheduler=self.sched.state_dict(),
                        epoch_stats=dict(self.epoch_stats))
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
        if "optimizer" not in ckpt:
            raise TomasError(f"{path}: holds no optimizer state (use train_state.pt or an epoch checkpoint)")
        check_compatible(ckpt, path, self.s.llm.name, self.s.data.fingerprint)
        if ckpt["batch_in_epoch"] and ckpt.get("num_processes", 1) != self.world:
            raise TomasError(f"{path}: saved mid-epoch by {ckpt.get('num_processes', 1)} process(es); resume it with "
                             f"the same number (the epoch's global batches depend on it), not {self.world}")
        m = self.model
        m.encoder.load_state_dict(ckpt["encoder"])
        m.adapter.load_state_dict(ckpt["adapter"])
        self.opt.load_state_dict(ckpt["optimizer"])
        self.sched.load_state_dict(ckpt["scheduler"])
        self.epoch, self.batch_in_epoch, self.step = ckpt["epoch"], ckpt["batch_in_epoch"], ckpt["step"]
        self.train_wall_s, self.best, self.history = ckpt["train_wall_s"], tuple(ckpt["best"]), ckpt["history"]
        self.epoch_stats, self.finished = ckpt["epoch_stats"], ckpt.get("finished", False)
        self.log(f"  ✓ Resumed from {path} (epoch {self.epoch + 1}, batch {self.batch_in_epoch}, step {self.step})")

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
        """One (micro-)batch; ``weights`` scale the anchor and LM losses (1, 1 in a single process)."""
        s, cfg = self.s, self.cfg
        batch = collate([s.samples[i] for i in idx], s.llm.tokenizer.pad_token_id)
        batch = {k: v.to(s.device) for k, v in batch.items()}
        anchors = s.anchors[idx].to(s.device)
        stats = dict.fromkeys(STAT_KEYS, 0)
        with self.acc.accumulate(self.model), self.acc.autocast():
            prefix, slots = self.model(batch["tool_id"], batch["resources"], s.llm.embeddings, False)
            loss = torch.zeros((), device=s.device)
            if cfg.model.prefix.anchor_weight > 0:
                a_loss, a_ok = self.model.adapter.anchor_loss(slots, anchors, s.llm.embeddings.weight)
                loss = loss + cfg.model.prefix.anchor_weight * scaled(a_loss, weights[0])
                stats["anchor_sum"] = a_loss.item() * len(idx)
                stats["anchor_correct"] = a_ok.all(1).sum().item()
            if use_lm:
                lm_loss, correct, _ = lm_forward(s.llm.model, prefix, batch["target_ids"], batch["target_mask"],
                                                 self.cache)
                loss = loss + scaled(lm_loss, weights[1])
                stats["loss_sum"] = lm_loss.item() * len(idx)
                stats["correct"] = correct.sum().item()
            stats["count"] = len(idx)
            self.acc.backward(loss)
            if self.acc.sync_gradients:
                self.average_gradients()
                if cfg.training.grad_clip > 0:
                    self.acc.clip_grad_norm_(self.params, cfg.training.grad_clip)
            self.opt.step()  # accelerate skips it between accumulation boundaries
            if self.acc.sync_gradients:
                self.sched.step()
            self.opt.zero_grad(set_to_none=True)
        self.add_stats(stats if any(weights) else dict.fromkeys(STAT_KEYS, 0))

    def average_gradients(self) -> None:
        """Mean of every process's gradients (the parameters that got one: the same on every process)."""
        if self.world == 1:
            return
        grads = [p.grad for p in self.params if p.grad is not None]
        if grads:
            mean = self.acc.reduce(torch.cat([g.flatten() for g in grads]), "mean")
            for g, m in zip(grads, mean.split([g.numel() for g in grads])):
                g.copy_(m.view_as(g))

    def add_stats(self, stats: dict) -> None:
        """Add one step's statistics, summed over processes (every process then holds the global epoch)."""
        if self.world > 1:
            summed = self.acc.reduce(torch.tensor([float(stats[k]) for k in STAT_KEYS], dtype=torch.float64,
                                                  device=self.s.device), "sum")
            stats = dict(zip(STAT_KEYS, summed.tolist()))
        for k in STAT_KEYS:
            self.epoch_stats[k] += stats[k]

    def exact_match(self) -> dict:
        """Teacher-forced exact match over all configurations, sharded over the processes."""
        s, model = self.s, self.model
        if self.world == 1:
            return teacher_forced_exact_match(model, s.llm, s.data, s.device, self.cache)
        shard = ToolData(s.data.tools, s.data.configs[self.rank::self.world], s.data.fingerprint)
        ev = teacher_forced_exact_match(model, s.llm, shard, s.device, self.cache)
        n, fields = len(shard.configs), list(ev["per_field"])
        counts = [n, ev["exact_match"] * n, *(ev["per_field"][f] * n for f in fields)]
        total = self.acc.reduce(torch.tensor(counts, dtype=torch.float64, device=s.device), "sum").round().tolist()
        return {"exact_match": total[1] / total[0], "per_field": {f: c / total[0] for f, c in zip(fields, total[2:])}}

    # --- the loop --------------------------------------------------------------------------
    def fit(self) -> dict:
        s, t = self.s, self.cfg.training
        anchor_only = self.cfg.model.prefix.anchor_only_epochs
        if self.finished:
            self.log("  ✓ This run already reached its targets: nothing left to train")
        while not self.finished and self.epoch < t.num_epochs:
            batches = epoch_batches(len(s.samples), t.batch_size * self.world, t.seed, self.epoch)
            use_lm = self.epoch >= anchor_only
            bar = tqdm(total=len(batches), initial=self.batch_in_epoch, desc=f"Epoch {self.epoch + 1}/{t.num_epochs}",
                       disable=not self.acc.is_main_process, dynamic_ncols=True, leave=False)
            t0 = time.perf_counter()
            while self.batch_in_epoch < len(batches):
                self.train_global_batch(batches[self.batch_in_epoch], use_lm)
                self.batch_in_epoch += 1
                self.step += 1
                bar.update(1)
                c = max(1, self.epoch_stats["count"])
                bar.set_postfix(loss=f"{self.epoch_stats['loss_sum'] / c:.4f}",
                                anchor=f"{self.epoch_stats['anchor_sum'] / c:.3f}")
                if t.save_every_steps and self.step % t.save_every_steps == 0:
                    self.train_wall_s += time.perf_counter() - t0
                    t0 = time.perf_counter()
                    self.save(STATE)
            bar.close()
            self.train_wall_s += time.perf_counter() - t0
            self.finished = self.end_epoch(use_lm)
        self.wait_for_everyone()
        self.acc.end_training()
        return self.history[-1] if self.history else {}

    def wait_for_everyone(self) -> None:
        if self.s.device.type == "cuda":
            self.acc.wait_for_everyone()
        elif self.world > 1:  # accelerate's barrier names a CUDA device even for CPU processes: fails with 1 GPU
            torch.distributed.barrier()

    def end_epoch(self, use_lm: bool) -> bool:
        t = self.cfg.training
        st, n = self.epoch_stats, max(1, self.epoch_stats["count"])
        record = {"epoch": self.epoch + 1, "step": self.step, "train_wall_s": round(self.train_wall_s, 2),
                  "loss": st["loss_sum"] / n if use_lm else None, "anchor_loss": st["anchor_sum"] / n,
                  "anchor_exact": st["anchor_correct"] / n, "train_exact": st["correct"] / n if use_lm else None,
                  "lr": self.sched.get_last_lr()[0]}
        last = self.epoch + 1 == t.num_epochs
        lm_starts_next = not use_lm and self.epoch + 1 >= self.cfg.model.prefix.anchor_only_epochs
        periodic = bool(t.eval_every_epochs) and (self.epoch + 1) % t.eval_every_epochs == 0
        should_eval = last or lm_starts_next or use_lm and (periodic or record["train_exact"] == 1.0)
        if should_eval:
            ev = self.exact_match()
            record.update(exact_match=ev["exact_match"], per_field=ev["per_field"])
        self.history.append(record)
        self.epoch += 1
        self.batch_in_epoch = 0
        self.epoch_stats = self._new_epoch_stats()
        if self.acc.is_main_process:
            self.report(record)
        self.finished = reached = (record["loss"] is not None and record["loss"] < t.target_loss
                   and record.get("exact_match", -1) >= t.target_exact_match)
        if reached and self.acc.is_main_process:
            self.log(f"\n🎉 Target loss {t.target_loss} reached! (current: {record['loss']:.4f}) and exact match "
                     f"{record['exact_match']:.2%} ≥ {t.target_exact_match:.0%}")
            if record["exact_match"] >= 1.0:
                self.log("Training complete - encoder has successfully memorized all configurations!")
        self.save(STATE)
        return reached

    def report(self, r: dict) -> None:
        t = self.cfg.training
        loss = f"{r['loss']:.4f}" if r["loss"] is not None else "—"
        em = f" - Exact Match: {r['exact_match']:.2%}" if "exact_match" in r else ""
        self.log(f"Epoch {r['epoch']}/{t.num_epochs} - Train Loss: {loss} - Anchor: {r['anchor_loss']:.4f} "
                 f"({r['anchor_exact']:.1%}){em} - {r['train_wall_s']:.0f}s")
        append_jsonl(r, self.out / METRICS)
        if self.acc.log_with:
            self.acc.log({k: v for k, v in flat(r).items() if v is not None}, step=r["step"])
        score = (r.get("exact_match", -1.0), -r["loss"] if r["loss"] is not None else -math.inf)
        if "exact_match" in r and score > tuple(self.best):
            self.best = score
            self.save(BEST, with_state=False)
            self.log(f"  ✓ New best model saved (loss: {loss}, exact match: {r['exact_match']:.2%})")
        if t.checkpoint_freq and r["epoch"] % t.checkpoint_freq == 0:
            self.save(epoch_checkpoint_name(r["epoch"]))
        plot_history(self.history, self.out / PLOT)


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


def check_compatible(ckpt: dict, path, llm_name: str, fingerprint: str) -> None:
    """Refuse a checkpoint trained for another LLM or on other data (one-line errors)."""
    if ckpt.get("format") != "tomas.pretrained_encoder/1":
        raise TomasError(f"{path}: not a TOMAS encoder checkpoint")
    if ckpt["llm_model"] != llm_name:
        raise TomasError(f"{path}: trained for LLM {ckpt['llm_model']!r}, not {llm_name!r} (pass --llm_model "
                         f"{ckpt['llm_model']})")
    if ckpt["data_fingerprint"] != fingerprint:
        raise TomasError(f"{path}: trained on other registry/profiling data (fingerprint "
                         f"{ckpt['data_fingerprint']} != {fingerprint}); re-train or pass the data it was trained on")


def plot_history(history: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    wall = [r["train_wall_s"] / 60 for r in history]
    ax.plot(wall, [r["loss"] if r["loss"] is not None else float("nan") for r in history], "o-", label="LM loss")
    ax.plot(wall, [r["anchor_loss"] for r in history], "s--", label="anchor loss", alpha=0.6)
    ax.set_yscale("log")
    ax.set_xlabel("training wall time (min)")
    ax.set_ylabel("loss")
    ax2 = ax.twinx()
    ev = [(w, r["exact_match"]) for w, r in zip(wall, history) if "exact_match" in r]
    if ev:
        ax2.plot(*zip(*[(w, 100 * e) for w, e in ev]), "g^-", label="exact match (%)")
    # The in-batch argmax of every LM epoch: the curve between the (costly, sparser) full checks.
    seen = [(w, r["train_exact"]) for w, r in zip(wall, history) if r.get("train_exact") is not None]
    if seen:
        ax2.plot(*zip(*[(w, 100 * e) for w, e in seen]), "g.:", alpha=0.6, label="in-batch exact (%)")
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("exact match (%)")
    fig.legend(loc="upper center", ncol=4, fontsize="small")
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=110))
    plt.close(fig)


def pretrain(cfg: PretrainConfig, config_file: str | None = None, log=print) -> dict:
    log = main_process_log(cfg, log)
    device = resolve_device(cfg.training.device)
    log(header(cfg, config_file, device))
    s = setup(cfg, log)
    trainer = Trainer(s, log)
    if cfg.training.resume:
        trainer.resume(cfg.training.resume)
    if trainer.acc.is_main_process:  # the metrics file always matches the run's history
        metrics = Path(cfg.output_dir) / METRICS
        atomic_write(metrics, lambda p: p.write_text("".join(json.dumps(r) + "\n" for r in trainer.history)))
    log(f"[4/5] Training ({trainer.steps_per_epoch} steps/epoch)...")
    final = trainer.fit()
    log(f"[5/5] Done: best checkpoint {Path(cfg.output_dir) / BEST}, metrics {Path(cfg.output_dir) / METRICS}")
    return final


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cfg, config_file = parse_config(PretrainConfig, argv, DEFAULT_CONFIG)
    log = main_process_log(cfg)
    if config_file:
        log(f"Loading configuration from: {config_file}")
    pretrain(cfg, config_file, log)
    return 0
