"""The plan: one type from the planner to every front end (``tomas plan``, the Python API, ``tomas serve``).

``Plan.to_dict()`` is the JSON of ``tomas plan --json`` and of the server (``SCHEMA_VERSION``): keys whose
value says nothing for this plan are left out (no ``meets_budget`` without a budget, no resources when nothing
fits), so a key's presence means what it always means.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from tomas.data.profiling import RESOURCES

SCHEMA_VERSION = 1
"""Version of the plan JSON (bumped when a field changes meaning or goes)."""

ALWAYS = ("schema_version", "task", "free_resources", "latency_budget_ms", "feasible", "tool", "input_size",
          "needs_confirmation", "config_id")
"""Keys every plan's JSON has, None or not."""


def whole(value: float) -> int | float:
    """8.0 -> 8: resources that are whole numbers are written as integers."""
    return int(value) if float(value).is_integer() else value


@dataclass
class Plan:
    """One plan. ``feasible`` False: nothing of ``tool`` at ``input_size`` fits, or ``tool`` is None: no registered
    tool serves the request; ``reason`` says which."""

    task: str
    free_resources: dict
    """The free resources planned within (read from the machine with ``free_resources: "auto"``)."""
    latency_budget_ms: float | None
    feasible: bool
    tool: str | None
    input_size: str | None
    config_id: int | None
    needs_confirmation: bool = False
    """The tool is uncertain (confidence below the planner's ``confirm_below``): confirm between
    ``candidate_tools``."""
    schema_version: int = SCHEMA_VERSION
    id: object = None
    """The request's ``id``, echoed (None: it had none)."""
    tool_confidence: float | None = None
    size_source: str | None = None
    """"input" (the caller's facts), "number" (read exactly from the task), "named" (a product or work it names,
    from the table of named inputs) or "words" (the learned reading)."""
    size_confidence: float | None = None
    """P(input_size) given the tool; 1.0 when facts or a number decided."""
    size_read_from: str | None = None
    runner_up_size: str | None = None
    """The next most probable size, when the size is not sure."""
    candidate_tools: list[dict] | None = None
    preference: dict | None = None
    """{"name", "says", "confidence"}: the preference in words it applied (None: none stated)."""
    runner_up_tool: dict | None = None
    """{"tool", "confidence"}: the second most probable tool."""
    cpu_cores: float | None = None
    memory_gb: float | None = None
    gpu_sm: float | None = None
    gpu_memory_gb: float | None = None
    latency_ms: float | None = None
    confidence: float | None = None
    """Tool confidence x configuration confidence."""
    meets_budget: bool | None = None
    """None without a latency budget."""
    runner_up: dict | None = None
    """The second-best configuration of the same tool (config_id, resources, latency_ms)."""
    reason: str | None = None
    out_of_scope_confidence: float | None = None
    """For a request no tool serves: the scope head's probability that none does."""
    out_of_scope_margin: float | None = None
    """Refused by nearest neighbours (``model.scope_rule: nearest``): how much nearer (cosine) its nearest
    out-of-scope training request is than its nearest in-scope one (``model.scope_text: span_prompt``: the mean of
    that for its words' vector and for its prompt's; refused when it plus ``out_of_scope_words`` is above the
    planner's threshold)."""
    out_of_scope_words: float | None = None
    """Refused reading the words too (``model.scope_lexical``): the words' part of the refusal score, the weight
    chosen on validation × how much likelier the lexical model finds "out of scope" than any tool (log ratio). None
    when the words had no say (among them a closest tool added after the lexical model was fitted)."""
    closest_tool: dict | None = None
    """For a request no tool serves: the tool the planner would otherwise pick, and its confidence."""
    task_read_as: str | None = None
    """The task as the planner read it, where typing slips were fixed (``model.spelling``; absent: as written)."""
    free_read: str | None = None
    """With ``free_resources: "auto"``: what was read, and from where."""
    emitted: str | None = None
    """With ``emit``: the configuration for that scheduler (None: nothing to run)."""
    emit_error: str | None = None
    reads_preferences: bool = field(default=False, repr=False)
    """The planner reads preferences: the JSON has ``preference`` (null when none is stated)."""
    emit_asked: bool = field(default=False, repr=False)
    """The request asked for ``emit``: the JSON has ``emitted`` (null when there is nothing to run)."""

    @property
    def resources(self) -> dict | None:
        """cpu_cores, memory_gb, gpu_sm, gpu_memory_gb of the configuration (None when nothing fits)."""
        return {r: getattr(self, r) for r in RESOURCES} if self.config_id is not None else None

    def to_dict(self) -> dict:
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("reads_preferences", "emit_asked"):
                continue
            keep = (f.name in ALWAYS or value is not None or (f.name == "preference" and self.reads_preferences)
                    or (f.name == "emitted" and self.emit_asked))
            if keep:
                out[f.name] = value
        return out

    @property
    def plan(self) -> dict:
        """The plan's JSON (``to_dict()``), as ``PlanResult.plan`` always gave it."""
        return self.to_dict()
