"""HierarchicalDecoder: tool head, then a config head masked to the chosen tool and to what fits.

The config head's rows start from Phase 0's exported ``config_weights.pt`` (one row per
configuration, in the LLM's input-embedding space). The decoder reads *last hidden states*,
whose scale differs, so the rows are centred and rescaled to the norm of a default
``nn.Linear`` initialisation: the geometry Phase 0 learnt (which configurations are alike)
is kept, the logit scale starts where training expects it.

Decoding is hierarchical and every constraint is a hard mask, so an id outside the chosen
tool, of another input size, or needing more than the free resources can never be returned:
tool = argmax(tool_logits); input size = the size with the most config-head probability mass
among the tool's configurations; config = argmax over the tool's configurations of that size
that fit, scored by the config head plus (optionally) a feature scorer: a small head that reads
the same hidden state and weighs each candidate's latency rank, whether it meets the request's
latency budget and its resource-cost rank among those that do (and, reading preferences, its rank
by GPU share and by CPU cores). A preference head says which preference in words the request
states (``data.planner.preferences``): what the plan reports it applied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from tomas.data.planner.preferences import PREFERENCE_NAMES
from tomas.data.profiling import INPUT_SIZES
from tomas.errors import DataError
from tomas.models.config_table import ConfigTable, num_features
from tomas.models.lexical import LexicalPreference, LexicalTool
from tomas.models.scope import BOUNDARY, NearestScope, scope_vectors

PREFERENCE_SCALE = 100.0
"""Extra multiplier on the per-preference weightings (zero-initialised, ``head_learning_rate``): the oracle's
rule is lexicographic (meeting the budget outweighs any rank), which needs weights of ~100 rank units."""


class DecoderLogits(NamedTuple):
    tool: torch.Tensor
    """[batch, num_tools] tool head."""
    config: torch.Tensor
    """[batch, num_configs] config head: the input size is read from its mass per size."""
    feature_weights: torch.Tensor | None
    """[batch, num_features] the feature scorer's weights for this request (None without one); reading
    preferences, those of the preference the preference head reads (``route_weights`` of its argmax)."""
    preference: torch.Tensor | None = None
    """[batch, 1 + len(PREFERENCE_NAMES)] preference head: none, then each preference (None without one)."""
    route_weights: torch.Tensor | None = None
    """[batch, 1 + len(PREFERENCE_NAMES), num_features] the scorer's weights under each preference (training
    routes each example by its stated preference, planning by the preference head's)."""
    scope: torch.Tensor | None = None
    """[batch] scope head: the logit that no registered tool serves the request (None without one)."""


@dataclass(frozen=True)
class Choice:
    """One decoded plan: ``config_id`` is None when no configuration of the tool fits."""

    tool_id: int
    config_id: int | None
    tool_prob: float
    config_prob: float | None
    """Probability of the chosen config among the allowed ones."""
    runner_up: int | None
    """Second-best allowed config id."""
    input_size: str
    runner_up_tool: int | None = None
    """Second most probable tool (None with a single tool): where to look when ``tool_prob`` is low."""
    runner_up_tool_prob: float | None = None
    preference: str | None = None
    """The preference the request states, per the preference head or the words (None: none, or none read)."""
    preference_prob: float | None = None
    """The probability of that answer (``preference``, or no preference; None: the planner reads none)."""
    size_prob: float = 1.0
    """P(input size | tool) among the sizes still allowed (1.0 when one size was known)."""
    runner_up_size: str | None = None
    """The next most probable allowed size (None when only one was allowed)."""
    out_of_scope_prob: float | None = None
    """P(no registered tool serves the request) per the scope head (None without one)."""
    scope_score: float | None = None
    """What the refusal threshold is compared with: ``out_of_scope_prob``, or with a nearest-neighbour memory
    (``model.scope_rule: nearest``) ``NearestScope``'s score plus ``scope_words`` (None without either)."""
    scope_words: float | None = None
    """The request's words' part of ``scope_score`` (``model.scope_lexical``; None when they have no say, as for a
    tool the lexical model does not know: then ``scope_score`` is the memory's alone, refused above ``alone_above``)."""
    scope_rule: str | None = None
    """Which of the two ``scope_score`` is: "head" or "nearest" (None without a scope decision)."""
    out_of_scope: bool = False
    """``scope_score`` is above the decoder's ``out_of_scope_above`` (``alone_above`` for a tool the lexical model
    does not know): the plan's tool is null."""


def rescale_rows(rows: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
    """Centre the rows and scale them to a default ``nn.Linear`` init's mean row norm; with ``reference``,
    by the centre and scale that do so for ``reference`` (rows added later land in the same space)."""
    ref = (rows if reference is None else reference).float()
    centre = ref.mean(0, keepdim=True)
    target = 1 / math.sqrt(3)  # row norm of nn.Linear's U(±1/sqrt(in)) init, whatever `in` is
    return (rows.float() - centre) * (target / (ref - centre).norm(dim=1).mean().clamp_min(1e-12))


class LiveConfigHead(nn.Module):
    """Config logits from fixed rows: ``map(hidden) · rows``, ``map`` trainable (identity at start when the
    rows are as wide as the hidden states, so the first logits equal a row head's with the same rows); the
    rows are a buffer, so a configuration that is never an answer still moves with the ``map`` learned on the
    others. Rows of another width (Phase 0's, read by another model) start from a random ``map``."""

    def __init__(self, rows: torch.Tensor, hidden_size: int | None = None):
        super().__init__()
        self.register_buffer("rows", rescale_rows(rows))
        self.map = nn.Linear(hidden_size or rows.shape[1], rows.shape[1], bias=False)
        if self.map.in_features == self.map.out_features:
            with torch.no_grad():
                self.map.weight.copy_(torch.eye(rows.shape[1]))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.map(hidden) @ self.rows.T


def check_rows(rows: torch.Tensor | None, table: ConfigTable, width: int | None) -> None:
    """Phase 0's rows must be one per configuration (and ``width`` wide, unless None: a live head)."""
    if rows is not None and (rows.shape[0] != table.num_configs or width not in (None, rows.shape[1])):
        raise DataError(f"config_weights: shape {tuple(rows.shape)} does not match "
                        f"[{table.num_configs} configs, hidden {width or 'any'}] of this planner")


def config_head(hidden_size: int, table: ConfigTable, rows: torch.Tensor | None, live: bool) -> nn.Module:
    """``live``: a ``LiveConfigHead`` over ``rows`` (random ones when None); else a linear head whose rows start
    as ``rows`` rescaled (``rescale_rows``), or at random."""
    if live:
        return LiveConfigHead(torch.randn(table.num_configs, hidden_size) if rows is None else rows, hidden_size)
    head = nn.Linear(hidden_size, table.num_configs)
    if rows is not None:
        with torch.no_grad():
            head.weight.copy_(rescale_rows(rows))
            head.bias.zero_()
    return head


class _Read(NamedTuple):
    """What ``HierarchicalDecoder.predict`` read for a batch, before it is cut into one ``Choice`` per row."""

    tool_probs: torch.Tensor
    tool_top: torch.return_types.topk
    tool_ids: torch.Tensor
    size_probs: torch.Tensor
    size_top: torch.return_types.topk
    allowed: torch.Tensor
    probs: torch.Tensor
    top: torch.return_types.topk
    wishes: list[dict]
    scope: list[float | None]
    scope_score: list[float | None]
    scope_words: list[float | None]
    scope_above: list[float]


class HierarchicalDecoder(nn.Module):
    """``forward(hidden) -> (tool_logits, config_logits)``; ``predict`` applies the masks."""

    def __init__(self, hidden_size: int, table: ConfigTable, config_rows: torch.Tensor | None = None,
                 config_features: bool = False, feature_scale: float = 10.0, live_rows: bool = False,
                 preferences: bool = False, out_of_scope: bool = False, config_pick: str = "head"):
        """``live_rows``: a ``LiveConfigHead`` over ``config_rows`` (random ones when None); ``preferences``:
        a preference head, and the feature scorer also ranks by each preference's resources; ``out_of_scope``:
        a scope head (no registered tool serves the request); ``config_pick``: ``model.config_pick``."""
        super().__init__()
        check_rows(config_rows, table, None if live_rows else hidden_size)
        self.feature_scale = feature_scale
        self.config_pick = config_pick
        self.tool_head = nn.Linear(hidden_size, len(table.tool_names))
        self.scope_head = nn.Linear(hidden_size, 1) if out_of_scope else None
        self.scope_memory: NearestScope | None = None
        """Set by ``set_scope_memory``: then it, not the head's probability, decides refusals."""
        self.out_of_scope_above = 0.5
        """A request is out of scope above this ``Choice.scope_score`` (``scope_boundary`` by default: the score's
        own boundary; a trained planner's is chosen on validation, ``training.planner.OUT_OF_SCOPE_REFUSED``)."""
        self.config_head = config_head(hidden_size, table, config_rows, live_rows)
        self.preferences, self.config_features = preferences, config_features
        self.preference_head = nn.Linear(hidden_size, 1 + len(PREFERENCE_NAMES)) if preferences else None
        self.build_feature_scorer(hidden_size)
        self.table = table
        self.lexical: LexicalTool | None = None
        """``model.lexical``: the request's words as tool evidence, × ``lexical_weight`` (chosen on validation)."""
        self.lexical_weight = 0.0
        self.scope_lexical_weight = 0.0
        """``model.scope_lexical``: × the lexical model's out-of-scope margin, added to the nearest-neighbour scope
        score (chosen on validation; 0: refusals by the memory alone)."""
        self.size_lexical: LexicalTool | None = None
        """``model.size_lexical``: the request's words as size evidence, × ``size_lexical_weight`` (chosen on
        validation) added to log P(size | tool)."""
        self.size_lexical_weight = 0.0
        self.preference_lexical: LexicalPreference | None = None
        """``model.preference_lexical``: the preference the words state, for the configuration rule (without a
        preference head)."""
        self.alone_above: float | None = None
        """The threshold chosen for the memory's score alone (weight 0): a request for a tool the lexical model does
        not know is refused above it (None: ``out_of_scope_above``)."""
        self.register_buffer("tool_of", table.tool_of.clone(), persistent=False)
        self.register_buffer("size_of", table.size_of.clone(), persistent=False)

    def set_scope_memory(self, memory: NearestScope | None) -> None:
        """Decide refusals by ``memory`` (None: the scope head); ``out_of_scope_above`` is left to the caller."""
        self.scope_memory = memory.to(self.tool_head.weight.device) if memory is not None else None

    @property
    def scope_boundary(self) -> float:
        """The scope score's own decision boundary: 0.5 for the head's probability, 0 for nearest neighbours."""
        return BOUNDARY if self.scope_memory is not None else 0.5

    def scope_floor(self, bounded: bool = True) -> float:
        """The lowest refusal threshold validation may choose: for nearest neighbours none where validation
        ``bounded`` it (chosen on validation in session 23: ``eval.scope.scope_bounded``), else the score's
        boundary; the boundary for the head's probability."""
        return -math.inf if self.scope_memory is not None and bounded else self.scope_boundary

    def scope_scores(self, hidden: torch.Tensor, out: DecoderLogits, scope_prior: torch.Tensor | None = None,
                     tool_ids: torch.Tensor | None = None) -> tuple[list, list, list, list]:
        """Per request (the head's probability, the score refusals are decided by, the words' part of it, the
        threshold it is refused above; the first three None where they do not apply). With a memory, ``scope_prior``
        [batch] (the lexical out-of-scope margin) × ``scope_lexical_weight`` joins its score, except where the chosen
        tool (``tool_ids``) is one the lexical model was not fitted with (``tomas add-tool``): its margin weighs only
        the tools it knows and its out-of-scope class may hold that tool's requests, so such a request is refused as
        the memory alone refuses, above ``alone_above`` and never below the boundary: validation, which lets a
        threshold fall below it (``scope_floor``), never saw that tool's requests."""
        n, above = len(hidden), self.out_of_scope_above
        probs = out.scope.float().sigmoid().tolist() if out.scope is not None else [None] * n
        if self.scope_memory is None:
            return probs, probs, [None] * n, [above] * n
        score = self.scope_memory(hidden).double()  # float64, as ``eval.scope.with_scope_prior`` adds
        known = [True] * n if tool_ids is None or self.lexical is None else [
            self.table.tool_names[int(t)] in self.lexical.classes for t in tool_ids]
        alone = max(above if self.alone_above is None else self.alone_above, self.scope_boundary)
        thresholds = [above if k else alone for k in known]
        if scope_prior is None or not self.scope_lexical_weight:
            return probs, score.tolist(), [None] * n, thresholds
        words = (self.scope_lexical_weight * scope_prior.to(score.device).double()).tolist()
        return (probs, [s + w if k else s for s, w, k in zip(score.tolist(), words, known)],
                [w if k else None for w, k in zip(words, known)], thresholds)

    def build_feature_scorer(self, hidden_size: int) -> None:
        """Optional: the prompt's hidden state also chooses how to weigh each candidate's standing among the
        allowed ones (latency rank, meets the budget, cost rank); zero-initialised = off at start. Reading
        preferences, the weights are routed by preference (none first): a linear map of the prompt state plus a
        learned offset per preference. Training routes by the stated preference, planning by the preference
        head's reading (what the plan reports): one weighting per preference reproduces the oracle, which one
        linear map alone learns poorly once preferences switch it (docs/phase0_value.md)."""
        n = num_features(self.preferences)
        self.feature_head = nn.Linear(hidden_size, n) if self.config_features else None
        if self.feature_head is not None:
            nn.init.zeros_(self.feature_head.weight)
            nn.init.zeros_(self.feature_head.bias)
        self.preference_weights = (nn.Parameter(torch.zeros(1 + len(PREFERENCE_NAMES), n))
                                   if self.preferences and self.config_features else None)

    def logits(self, hidden: torch.Tensor) -> DecoderLogits:
        preference = self.preference_head(hidden) if self.preference_head is not None else None
        weights = routes = None
        if self.feature_head is not None:
            weights = self.feature_scale * self.feature_head(hidden)
        if self.preference_weights is not None:
            routes = weights.unsqueeze(1) + self.feature_scale * PREFERENCE_SCALE * self.preference_weights
            weights = routes[torch.arange(len(hidden), device=hidden.device), preference.argmax(-1)]
        scope = self.scope_head(hidden).squeeze(-1) if self.scope_head is not None else None
        return DecoderLogits(self.tool_head(hidden), self.config_head(hidden), weights, preference, routes, scope)

    def candidate_scores(self, out: DecoderLogits, allowed: torch.Tensor, latency_budget: torch.Tensor | None = None,
                         preference: torch.Tensor | None = None) -> torch.Tensor:
        """[batch, num_configs] scores of the allowed configurations, -inf elsewhere: the config head
        plus, with a feature scorer, its weighting of ``ConfigTable.candidate_features``."""
        scores = out.config.float()
        weights = out.feature_weights
        if preference is not None and out.route_weights is not None:  # [batch] classes: route by them
            weights = out.route_weights[torch.arange(len(preference), device=preference.device), preference]
        if weights is not None:
            feats = self.table.candidate_features(allowed, latency_budget, self.preferences).to(scores.device)
            # Elementwise, not einsum: autocast would run a matmul in bf16 and round ranks × weights.
            scores = scores + (feats * weights.float().unsqueeze(1)).sum(-1)
        return scores.masked_fill(~allowed, -math.inf)

    def lexical_priors(self, tasks: list[str]) -> dict:
        """``predict``'s ``tool_prior`` and ``scope_prior`` for these requests, from one pass of the lexical model,
        ``size_prior`` from the size classifier and ``preferences`` from the preference reader (each left out or None
        without its model, at weight 0, or when the model cannot give it)."""
        out = {}
        if self.preference_lexical is not None and self.preference_head is None and self.config_pick == "rule":
            out["preferences"] = self.preference_lexical.read(tasks)
        if self.size_lexical is not None and self.size_lexical_weight:
            out["size_prior"] = self.size_lexical.log_probs(tasks, INPUT_SIZES)
        if self.lexical is None or not (self.lexical_weight or self.scope_lexical_weight):
            return out
        tool, scope = self.lexical.evidence(tasks, self.table.tool_names)
        return out | {"tool_prior": tool if self.lexical_weight else None,
                      "scope_prior": scope if self.scope_lexical_weight else None}

    def tool_mask(self, tool_ids: torch.Tensor) -> torch.Tensor:
        """[batch] tool ids -> [batch, num_configs] bool: the config belongs to that tool."""
        return self.tool_of.unsqueeze(0) == tool_ids.unsqueeze(1)

    def size_log_probs(self, config_logits: torch.Tensor, tool_ids: torch.Tensor) -> torch.Tensor:
        """[batch, len(INPUT_SIZES)] log P(size | tool): the tool's config-head probability mass per size."""
        logp = config_logits.float().masked_fill(~self.tool_mask(tool_ids), -math.inf).log_softmax(-1)
        onehot = self.size_of.unsqueeze(0) == torch.arange(len(INPUT_SIZES), device=logp.device).unsqueeze(1)
        return torch.stack([logp.masked_fill(~onehot[s], -math.inf).logsumexp(-1) for s in range(len(INPUT_SIZES))],
                           dim=-1)

    def allowed(self, tool_ids: torch.Tensor, size_ids: torch.Tensor, free: torch.Tensor | None) -> torch.Tensor:
        """[batch, num_configs] bool: the tool's configurations of that size that fit ``free``."""
        mask = self.tool_mask(tool_ids) & (self.size_of.unsqueeze(0) == size_ids.unsqueeze(1))
        if free is not None:
            mask &= self.table.fits(free.cpu()).to(mask.device)
        return mask

    @torch.no_grad()
    def predict(self, hidden: torch.Tensor, free_resources: torch.Tensor | None = None,
                latency_budget: torch.Tensor | None = None, tools: torch.Tensor | None = None,
                size_allowed: torch.Tensor | None = None, tool_prior: torch.Tensor | None = None,
                scope_prior: torch.Tensor | None = None, size_prior: torch.Tensor | None = None,
                preferences: list[dict] | None = None, scope_hidden: torch.Tensor | None = None) -> list[Choice]:
        """Decode a batch of last hidden states into choices; masked ids are never returned.

        ``free_resources`` is [batch, 4] in ``RESOURCES`` order (None = no limit);
        ``latency_budget`` [batch] ms (NaN = none) only informs the feature scorer, it masks nothing;
        ``tools`` [batch]: decode with these tools instead of the tool head's (evaluation: the config
        head's part alone); ``size_allowed`` [batch, num_tools, len(INPUT_SIZES)] bool: the sizes each tool's
        input may have (what the request's facts or numbers say; None = any): the size is the most probable
        allowed one, even one the tool has no configurations of (then nothing fits); ``tool_prior`` [batch, tools]:
        the lexical model's log-probabilities, added × ``lexical_weight`` to the tool head's; ``scope_prior`` [batch]:
        its out-of-scope margins (``scope_scores``); ``size_prior`` [batch, len(INPUT_SIZES)]: the size classifier's
        log-probabilities, added × ``size_lexical_weight`` to log P(size | tool); ``preferences``: per request, the
        preference the words state (``LexicalPreference.read``; a preference head's reading wins; ``lexical_priors``
        gives all four); ``scope_hidden``: what a scope memory scores where not ``hidden`` (``scope_vectors``).
        """
        out = self.logits(hidden)
        tool_logp = out.tool.float().log_softmax(-1)
        if tool_prior is not None and self.lexical_weight:
            tool_logp = tool_logp + self.lexical_weight * tool_prior.to(tool_logp.device)
        tool_probs = tool_logp.softmax(-1)
        tool_top = tool_probs.topk(min(2, tool_probs.shape[-1]), dim=-1)
        tool_ids = tool_top.indices[:, 0] if tools is None else tools.to(tool_top.indices.device)
        size_logp = self.size_log_probs(out.config, tool_ids)
        if size_prior is not None and self.size_lexical_weight:
            size_logp = size_logp + self.size_lexical_weight * size_prior.to(size_logp.device)
        if size_allowed is not None:
            mask = size_allowed.to(size_logp.device)[torch.arange(len(tool_ids), device=size_logp.device), tool_ids]
            size_logp = torch.where(mask, size_logp.clamp_min(-1e30), -math.inf)
        size_top = size_logp.topk(2, dim=-1)
        allowed = self.allowed(tool_ids, size_top.indices[:, 0], free_resources)
        scores = self.candidate_scores(out, allowed, latency_budget)
        read = _Read(tool_probs, tool_top, tool_ids, size_logp.softmax(-1).nan_to_num(0.0), size_top, allowed,
                     scores.softmax(-1).nan_to_num(0.0),
                     # Top-2 of the scores, not the probabilities: a confident choice can underflow every other
                     # allowed probability to 0, the same as the masked ones, and the runner-up must be allowed.
                     scores.topk(min(2, scores.shape[-1]), dim=-1), self.read_preferences(out, preferences),
                     *self.scope_scores(scope_vectors(self.scope_memory, hidden, scope_hidden), out, scope_prior,
                                        tool_ids))
        return [self.choice(read, b, latency_budget) for b in range(hidden.shape[0])]

    def choice(self, r: _Read, b: int, latency_budget: torch.Tensor | None) -> Choice:
        """Row ``b`` of a decoded batch as a ``Choice``."""
        n_allowed, has_second_tool = int(r.allowed[b].sum()), r.tool_top.indices.shape[1] > 1
        best, second = (int(i) for i in (list(r.top.indices[b]) + [-1])[:2])
        rule = self.config_pick == "rule"
        if rule and n_allowed:
            best, second = self.rule_pick(r.allowed[b], latency_budget, b, r.wishes[b].get("preference"), best, second)
        size_id, tool_id, score = int(r.size_top.indices[b, 0]), int(r.tool_ids[b]), r.scope_score[b]
        return Choice(tool_id=tool_id, config_id=best if n_allowed else None,
                      tool_prob=float(r.tool_probs[b, tool_id]),
                      config_prob=(1.0 if rule else float(r.probs[b, best])) if n_allowed else None,
                      runner_up=second if n_allowed > 1 else None, input_size=INPUT_SIZES[size_id],
                      size_prob=float(r.size_probs[b, size_id]),
                      runner_up_size=INPUT_SIZES[int(r.size_top.indices[b, 1])]
                      if r.size_top.values[b, 1] > -math.inf else None,
                      runner_up_tool=int(r.tool_top.indices[b, 1]) if has_second_tool else None,
                      runner_up_tool_prob=float(r.tool_top.values[b, 1]) if has_second_tool else None,
                      out_of_scope_prob=r.scope[b], scope_score=score, scope_words=r.scope_words[b],
                      scope_rule=None if score is None else "nearest" if self.scope_memory is not None else "head",
                      out_of_scope=score is not None and score > r.scope_above[b],
                      **r.wishes[b])

    def rule_pick(self, allowed: torch.Tensor, latency_budget: torch.Tensor | None, b: int, preference: str | None,
                  head_best: int, head_second: int) -> tuple[int, int]:
        """(the oracle's rule's configuration among ``allowed`` [num_configs], the head's best other one)."""
        budget = None if latency_budget is None else float(latency_budget[b])
        best = self.table.rule_choice(allowed.nonzero().flatten().tolist(), budget, preference)
        return best, head_second if head_best == best else head_best

    @staticmethod
    def read_preferences(out: DecoderLogits, read: list[dict] | None = None) -> list[dict]:
        """Per request ``{"preference", "preference_prob"}`` from the preference head; without one, ``read`` (the
        words' reading) or nothing."""
        if out.preference is None:
            return read or [{} for _ in range(out.tool.shape[0])]
        probs = out.preference.float().softmax(-1)
        best = probs.argmax(-1)
        return [{"preference": (None, *PREFERENCE_NAMES)[int(i)], "preference_prob": float(p[i])}
                for i, p in zip(best, probs)]
