"""Planner data: the oracle, the generator (phrasings, snapshots, splits), the shipped files and the loader."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path

import pytest

from tomas.cli import main
from tomas.data import ToolData
from tomas.data.planner import (
    FRAMES,
    GENERIC_CUES,
    KEYS,
    PHRASE_BANK,
    SPLITS,
    fits,
    generate_planner,
    heldout_templates,
    load_planner_examples,
    numeric_cue,
    oracle_config,
    phrasings,
    planner_stats,
    render_registry_task,
    render_task,
    size_cues,
    split_phrasings,
    vary_register,
    write_planner,
)
from tomas.data.planner import text as planner_text
from tomas.data.planner.banks import SCOPE_ONLY_FILES, training_only_bank
from tomas.data.planner.out_of_scope import OUT_OF_SCOPE, TRAINING_OUT_OF_SCOPE, out_of_scope_requests
from tomas.data.planner.phrases import TRAINING_CUES, TRAINING_TEMPLATES
from tomas.data.planner.preferences import (
    LOOKALIKE_SENTENCES,
    LOOKALIKE_TAILS,
    P_PREFERENCE,
    PREFERENCES,
    wordings,
    words_of,
)
from tomas.data.planner.scope_only import SCOPE_PHRASING, scope_only_examples
from tomas.data.planner.splits import P_OUT_OF_SCOPE
from tomas.data.profiling import INPUT_SIZES, RESOURCES, Configuration
from tomas.data.registry import Tool
from tomas.data.size_reader import read_quantities, stated_size
from tomas.data.sizes import parse_input_sizes
from tomas.errors import DataError

SMALL = {"train_per_tool": 40, "val_per_tool": 10, "test_per_tool": 20}


@pytest.fixture(scope="module")
def default_splits(default_data):
    return generate_planner(default_data)


@pytest.fixture(scope="module")
def preference_splits(default_data):
    """The default data with P_PREFERENCE of every split stating a preference (a planner that reads them)."""
    return generate_planner(default_data, preference_share=P_PREFERENCE)


@pytest.fixture(scope="module")
def other_splits(other_data):
    return generate_planner(other_data)


def _data(rows: list[tuple]) -> ToolData:
    """A hand-made table: rows of (tool, size, cpu, mem, sm, gpu mem, latency)."""
    tools = [Tool(name, "x") for name in dict.fromkeys(r[0] for r in rows)]
    return ToolData(tools, [Configuration(i, *r) for i, r in enumerate(rows)], "test")


def _free(cpu: float, mem: float, sm: float, gmem: float) -> dict[str, float]:
    return dict(zip(RESOURCES, (cpu, mem, sm, gmem)))


# --------------------------------------------------------------------------- oracle


def _reference(data: ToolData, tool: str, size: str, free: dict, budget: float | None) -> int | None:
    """The oracle's definition, written the slow way: all configurations, sorted by the documented keys."""
    mine = [c for c in data.configs if c.tool == tool]
    tops = {f: max(getattr(c, f) for c in mine) for f in RESOURCES}
    cost = {c.config_id: sum(getattr(c, f) / tops[f] for f in RESOURCES if tops[f] > 0) for c in mine}
    candidates = [c for c in mine if c.input_size == size and all(getattr(c, f) <= free[f] for f in RESOURCES)]
    if not candidates:
        return None
    meeting = [c for c in candidates if budget is not None and c.latency_ms <= budget]
    if meeting:
        return sorted(meeting, key=lambda c: (cost[c.config_id], c.latency_ms, c.config_id))[0].config_id
    return sorted(candidates, key=lambda c: (c.latency_ms, c.config_id))[0].config_id


@pytest.mark.parametrize("which", ["default", "other"])
def test_oracle_matches_brute_force_on_random_snapshots(which, default_data, other_data):
    data = default_data if which == "default" else other_data
    rng = random.Random(7)
    answers = set()
    for _ in range(300):
        tool = rng.choice(data.tool_names)
        mine = [c for c in data.configs if c.tool == tool]
        size = rng.choice(sorted({c.input_size for c in mine}))
        free = {f: round(rng.uniform(0, 1.3 * max(getattr(c, f) for c in mine)), 2) for f in RESOURCES}
        latencies = [c.latency_ms for c in mine if c.input_size == size]
        budget = rng.choice([None, round(rng.uniform(0.5 * min(latencies), 1.5 * max(latencies)), 1)])
        expected = _reference(data, tool, size, free, budget)
        assert oracle_config(data, tool, size, free, budget) == expected, (tool, size, free, budget)
        answers.add(expected)
    assert None in answers and len(answers) > min(20, len(data.configs) // 2)


def test_fits_compares_each_resource():
    c = Configuration(0, "t", "small", 2, 4, 20, 2, 10)
    assert fits(c, _free(2, 4, 20, 2)) and fits(c, _free(8, 16, 80, 8))
    for i in range(4):
        tight = [2, 4, 20, 2]
        tight[i] -= 0.5
        assert not fits(c, _free(*tight))


BUDGET_TABLE = [
    ("t", "small", 1, 1, 0, 0, 100),  # 0: cheapest, slowest (CPU only); cost .25 + .25 = .5
    ("t", "small", 2, 2, 10, 1, 50),  # 1: cost .5 + .5 + .5 + .5 = 2
    ("t", "small", 4, 4, 20, 2, 20),  # 2: fastest (tie with 3 -> lower id); cost 4
    ("t", "small", 4, 2, 20, 2, 20),  # 3: cost 3.5
    ("t", "small", 1, 4, 10, 0.5, 45),  # 4: cost .25 + 1 + .5 + .25 = 2, faster than 1
    ("t", "small", 1, 2, 10, 1.5, 45),  # 5: cost .25 + .5 + .5 + .75 = 2, same latency as 4
    ("other", "small", 64, 64, 100, 80, 1),  # another tool's maxima do not count
]


@pytest.mark.parametrize(("free", "budget", "expected"), [
    (_free(8, 8, 40, 4), None, 2),  # no budget: fastest; latency tie 2/3 -> lower id
    (_free(8, 8, 40, 4), 200, 0),  # every configuration meets it: least resources
    (_free(8, 8, 40, 4), 60, 4),  # 1, 4, 5 cost 2: lower latency (4, 5) -> lower id (4)
    (_free(8, 8, 40, 4), 45, 4),  # the budget is inclusive
    (_free(8, 8, 40, 4), 30, 3),  # only 2 and 3 meet it: 3 costs less despite its higher id
    (_free(8, 8, 40, 4), 10, 2),  # nothing meets it: fastest
    (_free(2, 2, 10, 1), None, 1),  # 2-5 do not fit (4 needs 4 GB, 5 needs 1.5 GB GPU memory)
    (_free(2, 2, 10, 1), 10, 1),  # unmeetable budget: fastest of what fits
    (_free(2, 2, 10, 1), 1000, 0),
    (_free(1, 1, 0, 0), 50, 0),  # a CPU-only machine runs only 0, which misses the budget
    (_free(0.5, 64, 80, 8), None, None),  # nothing fits
    (_free(0.5, 64, 80, 8), 1000, None),
])
def test_budget_semantics(free, budget, expected):
    assert oracle_config(_data(BUDGET_TABLE), "t", "small", free, budget) == expected


@pytest.mark.parametrize(("preference", "free", "budget", "expected"), [
    ("spare_gpu", _free(8, 8, 40, 4), None, 0),  # GPU shares 0, 1, 2, 2, .75, 1.25: the CPU-only one
    ("spare_gpu", _free(8, 8, 40, 4), 50, 4),  # 1-5 meet it: the least GPU of those (.75)
    ("spare_gpu", _free(8, 8, 40, 4), 10, 0),  # none meets it: the least GPU of all that fit
    ("few_cores", _free(8, 8, 40, 4), None, 4),  # 0, 4, 5 take 1 core: lower latency (4, 5) -> lower id
    ("few_cores", _free(8, 8, 40, 4), 30, 2),  # only 2 and 3 meet it, 4 cores each: latency tie -> lower id
    ("fastest", _free(8, 8, 40, 4), 200, 2),  # without the preference: 0 (least resources)
    ("fastest", _free(2, 2, 10, 1), None, 1),
    ("spare_gpu", _free(0.5, 64, 80, 8), None, None),  # nothing fits, whatever the preference
])
def test_preference_semantics(preference, free, budget, expected):
    assert oracle_config(_data(BUDGET_TABLE), "t", "small", free, budget, preference) == expected


def test_preferences_are_stated_in_words_and_change_labels(default_data, default_splits, preference_splits):
    """About P_PREFERENCE of every split states one, in that split's own phrasings, and many labels change;
    the other examples are those of the shipped data (share 0: no preference anywhere)."""
    assert not [e for s in SPLITS for e in default_splits[s] if e.preference is not None]
    for split in SPLITS:
        plain = {e.id: e for e in default_splits[split]}
        assert all(e == plain[e.id] for e in preference_splits[split] if e.preference is None)
    default_splits = preference_splits
    for split in SPLITS:
        stated = [e for e in default_splits[split] if e.preference is not None]
        drawn = [e for e in default_splits[split] if f"/{SCOPE_PHRASING}" not in e.phrasing]  # the banks' state none
        assert 0.2 < len(stated) / len(drawn) < 0.4
        assert {e.preference for e in stated} == set(PREFERENCES)
        for e in stated:  # a wording of that split's, attached in any style (case and punctuation may change)
            assert any(words_of(w) in words_of(e.task) for w in sum(wordings(e.preference, split), ()))
    stated = [e for e in default_splits["train"] if e.preference is not None]
    changed = [e for e in stated
               if e.config_id != oracle_config(default_data, e.tool, e.input_size, e.free_resources,
                                               e.latency_budget_ms)]
    assert 0.3 * len(stated) < len(changed) < 0.8 * len(stated)
    phrases = {s: {words_of(w) for n in (*PREFERENCES, None) for w in sum(wordings(n, s), ())} for s in SPLITS}
    assert not phrases["train"] & phrases["test"] and not phrases["val"] & phrases["test"]
    assert not phrases["train"] & phrases["val"]


def test_a_file_without_preferences_still_loads_and_an_unknown_one_is_refused(tmp_path, default_data,
                                                                              preference_splits):
    default_splits = preference_splits
    plain = next(e for e in default_splits["val"] if e.preference is None)
    assert "preference" not in json.loads(plain.to_json())
    line = json.loads(next(e for e in default_splits["val"] if e.preference is not None and e.config_id
                           != oracle_config(default_data, e.tool, e.input_size, e.free_resources,
                                            e.latency_budget_ms)).to_json())
    path = tmp_path / "val.jsonl"
    path.write_text(plain.to_json() + "\n" + json.dumps(line) + "\n")
    loaded = load_planner_examples(path, default_data)
    assert [e.preference for e in loaded] == [None, line["preference"]]
    path.write_text(json.dumps({**line, "preference": "cheap"}) + "\n")
    with pytest.raises(DataError, match=r"line 1: field preference: unknown preference 'cheap'"):
        load_planner_examples(path, default_data)
    path.write_text(json.dumps({**line, "preference": None}) + "\n")  # the label honours the preference
    with pytest.raises(DataError, match="label disagrees with the oracle"):
        load_planner_examples(path, default_data)


def test_resource_cost_uses_the_tools_maxima_over_all_sizes():
    rows = [("t", "small", 4, 1, 0, 0, 10), ("t", "small", 1, 2, 0, 0, 10)]
    # Small-only maxima (4 cores, 2 GB): costs 1.5 vs 1.25 -> the second.
    assert oracle_config(_data(rows), "t", "small", _free(8, 8, 0, 0), 100) == 1
    # A large configuration with 16 cores makes cores cheap: 0.25 + 0.5 vs 0.0625 + 1 -> the first.
    rows.append(("t", "large", 16, 2, 0, 0, 50))
    assert oracle_config(_data(rows), "t", "small", _free(8, 8, 0, 0), 100) == 0


# --------------------------------------------------------------------------- phrasings


def test_every_default_tool_has_many_distinct_templates(default_data):
    assert set(PHRASE_BANK) == set(default_data.tool_names)
    for tool in default_data.tools:
        templates = phrasings(tool).templates
        assert len(set(templates)) == len(templates) >= 16, tool.name
        assert all("{input}" in t for t in templates)


@pytest.mark.parametrize("tool", [Tool("speech_to_text", "Transcribes speech."), Tool("OCR", "OCR reads {pages}.")])
def test_unknown_tools_get_generic_templates(tool):
    p = phrasings(tool)
    assert p.cues == GENERIC_CUES and len(set(p.templates)) >= 16
    text = render_task(tool, 4, "large", random.Random(0))
    assert "{input}" not in text and any(c in text for c in GENERIC_CUES["large"])


@pytest.mark.parametrize("cues", [phrasings(Tool(n, "x")).cues for n in [*PHRASE_BANK, "unknown"]]
                         + [split_phrasings(Tool(n, "x"), "train").cues for n in ("image_captioning",
                                                                                   "text_summarization")])
def test_size_cues_are_unambiguous(cues):
    assert list(cues) == list(INPUT_SIZES)
    assert all(len(set(v)) == len(v) >= 3 for v in cues.values())
    for size, own in cues.items():
        for other, theirs in cues.items():
            if other != size:
                assert not [(a, b) for a in own for b in theirs if a in b], (size, other)


def _sizes_mentioned(tool: Tool, task: str) -> set[str]:
    """The sizes whose cues ``task`` holds, of the bank or of training only."""
    return {size for size, cues in _every_cue(tool).items() if any(c in task.lower() for c in cues)}


def _every_cue(tool: Tool, _seen: dict = {}) -> dict[str, list[str]]:  # noqa: B006 - a cache
    if repr(tool) not in _seen:
        train = split_phrasings(tool, "train").cues
        _seen[repr(tool)] = {size: [c.lower() for c in (*bank, *train[size])] for size, bank in size_cues(tool).items()}
    return _seen[repr(tool)]


@pytest.mark.parametrize("tool_index", [0, 1])  # an image tool and a text tool of the shipped registry
def test_numeric_cues_say_their_size_class_and_no_other(default_data, tool_index):
    """Every number drawn for a class reads back (``size_reader``) as that class under the tool's definitions."""
    tool = default_data.tools[tool_index]
    rng = random.Random(0)
    for size in INPUT_SIZES:
        cues = [numeric_cue(tool.input_sizes, size, rng) for _ in range(400)]
        read = [stated_size(read_quantities(c), tool.input_sizes).sizes for c in cues]
        assert [c for c, r in zip(cues, read) if r != (size,)] == []
        assert len(set(cues)) > 100  # varied, not a handful of fixed phrases


@pytest.mark.parametrize("bank", ["image", "text"])
def test_every_bank_cue_agrees_with_the_shipped_definitions(default_data, bank):
    """A cue that states a number carries the label the registry's definitions give it; a words-only cue
    states none (its label is the bank's)."""
    tool = next(t for t in default_data.tools if phrasings(t).units == bank)
    for size, cues in phrasings(tool).cues.items():
        for cue in cues:
            said = stated_size(read_quantities(cue), tool.input_sizes).sizes
            assert said in ((), (size,)), (cue, size, said)
    assert size_cues(tool) == phrasings(tool).cues  # nothing relabelled: the bank already agrees


def _slots(template: str) -> set[str]:
    return {s.lower() for s in re.findall(r"\{(\w+)\}", template)}


@pytest.mark.parametrize("which", ["training_only", "scope_only"])
def test_training_only_templates_fit_their_tools_and_state_no_size(default_data, which):
    """Every default tool has many, in the training-only banks and in the scope-only one; each fills the slots its
    tool's bank templates fill, states no size of its own (its cue does: no number, unit or named work), and is
    none of the bank's templates."""
    bank = {t.lower() for p in PHRASE_BANK.values() for t in p.templates}
    templates = TRAINING_TEMPLATES if which == "training_only" else training_only_bank(SCOPE_ONLY_FILES)["templates"]
    for tool in default_data.tools:
        extra, own = templates[tool.name], phrasings(tool).templates
        assert len(set(extra)) == len(extra) >= 50
        required = set.intersection(*map(_slots, own))
        allowed = set.union(*map(_slots, own))
        assert [t for t in extra if not required <= _slots(t) <= allowed or t.count("{input}") != 1] == []
        blank = [re.sub(r"\{\w+\}", "it", t) for t in extra]
        assert [t for t in blank if read_quantities(t)] == []
        cues = [c.lower() for cs in (*size_cues(tool).values(), *split_phrasings(tool, "train").cues.values())
                for c in cs]
        assert [t for t in blank if any(c in t.lower() for c in cues)] == []  # only the {input} slot says a size
        assert not {t.lower() for t in extra} & bank
    assert set(templates) == set(default_data.tool_names)


@pytest.mark.parametrize("units", ["image", "text"])
def test_training_only_cues_state_no_number_and_mostly_join_training(default_data, units):
    """Words only (their labels are the writer's); those overlapping a held-out cue are left out of training."""
    tool = next(t for t in default_data.tools if phrasings(t).units == units)
    train = split_phrasings(tool, "train").cues
    for size, cues in TRAINING_CUES[units].items():
        assert len(set(cues)) == len(cues) >= 100
        assert [c for c in cues if re.search(r"\d", c) or read_quantities(c)] == []
        assert len(set(cues) & set(train[size])) > 0.8 * len(cues)


def test_training_only_out_of_scope_requests_are_new_and_training_only(default_splits):
    bank = {r.lower() for r, _ in OUT_OF_SCOPE}
    extra = [r for r, _ in TRAINING_OUT_OF_SCOPE]
    assert len(set(extra)) == len(extra) >= 100 and not {r.lower() for r in extra} & bank
    n = len(out_of_scope_requests([]))
    used = {s: {int(e.phrasing.removeprefix("out_of_scope/")) for e in default_splits[s]
                if e.tool is None and SCOPE_PHRASING not in e.phrasing} for s in SPLITS}
    assert max(used["train"]) >= n > max(used["val"] | used["test"])


def test_cue_labels_follow_the_definitions(default_data):
    """A registry that draws the line elsewhere moves the numeric cues, not the words-only ones."""
    tool = next(t for t in default_data.tools if phrasings(t).units == "image")
    moved = dataclasses.replace(tool, input_sizes=parse_input_sizes(
        {"small": {"max_megapixels": 10}, "medium": {"max_megapixels": 40}, "large": {}}, "t"))
    cues = size_cues(moved)
    assert "a 4K photo" in cues["small"] and "an 8K image" in cues["medium"] and "a tiny icon" in cues["small"]
    assert "a phone photo" in cues["medium"]


@pytest.mark.parametrize("which", ["default", "other"])
def test_every_task_carries_exactly_its_size_cue(which, default_data, other_data, default_splits, other_splits):
    """A task names its size once: by a cue of its split's bank, or (training only) as a number."""
    data, splits = (default_data, default_splits) if which == "default" else (other_data, other_splits)
    tools = {t.name: t for t in data.tools}
    numeric = 0
    for split in SPLITS:
        for e in (e for e in splits[split] if e.tool is not None and e.size_in_text):
            said = _sizes_mentioned(tools[e.tool], e.task)
            assert "{" not in e.task and "}" not in e.task
            if split == "train" and not said and tools[e.tool].input_sizes:
                numeric += 1
                continue
            assert said == {e.input_size}, e
    units = [e for e in splits["train"] if e.tool is not None and e.size_in_text and tools[e.tool].input_sizes]
    assert not units or 0.2 < numeric / len(units) < 0.4  # P_NUMERIC of the training tasks that state a size


def test_task_text_never_says_the_snake_case_name(default_data, default_splits):
    names = default_data.tool_names
    tasks = [e.task for s in SPLITS for e in default_splits[s] if e.tool is not None]
    assert not [t for t in tasks if "_" in t or any(n in t for n in names)]
    assert len(set(tasks)) > 0.6 * len(tasks)  # the same request recurs, on another machine


# --------------------------------------------------------------------------- splits and snapshots


def test_split_sizes_and_ids(default_data, default_splits):
    counts = {"train": 400, "val": 50, "test": 100}
    scope_only = len(scope_only_examples(default_data, SCOPE_ONLY_FILES))  # training ends with them
    for split, examples in default_splits.items():
        inside = counts[split] * len(default_data.tools)
        assert len(examples) == inside + round(P_OUT_OF_SCOPE * inside) + (scope_only if split == "train" else 0)
        examples = examples[:len(examples) - scope_only] if split == "train" else examples
        assert all(e.tool is None for e in examples[inside:]) and all(e.tool for e in examples[:inside])
        examples = examples[:inside]
        assert len({e.id for e in examples}) == len(examples)
        assert [e.tool for e in examples[:: counts[split]]] == default_data.tool_names
        assert {e.input_size for e in examples} == set(INPUT_SIZES)


@pytest.mark.parametrize("which", ["default", "other"])
def test_validation_and_test_phrasings_are_held_out(which, default_data, other_data, default_splits, other_splits):
    data, splits = (default_data, default_splits) if which == "default" else (other_data, other_splits)
    for tool in data.tools:
        n = len(phrasings(tool).templates)
        held = {split: {f"{tool.name}/{i:02d}" for i in ids} for split, ids in heldout_templates(tool).items()}
        assert len(held["test"]) == max(1, round(n / 4)) and len(held["val"]) == max(1, round(n * 0.15))
        assert sum(map(len, held.values())) == n and not held["test"] & held["val"]
        used = {s: {e.phrasing for e in splits[s] if e.tool == tool.name} for s in SPLITS}
        assert used["test"] == held["test"] and used["val"] == held["val"]  # every held-out phrasing is used
        registry = {p for p in used["train"] if "/registry-" in p}
        extra = {p for p in used["train"] if "/extra-" in p}  # the training-only templates
        scope = {p for p in used["train"] if f"/{SCOPE_PHRASING}" in p}  # the scope-only bank's
        bank = used["train"] - registry - extra - scope  # a training template may be drawn only for registry tasks
        assert bank <= held["train"] and len(bank) >= 0.9 * len(held["train"]) and registry
        assert len(extra) >= 0.9 * len(TRAINING_TEMPLATES.get(tool.name, ()))


@pytest.mark.parametrize("which", ["default", "other"])
def test_size_cues_and_slot_values_are_held_out_too(which, default_data, other_data, default_splits, other_splits):
    """No cue, question or language of a validation or test task is ever in a training task, of any tool
    (the image tools share one cue bank, the text tools another)."""
    data, splits = (default_data, default_splits) if which == "default" else (other_data, other_splits)
    every_train_text = " ".join(e.task.lower() for e in splits["train"])
    for tool in data.tools:
        banks = {split: split_phrasings(tool, split) for split in SPLITS}
        for size in INPUT_SIZES:
            cues = {split: set(b.cues[size]) for split, b in banks.items()}
            assert not cues["train"] & cues["val"] and not cues["train"] & cues["test"] and cues["val"] and cues["test"]
        train_text = " ".join(e.task.lower() for e in splits["train"] if e.tool == tool.name)
        for split in ("val", "test"):
            own = [e for e in splits[split] if e.tool == tool.name]
            values = {c.lower() for c in (*sum(banks[split].cues.values(), ()), *(v for _, vs in banks[split].extras
                                                                                     for v in vs))}
            assert all(any(v in e.task.lower() for v in values) for e in own)
            assert not [v for v in values if v in train_text], (tool.name, split)
            words = {v.lower() for _, vs in banks[split].extras for v in vs}  # languages, questions: any tool's
            assert not [v for v in words if re.search(rf"\b{re.escape(v)}\b", every_train_text)], (tool.name, split)
            cues = {c.lower() for c in sum(banks[split].cues.values(), ())}
            assert not [c for c in cues if re.search(rf"\b{re.escape(c)}\b", every_train_text)], (tool.name, split)


def test_no_text_training_may_draw_names_a_held_out_language_or_question(default_data):
    """Every text a training task may be drawn from (the bank's training templates, the training-only ones, the
    training share of the out-of-scope requests and the training-only ones) is free of every validation and test
    slot value of every tool, so no seed or count can draw one into training."""
    tools = default_data.tools
    held = {v.lower() for tool in tools for split in ("val", "test")
            for _, values in split_phrasings(tool, split).extras for v in values}
    texts = [split_phrasings(tool, "train").templates[i] for tool in tools
             for i in planner_text.split_templates(tool, "train")]
    requests = out_of_scope_requests(t.name for t in tools)
    texts += [requests[i] for i in planner_text.bank_splits(len(requests), "out_of_scope", 0)["train"]]
    texts += out_of_scope_requests((t.name for t in tools), training_only=True)
    scope_only = training_only_bank(SCOPE_ONLY_FILES)  # its templates and requests (its cues are not used)
    texts += [t for own in scope_only["templates"].values() for t in own]
    texts += [r for key in ("out_of_scope", "in_scope") for r, _ in scope_only[key]]
    assert held and len(texts) > 1000
    found = [(v, t) for t in texts for v in held if re.search(rf"\b{re.escape(v)}\b", t.lower())]
    assert not found, found[:5]


def test_adding_cues_moves_no_cue_between_splits():
    """A cue's split is a function of its own text: a bigger bank keeps every old cue where it was (so results on
    the old cues stay comparable); a small bank splits by exact shares."""
    old = tuple(f"a cue number {i}" for i in range(40))
    bigger = old[:20] + tuple(f"another cue {i}" for i in range(40)) + old[20:]
    where = lambda bank: {bank[i]: split for split, ids in planner_text.cue_splits(bank, "cues/x/small").items()
                          for i in ids}
    before, after = where(old), where(bigger)
    assert all(after[c] == before[c] for c in old)
    assert {s: sum(v == s for v in after.values()) for s in SPLITS} == {
        s: len(ids) for s, ids in planner_text.cue_splits(bigger, "cues/x/small").items()}
    assert all(6 <= len(ids) for ids in planner_text.cue_splits(bigger, "cues/x/small").values())
    small = old[:planner_text.MIN_HASHED_BANK - 1]  # exact shares: six generic cues a class keep three for training
    assert planner_text.cue_splits(small, "cues/x/small") == planner_text.bank_splits(len(small), "cues/x/small")


@pytest.mark.parametrize("which", ["default", "other"])
def test_out_of_scope_requests_are_labelled_null_and_held_out(which, default_data, other_data, default_splits,
                                                              other_splits):
    """Validation and test refuse requests never trained on: none of their bank entries is in any training task."""
    data, splits = (default_data, default_splits) if which == "default" else (other_data, other_splits)
    bank = out_of_scope_requests(t.name for t in data.tools)
    every_train_text = " ".join(e.task.lower() for e in splits["train"])
    used = {}
    for split in SPLITS:
        outside = [e for e in splits[split] if e.tool is None]
        assert outside and all(e.input_size is None and e.config_id is None and e.preference is None for e in outside)
        used[split] = {int(e.phrasing.removeprefix("out_of_scope/")) for e in outside
                       if SCOPE_PHRASING not in e.phrasing}  # the scope-only bank's: every_train_text only
    assert not used["train"] & used["val"] and not used["train"] & used["test"] and not used["val"] & used["test"]
    for split in ("val", "test"):
        seen = [bank[n] for n in used[split] if bank[n].lower().rstrip(".?!") in every_train_text]
        assert not seen, (split, seen[:3])
        assert all(e.task == bank[int(e.phrasing.removeprefix("out_of_scope/"))]
                   for e in splits[split] if e.tool is None)  # held out as written


def test_the_out_of_scope_bank_drops_what_a_registry_serves():
    everything = out_of_scope_requests([])
    assert len(everything) == len(OUT_OF_SCOPE) >= 200 and len(set(everything)) == len(everything)
    speech = {r for r, needs in OUT_OF_SCOPE if needs == "speech_to_text"}
    assert speech and not speech & set(out_of_scope_requests(["speech_to_text", "pose_estimation"]))
    assert set(out_of_scope_requests(["image_classification"])) == set(everything)  # no entry needs a shipped tool


@pytest.mark.parametrize("edit", [{"input_size": "small"}, {"config_id": 3}, {"phrasing": "ocr/01"},
                                  {"preference": "fastest"}, {"scope_only": True}])
def test_a_malformed_out_of_scope_line_is_one_error(edit, default_data, default_splits, tmp_path):
    line = json.loads(next(e for e in default_splits["train"] if e.tool is None).to_json()) | edit
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(line) + "\n")
    message = _error(path, default_data)
    assert message.startswith(f"{path}: line 1: field {next(iter(edit))}: ") and "tool null" in message, message


@pytest.mark.parametrize("which", ["default", "other"])
def test_some_training_tasks_name_the_input_without_its_size(which, default_data, other_data, default_splits,
                                                             other_splits):
    """"Caption this photo": training only, its cue from ``unsized_cues``, no size said in it (the scope-only banks'
    requests as written say none either: ``test_planner_scope_only``)."""
    data, splits = (default_data, default_splits) if which == "default" else (other_data, other_splits)
    tools = {t.name: t for t in data.tools}
    drawn = [e for e in splits["train"] if f"/{SCOPE_PHRASING}" not in e.phrasing]
    unsized = [e for e in drawn if not e.size_in_text]
    inside = [e for e in drawn if e.tool is not None]
    assert 0.06 < len(unsized) / len(inside) < 0.18  # P_UNSIZED of the training tasks
    assert all(e.size_in_text for s in ("val", "test") for e in splits[s])
    for e in unsized:
        assert any(c.lower() in e.task.lower() for c in planner_text.unsized_cues(tools[e.tool])), e.task
        assert not _sizes_mentioned(tools[e.tool], e.task), e.task
    sized = next(e for e in inside if e.size_in_text)
    assert json.loads(unsized[0].to_json())["size_in_text"] is False and "size_in_text" not in json.loads(
        sized.to_json())  # written only when false: older files load unchanged


def test_noise_slips_letters_but_never_touches_a_stated_size():
    rng = random.Random(0)
    task = "Please classify a 1920x1080 screenshot and a 12 megapixels photograph, thanks."
    noisy = [planner_text.add_noise(task, rng) for _ in range(200)]
    assert len(set(noisy)) > 50 and all(n != task for n in noisy if "," in n)  # with punctuation: a slip
    assert all("1920x1080 screenshot" in n and "12 megapixels" in n for n in noisy)
    assert all(len(n.split()) == len(task.split()) for n in noisy)
    assert any("," not in n for n in noisy)  # sometimes no punctuation at all


def test_hurried_typing_slips_more_words_and_chats_but_never_touches_a_stated_size(monkeypatch):
    monkeypatch.setattr(planner_text, "P_HURRIED", 1.0)
    rng = random.Random(0)
    task = "Can you please tell me what the dog in a 1920x1080 screenshot and the 12 megapixels photo is doing?"
    noisy = [planner_text.add_noise(task, rng) for _ in range(200)]
    changed = [sum(a != b for a, b in zip(n.split(), task.split())) for n in noisy]
    assert min(changed) >= 3 and all(len(n.split()) == len(task.split()) for n in noisy)
    assert all("1920x1080 screenshot" in n and "12 megapixels" in n for n in noisy)
    assert any(" u " in n for n in noisy) and any("pls" in n for n in noisy)


def test_wording_variation_is_training_only_and_leaves_labels_alone(other_data, monkeypatch):
    varied = generate_planner(other_data, **SMALL)
    for knob in ("P_REGISTRY", "P_FRAME", "P_CASUAL", "P_NUMERIC", "P_NOISE"):
        monkeypatch.setattr(planner_text, knob, 0.0)
    plain = generate_planner(other_data, **SMALL)
    assert varied["test"] == plain["test"] and varied["val"] == plain["val"]  # held-out templates as written
    for split in ("train",):
        changed = [(a, b) for a, b in zip(varied[split], plain[split]) if a.task != b.task]
        assert len(changed) > len(varied[split]) / 3
        assert all(a.config_id == b.config_id and a.free_resources == b.free_resources for a, b in changed)
        assert all(b.phrasing == a.phrasing or "/registry-" in a.phrasing for a, b in changed)


def test_registry_tasks_quote_the_description(default_data):
    tool = default_data.tools[0]
    text = render_registry_task(tool, 0, "small", random.Random(0))
    assert tool.description.rstrip(".")[1:] in text and _sizes_mentioned(tool, text) == {"small"}


@pytest.mark.parametrize(("task", "frame", "expected"), [
    ("Classify a photo.", "hey, {task}", "hey, classify a photo."),
    ("I need a photo classified.", "hey, {task}", "hey, I need a photo classified."),
    ("Classify a photo.", "Hi! {task}", "Hi! Classify a photo."),
    ("boxes for a photo pls", "{task} Thanks!", "boxes for a photo pls. Thanks!"),
    ("What is it?", "{task} Cheers.", "What is it? Cheers."),
])
def test_frames_keep_sentences_readable(task, frame, expected, monkeypatch):
    monkeypatch.setattr(planner_text, "FRAMES", (frame,))
    monkeypatch.setattr(planner_text, "P_FRAME", 1.0)
    monkeypatch.setattr(planner_text, "P_CASUAL", 0.0)
    assert vary_register(task, random.Random(0)) == expected


def test_frames_name_no_tool_resource_or_size():
    words = re.compile(r"image|photo|text|translat|caption|detect|upscal|resolution|cpu|gpu|memory|fast|quick|"
                       r"cheap|budget|small|large|big|page|tiny|huge", re.I)
    assert not [f for f in FRAMES if words.search(f)]


@pytest.mark.parametrize("which", ["default", "other"])
def test_labels_are_the_oracles_and_diverse(which, default_data, other_data, default_splits, other_splits):
    data, splits = (default_data, default_splits) if which == "default" else (other_data, other_splits)
    for e in (e for s in SPLITS for e in splits[s]):
        assert e.config_id == oracle_config(data, e.tool, e.input_size, e.free_resources, e.latency_budget_ms,
                                            e.preference)
    for tool, ids in data.tool_mask_map().items():
        labels = {e.config_id for e in splits["train"] if e.tool == tool}
        assert None in labels and len(labels - {None}) >= min(20, len(ids) - 1), tool


@pytest.mark.parametrize("which", ["default", "other"])
def test_infeasible_and_budget_shares(which, default_splits, other_splits):
    splits = default_splits if which == "default" else other_splits
    stats = planner_stats([e for s in SPLITS for e in splits[s]])
    assert 0.04 <= stats["infeasible"] <= 0.09
    assert 0.25 <= stats["budgeted"] <= 0.35


def test_budgets_bind_sometimes_and_sometimes_cannot_be_met(default_data, default_splits):
    budgeted = [e for e in default_splits["train"] if e.latency_budget_ms is not None and e.config_id is not None
                and e.preference is None]
    fastest = [oracle_config(default_data, e.tool, e.input_size, e.free_resources, None) for e in budgeted]
    unmet = [e for e in budgeted if default_data.configs[e.config_id].latency_ms > e.latency_budget_ms]
    changed = [e for e, f in zip(budgeted, fastest) if f != e.config_id]
    assert 0.1 * len(budgeted) < len(unmet) < 0.4 * len(budgeted)
    assert 0.4 * len(budgeted) < len(changed) < 0.9 * len(budgeted)


def test_snapshots_use_levels_in_between_values_and_cpu_only_machines(default_data, default_splits):
    examples = default_splits["train"]
    levels = {f: {getattr(c, f) for c in default_data.configs} for f in RESOURCES}
    for f in RESOURCES:
        values = [e.free_resources[f] for e in examples]
        on_level = sum(v in levels[f] for v in values)
        assert 0.5 * len(values) < on_level < 0.9 * len(values), f
        assert any(v > max(levels[f]) for v in values) and any(min(levels[f]) < v < max(levels[f])
                                                               and v not in levels[f] for v in values)
        assert all(float(v * 4).is_integer() for v in values)  # quarters at the finest
        if f in ("cpu_cores", "gpu_sm"):
            assert all(isinstance(v, int) for v in values)
    no_gpu = [e for e in examples if e.free_resources["gpu_sm"] == 0]
    assert no_gpu and all(e.free_resources["gpu_memory_gb"] == 0 for e in no_gpu)
    assert all(e.config_id is None for e in no_gpu)  # every default configuration needs a GPU


def test_cpu_only_machines_run_cpu_only_configurations(other_data, other_splits):
    runs = [e for e in other_splits["train"] if e.free_resources["gpu_sm"] == 0 and e.config_id is not None]
    assert runs and all(other_data.configs[e.config_id].gpu_sm == 0 for e in runs)


def test_counts_must_not_be_negative(other_data):
    with pytest.raises(DataError, match="val_per_tool"):
        generate_planner(other_data, val_per_tool=-1)


# --------------------------------------------------------------------------- files


def test_same_seed_same_files_other_seed_other_files(other_data, tmp_path):
    paths = [write_planner(generate_planner(other_data, seed=s, **SMALL), tmp_path / str(i))
             for i, s in enumerate((4, 4, 5))]
    for split in SPLITS:
        assert paths[0][split].read_bytes() == paths[1][split].read_bytes()
        assert paths[0][split].read_bytes() != paths[2][split].read_bytes()


def test_one_split_size_leaves_the_others_unchanged(other_data):
    a = generate_planner(other_data, **SMALL)
    b = generate_planner(other_data, **{**SMALL, "train_per_tool": 7})
    assert a["val"] == b["val"] and a["test"] == b["test"]


def test_shipped_files_are_the_generator_output(default_data, default_splits, repo_root, tmp_path):
    written = write_planner(default_splits, tmp_path)
    for split in SPLITS:
        assert written[split].read_bytes() == (repo_root / "data/planner" / f"{split}.jsonl").read_bytes(), split


@pytest.mark.parametrize("which", ["default", "other"])
def test_files_round_trip_through_the_loader(which, default_data, other_data, default_splits, other_splits,
                                             tmp_path):
    data, splits = (default_data, default_splits) if which == "default" else (other_data, other_splits)
    written = write_planner(splits, tmp_path)
    for split in SPLITS:
        lines = written[split].read_text().splitlines()
        # preference only when stated, size_in_text only when false
        assert all(tuple(k for k in KEYS if k in json.loads(line)) == tuple(json.loads(line))
                   and set(KEYS) - set(json.loads(line)) <= {"preference", "size_in_text", "scope_only"}
                   for line in lines)
        assert load_planner_examples(written[split], data) == splits[split]


def test_cli_generate_planner(other_files, other_data, tmp_path, capsys):
    out = tmp_path / "planner"
    argv = ["data", "generate-planner", "--tool_registry", str(other_files[0]), "--profiling_data",
            str(other_files[1]), "--output_dir", str(out), "--seed", "3", "--train_per_tool", "40",
            "--val_per_tool", "10", "--test_per_tool", "20"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for line, split, n in zip(lines, SPLITS, (132, 33, 66)):  # 10% more: out of scope
        assert re.fullmatch(rf"✓ Wrote {n} examples to {re.escape(str(out / split))}\.jsonl \(\d+\.\d% out of scope, "
                            rf"\d+\.\d% infeasible, "
                            rf"\d+\.\d% with a latency budget, \d+\.\d% stating a preference\)", line), line
    assert sorted(p.name for p in out.iterdir()) == ["test.jsonl", "train.jsonl", "val.jsonl"]  # no temp files
    expected = generate_planner(other_data, seed=3, **SMALL)
    assert {s: load_planner_examples(out / f"{s}.jsonl", other_data) for s in SPLITS} == expected
    assert main([*argv[:-1], "-1"]) == 2
    assert "error: test_per_tool: expected a count >= 0" in capsys.readouterr().err


# --------------------------------------------------------------------------- loader errors


@pytest.fixture(scope="module")
def sample_lines(default_splits) -> list[dict]:
    """Three valid lines; the second is feasible and has no budget."""
    train = [e for e in default_splits["train"] if e.tool is not None]
    second = next(e for e in train[1:] if e.config_id is not None and e.latency_budget_ms is None)
    return [json.loads(e.to_json()) for e in (train[0], second, train[-1])]


def _other_config(data: ToolData, line: dict, same_tool: bool, same_size: bool) -> int:
    return next(c.config_id for c in data.configs if c.config_id != line["config_id"]
                and (c.tool == line["tool"]) == same_tool and (c.input_size == line["input_size"]) == same_size)


def _set(key, value):
    def edit(line, data):
        line[key] = value(line, data) if callable(value) else value
    return edit


def _free_set(key, value):
    def edit(line, data):
        line["free_resources"][key] = value
    return edit


def _drop(key):
    return lambda line, data: line.pop(key)


MALFORMED = {
    "missing key": (_drop("task"), "task", "missing"),
    "extra key": (_set("note", "hi"), "note", "unexpected key"),
    "empty task": (_set("task", " "), "task", "expected a non-empty string"),
    "unknown tool": (_set("tool", "speech_to_text"), "tool", "unknown tool 'speech_to_text'"),
    "unknown input size": (_set("input_size", "huge"), "input_size", "unknown input size 'huge'"),
    "phrasing of another tool": (_set("phrasing", "doc_ocr/01"), "phrasing", "expected"),
    "free resources not an object": (_set("free_resources", [1, 2, 3, 4]), "free_resources", "exactly"),
    "free resource missing": (lambda line, data: line["free_resources"].pop("gpu_sm"), "free_resources", "exactly"),
    "negative free resource": (_free_set("memory_gb", -4), "free_resources.memory_gb", "non-negative number"),
    "non-numeric free resource": (_free_set("cpu_cores", "8"), "free_resources.cpu_cores", "non-negative number"),
    "boolean free resource": (_free_set("gpu_sm", True), "free_resources.gpu_sm", "non-negative number"),
    "zero budget": (_set("latency_budget_ms", 0), "latency_budget_ms", "positive number"),
    "text budget": (_set("latency_budget_ms", "fast"), "latency_budget_ms", "positive number"),
    "config id not an integer": (_set("config_id", "12"), "config_id", "expected null or an integer"),
    "config id out of range": (_set("config_id", 99999), "config_id", "99999 is out of range (0..1700)"),
    "config id of another tool": (_set("config_id", lambda line, data: _other_config(data, line, False, True)),
                                  "config_id", "belongs to tool"),
    "config id of another size": (_set("config_id", lambda line, data: _other_config(data, line, True, False)),
                                  "config_id", "configuration, not"),
    "label disagrees": (_set("config_id", lambda line, data: _other_config(data, line, True, True)),
                        "config_id", "label disagrees with the oracle: expected {label}"),
    "label null but feasible": (_set("config_id", None), "config_id",
                                "label disagrees with the oracle: expected {label}"),
    "label set but infeasible": (_free_set("cpu_cores", 0), "config_id",
                                 "label disagrees with the oracle: expected null (nothing fits)"),
    "duplicate id": (_set("id", lambda line, data: "train/image_classification/0000"), "id", "duplicate id"),
    "scope-only not a boolean": (_set("scope_only", "yes"), "scope_only", "expected true or false, got 'yes'"),
}


def test_a_scope_only_example_round_trips(default_data, default_splits, tmp_path):
    """Written only when true (older files load unchanged), read back as written."""
    inside = next(e for e in default_splits["train"] if e.tool is not None)
    marked = dataclasses.replace(inside, scope_only=True)
    assert "scope_only" not in json.loads(inside.to_json()) and json.loads(marked.to_json())["scope_only"] is True
    path = tmp_path / "scope.jsonl"
    path.write_text(marked.to_json() + "\n")
    assert load_planner_examples(path, default_data) == [marked]


def _error(path: Path, data: ToolData) -> str:
    with pytest.raises(DataError) as info:
        load_planner_examples(path, data)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_line_is_one_line_naming_file_line_and_field(case, sample_lines, default_data, tmp_path):
    edit, field, problem = MALFORMED[case]
    lines = json.loads(json.dumps(sample_lines))
    label = lines[1]["config_id"]
    edit(lines[1], default_data)
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    message = _error(path, default_data)
    assert message.startswith(f"{path}: line 2: field {field}: "), message
    assert problem.format(label=label) in message, message


@pytest.mark.parametrize(("line", "problem"), [
    ("{not json", "invalid JSON at column 2: Expecting property name enclosed in double quotes"),
    ("[1, 2]", "expected a JSON object, got list"),
    ("", "empty line"),
])
def test_malformed_whole_line(line, problem, sample_lines, default_data, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([json.dumps(sample_lines[0]), line, json.dumps(sample_lines[2])]) + "\n")
    assert _error(path, default_data) == f"{path}: line 2: {problem}"


@pytest.mark.parametrize("text", ["", "\n \n"])
def test_empty_file(text, default_data, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text(text)
    assert _error(path, default_data) == f"{path}: file is empty"


def test_missing_file(default_data, tmp_path):
    assert _error(tmp_path / "nope.jsonl", default_data) == f"{tmp_path / 'nope.jsonl'}: file not found"


def test_valid_lines_load_as_examples(sample_lines, default_data, default_splits, tmp_path):
    path = tmp_path / "ok.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in sample_lines))
    by_id = {e.id: e for e in default_splits["train"]}
    assert load_planner_examples(path, default_data) == [by_id[line["id"]] for line in sample_lines]
    assert all(isinstance(v, float) for e in load_planner_examples(path, default_data)
               for v in e.free_resources.values())


# --------------------------------------------------------------------------- the hand-written test set

HAND = "data/planner_handwritten/requests.jsonl"
HAND2 = "data/planner_handwritten2/requests.jsonl"


def test_the_hand_written_set_loads_with_oracle_labels(default_data, repo_root, default_splits):
    from tomas.data.planner import load_handwritten

    examples = load_handwritten(repo_root / HAND, default_data)
    assert len(examples) >= 300 and len({e.id for e in examples}) == len(examples)
    assert {e.tool for e in examples} == set(default_data.tool_names)
    for e in examples:
        if e.input_size:  # the configuration label is the oracle's for the human tool and size
            assert e.config_id == oracle_config(default_data, e.tool, e.input_size, e.free_resources,
                                                e.latency_budget_ms, e.preference)
        else:
            assert e.config_id is None
    assert sum(not e.input_size for e in examples) < 0.25 * len(examples)
    generated = {e.task for s in SPLITS for e in default_splits[s]}
    assert not [e.task for e in examples if e.task in generated]  # written apart from the generator


def test_hand_written_preferences_are_worded_apart_from_the_bank(default_data, repo_root):
    """Requests that state a preference in the writer's own words: no run of four words from the bank's wordings of
    a preference, and no hand-written request has one from its look-alikes."""
    from tomas.data.planner import load_handwritten

    def grams(*texts: str) -> set[tuple[str, ...]]:
        words = [re.findall(r"[a-z']+", text.lower()) for text in texts]
        return {tuple(w[i:i + 4]) for w in words for i in range(len(w) - 3)}

    hand = [e for path in (HAND, HAND2) for e in load_handwritten(repo_root / path, default_data)]
    stated = [e for e in hand if e.preference]
    assert len(stated) >= 30 and {e.preference for e in stated} == set(PREFERENCES)
    bank = grams(*(w for pref in PREFERENCES.values() for w in pref.phrases + pref.tails))
    assert not [e.task for e in stated if grams(e.task) & bank]
    assert not [e.task for e in hand if grams(e.task) & grams(*LOOKALIKE_SENTENCES, *LOOKALIKE_TAILS)]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda r: r.pop("category"), "expected an object with exactly id, task"),
    (lambda r: r.update(tool="teleport"), "field tool: unknown tool 'teleport'"),
    (lambda r: r.update(input_size="huge"), "field input_size: unknown input size 'huge'"),
    (lambda r: r["free_resources"].update(gpu_sm=-1), "field free_resources.gpu_sm: expected a non-negative number"),
])
def test_a_bad_hand_written_line_is_one_error_naming_the_line(default_data, repo_root, tmp_path, edit, message):
    from tomas.data.planner import load_handwritten

    lines = (repo_root / HAND).read_text().splitlines()[:3]
    row = json.loads(lines[1])
    edit(row)
    bad = tmp_path / "hand.jsonl"
    bad.write_text("\n".join([lines[0], json.dumps(row), lines[2]]) + "\n")
    with pytest.raises(DataError, match=re.escape(f"{bad}: line 2: ") + ".*" + re.escape(message)):
        load_handwritten(bad, default_data)


DEV = "data/planner_dev/requests.jsonl"


def test_the_hand_written_validation_set_is_apart_from_the_generator_and_the_test_sets(default_data, repo_root,
                                                                                       default_splits):
    """data/planner_dev: every tool, out-of-scope requests (tool null) among them, and no task shared with the
    generated splits, the out-of-scope bank or either hand-written test set."""
    from tomas.data.planner import HAND_FILES, load_handwritten

    dev = load_handwritten(repo_root / DEV, default_data)
    assert len(dev) >= 200 and len({e.id for e in dev}) == len(dev)
    assert {e.tool for e in dev} == set(default_data.tool_names) | {None}
    outside = [e for e in dev if e.tool is None]
    assert len(outside) >= 30 and all(e.config_id is None and e.phrasing.startswith("out_of_scope/") for e in outside)
    taken = {e.task.lower() for s in SPLITS for e in default_splits[s]}
    taken |= {r.lower() for r, _ in (*OUT_OF_SCOPE, *TRAINING_OUT_OF_SCOPE)}
    taken |= {e.task.lower() for f in HAND_FILES for e in load_handwritten(repo_root / f, default_data)}
    assert not [e.task for e in dev if e.task.lower() in taken]


def test_the_second_hand_written_validation_set_is_apart_from_everything_else(default_data, repo_root, default_splits):
    """data/planner_dev2: every tool and 40 out-of-scope requests, no task shared with the generated splits, the
    out-of-scope banks or any other hand-written set."""
    from tomas.data.planner import HAND_FILES, load_handwritten

    dev2 = load_handwritten(repo_root / "data/planner_dev2/requests.jsonl", default_data)
    assert len(dev2) == 250 and {e.tool for e in dev2} == set(default_data.tool_names) | {None}
    assert sum(e.tool is None for e in dev2) == 40
    taken = {e.task.lower() for s in SPLITS for e in default_splits[s]}
    taken |= {r.lower() for r, _ in (*OUT_OF_SCOPE, *TRAINING_OUT_OF_SCOPE)}
    taken |= {e.task.lower() for f in (*HAND_FILES, DEV) for e in load_handwritten(repo_root / f, default_data)}
    assert not [e.task for e in dev2 if e.task.lower() in taken]


def test_the_hand_written_validation_set_is_skipped_for_a_registry_without_its_tools(default_data, repo_root,
                                                                                     other_table):
    from tomas.data.planner import load_dev

    said = []
    assert load_dev(str(repo_root / DEV), other_table[0], said.append) == []
    assert "not used" in said[0] and "image_captioning" in said[0]
    assert len(load_dev(str(repo_root / DEV), default_data)) >= 200
    assert load_dev(None, default_data) == []
