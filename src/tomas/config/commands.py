"""The arguments of every command that is not a training recipe: one dataclass each, parsed by
``tomas.config.parse_config`` like the training configs. A field is a flag (``--planner_dir``, also
``--planner-dir``); the names in ``POSITIONAL`` are positional arguments instead; ``check`` holds the rules
that tie fields together."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal, get_args

from tomas.config.paths import (
    ASSETS,
    CONFIG_WEIGHTS,
    ENCODER_CHECKPOINT,
    PLANNER_DATA,
    PLANNER_DIR,
    PLANNER_YAML,
    PROFILING,
    REGISTRY,
)
from tomas.config.phase0 import PretrainConfig
from tomas.errors import TomasError

InputSize = Literal["small", "medium", "large"]
EmitFormat = Literal["k8s", "slurm", "ray", "docker", "env"]
SizeMode = Literal["numbers", "unnamed", "off", "given"]
BaselineReader = Literal["tfidf", "minilm"]
ConfigPick = Literal["rule", "head"]
Stage = Literal["validate", "pretrain", "export", "evaluate", "planner_data", "train_planner", "evaluate_planner",
                "plan"]
RESOURCE_FLAGS = ("cpu_cores", "memory_gb", "gpu_sm", "gpu_memory_gb")
MAX_TASK_CHARS = 2000
"""Longest task text any entry point accepts (the server's ``--max_task_chars`` may lower it)."""
H100_BF16_DENSE_TFLOPS = 989.0
"""H100 SXM dense bf16 peak (NVIDIA's data sheet, no sparsity): the projection's default peak."""


def choices(literal) -> tuple[str, ...]:
    return get_args(literal)


@dataclass
class ValidateArgs:
    """Validate the registry and profiling data."""

    tool_registry: str = REGISTRY
    """Tool registry JSON."""
    profiling_data: str = PROFILING
    """Profiling CSV."""


@dataclass
class GenerateProfilingArgs:
    """Write a seeded synthetic profiling table."""

    tool_registry: str = REGISTRY
    """Tool registry JSON (its tools get rows)."""
    output: str = PROFILING
    """Where the CSV goes."""
    seed: int = 0
    """Seed of the synthetic latencies."""


@dataclass
class GeneratePlannerArgs:
    """Write seeded planner examples (train/val/test JSONL)."""

    tool_registry: str = REGISTRY
    """Tool registry JSON."""
    profiling_data: str = PROFILING
    """Profiling CSV (the oracle's latencies)."""
    output_dir: str = PLANNER_DATA
    """Where train.jsonl, val.jsonl and test.jsonl go."""
    seed: int = 0
    """Seed of every draw."""
    train_per_tool: int = 400
    """Training examples per tool."""
    val_per_tool: int = 50
    """Validation examples per tool."""
    test_per_tool: int = 100
    """Test examples per tool."""
    preference_share: float = 0.0
    """Share of tasks that state a preference in words (0.3 trains a planner that reads them: with
    --model.preferences true; docs/planner.md)."""
    out_of_scope_share: float = 0.1
    """Out-of-scope requests (tool null) per in-scope one, in every split."""


@dataclass
class ConvertPlannerArgs:
    """Rewrite a planner folder of the old format as peft adapter + heads.safetensors + model card, in place."""

    planner_dir: str = PLANNER_DIR
    """The planner folder to convert."""


@dataclass
class ExportArgs:
    """Export config_weights.pt, config_lookup.json and tool_mask_map.json from a Phase 0 encoder."""

    encoder_checkpoint: str = ENCODER_CHECKPOINT
    """Phase 0's encoder checkpoint."""
    tool_registry: str = REGISTRY
    """Tool registry JSON."""
    profiling_data: str = PROFILING
    """Profiling CSV; its row order defines the config ids."""
    llm_model: str | None = None
    """Must match the checkpoint's LLM (default: the checkpoint's)."""
    output_dir: str = ASSETS
    """Where the three files go."""
    batch_size: int = 64
    """Configurations encoded at once."""
    device: str = "auto"
    """auto, cpu or cuda."""


@dataclass
class EvaluateArgs:
    """Greedy exact-match read-back of exported Phase 0 weights."""

    encoder_checkpoint: str = ENCODER_CHECKPOINT
    """Phase 0's encoder checkpoint."""
    weights: str = CONFIG_WEIGHTS
    """Exported config_weights.pt."""
    tool_registry: str = REGISTRY
    """Tool registry JSON."""
    profiling_data: str = PROFILING
    """Profiling CSV."""
    llm_model: str | None = None
    """The LLM that reads back (default: the checkpoint's)."""
    device: str = "auto"
    """auto, cpu or cuda."""
    batch_size: int = 32
    """Rows checked or generated at once (32: all 1701 rows in 135 s on a 2-core CPU, 159 s at 128)."""
    output: str | None = None
    """Report path (default: eval_report.json beside the weights)."""
    row_alone: bool = False
    """Each row as ONE input vector, no expander (the spec's literal reading)."""
    limit: int = 0
    """A seeded sample of this many configurations (0 = all)."""
    token_by_token: bool = False
    """Decode every row step by step (default: one pass checks each expected description, and only the rows
    where greedy decoding departs from it are decoded step by step: the same texts)."""


@dataclass
class EvaluatePlannerArgs:
    """Planner accuracy against the oracle on the test split (and hand-written sets, baselines)."""

    planner_dir: str = PLANNER_DIR
    """Folder written by `tomas train`."""
    test_file: str | None = None
    """Planner JSONL (default: the training config's test_file)."""
    output_dir: str | None = None
    """Where the report goes (default: planner_dir)."""
    hand_file: list[str] | None = None
    """Also these hand-written test sets (e.g. data/planner_handwritten/requests.jsonl
    data/planner_handwritten2/requests.jsonl)."""
    size_mode: SizeMode | None = None
    """numbers: sizes stated as numbers, or products and works named, are read exactly; unnamed: numbers only
    (not the table of named inputs); off: the learned reading alone; given: each example's size passed as the
    input's facts (default: the planner's model.size_reader)."""
    config_pick: ConfigPick | None = None
    """rule: the oracle's rule picks among the allowed configurations; head: the config head's argmax
    (default: the planner's model.config_pick)."""
    baselines: list[BaselineReader] | None = None
    """Also train and score these baselines on the planner's training file, the same sets and size mode (no
    names: all of them)."""
    batch_size: int = 32
    """Requests planned at once."""
    device: str = "auto"
    """auto, cpu or cuda."""


@dataclass
class AddToolArgs:
    """Add a tool to a trained planner (rows from Phase 0's encoder, a few examples)."""

    POSITIONAL: ClassVar[dict[str, str]] = {"name": "the tool, as named in the registry and the profiling table"}
    name: str
    tool_registry: str
    """Registry with every tool, old and new."""
    profiling_data: str
    """Profiling table with the new tool's rows."""
    planner_dir: str = PLANNER_DIR
    """The trained planner."""
    encoder_checkpoint: str = ENCODER_CHECKPOINT
    """Phase 0's encoder, the one whose export the planner was trained on."""
    examples: str | None = None
    """At most 50 requests for the new tool (JSONL as `tomas plan --batch`); default: generated."""
    output_dir: str | None = None
    """A new folder for the extended planner."""
    overwrite: bool = False
    """Allow writing over an existing folder (the trained planner itself when --output_dir is not given)."""
    device: str = "auto"
    """auto, cpu or cuda."""


@dataclass
class ProfileArgs:
    """Measure your tool under resource limits: its profiling rows and registry entry."""

    POSITIONAL: ClassVar[dict[str, str]] = {"name": "the new tool's name (no spaces; not in the base registry)"}
    name: str
    command: str | None = None
    """The tool as a command line, {input} where the input path goes."""
    callable: str | None = None
    """The tool as pkg.module:fn(path)."""
    inputs: list[str] = field(default_factory=list)
    """Sample inputs of one size class, SIZE=PATH[,PATH] (repeat the flag for each class)."""
    description: str | None = None
    """The registry's description (default: from the command)."""
    input_sizes: str | None = None
    """The registry's size classes as JSON, e.g. '{"small": {"max_megapixels": 0.5}, "medium":
    {"max_megapixels": 16}, "large": {}}' (default: sizes from words only)."""
    cpu_cores: str = "1,2"
    """Comma-separated core counts."""
    memory_gb: str = "2,4,8"
    """Comma-separated memory caps in GB."""
    gpu_sm: str = "0"
    """Comma-separated GPU SM counts (0 = no GPU)."""
    gpu_memory_gb: str = "0"
    """Comma-separated GPU memory caps in GB."""
    gpu_total_sm: float | None = None
    """The GPU's SM count (default: read from it)."""
    warmup: int = 1
    """Untimed runs per configuration first."""
    repeats: int = 3
    """Timed runs per configuration (the median is recorded)."""
    timeout_s: float = 600.0
    """One run longer than this fails its cell."""
    output_dir: str | None = None
    """Default: profiles/NAME."""
    base_registry: str = REGISTRY
    """The registry the new tool joins."""
    base_profiling: str = PROFILING
    """The profiling table the new rows join."""

    def check(self) -> None:
        if self.warmup < 0 or self.repeats < 1:
            raise TomasError("--warmup must be ≥ 0 and --repeats ≥ 1")


@dataclass
class PlanArgs:
    """Plan a tool and its resources for a task."""

    POSITIONAL: ClassVar[dict[str, str]] = {"task": "the task, in plain words"}
    task: str | None = None
    cpu_cores: float | None = None
    """Free CPU cores (required with a task, unless --free auto)."""
    memory_gb: float | None = None
    """Free memory in GB."""
    gpu_sm: float | None = None
    """Free GPU SMs."""
    gpu_memory_gb: float | None = None
    """Free GPU memory in GB."""
    free: Literal["auto"] | None = None
    """auto: read the free resources from this machine (cores idle, memory available, GPU SMs and memory free)
    instead of the four numbers; the plan's free_read says what was read."""
    latency_budget_ms: float | None = None
    """The most the run may take."""
    input: str | None = None
    """The input itself: an image (its pixel dimensions) or a text file (its word count) makes the input size
    exact."""
    input_size: InputSize | None = None
    """The input's size class, when known."""
    batch: str | None = None
    """Plan every request in this JSONL file, - = standard input (JSONL out; a bad line gets an error line,
    exit 2)."""
    json: bool = False
    """Print the plan as JSON."""
    emit: EmitFormat | None = None
    """Print the chosen configuration for a scheduler instead: a Kubernetes resources block, #SBATCH lines,
    Ray .options(...), docker run flags or environment variables."""
    gpu_total_sm: float | None = None
    """The GPU's SM count (--emit of a GPU configuration: SMs become an MPS share)."""
    planner_dir: str = PLANNER_DIR
    """The trained planner."""
    assets_dir: str | None = None
    """Phase 0 assets (default: the planner folder's copy)."""
    device: str = "auto"
    """auto, cpu or cuda."""
    full_reader: bool = False
    """Load the LLM and LoRA through transformers and peft even where the planner folder has a compiled reader
    (on CPU the first plan writes one, and later plans load it: a faster start)."""

    def check(self) -> None:
        if (self.task is None) == (self.batch is None):
            raise TomasError("give either a task or --batch FILE.jsonl")
        if self.batch and self.emit:
            raise TomasError('--emit is for one task; a --batch line asks with its own "emit" field')
        given = [k for k in RESOURCE_FLAGS if getattr(self, k) is not None]
        missing = [f"--{k.replace('_', '-')}" for k in RESOURCE_FLAGS if k not in given]
        if self.task is not None and self.free is None and missing:
            raise TomasError(f"the free resources are required: {' '.join(missing)} (or --free auto)")
        if self.free is not None and given:
            raise TomasError("give either --free auto or the free resources, not both")


@dataclass
class ServeSettings:
    """The service's limits (``tomas serve --max_*``)."""

    max_batch: int = 8
    """Most requests planned in one forward pass. 8 beat 16 (and 32) on the 2-core CPU under
    16 concurrent clients: a full batch waits for one small forward, not one large one (docs/serving.md)."""
    max_wait_ms: float = 5.0
    """How long the first request of a batch waits for others to join it."""
    max_queue: int = 256
    """Requests waiting for the model; beyond it the answer is 503 + Retry-After."""
    max_task_chars: int = MAX_TASK_CHARS
    """Longest task text accepted."""
    max_body_bytes: int = 1 << 20
    """Largest request body accepted (413 beyond)."""
    max_batch_requests: int = 256
    """Most requests in one POST /v1/plan/batch."""

    def check(self) -> None:
        if min(self.max_batch, self.max_queue, self.max_task_chars, self.max_body_bytes,
               self.max_batch_requests) < 1:
            raise TomasError("the --max_* limits must be ≥ 1")


@dataclass
class ServeArgs(ServeSettings):
    """The planner as an HTTP service (micro-batched, Prometheus /metrics)."""

    planner_dir: str = PLANNER_DIR
    """The trained planner."""
    host: str = "127.0.0.1"
    """127.0.0.1 serves this machine only; another host needs an API key (or --insecure)."""
    port: int = 8000
    """TCP port."""
    device: str = "auto"
    """auto, cpu or cuda."""
    graceful_s: float = 30.0
    """On shutdown, how long requests in flight may take."""
    api_key: str | None = None
    """The bearer token callers must send (safer: --api_key_file or the TOMAS_API_KEY environment variable,
    which ps does not show)."""
    api_key_file: str | None = None
    """A file holding the API key."""
    insecure: bool = False
    """Allow a non-loopback --host without an API key."""
    ssl_certfile: str | None = None
    """TLS certificate (PEM), with --ssl_keyfile: serve HTTPS."""
    ssl_keyfile: str | None = None
    """TLS private key (PEM)."""

    def settings(self) -> ServeSettings:
        return ServeSettings(**{k: getattr(self, k) for k in ServeSettings.__dataclass_fields__})


@dataclass
class BenchConfig(PretrainConfig):
    """Time real Phase 0 training steps; every `tomas pretrain` flag and --config also apply."""

    steps: int = 20
    """Timed training steps."""
    warmup: int = 3
    """Untimed steps first."""
    quick: bool = False
    """3 timed steps after 1 warm-up, short peak timing."""
    json: bool = False
    """Print one JSON object instead of the table."""
    metrics: str | None = None
    """A run's pretrain_metrics.jsonl: time to 50/90/99/100% exact match."""
    eval_report: str | None = None
    """That run's greedy evaluation (default: eval_report.json beside --metrics): 100% counts only from an
    all-configuration measure."""
    peak_time: float = 1.0
    """Seconds per timed matmul shape."""
    projection_ratio: float | None = None
    """Achieved/peak assumed for the H100 projection (default: the ratio measured here)."""
    projection_peak_tflops: float = H100_BF16_DENSE_TFLOPS
    """H100 peak for the projection (dense bf16)."""

    def check(self) -> None:
        if self.quick:
            self.steps, self.warmup, self.peak_time = 3, 1, 0.2
        if self.steps < 1 or self.warmup < 0:
            raise TomasError("--steps must be >= 1 and --warmup >= 0")


@dataclass
class RunConfig(PretrainConfig):
    """Main job, task to plan: Phase 0 -> export -> evaluate -> planner -> a sample plan. Phase 0 takes the
    flags of `tomas pretrain`; the planner takes --planner_config and --planner.KEY VALUE (any key of
    `tomas train`)."""

    stop_after: Stage | None = None
    """End the job after this stage (running it again goes on from the next one)."""
    planner_config: str = PLANNER_YAML
    """The planner's YAML preset."""
