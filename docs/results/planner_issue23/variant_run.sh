#!/bin/bash
# One training-data variant decided on validation, from the repository root (~35-40 min on 2 CPU cores):
# bash docs/results/planner_issue23/variant_run.sh HERE NAME OUT BASE ASSETS [DECIDE_FLAG ...]
# HERE/variant_data.py writes OUT/data_NAME/train.jsonl; the shipped preset trains seeds 0-2 on it into OUT/NAME,
# scored on planner_dev2 too; HERE/rules.json decides against BASE (third_writer/decide.py, validation only) into
# HERE/decision.json; OUT/NAME/summary.json (planner_seeds.py writes the test reports too) goes to
# HERE/NAME_summary.json. Flags after ASSETS go to decide.py (e.g. --metric out_of_scope_recall).
set -euo pipefail
HERE=$1; NAME=$2; OUT=$3; BASE=$4; ASSETS=$5; shift 5
python "$HERE/variant_data.py" "$OUT/data_$NAME"
python experiments/planner_seeds.py --output_dir "$OUT/$NAME" --seeds 0 1 2 --size_modes numbers -- \
  --data.assets_dir "$ASSETS" --data.train_file "$OUT/data_$NAME/train.jsonl"
bash docs/results/planner_issue23/dev2.sh "$OUT/$NAME"
python docs/results/planner_issue23/third_writer/decide.py --rules "$HERE/rules.json" --max_refused 0.02 "$@" "$BASE" \
  "$OUT/$NAME" > "$HERE/decision.json"
cp "$OUT/$NAME/summary.json" "$HERE/${NAME}_summary.json"
