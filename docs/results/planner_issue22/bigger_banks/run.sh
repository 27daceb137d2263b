#!/bin/bash
# Reproduces docs/results/planner_issue22/bigger_banks/ from the repository root (~35 min on 2 CPU cores):
# planners on the shipped (bigger) cue banks (B) and on the banks before them (A, commit 2ab6c06), both with the
# hashed cue split, 3 seeds each, both scored on B's validation and test files (A never trained on any of their
# cues), then the TF-IDF and MiniLM + LR baselines on B. ASSETS: a Phase 0 export (these runs: make run #12's).
set -euo pipefail
OUT=${1:-runs/bigger_banks}; ASSETS=${2:-assets}
BANKS=src/tomas/data/planner/banks/phrases.yaml
mkdir -p "$OUT"
tomas data generate-planner --output_dir "$OUT/data_B"
cp "$BANKS" "$OUT/phrases_B.yaml"
git show 2ab6c06:"$BANKS" > "$BANKS"
tomas data generate-planner --output_dir "$OUT/data_A"
cp "$OUT/phrases_B.yaml" "$BANKS"
common=(--data.val_file "$OUT/data_B/val.jsonl" --data.test_file "$OUT/data_B/test.jsonl" --data.assets_dir "$ASSETS")
for c in B A; do
  python experiments/planner_seeds.py --output_dir "$OUT/$c" --seeds 0 1 2 --size_modes numbers -- \
    --data.train_file "$OUT/data_$c/train.jsonl" "${common[@]}"
done
python experiments/planner_baselines.py --output_dir "$OUT/baselines_B" --data_dir "$OUT/data_B" \
  --assets_dir "$ASSETS" --size_modes numbers
