"""Plan accuracy means tool, input size and configuration all right, "nothing fits" included."""

import dataclasses

import pytest

from tomas.data.planner import PlannerExample
from tomas.eval.planner import (
    CONFIRM_SLACK,
    by_size_source,
    confirmation_threshold,
    coverage_curve,
    example_hints,
    handwritten_metrics,
    planner_metrics,
)
from tomas.eval.scope import joint_scope_threshold, scope_threshold, with_scope_threshold
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


def _scoped(tool_id, prob, out_prob=0.1, size="small"):
    return Choice(tool_id, None, prob, None, None, size, out_of_scope_prob=out_prob, scope_score=out_prob,
                  out_of_scope=out_prob > 0.5)


def test_a_refused_request_is_right_only_when_no_tool_serves_it(other_table):
    data, table = other_table
    outside = PlannerExample("o0", "Book me a flight", None, None, _example(0, "x", "small", None).free_resources,
                             None, None, "out_of_scope/000")
    examples = [_example(0, "speech_to_text", "small", None), _example(1, "speech_to_text", "small", None),
                outside, outside]
    choices = [_scoped(0, 0.9), _scoped(0, 0.9, out_prob=0.8), _scoped(0, 0.9, out_prob=0.7), _scoped(1, 0.9)]
    m = planner_metrics(examples, choices, table)
    # In-scope figures are over the two in-scope requests; refusing one makes its tool wrong.
    assert m["num_examples"] == 2 and m["tool_accuracy"] == 0.5 and m["plan_accuracy"] == 0.5
    assert m["num_out_of_scope"] == 2 and m["out_of_scope_recall"] == 0.5 and m["in_scope_refused"] == 0.5
    assert sum(map(sum, m["confusion"])) == 2


def test_confirmation_threshold_is_the_lowest_that_meets_the_target(other_table):
    data, table = other_table
    examples = [_example(i, "speech_to_text", "small", None) for i in range(5)]
    # Probabilities 0.99, 0.95 right; 0.9 wrong; 0.8, 0.6 right.
    choices = [_scoped(0, 0.99), _scoped(0, 0.95), _scoped(1, 0.9), _scoped(0, 0.8), _scoped(0, 0.6)]
    # Placed CONFIRM_SLACK under the probability it is set at, so that a loaded planner's slightly different
    # arithmetic still answers that request; halfway to the next lower one where that is nearer.
    assert confirmation_threshold(examples, choices, table, target=1.0) == pytest.approx(0.95 - CONFIRM_SLACK)
    assert confirmation_threshold(examples, choices, table, target=0.8) == pytest.approx(0.6 - CONFIRM_SLACK)
    assert confirmation_threshold(examples, [_scoped(1, 0.9)] * 5, table) == 1.0  # never right: always ask
    close = [_scoped(0, 0.99), _scoped(0, 0.95), _scoped(1, 0.94995)]
    assert confirmation_threshold(examples[:3], close, table, target=1.0) == pytest.approx((0.95 + 0.94995) / 2)
    loaded = [dataclasses.replace(c, tool_prob=c.tool_prob - 1e-6) for c in choices]  # the merged LoRA's arithmetic
    threshold = confirmation_threshold(examples, choices, table, target=1.0)
    assert [c.tool_prob >= threshold for c in loaded] == [c.tool_prob >= 0.95 for c in choices]
    rows = {r["threshold"]: r for r in coverage_curve(examples, choices, table, (0.0, 0.95))}
    assert rows[0.0] == {"threshold": 0.0, "coverage": 1.0, "answered_tool_accuracy": 0.8}
    assert rows[0.95]["coverage"] == 0.4 and rows[0.95]["answered_tool_accuracy"] == 1.0


def test_the_scope_threshold_refuses_at_most_the_allowed_share_of_in_scope_requests(other_table):
    data, table = other_table
    inside = [_example(i, "speech_to_text", "small", None) for i in range(200)]
    probs = [0.99, 0.9, 0.7] + [0.01] * 197  # three in-scope requests the head would refuse at 0.5
    choices = [_scoped(0, 0.9, out_prob=p) for p in probs]
    assert scope_threshold(inside, choices, max_refused=0.005) == 0.9  # 1 of 200 may be refused: the 0.99 one
    assert scope_threshold(inside, choices, max_refused=0.01) == 0.7  # 2 of 200
    assert scope_threshold(inside, choices, max_refused=0.05) == 0.5  # never below the head's own boundary
    refused = with_scope_threshold(choices, 0.9)
    assert [c.out_of_scope for c in refused[:3]] == [True, False, False]


def test_the_joint_scope_threshold_holds_on_every_set(other_table):
    """Hand-written validation requests the head would refuse raise the threshold generated validation picks."""
    data, table = other_table
    val = [_example(i, "speech_to_text", "small", None) for i in range(100)]
    val_choices = [_scoped(0, 0.9, out_prob=p) for p in [0.6] + [0.01] * 99]
    hand = [_example(i, "speech_to_text", "small", None) for i in range(50)]
    hand_choices = [_scoped(0, 0.9, out_prob=p) for p in [0.97, 0.95, 0.8] + [0.01] * 47]
    assert joint_scope_threshold([(val, val_choices)], 0.01) == 0.5  # 1 of 100 may be refused: the 0.6 one
    # 1 of 50 may be refused: above the 0.95 one, halfway to the refused 0.97
    assert joint_scope_threshold([(val, val_choices), (hand, hand_choices)], 0.02) == pytest.approx(0.96)
    assert joint_scope_threshold([(val, val_choices), ([], [])], 0.01) == scope_threshold(val, val_choices, 0.01)
    assert joint_scope_threshold([], 0.01) == 0.5


def test_the_threshold_sits_halfway_between_the_last_request_kept_and_the_first_refused():
    """A request scored at the chosen threshold must not flip with a loaded planner's slightly different arithmetic
    (session 25: a merged LoRA moved one of planner_dev's in-scope requests a hair above it). Halfway up to the next
    score of any set's requests, in scope or not, the same validation requests are refused; a threshold that a
    floor or the boundary set, not a request, stays where it is."""
    from tomas.eval.scope import halfway_up

    inside = [_example(i, "speech_to_text", "small", None) for i in range(100)]
    outside = [_example(100 + i, None, None, None) for i in range(2)]
    choices = [Choice(0, 0, 1.0, 1.0, None, "small", scope_score=s) for s in [0.2, 0.1] + [-0.5] * 98]
    refusals = [Choice(0, 0, 1.0, 1.0, None, "small", scope_score=s) for s in (0.15, 0.9)]
    sets = [(inside, choices), (outside, refusals)]
    threshold = joint_scope_threshold(sets, 0.01, 0.0, float("-inf"))
    assert threshold == pytest.approx(0.125)  # 1 of 100 may be refused (0.2): above 0.1, halfway to the refusal's 0.15
    kept = [c.out_of_scope for _, cs in sets for c in with_scope_threshold(cs, threshold)]
    assert kept == [c.out_of_scope for _, cs in sets for c in with_scope_threshold(cs, 0.1)]
    nudged = dataclasses.replace(choices[1], scope_score=0.1 + 1e-6)
    assert not with_scope_threshold([nudged], threshold)[0].out_of_scope
    assert halfway_up(0.5, [0.1, 0.9]) == 0.5 and halfway_up(0.9, [0.1, 0.9]) == 0.9  # a floor; nothing above
    assert joint_scope_threshold(sets, 0.01, 0.0, float("-inf"), halfway=False) == 0.1  # the rule before session 25


def test_preferences_read_are_scored_among_those_stated_and_those_not():
    """``stated_read_right``: among requests stating a preference; ``false_preference``: in-scope requests stating
    none read as stating one (out-of-scope ones do not count); absent for a planner that reads none."""
    from types import SimpleNamespace

    from tomas.eval.planner import preference_metrics

    examples = [SimpleNamespace(preference=p, tool=t, config_id=None) for p, t in (
        ("fastest", "a"), ("few_cores", "a"), (None, "a"), (None, "a"), (None, "a"), (None, None))]
    read = [SimpleNamespace(preference=p, preference_prob=0.9, tool_id=0, config_id=None, out_of_scope=False)
            for p in ("fastest", None, None, "spare_gpu", None, "fastest")]
    table = SimpleNamespace(tool_names=["a"])
    m = preference_metrics(examples, read, table)
    assert m["stated_read_right"] == 0.5 and m["false_preference"] == 1 / 3 and m["preference_accuracy"] == 3 / 6
    unread = [SimpleNamespace(**{**vars(c), "preference": None, "preference_prob": None}) for c in read]
    assert "stated_read_right" not in preference_metrics(examples, unread, table)
