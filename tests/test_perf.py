"""The FLOP model's parameter count on a text encoder: it has no output head (the server's /healthz counts it)."""

from __future__ import annotations

import torch

from tomas.perf import count_nonembedding


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(100, 8)
        self.layer = torch.nn.Linear(8, 8)

    def get_input_embeddings(self):
        return self.embed

    def get_output_embeddings(self):
        return None


def test_an_encoder_without_an_output_head_counts_all_but_its_embedding():
    assert count_nonembedding(Encoder()) == 8 * 8 + 8
