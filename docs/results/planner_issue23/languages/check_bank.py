"""The shipped training-only banks' test rules applied to training_only_languages.yaml (it is not a shipped bank, so
the test does not read it): each template fills its tool's slots, holds {input} once, states no size of its own
(no quantity, no cue), is none of the bank's templates and names no held-out language. python check_bank.py [BANK]
(default: this folder's; session 17's second try passes ../language_named/training_only_languages.yaml)."""
import re
import sys
from pathlib import Path

import yaml

from tomas.data import load_tool_data
from tomas.data.planner.phrases import PHRASE_BANK
from tomas.data.planner.text import phrasings, size_cues, split_phrasings
from tomas.data.size_reader import read_quantities

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
bank = {t.lower() for p in PHRASE_BANK.values() for t in p.templates}
held = {v.lower() for tool in data.tools for split in ("val", "test")
        for _, values in split_phrasings(tool, split).extras for v in values}
slots = lambda t: {s.lower() for s in re.findall(r"\{(\w+)\}", t)}  # noqa: E731
path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "training_only_languages.yaml"
templates = yaml.safe_load(path.read_text())["templates"]
problems = []
for name, extra in templates.items():
    tool = data.tools[data.tool_id(name)]
    own = phrasings(tool).templates
    required, allowed = set.intersection(*map(slots, own)), set.union(*map(slots, own))
    cues = [c.lower() for cs in (*size_cues(tool).values(), *split_phrasings(tool, "train").cues.values()) for c in cs]
    for t in extra:
        blank = re.sub(r"\{\w+\}", "it", t).lower()
        if not required <= slots(t) <= allowed or t.count("{input}") != 1:
            problems.append(("slots", t))
        if read_quantities(blank) or any(c in blank for c in cues):
            problems.append(("states a size", t))
        if t.lower() in bank or any(re.search(rf"\b{re.escape(v)}\b", t.lower()) for v in held):
            problems.append(("bank template or held-out language", t))
print(f"{sum(map(len, templates.values()))} templates, {len(problems)} problems", *problems, sep="\n")
raise SystemExit(1 if problems else 0)
