#!/bin/bash
# The key-on load test (docs/serving.md): the shipped seed 0 without (runs/pref_lexical_off/seed_0) and with the
# preference reader as shipped (runs/pref_cap1/seed_0, its 1% cap): the same weights, one after the other, from the repository root with
# the project's venv active (planners from docs/results/planner_issue23/preferences/run.sh and run_cap1.sh). Writes the two
# loadtest_pref_{off,on}_key_16x100.json files here.
set -uo pipefail
HERE=docs/results/serving
for pair in pref_lexical_off:loadtest_pref_off_key_16x100 pref_cap1:loadtest_pref_on_key_16x100; do
  name=${pair%%:*}; out=$HERE/${pair#*:}.json
  TOMAS_API_KEY=K tomas serve --planner_dir "runs/$name/seed_0" --port 8765 --device cpu > /dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do curl -s http://127.0.0.1:8765/healthz > /dev/null && break; sleep 1; done
  python experiments/loadtest.py --url http://127.0.0.1:8765 --clients 16 --requests 1600 --bad_fraction 0.1 \
    --max_seconds 300 --requests_file data/planner/test.jsonl --api_key K --output "$out" | tail -3
  kill $pid; wait $pid 2> /dev/null
done
