"""Out of scope by nearest neighbours (``model.scope_rule: nearest``).

The scope head is one linear boundary over the prompt vector; requests no tool serves come in many
unlike kinds (errands, other capabilities), each a small cluster of its own. ``NearestScope`` keeps the
training requests' vectors (of their words, of their whole prompts, or both side by side: ``model.scope_text``) and
scores a request's vectors of the same text by how much nearer (cosine) its nearest out-of-scope training request
is than its nearest in-scope one, averaged over the views: above 0 it is nearer a refusal. Chosen on validation
over the head's probability (docs/planner.md, "Out of scope by nearest neighbours").
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

BOUNDARY = 0.0
"""The score's own decision boundary (equally near both kinds): the threshold of a planner that chose none. A trained
planner's is chosen on validation with no floor, below it too where validation's in-scope requests allow it
(``HierarchicalDecoder.scope_floor``; docs/planner.md, "The sixth writer's requests and no floor under the refusal
threshold")."""

VIEWS = {"span_prompt": 2}
"""How many vectors of each request a memory that reads this (``model.scope_text``) holds side by side (others: 1):
``span_prompt``, its words' mean and its prompt's vector, both from the decoder's one pass."""
READS_SPAN = ("span", "span_prompt")
"""The memories that read the words' span of the decoder's pass (the reader is given the words' tokens)."""


class NearestScope(nn.Module):
    """``forward(hidden [B, V*H]) -> [B]`` the nearest out-of-scope training request's cosine minus the nearest
    in-scope one's, the mean over the V views (``VIEWS``: each view's nearest found on its own). ``bank`` [N, V*H]:
    the training requests' vectors; ``inside`` [N]: which are in scope (both kinds must be there); ``reads``:
    ``model.scope_text``. Stored as unit vectors (each view) in half precision (a few MB for thousands of requests)."""

    def __init__(self, bank: torch.Tensor, inside: torch.Tensor, reads: str = "prompt"):
        super().__init__()
        self.reads = reads
        """What its vectors (and so a request's) are the reader's vector of: ``model.scope_text``."""
        inside = inside.bool()
        if len(bank) != len(inside) or bool(inside.all()) or not bool(inside.any()):
            raise ValueError(f"scope_memory.inside has {len(inside)} flags ({int(inside.sum())} in scope) for "
                             f"{len(bank)} requests: a memory needs one a request, and requests in and out of scope")
        if bank.shape[-1] % self.views:
            raise ValueError(f"a memory that reads {reads} holds {self.views} vectors a request, side by side")
        self.register_buffer("bank", torch.cat([F.normalize(v, dim=-1) for v in self.split(bank)], -1).half())
        self.register_buffer("inside", inside)

    @property
    def views(self) -> int:
        """How many vectors of each request it holds side by side (``VIEWS``)."""
        return VIEWS.get(self.reads, 1)

    @classmethod
    def empty(cls, num: int, hidden: int, reads: str = "prompt") -> NearestScope:
        """A memory of ``num`` requests to load saved buffers into, each view as wide as the reader (``hidden``): a
        saved bank of another width is then refused by its shape where it is loaded."""
        return cls(torch.ones(num, VIEWS.get(reads, 1) * hidden), torch.arange(num) > 0, reads)

    @classmethod
    def saved(cls, bank: torch.Tensor, inside: torch.Tensor | None, hidden: int, reads: str) -> NearestScope:
        """``empty`` for a saved planner's ``bank`` and ``inside`` (loaded into it after), refusing a damaged pair
        (ValueError naming the tensor): a wrong width is refused by the shape where they are loaded."""
        if bank.dim() != 2 or inside is None or inside.shape != bank.shape[:1]:
            flags = "no scope_memory.inside" if inside is None else f"scope_memory.inside {tuple(inside.shape)}"
            raise ValueError(f"scope_memory.bank has shape {tuple(bank.shape)} and {flags}: a memory holds a row and "
                             "a flag a training request")
        return cls(torch.ones(len(bank), VIEWS.get(reads, 1) * hidden), inside, reads)

    def extended(self, bank: torch.Tensor, inside: torch.Tensor) -> NearestScope:
        """This memory plus more vectors (e.g. an added tool's requests, in scope), [M, V*H] in its views' order
        (``models.planner.scope_states``)."""
        return NearestScope(torch.cat([self.bank.float(), bank.to(self.bank.device).float()]),
                            torch.cat([self.inside, inside.to(self.inside.device).bool()]), self.reads)

    def split(self, vectors: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """[..., V*H] -> V tensors [..., H] (float)."""
        return vectors.float().chunk(self.views, -1)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        margins = []
        for request, bank in zip(self.split(hidden), self.split(self.bank)):
            sim = F.normalize(request, dim=-1) @ bank.T
            nearest_in = sim.masked_fill(~self.inside, -2.0).max(-1).values
            nearest_out = sim.masked_fill(self.inside, -2.0).max(-1).values
            margins.append(nearest_out - nearest_in)
        return margins[0] if len(margins) == 1 else torch.stack(margins).mean(0)


def scope_vectors(memory: NearestScope | None, hidden: torch.Tensor, scope_hidden: torch.Tensor | None) -> torch.Tensor:
    """What ``memory`` scores: ``scope_hidden``, the requests' words' vectors, where it reads them (``span`` or
    ``task``), beside the prompts' ``hidden`` (``span_prompt``), else ``hidden``. Such a memory given none is a
    caller's bug, not a silent fallback."""
    if memory is None or memory.reads == "prompt":
        return hidden
    if scope_hidden is None:
        raise ValueError(f"this planner's scope memory reads the request's words (model.scope_text: {memory.reads}): "
                         "pass their vectors as scope_hidden, as models.planner.predict_requests does")
    return torch.cat([scope_hidden, hidden], -1) if memory.reads == "span_prompt" else scope_hidden
