"""The lexical tool evidence: scikit-learn's TF-IDF + logistic regression, read back without scikit-learn."""

import json

import numpy as np
import pytest
import torch

from tomas.artifacts.planner import LEXICAL_VOCAB, LEXICAL_WEIGHTS, load_lexical, save_lexical
from tomas.errors import DataError
from tomas.models.lexical import GRID, NO_TOOL, LexicalTool, char_grams, choose_weight, word_grams

TASKS = ["Classify this photo of a bird", "What species is in the picture?", "Label this 4K image, please",
         "Summarise the quarterly report", "Give me the gist of this article", "Boil down these meeting notes",
         "Translate the menu into French", "Put this letter in German", "Book me a flight to Oslo",
         "What's the weather tomorrow?", "clasify the imag", "sumarize the reprot!!"]
LABELS = ["image_classification"] * 3 + ["text_summarization"] * 3 + ["machine_translation"] * 2 + [None] * 2 + [
    "image_classification", "text_summarization"]
UNSEEN = ["Which bird is this?", "  Short   version of the REPORT, thanks  ", "Übersetze das bitte", "", "a",
          "Translate a 4K photo's caption", "Sum up; classify; translate — all three?"]


def scikit_learn_model(tasks, labels):
    """(vectorizers, classifier, features of texts): the TF-IDF baseline built with scikit-learn directly."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizers = [TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(tasks),
                   TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(tasks)]
    features = lambda texts: hstack([v.transform(texts) for v in vectorizers]).tocsr()
    return vectorizers, LogisticRegression(C=10.0, max_iter=2000).fit(features(tasks), labels), features


@pytest.fixture(scope="module")
def fitted():
    vectorizers, clf, features = scikit_learn_model(TASKS, [t or NO_TOOL for t in LABELS])
    return LexicalTool.fit(TASKS, LABELS), vectorizers, clf, features


def test_the_grams_are_scikit_learns(fitted):
    _, (words, chars), _, _ = fitted
    for text in TASKS + UNSEEN:
        assert sorted(word_grams(text)) == sorted(words.build_analyzer()(text))
        assert sorted(char_grams(text)) == sorted(chars.build_analyzer()(text))


def test_probabilities_equal_scikit_learns(fitted, tmp_path):
    lexical, _, clf, features = fitted
    save_lexical(tmp_path, lexical)
    loaded = load_lexical(tmp_path)
    assert loaded.classes == [str(c) for c in clf.classes_]
    ours = loaded.class_log_probs(TASKS + UNSEEN).numpy()
    np.testing.assert_allclose(ours, np.log(clf.predict_proba(features(TASKS + UNSEEN))), atol=1e-5)


def test_log_probs_over_the_tools_asked_for(fitted):
    lexical = fitted[0]
    tools = ["text_summarization", "image_classification", "machine_translation"]
    logp = lexical.log_probs(["Summarise the quarterly report", "Classify this photo"], tools)
    assert logp.shape == (2, 3)
    torch.testing.assert_close(logp.exp().sum(-1), torch.ones(2))
    assert logp.argmax(-1).tolist() == [0, 1]


def test_nothing_to_weigh_with_one_class():
    assert LexicalTool.fit(["a b", "c d"], ["t", "t"]) is None


def test_two_classes_are_evidence_too():
    """scikit-learn keeps one coefficient row for two classes; the model still gives both probabilities."""
    tasks, labels = TASKS[:6], ["image", "image", "image", "text", "text", "text"]
    lexical = LexicalTool.fit(tasks, labels)
    assert lexical.classes == ["image", "text"] and lexical.weight.shape[0] == 2
    logp = lexical.log_probs(["Summarise the quarterly report", "Classify this photo of a bird"], ["text", "image"])
    assert logp.argmax(-1).tolist() == [0, 1]
    _, clf, features = scikit_learn_model(tasks, labels)
    np.testing.assert_allclose(lexical.class_log_probs(UNSEEN).numpy(), np.log(clf.predict_proba(features(UNSEEN))),
                               atol=1e-5)


@pytest.mark.parametrize("damage", ["missing_vocab", "missing_weights", "truncated_weights", "not_json",
                                    "other_vocabulary", "no_bias"])
def test_a_damaged_lexical_model_is_one_error_line(fitted, tmp_path, damage):
    from safetensors.torch import load_file, save_file

    save_lexical(tmp_path, fitted[0])
    name = LEXICAL_VOCAB if damage in ("missing_vocab", "not_json") else LEXICAL_WEIGHTS
    if damage.startswith("missing"):
        (tmp_path / name).unlink()
    elif damage == "other_vocabulary":  # the weights of another model beside this vocabulary
        values = json.loads((tmp_path / LEXICAL_VOCAB).read_text())
        (tmp_path / LEXICAL_VOCAB).write_text(json.dumps(values | {"words": values["words"][:-1]}))
    elif damage == "no_bias":
        tensors = load_file(str(tmp_path / name))
        save_file({k: v for k, v in tensors.items() if k != "bias"}, str(tmp_path / name))
    else:
        data = (tmp_path / name).read_bytes()
        (tmp_path / name).write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=f"^{tmp_path / name}: ") as e:
        load_lexical(tmp_path)
    assert "\n" not in str(e.value)


def test_the_weight_is_chosen_on_validation():
    head = torch.log(torch.tensor([[0.6, 0.4], [0.6, 0.4], [0.1, 0.9]]))
    prior = torch.log(torch.tensor([[0.1, 0.9], [0.5, 0.5], [0.5, 0.5]]))
    # The head alone gets request 0 wrong; enough of the prior fixes it without breaking the others.
    w = choose_weight(head, prior, [1, 0, 1])
    assert w > 0 and w == min(g for g in GRID if (head[0] + g * prior[0]).argmax() == 1)
    assert choose_weight(head, prior, [0, 0, 1]) == 0.0  # the head is right: the smallest weight that ties
    assert choose_weight(head, prior, [None, None, None]) == 0.0  # out-of-scope requests only


def test_an_added_tool_scores_the_fitted_tools_mean(fitted):
    """A tool the model was not fitted with scores the fitted tools' mean; the fitted tools keep their order."""
    lexical = fitted[0]
    tools = ["text_summarization", "image_classification", "machine_translation"]
    tasks = ["Summarise the quarterly report", "Translate the menu", "Book a table"]
    before, after = lexical.log_probs(tasks, tools), lexical.log_probs(tasks, [*tools, "added_tool"])
    torch.testing.assert_close(after[:, :3] - after[:, :1], before - before[:, :1])  # same differences
    torch.testing.assert_close(after[:, 3] - after[:, :3].mean(-1), torch.zeros(3))
    assert lexical.log_probs(tasks, ["added_tool"]) is None


def test_the_scope_margin_is_scikit_learns(fitted):
    """log P(out of scope) - the best tool's log P, from the same pass as the tool evidence."""
    lexical, _, clf, features = fitted
    logp = np.log(clf.predict_proba(features(UNSEEN)))
    out = list(clf.classes_).index(NO_TOOL)
    expected = logp[:, out] - np.delete(logp, out, axis=1).max(1)
    tools = ["image_classification", "text_summarization"]
    margins = lexical.evidence(UNSEEN, tools)[1]
    np.testing.assert_allclose(margins.numpy(), expected, atol=1e-5)
    assert lexical.scope_margins(lexical.class_log_probs(["Book me a flight to Oslo"]))[0] > 0  # a training refusal
    in_scope_only = LexicalTool.fit(TASKS[:6], LABELS[:6])
    assert in_scope_only.evidence(UNSEEN, tools)[1] is None  # fitted without refusals: no margin to give


@pytest.fixture(scope="module")
def preference_reader(repo_root):
    """The preference reader of the first 400 training requests, its threshold chosen on the first 200 of val."""
    from tomas.data.planner.preferences import preference_views
    from tomas.models.lexical import LexicalPreference

    train, val = ([json.loads(line)["task"] for line in (repo_root / f"data/planner/{split}.jsonl").read_text(
        ).splitlines()][:n] for split, n in (("train", 400), ("val", 200)))
    views = {s: preference_views([(t, None) for t in tasks], s) for s, tasks in (("train", train), ("val", val))}
    return LexicalPreference.fit(views["train"], views["val"]), views["val"]


def test_the_preference_threshold_is_the_smallest_that_keeps_plain_requests_plain(preference_reader):
    from tomas.models.lexical import PREFERENCE_GRID

    reader, val = preference_reader
    _, probs = reader.strongest([text for text, _, _ in val])
    plain = [p for p, (text, stated, written) in zip(probs, val) if stated is None and text == written]
    allowed = [a for a in PREFERENCE_GRID if sum(p >= a for p in plain) <= 0.01 * len(plain)]  # fit's default
    assert reader.above == allowed[0] and len(plain) == 200
    stated = [(n == s) and p >= reader.above for n, p, (_, s, _) in zip(*reader.strongest([t for t, _, _ in val]),
                                                                           val) if s]
    assert sum(stated) / len(stated) > 0.6  # held-out wordings, read from 400 requests' worth of training pieces
    assert f"{sum(stated) / len(stated):.1%} of {len(stated)} stated preferences read right" in reader.summary


def test_the_preference_threshold_uses_the_whole_false_preference_budget_between_the_old_grid_values():
    from tomas.models.lexical import PREFERENCE_GRID, smallest_threshold

    # 635 plain requests, a 1% cap: at most 6 may read as stating one. 7 are >= 0.82 but only 6 >= 0.83, so the
    # threshold is 0.83 (the eight-value grid before session 22 had to jump to 0.9).
    plain = [0.10] * 628 + [0.82] + [0.83, 0.85, 0.88, 0.93, 0.97, 0.99]
    assert smallest_threshold(plain, 0.01) == 0.83
    assert smallest_threshold(plain, 0.0) is None  # 0.99 itself reads one plain request as stating one
    assert smallest_threshold([0.1] * 99 + [0.57], 0.0) == 0.58  # ">=": a probability at the threshold counts
    assert {0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99} <= set(PREFERENCE_GRID)  # older planners' thresholds are on it
    assert list(PREFERENCE_GRID) == sorted(PREFERENCE_GRID) and len(PREFERENCE_GRID) == 50


def test_a_preference_is_read_from_whichever_piece_says_it(preference_reader, tmp_path):
    from tomas.artifacts.planner import PREFERENCE_LEXICAL_FILES
    from tomas.data.planner.preferences import attach, wordings
    from tomas.models.lexical import LexicalPreference

    reader, _ = preference_reader
    task, wording = "Summarise this 12-page report.", wordings("few_cores", "train")[0][0]
    read = reader.read([task, attach(task, wording, "after"), attach(task, wording, "before")])
    assert read[0] == {"preference": None, "preference_prob": pytest.approx(1 - reader.strongest([task])[1][0])}
    assert [r["preference"] for r in read[1:]] == ["few_cores"] * 2 and read[1]["preference_prob"] >= reader.above
    save_lexical(tmp_path, reader.lexical, PREFERENCE_LEXICAL_FILES)
    loaded = LexicalPreference(load_lexical(tmp_path, PREFERENCE_LEXICAL_FILES), reader.above)
    assert loaded.read([attach(task, wording, "clause")]) == reader.read([attach(task, wording, "clause")])


def test_no_preference_reader_without_a_threshold_that_keeps_plain_requests_plain():
    """A validation set whose requests as written all state a preference in words, labelled none: no threshold
    keeps them plain, so there is no reader (the planner then reads no preference)."""
    from tomas.data.planner.preferences import attach, preference_views, wordings
    from tomas.models.lexical import LexicalPreference

    train = preference_views([(f"Summarise report {i}.", None) for i in range(60)], "train")
    loud = [attach(f"Summarise report {i}.", w, "after") for i, w in enumerate(wordings("fastest", "train")[0][:60])]
    assert LexicalPreference.fit(train, [(t, None, t) for t in loud]) is None
    assert LexicalPreference.fit(train, [(t, None, t) for t in loud[:1]] + [(f"Plain {i}.", None, f"Plain {i}.")
                                                                           for i in range(300)]) is not None


def test_a_reader_of_other_classes_is_refused():
    """Another model's files under the preference reader's names: classes that are not none and preferences."""
    from tomas.models.lexical import LexicalPreference

    with pytest.raises(ValueError, match="are not 'none' and preferences"):
        LexicalPreference(LexicalTool.fit(TASKS, LABELS), 0.5)
    with pytest.raises(ValueError, match="are not 'none' and preferences"):
        LexicalPreference(LexicalTool.fit(["alpha beta", "gamma delta"], ["none", "none2"]), 0.5)
