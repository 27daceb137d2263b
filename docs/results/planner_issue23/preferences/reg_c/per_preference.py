"""Per preference, validation only, for the shipped reader fitted as training fits it (training file, val + planner_dev,
seeds 0-2, the 1% cap): at each threshold of PREFERENCE_GRID, the plain in-scope requests of val + planner_dev +
planner_dev2 read as stating it (f), and the share of the stated ones read right among the validation views of val +
planner_dev (v) and in the preference validation set (p).
python docs/results/planner_issue23/preferences/reg_c/per_preference.py (repository root; needs
runs/prefdata/val.jsonl, made as preferences/run.sh makes it)."""
import sys
from pathlib import Path

from tomas.data.planner.preferences import PREFERENCE_NAMES, preference_views
from tomas.models.lexical import PREFERENCE_GRID, LexicalPreference
from tomas.training.lexical import fit_preference_reader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reader_probe import load_sets  # noqa: E402  (this folder's shared probe)

train, val, dev, dev2, pval = load_sets()
plain_requests = [e.task for e in val + dev + dev2 if e.tool and not e.preference]
for seed in (0, 1, 2):
    reader = fit_preference_reader(train, val + dev, seed, 0.01, log=lambda *a: None)
    strongest = LexicalPreference(reader.lexical, 1.0).strongest
    plain = list(zip(*strongest(plain_requests)))
    views = [(t, s) for t, s, _ in preference_views([(e.task, e.preference) for e in val + dev], "val", seed)
             if s is not None]
    stated_views = [(n, p, s) for (n, p), (_, s) in zip(zip(*strongest([t for t, _ in views])), views)]
    stated_pval = [(n, p, e.preference) for n, p, e in zip(*strongest([e.task for e in pval]), pval) if e.preference]
    print(f"seed {seed}: shipped threshold {reader.above}; {len(plain)} plain in-scope requests")
    for name in PREFERENCE_NAMES:
        cells = []
        for above in PREFERENCE_GRID:
            false = sum(n == name and p >= above for n, p in plain)
            right = [sum(n == s and p >= above for n, p, s in st if s == name) / max(1, sum(s == name for *_, s in st))
                     for st in (stated_views, stated_pval)]
            cells.append(f"{above}:f{false}/v{right[0]:.2f}/p{right[1]:.2f}")
        print(f"   {name:9s} " + " ".join(cells))
