"""A writer's raw file -> a package bank (the fifth writer's: banks/training_only_w5.yaml, shipped since session 21),
dropped by script where an entry would blur what a split holds out. From the repository root: `python
docs/results/planner_issue23/short_requests/filter.py docs/results/planner_issue23/short_requests/writer_raw.yaml`
(the writer's file as written; what it printed: filter_log.txt); a later writer's with `--bank NAME --header FILE
--before BANK...` (the scope-only banks of the training split it joins; the sixth writer's: sixth_writer/run.sh).
Drops an in-scope request for an unregistered tool, one in which the size reader finds a size or that holds one of
its tool's size cues (any split's), an out-of-scope request whose `needs` is a registered tool; and either kind
when it names a validation or test language or question (a held-out slot value), is equal (case and punctuation
aside) to a bank request or planner task, or is within 0.8 similarity (difflib) of a validation, test or
hand-written request; with --everyday_only, an out-of-scope request that names the tool it needs (a near miss; session
27's second candidate, seventh_writer/run_everyday.sh)."""
import argparse
import difflib
import json
import re
from pathlib import Path

import yaml

from tomas.data import load_tool_data
from tomas.data.planner import generate_planner
from tomas.data.planner.banks import load_bank
from tomas.data.planner.text import size_cues, split_phrasings
from tomas.data.size_reader import read_quantities

HERE = Path(__file__).parent
parser = argparse.ArgumentParser()
parser.add_argument("raw", type=Path, help="the writer's file as written")
parser.add_argument("--bank", default="training_only_w5.yaml", help="the package bank it writes")
parser.add_argument("--header", type=Path, default=HERE / "header.txt", help="the bank's comment header")
parser.add_argument("--before", nargs="+", default=["training_only_w3.yaml"],
                    help="the scope-only banks of the training split the requests join")
parser.add_argument("--everyday_only", action="store_true",
                    help="out of scope, keep only what no ML tool would serve (needs ''), not the near misses")
args = parser.parse_args()
norm = lambda s: " ".join(re.findall(r"[a-z0-9']+", s.lower()))

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
tools = {t.name: t for t in data.tools}
held = {v.lower() for tool in data.tools for split in ("val", "test")
        for _, values in split_phrasings(tool, split).extras for v in values}
cues = {name: {c.lower() for split in ("all", "train") for cs in (size_cues(t) if split == "all" else
                                                                 split_phrasings(t, "train").cues).values()
               for c in cs} for name, t in tools.items()}
banks = [r for r, _ in load_bank("out_of_scope.yaml")["requests"]]
banks += [r for name in ("training_only.yaml", *args.before) for r, _ in load_bank(name)["out_of_scope"]]
tasks = lambda p: [json.loads(line)["task"] for line in Path(p).read_text().splitlines() if line.strip()]
evaluated = [t for p in ("data/planner/val.jsonl", "data/planner/test.jsonl", *map(str, Path("data").glob(
    "planner_*/requests.jsonl"))) for t in tasks(p)]
# The training split as the writer's requests found it (before they joined it), so the script reruns after adoption.
before = [e.task for e in generate_planner(data, scope_only_files=tuple(args.before))["train"]]
seen = {norm(t) for t in banks + evaluated + before}


def why_dropped(request: str, tool: str | None, needs: str | None) -> str | None:
    low = request.lower()
    if tool is not None and tool not in tools:
        return "an unregistered tool"
    if tool is not None and read_quantities(request):
        return "the size reader reads a size"
    if tool is not None and any(re.search(rf"\b{re.escape(c)}\b", low) for c in cues[tool]):
        return "holds a size cue"
    if needs in tools:
        return "needs a registered tool"
    if needs and args.everyday_only:
        return "a near miss (--everyday_only)"
    if any(re.search(rf"\b{re.escape(v)}\b", low) for v in held):
        return "names a held-out value"
    if norm(request) in seen:
        return "already a request or task"
    return next((f"near an evaluated request: {e!r}" for e in evaluated
                 if difflib.SequenceMatcher(None, low, e.lower()).quick_ratio() >= 0.8
                 and difflib.SequenceMatcher(None, low, e.lower()).ratio() >= 0.8), None)


raw = yaml.safe_load(args.raw.read_text())
entries = [(r, tool, None) for tool, rs in raw["templates"].items() for r in rs]
entries += [(r, None, needs) for r, needs in raw["out_of_scope"]]
kept = {"in_scope": [], "out_of_scope": []}
dropped = []
for request, tool, needs in entries:
    why = why_dropped(request, tool, needs)
    if why:
        dropped.append((request, why))
        continue
    kept["in_scope" if tool else "out_of_scope"].append([request, tool or needs])
    seen.add(norm(request))  # a later copy of a kept request is dropped too
header = args.header.read_text() if args.header.is_file() else ""
Path("src/tomas/data/planner/banks", args.bank).write_text(header + yaml.safe_dump(
    {"templates": {}, **kept}, allow_unicode=True, width=200, sort_keys=False))
print(f"{len(entries)} written, {len(kept['in_scope'])} in scope and {len(kept['out_of_scope'])} out of scope kept, "
      f"{len(dropped)} dropped", *(f"- {r!r}: {w}" for r, w in dropped), sep="\n")
