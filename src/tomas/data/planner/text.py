"""Task texts: per-tool templates and size cues (``PHRASE_BANK``; generic ones for any other tool),
numeric size cues, tool-agnostic frames, and the held-out share of every bank per split.
"""

from __future__ import annotations

import hashlib
import random
import re

from tomas.data.planner.phrases import (
    GENERIC_CUES,
    GENERIC_TEMPLATES,
    PHRASE_BANK,
    REGISTRY_TEMPLATES,
    TRAINING_CUES,
    TRAINING_TEMPLATES,
    UNSIZED_CUES,
    Phrasings,
)
from tomas.data.registry import Tool
from tomas.data.size_reader import read_quantities, stated_size
from tomas.errors import DataError

HELDOUT_SHARES = {"test": 0.25, "val": 0.15}
"""Share of each bank (a tool's templates, a size's cues, VQA questions, languages) reserved for a
split, at least one each (two for slot values); training gets the rest."""


MIN_HASHED_BANK = 20
"""Cue banks this big or bigger split by each cue's hash (``cue_splits``); smaller ones by exact shares (with six
cues a class, a hash can leave training one)."""


P_REGISTRY = 0.10
"""Share of training tasks written from the tool's registry description."""


P_FRAME = 0.50
"""Share of training tasks wrapped in a tool-agnostic opener or closer (``FRAMES``)."""


P_CASUAL = 0.15
"""Share of training tasks typed casually: lower case, no final full stop."""


P_NOISE = 0.25
"""Share of training tasks typed with slips (``add_noise``): a swapped, dropped, doubled or mistyped letter
in a word or two, sometimes no punctuation at all."""


P_HURRIED = 0.0
"""Share of the slipped tasks (``P_NOISE``) typed in a hurry: slips in three to five words, short ones too, and
chat spellings ("u", "pls", "teh"; ``CHAT_SPELLINGS``), as people type into a chat box."""


CHAT_SPELLINGS = {"you": "u", "your": "ur", "please": "pls", "the": "teh", "what's": "whats", "what": "wat",
                  "because": "cuz", "thanks": "thx", "okay": "ok", "picture": "pic", "photo": "foto", "are": "r",
                  "with": "w/", "about": "abt"}
"""Words -> how a hurried typist writes them (``P_HURRIED``)."""


P_UNSIZED = 0.12
"""Share of training tasks whose cue names the input without its size ("this photo", ``UNSIZED_CUES``):
the tool and scope heads learn from them, the size head does not (``PlannerExample.size_in_text``)."""


P_NUMERIC = 0.30
"""Share of training tasks of image and text tools whose size is a number in other units (``numeric_cue``)."""


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
    templates = tuple(_fill(t, values) for t in GENERIC_TEMPLATES)
    return Phrasings(templates, GENERIC_CUES)


def labelled_cues(tool: Tool, cues: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """``cues`` relabelled for ``tool``: a cue that states its size as a number goes to the class the tool's
    ``input_sizes`` put it in (the one rule, ``size_reader``), a words-only cue keeps the bank's label;
    a tool without definitions keeps every bank label."""
    out: dict[str, list[str]] = {size: [] for size in cues}
    for size, bank in cues.items():
        for cue in bank:
            said = stated_size(read_quantities(cue), tool.input_sizes).size
            out[said if said in out else size].append(cue)
    # Definitions far from the bank's can empty a class: its generic words stand in.
    return {size: tuple(c) or GENERIC_CUES[size] for size, c in out.items()}


def unsized_cues(tool: Tool) -> tuple[str, ...]:
    """Cues that name the tool's input without saying how big it is."""
    return UNSIZED_CUES[phrasings(tool).units or "generic"]


def size_cues(tool: Tool) -> dict[str, tuple[str, ...]]:
    """Input size -> the phrases a task uses to say how big the tool's input is (``labelled_cues``)."""
    return labelled_cues(tool, phrasings(tool).cues)


def render_task(tool: Tool, template: int, input_size: str, rng: random.Random, p: Phrasings | None = None,
                cue: str | None = None) -> str:
    """Fill template ``template`` of ``tool`` with a random cue for ``input_size`` and random extras,
    drawn from ``p`` (default: all of the tool's phrasings); ``cue`` replaces the drawn cue."""
    p = p or split_phrasings(tool, "all")
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


def vary_register(task: str, rng: random.Random, keep: frozenset[str] = frozenset()) -> str:
    """Maybe wrap ``task`` in a shared opener/closer (``FRAMES``), maybe type it casually, maybe with slips
    (never in the words of ``keep``: ``add_noise``)."""
    if rng.random() < P_FRAME:
        frame = rng.choice(FRAMES)
        opener = frame.split("{task}")[0].rstrip()
        mid_sentence = opener[-1:] in (",", ":") and not re.match(r"I\b", task)  # "hey, classify ..."
        if frame.endswith((".", "!")) and not task.endswith((".", "?", "!")):  # a closer starts a new sentence
            task += "."
        task = _fill(frame, {"task": _lower_first(task) if mid_sentence else task})
    if rng.random() < P_CASUAL:
        task = task.lower().rstrip(".")
    if rng.random() < P_NOISE:
        task = add_noise(task, rng, keep)
    return task


KEYBOARD_NEIGHBOURS = dict(zip("qwertyuiopasdfghjklzxcvbnm", (
    "wa", "qes", "wrd", "etf", "ryg", "tuh", "yij", "uok", "ipl", "ol", "qsz", "awdx", "sefc", "drgv", "fthb",
    "gyjn", "hukm", "jilm", "kop", "xas", "zsdc", "xdfv", "cfgb", "vghn", "bhjm", "njk")))
"""Letters next to each letter on a QWERTY keyboard: the typos people make."""


def _slip(word: str, rng: random.Random) -> str:
    """One typing slip inside ``word`` (its first letter kept: people rarely miss that one)."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swapped
    if kind <= 1:
        return word[:i] + word[i + 1:]  # dropped
    if kind == 2:
        return word[:i] + word[i] + word[i:]  # doubled
    near = KEYBOARD_NEIGHBOURS.get(word[i].lower())
    return word[:i] + rng.choice(near) + word[i + 1:] if near else word


def _chat(token: str, rng: random.Random, keep: frozenset[str]) -> str:
    """``token`` in a chat spelling half of the time, when it has one and states no size."""
    core = token.rstrip(",.!?;:")
    spelt = CHAT_SPELLINGS.get(core.lower())
    if spelt is None or core.lower() in keep or rng.random() < 0.5:
        return token
    return spelt + token[len(core):]


def add_noise(task: str, rng: random.Random, keep: frozenset[str] = frozenset()) -> str:
    """``task`` with one or two typing slips in words of four or more letters (hurried, ``P_HURRIED``: three to
    five in words of three or more, and chat spellings), and a fifth of the time without punctuation. The words
    in ``keep`` (lower case: the size cues'), numbers and the word after one are left alone: "a tiny icon",
    "1920x1080" and "12 megapixels" state the size, and a slip there would change what the label means."""
    hurried = P_HURRIED > 0 and rng.random() < P_HURRIED
    tokens = task.split(" ")
    cores = [t.rstrip(",.!?;:") for t in tokens]
    safe = [i for i, w in enumerate(cores) if w.isalpha() and len(w) >= (3 if hurried else 4)
            and w.lower() not in keep and not (i and any(ch.isdigit() for ch in tokens[i - 1]))]
    for i in rng.sample(safe, min(len(safe), rng.choice((3, 4, 5) if hurried else (1, 1, 2)))):
        tokens[i] = _slip(cores[i], rng) + tokens[i][len(cores[i]):]
    if hurried:
        tokens = [_chat(t, rng, keep) for t in tokens]
    task = " ".join(tokens)
    if rng.random() < 0.2:
        task = re.sub(r"[,.!?;:](?=\s|$)", "", task)
    return task


def cue_words(*cues: str) -> frozenset[str]:
    """The lower-case words of size cues (``add_noise`` leaves them alone)."""
    return frozenset(w.lower() for cue in cues for w in re.findall(r"[A-Za-z]+", cue))


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


def cue_splits(cues: tuple[str, ...], key: str, seed: int = 0) -> dict[str, list[int]]:
    """Indices of a cue bank -> split, each cue by a hash of its own text (``HELDOUT_SHARES`` on average), so
    adding cues to a bank never moves another cue between splits and results on the old cues stay comparable.
    A cue that contains another goes where that one goes (a task with the longer cue contains the shorter).
    A bank under ``MIN_HASHED_BANK`` cues splits like any other (``bank_splits``): exact shares matter there."""
    def share(cue: str) -> float:
        digest = hashlib.sha256(f"{seed}/{key}/{cue.strip().lower()}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def root(cue: str) -> str:  # "a magazine feature of about 4,000 words" splits with "a magazine feature"
        inside = [c for c in cues if re.search(rf"\b{re.escape(c.lower())}\b", cue.lower())]
        return min(inside, key=len)

    cut_test, cut_val = HELDOUT_SHARES["test"], HELDOUT_SHARES["test"] + HELDOUT_SHARES["val"]
    out = {"test": [], "val": [], "train": []}
    for i, cue in enumerate(cues):
        u = share(root(cue))
        out["test" if u < cut_test else "val" if u < cut_val else "train"].append(i)
    return out if len(cues) >= MIN_HASHED_BANK and all(out.values()) else bank_splits(len(cues), key, seed)


def heldout_templates(tool: Tool, seed: int = 0) -> dict[str, list[int]]:
    """Split -> the indices of ``tool``'s templates it uses (test's are the same as before val had its own)."""
    return bank_splits(len(phrasings(tool).templates), tool.name, seed)


def split_templates(tool: Tool, split: str, seed: int = 0) -> list[int]:
    """Indices into ``split_phrasings(tool, split).templates`` that ``split`` uses: its share of the bank's
    (``heldout_templates``) and, in training, every training-only one (``TRAINING_TEMPLATES``) after them."""
    ids = heldout_templates(tool, seed)[split]
    if split != "train":
        return ids
    n = len(phrasings(tool).templates)
    return ids + list(range(n, n + len(TRAINING_TEMPLATES.get(tool.name, ()))))


def phrasing_id(tool: Tool, template: int) -> str:
    """``PlannerExample.phrasing`` of template ``template``: "<tool>/<nn>" for the bank's,
    "<tool>/extra-<nnn>" for a training-only one."""
    n = len(phrasings(tool).templates)
    return f"{tool.name}/{template:02d}" if template < n else f"{tool.name}/extra-{template - n:03d}"


def _overlaps(cue: str, others: list[str]) -> bool:
    """Whether ``cue`` holds one of ``others`` or one of them holds it, as plain text ("a novel" is inside
    "a novelette": a task with one would contain the other)."""
    cue = cue.lower()
    return any(o.lower() in cue or cue in o.lower() for o in others)


def _with_training_cues(p: Phrasings, cues: dict[str, tuple[str, ...]], seed: int) -> dict[str, tuple[str, ...]]:
    """Training's share ``cues`` plus the training-only cues of ``p``'s units that overlap no validation or
    test cue of the bank (so no held-out cue is ever inside a training task) and no cue of another size (so a
    task names one size)."""
    extra = TRAINING_CUES.get(p.units or "", {})
    if not extra:
        return cues
    held = [c[i] for size, c in p.cues.items() for split in ("val", "test")
            for i in cue_splits(c, f"cues/{p.units}/{size}", seed)[split]]
    every = {size: (*p.cues[size], *extra.get(size, ())) for size in cues}
    other = {size: held + [c for s, cs in every.items() if s != size for c in cs] for size in cues}
    return {size: c + tuple(x for x in extra.get(size, ()) if x not in c and not _overlaps(x, other[size]))
            for size, c in cues.items()}


def split_phrasings(tool: Tool, split: str, seed: int = 0) -> Phrasings:
    """``tool``'s phrasings with only ``split``'s share of each size's cues and of each slot's values, plus in
    training the training-only templates and cues (templates are chosen by ``split_templates``; ``split``
    "all": every cue and value of the bank), cues labelled
    by ``labelled_cues``. A cue bank is split once per bank, whichever tool draws from it: the image
    tools share one, so a test cue is no other image tool's training cue."""
    p = phrasings(tool)
    if split == "all":
        return Phrasings(p.templates, labelled_cues(tool, p.cues), p.extras, p.units)
    bank = p.units or "generic"
    cues = {size: tuple(c[i] for i in cue_splits(c, f"cues/{bank}/{size}", seed)[split])
            for size, c in p.cues.items()}
    templates = p.templates
    if split == "train":  # a second writer's templates and cues join training only
        templates += TRAINING_TEMPLATES.get(tool.name, ())
        cues = _with_training_cues(p, cues, seed)
    cues = labelled_cues(tool, cues)
    # Slots drawing from one pool (a source and a target language) split it once, the same way.
    extras = tuple((slot, tuple(values[i] for i in bank_splits(len(values), f"{tool.name}/{'|'.join(values)}",
                                                               seed, 2)[split]))
                   for slot, values in p.extras)
    return Phrasings(templates, cues, extras, p.units)
