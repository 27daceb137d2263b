"""The planner's text banks: the training-only banks, one per writer, merge in file order."""

from __future__ import annotations

from tomas.data.planner import load_planner_examples
from tomas.data.planner.banks import TRAINING_ONLY_FILES, training_only_bank
from tomas.data.planner.phrases import TRAINING_TEMPLATES
from tomas.data.planner.scope_only import scope_only_examples


def test_a_later_writer_numbers_after_the_earlier_ones_and_only_shipped_files_are_read():
    second = training_only_bank(("training_only.yaml",))
    both = training_only_bank(("training_only.yaml", "training_only_w3.yaml"))
    for tool, templates in second["templates"].items():
        assert both["templates"][tool][:len(templates)] == templates and len(both["templates"][tool]) > len(templates)
    for units in ("image_cues", "text_cues"):
        for size, cues in second[units].items():
            assert both[units][size][:len(cues)] == cues
    assert both["out_of_scope"][:len(second["out_of_scope"])] == second["out_of_scope"]
    assert TRAINING_ONLY_FILES == ("training_only.yaml",)  # the third writer's bank ships scope-only
    assert {tool: tuple(t) for tool, t in training_only_bank()["templates"].items()} == TRAINING_TEMPLATES
    assert training_only_bank(("training_only.yaml",)) == second  # merging copies: the cached banks stay as read


def test_a_scope_only_bank_may_hold_in_scope_requests_as_written(default_data, tmp_path):
    """Short requests that name their input only as "this": one scope-only example each for a registered tool, after
    every other scope-only example, with no size read from the text; its label loads back as the oracle's."""
    bank = tmp_path / "bank.yaml"
    bank.write_text("templates: {}\nin_scope:\n- [what breed is this?, image_classification]\n"
                    "- [make this shorter pls, text_summarization]\n- [what does this song say?, speech_to_text]\n"
                    "out_of_scope:\n- [set a timer for the pasta, '']\n")
    examples = scope_only_examples(default_data, (str(bank),))
    assert [(e.task, e.tool) for e in examples] == [("set a timer for the pasta", None),
                                                   ("what breed is this?", "image_classification"),
                                                   ("make this shorter pls", "text_summarization")]
    inside = examples[1:]
    assert not any(e.scope_only or e.size_in_text or e.states_size for e in inside)  # the tool is learned, no size
    assert [e.phrasing for e in inside] == ["image_classification/scope-w000", "text_summarization/scope-w000"]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(e.to_json() + "\n" for e in examples))
    assert load_planner_examples(path, default_data) == examples
    assert scope_only_examples(default_data, (str(bank),)) == examples  # one seed, the same examples
