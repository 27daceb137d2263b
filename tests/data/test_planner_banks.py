"""The planner's text banks: the training-only banks, one per writer, merge in file order."""

from __future__ import annotations

from tomas.data.planner.banks import TRAINING_ONLY_FILES, training_only_bank
from tomas.data.planner.phrases import TRAINING_TEMPLATES


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
