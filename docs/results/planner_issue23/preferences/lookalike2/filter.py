"""written.yaml (the helper's wordings) -> lookalike_added.yaml: drops a wording that shares four words in a row with
a hand-written or planner_dev* request (the project's independence rule, applied to validation too) or is already
a look-alike. Run from the repository root: python docs/results/planner_issue23/preferences/lookalike2/filter.py"""
import glob
import json
import re
from pathlib import Path

import yaml

HERE = Path(__file__).parent


def grams(*texts):
    words = [re.findall(r"[a-z']+", t.lower()) for t in texts]
    return {tuple(w[i:i + 4]) for w in words for i in range(len(w) - 3)}


tasks = [json.loads(line)["task"] for p in glob.glob("data/planner_handwritten*/*.jsonl") + glob.glob(
    "data/planner_dev*/*.jsonl") for line in open(p) if line.strip()]
held = grams(*tasks)
new = yaml.safe_load(open(HERE / "written.yaml"))
bank = yaml.safe_load(open("src/tomas/data/planner/banks/preferences.yaml"))
old = set(bank["lookalike"]["sentences"]) | set(bank["lookalike"]["tails"])
for key in ("sentences", "tails"):
    keep = [w for w in new[key] if not grams(w) & held and w not in old]
    print(key, len(new[key]), "kept", len(keep))
    new[key] = keep
yaml.safe_dump(new, open(HERE / "lookalike_added.yaml", "w"), allow_unicode=True, width=200, sort_keys=False)
