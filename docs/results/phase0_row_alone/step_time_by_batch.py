"""Staged LM step time (forward + backward, the default recipe's configuration) against batch size, in one process:
the median of the last 3 of 4 steps on the same samples. python docs/results/phase0_row_alone/step_time_by_batch.py
(repository root; session 19, 2-core CPU, alone on the machine)."""
import statistics
import time

from tomas.config import PRETRAIN_YAML, PretrainConfig, parse_config
from tomas.data.pretrain_dataset import collate
from tomas.models.self_encoding import lm_forward
from tomas.training.phase0 import Phase0Trainer
from tomas.training.phase0_setup import setup

cfg, _ = parse_config(PretrainConfig, ["--output_dir", "/tmp/prof0"], PRETRAIN_YAML, prog="x")
tr = Phase0Trainer(setup(cfg, lambda *a: None), lambda *a: None)
s = tr.setup
for bs in (1, 2, 4, 8, 16, 32):
    idx = list(range(0, 1600, 1600 // bs))[:bs]
    batch = {k: v.to(s.device) for k, v in collate([s.samples[i] for i in idx], s.llm.tokenizer.pad_token_id).items()}
    ts = []
    for _ in range(4):
        t = time.perf_counter()
        tr.model.zero_grad(set_to_none=True)
        prefix, _ = tr.model(batch["tool_id"], batch["resources"], s.llm.embeddings, False)
        loss, *_ = lm_forward(s.llm.model, prefix, batch["target_ids"], batch["target_mask"], tr.cache)
        loss.backward()
        ts.append(time.perf_counter() - t)
    m = statistics.median(ts[1:])
    print(f"batch {bs:2d}: {m:.3f} s a step, {1000 * m / bs:.0f} ms a sample", flush=True)
