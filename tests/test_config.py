"""Typed configuration: YAML + dotted flags + the spec's legacy flat flags."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tomas.config import LEGACY_FLAGS, LEGACY_SWITCHES, PlannerConfig, PretrainConfig, parse_config, translate_legacy
from tomas.errors import TomasError

# A value for each legacy flag (as typed on the command line) and the value it must give the field.
LEGACY_VALUES: dict[str, tuple[str, object]] = {
    "--tool_registry": ("other/tools.json", "other/tools.json"),
    "--profiling_data": ("other/profiling.csv", "other/profiling.csv"),
    "--llm_model": ("tiny", "tiny"),
    "--batch_size": ("7", 7),
    "--num_epochs": ("3", 3),
    "--lr": ("0.5", 0.5),
    "--target_loss": ("0.25", 0.25),
    "--augmentation_mode": ("both", "both"),
    "--num_augmented_copies": ("4", 4),
    "--checkpoint_freq": ("2", 2),
    "--device": ("cpu", "cpu"),
    "--seed": ("11", 11),
    "--resume": ("auto", "auto"),
}
REPO = Path(__file__).resolve().parents[1]
SWITCH_VALUES: dict[str, object] = {"--log_wandb": True, "--fp16": "fp16", "--bf16": "bf16"}


def _get(config, dotted_flag: str):
    value = config
    for part in dotted_flag.removeprefix("--").split("."):
        value = getattr(value, part)
    return value


def _parse(argv):
    config, _ = parse_config(PretrainConfig, argv, default_config=None)
    return config


def test_defaults_are_the_dataclass_defaults():
    config, used = parse_config(PretrainConfig, [], default_config=None)
    assert config == PretrainConfig()
    assert used is None


def test_every_legacy_flag_has_a_test_value():
    assert set(LEGACY_VALUES) == set(LEGACY_FLAGS)
    assert set(SWITCH_VALUES) == set(LEGACY_SWITCHES)


@pytest.mark.parametrize("form", ["separate", "equals"])
@pytest.mark.parametrize("flag", sorted(LEGACY_FLAGS))
def test_legacy_flag(flag, form):
    text, expected = LEGACY_VALUES[flag]
    config = _parse([flag, text] if form == "separate" else [f"{flag}={text}"])
    assert _get(config, LEGACY_FLAGS[flag]) == expected
    assert _get(PretrainConfig(), LEGACY_FLAGS[flag]) != expected  # the flag really changed something
    rest = _parse([])
    for section in ("data", "model", "training", "logging"):  # and nothing else
        if section not in LEGACY_FLAGS[flag]:
            assert getattr(config, section) == getattr(rest, section)


@pytest.mark.parametrize("switch", sorted(LEGACY_SWITCHES))
def test_legacy_switch(switch):
    dotted = LEGACY_SWITCHES[switch][0]
    config = _parse([switch])
    assert _get(config, dotted) == SWITCH_VALUES[switch]
    assert _get(PretrainConfig(), dotted) != SWITCH_VALUES[switch]


@pytest.mark.parametrize("switch", sorted(LEGACY_SWITCHES))
def test_legacy_switch_can_be_turned_off(switch):
    dotted = LEGACY_SWITCHES[switch][0]
    assert _get(_parse([f"{switch}=false"]), dotted) == _get(PretrainConfig(), dotted)
    assert _get(_parse([f"{switch}=true"]), dotted) == SWITCH_VALUES[switch]


def test_translate_legacy_leaves_other_arguments_alone():
    assert translate_legacy(["--lr=0.5", "--training.seed", "3", "--fp16", "x"]) == [
        "--training.learning_rate", "0.5", "--training.seed", "3", "--training.mixed_precision", "fp16", "x"]


def test_yaml_values_load(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("data:\n  tools: [doc_ocr, pose_estimation]\n  augmentation:\n    mode: jitter\n"
                    "    num_copies: 3\nmodel:\n  llm_model: tiny\n  encoder:\n    num_heads: 4\n"
                    "training:\n  batch_size: 5\n  learning_rate: 0.002\noutput_dir: somewhere\n")
    config, used = parse_config(PretrainConfig, ["--config", str(path)], default_config=None)
    assert used == str(path)
    assert config.data.tools == ["doc_ocr", "pose_estimation"]
    assert (config.data.augmentation.mode, config.data.augmentation.num_copies) == ("jitter", 3)
    assert config.model.llm_model == "tiny" and config.model.encoder.num_heads == 4
    assert (config.training.batch_size, config.training.learning_rate) == (5, 0.002)
    assert config.output_dir == "somewhere"
    assert config.training.num_epochs == PretrainConfig().training.num_epochs  # untouched keys keep defaults
    assert dataclasses.is_dataclass(config.data.augmentation)


def test_cli_flags_win_over_yaml(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("training:\n  batch_size: 5\n  seed: 1\n  learning_rate: 0.002\n")
    config = _parse(["--config", str(path), "--training.batch_size", "9", "--seed", "4", "--lr=0.5"])
    assert (config.training.batch_size, config.training.seed, config.training.learning_rate) == (9, 4, 0.5)


def test_default_config_file_is_used(tmp_path):
    path = tmp_path / "default.yaml"
    path.write_text("training:\n  batch_size: 3\n")
    config, used = parse_config(PretrainConfig, ["--num_epochs", "2"], default_config=str(path))
    assert (config.training.batch_size, config.training.num_epochs) == (3, 2)
    assert used == str(path)


def test_unknown_yaml_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("training:\n  batch_sise: 5\n")
    with pytest.raises(TomasError, match="batch_sise"):
        _parse(["--config", str(path)])


def test_unknown_flag():
    with pytest.raises(TomasError, match="--training.nope"):
        _parse(["--training.nope", "1"])


@pytest.mark.parametrize("argv", [["--training.batch_size", "many"], ["--lr", "fast"],
                                  ["--augmentation_mode", "sometimes"]])
def test_wrong_type_on_the_command_line(argv):
    with pytest.raises(TomasError) as info:
        _parse(argv)
    assert "\n" not in str(info.value)
    assert argv[1] in str(info.value)


def test_wrong_type_in_yaml(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("training:\n  batch_size: lots\n")
    with pytest.raises(TomasError, match="batch_size"):
        _parse(["--config", str(path)])


SHIPPED = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))


def test_the_shipped_configs_are_the_ones_tested():
    assert SHIPPED == ["pretrain_encoder.yaml", "quick.yaml", "train_planner.yaml",
                       "train_planner_smollm2.yaml"]  # a new one needs a case below


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_config_parses(repo_root, name):
    from tomas.config import PlannerConfig

    kind = PlannerConfig if name.startswith("train_planner") else PretrainConfig
    path = repo_root / "configs" / name
    config, used = parse_config(kind, ["--config", str(path)], default_config=None)
    assert isinstance(config, kind) and used == str(path)
    if kind is PretrainConfig:  # the staged recipe: stages end on targets, capped in steps
        t = config.training
        assert t.target_exact_match == 1.0 and t.anchor_max_steps > 0 and t.max_steps > 0
    elif name == "train_planner.yaml":  # the main job's planner: the sentence-encoder reader, every linear layer
        assert config.model.llm_model == "minilm" and config.model.lora.target_modules == ["all-linear"]
        assert config.training.max_steps == 1200 and config.model.lora.top_layers == 0
    else:  # the SmolLM2 recipe: LoRA on the top 15 blocks, 200 steps
        assert config.model.llm_model == "smollm2" and config.training.max_steps == 200
        assert config.model.lora.top_layers == 15


def test_missing_config_file(tmp_path):
    with pytest.raises(TomasError, match="nothing.yaml"):
        _parse(["--config", str(tmp_path / "nothing.yaml")])


def _leaves(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield prefix + key, value


DEFAULT_PRESETS = {"configs/pretrain_encoder.yaml": PretrainConfig, "configs/train_planner.yaml": PlannerConfig}
OTHER_PRESETS = {"configs/quick.yaml": PretrainConfig, "configs/train_planner_smollm2.yaml": PlannerConfig}


@pytest.mark.parametrize("preset", DEFAULT_PRESETS)
def test_the_default_presets_list_the_defaults_that_run(preset):
    """The YAML a command loads by default writes every option out (the spec's "all options"), and each value
    is the dataclass default: the defaults live in the dataclasses and are the ones that run."""
    import yaml

    cls = DEFAULT_PRESETS[preset]
    listed = dict(_leaves(yaml.safe_load((REPO / preset).read_text())))
    assert listed and all(_get(cls(), key) == value for key, value in listed.items()), preset


@pytest.mark.parametrize("preset", OTHER_PRESETS)
def test_other_presets_state_only_what_they_change(preset):
    import yaml

    cls = OTHER_PRESETS[preset]
    listed = dict(_leaves(yaml.safe_load((REPO / preset).read_text())))
    assert listed and all(_get(cls(), key) != value for key, value in listed.items()), preset
