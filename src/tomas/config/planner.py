"""The planner (Phase 3/4): ``tomas train``, ``tomas probe-planner``, ``tomas run``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tomas.config.common import LLMChoice, OptimConfig, SourceDataConfig
from tomas.config.paths import ASSETS, DEV_FILE, ENCODER_CHECKPOINT, PLANNER_DATA, PLANNER_DIR


@dataclass
class PlannerDataConfig(SourceDataConfig):
    tools: list[str] | None = None
    """Only these tools' configurations, as in the Phase 0 run that exported the assets; null = all."""
    train_file: str = f"{PLANNER_DATA}/train.jsonl"
    """Planner training examples (``tomas data generate-planner``)."""
    val_file: str = f"{PLANNER_DATA}/val.jsonl"
    """Validation examples (their own held-out phrasings): every choice of checkpoint or preset is made on them."""
    test_file: str = f"{PLANNER_DATA}/test.jsonl"
    """Test examples (held-out phrasings), used by ``tomas evaluate-planner``."""
    dev_file: str | None = DEV_FILE
    """Hand-written validation requests, written apart from the generator (``data/planner_dev``): the scope
    threshold must also hold on them, and every evaluation reports them. Skipped when they name a tool the
    registry lacks; null = validation alone."""
    assets_dir: str = ASSETS
    """Phase 0 exports: config_weights.pt, config_lookup.json, tool_mask_map.json."""
    train_fraction: float = 1.0
    """Share of each tool's training examples used (a seeded draw): data-efficiency studies."""
    holdout_configs: float = 0.0
    """Share of each tool's configurations never seen as a training answer (a seeded draw): training examples
    whose label is one of them are dropped; evaluation reports those labels apart."""
    new_tool: str | None = None
    """(``tomas probe-planner``) Treat this tool as added after training: the decoder trains on the other
    tools (``assets_dir``: a Phase 0 export without it; its configurations come last in the profiling
    table), then gets it as ``tomas add-tool`` adds one, from ``new_tool_examples`` of its training examples;
    the report gives its requests' metrics apart."""
    new_tool_examples: int = 50
    """Training examples of ``new_tool`` its tool-head row is fitted on (0 = none: only its rows are added)."""
    new_tool_encoder: str = ENCODER_CHECKPOINT
    """Phase 0 encoder (trained without ``new_tool``) that gives its configurations their rows."""


@dataclass
class LoraSettings:
    r: int = 16
    """LoRA rank."""
    alpha: float = 32.0
    """LoRA scaling numerator (scale = alpha / r)."""
    dropout: float = 0.0
    """Dropout on the LoRA branch."""
    target_modules: list[str] = field(default_factory=lambda: ["all-linear"])
    """Module names LoRA adapts; [all-linear]: every linear layer of the blocks, whatever the architecture
    calls them (peft's shorthand; e.g. a BERT-like reader's query/key/value/dense)."""
    top_layers: int = 0
    """LoRA only in the last N transformer blocks (0 = every block): the backward pass stops below them, so a
    step costs less (the blocks below run forward only)."""


@dataclass
class PlannerModelConfig(LLMChoice):
    llm_model: str = "minilm"
    """The text reader: 'minilm' (the embedded sentence encoder, chosen on validation: docs/planner.md),
    'smollm2', 'tiny' (random test model), an HF id or a local path."""
    lora: LoraSettings = field(default_factory=LoraSettings)
    config_head_init: Literal["phase0", "random", "tool_mean", "features"] = "phase0"
    """config_head rows: Phase 0's config_weights.pt, random, each tool's mean Phase 0 row (ablation), or a
    fixed random projection of each configuration's fields (``models.planner.feature_rows``: a baseline)."""
    config_head: Literal["rows", "live"] = "live"
    """live: the rows stay as initialised and a trainable map of the prompt state scores them, so what the
    planner learns on some configurations carries to every other one through their rows (+18 points of
    plan accuracy over rows with Phase 0's rows: docs/phase0_value.md); rows: one trainable row per
    configuration, the spec's head (a configuration never seen as an answer only learns to lose)."""
    config_features: bool = True
    """Also rank each candidate by latency / meeting the budget / resource cost, weighed from the prompt."""
    preferences: bool = False
    """Read preferences in words ("leave most of the GPU free", ``data.planner.preferences``): a preference
    head says which one the request states, the feature scorer also ranks each candidate by the GPU and CPU
    cores it takes and is routed by that preference, and the plan reports it. For planner data that states
    preferences (``tomas data generate-planner --preference_share 0.3``); off by default, because such data
    costs plain requests plan accuracy (docs/phase0_value.md)."""
    out_of_scope: bool = True
    """A scope head says when no registered tool serves the request ("Book me a flight"): the plan is then
    ``tool: null`` with the reason. Trained on the training file's tool-null examples (``tomas data
    generate-planner --out_of_scope_share``)."""
    scope_rule: Literal["head", "nearest"] = "nearest"
    """What decides a refusal: ``nearest``, how much nearer the request's vector (of what ``scope_text`` reads) is
    to its nearest out-of-scope training request than to its nearest in-scope one (``models.scope``; the training
    requests' vectors are saved with the heads, and every evaluation in training reads the training file once more
    to refresh them; chosen on validation for the MiniLM reader: docs/planner.md, "Out of scope by nearest
    neighbours"), or ``head``, the scope head's probability (the SmolLM2 preset's: not measured there)."""
    scope_text: Literal["span_prompt", "span", "task", "prompt"] = "span_prompt"
    """What the nearest-neighbour memory (``scope_rule: nearest``) reads of a request: ``span``, the mean of its
    words' states in the one pass the decoder reads; ``span_prompt``, that and the whole prompt's vector from the
    same pass, two memories whose margins are averaged; ``task``, a second pass over its words alone; or ``prompt``,
    the whole prompt's vector the decoder reads. Whether a tool serves a request does not depend on the free
    resources or the latency budget, yet in a mean-pooled prompt they weigh as much as a short request's words; the
    prompt's vector, the one the tool head is trained on, is a second view that kept more of people's in-scope
    requests. Chosen on validation (docs/planner.md, "Refusals read from the request's words alone", "... in the one
    pass" and "A second view in the refusal score"); a planner saved before the option reads the prompt."""
    feature_scale: float = 10.0
    """Multiplier on the feature scorer's weights: deciding by rank needs weights of several units, which a
    zero-initialised head at head_learning_rate reaches in tens of steps instead of thousands (docs/planner.md)."""
    readout: Literal["last", "mean"] = "mean"
    """The one vector the decoder reads from the last layer: the mean over the prompt's tokens, or the
    state of its last token (mean generalises better to unseen phrasings: docs/planner.md)."""
    config_loss_weight: float = 1.0
    """λ in loss = CE(tool) + λ·(CE(config) + CE(input size))."""
    scope_contrast: float = 0.0
    """Training only: weight of a supervised contrastive term (``training.planner_loss.contrast_loss``) over each
    batch's prompt vectors (the refusal memory's prompt view): an example's positives are the batch's other examples
    of its tool, an out-of-scope one's the other out-of-scope ones (0: off; measured at 0.1 and not adopted:
    docs/planner.md, "A contrastive term and a frozen-encoder view")."""
    head_learning_rate: float = 2.0e-3
    """Learning rate of the two heads (LoRA uses training.learning_rate)."""
    config_pick: Literal["rule", "head"] = "rule"
    """Planning only: which allowed configuration of the tool and input size read becomes the plan.
    ``rule`` = the oracle's rule (``oracle.choose_config``) over the profiled latencies, the free resources,
    the latency budget and the preference read: these are facts, so they are applied exactly; the config
    head still reads the input size (its mass per size). ``head`` = the config head's (and feature scorer's)
    argmax, learned. Chosen on validation (docs/planner.md)."""
    spelling: bool = True
    """Planning only: fix typing slips before a request is read ("clasify this thumbnial" -> "classify this
    thumbnail", "200 megapixle" -> "200 megapixel"), toward the training file's frequent words, which training
    saves beside the planner (``spelling.json``; ``tomas.data.spelling``). Chosen on validation
    (docs/planner.md, "Typing slips")."""
    lexical: bool = True
    """The request's words as tool evidence beside the tool head: TF-IDF (word 1–2 and character 2–5 grams) +
    logistic regression fitted on the training file (``models.lexical``; saved beside the planner), its
    log-probabilities added to the tool head's × a weight chosen on validation at every evaluation (0 turns it
    off). Chosen on validation (docs/planner.md, "Lexical tool evidence")."""
    scope_lexical: bool = True
    """With ``lexical`` and nearest-neighbour refusals (``scope_rule: nearest``): refusals also read the lexical
    model's out-of-scope margin (log P(out of scope) − the best tool's), added to the nearest-neighbour score × a
    weight chosen with the threshold at every evaluation (``eval.scope.choose_scope``; 0 turns it off).
    Chosen on validation (docs/planner.md, "Refusals that read the words")."""
    size_lexical: bool = True
    """The request's words as size evidence: TF-IDF + logistic regression, fitted like ``lexical`` on the training
    file's in-scope requests whose text states a size, its log-probabilities added to log P(size | tool) × a weight
    chosen on validation at every evaluation (0 turns it off). Saved beside the planner (``size_lexical.*``).
    Chosen on validation (docs/planner.md, "The words as size evidence")."""
    preference_lexical: bool = True
    """Without ``preferences`` (no preference head): the preference the request's words state ("I'm in a hurry",
    "leave the GPU free") is read by TF-IDF + logistic regression fitted on the training requests with and without
    training phrasings of each preference attached (``models.lexical.LexicalPreference``; its threshold chosen on
    validation), and the configuration rule honours it. Reader, heads and their training are untouched: plain
    requests change only where it reads a preference they do not state. Saved beside the planner
    (``preference_lexical.*``). Chosen on validation (docs/planner.md, "Preferences read from the words")."""
    preference_max_false: float = 0.01
    """The preference reader's threshold is the smallest that reads at most this share of validation's requests as
    written (val + the hand-written validation set), none of which states a preference, as stating one."""
    size_reader: Literal["numbers", "off"] = "numbers"
    """Planning only: ``numbers`` = a size the request states as a number ("12 MP", "6,000 words") is read
    exactly through the registry's ``input_sizes`` and decides (numbers in several classes narrow the learned
    reading); ``off`` = the learned reading alone. The input's facts decide either way (chosen on
    validation: docs/planner.md)."""


@dataclass
class PlannerTrainingConfig(OptimConfig):
    batch_size: int = 16
    """Requests per optimizer step."""
    max_steps: int = 1200
    """Optimizer steps (the data is cycled in seeded shuffled epochs)."""
    eval_every_steps: int = 200
    """Evaluate tool/config accuracy on the validation file every N steps (0 = only at the end)."""
    eval_limit: int = 0
    """Evaluate on at most this many validation examples (0 = all)."""


@dataclass
class PlannerConfig:
    """Phase 3/4: train the planner (frozen LLM + LoRA + HierarchicalDecoder) on task -> (tool, config)."""

    data: PlannerDataConfig = field(default_factory=PlannerDataConfig)
    model: PlannerModelConfig = field(default_factory=PlannerModelConfig)
    training: PlannerTrainingConfig = field(default_factory=PlannerTrainingConfig)
    output_dir: str = PLANNER_DIR
    """Where the planner checkpoint, metrics and plots are written."""
