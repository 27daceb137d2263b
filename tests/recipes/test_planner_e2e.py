"""Planner end to end through the real CLI on the tiny model and the 3-tool fixture:
generate-planner -> export (Phase 0 assets) -> train -> evaluate-planner -> plan (single, JSON, batch)."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest
import torch
import yaml

from tomas.data.profiling import RESOURCES

TOMAS = ["-m", "tomas.cli"]


def check_the_memory_reads_the_words_in_the_one_pass(out, train: list[dict], bank: torch.Tensor) -> None:
    """model.scope_text: span_prompt. The memory holds, side by side, the mean of each training request's words'
    states in the pass over its prompt and that prompt's vector (the decoder's). The tiny reader is causal, so the
    first is the mean over the words' tokens of a pass over the prompt cut after them ("Task: <words>", less
    "Task:"'s tokens), and its margin does not move with the free resources; the prompt's does, and the score is the
    mean of the two. (MiniLM reads both ways: there the words' states see the resources too.) A memory of session
    24 (``task``) scores a pass over the words alone."""
    from tomas.inference import load_planner
    from tomas.models.planner import predict_requests, prompt_states, render_prompt
    from tomas.models.scope import NearestScope

    planner = load_planner(str(out), "cpu")
    decoder, unit = planner.model.decoder, torch.nn.functional.normalize
    memory = decoder.scope_memory
    assert memory.reads == "span_prompt" and bank.shape[1] == 2 * decoder.tool_head.in_features
    words_bank, prompts_bank = bank.float().chunk(2, -1)
    head = len(planner.tokenizer(["Task:"])["input_ids"][0])
    for r, saved in zip(train[:8], words_bank):
        ids = torch.tensor(planner.tokenizer([f"Task: {r['task'].strip()}"])["input_ids"])
        words = torch.ones_like(ids)
        words[:, :head] = 0
        with torch.no_grad():
            mean = planner.model.read(ids, torch.ones_like(ids), words)[1]
        assert torch.allclose(unit(mean[0], dim=-1), saved, atol=5e-3)
    prompts = [render_prompt(r["task"], r["free_resources"], r["latency_budget_ms"]) for r in train[:8]]
    assert torch.allclose(unit(prompt_states(planner.model, planner.tokenizer, prompts, planner.device), dim=-1),
                          prompts_bank[:8], atol=5e-3)
    frees = [{"cpu_cores": c, "memory_gb": m, "gpu_sm": s, "gpu_memory_gb": g} for c, m, s, g in ((1, 2, 0, 0),
                                                                                                 (64, 512, 132, 80))]
    requests = [("Summarise a 40-page contract", free, budget) for free, budget in zip(frees, (None, 250.0))]

    def scores() -> list[float]:
        return [c.scope_score for c in predict_requests(planner.model, planner.tokenizer, requests, planner.device)]

    decoder.scope_lexical_weight = 0.0  # the memory's score alone (the words' margin would add to every view)
    both = scores()
    views = {}
    for reads, half in (("span", words_bank), ("prompt", prompts_bank)):
        decoder.set_scope_memory(NearestScope(half, memory.inside, reads))
        views[reads] = scores()
    assert views["span"][0] == pytest.approx(views["span"][1], abs=1e-6)  # the words' margin ignores the resources
    assert abs(views["prompt"][0] - views["prompt"][1]) > 1e-4
    assert both == pytest.approx([(a + b) / 2 for a, b in zip(views["span"], views["prompt"])], abs=1e-5)
    # A planner of session 24 (model.scope_text: task) scores a second pass over the words alone.
    decoder.set_scope_memory(NearestScope(words_bank, memory.inside, "task"))
    words = prompt_states(planner.model, planner.tokenizer, ["Summarise a 40-page contract"], planner.device)
    assert scores() == pytest.approx([float(decoder.scope_memory(words)[0])] * 2, abs=1e-5)


def test_training_writes_checkpoint_metrics_and_plot(planner_run):
    out = planner_run.out
    for name in ("adapter_config.json", "adapter_model.safetensors", "heads.safetensors", "planner.json",
                 "config_lookup.json", "tool_mask_map.json", "README.md", "planner_state.pt",
                 "planner_metrics.jsonl", "planner_curve.png"):
        assert (out / name).is_file(), name
    records = [json.loads(line) for line in (out / "planner_metrics.jsonl").read_text().splitlines()]
    evals = [r for r in records if "val_config_accuracy" in r]
    every, steps = planner_run.eval_every, planner_run.max_steps
    assert [r["step"] for r in evals] == list(range(every, steps + 1, every))
    first = [r["loss"] for r in records][:2]
    assert sum(r["loss"] for r in records[-2:]) < sum(first)  # the loss goes down
    assert all(r["val_violations"] == 0 for r in evals)
    # The hand-written validation requests (data.dev_file) are scored at every evaluation, in and out of scope.
    assert all(0 <= r["dev_tool_accuracy"] <= 1 and 0 <= r["dev_out_of_scope_recall"] <= 1 for r in evals)
    # The checkpoint holds only LoRA (peft's format) + heads: a small fraction of the LLM.
    from safetensors.torch import load_file

    adapter, heads = load_file(str(out / "adapter_model.safetensors")), load_file(str(out / "heads.safetensors"))
    assert adapter and all("lora_" in k for k in adapter)
    assert any(k.startswith("config_head") for k in heads) and any(k.startswith("tool_head") for k in heads)
    # model.scope_rule: nearest: every training request's vector, in scope or not, is saved with the heads.
    train = [json.loads(line) for line in (planner_run.data / "train.jsonl").read_text().splitlines()]
    assert heads["scope_memory.bank"].shape[0] == len(train)
    assert heads["scope_memory.inside"].tolist() == [r["tool"] is not None for r in train]
    check_the_memory_reads_the_words_in_the_one_pass(out, train, heads["scope_memory.bank"])
    # model.spelling: the training file's word counts, to fix typing slips toward (tomas.data.spelling).
    from tomas.data.spelling import word_counts

    spelling = json.loads((out / "spelling.json").read_text())
    assert spelling["counts"] == word_counts(r["task"] for r in train) and isinstance(spelling["english_within_reach"],
                                                                                      list)
    lora = json.loads((out / "adapter_config.json").read_text())
    meta = json.loads((out / "planner.json").read_text())
    # model.lexical: the TF-IDF model of the training file, its weight chosen at every evaluation (the best saved).
    from tomas.artifacts.planner import load_lexical
    from tomas.models.lexical import GRID, NO_TOOL

    assert load_lexical(out).classes == sorted({r["tool"] or NO_TOOL for r in train})
    assert all(r["val_lexical_weight"] in GRID for r in evals)
    assert meta["lexical_weight"] == meta["validation"]["val_lexical_weight"]
    # model.scope_lexical: the weight of the words' out-of-scope margin in refusals, chosen with the threshold.
    from tomas.eval.scope import SCOPE_GRID

    assert all(r["val_scope_lexical_weight"] in SCOPE_GRID for r in evals)
    assert meta["scope_lexical_weight"] == meta["validation"]["val_scope_lexical_weight"]
    assert meta["scope_alone_above"] == meta["validation"]["val_scope_alone_above"]
    from tomas.inference import load_planner

    decoder = load_planner(str(out), "cpu").model.decoder
    assert (decoder.scope_lexical_weight, decoder.alone_above) == (meta["scope_lexical_weight"],
                                                                   meta["scope_alone_above"])
    # model.size_lexical: a size classifier of the training file's sized in-scope requests, weight chosen likewise.
    from tomas.artifacts.planner import SIZE_LEXICAL_FILES

    sized = {r["input_size"] for r in train if r["tool"] and r["input_size"] and r.get("size_in_text", True)}
    assert load_lexical(out, SIZE_LEXICAL_FILES).classes == sorted(sized)
    assert all(r["val_size_lexical_weight"] in GRID for r in evals)
    assert meta["size_lexical_weight"] == meta["validation"]["val_size_lexical_weight"] == decoder.size_lexical_weight
    assert lora["peft_type"] == "LORA" and lora["r"] == meta["config"]["model"]["lora"]["r"]
    assert meta["llm_model"] == "tiny" and meta["num_configs"] == 20 and meta["format_version"] == 2
    card = (out / "README.md").read_text()
    assert meta["data_fingerprint"] in card and "tomas train --config" in card and "## Limits" in card
    header = yaml.safe_load(card.split("---\n")[1])  # the Hugging Face metadata block
    assert header["library_name"] == "peft" and header["base_model"] == "tiny" and header["license"] == "other"


def test_the_adapter_loads_with_plain_peft(planner_run):
    """adapter_config.json + adapter_model.safetensors are a standard peft adapter: peft alone puts the
    trained LoRA onto the base model, and its hidden states are the planner's."""
    from peft import PeftModel

    from tomas.inference import load_planner
    from tomas.models.llm import load_llm

    planner = load_planner(str(planner_run.out), "cpu")
    base = load_llm("tiny", "cpu")
    ids = planner.tokenizer(["Read this page"], return_tensors="pt")
    plain = base.model.get_decoder()(**ids).last_hidden_state
    peft_model = PeftModel.from_pretrained(base.model, str(planner_run.out))  # wraps base.model in place
    ours = planner.model.lm.get_base_model().get_decoder()(**ids).last_hidden_state
    theirs = peft_model.get_base_model().get_decoder()(**ids).last_hidden_state
    torch.testing.assert_close(ours, theirs)
    assert not torch.allclose(ours, plain)  # the trained LoRA changes what the LLM computes


def test_evaluate_planner_report(planner_run, cli):
    r = cli([*TOMAS, "evaluate-planner", "--planner_dir", str(planner_run.out), "--device", "cpu"])
    assert r.returncode == 0, r.stderr
    report = json.loads((planner_run.out / "planner_eval_report.json").read_text())
    for key in ("tool_accuracy", "config_accuracy", "violations", "latency_regret_ms", "num_examples"):
        assert key in report
    lines = [json.loads(line) for line in (planner_run.data / "test.jsonl").read_text().splitlines()]
    test_lines = [line for line in lines if line["tool"] is not None]
    # In-scope figures over the in-scope requests; the out-of-scope ones scored as refusals.
    assert report["num_examples"] == len(test_lines) and report["num_out_of_scope"] == len(lines) - len(test_lines) > 0
    assert 0 <= report["out_of_scope_recall"] <= 1 and 0 <= report["in_scope_refused"] <= 1
    assert report["violations"] == 0
    assert 0 <= report["config_accuracy"] <= 1 and 0 <= report["tool_accuracy"] <= 1
    assert sum(map(sum, report["confusion"])) == len(test_lines)
    confirmation = report["confirmation"]  # the thresholds chosen on validation at training, applied to test
    meta = json.loads((planner_run.out / "planner.json").read_text())
    assert confirmation["confirm_below"] == meta["confirm_below"] and 0 <= confirmation["coverage"] <= 1
    # Nearest-neighbour scores (model.scope_rule: nearest) are refused above a threshold with no floor, one of
    # validation's own in-scope scores (the memory's alone lie in [-2, 2]; the words' part can add more).
    assert -2 <= meta["scope_alone_above"] <= 2 and math.isfinite(meta["out_of_scope_above"])
    assert meta["validation"]["val_in_scope_refused"] <= 0.01 + 1e-9
    assert meta["validation"]["dev_in_scope_refused"] == 0  # under 100 in scope: none may be refused
    assert (planner_run.out / "planner_confusion.png").stat().st_size > 1000
    stated = Counter(line.get("preference") or "none" for line in test_lines)
    assert {k: v["num_examples"] for k, v in report["plan_accuracy_by_preference"].items()} == stated
    assert len(stated) > 1 and 0 <= report["preference_accuracy"] <= 1


def test_evaluate_planner_on_a_hand_written_set(planner_run, cli, tmp_path):
    free = {"cpu_cores": 8, "memory_gb": 16, "gpu_sm": 40, "gpu_memory_gb": 8}
    lines = [{"id": "h1", "task": "Write down what the caller says in this 3 minute voicemail", "free_resources": free,
              "latency_budget_ms": None, "tool": "speech_to_text", "input_size": "small", "category": "plain"},
             {"id": "h2", "task": "where are the dancers' elbows", "free_resources": free, "latency_budget_ms": None,
              "tool": "pose_estimation", "input_size": None, "category": "short"}]
    hand = tmp_path / "hand.jsonl"
    hand.write_text("".join(json.dumps(r) + "\n" for r in lines))
    r = cli([*TOMAS, "evaluate-planner", "--planner_dir", str(planner_run.out), "--device", "cpu",
             "--output_dir", str(tmp_path), "--hand_file", str(hand), "--baselines", "tfidf"])
    assert r.returncode == 0, r.stderr
    # The baseline beside it: trained on the planner's own training file, scored on the same sets.
    baselines = json.loads((tmp_path / "baselines_report.json").read_text())
    assert baselines["train_file"] == str(planner_run.data / "train.jsonl") and set(baselines["tfidf"]) == {
        "fit_wall_s", "test", str(hand)}
    assert baselines["tfidf"][str(hand)]["violations"] == 0 and 0 <= baselines["tfidf"]["test"]["tool_accuracy"] <= 1
    assert "Baseline tfidf: test tool" in r.stdout
    report = json.loads((tmp_path / "planner_handwritten_report.json").read_text())
    assert report["num_requests"] == 2 and report["num_with_size"] == 1 and report["violations"] == 0
    assert set(report["by_category"]) == {"plain", "short"} and report["hand_file"] == str(hand)
    summary = json.loads((tmp_path / "planner_eval_report.json").read_text())["handwritten"]
    assert summary["tool_accuracy"] == report["tool_accuracy"] and f"Hand-written {hand}: tool" in r.stdout


def _plan(cli, planner_run, *args):
    return cli(["script/inference.py", *args, "--planner_dir", str(planner_run.out), "--device", "cpu"])


def test_plan_json_fits_the_free_resources(planner_run, cli):
    free = {"cpu_cores": 4, "memory_gb": 4, "gpu_sm": 20, "gpu_memory_gb": 2}
    r = _plan(cli, planner_run, "Transcribe this hour-long interview recording", "--cpu-cores", "4", "--memory-gb",
              "4", "--gpu-sm", "20", "--gpu-memory-gb", "2", "--json")
    plan = json.loads(r.stdout)
    lookup = json.loads((planner_run.assets / "config_lookup.json").read_text())
    mask = json.loads((planner_run.assets / "tool_mask_map.json").read_text())
    assert plan["schema_version"] == 1 and plan["free_resources"] == free  # 4, not 4.0
    # the preference it read from the words (this task states none), or none
    assert plan["preference"] is None or set(plan["preference"]) == {"name", "says", "confidence"}
    assert all(isinstance(v, int) for v in plan["free_resources"].values())
    if plan["feasible"]:
        assert r.returncode == 0
        entry = lookup[str(plan["config_id"])]
        assert plan["config_id"] in mask[plan["tool"]] and entry["tool_name"] == plan["tool"]
        assert all(entry[k] <= free[k] for k in RESOURCES)
        assert plan["latency_ms"] == entry["latency_ms"] and 0 < plan["confidence"] <= 1
    else:
        assert r.returncode == 3


def test_plan_reads_the_input_size_from_the_caller(planner_run, cli, tmp_path):
    """--input-size is the plan's size whatever the tool; --input reads the file (an image's pixels here, for the
    fixture's pose_estimation, defined in pixels); an unreadable input is one error line, exit 2."""
    free = ["--cpu-cores", "8", "--memory-gb", "16", "--gpu-sm", "40", "--gpu-memory-gb", "8", "--json"]
    lookup = json.loads((planner_run.assets / "config_lookup.json").read_text())
    plan = json.loads(_plan(cli, planner_run, "Find the joints", "--input-size", "large", *free).stdout)
    assert plan["input_size"] == "large" and plan["size_source"] == "input"
    assert plan["config_id"] is None or lookup[str(plan["config_id"])]["input_size"] == "large"
    from PIL import Image

    Image.new("RGB", (6000, 4000)).save(tmp_path / "big.png")
    plan = json.loads(_plan(cli, planner_run, "Find the joints", "--input", str(tmp_path / "big.png"), *free).stdout)
    if plan["tool"] == "pose_estimation":
        assert (plan["input_size"], plan["size_source"], plan["size_read_from"]) == (
            "large", "input", "6000x4000 pixels (big.png)")
    else:  # a tool with no pixel definitions reads its size from the words
        assert plan["size_source"] == "words"
    (tmp_path / "song.mp3").write_bytes(b"x")
    r = _plan(cli, planner_run, "Find the joints", "--input", str(tmp_path / "song.mp3"), *free)
    assert r.returncode == 2 and "song.mp3: unknown input type '.mp3'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not r.stdout


def test_plan_with_nothing_free_is_infeasible_with_exit_3(planner_run, cli):
    r = _plan(cli, planner_run, "Read this scanned page", "--cpu-cores", "0", "--memory-gb", "0", "--gpu-sm", "0",
              "--gpu-memory-gb", "0", "--json")
    assert r.returncode == 3, r.stderr
    plan = json.loads(r.stdout)
    assert plan["feasible"] is False and plan["config_id"] is None and "fits" in plan["reason"]


def test_plan_batch_masks_every_answer(planner_run, cli, tmp_path):
    examples = [json.loads(line) for line in (planner_run.data / "test.jsonl").read_text().splitlines()]
    batch = tmp_path / "requests.jsonl"
    batch.write_text("".join(json.dumps({k: e[k] for k in ("task", "free_resources", "latency_budget_ms")}) + "\n"
                             for e in examples))
    r = _plan(cli, planner_run, "--batch", str(batch))
    assert r.returncode == 0, r.stderr
    plans = [json.loads(line) for line in r.stdout.splitlines()]
    lookup = json.loads((planner_run.assets / "config_lookup.json").read_text())
    assert len(plans) == len(examples)
    for p, e in zip(plans, examples):
        if p["config_id"] is not None:
            entry = lookup[str(p["config_id"])]
            assert entry["tool_name"] == p["tool"] and entry["input_size"] == p["input_size"]
            assert all(entry[k] <= e["free_resources"][k] for k in RESOURCES)


def test_plan_bad_batch_line_gets_an_error_line_and_the_others_are_planned(planner_run, cli, tmp_path):
    batch = tmp_path / "mixed.jsonl"
    free = {"cpu_cores": 4, "memory_gb": 8, "gpu_sm": 20, "gpu_memory_gb": 4}
    good = {"id": "a", "task": "Transcribe this recording", "free_resources": free}
    bad = {"id": 7, "task": "x", "free_resources": {"cpu_cores": 1, "memory_gb": 1, "gpu_sm": 0}}
    batch.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n{not json\n")
    r = _plan(cli, planner_run, "--batch", str(batch))
    assert r.returncode == 2, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == 3
    assert out[0]["id"] == "a" and out[0]["schema_version"] == 1 and out[0]["tool"] in json.loads(
        (planner_run.assets / "tool_mask_map.json").read_text())
    assert out[0]["free_resources"] == good["free_resources"]
    assert all(isinstance(v, int) for v in out[0]["free_resources"].values())  # integers stay integers
    field = "free_resources.gpu_memory_gb"
    assert out[1] == {"schema_version": 1, "id": 7,
                      "error": f"{batch}: line 2: field {field}: Field required"}
    assert out[2]["error"].startswith(f"{batch}: line 3: not valid JSON") and "id" not in out[2]
    assert "2 bad line" in r.stderr and "Traceback" not in r.stderr


def test_plan_batch_reads_standard_input(planner_run, cli):
    request = {"id": 1, "task": "Read this page", "free_resources": {"cpu_cores": 4, "memory_gb": 8, "gpu_sm": 0,
                                                                     "gpu_memory_gb": 0}}
    r = cli(["script/inference.py", "--batch", "-", "--planner_dir", str(planner_run.out), "--device", "cpu"],
            stdin=json.dumps(request) + "\n")
    assert r.returncode == 0, r.stderr
    (plan,) = [json.loads(line) for line in r.stdout.splitlines()]
    assert plan["id"] == 1 and plan["task"] == request["task"]


def test_plan_batch_missing_file_is_one_error_line(planner_run, cli, tmp_path):
    r = _plan(cli, planner_run, "--batch", str(tmp_path / "nowhere.jsonl"))
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'nowhere.jsonl'}: no such file"


def test_a_task_over_the_length_limit_is_refused_by_name():
    from tomas.errors import DataError
    from tomas.requests import MAX_TASK_CHARS, parse_request

    free = {"cpu_cores": 4, "memory_gb": 8, "gpu_sm": 0, "gpu_memory_gb": 0}
    assert parse_request({"task": "x" * MAX_TASK_CHARS, "free_resources": free}, "line 1")
    with pytest.raises(DataError, match=f"line 1: field task: String should have at most {MAX_TASK_CHARS} characters"):
        parse_request({"task": "x" * (MAX_TASK_CHARS + 1), "free_resources": free}, "line 1")


@pytest.mark.parametrize("suffix, reshaped", [
    ("feature_head.weight", lambda t: torch.zeros(t.shape[0] + 2, t.shape[1])),  # an older scorer's 5 features
    ("scope_memory.bank", lambda t: t[:, : t.shape[1] // 2].clone()),  # one view where planner.json says two
    ("scope_memory.bank", lambda t: t[:1].clone()),  # damaged: one request's row, not a row per training request
    ("scope_memory.inside", lambda t: torch.ones_like(t)),  # damaged: no out-of-scope request left
])
def test_plan_refuses_a_checkpoint_of_another_decoder_shape(planner_run, cli, tmp_path, suffix, reshaped):
    import shutil

    from safetensors.torch import load_file, save_file

    folder = tmp_path / "other_shape"
    shutil.copytree(planner_run.out, folder)
    weights = load_file(str(folder / "heads.safetensors"))
    name = next(n for n in weights if n.endswith(suffix))
    weights[name] = reshaped(weights[name])
    save_file(weights, str(folder / "heads.safetensors"))
    r = cli(["script/inference.py", "Read this page", "--cpu-cores", "4", "--memory-gb", "4", "--gpu-sm", "0",
             "--gpu-memory-gb", "0", "--planner_dir", str(folder), "--device", "cpu"])
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"error: {folder / 'heads.safetensors'}: {name} has ")
    assert len(r.stderr.strip().splitlines()) == 1


def test_resume_continues_from_the_saved_step(planner_run, cli, tmp_path):
    """Re-running with more steps and --training.resume auto starts at the saved step (on a copy: the shared
    run stays as other tests expect it)."""
    import shutil

    steps, out = planner_run.max_steps, tmp_path / "planner"
    shutil.copytree(planner_run.out, out)
    r = cli(["script/train.py", "--config", str(planner_run.config), "--training.max_steps", str(steps + 10),
             "--training.resume", "auto", "--output_dir", str(out)])
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"Resumed from {out / 'planner_state.pt'} at step {steps}" in r.stdout
    state = torch.load(out / "planner_state.pt", weights_only=True)
    assert state["step"] == steps + 10


def test_training_refuses_assets_of_other_data(planner_run, cli, tmp_path):
    lookup = json.loads((planner_run.assets / "config_lookup.json").read_text())
    lookup["0"]["latency_ms"] += 1
    assets = tmp_path / "assets"
    assets.mkdir()
    for name in ("config_weights.pt", "tool_mask_map.json"):
        (assets / name).write_bytes((planner_run.assets / name).read_bytes())
    (assets / "config_lookup.json").write_text(json.dumps(lookup))
    r = cli(["script/train.py", "--config", str(planner_run.config), "--data.assets_dir", str(assets),
             "--output_dir", str(tmp_path / "out")])
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"error: {assets / 'config_lookup.json'}: config 0 differs")
    assert not (tmp_path / "out").exists()


def test_probe_trains_the_decoder_alone_and_reuses_the_hidden_cache(planner_run, cli, tmp_path):
    out = tmp_path / "probe"
    args = [*TOMAS, "probe-planner", "--config", str(planner_run.config), "--output_dir", str(out),
            "--training.max_steps", "60"]
    first = cli(args)
    assert first.returncode == 0, first.stderr
    assert "encoding" in first.stdout and (out / "probe" / "probe_hidden.pt").is_file()
    report = json.loads((out / "probe" / "probe_report.json").read_text())
    assert report["model"]["config_features"] and report["steps"] == 60
    for split in ("val", "test"):
        r = report["splits"][split]
        assert r["violations"] == 0
        # Rank features let the scorer learn the oracle's rule from its bias alone, whatever the LLM.
        assert r["config_accuracy_given_tool_and_size"] >= 0.9, r
    again = cli(args)
    assert again.returncode == 0 and "hidden states from" in again.stdout
    assert json.loads((out / "probe" / "probe_report.json").read_text()) == report  # seeded: the same numbers


def test_checkpoint_from_before_the_readout_option_reads_the_last_token(planner_run, tmp_path):
    from tomas.inference import load_planner
    from tomas.models.planner import last_token_states, mean_token_states

    meta = json.loads((planner_run.out / "planner.json").read_text())
    assert meta["config"]["model"]["readout"] == "mean"  # what this run was trained with (the default)
    del meta["config"]["model"]["readout"]
    for key in ("lexical_weight", "scope_lexical_weight", "size_lexical_weight"):
        meta.pop(key)  # nor the lexical models, whose files are not copied
    for name in ("adapter_config.json", "adapter_model.safetensors", "heads.safetensors"):
        (tmp_path / name).write_bytes((planner_run.out / name).read_bytes())
    (tmp_path / "planner.json").write_text(json.dumps(meta))
    assert load_planner(str(planner_run.out), "cpu").model.readout is mean_token_states
    assert load_planner(str(tmp_path), "cpu").model.readout is last_token_states


def test_python_api_plans_like_the_cli(planner_run):
    from tomas import Planner, PlanResult
    from tomas.errors import DataError

    planner = Planner.from_pretrained(str(planner_run.out), device="cpu")
    free = {"cpu_cores": 4, "memory_gb": 8, "gpu_sm": 20, "gpu_memory_gb": 4}
    r = planner.plan("Read this scanned page", free, id="x")
    assert isinstance(r, PlanResult) and r.tool in planner.tools
    d = r.to_dict()
    assert d["id"] == "x" and d["schema_version"] == 1 and d["tool"] == r.tool and d["config_id"] == r.config_id
    if r.feasible:
        assert all(r.resources[k] <= free[k] for k in free) and r.latency_ms == d["latency_ms"]
    else:
        assert r.resources is None and r.reason
    twice = planner.plan_batch([{"task": "Read this scanned page", "free_resources": free}] * 2)
    assert [(p.tool, p.config_id) for p in twice] == [(r.tool, r.config_id)] * 2
    with pytest.raises(DataError, match="request 1: field task"):
        planner.plan_batch([{"task": "ok", "free_resources": free}, {"free_resources": free}])


def test_the_lexical_evidence_enters_the_tool_choice_at_its_weight(planner_run, tmp_path):
    """A heavy weight makes the words decide the tool; weight 0 is the tool head alone."""
    import shutil

    from tomas import Planner
    from tomas.artifacts.planner import load_lexical

    tasks = [json.loads(line)["task"] for line in (planner_run.data / "train.jsonl").read_text().splitlines()][:40]
    free = {"cpu_cores": 64, "memory_gb": 512, "gpu_sm": 132, "gpu_memory_gb": 80}
    tools, confidence = {}, {}
    for weight in (0.0, 100.0):
        folder = tmp_path / str(weight)
        shutil.copytree(planner_run.out, folder)
        meta = json.loads((folder / "planner.json").read_text())
        (folder / "planner.json").write_text(json.dumps(meta | {"lexical_weight": weight, "scope_lexical_weight": 0.0,
                                                                "out_of_scope_above": 1e9}))
        planner = Planner.from_pretrained(str(folder), device="cpu")
        plans = planner.plan_batch([{"task": t, "free_resources": free} for t in tasks])
        tools[weight], confidence[weight] = [p.tool for p in plans], [p.tool_confidence for p in plans]
    names = planner.tools
    words = load_lexical(planner_run.out).log_probs(tasks, names).argmax(-1).tolist()
    assert tools[100.0] == [names[k] for k in words]
    head = Planner.from_pretrained(str(tmp_path / "0.0"), device="cpu")._loaded.model.decoder
    assert head.lexical is None and head.lexical_weight == 0.0
    assert confidence[0.0] != confidence[100.0]  # the mixed probabilities are what the plan reports


def test_the_lexical_margin_moves_refusals_at_its_weight(planner_run, tmp_path):
    """At a heavy weight the words' out-of-scope margin decides refusals (above 0: refused)."""
    import shutil

    from tomas import Planner
    from tomas.artifacts.planner import load_lexical

    rows = [json.loads(line) for line in (planner_run.data / "train.jsonl").read_text().splitlines()]
    tasks = [r["task"] for r in rows if r["tool"] is None][:20] + [r["task"] for r in rows if r["tool"]][:40]
    free = {"cpu_cores": 64, "memory_gb": 512, "gpu_sm": 132, "gpu_memory_gb": 80}
    folder = tmp_path / "heavy"
    shutil.copytree(planner_run.out, folder)
    meta = json.loads((folder / "planner.json").read_text())
    (folder / "planner.json").write_text(json.dumps(meta | {"scope_lexical_weight": 1000.0, "out_of_scope_above": 0}))
    plans = Planner.from_pretrained(str(folder), device="cpu").plan_batch([{"task": t, "free_resources": free}
                                                                           for t in tasks])
    lexical = load_lexical(planner_run.out)
    margins = lexical.scope_margins(lexical.class_log_probs([p.task_read_as or t for p, t in zip(plans, tasks)]))
    sure = (margins.abs() > 0.01).tolist()  # 1000 x the margin outweighs the memory's score (a cosine difference)
    refused = [p.tool is None for p, s in zip(plans, sure) if s]
    assert refused == [bool(m > 0) for m, s in zip(margins, sure) if s] and len(set(refused)) == 2


def test_the_size_evidence_enters_the_size_choice_at_its_weight(planner_run, tmp_path):
    """At a heavy weight the words decide a size read from words (among the chosen tool's sizes); at 0 the size
    classifier is not even read."""
    import shutil

    from tomas import Planner
    from tomas.artifacts.planner import SIZE_LEXICAL_FILES, load_lexical
    from tomas.data.profiling import INPUT_SIZES

    tasks = [json.loads(line)["task"] for line in (planner_run.data / "val.jsonl").read_text().splitlines()][:40]
    free = {"cpu_cores": 64, "memory_gb": 512, "gpu_sm": 132, "gpu_memory_gb": 80}
    plans = {}
    for weight in (0.0, 100.0):
        folder = tmp_path / str(weight)
        shutil.copytree(planner_run.out, folder)
        meta = json.loads((folder / "planner.json").read_text())
        (folder / "planner.json").write_text(json.dumps(meta | {"size_lexical_weight": weight,
                                                                "out_of_scope_above": 1e9}))
        planner = Planner.from_pretrained(str(folder), device="cpu")
        plans[weight] = planner.plan_batch([{"task": t, "free_resources": free} for t in tasks])
    assert Planner.from_pretrained(str(tmp_path / "0.0"), device="cpu")._loaded.model.decoder.size_lexical is None
    words = load_lexical(planner_run.out, SIZE_LEXICAL_FILES).log_probs(tasks, INPUT_SIZES)
    lookup = json.loads((planner_run.out / "config_lookup.json").read_text())
    read = [(p, w) for p, w in zip(plans[100.0], words) if p.size_source == "words"]
    for p, w in read:
        has = [any(c["tool_name"] == p.tool and c["input_size"] == s for c in lookup.values()) for s in INPUT_SIZES]
        assert p.input_size == INPUT_SIZES[int(w.masked_fill(~torch.tensor(has), -1e9).argmax())]
    assert len(read) >= 10 and [p.input_size for p in plans[0.0]] != [p.input_size for p in plans[100.0]]


def test_a_moved_planner_folder_still_plans(planner_run, cli, tmp_path):
    import shutil

    moved = tmp_path / "moved"
    shutil.copytree(planner_run.out, moved)
    meta = json.loads((moved / "planner.json").read_text())
    meta["config"]["data"]["assets_dir"] = str(tmp_path / "gone")  # the training assets are not there any more
    (moved / "planner.json").write_text(json.dumps(meta))
    assert (moved / "config_lookup.json").read_bytes() == (planner_run.assets / "config_lookup.json").read_bytes()
    r = cli(["script/inference.py", "Transcribe this recording", "--cpu-cores", "4", "--memory-gb", "8", "--gpu-sm",
             "0", "--gpu-memory-gb", "0", "--json", "--planner_dir", str(moved), "--device", "cpu"])
    assert r.returncode in (0, 3), r.stderr
    assert json.loads(r.stdout)["tool"] in json.loads((moved / "tool_mask_map.json").read_text())


@pytest.mark.parametrize("damage", ["truncated_weights", "truncated_adapter", "corrupted_meta", "truncated_lexical",
                                    "truncated_size_lexical"])
def test_a_damaged_planner_folder_is_one_error_line(planner_run, cli, tmp_path, damage):
    import shutil

    folder = tmp_path / "damaged"
    shutil.copytree(planner_run.out, folder)
    name = {"truncated_weights": "heads.safetensors", "truncated_adapter": "adapter_model.safetensors",
            "corrupted_meta": "planner.json", "truncated_lexical": "lexical.safetensors",
            "truncated_size_lexical": "size_lexical.safetensors"}[damage]
    if damage.endswith("lexical"):  # read only when validation gave it a weight
        meta = json.loads((folder / "planner.json").read_text())
        (folder / "planner.json").write_text(json.dumps(meta | {"lexical_weight": 1.0, "size_lexical_weight": 1.0}))
    data = (folder / name).read_bytes()
    (folder / name).write_bytes(data[: len(data) // 2])
    r = cli(["script/inference.py", "Read this page", "--cpu-cores", "4", "--memory-gb", "8", "--gpu-sm", "0",
             "--gpu-memory-gb", "0", "--planner_dir", str(folder), "--device", "cpu"])
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().startswith(f"error: {folder / name}: ") and len(r.stderr.strip().splitlines()) == 1


def test_an_old_format_planner_says_how_to_convert_and_converts(planner_run, cli, tmp_path):
    """A format-1 folder (one planner.safetensors of PlannerModel names) -> one error line naming
    `tomas convert-planner`; after it, the folder plans exactly as the original."""
    import shutil

    from safetensors.torch import save_file

    from tomas.inference import load_planner

    source = tmp_path / "rows"  # format 1 predates the live head (its planners had row heads) and scope_rule
    trained = cli(["script/train.py", "--config", str(planner_run.config), "--output_dir", str(source),
                   "--model.config_head", "rows", "--model.scope_rule", "head", "--training.max_steps", "10"])
    assert trained.returncode == 0, trained.stderr[-2000:]
    folder = tmp_path / "old"
    shutil.copytree(source, folder)
    save_file(load_planner(str(source), "cpu").model.trainable_state_dict(), str(folder / "planner.safetensors"))
    for name in ("adapter_config.json", "adapter_model.safetensors", "heads.safetensors", "README.md"):
        (folder / name).unlink()
    meta = json.loads((folder / "planner.json").read_text())
    del meta["format_version"], meta["config"]["model"]["config_head"], meta["config"]["model"]["scope_rule"]
    (folder / "planner.json").write_text(json.dumps(meta))
    request = ["Read this page", "--cpu-cores", "4", "--memory-gb", "8", "--gpu-sm", "20", "--gpu-memory-gb", "4",
               "--json", "--device", "cpu"]
    r = cli(["script/inference.py", *request, "--planner_dir", str(folder)])
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert f"tomas convert-planner --planner_dir {folder}" in r.stderr
    converted = cli([*TOMAS, "convert-planner", "--planner_dir", str(folder)])
    assert converted.returncode == 0, converted.stderr
    assert not (folder / "planner.safetensors").exists() and (folder / "README.md").is_file()
    ours, original = (cli(["script/inference.py", *request, "--planner_dir", str(d)]) for d in (folder, source))
    assert json.loads(ours.stdout) == json.loads(original.stdout)


def test_the_live_head_saves_its_rows_and_an_older_planner_loads_as_a_row_head(planner_run, cli, tmp_path):
    """The default `model.config_head: live`: the fixed rows are Phase 0's (rescaled) and saved with the heads;
    a planner.json from before the option (no `config_head`) loads as the row head it was trained with."""
    from tomas.artifacts.assets import WEIGHTS, load_weights
    from tomas.inference import load_planner
    from tomas.models.decoder import LiveConfigHead, rescale_rows

    loaded = load_planner(str(planner_run.out), "cpu")
    head = loaded.model.decoder.config_head
    rows = load_weights(str(planner_run.assets / WEIGHTS), loaded.table.num_configs, head.rows.shape[1])
    assert isinstance(head, LiveConfigHead) and torch.allclose(head.rows, rescale_rows(rows))
    out = tmp_path / "rows"
    r = cli(["script/train.py", "--config", str(planner_run.config), "--output_dir", str(out),
             "--model.config_head", "rows", "--training.max_steps", "10"])
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    meta = json.loads((out / "planner.json").read_text())
    del meta["config"]["model"]["config_head"]
    (out / "planner.json").write_text(json.dumps(meta))
    assert isinstance(load_planner(str(out), "cpu").model.decoder.config_head, torch.nn.Linear)
    plan = cli(["script/inference.py", "Transcribe this hour-long interview recording", "--cpu-cores", "4",
                "--memory-gb", "4", "--gpu-sm", "20", "--gpu-memory-gb", "2", "--json", "--planner_dir", str(out),
                "--device", "cpu"])
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["tool"] in loaded.table.tool_names


def test_a_sentence_encoder_reader_trains_saves_and_plans(planner_run, cli, tmp_path):
    """The MiniLM reader (hidden 384) over Phase 0's rows of another width (the tiny LLM's 64), through the real
    CLI: train (with the contrastive term), a folder that plans after a reload, and a request no tool serves answered
    tool null or a tool."""
    out = tmp_path / "minilm"
    r = cli(["script/train.py", "--config", str(planner_run.config), "--model.llm_model", "minilm",
             "--model.lora.target_modules", "[all-linear]", "--training.max_steps", "4", "--training.eval_every_steps",
             "4", "--model.scope_contrast", "0.1", "--output_dir", str(out)])
    assert r.returncode == 0, r.stderr[-2000:]
    steps = [json.loads(line) for line in (out / "planner_metrics.jsonl").read_text().splitlines()]
    assert all(r["contrast_loss"] > 0 for r in steps if "loss" in r)  # model.scope_contrast: the term is trained
    meta = json.loads((out / "planner.json").read_text())
    assert meta["llm_model"] == "minilm" and -2 <= meta["out_of_scope_above"] <= 2  # scope_rule: nearest
    assert json.loads((out / "adapter_config.json").read_text())["target_modules"]  # peft format, named modules
    r = cli(["script/inference.py", "Book me a flight to Paris for Friday", "--cpu-cores", "8", "--memory-gb", "16",
             "--gpu-sm", "40", "--gpu-memory-gb", "8", "--planner_dir", str(out), "--device", "cpu", "--json"])
    assert r.returncode in (0, 3), r.stderr
    plan = json.loads(r.stdout)
    assert "needs_confirmation" in plan and (plan["tool"] is None) == ("closest_tool" in plan)


def test_plan_reads_the_free_resources_from_the_machine(planner_run, cli):
    """`--free auto`: the plan says what it read, and fits what it read."""
    r = _plan(cli, planner_run, "Transcribe this interview recording", "--free", "auto", "--json")
    assert r.returncode in (0, 3), r.stderr
    plan = json.loads(r.stdout)
    assert plan["free_read"].startswith("read from this machine: ")
    assert set(plan["free_resources"]) == set(RESOURCES) and plan["free_resources"]["gpu_sm"] == 0  # no GPU here
    if plan["feasible"]:
        assert all(plan[k] <= plan["free_resources"][k] for k in RESOURCES)
    both = _plan(cli, planner_run, "x", "--free", "auto", "--cpu-cores", "2")
    assert both.returncode == 2 and "either --free auto or the free resources" in both.stderr


def test_the_compiled_reader_plans_as_the_full_one_without_transformers(planner_run, cli, tmp_path):
    """On CPU the first `tomas plan` writes a TorchScript reader beside the planner; a later load plans with it
    (torch alone: neither transformers nor peft is imported) and gives the full path's plans; a stale one (other
    LoRA weights) is never used."""
    import shutil
    import subprocess
    import sys

    from tomas.artifacts import planner as artifacts
    from tomas.inference import load_planner
    from tomas.models.planner import CompiledPlanner

    folder = tmp_path / "planner"
    shutil.copytree(planner_run.out, folder)
    plan = ["script/inference.py", "Read this scanned page", "--cpu-cores", "4", "--memory-gb", "8", "--gpu-sm", "20",
            "--gpu-memory-gb", "4", "--json", "--planner_dir", str(folder), "--device", "cpu"]
    first = cli(plan)
    assert first.returncode in (0, 3), first.stderr
    written = (artifacts.COMPILED_READER, artifacts.COMPILED_META, artifacts.TOKENIZER)
    assert all((folder / n).is_file() for n in written)
    second = cli(plan)
    assert json.loads(second.stdout) == json.loads(first.stdout)
    requests = [{"task": t, "free_resources": {"cpu_cores": c, "memory_gb": 8, "gpu_sm": 20, "gpu_memory_gb": 4},
                 "latency_budget_ms": b} for t, c, b in (("Summarise a 40-page contract", 4, None),
                                                         ("Caption this 64x64 icon", 8, 500.0),
                                                         ("What is in the photo? " * 12, 2, None))]
    fast, full = load_planner(str(folder), "cpu", compiled=True), load_planner(str(folder), "cpu")
    assert isinstance(fast.model, CompiledPlanner)
    # Both ways in refuse by the same nearest-neighbour memory (model.scope_rule: nearest) and threshold.
    for way in (fast, full):
        decoder = way.model.decoder
        assert decoder.scope_memory is not None and decoder.scope_boundary == 0.0
        assert decoder.out_of_scope_above == way.meta.out_of_scope_above
    from tomas.models.planner import predict_requests

    triples = [(r["task"], r["free_resources"], r["latency_budget_ms"]) for r in requests]
    scores = [[c.scope_score for c in predict_requests(way.model, way.tokenizer, triples, way.device)]
              for way in (fast, full)]  # both read the words' span of the one pass, compiled or not
    assert scores[0] == pytest.approx(scores[1], abs=1e-3)
    for a, b in zip(fast.plan(requests), full.plan(requests)):
        assert (a.tool, a.config_id, a.input_size) == (b.tool, b.config_id, b.input_size)
        assert a.tool_confidence == pytest.approx(b.tool_confidence, abs=1e-3)
    # ... with the lexical tool evidence on (whatever weight validation chose): no scikit-learn either.
    probe = ("import sys, json; from tomas.inference import load_planner; "
             "from tomas.artifacts.planner import load_lexical; "
             f"p = load_planner({str(folder)!r}, 'cpu', compiled=True); d = p.model.decoder; "
             f"d.lexical, d.lexical_weight = load_lexical({str(folder)!r}), 1.0; p.plan({requests!r}); "
             "print(json.dumps([m in sys.modules for m in ('transformers', 'peft', 'sklearn', 'scipy')]))")
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert json.loads(imported.stdout.strip().splitlines()[-1]) == [False] * 4, imported.stderr
    weights = folder / artifacts.ADAPTER_WEIGHTS
    weights.write_bytes(weights.read_bytes() + b" ")  # other LoRA bytes: the compiled reader is stale
    assert artifacts.load_compiled_reader(folder, artifacts.read_meta(folder)) is None


def test_plan_in_a_process_of_its_own_ends_as_in_process(planner_run, cli, tmp_path, repo_root):
    """`python -m tomas.cli plan` (a process of its own: imports with the collector off, then a quick exit) writes
    the same standard output, byte for byte, and exit code as the same command run in this process: a plan or a
    refusal (0 or 3), nothing feasible (3), a batch with a bad line (2) and a user error (2, one line). Its output
    is block-buffered, as a pipe's is outside these tests: a quick exit that did not flush would lose it."""
    import os
    import shutil
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | {"OMP_NUM_THREADS": "1"}

    def own_process(args, stdin=None):
        return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, input=stdin,
                              timeout=300, cwd=repo_root)

    folder = tmp_path / "planner"
    shutil.copytree(planner_run.out, folder)
    free = ["--cpu-cores", "4", "--memory-gb", "8", "--gpu-sm", "20", "--gpu-memory-gb", "4"]
    nothing = ["--cpu-cores", "0", "--memory-gb", "0", "--gpu-sm", "0", "--gpu-memory-gb", "0"]
    where = ["--planner_dir", str(folder), "--device", "cpu"]
    batch = '{"task": "Caption this photo", "free_resources": {"cpu_cores": 4, "memory_gb": 8, "gpu_sm": 0, ' \
            '"gpu_memory_gb": 0}}\nnot json\n'
    for args, stdin, codes in ((["Summarise a 40-page contract", *free, "--json"], None, (0, 3)),
                               (["Caption this photo", *nothing, "--json"], None, (3,)),
                               (["--batch", "-"], batch, (2,))):
        own, here = (run(["-m", "tomas.cli", "plan", *args, *where], stdin=stdin) for run in (own_process, cli))
        assert own.returncode == here.returncode and own.returncode in codes, own.stderr
        assert own.stdout == here.stdout and own.stdout.endswith("\n")
    missing = own_process(["-m", "tomas.cli", "plan", "x", *free, "--planner_dir", str(tmp_path / "none")])
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.startswith("error: ") and len(missing.stderr.splitlines()) == 1


def test_a_typing_slip_is_read_as_the_training_word(planner_run):
    """The plan says how it read a request whose slip it fixed, and plans it as the fixed text."""
    from tomas.data.spelling import MIN_COUNT
    from tomas.inference import load_planner

    planner = load_planner(str(planner_run.out), "cpu")
    counts = json.loads((planner_run.out / "spelling.json").read_text())["counts"]
    word = next(w for w, c in counts.items() if c >= MIN_COUNT and len(w) >= 8 and w.isalpha()
                and w[:3] + w[4] + w[3] + w[5:] not in counts and not planner.spelling.english.known(
                    [w[:3] + w[4] + w[3] + w[5:]]))
    slip = word[:3] + word[4] + word[3] + word[5:]  # two letters swapped
    free = {"cpu_cores": 8, "memory_gb": 16, "gpu_sm": 40, "gpu_memory_gb": 8}
    fixed, clean = planner.plan([{"task": f"please {slip} this", "free_resources": free},
                                 {"task": f"please {word} this", "free_resources": free}])
    assert fixed.task == f"please {slip} this" and fixed.task_read_as == f"please {word} this"
    assert clean.task_read_as is None and "task_read_as" not in clean.to_dict()
    assert (fixed.tool, fixed.config_id, fixed.tool_confidence) == (clean.tool, clean.config_id, clean.tool_confidence)


def test_without_a_preference_head_the_words_preference_is_fitted_saved_and_honoured(planner_run, cli, tmp_path):
    """``model.preference_lexical`` (a planner without a preference head): training fits the reader on the training
    requests, chooses its threshold on validation and saves both; a plan whose words state a preference reports it
    and takes the rule's configuration for it; the same folder without the threshold reads none."""
    import shutil

    from tomas import Planner
    from tomas.artifacts.planner import PREFERENCE_LEXICAL_FILES, load_lexical
    from tomas.data import load_tool_data
    from tomas.data.planner.oracle import ToolIndex
    from tomas.data.planner.preferences import attach, preference_phrases
    from tomas.models.lexical import NO_PREFERENCE, PREFERENCE_GRID

    out = tmp_path / "plain"
    r = cli(["script/train.py", "--config", str(planner_run.config), "--model.preferences", "false",
             "--training.max_steps", "4", "--training.eval_every_steps", "4", "--output_dir", str(out)])
    assert r.returncode == 0, r.stderr[-2000:]
    assert "✓ Preference reader: threshold" in r.stdout, r.stdout[-3000:]
    meta = json.loads((out / "planner.json").read_text())
    assert meta["preference_above"] in PREFERENCE_GRID, [x for x in r.stdout.splitlines() if "Preference" in x]
    assert load_lexical(out, PREFERENCE_LEXICAL_FILES).classes == sorted({NO_PREFERENCE, "fastest", "few_cores",
                                                                          "spare_gpu"})
    data = load_tool_data(meta["config"]["data"]["tool_registry"], meta["config"]["data"]["profiling_data"])
    free = {"cpu_cores": 64, "memory_gb": 512, "gpu_sm": 132, "gpu_memory_gb": 80}
    tasks = [json.loads(line)["task"] for line in (planner_run.data / "val.jsonl").read_text().splitlines()]
    requests = [{"task": attach(t, preference_phrases("few_cores", "train")[0], "after"), "free_resources": free}
                for t in tasks if t[-1:] in ".?!"]

    def rule(plan, preference):  # the oracle's configuration for the plan's tool and size under this preference
        return ToolIndex(data, plan.tool).choose(plan.input_size, free, None, preference) if plan.tool else None

    plans = Planner.from_pretrained(str(out), device="cpu").plan_batch(requests)
    read = [p for p in plans if p.preference and p.preference["name"] == "few_cores"]
    assert len(read) > 0.8 * len(plans) and all(p.preference["confidence"] >= meta["preference_above"] for p in read)
    assert all(p.config_id == rule(p, "few_cores") for p in read)
    plan, request = next((p, r) for p, r in zip(plans, requests) if p in read and rule(p, None) != rule(p, "few_cores"))
    off = tmp_path / "off"
    shutil.copytree(out, off)
    (off / "planner.json").write_text(json.dumps(meta | {"preference_above": None}))
    unread = Planner.from_pretrained(str(off), device="cpu").plan_batch([request])[0]
    assert unread.preference is None and "preference" not in unread.to_dict()
    assert unread.config_id == rule(unread, None) != plan.config_id
