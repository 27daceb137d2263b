"""Each seed's refusal threshold and weights as chosen at training (``planner.json``), for the runs named:
``python docs/results/planner_issue23/short_requests/thresholds.py RUN [RUN ...] > thresholds.json``."""
import json
import sys
from pathlib import Path

KEYS = ("out_of_scope_above", "scope_alone_above", "scope_lexical_weight", "lexical_weight", "size_lexical_weight",
        "preference_above")
print(json.dumps({run: [{k: json.loads((Path(run) / f"seed_{s}/planner.json").read_text()).get(k) for k in KEYS}
                        for s in range(3)] for run in sys.argv[1:]}, indent=1))
