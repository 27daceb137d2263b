#!/bin/bash
# The second candidate of session 27 (rules.json "w78e", written after the first's decision was read): the two
# writers' requests without their near misses (filter.py --everyday_only), decided into decision_everyday.json.
# From the repository root (~50 min): bash run_everyday.sh [OUT] [BASE] [ASSETS]
set -euo pipefail
bash docs/results/planner_issue23/seventh_writer/run.sh "${1:-runs/s27}" "${2:-runs/s26/span_prompt}" "${3:-assets}" e
