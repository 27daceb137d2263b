"""Scope-only training text: each entry of a scope-only bank once, marked, labelled by the oracle, after the
training split's own examples, which stay as they are."""

from __future__ import annotations

import re

from tomas.data.planner import generate_planner, load_planner_examples, split_phrasings, write_planner
from tomas.data.planner.banks import SCOPE_ONLY_FILES, training_only_bank
from tomas.data.planner.scope_only import scope_only_examples

BANK = ("training_only_w3.yaml",)


def test_scope_only_banks_add_their_entries_after_the_unchanged_split(default_data, tmp_path):
    plain = generate_planner(default_data, train_per_tool=20, val_per_tool=5, test_per_tool=5, scope_only_files=())
    more = generate_planner(default_data, train_per_tool=20, val_per_tool=5, test_per_tool=5, scope_only_files=BANK)
    assert more["val"] == plain["val"] and more["test"] == plain["test"]
    assert more["train"][:len(plain["train"])] == plain["train"]
    extra = more["train"][len(plain["train"]):]
    bank = training_only_bank(BANK)
    inside = [e for e in extra if e.tool is not None]
    assert all(e.scope_only for e in inside) and not any(e.scope_only for e in plain["train"])
    for tool in default_data.tools:  # each template once, for its own tool
        assert len([e for e in inside if e.tool == tool.name]) == len(bank["templates"].get(tool.name, ()))
    assert len(extra) - len(inside) == len(bank["out_of_scope"])  # none needs a shipped tool
    assert len({e.task for e in extra}) > 0.95 * len(extra) and all("{" not in e.task for e in extra)
    # Written and read back through the file checks: the oracle's label, the phrasing, the ids unique.
    written = write_planner({"train": more["train"]}, tmp_path)
    assert load_planner_examples(written["train"], default_data) == more["train"]


def test_scope_only_text_holds_no_held_out_cue_or_value(default_data):
    text = " ".join(e.task.lower() for e in scope_only_examples(default_data, BANK))
    for tool in default_data.tools:
        for split in ("val", "test"):
            p = split_phrasings(tool, split)
            held = {c.lower() for cues in p.cues.values() for c in cues} | {
                v.lower() for _, values in p.extras for v in values}
            assert not [v for v in held if re.search(rf"\b{re.escape(v)}\b", text)], (tool.name, split)


def test_no_scope_only_bank_no_examples_and_the_shipped_data_has_one(default_data):
    assert scope_only_examples(default_data, ()) == [] and SCOPE_ONLY_FILES == BANK


def test_a_registry_gets_the_out_of_scope_share_its_tools_hold(default_data, other_data):
    """None for a registry without any of the bank's tools; for one of them, its share of the templates."""
    assert scope_only_examples(other_data, BANK) == []
    bank = training_only_bank(BANK)
    one = default_data.subset([default_data.tool_names[0]])
    examples = scope_only_examples(one, BANK)
    share = len(bank["templates"][one.tool_names[0]]) / sum(map(len, bank["templates"].values()))
    assert sum(e.tool is None for e in examples) == round(len(bank["out_of_scope"]) * share) > 0
