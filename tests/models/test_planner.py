"""How the planner turns a prompt's token states into the one vector the decoder reads."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tomas.models.planner import READOUTS, evaluating, last_token_states, mean_token_states


def _padded(lengths: list[int], hidden: int = 5, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    states = torch.randn(len(lengths), max(lengths), hidden, generator=g)
    mask = torch.tensor([[1] * n + [0] * (max(lengths) - n) for n in lengths])
    return states, mask


def test_last_token_is_the_last_real_one():
    states, mask = _padded([3, 6, 1])
    out = last_token_states(states, mask)
    assert torch.equal(out, torch.stack([states[0, 2], states[1, 5], states[2, 0]]))


def test_mean_ignores_padding():
    states, mask = _padded([3, 6, 1])
    states_other_pad = states.clone()
    states_other_pad[mask == 0] = 1e6  # whatever sits at padded positions must not count
    out = mean_token_states(states_other_pad, mask)
    assert torch.allclose(out, torch.stack([states[0, :3].mean(0), states[1].mean(0), states[2, 0]]))


@pytest.mark.parametrize("readout", sorted(READOUTS))
def test_readouts_are_float32_vectors_per_prompt(readout):
    states, mask = _padded([2, 4])
    out = READOUTS[readout](states.to(torch.bfloat16), mask)
    assert out.shape == (2, 5) and out.dtype == torch.float32


def test_feature_rows_carry_the_table_linearly_and_are_fixed(default_data, tmp_path):
    """The no-Phase-0 baseline's rows: every field linearly readable, the same rows on every call."""
    from tomas.artifacts.assets import save_assets
    from tomas.eval.rows import row_probe
    from tomas.models.config_table import ConfigTable
    from tomas.models.planner import feature_rows

    save_assets(torch.zeros(len(default_data.configs), 4), default_data, tmp_path, log=lambda *_: None)
    table = ConfigTable.from_assets(tmp_path)
    rows = feature_rows(table, 64)
    assert rows.shape == (len(default_data.configs), 64) and torch.equal(rows, feature_rows(table, 64))
    report = row_probe(rows.double(), default_data)
    assert all(r2 > 0.99 for r2 in report["r2"].values()), report["r2"]
    assert report["accuracy"] == {"tool": 1.0, "input_size": 1.0}


def test_an_encoder_reader_scores_phase0_rows_of_another_width(other_table):
    """MiniLM (hidden 384) as the planner's reader with LoRA on every linear layer: the live head maps its states
    onto Phase 0's rows (width 576 here) and one step trains LoRA and the map."""
    from tomas.config import PlannerModelConfig
    from tomas.models.llm import load_llm
    from tomas.models.planner import build_planner, encode_prompts

    data, table = other_table
    cfg = PlannerModelConfig()
    cfg.lora.target_modules = ["all-linear"]
    llm = load_llm("minilm", "cpu")
    model = build_planner(cfg, llm, table, torch.randn(table.num_configs, 576))
    assert model.decoder.config_head.map.weight.shape == (576, 384)
    out = model(**encode_prompts(llm.tokenizer, ["Transcribe this call", "Find the dancers' elbows"], "cpu"))
    assert out.config.shape == (2, table.num_configs) and out.tool.shape == (2, len(table.tool_names))
    (out.config.logsumexp(-1).sum() + out.tool.logsumexp(-1).sum()).backward()
    lora = [p for n, p in model.named_parameters() if "lora_B" in n]
    assert lora and all(p.grad is not None for p in lora) and model.decoder.config_head.map.weight.grad is not None


@pytest.mark.parametrize("scope_text", ["span_prompt", "span", "task"])
def test_a_reader_without_character_offsets_is_refused_when_built_where_the_words_are_read(other_table, tmp_path,
                                                                                         scope_text):
    """A slow (Python) tokenizer keeps no character offsets, which the words' span needs: one clear error when the
    planner is built, not minutes into training at its first evaluation; a memory of the words read alone
    (``task``) needs none. The slow tokenizer is transformers' own, over MiniLM's vocabulary (the same ids)."""
    import dataclasses

    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

    from tomas.config import PlannerModelConfig
    from tomas.errors import TomasError
    from tomas.models.llm import load_llm
    from tomas.models.planner import build_planner

    _, table = other_table
    llm = load_llm("minilm", "cpu")
    vocab = sorted(llm.tokenizer.get_vocab(), key=llm.tokenizer.get_vocab().get)
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    slow = BertTokenizerLegacy(vocab_file=str(tmp_path / "vocab.txt"))
    assert not slow.is_fast and slow(["Caption it"])["input_ids"] == llm.tokenizer(["Caption it"])["input_ids"]
    slow_llm = dataclasses.replace(llm, tokenizer=slow)
    cfg = PlannerModelConfig(scope_text=scope_text)
    if scope_text == "task":
        assert build_planner(cfg, slow_llm, table, torch.randn(table.num_configs, 576)).decoder is not None
    else:
        with pytest.raises(TomasError, match="span or span_prompt needs a fast tokenizer"):
            build_planner(cfg, slow_llm, table, torch.randn(table.num_configs, 576))


def test_evaluating_restores_training_and_leaves_an_eval_model_alone():
    model = nn.Sequential(nn.Dropout(0.5), nn.Linear(2, 2))
    with pytest.raises(RuntimeError), evaluating(model):
        assert not model.training and not model[0].training
        raise RuntimeError("a failed batch")
    assert model.training and model[0].training  # restored, even after an error
    model.eval()
    calls = []
    model.train = lambda mode=True: calls.append(mode)  # eval() and train() both walk through here
    with evaluating(model):
        assert not model.training
    assert calls == [] and not model.training


def test_token_states_keep_order_and_no_graph_in_training():
    """The scope memory's vectors are read mid-training: in prompt order whatever the length batching, in eval
    mode, and with no autograd graph (one per batch would hold every activation of the training file)."""
    from tomas.models.planner import token_states

    class Reader(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed, self.drop = nn.Embedding(10, 3), nn.Dropout(0.9)

        def read(self, input_ids, attention_mask, span_mask=None):
            states = self.drop(self.embed(input_ids))
            span = attention_mask if span_mask is None else span_mask
            return mean_token_states(states, attention_mask), mean_token_states(states, span)

    model = Reader().train()
    rows = [[1, 2, 3, 4], [5], [6, 7], [8, 9, 1]]
    states = token_states(model, rows, 0, torch.device("cpu"), batch_size=2)
    assert not states.requires_grad and model.training  # training mode restored after
    expected = torch.stack([model.embed(torch.tensor(r)).mean(0) for r in rows])
    assert torch.allclose(states, expected, atol=1e-6)  # no dropout: eval mode inside
    # With spans: the mean of the span's tokens alone, in the same order.
    spans = [[0, 1, 1, 0], [1], [1, 0], [0, 0, 1]]
    states = token_states(model, rows, 0, torch.device("cpu"), batch_size=2, spans=spans)
    expected = torch.stack([model.embed(torch.tensor([t for t, s in zip(r, m) if s])).mean(0)
                            for r, m in zip(rows, spans)])
    assert torch.allclose(states, expected, atol=1e-6)


@pytest.mark.parametrize("name", ["tiny", "minilm"])
def test_task_masks_mark_the_requests_words_and_nothing_else(name, tmp_path):
    """The span the scope memory reads (model.scope_text: span): the tokens of the request's words in its prompt,
    by the tokenizer's character offsets, for a byte-level BPE (whose tokens carry the space before them) and a
    WordPiece tokenizer (whose [CLS] has no characters); the same through the planner's transformers-free
    tokenizer; every token where the words have none."""
    from tomas.data.profiling import RESOURCES
    from tomas.models.llm import load_tokenizer
    from tomas.models.planner import FastTokenizer, render_prompt, task_masks

    tok = load_tokenizer(name)
    tasks = ["  Caption it, please. ", "Summarise a long contract for the board"]
    prompts = [render_prompt(t, dict.fromkeys(RESOURCES, 8), 900.0) for t in tasks]
    ids, masks = task_masks(tok, prompts, tasks)
    for row, mask, task in zip(ids, masks, tasks):
        assert len(row) == len(mask) and 0 < sum(mask) < len(mask)
        assert tok.decode([i for i, m in zip(row, mask) if m]).strip().lower() == task.strip().lower()
    tok.backend_tokenizer.save(str(tmp_path / "tokenizer.json"))
    assert task_masks(FastTokenizer(str(tmp_path / "tokenizer.json"), 0), prompts, tasks) == (ids, masks)
    _, (bare,) = task_masks(tok, [render_prompt("", dict.fromkeys(RESOURCES, 8), None)], [""])
    assert all(bare)
