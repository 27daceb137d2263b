"""Seeding, batch order and learning-rate schedules shared by the trainers.
"""

from __future__ import annotations

import math
import random

import torch

from tomas.config import OptimConfig


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def epoch_batches(num_samples: int, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """The epoch's shuffled batches: a function of (seed, epoch) only, so resume is exact."""
    g = torch.Generator().manual_seed(seed * 100_003 + epoch)
    perm = torch.randperm(num_samples, generator=g).tolist()
    return [perm[i:i + batch_size] for i in range(0, num_samples, batch_size)]


def every(step: int, interval: int) -> bool:
    """True on every ``interval``-th step (never when ``interval`` is 0)."""
    return bool(interval) and step % interval == 0


def lr_lambda(t: OptimConfig, total_steps: int):
    """Warm-up, then the schedule over ``total_steps`` down to ``t.min_lr_ratio`` of the peak."""

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


def bucketed_batches(lengths: list[int], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """The epoch's shuffled batches, each of similar-length prompts (little padding).

    Windows of 16 batches of the seeded permutation are sorted by length and cut into
    batches, whose order is shuffled again: a function of (seed, epoch) only, so resume is exact.
    """
    window = 16 * batch_size
    batches = []
    for perm in epoch_batches(len(lengths), window, seed, epoch):
        perm = sorted(perm, key=lambda i: lengths[i])
        batches += [perm[i:i + batch_size] for i in range(0, len(perm), batch_size)]
    g = torch.Generator().manual_seed(seed * 7919 + epoch)
    return [batches[i] for i in torch.randperm(len(batches), generator=g).tolist()]
