"""The planner's training objective: its terms, and what each averages over, so that a global batch split over
several processes gives the gradients one process would (data parallelism averages the processes' gradients); the
contrastive term (``model.scope_contrast``, off by default) is the exception: its pairs are each process's own batch's.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from tomas.models.decoder import DecoderLogits, HierarchicalDecoder


def labelled(gold: dict) -> torch.Tensor:
    """The examples the tool, size and configuration terms learn from: in scope, not scope-only."""
    return (gold["tool"] >= 0) & ~gold["scope_only"]


def loss_counts(gold: dict) -> torch.Tensor:
    """[labelled, size said, feasible, all] examples of a batch (``targets``): the terms' denominators."""
    tool = labelled(gold)
    return torch.stack([tool.sum(), (tool & gold["size_in_text"]).sum(), (tool & (gold["config"] >= 0)).sum(),
                        torch.tensor(len(tool), device=tool.device)]).double()


CONTRAST_TEMPERATURE = 0.1
"""The contrastive term's temperature (SupCon's, Khosla et al. 2020): cosines scaled by 10."""


def contrast_loss(hidden: torch.Tensor, gold: dict) -> torch.Tensor:
    """Summed over the batch's anchors: supervised contrastive loss on the unit ``hidden`` vectors. An example's
    positives are the batch's other examples of its tool (out of scope: the other out-of-scope ones), its negatives
    every other; scope-only examples take no part, and an example with no positive in the batch is no anchor. In
    float32 under any autocast: cosines over 0.1 in bf16 would lose the differences the term learns from."""
    with torch.autocast(hidden.device.type, enabled=False):
        return _contrast_loss(hidden.float(), gold)


def _contrast_loss(hidden: torch.Tensor, gold: dict) -> torch.Tensor:
    labels = gold["tool"]  # -1 for every out-of-scope example (``targets``): one class
    part = ~gold["scope_only"] | (labels < 0)
    z = F.normalize(hidden[part], dim=-1)
    labels = labels[part]
    own = torch.eye(len(z), dtype=torch.bool, device=z.device)
    logits = (z @ z.T / CONTRAST_TEMPERATURE).masked_fill(own, float("-inf"))
    log_prob = (logits - logits.logsumexp(-1, keepdim=True)).masked_fill(own, 0.0)
    positive = (labels[:, None] == labels[None, :]) & ~own
    anchors = positive.any(-1)
    per_anchor = -(log_prob * positive).sum(-1)[anchors] / positive.sum(-1)[anchors]
    return per_anchor.sum()


def planner_loss(out: DecoderLogits, dec: HierarchicalDecoder, gold: dict, weight: float,
                 counts: torch.Tensor | None = None, hidden: torch.Tensor | None = None,
                 contrast: float = 0.0) -> tuple[torch.Tensor, dict]:
    """CE(tool) + weight·(CE(config | gold tool, gold size, fits) + CE(size | gold tool)) over the in-scope
    examples but scope-only ones (the size term over those whose text says the size) [+ BCE(out of scope) over all]
    [+ CE(preference)] [+ ``contrast``·``contrast_loss`` of the prompt vectors ``hidden``]. Each term is a sum over
    its examples divided by ``counts`` (``loss_counts`` of this batch by default; under data parallelism, of the
    global batch over the number of processes, so that a process holding fewer in-scope examples weighs them as one
    process would, not as a mean of its own; the contrastive term's pairs are each process's own batch's)."""
    n = (loss_counts(gold) if counts is None else counts).clamp_min(1).tolist()
    in_scope, tool = gold["tool"] >= 0, labelled(gold)
    zero = out.tool.new_zeros((), dtype=torch.float32)
    tool_loss = size_loss = config_loss = zero
    if tool.any():
        tool_loss = F.cross_entropy(out.tool.float()[tool], gold["tool"][tool], reduction="sum") / n[0]
    sized = tool & gold["size_in_text"]  # a size the text says: "this photo" teaches none
    if sized.any():
        size_loss = -dec.size_log_probs(out.config[sized], gold["tool"][sized]).gather(
            1, gold["size"][sized][:, None]).sum() / n[1]
    feasible = tool & (gold["config"] >= 0)  # labelled, and something fits
    if feasible.any():
        allowed = dec.allowed(gold["tool"].clamp_min(0), gold["size"].clamp_min(0), gold["free"])
        scores = dec.candidate_scores(out, allowed, gold["budget"], gold["preference"])
        config_loss = F.cross_entropy(scores[feasible], gold["config"][feasible], reduction="sum") / n[2]
    loss = tool_loss + weight * (config_loss + size_loss)
    parts = {"tool_loss": tool_loss.item(), "config_loss": config_loss.item(), "size_loss": size_loss.item()}
    if out.scope is not None:
        scope_loss = F.binary_cross_entropy_with_logits(out.scope.float(), (~in_scope).float(), reduction="sum") / n[3]
        loss = loss + scope_loss
        parts["scope_loss"] = scope_loss.item()
    if out.preference is not None:
        preference_loss = F.cross_entropy(out.preference.float(), gold["preference"], reduction="sum") / n[3]
        loss = loss + preference_loss
        parts["preference_loss"] = preference_loss.item()
    if contrast:  # summed over its anchors, divided by every example of the batch, as the scope term is
        if hidden is None:
            raise ValueError("planner_loss: the contrastive term (contrast > 0) needs the prompt vectors (hidden)")
        contrast_term = contrast_loss(hidden, gold) / n[3]
        loss = loss + contrast * contrast_term
        parts["contrast_loss"] = contrast_term.item()
    return loss, parts
