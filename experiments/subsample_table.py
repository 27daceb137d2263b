"""Write a smaller registry + profiling table: some tools of a table, a seeded sample of rows of each.

Used to check that Phase 0's shipped preset memorises tables other than the default one
(docs/phase0.md, "Other tables"): ``python experiments/subsample_table.py --tools a,b,c,d
--counts 30,45,55,70 --output_dir tests/fixtures/uneven4``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

from tomas.config import shipped


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tool_registry", default="data/tool_registry/tools.json")
    p.add_argument("--profiling_data", default="data/profiling/profiling.csv")
    p.add_argument("--tools", required=True, help="comma-separated tool names")
    p.add_argument("--counts", required=True, help="comma-separated row counts, one per tool")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output_dir", required=True)
    args = p.parse_args()
    tools, counts = args.tools.split(","), [int(c) for c in args.counts.split(",")]
    if len(tools) != len(counts):
        raise SystemExit("error: --tools and --counts need the same number of entries")
    registry = [t for t in json.loads(Path(shipped(args.tool_registry)).read_text()) if t["name"] in tools]
    with open(shipped(args.profiling_data), newline="") as f:
        reader = csv.reader(f)
        header, rows = next(reader), list(reader)
    unknown = sorted(set(tools) - {t["name"] for t in registry})
    if unknown:
        raise SystemExit(f"error: {args.tool_registry}: no tool named {', '.join(unknown)}")
    rng = random.Random(args.seed)
    kept = []
    for tool, count in zip(tools, counts):
        mine = [r for r in rows if r[0] == tool]
        if count > len(mine):
            raise SystemExit(f"error: --counts: {tool} has {len(mine)} rows, not {count}")
        kept += sorted(rng.sample(mine, count), key=mine.index)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tools.json").write_text(json.dumps(registry, indent=2) + "\n")
    with open(out / "profiling.csv", "w", newline="") as f:
        csv.writer(f).writerows([header, *kept])
    print(f"Wrote {len(registry)} tools and {len(kept)} rows to {out}")


if __name__ == "__main__":
    main()
