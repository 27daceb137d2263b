#!/bin/bash
# Each of DIR's seeds (seed_{0,1,2}) scored where it has not been yet: on data/planner_dev2 (dev2.sh) and on the
# preference validation and test sets (runs/prefdata, `tomas data generate-planner --preference_share 0.3`).
# From the repository root: bash docs/results/planner_issue23/preferences/score_sets.sh DIR [DIR ...]
set -euo pipefail
for d in "$@"; do
  [ -f "$d/seed_2/dev2/planner_handwritten_report.json" ] || bash docs/results/planner_issue23/dev2.sh "$d"
  for s in 0 1 2; do
    for split in val test; do
      [ -f "$d/seed_$s/pref$split/planner_eval_report.json" ] || tomas evaluate-planner --planner_dir "$d/seed_$s" \
        --size_mode numbers --test_file "runs/prefdata/$split.jsonl" --output_dir "$d/seed_$s/pref$split"
    done
  done
done
