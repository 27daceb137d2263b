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
test get none of these: their tasks are held-out templates exactly as written.

Everything is seeded: every (purpose, split, tool) draws from its own
``random.Random`` seeded by a string that includes ``seed``, never the global RNG, so
changing one split's size leaves the other splits' examples unchanged.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from tomas.data import ToolData
from tomas.data.profiling import INPUT_SIZES, Configuration
from tomas.data.registry import Tool, _read_text
from tomas.errors import DataError
from tomas.io import atomic_write

RESOURCE_FIELDS = ("cpu_cores", "memory_gb", "gpu_sm", "gpu_memory_gb")
"""The ``Configuration`` attributes a machine must have free for the configuration to run."""

SPLITS = ("train", "val", "test")
HELDOUT_SHARES = {"test": 0.25, "val": 0.15}
"""Share of each bank (a tool's templates, a size's cues, VQA questions, languages) reserved for a
split, at least one each (two for slot values); training gets the rest."""
P_INFEASIBLE = 0.065
"""Share of snapshots built so that no configuration fits (label ``None``)."""
P_BUDGET = 0.30
"""Share of examples with a latency budget."""
P_NO_GPU = 0.08
"""Share of ordinary snapshots drawn from a CPU-only machine (both GPU fields 0)."""
P_REGISTRY = 0.10
"""Share of training tasks written from the tool's registry description."""
P_FRAME = 0.50
"""Share of training tasks wrapped in a tool-agnostic opener or closer (``FRAMES``)."""
P_CASUAL = 0.15
"""Share of training tasks typed casually: lower case, no final full stop."""
P_NUMERIC = 0.30
"""Share of training tasks of image and text tools whose size is a number in other units (``numeric_cue``)."""

_GPU_FIELDS = ("gpu_sm", "gpu_memory_gb")
_GB_FIELDS = ("memory_gb", "gpu_memory_gb")
_GB_LADDER = (0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
"""Memory sizes people write: free memory that is not a profiled level is one of these."""
_NO_USE_LEVELS = {"cpu_cores": (2, 4, 8), "memory_gb": (4, 8, 16), "gpu_sm": (14, 28, 56, 80),
                  "gpu_memory_gb": (4, 8, 16)}
"""Free values for a resource the tool never uses (its maximum is 0): any machine will do."""


# --------------------------------------------------------------------------- oracle


def fits(config: Configuration, free: dict[str, float]) -> bool:
    """True when each of ``RESOURCE_FIELDS`` of ``config`` is at most what ``free`` has."""
    return all(getattr(config, f) <= free[f] for f in RESOURCE_FIELDS)


class _ToolIndex:
    """One tool's configurations by input size, with their resource costs (built once, reused)."""

    def __init__(self, data: ToolData, tool: str):
        configs = [c for c in data.configs if c.tool == tool]
        tops = {f: max(getattr(c, f) for c in configs) for f in RESOURCE_FIELDS}
        self.by_size: dict[str, list[Configuration]] = {}
        for c in configs:
            self.by_size.setdefault(c.input_size, []).append(c)
        self.cost = {c.config_id: sum(getattr(c, f) / top for f, top in tops.items() if top > 0) for c in configs}

    def choose(self, size: str, free: dict[str, float], budget: float | None) -> int | None:
        fitting = [c for c in self.by_size.get(size, []) if fits(c, free)]
        if not fitting:
            return None
        meeting = [c for c in fitting if budget is not None and c.latency_ms <= budget]
        if meeting:
            return min(meeting, key=lambda c: (self.cost[c.config_id], c.latency_ms, c.config_id)).config_id
        return min(fitting, key=lambda c: (c.latency_ms, c.config_id)).config_id


def oracle_config(data: ToolData, tool: str, input_size: str, free: dict[str, float],
                  latency_budget_ms: float | None) -> int | None:
    """The configuration a planner should pick; ``None`` when none of the tool's fits (infeasible).

    Candidates are ``tool``'s configurations of ``input_size`` that ``fits`` ``free``.

    * No budget: the fastest candidate (lowest ``latency_ms``; ties -> lower config id).
    * With a budget: among candidates with ``latency_ms <= latency_budget_ms``, the
      *least-resource* one. Its resource cost is
      ``sum(value_f / max_f for f in RESOURCE_FIELDS if max_f > 0)``, where ``max_f`` is the
      largest value of field ``f`` over all the tool's configurations (every input size), so
      each resource weighs the same whatever its unit. Ties -> lower latency -> lower config
      id. This leaves the rest of the machine to other jobs once the user's deadline is met.
      If no candidate meets the budget, the fastest candidate (as without a budget): the
      closest the machine can get to the deadline.
    """
    return _ToolIndex(data, tool).choose(input_size, free, latency_budget_ms)


# --------------------------------------------------------------------------- examples


@dataclass(frozen=True)
class PlannerExample:
    """One planner example; ``phrasing`` is the task template's id, used to split: "<tool>/<nn>" for
    ``PHRASE_BANK`` or generic templates, "<tool>/registry-<n>" for ``REGISTRY_TEMPLATES``."""

    id: str
    task: str
    tool: str
    input_size: str
    free_resources: dict[str, float]
    latency_budget_ms: float | None
    config_id: int | None
    phrasing: str

    def to_json(self) -> str:
        """One JSONL line, keys in field order."""
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, ensure_ascii=False)


KEYS = tuple(f.name for f in fields(PlannerExample))


# --------------------------------------------------------------------------- task text

_IMAGE_CUES: dict[str, tuple[str, ...]] = {
    "small": ("a 64x64 thumbnail", "a tiny icon", "a 32x32 favicon", "a 128x128 avatar", "a small 100x100 sprite",
              "a 96x96 emoji image", "a postage-stamp-sized 80x60 preview"),
    "medium": ("a 1080p photo", "a 12-megapixel photo", "a 1920x1080 screenshot", "an 8-megapixel snapshot",
               "a full-HD video frame", "a 3000x4000 phone picture", "a 10-megapixel product shot"),
    "large": ("a 4K photo", "a 50-megapixel panorama", "an 8K image", "a 100-megapixel aerial shot",
              "a 7680x4320 scan", "a 60-megapixel studio photo", "a gigapixel-class satellite tile"),
}
_TEXT_CUES: dict[str, tuple[str, ...]] = {
    "small": ("a two-sentence note", "a short paragraph", "a single tweet", "a 50-word blurb", "a one-line message",
              "a quick three-line email", "a 100-word product blurb"),
    "medium": ("a 10-page article", "a 3,000-word essay", "a 15-page research paper", "a 5,000-word blog post",
               "a 12-page meeting transcript", "a 20-page contract", "a magazine feature of about 4,000 words"),
    "large": ("a 300-page report", "an entire book", "a 500-page novel", "a 200,000-word manuscript",
              "a 1,000-page legal archive", "a whole year of meeting minutes", "an 800-page technical manual"),
}
GENERIC_CUES: dict[str, tuple[str, ...]] = {
    "small": ("a small input", "a tiny sample", "a small file", "a short input", "a lightweight input",
              "a very small payload"),
    "medium": ("a medium-sized input", "a moderately sized file", "an average-sized sample", "a mid-sized input",
               "a typical medium-sized file", "a medium payload"),
    "large": ("a very large input", "a huge file", "a massive sample", "a large input", "an extra-large file",
              "an enormous payload"),
}
"""Size cues for a tool outside ``PHRASE_BANK``: they say only how big the input is."""

_LANGUAGES = ("English", "German", "French", "Spanish", "Japanese", "Portuguese", "Italian", "Chinese", "Korean",
              "Dutch")
_QUESTIONS = ("how many people are in it", "what colour is the car", "is anyone wearing a hat",
              "what is the man holding", "is it day or night", "what brand is the laptop", "how many dogs are there",
              "what is written on the sign", "is the door open", "what sport are they playing")


# Sizes as numbers in other units, for training tasks (``P_NUMERIC``). The ranges sit inside the
# classes the hand-written cue banks above draw, with gaps between them so no number is ambiguous:
# images small <= 200 px a side, medium 1.5-14 megapixels, large >= 30 megapixels; texts small
# <= 150 words, medium 2,500-8,000 words (8-30 pages), large >= 90,000 words (200+ pages).
_MEGAPIXELS = {"small": (0.0006, 0.04), "medium": (1.5, 14.0), "large": (30.0, 400.0)}
_IMAGE_KB = {"small": (2, 40), "medium": (900, 6000), "large": (150_000, 2_000_000)}
_WORDS = {"small": (5, 150), "medium": (2500, 8000), "large": (90_000, 600_000)}
_PAGES = {"medium": (8, 30), "large": (200, 1500)}
_ASPECTS = ((1, 1), (4, 3), (3, 2), (16, 9), (5, 4))
_IMAGE_NOUNS = ("image", "photo", "picture", "JPEG", "PNG", "shot", "scan", "frame")
_TEXT_NOUNS = ("document", "text", "article", "report", "transcript", "file", "write-up", "letter")
_ONES = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def spelled(n: int) -> str:
    """1..99 in words: 45 -> "forty-five"."""
    if n < 20:
        return _ONES[n - 1]
    tens, ones = divmod(n, 10)
    return _TENS[tens - 2] + (f"-{_ONES[ones - 1]}" if ones else "")


def _count(n: int, rng: random.Random) -> str:
    """A count as people write it: 45000, 45,000 or 45k; under 100 sometimes in words."""
    forms = [f"{n:,}", str(n)] + ([f"{n // 1000}k"] if n >= 1000 and n % 1000 == 0 else [])
    return rng.choice(forms + ([spelled(n)] * 2 if n < 100 else []))


def _article(phrase: str) -> str:
    """"a" or "an" + ``phrase``, by how its first word sounds: an 8K, an 11-page, an image; a 1,100-word."""
    first = re.split(r"[\s×x-]", phrase, maxsplit=1)[0].replace(",", "")
    if first.isdigit():
        vowel = first.startswith("8") or first[:2] in ("11", "18") and len(first) % 3 == 2
    else:
        vowel = first[:1].lower() in "aeio"
    return ("an " if vowel else "a ") + phrase


def _roundish(value: float) -> int:
    """Round to two significant digits: a size someone would write (43817 -> 44000)."""
    digits = max(0, len(str(int(value))) - 2)
    return max(1, int(round(value, -digits)))


def _image_cue(size: str, rng: random.Random) -> str:
    noun = rng.choice(_IMAGE_NOUNS)
    form = rng.choice(("dims", "dims", "file") + (("megapixels",) if size != "small" else ()))
    if form == "file":
        kb = _roundish(math.exp(rng.uniform(*map(math.log, _IMAGE_KB[size]))))
        amount = f"{kb} KB" if kb < 1000 else f"{_roundish(kb / 1000)} MB" if kb < 1_000_000 else f"{kb / 1e6:.1f} GB"
        return _article(f"{amount} {noun}")
    mp = math.exp(rng.uniform(*map(math.log, _MEGAPIXELS[size])))
    if form == "megapixels":
        value = f"{mp:.0f}" if mp >= 10 else f"{mp:.1f}".rstrip("0").rstrip(".")
        return _article(rng.choice((f"{value}-megapixel {noun}", f"{value} MP {noun}",
                                    f"{noun} of {value} megapixels")))
    a, b = rng.choice(_ASPECTS)
    step = 2 if size == "small" else 8
    w = max(step, round(math.sqrt(mp * 1e6 * a / b) / step) * step)
    h = max(step, round(w * b / a / step) * step)
    w, h = (w, h) if rng.random() < 0.7 else (h, w)
    dims = rng.choice((f"{w}x{h}", f"{w} x {h}", f"{w}×{h}", f"{w} by {h}"))
    return _article(rng.choice((f"{dims} {noun}", f"{noun} of {dims} pixels", f"{dims}-pixel {noun}")))


def _text_cue(size: str, rng: random.Random) -> str:
    noun = rng.choice(_TEXT_NOUNS)
    if size in _PAGES and rng.random() < 0.4:
        pages = _count(rng.randint(*_PAGES[size]), rng)
        return rng.choice((_article(f"{pages}-page {noun}"), _article(f"{noun} of {pages} pages"),
                           f"{pages} pages of text"))
    low, high = _WORDS[size]
    words = _count(_roundish(math.exp(rng.uniform(math.log(low), math.log(high)))), rng)
    return rng.choice((_article(f"{words}-word {noun}"), _article(f"{noun} of {words} words"), f"{words} words of text",
                       _article(f"{noun} (about {words} words)")))


def numeric_cue(units: str, size: str, rng: random.Random) -> str:
    """A size cue that states ``size`` as a number: "a 4032x3024 photo", "a forty-page report"."""
    return _image_cue(size, rng) if units == "image" else _text_cue(size, rng)


@dataclass(frozen=True)
class Phrasings:
    """A tool's task templates (``{input}`` = a size cue, plus optional extra slots) and its size cues."""

    templates: tuple[str, ...]
    cues: dict[str, tuple[str, ...]]
    extras: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Extra slot name -> values; ``{Name}`` (capitalised slot) gives the value capitalised."""
    units: str | None = None
    """"image" or "text": training tasks may give the size as a number (``numeric_cue``); None: never."""


PHRASE_BANK: dict[str, Phrasings] = {
    "image_classification": Phrasings((
        "Classify {input}.",
        "What is in {input}? Just give me the category.",
        "Can you tell me what kind of object {input} shows?",
        "I have {input} and need to know which category it belongs to.",
        "Label {input} with the most likely class.",
        "hey, what's this? it's {input}",
        "Please assign a category label to {input}.",
        "Which species is shown in {input}?",
        "Tag {input} with its scene type, no description needed.",
        "I'd like {input} sorted into one of our product categories.",
        "Identify the main subject of {input} and return its class.",
        "For our catalogue: decide which class {input} falls into.",
        "quick one: categorize {input}",
        "Could you run a classifier over {input} and report the top label?",
        "We need to know whether {input} shows a cat, a dog or something else.",
        "Given {input}, predict its label.",
        "Kindly determine the category of the object depicted in {input}.",
        "My camera trap produced {input}; what animal is it?",
        "Is {input} indoors or outdoors? Classify the scene.",
        "Top-1 class for {input}, please.",
        "What category does {input} fall under?",
        "Sort {input} into the right class for our dataset.",
        "Which of our labels fits {input} best? One word is enough.",
        "Run image classification on {input}.",
        "What type of thing is pictured in {input}? I only need the class name.",
        "Help me organise my photos: which category is {input}?",
        "Predict the class of {input} and give the confidence.",
        "does {input} show a bird or a plane? just the class",
        "Is {input} a picture of food, a landscape or a person? Pick one label.",
        "Assign {input} to one of the ImageNet classes.",
    ), _IMAGE_CUES, units="image"),
    "text_summarization": Phrasings((
        "Summarize {input}.",
        "Can you give me the key points of {input}?",
        "I need a brief summary of {input}.",
        "TL;DR of {input}, please.",
        "Condense {input} into a few bullet points.",
        "what's the gist of {input}?",
        "Please provide an executive summary of {input}.",
        "Boil {input} down to its main ideas.",
        "My boss sent me {input} and I have no time to read it, so summarize it for me.",
        "Write an abstract for {input}.",
        "Kindly produce a concise summary of {input} that preserves the key points.",
        "Sum up {input} in a few lines.",
        "I have {input}; tell me what it's about in a few sentences.",
        "Shorten {input} to the essentials.",
        "Give me the highlights of {input}.",
        "Before the meeting I need a recap of {input}.",
        "summary of {input} pls",
        "Could you distil {input} into one paragraph for the newsletter?",
        "Recap {input} briefly.",
        "What are the main takeaways from {input}?",
        "Give me a short overview of {input}.",
        "Can you shrink {input} down to a paragraph?",
        "Pull out the essential points of {input}.",
        "I only have two minutes: what does {input} say?",
        "Draft a synopsis of {input}.",
        "Please summarise {input} for a busy executive.",
        "too long, didn't read: {input}. short version?",
        "Compress {input} into three sentences.",
        "Make a digest of {input} with the key facts only.",
    ), _TEXT_CUES, units="text"),
    "image_captioning": Phrasings((
        "Write a caption for {input}.",
        "Describe {input} in one sentence.",
        "Can you tell me in words what {input} shows?",
        "I need alt text for {input} on our website.",
        "Generate a one-line description of {input}.",
        "what's going on in {input}? a quick sentence is fine",
        "Please produce a natural-language caption for {input}.",
        "Caption this: {input}.",
        "For accessibility, describe the contents of {input} for a screen reader.",
        "Give me a sentence I could put under {input} in a slideshow.",
        "Could you say in plain English what is happening in {input}?",
        "I'm posting {input} on social media; suggest a descriptive caption.",
        "Kindly provide a textual description of {input}.",
        "Turn {input} into a one-sentence description.",
        "Explain what {input} depicts, briefly.",
        "my grandma can't see well, can you describe {input} for her?",
        "Auto-caption {input} for the photo archive.",
        "Describe the scene in {input}.",
        "One sentence: what does {input} show?",
        "What would be a good caption for {input}?",
        "Write a short description to go with {input}.",
        "Can you put into words what is shown in {input}?",
        "Narrate {input} in a single sentence.",
        "Create descriptive alt text for {input}.",
        "Tell me in a sentence what's happening in {input}.",
        "We need captions for the gallery; start with {input}.",
        "describe {input} pls, one line",
        "Summarise the visual content of {input} in a sentence.",
        "Write a caption that describes the people and setting in {input}.",
    ), _IMAGE_CUES, units="image"),
    "object_detection": Phrasings((
        "Find all the objects in {input} and draw boxes around them.",
        "Detect the cars in {input}.",
        "Where are the people in {input}? I need bounding boxes.",
        "Locate every object in {input} and label each one.",
        "Can you spot all the pedestrians in {input}?",
        "Run detection on {input} and return boxes with class labels.",
        "how many bikes are in {input}? mark where they are",
        "Please localise the items on the shelf in {input}.",
        "I need the coordinates of each face in {input}.",
        "Identify and box every vehicle visible in {input}.",
        "For our inventory system, find the products in {input} and give their positions.",
        "Kindly detect all instances of objects depicted in {input}, with bounding boxes.",
        "Mark the location of each animal in {input}.",
        "boxes + labels for {input} pls",
        "Is there a dog anywhere in {input}? Show me where.",
        "Outline the position of every object in {input} with a rectangle.",
        "Our security camera captured {input}; locate any people in it.",
        "Detect objects: {input}.",
        "Find where the traffic signs are in {input}.",
        "Where exactly are the objects in {input}? Give me boxes.",
        "Draw bounding boxes around every person in {input}.",
        "Can you locate the cats in {input}?",
        "List every object in {input} with its bounding box.",
        "Point out where the defects are on the parts in {input}.",
        "Which objects appear in {input}, and where?",
        "Run an object detector over {input}.",
        "find the cars in {input} and give me their coordinates",
        "Count and locate the boats in {input} with boxes.",
        "Highlight each piece of furniture in {input} with a box.",
    ), _IMAGE_CUES, units="image"),
    "machine_translation": Phrasings((
        "Translate {input} into {lang}.",
        "Can you translate {input} from {src} to {lang}?",
        "I need {input} in {lang}.",
        "Please render {input} in {lang}, keeping the meaning.",
        "What does {input} say in {lang}? Translate it for me.",
        "translate pls: {input}, {src} -> {lang}",
        "Our client sent {input} in {src}; we need it in {lang}.",
        "Convert {input} from {src} into {lang}.",
        "Kindly provide a {lang} translation of {input}.",
        "Put {input} into {lang} for me.",
        "I've got {input} written in {src}. Can you make it {lang}?",
        "Give me a faithful {lang} version of {input}.",
        "We're localising {input} for the {lang}-speaking market; please translate it.",
        "{src} to {lang}: {input}.",
        "Could you help me read {input}? It's in {src} and I only speak {lang}.",
        "Translate {input} into {lang}, meaning for meaning rather than word for word.",
        "Requesting a translation of {input} into {lang}.",
        "my pen pal wrote me {input} in {src}, translate it to {lang}?",
        "Make {input} readable for {lang} speakers.",
        "How would {input} read in {lang}?",
        "Please turn {input} from {src} into {lang}.",
        "Can you do a {src}-to-{lang} translation of {input}?",
        "I need a {lang} rendering of {input}.",
        "Translate {input}; the target language is {lang}.",
        "What is {input} in {lang}?",
        "My colleague only reads {lang}; can you translate {input} for her?",
        "{input} needs to go out in {lang} too, please translate.",
        "could u translate {input} to {lang}",
        "Provide {input} in {lang}, translated from the {src} original.",
    ), _TEXT_CUES, (("src", _LANGUAGES), ("lang", _LANGUAGES)), units="text"),
    "super_resolution": Phrasings((
        "Upscale {input}.",
        "Make {input} sharper and higher resolution.",
        "Can you enhance the resolution of {input}?",
        "I need {input} upscaled 4x without it looking blurry.",
        "Please increase the resolution of {input}.",
        "{input} looks pixelated, can you fix it?",
        "Enlarge {input} so I can print it on a poster.",
        "Kindly perform resolution enhancement on {input}.",
        "Double the resolution of {input}, please.",
        "sharpen up {input} for me? it's kinda blurry",
        "Restore fine detail in {input} by upscaling it.",
        "We want to reuse {input} in a high-res brochure; upsample it.",
        "Turn {input} into a crisper, higher-resolution version.",
        "Enhance {input} like they do in the movies.",
        "Boost the pixel count of {input} while keeping it sharp.",
        "For the archive, produce a higher-resolution copy of {input}.",
        "Could you upsample {input} by a factor of two?",
        "Make {input} less blurry by increasing its resolution.",
        "HD version of {input}, please.",
        "Can you make {input} bigger without losing quality?",
        "Increase the pixel resolution of {input} four times.",
        "Give me a super-resolved version of {input}.",
        "Improve the resolution of {input} so it looks good on a big screen.",
        "Upsample {input} to a higher resolution.",
        "{input} is too low-res for the billboard; enlarge it cleanly.",
        "Clean up the pixelation in {input} by upscaling.",
        "I want a sharper, larger copy of {input}.",
        "upres {input} please",
        "Run super-resolution on {input}.",
    ), _IMAGE_CUES, units="image"),
    "visual_question_answering": Phrasings((
        "Look at {input} and tell me: {question}?",
        "In {input}, {question}?",
        "I have {input}. Question: {question}?",
        "Can you answer a question about {input}? {Question}?",
        "{Question}? (see {input})",
        "Answer this about {input}: {question}?",
        "Please examine {input} and answer: {question}?",
        "hey quick q about {input}: {question}?",
        "Based on {input}, {question}?",
        "Kindly answer the following question regarding {input}. {Question}?",
        "My kid asked me about {input}: {question}? Can you check?",
        "Here's {input}. {Question}?",
        "Question about {input}: {question}?",
        "Tell me, from {input}, {question}?",
        "I'm looking at {input} and wondering: {question}?",
        "Check {input} for me: {question}?",
        "Given {input}, answer '{question}'.",
        "{input}: {question}?",
        "For the insurance claim, look at {input}: {question}?",
        "Answer a question about {input}: {question}?",
        "Using {input}, tell me {question}.",
        "Could you look at {input} and say {question}?",
        "I'm curious about {input}. {Question}?",
        "Quick question regarding {input}: {question}?",
        "From what you can see in {input}, {question}?",
        "Please answer based on {input}: {question}?",
        "{Question}? It's in {input}.",
        "With {input} in front of you, {question}?",
        "Inspect {input} and reply to this: {question}?",
    ), _IMAGE_CUES, (("question", _QUESTIONS),), units="image"),
}
"""Hand-written phrasings of the default registry's tools (none says the tool's snake_case name)."""

_GENERIC_TEMPLATES: tuple[str, ...] = (
    "Run {name} on {input}.",
    "I need {name} for {input}.",
    "Can you do {name} on {input}?",
    "Please apply {name} to {input}.",
    "Here's what I need: {does} The input is {input}.",
    "I'm after a tool for this job. {Does} I have {input}.",
    "{Name} for {input}, please.",
    "Task: {name}. Input: {input}.",
    "hey, can you handle {name} on {input}?",
    "Kindly perform {name} on {input}.",
    "I have {input}. What I want done: {does}",
    "Could you process {input}? I need {name}.",
    "We need a service for this: {does} Today's job is {input}.",
    "{Name}: {input}",
    "Please take {input} and run {name} on it.",
    "Job description: {Does} Please run it on {input}.",
    "Process {input} with {name}.",
    "My team needs {name} done on {input} asap.",
    "Goal: {does} Data: {input}.",
    "Start a {name} job for {input}.",
)
"""Templates for any tool outside ``PHRASE_BANK``: ``{name}`` is its name in words, ``{does}`` its description."""

REGISTRY_TEMPLATES: tuple[str, ...] = (
    "I need a tool that {does} The input is {input}.",
    "Is there a model that {does} Mine is {input}.",
    "Looking for something that {does} I have {input}.",
    "We need a service that {does} Today's job: {input}.",
    "Please use whatever {does} It's {input}.",
    "Find me a tool that {does} Input: {input}.",
)
"""Training-only tasks for every tool from its registry description (``{does}``, starting lower case):
the registry's words ("scene", "species", "bounding box") join the planner's vocabulary for the tool."""

FRAMES: tuple[str, ...] = (
    "Hi! {task}", "Hello, {task}", "hey, {task}", "One request: {task}", "Next request. {task}",
    "Ticket 4521: {task}", "From the ops team: {task}", "Another one for you. {task}", "Good morning! {task}",
    "A favour to ask: {task}", "OK so, {task}", "New job. {task}",
    "{task} Thanks!", "{task} Thank you.", "{task} Cheers.", "{task} It's for the archive.",
    "{task} This is for a client.", "{task} It's for our website.", "{task} I need it for a report.",
    "{task} It's part of a batch job.", "{task} It goes into our dataset.", "{task} It's for a school project.",
    "{task} My manager asked for it.", "{task} Let me know when it's done.", "{task} It's for the team wiki.",
    "{task} Much appreciated.",
)
"""Openers and closers shared by every tool: they say nothing about the tool or the resources
wanted, so words like "hey" or "archive" stop predicting a tool (error analysis in docs/planner.md)."""


def _fill(template: str, values: dict[str, str]) -> str:
    """Replace each ``{slot}`` that ``values`` names; text from a registry may hold other braces."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    """Lower-case a description's first letter unless it opens an acronym ("OCR reads ...")."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def phrasings(tool: Tool) -> Phrasings:
    """The tool's templates and size cues: ``PHRASE_BANK`` or generic ones from its name and description."""
    if tool.name in PHRASE_BANK:
        return PHRASE_BANK[tool.name]
    name = " ".join(tool.name.replace("-", "_").split("_"))
    does = tool.description.rstrip(".") + "."
    values = {"name": name, "Name": _capitalise(name), "does": _lower_first(does), "Does": _capitalise(does)}
    templates = tuple(_fill(t, values) for t in _GENERIC_TEMPLATES)
    return Phrasings(templates, GENERIC_CUES)


def size_cues(tool: Tool) -> dict[str, tuple[str, ...]]:
    """Input size -> the phrases a task uses to say how big the tool's input is."""
    return phrasings(tool).cues


def render_task(tool: Tool, template: int, input_size: str, rng: random.Random, p: Phrasings | None = None,
                cue: str | None = None) -> str:
    """Fill template ``template`` of ``tool`` with a random cue for ``input_size`` and random extras,
    drawn from ``p`` (default: all of the tool's phrasings); ``cue`` replaces the drawn cue."""
    p = p or phrasings(tool)
    values = {"input": rng.choice(p.cues[input_size])}
    if cue is not None:
        values["input"] = cue
    chosen: list[str] = []
    for slot, options in p.extras:
        value = rng.choice([o for o in options if o not in chosen])  # e.g. source != target language
        chosen.append(value)
        values[slot], values[_capitalise(slot)] = value, _capitalise(value)
    text = _fill(p.templates[template], values)
    return _capitalise(text) if p.templates[template].startswith("{") else text


def render_registry_task(tool: Tool, template: int, input_size: str, rng: random.Random,
                         cues: dict[str, tuple[str, ...]] | None = None) -> str:
    """Fill ``REGISTRY_TEMPLATES[template]`` with the tool's description and a random cue for
    ``input_size`` from ``cues`` (default: all of the tool's)."""
    does = _lower_first(tool.description.strip().rstrip(".") + ".")
    cue = rng.choice((cues or size_cues(tool))[input_size])
    return _fill(REGISTRY_TEMPLATES[template], {"does": does, "input": cue})


def vary_register(task: str, rng: random.Random) -> str:
    """Maybe wrap ``task`` in a shared opener/closer (``FRAMES``), maybe type it casually."""
    if rng.random() < P_FRAME:
        frame = rng.choice(FRAMES)
        opener = frame.split("{task}")[0].rstrip()
        mid_sentence = opener[-1:] in (",", ":") and not re.match(r"I\b", task)  # "hey, classify ..."
        if frame.endswith((".", "!")) and not task.endswith((".", "?", "!")):  # a closer starts a new sentence
            task += "."
        task = _fill(frame, {"task": _lower_first(task) if mid_sentence else task})
    if rng.random() < P_CASUAL:
        task = task.lower().rstrip(".")
    return task


def bank_splits(n: int, key: str, seed: int = 0, minimum: int = 1) -> dict[str, list[int]]:
    """Indices 0..n-1 of a bank -> split: ``HELDOUT_SHARES`` of them for test and val (at least
    ``minimum`` each), the rest for training. Seeded by ``key``: each bank splits on its own."""
    order = list(range(n))
    random.Random(f"{seed}/heldout/{key}").shuffle(order)
    n_test = max(minimum, round(n * HELDOUT_SHARES["test"]))
    n_val = max(minimum, round(n * HELDOUT_SHARES["val"]))
    if n - n_test - n_val < minimum:
        raise DataError(f"{key}: {n} entries are too few to hold out {n_test} for test and {n_val} for validation")
    return {"test": sorted(order[:n_test]), "val": sorted(order[n_test:n_test + n_val]),
            "train": sorted(order[n_test + n_val:])}


def heldout_templates(tool: Tool, seed: int = 0) -> dict[str, list[int]]:
    """Split -> the indices of ``tool``'s templates it uses (test's are the same as before val had its own)."""
    return bank_splits(len(phrasings(tool).templates), tool.name, seed)


def split_phrasings(tool: Tool, split: str, seed: int = 0) -> Phrasings:
    """``tool``'s phrasings with only ``split``'s share of each size's cues and of each slot's values
    (templates are chosen by ``heldout_templates``)."""
    p = phrasings(tool)
    cues = {size: tuple(c[i] for i in bank_splits(len(c), f"{tool.name}/cues/{size}", seed)[split])
            for size, c in p.cues.items()}
    # Slots drawing from one pool (a source and a target language) split it once, the same way.
    extras = tuple((slot, tuple(values[i] for i in bank_splits(len(values), f"{tool.name}/{'|'.join(values)}",
                                                               seed, 2)[split]))
                   for slot, values in p.extras)
    return Phrasings(p.templates, cues, extras, p.units)


# --------------------------------------------------------------------------- resource snapshots


def _num(value: float) -> float:
    """An integral value as ``int`` (JSON ``4``, not ``4.0``), others rounded to 4 decimals."""
    value = round(float(value), 4)
    return int(value) if value.is_integer() else value


def _levels(configs: Sequence[Configuration], field: str) -> list[float]:
    return sorted({float(getattr(c, field)) for c in configs})


def _grid(lo: float, hi: float, field: str) -> list[float]:
    """Values strictly between ``lo`` and ``hi`` as people write them: GB sizes, else whole, half or quarter units."""
    if field in _GB_FIELDS:
        ladder = [float(v) for v in _GB_LADDER if lo < v < hi]
        if ladder:
            return ladder
    for step in (1.0,) if field == "gpu_sm" else (1.0, 0.5, 0.25):
        values = [k * step for k in range(math.floor(lo / step), math.ceil(hi / step) + 1) if lo < k * step < hi]
        if values:
            return values
    return []


def _above(top: float, field: str, rng: random.Random) -> float:
    """A value above the largest profiled level: a bigger machine than any configuration needs."""
    if top <= 0:
        return rng.choice(_NO_USE_LEVELS[field])
    if field in _GB_FIELDS:
        return rng.choice([v for v in _GB_LADDER if top < v <= 3 * top] or [2 * top])
    return rng.choice(sorted({math.ceil(top * f) for f in (1.25, 1.5, 2)}))


def _below(bottom: float, field: str) -> list[float]:
    """Values under the smallest level that any configuration needs (a too-small machine), not under a quarter."""
    return _grid(bottom / 4 - 1e-9, bottom, field) or [_num(bottom / 2)]


def _draw(levels: list[float], field: str, rng: random.Random) -> float:
    """Mostly a profiled level; sometimes a value between two adjacent levels, or above the largest."""
    r = rng.random()
    if r < 0.18 and len(levels) > 1:
        i = rng.randrange(len(levels) - 1)
        between = _grid(levels[i], levels[i + 1], field)
        if between:
            return rng.choice(between)
    if r > 0.9:
        return _above(levels[-1], field, rng)
    return rng.choice(levels)


def _no_gpu(free: dict[str, float]) -> dict[str, float]:
    return {**free, **{f: 0 for f in _GPU_FIELDS}}


def _ordinary_snapshot(configs: Sequence[Configuration], rng: random.Random) -> dict[str, float]:
    free = {f: _draw(_levels(configs, f), f, rng) for f in RESOURCE_FIELDS}
    if rng.random() < P_NO_GPU or any(free[f] == 0 for f in _GPU_FIELDS):
        free = _no_gpu(free)  # a CPU-only machine has neither SMs nor GPU memory
    return free


def _starved(free: dict[str, float], configs: Sequence[Configuration], rng: random.Random) -> dict[str, float]:
    """Make ``free`` too small for every configuration: no GPU, or one resource below every level."""
    if not any(fits(c, free) for c in configs):
        return free
    if rng.random() < 0.4 and not any(fits(c, _no_gpu(free)) for c in configs):
        return _no_gpu(free)
    needed = [f for f in RESOURCE_FIELDS if _levels(configs, f)[0] > 0]
    if not needed:  # some configuration runs on nothing at all: this tool cannot be starved
        return free
    field = rng.choice(needed)
    free = {**free, field: rng.choice(_below(_levels(configs, field)[0], field))}
    return _no_gpu(free) if any(free[f] == 0 for f in _GPU_FIELDS) else free


def sample_free_resources(configs: Sequence[Configuration], rng: random.Random,
                          infeasible: bool = False) -> dict[str, float]:
    """A machine snapshot for one tool and input size (``configs``), feasible unless ``infeasible``."""
    for _ in range(100):
        free = _ordinary_snapshot(configs, rng)
        if infeasible or any(fits(c, free) for c in configs):
            break
    else:
        free = {f: _levels(configs, f)[-1] for f in RESOURCE_FIELDS}  # the largest machine fits everything
    if infeasible:
        free = _starved(free, configs, rng)
    return {f: _num(free[f]) for f in RESOURCE_FIELDS}


def _round_latency(value: float) -> float:
    """Two significant digits, as a person states a deadline (137 -> 140 ms, 3.25 -> 3.2 ms)."""
    step = 10.0 ** (math.floor(math.log10(value)) - 1)
    return _num(round(round(value / step) * step, 6))


def sample_budget(configs: Sequence[Configuration], free: dict[str, float], rng: random.Random) -> float:
    """A latency budget relative to the configurations that fit ``free`` (all of ``configs`` if none).

    About half bind (between the fastest and the slowest fitting latency, so the oracle
    trades speed for resources), a quarter are loose (every fitting configuration meets
    them) and a quarter cannot be met (below the fastest).
    """
    latencies = sorted(c.latency_ms for c in ([c for c in configs if fits(c, free)] or configs))
    r = rng.random()
    if r < 0.5:
        value = rng.choice(latencies) * rng.uniform(1.0, 1.2)
    elif r < 0.75:
        value = latencies[-1] * rng.uniform(1.05, 2.0)
    else:
        value = latencies[0] * rng.uniform(0.4, 0.9)
    return _round_latency(value)


# --------------------------------------------------------------------------- splits


def _examples(index: _ToolIndex, tool: Tool, split: str, count: int, seed: int) -> list[PlannerExample]:
    rng = random.Random(f"{seed}/{split}/{tool.name}")
    # Wording variation draws from its own stream, so the snapshots and labels do not depend on it.
    wording = random.Random(f"{seed}/{split}/{tool.name}/wording") if split == "train" else None
    bank, templates = split_phrasings(tool, split, seed), heldout_templates(tool, seed)[split]
    sizes = [s for s in INPUT_SIZES if s in index.by_size]
    examples = []
    for k in range(count):
        size = rng.choice(sizes)
        template = rng.choice(templates)
        cue = None
        if wording is not None and bank.units and wording.random() < P_NUMERIC:
            cue = numeric_cue(bank.units, size, wording)
        task, phrasing = render_task(tool, template, size, rng, bank, cue), f"{tool.name}/{template:02d}"
        if wording is not None:
            if wording.random() < P_REGISTRY:
                r = wording.randrange(len(REGISTRY_TEMPLATES))
                task = render_registry_task(tool, r, size, wording, bank.cues)
                phrasing = f"{tool.name}/registry-{r}"
            task = vary_register(task, wording)
        configs = index.by_size[size]
        free = sample_free_resources(configs, rng, infeasible=rng.random() < P_INFEASIBLE)
        budget = sample_budget(configs, free, rng) if rng.random() < P_BUDGET else None
        examples.append(PlannerExample(
            id=f"{split}/{tool.name}/{k:04d}", task=task, tool=tool.name, input_size=size, free_resources=free,
            latency_budget_ms=budget, config_id=index.choose(size, free, budget), phrasing=phrasing))
    return examples


def generate_planner(data: ToolData, seed: int = 0, train_per_tool: int = 400, val_per_tool: int = 50,
                     test_per_tool: int = 100) -> dict[str, list[PlannerExample]]:
    """Split name -> examples, tool-major. Validation and test use only their own held-out templates,
    cues and slot values (``heldout_templates``, ``split_phrasings``)."""
    counts = {"train": train_per_tool, "val": val_per_tool, "test": test_per_tool}
    for split, count in counts.items():
        if count < 0:
            raise DataError(f"{split}_per_tool: expected a count >= 0, got {count}")
    splits: dict[str, list[PlannerExample]] = {s: [] for s in SPLITS}
    for tool in data.tools:
        index = _ToolIndex(data, tool.name)
        for split in SPLITS:
            splits[split] += _examples(index, tool, split, counts[split], seed)
    return splits


def write_planner(splits: dict[str, list[PlannerExample]], out_dir: str | Path) -> dict[str, Path]:
    """Write ``<split>.jsonl`` per split, each atomically; split name -> path."""
    written = {}
    for split, examples in splits.items():
        text = "".join(e.to_json() + "\n" for e in examples)
        written[split] = atomic_write(Path(out_dir) / f"{split}.jsonl", lambda p, t=text: p.write_text(t))
    return written


def planner_stats(examples: Sequence[PlannerExample]) -> dict[str, float]:
    """Shares of infeasible examples (``config_id`` null) and of examples with a latency budget."""
    n = max(len(examples), 1)
    return {"infeasible": sum(e.config_id is None for e in examples) / n,
            "budgeted": sum(e.latency_budget_ms is not None for e in examples) / n}


# --------------------------------------------------------------------------- loading


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_line(obj: object, data: ToolData,
                indexes: dict[str, _ToolIndex]) -> str | tuple[str, str] | PlannerExample:
    """The example, or ``(field, problem)``, or a problem with the whole line."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    for key in KEYS:
        if key not in obj:
            return key, "missing"
    for key in obj:
        if key not in KEYS:
            return key, f"unexpected key (expected exactly {', '.join(KEYS)})"
    for key in ("id", "task", "phrasing"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            return key, "expected a non-empty string"
    tool, size = obj["tool"], obj["input_size"]
    if not isinstance(tool, str) or tool not in indexes:
        return "tool", f"unknown tool {tool!r} (not in the tool registry)"
    if not obj["phrasing"].startswith(f"{tool}/"):
        return "phrasing", f"expected '{tool}/<template number>', got {obj['phrasing']!r}"
    if size not in INPUT_SIZES:
        return "input_size", f"unknown input size {size!r} (expected one of {', '.join(INPUT_SIZES)})"
    if size not in indexes[tool].by_size:
        return "input_size", f"tool {tool!r} has no {size} configurations in the profiling table"
    free = obj["free_resources"]
    if not isinstance(free, dict) or set(free) != set(RESOURCE_FIELDS):
        return "free_resources", f"expected an object with exactly {', '.join(RESOURCE_FIELDS)}"
    for f in RESOURCE_FIELDS:
        if not _is_number(free[f]) or free[f] < 0:
            return f"free_resources.{f}", f"expected a non-negative number, got {free[f]!r}"
    budget = obj["latency_budget_ms"]
    if budget is not None and (not _is_number(budget) or budget <= 0):
        return "latency_budget_ms", f"expected null or a positive number, got {budget!r}"
    config_id = obj["config_id"]
    if config_id is not None:
        if not isinstance(config_id, int) or isinstance(config_id, bool):
            return "config_id", f"expected null or an integer, got {config_id!r}"
        if not 0 <= config_id < len(data.configs):
            return "config_id", f"{config_id} is out of range (0..{len(data.configs) - 1})"
        config = data.configs[config_id]
        if config.tool != tool:
            return "config_id", f"{config_id} belongs to tool {config.tool!r}, not {tool!r}"
        if config.input_size != size:
            return "config_id", f"{config_id} is a {config.input_size} configuration, not {size}"
    free = {f: float(free[f]) for f in RESOURCE_FIELDS}
    budget = None if budget is None else float(budget)
    expected = indexes[tool].choose(size, free, budget)
    if config_id != expected:
        wanted = "null (nothing fits)" if expected is None else str(expected)
        return "config_id", f"label disagrees with the oracle: expected {wanted}"
    return PlannerExample(obj["id"], obj["task"], tool, size, free, budget, config_id, obj["phrasing"])


HAND_KEYS = ("id", "task", "free_resources", "latency_budget_ms", "tool", "input_size", "category")
"""A line of the hand-written test set (``data/planner_handwritten/requests.jsonl``)."""


def load_handwritten(path: str | Path, data: ToolData) -> list[PlannerExample]:
    """The hand-written test set as examples: its tool and input size are the human labels, the
    configuration is the oracle's for them; ``phrasing`` is "<tool>/hand-<category>". A request
    that states no size has ``input_size`` "" and ``config_id`` None: only its tool can be scored."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    indexes = {t.name: _ToolIndex(data, t.name) for t in data.tools}
    out = []
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}: line {n}: not valid JSON ({e.msg})") from None
        if not isinstance(obj, dict) or set(obj) != set(HAND_KEYS):
            raise DataError(f"{path}: line {n}: expected an object with exactly {', '.join(HAND_KEYS)}")
        tool, size, category = obj["tool"], obj["input_size"], obj["category"]
        if not isinstance(category, str) or not category:
            raise DataError(f"{path}: line {n}: field category: expected a non-empty string")
        # Checked as a full example: a stated size gets the oracle's label, an unstated one a stand-in.
        stand_in = size if size is not None or tool not in indexes else next(iter(indexes[tool].by_size))
        full = {**obj, "input_size": stand_in, "phrasing": f"{tool}/hand-{category}", "config_id": None}
        full.pop("category")
        if tool in indexes and stand_in in indexes[tool].by_size and _is_number_dict(obj["free_resources"]):
            full["config_id"] = indexes[tool].choose(stand_in, {f: float(obj["free_resources"][f])
                                                                for f in RESOURCE_FIELDS}, obj["latency_budget_ms"])
        checked = _check_line(full, data, indexes)
        if not isinstance(checked, PlannerExample):
            where = f"field {checked[0]}: {checked[1]}" if isinstance(checked, tuple) else checked
            raise DataError(f"{path}: line {n}: {where}")
        out.append(checked if size is not None else
                   PlannerExample(checked.id, checked.task, tool, "", checked.free_resources,
                                  checked.latency_budget_ms, None, checked.phrasing))
    if not out:
        raise DataError(f"{path}: no requests")
    return out


def _is_number_dict(free: object) -> bool:
    return isinstance(free, dict) and all(_is_number(free.get(f)) for f in RESOURCE_FIELDS)


def load_planner_examples(path: str | Path, data: ToolData) -> list[PlannerExample]:
    """Read and validate a planner JSONL file; every label must equal ``oracle_config``'s answer.

    A problem raises ``DataError`` with one line: ``"<path>: line <n>: field <key>: <problem>"``
    (without ``field`` when the whole line is wrong, e.g. invalid JSON).
    """
    from tomas.config import shipped

    path = Path(shipped(path))
    indexes = {t.name: _ToolIndex(data, t.name) for t in data.tools}
    examples: list[PlannerExample] = []
    first_line: dict[str, int] = {}
    for n, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            raise DataError(f"{path}: line {n}: empty line")
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}: line {n}: invalid JSON at column {e.colno}: {e.msg}") from None
        result = _check_line(obj, data, indexes)
        if isinstance(result, str):
            raise DataError(f"{path}: line {n}: {result}")
        if isinstance(result, tuple):
            raise DataError(f"{path}: line {n}: field {result[0]}: {result[1]}")
        if result.id in first_line:
            raise DataError(f"{path}: line {n}: field id: duplicate id {result.id!r} (first at line "
                            f"{first_line[result.id]})")
        first_line[result.id] = n
        examples.append(result)
    return examples
