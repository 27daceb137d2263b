#!/bin/bash
# A planner folder's seeds (planner_seeds.py's OUT/seed_{0,1,2}) scored on data/planner_dev2, the second
# hand-written validation set (used for choices): bash docs/results/planner_issue23/dev2.sh OUT
set -euo pipefail
for s in 0 1 2; do
  tomas evaluate-planner --planner_dir "$1/seed_$s" --size_mode numbers --test_file data/planner/val.jsonl \
    --hand_file data/planner_dev2/requests.jsonl --output_dir "$1/seed_$s/dev2"
done
