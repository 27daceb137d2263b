"""Phase 0 training: the staged ``Phase0Trainer`` (anchor -> LM -> full check -> repair).

Multi-process (``accelerate launch`` / ``torchrun``, ``tomas.training.distributed``): each
optimizer step takes one GLOBAL batch of ``batch_size x processes`` samples
(``epoch_batches``); process ``r`` trains on its ``r::processes`` share with its losses
weighted so that DDP's mean gradient is the global batch's, so the step equals a single
process's step on the whole global batch. Window statistics are summed over processes and
the exact-match check is sharded over them, so every process takes the same stop decision.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import asdict
from pathlib import Path

import torch
from tqdm.auto import tqdm

from tomas.artifacts.assets import BEST, METRICS, PLOT, STATE, check_compatible, epoch_checkpoint_name
from tomas.data import ToolData
from tomas.data.pretrain_dataset import collate
from tomas.errors import TomasError
from tomas.eval.readback import anchor_right, sharded_exact_match
from tomas.io import save_jsonl, save_torch
from tomas.models.self_encoding import PromptCache, SelfEncoder, checkpoint_header, lm_forward
from tomas.plots import plot_phase0_history
from tomas.training.distributed import Objective, flat, init_trackers
from tomas.training.phase0_setup import Phase0Setup, phase0_optimizers
from tomas.training.schedule import epoch_batches, every
from tomas.training.state import load_state, restore, resume_file, stateful_dicts

WINDOW_KEYS = ("loss_sum", "anchor_sum", "count", "correct", "anchor_correct")


class Phase0Trainer:
    """The staged training loop; its state lives here so it can be checkpointed and resumed exactly.

    anchor: the encoder and slot expander alone (no LLM), until every slot of every configuration
    names its value token. lm: the LM loss through the frozen LLM, until a sampled teacher-forced
    check is all right (in ``snap`` mode only the shared soft prompt learns here: how to copy value
    tokens into a description). check: teacher-forced exact match of every configuration. repair: a
    few steps on the configurations still wrong (plus replay), then a check of those.
    """

    def __init__(self, setup: Phase0Setup, log=print):
        self.setup, self.cfg, self.log, self.acc = setup, setup.cfg, log, setup.acc
        training = self.cfg.training
        self.out = Path(self.cfg.output_dir)
        init_trackers(self.acc, self.cfg.logging, asdict(self.cfg), self.out)
        self.world, self.rank = self.acc.num_processes, self.acc.process_index
        self.model = setup.model
        self.snap = setup.model.adapter.expander.snap
        global_batches = math.ceil(len(setup.samples) / (training.batch_size * self.world))
        self.steps_per_epoch = math.ceil(global_batches / training.grad_accum)
        self.lm_steps = min(training.max_steps, training.num_epochs * self.steps_per_epoch)
        self.build_optimizers()
        # DDP over the model and its loss: broadcasts rank 0's weights, then averages the gradients.
        self.objective = self.acc.prepare(Objective(self.model, self.batch_loss))
        self.cache = PromptCache(setup.llm.model, setup.model.adapter.prompt_before)
        prefix = self.cfg.model.prefix
        self.anchor_weight = 0.0 if prefix.slot_mode == "row" else prefix.anchor_weight  # row: no slots to anchor
        has_anchor_stage = self.anchor_weight > 0 and training.anchor_max_steps > 0
        self.stage = "anchor" if has_anchor_stage else "lm"
        self.step = self.stage_step = self.epoch = self.batch_in_epoch = self.repair_round = 0
        self.failures: list[int] = []
        self.anchor_wrong: list[int] = []  # configurations with a wrong slot at the last anchor check
        self.at_risk: list[int] = []  # right at the full check, but by the smallest margins: repair protects them
        self.best = (-1.0, -math.inf)  # (exact match, -loss)
        self.train_wall_s = 0.0
        self.finished = False  # targets reached: a resumed run has nothing left to do
        self.history: list[dict] = []
        self.window = dict.fromkeys(WINDOW_KEYS, 0.0)

    def build_optimizers(self) -> None:
        o = phase0_optimizers(self.model, self.cfg.training, self.lm_steps)
        self.anchor_params, self.params, self.anchor_sched, self.sched = (o.anchor_params, o.params,
                                                                          o.anchor_sched, o.sched)
        self.anchor_opt, self.opt = self.acc.prepare(o.anchor_opt, o.opt)

    # --- checkpoints -------------------------------------------------------------------
    COUNTERS = ("stage", "step", "stage_step", "epoch", "batch_in_epoch", "repair_round", "failures", "anchor_wrong",
                "at_risk", "train_wall_s", "history", "finished", "window")

    def payload(self, with_state: bool) -> dict:
        setup = self.setup
        ckpt = checkpoint_header(self.model, self.cfg, setup.llm.name, setup.data.fingerprint,
                                 setup.data.tool_names, setup.resources)
        ckpt.update({key: getattr(self, key) for key in self.COUNTERS if key != "window"},
                    best=list(self.best), num_processes=self.world)
        if with_state:
            ckpt.update(stateful_dicts(optimizer=self.opt, anchor_optimizer=self.anchor_opt, scheduler=self.sched,
                                       anchor_scheduler=self.anchor_sched), window=dict(self.window))
        return ckpt

    def save(self, name: str, with_state: bool = True) -> None:
        if self.acc.is_main_process:
            save_torch(self.payload(with_state), self.out / name)

    def resume(self, resume: str) -> None:
        path = resume_file(resume, self.out / STATE, self.log)
        if path is None:
            return
        ckpt = load_state(path, self.setup.data.fingerprint, required="anchor_optimizer")
        check_compatible(ckpt, path, self.setup.llm.name, self.setup.data.fingerprint)
        if ckpt["batch_in_epoch"] and ckpt.get("num_processes", 1) != self.world:
            raise TomasError(f"{path}: saved mid-epoch by {ckpt.get('num_processes', 1)} process(es); resume it with "
                             f"the same number (the epoch's global batches depend on it), not {self.world}")
        self.model.encoder.load_state_dict(ckpt["encoder"])
        self.model.adapter.load_state_dict(ckpt["adapter"])
        restore(ckpt, self, self.COUNTERS, optimizer=self.opt, anchor_optimizer=self.anchor_opt,
                scheduler=self.sched, anchor_scheduler=self.anchor_sched)
        self.best = tuple(ckpt["best"])
        self.log(f"  ✓ Resumed from {path} (stage {self.stage}, step {self.step})")

    # --- one optimizer step ------------------------------------------------------------
    def train_global_batch(self, global_batch: list[int], use_lm: bool) -> None:
        """This process's share of one global batch, its losses weighted so that the gradient averaged over
        the processes is the gradient of the global batch's losses (anchor: mean over samples; LM: mean
        over target tokens)."""
        local = global_batch[self.rank::self.world]
        if not local:  # fewer samples than processes: DDP needs every process's backward, so a zero-weight one
            return self.train_batch(global_batch[:1], use_lm, weights=(0.0, 0.0))
        tokens = lambda idx: sum(len(self.setup.samples[i].target_ids) for i in idx)
        self.train_batch(local, use_lm, weights=(len(local) * self.world / len(global_batch),
                                                 tokens(local) * self.world / tokens(global_batch)))

    def train_batch(self, idx: list[int], use_lm: bool, weights: tuple[float, float] = (1.0, 1.0)) -> None:
        """One (micro-)batch of the LM stage (``use_lm``) or of the anchor stage; ``weights`` scale the anchor
        and LM losses (1, 1 in a single process)."""
        opt, params = (self.opt, self.params) if use_lm else (self.anchor_opt, self.anchor_params)
        with self.acc.accumulate(self.objective), self.acc.autocast():
            loss, stats = self.objective(idx, use_lm, weights)
            self.acc.backward(loss)
            if self.acc.sync_gradients and self.cfg.training.grad_clip > 0:
                self.acc.clip_grad_norm_(params, self.cfg.training.grad_clip)
            opt.step()  # accelerate skips it between accumulation boundaries
            if self.acc.sync_gradients:
                (self.sched if use_lm else self.anchor_sched).step()
            opt.zero_grad(set_to_none=True)
        self.add_stats(stats if any(weights) else dict.fromkeys(WINDOW_KEYS, 0))

    def batch_loss(self, model: SelfEncoder, idx: list[int], use_lm: bool, weights: tuple[float, float]):
        """(weighted loss, window statistics) of these samples: the anchor loss and/or the LM loss."""
        setup, anchor_weight = self.setup, self.anchor_weight
        batch = collate([setup.samples[i] for i in idx], setup.llm.tokenizer.pad_token_id)
        batch = {k: v.to(setup.device) for k, v in batch.items()}
        stats = dict.fromkeys(WINDOW_KEYS, 0)
        prefix, slots = model(batch["tool_id"], batch["resources"], setup.llm.embeddings, False)
        loss = torch.zeros((), device=setup.device)
        if anchor_weight > 0 and not (use_lm and self.snap):
            a_loss, a_ok = model.adapter.anchor_loss(slots, setup.anchors[idx].to(setup.device),
                                                     setup.llm.embeddings.weight)
            loss = loss + anchor_weight * a_loss * weights[0]
            stats["anchor_sum"], stats["anchor_correct"] = a_loss.item() * len(idx), a_ok.all(1).sum().item()
        if use_lm:
            lm_loss, correct, _, _ = lm_forward(setup.llm.model, prefix, batch["target_ids"], batch["target_mask"],
                                             self.cache)
            loss = loss + lm_loss * weights[1]
            stats["loss_sum"], stats["correct"] = lm_loss.item() * len(idx), correct.sum().item()
        stats["count"] = len(idx)
        return loss, stats

    def add_stats(self, stats: dict) -> None:
        """Add one step's statistics, summed over processes (every process then holds the global window)."""
        if self.world > 1:
            summed = self.acc.reduce(torch.tensor([float(stats[k]) for k in WINDOW_KEYS], dtype=torch.float64,
                                                  device=self.setup.device), "sum")
            stats = dict(zip(WINDOW_KEYS, summed.tolist()))
        for k in WINDOW_KEYS:
            self.window[k] += stats[k]

    # --- checks ------------------------------------------------------------------------
    def exact_match(self, config_ids: list[int] | None = None, desc: str = "Checking") -> dict:
        """Teacher-forced exact match over these configurations (all by default), sharded over the processes."""
        setup = self.setup
        configs = setup.data.configs if config_ids is None else [setup.data.configs[i] for i in config_ids]
        cache = PromptCache(setup.llm.model, self.model.adapter.prompt_before, self.model.adapter.soft_prompt)
        return sharded_exact_match(self.model, setup.llm, ToolData(setup.data.tools, configs, setup.data.fingerprint),
                                   setup.device, self.acc, cache, progress=self.acc.is_main_process and desc or None)

    def anchor_check(self) -> float:
        """Fraction of configurations whose every slot is right; the others are kept for the polish steps."""
        setup = self.setup
        n = len(setup.data.configs)  # the canonical samples come first: one per configuration
        right = anchor_right(self.model, setup.samples[:n], setup.anchors[:n], setup.llm, setup.device)
        self.anchor_wrong = (~right).nonzero().flatten().tolist()
        return right.float().mean().item()

    def sample_configs(self, size: int, exclude: tuple[int, ...] = ()) -> list[int]:
        """A fresh random sample of configuration ids, a function of (seed, step) only (resume is exact)."""
        g = torch.Generator().manual_seed(self.cfg.training.seed * 7919 + self.step)
        pool = [i for i in torch.randperm(len(self.setup.data.configs), generator=g).tolist() if i not in set(exclude)]
        return sorted(pool[:size])

    # --- the stages --------------------------------------------------------------------
    def fit(self) -> dict:
        if self.finished:
            self.log("  ✓ This run already reached its targets: nothing left to train")
        run = {"anchor": self.fit_anchor, "lm": self.fit_lm, "check": self.full_check, "repair": self.fit_repair}
        while self.stage != "done":
            run[self.stage]()
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
        """The encoder (and slot expander) alone, until every slot of every configuration is right: anchor_max_steps
        on random batches (the rate decaying over them), then at most anchor_polish_steps at the decayed rate whose
        batches hold the configurations still wrong and a random replay (a wrong slot here is a wrong read-back
        later: the LM stage cannot fix it)."""
        training = self.cfg.training
        self.log("Anchor stage: the encoder learns each configuration's value tokens (no LLM)...")
        cap = training.anchor_max_steps + training.anchor_polish_steps
        bar = self.bar(cap, "Anchor", initial=self.stage_step)
        n, size = len(self.setup.samples), training.anchor_batch_size * self.world
        while self.stage == "anchor":
            g = torch.Generator().manual_seed(training.seed * 100_003 + self.step)
            batch = torch.randperm(n, generator=g)[:size].tolist()
            if self.stage_step >= training.anchor_max_steps:  # polish: the still-wrong ones in every batch
                wrong = self.anchor_wrong[:size // 2]
                batch = wrong + [i for i in batch if i not in set(wrong)][:size - len(wrong)]
            with self.clock():
                self.train_global_batch(batch, False)
            self.step, self.stage_step = self.step + 1, self.stage_step + 1
            bar.update(1)
            if self.stage_step % training.anchor_check_every == 0 or self.stage_step in (training.anchor_max_steps,
                                                                                         cap):
                with self.clock():
                    right = self.anchor_check()
                bar.set_postfix(slots_right=f"{right:.1%}")
                self.record(stage="anchor", anchor_exact=right)
                if right >= 1.0 or self.stage_step >= cap:
                    bar.close()
                    self.log(f"  ✓ Anchor stage: every slot right for {right:.2%} of the configurations after "
                             f"{self.stage_step} steps ({self.train_wall_s:.0f} s)")
                    self.next_stage("lm")

    def fit_lm(self) -> None:
        training = self.cfg.training
        what = "the shared soft prompt learns to copy value tokens" if self.snap else "encoder and prompt"
        self.log(f"LM stage: {what} (at most {self.lm_steps} steps, checked every {training.check_every_steps})...")
        bar = self.bar(self.lm_steps, "LM", initial=self.stage_step)
        while self.stage == "lm":
            batches = epoch_batches(len(self.setup.samples), training.batch_size * self.world, training.seed,
                                    self.epoch)
            with self.clock():
                self.train_global_batch(batches[self.batch_in_epoch], True)
            self.step, self.stage_step = self.step + 1, self.stage_step + 1
            self.batch_in_epoch += 1
            bar.update(1)
            bar.set_postfix(loss=f"{self.window['loss_sum'] / max(1, self.window['count']):.4f}")
            if self.batch_in_epoch == len(batches):
                self.epoch, self.batch_in_epoch = self.epoch + 1, 0
                if training.checkpoint_freq and self.epoch % training.checkpoint_freq == 0:
                    self.save(epoch_checkpoint_name(self.epoch))
            capped = self.stage_step >= self.lm_steps
            if self.stage_step % training.check_every_steps == 0 or capped:
                self.sampled_check(bar, capped)
            elif every(self.step, training.save_every_steps):
                self.save(STATE)

    def sampled_check(self, bar, capped: bool) -> None:
        """Every check_every_steps: once the loss is below target_loss, a teacher-forced check of a fresh
        sample of configurations decides whether the LM stage is done (before that it would be wasted)."""
        training = self.cfg.training
        loss = self.window["loss_sum"] / max(1, self.window["count"])
        if loss >= training.target_loss and not capped:
            return self.record(stage="lm")
        with self.clock():
            result = self.exact_match(self.sample_configs(training.check_size), desc=None)
        exact, size = result["exact_match"], min(training.check_size, len(self.setup.data.configs))
        bar.set_postfix(loss=f"{loss:.4f}", check=f"{exact:.0%}")
        self.record(stage="lm", check_exact=exact, check_size=size)
        if capped or exact >= training.target_exact_match:
            bar.close()
            why = "reached the step cap" if capped and exact < training.target_exact_match else "check passed"
            self.log(f"  ✓ LM stage {why} after {self.stage_step} steps: sampled check {exact:.0%} "
                     f"of {size}, loss {loss:.4f} ({self.train_wall_s:.0f} s)")
            self.next_stage("check")

    def full_check(self) -> None:
        training = self.cfg.training
        self.log(f"Checking all {len(self.setup.data.configs)} configurations (teacher-forced = greedy exact match)...")
        with self.clock():
            result = self.exact_match(desc="Check")
        self.failures = result["wrong"]
        right = sorted((m, i) for i, m in result["margins"].items() if i not in set(self.failures))
        self.at_risk = [i for _, i in right[:training.recheck_size]]  # smallest margin first
        self.record(stage="check", exact_match=result["exact_match"], per_field=result["per_field"],
                    num_failures=len(self.failures), min_margin_right=right[0][0] if right else None)
        self.log(f"  ✓ Exact match {result['exact_match']:.2%} ({len(self.failures)} wrong)")
        reached = result["exact_match"] >= training.target_exact_match
        self.keep_if_best(result["exact_match"])
        if reached or self.repair_cap():
            self.finish(reached, result["exact_match"])
        else:
            self.repair_round += 1
            self.next_stage("repair")

    def fit_repair(self) -> None:
        """Steps on the configurations still wrong, with the ones nearest to going wrong (smallest margins
        at the full check) and a random replay in every batch, at repair_learning_rate decaying to 0:
        the shared soft prompt moves just enough. The recheck covers the wrong, the at-risk and a fresh sample;
        when it finds none wrong, a full check follows (a repair can break a configuration it did not recheck),
        which ends the run at the target or starts the next round, until repair_rounds or max_train_s."""
        training = self.cfg.training
        self.log(f"Repair round {self.repair_round}: {training.repair_steps} steps on the {len(self.failures)} "
                 "configurations still wrong, the ones nearest to going wrong and a replay...")
        size = training.batch_size * self.world
        n_wrong, n_risk = max(1, size // 4), size // 2 if self.at_risk else 0
        peaks = self.sched.base_lrs  # each group keeps its LM-stage share (row mode: the encoder's is smaller)
        shares = [peak / peaks[0] if peaks[0] else 1.0 for peak in peaks]
        while self.stage_step < training.repair_steps:
            k = self.stage_step
            wrong = [self.failures[(k * n_wrong + i) % len(self.failures)] for i in range(n_wrong)]
            risk = [self.at_risk[(k * n_risk + i) % len(self.at_risk)] for i in range(n_risk)]
            replay = self.sample_configs(size - n_wrong - n_risk, exclude=tuple(self.failures + self.at_risk))
            for group, share in zip(self.opt.param_groups, shares):  # the LM schedule's next step sets its own again
                group["lr"] = training.repair_learning_rate * share * (1 - k / training.repair_steps)
            with self.clock():
                self.train_global_batch(wrong + risk + replay, True)
            self.step, self.stage_step = self.step + 1, self.stage_step + 1
        ids = sorted(set(self.failures) | set(self.at_risk) | set(self.sample_configs(training.check_size)))
        with self.clock():
            result = self.exact_match(ids, desc="Recheck")
        fixed = len(self.failures) - len(set(result["wrong"]) & set(self.failures))
        self.record(stage="repair", check_exact=result["exact_match"], check_size=len(ids), fixed=fixed,
                    lr=training.repair_learning_rate)  # the round's starting rate (the schedule's is not used)
        self.log(f"  ✓ {fixed} of {len(self.failures)} fixed; {result['exact_match']:.2%} of {len(ids)} rechecked "
                 f"(still-wrong + the {len(self.at_risk)} nearest to going wrong + a fresh sample) are right")
        self.failures = result["wrong"]
        if not self.failures:  # the recheck is a sample: only a full check says every configuration is right
            self.next_stage("check")
        elif self.repair_cap():  # no save: fewer wrong among the rechecked says nothing of the rest, so the
            self.finish(False, None)  # exported model is the best full check's
        else:
            self.repair_round += 1
            self.next_stage("repair")

    def repair_cap(self) -> str | None:
        """Why no further repair round may start (None: one may)."""
        training = self.cfg.training
        if self.repair_round >= training.repair_rounds:
            return f"the cap of {training.repair_rounds} repair rounds"
        if training.max_train_s and self.train_wall_s >= training.max_train_s:
            return f"the {training.max_train_s:g}-s training time cap"
        return None

    def keep_if_best(self, exact: float) -> None:
        if exact > self.best[0]:
            self.best = (exact, self.step)
            self.save(BEST, with_state=False)
            self.log(f"  ✓ Best model saved ({self.out / BEST}, exact match {exact:.2%})")

    def finish(self, reached: bool, exact: float | None) -> None:
        self.finished = reached
        if not reached:
            self.log(f"  ✗ Target not reached: stopped by {self.repair_cap()}, {len(self.failures)} configurations of "
                     f"the last check still wrong; the exported model is the best full check's ({self.best[0]:.2%})")
        elif exact is not None and exact >= 1.0:
            self.log(f"\n🎉 Target reached: {exact:.2%} of all configurations reproduced exactly.\n"
                     "Training complete - encoder has successfully memorized all configurations!")
        else:
            self.log(f"\n🎉 Target reached: {exact:.2%} of all configurations reproduced exactly "
                     f"(target {self.cfg.training.target_exact_match:.0%}).")
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
            save_jsonl(self.history, self.out / METRICS)
            if self.acc.log_with:
                self.acc.log({k: v for k, v in flat(r).items() if isinstance(v, (int, float))}, step=r["step"])
            plot_phase0_history(self.history, self.out / PLOT)
        self.save(STATE)

    def bar(self, total: int, desc: str, initial: int = 0):
        return tqdm(total=total, initial=initial, desc=desc, disable=not self.acc.is_main_process, leave=False)
