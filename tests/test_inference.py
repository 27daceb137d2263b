"""A decoded choice as the plan JSON every front end returns: out of scope, unsure, sure."""

import pytest
import torch

from tomas.api import PlanResult
from tomas.artifacts.planner_meta import PlannerMeta
from tomas.config import PlannerConfig
from tomas.inference import LoadedPlanner
from tomas.models.decoder import Choice
from tomas.plans import Plan
from tomas.recipes.plan import print_plan

FREE = {"cpu_cores": 64, "memory_gb": 512, "gpu_sm": 200, "gpu_memory_gb": 200}


@pytest.fixture
def planner(other_table):
    data, table = other_table
    meta = PlannerMeta(config={}, llm_model="tiny", tool_names=table.tool_names, num_configs=table.num_configs,
                       confirm_below=0.8)
    return LoadedPlanner(PlannerConfig(), meta, None, None, table, torch.device("cpu"))


def _choice(tool_prob, out_prob=0.01, config_id=0):
    return Choice(0, config_id, tool_prob, 0.9, None, "small", runner_up_tool=1, runner_up_tool_prob=1 - tool_prob,
                  out_of_scope_prob=out_prob, scope_score=out_prob, scope_rule="head",
                  out_of_scope=out_prob > 0.5)


def test_a_request_no_tool_serves_gets_no_tool_and_says_why(planner, capsys):
    result = planner.describe({"task": "Book me a flight", "free_resources": FREE}, _choice(0.7, out_prob=0.93))
    plan = result.to_dict()
    assert plan["tool"] is None and plan["config_id"] is None and plan["feasible"] is False
    assert plan["reason"].startswith("no registered tool serves this request")
    assert plan["out_of_scope_confidence"] == 0.93 and plan["closest_tool"] == {"tool": "speech_to_text",
                                                                                "confidence": 0.7}
    assert "input_size" in plan and plan["input_size"] is None and "size_source" not in plan
    assert not plan["needs_confirmation"]
    assert isinstance(result, PlanResult) and PlanResult is Plan  # the API's plan is the planner's
    assert result.tool is None and not result.feasible and result.reason == plan["reason"] and result.resources is None
    print_plan(result)
    assert capsys.readouterr().out.startswith("✗ Out of scope: no registered tool serves this request")


def test_an_unsure_tool_asks_to_confirm_between_the_top_two(planner, capsys):
    result = planner.describe({"task": "x", "free_resources": FREE}, _choice(0.6))
    plan = result.to_dict()
    assert plan["needs_confirmation"] and plan["tool"] == "speech_to_text" and plan["config_id"] == 0
    assert plan["candidate_tools"] == [{"tool": "speech_to_text", "confidence": 0.6},
                                       {"tool": planner.table.tool_names[1], "confidence": 0.4}]
    assert result.needs_confirmation and result.resources == {k: plan[k] for k in FREE}
    print_plan(result)
    assert capsys.readouterr().out.startswith("? Please confirm the tool: speech_to_text (60%) or ")


def test_a_sure_tool_answers_without_asking(planner):
    plan = planner.describe({"task": "x", "free_resources": FREE}, _choice(0.95)).to_dict()
    assert plan["needs_confirmation"] is False and "candidate_tools" not in plan and plan["tool"] == "speech_to_text"


def test_a_planner_trained_before_confirmation_never_asks(planner):
    planner.meta.confirm_below = None
    assert planner.describe({"task": "x", "free_resources": FREE}, _choice(0.05)).needs_confirmation is False


def test_a_refusal_by_nearest_neighbours_says_by_how_much(planner, capsys):
    """Refused by the nearest-neighbour memory: the plan reports its margin beside the head's probability, and the
    CLI line says what refused it (not a head probability that can be low)."""
    import dataclasses

    choice = dataclasses.replace(_choice(0.9, out_prob=0.02), scope_score=0.31, scope_rule="nearest",
                                 out_of_scope=True)
    plan = planner.describe({"task": "Book me a flight", "free_resources": FREE}, choice).to_dict()
    assert plan["tool"] is None and plan["out_of_scope_margin"] == 0.31 and plan["out_of_scope_confidence"] == 0.02
    print_plan(planner.describe({"task": "Book me a flight", "free_resources": FREE}, choice))
    assert "nearest out-of-scope training request is 0.31 nearer (cosine) than its" in capsys.readouterr().out
    head = planner.describe({"task": "x", "free_resources": FREE}, _choice(0.7, out_prob=0.93)).to_dict()
    assert "out_of_scope_margin" not in head  # refused by the head: no margin
    # Refused reading the words too (model.scope_lexical): the memory's margin and the words' part apart.
    words = dataclasses.replace(choice, scope_score=0.31, scope_words=0.36)
    plan = planner.describe({"task": "Book me a flight", "free_resources": FREE}, words)
    assert plan.out_of_scope_margin == -0.05 and plan.out_of_scope_words == 0.36
    print_plan(plan)
    assert "0.05 farther (cosine) than its nearest in-scope one, its words +0.36" in capsys.readouterr().out


def test_a_threshold_of_zero_is_kept(other_table):
    """A nearest-neighbour threshold can be exactly its boundary, 0: it must not fall back to the head's 0.5."""
    from tomas.inference import set_scope_threshold
    from tomas.models.decoder import HierarchicalDecoder
    from tomas.models.scope import NearestScope

    _, table = other_table
    decoder = HierarchicalDecoder(4, table, out_of_scope=True)
    decoder.set_scope_memory(NearestScope(torch.eye(4), torch.tensor([True, True, False, False])))
    for saved, expected in ((0.0, 0.0), (None, 0.0), (0.2, 0.2), (-0.1, -0.1)):
        set_scope_threshold(decoder, PlannerMeta(config={}, llm_model="tiny", tool_names=table.tool_names,
                                                 num_configs=table.num_configs, out_of_scope_above=saved))
        assert decoder.out_of_scope_above == expected
