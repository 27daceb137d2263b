"""The requests nearest a refusal on the validation sets (no test set is read): per set, the 60 highest refusal
scores (``Choice.scope_score``) with in or out of scope and whether refused at the planner's own threshold, then
every out-of-scope request it missed. Decoded as ``tomas evaluate-planner --size_mode numbers`` decodes.

``python docs/results/planner_issue23/scope_topk/highest_scores.py PLANNER_DIR > OUT.txt``
(``highest_scores_seed0.txt``: ``runs/s20_steps1200/seed_0``, the 1200-step planner of session 20).
"""
import sys

from tomas.data import load_tool_data
from tomas.data.planner import load_handwritten, load_planner_examples
from tomas.eval.planner import example_hints, predict_examples
from tomas.inference import load_planner

p = load_planner(sys.argv[1], "cpu")
data = load_tool_data(p.cfg.data.tool_registry, p.cfg.data.profiling_data)
for n, f in {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl"}.items():
    ex = p.read_examples(load_planner_examples(f, data) if n == "val" else load_handwritten(f, data))
    ch = predict_examples(p.model, p.tokenizer, ex, p.device, 32,
                          hints=example_hints(ex, data.tools, p.table, "numbers"))
    rows = sorted(((c.scope_score, e.tool, c.out_of_scope, e.task) for e, c in zip(ex, ch)), reverse=True)
    for s, t, o, task in rows[:60]:
        print(f"{n} {s:+.3f} {'OOS' if t is None else 'in '} {'REF' if o else '   '} {task[:120]}")
    print(n, "threshold", p.model.decoder.out_of_scope_above)
    for s, t, o, task in rows:
        if t is None and not o:
            print(f"  MISSED {n} {s:+.3f} {task[:140]}")
