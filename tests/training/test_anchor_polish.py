"""The anchor stage's polish steps: past its cap, every batch holds the configurations still wrong."""

from __future__ import annotations

from pathlib import Path

import torch
import yaml

from tomas.config import PretrainConfig, parse_config
from tomas.training.phase0 import Phase0Trainer
from tomas.training.phase0_setup import setup

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/other"


def _trainer(tmp_path: Path, polish: int) -> Phase0Trainer:
    torch.set_num_threads(1)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({
        "data": {"tool_registry": str(FIXTURE / "tools.json"), "profiling_data": str(FIXTURE / "profiling.csv")},
        "model": {"llm_model": "tiny", "encoder": {"num_heads": 4, "mlp_hidden": 64},
                  "prefix": {"num_soft_prompt": 2, "expander_hidden": 64}},
        "training": {"anchor_batch_size": 8, "anchor_max_steps": 2, "anchor_check_every": 1,
                     "anchor_polish_steps": polish, "device": "cpu", "save_every_steps": 0, "checkpoint_freq": 0},
        "output_dir": str(tmp_path / "out")}))
    cfg, _ = parse_config(PretrainConfig, ["--config", str(tmp_path / "c.yaml")], None)
    return Phase0Trainer(setup(cfg, log=lambda *_: None), log=lambda *_: None)


def test_polish_steps_train_on_the_still_wrong_configurations(tmp_path, monkeypatch):
    trainer = _trainer(tmp_path, polish=3)
    batches = []
    original = trainer.train_global_batch
    monkeypatch.setattr(trainer, "train_global_batch", lambda idx, use_lm: (batches.append(list(idx)),
                                                                            original(idx, use_lm)))
    wrong_at_cap = []
    check = trainer.anchor_check

    def recorded_check() -> float:
        right = check()
        wrong_at_cap.append(list(trainer.anchor_wrong))
        return right

    monkeypatch.setattr(trainer, "anchor_check", recorded_check)
    trainer.fit_anchor()
    assert trainer.stage == "lm" and len(batches) == 5  # 2 capped steps + 3 polish steps (the tiny model stays wrong)
    for step in (2, 3, 4):  # each polish batch starts with the configurations wrong at the check before it
        wrong = wrong_at_cap[step - 1][:4]
        assert batches[step][:len(wrong)] == wrong and len(set(batches[step])) == len(batches[step]) == 8


def test_no_polish_ends_at_the_cap(tmp_path):
    trainer = _trainer(tmp_path, polish=0)
    trainer.fit_anchor()
    assert trainer.stage == "lm" and trainer.step == 2
