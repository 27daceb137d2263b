"""Kill pre-training with SIGKILL in the middle of its LM stage, resume with `--training.resume auto`: the
result is the uninterrupted run's (the shared `pretrained` run, same config), record by record and weight
by weight."""

from __future__ import annotations

import os
import signal
import time

import pytest
import torch

COMPARED = ("step", "loss", "anchor_loss", "anchor_exact", "train_exact", "check_exact", "exact_match", "per_field",
            "lr")


def _load(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def _mid_pass(path, pretrained) -> bool:
    """The state on disk is from the middle of the LM stage: past its first record, before its last step, mid-pass."""
    try:
        state = _load(path)
    except FileNotFoundError:
        return False
    return (state["stage"] == "lm" and pretrained.check_every < state["stage_step"] < pretrained.lm_steps - 1
            and state["batch_in_epoch"] > 0)


@pytest.fixture(scope="module")
def interrupted(pretrained, spawn, tmp_path_factory):
    """The shared run's config in another folder, SIGKILLed once a state from the middle of the LM stage (past
    its first record, mid-pass) is on disk. The run is stopped (SIGSTOP) before the state is judged, so it cannot
    write the next one, at a pass boundary, between the look and the kill."""
    out = tmp_path_factory.mktemp("resume") / "run"
    args = ["script/pretrain_encoder.py", "--config", str(pretrained.config), "--output_dir", str(out),
            "--training.num_threads", "1"]
    proc = spawn(args, out.parent / "killed.log")
    state = out / "train_state.pt"
    deadline = time.monotonic() + 240
    try:
        while True:
            finished = proc.poll() is not None
            assert not finished, "finished before the kill:\n" + (out.parent / "killed.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no mid-run train_state.pt appeared in time"
            if _mid_pass(state, pretrained):
                os.kill(proc.pid, signal.SIGSTOP)
                if _mid_pass(state, pretrained):  # still, now that nothing is written
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                os.kill(proc.pid, signal.SIGCONT)
            time.sleep(0.02)
    finally:
        if proc.poll() is None and proc.returncode is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    return out, proc.returncode


@pytest.fixture(scope="module")
def resumed(interrupted, pretrained, cli):
    out, _ = interrupted
    killed_state = _load(out / "train_state.pt")
    result = cli(["script/pretrain_encoder.py", "--config", str(pretrained.config), "--output_dir", str(out),
                  "--training.num_threads", "1", "--training.resume", "auto"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, killed_state, result


def test_kill_leaves_only_loadable_checkpoints(interrupted):
    out, returncode = interrupted
    assert returncode == -signal.SIGKILL
    state = _load(out / "train_state.pt")
    assert state["stage"] == "lm" and state["batch_in_epoch"] > 0, "the kill did not land mid-pass"
    assert "optimizer" in state and "window" in state
    pts = sorted(out.glob("*.pt"))
    assert out / "train_state.pt" in pts
    for path in pts:  # atomic writes: a kill never leaves a truncated checkpoint under its real name
        ckpt = _load(path)
        assert ckpt["format"] == "tomas.pretrained_encoder/1", path


def test_resume_continues_from_the_state(resumed):
    out, killed_state, result = resumed
    assert f"✓ Resumed from {out / 'train_state.pt'} (stage lm, step {killed_state['step']})" in result.stdout
    assert "Anchor stage" not in result.stdout  # the resumed run does not redo the finished stage


def test_resumed_run_equals_uninterrupted_run(resumed, pretrained, metrics):
    out, _, _ = resumed
    got, want = metrics(out / "pretrain_metrics.jsonl"), metrics(pretrained.out / "pretrain_metrics.jsonl")
    assert sorted(got) == sorted(want)
    for key_ in want:
        for key in COMPARED:
            if want[key_].get(key) is None:
                assert got[key_].get(key) is None, (key_, key)
            else:
                assert got[key_][key] == pytest.approx(want[key_][key], rel=1e-5, abs=1e-7), (key_, key)


@pytest.mark.parametrize("name", ["train_state.pt", "pretrained_encoder.pt", "encoder_checkpoint_epoch4.pt"])
def test_resumed_weights_equal_uninterrupted_weights(resumed, pretrained, name):
    out, _, _ = resumed
    got, want = _load(out / name), _load(pretrained.out / name)
    assert got["epoch"] == want["epoch"] and got["step"] == want["step"] and got["stage"] == want["stage"]
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
    reach_at_once = ["--training.target_exact_match", "0.0"]
    first = cli(["script/pretrain_encoder.py", "--config", str(config), *reach_at_once])
    assert first.returncode == 0, first.stderr
    assert "Target reached" in first.stdout
    done = list(metrics(tmp_path / "out" / "pretrain_metrics.jsonl"))
    assert [stage for stage, _ in done][-2:] == ["lm", "check"]  # the first sampled check passed

    again = cli(["script/pretrain_encoder.py", "--config", str(config), *reach_at_once,
                     "--training.resume", "auto"])
    assert again.returncode == 0, again.stderr
    assert "already reached its targets" in again.stdout
    assert list(metrics(tmp_path / "out" / "pretrain_metrics.jsonl")) == done
