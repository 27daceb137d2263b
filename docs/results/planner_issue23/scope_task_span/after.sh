#!/bin/bash
# After the decision (probe.py: the refusal score from the request's words' states in the decoder's one pass,
# model.scope_text: span), the shipped preset as shipped, from scratch: seeds 0-2 on the shipped
# data/planner/train.jsonl into OUT/span, with the input's facts given too and on planner_dev2; with and without the
# preference reader (its own rule, preferences/rules.json, applied again); rules.json's rule again on their own
# validation figures and the check that they equal the probe's (check.py); the test sets against the planners before
# (BASE, session 24's from-scratch run: the second pass over the words). Then the add-tool measurement on seed 0.
# From the repository root, ~50 min: bash after.sh [OUT] [BASE]
set -euo pipefail
OUT=${1:-runs/s25}; BASE=${2:-runs/s24/task_only}
HERE=docs/results/planner_issue23/scope_task_span; P=docs/results/planner_issue23/preferences
python experiments/planner_seeds.py --output_dir "$OUT/span" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir assets
cp "$OUT/span/summary.json" "$HERE/span_summary.json"
[ -f "$OUT/span/summary.png" ] && cp "$OUT/span/summary.png" "$HERE/span_summary.png"
bash "$P/with_and_without.sh" "$OUT/span" "$HERE/preferences"  # also scores planner_dev2
python "$HERE/check.py" "$BASE" "$OUT/span" > "$HERE/validation.json"  # the rule again, from scratch
python docs/results/planner_issue23/short_requests/thresholds.py "$BASE" "$OUT/span" > "$HERE/thresholds.json"
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/span" \
  > "$HERE/tests_read_afterwards.json"
bash docs/results/add_tool_scope/run.sh "$OUT/span/seed_0" "$OUT/add_tool" "$HERE/add_tool"
