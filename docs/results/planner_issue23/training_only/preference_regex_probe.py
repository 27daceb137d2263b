"""Could a regex reader read preferences in words? preference_regex_probe.yaml: a helper session's patterns for the
three preferences, written from their meaning alone (it read nothing of the project), tuned on its own examples,
then scored on fresh examples it wrote afterwards without changing a pattern. A request is read as the one
preference whose patterns match it (none when no or several match). Writes preference_regex_probe.json."""
import json
import re
from pathlib import Path

import yaml

HERE = Path(__file__).parent
bank = yaml.safe_load((HERE / "preference_regex_probe.yaml").read_text())
patterns = {p: [re.compile(x, re.IGNORECASE) for x in bank[p]["patterns"]]
            for p in ("fastest", "spare_gpu", "few_cores")}


def read(request: str) -> str:
    hits = [p for p, ps in patterns.items() if any(x.search(request) for x in ps)]
    return hits[0] if len(hits) == 1 else "none"


def rates(examples: dict) -> dict:
    return {p: {"right": sum(read(e) == p for e in ex), "of": len(ex)} for p, ex in examples.items()}


out = {"tuned_on": rates({p: bank[p]["examples"] for p in (*patterns, "none")}),
       "fresh": rates(bank["holdout_examples"])}
(HERE / "preference_regex_probe.json").write_text(json.dumps(out, indent=1) + "\n")
print(json.dumps(out))
