#!/bin/bash
# The preference reader refitted with the finer grid (rules.json) and with the eight values before it into copies of
# the shipped planners RUN, both scored on val, the hand-written sets, dev2 and the preference sets
# (preferences/score_sets.sh), and decided against each other and against RUN_off (no reader; made here when
# missing), from the repository root: bash docs/results/planner_issue23/preferences/fine_grid/run.sh RUN [OUT] (~25 min)
# summarize.py prints its own rule's outcome (the shipped reader's rule) and writes with_and_without.json (every set,
# the tests included); decide.py adds rules.json's second condition and prints the decision.
set -euo pipefail
RUN=$1; OUT=${2:-runs/pref_grid}; P=docs/results/planner_issue23/preferences; HERE=$P/fine_grid
for grid in fine eight; do
  python "$HERE/refit_grid.py" "$RUN" "$OUT/$grid" "$grid" | tee "$OUT.$grid.log"
  python experiments/planner_seeds.py --output_dir "$OUT/$grid" --seeds 0 1 2 --size_modes numbers given
done
[ -d "${RUN}_off" ] || { python "$P/without.py" "$RUN" "${RUN}_off"
  python experiments/planner_seeds.py --output_dir "${RUN}_off" --seeds 0 1 2 --size_modes numbers given; }
bash "$P/score_sets.sh" "$OUT/fine" "$OUT/eight" "${RUN}_off"
python "$P/summarize.py" "$OUT/fine" "${RUN}_off" "$HERE"
python "$HERE/decide.py" "$HERE" "$OUT/eight"
