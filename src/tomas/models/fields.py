"""``fields`` slot mode: the row names each field of the value string, and the string is assembled.

The value string (``" image_classification small 4 4 50 2 77"``) shifts with the lengths of its
numbers, so a classifier per slot position has to learn that routing for every layout. Here the
expander instead classifies what is fixed: the tool, the input size and every character of every
number (left-aligned, as ``written_digits`` writes them, blank past the end). The slots are then the
value string's own tokens, put together from per-field token pieces: the frozen LLM reads real
text, and "every field right" means "every slot right". This needs a tokenizer that writes a value
string field by field (digits one token each, a space before each number), which ``value_layout``
checks for every configuration.
"""

from __future__ import annotations

import torch
from torch import nn

from tomas.data.profiling import INPUT_SIZES, NUMERIC_FIELDS
from tomas.errors import TomasError
from tomas.models.encoder import BLANK, written_digits

NUM_CLASSES = 12  # digits 0-9, DOT, BLANK


def num_int_digits(resources: torch.Tensor) -> int:
    """Integer digits of the largest number (the same rule as the featurizer's digit features)."""
    return max(1, len(str(int(resources[:, 1:].max().item()))))


def value_layout(tokenizer, tool_names: list[str], int_digits: int) -> dict:
    """Token pieces of each field value: tool names and sizes (with their leading space), the space
    before a number, and the characters 0-9 and '.'."""
    enc = lambda s: tokenizer(s, add_special_tokens=False)["input_ids"]
    space = enc(" 0")[:-1]
    chars = [enc(" " + c)[len(space):] for c in "0123456789"] + [enc(" 0.5")[len(space) + 1:-1]]
    if any(len(c) != 1 for c in chars):
        raise TomasError("model.prefix.slot_mode=fields needs a tokenizer that writes each digit as one token; "
                         "use slot_mode vocab with this LLM")
    return {"tools": [enc(" " + t) for t in tool_names], "sizes": [enc(" " + s) for s in INPUT_SIZES],
            "space": space, "chars": [c[0] for c in chars], "num_int_digits": int_digits,
            "pad": tokenizer.pad_token_id}


def layout_tokens(layout: dict) -> set[int]:
    return {*sum(layout["tools"], []), *sum(layout["sizes"], []), *layout["space"], *layout["chars"], layout["pad"]}


def field_targets(tool_ids: torch.Tensor, resources: torch.Tensor, int_digits: int) -> torch.Tensor:
    """[B, 2 + numbers x characters] class ids: tool, input size, every character of every number."""
    digits = written_digits(resources[:, 1:].double(), int_digits).flatten(1)
    return torch.cat([tool_ids[:, None].long(), resources[:, :1].round().long(), digits], dim=1)


def assemble(layout: dict, classes: list[list[int]], num_slots: int) -> list[list[int]]:
    """Field classes -> the value string's token ids, right-padded (or cut) to ``num_slots``."""
    chars, width = layout["chars"], layout["num_int_digits"] + 3
    rows = []
    for row in classes:
        ids = list(layout["tools"][row[0]]) + list(layout["sizes"][row[1]])
        for f in range(len(NUMERIC_FIELDS)):
            codes = row[2 + f * width: 2 + (f + 1) * width]
            ids += layout["space"] + [chars[c] for c in codes if c != BLANK]  # chars[DOT] is '.'
        rows.append((ids + [layout["pad"]] * num_slots)[:num_slots])
    return rows


def check_layout(layout: dict, targets: torch.Tensor, anchor_ids: torch.Tensor) -> None:
    """Every configuration's assembled tokens must be its value string's tokens (one-line error if not)."""
    built = torch.tensor(assemble(layout, targets.tolist(), anchor_ids.shape[1]))
    bad = (built != anchor_ids).any(1).nonzero().flatten().tolist()
    if bad:
        raise TomasError(f"model.prefix.slot_mode=fields: {len(bad)} value strings are not tokenised field by field "
                         f"(sample {bad[0]}); use slot_mode vocab with this LLM or data")


class FieldExpander(nn.Module):
    """One row -> field classes -> the value string's token embeddings as slots (always snapped)."""

    snap = True

    def __init__(self, hidden: int, num_slots: int, width: int, layout: dict, vocab_ids: list[int],
                 vocab_embeddings: torch.Tensor):
        super().__init__()
        self.num_slots, self.layout = num_slots, layout
        self.sizes = [len(layout["tools"]), len(layout["sizes"])]
        self.width = layout["num_int_digits"] + 3
        self.num_numbers = len(NUMERIC_FIELDS)
        out = sum(self.sizes) + self.num_numbers * self.width * NUM_CLASSES
        self.net = nn.Sequential(nn.Linear(hidden, width), nn.GELU(), nn.Linear(width, out))
        self.register_buffer("vocab_embeddings", vocab_embeddings.float().clone())
        self.index = {t: i for i, t in enumerate(vocab_ids)}

    def heads(self, logits: torch.Tensor) -> list[torch.Tensor]:
        """[tool [B, T], size [B, S], characters [B, numbers x width, 12]]."""
        tool, size, chars = logits.split([*self.sizes, logits.shape[1] - sum(self.sizes)], dim=1)
        return [tool, size, chars.reshape(len(logits), -1, NUM_CLASSES)]

    def classes(self, logits: torch.Tensor) -> torch.Tensor:
        tool, size, chars = self.heads(logits)
        return torch.cat([tool.argmax(-1, keepdim=True), size.argmax(-1, keepdim=True), chars.argmax(-1)], dim=1)

    def forward(self, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns (slots [B, k, H], field logits [B, F])."""
        logits = self.net(v)
        ids = assemble(self.layout, self.classes(logits).tolist(), self.num_slots)
        rows = torch.tensor([[self.index[t] for t in row] for row in ids], device=v.device)
        return self.vocab_embeddings[rows], logits

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean cross-entropy of the three heads, per-field correctness [B, 2 + characters])."""
        tool, size, chars = self.heads(logits.float())
        ce = nn.functional.cross_entropy
        loss = ce(tool, targets[:, 0]) + ce(size, targets[:, 1]) + ce(chars.flatten(0, 1), targets[:, 2:].flatten())
        return loss, self.classes(logits) == targets
