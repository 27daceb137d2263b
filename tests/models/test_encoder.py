"""ResourceEncoder / SelfEncoder on the tiny random LLM (hidden 64): shapes, norms, what trains and what
stays frozen, digit features, checkpoints."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch

from tomas.config import EncoderConfig, PrefixConfig, PretrainConfig
from tomas.data import load_tool_data
from tomas.data.pretrain_dataset import collate, make_samples
from tomas.data.templates import format_number
from tomas.models.encoder import ResourceEncoder, ResourceFeaturizer, build_encoder
from tomas.models.fields import field_targets, layout_tokens, num_int_digits, value_layout
from tomas.models.llm import load_llm
from tomas.models.self_encoding import (
    build_self_encoder,
    checkpoint_header,
    lm_forward,
    self_encoder_from_checkpoint,
)
from tomas.training.phase0_setup import sample_anchor_ids

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/other"


@pytest.fixture(scope="module")
def llm():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield load_llm("tiny", "cpu", seed=0)
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data():
    return load_tool_data(FIXTURE / "tools.json", FIXTURE / "profiling.csv")


@pytest.fixture(scope="module")
def cfg() -> PretrainConfig:
    c = PretrainConfig()
    c.model.llm_model = "tiny"
    c.model.encoder = EncoderConfig(num_heads=4, mlp_hidden=64)
    c.model.prefix = PrefixConfig(num_soft_prompt=2, expander_hidden=64)
    return c


@pytest.fixture(scope="module")
def resources(data) -> torch.Tensor:
    return torch.tensor([c.vector() for c in data.configs])


@pytest.fixture(scope="module")
def batch(data, llm, resources):
    """All configurations as one batch, with their slot anchors."""
    samples = make_samples(data.configs, data.tool_names, llm.tokenizer)
    anchors, k = sample_anchor_ids(samples, data.tool_names, llm.tokenizer, 0)
    return collate(samples, llm.tokenizer.pad_token_id), anchors, k


def _build(cfg, llm, data, resources, k, seed=0, anchors=None, slot_mode=None):
    torch.manual_seed(seed)
    cfg = copy.deepcopy(cfg)
    cfg.model.prefix.slot_mode = slot_mode or cfg.model.prefix.slot_mode
    vocab = set(anchors.flatten().tolist()) if anchors is not None else set(range(8))
    layout = None
    if cfg.model.prefix.slot_mode == "fields":  # the default: slots classified field by field
        layout = value_layout(llm.tokenizer, data.tool_names, num_int_digits(resources))
        vocab |= layout_tokens(layout)
    return build_self_encoder(cfg, llm, data.tools, resources, k, sorted(vocab), layout)


def test_hidden_size_comes_from_the_llm_and_output_shape(cfg, llm, data, resources):
    enc = build_encoder(cfg.model.encoder, llm, data.tools, resources)
    hidden = llm.model.config.hidden_size
    assert hidden == 64 == llm.hidden_size == enc.hidden_size
    tool_ids = torch.tensor([data.tool_id(c.tool) for c in data.configs])
    with torch.no_grad():
        out = enc(tool_ids, resources)
    assert out.shape == (len(data.configs), hidden) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    assert torch.unique(out, dim=0).shape[0] == len(data.configs)  # different inputs, different vectors


def test_output_norm_is_the_mean_token_embedding_norm(cfg, llm, data, resources):
    enc = build_encoder(cfg.model.encoder, llm, data.tools, resources)
    expected = llm.model.get_input_embeddings().weight.norm(dim=-1).mean()
    tool_ids = torch.tensor([data.tool_id(c.tool) for c in data.configs])
    with torch.no_grad():
        norms = enc(tool_ids, resources).norm(dim=-1)
    torch.testing.assert_close(norms, expected.expand_as(norms), rtol=1e-5, atol=1e-5)


def test_stream_a_is_the_mean_of_the_tool_name_token_embeddings(cfg, llm, data, resources):
    enc = build_encoder(cfg.model.encoder, llm, data.tools, resources)
    emb = llm.model.get_input_embeddings().weight
    for i, tool in enumerate(data.tools):
        ids = llm.tokenizer(tool.name.replace("_", " "), add_special_tokens=False)["input_ids"]
        torch.testing.assert_close(enc.tool_vectors[i], emb[ids].mean(0))
    assert "tool_vectors" in dict(enc.named_buffers())
    assert all(p.data_ptr() != enc.tool_vectors.data_ptr() for p in enc.parameters())


def test_llm_is_frozen(llm):
    assert not any(p.requires_grad for p in llm.model.parameters())
    assert not llm.model.training


@pytest.mark.parametrize("slot_mode", ["fields", "vocab", "free"])
def test_one_step_trains_every_encoder_tensor_and_nothing_of_the_llm(cfg, llm, data, resources, batch, slot_mode):
    b, anchors, k = batch
    model = _build(cfg, llm, data, resources, k, anchors=anchors, slot_mode=slot_mode)
    if slot_mode == "fields":
        anchors = field_targets(b["tool_id"], b["resources"], model.adapter.expander.layout["num_int_digits"])
    trainable = {n: p for n, p in model.named_parameters() if p.numel()}  # no soft suffix here
    expected_prefixes = ["encoder.resource_mlp.", "encoder.fusion.", "encoder.norm.", "adapter.expander.",
                         "adapter.soft_prompt"]
    assert all(any(n.startswith(p) for n in trainable) for p in expected_prefixes)
    assert all(any(n.startswith(p) for p in expected_prefixes) for n in trainable), sorted(trainable)
    assert all(p.requires_grad for p in trainable.values())
    before = {n: p.detach().clone() for n, p in trainable.items()}
    llm_before = {n: t.detach().clone() for n, t in llm.model.state_dict().items()}
    stream_a = model.encoder.tool_vectors.clone()

    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)  # no decay: only gradients move
    prefix, slots = model(b["tool_id"], b["resources"], llm.embeddings)
    assert prefix.shape == (len(data.configs), model.adapter.prefix_length, 64)
    lm_loss, correct, _, _ = lm_forward(llm.model, prefix, b["target_ids"], b["target_mask"])
    a_loss, _ = model.adapter.anchor_loss(slots, anchors, llm.embeddings.weight)
    (lm_loss + a_loss).backward()
    for n, p in trainable.items():
        assert p.grad is not None and p.grad.abs().sum() > 0, f"{n} got no gradient"
    opt.step()

    unchanged = [n for n, p in trainable.items() if torch.equal(p.detach(), before[n])]
    assert not unchanged, f"not updated by one step: {unchanged}"
    for n, t in llm.model.state_dict().items():
        assert torch.equal(t, llm_before[n]), f"LLM tensor {n} changed"
    assert all(p.grad is None for p in llm.model.parameters())
    assert torch.equal(model.encoder.tool_vectors, stream_a)
    assert torch.isfinite(lm_loss) and correct.shape == (len(data.configs),)


def test_digit_features_spell_the_written_numbers():
    values = torch.tensor([[0, 4, 0.5, 50, 2, 5800], [2, 1, 12.25, 0, 1.5, 610.5], [1, 16, 8, 80, 8, 3.2]])
    feat = ResourceFeaturizer(values, num_frequencies=3, digit_features=True)
    assert feat.num_int_digits == 4
    out = feat(values)
    assert out.shape == (3, feat.dim)
    d = feat.num_int_digits + 3
    chars = out[:, -5 * 12 * d:].view(3, 5, d, 12)
    assert torch.equal(chars.sum(-1), torch.ones(3, 5, d))  # exactly one symbol per position
    symbols = "0123456789."
    for row, vals in zip(chars.argmax(-1).tolist(), values[:, 1:].tolist()):
        for codes, value in zip(row, vals):
            spelled = "".join(symbols[c] for c in codes if c < len(symbols))
            assert spelled == format_number(value)


def test_digit_features_off_shrinks_the_features():
    values = torch.tensor([[0, 4, 0.5, 50, 2, 5800.0]])
    on, off = (ResourceFeaturizer(values, 2, flag) for flag in (True, False))
    assert on.dim - off.dim == 5 * 12 * (on.num_int_digits + 3)
    assert off(values).shape == (1, off.dim)


@pytest.mark.parametrize("heads", [3, 5, 7])
def test_num_heads_must_divide_hidden(heads, resources):
    with pytest.raises(ValueError, match="does not divide"):
        ResourceEncoder(EncoderConfig(num_heads=heads), torch.zeros(3, 64), resources, 1.0)


@pytest.mark.parametrize("slot_mode", ["fields", "vocab", "free"])
def test_checkpoint_round_trip(cfg, llm, data, resources, batch, tmp_path, slot_mode):
    b, anchors, k = batch
    cfg = copy.deepcopy(cfg)
    cfg.model.prefix.slot_mode = slot_mode
    model = _build(cfg, llm, data, resources, k, seed=1, anchors=anchors)
    with torch.no_grad():  # move away from any initial state a rebuild could reproduce by chance
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    header = checkpoint_header(model, cfg, "tiny", data.fingerprint, data.tool_names, resources)
    torch.save(header, tmp_path / "ckpt.pt")
    loaded = torch.load(tmp_path / "ckpt.pt", map_location="cpu", weights_only=True)
    assert loaded["llm_model"] == "tiny" and loaded["hidden_size"] == 64 and loaded["num_slots"] == k
    assert loaded["data_fingerprint"] == data.fingerprint and loaded["tool_names"] == data.tool_names

    torch.manual_seed(123)  # a different init: equality must come from the loaded weights
    rebuilt, rebuilt_cfg = self_encoder_from_checkpoint(copy.deepcopy(loaded))
    assert rebuilt_cfg == cfg
    model.eval()
    rebuilt.eval()
    with torch.no_grad():
        v1 = model.encoder(b["tool_id"], b["resources"])
        v2 = rebuilt.encoder(b["tool_id"], b["resources"])
        p1, s1 = model(b["tool_id"], b["resources"], llm.embeddings)
        p2, s2 = rebuilt(b["tool_id"], b["resources"], llm.embeddings)
    assert torch.equal(v1, v2) and torch.equal(p1, p2)
    assert torch.equal(s1[0], s2[0])
    if slot_mode == "vocab":
        assert torch.equal(s1[1], s2[1])  # the mixture logits
    fresh = _build(cfg, llm, data, resources, k, seed=2)
    with torch.no_grad():
        assert not torch.allclose(fresh.encoder(b["tool_id"], b["resources"]), v1)


def _tensors(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _tensors(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _tensors(v)


def test_checkpoint_holds_no_llm_embedding_matrix(cfg, llm, data, resources, batch):
    _, _, k = batch
    model = _build(cfg, llm, data, resources, k)
    header = checkpoint_header(model, cfg, "tiny", data.fingerprint, data.tool_names, resources)
    vocab, hidden = llm.model.get_input_embeddings().weight.shape
    tensors = list(_tensors(header))
    assert tensors
    assert all(t.numel() < vocab * hidden and (t.dim() == 0 or t.shape[0] != vocab) for t in tensors)
    assert sum(t.numel() for t in tensors) < vocab * hidden  # the whole checkpoint is smaller than one matrix


def test_row_mode_reads_the_row_itself_and_trains_encoder_and_both_soft_prompts(cfg, llm, data, resources, batch):
    """``row`` mode: the exported row is the one slot, as is; the LM loss alone trains the encoder and the
    soft prompts before and after it (nothing else is trainable, the LLM stays frozen)."""
    b, _, _ = batch
    cfg = copy.deepcopy(cfg)
    cfg.model.prefix.num_soft_suffix = 2
    model = _build(cfg, llm, data, resources, 1, slot_mode="row")
    trainable = dict(model.named_parameters())
    assert {n.split(".")[0] + "." + n.split(".")[1] for n in trainable} == {
        "encoder.resource_mlp", "encoder.fusion", "encoder.norm", "adapter.soft_prompt", "adapter.soft_suffix"}
    prefix, (slots, logits) = model(b["tool_id"], b["resources"], llm.embeddings)
    rows = model.encoder(b["tool_id"], b["resources"])
    assert logits is None and torch.equal(slots[:, 0], rows)
    n_before = len(model.adapter.prompt_before) + 2
    assert torch.equal(prefix[:, n_before], rows) and prefix.shape[1] == model.adapter.prefix_length
    llm_before = {n: t.detach().clone() for n, t in llm.model.state_dict().items()}
    lm_loss, _, _, _ = lm_forward(llm.model, prefix, b["target_ids"], b["target_mask"])
    lm_loss.backward()
    for n, p in trainable.items():
        assert p.grad is not None and p.grad.abs().sum() > 0, f"{n} got no gradient"
    assert all(torch.equal(t, llm_before[n]) for n, t in llm.model.state_dict().items())


def test_row_mode_checkpoint_round_trip(cfg, llm, data, resources, batch):
    b, _, _ = batch
    cfg = copy.deepcopy(cfg)
    cfg.model.prefix.slot_mode, cfg.model.prefix.num_soft_suffix = "row", 3
    model = _build(cfg, llm, data, resources, 1, seed=1)
    header = checkpoint_header(model, cfg, "tiny", data.fingerprint, data.tool_names, resources)
    torch.manual_seed(5)
    rebuilt, rebuilt_cfg = self_encoder_from_checkpoint(copy.deepcopy(header))
    assert rebuilt_cfg == cfg and rebuilt.adapter.soft_suffix.shape == (3, 64)
    with torch.no_grad():
        assert torch.equal(model(b["tool_id"], b["resources"], llm.embeddings)[0],
                           rebuilt(b["tool_id"], b["resources"], llm.embeddings)[0])


def test_checkpoints_from_before_the_soft_suffix_still_load(cfg, llm, data, resources, batch):
    _, _, k = batch
    model = _build(cfg, llm, data, resources, k)
    header = checkpoint_header(model, cfg, "tiny", data.fingerprint, data.tool_names, resources)
    del header["adapter"]["soft_suffix"]
    del header["config"]["model"]["prefix"]["num_soft_suffix"]
    rebuilt, _ = self_encoder_from_checkpoint(header)
    assert rebuilt.adapter.soft_suffix.shape == (0, 64)
