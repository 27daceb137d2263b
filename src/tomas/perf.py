"""Measuring this machine and model: the matmul peak and the FLOPs that throughput figures are compared against.
"""

from __future__ import annotations

import time

import torch


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_gflops(m: int, k: int, n: int, dtype: torch.dtype, device: torch.device, min_time: float) -> float:
    """GFLOP/s of a timed [m, k] x [k, n] matmul (2 warm-up products, then at least ``min_time`` s)."""
    a, b = torch.randn(m, k, dtype=dtype, device=device), torch.randn(k, n, dtype=dtype, device=device)
    for _ in range(2):
        a @ b
    synchronize(device)
    reps, t0 = 0, time.perf_counter()
    while reps < 3 or time.perf_counter() - t0 < min_time:
        a @ b
        reps += 1
        if reps % 8 == 0:
            synchronize(device)
    synchronize(device)
    return 2 * m * k * n * reps / (time.perf_counter() - t0) / 1e9


def count_nonembedding(model: torch.nn.Module) -> int:
    """Parameters used on every token: all but the token embedding (and an untied LM head)."""
    skip = {id(model.get_input_embeddings().weight), id(model.get_output_embeddings().weight)}
    return sum(p.numel() for p in model.parameters() if id(p) not in skip)
