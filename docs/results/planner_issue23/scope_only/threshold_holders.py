"""python docs/results/planner_issue23/scope_only/threshold_holders.py > threshold_holders.json (after run.sh).
Per seed of the shipped planners: the in-scope requests of the two hand-written validation sets with the highest
scope-head probability (what holds the refusal threshold up), and the out-of-scope ones with the lowest."""
import json

from tomas.inference import load_planner
from tomas.models.planner import predict_requests

out = {}
for seed in (0, 1, 2):
    p = load_planner(f"runs/scope_only/w3s/seed_{seed}", "cpu")
    rows = []
    for f in ("data/planner_dev/requests.jsonl", "data/planner_dev2/requests.jsonl"):
        for line in open(f):
            r = json.loads(line)
            rows.append((f.split("/")[1], r["task"], r["tool"], r["free_resources"], r.get("latency_budget_ms")))
    choices = predict_requests(p.model, p.tokenizer, [(t, fr, b) for _, t, _, fr, b in rows], p.device)
    scored = [(c.out_of_scope_prob, s, t, tool) for (s, t, tool, _, _), c in zip(rows, choices)]
    inside = sorted([x for x in scored if x[3] is not None], reverse=True)[:8]
    outside = sorted([x for x in scored if x[3] is None])[:8]
    out[seed] = {"threshold": p.model.decoder.out_of_scope_above,
                 "in_scope_highest": [(round(a, 4), s, t[:110], tool) for a, s, t, tool in inside],
                 "out_of_scope_lowest": [(round(a, 4), s, t[:110]) for a, s, t, _ in outside]}
print(json.dumps(out, indent=1, ensure_ascii=False))
