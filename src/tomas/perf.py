"""Measuring this machine and model: the matmul peak, the FLOP model of a training step through a frozen LLM
(``train_flops``, docs/benchmarks.md) and peak memory: what throughput figures are compared against."""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass, fields

import torch

from tomas.config.commands import H100_BF16_DENSE_TFLOPS  # noqa: F401  (the projection's peak: one home)


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
    """Parameters used on every token: all but the token embedding (and an untied LM head, where there is one)."""
    heads = [model.get_input_embeddings(), model.get_output_embeddings()]  # an encoder has no output head
    skip = {id(h.weight) for h in heads if h is not None}
    return sum(p.numel() for p in model.parameters() if id(p) not in skip)




@dataclass(frozen=True)
class Shape:
    """A decoder-only transformer's shape: all the FLOP formula needs."""

    hidden: int
    layers: int
    intermediate: int
    heads: int
    kv_heads: int
    vocab: int
    head_dim: int = 0
    """0 = hidden // heads."""
    qkv_bias: bool = False

    @classmethod
    def of(cls, config) -> Shape:
        """From a transformers config (LLaMA / Qwen / Mistral naming)."""
        return cls(config.hidden_size, config.num_hidden_layers, config.intermediate_size,
                   config.num_attention_heads, getattr(config, "num_key_value_heads", config.num_attention_heads),
                   config.vocab_size, getattr(config, "head_dim", 0) or 0,
                   bool(getattr(config, "attention_bias", False)))

    @property
    def attention_dim(self) -> int:
        return self.heads * (self.head_dim or self.hidden // self.heads)

    def nonembedding_params(self) -> int:
        """Weights used on every token: attention + gated MLP + norms of every layer, and the final norm."""
        kv = self.kv_heads * (self.head_dim or self.hidden // self.heads)
        attention = 2 * self.hidden * self.attention_dim + 2 * self.hidden * kv
        bias = self.attention_dim + 2 * kv if self.qkv_bias else 0
        return self.layers * (attention + bias + 3 * self.hidden * self.intermediate + 2 * self.hidden) + self.hidden


QWEN25_7B = Shape(hidden=3584, layers=28, intermediate=18944, heads=28, kv_heads=4, vocab=152064, qkv_bias=True)


@dataclass
class Work:
    """What training steps fed the frozen LLM (sums over samples)."""

    samples: int = 0
    tokens: int = 0
    """Real query positions: soft prompt + slots + text after + targets[:-1] (attention mask = 1)."""
    computed: int = 0
    """Query positions computed, padding included."""
    attention: int = 0
    """Sum over samples of T_query x T_key, T_key = cached prompt + T_query."""
    targets: int = 0
    """Positions where logits are computed (lm_forward applies the LM head only there)."""

    def __add__(self, other: Work) -> Work:
        return Work(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Work)))


def batch_work(mask: torch.Tensor, prefix: int, cached: int) -> Work:
    """``mask``: the batch's target mask [B, T]; ``prefix``: uncached prefix length; ``cached``: cached prompt."""
    query = prefix + mask[:, :-1].sum(1)
    return Work(len(mask), int(query.sum()), len(mask) * (prefix + mask.shape[1] - 1),
                int((query * (cached + query)).sum()), int(mask.sum()))


def train_flops(shape: Shape, nonembedding: int, work: Work, trainable: int) -> int:
    """FLOPs of training steps through a FROZEN LLM (see docs/benchmarks.md).

    forward:  2·N·tokens (weights) + 4·layers·d_attn·Σ T_q·T_k (QKᵀ and AV) + 2·hidden·vocab·targets (LM head)
    backward: only input gradients flow through the frozen weights (dX = dY·Wᵀ, no dW): 2·N·tokens + LM head
              again; attention needs dQ, dK and dV (4 products): twice its forward
    encoder:  6·trainable parameters per sample (forward, input and weight gradients)
    """
    weights = 2 * nonembedding * work.tokens
    attention = 4 * shape.layers * shape.attention_dim * work.attention
    head = 2 * shape.hidden * shape.vocab * work.targets
    return (weights + attention + head) + (weights + 2 * attention + head) + 6 * trainable * work.samples


def peak_gflops(shape: Shape, tokens: int, targets: int, dtype, device, min_time: float) -> tuple[float, str]:
    """This machine's best GFLOP/s over the model's own weight products at one step's token counts:
    MLP up / down and attention projection at ``tokens`` rows, LM head at ``targets`` rows."""
    h = shape.hidden
    products = [(tokens, h, shape.intermediate), (tokens, shape.intermediate, h), (tokens, h, shape.attention_dim),
                (targets, h, shape.vocab)]
    return max((matmul_gflops(m, k, n, dtype, device, min_time), f"[{m}, {k}] x [{k}, {n}]")
               for m, k, n in products)


def peak_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux
