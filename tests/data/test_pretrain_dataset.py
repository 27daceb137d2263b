"""Pre-training samples: augmentation modes, jitter visibility, tokenisation and collation."""

from __future__ import annotations

import random

import pytest
import torch

from tomas.data.pretrain_dataset import collate, fields_of, jitter_value, make_samples
from tomas.data.profiling import INPUT_SIZES, NUMERIC_FIELDS
from tomas.data.templates import CANONICAL, TEMPLATES, format_number, parse, render


@pytest.fixture(params=["default", "other"])
def data(request, default_data, other_data):
    return default_data if request.param == "default" else other_data


def _decimals(value: float) -> int:
    text = format_number(value)
    return len(text.split(".")[1]) if "." in text else 0


def _assert_jitter_bound(old: float, new: float, scale: float) -> None:
    """At most ``scale`` plus the rounding of the shown value, and the rounding never outweighs the change."""
    change = abs(new - old)
    assert change <= scale * old + 0.5 * 10 ** -_decimals(new) + 1e-9, (old, new)
    assert change <= 2 * scale * old + 1e-9, (old, new)
    assert change >= 0.01 * old - 0.5 * 10 ** -max(_decimals(new), _decimals(old)) - 1e-9, (old, new)


def _parsed_vector(text: str) -> list[float]:
    parsed = parse(text)
    assert parsed is not None, text
    return [float(INPUT_SIZES.index(parsed["input_size"])), *(parsed[f] for f in NUMERIC_FIELDS)]


def test_mode_none(data, tokenizer):
    samples = make_samples(data.configs, data.tool_names, tokenizer, mode="none", num_copies=2)
    assert len(samples) == 2 * len(data.configs)
    for i, s in enumerate(samples):
        config = data.configs[i % len(data.configs)]
        assert (s.config_id, s.tool_id, s.template_id) == (config.config_id, data.tool_id(config.tool), CANONICAL)
        assert s.text == render(fields_of(config))
        assert s.resources == config.vector()


@pytest.mark.parametrize("mode", ["jitter", "variation", "both"])
def test_copy_zero_is_canonical_and_seeded(data, tokenizer, mode):
    subset = data.configs[:40]
    samples = make_samples(subset, data.tool_names, tokenizer, mode=mode, num_copies=3, seed=7)
    assert len(samples) == 3 * len(subset)
    for s, config in zip(samples[: len(subset)], subset, strict=True):
        assert s.text == render(fields_of(config)) and s.resources == config.vector()
    again = make_samples(subset, data.tool_names, tokenizer, mode=mode, num_copies=3, seed=7)
    other = make_samples(subset, data.tool_names, tokenizer, mode=mode, num_copies=3, seed=8)
    assert [s.text for s in again] == [s.text for s in samples]
    assert [s.text for s in other] != [s.text for s in samples]


def test_jitter(data, tokenizer):
    scale = 0.05
    samples = make_samples(data.configs, data.tool_names, tokenizer, mode="jitter", num_copies=3, seed=1,
                           jitter=scale)
    n = len(data.configs)
    for s in samples[n:]:
        original = data.configs[s.config_id].vector()
        assert s.template_id == CANONICAL
        assert _parsed_vector(s.text) == s.resources  # the text shows exactly the jittered values
        assert s.resources[0] == original[0]  # input size is categorical
        for new, old in zip(s.resources[1:], original[1:], strict=True):
            if old == 0:
                assert new == 0
                continue
            assert new != old and new > 0
            _assert_jitter_bound(old, new, scale)


@pytest.mark.parametrize("value", [0.5, 1, 2, 0.25, 0.75, 1.5, 2.5, 3, 16, 48.2, 1835, 0.001])
def test_jitter_value_stays_visible_and_small(value):
    rng = random.Random(0)
    seen = set()
    for _ in range(300):
        new = jitter_value(value, rng, 0.05)
        seen.add(new)
        assert new != value and new > 0
        assert format_number(new) != format_number(value)
        assert float(format_number(new)) == new
        _assert_jitter_bound(value, new, 0.05)
    assert any(v > value for v in seen) and any(v < value for v in seen)


def test_jitter_value_keeps_zero():
    rng = random.Random(0)
    assert all(jitter_value(0.0, rng) == 0 for _ in range(20))


def test_variation(data, tokenizer):
    samples = make_samples(data.configs, data.tool_names, tokenizer, mode="variation", num_copies=4, seed=2)
    n = len(data.configs)
    assert len({s.template_id for s in samples[n:]}) >= 3
    for s in samples:
        assert s.resources == data.configs[s.config_id].vector()
        parsed = parse(s.text)
        assert parsed["template_id"] == s.template_id
        assert parsed["tool"] == data.configs[s.config_id].tool
        assert _parsed_vector(s.text) == s.resources


def test_both(other_data, tokenizer):
    samples = make_samples(other_data.configs, other_data.tool_names, tokenizer, mode="both", num_copies=6, seed=3)
    n = len(other_data.configs)
    assert len({s.template_id for s in samples[n:]}) > 1
    assert all(0 <= s.template_id < len(TEMPLATES) for s in samples)
    for s in samples[n:]:
        assert _parsed_vector(s.text) == s.resources
        assert s.resources != other_data.configs[s.config_id].vector()


def test_num_copies_must_be_positive(other_data, tokenizer):
    with pytest.raises(ValueError, match="num_copies"):
        make_samples(other_data.configs, other_data.tool_names, tokenizer, num_copies=0)


def test_target_ids_end_with_eos_and_decode_to_text(data, tokenizer):
    samples = make_samples(data.configs, data.tool_names, tokenizer, mode="both", num_copies=2, seed=4)
    for s in samples[:: max(1, len(samples) // 300)]:
        assert s.target_ids[-1] == tokenizer.eos_token_id
        assert tokenizer.eos_token_id not in s.target_ids[:-1]
        assert tokenizer.decode(s.target_ids[:-1]) == s.text


def test_collate(other_data, tokenizer):
    samples = make_samples(other_data.configs, other_data.tool_names, tokenizer, mode="both", num_copies=2, seed=5)
    batch_samples = sorted(samples, key=lambda s: len(s.target_ids))[:: len(samples) // 5][:5]
    lengths = [len(s.target_ids) for s in batch_samples]
    assert len(set(lengths)) > 1
    pad = -7  # not a token id, so padding can be told apart
    batch = collate(batch_samples, pad_id=pad)
    assert batch["target_ids"].shape == batch["target_mask"].shape == (5, max(lengths))
    assert batch["target_ids"].dtype == torch.long and batch["target_mask"].dtype == torch.bool
    for i, s in enumerate(batch_samples):
        assert batch["target_ids"][i, : lengths[i]].tolist() == s.target_ids
        assert (batch["target_ids"][i, lengths[i]:] == pad).all()
        assert batch["target_mask"][i].tolist() == [True] * lengths[i] + [False] * (max(lengths) - lengths[i])
    assert batch["resources"].dtype == torch.float32
    assert torch.equal(batch["resources"], torch.tensor([s.resources for s in batch_samples]))
    for key in ("config_id", "tool_id", "template_id"):
        assert batch[key].tolist() == [getattr(s, key) for s in batch_samples]
