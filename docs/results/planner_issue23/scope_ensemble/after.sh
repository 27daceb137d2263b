#!/bin/bash
# After the decision (probe.py: the refusal score as the mean of the words' span margin and the prompt's, both from
# the decoder's one pass, model.scope_text: span_prompt), the shipped preset as shipped, from scratch: seeds 0-2 on the
# shipped data/planner/train.jsonl into OUT/span_prompt, with the input's facts given too and on planner_dev2; with and
# without the preference reader (its own rule, preferences/rules.json, applied again); rules.json's rule again on
# their own validation figures and the check that they equal the probe's (check.py); the test sets against the
# planners before (BASE, session 25's from-scratch run: the span alone). Then the add-tool measurement on seed 0.
# From the repository root, ~45 min: bash after.sh [OUT] [BASE]
set -euo pipefail
OUT=${1:-runs/s26}; BASE=${2:-runs/s25b/span}
HERE=docs/results/planner_issue23/scope_ensemble; P=docs/results/planner_issue23/preferences
python experiments/planner_seeds.py --output_dir "$OUT/span_prompt" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir assets
cp "$OUT/span_prompt/summary.json" "$HERE/span_prompt_summary.json"
[ -f "$OUT/span_prompt/summary.png" ] && cp "$OUT/span_prompt/summary.png" "$HERE/span_prompt_summary.png"
bash "$P/with_and_without.sh" "$OUT/span_prompt" "$HERE/preferences"  # also scores planner_dev2
python "$HERE/check.py" "$BASE" "$OUT/span_prompt" > "$HERE/validation.json"  # the rule again, from scratch
python docs/results/planner_issue23/short_requests/thresholds.py "$BASE" "$OUT/span_prompt" > "$HERE/thresholds.json"
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/span_prompt" \
  > "$HERE/tests_read_afterwards.json"
bash docs/results/add_tool_scope/run.sh "$OUT/span_prompt/seed_0" "$OUT/add_tool" "$HERE/add_tool"
