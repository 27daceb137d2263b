#!/bin/bash
# Reproduces docs/results/planner_issue23/third_writer_all_heads/ from the repository root (~40 min on 2 CPU cores):
# the third writer's templates teaching every head but the size term, against the shipped planners (BASE:
# short_requests_all_heads/run.sh's w5t, scored on planner_dev2). The decision reads validation only;
# planner_seeds.py writes the test reports too (w3t_summary.json), read after it.
set -euo pipefail
OUT=${1:-runs/third_writer_all_heads}; BASE=${2:-runs/short_requests/w5t}; ASSETS=${3:-assets}
HERE=docs/results/planner_issue23/third_writer_all_heads
bash docs/results/planner_issue23/variant_run.sh "$HERE" w3t "$OUT" "$BASE" "$ASSETS"
