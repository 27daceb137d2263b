"""ResourceEncoder: (tool id, 6-D resource vector) -> ONE vector in the LLM's input space.

- Stream A (frozen): the LLM's own token embeddings of the tool's name, mean-pooled;
  precomputed per tool and stored as a buffer (the embedding matrix is not kept).
- Stream B (trainable): ``ResourceMLP`` over featurised resources: standardised
  log-values, Fourier features of them, and one-hot decimal digits (so exact values can
  be read back).
- Fusion (trainable): multi-head self-attention over the two stream tokens, residual +
  LayerNorm, mean-pooled, then rescaled to the mean norm of the LLM's token embeddings.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from tomas.config import EncoderConfig
from tomas.data.profiling import INPUT_SIZES

DOT, BLANK = 10, 11


def written_digits(values: torch.Tensor, num_int_digits: int) -> torch.Tensor:
    """The characters of each number as a person writes it (``format_number``), left-aligned.

    ``5800 -> 5 8 0 0 _ _``, ``0.5 -> 0 . 5 _ _ _``: codes 0-9 for digits, ``DOT``, ``BLANK``;
    [..., num_int_digits + 3] (two decimals at most). Left alignment matches the order
    in which the LLM writes the digits, so slot i can read character i directly.
    """
    scaled = torch.round(values.double() * 100).long()
    int_part, frac = scaled // 100, scaled % 100
    n_int = torch.ones_like(int_part)
    for k in range(1, num_int_digits):
        n_int += (int_part >= 10**k).long()
    n_frac = torch.where(frac == 0, 0, torch.where(frac % 10 == 0, 1, 2))
    frac = torch.where(n_frac == 1, frac // 10, frac)
    pos = torch.arange(num_int_digits + 3, device=values.device).expand(*values.shape, -1)
    n_int_, n_frac_ = n_int.unsqueeze(-1), n_frac.unsqueeze(-1)
    int_digit = (int_part.unsqueeze(-1) // 10 ** (n_int_ - 1 - pos).clamp_min(0)) % 10
    frac_digit = (frac.unsqueeze(-1) // 10 ** (n_frac_ - 1 - (pos - n_int_ - 1)).clamp_min(0)) % 10
    out = torch.full_like(pos, BLANK)
    out = torch.where(pos < n_int_, int_digit, out)
    out = torch.where((pos == n_int_) & (n_frac_ > 0), DOT, out)
    frac_pos = (pos > n_int_) & (pos <= n_int_ + n_frac_)
    return torch.where(frac_pos, frac_digit, out)


class ResourceFeaturizer(nn.Module):
    """6-D ``[input_size code, cpu, mem, sm, gpu mem, latency]`` -> feature vector.

    Statistics come from the training configurations and are saved with the weights.
    """

    def __init__(self, resources: torch.Tensor, num_frequencies: int, digit_features: bool):
        super().__init__()
        numeric = torch.log1p(resources[:, 1:].double())
        self.register_buffer("mean", numeric.mean(0).float())
        self.register_buffer("std", numeric.std(0, unbiased=False).clamp_min(1e-3).float())
        max_int = resources[:, 1:].max().item()
        # digit positions 10^-2 .. 10^(n-1): enough integer digits for the largest value
        self.num_int_digits = max(1, len(str(int(max_int))))
        self.num_frequencies = num_frequencies
        self.digit_features = digit_features
        self.register_buffer("frequencies", math.pi * 2.0 ** torch.arange(num_frequencies).float())

    @property
    def dim(self) -> int:
        n = 5
        digits = n * 12 * (self.num_int_digits + 3) if self.digit_features else 0
        return len(INPUT_SIZES) + n + 2 * n * self.num_frequencies + digits

    def forward(self, resources: torch.Tensor) -> torch.Tensor:
        size = nn.functional.one_hot(resources[:, 0].round().long().clamp(0, len(INPUT_SIZES) - 1),
                                     len(INPUT_SIZES)).float()
        values = resources[:, 1:].float()
        z = (torch.log1p(values) - self.mean) / self.std
        feats = [size, z]
        if self.num_frequencies:
            angles = z.unsqueeze(-1) * self.frequencies
            feats += [torch.sin(angles).flatten(1), torch.cos(angles).flatten(1)]
        if self.digit_features:
            feats.append(nn.functional.one_hot(written_digits(values, self.num_int_digits), 12).float().flatten(1))
        return torch.cat(feats, dim=1)


class ResourceMLP(nn.Module):
    """Stream B: featurised resources -> hidden, plus (``linear_skip``) a linear path that carries the digit
    features straight through: reading exact values back is then a near-linear map, learnt in seconds."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int, linear_skip: bool = False):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU(),
                                 nn.Linear(hidden, out_dim))
        self.skip = nn.Linear(in_dim, out_dim, bias=False) if linear_skip else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x) + (self.skip(x) if self.skip is not None else 0)


class ResourceEncoder(nn.Module):
    def __init__(self, cfg: EncoderConfig, tool_vectors: torch.Tensor, resources: torch.Tensor,
                 embedding_norm: float):
        super().__init__()
        hidden = tool_vectors.shape[1]
        if hidden % cfg.num_heads:
            raise ValueError(f"model.encoder.num_heads={cfg.num_heads} does not divide the hidden size {hidden}")
        self.register_buffer("tool_vectors", tool_vectors.float().clone())
        self.register_buffer("embedding_norm", torch.tensor(float(embedding_norm)))
        self.featurizer = ResourceFeaturizer(resources, cfg.num_frequencies, cfg.digit_features)
        self.resource_mlp = ResourceMLP(self.featurizer.dim, cfg.mlp_hidden, hidden, cfg.linear_skip)
        self.fusion = nn.MultiheadAttention(hidden, cfg.num_heads, batch_first=True)
        self.norm = nn.LayerNorm(hidden)

    @property
    def hidden_size(self) -> int:
        return self.tool_vectors.shape[1]

    def forward(self, tool_id: torch.Tensor, resources: torch.Tensor) -> torch.Tensor:
        return self.encode(self.tool_vectors[tool_id], resources)

    def encode(self, stream_a: torch.Tensor, resources: torch.Tensor) -> torch.Tensor:
        """[batch, hidden] Stream A vectors + [batch, 6] resources -> [batch, hidden]: also for a tool
        the encoder never saw (its Stream A from ``tool_anchor_vectors``)."""
        stream_b = self.resource_mlp(self.featurizer(resources))
        tokens = torch.stack([stream_a, stream_b], dim=1)
        fused = self.norm(tokens + self.fusion(tokens, tokens, tokens, need_weights=False)[0]).mean(1)
        return fused * (self.embedding_norm / fused.norm(dim=-1, keepdim=True).clamp_min(1e-6))


@torch.no_grad()
def tool_anchor_vectors(llm, tools, with_description: bool = False) -> torch.Tensor:
    """Stream A: mean of the LLM's token embeddings of each tool's name (no padding counted)."""
    emb = llm.embeddings.weight
    rows = []
    for tool in tools:
        text = tool.name.replace("_", " ") + (f": {tool.description}" if with_description else "")
        ids = llm.tokenizer(text, add_special_tokens=False)["input_ids"]
        rows.append(emb[torch.tensor(ids, device=emb.device)].float().mean(0))
    return torch.stack(rows).cpu()


@torch.no_grad()
def mean_embedding_norm(llm) -> float:
    return llm.embeddings.weight.float().norm(dim=-1).mean().item()


def build_encoder(cfg: EncoderConfig, llm, tools, resources: torch.Tensor) -> ResourceEncoder:
    return ResourceEncoder(cfg, tool_anchor_vectors(llm, tools, cfg.anchor_description), resources,
                           mean_embedding_norm(llm))
