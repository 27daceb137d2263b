"""Pre-training adapter: shows the ONE encoder vector to the frozen LLM as a soft prefix.

The exported asset is one row per configuration; during pre-training that row is
expanded by a small trainable ``SlotExpander`` into ``num_slots`` distinct input
vectors (one vector repeated into several slots does not help, four distinct ones
learn much faster). The expander belongs to pre-training only: the row alone still
determines the whole reconstruction.

Input layout: ``[prompt text before {slots}] [soft prompt] [slots] [soft suffix] [prompt text after]``
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
from tomas.models.fields import FieldExpander


def value_string(fields: dict) -> str:
    """The compact value string the slots are anchored to."""
    return " " + " ".join([str(fields["tool"]), str(fields["input_size"]),
                           *(format_number(fields[f]) for f in NUMERIC_FIELDS)])


class SlotExpander(nn.Module):
    """One vector -> ``num_slots`` input vectors.

    ``slot_mode``:
    - ``free``: each slot is any vector, rescaled to the token-embedding norm;
    - ``vocab``: the logits of a classifier over the tokens that occur in value strings
      (``vocab_ids``) pick each slot's token; the anchor loss trains them (no LLM, no
      full-vocabulary product, so it costs almost nothing). With ``snap`` the slot IS that
      token's embedding, so the frozen LLM reads real tokens and its part is one shared
      behaviour (copying values into the description); without it the slot is the softmax
      mixture plus a free residual (zero at init) that the LM loss can move.
    """

    def __init__(self, hidden: int, num_slots: int, width: int, embedding_norm: float, slot_mode: str = "free",
                 vocab_embeddings: torch.Tensor | None = None, snap: bool = False):
        super().__init__()
        self.num_slots, self.slot_mode = num_slots, slot_mode
        self.snap = snap and slot_mode == "vocab"
        out = len(vocab_embeddings) if slot_mode == "vocab" else hidden
        self.net = nn.Sequential(nn.Linear(hidden, width), nn.GELU(), nn.Linear(width, num_slots * out))
        self.register_buffer("embedding_norm", torch.tensor(float(embedding_norm)))
        if slot_mode == "vocab":
            self.register_buffer("vocab_embeddings", vocab_embeddings.float().clone())
        if slot_mode == "vocab" and not self.snap:
            self.residual = nn.Linear(width, num_slots * hidden)
            nn.init.zeros_(self.residual.weight)
            nn.init.zeros_(self.residual.bias)

    def forward(self, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Returns (slots [B, k, H], mixture logits [B, k, V] or None)."""
        if self.slot_mode == "vocab":
            h = self.net[:2](v)
            logits = self.net[2](h).view(v.shape[0], self.num_slots, -1)
            if self.snap:  # exact token embeddings; the anchor loss alone trains the logits
                return self.vocab_embeddings[logits.argmax(-1)], logits
            residual = self.residual(h).view(v.shape[0], self.num_slots, -1)
            return logits.softmax(-1) @ self.vocab_embeddings + residual, logits
        out = self.net(v).view(v.shape[0], self.num_slots, -1)
        slots = out + v.unsqueeze(1)
        return slots * (self.embedding_norm / slots.norm(dim=-1, keepdim=True).clamp_min(1e-6)), None


class RowSlot(nn.Module):
    """``row`` mode: the row itself is the one slot (no expander): what the LLM reads in training is exactly
    the exported row, so the read-back needs nothing but the row and the shared prompt around it."""

    num_slots, snap = 1, False

    def forward(self, v: torch.Tensor) -> tuple[torch.Tensor, None]:
        return v[:, None, :], None


class PrefixAdapter(nn.Module):
    """Builds the full input embeddings ``[prompt | soft prompt | slots | prompt]`` for a batch."""

    def __init__(self, cfg: PrefixConfig, hidden: int, num_slots: int, embedding_norm: float,
                 prompt_before: list[int], prompt_after: list[int], vocab_ids: list[int],
                 vocab_embeddings: torch.Tensor, layout: dict | None = None):
        super().__init__()
        if cfg.slot_mode == "row":
            self.expander = RowSlot()
        elif cfg.slot_mode == "fields":
            self.expander = FieldExpander(hidden, num_slots, cfg.expander_hidden, layout, vocab_ids,
                                          vocab_embeddings)
        else:
            self.expander = SlotExpander(hidden, num_slots, cfg.expander_hidden, embedding_norm, cfg.slot_mode,
                                         vocab_embeddings, cfg.snap_slots)
        self.register_buffer("vocab_ids", torch.tensor(vocab_ids, dtype=torch.long))
        self.soft_prompt = nn.Parameter(torch.randn(cfg.num_soft_prompt, hidden) * embedding_norm / hidden**0.5)
        # after the slots, read by every description token: where the LLM can unpack one row
        self.soft_suffix = nn.Parameter(torch.randn(cfg.num_soft_suffix, hidden) * embedding_norm / hidden**0.5)
        self.register_buffer("prompt_before", torch.tensor(prompt_before, dtype=torch.long))
        self.register_buffer("prompt_after", torch.tensor(prompt_after, dtype=torch.long))

    @property
    def prefix_length(self) -> int:
        return (len(self.prompt_before) + len(self.soft_prompt) + self.expander.num_slots + len(self.soft_suffix)
                + len(self.prompt_after))

    def forward(self, v: torch.Tensor, embed: nn.Embedding, with_prompt_before: bool = True,
                with_soft_prompt: bool = True):
        """Returns (prefix embeddings [B, P, H], (slots [B, k, H], mixture logits or None)).

        ``with_prompt_before=False`` leaves out the fixed text before the slots, and
        ``with_soft_prompt=False`` the soft prompt too (their keys and values then come from a
        ``PromptCache``).
        """
        b = v.shape[0]
        slots, logits = self.expander(v)
        dtype = embed.weight.dtype
        before = self.prompt_before if with_prompt_before else self.prompt_before[:0]
        soft = self.soft_prompt if with_soft_prompt else self.soft_prompt[:0]
        parts = [embed(before).expand(b, -1, -1).to(dtype),
                 soft.to(dtype).expand(b, -1, -1),
                 slots.to(dtype),
                 self.soft_suffix.to(dtype).expand(b, -1, -1),
                 embed(self.prompt_after).expand(b, -1, -1).to(dtype)]
        return torch.cat(parts, dim=1), (slots, logits)

    def anchor_loss(self, slot_out: tuple, anchor_ids: torch.Tensor, embedding: torch.Tensor):
        """(loss, per-slot correctness [B, k]) of the slots against their anchor tokens (fields mode: against
        the field classes, per field)."""
        slots, logits = slot_out
        if isinstance(self.expander, FieldExpander):
            return self.expander.loss(logits, anchor_ids)
        if logits is None:
            return anchor_loss(slots, anchor_ids, embedding)
        target = (anchor_ids.unsqueeze(-1) == self.vocab_ids).float().argmax(-1)
        loss = nn.functional.cross_entropy(logits.flatten(0, 1).float(), target.flatten())
        return loss, logits.argmax(-1) == target


def split_prompt(prompt: str, tokenizer) -> tuple[list[int], list[int]]:
    if prompt.count("{slots}") != 1:
        raise ValueError("model.prefix.prompt must contain '{slots}' exactly once")
    before, after = prompt.split("{slots}")
    enc = lambda s: tokenizer(s, add_special_tokens=False)["input_ids"] if s else []
    return enc(before), enc(after)


def anchor_loss(slots: torch.Tensor, anchor_ids: torch.Tensor, embedding: torch.Tensor,
                scale: float = 30.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Pull each slot onto its anchor token's embedding.

    Cross-entropy of cosine(slot, every token embedding) * ``scale`` (the right token
    must win) plus the cosine distance to the anchor's own embedding (and sit on it:
    digit embeddings are close to each other, so winning alone leaves them ambiguous).
    Returns (loss, per-slot correctness [B, k]).
    """
    s = nn.functional.normalize(slots.float(), dim=-1)
    e = nn.functional.normalize(embedding.float(), dim=-1)
    logits = s @ e.T * scale
    ce = nn.functional.cross_entropy(logits.flatten(0, 1), anchor_ids.flatten())
    distance = 1 - (s * e[anchor_ids]).sum(-1).mean()
    return ce + distance, logits.argmax(-1) == anchor_ids
