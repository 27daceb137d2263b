"""What a planner's text reader costs: training time, parameters, memory and plan latency, one planner folder each.

``python experiments/reader_cost.py --planners runs/i23/minilm/seed_0 runs/i23/smollm2/seed_0 --output F.json``

Each folder is measured in a fresh process (peak memory is the process's): load time, peak resident memory after
loading and planning, median latency of one request planned alone (``--requests`` of the test split, one at a time,
after a warm-up), and requests per second in batches of 32. Training time and trainable parameters come from the
folder (``planner.json``, the saved weights). Prints one line per planner and writes them all to ``--output``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tomas.io import save_json


def measure(folder: str, test_file: str, requests: int) -> dict:
    """This process's measurements of the planner in ``folder`` (run in a child process by ``main``)."""
    import torch
    from safetensors.torch import load_file

    from tomas.inference import load_planner

    torch.set_num_threads(2)
    t0 = time.perf_counter()
    planner = load_planner(folder, "cpu")
    load_s = time.perf_counter() - t0
    lines = [json.loads(line) for line in Path(test_file).read_text().splitlines()][:requests]
    batch = [{"task": r["task"], "free_resources": r["free_resources"], "latency_budget_ms": r["latency_budget_ms"]}
             for r in lines]
    planner.plan(batch[:2])  # warm-up
    single = []
    for r in batch:
        t = time.perf_counter()
        planner.plan([r])
        single.append(1000 * (time.perf_counter() - t))
    t = time.perf_counter()
    planner.plan(batch, batch_size=32)
    per_s = len(batch) / (time.perf_counter() - t)
    meta = planner.meta
    trained = sum(t.numel() for name in ("adapter_model.safetensors", "heads.safetensors")
                  for t in load_file(str(Path(folder) / name)).values())
    reader = sum(p.numel() for p in planner.model.lm.get_base_model().parameters())
    return {"planner": folder, "llm_model": meta["llm_model"], "reader_params_m": round(reader / 1e6, 1),
            "trained_params_m": round(trained / 1e6, 2), "train_wall_s": meta.get("train_wall_s"),
            "steps": meta["step"], "load_s": round(load_s, 1),
            "plan_ms_one_request": round(statistics.median(single), 1), "requests_per_s_batch32": round(per_s, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--planners", nargs="+", required=True)
    p.add_argument("--test_file", default="data/planner/test.jsonl")
    p.add_argument("--requests", type=int, default=64)
    p.add_argument("--output", required=True)
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    if args.child:  # one planner, in its own process
        print(json.dumps(measure(args.child, args.test_file, args.requests)))
        return 0
    rows = []
    for folder in args.planners:
        child = ["--planners", folder, "--output", args.output, "--child", folder, "--test_file", args.test_file,
                 "--requests", str(args.requests)]
        out = subprocess.run([sys.executable, __file__, *child], check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print(" · ".join(f"{k} {v}" for k, v in rows[-1].items()), flush=True)
    save_json({"rows": rows, "test_file": args.test_file, "requests": args.requests}, Path(args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
