"""The planner's lexical models, fitted once at the start of training from the training file's words (every process
fits the same ones: lbfgs is deterministic): the tool evidence (``model.lexical``), the size evidence
(``model.size_lexical``) and the preference reader (``model.preference_lexical``; ``models.lexical``)."""

from __future__ import annotations

from tomas.config import PlannerConfig
from tomas.data.planner import PlannerExample
from tomas.data.planner.preferences import preference_views
from tomas.models.lexical import LexicalPreference, LexicalTool


def fit_lexical_models(decoder, cfg: PlannerConfig, train: list[PlannerExample], val: list[PlannerExample],
                       log=print) -> None:
    """The models ``cfg.model`` asks for, set on ``decoder``; ``val``: the validation requests the preference
    reader's threshold is chosen on (the hand-written ones too)."""
    m = cfg.model
    if m.lexical:
        decoder.lexical = LexicalTool.fit([e.task for e in train], [e.tool for e in train])
    if m.size_lexical:  # from the in-scope requests whose text states a size
        sized = [e for e in train if e.states_size]
        decoder.size_lexical = LexicalTool.fit([e.task for e in sized], [e.input_size for e in sized])
    if m.preference_lexical and not m.preferences and m.config_pick == "rule":  # only the rule honours it
        decoder.preference_lexical = fit_preference_reader(train, val, cfg.training.seed, m.preference_max_false, log)


def fit_preference_reader(train: list[PlannerExample], val: list[PlannerExample], seed: int = 0,
                          max_false: float = 0.01, log=print) -> LexicalPreference | None:
    """``LexicalPreference`` of the training examples, its threshold chosen on the validation ones, the views drawn
    with ``seed``; what it measured, logged."""
    def views(examples, split):
        return preference_views([(e.task, e.preference) for e in examples], split, seed)

    reader = LexicalPreference.fit(views(train, "train"), views(val, "val"), max_false)
    log(f"  ✓ Preference reader: {reader.summary}" if reader else "  ✓ Preference reader: none (no threshold keeps "
        "validation's false preferences down, or no training wordings)")
    return reader
