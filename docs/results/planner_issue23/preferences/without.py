"""The same planners without the preference reader: ``python without.py RUN OFF`` copies each RUN/seed_S planner
folder (its files, not its evaluations or training state) to OFF/seed_S with ``preference_above`` null and the
reader's files left out, so ``planner_seeds.py --output_dir OFF`` scores the same weights with no preference read."""

import json
import shutil
import sys
from pathlib import Path

from tomas.artifacts.planner import META, PREFERENCE_LEXICAL_FILES, STATE

run, off = Path(sys.argv[1]), Path(sys.argv[2])
for folder in sorted(run.glob("seed_*")):
    target = off / folder.name
    target.mkdir(parents=True, exist_ok=True)
    for f in folder.iterdir():
        if f.is_file() and f.name not in (*PREFERENCE_LEXICAL_FILES, STATE, META):
            shutil.copy2(f, target / f.name)
    meta = json.loads((folder / META).read_text())
    assert meta.get("preference_above") is not None, f"{folder}: no preference reader to leave out"
    (target / META).write_text(json.dumps({**meta, "preference_above": None}, indent=1) + "\n")
    print(f"{folder} -> {target} (preference reader off)")
