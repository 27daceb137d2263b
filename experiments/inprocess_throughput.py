"""Plans per second of a planner in process (no HTTP, no JSON): the ceiling a server in front of it can reach.

    cd <a make run folder> && python experiments/inprocess_throughput.py full|compiled
(the first 640 requests of assets/planner_data/test.jsonl, batches of 8, 16 and 32, after one warm-up batch)
"""
import json
import sys
import time

from tomas.inference import load_planner
from tomas.requests import parse_request

compiled = sys.argv[1] == "compiled"
p = load_planner("assets/planner", "cpu", compiled=compiled)
lines = [json.loads(line) for line in open("assets/planner_data/test.jsonl")][:640]
reqs = [parse_request({"task": e["task"], "free_resources": e["free_resources"],
                       "latency_budget_ms": e.get("latency_budget_ms")}, "x") for e in lines]
for bs in (8, 16, 32):
    p.plan(reqs[:bs], batch_size=bs)
    t0 = time.perf_counter()
    for i in range(0, len(reqs), bs):
        p.plan(reqs[i:i+bs], batch_size=bs)
    print(f"{sys.argv[1]} batch {bs}: {len(reqs)/(time.perf_counter()-t0):.1f} req/s", flush=True)
