"""The trainable half of Phase 0 (encoder + prefix adapter) and its LM objective."""

from __future__ import annotations

from dataclasses import asdict

import torch
from torch import nn

from tomas.config import PretrainConfig, from_dict
from tomas.models.encoder import ResourceEncoder, build_encoder, mean_embedding_norm
from tomas.models.prefix import PrefixAdapter, split_prompt

CHECKPOINT_FORMAT = "tomas.pretrained_encoder/1"


class SelfEncoder(nn.Module):
    """ResourceEncoder (exported) + PrefixAdapter (pre-training only)."""

    def __init__(self, encoder: ResourceEncoder, adapter: PrefixAdapter):
        super().__init__()
        self.encoder = encoder
        self.adapter = adapter

    def forward(self, tool_id: torch.Tensor, resources: torch.Tensor, embed: nn.Embedding,
                with_prompt_before: bool = True, with_soft_prompt: bool = True):
        """Returns (prefix embeddings [B, P, H], (slots [B, k, H], mixture logits or None))."""
        return self.adapter(self.encoder(tool_id, resources), embed, with_prompt_before, with_soft_prompt)


def build_self_encoder(cfg: PretrainConfig, llm, tools, resources: torch.Tensor, num_slots: int,
                       vocab_ids: list[int], layout: dict | None = None) -> SelfEncoder:
    """``vocab_ids``: the tokens occurring in value strings (the slot vocabulary); ``layout``: the
    token pieces of ``fields`` mode (``tomas.models.fields.value_layout``)."""
    encoder = build_encoder(cfg.model.encoder, llm, tools, resources)
    before, after = split_prompt(cfg.model.prefix.prompt, llm.tokenizer)
    with torch.no_grad():
        vocab_embeddings = llm.embeddings.weight[torch.tensor(vocab_ids, device=llm.embeddings.weight.device)].cpu()
    adapter = PrefixAdapter(cfg.model.prefix, llm.hidden_size, num_slots, mean_embedding_norm(llm), before, after,
                            vocab_ids, vocab_embeddings, layout)
    return SelfEncoder(encoder, adapter)


def checkpoint_header(model: SelfEncoder, cfg: PretrainConfig, llm_name: str, fingerprint: str,
                      tool_names: list[str], resources: torch.Tensor) -> dict:
    """Everything needed to rebuild the model without the LLM (weights_only-loadable)."""
    return {
        "format": CHECKPOINT_FORMAT,
        "encoder": {k: v.detach().cpu() for k, v in model.encoder.state_dict().items()},
        "adapter": {k: v.detach().cpu() for k, v in model.adapter.state_dict().items()},
        "train_resources": resources.cpu(),
        "num_slots": model.adapter.expander.num_slots,
        "value_layout": getattr(model.adapter.expander, "layout", None),
        "config": asdict(cfg),
        "llm_model": llm_name,
        "hidden_size": model.encoder.hidden_size,
        "data_fingerprint": fingerprint,
        "tool_names": list(tool_names),
    }


def self_encoder_from_checkpoint(ckpt: dict) -> tuple[SelfEncoder, PretrainConfig]:
    config = {**ckpt["config"], "model": {**ckpt["config"]["model"]}}
    # checkpoints from before these options: soft slots, one classifier per position
    config["model"]["prefix"] = {"snap_slots": False, "slot_mode": "vocab", **config["model"]["prefix"]}
    config["model"]["encoder"] = {"linear_skip": False, **config["model"]["encoder"]}
    cfg = from_dict(PretrainConfig, config)
    enc_state, ad_state = ckpt["encoder"], dict(ckpt["adapter"])
    ad_state.setdefault("soft_suffix", torch.zeros(0, ckpt["hidden_size"]))  # checkpoints from before the suffix
    encoder = ResourceEncoder(cfg.model.encoder, enc_state["tool_vectors"], ckpt["train_resources"],
                              float(enc_state["embedding_norm"]))
    encoder.load_state_dict(enc_state)
    adapter = PrefixAdapter(cfg.model.prefix, ckpt["hidden_size"], ckpt["num_slots"],
                            float(ad_state.get("expander.embedding_norm", enc_state["embedding_norm"])),
                            ad_state["prompt_before"].tolist(), ad_state["prompt_after"].tolist(),
                            ad_state["vocab_ids"].tolist(), ad_state.get("expander.vocab_embeddings"),
                            ckpt.get("value_layout"))
    adapter.load_state_dict(ad_state)
    return SelfEncoder(encoder, adapter), cfg


class PromptCache:
    """Keys/values of the fixed text before the slots, computed once (the LLM is frozen).

    Every batch then runs only ``[soft prompt | slots | text after | targets]``: the
    constant prompt costs nothing per step, however long it is. With ``soft_prompt`` (when
    it is not being trained: checks, evaluation) the cache holds it too, and batches start
    at the slots.
    """

    def __init__(self, llm_model: nn.Module, prompt_ids: torch.Tensor, soft_prompt: torch.Tensor | None = None):
        self.with_soft_prompt = soft_prompt is not None
        embed = llm_model.get_input_embeddings()
        with torch.no_grad():
            inputs = embed(prompt_ids)
            if soft_prompt is not None:
                inputs = torch.cat([inputs, soft_prompt.detach().to(inputs.dtype)])
            self.length = len(inputs)
            out = llm_model.base_model(inputs_embeds=inputs[None], use_cache=True)
        self.layers = [(layer.keys, layer.values) for layer in out.past_key_values.layers]
        self.config = llm_model.config

    def static_for_batch(self, batch_size: int, max_length: int):
        """A preallocated cache of ``max_length`` positions starting with the prompt (generation):
        each step writes one position in place instead of concatenating the whole cache again."""
        from transformers import StaticCache

        cache = StaticCache(config=self.config, max_cache_len=max_length)
        for i, (k, v) in enumerate(self.layers):
            cache.update(k.expand(batch_size, -1, -1, -1), v.expand(batch_size, -1, -1, -1), i)
        return cache

    def rewind(self, static_cache) -> None:
        """Back to just the prompt, for the next batch of the same size: the positions after it
        are overwritten by the next writes (saves re-allocating and re-copying the prompt)."""
        for layer in static_cache.layers:
            layer.cumulative_length.fill_(self.length)

    def for_batch(self, batch_size: int):
        from transformers import DynamicCache

        return DynamicCache(ddp_cache_data=[(k.expand(batch_size, -1, -1, -1), v.expand(batch_size, -1, -1, -1))
                                            for k, v in self.layers])


def lm_forward(llm_model: nn.Module, prefix: torch.Tensor, target_ids: torch.Tensor, target_mask: torch.Tensor,
               cache: PromptCache | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Teacher-forced pass ``[prefix | targets[:-1]]`` with logits only at target positions.

    With ``cache``, ``prefix`` excludes the cached prompt text. Returns (mean CE over real
    target tokens, per-sample "every token is the argmax" [B] — which is exactly
    greedy-decoding exact match —, argmax ids [B, T], and per-sample margin [B]: the smallest
    gap, over its target positions, between the target's logit and the best other token's
    (negative where it is wrong; small positive = right but at risk)).
    """
    embed = llm_model.get_input_embeddings()
    inputs = torch.cat([prefix, embed(target_ids[:, :-1]).to(prefix.dtype)], dim=1)
    b, p = prefix.shape[:2]
    cached = cache.length if cache else 0
    attention = torch.cat([torch.ones((b, cached + p), dtype=torch.long, device=prefix.device),
                           target_mask[:, :-1].long()], dim=1)
    hidden = llm_model.base_model(inputs_embeds=inputs, attention_mask=attention,
                                  past_key_values=cache.for_batch(b) if cache else None,
                                  use_cache=cache is not None).last_hidden_state
    hidden = hidden[:, p - 1:]  # position p-1+t predicts target t
    logits = llm_model.get_output_embeddings()(hidden[target_mask]).float()
    loss = nn.functional.cross_entropy(logits, target_ids[target_mask])
    predicted = torch.zeros_like(target_ids)
    predicted[target_mask] = logits.argmax(-1)
    correct = ((predicted == target_ids) | ~target_mask).all(dim=1)
    return loss, correct, predicted, token_margins(logits.detach(), target_ids, target_mask)


def token_margins(logits: torch.Tensor, target_ids: torch.Tensor, target_mask: torch.Tensor) -> torch.Tensor:
    """[B]: min over each sample's target positions of (target logit - best other logit)."""
    targets = target_ids[target_mask]
    top2 = logits.topk(2, dim=-1)
    other = torch.where(top2.indices[:, 0] == targets, top2.values[:, 1], top2.values[:, 0])
    gaps = torch.full(target_ids.shape, float("inf"), device=logits.device)
    gaps[target_mask] = logits.gather(1, targets[:, None]).squeeze(1) - other
    return gaps.min(dim=1).values
