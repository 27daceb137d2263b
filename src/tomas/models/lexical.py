"""The request's own words as tool evidence (``model.lexical``): TF-IDF + logistic regression beside the tool head.

The LoRA reader learns the training templates' phrasings; a linear model over word and character n-grams keys
on the words a request shares with the training requests of each tool (typing slips included), so the two can err
on different requests. Planning adds ``weight`` × its log-probabilities to the tool head's, the weight chosen on
validation (``choose_weight``; docs/planner.md, "Lexical tool evidence"); with ``model.scope_lexical`` its
out-of-scope margin also moves refusals (``scope_margins``, weighed as ``eval.scope.choose_scope`` chose). It is
the TF-IDF baseline's classifier
(``eval.baselines``), fitted with scikit-learn at training time; planning reads it with the few lines below instead,
so a plan never imports scikit-learn (~0.7 s of every cold start). A unit test holds the two equal. The same class,
fitted on sizes, is the words' size evidence (``model.size_lexical``: ``log_probs(tasks, INPUT_SIZES)``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import torch

from tomas.data.planner.preferences import PREFERENCE_NAMES, labelled_segments, segments

NO_TOOL = "(out of scope)"
"""The class of requests no registered tool serves."""
WORD_NGRAMS, CHAR_NGRAMS = (1, 2), (2, 5)
WORDS = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
"""The weights ``choose_weight`` tries."""


def word_grams(text: str) -> list[str]:
    tokens = WORDS.findall(text.lower())
    lo, hi = WORD_NGRAMS
    return [" ".join(tokens[i:i + n]) for n in range(lo, hi + 1) for i in range(len(tokens) - n + 1)]


def char_grams(text: str) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams: inside each space-padded word; a word shorter than n counts once."""
    out = []
    lo, hi = CHAR_NGRAMS
    for word in text.lower().split():
        w = f" {word} "
        for n in range(lo, hi + 1):
            out.extend(w[i:i + n] for i in range(max(1, len(w) - n + 1)))
            if len(w) <= n:
                break
    return out


class LexicalTool:
    """``log_probs(tasks, tool_names) -> [B, len(tool_names)]``: P(tool | words), renormalised over the tools."""

    def __init__(self, classes: list[str], vocab: tuple[list[str], list[str]], idf: tuple[torch.Tensor, torch.Tensor],
                 weight: torch.Tensor, bias: torch.Tensor):
        self.classes = classes
        self.vocab = vocab
        self.index = tuple({term: i for i, term in enumerate(v)} for v in vocab)
        # Coefficients kept in float32 (half the file; probabilities within 1e-5 of scikit-learn's), summed in float64.
        self.idf, self.weight, self.bias = idf, weight.float(), bias.float()
        self.idf_values = tuple(part.tolist() for part in idf)  # Python floats: a request's ~400 lookups stay cheap

    @classmethod
    def fit(cls, tasks: Sequence[str], labels: Sequence[str | None], c: float = 10.0, balanced: bool = False,
            missing: str = NO_TOOL) -> LexicalTool | None:
        """Fitted on the training requests (label None: ``missing``, out of scope), deterministically (lbfgs), at
        inverse regularisation ``c``, classes weighed equally when ``balanced``; None with a single class (nothing
        to weigh)."""
        labels = [t or missing for t in labels]
        if len(set(labels)) < 2:
            return None
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        kinds = (dict(ngram_range=WORD_NGRAMS), dict(analyzer="char_wb", ngram_range=CHAR_NGRAMS))
        vectorizers = [TfidfVectorizer(sublinear_tf=True, **kind).fit(tasks) for kind in kinds]
        features = hstack([v.transform(tasks) for v in vectorizers]).tocsr()
        clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced" if balanced else None).fit(
            features, labels)  # the TF-IDF baseline's (by default)
        weight, bias = torch.tensor(clf.coef_), torch.tensor(clf.intercept_)
        if len(clf.classes_) == 2:  # scikit-learn keeps one row for two classes: P(second) = sigmoid(w.x + b)
            weight, bias = torch.cat([torch.zeros_like(weight), weight]), torch.cat([torch.zeros_like(bias), bias])
        vocab = tuple(sorted(v.vocabulary_, key=v.vocabulary_.get) for v in vectorizers)
        idf = tuple(torch.tensor(v.idf_, dtype=torch.float64) for v in vectorizers)
        return cls([str(c) for c in clf.classes_], vocab, idf, weight, bias)

    def features(self, task: str) -> tuple[torch.Tensor, torch.Tensor]:
        """(column ids, values) of the request's TF-IDF row: sublinear counts × idf, each part L2-normalised."""
        ids, values, offset = [], [], 0
        for grams, index, idf in zip((word_grams(task), char_grams(task)), self.index, self.idf_values):
            counts = Counter(index[g] for g in grams if g in index)
            part = [(1 + math.log(c)) * idf[i] for i, c in counts.items()]
            norm = math.sqrt(sum(v * v for v in part)) or 1.0
            ids.extend(offset + i for i in counts)
            values.extend(v / norm for v in part)
            offset += len(index)
        return torch.tensor(ids, dtype=torch.long), torch.tensor(values, dtype=torch.float64)

    def class_log_probs(self, tasks: Sequence[str]) -> torch.Tensor:
        """[B, len(classes)] the logistic regression's log-probabilities."""
        rows = []
        for task in tasks:
            ids, values = self.features(task)
            rows.append(self.weight[:, ids].double() @ values + self.bias.double())
        return torch.stack(rows).log_softmax(-1).float() if rows else torch.zeros(0, len(self.classes))

    def log_probs(self, tasks: Sequence[str], tool_names: Sequence[str]) -> torch.Tensor | None:
        """[B, len(tool_names)] log P(tool | words) over ``tool_names`` (``evidence``'s first part)."""
        return self.evidence(tasks, tool_names)[0]

    def evidence(self, tasks: Sequence[str], tool_names: Sequence[str]) -> tuple[torch.Tensor | None,
                                                                                  torch.Tensor | None]:
        """Both readings of the requests' words from one pass over them: (``tool_log_probs``, ``scope_margins``)."""
        scores = self.class_log_probs(tasks)
        return self.tool_log_probs(scores, tool_names), self.scope_margins(scores)

    def tool_log_probs(self, scores: torch.Tensor, tool_names: Sequence[str]) -> torch.Tensor | None:
        """[B, len(tool_names)] log P(tool | words) over ``tool_names``, from ``class_log_probs``' ``scores``. A tool
        it was not fitted with (``tomas add-tool``) scores the mean of the fitted tools' scores: words that favour no
        fitted tool leave it level with them, words that favour one count for that tool against it as against every
        other, and the fitted tools keep their order (a plan can move only to the added tool). None when none of
        ``tool_names`` was fitted."""
        known = [k for k, t in enumerate(tool_names) if t in self.classes]
        if not known:
            return None
        scores = scores[:, [self.classes.index(tool_names[k]) for k in known]]
        out = scores.mean(-1, keepdim=True).expand(len(scores), len(tool_names)).clone()
        out[:, known] = scores
        return out.log_softmax(-1)

    def scope_margins(self, scores: torch.Tensor) -> torch.Tensor | None:
        """[B] log P(out of scope) - the most probable tool's log P, from ``class_log_probs``' ``scores``: above 0 the
        words read as a request no tool serves (``model.scope_lexical``). None when it was fitted without such
        requests."""
        if NO_TOOL not in self.classes:
            return None
        tools = [k for k, c in enumerate(self.classes) if c != NO_TOOL]
        return scores[:, self.classes.index(NO_TOOL)] - scores[:, tools].max(-1).values

    def state(self) -> tuple[dict[str, torch.Tensor], dict]:
        """(tensors, JSON object): what ``artifacts.planner.save_lexical`` writes; ``from_state`` reads them back."""
        tensors = {"idf_words": self.idf[0], "idf_chars": self.idf[1], "weight": self.weight, "bias": self.bias}
        return ({k: v.contiguous() for k, v in tensors.items()},
                {"classes": self.classes, "words": self.vocab[0], "chars": self.vocab[1]})

    @classmethod
    def from_state(cls, tensors: dict[str, torch.Tensor], values: dict) -> LexicalTool:
        """``state``'s two parts; ``ValueError`` when they do not make one model (names, lengths, shapes)."""
        missing = {"idf_words", "idf_chars", "weight", "bias"} - set(tensors) or {"classes", "words", "chars"} - set(
            values if isinstance(values, dict) else {})
        if missing:
            raise ValueError(f"no {', '.join(sorted(missing))}")
        classes, words, chars = values["classes"], values["words"], values["chars"]
        shapes = {"idf_words": (len(words),), "idf_chars": (len(chars),), "bias": (len(classes),),
                  "weight": (len(classes), len(words) + len(chars))}
        for name, shape in shapes.items():
            if tuple(tensors[name].shape) != shape:
                raise ValueError(f"{name} has shape {tuple(tensors[name].shape)}, the vocabularies need {shape}")
        return cls(classes, (words, chars), (tensors["idf_words"], tensors["idf_chars"]), tensors["weight"],
                   tensors["bias"])


def choose_weight(tool_log_probs: torch.Tensor, prior: torch.Tensor, gold: Sequence[int | None]) -> float:
    """The ``GRID`` weight whose mixed tool choice is right for the most in-scope validation requests (ties: the
    smaller weight). ``tool_log_probs``, ``prior`` [N, tools]; ``gold`` the right tool ids (None: out of scope)."""
    keep = [i for i, g in enumerate(gold) if g is not None]
    if not keep:
        return 0.0
    target = torch.tensor([gold[i] for i in keep])
    right = [int(((tool_log_probs[keep] + w * prior[keep]).argmax(-1) == target).sum()) for w in GRID]
    return GRID[right.index(max(right))]


NO_PREFERENCE = "none"
"""The preference reader's class of pieces that state none."""
PREFERENCE_GRID = tuple(round(0.5 + 0.01 * k, 2) for k in range(50))
"""The thresholds ``LexicalPreference.fit`` tries: 0.50, 0.51, ..., 0.99. The grid before session 22 (0.5, 0.6, 0.7,
0.8, 0.9, 0.95, 0.98, 0.99; every value is still on this one) spent less of the false-preference budget than the rule
allows when the cap fell between two of its values, and such a seed read fewer stated preferences (docs/planner.md,
"The preference threshold from a finer grid")."""


def smallest_threshold(plain: Sequence[float], max_false: float) -> float | None:
    """The smallest ``PREFERENCE_GRID`` value at which at most ``max_false`` of the ``plain`` requests (the
    probabilities of requests that state no preference) are read as stating one (``p >= threshold``); None when none
    is."""
    return next((above for above in PREFERENCE_GRID if sum(p >= above for p in plain) <= max_false * len(plain)), None)


class LexicalPreference:
    """``model.preference_lexical``: the preference a request states (``data.planner.preferences``), from its words.

    A preference is said in a piece of the request (a sentence, a clause, a phrase: ``segments``), so each piece is
    read alone, by TF-IDF + logistic regression over none and each preference (C = 100, classes balanced: the
    preferences are rare among pieces), fitted on the pieces of the training requests as written (none) and with
    training wordings of a preference or a look-alike attached (``preference_views``, ``labelled_segments``). The
    request states the preference its most confident piece names, when that probability is at least ``above``: the
    smallest of ``PREFERENCE_GRID`` that reads at most ``max_false`` of validation's requests as written that state
    none as stating one (a false preference can change a plain request's configuration: ``model.preference_max_false``).
    It only tells the configuration rule which preference to honour.
    """

    def __init__(self, lexical: LexicalTool, above: float):
        """``ValueError`` when ``lexical``'s classes are not none and preferences (at least one)."""
        unknown = set(lexical.classes) - {NO_PREFERENCE, *PREFERENCE_NAMES}
        if unknown or not set(lexical.classes) & set(PREFERENCE_NAMES):
            raise ValueError(f"classes {lexical.classes} are not {NO_PREFERENCE!r} and preferences "
                             f"({', '.join(PREFERENCE_NAMES)})")
        self.lexical, self.above = lexical, above
        self.summary = f"threshold {above:g}"
        """What ``fit`` measured on validation, for the training log."""

    @classmethod
    def fit(cls, train: Sequence[tuple[str, str | None, str]], val: Sequence[tuple[str, str | None, str]],
            max_false: float = 0.01) -> LexicalPreference | None:
        """``train``, ``val``: ``preference_views`` triples. None when training states no preference, or when no
        threshold keeps validation's false preferences down."""
        lexical = LexicalTool.fit(*labelled_segments(train), c=100.0, balanced=True, missing=NO_PREFERENCE)
        if lexical is None:
            return None
        names, probs = cls(lexical, 1.0).strongest([text for text, _, _ in val])
        plain = [p for p, (text, stated, written) in zip(probs, val) if stated is None and text == written]
        above = smallest_threshold(plain, max_false)
        if above is None:
            return None
        reader = cls(lexical, above)
        right = [n == s and p >= above for n, p, (_, s, _) in zip(names, probs, val) if s is not None]
        reader.summary = (f"threshold {above:g}; on validation, {sum(right) / max(1, len(right)):.1%} of "
                          f"{len(right)} stated preferences read right, {sum(p >= above for p in plain)} of "
                          f"{len(plain)} requests as written read as stating one")
        return reader

    def strongest(self, tasks: Sequence[str]) -> tuple[list[str], list[float]]:
        """Per request, the preference its most confident piece names, and that probability."""
        pieces = [segments(t) for t in tasks]
        scores = self.lexical.class_log_probs([p for ps in pieces for p in ps]).exp()
        stated = [k for k, c in enumerate(self.lexical.classes) if c != NO_PREFERENCE]
        best = scores[:, stated].max(-1)
        names, probs, start = [], [], 0
        for ps in pieces:
            k = start + int(best.values[start:start + len(ps)].argmax())
            names.append(self.lexical.classes[stated[int(best.indices[k])]])
            probs.append(float(best.values[k]))
            start += len(ps)
        return names, probs

    def read(self, tasks: Sequence[str]) -> list[dict]:
        """Per request ``{"preference": name or None, "preference_prob": its probability, or 1 - it for none}``."""
        names, probs = self.strongest(tasks)
        return [{"preference": n, "preference_prob": p} if p >= self.above else
                {"preference": None, "preference_prob": 1.0 - p} for n, p in zip(names, probs)]

