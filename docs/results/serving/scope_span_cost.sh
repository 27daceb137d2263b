#!/bin/bash
# Does reading the request's words in the decoder's one pass (model.scope_text: span, session 25) remove the cost of
# the second pass (task, session 24)? The same code, three planners trained as docs/planner.md says: session 23's
# shipped seed 0 (runs/sixth_writer/shipped/seed_0: the memory reads the whole prompt, no extra pass), session 24's
# (runs/s24/task_only/seed_0: a second pass over the words) and session 25's (runs/s25/span/seed_0). Cold start
# alternated twice (5 fresh processes each), then the key-on load test of each, one after the other. From the
# repository root with the project's venv active (~12 min).
set -euo pipefail
HERE=docs/results/serving
for i in 1 2; do
  for pair in sixth_writer/shipped:prompt s24/task_only:task s25/span:span; do
    python experiments/cold_start.py --planner_dir "runs/${pair%%:*}/seed_0" --repeats 5 \
      --output "$HERE/cold_start_s25_scope_${pair#*:}_$i.json"
  done
done
bash "$HERE/loadtest_pair.sh" sixth_writer/shipped:loadtest_s25_scope_prompt_key_16x100 \
  s24/task_only:loadtest_s25_scope_task_key_16x100 s25/span:loadtest_s25_scope_span_key_16x100
