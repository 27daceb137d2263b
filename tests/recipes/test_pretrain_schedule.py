"""The learning-rate schedule shared by pre-training and planner training (``lr_lambda``)."""

from __future__ import annotations

import pytest

from tomas.config import PretrainConfig
from tomas.training.schedule import lr_lambda


def _schedule(schedule: str, floor: float, total: int = 120):
    cfg = PretrainConfig()
    cfg.training.schedule, cfg.training.min_lr_ratio, cfg.training.warmup_steps = schedule, floor, 20
    return lr_lambda(cfg.training, total)


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
@pytest.mark.parametrize("floor", [0.05, 0.01, 0.0])
def test_decay_ends_at_the_floor_and_stays_there(schedule, floor):
    f = _schedule(schedule, floor)
    assert f(20) == pytest.approx(1.0)
    values = [f(s) for s in range(20, 400)]
    assert all(a >= b - 1e-12 for a, b in zip(values, values[1:]))  # never rises after warm-up
    assert f(120) == pytest.approx(floor) and f(399) == pytest.approx(floor)


def test_lower_floor_only_changes_the_tail():
    """Resuming with a lower floor leaves the decay before it untouched (the polish phase of docs/phase0.md)."""
    default, polish = _schedule("linear", 0.05), _schedule("linear", 0.01)
    assert [default(s) for s in range(0, 110)] == [polish(s) for s in range(0, 110)]
    assert polish(130) < default(130)


def test_warmup_rises_to_the_peak():
    f = _schedule("linear", 0.05)
    assert f(0) < f(10) < f(19) < 1.0
