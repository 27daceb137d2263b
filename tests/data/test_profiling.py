"""Profiling CSV loading: one test per malformed input; messages name file, row (header = row 1), column."""

from __future__ import annotations

import csv

import pytest

from tomas.data import load_tool_data
from tomas.data.profiling import CONFIG_FIELDS, INPUT_SIZES, load_profiling
from tomas.data.registry import load_registry
from tomas.errors import DataError


def _error(small_data) -> str:
    with pytest.raises(DataError) as info:
        load_profiling(small_data.profiling, load_registry(small_data.registry))
    message = str(info.value)
    assert "\n" not in message
    return message


def _load(small_data):
    return load_profiling(small_data.profiling, load_registry(small_data.registry))


def test_small_fixture_is_valid(small_data):
    configs = _load(small_data)
    rows = list(csv.DictReader(small_data.lines()))
    assert [c.config_id for c in configs] == list(range(len(rows)))
    assert [(c.tool, c.input_size, c.latency_ms) for c in configs] == [
        (r["tool"], r["input_size"], float(r["latency_ms"])) for r in rows]


@pytest.mark.parametrize("which", ["default", "other"])
def test_data_loads_row_by_row(which, default_files, other_files):
    registry, profiling = default_files if which == "default" else other_files
    data = load_tool_data(registry, profiling)
    rows = list(csv.reader(profiling.read_text().splitlines()))
    assert len(data.configs) == len(rows) - 1
    for config, row in zip(data.configs, rows[1:], strict=True):
        assert config.tool == row[0] and config.input_size == row[1]
        assert config.vector() == [float(INPUT_SIZES.index(row[1])), *map(float, row[2:])]
    assert len(config.vector()) == len(CONFIG_FIELDS)
    mask = data.tool_mask_map()
    assert list(mask) == data.tool_names
    assert sorted(i for ids in mask.values() for i in ids) == list(range(len(data.configs)))
    for name, ids in mask.items():
        assert all(data.configs[i].tool == name for i in ids)


def test_lookup_entry_uses_spec_keys(other_data):
    config = next(c for c in other_data.configs if c.memory_gb == 0.5 and c.cpu_cores == 1)
    entry = config.lookup_entry()
    assert list(entry) == ["tool_name", "input_size", "cpu_cores", "memory_gb", "gpu_sm", "gpu_memory_gb",
                           "latency_ms"]
    assert entry["cpu_cores"] == 1 and isinstance(entry["cpu_cores"], int)
    assert entry["memory_gb"] == 0.5


def test_missing_file(small_data):
    small_data.profiling.unlink()
    assert _error(small_data) == f"{small_data.profiling}: file not found"


def test_non_utf8_file(small_data):
    small_data.profiling.write_bytes(small_data.profiling.read_bytes().replace(b"image", b"\xffmage", 1))
    message = _error(small_data)
    assert message.startswith(f"{small_data.profiling}: cannot read file (UnicodeDecodeError: ")
    assert "0xff" in message


def test_empty_file(small_data):
    small_data.profiling.write_text("")
    assert _error(small_data) == f"{small_data.profiling}: file is empty"


def test_header_only(small_data):
    small_data.write_lines(small_data.lines()[:1])
    assert _error(small_data) == f"{small_data.profiling}: no data rows after the header"


def test_missing_column(small_data):
    lines = small_data.lines()
    small_data.write_lines([line.rsplit(",", 1)[0] for line in lines])
    assert _error(small_data) == f"{small_data.profiling}: row 1: missing column 'latency_ms'"


def test_missing_column_with_alias(small_data):
    lines = small_data.lines()
    small_data.write_lines([lines[0].replace("cpu_mem_gb", "ram"), *lines[1:]])
    assert _error(small_data) == f"{small_data.profiling}: row 1: missing column 'cpu_mem_gb' (or memory_gb)"


def test_column_twice_in_header(small_data):
    lines = small_data.lines()
    small_data.write_lines([lines[0].replace("gpu_sm", "gpu_mem_gb"), *lines[1:]])
    assert _error(small_data) == f"{small_data.profiling}: row 1: column 'gpu_mem_gb' appears twice in the header"


def test_two_aliases_of_one_field(small_data):
    lines = small_data.lines()
    small_data.write_lines([lines[0] + ",cpu_cores", *(line + ",3" for line in lines[1:])])
    assert _error(small_data) == (
        f"{small_data.profiling}: row 1: columns 'cpu_core' and 'cpu_cores' both give cpu_cores")


def test_non_numeric_value(small_data):
    small_data.set_cell(4, "cpu_mem_gb", "lots")
    assert _error(small_data) == f"{small_data.profiling}: row 4, column 'cpu_mem_gb': 'lots' is not a number"


def test_empty_value(small_data):
    small_data.set_cell(3, "gpu_sm", " ")
    assert _error(small_data) == f"{small_data.profiling}: row 3, column 'gpu_sm': empty value"


def test_nan(small_data):
    small_data.set_cell(5, "gpu_mem_gb", "nan")
    assert _error(small_data) == f"{small_data.profiling}: row 5, column 'gpu_mem_gb': 'nan' is not a finite number"


def test_inf(small_data):
    small_data.set_cell(2, "latency_ms", "inf")
    assert _error(small_data) == f"{small_data.profiling}: row 2, column 'latency_ms': 'inf' is not a finite number"


def test_negative_value(small_data):
    small_data.set_cell(6, "cpu_core", "-2")
    assert _error(small_data) == f"{small_data.profiling}: row 6, column 'cpu_core': '-2' is negative"


def test_zero_latency(small_data):
    small_data.set_cell(3, "latency_ms", "0")
    assert _error(small_data) == f"{small_data.profiling}: row 3, column 'latency_ms': latency must be > 0, got '0'"


def test_gpu_fields_zero_allowed(small_data):
    small_data.set_cell(5, "gpu_sm", "0")
    small_data.set_cell(5, "gpu_mem_gb", "0")
    config = _load(small_data)[3]
    assert (config.gpu_sm, config.gpu_memory_gb) == (0.0, 0.0)
    assert config.cpu_cores > 0 and config.latency_ms > 0


def test_unknown_input_size(small_data):
    small_data.set_cell(3, "input_size", "huge")
    assert _error(small_data) == (f"{small_data.profiling}: row 3, column 'input_size': unknown input size 'huge' "
                                  f"(expected one of small, medium, large)")


def test_tool_not_in_registry(small_data):
    small_data.set_cell(6, "tool", "text_summarisation")
    assert _error(small_data) == (
        f"{small_data.profiling}: row 6, column 'tool': tool 'text_summarisation' is not in the tool registry")


def test_tool_not_in_registry_lookup_header(small_data):
    lines = small_data.lines()
    small_data.write_lines([lines[0].replace("tool,", "tool_name,"), *lines[1:], "ocr,small,1,1,0,0,5"])
    assert _error(small_data) == (
        f"{small_data.profiling}: row 7, column 'tool_name': tool 'ocr' is not in the tool registry")


def test_registry_tool_without_rows(small_data):
    entries = load_registry(small_data.registry)
    small_data.write_registry([{"name": t.name, "description": t.description} for t in entries]
                              + [{"name": "speech_to_text", "description": "Transcribes speech."}])
    assert _error(small_data) == (
        f"{small_data.profiling}: tool 'speech_to_text' from the registry has no profiling rows")


def test_duplicate_configuration(small_data):
    lines = small_data.lines()
    small_data.write_lines([*lines, lines[3].rsplit(",", 1)[0] + ",999"])
    assert _error(small_data) == (f"{small_data.profiling}: rows 4 and 7: duplicate configuration "
                                  f"(same tool, input_size, cpu, memory, gpu_sm, gpu_memory)")


def test_duplicate_configuration_written_differently(small_data):
    # Row 3 becomes row 2's configuration, with the numbers written as decimals.
    small_data.set_cell(3, "input_size", "small")
    for column, value in (("cpu_core", "2.0"), ("cpu_mem_gb", "4.00"), ("gpu_sm", "20"), ("gpu_mem_gb", "2.0")):
        small_data.set_cell(3, column, value)
    assert _error(small_data).startswith(f"{small_data.profiling}: rows 2 and 3: duplicate configuration")


def test_wrong_column_count(small_data):
    lines = small_data.lines()
    lines[4] = lines[4].rsplit(",", 1)[0]
    small_data.write_lines(lines)
    assert _error(small_data) == f"{small_data.profiling}: row 5: expected 7 columns, found 6"


def test_empty_row_in_the_middle(small_data):
    lines = small_data.lines()
    small_data.write_lines([*lines[:3], "", *lines[3:]])
    assert _error(small_data) == f"{small_data.profiling}: row 4: empty row"


def test_utf8_bom_is_accepted(small_data):
    # Spreadsheet programs save "CSV UTF-8" with a byte-order mark before the header.
    small_data.profiling.write_bytes(b"\xef\xbb\xbf" + small_data.profiling.read_bytes())
    small_data.registry.write_bytes(b"\xef\xbb\xbf" + small_data.registry.read_bytes())
    assert [c.tool for c in _load(small_data)] == [line.split(",")[0] for line in small_data.lines()[1:]]
