# ruff: noqa
# The session-11 scratch script as it was run (a record; experiments/scope_scores.py is the maintained version).
import json, statistics as st, sys
import torch
sys.path.insert(0, ".")
from score import fit, maha, threshold, metrics, VALS, TESTS

def knn(x, bank, k):
    a = torch.nn.functional.normalize(x, dim=-1); b = torch.nn.functional.normalize(bank, dim=-1)
    sim = a @ b.T
    return -sim.topk(k, dim=1).values[:, -1]   # higher = farther

def run(prefix, show):
    tr = torch.load(prefix + ".train.pt")
    inn = tr["train_tool"] >= 0
    model = fit(tr["train"], tr["train_tool"], 0.0)
    sets = {n: torch.load(f"{prefix}.{n}.pt") for n in VALS + TESTS}
    for s in sets.values():
        s["logit"] = torch.logit(s["head"].clamp(1e-12, 1 - 1e-12))
        s["maha"] = maha(s["x"], model[0], model[1])
        for k in (1, 10):
            s[f"knn{k}"] = knn(s["x"], tr["train"][inn], k)
        # distance to nearest OOS train vs nearest in-scope
        for k in (1, 3, 5, 10):
            s[f"ratio{k}"] = knn(s["x"], tr["train"][inn], k) - knn(s["x"], tr["train"][~inn], k)
    v = sets["val"]
    def z(key):
        mu, sd = v[key][v["inscope"]].mean(), v[key][v["inscope"]].std()
        return lambda s: (s[key] - mu) / sd
    combos = {"logit+maha": ("logit", "maha"), "head+knn1": ("head", "knn1"), "head+knn10": ("head", "knn10"),
              "logit+knn10": ("logit", "knn10"), "head+ratio1": ("head", "ratio1"), "logit+ratio1": ("logit", "ratio1"), "logit+ratio5": ("logit", "ratio5")}
    for name, (a, b) in combos.items():
        za, zb = z(a), z(b)
        for s in sets.values():
            s[name] = (za(s) + zb(s)) / 2
    out = {}
    for key in ("logit", "ratio1", "ratio3", "ratio5", "ratio10", *combos):
        t = threshold([sets["val"], sets["dev"]], key)
        out[key] = {n: metrics(sets[n], key, t) for n in (VALS + TESTS if show else VALS)}
    return out

show = sys.argv[1] == "tests"
allr = {s: run(f"s{s}", show) for s in (0, 1, 2)}
for key in allr[0]:
    row = {}
    for n in allr[0][key]:
        rec = [allr[s][key][n]["recall"] for s in allr]; ref = [allr[s][key][n]["refused"] for s in allr]
        row[n] = (None if rec[0] is None else round(100*st.mean(rec),1), None if rec[0] is None else round(100*st.stdev(rec),1), round(100*st.mean(ref),2))
    mean_val = st.mean(row[n][0] for n in VALS)
    print(f"{key:16s} meanval {mean_val:5.1f}", json.dumps(row))
