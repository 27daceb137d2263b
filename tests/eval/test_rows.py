"""The row probe reads what rows carry: linear codes of the fields score ~1, noise does not."""

from __future__ import annotations

import torch

from tomas.data.profiling import INPUT_SIZES, NUMERIC_FIELDS
from tomas.eval.rows import row_probe


def test_rows_that_encode_the_fields_linearly_are_read_back(default_data):
    configs = default_data.configs
    fields = torch.tensor([[float(getattr(c, f)) for f in NUMERIC_FIELDS] for c in configs], dtype=torch.float64)
    tool = torch.nn.functional.one_hot(torch.tensor([default_data.tool_id(c.tool) for c in configs])).double()
    size = torch.nn.functional.one_hot(torch.tensor([INPUT_SIZES.index(c.input_size) for c in configs])).double()
    codes = torch.cat([fields, tool, size], 1)
    codes = (codes - codes.mean(0)) / codes.std(0)  # every field on one scale in the code
    rows = codes @ torch.randn(codes.shape[1], 64, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    report = row_probe(rows + 1e-6 * torch.randn(rows.shape, dtype=torch.float64), default_data)
    assert all(r2 > 0.99 for r2 in report["r2"].values()), report["r2"]
    assert report["accuracy"] == {"tool": 1.0, "input_size": 1.0}


def test_random_rows_carry_nothing(default_data):
    rows = torch.randn(len(default_data.configs), 64, generator=torch.Generator().manual_seed(1))
    report = row_probe(rows, default_data)
    assert all(r2 < 0.2 for r2 in report["r2"].values()), report["r2"]
    assert report["accuracy"]["tool"] < 0.4  # 7 tools: chance is 1/7
