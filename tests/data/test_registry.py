"""Tool registry loading: one test per malformed input, each checking the whole message."""

from __future__ import annotations

import json

import pytest

from tomas.data import load_tool_data
from tomas.data.registry import Tool, load_registry
from tomas.errors import DataError, TomasError


def _error(path) -> str:
    with pytest.raises(DataError) as info:
        load_registry(path)
    return str(info.value)


def _entries(small_data) -> list[dict]:
    return json.loads(small_data.registry.read_text())


def test_data_error_is_a_user_error():
    assert issubclass(DataError, TomasError)


def test_shipped_registry_loads_in_file_order(default_files):
    entries = json.loads(default_files[0].read_text())
    tools = load_registry(default_files[0])
    assert [(t.name, t.description) for t in tools] == [(e["name"], e["description"].strip()) for e in entries]
    assert [t.input_sizes.to_json() for t in tools] == [
        {s: {k: float(v) for k, v in d.items()} for s, d in e["input_sizes"].items()} for e in entries]


def test_other_registry_loads(other_files):
    entries = json.loads(other_files[0].read_text())
    assert [t.name for t in load_registry(other_files[0])] == [e["name"] for e in entries]


def test_description_is_stripped(small_data):
    small_data.write_registry([{"name": "a", "description": "  some text \n"}])
    assert load_registry(small_data.registry) == [Tool("a", "some text")]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.json"
    assert _error(path) == f"{path}: file not found"


def test_non_utf8_file(small_data):
    raw = b'[{"name": "caf\xe9", "description": "x"}]'  # Latin-1, not UTF-8
    small_data.registry.write_bytes(raw)
    message = _error(small_data.registry)
    assert message.startswith(f"{small_data.registry}: cannot read file (UnicodeDecodeError: ")
    assert f"byte 0xe9 in position {raw.index(0xE9)}" in message
    assert "\n" not in message


def test_empty_file(small_data):
    small_data.write_registry("  \n\n")
    assert _error(small_data.registry) == f"{small_data.registry}: file is empty"


def test_bad_json(small_data):
    small_data.write_registry('[\n  {"name": "a", "description": "b"},\n  {"name": "c" "description": "d"}\n]\n')
    assert _error(small_data.registry) == (
        f"{small_data.registry}: invalid JSON at line 3, column 16: Expecting ',' delimiter")


def test_registry_not_a_list(small_data):
    small_data.write_registry({"name": "a", "description": "b"})
    assert _error(small_data.registry) == f"{small_data.registry}: expected a JSON list of tools, got dict"


def test_registry_empty_list(small_data):
    small_data.write_registry([])
    assert _error(small_data.registry) == f"{small_data.registry}: the registry lists no tools"


def test_entry_not_an_object(small_data):
    small_data.write_registry([*_entries(small_data), "image_captioning"])
    assert _error(small_data.registry) == (
        f"{small_data.registry}: tool #3: expected an object with 'name' and 'description'")


def test_missing_name(small_data):
    entries = _entries(small_data)
    del entries[1]["name"]
    small_data.write_registry(entries)
    assert _error(small_data.registry) == f"{small_data.registry}: tool #2: field 'name' is missing or empty"


def test_name_with_whitespace(small_data):
    entries = _entries(small_data)
    entries[0]["name"] = "image classification"
    small_data.write_registry(entries)
    assert _error(small_data.registry) == (
        f"{small_data.registry}: tool #1: field 'name' 'image classification' must not contain whitespace")


def test_duplicate_name(small_data):
    entries = _entries(small_data)
    small_data.write_registry([*entries, dict(entries[0], description="another")])
    assert _error(small_data.registry) == (
        f"{small_data.registry}: tool #3: duplicate name 'image_classification' (first at tool #1)")


def test_missing_description(small_data):
    entries = _entries(small_data)
    entries[1]["description"] = "   "
    small_data.write_registry(entries)
    assert _error(small_data.registry) == (
        f"{small_data.registry}: tool #2 (text_summarization): field 'description' is missing or empty")


def test_load_tool_data_fingerprint_follows_content(small_data):
    first = load_tool_data(small_data.registry, small_data.profiling)
    again = load_tool_data(small_data.registry, small_data.profiling)
    small_data.set_cell(2, "latency_ms", "65")
    changed = load_tool_data(small_data.registry, small_data.profiling)
    assert first.fingerprint == again.fingerprint != changed.fingerprint


def test_subset_renumbers_and_rejects_unknown_tools(default_data):
    name = default_data.tool_names[-1]
    sub = default_data.subset([name])
    assert sub.tool_names == [name]
    assert [c.config_id for c in sub.configs] == list(range(len(sub.configs)))
    assert len(sub.configs) == len(default_data.tool_mask_map()[name])
    with pytest.raises(DataError, match="data.tools: unknown tool.* no_such_tool"):
        default_data.subset([name, "no_such_tool"])

