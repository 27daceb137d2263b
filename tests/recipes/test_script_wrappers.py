"""The spec's wrapper scripts run as the spec runs them (``python script/X.py``, a process of its own, from a
checkout): each is its `tomas` command. The other recipe tests call the commands in process; the shared
pre-training run (conftest ``pretrained``) goes through ``script/pretrain_encoder.py`` for real."""

from __future__ import annotations


def test_each_wrapper_is_its_command(process_cli, wrappers):
    for script, command in wrappers.items():
        r = process_cli([script, "--help"])
        assert r.returncode == 0 and "usage:" in r.stdout, r.stderr[-2000:]
        bad = process_cli([script, "--no_such_flag", "1"])
        assert bad.returncode == 2 and bad.stderr.startswith(f"error: tomas {command}: unrecognized arguments"), \
            bad.stderr
        assert len(bad.stderr.splitlines()) == 1, bad.stderr
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and len(bad.stderr.splitlines()) == 1, bad.stderr
