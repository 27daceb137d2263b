#!/bin/bash
# The key-on load test (docs/serving.md), the shipped seed 0 without (runs/lexical/seed_0) and with refusals reading
# the words (runs/scope_mix_final/seed_0), one after the other, from the repository root with the project's venv
# active (each planner trained as docs/planner.md says). Writes the two loadtest_*_session15 / scope_mix files here.
bash docs/results/serving/loadtest_pair.sh lexical:loadtest_lexical_key_16x100_session15 \
  scope_mix_final:loadtest_scope_mix_key_16x100
