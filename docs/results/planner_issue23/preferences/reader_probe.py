"""What the reader-only probes of this folder (lookalike2/probe.py, reg_c/probe.py) measure of one fitted preference
reader, on validation only: its threshold, the plain in-scope requests of each validation set it reads as stating a
preference, and the share of the preference validation set's stated preferences it reads right."""

from tomas.data import load_tool_data
from tomas.data.planner import load_dev, load_planner_examples


def load_sets() -> tuple:
    """(train, val, planner_dev, planner_dev2, the preference validation set: runs/prefdata/val.jsonl, made as
    run.sh makes it), read from the repository root."""
    data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
    train, val = (load_planner_examples(f"data/planner/{s}.jsonl", data) for s in ("train", "val"))
    dev, dev2 = (load_dev(f"data/{d}/requests.jsonl", data, lambda *a: None) for d in ("planner_dev", "planner_dev2"))
    return train, val, dev, dev2, load_planner_examples("runs/prefdata/val.jsonl", data)


def score_reader(reader, sets: dict, stated_set: list) -> dict:
    """``sets``: name -> validation examples (``false_<name>`` counts their plain in-scope ones read as stating one);
    ``stated_set``: the preference validation set's examples."""
    row = {"above": reader.above}
    for name, examples in sets.items():
        reads = reader.read([e.task for e in examples])
        row[f"false_{name}"] = sum(r["preference"] is not None for r, e in zip(reads, examples)
                                   if e.tool and not e.preference)
    reads = reader.read([e.task for e in stated_set])
    stated = [(r["preference"], e.preference) for r, e in zip(reads, stated_set) if e.preference]
    row["stated_right"] = round(100 * sum(a == b for a, b in stated) / len(stated), 2)
    return row
