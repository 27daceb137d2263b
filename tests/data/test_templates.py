"""Description templates: rendering, parsing back (property-based), number formatting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tomas.data.pretrain_dataset import fields_of
from tomas.data.profiling import INPUT_SIZES
from tomas.data.templates import CANONICAL, FIELDS, TEMPLATES, format_number, parse, parse_fields, render

NUMBER_FIELDS = FIELDS[2:]

tool_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,24}", fullmatch=True)
numbers = st.one_of(
    st.sampled_from([0, 0.0, 0.5, 1, 1.0, 2, 0.001, 0.25]),
    st.integers(min_value=0, max_value=10**7),
    st.decimals(min_value=0, max_value=10**5, places=3, allow_nan=False, allow_infinity=False).map(float),
)
field_sets = st.fixed_dictionaries({"tool": tool_names, "input_size": st.sampled_from(INPUT_SIZES),
                                    **{f: numbers for f in NUMBER_FIELDS}})


@settings(max_examples=150, deadline=None, database=None)
@given(fields=field_sets, template_id=st.sampled_from(range(len(TEMPLATES))))
def test_parse_inverts_render(fields, template_id):
    text = render(fields, template_id)
    parsed = parse(text)
    assert parsed is not None, text
    assert parsed == {"tool": fields["tool"], "input_size": fields["input_size"],
                      **{f: float(fields[f]) for f in NUMBER_FIELDS}, "template_id": template_id}


@pytest.mark.parametrize("template_id", range(len(TEMPLATES)))
def test_every_template_shows_every_field(template_id):
    fields = {"tool": "tool_x", "input_size": "medium", "cpu_cores": 3, "memory_gb": 5.25, "gpu_sm": 17,
              "gpu_memory_gb": 0.5, "latency_ms": 123.4}
    text = render(fields, template_id)
    for f in FIELDS:
        assert (format_number(fields[f]) if f in NUMBER_FIELDS else fields[f]) in text
    assert "{" not in text and "}" not in text


def test_templates_differ():
    fields = {"tool": "t", "input_size": "small", **dict.fromkeys(NUMBER_FIELDS, 2)}
    assert len({render(fields, t) for t in range(len(TEMPLATES))}) == len(TEMPLATES)


@pytest.mark.parametrize(("value", "text"), [(4.0, "4"), (4, "4"), (0.5, "0.5"), (0, "0"), (0.0, "0"),
                                             (12.25, "12.25"), (1835, "1835"), (2.10, "2.1"), (0.001, "0.001")])
def test_format_number(value, text):
    assert format_number(value) == text


def test_singular_core():
    fields = {"tool": "t", "input_size": "small", **dict.fromkeys(NUMBER_FIELDS, 4)}
    assert "requires 1 CPU core, " in render({**fields, "cpu_cores": 1.0})
    assert "requires 2 CPU cores, " in render({**fields, "cpu_cores": 2})
    assert "requires 0.5 CPU cores, " in render({**fields, "cpu_cores": 0.5})
    for t in range(len(TEMPLATES)):
        assert parse(render({**fields, "cpu_cores": 1}, t))["cpu_cores"] == 1.0


def test_canonical_text_of_shipped_configs_parses(default_data, other_data):
    for data in (default_data, other_data):
        for config in data.configs:
            parsed = parse(render(fields_of(config)))
            assert parsed["template_id"] == CANONICAL
            assert [parsed["tool"], parsed["input_size"], *(parsed[f] for f in NUMBER_FIELDS)] == [
                config.tool, config.input_size, *(getattr(config, f) for f in NUMBER_FIELDS)]


@pytest.mark.parametrize("garbage", [
    "",
    "hello world",
    "Tool x configuration: input size small",
    "Tool x configuration: input size small, requires 2 CPU cores, 4 GB memory, 20 GPU SMs, 2 GB GPU memory, "
    "and latency is -5 ms.",
    "Tool x configuration: input size small, requires 2 CPU cores, 4 GB memory, 20 GPU SMs, 2 GB GPU memory, "
    "and latency is 5 ms. And more.",
    "Tool x configuration: input size small, requires two CPU cores, 4 GB memory, 20 GPU SMs, 2 GB GPU memory, "
    "and latency is 5 ms.",
    "Tool  configuration: input size small, requires 2 CPU cores, 4 GB memory, 20 GPU SMs, 2 GB GPU memory, "
    "and latency is 5 ms.",
])
def test_parse_rejects_garbage(garbage):
    assert parse(garbage) is None


def test_parse_fields_recovers_the_readable_fields():
    fields = {"tool": "doc_ocr", "input_size": "large", "cpu_cores": 2, "memory_gb": 0.5, "gpu_sm": 14,
              "gpu_memory_gb": 1.5, "latency_ms": 3.25}
    text = render(fields)
    assert parse_fields(text) == {f: format_number(v) if f in NUMBER_FIELDS else v for f, v in fields.items()}
    garbled = text.replace("Tool doc_ocr configuration", "Tol doc_ocr confguration").replace(
        "latency is", "latncy is").replace("requires 2 CPU", "requires 2CPU")
    assert parse(garbled) is None
    assert parse_fields(garbled) == {"input_size": "large", "memory_gb": "0.5", "gpu_sm": "14",
                                     "gpu_memory_gb": "1.5"}
