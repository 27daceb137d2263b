"""Where a read-back check of 256 rows spends its time, at batch 32 and 64: the transformer body, the LM head over the
target positions, and the top-2 for margins (teacher-forced, the cached prompt reused). Reads assets/ of a make run:
python docs/results/phase0_eval_batch/time_check.py"""
import time

import torch

from tomas.artifacts.assets import load_checkpoint_for
from tomas.data.pretrain_dataset import collate, make_samples
from tomas.models.llm import load_llm
from tomas.models.self_encoding import PromptCache

ckpt, model, data = load_checkpoint_for("assets/pretrained_encoder.pt", "data/tool_registry/tools.json",
                                        "data/profiling/profiling.csv", None)
llm = load_llm(ckpt["llm_model"], torch.device("cpu"), seed=0)
model.eval()
samples = make_samples(data.configs[:256], data.tool_names, llm.tokenizer)
cache = PromptCache(llm.model, model.adapter.prompt_before, model.adapter.soft_prompt)
print("prompt cached", cache.length, "target len", max(len(s.target_ids) for s in samples))
for size in (32, 64):
    body = head = top = 0.0
    with torch.no_grad():
        for i in range(0, 256, size):
            batch = collate(samples[i:i + size], llm.tokenizer.pad_token_id)
            prefix, _ = model(batch["tool_id"], batch["resources"], llm.embeddings, False, False)
            t0 = time.perf_counter()
            target_ids, target_mask = batch["target_ids"], batch["target_mask"]
            inputs = torch.cat([prefix, llm.model.get_input_embeddings()(target_ids[:, :-1])], dim=1)
            b, p = prefix.shape[:2]
            attention = torch.cat([torch.ones((b, cache.length + p), dtype=torch.long), target_mask[:, :-1].long()],
                                  dim=1)
            hidden = llm.model.base_model(inputs_embeds=inputs, attention_mask=attention,
                                          past_key_values=cache.for_batch(b), use_cache=True).last_hidden_state
            t1 = time.perf_counter()
            logits = llm.model.get_output_embeddings()(hidden[:, p - 1:][target_mask]).float()
            t2 = time.perf_counter()
            logits.topk(2, dim=-1), logits.argmax(-1)
            t3 = time.perf_counter()
            body, head, top = body + t1 - t0, head + t2 - t1, top + t3 - t2
    print(size, "prefix len", p, "tokens", tuple(inputs.shape), f"body {body:.2f} head {head:.2f} topk {top:.2f}")
