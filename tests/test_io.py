"""Atomic writes: a failed write leaves nothing behind, a successful one replaces the file whole. YAML reads:
fast and safe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tomas.io import atomic_write, read_yaml, save_json

ROOT = Path(__file__).resolve().parents[1]


def test_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "out" / "asset.json"

    def write(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, write)
    assert list(target.parent.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "asset.json"
    target.write_text("old")

    def write(path):
        path.write_text("new, half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, write)
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_existing_file_is_replaced_whole(tmp_path):
    target = tmp_path / "asset.json"
    target.write_text("x" * 10_000)
    assert atomic_write(target, lambda p: p.write_text("short")) == target
    assert target.read_text() == "short"
    save_json({"a": [1, 2]}, target)
    assert json.loads(target.read_text()) == {"a": [1, 2]}
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_write_gives_the_usual_permissions(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "x.json", lambda p: p.write_text("{}"))
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_read_yaml_reads_the_shipped_banks_as_the_safe_loader_does():
    """The fast loader (libyaml's, where PyYAML has it) must not change a word of the planner's banks or the
    named-sizes table."""
    import tomas.io

    assert tomas.io._YAML_LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    files = sorted((ROOT / "src/tomas/data").rglob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path


def test_read_yaml_refuses_python_objects(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("!!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(yaml.constructor.ConstructorError):
        read_yaml(path)
