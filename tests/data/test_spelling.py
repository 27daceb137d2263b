"""Typing slips are fixed toward the training file's frequent words; names, acronyms, short, English and
training words are left as written."""

from __future__ import annotations

from tomas.data.spelling import MIN_COUNT, SpellingFix, word_counts

TRAINING = (["Classify this thumbnail please", "Summarize the contract", "Translate the menu", "tihs one slip",
             "Caption the megapixel photo", "a cigar"] * MIN_COUNT + ["a herbarium sheet"])


def test_word_counts_are_lowercase_words():
    counts = word_counts(["Classify THIS 64x64 thumbnail", "classify it"])
    assert counts == {"classify": 2, "this": 1, "x": 1, "thumbnail": 1, "it": 1}


def test_slips_are_fixed_toward_frequent_training_words():
    fix = SpellingFix(word_counts(TRAINING))
    assert fix("clasify this thumbnial") == "classify this thumbnail"
    assert fix("pls sumarize it, then transalte it") == "pls summarize it, then translate it"
    assert fix("a 200 megapixle photo") == "a 200 megapixel photo"  # the size reader then reads the unit
    assert fix("Clasify it") == "Classify it"  # a sentence's first word, capitalised


def test_what_is_not_a_slip_is_left_alone():
    fix = SpellingFix(word_counts(TRAINING))
    kept = ["the CLASIFY flag",  # an acronym
            "the ClasiFy app",  # a mixed-case name
            "clsfy it",  # no frequent training word within the edits allowed
            "thumb",  # an English word, though near a training word
            "tihs",  # too short to tell a slip from a word
            "xlassify this",  # slips change the first letter rarely; a word that does is left as written
            "herbariums",  # nearest to a training word used once only: not a frequent word to correct toward
            "a cifar image"]  # a named input's word (named_sizes: CIFAR), though one edit from "cigar" below
    for text in kept:
        assert fix(text) == text, text


def test_a_training_words_own_spelling_is_kept_when_frequent():
    counts = word_counts(TRAINING + ["clasify"] * 3)  # used three times: the planner's own word now
    assert SpellingFix(counts)("clasify this") == "clasify this"


def test_no_planner_file_or_option_off_reads_requests_as_written(tmp_path):
    import dataclasses
    import json

    from tomas.artifacts.planner import SPELLING, load_spelling
    from tomas.artifacts.planner_meta import PlannerMeta
    from tomas.config import PlannerConfig

    meta = PlannerMeta(config=dataclasses.asdict(PlannerConfig()), llm_model="tiny", tool_names=["a"], num_configs=1)
    assert load_spelling(tmp_path, meta) is None  # a planner saved before the option: no file
    (tmp_path / SPELLING).write_text(json.dumps(word_counts(TRAINING)))
    assert load_spelling(tmp_path, meta)("clasify it") == "classify it"
    off = dataclasses.replace(meta, config={**meta.config, "model": {**meta.config["model"], "spelling": False}})
    assert load_spelling(tmp_path, off) is None


def test_the_saved_english_words_decide_as_the_english_list_does():
    """At training the English words the fix could reach are saved with the counts: planning then decides the
    same without loading pyspellchecker's list (~0.1 s of a cold start)."""
    import json

    counts = word_counts(TRAINING + ["a thumbs up", "the photos"] * MIN_COUNT)
    trained = SpellingFix(counts)
    saved = SpellingFix.from_json(json.loads(json.dumps(trained.to_json())))
    assert "thumb" in saved.english_within_reach  # English, one edit from the frequent "thumbs"
    texts = ["clasify this thumbnial", "a thumb drive", "Sumarize it", "the photo", "a herbariums sheet"]
    assert [saved(t) for t in texts] == [trained(t) for t in texts]
    assert "english" not in saved.__dict__  # the list was never loaded


def test_a_tool_added_later_brings_its_words():
    """``with_tasks``: every old count kept and the new requests' words added; a word they use ``MIN_COUNT`` times
    is one slips are fixed toward, and the saved file round-trips with the English words found again."""
    fix = SpellingFix(word_counts(TRAINING))
    added = fix.with_tasks(["Denoise the podcast recording"] * MIN_COUNT)
    assert all(added.counts[w] == c + (MIN_COUNT if w in ("the",) else 0) for w, c in fix.counts.items())
    assert added.counts["denoise"] == added.counts["podcast"] == MIN_COUNT
    assert fix("denoise the podcst") == "denoise the podcst"  # before: nothing to fix it toward
    assert added("denoise the podcst") == "denoise the podcast"
    saved = SpellingFix.from_json(added.to_json())
    assert saved.counts == added.counts and saved("denoise the podcst") == "denoise the podcast"
