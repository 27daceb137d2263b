"""Plan accuracy means tool, input size and configuration all right, "nothing fits" included."""

from tomas.data.planner import PlannerExample
from tomas.eval.planner import by_size_source, example_hints, handwritten_metrics, planner_metrics
from tomas.models.decoder import Choice


def _example(i, tool, size, config_id, task="x"):
    free = {"cpu_cores": 0, "memory_gb": 0, "gpu_sm": 0, "gpu_memory_gb": 0}
    return PlannerExample(f"e{i}", task, tool, size, free, None, config_id, f"{tool}/hand-plain")


def _choice(tool_id, size, config_id=None):
    return Choice(tool_id, config_id, 0.9, None, None, size)


def test_nothing_fits_is_right_only_with_the_right_size(other_table):
    data, table = other_table
    examples = [_example(0, "speech_to_text", "small", None), _example(1, "speech_to_text", "small", None)]
    choices = [_choice(0, "small"), _choice(0, "large")]
    m = planner_metrics(examples, choices, table)
    assert m["plan_accuracy"] == 0.5 and m["tool_accuracy"] == 1.0
    hand = handwritten_metrics(examples, choices, table, stated={"e0": "number", "e1": "words"})
    assert hand["plan_accuracy"] == 0.5 and hand["size_accuracy"] == 0.5
    assert hand["by_size_stated"]["number"]["plan_accuracy"] == 1.0 and hand["by_size_stated"]["words"][
        "size_accuracy_given_tool"] == 0.0


def test_plan_accuracy_per_size_source(other_table):
    data, table = other_table
    examples = [_example(0, "speech_to_text", "large", None, "Transcribe this 90-minute recording"),
                _example(1, "speech_to_text", "small", None, "Transcribe this")]
    hints = example_hints(examples, data.tools, table, "numbers")
    assert [h[0].source for h in hints] == ["number", "words"] and hints[0][0].allowed == ("large",)
    given = example_hints(examples, data.tools, table, "given")
    assert [h[0].allowed for h in given] == [("large",), ("small",)] and given[1][0].source == "input"
    groups = by_size_source(examples, [_choice(0, "large"), _choice(0, "medium")], table, hints)
    assert groups == {"number": {"num_examples": 1, "plan_accuracy": 1.0},
                      "words": {"num_examples": 1, "plan_accuracy": 0.0}}
