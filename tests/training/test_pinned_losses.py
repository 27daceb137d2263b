"""Pinned losses: a few steps of each Phase 0 recipe on the tiny model, in process, one thread, seed 0. A change
to the data, the model, the loss or the optimiser that moves these numbers fails here, not silently; a deliberate
change re-pins them (run this file with ``TOMAS_PRINT_LOSSES=1`` to print the new values)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
import yaml

from tomas.config import PretrainConfig, parse_config
from tomas.training.phase0 import Phase0Trainer
from tomas.training.phase0_setup import setup

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests/fixtures/other"

# (recipe flags, anchor-stage losses at its steps 1..3, LM-stage losses at its steps 1..3)
PINNED = {
    "fields": ([], [4.67661, 4.63752, 4.4618], [18.16507, 18.37794, 17.51993]),
    "row": (["--model.prefix.slot_mode", "row", "--model.prefix.num_soft_suffix", "2"], [],
            [17.27344, 17.49969, 17.57091]),
}


def _losses(tmp_path: Path, flags: list[str]) -> tuple[list[float], list[float]]:
    torch.set_num_threads(1)
    cfg_file = tmp_path / "tiny.yaml"
    cfg_file.write_text(yaml.safe_dump({
        "data": {"tool_registry": str(FIXTURE / "tools.json"), "profiling_data": str(FIXTURE / "profiling.csv")},
        "model": {"llm_model": "tiny", "encoder": {"num_heads": 4, "mlp_hidden": 64},
                  "prefix": {"num_soft_prompt": 2, "expander_hidden": 64}},
        "training": {"anchor_batch_size": 8, "batch_size": 4, "learning_rate": 5.0e-4, "warmup_steps": 20,
                     "device": "cpu", "seed": 0, "save_every_steps": 0,
                     "checkpoint_freq": 0},
        "output_dir": str(tmp_path / "out")}))
    cfg, _ = parse_config(PretrainConfig, ["--config", str(cfg_file), *flags], None)
    trainer = Phase0Trainer(setup(cfg, log=lambda *_: None), log=lambda *_: None)
    anchor, lm = [], []
    for step in range(3):
        if trainer.anchor_weight > 0:
            g = torch.Generator().manual_seed(step)
            trainer.window = dict.fromkeys(trainer.window, 0.0)
            trainer.train_global_batch(torch.randperm(len(trainer.setup.samples), generator=g)[:8].tolist(), False)
            anchor.append(trainer.window["anchor_sum"] / trainer.window["count"])
        trainer.window = dict.fromkeys(trainer.window, 0.0)
        trainer.train_global_batch(list(range(4 * step, 4 * step + 4)), True)
        lm.append(trainer.window["loss_sum"] / trainer.window["count"])
    return anchor, lm


@pytest.mark.parametrize("recipe", sorted(PINNED))
def test_the_first_steps_lose_what_they_always_lost(recipe, tmp_path):
    flags, anchor_pinned, lm_pinned = PINNED[recipe]
    anchor, lm = _losses(tmp_path, flags)
    if os.environ.get("TOMAS_PRINT_LOSSES"):
        print(f"\n{recipe}: anchor {[round(x, 5) for x in anchor]} lm {[round(x, 5) for x in lm]}")
    assert anchor == pytest.approx(anchor_pinned, rel=1e-3)
    assert lm == pytest.approx(lm_pinned, rel=1e-3)
