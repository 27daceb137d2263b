#!/bin/bash
# After the decision (probe.py: refusals read from the request's words alone, model.scope_text: task), the shipped
# preset as shipped, from scratch: seeds 0-2 on the shipped data/planner/train.jsonl (the sixth writer's, unchanged)
# into OUT/task_only, with the input's facts given too and on planner_dev2; with and without the preference reader
# (its own rule, preferences/rules.json, applied again); probe.py's rule on their validation figures; the test sets
# against the planners before (BASE, session 23's from-scratch run). The baselines are sixth_writer/baselines (the same training file). Then the add-tool measurement
# on seed 0. From the repository root, ~50 min: bash after.sh [OUT] [BASE]
set -euo pipefail
OUT=${1:-runs/s24}; BASE=${2:-runs/sixth_writer/shipped}
HERE=docs/results/planner_issue23/scope_task_only; P=docs/results/planner_issue23/preferences
python experiments/planner_seeds.py --output_dir "$OUT/task_only" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir assets
cp "$OUT/task_only/summary.json" "$HERE/task_only_summary.json"
[ -f "$OUT/task_only/summary.png" ] && cp "$OUT/task_only/summary.png" "$HERE/task_only_summary.png"
bash "$P/with_and_without.sh" "$OUT/task_only" "$HERE/preferences"  # also scores planner_dev2
python docs/results/planner_issue23/third_writer/decide.py --rules "$HERE/rules.json" --max_refused 0.01 \
  --metric out_of_scope_recall "$BASE" "$OUT/task_only" > "$HERE/validation.json"  # the rule again, from scratch
python docs/results/planner_issue23/short_requests/thresholds.py "$BASE" "$OUT/task_only" > "$HERE/thresholds.json"
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/task_only" \
  > "$HERE/tests_read_afterwards.json"
bash docs/results/add_tool_scope/run.sh "$OUT/task_only/seed_0" "$OUT/add_tool" "$HERE/add_tool"
