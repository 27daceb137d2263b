"""The plain in-scope requests of the validation sets (val, planner_dev, planner_dev2) that the shipped planners'
preference readers (runs/pref_cap1/seed_{0,1,2}, docs/planner.md "Preferences read from the words") read as stating
a preference, with the preference and its probability. Validation only.
python docs/results/planner_issue23/preferences/reg_c/false_reads.py (repository root)."""
import json

from tomas.artifacts.planner import PREFERENCE_LEXICAL_FILES, load_lexical, read_meta
from tomas.models.lexical import LexicalPreference

SETS = ("data/planner/val.jsonl", "data/planner_dev/requests.jsonl", "data/planner_dev2/requests.jsonl")
for seed in (0, 1, 2):
    folder = f"runs/pref_cap1/seed_{seed}"
    reader = LexicalPreference(load_lexical(folder, PREFERENCE_LEXICAL_FILES), read_meta(folder).preference_above)
    for path in SETS:
        plain = [r for r in map(json.loads, open(path)) if r.get("tool") and not r.get("preference")]
        reads = reader.read([r["task"] for r in plain])
        false = [(r["task"], x) for r, x in zip(plain, reads) if x["preference"]]
        print(f"seed {seed} (threshold {reader.above}) {path}: {len(false)} of {len(plain)}")
        for task, x in false:
            print(f"    {x['preference']} {x['preference_prob']:.2f}  {task}")
