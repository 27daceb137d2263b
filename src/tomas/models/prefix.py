"""Pre-training adapter: shows the ONE encoder vector to the frozen LLM as a soft prefix.

The exported asset is one row per configuration; during pre-training that row is
expanded by a small trainable ``SlotExpander`` into ``num_slots`` distinct input
vectors (one vector repeated into several slots does not help, four distinct ones
learn much faster). The expander belongs to pre-training only: the row alone still
determines the whole reconstruction.

Input layout: ``[prompt text before {slots}] [soft prompt] [slots] [prompt text after]``
followed by the description tokens. An optional anchor loss ties slot ``i`` to the
``i``-th token of the compact value string (``" super_resolution small 4 4 50 2 5800"``),
so the LLM can read values back the way it reads its own tokens.
"""

from __future__ import annotations

import torch
from torch import nn

from tomas.config import PrefixConfig
from tomas.data.profiling import NUMERIC_FIELDS
from tomas.data.templates import format_number


def value_string(fields: dict) -> str:
    """The compact value string the slots are anchored to."""
    return " " + " ".join([str(fields["tool"]), str(fields["input_size"]),
                           *(format_number(fields[f]) for f in NUMERIC_FIELDS)])


class SlotExpander(nn.Module):
    """One vector -> ``num_slots`` vectors, each rescaled to the token-embedding norm."""

    def __init__(self, hidden: int, num_slots: int, width: int, embedding_norm: float):
        super().__init__()
        self.num_slots = num_slots
        self.net = nn.Sequential(nn.Linear(hidden, width), nn.GELU(), nn.Linear(width, num_slots * hidden))
        self.register_buffer("embedding_norm", torch.tensor(float(embedding_norm)))

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        slots = self.net(v).view(v.shape[0], self.num_slots, -1) + v.unsqueeze(1)
        return slots * (self.embedding_norm / slots.norm(dim=-1, keepdim=True).clamp_min(1e-6))


class PrefixAdapter(nn.Module):
    """Builds the full input embeddings ``[prompt | soft prompt | slots | prompt]`` for a batch."""

    def __init__(self, cfg: PrefixConfig, hidden: int, num_slots: int, embedding_norm: float,
                 prompt_before: list[int], prompt_after: list[int]):
        super().__init__()
        self.expander = SlotExpander(hidden, num_slots, cfg.expander_hidden, embedding_norm)
        self.soft_prompt = nn.Parameter(torch.randn(cfg.num_soft_prompt, hidden) * embedding_norm / hidden**0.5)
        self.register_buffer("prompt_before", torch.tensor(prompt_before, dtype=torch.long))
        self.register_buffer("prompt_after", torch.tensor(prompt_after, dtype=torch.long))

    @property
    def prefix_length(self) -> int:
        return len(self.prompt_before) + len(self.soft_prompt) + self.expander.num_slots + len(self.prompt_after)

    @property
    def slot_offset(self) -> int:
        return len(self.prompt_before) + len(self.soft_prompt)

    def forward(self, v: torch.Tensor, embed: nn.Embedding, with_prompt_before: bool = True):
        """Returns (prefix embeddings [B, P, H], slot vectors [B, k, H]).

        ``with_prompt_before=False`` leaves out the fixed text before the slots (its keys
        and values then come from a ``PromptCache``).
        """
        b = v.shape[0]
        slots = self.expander(v)
        dtype = embed.weight.dtype
        before = self.prompt_before if with_prompt_before else self.prompt_before[:0]
        parts = [embed(before).expand(b, -1, -1).to(dtype),
                 self.soft_prompt.to(dtype).expand(b, -1, -1),
                 slots.to(dtype),
                 embed(self.prompt_after).expand(b, -1, -1).to(dtype)]
        return torch.cat(parts, dim=1), slots


def split_prompt(prompt: str, tokenizer) -> tuple[list[int], list[int]]:
    if prompt.count("{slots}") != 1:
        raise ValueError("model.prefix.prompt must contain '{slots}' exactly once")
    before, after = prompt.split("{slots}")
    enc = lambda s: tokenizer(s, add_special_tokens=False)["input_ids"] if s else []
    return enc(before), enc(after)


def anchor_loss(slots: torch.Tensor, anchor_ids: torch.Tensor, embedding: torch.Tensor,
                scale: float = 30.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy of cosine(slot, every token embedding) * scale against the anchor tokens.

    Returns (loss, per-slot correctness [B, k]).
    """
    s = nn.functional.normalize(slots.float(), dim=-1)
    e = nn.functional.normalize(embedding.float(), dim=-1)
    logits = s @ e.T * scale
    loss = nn.functional.cross_entropy(logits.flatten(0, 1), anchor_ids.flatten())
    return loss, logits.argmax(-1) == anchor_ids
