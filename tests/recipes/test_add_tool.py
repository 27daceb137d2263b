"""`tomas add-tool`: a tool added to the shared tiny planner after training is planned over like the others."""

from __future__ import annotations

import json
import random

import pytest
import torch

from tomas.data import load_tool_data
from tomas.data.planner import generate_planner
from tomas.data.profiling import RESOURCES

TOMAS = ["-m", "tomas.cli"]

NEW = {"name": "audio_denoising", "description": "Removes background noise and hum from a speech or music recording."}


@pytest.fixture(scope="module")
def extended(planner_run, pretrained, cli, tmp_path_factory):
    """The tiny planner plus ``audio_denoising`` (its profiling rows: speech_to_text's, 1.5x slower)."""
    root = tmp_path_factory.mktemp("add_tool")
    registry, profiling = root / "tools.json", root / "profiling.csv"
    registry.write_text(json.dumps([*json.loads(pretrained.registry.read_text()), NEW]))
    lines = pretrained.profiling.read_text().strip().splitlines()
    new_rows = [line.split(",") for line in lines[1:] if line.startswith("speech_to_text,")]
    new_rows = [",".join([NEW["name"], *r[1:-1], str(float(r[-1]) * 1.5)]) for r in new_rows]
    profiling.write_text("\n".join([*lines, *new_rows]) + "\n")
    out = root / "planner"
    result = cli([*TOMAS, "add-tool", NEW["name"], "--tool_registry", str(registry), "--profiling_data",
                  str(profiling), "--planner_dir", str(planner_run.out), "--encoder_checkpoint",
                  str(pretrained.out / "pretrained_encoder.pt"), "--output_dir", str(out), "--device", "cpu"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root, registry, profiling, out, len(new_rows)


def test_the_folder_holds_the_new_tool_after_the_old_ids(planner_run, extended):
    _, _, _, out, num_new = extended
    old_lookup = json.loads((planner_run.out / "config_lookup.json").read_text())
    lookup = json.loads((out / "config_lookup.json").read_text())
    mask = json.loads((out / "tool_mask_map.json").read_text())
    meta = json.loads((out / "planner.json").read_text())
    assert len(lookup) == len(old_lookup) + num_new
    assert all(lookup[k] == v for k, v in old_lookup.items())  # every old id keeps its meaning
    assert mask[NEW["name"]] == list(range(len(old_lookup), len(lookup)))
    assert meta["tool_names"][-1] == NEW["name"] and meta["num_configs"] == len(lookup)
    assert meta["added_tools"][0]["num_examples"] == 50 and "registry" in meta["added_tools"][0]["examples"]
    assert (out / "adapter_model.safetensors").read_bytes() == (planner_run.out / "adapter_model.safetensors"
                                                                ).read_bytes()
    assert NEW["name"] in (out / "README.md").read_text()
    # The nearest-neighbour scope memory keeps every old request and takes the new tool's examples, in scope.
    from safetensors.torch import load_file

    before, after = (load_file(str(d / "heads.safetensors")) for d in (planner_run.out, out))
    added = len(after["scope_memory.inside"]) - len(before["scope_memory.inside"])
    assert added == meta["added_tools"][0]["num_examples"] and after["scope_memory.inside"][-added:].all()
    assert torch.allclose(after["scope_memory.bank"][:-added].float(), before["scope_memory.bank"].float(), atol=1e-3)
    # ... as what the memory reads (model.scope_text: span_prompt): each example's words' states in the pass over its
    # prompt, beside that prompt's vector, through the same reader; each half a unit vector of its own.
    from tomas.inference import load_planner
    from tomas.models.planner import prompt_states, scope_states
    from tomas.recipes.add_tool import example_prompts

    planner = load_planner(str(out), "cpu")
    assert planner.model.decoder.scope_memory.reads == "span_prompt" == meta["config"]["model"]["scope_text"]
    data = load_tool_data(*extended[1:3])
    tasks, prompts, _ = example_prompts(None, data.tools[data.tool_id(NEW["name"])],
                                        [c for c in data.configs if c.tool == NEW["name"]], planner.cfg.training.seed)
    saved_words, saved_prompts = after["scope_memory.bank"][-added:].float().chunk(2, -1)
    words = scope_states(planner.model, planner.tokenizer, "span", tasks, prompts, planner.device)
    whole = prompt_states(planner.model, planner.tokenizer, prompts, planner.device)
    unit = torch.nn.functional.normalize
    assert torch.allclose(unit(words, dim=-1), saved_words, atol=5e-3)
    assert torch.allclose(unit(whole, dim=-1), saved_prompts, atol=5e-3)
    assert not torch.allclose(unit(whole, dim=-1), saved_words, atol=5e-3)


def test_plans_pick_the_new_tool_for_its_requests_and_keep_the_old_ones(planner_run, extended, cli):
    """Requests generated for each tool with another seed: the new tool's are planned with it, every plan
    fits and is one of the chosen tool's configurations, and the old tools' requests keep their plan (tool,
    configuration and all) unless the new tool now wins them."""
    root, registry, profiling, out, _ = extended
    data = load_tool_data(registry, profiling)
    tests = generate_planner(data, seed=7, train_per_tool=0, val_per_tool=0, test_per_tool=20,
                             out_of_scope_share=0)["test"]
    batch = root / "requests.jsonl"
    batch.write_text("".join(json.dumps({"id": e.id, "task": e.task, "free_resources": e.free_resources}) + "\n"
                             for e in tests))
    plans = {}
    for name, folder in (("before", planner_run.out), ("after", out)):
        r = cli([*TOMAS, "plan", "--batch", str(batch), "--planner_dir", str(folder), "--device", "cpu"])
        assert r.returncode == 0, r.stderr
        plans[name] = [json.loads(line) for line in r.stdout.splitlines()]
    lookup = json.loads((out / "config_lookup.json").read_text())
    for e, p in zip(tests, plans["after"]):
        if p["feasible"]:
            entry = lookup[str(p["config_id"])]
            assert entry["tool_name"] == p["tool"] and all(entry[k] <= e.free_resources[k] for k in RESOURCES)
    new = [p["tool"] == NEW["name"] for e, p in zip(tests, plans["after"]) if e.tool == NEW["name"]]
    assert sum(new) / len(new) >= 0.7
    old = [(a, b) for e, a, b in zip(tests, plans["after"], plans["before"]) if e.tool != NEW["name"]]
    assert all(a["tool"] in (b["tool"], NEW["name"]) for a, b in old)  # a plan moves only to the new tool
    assert all(a["config_id"] == b["config_id"] for a, b in old if a["tool"] == b["tool"])
    assert sum((a["tool"], a["config_id"]) == (b["tool"], b["config_id"]) for a, b in old) / len(old) >= 0.7


def test_add_tool_refuses_bad_input_in_one_line(planner_run, pretrained, extended, cli):
    root, registry, profiling, _, _ = extended
    base = [*TOMAS, "add-tool", "--tool_registry", str(registry), "--profiling_data", str(profiling),
            "--planner_dir", str(planner_run.out), "--encoder_checkpoint",
            str(pretrained.out / "pretrained_encoder.pt"), "--output_dir", str(root / "unused"), "--device", "cpu"]
    too_many = root / "many.jsonl"
    rng = random.Random(0)
    too_many.write_text("".join(json.dumps({"task": f"clean recording {rng.random()}", "free_resources": {
        r: 8 for r in RESOURCES}}) + "\n" for _ in range(51)))
    for extra, message in (([NEW["name"].upper()], "no tool"), (["speech_to_text"], "already one of this planner"),
                           ([NEW["name"], "--examples", str(too_many)], "at most 50")):
        r = cli([*base, *extra])
        assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (root / "unused").exists()


def test_add_tool_never_writes_over_a_folder_unless_asked(tmp_path, capsys):
    """Without --output_dir it would write over the trained planner; into a folder that holds something it would
    replace it: both refused in one line before anything loads, unless --overwrite."""
    from tomas.cli import main
    from tomas.recipes.add_tool import check_output_dir

    planner, taken = tmp_path / "planner", tmp_path / "taken"
    planner.mkdir()
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    for extra, message in (([], f"would write over the trained planner {planner}"),
                           (["--output_dir", str(planner)], "would write over the trained planner"),
                           (["--output_dir", str(taken)], f"--output_dir {taken}: exists and is not empty")):
        code = main(["add-tool", "x", "--tool_registry", "r.json", "--profiling_data", "p.csv", "--planner_dir",
                     str(planner), *extra])
        err = capsys.readouterr().err
        assert code == 2 and message in err and err.count("\n") == 1, err
    assert (taken / "keep.txt").read_text() == "mine"
    assert check_output_dir(str(planner), None, overwrite=True) == planner
    assert check_output_dir(str(planner), str(tmp_path / "new"), overwrite=False) == tmp_path / "new"


def test_the_extended_folder_appears_whole(extended):
    """Written under a temporary name and renamed: no staging folder is left beside it, the card names it."""
    root, _, _, out, _ = extended
    assert not [p for p in root.iterdir() if p.name.startswith(f".{out.name}.")]
    assert f'Planner.from_pretrained("{out.name}")' in (out / "README.md").read_text()
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)


def test_the_new_tools_words_join_the_typing_slip_vocabulary(planner_run, extended):
    """The new tool's request words are counted into ``spelling.json`` (nothing of the old counts lost), so a
    word only its requests use is read as written, and a slip of it is fixed toward it, not toward an old word."""
    from tomas.data.spelling import SpellingFix

    _, _, _, out, _ = extended
    old = json.loads((planner_run.out / "spelling.json").read_text())
    new = json.loads((out / "spelling.json").read_text())
    assert all(new["counts"].get(w, 0) >= c for w, c in old["counts"].items())
    added = {w: c - old["counts"].get(w, 0) for w, c in new["counts"].items() if c != old["counts"].get(w, 0)}
    assert added.get("background", 0) >= 10 and "background" not in old["counts"]  # the registry's words
    before, after = SpellingFix.from_json(old), SpellingFix.from_json(new)
    assert after("Remove the backgrund hum") == "Remove the background hum"
    assert before("Remove the backgrund hum") == "Remove the backgrund hum"
