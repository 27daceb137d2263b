#!/bin/bash
# The finer-grid preference reader (rules.json) refitted into copies of the shipped planners RUN (scored on dev2 and
# the preference sets: preferences/score_sets.sh) and decided against them and against RUN_off (no reader), from the
# repository root: bash docs/results/planner_issue23/preferences/fine_grid/run.sh RUN [OUT] (~15 min)
set -euo pipefail
RUN=$1; OUT=${2:-runs/pref_fine}; P=docs/results/planner_issue23/preferences; HERE=$P/fine_grid
python "$HERE/refit_fine.py" "$RUN" "$OUT"
python experiments/planner_seeds.py --output_dir "$OUT" --seeds 0 1 2 --size_modes numbers given
bash "$P/score_sets.sh" "$OUT" "$RUN" "${RUN}_off"
python "$P/summarize.py" "$OUT" "${RUN}_off" "$HERE"
python "$HERE/decide.py" "$HERE" "$RUN"
