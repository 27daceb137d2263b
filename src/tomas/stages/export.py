"""Export: encoder outputs for every configuration -> the planner's assets.

- ``config_weights.pt``: ``{"weights": float32 [num_configs, hidden], "num_configs", "hidden_dim"}``
  (+ ``config_weights.safetensors`` with the same matrix under ``weights``);
- ``config_lookup.json``: string config id -> resources (the spec's keys);
- ``tool_mask_map.json``: tool -> sorted config ids.
The LLM is not needed: Stream A's per-tool vectors travel in the checkpoint.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from tqdm.auto import tqdm

from tomas.data import ToolData, load_tool_data
from tomas.errors import TomasError
from tomas.io import atomic_write, save_json, save_torch

WEIGHTS, WEIGHTS_ST, LOOKUP, MASK_MAP = ("config_weights.pt", "config_weights.safetensors", "config_lookup.json",
                                         "tool_mask_map.json")


def load_checkpoint_for(path: str, tool_registry: str, profiling_data: str, llm_model: str | None):
    """Load an encoder checkpoint and the data it must match; refuse mismatches."""
    from tomas.models.self_encoding import self_encoder_from_checkpoint
    from tomas.stages.pretrain import check_compatible

    if not Path(path).is_file():
        raise TomasError(f"{path}: encoder checkpoint not found (run `tomas pretrain` first)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise TomasError(f"{path}: cannot read checkpoint ({e.__class__.__name__})") from None
    data = load_tool_data(tool_registry, profiling_data)
    tools = ckpt.get("config", {}).get("data", {}).get("tools")
    data = data.subset(tools) if tools else data
    check_compatible(ckpt, path, llm_model or ckpt["llm_model"], data.fingerprint)
    model, _ = self_encoder_from_checkpoint(ckpt)
    return ckpt, model.eval(), data


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


def load_weights(path: str, num_configs: int, hidden: int) -> torch.Tensor:
    if not Path(path).is_file():
        raise TomasError(f"{path}: exported weights not found (run `tomas export` first)")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    w = blob["weights"]
    if tuple(w.shape) != (num_configs, hidden):
        raise TomasError(f"{path}: weights have shape {list(w.shape)}, expected [{num_configs}, {hidden}]")
    return w


def save_assets(weights: torch.Tensor, data: ToolData, output_dir: Path, log=print) -> None:
    from safetensors.torch import save_file

    n, h = weights.shape
    log("\nSaving Assets:")
    save_torch({"weights": weights.contiguous(), "num_configs": n, "hidden_dim": h}, output_dir / WEIGHTS)
    atomic_write(output_dir / WEIGHTS_ST, lambda p: save_file({"weights": weights.contiguous()}, str(p),
                                                              metadata={"num_configs": str(n), "hidden_dim": str(h)}))
    log(f"  ✓ Saved weight matrix to {output_dir / WEIGHTS}\n    Shape: [{n}, {h}]")
    save_json({str(c.config_id): c.lookup_entry() for c in data.configs}, output_dir / LOOKUP)
    log(f"  ✓ Saved config lookup to {output_dir / LOOKUP}\n    Entries: {len(data.configs)}")
    save_json(data.tool_mask_map(), output_dir / MASK_MAP)
    log(f"  ✓ Saved tool mask map to {output_dir / MASK_MAP}\n    Tools: {len(data.tools)}")


def export(encoder_checkpoint: str, tool_registry: str, profiling_data: str, llm_model: str | None,
           output_dir: str, batch_size: int, device: str, log=print) -> torch.Tensor:
    from tomas.models.llm import resolve_device

    log(f"[1/4] Loading encoder checkpoint {encoder_checkpoint}...")
    log("[2/4] Loading and validating data...")
    _, model, data = load_checkpoint_for(encoder_checkpoint, tool_registry, profiling_data, llm_model)
    log(f"  ✓ {len(data.configs)} configurations, {len(data.tools)} tools")
    log("[3/4] Generating weight matrix...")
    weights = encode_all(model.encoder, data, batch_size, resolve_device(device))
    log(f"  ✓ Generated weight matrix: [{weights.shape[0]}, {weights.shape[1]}]")
    save_assets(weights, data, Path(output_dir), log)
    log("[4/4] Done.")
    return weights


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tomas export", description=__doc__.splitlines()[0])
    p.add_argument("--encoder_checkpoint", default="assets/pretrained_encoder.pt")
    p.add_argument("--tool_registry", default="data/tool_registry/tools.json")
    p.add_argument("--profiling_data", default="data/profiling/profiling.csv")
    p.add_argument("--llm_model", default=None, help="must match the checkpoint's LLM (default: the checkpoint's)")
    p.add_argument("--output_dir", default="assets")
    p.add_argument("--batch_size", type=int, default=64)
    p.add_argument("--device", default="auto")
    export(**vars(p.parse_args(sys.argv[1:] if argv is None else argv)))
    return 0
