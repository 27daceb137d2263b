"""The planner's model card header: what the Hugging Face hub reads (base model, library, license)."""

from __future__ import annotations

import yaml

from tomas.artifacts.planner import card_metadata


def _header(llm: str) -> dict:
    lines = card_metadata(llm)
    assert lines[0] == "---" and lines[lines.index("---", 1) + 1] == ""
    return yaml.safe_load("\n".join(lines[1:lines.index("---", 1)]))


def test_packaged_readers_name_their_hub_model_and_license():
    assert _header("smollm2") == {"base_model": "HuggingFaceTB/SmolLM2-135M-Instruct", "library_name": "peft",
                                  "license": "apache-2.0", "tags": ["tomas", "tool-planning", "lora"]}
    assert _header("minilm")["base_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert _header("gemma3-270m")["license"] == "gemma"


def test_a_model_given_by_id_is_its_own_base_with_license_other():
    assert _header("Qwen/Qwen2.5-7B") == {"base_model": "Qwen/Qwen2.5-7B", "library_name": "peft",
                                          "license": "other", "tags": ["tomas", "tool-planning", "lora"]}
