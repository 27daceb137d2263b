"""`tomas bench` through the real CLI on the tiny LLM and the small fixture config, and its FLOP/metrics helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tomas.perf import QWEN25_7B, Shape, Work, batch_work, count_nonembedding, train_flops
from tomas.recipes.bench import lm_samples_to, time_to_exact_match, with_evaluation

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/other"
KEYS = ("samples_per_s", "tokens_per_s", "achieved_gflops", "peak_gflops", "ratio", "peak_rss_mb")

# The anchor stage to step 10, LM records with sampled checks (step 30 has none: its loss was above the
# target), the LM record of step 40 logged twice (a resumed run: the last one counts), the full check.
SYNTHETIC = [
    {"stage": "anchor", "step": 10, "train_wall_s": 1.0, "loss": None, "anchor_exact": 1.0},
    {"stage": "lm", "step": 20, "train_wall_s": 10.0, "loss": 0.5, "check_exact": 0.3, "check_size": 64},
    {"stage": "lm", "step": 30, "train_wall_s": 20.0, "loss": 0.2},
    {"stage": "lm", "step": 40, "train_wall_s": 29.0, "loss": 0.1, "check_exact": 0.4, "check_size": 64},
    {"stage": "lm", "step": 40, "train_wall_s": 31.0, "loss": 0.1, "check_exact": 0.95, "check_size": 64},
    {"stage": "check", "step": 40, "train_wall_s": 38.0, "loss": None, "exact_match": 0.99},
    {"stage": "repair", "step": 50, "train_wall_s": 45.0, "loss": 0.01, "check_exact": 1.0},
]


@pytest.fixture(scope="module")
def config(make_config, tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    path = root / "bench.yaml"
    path.write_text(make_config(FIXTURE / "tools.json", FIXTURE / "profiling.csv", root / "never_written"))
    return path


@pytest.fixture(scope="module")
def batch_size(config) -> int:
    return yaml.safe_load(config.read_text())["training"]["batch_size"]


@pytest.fixture(scope="module")
def metrics_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench_metrics") / "pretrain_metrics.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in SYNTHETIC))
    # The greedy evaluation of the final model: what makes the repaired run's 100% a measure, not a sample.
    (path.parent / "eval_report.json").write_text(json.dumps({"exact_match": 1.0, "train_wall_s": 45.0}))
    return path


@pytest.fixture(scope="module")
def bench_json(cli, config, metrics_file):
    result = cli(["-m", "tomas.cli", "bench", "--config", str(config), "--quick", "--json",
                  "--metrics", str(metrics_file)], timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout), result


def test_bench_json_keys_and_values(bench_json, config, batch_size):
    r, result = bench_json
    for key in KEYS:
        assert isinstance(r[key], float) and r[key] > 0, key
    assert r["ratio"] == pytest.approx(r["achieved_gflops"] / r["peak_gflops"], rel=1e-12)
    assert r["model"] == "tiny" and r["batch_size"] == batch_size and r["steps"] == 3
    assert r["tokens_per_s"] == pytest.approx(r["samples_per_s"] * r["tokens_per_sample"])
    assert r["achieved_gflops"] == pytest.approx(r["samples_per_s"] * r["flops_per_sample"] / 1e9)
    assert r["cached_prompt_tokens"] > 0 and 0 <= r["padding_fraction"] < 1
    assert not (config.parent / "never_written").exists()  # the bench writes no run files


def test_bench_time_to_exact_match(bench_json, batch_size):
    r, _ = bench_json
    assert r["time_to_exact_match"] == {"50": 31.0, "90": 31.0, "99": 38.0, "100": 45.0}
    basis = r["time_to_exact_match_basis"]
    assert basis["99"] == "all configurations (check stage)"
    assert basis["50"] == "a sample of 64 configurations (lm stage), an estimate"
    assert basis["100"].startswith("greedy generation of every configuration")
    p = r["projection"]
    assert p["target"] == "100%" and p["lm_samples_to_target"] == (50 - 10) * batch_size
    assert p["ratio"] == r["ratio"] and p["peak_tflops"] == 989.0
    assert p["time_to_target_s"] == pytest.approx(p["lm_samples_to_target"] / p["samples_per_s"])


def test_bench_table(cli, config):
    result = cli(["-m", "tomas.cli", "bench", "--config", str(config), "--quick", "--projection_ratio", "0.4"],
                 timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    names = [row.split("|")[1].strip() for row in rows]
    assert names == ["metric", "samples/s", "tokens/s", "FLOPs/sample", "achieved GFLOP/s", "peak GFLOP/s",
                     "achieved / peak", "peak RSS", "projection: samples/s"]
    assert "ratio 0.40" in result.stdout and "cached prompt is not counted" in result.stdout


def test_bench_missing_metrics_file_is_one_line_error(cli, config, tmp_path):
    result = cli(["-m", "tomas.cli", "bench", "--config", str(config), "--quick", "--metrics",
                  str(tmp_path / "nope.jsonl")], timeout=120)
    assert result.returncode == 2 and result.stderr.strip().splitlines()[-1].startswith("error: --metrics")


def test_a_sampled_check_never_counts_as_100_percent(tmp_path):
    assert time_to_exact_match(SYNTHETIC)["100"] is None  # the repair's recheck is a sample
    stale = tmp_path / "eval_report.json"
    stale.write_text(json.dumps({"exact_match": 1.0, "train_wall_s": 12.0}))  # of another model: ignored
    assert time_to_exact_match(with_evaluation(SYNTHETIC, str(stale)))["100"] is None


def test_time_to_exact_match_not_reached():
    records = [r for r in SYNTHETIC if r["stage"] != "repair"]
    assert time_to_exact_match(records) == {"50": 31.0, "90": 31.0, "99": 38.0, "100": None}
    assert lm_samples_to(records, 4) == ("99", (40 - 10) * 4)
    assert lm_samples_to([SYNTHETIC[0]], 4) is None


def test_nonembedding_formula_matches_the_model():
    from tomas.models.llm import build_tiny_model

    model = build_tiny_model(1000)
    assert Shape.of(model.config).nonembedding_params() == count_nonembedding(model)
    # Qwen2.5-7B: 6.53B non-embedding parameters (its model card); 28 heads x 128 = hidden
    assert QWEN25_7B.nonembedding_params() == pytest.approx(6.53e9, rel=1e-3)
    assert QWEN25_7B.attention_dim == 3584


def test_flop_formula_by_hand():
    import torch

    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)
    w = batch_work(mask, prefix=5, cached=10)
    # queries: prefix + targets[:-1] that are real: 5 + 3, 5 + 3 (the last target is never fed back)
    assert (w.samples, w.tokens, w.computed, w.targets) == (2, 16, 16, 7)
    assert w.attention == 8 * 18 + 8 * 18
    shape = Shape(hidden=4, layers=2, intermediate=8, heads=2, kv_heads=1, vocab=10)
    n = shape.nonembedding_params()
    weights, attention, head = 2 * n * 16, 4 * 2 * 4 * w.attention, 2 * 4 * 10 * 7
    assert train_flops(shape, n, w, trainable=3) == 2 * weights + 3 * attention + 2 * head + 6 * 3 * 2
    assert (w + Work(samples=1)).samples == 3
