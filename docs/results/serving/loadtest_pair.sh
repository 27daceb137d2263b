#!/bin/bash
# The key-on load test (docs/serving.md) of several planners, one after the other, from the repository root with the
# project's venv active: bash docs/results/serving/loadtest_pair.sh RUN:NAME [RUN:NAME ...] serves runs/RUN/seed_0
# and writes docs/results/serving/NAME.json for each.
set -uo pipefail
HERE=docs/results/serving
for pair in "$@"; do
  name=${pair%%:*}; out=$HERE/${pair#*:}.json
  TOMAS_API_KEY=K tomas serve --planner_dir "runs/$name/seed_0" --port 8765 --device cpu > /dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do curl -s http://127.0.0.1:8765/healthz > /dev/null && break; sleep 1; done
  python experiments/loadtest.py --url http://127.0.0.1:8765 --clients 16 --requests 1600 --bad_fraction 0.1 \
    --max_seconds 300 --requests_file data/planner/test.jsonl --api_key K --output "$out" | tail -3
  kill $pid; wait $pid 2> /dev/null
done
