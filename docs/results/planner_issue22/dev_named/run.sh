#!/bin/bash
# Reproduces docs/results/planner_issue22/dev_named/ from the repository root (~35 min on 2 CPU cores): the shipped
# planner preset from scratch, 3 seeds (scope threshold chosen on validation and the hand-written validation set,
# data/planner_dev), scored with the size reader as shipped (numbers and named inputs: size mode `numbers`) and
# without the table of named inputs (`unnamed`) on validation, data/planner_dev, test and both hand-written test
# sets; then the TF-IDF and MiniLM + LR baselines on the same data and sets. ASSETS: a Phase 0 export (these runs:
# make run #12's).
set -euo pipefail
OUT=${1:-runs/dev_named}; ASSETS=${2:-assets}
python experiments/planner_seeds.py --output_dir "$OUT/planner" --seeds 0 1 2 --size_modes numbers unnamed -- \
  --data.assets_dir "$ASSETS"
python experiments/planner_baselines.py --output_dir "$OUT/baselines" --assets_dir "$ASSETS" --size_modes numbers unnamed
