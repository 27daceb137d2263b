"""A tool added after the planner was trained (``tomas add-tool``; measured in docs/phase0_value.md).

- Its configurations join the table after the old ones (``ConfigTable.with_tool``), so every id the
  planner knew keeps its meaning.
- Their config-head rows come from Phase 0's trained encoder (``encoder_rows``): Stream A from the
  frozen LLM's embeddings of the new name, as for every tool, Stream B from each configuration's
  resources, then the same centring and scale as the rows the planner was trained with
  (``rescale_rows(new, reference=old)``). The live config head's map, learned on the other tools,
  scores them as they are: the config head is not retrained.
- The tool head gets one new row (``extend_decoder``), fitted on the new tool's examples (at most
  ``MAX_EXAMPLES``) against a replay of the other tools' requests, every other weight frozen
  (``fit_tool_row``, a convex fit): the old tools' plans change only where the new tool now wins.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from tomas.data.profiling import Configuration
from tomas.errors import DataError
from tomas.models.config_table import ConfigTable
from tomas.models.decoder import HierarchicalDecoder, LiveConfigHead
from tomas.models.encoder import ResourceEncoder, tool_anchor_vectors
from tomas.models.scope import NearestScope

MAX_EXAMPLES = 50
"""Examples of the new tool a user is asked for at most (none: generated from its registry entry)."""


def load_encoder(path: str) -> tuple[ResourceEncoder, dict]:
    """Phase 0's encoder from its checkpoint (one error line when it is not one) and what it was trained
    with: ``llm_model`` (whose embeddings are Stream A), ``tool_names``, ``anchor_description``."""
    from tomas.artifacts.assets import check_compatible, read_checkpoint
    from tomas.models.self_encoding import self_encoder_from_checkpoint

    ckpt = read_checkpoint(path)
    check_compatible(ckpt, path, ckpt.get("llm_model"), fingerprint=None)  # any data: a tool it never saw
    model, cfg = self_encoder_from_checkpoint(ckpt)
    return model.encoder.eval(), {"tool_names": ckpt["tool_names"], "llm_model": ckpt["llm_model"],
                                  "anchor_description": cfg.model.encoder.anchor_description}


@torch.no_grad()
def encoder_rows(encoder: ResourceEncoder, stream_a: torch.Tensor, configs: Sequence[Configuration]) -> torch.Tensor:
    """[len(configs), hidden] the encoder's vectors of ``configs``, all of one tool whose Stream A is ``stream_a``."""
    resources = torch.tensor([c.vector() for c in configs])
    return encoder.encode(stream_a.float().expand(len(configs), -1), resources).float()


def new_tool_stream_a(llm, tool, anchor_description: bool) -> torch.Tensor:
    """Stream A of a tool the encoder never saw: the frozen LLM's embeddings of its name (``llm``: anything
    with ``embeddings`` and ``tokenizer``, as ``LoadedLLM``)."""
    return tool_anchor_vectors(llm, [tool], anchor_description)[0]


def extend_decoder(dec: HierarchicalDecoder, table: ConfigTable, new_rows: torch.Tensor) -> HierarchicalDecoder:
    """``dec`` over ``table`` (its own table plus one tool): the old weights as they were, ``new_rows`` (in
    the head's row space) for the new configurations, and a new tool-head row that starts never chosen."""
    old = dec.table
    if table.tool_names[:-1] != old.tool_names or table.num_configs != old.num_configs + len(new_rows):
        raise DataError(f"{table.tool_names[-1]}: the extended table must be this planner's plus the new tool")
    live = isinstance(dec.config_head, LiveConfigHead)
    state = dec.state_dict()
    new_rows = new_rows.to(state["tool_head.weight"])
    rows = torch.cat([state["config_head.rows"], new_rows]) if live else None  # of any width (another reader's)
    out = HierarchicalDecoder(dec.tool_head.in_features, table, rows, config_features=dec.config_features,
                              feature_scale=dec.feature_scale, live_rows=live, preferences=dec.preferences,
                              out_of_scope=dec.scope_head is not None, config_pick=dec.config_pick)
    if dec.scope_memory is not None:  # the same refusals; add_tool adds the new tool's requests to it
        memory = dec.scope_memory
        out.set_scope_memory(NearestScope.empty(len(memory.bank), dec.tool_head.in_features, memory.reads))
    out.out_of_scope_above = dec.out_of_scope_above
    out.lexical, out.lexical_weight = dec.lexical, dec.lexical_weight  # it scores the new tool (models.lexical)
    out.scope_lexical_weight, out.alone_above = dec.scope_lexical_weight, dec.alone_above
    out.size_lexical, out.size_lexical_weight = dec.size_lexical, dec.size_lexical_weight  # sizes read as before
    out.preference_lexical = dec.preference_lexical  # and preferences
    weight, bias = state["tool_head.weight"], state["tool_head.bias"]
    state["tool_head.weight"] = torch.cat([weight, torch.zeros_like(weight[:1])])
    state["tool_head.bias"] = torch.cat([bias, bias.min(0, keepdim=True).values - 10.0])  # fitted by fit_tool_row
    if live:
        state["config_head.rows"] = rows
    else:
        state["config_head.weight"] = torch.cat([state["config_head.weight"], new_rows])
        state["config_head.bias"] = torch.cat([state["config_head.bias"], torch.zeros(len(new_rows)).to(weight)])
    out.load_state_dict(state)
    return out.to(weight.device)


def remember_in_scope(dec: HierarchicalDecoder, states: torch.Tensor) -> None:
    """A nearest-neighbour scope memory (if the planner has one) takes ``states``, the new tool's requests, as
    in scope: without them the nearest training request of a request for the new tool may be a refusal."""
    if dec.scope_memory is not None and len(states):
        dec.set_scope_memory(dec.scope_memory.extended(states, torch.ones(len(states), dtype=torch.bool)))


def fit_tool_row(dec: HierarchicalDecoder, hidden_new: torch.Tensor, hidden_old: torch.Tensor,
                 tools_old: torch.Tensor, new_share: float = 0.5, l2: float = 1e-3, max_iter: int = 200) -> None:
    """Fit the last tool-head row alone: cross-entropy over all tools, the other rows' logits held fixed,
    the new tool's prompt states (``hidden_new``) weighing ``new_share`` of the loss and the other tools'
    (``hidden_old``, labels ``tools_old``) the rest, plus ``l2``·|row|². Convex in the one row, so a
    full-batch L-BFGS solves it deterministically (no learning rate, no seed). The defaults were chosen
    on validation tool accuracy over all tools (docs/phase0_value.md); Adam on batches of 10-50 examples
    overfitted them (2-30% of the new tool's validation requests)."""
    if not len(hidden_new):
        return
    head = dec.tool_head
    new_id = head.out_features - 1
    with torch.no_grad():  # the old rows' logits are constants here
        fixed_new, fixed_old = head(hidden_new)[:, :new_id], head(hidden_old)[:, :new_id]
    weight = torch.zeros_like(head.weight[new_id]).requires_grad_(True)
    bias = head.bias[:new_id].detach().mean().clone().requires_grad_(True)
    targets_new = torch.full((len(hidden_new),), new_id, dtype=torch.long)
    opt = torch.optim.LBFGS([weight, bias], lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        new = F.cross_entropy(torch.cat([fixed_new, (hidden_new @ weight + bias)[:, None]], 1), targets_new)
        old = F.cross_entropy(torch.cat([fixed_old, (hidden_old @ weight + bias)[:, None]], 1), tools_old)
        loss = new_share * new + (1 - new_share) * old + l2 * weight.square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        head.weight[new_id] = weight
        head.bias[new_id] = bias
