#!/bin/bash
# Reproduces docs/results/planner_issue23/scope_only/ from the repository root (~40 min on 2 CPU cores; the
# baselines need data/planner/train.jsonl = the scope-only data, the shipped file since session 10).
# ASSETS: a Phase 0 export (`make run`'s assets/); base: the data before the scope-only bank, the shipped preset (a
# folder that already has planner.json per seed is scored, not trained again: planner_seeds.py).
# w3s = the shipped training file plus the third writer's text for the scope head alone (variant_data.py).
set -euo pipefail
OUT=${1:-runs/scope_only}; ASSETS=${2:-assets}
HERE=docs/results/planner_issue23/scope_only
python "$HERE/variant_data.py" base "$OUT/data_base"
python experiments/planner_seeds.py --output_dir "$OUT/base" --seeds 0 1 2 --size_modes numbers -- \
  --data.assets_dir "$ASSETS" --data.train_file "$OUT/data_base/train.jsonl"
bash docs/results/planner_issue23/dev2.sh "$OUT/base"
python "$HERE/variant_data.py" w3s "$OUT/data_w3s"
python experiments/planner_seeds.py --output_dir "$OUT/w3s" --seeds 0 1 2 --size_modes numbers -- \
  --data.assets_dir "$ASSETS" --data.train_file "$OUT/data_w3s/train.jsonl"
bash docs/results/planner_issue23/dev2.sh "$OUT/w3s"
python "$HERE/decide.py" "$OUT/base" "$OUT/w3s" > "$HERE/decision.json"
# Baselines on the shipped (scope-only) data, and the shipped planners with the input's facts given:
python experiments/planner_baselines.py --output_dir "$OUT/baselines" --assets_dir "$ASSETS" --size_modes numbers \
  --hand_file data/planner_handwritten/requests.jsonl data/planner_handwritten2/requests.jsonl \
  data/planner_dev/requests.jsonl data/planner_dev2/requests.jsonl
for s in 0 1 2; do
  tomas evaluate-planner --planner_dir "$OUT/w3s/seed_$s" --size_mode given --output_dir "$OUT/w3s/seed_$s/given" \
    --hand_file data/planner_handwritten/requests.jsonl data/planner_handwritten2/requests.jsonl
done
