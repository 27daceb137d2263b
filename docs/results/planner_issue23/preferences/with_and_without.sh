#!/bin/bash
# The same planners with and without the preference reader, scored and judged by the reader's own rule: RUN's seeds
# (seed_{0,1,2}, trained) copied without the reader into RUN_off (without.py) and scored there, both scored on
# planner_dev2 and the preference sets (score_sets.sh), then OUT_DIR/decision.json and with_and_without.json
# (summarize.py; OUT_DIR/rules.json must be there). From the repository root: bash with_and_without.sh RUN OUT_DIR
set -euo pipefail
RUN=$1; OUT=$2; P=docs/results/planner_issue23/preferences
[ -d "${RUN}_off" ] || python "$P/without.py" "$RUN" "${RUN}_off"
python experiments/planner_seeds.py --output_dir "${RUN}_off" --seeds 0 1 2 --size_modes numbers given
[ -f runs/prefdata/test.jsonl ] || tomas data generate-planner --output_dir runs/prefdata --preference_share 0.3
bash "$P/score_sets.sh" "$RUN" "${RUN}_off"
python "$P/summarize.py" "$RUN" "${RUN}_off" "$OUT"
