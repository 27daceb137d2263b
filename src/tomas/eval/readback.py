"""Read-back of Phase 0: does the frozen LLM reproduce each configuration's description from its one vector?

Scoring (exact match, per field), teacher-forced checks, greedy generation from the exported
rows, nearest-neighbour self-match.
"""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

from tomas.data import ToolData
from tomas.data.pretrain_dataset import collate, fields_of, jitter_value, make_samples
from tomas.data.profiling import NUMERIC_FIELDS
from tomas.data.templates import FIELDS, format_number, parse_fields, render


def _truth(config) -> dict[str, str]:
    f = fields_of(config)
    return {k: format_number(f[k]) if k in NUMERIC_FIELDS else str(f[k]) for k in FIELDS}


def score(texts: list[str], data: ToolData, worst: int = 10, exact: list[bool] | None = None) -> dict:
    """Exact match of whole descriptions and per-field accuracy of ``texts`` (config order).

    A text is exact when it equals the description (surrounding whitespace aside), or, with
    ``exact``, when that flag says so: the teacher-forced check knows whether every token up to
    and including end-of-sequence was the argmax, which the decoded text alone does not show
    (a newline predicted in place of end-of-sequence decodes to the same stripped text)."""
    per_field = dict.fromkeys(FIELDS, 0)
    num_exact, failures, wrong_ids = 0, [], []
    for i, (config, text) in enumerate(zip(data.configs, texts)):
        target = render(fields_of(config))
        truth, got = _truth(config), parse_fields(text)
        wrong = [f for f in FIELDS if got.get(f) != truth[f]]
        for f in FIELDS:
            per_field[f] += f not in wrong
        if (text.strip() == target) if exact is None else exact[i]:
            num_exact += 1
        else:
            wrong_ids.append(config.config_id)
            failures.append({"config_id": config.config_id, "expected": target, "generated": text,
                             "wrong_fields": wrong})
    n = max(1, len(texts))
    failures.sort(key=lambda r: -len(r["wrong_fields"]))
    return {"exact_match": num_exact / n, "num_configs": len(texts),
            "per_field": {f: c / n for f, c in per_field.items()}, "worst_examples": failures[:worst],
            "num_failures": len(failures), "failed_ids": wrong_ids}


@torch.no_grad()
def teacher_forced_exact_match(model, llm, data: ToolData, device, cache=None, batch_size: int = 32,
                               progress: str | None = None) -> dict:
    """``progress``: the label of a progress bar (None = no bar). Besides ``score``'s report,
    ``margins`` (config order): each configuration's smallest logit gap (``lm_forward``)."""
    from tomas.models.planner import evaluating
    from tomas.models.self_encoding import lm_forward

    samples = make_samples(data.configs, data.tool_names, llm.tokenizer)
    order = sorted(range(len(samples)), key=lambda i: len(samples[i].target_ids))  # little padding per batch
    texts, margins, exact = [""] * len(samples), [0.0] * len(samples), [False] * len(samples)
    with evaluating(model):
        for i in tqdm(range(0, len(samples), batch_size), desc=progress, disable=not progress, leave=False):
            idx = order[i:i + batch_size]
            batch = {k: v.to(device) for k, v in collate([samples[j] for j in idx],
                                                          llm.tokenizer.pad_token_id).items()}
            prefix, _ = model(batch["tool_id"], batch["resources"], llm.embeddings, cache is None,
                              not (cache and cache.with_soft_prompt))
            _, correct, predicted, margin = lm_forward(llm.model, prefix, batch["target_ids"], batch["target_mask"],
                                                       cache)
            for j, text, ok, m in zip(idx, decode_until_eos(predicted.tolist(), llm.tokenizer), correct.tolist(),
                                      margin.tolist()):
                texts[j], exact[j], margins[j] = text, ok, m
    return score(texts, data, exact=exact) | {"margins": margins}


def sharded_exact_match(model, llm, data: ToolData, device, acc, cache=None, progress: str | None = None) -> dict:
    """``teacher_forced_exact_match`` of ``data``'s configurations, each process checking its ``rank::processes``
    share; every process gets the whole answer: exact_match, per_field, the ids still ``wrong`` and
    ``margins`` (config id -> smallest logit gap of its description)."""
    rank, world, configs = acc.process_index, acc.num_processes, data.configs
    shard = ToolData(data.tools, configs[rank::world], data.fingerprint)
    result = teacher_forced_exact_match(model, llm, shard, device, cache, progress=progress)
    if world == 1:
        margins = {c.config_id: m for c, m in zip(configs, result["margins"])}
        return {**result, "wrong": sorted(result["failed_ids"]), "margins": margins}

    def gathered(values: list[float]) -> list[float]:  # this process's entries in place, the others 0, summed
        mine = torch.zeros(len(configs), dtype=torch.float64, device=device)
        mine[rank::world] = torch.tensor(values, dtype=torch.float64, device=device)
        return acc.reduce(mine, "sum").tolist()

    fields, n = list(result["per_field"]), len(shard.configs)
    counts = [n, result["exact_match"] * n, *(result["per_field"][f] * n for f in fields)]
    total = acc.reduce(torch.tensor(counts, dtype=torch.float64, device=device), "sum").round().tolist()
    failed = set(result["failed_ids"])
    wrong = gathered([float(c.config_id in failed) for c in shard.configs])
    return {"exact_match": total[1] / total[0], "per_field": {f: c / total[0] for f, c in zip(fields, total[2:])},
            "wrong": sorted(c.config_id for c, w in zip(configs, wrong) if w),
            "margins": {c.config_id: m for c, m in zip(configs, gathered(result["margins"]))}}


@torch.no_grad()
def anchor_exact_match(model, samples, anchors: torch.Tensor, llm, device, batch_size: int = 1024) -> float:
    """Fraction of ``samples`` (the canonical ones: one per configuration) whose every slot names its value
    token; ``anchors``: their slot targets, row for row."""
    return anchor_right(model, samples, anchors, llm, device, batch_size).float().mean().item()


@torch.no_grad()
def anchor_right(model, samples, anchors: torch.Tensor, llm, device, batch_size: int = 1024) -> torch.Tensor:
    """[len(samples)] bool: every slot of that sample names its value token."""
    batch = collate(samples, llm.tokenizer.pad_token_id)
    ok = []
    for i in range(0, len(samples), batch_size):
        part = slice(i, i + batch_size)
        slots = model.adapter.expander(model.encoder(batch["tool_id"][part].to(device),
                                                     batch["resources"][part].to(device)))
        ok.append(model.adapter.anchor_loss(slots, anchors[part].to(device), llm.embeddings.weight)[1].all(1).cpu())
    return torch.cat(ok)


def decode_until_eos(rows: list[list[int]], tokenizer) -> list[str]:
    eos = tokenizer.eos_token_id
    return [tokenizer.decode(r[: r.index(eos)] if eos in r else r, skip_special_tokens=True) for r in rows]


@torch.no_grad()
def greedy_generate(adapter, rows: torch.Tensor, llm, max_new_tokens: int, batch_size: int = 64,
                    progress: bool = True, drafts: list[list[int]] | None = None) -> list[str]:
    """Greedy decoding from exported rows through the pre-training prefix adapter (or ``RowAlone``).

    ``drafts`` (token ids ending in end-of-sequence, one per row: e.g. the expected descriptions) make it
    speculative: one teacher-forced pass checks each draft, and where every next-token argmax is the draft's
    token, greedy decoding would write exactly the draft, so that is the text; the rows whose draft fails
    anywhere are decoded token by token. The texts are greedy decoding's either way; a right draft just
    costs one forward pass instead of one per token.
    """
    if drafts is None:
        return decode_until_eos(greedy_tokens(adapter, rows, llm, max_new_tokens, batch_size, progress),
                                llm.tokenizer)
    ok = verify_drafts(adapter, rows, llm, drafts, batch_size, progress)
    texts = decode_until_eos(drafts, llm.tokenizer)
    redo = [i for i, right in enumerate(ok) if not right]
    if redo:
        ids = greedy_tokens(adapter, rows[redo], llm, max_new_tokens, batch_size, progress)
        for i, text in zip(redo, decode_until_eos(ids, llm.tokenizer)):
            texts[i] = text
    return texts


@torch.no_grad()
def verify_drafts(adapter, rows: torch.Tensor, llm, drafts: list[list[int]], batch_size: int = 64,
                  progress: bool = True) -> list[bool]:
    """Per row: is every token of its draft the argmax given the row and the draft before it (= would greedy
    decoding write exactly the draft)?"""
    from tomas.models.self_encoding import PromptCache, lm_forward

    device = next(llm.model.parameters()).device
    cache = PromptCache(llm.model, adapter.prompt_before.to(device), adapter.soft_prompt)
    order = sorted(range(len(drafts)), key=lambda i: len(drafts[i]))  # little padding per batch
    ok = [False] * len(drafts)
    for i in tqdm(range(0, len(order), batch_size), desc="Checking drafts", disable=not progress, leave=False):
        idx = order[i:i + batch_size]
        length = max(len(drafts[j]) for j in idx)
        target = torch.full((len(idx), length), llm.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(idx), length), dtype=torch.bool)
        for k, j in enumerate(idx):
            target[k, :len(drafts[j])], mask[k, :len(drafts[j])] = torch.tensor(drafts[j]), True
        prefix, _ = adapter(rows[idx].to(device), llm.embeddings, False, False)
        _, correct, _, _ = lm_forward(llm.model, prefix, target.to(device), mask.to(device), cache)
        for j, right in zip(idx, correct.tolist()):
            ok[j] = right
    return ok


@torch.no_grad()
def greedy_tokens(adapter, rows: torch.Tensor, llm, max_new_tokens: int, batch_size: int = 64,
                  progress: bool = False) -> list[list[int]]:
    """Token-by-token greedy decoding with a KV cache (the token ids, end-of-sequence and what follows it
    included). The fixed prompt text and soft prompt before the slots
    are run once and their keys/values shared by every batch (the same numbers as recomputing it per sample,
    at a fraction of the cost); each step feeds the argmax token back until every sequence has written
    end-of-sequence."""
    from tomas.models.self_encoding import PromptCache

    out_ids = []
    device = next(llm.model.parameters()).device
    eos = llm.tokenizer.eos_token_id
    cache, kv = PromptCache(llm.model, adapter.prompt_before.to(device), adapter.soft_prompt), None
    for i in tqdm(range(0, len(rows), batch_size), desc="Generating", disable=not progress, leave=False):
        prefix, _ = adapter(rows[i:i + batch_size].to(device), llm.embeddings, False, False)
        b, start = prefix.shape[0], cache.length + prefix.shape[1]
        if kv is not None and kv.layers[0].keys.shape[:3:2] == (b, start + max_new_tokens):
            cache.rewind(kv)
        else:
            kv = cache.static_for_batch(b, start + max_new_tokens)
        out = llm.model(inputs_embeds=prefix, past_key_values=kv, use_cache=True, logits_to_keep=1,
                        cache_position=torch.arange(cache.length, start, device=device))
        tokens, done = [], torch.zeros(b, dtype=torch.bool, device=device)
        for step in range(max_new_tokens):
            nxt = out.logits[:, -1].argmax(-1).masked_fill(done, eos)
            tokens.append(nxt)
            done |= nxt == eos
            if done.all() or step == max_new_tokens - 1:
                break
            out = llm.model(input_ids=nxt[:, None], past_key_values=kv, use_cache=True, logits_to_keep=1,
                            cache_position=torch.tensor([start + step], device=device))
        out_ids += torch.stack(tokens, 1).tolist()
    return out_ids


class RowAlone(torch.nn.Module):
    """Each row as ONE input vector inside the shared prompt (fixed text, soft prompt, soft suffix): what the
    frozen LLM reads with nothing but the exported assets. Drop-in for the ``PrefixAdapter`` in
    ``greedy_generate``. Build it from ``readback_prompt.safetensors`` (``from_assets``) or an adapter."""

    def __init__(self, prompt_before: torch.Tensor, soft_prompt: torch.Tensor, soft_suffix: torch.Tensor,
                 prompt_after: torch.Tensor):
        super().__init__()
        for name, t in (("prompt_before", prompt_before.long()), ("soft_prompt", soft_prompt.float()),
                        ("soft_suffix", soft_suffix.float()), ("prompt_after", prompt_after.long())):
            self.register_buffer(name, t.detach().clone())

    @classmethod
    def from_adapter(cls, adapter) -> RowAlone:
        return cls(adapter.prompt_before, adapter.soft_prompt, adapter.soft_suffix, adapter.prompt_after)

    @classmethod
    def from_assets(cls, path) -> RowAlone:
        from tomas.artifacts.assets import load_readback_prompt

        return cls(**load_readback_prompt(path)[0])

    def forward(self, v: torch.Tensor, embed, with_prompt_before: bool = True, with_soft_prompt: bool = True):
        b, dtype = v.shape[0], embed.weight.dtype
        parts = [embed(self.prompt_before).expand(b, -1, -1)] if with_prompt_before else []
        parts += [self.soft_prompt.expand(b, -1, -1)] if with_soft_prompt else []
        parts += [v[:, None, :], self.soft_suffix.expand(b, -1, -1), embed(self.prompt_after).expand(b, -1, -1)]
        return torch.cat([x.to(dtype) for x in parts], dim=1), None


@torch.no_grad()
def nearest_neighbour_check(encoder, rows: torch.Tensor, data: ToolData, seed: int = 0, scale: float = 0.01) -> float:
    """Fraction of configurations whose jittered-input vector is closest (cosine) to its own row."""
    import random

    rng = random.Random(seed)
    jittered = torch.tensor([[c.vector()[0], *(jitter_value(v, rng, scale) for v in c.vector()[1:])]
                             for c in data.configs])
    tool_ids = torch.tensor([data.tool_id(c.tool) for c in data.configs])
    device = next(encoder.parameters()).device
    j = torch.nn.functional.normalize(encoder(tool_ids.to(device), jittered.to(device)).float().cpu(), dim=-1)
    w = torch.nn.functional.normalize(rows.float(), dim=-1)
    return (j @ w.T).argmax(1).eq(torch.arange(len(rows))).float().mean().item()
