"""Kill pre-training with SIGKILL mid-epoch, resume with `--training.resume auto`: the result is the
uninterrupted run's (the shared `pretrained` run, same config), epoch by epoch and weight by weight."""

from __future__ import annotations

import os
import signal
import time

import pytest
import torch

COMPARED = ("step", "loss", "anchor_loss", "anchor_exact", "train_exact", "exact_match", "per_field", "lr")


def _load(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def _step(path) -> int | None:
    try:
        return _load(path)["step"]
    except FileNotFoundError:
        return None


@pytest.fixture(scope="module")
def interrupted(pretrained, spawn, tmp_path_factory):
    """The shared run's config in another folder, SIGKILLed once a mid-epoch state of epoch >= 2 is on disk."""
    out = tmp_path_factory.mktemp("resume") / "run"
    steps_per_epoch = -(-pretrained.num_rows // 8)
    args = ["script/pretrain_encoder.py", "--config", str(pretrained.config), "--output_dir", str(out),
            "--training.num_threads", "1"]
    proc = spawn(args, out.parent / "killed.log")
    state, metrics = out / "train_state.pt", out / "pretrain_metrics.jsonl"
    deadline = time.monotonic() + 240
    try:
        while True:
            finished = proc.poll() is not None
            assert not finished, "finished before the kill:\n" + (out.parent / "killed.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no mid-run train_state.pt appeared in time"
            step = _step(state)
            # epoch 1 is logged and epoch 2 is under way (batch 1 of its steps done)
            if step is not None and step > steps_per_epoch and metrics.is_file() and metrics.read_text().strip():
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None and proc.returncode is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    return out, proc.returncode, steps_per_epoch


@pytest.fixture(scope="module")
def resumed(interrupted, pretrained, cli):
    out, _, _ = interrupted
    killed_state = _load(out / "train_state.pt")
    result = cli(["script/pretrain_encoder.py", "--config", str(pretrained.config), "--output_dir", str(out),
                  "--training.num_threads", "1", "--training.resume", "auto"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, killed_state, result


def test_kill_leaves_only_loadable_checkpoints(interrupted, pretrained):
    out, returncode, steps_per_epoch = interrupted
    assert returncode == -signal.SIGKILL
    state = _load(out / "train_state.pt")
    total = steps_per_epoch * pretrained.num_epochs
    assert steps_per_epoch < state["step"] < total, "the kill did not land mid-run"
    assert "optimizer" in state and "epoch_stats" in state
    pts = sorted(out.glob("*.pt"))
    assert out / "train_state.pt" in pts
    for path in pts:  # atomic writes: a kill never leaves a truncated checkpoint under its real name
        ckpt = _load(path)
        assert ckpt["format"] == "tomas.pretrained_encoder/1", path


def test_resume_continues_from_the_state(resumed, interrupted):
    out, killed_state, result = resumed
    assert f"✓ Resumed from {out / 'train_state.pt'} (epoch {killed_state['epoch'] + 1}, batch " \
           f"{killed_state['batch_in_epoch']}, step {killed_state['step']})" in result.stdout
    # the resumed run does not redo the epochs already finished
    assert "Epoch 1/" not in result.stdout.split("[4/5]")[1]


def test_resumed_run_equals_uninterrupted_run(resumed, pretrained, metrics):
    out, _, _ = resumed
    got, want = metrics(out / "pretrain_metrics.jsonl"), metrics(pretrained.out / "pretrain_metrics.jsonl")
    assert sorted(got) == sorted(want) == list(range(1, pretrained.num_epochs + 1))
    for epoch in want:
        for key in COMPARED:
            assert key in want[epoch], key
            assert got[epoch][key] == pytest.approx(want[epoch][key], rel=1e-5, abs=1e-7), (epoch, key)


@pytest.mark.parametrize("name", ["train_state.pt", "pretrained_encoder.pt", "encoder_checkpoint_epoch4.pt"])
def test_resumed_weights_equal_uninterrupted_weights(resumed, pretrained, name):
    out, _, _ = resumed
    got, want = _load(out / name), _load(pretrained.out / name)
    assert got["epoch"] == want["epoch"] and got["step"] == want["step"]
    for part in ("encoder", "adapter"):
        assert got[part].keys() == want[part].keys()
        for key, tensor in want[part].items():
            torch.testing.assert_close(got[part][key], tensor, rtol=1e-5, atol=1e-6, msg=f"{name} {part}.{key}")
    if "optimizer" in want:
        for pid, s in want["optimizer"]["state"].items():
            for key, tensor in s.items():
                torch.testing.assert_close(got["optimizer"]["state"][pid][key], tensor, rtol=1e-5, atol=1e-6)


def test_a_run_that_reached_its_targets_is_not_trained_further(pretrained, make_config, cli, metrics, tmp_path):
    config = tmp_path / "done.yaml"
    config.write_text(make_config(pretrained.registry, pretrained.profiling, tmp_path / "out"))
    reach_at_once = ["--training.target_loss", "1e9", "--training.target_exact_match", "0.0"]
    first = cli(["script/pretrain_encoder.py", "--config", str(config), *reach_at_once])
    assert first.returncode == 0, first.stderr
    assert "Target loss 1000000000.0 reached" in first.stdout
    assert list(metrics(tmp_path / "out" / "pretrain_metrics.jsonl")) == [1]

    again = cli(["script/pretrain_encoder.py", "--config", str(config), *reach_at_once,
                     "--training.resume", "auto"])
    assert again.returncode == 0, again.stderr
    assert "already reached its targets" in again.stdout
    assert list(metrics(tmp_path / "out" / "pretrain_metrics.jsonl")) == [1]
