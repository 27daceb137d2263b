"""What the lexical tool evidence costs: fitting it on the training file, loading a planner folder's, a request's
features and probabilities, scikit-learn's import in a fresh process (what planning avoids), its files' sizes.
Usage (repository root): python docs/results/planner_issue23/lexical/cost.py PLANNER_DIR > cost.json"""
import json
import subprocess
import sys
import time
from pathlib import Path

from tomas.artifacts.planner import LEXICAL_FILES, load_lexical
from tomas.models.lexical import LexicalTool


def timed(fn, repeats=3):
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
    return out, sorted(walls)[len(walls) // 2]


train = [json.loads(line) for line in open("data/planner/train.jsonl")]
val = [json.loads(line)["task"] for line in open("data/planner/val.jsonl")]
_, fit_s = timed(lambda: LexicalTool.fit([r["task"] for r in train], [r.get("tool") for r in train]), 1)
lexical, load_s = timed(lambda: load_lexical(sys.argv[1]))
tools = [c for c in lexical.classes if not c.startswith("(")]
_, apply_s = timed(lambda: [lexical.log_probs([t], tools) for t in val])
probe = ("import time; t = time.perf_counter(); import sklearn.feature_extraction.text, sklearn.linear_model; "
         "print(time.perf_counter() - t)")
imports = sorted(float(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout)
                 for _ in range(5))
sizes = {name: Path(sys.argv[1], name).stat().st_size for name in LEXICAL_FILES}
print(json.dumps({"planner_dir": sys.argv[1], "train_requests": len(train), "fit_s": round(fit_s, 2),
                  "file_bytes": sizes, "word_ngrams": len(lexical.vocab[0]), "char_ngrams": len(lexical.vocab[1]),
                  "load_s_median_of_3": round(load_s, 4),
                  "per_request_ms_median_of_3": round(1000 * apply_s / len(val), 3), "requests_timed": len(val),
                  "sklearn_import_s_median_of_5": round(imports[2], 3)}, indent=1))
