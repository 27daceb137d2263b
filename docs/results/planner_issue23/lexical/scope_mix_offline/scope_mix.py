"""Refusals by the nearest-neighbour score + beta x the lexical margin (dump_scope.py's files for seeds 0-2), the
threshold chosen as the planner's (the lowest from 0 refusing at most 1% of the in-scope requests of val and of dev).
Prints, per beta, the mean over seeds of each set's out-of-scope recall / in-scope refused (%).
Usage: python scope_mix.py DUMP_DIR (holding scope_seed{0,1,2}.json)"""
import json
import sys

import numpy as np

seeds = [json.load(open(f"{sys.argv[1]}/scope_seed{s}.json")) for s in range(3)]
BETAS = [0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2]


def score(r, beta):
    return r["scope"] + beta * r["lex_margin"]


def threshold(rows, beta, max_refused=0.01, boundary=0.0):
    inside = sorted((score(r, beta) for r in rows if r["gold"] is not None), reverse=True)
    allowed = int(max_refused * len(inside))
    return max(boundary, inside[allowed]) if len(inside) > allowed else boundary


def rates(rows, beta, t):
    out = [score(r, beta) > t for r in rows if r["gold"] is None]
    inside = [score(r, beta) > t for r in rows if r["gold"] is not None]
    return (np.mean(out) if out else float("nan")), np.mean(inside)


for beta in BETAS:
    per_seed = []
    for d in seeds:
        t = max(threshold(d["val"], beta), threshold(d["dev"], beta))
        per_seed.append({k: rates(d[k], beta, t) for k in d})
    print(beta, " ".join(f"{k}:{np.mean([p[k][0] for p in per_seed]) * 100:.1f}/"
                         f"{np.mean([p[k][1] for p in per_seed]) * 100:.1f}" for k in seeds[0]))
