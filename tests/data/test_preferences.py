"""Preferences in words: how wordings are attached to a request, split back into pieces, and drawn per split."""

import pytest

from tomas.data.planner.preferences import (
    PREFERENCE_NAMES,
    PREFERENCES,
    attach,
    labelled_segments,
    preference_views,
    segments,
    wordings,
    words_of,
)

TASK = "Caption this 1920x1080 photo of a street market."
SPLITS = ("train", "val", "test")


@pytest.mark.parametrize(("style", "expected"), [
    ("after", "Caption this 1920x1080 photo of a street market. Keep the CPU core count low."),
    ("before", "Keep the CPU core count low. Caption this 1920x1080 photo of a street market."),
    ("clause", "Caption this 1920x1080 photo of a street market, keep the CPU core count low."),
])
def test_a_sentence_is_attached_after_before_or_as_a_clause_and_comes_back_as_its_own_piece(style, expected):
    text = attach(TASK, "Keep the CPU core count low.", style)
    assert text == expected
    assert words_of("Keep the CPU core count low.") in {words_of(p) for p in segments(text)}
    assert words_of(TASK) in {words_of(p) for p in segments(text)}


def test_a_phrase_goes_inside_the_last_sentence_before_its_mark():
    assert attach("Is the stove on in this photo?", "as fast as you can", "tail") == (
        "Is the stove on in this photo as fast as you can?")
    assert attach("Translate this letter", "on as few threads as will do", "tail") == (
        "Translate this letter on as few threads as will do.")
    assert attach("Is it on?", "I'm in a hurry.", "clause") == "Is it on? I'm in a hurry."  # no clause after a question


def test_segments_split_sentences_clauses_and_dashes_and_keep_a_text_without_words_whole():
    assert segments("Summarise this; it's 12 pages — quickly, please. Thanks!") == [
        "Summarise this", "it's 12 pages", "quickly", "please.", "Thanks!"]
    assert segments("...") == ["..."] and segments("4K") == ["4K"]


def test_the_pieces_an_attached_wording_makes_state_its_preference_and_the_rest_none():
    views = [(attach(TASK, "Keep GPU use to a minimum.", "before"), "spare_gpu", TASK),
             (attach("Translate this letter", "as fast as you can", "tail"), "fastest", "Translate this letter"),
             ("Translate it. Leave the GPU free.", "spare_gpu", "Translate it. Leave the GPU free."),  # as written
             (attach(TASK, "No rush.", "after"), None, TASK)]
    texts, labels = labelled_segments(views)
    assert list(zip(texts, labels)) == [
        ("Keep GPU use to a minimum.", "spare_gpu"), ("Caption this 1920x1080 photo of a street market.", None),
        ("Translate this letter as fast as you can.", "fastest"),
        ("Caption this 1920x1080 photo of a street market.", None), ("No rush.", None)]


def test_every_wording_is_held_out_per_split_and_the_views_use_their_splits_own():
    for name in (*PREFERENCE_NAMES, None):
        shares = {s: {words_of(w) for w in sum(wordings(name, s), ())} for s in SPLITS}
        assert all(shares.values()) and not any(shares[a] & shares[b] for a, b in (("train", "val"),
                                                                                   ("train", "test"), ("val", "test")))
        assert len(shares["test"]) > len(shares["val"])  # 25% and 15% of each bank
    requests = [(TASK, None), ("Translate this letter.", "fastest"), ("Summarise these notes.", None)]
    views = preference_views(requests, "val", seed=3)
    assert views == preference_views(requests, "val", seed=3) != preference_views(requests, "val", seed=4)
    assert [(v[1], v[2]) for v in views if v[0] == v[2]] == [(None, TASK), ("fastest", "Translate this letter."),
                                                             (None, "Summarise these notes.")]
    attached = [v for v in views if v[0] != v[2]]
    assert len(attached) == 4 and [v[1] is None for v in attached] == [False, True, False, True]
    val = {words_of(w) for n in (*PREFERENCE_NAMES, None) for w in sum(wordings(n, "val"), ())}
    for text, _, _ in attached:
        assert any(w in words_of(text) for w in val)


def test_the_bank_has_sentences_and_phrases_for_every_preference_and_no_wording_twice():
    for name, p in PREFERENCES.items():
        assert len(p.phrases) > 100 and len(p.tails) > 40
        assert all(t[:1].islower() and not t.endswith((".", "!", "?")) for t in p.tails), name
    every = [words_of(w) for n in (*PREFERENCE_NAMES, None) for w in sum(wordings(n, "train") + wordings(n, "val")
                                                                          + wordings(n, "test"), ())]
    assert len(every) == len(set(every)) > 900  # a wording in two banks would carry two labels


def test_the_wordings_split_alike_whatever_seed_made_the_data():
    """Data of another seed states its preferences in that split's wordings of the one split the reader uses, so
    the reader (fitted beside any data) never trains on a wording held out there."""
    from tomas.data import load_tool_data
    from tomas.data.planner import generate_planner

    data = load_tool_data("tests/fixtures/other/tools.json", "tests/fixtures/other/profiling.csv")
    splits = generate_planner(data, seed=7, train_per_tool=20, val_per_tool=20, test_per_tool=20, preference_share=0.5)
    for split in SPLITS:
        own = [words_of(w) for n in PREFERENCE_NAMES for w in sum(wordings(n, split), ())]
        stated = [e for e in splits[split] if e.preference]
        assert stated and all(any(w in words_of(e.task) for w in own) for e in stated)
    train = {words_of(w) for n in PREFERENCE_NAMES for w in sum(wordings(n, "train"), ()) if len(w.split()) > 3}
    assert not [e.task for e in splits["test"] if e.preference and any(w in words_of(e.task) for w in train)]
