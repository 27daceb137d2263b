"""The read-back measures: the exact-match scorer and greedy generation (a wrong answer must fail them)."""

from __future__ import annotations

import torch

from tomas.data import load_tool_data
from tomas.data.pretrain_dataset import fields_of
from tomas.data.templates import render
from tomas.eval.readback import greedy_generate, greedy_tokens, score, teacher_forced_exact_match, verify_drafts
from tomas.models.llm import load_llm
from tomas.models.self_encoding import PromptCache, lm_forward, self_encoder_from_checkpoint


def _data(pretrained):
    return load_tool_data(pretrained.registry, pretrained.profiling)


def test_score_counts_only_exact_descriptions(pretrained):
    data = _data(pretrained)
    texts = [render(fields_of(c)) for c in data.configs]
    assert score(texts, data)["exact_match"] == 1.0
    wrong = list(texts)
    wrong[0] = wrong[0].replace(" ms.", "0 ms.")  # one latency digit too many
    wrong[1] = wrong[1] + " "  # trailing space only: still exact after strip
    r = score(wrong, data)
    assert r["exact_match"] == (len(texts) - 1) / len(texts)
    assert r["failed_ids"] == [data.configs[0].config_id]
    assert r["worst_examples"][0]["wrong_fields"] == ["latency_ms"]
    assert r["per_field"]["latency_ms"] == (len(texts) - 1) / len(texts)
    assert r["per_field"]["tool"] == 1.0


def test_score_with_token_flags_counts_a_missing_end_of_sequence(pretrained):
    """The teacher-forced check passes its every-token-right flags: a newline predicted where
    end-of-sequence belongs decodes to the right text once stripped, and must still count wrong."""
    data = _data(pretrained)
    texts = [render(fields_of(c)) + "\n" for c in data.configs]
    flags = [True] * len(texts)
    flags[2] = False
    r = score(texts, data, exact=flags)
    assert r["exact_match"] == (len(texts) - 1) / len(texts) and r["failed_ids"] == [data.configs[2].config_id]
    assert r["per_field"]["latency_ms"] == 1.0  # every field was read right: only the end was not
    assert score(texts, data)["exact_match"] == 1.0  # what the text alone would have said


def _model(pretrained):
    ckpt = torch.load(pretrained.out / "pretrained_encoder.pt", map_location="cpu", weights_only=True)
    model, _ = self_encoder_from_checkpoint(ckpt)
    return model.eval(), load_llm("tiny", "cpu", seed=ckpt["config"]["training"]["seed"])


def test_greedy_output_is_the_argmax_of_its_own_prefix(pretrained):
    """Teacher-forcing the greedy text must give back every greedy token: greedy = argmax at each step."""
    data = _data(pretrained)
    model, llm = _model(pretrained)
    resources = torch.tensor([c.vector() for c in data.configs])
    tool_ids = torch.tensor([data.tool_id(c.tool) for c in data.configs])
    with torch.no_grad():
        rows = model.encoder(tool_ids, resources)
    texts = greedy_generate(model.adapter, rows, llm, max_new_tokens=12, batch_size=8, progress=False)
    eos = llm.tokenizer.eos_token_id
    cache = PromptCache(llm.model, model.adapter.prompt_before)
    for i, text in enumerate(texts[:6]):
        ids = llm.tokenizer(text, add_special_tokens=False)["input_ids"]
        if not ids or llm.tokenizer.decode(ids) != text:
            continue  # a text that does not re-tokenise to the same ids cannot be compared token by token
        target = torch.tensor([ids + [eos]])[:, :12]
        with torch.no_grad():
            prefix, _ = model(tool_ids[i:i + 1], resources[i:i + 1], llm.embeddings, False)
            _, _, predicted, _ = lm_forward(llm.model, prefix, target, torch.ones_like(target, dtype=torch.bool), cache)
        assert predicted[0, :len(ids)].tolist() == target[0, :len(ids)].tolist(), i


def test_drafts_change_the_cost_of_greedy_decoding_never_its_texts(pretrained):
    """Speculative read-back: a draft that greedy decoding would write verifies and is the text; a draft with one
    token changed fails and that row is decoded token by token; either way the texts are plain greedy's."""
    data = _data(pretrained)
    model, llm = _model(pretrained)
    resources = torch.tensor([c.vector() for c in data.configs])
    tool_ids = torch.tensor([data.tool_id(c.tool) for c in data.configs])
    with torch.no_grad():
        rows = model.encoder(tool_ids, resources)[:8]
    eos = llm.tokenizer.eos_token_id
    greedy = greedy_tokens(model.adapter, rows, llm, max_new_tokens=10, batch_size=4)
    right = [ids[:ids.index(eos) + 1] if eos in ids else ids for ids in greedy]  # what greedy wrote
    assert verify_drafts(model.adapter, rows, llm, right, batch_size=3, progress=False) == [True] * 8
    wrong = [list(d) for d in right]
    wrong[1][2] = (wrong[1][2] + 1) % llm.tokenizer.vocab_size
    assert verify_drafts(model.adapter, rows, llm, wrong, batch_size=3, progress=False) == [True] + [False] + [True] * 6
    plain = greedy_generate(model.adapter, rows, llm, 10, batch_size=4, progress=False)
    assert greedy_generate(model.adapter, rows, llm, 10, 4, False, drafts=right) == plain
    assert greedy_generate(model.adapter, rows, llm, 10, 4, False, drafts=wrong) == plain


def test_teacher_forced_check_lists_every_failure(pretrained):
    """The check's failed ids (what the repair stage trains on) are exactly the configurations it counts wrong."""
    data = _data(pretrained)
    model, llm = _model(pretrained)
    cache = PromptCache(llm.model, model.adapter.prompt_before)
    ok = teacher_forced_exact_match(model, llm, data, "cpu", cache)
    assert set(ok["failed_ids"]) <= {c.config_id for c in data.configs}
    assert len(ok["failed_ids"]) == round((1 - ok["exact_match"]) * len(data.configs))
    # Exact exactly when every target token, end-of-sequence included, beats every other token.
    failed = set(ok["failed_ids"])
    assert [m > 0 for m in ok["margins"]] == [c.config_id not in failed for c in data.configs]


def test_row_alone_puts_one_vector_where_the_slots_were(pretrained, tmp_path):
    """The spec's literal reading: prompt, soft prompt, the row as ONE input vector, prompt end; and the
    `tomas evaluate --row_alone --limit` report covers exactly the sampled configurations."""
    from tomas.eval.readback import RowAlone
    from tomas.recipes.evaluate import evaluate

    model, llm = _model(pretrained)
    adapter = model.adapter
    rows = torch.randn(3, llm.hidden_size)
    prefix, _ = RowAlone.from_adapter(adapter)(rows, llm.embeddings)
    assert prefix.shape[1] == (len(adapter.prompt_before) + len(adapter.soft_prompt) + 1 + len(adapter.soft_suffix)
                               + len(adapter.prompt_after))
    assert torch.equal(prefix[:, len(adapter.prompt_before) + len(adapter.soft_prompt)], rows)
    assets = tmp_path / "assets"
    from tomas.recipes.export import export

    export(str(pretrained.out / "pretrained_encoder.pt"), str(pretrained.registry), str(pretrained.profiling), "tiny",
           str(assets), 8, "cpu", log=lambda *_: None)
    report = evaluate(str(pretrained.out / "pretrained_encoder.pt"), str(assets / "config_weights.pt"),
                      str(pretrained.registry), str(pretrained.profiling), None, "cpu", 8, None,
                      row_alone=True, limit=5)
    assert report["row_alone"] and report["num_configs"] == 5
    assert report["path"].endswith("eval_report_row_alone.json") and 0.0 <= report["exact_match"] <= 1.0
