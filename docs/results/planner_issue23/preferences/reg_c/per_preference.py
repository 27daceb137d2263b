"""Per preference, validation only: false reads among plain val + planner_dev requests (f), stated ones of the
validation views read right (v) and of the preference validation set (p), at each threshold of PREFERENCE_GRID,
for the shipped reader of seeds 0-2. python per_preference.py (repository root)."""
from tomas.data import load_tool_data
from tomas.data.planner import load_dev, load_planner_examples
from tomas.data.planner.preferences import preference_views
from tomas.models.lexical import PREFERENCE_GRID, LexicalPreference
from tomas.training.lexical import fit_preference_reader

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
train, val = (load_planner_examples(f"data/planner/{s}.jsonl", data) for s in ("train", "val"))
dev = load_dev("data/planner_dev/requests.jsonl", data, lambda *a: None)
dev2 = load_dev("data/planner_dev2/requests.jsonl", data, lambda *a: None)
pval = load_planner_examples("runs/prefdata/val.jsonl", data)
for seed in (0,1,2):
    r = fit_preference_reader(train, val + dev, seed, 0.01, log=lambda *a: None)
    views = preference_views([(e.task, e.preference) for e in val+dev], "val", seed)
    names, probs = LexicalPreference(r.lexical, 1.0).strongest([t for t,_,_ in views])
    plain = [(n,p) for n,p,(t,s,w) in zip(names,probs,views) if s is None and t==w]
    stated = [(n,p,s) for n,p,(t,s,w) in zip(names,probs,views) if s is not None]
    pn, pp = LexicalPreference(r.lexical, 1.0).strongest([e.task for e in pval])
    pst = [(n,p,e.preference) for n,p,e in zip(pn,pp,pval) if e.preference]
    print("seed",seed,"shipped above",r.above, "plain",len(plain))
    for name in ("fastest","spare_gpu","few_cores"):
        row=[]
        for a in PREFERENCE_GRID:
            f=sum(n==name and p>=a for n,p in plain)
            rr=sum(n==s and p>=a for n,p,s in stated if s==name)/max(1,sum(s==name for *_,s in stated))
            pr=sum(n==s and p>=a for n,p,s in pst if s==name)/max(1,sum(s==name for *_,s in pst))
            row.append(f"{a}:f{f}/v{rr:.2f}/p{pr:.2f}")
        print("  ",name," ".join(row))
