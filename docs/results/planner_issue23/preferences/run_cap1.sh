#!/bin/bash
# The second candidate (rules_cap1.json): the preference reader at a 1% cap, refitted into copies of run.sh's
# planners, scored like them: bash docs/results/planner_issue23/preferences/run_cap1.sh [RUN] [OUT] (~15 min)
set -euo pipefail
RUN=${1:-runs/pref_lexical}; OUT=${2:-runs/pref_cap1}; HERE=docs/results/planner_issue23/preferences
python "$HERE/refit.py" "$RUN" "$OUT" 0.01
python experiments/planner_seeds.py --output_dir "$OUT" --seeds 0 1 2 --size_modes numbers given
bash docs/results/planner_issue23/dev2.sh "$OUT"
for s in 0 1 2; do
  for split in val test; do
    tomas evaluate-planner --planner_dir "$OUT/seed_$s" --size_mode numbers --test_file "runs/prefdata/$split.jsonl" \
      --output_dir "$OUT/seed_$s/pref$split"
  done
done
mkdir -p "$HERE/cap1" && cp "$HERE/rules_cap1.json" "$HERE/cap1/rules.json"
python "$HERE/summarize.py" "$OUT" "${RUN}_off" "$HERE/cap1"
