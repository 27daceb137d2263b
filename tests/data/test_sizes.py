"""Size classes as registry data: parsing, validation errors, the one classification rule."""

import json

import pytest

from tomas.data import load_tool_data
from tomas.data.sizes import Quantity, parse_input_sizes
from tomas.errors import DataError

IMAGES = {"small": {"max_megapixels": 0.5}, "medium": {"max_megapixels": 16}, "large": {}}
TEXTS = {"small": {"max_pages": 3}, "medium": {"max_words": 20000}, "large": {}}


def test_classes_hold_up_to_their_max_and_above_the_previous():
    c = parse_input_sizes(IMAGES, "t")
    assert c.unit == "megapixels" and c.dimension == "area"
    assert [c.classify(Quantity("area", v)) for v in (0.004, 0.5, 0.51, 16, 16.1, 900)] == [
        "small", "small", "medium", "medium", "large", "large"]


def test_other_units_convert_within_the_dimension_and_file_sizes_across():
    pages = parse_input_sizes({"small": {"max_pages": 3}, "medium": {"max_pages": 60}, "large": {}}, "t")
    assert pages.classify(Quantity("length", 900)) == "small"  # 900 words = 3 pages
    assert pages.classify(Quantity("length", 901)) == "medium"
    assert pages.classify(Quantity("bytes", 6 * 900)) == "small"  # 6 bytes a word
    assert pages.classify(Quantity("area", 12)) is None  # an image size says nothing of a text
    pixels = parse_input_sizes({"small": {"max_pixels": 250_000}, "large": {}}, "t")
    assert pixels.classify(Quantity("area", 0.25)) == "small" and pixels.classify(Quantity("area", 0.3)) == "large"
    assert parse_input_sizes(IMAGES, "t").classify(Quantity("bytes", 3e6)) == "medium"  # 7.5 MP of JPEG
    frames = parse_input_sizes({"small": {"max_frames": 300}, "large": {}}, "t")
    assert frames.classify(Quantity("duration", 10)) == "small" and frames.classify(Quantity("duration", 11)) == "large"
    assert frames.classify(Quantity("bytes", 1e9)) is None  # a duration has no bytes rule


def test_a_bounded_largest_class_leaves_bigger_inputs_unclassified():
    c = parse_input_sizes({"small": {"max_words": 10}, "medium": {"max_words": 100}}, "t")
    assert c.classify(Quantity("length", 101)) is None


def test_round_trip_to_json():
    c = parse_input_sizes(IMAGES, "t")
    assert parse_input_sizes(json.loads(json.dumps(c.to_json())), "t") == c


@pytest.mark.parametrize("spec, message", [
    ({"huge": {}}, "unknown size 'huge'"),
    ({"small": {"max_furlongs": 3}, "large": {}}, "unknown key 'max_furlongs'"),
    ({"small": {"max_words": -1}, "large": {}}, "expected a positive number"),
    ({"small": {"max_words": True}, "large": {}}, "expected a positive number"),
    ({"small": {"max_words": 10}, "medium": {"max_pages": 5}, "large": {}}, "one unit for every class"),
    ({"small": {"max_words": 100}, "medium": {"max_words": 50}, "large": {}}, "overlap or are out of order"),
    ({"small": {}, "large": {"max_words": 50}}, "only the largest class may be open-ended"),
    ({"small": {}, "large": {}}, "one unit for every class"),
    ({"small": {"max_words": 1, "max_pages": 1}}, "one key max_<unit>"),
    ([], "expected an object of size classes"),
])
def test_bad_definitions_fail_in_one_line_naming_the_field(spec, message):
    with pytest.raises(DataError, match=message) as e:
        parse_input_sizes(spec, "tools.json: tool #2 (x)")
    assert "\n" not in str(e.value) and str(e.value).startswith("tools.json: tool #2 (x): field 'input_sizes'")


def _registry(tmp_path, sizes):
    path = tmp_path / "tools.json"
    path.write_text(json.dumps([{"name": "a", "description": "d", **({"input_sizes": sizes} if sizes else {})}]))
    return path


def _profiling(tmp_path, sizes):
    path = tmp_path / "profiling.csv"
    rows = [f"a,{s},2,4,20,2,{10 + i}" for i, s in enumerate(sizes)]
    path.write_text("tool,input_size,cpu_core,cpu_mem_gb,gpu_sm,gpu_mem_gb,latency_ms\n" + "\n".join(rows) + "\n")
    return path


def test_registry_reads_definitions_and_works_without(tmp_path):
    data = load_tool_data(_registry(tmp_path, IMAGES), _profiling(tmp_path, ["small", "medium", "large"]))
    assert data.tools[0].input_sizes.unit == "megapixels"
    data = load_tool_data(_registry(tmp_path, None), _profiling(tmp_path, ["small", "medium", "large"]))
    assert data.tools[0].input_sizes is None


def test_definitions_must_name_the_profiled_sizes(tmp_path):
    with pytest.raises(DataError, match="define small, medium, large; its profiling rows have small, large"):
        load_tool_data(_registry(tmp_path, IMAGES), _profiling(tmp_path, ["small", "large"]))


def test_shipped_registry_defines_every_tool():
    data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
    assert all(t.input_sizes is not None for t in data.tools)
