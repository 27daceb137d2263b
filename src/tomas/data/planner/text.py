"""Task texts: per-tool templates and size cues (``PHRASE_BANK``; generic ones for any other tool),
numeric size cues, tool-agnostic frames, and the held-out share of every bank per split.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from tomas.data.registry import Tool
from tomas.errors import DataError

HELDOUT_SHARES = {"test": 0.25, "val": 0.15}
"""Share of each bank (a tool's templates, a size's cues, VQA questions, languages) reserved for a
split, at least one each (two for slot values); training gets the rest."""


P_REGISTRY = 0.10
"""Share of training tasks written from the tool's registry description."""


P_FRAME = 0.50
"""Share of training tasks wrapped in a tool-agnostic opener or closer (``FRAMES``)."""


P_CASUAL = 0.15
"""Share of training tasks typed casually: lower case, no final full stop."""


P_NUMERIC = 0.30
"""Share of training tasks of image and text tools whose size is a number in other units (``numeric_cue``)."""


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
