"""A tool added after training (`tomas add-tool`) against the nearest-neighbour refusals: of hand-written requests
for it (requests.txt) and for other audio capabilities no tool serves (siblings.txt), how many are refused, and
which tool the rest get. python measure.py PLANNER_DIR OUT.json  (run.sh makes the two planners measured)"""
import json
import sys
from pathlib import Path

from tomas.inference import load_planner

HERE = Path(__file__).parent
FREE = {"cpu_cores": 8, "memory_gb": 32, "gpu_sm": 80, "gpu_memory_gb": 16}

planner = load_planner(sys.argv[1], "cpu")
result = {"planner_dir": sys.argv[1], "new_tool": planner.table.tool_names[-1]}
for kind in ("requests", "siblings"):
    tasks = [t.strip() for t in (HERE / f"{kind}.txt").read_text().splitlines() if t.strip()]
    tools = [p.tool for p in planner.plan([{"task": t, "free_resources": FREE} for t in tasks])]
    result[kind] = {"n": len(tasks), "refused": tools.count(None), "to_new_tool": tools.count(result["new_tool"]),
                    "plans": dict(zip(tasks, tools))}
Path(sys.argv[2]).write_text(json.dumps(result, indent=1) + "\n")
print(json.dumps({k: {a: b for a, b in v.items() if a != "plans"} if isinstance(v, dict) else v
                  for k, v in result.items()}))
