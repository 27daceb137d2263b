"""How often planners pick the expected tool on a small held-out set (e.g. after `tomas add-tool`).

python experiments/added_tool_check.py CASES.jsonl OUT.json NAME=PLANNER_DIR [NAME=PLANNER_DIR ...]
CASES.jsonl: one {"task", "tool"} per line (the tool a person would expect); free resources are this machine's.
"""

import json
import sys
from pathlib import Path

from tomas import Planner


def main(argv: list[str]) -> int:
    cases = [json.loads(line) for line in Path(argv[0]).read_text().splitlines() if line.strip()]
    report = {"cases": argv[0], "planners": {}}
    for spec in argv[2:]:
        name, _, folder = spec.partition("=")
        planner = Planner.from_pretrained(folder, device="cpu")
        rows = []
        for case in cases:
            plan = planner.plan(case["task"], "auto")
            rows.append({**case, "planned_tool": plan.tool, "confidence": plan.tool_confidence,
                         "feasible": plan.feasible, "right": plan.tool == case["tool"]})
        by_tool = {}
        for r in rows:
            by_tool.setdefault(r["tool"], []).append(r["right"])
        report["planners"][name] = {"folder": folder, "right": sum(r["right"] for r in rows), "of": len(rows),
                                    "by_expected_tool": {t: f"{sum(v)}/{len(v)}" for t, v in by_tool.items()},
                                    "rows": rows}
        print(f"{name}: {sum(r['right'] for r in rows)}/{len(rows)} right; " +
              ", ".join(f"{t} {s}" for t, s in report["planners"][name]["by_expected_tool"].items()))
    Path(argv[1]).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
