#!/bin/bash
# Reproduces docs/results/planner_issue23/languages/ from the repository root (~22 min on 2 CPU cores).
# BASELINE: the shipped planners' folder (session 11's runs/spelling: `python experiments/planner_seeds.py
# --output_dir runs/spelling --seeds 0 1 2 --size_modes numbers -- --data.assets_dir assets` plus dev2.sh on it);
# ASSETS: the Phase 0 export both read (session 11 and 12 used the local assets/ of a make run of 2026-12-06, 100%).
set -euo pipefail
OUT=${1:-runs/languages}; ASSETS=${2:-assets}; BASELINE=${3:-runs/spelling}
HERE=docs/results/planner_issue23/languages
python "$HERE/check_bank.py"
python "$HERE/variant_data.py" "$OUT/data"
cp "$OUT/data/counts.json" "$HERE/train_counts.json"
python experiments/planner_seeds.py --output_dir "$OUT/lang" --seeds 0 1 2 --size_modes numbers -- \
  --data.assets_dir "$ASSETS" --data.train_file "$OUT/data/train.jsonl"
bash docs/results/planner_issue23/dev2.sh "$OUT/lang"
cp "$OUT/lang/summary.json" "$HERE/lang_summary.json"
python docs/results/planner_issue23/third_writer/decide.py --rules "$HERE/rules.json" "$BASELINE" "$OUT/lang" \
  > "$HERE/decision.json"
python "$HERE/read_afterwards.py" "$BASELINE" "$OUT/lang" > "$HERE/tests_read_afterwards.json"
