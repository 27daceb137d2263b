"""`export_classifier_weights.py` refuses checkpoints that do not match: exit code 2, one `error:` line."""

from __future__ import annotations

import shutil

import pytest

EXPORT = "script/export_classifier_weights.py"


def _export(cli, checkpoint, registry, profiling, output_dir, *extra):
    return cli([EXPORT, "--encoder_checkpoint", str(checkpoint), "--tool_registry", str(registry),
                "--profiling_data", str(profiling), "--output_dir", str(output_dir), "--batch_size", "64",
                "--device", "cpu", *extra])


def _single_error_line(result) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    return errors[0]


def _nothing_written(output_dir):
    assert not output_dir.exists() or not any(output_dir.iterdir())


def test_refuses_checkpoint_for_another_llm(pretrained, cli, tmp_path):
    ckpt = pretrained.out / "pretrained_encoder.pt"
    result = _export(cli, ckpt, pretrained.registry, pretrained.profiling, tmp_path / "assets", "--llm_model", "other")
    line = _single_error_line(result)
    assert str(ckpt) in line and "'tiny'" in line and "'other'" in line
    assert "--llm_model tiny" in line  # says how to fix it
    _nothing_written(tmp_path / "assets")


def test_refuses_checkpoint_trained_on_other_data(pretrained, cli, tmp_path):
    lines = pretrained.profiling.read_text().splitlines()
    cells = lines[1].split(",")
    cells[-1] = str(float(cells[-1]) + 1)  # one latency changed
    lines[1] = ",".join(cells)
    profiling = tmp_path / "profiling.csv"
    profiling.write_text("\n".join(lines) + "\n")
    ckpt = pretrained.out / "pretrained_encoder.pt"
    result = _export(cli, ckpt, pretrained.registry, profiling, tmp_path / "assets", "--llm_model", "tiny")
    line = _single_error_line(result)
    assert str(ckpt) in line and "other registry/profiling data" in line
    _nothing_written(tmp_path / "assets")


def test_refuses_same_data_under_another_tool_order(pretrained, cli, tmp_path):
    """Tool ids are registry positions: a reordered registry is other data, even with the same content."""
    import json

    tools = json.loads(pretrained.registry.read_text())
    registry = tmp_path / "tools.json"
    registry.write_text(json.dumps(tools[::-1], indent=2))
    ckpt = pretrained.out / "pretrained_encoder.pt"
    line = _single_error_line(_export(cli, ckpt, registry, pretrained.profiling, tmp_path / "assets"))
    assert str(ckpt) in line
    _nothing_written(tmp_path / "assets")


@pytest.mark.parametrize("make", ["missing", "garbage"])
def test_missing_or_unreadable_checkpoint(pretrained, cli, tmp_path, make):
    ckpt = tmp_path / "nowhere" / "pretrained_encoder.pt"
    if make == "garbage":
        ckpt.parent.mkdir()
        ckpt.write_bytes(b"not a checkpoint")
    line = _single_error_line(_export(cli, ckpt, pretrained.registry, pretrained.profiling, tmp_path / "assets"))
    assert str(ckpt) in line
    assert ("not found" in line) if make == "missing" else ("cannot read checkpoint" in line)
    _nothing_written(tmp_path / "assets")


def test_export_with_copied_identical_data_succeeds(pretrained, cli, tmp_path):
    """The fingerprint is of the content, not the paths: byte-identical copies are accepted."""
    registry, profiling = tmp_path / "tools.json", tmp_path / "profiling.csv"
    shutil.copy(pretrained.registry, registry)
    shutil.copy(pretrained.profiling, profiling)
    result = _export(cli, pretrained.out / "encoder_checkpoint_epoch2.pt", registry, profiling, tmp_path / "assets")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "assets" / "config_weights.pt").is_file()
