"""Which score should refuse requests no tool serves? The scope head's probability against distance scores on the
planner's own prompt vectors, each refused from the same rule (the lowest threshold at which neither val nor dev
refuses over 1% of its in-scope requests), over trained planners (seeds).

``python experiments/scope_scores.py --planner_dirs runs/scope_only/w3s/seed_{0,1,2} --output OUT.json [--tests]``

Scores (higher = out of scope): ``head`` (the shipped probability until session 11), ``maha`` (Mahalanobis
distance to the nearest tool's training mean, shared covariance), ``knnK`` (cosine distance to the K-th nearest
in-scope training request), ``ratioK`` (the K-th nearest out-of-scope training request's cosine minus the K-th
nearest in-scope one's; ratio1 = ``models.scope.NearestScope``), and ``a+b`` (the mean of the two scores'
z-scores over validation's in-scope requests). Without ``--tests`` only the validation sets are scored
(val, dev, dev2: what a choice may read); docs/planner.md, "Out of scope by nearest neighbours".
"""

from __future__ import annotations

import argparse
import statistics
import sys

import torch
import torch.nn.functional as F

from tomas.data import load_tool_data
from tomas.data.planner import load_handwritten, load_planner_examples
from tomas.eval.planner import scope_metrics
from tomas.eval.scope import joint_scope_threshold, with_scope_threshold
from tomas.inference import load_planner
from tomas.io import save_json
from tomas.models.decoder import Choice
from tomas.models.planner import prompt_states, render_prompt
from tomas.models.scope import NearestScope

VALIDATION = {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl",
              "dev2": "data/planner_dev2/requests.jsonl"}
TESTS = {"test": "data/planner/test.jsonl", "hand": "data/planner_handwritten/requests.jsonl",
         "hand2": "data/planner_handwritten2/requests.jsonl"}
COMBINED = (("head", "maha"), ("logit", "maha"), ("head", "knn1"), ("head", "knn10"), ("logit", "knn10"),
            ("head", "ratio1"), ("logit", "ratio1"), ("logit", "ratio5"))
BOUNDARIES = {"head": 0.5, "ratio1": 0.0, "ratio3": 0.0, "ratio5": 0.0, "ratio10": 0.0}
"""Each score's own decision boundary, the lowest threshold allowed (none: -inf)."""


def states(planner, examples) -> torch.Tensor:
    prompts = [render_prompt(e.task, e.free_resources, e.latency_budget_ms) for e in examples]
    return prompt_states(planner.model, planner.tokenizer, prompts, planner.device, 64).double()


def kth_cosine(x: torch.Tensor, bank: torch.Tensor, k: int) -> torch.Tensor:
    return (F.normalize(x, dim=-1) @ F.normalize(bank, dim=-1).T).topk(k, dim=1).values[:, -1]


def mahalanobis(train: torch.Tensor, tools: torch.Tensor):
    means = torch.stack([train[tools == t].mean(0) for t in range(int(tools.max()) + 1)])
    centred = train - means[tools]
    precision = torch.linalg.inv(centred.T @ centred / len(train))
    return lambda x: torch.einsum("bkh,hg,bkg->bk", x[:, None] - means, precision, x[:, None] - means).min(1).values


def all_scores(x: torch.Tensor, head: torch.Tensor, train: torch.Tensor, inside: torch.Tensor, maha) -> dict:
    out = {"head": head, "logit": torch.logit(head.clamp(1e-12, 1 - 1e-12)), "maha": maha(x)}
    for k in (1, 10):
        out[f"knn{k}"] = -kth_cosine(x, train[inside], k)
    for k in (1, 3, 5, 10):
        out[f"ratio{k}"] = kth_cosine(x, train[~inside], k) - kth_cosine(x, train[inside], k)
    return out


def score_planner(folder: str, train_file: str, sets: dict[str, str]) -> dict:
    planner = load_planner(folder, "cpu")
    data = load_tool_data(planner.cfg.data.tool_registry, planner.cfg.data.profiling_data)
    train_examples = load_planner_examples(train_file, data)
    train = states(planner, train_examples)
    tools = torch.tensor([-1 if e.tool is None else data.tool_id(e.tool) for e in train_examples])
    inside, maha = tools >= 0, mahalanobis(train[tools >= 0], tools[tools >= 0])
    check = NearestScope(train, inside)(train[:8].float())  # ratio1 is the shipped score (up to half precision)
    assert torch.allclose(check.double(), all_scores(train[:8], torch.zeros(8), train, inside, maha)["ratio1"],
                          atol=5e-3)
    examples, scores = {}, {}
    for name, path in sets.items():
        examples[name] = (load_planner_examples if name in ("val", "test") else load_handwritten)(path, data)
        x = states(planner, examples[name])
        with torch.no_grad():
            head = torch.sigmoid(planner.model.decoder.scope_head(x.float()).squeeze(-1)).double()
        scores[name] = all_scores(x, head, train, inside, maha)
    add_combinations(scores, examples["val"])
    return {key: refusals(examples, {n: s[key] for n, s in scores.items()}, BOUNDARIES.get(key, -float("inf")))
            for key in scores["val"]}


def add_combinations(scores: dict, val_examples) -> None:
    inside = torch.tensor([e.tool is not None for e in val_examples])
    for a, b in COMBINED:
        za, zb = (lambda s, k=k: (s[k] - scores["val"][k][inside].mean()) / scores["val"][k][inside].std()
                  for k in (a, b))
        for per_set in scores.values():
            per_set[f"{a}+{b}"] = (za(per_set) + zb(per_set)) / 2


def refusals(examples: dict, score: dict, boundary: float) -> dict:
    """Each set's recall and in-scope refusals at the threshold chosen on val and dev."""
    choices = {n: [Choice(0, None, 1.0, None, None, "small", scope_score=float(v)) for v in s]
               for n, s in score.items()}
    threshold = joint_scope_threshold([(examples[n], choices[n]) for n in ("val", "dev")], 0.01, boundary)
    return {"threshold": threshold} | {n: scope_metrics(examples[n], with_scope_threshold(choices[n], threshold))
                                       for n in score}


def summary(runs: list[dict]) -> dict:
    out = {}
    for key in runs[0]:
        out[key] = {}
        for name in runs[0][key]:
            if name == "threshold":
                continue
            for metric in ("out_of_scope_recall", "in_scope_refused"):
                values = [100 * r[key][name][metric] for r in runs if metric in r[key][name]]
                if values:
                    out[key][f"{name}_{metric}"] = [round(statistics.mean(values), 1),
                                                    round(statistics.stdev(values), 1) if len(values) > 1 else 0.0]
        recalls = [out[key][f"{n}_out_of_scope_recall"][0] for n in VALIDATION]
        out[key]["validation_mean_recall"] = round(statistics.mean(recalls), 1)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--planner_dirs", nargs="+", required=True)
    p.add_argument("--train_file", default="data/planner/train.jsonl")
    p.add_argument("--output", required=True)
    p.add_argument("--tests", action="store_true", help="also score test, hand and hand2 (after a choice)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    sets = VALIDATION | (TESTS if args.tests else {})
    runs = [score_planner(d, args.train_file, sets) for d in args.planner_dirs]
    result = {"planner_dirs": args.planner_dirs, "train_file": args.train_file, "summary": summary(runs),
              "per_seed": runs}
    save_json(result, args.output)
    for key, row in sorted(result["summary"].items(), key=lambda kv: -kv[1]["validation_mean_recall"]):
        print(f"{key:14s} validation mean recall {row['validation_mean_recall']:5.1f}  " + "  ".join(
            f"{n} {row[f'{n}_out_of_scope_recall'][0]:.1f}±{row[f'{n}_out_of_scope_recall'][1]:.1f}"
            f" (refused {row[f'{n}_in_scope_refused'][0]:.2f})" for n in sets if f"{n}_out_of_scope_recall" in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
