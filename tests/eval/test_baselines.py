"""The baselines a user would build: trained on the same file, the same size reader and oracle."""

import pytest

from tomas.data.planner import generate_planner, oracle_config
from tomas.eval.baselines import baseline_choices, fit_baseline, minilm_embed
from tomas.eval.planner import example_hints, planner_metrics


@pytest.fixture(scope="module")
def world(other_table):
    data, table = other_table
    return data, table, generate_planner(data, train_per_tool=80, val_per_tool=20, test_per_tool=20)


def test_tfidf_baseline_plans_with_the_oracle_and_the_size_reader(world):
    data, table, splits = world
    baseline = fit_baseline("tfidf", splits["train"])
    train = splits["train"]
    choices = baseline_choices(baseline, train, example_hints(train, data.tools, table, "numbers"), data,
                               table.tool_names)
    m = planner_metrics(train, choices, table)
    assert m["tool_accuracy"] > 0.9 and m["out_of_scope_recall"] > 0.9  # it learns its own training file
    for e, c in zip(train, choices):  # the configuration is the oracle's for the tool and size it chose
        tool = table.tool_names[c.tool_id]
        assert c.config_id == oracle_config(data, tool, c.input_size, e.free_resources, e.latency_budget_ms)
    test = splits["test"]
    given = baseline_choices(baseline, test, example_hints(test, data.tools, table, "given"), data, table.tool_names)
    assert all(c.input_size == e.input_size for c, e in zip(given, test) if e.tool is not None)
    assert planner_metrics(test, given, table)["violations"] == 0


def test_unknown_reader_is_refused(world):
    from tomas.errors import TomasError

    with pytest.raises(TomasError, match="unknown baseline reader 'bow'"):
        fit_baseline("bow", world[2]["train"])


def test_minilm_embeddings_are_unit_vectors_that_see_meaning():
    e = minilm_embed(["Caption this photo", "Describe this picture in a sentence", "Translate this letter to French"])
    assert e.shape == (3, 384) and abs(float((e ** 2).sum(1).mean()) - 1) < 1e-5
    assert e[0] @ e[1] > e[0] @ e[2]  # a caption request is nearer a description request than a translation
