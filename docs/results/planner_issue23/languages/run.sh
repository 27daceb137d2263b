#!/bin/bash
# Reproduces docs/results/planner_issue23/languages/ from the repository root (~22 min on 2 CPU cores).
# BASELINE: the shipped planners' folder (session 11's runs/spelling: planner_seeds.py OUT with --size_modes numbers
# plus dev2.sh OUT); ASSETS: the Phase 0 export the planners read (run #12's, as in session 11).
set -euo pipefail
OUT=${1:-runs/languages}; ASSETS=${2:-assets}; BASELINE=${3:-runs/spelling}
HERE=docs/results/planner_issue23/languages
python "$HERE/variant_data.py" "$OUT/data"
python experiments/planner_seeds.py --output_dir "$OUT/lang" --seeds 0 1 2 --size_modes numbers -- \
  --data.assets_dir "$ASSETS" --data.train_file "$OUT/data/train.jsonl"
bash docs/results/planner_issue23/dev2.sh "$OUT/lang"
python docs/results/planner_issue23/third_writer/decide.py --rules "$HERE/rules.json" "$BASELINE" "$OUT/lang" \
  > "$HERE/decision.json"
