#!/bin/bash
# Reproduces docs/results/planner_issue23/scope_contrast/ from the repository root (~45 min on 2 CPU cores): the
# shipped preset from scratch with the contrastive term (model.scope_contrast 0.1) on the shipped training file
# (seeds 0-2, with the input's facts given too, and on planner_dev2), decided by rules.json against BASE (session
# 26's from-scratch planners, validation only), then the test sets, read after the decision.
# bash run.sh [OUT] [BASE] [ASSETS]
set -euo pipefail
OUT=${1:-runs/s28}; BASE=${2:-runs/s26/span_prompt}; ASSETS=${3:-assets}
HERE=docs/results/planner_issue23/scope_contrast; NAME=contrast
python experiments/planner_seeds.py --output_dir "$OUT/$NAME" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir "$ASSETS" --model.scope_contrast 0.1
bash docs/results/planner_issue23/dev2.sh "$OUT/$NAME"
bash docs/results/planner_issue23/decide_then_read.sh "$HERE" "$NAME" "$OUT" "$BASE" decision.json
python "$HERE/steps.py" "$OUT/$NAME" "$BASE" > "$HERE/steps.json"
