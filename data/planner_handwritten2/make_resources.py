#!/usr/bin/env python3
"""(Re)assign free_resources and latency_budget_ms in requests.jsonl.

Deterministic: random.Random("hw2-issue22") draws one machine per request,
in file order, from the fixed PALETTE below. latency_budget_ms is set to
null on every request. The file is rewritten in place with the same key
order. Standard library only. Usage: python3 make_resources.py [REQUESTS.jsonl SEED]
(the hand-written validation sets: data/planner_dev/requests.jsonl dev-issue22,
data/planner_dev2/requests.jsonl dev2-issue23).
"""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "requests.jsonl")

# (cpu_cores, memory_gb, gpu_sm, gpu_memory_gb); 17 GPU machines + 3 CPU-only.
PALETTE = [
    (2, 4, 20, 2),
    (2, 8, 20, 4),
    (4, 8, 20, 4),
    (4, 8, 50, 4),
    (4, 16, 50, 8),
    (8, 16, 50, 8),
    (8, 16, 80, 8),
    (8, 32, 80, 16),
    (12, 32, 46, 12),
    (16, 32, 68, 10),
    (16, 64, 82, 24),
    (16, 64, 108, 40),
    (24, 96, 84, 24),
    (32, 128, 108, 80),
    (32, 128, 132, 80),
    (48, 192, 128, 48),
    (64, 256, 132, 80),
    (4, 16, 0, 0),    # CPU-only
    (16, 64, 0, 0),   # CPU-only
    (64, 256, 0, 0),  # CPU-only
]

KEYS = ["id", "task", "free_resources", "latency_budget_ms", "tool",
        "input_size", "size_stated", "category"]


def main(path=PATH, seed="hw2-issue22"):
    rng = random.Random(seed)
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    out = []
    for row in rows:
        cpu, mem, sm, gmem = rng.choice(PALETTE)
        row["free_resources"] = {"cpu_cores": cpu, "memory_gb": mem,
                                 "gpu_sm": sm, "gpu_memory_gb": gmem}
        row["latency_budget_ms"] = None
        ordered = {k: row[k] for k in KEYS}
        ordered.update({k: v for k, v in row.items() if k not in ordered})
        out.append(json.dumps(ordered, ensure_ascii=False))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {len(out)} requests to {path}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
