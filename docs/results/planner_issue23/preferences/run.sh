#!/bin/bash
# Preferences read from the words (model.preference_lexical), 3 seeds from scratch, scored with and without the
# reader (the same weights): bash docs/results/planner_issue23/preferences/run.sh [OUT] [ASSETS] (~45 min on 2 cores).
# The first candidate's 0.5% cap (the default then; 1% since: run_cap1.sh).
set -euo pipefail
OUT=${1:-runs/pref_lexical}; ASSETS=${2:-assets}; HERE=docs/results/planner_issue23/preferences
tomas data generate-planner --output_dir runs/prefdata --preference_share 0.3
python experiments/planner_seeds.py --output_dir "$OUT" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir "$ASSETS" --model.preference_max_false 0.005
python "$HERE/without.py" "$OUT" "${OUT}_off"
python experiments/planner_seeds.py --output_dir "${OUT}_off" --seeds 0 1 2 --size_modes numbers given
bash "$HERE/score_sets.sh" "$OUT" "${OUT}_off"
python "$HERE/summarize.py" "$OUT" "${OUT}_off" "$HERE"
