"""Experiment: teach ONE row + a shared soft suffix to look, at layer L of the frozen LLM, like the value
string's real tokens (the teacher: the frozen LLM reading " image_classification small 2 4 20 2 22" in the
few-shot prompt, no training). Then check the full read-back (teacher-forced description) of a sample.

python distill.py L STEPS [lm_steps]
"""
import contextlib
import sys
import time

import torch
from torch import nn

from tomas.config import PRETRAIN_YAML, PretrainConfig, parse_config
from tomas.data.pretrain_dataset import collate, make_samples
from tomas.eval.readback import decode_until_eos, score
from tomas.models.encoder import build_encoder
from tomas.models.llm import load_llm
from tomas.models.prefix import split_prompt
from tomas.models.self_encoding import PromptCache, lm_forward
from tomas.training.phase0_setup import load_data, sample_anchor_ids

torch.manual_seed(0)
L, STEPS = int(sys.argv[1]), int(sys.argv[2])
LM_STEPS = int(sys.argv[3]) if len(sys.argv) > 3 else 0
BATCH, LR, ENC_LR = 16, 1e-2, 1e-3
cfg, _ = parse_config(PretrainConfig, [], PRETRAIN_YAML)
data = load_data(cfg)
llm = load_llm("smollm2", "cpu")
tok = llm.tokenizer
samples = make_samples(data.configs, data.tool_names, tok)
values, K = sample_anchor_ids(samples, data.tool_names, tok, 0)  # [N, K] value-string tokens, pad-filled
N, H = len(samples), llm.hidden_size
before, after = split_prompt(cfg.model.prefix.prompt, tok)
before_ids, after_ids = torch.tensor(before), torch.tensor(after)
print(f"{N} configurations, value strings of at most {K} tokens, layer {L} of {llm.model.config.num_hidden_layers}")

base = llm.model.base_model
full_layers, full_norm = base.layers, base.norm


@contextlib.contextmanager
def truncated(depth: int):
    base.layers, base.norm = nn.ModuleList(list(full_layers)[:depth]), nn.Identity()
    try:
        yield
    finally:
        base.layers, base.norm = full_layers, full_norm


cache = PromptCache(llm.model, before_ids)
embed = llm.embeddings


def run(inputs: torch.Tensor, depth: int) -> torch.Tensor:
    b = len(inputs)
    from transformers import DynamicCache
    kv = DynamicCache(ddp_cache_data=[(k.expand(b, -1, -1, -1), v.expand(b, -1, -1, -1))
                                      for k, v in cache.layers[:depth]])
    with truncated(depth):
        return base(inputs_embeds=inputs, past_key_values=kv, use_cache=True).last_hidden_state


t0 = time.time()
with torch.no_grad():
    teacher = torch.cat([run(embed(values[i:i + 256]), L) for i in range(0, N, 256)])  # [N, K, H]
print(f"teacher states {tuple(teacher.shape)} in {time.time() - t0:.0f} s; mean norm {teacher.norm(dim=-1).mean():.1f}")
scale = teacher.norm(dim=-1, keepdim=True).mean(0, keepdim=True)  # per position

resources = torch.tensor([c.vector() for c in data.configs])
tool_ids = torch.tensor([data.tool_id(c.tool) for c in data.configs])
encoder = build_encoder(cfg.model.encoder, llm, data.tools, resources)
norm = encoder.embedding_norm.item()
suffix = nn.Parameter(torch.randn(K - 1, H) * norm / H**0.5)
opt = torch.optim.AdamW([{"params": [suffix], "lr": LR}, {"params": encoder.parameters(), "lr": ENC_LR}],
                        weight_decay=0.0)


def student_inputs(idx):
    rows = encoder(tool_ids[idx], resources[idx])
    return torch.cat([rows[:, None], suffix.expand(len(idx), -1, -1)], dim=1)


t0 = time.time()
for step in range(1, STEPS + 1):
    for g in opt.param_groups:
        g["lr"] = g.setdefault("peak", g["lr"]) * max(0.05, 1 - step / STEPS)
    idx = torch.randint(0, N, (BATCH,))
    out = run(student_inputs(idx), L)
    loss = (((out - teacher[idx]) / scale) ** 2).sum(-1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 50 == 0:
        with torch.no_grad():
            cos = nn.functional.cosine_similarity(out, teacher[idx], dim=-1).mean()
        print(f"step {step} loss {loss.item():.4f} cos {cos:.3f} ({time.time() - t0:.0f} s)", flush=True)


def check(n=96, tag=""):
    ids = sorted(torch.randperm(N, generator=torch.Generator().manual_seed(1))[:n].tolist())
    batch = collate([samples[i] for i in ids], tok.pad_token_id)
    with torch.no_grad():
        prefix = torch.cat([student_inputs(torch.tensor(ids)), embed(after_ids).expand(len(ids), -1, -1)], dim=1)
        _, correct, pred, _ = lm_forward(llm.model, prefix, batch["target_ids"], batch["target_mask"], cache)
        tprefix = torch.cat([embed(values[ids]), embed(after_ids).expand(len(ids), -1, -1)], dim=1)
        _, tcorrect, _, _ = lm_forward(llm.model, tprefix, batch["target_ids"], batch["target_mask"], cache)
    from tomas.data import ToolData
    sub = ToolData(data.tools, [data.configs[i] for i in ids], data.fingerprint)
    r = score(decode_until_eos(pred.tolist(), tok), sub, exact=correct.tolist())
    print(f"{tag} student exact {r['exact_match']:.3f} " + " ".join(f"{k} {v:.2f}" for k, v in r["per_field"].items())
          + f" | teacher (real value tokens) exact {tcorrect.float().mean():.3f}")
    print("   ", decode_until_eos(pred.tolist(), tok)[0][:160])


check(tag=f"after {STEPS} distill steps:")
if LM_STEPS:
    opt = torch.optim.AdamW([{"params": [suffix], "lr": 1e-2}, {"params": encoder.parameters(), "lr": 1e-3}])
    t0 = time.time()
    for step in range(1, LM_STEPS + 1):
        idx = torch.randint(0, N, (8,)).tolist()
        batch = collate([samples[i] for i in idx], tok.pad_token_id)
        prefix = torch.cat([student_inputs(torch.tensor(idx)), embed(after_ids).expand(len(idx), -1, -1)], dim=1)
        loss, correct, _, _ = lm_forward(llm.model, prefix, batch["target_ids"], batch["target_mask"], cache)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 25 == 0:
            print(f"lm step {step} loss {loss.item():.4f} ({time.time() - t0:.0f} s)", flush=True)
    check(tag=f"after {LM_STEPS} LM steps:")
