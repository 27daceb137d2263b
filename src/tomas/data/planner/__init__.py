"""Planner data (Phase 3/4): a user task and a machine snapshot -> the tool's configuration to run.

Each example pairs a natural-language task for one tool with the free resources of a
machine and, on ~30% of examples, a latency budget. Its label is the configuration that
``oracle_config`` picks (``None`` when nothing fits), so the label is a pure function of
the profiling table and the example's structured fields; ``load_planner_examples``
re-derives it on every line and rejects a file whose labels disagree.

Task texts come from per-tool phrasing templates (``PHRASE_BANK``; any other tool gets
generic templates built from its name and registry description) with an input-size
cue such as "a 4K photo". Validation and test each get their own held-out share of every
bank (``HELDOUT_SHARES``): of each tool's templates, of each size's cues, of the VQA
questions and of the language names. So both measure generalisation to phrasings, size
cues and slot values never trained on, and choosing a checkpoint or preset on validation
says something about test without reading it.

Training tasks are also varied in ways that carry no tool information, so the planner
cannot key on incidental words: some are written from the tool's registry description
instead of a template (``REGISTRY_TEMPLATES``), some get an opener or closer shared by every
tool (``FRAMES``: "Hi!", "... It's for the archive."), some are typed casually (lower case,
no final full stop), and some state the input size as a number in other units
(``numeric_cue``: "a 4032x3024 image", "a 45,000-word text", "twelve pages"). Validation and
test get none of these: their tasks are held-out templates exactly as written. Training also draws from a
second writer's training-only templates, size cues and out-of-scope requests (``banks/training_only.yaml``),
so it sees far more wordings than validation and test hold out.

Modules: ``oracle`` (the label), ``phrases`` (the hand-written bank), ``numeric`` (numeric size
cues), ``text`` (task texts and their held-out shares),
``snapshots`` (free resources, budgets), ``splits`` (the seeded splits), ``files`` (the
example schema, writing and loading). Their public names are re-exported here.

Everything is seeded: every (purpose, split, tool) draws from its own
``random.Random`` seeded by a string that includes ``seed``, never the global RNG, so
changing one split's size leaves the other splits' examples unchanged.
"""

from tomas.data.planner.files import (
    HAND_FILE,
    HAND_FILES,
    HAND_KEYS,
    KEYS,
    PlannerExample,
    load_dev,
    load_handwritten,
    load_planner_examples,
    tools_named,
    write_planner,
)
from tomas.data.planner.numeric import numeric_cue, spelled
from tomas.data.planner.oracle import fits, oracle_config
from tomas.data.planner.phrases import GENERIC_CUES, PHRASE_BANK, REGISTRY_TEMPLATES, Phrasings
from tomas.data.planner.snapshots import sample_budget, sample_free_resources
from tomas.data.planner.splits import SPLITS, generate_planner, planner_stats
from tomas.data.planner.text import (
    FRAMES,
    HELDOUT_SHARES,
    bank_splits,
    heldout_templates,
    phrasings,
    render_registry_task,
    render_task,
    size_cues,
    split_phrasings,
    vary_register,
)

__all__ = ["FRAMES", "GENERIC_CUES", "HAND_FILE", "HAND_FILES", "HAND_KEYS", "HELDOUT_SHARES", "KEYS", "PHRASE_BANK",
           "REGISTRY_TEMPLATES", "SPLITS", "PlannerExample", "Phrasings", "bank_splits", "fits", "generate_planner",
           "heldout_templates", "load_dev", "load_handwritten", "load_planner_examples", "numeric_cue", "oracle_config",
           "phrasings", "planner_stats", "render_registry_task", "render_task", "sample_budget",
           "sample_free_resources", "size_cues", "spelled", "split_phrasings", "tools_named", "vary_register",
           "write_planner"]
