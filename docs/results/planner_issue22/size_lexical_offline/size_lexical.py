"""Offline, validation only: the planner's log P(size | tool) plus w x a TF-IDF + logistic regression size classifier's
log-probabilities (word 1-2 and character 2-5 grams of the request, fitted on the training file's sized in-scope
requests), the argmax over the sizes allowed. Scored on requests whose tool the planner got right and whose size it
read from words (neither a number nor a named input decided it), for a grid of w, per seed; dump_size.py's files.
Usage, from the repository root: python size_lexical.py DUMP_DIR (holding sizes_seed{0,1,2}.json)"""
import json
import sys

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

SIZES = ["small", "medium", "large"]
SETS = {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl",
        "dev2": "data/planner_dev2/requests.jsonl"}
WEIGHTS = [0, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2]
train = [json.loads(line) for line in open("data/planner/train.jsonl")]
sized = [r for r in train if r.get("tool") and r.get("input_size") and r.get("size_in_text", True)]
texts = [r["task"] for r in sized]
vectorizers = [TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts),
               TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(texts)]
features = lambda t: hstack([v.transform(t) for v in vectorizers]).tocsr()  # noqa: E731
classifier = LogisticRegression(C=10.0, max_iter=3000).fit(features(texts), [r["input_size"] for r in sized])
order = [list(classifier.classes_).index(s) for s in SIZES]
print(f"fitted on {len(sized)} sized requests; size right (%) given the right tool, sizes read from words; w: "
      + " ".join(map(str, WEIGHTS)))
means = {name: np.zeros(len(WEIGHTS)) for name in SETS}
for seed in range(3):
    dump = json.load(open(f"{sys.argv[1]}/sizes_seed{seed}.json"))
    for name, path in SETS.items():
        rows = [json.loads(line) for line in open(path)]
        kept = [(r, x) for r, x in zip(rows, dump[name])
                if x["tool"] and x["size"] and x["got_tool"] == x["tool"] and x["source"] == "words"]
        words = classifier.predict_log_proba(features([r["task"] for r, _ in kept]))[:, order]
        accuracy = []
        for w in WEIGHTS:
            right = 0
            for (_, x), lex in zip(kept, words):
                score = np.array(x["logp"]) + w * lex
                score[~np.array(x["mask"])] = -np.inf
                right += SIZES[int(score.argmax())] == x["size"]
            accuracy.append(100 * right / len(kept))
        means[name] += np.array(accuracy) / 3
        print(f"seed {seed} {name:>4} (n={len(kept)}): " + " ".join(f"{a:.1f}" for a in accuracy))
for name in SETS:
    print(f"mean   {name:>4}: " + " ".join(f"{a:.1f}" for a in means[name]))
