"""Planner training pieces: batching, the hierarchical loss, the evaluation metrics."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from tomas.data.planner import generate_planner
from tomas.errors import DataError
from tomas.eval.planner import planner_metrics
from tomas.models.decoder import Choice, HierarchicalDecoder
from tomas.training.planner import targets
from tomas.training.planner_loss import CONTRAST_TEMPERATURE, contrast_loss, loss_counts, planner_loss
from tomas.training.schedule import bucketed_batches

FIXTURE = "tests/fixtures/other"


@pytest.fixture(scope="module")
def world(other_table):
    data, table = other_table
    return data, table, generate_planner(data, seed=0, train_per_tool=30, val_per_tool=0, test_per_tool=0)["train"]


def test_bucketed_batches_cover_each_example_once_and_cut_padding():
    lengths = [int(x) for x in torch.randint(5, 90, (203,), generator=torch.Generator().manual_seed(0))]
    batches = bucketed_batches(lengths, 8, seed=3, epoch=1)
    assert sorted(i for b in batches for i in b) == list(range(203))
    assert batches == bucketed_batches(lengths, 8, seed=3, epoch=1)  # resume needs (seed, epoch) only
    assert batches != bucketed_batches(lengths, 8, seed=3, epoch=2)

    def padding(bs):
        return sum(max(lengths[i] for i in b) * len(b) - sum(lengths[i] for i in b) for b in bs)

    random_batches = [list(range(i, min(i + 8, 203))) for i in range(0, 203, 8)]
    assert padding(batches) < padding(random_batches) / 3


def test_loss_targets_only_allowed_configs(world):
    data, table, examples = world
    torch.manual_seed(0)
    dec = HierarchicalDecoder(8, table)
    hidden = torch.randn(len(examples), 8, requires_grad=True)
    gold = targets(examples, data, torch.device("cpu"))
    out = dec.logits(hidden)
    out.config.retain_grad()
    loss, parts = planner_loss(out, dec, gold, weight=1.0)
    assert math.isfinite(loss.item()) and all(math.isfinite(v) for v in parts.values())
    loss.backward()
    allowed_or_tool = dec.tool_mask(gold["tool"])  # size loss touches the tool's configs
    assert torch.all(out.config.grad[~allowed_or_tool] == 0)


def test_infeasible_examples_train_tool_and_size_only(world):
    data, table, examples = world
    infeasible = [e for e in examples if e.config_id is None]
    assert infeasible, "the generator makes some infeasible snapshots"
    dec = HierarchicalDecoder(8, table)
    gold = targets(infeasible, data, torch.device("cpu"))
    _, parts = planner_loss(dec.logits(torch.randn(len(infeasible), 8)), dec, gold, weight=1.0)
    assert parts["config_loss"] == 0.0 and parts["size_loss"] > 0


def test_a_task_that_does_not_say_its_size_trains_no_size(world):
    data, table, examples = world
    unsized = [e for e in examples if e.tool is not None and not e.size_in_text]
    assert unsized, "the generator names some inputs without their size"
    dec = HierarchicalDecoder(8, table)
    _, parts = planner_loss(dec.logits(torch.randn(len(unsized), 8)), dec, targets(unsized, data, torch.device("cpu")),
                            weight=1.0)
    assert parts["size_loss"] == 0.0 and parts["tool_loss"] > 0


def test_out_of_scope_examples_train_the_scope_head_only(world):
    data, table, examples = world
    outside = [e for e in examples if e.tool is None]
    assert outside, "the generator adds requests no tool serves"
    torch.manual_seed(0)
    dec = HierarchicalDecoder(8, table, out_of_scope=True)
    hidden = torch.randn(len(outside), 8, requires_grad=True)
    out = dec.logits(hidden)
    for t in (out.tool, out.config):
        t.retain_grad()
    loss, parts = planner_loss(out, dec, targets(outside, data, torch.device("cpu")), weight=1.0)
    assert parts["tool_loss"] == parts["config_loss"] == parts["size_loss"] == 0.0
    assert parts["scope_loss"] > 0 and math.isfinite(loss.item())
    loss.backward()
    assert all(t.grad is None or not t.grad.any() for t in (out.tool, out.config))
    assert dec.scope_head.weight.grad.abs().sum() > 0
    # Mixed with in-scope examples, the scope head learns both sides and the others only from the in-scope ones.
    gold = targets(examples, data, torch.device("cpu"))
    _, parts = planner_loss(dec.logits(torch.randn(len(examples), 8)), dec, gold, weight=1.0)
    assert parts["tool_loss"] > 0 and parts["scope_loss"] > 0


def test_scope_only_examples_train_the_scope_head_only(world):
    """An in-scope example marked scope-only teaches the scope head that a tool serves it, and nothing else."""
    data, table, examples = world
    inside = [dataclasses.replace(e, scope_only=True) for e in examples
              if e.tool is not None and e.config_id is not None]
    torch.manual_seed(0)
    dec = HierarchicalDecoder(8, table, out_of_scope=True)
    out = dec.logits(torch.randn(len(inside), 8))
    for t in (out.tool, out.config):
        t.retain_grad()
    gold = targets(inside, data, torch.device("cpu"))
    loss, parts = planner_loss(out, dec, gold, weight=1.0)
    assert parts["tool_loss"] == parts["config_loss"] == parts["size_loss"] == 0.0 and parts["scope_loss"] > 0
    loss.backward()
    assert all(t.grad is None or not t.grad.any() for t in (out.tool, out.config))
    assert dec.scope_head.weight.grad.abs().sum() > 0
    assert loss_counts(gold)[:3].tolist() == [0, 0, 0]
    # The same examples unmarked train every head: the flag, not the data, turns the terms off.
    _, parts = planner_loss(dec.logits(torch.randn(len(inside), 8)), dec,
                            targets([dataclasses.replace(e, scope_only=False) for e in inside], data,
                                    torch.device("cpu")), weight=1.0)
    assert parts["tool_loss"] > 0 and parts["config_loss"] > 0


def test_the_contrast_term_is_supcon_over_tools_and_refusals():
    """model.scope_contrast: each anchor's mean over its positives (same tool; out of scope with out of scope) of
    -log softmax over every other example of the batch, cosines / 0.1; scope-only examples take no part, and an
    example alone of its kind is a negative only."""
    torch.manual_seed(0)
    hidden = torch.randn(8, 5)
    gold = {"tool": torch.tensor([0, 0, 2, -1, -1, 1, 0, 0]),
            "scope_only": torch.tensor([0, 0, 0, 0, 0, 0, 1, 0]).bool()}
    assert CONTRAST_TEMPERATURE == 0.1

    def by_hand(rows: list[int]) -> float:
        z = torch.nn.functional.normalize(hidden[rows], dim=-1)
        sim, labels, total = z @ z.T / 0.1, gold["tool"][rows], 0.0
        for i in range(len(rows)):
            others = [j for j in range(len(rows)) if j != i]
            positives = [j for j in others if labels[j] == labels[i]]
            norm = torch.logsumexp(sim[i, others], 0)
            total += sum(float(norm - sim[i, j]) for j in positives) / max(len(positives), 1)
        return total

    # Tool 0's anchors have two positives (a mean over them), tool 2 and tool 1 none (negatives only); the
    # scope-only example (row 6) is left out.
    assert contrast_loss(hidden, gold) == pytest.approx(by_hand([0, 1, 2, 3, 4, 5, 7]), rel=1e-5)
    # The term pulls each kind together: refusals on one side, the tool on the other, cost less than mixed.
    split = torch.tensor([[1.0, 0], [1, 0.1], [0, 1], [-1, 0], [-1, 0.1], [0, -1], [1, 0], [1, -0.1]])
    mixed = split[[0, 3, 2, 1, 4, 5, 6, 7]]
    assert contrast_loss(split, gold) < contrast_loss(mixed, gold)


def test_planner_loss_adds_the_contrast_term_at_its_weight(world):
    data, table, examples = world
    torch.manual_seed(0)
    dec = HierarchicalDecoder(8, table, out_of_scope=True)
    hidden = torch.randn(len(examples), 8)
    gold = targets(examples, data, torch.device("cpu"))
    base, parts = planner_loss(dec.logits(hidden), dec, gold, 1.0)
    assert "contrast_loss" not in parts
    loss, parts = planner_loss(dec.logits(hidden), dec, gold, 1.0, None, hidden, 0.5)
    assert parts["contrast_loss"] == pytest.approx(float(contrast_loss(hidden, gold)) / len(examples), rel=1e-5)
    assert loss.item() == pytest.approx(base.item() + 0.5 * parts["contrast_loss"], rel=1e-5)


def test_a_batch_split_over_processes_gets_one_process_gradients(world):
    """Two halves with different numbers of in-scope, sized and feasible examples, each divided by the global
    batch's counts per process: the mean of their gradients (data parallelism) is the whole batch's."""
    data, table, examples = world
    batch = [e for e in examples if e.tool is None][:3] + [e for e in examples if e.tool is not None][:9]
    torch.manual_seed(0)
    dec = HierarchicalDecoder(8, table, out_of_scope=True)
    hidden = torch.randn(len(batch), 8)
    gold = targets(batch, data, torch.device("cpu"))

    def grads(idx, counts=None):
        dec.zero_grad()
        planner_loss(dec.logits(hidden[idx]), dec, {k: v[idx] for k, v in gold.items()}, 1.0, counts)[0].backward()
        return torch.cat([p.grad.flatten() for p in dec.parameters() if p.grad is not None])

    whole, halves = grads(torch.arange(12)), (torch.arange(0, 6), torch.arange(6, 12))  # 3 vs 6 in scope
    per_process = loss_counts(gold) / 2
    split = (grads(halves[0], per_process) + grads(halves[1], per_process)) / 2
    assert torch.allclose(split, whole, atol=1e-6)
    naive = (grads(halves[0]) + grads(halves[1])) / 2  # each half's own means: not the whole batch's
    assert not torch.allclose(naive, whole, atol=1e-4)


def test_the_scope_head_refuses_above_the_decoders_threshold(world):
    data, table, _ = world
    torch.manual_seed(0)
    dec = HierarchicalDecoder(8, table, out_of_scope=True)
    with torch.no_grad():
        dec.scope_head.weight.zero_()
        dec.scope_head.bias.fill_(1.0)  # P(out of scope) = sigmoid(1) = 0.73 for every request
    hidden = torch.randn(3, 8)
    assert all(c.out_of_scope and abs(c.out_of_scope_prob - 0.731) < 1e-3 for c in dec.predict(hidden))
    dec.out_of_scope_above = 0.8
    assert not any(c.out_of_scope for c in dec.predict(hidden))
    assert not any(c.out_of_scope for c in HierarchicalDecoder(8, table).predict(hidden))  # no head: never


def _choice(tool_id, config_id, input_size="small"):
    return Choice(tool_id=tool_id, config_id=config_id, tool_prob=1.0, config_prob=1.0, runner_up=None,
                  input_size=input_size)


def test_metrics_against_the_oracle(world):
    data, table, examples = world
    feasible = [e for e in examples if e.config_id is not None][:4]
    infeasible = [e for e in examples if e.config_id is None][:1]
    exs = feasible + infeasible
    lat = {i: v["latency_ms"] for i, v in table.lookup.items()}
    slower = max(table.tool_mask_map()[feasible[1].tool], key=lambda i: lat[i])
    choices = [_choice(data.tool_id(feasible[0].tool), feasible[0].config_id, feasible[0].input_size),   # right
               _choice(data.tool_id(feasible[1].tool), slower),                  # slowest of the tool
               _choice((data.tool_id(feasible[2].tool) + 1) % len(data.tools), None),  # wrong tool, no plan
               _choice(data.tool_id(feasible[3].tool), feasible[3].config_id, feasible[3].input_size),   # right
               _choice(data.tool_id(infeasible[0].tool), None, infeasible[0].input_size)]  # right: infeasible
    m = planner_metrics(exs, choices, table)
    assert m["num_examples"] == 5 and m["num_infeasible"] == 1
    assert m["tool_accuracy"] == pytest.approx(4 / 5)
    assert m["config_accuracy"] == pytest.approx(3 / 5 if slower != feasible[1].config_id else 4 / 5)
    assert m["infeasible_accuracy"] == pytest.approx(4 / 5)
    regret = max(0.0, lat[slower] - lat[feasible[1].config_id]) / 3  # 3 examples where both have a plan
    assert m["latency_regret_ms"] == pytest.approx(regret)
    fits_slower = all(table.lookup[slower][k] <= feasible[1].free_resources[k] for k in feasible[1].free_resources)
    assert m["violations"] == (0 if fits_slower else 1)  # a hand-made choice is checked, not trusted
    by_phrasing = m["tool_accuracy_by_phrasing"]
    assert sum(r["num_examples"] for r in by_phrasing.values()) == 5
    wrong = by_phrasing[feasible[2].phrasing]
    assert wrong["tool_accuracy"] < 1 and table.tool_names[choices[2].tool_id] in wrong["chosen"]
    assert list(by_phrasing.values())[0]["tool_accuracy"] == min(r["tool_accuracy"] for r in by_phrasing.values())


def test_plan_accuracy_needs_the_right_tool(world):
    data, table, examples = world
    infeasible = next(e for e in examples if e.config_id is None)
    feasible = next(e for e in examples if e.config_id is not None)
    wrong_tool = (data.tool_id(infeasible.tool) + 1) % len(data.tools)
    choices = [_choice(wrong_tool, None), _choice(data.tool_id(feasible.tool), feasible.config_id, feasible.input_size)]
    m = planner_metrics([infeasible, feasible], choices, table)
    assert m["config_accuracy"] == 1.0  # "nothing fits" matched, whatever the tool
    assert m["plan_accuracy"] == 0.5  # a plan needs the right tool as well
    assert m["config_accuracy_given_tool"] == 1.0  # counted over the one request whose tool is right


def test_hand_written_metrics_score_size_only_where_stated(world):
    """Tool accuracy over every request; size and plan accuracy over those that state a size."""
    from dataclasses import replace

    from tomas.eval.planner import handwritten_metrics

    data, table, examples = world
    feasible = [e for e in examples if e.config_id is not None][:3]
    hand = [replace(e, phrasing=f"{e.tool}/hand-{cat}") for e, cat in zip(feasible, ("plain", "short", "short"))]
    hand[2] = replace(hand[2], input_size="", config_id=None)  # states no size
    other_size = next(s for s in ("small", "medium", "large") if s != hand[1].input_size)
    choices = [Choice(data.tool_id(hand[0].tool), hand[0].config_id, 1.0, 1.0, None, hand[0].input_size),  # right
               Choice(data.tool_id(hand[1].tool), None, 1.0, None, None, other_size),  # right tool, wrong size
               Choice(data.tool_id(hand[2].tool), None, 1.0, None, None, "small")]  # right tool, size unscored
    m = handwritten_metrics(hand, choices, table)
    assert m["num_requests"] == 3 and m["num_with_size"] == 2
    assert m["tool_accuracy"] == 1.0 and m["size_accuracy"] == 0.5 and m["plan_accuracy"] == 0.5
    assert m["by_category"]["short"] == {"num_requests": 2, "tool_accuracy": 1.0, "plan_accuracy": 0.0}
    choices[0] = Choice((data.tool_id(hand[0].tool) + 1) % len(data.tools), None, 1.0, None, None, "small")
    m = handwritten_metrics(hand, choices, table)
    assert m["tool_accuracy"] == pytest.approx(2 / 3) and m["wrong_tool"][0]["id"] == hand[0].id


def test_training_selection_holds_out_answers_and_subsamples_each_tool(world):
    """data.holdout_configs: no training answer is a held-out configuration; data.train_fraction:
    that share of each tool's examples; both seeded by the training seed."""
    from tomas.config import PlannerConfig
    from tomas.training.planner import heldout_configs, select_training

    data, table, examples = world
    cfg = PlannerConfig()
    cfg.data.holdout_configs, cfg.data.train_fraction = 0.2, 0.5
    held = heldout_configs(cfg, table)
    for ids in table.tool_mask_map().values():
        assert len(held & set(ids)) == round(0.2 * len(ids))
    chosen = select_training(examples, cfg, table)
    assert chosen and not [e for e in chosen if e.config_id in held]
    for tool in {e.tool for e in examples}:
        kept = [e for e in examples if e.tool == tool and e.config_id not in held]
        assert sum(e.tool == tool for e in chosen) == max(1, round(0.5 * len(kept)))
    assert [e.id for e in select_training(examples, cfg, table)] == [e.id for e in chosen]  # seeded
    cfg.training.seed += 1
    assert heldout_configs(cfg, table) != held
    cfg.data.train_fraction = 0.0
    with pytest.raises(DataError, match="data.train_fraction"):
        select_training(examples, cfg, table)


def test_unseen_answer_metrics_count_only_requests_whose_answer_was_held_out(world):
    from tomas.eval.planner import unseen_answer_metrics

    data, table, examples = world
    feasible = [e for e in examples if e.config_id is not None][:4]
    held = {feasible[0].config_id, feasible[1].config_id}
    right = [_choice(data.tool_id(e.tool), e.config_id, e.input_size) for e in feasible]
    wrong_first = [_choice(data.tool_id(feasible[0].tool), None, feasible[0].input_size), *right[1:]]
    assert unseen_answer_metrics(feasible, right, table, held)["plan_accuracy"] == 1.0
    m = unseen_answer_metrics(feasible, wrong_first, table, held)
    assert m["num_examples"] == sum(e.config_id in held for e in feasible) and m["plan_accuracy"] < 1.0
