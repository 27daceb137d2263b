#!/bin/bash
# Reproduces docs/results/planner_issue23/training_only/ from the repository root (~70 min on 2 CPU cores).
# ASSETS: a Phase 0 export (these runs: make run #12's, as docs/results/planner_issue22/dev_named/).
# 1. the shipped planner preset from scratch on the shipped data (with the training-only bank), seeds 0 1 2;
# 2. the two variants (training data from variant_data.py; validation and test unchanged);
# 3. TF-IDF and MiniLM + LR on the shipped data;
# 4. the tie-break: every planner (also runs/dev_named/planner = the data before the bank, from
#    docs/results/planner_issue22/dev_named/run.sh) on the generated validation split and data/planner_dev2.
set -euo pipefail
OUT=${1:-runs/training_only}; ASSETS=${2:-assets}; HERE=docs/results/planner_issue23/training_only
python experiments/planner_seeds.py --output_dir "$OUT/B" --seeds 0 1 2 --size_modes numbers -- --data.assets_dir "$ASSETS"
for v in no_training_out_of_scope hurried; do
  python "$HERE/variant_data.py" "$v" "$OUT/data_$v"
  python experiments/planner_seeds.py --output_dir "$OUT/$v" --seeds 0 1 2 --size_modes numbers -- \
    --data.assets_dir "$ASSETS" --data.train_file "$OUT/data_$v/train.jsonl"
done
python experiments/planner_baselines.py --output_dir "$OUT/baselines" --assets_dir "$ASSETS" --size_modes numbers \
  --hand_file data/planner_handwritten/requests.jsonl data/planner_handwritten2/requests.jsonl \
  data/planner_dev/requests.jsonl data/planner_dev2/requests.jsonl
for run in "$OUT/B" "$OUT/no_training_out_of_scope" "$OUT/hurried" runs/dev_named/planner; do
  for s in 0 1 2; do
    [ -d "$run/seed_$s" ] && tomas evaluate-planner --planner_dir "$run/seed_$s" --size_mode numbers \
      --test_file data/planner/val.jsonl --hand_file data/planner_dev2/requests.jsonl --output_dir "$run/seed_$s/dev2"
  done
done
python "$HERE/scope_curve.py" "$OUT/B/seed_0" "$OUT/B/seed_1" "$OUT/B/seed_2" > "$OUT/scope_curve.json"
for s in 0 1 2; do
  tomas evaluate-planner --planner_dir "$OUT/B/seed_$s" --size_mode given --output_dir "$OUT/B/seed_$s/given" \
    --hand_file data/planner_handwritten/requests.jsonl data/planner_handwritten2/requests.jsonl
done
