#!/bin/bash
# What does the second view in the refusal score (model.scope_text: span_prompt, session 26) cost? The same code, two
# planners trained as docs/planner.md says: session 25's seed 0 (runs/s25b/span/seed_0: the words' span alone) and
# session 26's (runs/s26/span_prompt/seed_0: the span and the prompt's vector, both from the one pass; a memory twice
# as wide). Cold start alternated twice (5 fresh processes each), then the key-on load test of each, one after the
# other. From the repository root with the project's venv active (~8 min).
set -euo pipefail
HERE=docs/results/serving
for i in 1 2; do
  for pair in s25b/span:span s26/span_prompt:span_prompt; do
    python experiments/cold_start.py --planner_dir "runs/${pair%%:*}/seed_0" --repeats 5 \
      --output "$HERE/cold_start_s26_scope_${pair#*:}_$i.json"
  done
done
bash "$HERE/loadtest_pair.sh" s25b/span:loadtest_s26_scope_span_key_16x100 \
  s26/span_prompt:loadtest_s26_scope_span_prompt_key_16x100
