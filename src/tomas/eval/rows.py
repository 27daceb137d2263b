"""What the exported configuration rows carry, read by linear probes.

A linear map (ridge least squares on standardised rows, with a bias) is fitted on a seeded 80%
of the rows and scored on the other 20%: R² per numeric field of the configuration, and
accuracy (argmax of one-hot least squares) for its tool and input size. Rows that carry a
field linearly score near 1 on it; rows that carry nothing score near 0 (R² can go below 0).
"""

from __future__ import annotations

import torch

from tomas.data import ToolData
from tomas.data.profiling import INPUT_SIZES, NUMERIC_FIELDS


def _ridge(x: torch.Tensor, y: torch.Tensor, ridge: float) -> torch.Tensor:
    a = x.T @ x + ridge * torch.eye(x.shape[1], dtype=x.dtype)
    return torch.linalg.solve(a, x.T @ y)


def row_probe(rows: torch.Tensor, data: ToolData, seed: int = 0, test_share: float = 0.2,
              ridge: float = 1.0) -> dict:
    """``rows`` [num_configs, hidden] (config order) -> {"r2": {field: R²}, "accuracy": {"tool", "input_size"}}."""
    n = rows.shape[0]
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    test, train = order[:max(1, round(n * test_share))], order[max(1, round(n * test_share)):]
    x = rows.double()
    mean, std = x[train].mean(0), x[train].std(0).clamp_min(1e-8)
    x = torch.cat([(x - mean) / std, torch.ones(n, 1, dtype=x.dtype)], 1)
    out: dict = {"num_train": len(train), "num_test": len(test), "r2": {}, "accuracy": {}}
    for field in NUMERIC_FIELDS:
        y = torch.tensor([float(getattr(c, field)) for c in data.configs], dtype=torch.float64)
        pred = x[test] @ _ridge(x[train], y[train], ridge)
        sst = ((y[test] - y[test].mean()) ** 2).sum().clamp_min(1e-12)
        out["r2"][field] = float(1 - ((y[test] - pred) ** 2).sum() / sst)
    for name, labels, k in (("tool", [data.tool_id(c.tool) for c in data.configs], len(data.tools)),
                            ("input_size", [INPUT_SIZES.index(c.input_size) for c in data.configs], len(INPUT_SIZES))):
        y = torch.nn.functional.one_hot(torch.tensor(labels), k).double()
        pred = (x[test] @ _ridge(x[train], y[train], ridge)).argmax(1)
        out["accuracy"][name] = float((pred == torch.tensor(labels)[test]).double().mean())
    return out
