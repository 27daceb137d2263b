"""The planner: frozen LLM + LoRA (peft) + HierarchicalDecoder on the prompt's last-layer hidden state.

The prompt carries the user's task, the free resources and the optional latency budget as
plain text; the decoder reads one vector per prompt: by default (``model.readout: mean``)
the mean of the last layer's states over the prompt's tokens, or (``last``) the last token's.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from tomas.config import PlannerModelConfig
from tomas.data.profiling import INPUT_SIZES, RESOURCES
from tomas.data.size_reader import SizeHint
from tomas.data.templates import format_number
from tomas.errors import TomasError
from tomas.models.config_table import ConfigTable
from tomas.models.decoder import Choice, DecoderLogits, HierarchicalDecoder
from tomas.models.llm import LoadedLLM
from tomas.models.scope import READS_SPAN

PROMPT = ("Task: {task}\nFree: {cpu_cores} CPU cores, {memory_gb} GB memory, {gpu_sm} GPU SMs, "
          "{gpu_memory_gb} GB GPU memory\nLatency budget: {budget}\nPlan:")
"""Short on purpose: every prompt token costs a forward and backward pass through the LLM."""
TASK_START = PROMPT.index("{task}")
"""Where the request's words begin in a prompt: its first field (``task_masks``)."""
assert "{" not in PROMPT[:TASK_START], "the task must be the prompt's first field"


def render_prompt(task: str, free: dict[str, float], latency_budget_ms: float | None) -> str:
    budget = f"{format_number(latency_budget_ms)} ms" if latency_budget_ms is not None else "none"
    return PROMPT.format(task=task.strip(), budget=budget, **{r: format_number(free[r]) for r in RESOURCES})


def free_tensor(frees: Sequence[dict[str, float]]) -> torch.Tensor:
    """[batch, 4] free resources in ``RESOURCES`` order."""
    return torch.tensor([[float(f[r]) for r in RESOURCES] for f in frees], dtype=torch.float64)


def budget_tensor(budgets: Sequence[float | None]) -> torch.Tensor:
    """[batch] latency budgets in ms, NaN where there is none."""
    return torch.tensor([math.nan if b is None else float(b) for b in budgets], dtype=torch.float64)


def last_token_states(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """[batch, seq, hidden] + right-padded mask -> [batch, hidden] float32 at each prompt's last real token."""
    last = attention_mask.sum(1) - 1
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last].float()


def mean_token_states(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """[batch, seq, hidden] + padding mask -> [batch, hidden] float32 mean over each prompt's real tokens."""
    mask = attention_mask.unsqueeze(-1).float()
    return (hidden.float() * mask).sum(1) / mask.sum(1).clamp_min(1)


READOUTS = {"last": last_token_states, "mean": mean_token_states}
"""``model.readout`` -> how a prompt's token states become the one vector the decoder reads."""


class PlannerModel(nn.Module):
    """``forward(input_ids, attention_mask) -> DecoderLogits`` (right padding)."""

    def __init__(self, lm: nn.Module, decoder: HierarchicalDecoder, readout: str = "mean"):
        super().__init__()
        self.lm = lm
        self.decoder = decoder
        self.readout = READOUTS[readout]

    def last_hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """[batch, hidden] float32: the prompt's vector per ``model.readout`` from the last layer."""
        return self.read(input_ids, attention_mask)[0]

    def read(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
             span_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``last_hidden`` and, from the same pass, the mean of the ``span_mask`` tokens' states (the request's
        words in its prompt: ``task_masks``; None: the first vector again)."""
        # The transformer body only: the LM head's [tokens, vocab] logits are never needed here.
        return self.reader()(input_ids, attention_mask, span_mask)

    def reader(self) -> nn.Module:
        """The text reader alone as a module, ``(input_ids, attention_mask, span_mask) -> ([batch, hidden],
        [batch, hidden])``: what ``compile_reader`` traces."""
        return _Reader(self.lm.get_base_model().get_decoder(), self.readout)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> DecoderLogits:
        return self.decoder.logits(self.last_hidden(input_ids, attention_mask))

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        """LoRA weights + both heads: all a planner checkpoint holds (the LLM stays as loaded)."""
        return {n: p.detach().cpu().contiguous() for n, p in self.named_parameters() if p.requires_grad}


class _Reader(nn.Module):
    """``PlannerModel.read`` as a module of the transformer body and the readout alone (no LM head, no decoder)."""

    def __init__(self, body: nn.Module, readout):
        super().__init__()
        self.body, self.readout = body, readout

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                span_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        states = self.body(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        hidden = self.readout(states, attention_mask)
        # No span (training's every step): the readout twice, not a second mean over [batch, tokens, hidden].
        return hidden, hidden if span_mask is None else mean_token_states(states, span_mask)


class CompiledPlanner(nn.Module):
    """A planner whose text reader is one TorchScript graph (``compile_reader``): planning with it needs
    torch alone, not transformers or peft, so a process that plans once starts in about half the time."""

    def __init__(self, reader: torch.jit.ScriptModule, decoder: HierarchicalDecoder):
        super().__init__()
        self.reader, self.decoder = reader, decoder

    def last_hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.read(input_ids, attention_mask)[0]

    def read(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
             span_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        # The profiling executor's first calls specialise the graph: ~10x slower than plain execution for the
        # one or two batches a short-lived process runs.
        with torch.jit.optimized_execution(False):  # the graph takes three tensors; no span: the first vector again
            hidden, span = self.reader(input_ids, attention_mask, attention_mask if span_mask is None else span_mask)
        return hidden, hidden if span_mask is None else span

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> DecoderLogits:
        return self.decoder.logits(self.last_hidden(input_ids, attention_mask))


class FastTokenizer:
    """The planner's tokenizer from its ``tokenizer.json`` through the ``tokenizers`` library (what a
    transformers fast tokenizer runs underneath): the same ids, without importing transformers."""

    def __init__(self, path: str, pad_token_id: int):
        from tokenizers import Tokenizer

        self.backend = Tokenizer.from_file(path)
        self.backend.no_padding()
        self.backend.no_truncation()
        self.pad_token_id = pad_token_id

    def __call__(self, texts: Sequence[str], return_offsets_mapping: bool = False) -> dict[str, list[list]]:
        encoded = self.backend.encode_batch(list(texts))
        out = {"input_ids": [e.ids for e in encoded]}
        return out | {"offset_mapping": [e.offsets for e in encoded]} if return_offsets_mapping else out


COMPILE_PROBES = ("Summarise this 40-page contract for the board; they meet on 12 March and want it by Friday, "
                  "so please be quick about it.", "Caption it.", "Translate a short note into Polish, 300 words.")
"""Prompts (different lengths, so batches are padded) on which a compiled reader must match the eager one."""


def compile_reader(model: PlannerModel, tokenizer, tolerance: float = 1e-4) -> torch.jit.ScriptModule | None:
    """``model``'s text reader traced to TorchScript on CPU, or None when the trace does not reproduce the
    eager reader on ``COMPILE_PROBES`` batches (one prompt unpadded; all of them padded, in two orders; the bare tasks)
    within ``tolerance`` (relative to the states' scale; both outputs of ``PlannerModel.read``), or the tokenizer has
    no ``tokenizers`` backend.

    TorchScript, not ``torch.export``: loading an exported program imports torch's compiler stack (~2 s on
    this CPU), a TorchScript file loads in ~0.1 s; ``torch.jit.trace``'s deprecation notice is silenced."""
    if getattr(tokenizer, "backend_tokenizer", None) is None:
        return None
    tasks = list(COMPILE_PROBES)
    prompts = [render_prompt(t, dict.fromkeys(RESOURCES, 8), 900.0) for t in tasks]
    cpu = torch.device("cpu")
    batches = [encode_prompts(tokenizer, p, cpu, t) for p, t in ((prompts, tasks), (prompts[1:2], tasks[1:2]),
                                                                (prompts[::-1], tasks[::-1]))]
    words = encode_prompts(tokenizer, tasks, cpu)  # the words alone too: what a memory of model.scope_text task reads
    batches.append(words | {"span_mask": words["attention_mask"]})
    reader = model.reader().eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        inputs = [(b["input_ids"], b["attention_mask"], b["span_mask"]) for b in batches]
        traced = torch.jit.trace(reader, inputs[0], check_trace=False, strict=False)
        for x in inputs:
            for want, got in zip(reader(*x), traced(*x)):
                if got.shape != want.shape or (got - want).abs().max() > tolerance * want.abs().max().clamp_min(1):
                    return None
    return traced


def tool_mean_rows(rows: torch.Tensor, table: ConfigTable) -> torch.Tensor:
    """Each configuration's row replaced by the mean row of its tool (ablation baseline)."""
    out = torch.empty_like(rows)
    for t in range(len(table.tool_names)):
        ids = table.tool_of == t
        out[ids] = rows[ids].mean(0)
    return out


def feature_rows(table: ConfigTable, hidden_size: int) -> torch.Tensor:
    """Each configuration's fields (tool and input size one-hot; resources and latency standardised)
    through a fixed random projection to ``hidden_size``: rows that carry the table's numbers linearly,
    as Phase 0's do, without Phase 0 (the baseline that asks what its training adds)."""
    numbers = torch.cat([table.resources, table.latency[:, None]], 1).float()
    numbers = (numbers - numbers.mean(0)) / numbers.std(0).clamp_min(1e-12)
    fields = torch.cat([F.one_hot(table.tool_of, len(table.tool_names)).float(),
                        F.one_hot(table.size_of, len(INPUT_SIZES)).float(), numbers], 1)
    projection = torch.randn(fields.shape[1], hidden_size, generator=torch.Generator().manual_seed(0))
    return fields @ projection / math.sqrt(fields.shape[1])


def initial_rows(cfg: PlannerModelConfig, config_rows: torch.Tensor | None, table: ConfigTable,
                 hidden_size: int) -> torch.Tensor | None:
    """The config head's starting rows per ``cfg.config_head_init`` (None = random)."""
    if cfg.config_head_init == "features":
        return feature_rows(table, hidden_size)
    if cfg.config_head_init == "random" or config_rows is None:
        return None
    return tool_mean_rows(config_rows, table) if cfg.config_head_init == "tool_mean" else config_rows


def build_decoder(cfg: PlannerModelConfig, hidden_size: int, table: ConfigTable,
                  rows: torch.Tensor | None) -> HierarchicalDecoder:
    """The decoder ``cfg`` describes, its config head starting from ``rows`` (None = random)."""
    return HierarchicalDecoder(hidden_size, table, rows, config_features=cfg.config_features,
                               feature_scale=cfg.feature_scale, live_rows=cfg.config_head == "live",
                               preferences=cfg.preferences, out_of_scope=cfg.out_of_scope,
                               config_pick=cfg.config_pick)


def lora_targets(names: Sequence[str], model: nn.Module) -> list[str]:
    """peft's ``target_modules``: ["all-linear"] = the names of every linear layer inside the model's
    blocks, whatever the architecture calls them (BERT's query/key/value/dense, LLaMA's q_proj/.../down_proj)."""
    if list(names) != ["all-linear"]:
        return list(names)
    return sorted({n.rsplit(".", 1)[-1] for n, m in model.named_modules()
                   if isinstance(m, nn.Linear) and re.search(r"\.\d+\.", n)})


def build_planner(cfg: PlannerModelConfig, llm: LoadedLLM, table: ConfigTable,
                  config_rows: torch.Tensor | None) -> PlannerModel:
    """Wrap the frozen LLM with LoRA and add the decoder (config head from ``config_rows`` per
    ``cfg.config_head_init``; ``random`` ignores them)."""
    from peft import LoraConfig, get_peft_model

    if cfg.out_of_scope and cfg.scope_rule == "nearest" and cfg.scope_text in READS_SPAN:
        task_masks(llm.tokenizer, [" "], [""])  # a reader without character offsets: refused now, not in training
    layers = llm.model.config.num_hidden_layers
    top = min(cfg.lora.top_layers, layers) if cfg.lora.top_layers > 0 else 0
    lora = LoraConfig(r=cfg.lora.r, lora_alpha=cfg.lora.alpha, lora_dropout=cfg.lora.dropout,
                      target_modules=lora_targets(cfg.lora.target_modules, llm.model),
                      layers_to_transform=list(range(layers - top, layers)) if top else None,
                      # An encoder's pooler never feeds the planner's readout: no LoRA there.
                      exclude_modules=r".*pooler.*" if hasattr(llm.model, "pooler") else None)
    with warnings.catch_warnings():
        # peft reads transformers' deprecated `is_gradient_checkpointing` alias: noise nobody here can act on.
        warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)
        lm = get_peft_model(llm.model, lora)
    rows = initial_rows(cfg, config_rows, table, llm.hidden_size)
    decoder = build_decoder(cfg, llm.hidden_size, table, rows)
    device = next(llm.model.parameters()).device
    return PlannerModel(lm, decoder.to(device), cfg.readout)


def size_allowed_tensor(hints: Sequence[Sequence[SizeHint]]) -> torch.Tensor:
    """[requests, tools, len(INPUT_SIZES)] bool: the sizes each request's hints allow per tool."""
    return torch.tensor([[[size in h.allowed for size in INPUT_SIZES] for h in per_tool] for per_tool in hints],
                        dtype=torch.bool)


@contextmanager
def evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode inside the block, training mode restored after it. A model already in eval mode (a loaded
    planner, every plan call of the server) is left alone: walking its modules twice a call is wasted work."""
    if not model.training:
        yield
        return
    model.eval()
    try:
        yield
    finally:
        model.train()


@torch.no_grad()
def predict_requests(model: PlannerModel, tokenizer, requests: Sequence[tuple[str, dict, float | None]],
                     device: torch.device, batch_size: int = 32, progress: str | None = None,
                     size_hints: Sequence[Sequence[SizeHint]] | None = None) -> list[Choice]:
    """(task, free resources, latency budget or None) per request -> the decoder's masked ``Choice``s, batched.

    ``progress``: the label of a progress bar (None = no bar); ``size_hints``: per request, one
    ``SizeHint`` per tool (what its facts or numbers say of the input size; None = nothing)."""
    prompts, tasks = [render_prompt(*r) for r in requests], [r[0] for r in requests]
    reads = None if model.decoder.scope_memory is None else model.decoder.scope_memory.reads
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))  # similar lengths per batch: little padding
    out: list[Choice | None] = [None] * len(requests)
    with evaluating(model):
        for start in tqdm(range(0, len(order), batch_size), desc=progress, disable=not progress, leave=False):
            idx = order[start:start + batch_size]
            batch = encode_prompts(tokenizer, [prompts[i] for i in idx], device,
                                   [tasks[i] for i in idx] if reads in READS_SPAN else None)
            hidden, span = model.read(**batch)
            sizes = None if size_hints is None else size_allowed_tensor([size_hints[i] for i in idx])
            scope_hidden = span if reads in READS_SPAN else None
            if reads == "task":  # session 24's planners: a second, shorter read of the words alone
                scope_hidden = model.last_hidden(**encode_prompts(tokenizer, [tasks[i].strip() for i in idx], device))
            choices = model.decoder.predict(hidden, free_tensor([requests[i][1] for i in idx]),
                                            budget_tensor([requests[i][2] for i in idx]), size_allowed=sizes,
                                            scope_hidden=scope_hidden,
                                            **model.decoder.lexical_priors([tasks[i] for i in idx]))
            for i, choice in zip(idx, choices):
                out[i] = choice
    return out


@torch.no_grad()
def prompt_states(model: PlannerModel, tokenizer, prompts: Sequence[str], device: torch.device,
                  batch_size: int = 32) -> torch.Tensor:
    """[len(prompts), hidden] the vectors the decoder reads for ``prompts`` (CPU), batched."""
    return token_states(model, tokenizer(list(prompts))["input_ids"], tokenizer.pad_token_id, device, batch_size)


def scope_states(model: PlannerModel, tokenizer, reads: str, tasks: Sequence[str], prompts: Sequence[str],
                 device: torch.device, batch_size: int = 32) -> torch.Tensor:
    """[len(tasks), hidden × views] what a scope memory that ``reads`` (``model.scope_text``) holds of requests: the
    mean of their words' states in the pass over their ``prompts`` (``span``; beside the prompts' vectors from the same
    pass, ``span_prompt``), a pass over their words alone (``task``), or the prompts' vectors (``prompt``)."""
    if reads == "task":
        return prompt_states(model, tokenizer, [t.strip() for t in tasks], device, batch_size)
    if reads == "prompt":
        return prompt_states(model, tokenizer, prompts, device, batch_size)
    ids, spans = task_masks(tokenizer, prompts, tasks)
    return token_states(model, ids, tokenizer.pad_token_id, device, batch_size, spans, reads == "span_prompt")


@torch.no_grad()  # also called from training, where a kept graph per batch would hold every activation
def token_states(model: PlannerModel, rows: Sequence[list[int]], pad_id: int, device: torch.device,
                 batch_size: int = 32, spans: Sequence[list[int]] | None = None,
                 with_prompt: bool = False) -> torch.Tensor:
    """``prompt_states`` of prompts already tokenised, batched by length (little padding); with ``spans`` (per token,
    1 in the span: ``task_masks``), the mean of the span's states from the same pass instead (``with_prompt``: beside
    the prompt's vector, [span ‖ prompt])."""
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    out = [torch.zeros(0)] * len(rows)
    with evaluating(model):
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            span_rows = None if spans is None else [spans[j] for j in idx]
            batch = pad_prompts([rows[j] for j in idx], pad_id, device, span_rows)
            hidden, span = model.read(**batch)
            states = hidden
            if spans is not None:
                states = torch.cat([span, hidden], -1) if with_prompt else span
            for j, state in zip(idx, states.cpu()):
                out[j] = state
    return torch.stack(out) if rows else torch.zeros(0)


def task_masks(tokenizer, prompts: Sequence[str], tasks: Sequence[str]) -> tuple[list[list[int]], list[list[int]]]:
    """``prompts`` tokenised, and per token 1 where its characters overlap the request's words (``tasks``, the
    prompts' first field, found by the tokenizer's character offsets); every token where none does (a blank task:
    the whole prompt). Overlap, not containment: a byte-level BPE's first word carries the space before it
    (" Caption" starts one character early); for MiniLM's WordPiece both select the same tokens (the span probe's)."""
    fast = getattr(tokenizer, "is_fast", True)  # transformers' slow (Python) tokenizers keep no character offsets
    encoded = tokenizer(list(prompts), return_offsets_mapping=True) if fast else {}
    if "offset_mapping" not in encoded:
        raise TomasError(f"model.scope_text: {' or '.join(READS_SPAN)} needs a fast tokenizer (character offsets), "
                         "which this reader lacks; use model.scope_text task or prompt, or model.scope_rule head")
    masks = []
    for offsets, task in zip(encoded["offset_mapping"], tasks):
        end = TASK_START + len(task.strip())
        mask = [int(a < end and b > TASK_START) for a, b in offsets]
        masks.append(mask if any(mask) else [1] * len(mask))
    return encoded["input_ids"], masks


def pad_prompts(rows: list[list[int]], pad_id: int, device: torch.device,
                spans: list[list[int]] | None = None) -> dict[str, torch.Tensor]:
    """Tokenised prompts as one right-padded batch (the readout sees only the real tokens), with ``spans`` (per
    token, 1 in the span) as ``span_mask`` where given."""
    width = max(map(len, rows))
    ids = torch.tensor([r + [pad_id] * (width - len(r)) for r in rows], device=device)
    mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=device)
    batch = {"input_ids": ids, "attention_mask": mask}
    if spans is not None:
        batch["span_mask"] = torch.tensor([s + [0] * (width - len(s)) for s in spans], device=device)
    return batch


def encode_prompts(tokenizer, prompts: Sequence[str], device: torch.device,
                   tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
    """Prompts -> ``pad_prompts`` batch: training, planning and the probe pad the same way; with their ``tasks``, the
    request's words' tokens as ``span_mask`` (``task_masks``)."""
    if tasks is None:
        return pad_prompts(tokenizer(list(prompts))["input_ids"], tokenizer.pad_token_id, device)
    ids, spans = task_masks(tokenizer, prompts, tasks)
    return pad_prompts(ids, tokenizer.pad_token_id, device, spans)
