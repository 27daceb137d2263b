"""``planner.json`` typed: round trip, forward compatibility, and what an older planner was trained with."""

from __future__ import annotations

import dataclasses

import pytest

from tomas.artifacts.planner import with_old_defaults
from tomas.artifacts.planner_meta import FORMAT_VERSION, PlannerMeta
from tomas.config import PlannerConfig


def _meta(**extra) -> dict:
    return {"config": dataclasses.asdict(PlannerConfig()), "llm_model": "tiny", "tool_names": ["a", "b"],
            "num_configs": 5, **extra}


def test_round_trip_and_the_config_it_was_trained_with():
    meta = PlannerMeta.from_json(_meta(step=7, confirm_below=0.4))
    assert PlannerMeta.from_json(meta.to_json()) == meta
    assert meta.planner_config() == PlannerConfig() and meta.format_version == FORMAT_VERSION


def test_keys_of_a_later_version_are_ignored_and_a_missing_one_is_an_error():
    assert PlannerMeta.from_json(_meta(added_by_a_later_version=1)).tool_names == ["a", "b"]
    with pytest.raises(TypeError):
        PlannerMeta.from_json({k: v for k, v in _meta().items() if k != "tool_names"})
    with pytest.raises(TypeError):
        PlannerMeta.from_json(_meta(config=[1, 2]))


def test_an_older_planner_gets_the_settings_it_was_trained_with():
    old = _meta()
    del old["config"]["model"]["readout"], old["config"]["model"]["scope_text"]
    meta = PlannerMeta.from_json(with_old_defaults(old))
    assert meta.format_version == 1 and meta.planner_config().model.readout == "last"
    assert meta.planner_config().model.scope_text == "prompt" and PlannerConfig().model.scope_text == "span_prompt"
