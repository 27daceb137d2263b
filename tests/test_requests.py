"""The plan request, validated once: the CLI / API path (``parse_request``) and the server's model give the same
one-line message for the same bad input."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tomas.errors import DataError
from tomas.requests import MAX_TASK_CHARS, error_message, parse_request, request_models

FREE = {"cpu_cores": 4, "memory_gb": 8, "gpu_sm": 0, "gpu_memory_gb": 0}

BAD = [
    ({"task": "x", "free_resources": {**FREE, "gpu_sm": -1}}, "field free_resources.gpu_sm: Input should be greater"),
    ({"task": "x", "free_resources": {k: v for k, v in FREE.items() if k != "memory_gb"}},
     "field free_resources.memory_gb: Field required"),
    ({"task": "x", "free_resources": {**FREE, "cpu_cores": float("inf")}}, "field free_resources.cpu_cores: "),
    ({"task": "x", "free_resources": {**FREE, "cpu_cores": True}}, "field free_resources.cpu_cores: "),
    ({"task": "x", "free_resources": {**FREE, "cpu_cores": "4"}}, "field free_resources.cpu_cores: "),
    ({"task": "   ", "free_resources": FREE}, "field task: must not be blank"),
    ({"task": "x" * (MAX_TASK_CHARS + 1), "free_resources": FREE},
     "field task: String should have at most"),
    ({"task": "x", "free_resources": FREE, "latency_budget_ms": -5},
     "field latency_budget_ms: Input should be greater"),
    ({"task": "x", "free_resources": FREE, "input_size": "huge"}, "field input_size: "),
    ({"task": "x", "free_resources": FREE, "input": {"width": 3}}, "field input: width and height go together"),
    ({"task": "x", "free_resources": FREE, "latency_budget": 5}, "field latency_budget: Extra inputs"),
]


@pytest.mark.parametrize(("request_", "message"), BAD)
def test_the_same_bad_input_is_the_same_line_everywhere(request_, message):
    with pytest.raises(DataError) as local:
        parse_request(request_, "line 3")
    PlanRequest, _ = request_models(local=False)  # the server's model
    with pytest.raises(ValidationError) as server:
        PlanRequest.model_validate(request_)
    assert str(local.value) == f"line 3: {error_message(server.value.errors())}"
    assert str(local.value).startswith(f"line 3: {message}") and "\n" not in str(local.value)


def test_a_good_request_comes_back_normalised():
    r = parse_request({"id": 9, "task": "Caption it", "free_resources": FREE, "input": {"width": 640, "height": 480},
                       "input_size": "small"}, "x")
    assert r == {"id": 9, "task": "Caption it", "free_resources": FREE, "latency_budget_ms": None,
                 "input": {"width": 640, "height": 480}, "input_size": "small"}


def test_a_path_is_read_on_this_machine_and_refused_over_http(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("word " * 120)
    assert parse_request({"task": "Summarise", "free_resources": FREE, "input": {"path": str(text)}}, "x")["input"] \
        == {"path": str(text)}
    with pytest.raises(DataError, match="x: .*nowhere.txt"):
        parse_request({"task": "Summarise", "free_resources": FREE, "input": {"path": str(tmp_path / "nowhere.txt")}},
                      "x")
    PlanRequest, _ = request_models(local=False)
    with pytest.raises(ValidationError) as e:
        PlanRequest.model_validate({"task": "x", "free_resources": FREE, "input": {"path": "/etc/passwd"}})
    assert error_message(e.value.errors()).startswith("field input.path: Extra inputs")


def test_free_resources_auto_or_four_numbers():
    assert parse_request({"task": "x", "free_resources": "auto"}, "x")["free_resources"] == "auto"
    with pytest.raises(DataError) as e:
        parse_request({"task": "x", "free_resources": "manual"}, "line 1")
    assert str(e.value).startswith("line 1: field free_resources: ")  # no union branch names in the field path
