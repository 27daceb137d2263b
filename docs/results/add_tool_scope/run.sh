#!/bin/bash
# Reproduces docs/results/add_tool_scope/ from the repository root (~1 min): audio_denoising (profiling rows:
# text_summarization's, 1.5x slower) added to a shipped planner with the examples generated from its registry
# entry, and with examples.jsonl (20 hand-written requests); both measured on requests.txt and siblings.txt.
# All three files were written by the same person in session 12: requests.txt and siblings.txt first, examples.jsonl
# after them, some on the same themes (fan noise, hum, background chatter), so the 0 of 12 refused with them is
# likely optimistic for a user's own examples.
set -euo pipefail
PLANNER=${1:-runs/spelling/seed_0}; OUT=${2:-runs/add_tool_scope}; HERE=docs/results/add_tool_scope
RESULTS=${3:-$HERE}  # where the two reports go (session 14: planner_issue23/lexical/add_tool/)
mkdir -p "$OUT" "$RESULTS"
python - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
reg = json.load(open("data/tool_registry/tools.json"))
reg.append({"name": "audio_denoising",
            "description": "Removes background noise, hum and hiss from a speech or music recording."})
json.dump(reg, open(f"{out}/tools.json", "w"), indent=1)
lines = open("data/profiling/profiling.csv").read().strip().splitlines()
new = [",".join(["audio_denoising", *r[1:-1], str(round(float(r[-1]) * 1.5))])
       for r in (line.split(",") for line in lines[1:]) if r[0] == "text_summarization"]
open(f"{out}/profiling.csv", "w").write("\n".join(lines + new) + "\n")
PY
for ex in generated user; do
  examples=""; [ "$ex" = user ] && examples="--examples $HERE/examples.jsonl"
  rm -rf "${OUT:?}/$ex"  # add-tool never writes over a folder that holds something
  # shellcheck disable=SC2086  # $examples is empty or two words
  tomas add-tool audio_denoising --tool_registry "$OUT/tools.json" --profiling_data "$OUT/profiling.csv" \
    --planner_dir "$PLANNER" --encoder_checkpoint assets/pretrained_encoder.pt --output_dir "$OUT/$ex" \
    --device cpu $examples
  python "$HERE/measure.py" "$OUT/$ex" "$RESULTS/${ex}_examples.json"
done
