"""Which sizes said in words a planner misses on the validation sets (no test set is read): every in-scope request
planned with the right tool whose size came from the words and came out wrong, with the size's probability, then
each set's count and confusion (right -> read). Decoded as ``tomas evaluate-planner --size_mode numbers`` decodes.

``python docs/results/planner_issue22/size_lexical_c/val_misses.py PLANNER_DIR [...] > OUT.txt``
(``val_misses_seed2.txt``: ``runs/s20_steps1200/seed_2``, the 1200-step planner of session 20 with the most misses).
"""
import collections
import sys

from tomas.data import load_tool_data
from tomas.data.planner import load_handwritten, load_planner_examples
from tomas.eval.planner import example_hints, predict_examples
from tomas.inference import load_planner

SETS = {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl",
        "dev2": "data/planner_dev2/requests.jsonl"}


def misses(p, name: str, examples: list, hints: list) -> None:
    choices = predict_examples(p.model, p.tokenizer, examples, p.device, 32, hints=hints)
    confusion, n = collections.Counter(), 0
    for e, c, h in zip(examples, choices, hints):
        if e.tool is None or c.out_of_scope or p.table.tool_names[c.tool_id] != e.tool:
            continue
        if h[c.tool_id].source != "words":
            continue
        n += 1
        if c.input_size != e.input_size:
            confusion[(e.input_size, c.input_size)] += 1
            print(f"{p.folder[-6:]} {name} {e.input_size:>6}->{c.input_size:<6} p={c.size_prob:.2f} {e.tool[:12]:12} "
                  f"{e.task[:110]}")
    print(p.folder, name, "words at right tool", n, "wrong", sum(confusion.values()), dict(confusion))


for folder in sys.argv[1:]:
    planner = load_planner(folder, "cpu")
    planner.folder = folder
    data = load_tool_data(planner.cfg.data.tool_registry, planner.cfg.data.profiling_data)
    for name, path in SETS.items():
        examples = planner.read_examples(load_planner_examples(path, data) if name == "val"
                                         else load_handwritten(path, data))
        misses(planner, name, examples, example_hints(examples, data.tools, planner.table, "numbers"))
