#!/bin/bash
# The key-on load test (docs/serving.md): the shipped seed 0 without (runs/pref_lexical_off/seed_0) and with the
# preference reader as shipped (runs/pref_cap1/seed_0, its 1% cap): the same weights, one after the other, from the
# repository root with the project's venv active (planners from docs/results/planner_issue23/preferences/run.sh and
# run_cap1.sh). Writes the two loadtest_pref_{off,on}_key_16x100.json files here.
bash docs/results/serving/loadtest_pair.sh pref_lexical_off:loadtest_pref_off_key_16x100 \
  pref_cap1:loadtest_pref_on_key_16x100
