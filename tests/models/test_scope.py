"""Refusals by nearest neighbours: the score's sign, the decoder's use of it, its file round trip, a tool added
later, and the threshold chosen from the score's own boundary."""

from __future__ import annotations

import pytest
import torch

from tomas.data import load_tool_data
from tomas.eval.scope import joint_scope_threshold
from tomas.models.config_table import ConfigTable
from tomas.models.decoder import HierarchicalDecoder
from tomas.models.scope import BOUNDARY, NearestScope
from tomas.training.new_tool import extend_decoder, remember_in_scope

FIXTURE = "tests/fixtures/other"


def memory() -> NearestScope:
    """In scope along the first axis, out of scope along the second."""
    bank = torch.tensor([[1.0, 0.0, 0.0], [2.0, 0.1, 0.0], [0.0, 1.0, 0.0], [0.1, 3.0, 0.0]])
    return NearestScope(bank, torch.tensor([True, True, False, False]))


def test_the_score_is_how_much_nearer_the_nearest_refusal_is():
    scores = memory()(torch.tensor([[5.0, 0.2, 0.0], [0.3, 4.0, 0.0], [1.0, 1.0, 0.0]]))
    assert scores[0] < BOUNDARY < scores[1]  # near the in-scope ones / near the refusals
    assert abs(scores[2]) < 0.05  # halfway: about equally near both
    cosine = lambda a, b: torch.nn.functional.cosine_similarity(torch.tensor(a), torch.tensor(b), dim=0)
    x = [0.3, 4.0, 0.0]
    expected = max(cosine(x, [0.0, 1.0, 0.0]), cosine(x, [0.1, 3.0, 0.0])) - max(cosine(x, [1.0, 0.0, 0.0]),
                                                                                cosine(x, [2.0, 0.1, 0.0]))
    assert abs(scores[1] - expected) < 1e-3  # half-precision storage
    with pytest.raises(ValueError):
        NearestScope(torch.randn(3, 3), torch.ones(3, dtype=torch.bool))  # no refusal to be near


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> tuple[ConfigTable, ConfigTable]:
    """(the first two tools, all three): the third plays a tool added after training."""
    from tomas.artifacts.assets import save_assets

    data = load_tool_data(f"{FIXTURE}/tools.json", f"{FIXTURE}/profiling.csv")
    old = data.subset(data.tool_names[:2])
    out = tmp_path_factory.mktemp("assets")
    save_assets(torch.randn(len(old.configs), 3), old, out, log=lambda *_: None)
    table = ConfigTable.from_assets(out)
    return table, table.with_tool(data.tool_names[2], [c.lookup_entry() for c in data.configs
                                                        if c.tool == data.tool_names[2]])


def test_the_decoder_refuses_by_the_memory_not_the_head(tables):
    torch.manual_seed(0)
    dec = HierarchicalDecoder(3, tables[0], out_of_scope=True)
    with torch.no_grad():
        dec.scope_head.weight.zero_()
        dec.scope_head.bias.fill_(-5.0)  # the head says in scope for everything
    hidden = torch.tensor([[5.0, 0.2, 0.0], [0.3, 4.0, 0.0]])
    assert not any(c.out_of_scope for c in dec.predict(hidden))
    dec.set_scope_memory(memory())
    dec.out_of_scope_above = dec.scope_boundary
    refused = [c.out_of_scope for c in dec.predict(hidden)]
    assert refused == [False, True]
    # The head's probability is still reported; the score is what the threshold compares.
    c = dec.predict(hidden)[1]
    assert c.out_of_scope_prob < 0.01 and c.scope_score > 0


def test_the_memory_travels_with_the_heads_and_a_tool_added_later(tables, tmp_path):
    from safetensors.torch import save_file

    from tomas.artifacts.planner import HEADS, load_heads

    old, full = tables
    dec = HierarchicalDecoder(3, old, out_of_scope=True)
    dec.set_scope_memory(memory())
    save_file({k: v.contiguous() for k, v in dec.state_dict().items()}, str(tmp_path / HEADS))
    loaded = HierarchicalDecoder(3, old, out_of_scope=True)
    load_heads(loaded, tmp_path, "prompt")
    hidden = torch.randn(5, 3)
    assert torch.equal(loaded.scope_memory(hidden), dec.scope_memory(hidden))
    # A tool added later keeps the memory, and its requests join it in scope.
    dec.scope_lexical_weight, dec.alone_above = 0.03, 0.1  # refusals reading the words carry over too
    grown = extend_decoder(dec, full, torch.randn(full.num_configs - old.num_configs, 3))
    assert torch.equal(grown.scope_memory(hidden), dec.scope_memory(hidden))
    assert (grown.scope_lexical_weight, grown.alone_above) == (0.03, 0.1)
    request = torch.tensor([[0.1, 0.6, 3.0]])  # nearer the refusals than the old tools' requests...
    assert grown.scope_memory(request) > 0
    remember_in_scope(grown, torch.tensor([[0.0, 0.0, 1.0]]))  # ...until the new tool's requests are remembered
    assert grown.scope_memory(request) < 0 and len(grown.scope_memory.bank) == 5


def test_the_threshold_starts_at_the_scores_own_boundary():
    from tomas.data.planner.files import PlannerExample
    from tomas.models.decoder import Choice

    inside = [PlannerExample(f"t{i}", "a", "tool", "small", {}, None, 0, "p") for i in range(100)]
    choices = [Choice(0, 0, 1.0, 1.0, None, "small", scope_score=-0.5 + i / 1000) for i in range(100)]
    assert joint_scope_threshold([(inside, choices)], 0.01, BOUNDARY) == BOUNDARY  # all well below 0
    choices[-1] = Choice(0, 0, 1.0, 1.0, None, "small", scope_score=0.3)
    choices[-2] = Choice(0, 0, 1.0, 1.0, None, "small", scope_score=0.2)
    # 1 of 100 may be refused: above the 0.2 one, halfway to the refused 0.3 (the same requests refused either way)
    assert joint_scope_threshold([(inside, choices)], 0.01, BOUNDARY) == pytest.approx(0.25)


def test_without_a_floor_the_threshold_falls_as_far_as_the_in_scope_requests_allow(tables):
    """A planner's floor (``HierarchicalDecoder.scope_floor``): none with a memory where validation bounds it, so the
    threshold may fall below the boundary to the in-scope requests' own scores; the head's probability keeps
    0.5; no in-scope request to tell: the boundary."""
    from tomas.data.planner.files import PlannerExample
    from tomas.models.decoder import Choice

    dec = HierarchicalDecoder(3, tables[0], out_of_scope=True)
    assert dec.scope_floor() == 0.5
    dec.set_scope_memory(memory())
    assert dec.scope_floor() == float("-inf") and dec.scope_boundary == BOUNDARY
    assert dec.scope_floor(bounded=False) == BOUNDARY  # e.g. the generated split alone: it would fall too far
    inside = [PlannerExample(f"t{i}", "a", "tool", "small", {}, None, 0, "p") for i in range(100)]
    choices = [Choice(0, 0, 1.0, 1.0, None, "small", scope_score=-0.5 + i / 1000) for i in range(100)]
    assert joint_scope_threshold([(inside, choices)], 0.01, BOUNDARY) == BOUNDARY
    lowest = joint_scope_threshold([(inside, choices)], 0.01, BOUNDARY, dec.scope_floor())
    assert choices[-2].scope_score < lowest < choices[-1].scope_score < BOUNDARY  # 1 of 100 may be refused: the top
    outside = [PlannerExample("o", "b", None, None, {}, None, None, "p")]
    assert joint_scope_threshold([(outside, choices[:1])], 0.01, BOUNDARY, dec.scope_floor()) == BOUNDARY
    # A set without in-scope requests tells nothing: it neither floors the others' threshold nor lowers it.
    both = [(outside, choices[:1]), (inside, choices)]
    assert joint_scope_threshold(both, 0.01, BOUNDARY, dec.scope_floor()) == lowest


def test_the_lexical_margin_joins_the_memorys_score_at_its_weight(tables):
    from types import SimpleNamespace

    from tomas.eval.scope import with_scope_prior

    dec = HierarchicalDecoder(3, tables[0], out_of_scope=True)
    dec.set_scope_memory(memory())
    dec.out_of_scope_above = dec.scope_boundary
    hidden = torch.tensor([[5.0, 0.2, 0.0], [0.3, 4.0, 0.0]])  # near the in-scope ones / near the refusals
    alone = dec.predict(hidden)
    margin = torch.tensor([30.0, -30.0])  # the words say the opposite, loudly
    assert dec.predict(hidden, scope_prior=margin) == alone  # weight 0: ignored
    dec.scope_lexical_weight = 0.1
    mixed = dec.predict(hidden, scope_prior=margin)
    # Exactly what evaluation computes when it chooses the weight and threshold: the same refusals at plan time.
    assert [c.scope_score for c in mixed] == [c.scope_score for c in with_scope_prior(alone, margin, 0.1)]
    assert [c.out_of_scope for c in mixed] == [True, False]
    assert [c.scope_words for c in mixed] == pytest.approx([3.0, -3.0])
    # A tool the lexical model was not fitted with (added later): its requests are refused as the memory alone
    # refuses, above the threshold chosen for it; the words have no say.
    dec.lexical = SimpleNamespace(classes=[tables[0].tool_names[0]])
    dec.out_of_scope_above, dec.alone_above = 0.05, 0.2
    unknown = dec.predict(hidden, scope_prior=margin, tools=torch.tensor([1, 1]))
    assert [c.scope_words for c in unknown] == [None, None]
    assert [c.scope_score for c in unknown] == [c.scope_score for c in alone]
    assert [c.out_of_scope for c in unknown] == [c.scope_score > 0.2 for c in alone]
    known = dec.predict(hidden, scope_prior=margin, tools=torch.tensor([0, 0]))
    assert [c.out_of_scope for c in known] == [c.scope_score > 0.05 for c in known]
    assert [c.scope_score for c in known] == [c.scope_score for c in mixed]
    # Thresholds below the boundary (no floor, chosen on validation) hold for the tools validation saw; an added
    # tool's requests are refused from the boundary up, whatever the words' weight.
    dec.out_of_scope_above, dec.alone_above = -1.0, -1.0
    for weight in (0.1, 0.0):
        dec.scope_lexical_weight = weight
        unknown = dec.predict(hidden, scope_prior=margin, tools=torch.tensor([1, 1]))
        assert [c.out_of_scope for c in unknown] == [c.scope_score > BOUNDARY for c in alone] == [False, True]
        seen = dec.predict(hidden, scope_prior=margin, tools=torch.tensor([0, 0]))
        assert [c.out_of_scope for c in seen] == [c.scope_score > -1.0 for c in seen]
    assert seen[0].out_of_scope and seen[0].scope_score < BOUNDARY  # below the boundary, refused by the chosen -1


def test_the_margins_weight_is_chosen_with_the_threshold():
    """The grid weight that refuses the most out-of-scope requests at its own threshold; ties the smaller."""
    from tomas.data.planner.files import PlannerExample
    from tomas.eval.scope import SCOPE_GRID, choose_scope, with_scope_prior
    from tomas.models.decoder import Choice

    def example(i, tool):
        return PlannerExample(f"t{i}", "a", tool, "small", {}, None, 0 if tool else None, "p")

    # 100 in scope well inside, 10 out of scope that the memory alone misses but the words catch.
    examples = [example(i, "tool") for i in range(100)] + [example(100 + i, None) for i in range(10)]
    scores = [-0.3] * 100 + [-0.1] * 10
    margins = torch.tensor([-10.0] * 100 + [5.0] * 10)
    choices = [Choice(0, 0, 1.0, 1.0, None, "small", scope_score=s) for s in scores]
    weight, threshold, alone, (refused,) = choose_scope([(examples, choices)], [margins], 0.01, BOUNDARY)
    assert alone == BOUNDARY  # the memory alone refuses none of them at its own threshold
    caught = lambda w: sum(s + w * float(m) > BOUNDARY for s, m in zip(scores[100:], margins[100:]))
    assert weight == min(w for w in SCOPE_GRID if caught(w) == 10) and threshold == BOUNDARY
    assert [c.out_of_scope for c in refused] == [False] * 100 + [True] * 10
    assert [c.scope_score for c in refused] == [c.scope_score for c in with_scope_prior(choices, margins, weight)]
    # Without margins (or when the words add nothing) the weight is 0 and the threshold the shipped rule's.
    assert choose_scope([(examples, choices)], None, 0.01, BOUNDARY)[:3] == (0.0, BOUNDARY, BOUNDARY)
    assert choose_scope([(examples, choices)], [torch.zeros(110)], 0.01, BOUNDARY)[:3] == (0.0, BOUNDARY, BOUNDARY)
    # Words that also push in-scope requests over cost the threshold: a weight that refuses them is not taken.
    noisy = margins.clone()
    noisy[:5] = 50.0  # 5% of the in-scope requests read as out of scope
    weight, threshold, _, (refused,) = choose_scope([(examples, choices)], [noisy], 0.01, BOUNDARY)
    assert weight == 0.0 and sum(c.out_of_scope for c in refused[:100]) <= 1


def test_validation_bounds_a_threshold_without_floor_only_with_enough_in_scope_requests_in_both_sets():
    """No hand-written validation set, or under 100 in-scope requests in either set (the 1% budget allows no refusal):
    the floor stays (``eval.scope.scope_bounded``)."""
    from tomas.data.planner.files import PlannerExample
    from tomas.eval.scope import scope_bounded

    inside = [PlannerExample(f"t{i}", "a", "tool", "small", {}, None, 0, "p") for i in range(100)]
    outside = [PlannerExample(f"o{i}", "b", None, None, {}, None, None, "p") for i in range(50)]
    assert scope_bounded([inside + outside, inside], 0.01)
    assert not scope_bounded([inside, []], 0.01) and not scope_bounded([inside], 0.01)  # the generated split alone
    assert not scope_bounded([inside, inside[:99] + outside], 0.01)  # a refusal budget of 0.99 requests


@pytest.mark.parametrize("reads", ["span", "task"])
def test_a_memory_that_reads_the_words_keeps_reading_them_and_is_never_given_the_prompts(tables, tmp_path, reads):
    """``model.scope_text: span`` or ``task``: what the memory reads survives loading and a tool added later, and
    decoding scores the words' vectors it is given, never the prompts' in their place."""
    from safetensors.torch import save_file

    from tomas.artifacts.planner import HEADS, load_heads

    dec = HierarchicalDecoder(3, tables[0], out_of_scope=True)
    dec.set_scope_memory(NearestScope(memory().bank, memory().inside, reads))
    assert dec.scope_memory.extended(torch.ones(1, 3), torch.ones(1)).reads == reads
    save_file({k: v.contiguous() for k, v in dec.state_dict().items()}, str(tmp_path / HEADS))
    loaded = HierarchicalDecoder(3, tables[0], out_of_scope=True)
    load_heads(loaded, tmp_path, reads)
    assert loaded.scope_memory.reads == reads
    assert extend_decoder(loaded, tables[1], torch.randn(tables[1].num_configs - tables[0].num_configs, 3)
                          ).scope_memory.reads == reads
    prompts, words = torch.tensor([[5.0, 0.2, 0.0]]), torch.tensor([[0.3, 4.0, 0.0]])  # near in scope / a refusal
    dec.out_of_scope_above = dec.scope_boundary
    assert dec.predict(prompts, scope_hidden=words)[0].out_of_scope  # the words decide
    with pytest.raises(ValueError, match="scope_hidden"):
        dec.predict(prompts)
    dec.scope_memory.reads = "prompt"
    assert not dec.predict(prompts, scope_hidden=words)[0].out_of_scope  # a memory of prompts scores the prompts


def test_a_memory_of_two_views_averages_each_views_own_nearest_margin(tables, tmp_path):
    """``model.scope_text: span_prompt``: each request's words' vector and its prompt's, side by side; the score is
    the mean of each view's margin, each view's nearest found on its own (not the nearest of the joined vectors), and
    decoding joins the words' vectors to the prompts' in that order."""
    words, prompts = memory(), NearestScope(memory().bank.flip(0), memory().inside)  # the views disagree
    both = NearestScope(torch.cat([memory().bank, memory().bank.flip(0)], -1) * 3.0, memory().inside, "span_prompt")
    assert both.views == 2 and torch.allclose(both.bank[:, :3].float(), words.bank.float())  # each view unit length
    requests = torch.tensor([[5.0, 0.2, 0.0], [0.3, 4.0, 0.0], [1.0, 1.0, 0.0]])
    asked = torch.cat([requests, requests.flip(0)], -1)
    assert torch.allclose(both(asked), (words(requests) + prompts(requests.flip(0))) / 2, atol=1e-6)
    assert both.extended(torch.ones(1, 6), torch.ones(1)).views == 2
    with pytest.raises(ValueError, match="side by side"):
        NearestScope(torch.ones(4, 3), memory().inside, "span_prompt")
    dec = HierarchicalDecoder(3, tables[0], out_of_scope=True)
    dec.set_scope_memory(both)
    dec.out_of_scope_above = dec.scope_boundary
    # Words near the words' view's refusals, a prompt near the prompts' (flipped) view's refusals: a refusal in both
    # views; each scored in the other's view, in scope in both.
    near_words, prompt = torch.tensor([[0.3, 4.0, 0.0]]), torch.tensor([[5.0, 0.2, 0.0]])
    score = dec.predict(prompt, scope_hidden=near_words)[0].scope_score
    assert score == pytest.approx(float(both(torch.cat([near_words, prompt], -1))[0]), abs=1e-6)
    assert score > 0.5 and float(both(torch.cat([prompt, near_words], -1))[0]) < -0.5
    # Saved and loaded, and with a tool added later, it keeps both views.
    from safetensors.torch import save_file

    from tomas.artifacts.planner import HEADS, load_heads

    save_file({k: v.contiguous() for k, v in dec.state_dict().items()}, str(tmp_path / HEADS))
    loaded = HierarchicalDecoder(3, tables[0], out_of_scope=True)
    load_heads(loaded, tmp_path, "span_prompt")
    assert loaded.scope_memory.views == 2 and torch.equal(loaded.scope_memory.bank, both.bank)
    added = extend_decoder(loaded, tables[1], torch.randn(tables[1].num_configs - tables[0].num_configs, 3))
    assert added.scope_memory.views == 2 and added.scope_memory.reads == "span_prompt"
