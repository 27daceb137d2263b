"""Reader-only probe on validation: per seed, the preference reader fitted as training fits it (the training file,
val + planner_dev, the seed, the 1% cap), its threshold, the share of the preference validation set's stated
preferences read right, and the plain in-scope requests of val, planner_dev and planner_dev2 read as stating one.
python probe.py OUT.json [--with_added]: --with_added adds lookalike_added.yaml's share of each split to the bank's
look-alikes (split on keys of their own: appended to the bank's lists, they would re-split the shipped ones too).
Needs runs/prefdata/val.jsonl (tomas data generate-planner --preference_share 0.3, as preferences/run.sh)."""
import json
import sys
from pathlib import Path

import yaml

import tomas.data.planner.preferences as prefs
from tomas.training.lexical import fit_preference_reader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reader_probe import load_sets, score_reader  # noqa: E402  (this folder's shared probe)

if "--with_added" in sys.argv:  # split on keys of their own, so the shipped look-alikes keep their split
    added = yaml.safe_load(open(Path(__file__).parent / "lookalike_added.yaml"))
    shipped_wordings = prefs.wordings

    def wordings(name, split):
        sentences, tails = shipped_wordings(name, split)
        if name is not None:
            return sentences, tails
        return (sentences + prefs.split_share(tuple(added["sentences"]), "preference/lookalike_added", split),
                tails + prefs.split_share(tuple(added["tails"]), "preference/lookalike_added_tail", split))

    prefs.wordings = wordings
train, val, dev, dev2, pval = load_sets()
out = {}
for seed in (0, 1, 2):
    reader = fit_preference_reader(train, val + dev, seed, 0.01, log=lambda *a: None)
    row = score_reader(reader, {"val": val, "dev": dev, "dev2": dev2}, pval)
    out[seed] = row
    print(seed, row, flush=True)
Path(sys.argv[1]).write_text(json.dumps(out, indent=1) + "\n")
