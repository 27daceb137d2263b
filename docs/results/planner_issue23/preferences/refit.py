"""A preference reader fitted as training fits it (``training.planner.setup``: the training file, val + planner_dev,
the training seed), at another false-preference cap, into a copy of each planner: ``python refit.py RUN OUT CAP``
copies RUN/seed_S's planner files to OUT/seed_S and writes the reader with ``model.preference_max_false`` = CAP
(``preference_above`` and the config in ``planner.json`` say so). The reader does not depend on the planner's
weights, so this is what training with ``--model.preference_max_false CAP`` saves, for a config that trains on the
whole training file (``data.train_fraction`` 1, no ``data.holdout_configs``: the shipped one)."""

import json
import shutil
import sys
from pathlib import Path

from tomas.artifacts.planner import META, PREFERENCE_LEXICAL_FILES, STATE, save_lexical
from tomas.data import load_tool_data
from tomas.data.planner import load_dev, load_planner_examples
from tomas.training.lexical import fit_preference_reader

run, out, cap = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
for folder in sorted(run.glob("seed_*")):
    meta = json.loads((folder / META).read_text())
    d = meta["config"]["data"]
    assert d["train_fraction"] == 1 and not d["holdout_configs"], f"{folder}: trained on part of its training file"
    data = load_tool_data(d["tool_registry"], d["profiling_data"])
    train, val = (load_planner_examples(d[k], data) for k in ("train_file", "val_file"))
    reader = fit_preference_reader(train, val + load_dev(d["dev_file"], data, print),
                                   meta["config"]["training"]["seed"], cap)
    target = out / folder.name
    target.mkdir(parents=True, exist_ok=True)
    for f in folder.iterdir():
        if f.is_file() and f.name not in (*PREFERENCE_LEXICAL_FILES, STATE, META):
            shutil.copy2(f, target / f.name)
    save_lexical(target, reader.lexical, PREFERENCE_LEXICAL_FILES)
    meta["config"]["model"]["preference_max_false"] = cap
    (target / META).write_text(json.dumps({**meta, "preference_above": reader.above}, indent=1) + "\n")
    print(f"{folder} -> {target}: threshold {reader.above}")
