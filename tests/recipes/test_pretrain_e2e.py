"""Phase 0 end to end through the real commands: pretrain -> export -> evaluate -> the spec's Validation."""

from __future__ import annotations

import csv
import json
import re

import pytest
import torch

LOOKUP_KEYS = ["tool_name", "input_size", "cpu_cores", "memory_gb", "gpu_sm", "gpu_memory_gb", "latency_ms"]
EVAL_FIELDS = {"tool", "input_size", "cpu_cores", "memory_gb", "gpu_sm", "gpu_memory_gb", "latency_ms"}

# The "Validation" snippet of docs/phase0_quickstart.md (the user's spec), verbatim.
SPEC_VALIDATION = """\
import torch
import json

# Load weight matrix
data = torch.load("assets/config_weights.pt")
print(f"Weight matrix shape: {data['weights'].shape}")  # [1701, 3584]
print(f"Number of configs: {data['num_configs']}")      # 1701
print(f"Hidden dimension: {data['hidden_dim']}")        # 3584

# Load lookup tables
with open("assets/config_lookup.json") as f:
    config_lookup = json.load(f)
    print(f"Config lookup entries: {len(config_lookup)}")

with open("assets/tool_mask_map.json") as f:
    tool_mask_map = json.load(f)
    print(f"Tools in mask map: {list(tool_mask_map.keys())}")
    for tool, configs in tool_mask_map.items():
        print(f"  {tool}: {len(configs)} configurations")
"""


@pytest.fixture(scope="module")
def exported(pretrained, cli, tmp_path_factory):
    """`python script/export_classifier_weights.py ...` (the spec's flags) into <tmp>/assets."""
    workdir = tmp_path_factory.mktemp("validation")
    assets = workdir / "assets"
    result = cli(["script/export_classifier_weights.py", "--encoder_checkpoint",
                  str(pretrained.out / "pretrained_encoder.pt"), "--tool_registry", str(pretrained.registry),
                  "--profiling_data", str(pretrained.profiling), "--llm_model", "tiny", "--output_dir", str(assets),
                  "--batch_size", "64", "--device", "cpu"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return workdir, assets, result


@pytest.fixture(scope="module")
def evaluated(pretrained, exported, cli):
    _, assets, _ = exported
    result = cli(["-m", "tomas.cli", "evaluate", "--encoder_checkpoint", str(pretrained.out / "pretrained_encoder.pt"),
                  "--weights", str(assets / "config_weights.pt"), "--tool_registry", str(pretrained.registry),
                  "--profiling_data", str(pretrained.profiling), "--device", "cpu", "--batch_size", "64"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return assets / "eval_report.json", result


def test_pretrain_console_output(pretrained):
    out, n = pretrained.result.stdout, pretrained.num_rows
    for line in ["Loading configuration from: ", "TOMAS-LLM Encoder Pre-training", "[1/5] Loading dataset...",
                 f"✓ Loaded {n} samples from {n} configs", "LLM Model: tiny", "Device: cpu",
                 "Anchor stage: the encoder learns", "LM stage: the shared soft prompt learns to copy",
                 f"Checking all {n} configurations", "Repair round 1:", "✓ Best model saved", "[5/5] Done"]:
        assert line in out, f"{line!r} missing from:\n{out}"
    assert "Traceback" not in pretrained.result.stderr


def stages_of(records: list[dict]) -> list[str]:
    """The stage names in order, repeats folded: ["anchor", "lm", "check", "repair"]."""
    return [r["stage"] for i, r in enumerate(records) if i == 0 or records[i - 1]["stage"] != r["stage"]]


def test_pretrain_files(pretrained):
    out, freq = pretrained.out, pretrained.checkpoint_freq
    best = torch.load(out / "pretrained_encoder.pt", map_location="cpu", weights_only=True)
    assert best["llm_model"] == "tiny" and best["hidden_size"] == 64
    assert best["tool_names"] == [t["name"] for t in json.loads(pretrained.registry.read_text())]
    passes = pretrained.lm_steps // -(-pretrained.num_rows // 8)
    for epoch in range(1, passes + 1):
        path = out / f"encoder_checkpoint_epoch{epoch}.pt"
        assert path.is_file() == (epoch % freq == 0), path
        if path.is_file():
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
            assert ckpt["epoch"] == epoch and "optimizer" in ckpt
    state = torch.load(out / "train_state.pt", map_location="cpu", weights_only=True)
    assert state["stage"] == "done" and state["epoch"] == passes and state["batch_in_epoch"] == 0
    assert (out / "pretrain_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


def test_pretrain_metrics_jsonl(pretrained):
    records = [json.loads(line) for line in (pretrained.out / "pretrain_metrics.jsonl").read_text().splitlines()]
    stages = stages_of(records)
    repair = next(r for r in records if r["stage"] == "repair")
    # A recheck with none wrong is only a sample: a full check follows it and has the last word.
    assert stages == ["anchor", "lm", "check", "repair"] + (["check"] if repair["check_exact"] == 1.0 else [])
    checks = [r for r in records if r["stage"] == "check"]  # only a full check may choose the exported model
    best = torch.load(pretrained.out / "pretrained_encoder.pt", map_location="cpu", weights_only=True)
    assert best["step"] == next(r["step"] for r in checks if r["exact_match"] == max(c["exact_match"] for c in checks))
    steps = [(r["step"], r["stage"]) for r in records]  # a full check shares the step before it
    assert [s for s, _ in steps] == sorted(s for s, _ in steps) and len(set(steps)) == len(steps)
    anchor = [r for r in records if r["stage"] == "anchor"]
    assert all(0.0 <= r["anchor_exact"] <= 1.0 for r in anchor)
    assert anchor[-1]["anchor_loss"] < anchor[0]["anchor_loss"]  # the encoder really learns its fields
    lm = [r for r in records if r["stage"] == "lm"]
    assert [r["step"] - anchor[-1]["step"] for r in lm] == list(range(pretrained.check_every, pretrained.lm_steps + 1,
                                                                       pretrained.check_every))
    for r in lm:
        assert isinstance(r["loss"], float) and r["loss"] > 0 and r["anchor_loss"] is None  # snap: no anchor loss
        assert 0.0 <= r["check_exact"] <= 1.0 and r["check_size"] == 8
    check = next(r for r in records if r["stage"] == "check")
    assert 0.0 <= check["exact_match"] <= 1.0 and set(check["per_field"]) == EVAL_FIELDS
    assert check["num_failures"] == round((1 - check["exact_match"]) * pretrained.num_rows)


def test_export_console_output(exported, pretrained):
    _, assets, result = exported
    n, k = pretrained.num_rows, pretrained.num_tools
    for line in [f"✓ Generated weight matrix: [{n}, 64]", f"✓ Saved weight matrix to {assets / 'config_weights.pt'}",
                 f"Shape: [{n}, 64]", f"Entries: {n}", f"Tools: {k}"]:
        assert line in result.stdout, f"{line!r} missing from:\n{result.stdout}"


def test_export_weights(exported, pretrained):
    from safetensors.torch import load_file

    from tomas.data.profiling import INPUT_SIZES
    from tomas.models.self_encoding import self_encoder_from_checkpoint

    _, assets, _ = exported
    blob = torch.load(assets / "config_weights.pt", map_location="cpu", weights_only=True)
    w = blob["weights"]
    n = pretrained.num_rows
    assert w.shape == (n, 64) and w.dtype == torch.float32
    assert blob["num_configs"] == n and blob["hidden_dim"] == 64
    assert torch.isfinite(w).all()
    assert torch.unique(w, dim=0).shape[0] == n  # one distinct row per configuration
    assert torch.equal(load_file(str(assets / "config_weights.safetensors"))["weights"], w)
    # the rows are the checkpoint's encoder applied to the CSV rows, in CSV order
    ckpt = torch.load(pretrained.out / "pretrained_encoder.pt", map_location="cpu", weights_only=True)
    model, _ = self_encoder_from_checkpoint(ckpt)
    rows = _csv_rows(pretrained)
    tool_ids = torch.tensor([ckpt["tool_names"].index(r["tool_name"]) for r in rows])
    resources = torch.tensor([[float(INPUT_SIZES.index(r["input_size"])), *(float(r[k]) for k in LOOKUP_KEYS[2:])]
                              for r in rows])
    with torch.no_grad():
        expected = model.encoder(tool_ids, resources)
    torch.testing.assert_close(w, expected)


def test_export_readback_prompt(exported, pretrained):
    """The shared prompt around a row travels with the assets; this recipe (an expander) says the row alone is
    not what the LLM read in training."""
    from tomas.artifacts.assets import load_readback_prompt
    from tomas.eval.readback import RowAlone

    _, assets, result = exported
    tensors, meta = load_readback_prompt(assets / "readback_prompt.safetensors")
    ckpt = torch.load(pretrained.out / "pretrained_encoder.pt", map_location="cpu", weights_only=True)
    for name in ("prompt_before", "soft_prompt", "soft_suffix", "prompt_after"):
        assert torch.equal(tensors[name], ckpt["adapter"][name]), name
    assert meta == {"llm_model": "tiny", "row_alone": "false"}
    assert "Reads back: rows through the pre-training expander" in result.stdout
    reader = RowAlone.from_assets(assets / "readback_prompt.safetensors")
    embed = torch.nn.Embedding(int(torch.cat([tensors["prompt_before"], tensors["prompt_after"]]).max()) + 1, 64)
    prefix, _ = reader(torch.ones(3, 64), embed)
    n = len(tensors["prompt_before"]) + len(tensors["soft_prompt"])
    assert prefix.shape == (3, n + 1 + len(tensors["soft_suffix"]) + len(tensors["prompt_after"]), 64)
    assert torch.equal(prefix[:, n], torch.ones(3, 64))


def _csv_rows(pretrained) -> list[dict]:
    with open(pretrained.profiling, newline="") as f:
        return list(csv.DictReader(f))


def test_export_config_lookup(exported, pretrained):
    _, assets, _ = exported
    lookup = json.loads((assets / "config_lookup.json").read_text())
    rows = _csv_rows(pretrained)
    assert list(lookup) == [str(i) for i in range(len(rows))]
    for i, row in enumerate(rows):
        entry = lookup[str(i)]
        assert list(entry) == LOOKUP_KEYS
        assert entry["tool_name"] == row["tool_name"] and entry["input_size"] == row["input_size"]
        for key in LOOKUP_KEYS[2:]:
            assert isinstance(entry[key], (int, float)) and entry[key] == float(row[key]), (i, key)


def test_export_tool_mask_map(exported, pretrained):
    _, assets, _ = exported
    mask = json.loads((assets / "tool_mask_map.json").read_text())
    lookup = json.loads((assets / "config_lookup.json").read_text())
    assert list(mask) == [t["name"] for t in json.loads(pretrained.registry.read_text())]
    all_ids = [i for ids in mask.values() for i in ids]
    assert sorted(all_ids) == list(range(pretrained.num_rows))  # every id exactly once
    for tool, ids in mask.items():
        assert ids == sorted(ids) and ids
        assert all(lookup[str(i)]["tool_name"] == tool for i in ids)


def test_the_snippet_is_the_specs_own():
    """The copy of the user's spec in docs/ holds this very snippet (the first python block after "## Validation")."""
    from pathlib import Path

    spec = (Path(__file__).resolve().parents[2] / "docs/phase0_quickstart.md").read_text()
    block = spec.split("## Validation", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert block == SPEC_VALIDATION


def test_spec_validation_snippet(exported, pretrained, cli):
    workdir, _, _ = exported
    result = cli(["-c", SPEC_VALIDATION], cwd=workdir)
    assert result.returncode == 0, result.stderr
    n = pretrained.num_rows
    out = result.stdout
    assert f"Weight matrix shape: torch.Size([{n}, 64])" in out
    assert f"Number of configs: {n}\n" in out and "Hidden dimension: 64\n" in out
    assert f"Config lookup entries: {n}\n" in out
    names = [t["name"] for t in json.loads(pretrained.registry.read_text())]
    assert f"Tools in mask map: {names}" in out
    counts = {name: sum(r["tool_name"] == name for r in _csv_rows(pretrained)) for name in names}
    for name, count in counts.items():
        assert f"  {name}: {count} configurations" in out


def test_evaluate_report(evaluated, pretrained):
    path, result = evaluated
    report = json.loads(path.read_text())
    assert 0.0 <= report["exact_match"] <= 1.0
    assert report["num_configs"] == pretrained.num_rows
    assert isinstance(report["per_field"], dict) and set(report["per_field"]) == EVAL_FIELDS
    assert all(0.0 <= v <= 1.0 for v in report["per_field"].values())
    assert report["train_wall_s"] > 0
    assert report["llm_model"] == "tiny"
    assert path.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    m = re.search(r"Exact match: ([\d.]+)% of (\d+) configurations", result.stdout)
    assert m and int(m[2]) == pretrained.num_rows
    assert float(m[1]) == pytest.approx(100 * report["exact_match"], abs=0.01)


def test_legacy_flat_flags(pretrained, cli, tmp_path):
    """The spec's "Legacy: Command-line Only" form (on top of the default YAML); --num_epochs caps the LM stage."""
    out = tmp_path / "legacy"
    result = cli(["script/pretrain_encoder.py", "--tool_registry", str(pretrained.registry),
                  "--profiling_data", str(pretrained.profiling), "--llm_model", "tiny", "--batch_size", "64",
                  "--num_epochs", "1", "--lr", "1e-3", "--target_loss", "0.01", "--augmentation_mode", "jitter",
                  "--num_augmented_copies", "2", "--output_dir", str(out), "--checkpoint_freq", "1",
                  "--device", "cpu", "--training.anchor_max_steps", "10", "--training.anchor_polish_steps", "0",
                  "--training.repair_rounds", "0"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    n = pretrained.num_rows
    assert f"✓ Loaded {2 * n} samples from {n} configs" in result.stdout
    for line in ["Batch Size: 64", "Learning Rate: 0.001", "Max LM steps: 200 (or 1 passes)",
                 "Augmentation: jitter (×2)", "LLM Model: tiny", "at most 1 LM steps of 64"]:
        assert line in result.stdout, line
    assert (out / "pretrained_encoder.pt").is_file() and (out / "encoder_checkpoint_epoch1.pt").is_file()
    ckpt = torch.load(out / "pretrained_encoder.pt", map_location="cpu", weights_only=True)
    assert ckpt["config"]["training"]["learning_rate"] == 1e-3
    aug = ckpt["config"]["data"]["augmentation"]
    assert (aug["mode"], aug["num_copies"]) == ("jitter", 2)
    records = [json.loads(line) for line in (out / "pretrain_metrics.jsonl").read_text().splitlines()]
    assert stages_of(records) == ["anchor", "lm", "check"] and records[-1]["step"] == 10 + 1
