"""Export: encoder outputs for every configuration -> the planner's assets.

- ``config_weights.pt``: ``{"weights": float32 [num_configs, hidden], "num_configs", "hidden_dim"}``
  (+ ``config_weights.safetensors`` with the same matrix under ``weights``);
- ``config_lookup.json``: string config id -> resources (the spec's keys);
- ``tool_mask_map.json``: tool -> sorted config ids;
- ``readback_prompt.safetensors``: the shared prompt the frozen LLM reads a row back with.
The LLM is not needed: Stream A's per-tool vectors travel in the checkpoint.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from tqdm.auto import tqdm

from tomas.artifacts.assets import READBACK_PROMPT, load_checkpoint_for, save_assets, save_readback_prompt
from tomas.config import parse_config
from tomas.config.commands import ExportArgs
from tomas.data import ToolData


@torch.no_grad()
def encode_all(encoder, data: ToolData, batch_size: int, device) -> torch.Tensor:
    encoder.to(device)
    resources = torch.tensor([c.vector() for c in data.configs])
    tool_ids = torch.tensor([data.tool_id(c.tool) for c in data.configs])
    rows = []
    for i in tqdm(range(0, len(resources), batch_size)):
        batch = slice(i, i + batch_size)
        rows.append(encoder(tool_ids[batch].to(device), resources[batch].to(device)).float().cpu())
    return torch.cat(rows)


def export(encoder_checkpoint: str, tool_registry: str, profiling_data: str, llm_model: str | None,
           output_dir: str, batch_size: int, device: str, log=print) -> torch.Tensor:
    from tomas.models.llm import resolve_device

    log(f"[1/4] Loading encoder checkpoint {encoder_checkpoint}...")
    log("[2/4] Loading and validating data...")
    ckpt, model, data = load_checkpoint_for(encoder_checkpoint, tool_registry, profiling_data, llm_model)
    log(f"  ✓ {len(data.configs)} configurations, {len(data.tools)} tools")
    log("[3/4] Generating weight matrix...")
    weights = encode_all(model.encoder, data, batch_size, resolve_device(device))
    log(f"  ✓ Generated weight matrix: [{weights.shape[0]}, {weights.shape[1]}]")
    save_assets(weights, data, Path(output_dir), log)
    row_alone = ckpt["config"]["model"]["prefix"].get("slot_mode") == "row"
    save_readback_prompt(model.adapter, ckpt["llm_model"], row_alone, Path(output_dir) / READBACK_PROMPT, log)
    log("[4/4] Done.")
    return weights


def main(argv: list[str] | None = None) -> int:
    args, _ = parse_config(ExportArgs, sys.argv[1:] if argv is None else argv, prog="tomas export")
    export(**vars(args))
    return 0
