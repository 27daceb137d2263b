# ruff: noqa
# The session-11 scratch script as it was run (a record; experiments/scope_scores.py is the maintained version).
import json, sys, statistics as st
import torch

VALS, TESTS = ("val", "dev", "dev2"), ("test", "hand", "hand2")

def fit(train, lab, shrink):
    inn = lab >= 0
    x, y = train[inn], lab[inn]
    mus = torch.stack([x[y == k].mean(0) for k in range(int(y.max()) + 1)])
    centred = x - mus[y]
    cov = centred.T @ centred / len(x)
    cov = (1 - shrink) * cov + shrink * cov.trace() / cov.shape[0] * torch.eye(cov.shape[0], dtype=cov.dtype)
    prec = torch.linalg.inv(cov)
    mu0 = x.mean(0); c0 = (x - mu0).T @ (x - mu0) / len(x)
    c0 = (1 - shrink) * c0 + shrink * c0.trace() / c0.shape[0] * torch.eye(c0.shape[0], dtype=c0.dtype)
    prec0 = torch.linalg.inv(c0)
    oos = train[~inn]
    return mus, prec, mu0, prec0, oos

def maha(x, mus, prec):
    d = x[:, None, :] - mus[None]
    return torch.einsum("bkh,hg,bkg->bk", d, prec, d).min(1).values

def scores(s, model):
    mus, prec, mu0, prec0, oos = model
    m = maha(s["x"], mus, prec)
    bg = maha(s["x"], mu0[None], prec0)
    return {"head": s["head"], "maha": m, "relmaha": m - bg}

def threshold(sets, key, max_refused=0.01):
    ts = []
    for s in sets:
        inside = sorted(s[key][s["inscope"]].tolist(), reverse=True)
        allowed = int(max_refused * len(inside))
        ts.append(inside[allowed])
    return max(ts)

def metrics(s, key, t):
    ref = s[key] > t
    inn = s["inscope"]
    return {"recall": ref[~inn].double().mean().item() if (~inn).any() else None,
            "refused": ref[inn].double().mean().item(), "n_oos": int((~inn).sum())}

def run(prefix, shrink, show_tests):
    tr = torch.load(prefix + ".train.pt")
    model = fit(tr["train"], tr["train_tool"], shrink)
    sets = {n: torch.load(f"{prefix}.{n}.pt") for n in VALS + TESTS}
    for s in sets.values():
        s.update(scores(s, model))
    # z-combination: standardise each score by in-scope val mean/std
    for key in ("maha", "relmaha"):
        v = sets["val"]
        for k2 in ("head",):
            mu_a, sd_a = v[key][v["inscope"]].mean(), v[key][v["inscope"]].std()
            mu_b, sd_b = v[k2][v["inscope"]].mean(), v[k2][v["inscope"]].std()
            for s in sets.values():
                s[f"{k2}+{key}"] = ((s[key] - mu_a) / sd_a + (s[k2] - mu_b) / sd_b) / 2
    out = {}
    for key in ("head", "maha", "relmaha", "head+maha", "head+relmaha"):
        t = threshold([sets["val"], sets["dev"]], key)
        t = max(0.5, t) if key == "head" else t
        out[key] = {n: metrics(sets[n], key, t) for n in (VALS + TESTS if show_tests else VALS)}
    return out

if __name__ == "__main__":
    shrink, show = float(sys.argv[1]), sys.argv[2] == "tests"
    allr = {s: run(f"/work/scratch/s11/maha/s{s}", shrink, show) for s in (0, 1, 2)}
    keys = allr[0].keys()
    summary = {}
    for key in keys:
        row = {}
        for n in allr[0][key]:
            rec = [allr[s][key][n]["recall"] for s in allr]
            ref = [allr[s][key][n]["refused"] for s in allr]
            row[n] = {"recall": None if rec[0] is None else (round(100*st.mean(rec),1), round(100*st.stdev(rec),1)),
                      "refused": (round(100*st.mean(ref),2), round(100*st.stdev(ref),2))}
        summary[key] = row
        print(key, json.dumps(row))
    json.dump({"shrink": shrink, "per_seed": allr, "summary": summary}, open(f"/work/scratch/s11/maha/score_{shrink}_{sys.argv[2]}.json", "w"), indent=1)
