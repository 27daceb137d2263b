#!/bin/bash
# What refusals read from the request's words alone (model.scope_text: task, session 24) cost at plan time: a second,
# shorter pass of the reader per request. The same code, two planners: session 23's shipped seed 0 (runs/sixth_writer/
# shipped/seed_0, a planner saved before the option: it reads the whole prompt) and session 24's (runs/s24/task_only/
# seed_0), each trained as docs/planner.md says. Cold start alternated twice (5 fresh processes each), then the key-on
# load test of each, one after the other. From the repository root with the project's venv active (~15 min).
set -euo pipefail
HERE=docs/results/serving
for i in 1 2; do
  python experiments/cold_start.py --planner_dir runs/sixth_writer/shipped/seed_0 --repeats 5 \
    --output "$HERE/cold_start_scope_prompt_$i.json"
  python experiments/cold_start.py --planner_dir runs/s24/task_only/seed_0 --repeats 5 \
    --output "$HERE/cold_start_scope_task_$i.json"
done
bash "$HERE/loadtest_pair.sh" sixth_writer/shipped:loadtest_scope_prompt_key_16x100 \
  s24/task_only:loadtest_scope_task_key_16x100
