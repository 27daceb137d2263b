"""The fourth writer's raw requests -> training_only_w4.yaml (this folder), dropped by script where they would blur
what a split holds out. From the repository root: `python docs/results/planner_issue23/near_miss/filter.py
docs/results/planner_issue23/near_miss/writer_raw.yaml` (the writer's file as written; what it printed:
filter_log.txt). Drops a request whose `needs` is a registered tool, one that names a validation or test language
or question (a held-out slot value), one equal (case and punctuation aside) to any bank request or planner task,
and one within 0.8 similarity (difflib) of a validation, test or hand-written request."""
import difflib
import json
import re
import sys
from pathlib import Path

import yaml

from tomas.data import load_tool_data
from tomas.data.planner.banks import load_bank
from tomas.data.planner.text import split_phrasings

HERE = Path(__file__).parent
norm = lambda s: " ".join(re.findall(r"[a-z0-9']+", s.lower()))  # noqa: E731

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
registered = {t.name for t in data.tools}
held = {v.lower() for tool in data.tools for split in ("val", "test")
        for _, values in split_phrasings(tool, split).extras for v in values}
banks = [r for name in ("out_of_scope.yaml",) for r, _ in load_bank(name)["requests"]]
banks += [r for name in ("training_only.yaml", "training_only_w3.yaml") for r, _ in load_bank(name)["out_of_scope"]]
tasks = lambda p: [json.loads(line)["task"] for line in Path(p).read_text().splitlines() if line.strip()]  # noqa: E731
evaluated = [t for p in ("data/planner/val.jsonl", "data/planner/test.jsonl", *map(str, Path("data").glob(
    "planner_*/requests.jsonl"))) for t in tasks(p)]
seen = {norm(t) for t in banks + evaluated + tasks("data/planner/train.jsonl")}

raw = yaml.safe_load(Path(sys.argv[1]).read_text())["out_of_scope"]
kept, dropped = [], []
for request, needs in raw:
    low = request.lower()
    why = ("needs a registered tool" if needs in registered else
           "names a held-out value" if any(re.search(rf"\b{re.escape(v)}\b", low) for v in held) else
           "already a request or task" if norm(request) in seen else
           next((f"near an evaluated request: {e!r}" for e in evaluated
                 if difflib.SequenceMatcher(None, low, e.lower()).quick_ratio() >= 0.8
                 and difflib.SequenceMatcher(None, low, e.lower()).ratio() >= 0.8), None))
    if why:
        dropped.append((request, why))
    else:
        kept.append([request, needs])
        seen.add(norm(request))  # a later copy of a kept request is dropped too
header = (Path(HERE / "header.txt").read_text() if (HERE / "header.txt").is_file() else "")
(HERE / "training_only_w4.yaml").write_text(header + yaml.safe_dump(
    {"templates": {}, "out_of_scope": kept}, allow_unicode=True, width=200, sort_keys=False))
print(f"{len(raw)} written, {len(kept)} kept, {len(dropped)} dropped", *(f"- {r!r}: {w}" for r, w in dropped), sep="\n")
