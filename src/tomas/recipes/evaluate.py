"""Exact-match evaluation: can the frozen LLM read every configuration back from its vector?

- ``teacher_forced_exact_match``: one forward pass per batch; a sample counts when the
  argmax is right at every description position, which is exactly the condition for
  greedy decoding to reproduce it (used during training: cheap).
- ``greedy_exact_match``: real batched greedy generation with a KV cache from the
  exported rows (``tomas evaluate``), parsed back per field.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from tomas.artifacts.assets import READBACK_PROMPT, READBACK_REPORT
from tomas.config import parse_config
from tomas.config.commands import EvaluateArgs
from tomas.data import ToolData
from tomas.data.pretrain_dataset import make_samples
from tomas.eval.readback import RowAlone, greedy_generate, nearest_neighbour_check, score
from tomas.plots import png_figure


def plot_report(report: dict, path: Path) -> None:
    fields = list(report["per_field"])
    with png_figure(path, (8, 4)) as (fig, ax):
        ax.bar(["EXACT", *fields], [100 * report["exact_match"], *(100 * report["per_field"][f] for f in fields)],
               color=["tab:green"] + ["tab:blue"] * len(fields))
        ax.set_ylim(0, 105)
        ax.set_ylabel("accuracy (%)")
        ax.set_title(f"Greedy read-back of {report['num_configs']} configurations")
        ax.tick_params(axis="x", labelrotation=30)
        fig.tight_layout()


def evaluate(encoder_checkpoint: str, weights: str, tool_registry: str, profiling_data: str, llm_model: str | None,
             device: str, batch_size: int, output: str | None, row_alone: bool = False, limit: int = 0,
             token_by_token: bool = False) -> dict:
    """``row_alone``: each row as one input vector, no expander (``RowAlone``); ``limit``: a seeded
    sample of that many configurations instead of all; ``token_by_token``: decode every row step by step
    instead of checking its expected description in one pass first (the same texts, slower)."""
    from tomas.artifacts.assets import load_checkpoint_for, load_weights
    from tomas.io import save_json
    from tomas.models.llm import load_llm, resolve_device

    ckpt, model, data = load_checkpoint_for(encoder_checkpoint, tool_registry, profiling_data, llm_model)
    rows = load_weights(weights, len(data.configs), model.encoder.hidden_size)
    if 0 < limit < len(data.configs):
        ids = sorted(torch.randperm(len(data.configs), generator=torch.Generator().manual_seed(0))[:limit].tolist())
        rows, data = rows[ids], ToolData(data.tools, [data.configs[i] for i in ids], data.fingerprint)
    dev = resolve_device(device)
    llm = load_llm(ckpt["llm_model"], dev, seed=ckpt["config"]["training"]["seed"])
    model.to(dev).eval()
    expected = [s.target_ids for s in make_samples(data.configs, data.tool_names, llm.tokenizer)]
    max_len = max(map(len, expected)) + 4
    t0 = time.perf_counter()
    row_mode = ckpt["config"]["model"]["prefix"].get("slot_mode") == "row"  # the row alone IS the recipe
    row_alone, reader = row_alone or row_mode, model.adapter
    if row_alone:  # from the exported prompt when there is one: the assets alone must suffice
        prompt = Path(weights).parent / READBACK_PROMPT
        reader = (RowAlone.from_assets(prompt) if prompt.is_file() else RowAlone.from_adapter(model.adapter)).to(dev)
    texts = greedy_generate(reader, rows, llm, max_len, batch_size, drafts=None if token_by_token else expected)
    report = score(texts, data)
    report.update(row_alone=row_alone, decoding="greedy" + ("" if token_by_token else ", drafts verified"),
                  train_wall_s=ckpt.get("train_wall_s"),
                  eval_wall_s=round(time.perf_counter() - t0, 2),
                  nearest_neighbour=nearest_neighbour_check(model.encoder, rows, data),
                  checkpoint=str(encoder_checkpoint), epoch=ckpt.get("epoch"), llm_model=ckpt["llm_model"])
    default = READBACK_REPORT.replace(".json", "_row_alone.json") if row_alone and not row_mode else READBACK_REPORT
    out = Path(output or Path(weights).parent / default)
    save_json(report, out)
    plot_report(report, out.with_suffix(".png"))
    return report | {"path": str(out)}


def main(argv: list[str] | None = None) -> int:
    args, _ = parse_config(EvaluateArgs, sys.argv[1:] if argv is None else argv, prog="tomas evaluate")
    r = evaluate(**vars(args))
    print(f"Exact match: {r['exact_match']:.2%} of {r['num_configs']} configurations "
          f"(nearest-neighbour self-match {r['nearest_neighbour']:.2%})")
    print("Per field: " + ", ".join(f"{k} {v:.1%}" for k, v in r["per_field"].items()))
    for ex in r["worst_examples"][:3]:
        print(f"  ✗ #{ex['config_id']}: {ex['generated']!r}")
    print(f"  ✓ Report: {r['path']}")
    return 0
