"""The generated validation split's in-scope requests planned with a wrong tool (or refused), counted over seeds 0-2
by (gold tool, chosen tool): python val_wrong_tools.py DIR [DIR ...] > val_wrong_tools.txt (validation only)."""
import collections
import json
import sys

from tomas import Planner

rows = [json.loads(line) for line in open("data/planner/val.jsonl")]
rows = [r for r in rows if r.get("tool")]
for folder in sys.argv[1:]:
    wrong = collections.Counter()
    for seed in range(3):
        planner = Planner.from_pretrained(f"{folder}/seed_{seed}", device="cpu")
        plans = planner.plan_batch([{k: r[k] for k in ("task", "free_resources", "latency_budget_ms")} for r in rows])
        wrong.update((r["tool"], p.tool) for r, p in zip(rows, plans) if p.tool != r["tool"])
    print(folder, sum(wrong.values()), wrong.most_common(8))
