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
                  out_of_scope_prob=out_prob, scope_score=out_prob,
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
