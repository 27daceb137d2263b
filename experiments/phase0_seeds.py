"""Phase 0's shipped recipe from scratch on several tables and seeds: does every run reach 100% greedy read-back?

    python experiments/phase0_seeds.py OUT_DIR TABLE=REGISTRY,PROFILING ... [--seeds 0 1 2] [PRETRAIN FLAGS]

For each table and seed: `tomas pretrain` (configs/pretrain_encoder.yaml, that seed, resumable), `tomas export`,
`tomas evaluate` (greedy read-back of every exported row). One JSON line per run in OUT_DIR/results.jsonl; a run
already there is skipped, so the grid resumes where it stopped. Any other flag goes to `tomas pretrain` as written
(e.g. `--training.target_loss 0.02`, the default until session 13).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def tomas(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "tomas.cli", *args], check=True)


def run_cell(out: Path, registry: str, profiling: str, seed: int, flags: list[str]) -> dict:
    data = ["--tool_registry", registry, "--profiling_data", profiling]
    t0 = time.perf_counter()
    tomas("pretrain", "--config", "configs/pretrain_encoder.yaml", "--data.tool_registry", registry,
          "--data.profiling_data", profiling, "--training.seed", str(seed), "--training.resume", "auto",
          "--output_dir", str(out), *flags)
    train = time.perf_counter() - t0
    tomas("export", "--encoder_checkpoint", str(out / "pretrained_encoder.pt"), *data, "--output_dir", str(out))
    tomas("evaluate", "--encoder_checkpoint", str(out / "pretrained_encoder.pt"), "--weights",
          str(out / "config_weights.pt"), *data)
    report = json.loads((out / "eval_report.json").read_text())
    summary = [json.loads(line) for line in (out / "pretrain_metrics.jsonl").read_text().splitlines() if line]
    return {"exact_match": report["exact_match"], "wrong": round((1 - report["exact_match"]) * report["num_configs"]),
            "num_configs": report["num_configs"], "per_field": report["per_field"],
            "train_wall_s": report.get("train_wall_s"), "pretrain_command_s": round(train, 1),
            "last_record": summary[-1] if summary else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir")
    p.add_argument("tables", nargs="+", help="NAME=REGISTRY,PROFILING")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args, flags = p.parse_known_args(argv)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.jsonl"
    done = {(r["table"], r["seed"]) for r in map(json.loads, results.read_text().splitlines())} \
        if results.is_file() else set()
    for spec in args.tables:
        name, _, files = spec.partition("=")
        registry, profiling = files.split(",")
        for seed in args.seeds:
            if (name, seed) in done:
                continue
            cell = run_cell(out_dir / f"{name}_seed{seed}", registry, profiling, seed, flags)
            row = {"table": name, "seed": seed, **cell}
            with results.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(f"== {name} seed {seed}: {row['exact_match']:.2%} ({row['wrong']} wrong of {row['num_configs']})",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
