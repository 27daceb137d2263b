"""HierarchicalDecoder: masks are hard (no masked id is ever returned), init from Phase 0 rows."""

from __future__ import annotations

import json
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tomas.artifacts.assets import save_assets
from tomas.data import load_tool_data
from tomas.data.profiling import INPUT_SIZES, RESOURCES
from tomas.errors import DataError
from tomas.models.config_table import ConfigTable
from tomas.models.decoder import HierarchicalDecoder, rescale_rows

FIXTURE = "tests/fixtures/other"
HIDDEN = 16


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> ConfigTable:
    data = load_tool_data(f"{FIXTURE}/tools.json", f"{FIXTURE}/profiling.csv")
    out = tmp_path_factory.mktemp("assets")
    save_assets(torch.randn(len(data.configs), HIDDEN), data, out, log=lambda *_: None)
    return ConfigTable.from_assets(out)


def test_table_reads_the_exported_assets(table):
    data = load_tool_data(f"{FIXTURE}/tools.json", f"{FIXTURE}/profiling.csv")
    assert table.tool_names == data.tool_names
    assert table.tool_mask_map() == data.tool_mask_map()
    for c in data.configs:
        assert INPUT_SIZES[int(table.size_of[c.config_id])] == c.input_size
        assert table.resources[c.config_id].tolist() == [float(getattr(c, r)) for r in RESOURCES]


def test_table_rejects_mask_map_that_disagrees(table, tmp_path):
    (tmp_path / "config_lookup.json").write_text(json.dumps({str(i): e for i, e in table.lookup.items()}))
    mask = table.tool_mask_map()
    first, second = list(mask)[:2]
    mask[first], mask[second] = mask[second], mask[first]
    (tmp_path / "tool_mask_map.json").write_text(json.dumps(mask))
    with pytest.raises(DataError, match="not listed under its tool"):
        ConfigTable.from_assets(tmp_path)


def test_missing_assets_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="config_lookup.json: not found"):
        ConfigTable.from_assets(tmp_path)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10_000), batch=st.integers(1, 6), scale=st.floats(0.0, 3.0), features=st.booleans())
def test_predict_never_returns_a_masked_id(table, seed, batch, scale, features):
    """Random decoder weights (feature scorer on or off), random hidden states, random free
    resources (scale of the table's max) and latency budgets."""
    torch.manual_seed(seed)
    dec = HierarchicalDecoder(HIDDEN, table, config_features=features, feature_scale=10.0)
    if features:
        with torch.no_grad():
            for p in dec.feature_head.parameters():
                p.normal_()
    hidden = torch.randn(batch, HIDDEN) * 10
    free = table.resources.max(0).values * scale * torch.rand(batch, len(RESOURCES), dtype=torch.float64)
    budget = torch.where(torch.rand(batch) < 0.5, float("nan"), torch.rand(batch) * 2 * table.latency.max())
    choices = dec.predict(hidden, free, budget.double())
    with torch.no_grad():
        out = dec.logits(hidden)
    for b, c in enumerate(choices):
        assert c.tool_id == int(out.tool[b].argmax())
        same = [i for i in range(table.num_configs) if int(table.tool_of[i]) == c.tool_id
                and INPUT_SIZES[int(table.size_of[i])] == c.input_size
                and all(table.resources[i, k] <= free[b, k] for k in range(len(RESOURCES)))]
        if not same:
            assert c.config_id is None and c.runner_up is None
            continue
        assert c.config_id in same
        allowed = torch.zeros(1, table.num_configs, dtype=torch.bool)
        allowed[0, same] = True
        one = type(out)(*(None if t is None else t[b:b + 1] for t in out))
        scores = dec.candidate_scores(one, allowed, budget[b:b + 1].double())[0]
        assert c.config_id == max(same, key=lambda i: float(scores[i]))
        assert c.runner_up is None or (c.runner_up in same and c.runner_up != c.config_id)


def test_input_size_is_the_most_probable_mass(table):
    """The chosen size is the one holding most of the chosen tool's config-head probability."""
    torch.manual_seed(1)
    dec = HierarchicalDecoder(HIDDEN, table)
    hidden = torch.randn(8, HIDDEN) * 5
    choices = dec.predict(hidden)
    config = dec.logits(hidden).config
    for b, c in enumerate(choices):
        probs = config[b].masked_fill(table.tool_of != c.tool_id, -math.inf).softmax(-1)
        mass = [float(probs[table.size_of == s].sum()) for s in range(len(INPUT_SIZES))]
        assert abs(sum(mass) - 1) < 1e-5 and c.input_size == INPUT_SIZES[max(range(len(mass)), key=mass.__getitem__)]
        lp = dec.size_log_probs(config[b:b + 1], torch.tensor([c.tool_id]))[0]
        assert torch.allclose(lp.exp(), torch.tensor(mass), atol=1e-5)


def test_known_sizes_decide_and_narrow_the_size(table):
    """``size_allowed``: one allowed size is the size (confidence 1, even against the head); several narrow the
    head's reading to them, renormalised; the configuration is always of the size chosen."""
    torch.manual_seed(3)
    dec = HierarchicalDecoder(HIDDEN, table)
    hidden = torch.randn(9, HIDDEN) * 5
    free_choice = dec.predict(hidden)
    n_tools = len(table.tool_names)
    for k, size in enumerate(INPUT_SIZES):
        allowed = torch.zeros(9, n_tools, len(INPUT_SIZES), dtype=torch.bool)
        allowed[:, :, k] = True
        for b, c in enumerate(dec.predict(hidden, size_allowed=allowed)):
            assert c.input_size == size and c.size_prob == pytest.approx(1.0) and c.runner_up_size is None
            assert c.tool_id == free_choice[b].tool_id  # the size never moves the tool
            assert c.config_id is None or INPUT_SIZES[int(table.size_of[c.config_id])] == size
    two = torch.ones(9, n_tools, len(INPUT_SIZES), dtype=torch.bool)
    two[:, :, 1] = False  # small or large
    config = dec.logits(hidden).config
    for b, c in enumerate(dec.predict(hidden, size_allowed=two)):
        mass = dec.size_log_probs(config[b:b + 1], torch.tensor([c.tool_id]))[0].exp()
        expect = "small" if mass[0] >= mass[2] else "large"
        assert c.input_size == expect and c.runner_up_size == ({"small", "large"} - {expect}).pop()
        k = INPUT_SIZES.index(expect)
        assert c.size_prob == pytest.approx(float(mass[k] / (mass[0] + mass[2])), rel=1e-4)


def test_a_known_size_the_tool_lacks_means_nothing_fits(tmp_path):
    """A size the tool has no configurations of is still the answer's size, and nothing fits."""
    (tmp_path / "tools.json").write_text('[{"name": "a", "description": "d"}, {"name": "b", "description": "d"}]')
    rows = ["a,small,2,4,20,2,10", "a,medium,2,4,20,2,20", "b,small,2,4,20,2,30", "b,large,2,4,20,2,40"]
    (tmp_path / "profiling.csv").write_text("tool,input_size,cpu_core,cpu_mem_gb,gpu_sm,gpu_mem_gb,latency_ms\n"
                                            + "\n".join(rows) + "\n")
    data = load_tool_data(tmp_path / "tools.json", tmp_path / "profiling.csv")
    save_assets(torch.randn(len(data.configs), HIDDEN), data, tmp_path / "assets", log=lambda *_: None)
    small = ConfigTable.from_assets(tmp_path / "assets")
    dec = HierarchicalDecoder(HIDDEN, small)
    allowed = torch.zeros(4, 2, len(INPUT_SIZES), dtype=torch.bool)
    allowed[:, :, INPUT_SIZES.index("large")] = True
    choices = dec.predict(torch.randn(4, HIDDEN), tools=torch.tensor([0, 0, 1, 1]), size_allowed=allowed)
    assert [(c.input_size, c.config_id) for c in choices] == [("large", None)] * 2 + [("large", 3)] * 2


def test_unlimited_resources_keep_only_tool_and_size_masks(table):
    """Without free resources every configuration of the chosen tool and size is a candidate:
    the choice is the best-scoring of them, whichever resources it needs."""
    torch.manual_seed(2)
    dec = HierarchicalDecoder(HIDDEN, table)
    hidden = torch.randn(6, HIDDEN) * 5
    config = dec.logits(hidden).config
    for b, c in enumerate(dec.predict(hidden)):
        same = [i for i in range(table.num_configs) if int(table.tool_of[i]) == c.tool_id
                and INPUT_SIZES[int(table.size_of[i])] == c.input_size]
        assert c.config_id == max(same, key=lambda i: float(config[b, i]))


def test_the_runner_up_tool_is_the_second_most_probable(table):
    dec = HierarchicalDecoder(HIDDEN, table)
    hidden = torch.randn(4, HIDDEN) * 5
    probs = dec.logits(hidden).tool.softmax(-1)
    for b, c in enumerate(dec.predict(hidden)):
        order = probs[b].argsort(descending=True).tolist()
        assert (c.tool_id, c.runner_up_tool) == (order[0], order[1])
        assert c.runner_up_tool_prob == pytest.approx(float(probs[b, order[1]]))
        assert c.runner_up_tool_prob <= c.tool_prob


def test_config_head_starts_from_phase0_rows_rescaled(table):
    rows = torch.randn(table.num_configs, HIDDEN) * 50 + 3
    dec = HierarchicalDecoder(HIDDEN, table, rows)
    w = dec.config_head.weight.detach()
    expected = rescale_rows(rows)
    assert torch.allclose(w, expected)
    # Geometry kept: same pairwise cosine structure as the centred rows; scale of a default init.
    centred = rows - rows.mean(0)
    cos = torch.nn.functional.cosine_similarity
    assert torch.allclose(cos(w[0:1], w), cos(centred[0:1], centred), atol=1e-5)
    assert abs(w.norm(dim=1).mean().item() - 3 ** -0.5) < 1e-4
    assert torch.count_nonzero(dec.config_head.bias) == 0


def test_wrong_shaped_rows_are_refused(table):
    with pytest.raises(DataError, match="does not match"):
        HierarchicalDecoder(HIDDEN, table, torch.randn(table.num_configs + 1, HIDDEN))


def test_feature_scorer_starts_off(table):
    dec = HierarchicalDecoder(HIDDEN, table, config_features=True)
    plain = HierarchicalDecoder(HIDDEN, table)
    plain.load_state_dict({k: v for k, v in dec.state_dict().items() if not k.startswith("feature_head")})
    hidden = torch.randn(4, HIDDEN)
    budget = torch.tensor([float("nan"), 50.0, 1e9, 1.0], dtype=torch.float64)
    allowed = dec.allowed(torch.tensor([0, 1, 0, 1]), torch.tensor([0, 1, 2, 0]), None)
    with torch.no_grad():
        assert torch.equal(dec.candidate_scores(dec.logits(hidden), allowed, budget),
                           plain.candidate_scores(plain.logits(hidden), allowed))


def test_candidate_features_rank_within_each_request(table):
    """Latency rank among the allowed ones, meets-the-budget, and cost rank among those that meet it."""
    tool, size = torch.tensor([0, 0]), torch.tensor([1, 1])
    dec = HierarchicalDecoder(HIDDEN, table)
    allowed = dec.allowed(tool, size, None)
    ids = torch.nonzero(allowed[0]).flatten().tolist()
    budget_ms = sorted(float(table.latency[i]) for i in ids)[len(ids) // 2]
    feats = table.candidate_features(allowed, torch.tensor([float("nan"), budget_ms], dtype=torch.float64))
    by_latency = sorted(ids, key=lambda i: (float(table.latency[i]), i))
    assert [int(feats[0, i, 0]) for i in by_latency] == list(range(len(ids)))
    assert torch.equal(feats[0, :, 1], torch.zeros(table.num_configs))  # no budget: nothing "meets" it
    meeting = [i for i in ids if float(table.latency[i]) <= budget_ms]
    assert sorted(torch.nonzero(feats[1, :, 1]).flatten().tolist()) == meeting
    cost = table.resource_cost
    by_cost = sorted(meeting, key=lambda i: (float(cost[i]), float(table.latency[i]), i))
    assert [int(feats[1, i, 2]) for i in by_cost] == list(range(len(meeting)))
    assert torch.all(feats[:, ~allowed[0]] == 0)


def test_feature_scorer_does_not_vote_on_the_input_size(table):
    """A scorer that strongly prefers the fastest candidate must not change the size read from the
    config head; it only ranks configurations within that size."""
    dec = HierarchicalDecoder(HIDDEN, table, config_features=True, feature_scale=10.0)
    large = INPUT_SIZES.index("large")
    with torch.no_grad():
        dec.config_head.bias.copy_((table.size_of == large).float())  # config head: "large" holds the most mass
        dec.feature_head.bias.copy_(torch.tensor([-100.0, 0.0, 0.0]))  # fastest wins by far
    choice = dec.predict(torch.zeros(1, HIDDEN))[0]
    assert choice.input_size == "large"
    ids = [i for i in range(table.num_configs) if table.tool_of[i] == choice.tool_id and table.size_of[i] == large]
    assert choice.config_id == min(ids, key=lambda i: float(table.latency[i]))


@pytest.mark.parametrize(("preference", "weights"), [
    # latency rank, meets the budget, cost rank[, GPU-share rank, cores rank]
    (None, [-0.01, 100.0, -1.0]),
    (None, [-0.01, 100.0, -1.0, 0.0, 0.0]),
    ("fastest", [-1.0, 0.0, 0.0, 0.0, 0.0]),
    ("spare_gpu", [0.0, 100.0, 0.0, -1.0, 0.0]),
    ("few_cores", [0.0, 100.0, 0.0, 0.0, -1.0]),
])
def test_feature_scorer_can_express_the_oracle(table, preference, weights):
    """Features mean what they say: one fixed weighting of them per preference reproduces the oracle's
    choice (fastest; with a budget, least resources among those meeting it; least GPU or cores) on
    generated examples, with and without the preference features."""
    from tomas.data.planner import generate_planner
    from tomas.models.planner import budget_tensor, free_tensor

    data = load_tool_data(f"{FIXTURE}/tools.json", f"{FIXTURE}/profiling.csv")
    examples = [e for e in generate_planner(data, seed=1, train_per_tool=300, val_per_tool=0, test_per_tool=0,
                                            preference_share=0.3)["train"]
                if e.config_id is not None and e.preference == preference]
    assert sum(e.latency_budget_ms is not None for e in examples) > 5
    dec = HierarchicalDecoder(HIDDEN, table, config_features=True, preferences=len(weights) > 3)
    with torch.no_grad():
        for p in dec.parameters():
            p.zero_()
        dec.feature_head.bias.copy_(torch.tensor(weights))
        out = dec.logits(torch.zeros(len(examples), HIDDEN))
    tools = torch.tensor([data.tool_id(e.tool) for e in examples])
    sizes = torch.tensor([INPUT_SIZES.index(e.input_size) for e in examples])
    allowed = dec.allowed(tools, sizes, free_tensor([e.free_resources for e in examples]))
    chosen = dec.candidate_scores(out, allowed, budget_tensor([e.latency_budget_ms for e in examples])).argmax(-1)
    assert chosen.tolist() == [e.config_id for e in examples]


def test_live_head_starts_as_the_row_head_and_trains_only_its_map(table):
    """Same rows: the same first logits; a step moves the map, never the rows, and so also moves
    the logits of configurations no example in the batch had as its answer."""
    torch.manual_seed(0)
    rows = torch.randn(table.num_configs, HIDDEN)
    live = HierarchicalDecoder(HIDDEN, table, rows, live_rows=True)
    fixed = HierarchicalDecoder(HIDDEN, table, rows)
    hidden = torch.randn(4, HIDDEN)
    assert torch.allclose(live.logits(hidden).config, fixed.logits(hidden).config, atol=1e-5)
    assert "config_head.rows" in live.state_dict()  # saved with the heads: a loaded planner scores the same rows
    before_rows, before = live.config_head.rows.clone(), live.logits(hidden).config.detach()
    opt = torch.optim.SGD(live.parameters(), lr=0.5)
    target = torch.zeros(4, dtype=torch.long)  # every example's answer: configuration 0
    torch.nn.functional.cross_entropy(live.logits(hidden).config, target).backward()
    opt.step()
    assert torch.equal(live.config_head.rows, before_rows)
    after = live.logits(hidden).config.detach()
    assert not torch.allclose(after[:, 1:], before[:, 1:])  # never an answer, still moved


def test_live_head_without_rows_draws_random_ones_and_checks_shapes(table):
    torch.manual_seed(0)
    live = HierarchicalDecoder(HIDDEN, table, None, live_rows=True)
    assert live.config_head.rows.shape == (table.num_configs, HIDDEN)
    with pytest.raises(DataError, match="does not match"):  # one row per configuration, always
        HierarchicalDecoder(HIDDEN, table, torch.randn(table.num_configs + 1, HIDDEN), live_rows=True)
    with pytest.raises(DataError, match="does not match"):  # a row head's rows are as wide as the hidden states
        HierarchicalDecoder(HIDDEN, table, torch.randn(table.num_configs, HIDDEN + 1))
    # A live head maps another reader's hidden states onto rows of any width (Phase 0's, read by MiniLM).
    wide = HierarchicalDecoder(HIDDEN, table, torch.randn(table.num_configs, HIDDEN + 5), live_rows=True)
    assert wide.config_head.map.weight.shape == (HIDDEN + 5, HIDDEN)
    assert wide.logits(torch.randn(2, HIDDEN)).config.shape == (2, table.num_configs)


def test_preferences_route_the_scorer_and_the_plan_reports_the_route(table):
    """Reading preferences: each preference's offset alone reproduces the oracle for its examples when the
    example is routed by its preference (training), and planning routes by the preference head and reports it."""
    from tomas.data.planner import generate_planner
    from tomas.data.planner.preferences import PREFERENCE_NAMES, preference_class
    from tomas.models.decoder import PREFERENCE_SCALE
    from tomas.models.planner import budget_tensor, free_tensor

    data = load_tool_data(f"{FIXTURE}/tools.json", f"{FIXTURE}/profiling.csv")
    examples = [e for e in generate_planner(data, seed=1, train_per_tool=300, val_per_tool=0, test_per_tool=0,
                                            preference_share=0.3)["train"] if e.config_id is not None]
    dec = HierarchicalDecoder(HIDDEN, table, config_features=True, preferences=True)
    oracle = {None: [-0.01, 100.0, -1.0, 0.0, 0.0], "fastest": [-1.0, 0.0, 0.0, 0.0, 0.0],
              "spare_gpu": [0.0, 100.0, 0.0, -1.0, 0.0], "few_cores": [0.0, 100.0, 0.0, 0.0, -1.0]}
    with torch.no_grad():
        for p in dec.parameters():
            p.zero_()
        for name, w in oracle.items():
            dec.preference_weights[preference_class(name)] = torch.tensor(w) / (dec.feature_scale * PREFERENCE_SCALE)
        out = dec.logits(torch.zeros(len(examples), HIDDEN))
    tools = torch.tensor([data.tool_id(e.tool) for e in examples])
    sizes = torch.tensor([INPUT_SIZES.index(e.input_size) for e in examples])
    allowed = dec.allowed(tools, sizes, free_tensor([e.free_resources for e in examples]))
    budgets = budget_tensor([e.latency_budget_ms for e in examples])
    routes = torch.tensor([preference_class(e.preference) for e in examples])
    chosen = dec.candidate_scores(out, allowed, budgets, routes).argmax(-1)
    assert chosen.tolist() == [e.config_id for e in examples]
    assert len({e.preference for e in examples}) == 1 + len(PREFERENCE_NAMES)
    with torch.no_grad():  # the head reads "few_cores" for every request: planning routes by it and says so
        dec.preference_head.bias[preference_class("few_cores")] = 5.0
    hidden = torch.zeros(len(examples), HIDDEN)
    choices = dec.predict(hidden, free_tensor([e.free_resources for e in examples]), budgets, tools)
    few = [c.config_id for c, e in zip(choices, examples)
           if e.preference == "few_cores" and c.input_size == e.input_size]
    assert all(c.preference == "few_cores" and c.preference_prob > 0.9 for c in choices)
    assert few and few == [e.config_id for c, e in zip(choices, examples)
                           if e.preference == "few_cores" and c.input_size == e.input_size]


@pytest.mark.parametrize("preference", [None, "fastest", "spare_gpu", "few_cores"])
def test_rule_pick_is_the_oracle_whatever_the_heads_say(table, preference):
    """``config_pick: rule``: given the tool, the size and the preference read, the plan's configuration is
    the oracle's label on generated examples (budgets, free resources, preferences), from random heads that
    pick otherwise in ``head`` mode; the runner-up is another allowed configuration."""
    from tomas.data.planner import generate_planner
    from tomas.data.planner.preferences import preference_class
    from tomas.models.planner import budget_tensor, free_tensor

    data = load_tool_data(f"{FIXTURE}/tools.json", f"{FIXTURE}/profiling.csv")
    examples = [e for e in generate_planner(data, seed=2, train_per_tool=300, val_per_tool=0, test_per_tool=0,
                                            preference_share=0.5)["train"]
                if e.config_id is not None and e.preference == preference]
    assert sum(e.latency_budget_ms is not None for e in examples) > 5
    torch.manual_seed(0)
    dec = HierarchicalDecoder(HIDDEN, table, config_features=True, preferences=True, config_pick="rule")
    with torch.no_grad():  # the preference head reads the stated preference, whatever the state
        dec.preference_head.weight.zero_()
        dec.preference_head.bias.copy_(10.0 * torch.eye(4)[preference_class(preference)])
    tools = torch.tensor([data.tool_id(e.tool) for e in examples])
    sizes = torch.zeros(len(examples), len(table.tool_names), len(INPUT_SIZES), dtype=torch.bool)
    sizes[torch.arange(len(examples)), tools, torch.tensor([INPUT_SIZES.index(e.input_size) for e in examples])] = True
    args = (torch.randn(len(examples), HIDDEN), free_tensor([e.free_resources for e in examples]),
            budget_tensor([e.latency_budget_ms for e in examples]), tools, sizes)
    choices = dec.predict(*args)
    assert [c.config_id for c in choices] == [e.config_id for e in examples]
    assert all(c.config_prob == 1.0 and c.runner_up != c.config_id for c in choices)
    dec.config_pick = "head"
    assert [c.config_id for c in dec.predict(*args)] != [e.config_id for e in examples]


@pytest.mark.parametrize("preference", ["fastest", "spare_gpu", "few_cores"])
def test_without_a_preference_head_the_words_reading_is_what_the_rule_honours(table, preference):
    """``model.preference_lexical``: the preference the words state (``predict``'s ``preferences``) is the one the
    configuration rule honours and the plan reports; nothing read, the plain rule; a preference head's reading wins."""
    from tomas.data.planner import generate_planner
    from tomas.data.planner.oracle import ToolIndex
    from tomas.data.planner.preferences import preference_class
    from tomas.models.planner import budget_tensor, free_tensor

    data = load_tool_data(f"{FIXTURE}/tools.json", f"{FIXTURE}/profiling.csv")
    examples = [e for e in generate_planner(data, seed=2, train_per_tool=300, val_per_tool=0, test_per_tool=0,
                                            preference_share=0.5)["train"]
                if e.config_id is not None and e.preference == preference]
    dec = HierarchicalDecoder(HIDDEN, table, config_features=True, config_pick="rule")
    tools = torch.tensor([data.tool_id(e.tool) for e in examples])
    sizes = torch.zeros(len(examples), len(table.tool_names), len(INPUT_SIZES), dtype=torch.bool)
    sizes[torch.arange(len(examples)), tools, torch.tensor([INPUT_SIZES.index(e.input_size) for e in examples])] = True
    args = (torch.randn(len(examples), HIDDEN), free_tensor([e.free_resources for e in examples]),
            budget_tensor([e.latency_budget_ms for e in examples]), tools, sizes)
    read = [{"preference": preference, "preference_prob": 0.9}] * len(examples)
    choices = dec.predict(*args, preferences=read)
    assert [c.config_id for c in choices] == [e.config_id for e in examples]
    assert all(c.preference == preference and c.preference_prob == 0.9 for c in choices)
    plain = [ToolIndex(data, e.tool).choose(e.input_size, e.free_resources, e.latency_budget_ms) for e in examples]
    assert [c.config_id for c in dec.predict(*args)] == plain != [e.config_id for e in examples]
    headed = HierarchicalDecoder(HIDDEN, table, config_features=True, preferences=True, config_pick="rule")
    with torch.no_grad():
        headed.preference_head.weight.zero_()
        headed.preference_head.bias.copy_(10.0 * torch.eye(4)[preference_class(None)])
    assert all(c.preference is None for c in headed.predict(*args, preferences=read))
