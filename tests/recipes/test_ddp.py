"""Data parallel, both trainers through one path (accelerate's DDP): `accelerate launch` with 2 CPU
processes (gloo) of the spec's pre-training script and of the planner's, scripts unchanged.

Accounting: one optimizer step = one GLOBAL batch of batch_size x processes samples, so an
epoch has ceil(num_samples / (batch_size x processes)) steps, and 2 processes x batch 4 take
the same steps (same samples, same mean gradient, same learning-rate schedule) as the shared
single-process run with batch 8.

`accelerate launch --cpu --num_processes 2` starts ONE process (accelerate runs several CPU
processes only through mpirun); `--multi_gpu` is its torchrun launcher, which on CPU gives
2 processes on gloo.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tomas.models.self_encoding import self_encoder_from_checkpoint

PROCESSES, BATCH = 2, 4
TIMEOUT_S = 180  # a run takes ~10 s; a hang fails instead of blocking CI
REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
       "WANDB_MODE": "disabled", "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(args: list[str], script: str = "script/pretrain_encoder.py") -> subprocess.CompletedProcess:
    """`accelerate launch` 2 processes; on timeout the whole process group (launcher + workers) is killed."""
    cmd = [sys.executable, "-m", "accelerate.commands.accelerate_cli", "launch", "--multi_gpu",
           "--num_processes", str(PROCESSES), "--num_machines", "1", "--mixed_precision", "no",
           "--dynamo_backend", "no", "--main_process_port", str(free_port()), script, *args]
    proc = subprocess.Popen(cmd, cwd=REPO, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"2-process run hung (> {TIMEOUT_S} s):\n{out[-2000:]}\n{err[-3000:]}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def ddp(pretrained, tmp_path_factory):
    """The shared run's config, 2 processes x batch 4 (global batch 8, as the shared run's batches)."""
    out = tmp_path_factory.mktemp("ddp") / "run"
    result = launch(["--config", str(pretrained.config), "--output_dir", str(out), "--batch_size", str(BATCH),
                     "--training.anchor_batch_size", str(BATCH)])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, result


def stages_of(rs: list[dict]) -> list[str]:
    return [r["stage"] for i, r in enumerate(rs) if i == 0 or rs[i - 1]["stage"] != r["stage"]]


def test_steps_per_pass_count_global_batches(ddp, pretrained):
    out, result = ddp
    steps = -(-pretrained.num_rows // (BATCH * PROCESSES))
    assert f"({steps} steps/pass)..." in result.stdout
    rs = records(out / "pretrain_metrics.jsonl")
    anchor_end = max(r["step"] for r in rs if r["stage"] == "anchor")
    assert [r["step"] - anchor_end for r in rs if r["stage"] == "lm"] == \
        list(range(pretrained.check_every, pretrained.lm_steps + 1, pretrained.check_every))
    state = torch.load(out / "train_state.pt", map_location="cpu", weights_only=True)
    assert state["num_processes"] == PROCESSES and state["epoch"] == pretrained.lm_steps // steps


def test_same_steps_as_one_process_with_the_global_batch(ddp, pretrained, metrics):
    out, _ = ddp
    got, want = metrics(out / "pretrain_metrics.jsonl"), metrics(pretrained.out / "pretrain_metrics.jsonl")
    assert sorted(got) == sorted(want)
    for key in want:  # the schedules step once per optimizer step, not once per process
        assert got[key]["lr"] == pytest.approx(want[key]["lr"], rel=1e-12), key
    # same global batches and mean gradient: the first records agree to float noise (later ones drift:
    # the tiny random LLM at lr 1e-2 amplifies rounding differences)
    first_anchor, first_lm = (min(k for k in want if k[0] == stage) for stage in ("anchor", "lm"))
    assert got[first_anchor]["anchor_loss"] == pytest.approx(want[first_anchor]["anchor_loss"], rel=1e-3)
    assert got[first_lm]["loss"] == pytest.approx(want[first_lm]["loss"], rel=1e-3)


def test_metrics_every_stage_and_the_sharded_checks(ddp, pretrained):
    out, _ = ddp
    rs = records(out / "pretrain_metrics.jsonl")
    repair = next(r for r in rs if r["stage"] == "repair")
    assert stages_of(rs) == ["anchor", "lm", "check", "repair"] + (["check"] if repair["check_exact"] == 1.0 else [])
    anchor = [r for r in rs if r["stage"] == "anchor"]
    assert anchor[-1]["anchor_loss"] < anchor[0]["anchor_loss"]
    check = next(r for r in rs if r["stage"] == "check")  # the sharded check covers every configuration once
    assert 0.0 <= check["exact_match"] <= 1.0 and all(0.0 <= v <= 1.0 for v in check["per_field"].values())
    assert check["num_failures"] == round((1 - check["exact_match"]) * pretrained.num_rows)


def test_console_lines_are_not_duplicated(ddp, pretrained):
    _, result = ddp
    out = result.stdout
    once = ["Loading configuration from:", "TOMAS-LLM Encoder Pre-training", "[1/5] Loading dataset...",
            "[3/5] Building encoder", "[4/5] Training", "Anchor stage: the encoder", "LM stage: the shared",
            "Checking all", "Repair round 1:", "[5/5] Done"]
    for line in once:
        assert out.count(line) == 1, f"{line!r} x{out.count(line)}:\n{out}"
    assert "Traceback" not in result.stderr


def test_checkpoints_written_once_and_loadable(ddp, pretrained):
    out, _ = ddp
    names = {p.name for p in out.iterdir()}
    assert not [n for n in names if n.endswith(".tmp")]
    assert {"pretrained_encoder.pt", "train_state.pt", "pretrain_metrics.jsonl", "pretrain_curve.png"} <= names
    passes = pretrained.lm_steps // -(-pretrained.num_rows // (BATCH * PROCESSES))
    epochs = {n for n in names if n.startswith("encoder_checkpoint_epoch")}
    assert epochs == {f"encoder_checkpoint_epoch{e}.pt" for e in range(1, passes + 1)
                      if e % pretrained.checkpoint_freq == 0}
    for name in ["pretrained_encoder.pt", "train_state.pt", *epochs]:
        ckpt = torch.load(out / name, map_location="cpu", weights_only=True)
        model, cfg = self_encoder_from_checkpoint(ckpt)
        assert cfg.training.batch_size == BATCH and ckpt["llm_model"] == "tiny"


def test_anchor_stage_and_a_short_last_batch(pretrained, tmp_path):
    """The anchor stage leaves the soft prompt without gradients (DDP would fail); 7 samples in global
    batches of 6 end with a 1-sample batch, so one process trains a zero-weight stand-in."""
    out = tmp_path / "run"
    result = launch(["--config", str(pretrained.config), "--output_dir", str(out), "--batch_size", "3",
                     "--training.max_steps", "2", "--training.check_every_steps", "1", "--training.repair_rounds",
                     "0", "--data.tools", "[pose_estimation]"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "✓ Loaded 7 samples from 7 configs" in result.stdout
    rs = records(out / "pretrain_metrics.jsonl")
    anchor_end = max(r["step"] for r in rs if r["stage"] == "anchor")
    lm = [r for r in rs if r["stage"] == "lm"]
    assert [r["step"] - anchor_end for r in lm] == [1, 2] and all(r["loss"] > 0 for r in lm)
    assert rs[0]["loss"] is None


@pytest.fixture(scope="module")
def ddp_planner(planner_run, tmp_path_factory):
    """The shared planner run's config, 2 processes x batch 4 (global batch 8, as the shared run's)."""
    out = tmp_path_factory.mktemp("ddp_planner") / "planner"
    result = launch(["--config", str(planner_run.config), "--output_dir", str(out), "--batch_size", str(BATCH)],
                    script="script/train.py")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, result


def test_planner_takes_the_same_steps_as_one_process(ddp_planner, planner_run):
    out, result = ddp_planner
    got, want = records(out / "planner_metrics.jsonl"), records(planner_run.out / "planner_metrics.jsonl")
    assert [r["step"] for r in got] == [r["step"] for r in want]
    for g, w in zip(got, want):  # one schedule step per optimizer step, not per process
        assert g["lr"] == pytest.approx(w["lr"], rel=1e-12)
    # same global batches, DDP's mean gradient, the logged loss averaged over processes: the first
    # record (mean of the first steps) agrees with one process's to float noise
    assert got[0]["tool_loss"] == pytest.approx(want[0]["tool_loss"], rel=1e-3)
    assert got[-1]["val_tool_accuracy"] == pytest.approx(want[-1]["val_tool_accuracy"], abs=0.15)
    assert result.stdout.count("TOMAS-LLM Planner Training") == 1 and "Traceback" not in result.stderr
    assert {"planner.json", "adapter_model.safetensors", "heads.safetensors"} <= {p.name for p in out.iterdir()}
