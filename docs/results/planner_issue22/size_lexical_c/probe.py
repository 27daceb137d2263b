"""Would a differently regularised size classifier read sizes said in words better? An offline look on the validation
sets only (no test set is read): for each planner folder and each inverse regularisation C, the words' size model
(``model.size_lexical``) is refitted on the training file's requests that state a size, its weight re-chosen as
training chooses it (``choose_lexical_weights`` on val + ``planner_dev``), and val, ``planner_dev`` and
``planner_dev2`` decoded as ``tomas evaluate-planner --size_mode numbers`` decodes them. The shipped C is 10.

``python docs/results/planner_issue22/size_lexical_c/probe.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` (~2 min a
folder). Per folder and C: the chosen weight; per set, plan accuracy over all its requests (out-of-scope ones right
when refused; a hand-written request that states no size counts wrong, so these figures are lower than the reports'
and compare only across C) and ``words_size``: the share of in-scope requests planned with the right tool whose size
came from the words (no number or named input decided it) and whose text states one (``states_size``) that got the
right size.
"""

from __future__ import annotations

import statistics
import sys

from tomas.data import load_tool_data
from tomas.data.planner import load_handwritten, load_planner_examples
from tomas.eval.planner import choose_lexical_weights, example_hints, plan_right, predict_examples, tool_right
from tomas.inference import load_planner
from tomas.io import save_json
from tomas.models.lexical import LexicalTool

C_GRID = (0.3, 1.0, 3.0, 10.0)
SETS = {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl",
        "dev2": "data/planner_dev2/requests.jsonl"}


def set_rates(planner, examples: list, hints: list) -> dict:
    """Plan accuracy and words-sourced size accuracy at the right tool, in percent."""
    choices = predict_examples(planner.model, planner.tokenizer, examples, planner.device, 32, hints=hints)
    words = [(e, c) for e, c, h in zip(examples, choices, hints)
             if e.states_size and tool_right(e, c, planner.table) and h[c.tool_id].source == "words"]
    return {"plan": round(100 * sum(plan_right(e, c, planner.table) for e, c in zip(examples, choices))
                          / len(examples), 2),
            "words_size": round(100 * sum(c.input_size == e.input_size for e, c in words) / max(len(words), 1), 2),
            "num_words": len(words)}


def folder_report(folder: str) -> dict:
    planner = load_planner(folder, "cpu")
    data = load_tool_data(planner.cfg.data.tool_registry, planner.cfg.data.profiling_data)
    sized = [e for e in load_planner_examples(planner.cfg.data.train_file, data) if e.states_size]
    sets = {name: planner.read_examples(load_planner_examples(path, data) if name == "val"
                                        else load_handwritten(path, data)) for name, path in SETS.items()}
    hints = {name: example_hints(examples, data.tools, planner.table, "numbers") for name, examples in sets.items()}
    decoder, out = planner.model.decoder, {}
    for c in C_GRID:
        decoder.size_lexical = LexicalTool.fit([e.task for e in sized], [e.input_size for e in sized], c=c)
        tool_weight = decoder.lexical_weight  # the tool evidence's weight stays the planner's own
        _, decoder.size_lexical_weight = choose_lexical_weights(planner.model, planner.tokenizer,
                                                                sets["val"] + sets["dev"], planner.device)
        decoder.lexical_weight = tool_weight
        out[str(c)] = {"weight": decoder.size_lexical_weight} | {
            name: set_rates(planner, examples, hints[name]) for name, examples in sets.items()}
        print(folder, c, out[str(c)], flush=True)
    return out


def main(path: str, folders: list[str]) -> None:
    seeds = {folder: folder_report(folder) for folder in folders}
    mean = {str(c): {name: {key: round(statistics.mean(s[str(c)][name][key] for s in seeds.values()), 2)
                            for key in ("plan", "words_size")} for name in SETS} for c in C_GRID}
    save_json({"what": __doc__.split("\n\n")[0], "c_grid": C_GRID, "mean": mean, "seeds": seeds}, path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
