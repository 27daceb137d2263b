"""Phase 0's files: the encoder checkpoint and the exported assets the planner reads.

- ``pretrained_encoder.pt`` (+ per-epoch copies): the encoder, Stream A's per-tool vectors, its
  format tag, LLM id and data fingerprint;
- ``config_weights.pt``: ``{"weights": float32 [num_configs, hidden], "num_configs", "hidden_dim"}``
  (+ ``config_weights.safetensors`` with the same matrix under ``weights``);
- ``config_lookup.json``: string config id -> resources (the spec's keys);
- ``tool_mask_map.json``: tool -> sorted config ids;
- ``readback_prompt.safetensors``: the shared prompt around a row (fixed text ids, soft prompt, soft suffix)
  with which the frozen LLM reads a row back (``row_alone`` metadata "true" when the row alone suffices).
"""

from __future__ import annotations

from pathlib import Path

import torch

from tomas.data import ToolData, load_tool_data
from tomas.errors import TomasError
from tomas.io import atomic_write, save_json, save_torch

WEIGHTS, WEIGHTS_ST, LOOKUP, MASK_MAP = ("config_weights.pt", "config_weights.safetensors", "config_lookup.json",
                                         "tool_mask_map.json")
READBACK_PROMPT = "readback_prompt.safetensors"
PROMPT_TENSORS = ("prompt_before", "soft_prompt", "soft_suffix", "prompt_after")


def read_checkpoint(path: str) -> dict:
    """An encoder checkpoint's contents (one-line error when it is missing or unreadable)."""
    if not Path(path).is_file():
        raise TomasError(f"{path}: encoder checkpoint not found (run `tomas pretrain` first)")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise TomasError(f"{path}: cannot read checkpoint ({e.__class__.__name__})") from None


def load_checkpoint_for(path: str, tool_registry: str, profiling_data: str, llm_model: str | None):
    """Load an encoder checkpoint and the data it must match; refuse mismatches."""
    from tomas.models.self_encoding import self_encoder_from_checkpoint

    ckpt = read_checkpoint(path)
    data = load_tool_data(tool_registry, profiling_data)
    tools = ckpt.get("config", {}).get("data", {}).get("tools")
    data = data.subset(tools) if tools else data
    check_compatible(ckpt, path, llm_model or ckpt["llm_model"], data.fingerprint)
    model, _ = self_encoder_from_checkpoint(ckpt)
    return ckpt, model.eval(), data


def load_weights(path: str, num_configs: int, hidden: int | None) -> torch.Tensor:
    """The exported [num_configs, hidden] rows (``hidden`` None: any width, e.g. rows a live config head
    scores from another model's hidden states)."""
    if not Path(path).is_file():
        raise TomasError(f"{path}: exported weights not found (run `tomas export` first)")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    w = blob["weights"]
    if w.ndim != 2 or w.shape[0] != num_configs or (hidden is not None and w.shape[1] != hidden):
        raise TomasError(f"{path}: weights have shape {list(w.shape)}, expected [{num_configs}, "
                         f"{'any' if hidden is None else hidden}]")
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


def save_readback_prompt(adapter, llm_model: str, row_alone: bool, path: Path, log=print) -> None:
    """The shared prompt around each row: with it and the LLM, a row reads back without the encoder."""
    from safetensors.torch import save_file

    tensors = {name: getattr(adapter, name).detach().cpu().contiguous() for name in PROMPT_TENSORS}
    meta = {"llm_model": llm_model, "row_alone": str(row_alone).lower()}
    atomic_write(path, lambda p: save_file(tensors, str(p), metadata=meta))
    how = "each row alone" if row_alone else "rows through the pre-training expander (not in the assets)"
    log(f"  ✓ Saved read-back prompt to {path}\n    Reads back: {how}")


def load_readback_prompt(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    from safetensors import safe_open

    if not Path(path).is_file():
        raise TomasError(f"{path}: read-back prompt not found (run `tomas export` first)")
    with safe_open(str(path), "pt") as f:
        missing = [n for n in PROMPT_TENSORS if n not in f.keys()]
        if missing:
            raise TomasError(f"{path}: not a read-back prompt (missing {missing[0]})")
        return {n: f.get_tensor(n) for n in PROMPT_TENSORS}, f.metadata() or {}


READBACK_REPORT = "eval_report.json"
"""``tomas evaluate``'s report (its plot beside it, .png): the greedy read-back of every exported row."""
BEST, STATE, METRICS, PLOT = "pretrained_encoder.pt", "train_state.pt", "pretrain_metrics.jsonl", "pretrain_curve.png"


def epoch_checkpoint_name(epoch: int) -> str:
    return f"encoder_checkpoint_epoch{epoch}.pt"


def check_compatible(ckpt: dict, path, llm_name: str, fingerprint: str | None) -> None:
    """Refuse a checkpoint trained for another LLM or on other data (one-line errors; ``fingerprint``
    None: any data, e.g. rows for a tool the encoder never saw)."""
    if ckpt.get("format") != "tomas.pretrained_encoder/1":
        raise TomasError(f"{path}: not a TOMAS encoder checkpoint")
    if ckpt["llm_model"] != llm_name:
        raise TomasError(f"{path}: trained for LLM {ckpt['llm_model']!r}, not {llm_name!r} (pass --llm_model "
                         f"{ckpt['llm_model']})")
    if fingerprint is not None and ckpt["data_fingerprint"] != fingerprint:
        raise TomasError(f"{path}: trained on other registry/profiling data (fingerprint "
                         f"{ckpt['data_fingerprint']} != {fingerprint}); re-train or pass the data it was trained on")
