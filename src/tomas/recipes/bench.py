"""`tomas bench`: how fast real Phase 0 training steps run on the configured model, in one table.

It builds exactly what ``tomas pretrain`` builds (same config, ``pretrain.setup`` and
``tomas.training.phase0.Phase0Trainer``) and times ``Phase0Trainer.train_batch`` with the LM loss on: collate,
forward through the frozen LLM, backward into the trainable encoder, AdamW step. Then:

- tokens/s counts the real (non-pad) positions the LLM computes per sample: soft prompt,
  slots, the prompt text after the slots and the target tokens fed back; the cached prompt
  text before the slots is NOT counted (it is computed once, not per step);
- achieved GFLOP/s divides the FLOPs of those steps (``train_flops``) by their time; the
  peak is timed on this machine, in this process, with matmuls of the model's own shapes;
- ``--metrics`` reads a run's ``pretrain_metrics.jsonl`` for time-to-X% exact match;
- a projection: samples/s (and time to memorise) of a Qwen2.5-7B-shaped model in bf16 on
  one H100, from the same FLOP formula. See docs/benchmarks.md.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import torch

from tomas.artifacts.assets import READBACK_REPORT
from tomas.config import PRETRAIN_YAML, parse_config
from tomas.config.commands import BenchConfig
from tomas.data.pretrain_dataset import collate
from tomas.errors import TomasError
from tomas.perf import (
    QWEN25_7B,
    Shape,
    Work,
    batch_work,
    count_nonembedding,
    peak_gflops,
    peak_rss_mb,
    synchronize,
    train_flops,
)
from tomas.training.phase0 import Phase0Trainer
from tomas.training.phase0_setup import Phase0Setup, setup
from tomas.training.schedule import epoch_batches

LEVELS = (0.5, 0.9, 0.99, 1.0)
# --- a run's metrics -------------------------------------------------------------------------
def read_records(path: str) -> list[dict]:
    """Records in step order (a resumed run's last record of each (stage, step))."""
    records = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                records[(r["step"], r["stage"])] = r
    return [records[k] for k in sorted(records, key=lambda k: (k[0], STAGE_ORDER.index(k[1])))]


STAGE_ORDER = ("anchor", "lm", "check", "repair")


def measured_exact(r: dict, level: float) -> float | None:
    """A record's exact match for ``level``: an all-configuration measure (the full check, or the greedy
    evaluation of the final model); a sampled check counts only below 100%, as an estimate."""
    if "exact_match" in r:
        return r["exact_match"]
    return r.get("check_exact") if level < 1.0 else None


def first_at(records: list[dict], level: float) -> dict | None:
    return next((r for r in records if (measured_exact(r, level) or 0.0) >= level), None)


def with_evaluation(records: list[dict], report_path: str | None) -> list[dict]:
    """``records`` + the greedy evaluation (``eval_report.json``) as a last record, when it evaluated
    the model at the end of these records (same training wall time)."""
    if not records or not report_path or not Path(report_path).is_file():
        return records
    report = json.loads(Path(report_path).read_text())
    last = records[-1]
    if report.get("train_wall_s") is None or abs(report["train_wall_s"] - last["train_wall_s"]) > 0.5:
        return records
    return [*records, {"stage": "evaluation", "step": last["step"], "train_wall_s": last["train_wall_s"],
                       "exact_match": report["exact_match"]}]


def time_to_exact_match(records: list[dict], levels=LEVELS) -> dict[str, float | None]:
    """Level ("50", "90", ...) -> ``train_wall_s`` of the first record at or above it (None: never)."""
    return {f"{level * 100:g}": (hit["train_wall_s"] if (hit := first_at(records, level)) else None)
            for level in levels}


def exact_match_basis(records: list[dict], levels=LEVELS) -> dict[str, str | None]:
    """Level -> what the record that reached it measured."""
    out = {}
    for level in levels:
        hit = first_at(records, level)
        out[f"{level * 100:g}"] = None if hit is None else (
            "greedy generation of every configuration (eval_report.json)" if hit["stage"] == "evaluation"
            else f"all configurations ({hit['stage']} stage)" if "exact_match" in hit
            else f"a sample of {hit.get('check_size', '?')} configurations ({hit['stage']} stage), an estimate")
    return out


def lm_samples_to(records: list[dict], batch_size: int) -> tuple[str, int] | None:
    """(highest level reached, samples the LLM processed to reach it ≈ LM steps x batch_size)."""
    anchor_steps = max((r["step"] for r in records if r["stage"] == "anchor"), default=0)
    for level in reversed(LEVELS):
        if hit := first_at(records, level):
            return f"{level * 100:g}", (hit["step"] - anchor_steps) * batch_size
    return None


# --- the benchmark -----------------------------------------------------------------------------
def timed_steps(trainer: Phase0Trainer, warmup: int, steps: int) -> tuple[Work, float]:
    """Run ``warmup`` then ``steps`` real training steps (LM loss on); (work of the timed ones, seconds)."""
    s, t = trainer.setup, trainer.cfg.training
    batches, epoch = [], 0
    while len(batches) < warmup + steps:
        batches += epoch_batches(len(s.samples), t.batch_size, t.seed, epoch)
        epoch += 1
    prefix = s.model.adapter.prefix_length - len(s.model.adapter.prompt_before)
    work = Work()
    for idx in batches[:warmup]:
        trainer.train_batch(idx, use_lm=True)
    synchronize(s.device)
    t0 = time.perf_counter()
    for idx in batches[warmup:warmup + steps]:
        trainer.train_batch(idx, use_lm=True)
        work += batch_work(collate([s.samples[i] for i in idx], 0)["target_mask"], prefix, trainer.cache.length)
    synchronize(s.device)
    return work, time.perf_counter() - t0


def projection(work: Work, ratio: float, peak_tflops: float, trainable: int, to_target) -> dict:
    """Qwen2.5-7B-shaped model, bf16, one H100: same tokens per sample, same FLOP formula."""
    per_sample = train_flops(QWEN25_7B, QWEN25_7B.nonembedding_params(), work, trainable) / work.samples
    rate = peak_tflops * 1e12 * ratio / per_sample
    out = {"model": "Qwen2.5-7B shape (hidden 3584, 28 layers, intermediate 18944, 28/4 heads, vocab 152064)",
           "nonembedding_params": QWEN25_7B.nonembedding_params(), "peak_tflops": peak_tflops, "ratio": ratio,
           "flops_per_sample": per_sample, "samples_per_s": rate}
    if to_target:
        out.update(target=f"{to_target[0]}%", lm_samples_to_target=to_target[1],
                   time_to_target_s=to_target[1] / rate)
    return out


def measure(cfg: BenchConfig, log) -> tuple[Phase0Setup, Phase0Trainer, Work, float]:
    """Build what pre-training builds (writing nothing) and time its training steps."""
    cfg.logging.wandb.enabled, cfg.logging.tensorboard = False, False
    with tempfile.TemporaryDirectory(prefix="tomas-bench-") as tmp:
        cfg.output_dir = tmp
        s = setup(cfg, log)
        trainer = Phase0Trainer(s, log)
        log(f"Timing {cfg.warmup} warm-up + {cfg.steps} training steps of batch {cfg.training.batch_size}...")
        work, seconds = timed_steps(trainer, cfg.warmup, cfg.steps)
    return s, trainer, work, seconds


def throughput(s: Phase0Setup, trainer: Phase0Trainer, work: Work, seconds: float, opts: BenchConfig,
               log) -> dict:
    """Rates, FLOPs, this machine's matmul peak and memory of the timed steps."""
    trainable = sum(p.numel() for p in trainer.params)
    nonembedding, shape = count_nonembedding(s.llm.model), Shape.of(s.llm.model.config)
    flops = train_flops(shape, nonembedding, work, trainable)
    dtype = s.llm.embeddings.weight.dtype
    log("Timing this machine's matmul peak...")
    peak, peak_shape = peak_gflops(shape, round(work.tokens / opts.steps), round(work.targets / opts.steps),
                                   dtype, s.device, opts.peak_time)
    achieved = flops / seconds / 1e9
    r = {"model": s.cfg.model.llm_model, "device": str(s.device), "dtype": str(dtype).replace("torch.", ""),
         "threads": torch.get_num_threads(), "batch_size": s.cfg.training.batch_size, "steps": opts.steps,
         "warmup": opts.warmup, "seconds": seconds, "samples_per_s": work.samples / seconds,
         "tokens_per_s": work.tokens / seconds, "tokens_per_sample": work.tokens / work.samples,
         "cached_prompt_tokens": trainer.cache.length, "padding_fraction": 1 - work.tokens / work.computed,
         "nonembedding_params": nonembedding, "trainable_params": trainable,
         "flops_per_sample": flops / work.samples, "achieved_gflops": achieved, "peak_gflops": peak,
         "peak_shape": peak_shape, "ratio": achieved / peak, "peak_rss_mb": peak_rss_mb()}
    if s.device.type == "cuda":
        r["peak_gpu_mb"] = torch.cuda.max_memory_allocated(s.device) / 2**20
    return r


def bench(cfg: BenchConfig, log) -> dict:
    s, trainer, work, seconds = measure(cfg, log)
    r = throughput(s, trainer, work, seconds, cfg, log)
    to_target = None
    if cfg.metrics:
        report = cfg.eval_report or str(Path(cfg.metrics).parent / READBACK_REPORT)
        records = with_evaluation(read_records(cfg.metrics), report)
        r["time_to_exact_match"] = time_to_exact_match(records)
        r["time_to_exact_match_basis"] = exact_match_basis(records)
        to_target = lm_samples_to(records, cfg.training.batch_size)
    ratio = cfg.projection_ratio if cfg.projection_ratio is not None else r["ratio"]
    r["projection"] = projection(work, ratio, cfg.projection_peak_tflops, r["trainable_params"], to_target)
    return r


# --- output ------------------------------------------------------------------------------------
def _seconds(x: float | None) -> str:
    return "not reached" if x is None else f"{x:,.0f} s"


def table(r: dict, metrics: str | None) -> str:
    p = r["projection"]
    rows = [
        ("samples/s", f"{r['samples_per_s']:.2f}", f"{r['steps']} timed steps of batch {r['batch_size']} after "
         f"{r['warmup']} warm-up: collate + forward + backward + AdamW"),
        ("tokens/s", f"{r['tokens_per_s']:,.0f}", f"{r['tokens_per_sample']:.1f} real tokens/sample (soft prompt + "
         f"slots + text + targets); the {r['cached_prompt_tokens']}-token cached prompt is not counted; "
         f"{r['padding_fraction']:.0%} of computed positions are padding (not counted)"),
        ("FLOPs/sample", f"{r['flops_per_sample'] / 1e9:.3f} G", f"frozen LLM: fwd 2·N·T + attention + LM head, bwd "
         f"input gradients only; N = {r['nonembedding_params'] / 1e6:.1f}M non-embedding"),
        ("achieved GFLOP/s", f"{r['achieved_gflops']:.1f}", "FLOPs/sample x samples/s"),
        ("peak GFLOP/s", f"{r['peak_gflops']:.1f}", f"best timed {r['dtype']} matmul {r['peak_shape']} on "
         f"{r['device']}, {r['threads']} threads"),
        ("achieved / peak", f"{r['ratio']:.2f}", ""),
        ("peak RSS", f"{r['peak_rss_mb']:,.0f} MB", "whole process, model load included"),
    ]
    if "peak_gpu_mb" in r:
        rows.append(("peak GPU memory", f"{r['peak_gpu_mb']:,.0f} MB", "torch.cuda.max_memory_allocated"))
    basis = r.get("time_to_exact_match_basis", {})
    for level, s in r.get("time_to_exact_match", {}).items():
        rows.append((f"time to {level}% exact", _seconds(s), f"train_wall_s in {metrics}"
                     + (f", measured on {basis[level]}" if basis.get(level) else "")))
    rows.append(("projection: samples/s", f"{p['samples_per_s']:,.1f}", f"Qwen2.5-7B shape, bf16, 1 H100 at "
                 f"{p['peak_tflops']:g} TFLOP/s x ratio {p['ratio']:.2f}; {p['flops_per_sample'] / 1e12:.2f} "
                 "TFLOP/sample, same tokens/sample"))
    if "time_to_target_s" in p:
        rows.append((f"projection: time to {p['target']} exact", _seconds(p["time_to_target_s"]),
                     f"{p['lm_samples_to_target']:,} samples through the LLM (LM steps x batch) / projected samples/s"))
    head = f"tomas bench: {r['model']} on {r['device']} ({r['dtype']})\n\n| metric | value | how |\n|---|---|---|\n"
    return head + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    opts, _ = parse_config(BenchConfig, argv, PRETRAIN_YAML, prog="tomas bench")
    if opts.metrics and not Path(opts.metrics).is_file():
        raise TomasError(f"--metrics {opts.metrics}: file not found")
    r = bench(opts, log=lambda *a: print(*a, file=sys.stderr))
    print(json.dumps(r) if opts.json else table(r, opts.metrics))
    return 0
