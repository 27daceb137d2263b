"""A tool added after training: the table grows after the old ids, the old weights stay as they were,
the new rows land in the head's row space, and fitting the new tool-head row moves nothing else."""

from __future__ import annotations

import pytest
import torch

from tomas.artifacts.assets import save_assets
from tomas.data import load_tool_data
from tomas.errors import DataError
from tomas.models.config_table import ConfigTable
from tomas.models.decoder import HierarchicalDecoder, rescale_rows
from tomas.training.new_tool import extend_decoder, fit_tool_row

FIXTURE = "tests/fixtures/other"
HIDDEN = 16


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> tuple[ConfigTable, ConfigTable]:
    """(the first two tools, all three): the third plays the tool added after training."""
    data = load_tool_data(f"{FIXTURE}/tools.json", f"{FIXTURE}/profiling.csv")
    old = data.subset(data.tool_names[:2])
    out = tmp_path_factory.mktemp("assets")
    save_assets(torch.randn(len(old.configs), HIDDEN), old, out, log=lambda *_: None)
    table = ConfigTable.from_assets(out)
    new = [c.lookup_entry() for c in data.configs if c.tool == data.tool_names[2]]
    return table, table.with_tool(data.tool_names[2], new)


def test_with_tool_appends_ids_and_refuses_a_known_tool(tables):
    old, full = tables
    assert full.tool_names == [*old.tool_names, full.tool_names[-1]]
    assert all(full.lookup[i] == old.lookup[i] for i in range(old.num_configs))
    assert full.tool_mask_map()[full.tool_names[-1]] == list(range(old.num_configs, full.num_configs))
    with pytest.raises(DataError, match="already one of this planner's tools"):
        full.with_tool(full.tool_names[0], [full.lookup[0]])


def test_new_rows_land_where_the_old_rows_were_rescaled():
    raw = torch.randn(30, HIDDEN) * 3 + 1
    assert torch.allclose(rescale_rows(raw[:5], reference=raw), rescale_rows(raw)[:5], atol=1e-6)


@pytest.mark.parametrize("live", [True, False])
def test_extend_keeps_every_old_logit_and_the_new_tool_starts_unchosen(tables, live):
    old, full = tables
    torch.manual_seed(0)
    dec = HierarchicalDecoder(HIDDEN, old, torch.randn(old.num_configs, HIDDEN), config_features=True,
                              live_rows=live, preferences=True)
    for p in dec.parameters():  # trained weights, not an initialisation
        torch.nn.init.normal_(p.data)
    new_rows = torch.randn(full.num_configs - old.num_configs, HIDDEN)
    ext = extend_decoder(dec, full, new_rows)
    hidden = torch.randn(8, HIDDEN)
    before, after = dec.logits(hidden), ext.logits(hidden)
    assert torch.allclose(after.tool[:, :-1], before.tool) and torch.allclose(after.config[:, :old.num_configs],
                                                                             before.config)
    assert torch.equal(after.feature_weights, before.feature_weights)
    assert torch.equal(after.preference, before.preference)
    assert (after.tool[:, -1] < before.tool.min(1).values).all()
    rows = ext.config_head.rows if live else ext.config_head.weight
    assert torch.equal(rows[old.num_configs:], new_rows)
    assert all(c.tool_id < len(old.tool_names) for c in ext.predict(hidden))


def test_fit_tool_row_learns_the_new_tool_and_moves_nothing_else(tables):
    old, full = tables
    torch.manual_seed(0)
    ext = extend_decoder(HierarchicalDecoder(HIDDEN, old, live_rows=True), full,
                         torch.randn(full.num_configs - old.num_configs, HIDDEN))
    direction = torch.zeros(HIDDEN)
    direction[0] = 4.0
    hidden_old = torch.randn(60, HIDDEN)
    tools_old = torch.randint(len(old.tool_names), (60,))
    with torch.no_grad():  # the old tools are told apart by another direction
        ext.tool_head.weight[:2, 1] = torch.tensor([3.0, -3.0])
        hidden_old[:, 1] = torch.where(tools_old == 0, 2.0, -2.0)
    hidden_new = torch.randn(10, HIDDEN) + direction
    state = {k: v.clone() for k, v in ext.state_dict().items()}
    fit_tool_row(ext, hidden_new, hidden_old, tools_old)
    for name, value in ext.state_dict().items():
        if name.startswith("tool_head"):
            assert torch.equal(value[:-1], state[name][:-1]), name
        else:
            assert torch.equal(value, state[name]), name
    new_id = len(full.tool_names) - 1
    probe_new, probe_old = torch.randn(50, HIDDEN) + direction, hidden_old
    assert (ext.logits(probe_new).tool.argmax(1) == new_id).float().mean() > 0.8
    assert (ext.logits(probe_old).tool.argmax(1) == new_id).float().mean() < 0.1


def test_phase0_rows_of_a_new_tool_keep_phase0s_width_under_another_reader(tables, tmp_path, monkeypatch):
    """A live head over a reader narrower than Phase 0's LLM (MiniLM's 384 against SmolLM2's 576): the old rows
    and the encoder's rows of the added tool keep Phase 0's width (this once failed as a shape mismatch)."""
    from tomas.config import PlannerConfig, parse_config
    from tomas.training import new_tool, probe

    old, full = tables
    data = load_tool_data(f"{FIXTURE}/tools.json", f"{FIXTURE}/profiling.csv")
    num_new = full.num_configs - old.num_configs
    monkeypatch.setattr(new_tool, "load_encoder", lambda path: (None, {"tool_names": old.tool_names,
                                                                      "llm_model": "x", "anchor_description": False}))
    monkeypatch.setattr(new_tool, "encoder_rows", lambda encoder, stream_a, configs: torch.ones(len(configs), HIDDEN))
    monkeypatch.setitem(probe._STREAM_A, ("x", full.tool_names[-1], False), torch.zeros(HIDDEN))
    assets, saved = tmp_path / "assets", torch.randn(old.num_configs, HIDDEN)
    save_assets(saved, data.subset(old.tool_names), assets, log=lambda *_: None)
    cfg, _ = parse_config(PlannerConfig, ["--data.assets_dir", str(assets), "--data.new_tool", full.tool_names[-1],
                                          "--data.new_tool_encoder", "enc.pt", "--model.config_head", "live",
                                          "--model.config_head_init", "phase0"], None)
    rows = probe.new_tool_rows(cfg, data, full, old.num_configs, hidden_size=HIDDEN // 2)
    assert rows.shape == (full.num_configs, HIDDEN) and (rows[-num_new:] == 1).all()  # old rows, then the encoder's
    assert torch.allclose(rows[:old.num_configs], saved)
