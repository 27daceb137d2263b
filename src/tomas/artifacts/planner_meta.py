"""``planner.json``, typed: what a planner folder was trained as and on. Written last by every writer of a planner
folder (``artifacts.planner``), read by every loader."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

FORMAT_VERSION = 2
"""1: one ``planner.safetensors`` of peft-internal names (before December 2026); 2: this layout."""


@dataclass
class PlannerMeta:
    config: dict
    """The training config as saved (``dataclasses.asdict(PlannerConfig)``); ``planner_config()`` rebuilds it."""
    llm_model: str
    """The text reader it was trained with."""
    tool_names: list[str]
    num_configs: int
    data_fingerprint: str = ""
    """The registry + profiling table it was trained on (``ToolData.fingerprint``)."""
    step: int = 0
    """The optimizer step of the saved (best validation) weights."""
    train_wall_s: float | None = None
    validation: dict = field(default_factory=dict)
    """The validation record the weights were chosen on."""
    command: str | None = None
    """The command that trained it."""
    confirm_below: float | None = None
    """Tool confidence below which a plan asks for confirmation (chosen on validation; None: never asks)."""
    out_of_scope_above: float | None = None
    """Scope-head probability above which a request is refused (chosen on validation; None: 0.5)."""
    lexical_weight: float = 0.0
    """Weight of the lexical model's tool log-probabilities (``model.lexical``; chosen on validation; 0: off)."""
    scope_lexical_weight: float = 0.0
    """Weight of the lexical model's out-of-scope margin in the refusal score (``model.scope_lexical``; chosen on
    validation with ``out_of_scope_above``; 0: off)."""
    scope_alone_above: float | None = None
    """The refusal threshold chosen for the nearest-neighbour score alone (weight 0): a request whose tool the lexical
    model does not know (``tomas add-tool``) is refused above it (None: ``out_of_scope_above``)."""
    size_lexical_weight: float = 0.0
    """Weight of the size classifier's log-probabilities (``model.size_lexical``; chosen on validation; 0: off)."""
    preference_above: float | None = None
    """The preference reader's threshold (``model.preference_lexical``; chosen on validation; None: no reader)."""
    input_sizes: dict | None = None
    """Each tool's registry size classes (``SizeClasses.to_json``): stated sizes are read through them."""
    added_tools: list[dict] = field(default_factory=list)
    """Tools added after training (``tomas add-tool``), in order."""
    format_version: int = FORMAT_VERSION

    @classmethod
    def from_json(cls, values: dict) -> PlannerMeta:
        """From ``planner.json``'s object; keys a later version adds are ignored (forward compatible). A missing
        required key raises ``KeyError``, a wrong value ``TypeError``."""
        known = {f.name for f in dataclasses.fields(cls)}
        meta = cls(**{k: v for k, v in values.items() if k in known})
        if not isinstance(meta.config, dict) or not isinstance(meta.tool_names, list):
            raise TypeError("config must be an object and tool_names a list")
        return meta

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    def planner_config(self):
        """The training config as a ``PlannerConfig`` (settings added since take their defaults)."""
        from tomas.config import PlannerConfig, from_dict

        return from_dict(PlannerConfig, self.config)
