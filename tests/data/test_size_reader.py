"""Numbers read exactly: every unit and format, numbers that are not sizes, outputs and resources skipped,
the input's own facts, and how hints combine them."""

import re

import pytest

from tomas.data.size_reader import facts_quantities, file_facts, read_quantities, size_hints, stated_size
from tomas.data.sizes import parse_input_sizes
from tomas.errors import DataError

IMAGES = parse_input_sizes({"small": {"max_megapixels": 0.5}, "medium": {"max_megapixels": 16}, "large": {}}, "t")
TEXTS = parse_input_sizes({"small": {"max_words": 1000}, "medium": {"max_words": 20000}, "large": {}}, "t")
CLIPS = parse_input_sizes({"small": {"max_seconds": 60}, "medium": {"max_seconds": 1200}, "large": {}}, "t")


def size_of(text, classes):
    return stated_size(read_quantities(text), classes).sizes


@pytest.mark.parametrize("text, size", [
    ("Which of our labels fits a 1920x1080 screenshot best?", "medium"),  # the main job's old wrong sample
    ("a 640x480 webcam frame", "small"), ("an image of 2500 x 2000 pixels", "medium"), ("800 by 600", "small"),
    ("a 4032×3024 photo", "medium"), ("a 7680x4320 px scan", "large"), ("a 12 MP shot", "medium"),
    ("a 12MP shot", "medium"), ("a 0.3-megapixel crop", "small"), ("a 60-megapixel drone image", "large"),
    ("a 1.2-gigapixel scan", "large"), ("a gigapixel-class satellite tile", "large"), ("a 1080p frame", "medium"),
    ("a 720p still", "medium"), ("a 4K photo", "medium"), ("an 8K image", "large"), ("a Full HD frame", "medium"),
    ("a VGA still", "small"), ("a 3 GB TIFF", "large"), ("a 32 KB gif", "small"), ("a 2 MB JPEG", "medium"),
    ("a 4.5MB JPEG", "medium"), ("a 500-pixel-wide banner", "small"), ("about 20 million pixels", "large"),
])
def test_image_sizes(text, size):
    assert size_of(text, IMAGES) == (size,)


@pytest.mark.parametrize("text, size", [
    ("meeting notes, about 5,000 words", "medium"), ("twenty pages of text", "medium"),
    ("a 280-character tweet", "small"),
    ("a two hundred-page report", "large"), ("forty words", "small"), ("a 5k-word essay", "medium"),
    ("4k words", "medium"), ("2.5 million words", "large"), ("one hundred and twenty pages", "large"),
    ("a hundred pages", "large"), ("half a million words", "large"), ("the twenty-five page brief", "medium"),
    ("a one-page memo", "small"), ("a dozen pages", "medium"), ("a three-line email", "small"),
    ("a 32 KB text file", "medium"), ("a 6,000-word story", "medium"), ("a 30-chapter novel", "large"),
    ("20 pp.", "medium"),
])
def test_text_sizes(text, size):
    assert size_of(text, TEXTS) == (size,)


@pytest.mark.parametrize("text, size", [
    ("a 90-minute recording", "large"), ("a 45 s clip", "small"), ("01:23:45 of audio", "large"),
    ("a 10-minute video", "medium"), ("2 hours of audio", "large"), ("900 frames", "small"), ("a 30s clip", "small"),
])
def test_durations(text, size):
    assert size_of(text, CLIPS) == (size,)


@pytest.mark.parametrize("text", [
    "on 12 March 2025 for $300, into 3 languages, one of 12 labels", "Ticket 4521, version 2.5, the 2024 report",
    "a 3x3 grid of photos", "a 10x10 m room", "pick one of 5 categories", "the top 10 objects",
    "I have 16 GB of RAM free", "with 8 GB of GPU memory", "finish within 5 seconds", "a latency budget of 900 ms",
    "summarise it in about 200 words", "into a 100-word summary", "upscale it to 4K", "for a 1080p screen",
    "keep it under 125 characters", "a short paragraph", "a 10-K annual report filing",
    "my grandparents' photos from the 1930s", "a hit of the '90s",
    "a one-paragraph synopsis of it", "a one-line gist", "a one-page rundown",
    "one word is fine", "a one-word answer please", "two lines will do", "a paragraph would be enough",
])
def test_numbers_that_are_not_input_sizes_are_not_read(text):
    assert size_of(text, IMAGES) == () and size_of(text, TEXTS) == () and size_of(text, CLIPS) == ()


@pytest.mark.parametrize("text, classes, size", [
    ("Where is the ball in a 60-megapixel studio photo?", IMAGES, "large"),  # "in a" before pixels: the input
    ("Tell me in a sentence what's happening in a 12 MP shot.", IMAGES, "medium"),
    ("the dog in a 3 GB TIFF", IMAGES, "large"), ("what is said in a 90-minute recording", CLIPS, "large"),
    ("Summarise, in 150 words, this 40-page contract", TEXTS, "medium"),  # "in" before words: the output
])
def test_in_marks_an_output_length_only(text, classes, size):
    assert size_of(text, classes) == (size,)


def test_a_number_of_another_dimension_says_nothing():
    assert size_of("a 12 MP photo", TEXTS) == () and size_of("6,000 words", IMAGES) == ()


def test_input_and_output_sizes_keep_the_input():
    assert size_of("Summarise this 40-page contract in 200 words", TEXTS) == ("medium",)
    assert size_of("a 100-word summary of a 300-page report", TEXTS) == ("large",)
    assert size_of("Produce a one-paragraph synopsis of my 90,000-word novel", TEXTS) == ("large",)
    assert size_of("a 5-megapixel overview shot of the site", IMAGES) == ("medium",)  # output nouns: after a length
    assert size_of("This 60-page report highlights three risks", TEXTS) == ("medium",)
    assert size_of("Write a Moby-Dick synopsis", TEXTS) == size_of("Write a Moby-Dick summary", TEXTS) == ("large",)
    assert size_of("upscale this 480x360 frame to 8K", IMAGES) == ("small",)
    assert size_of("Summarise my 5,000-word essay, one sentence is enough", TEXTS) == ("medium",)
    assert size_of("Proofread my 300-word essay answer", TEXTS) == ("small",)
    assert size_of("My thesis is 80 pages max, translate it", TEXTS) == ("large",)  # 24,000 words: still read
    assert size_of("Is this 300-page manual fine to translate?", TEXTS) == ("large",)
    assert size_of("The 300-page manual is fine, translate it", TEXTS) == ("large",)  # the answer's words: right after


def test_numbers_in_two_classes_are_a_conflict():
    said = stated_size(read_quantities("a 64x64 icon and a 50 MP panorama"), IMAGES)
    assert said.sizes == ("small", "large") and said.size is None


def test_file_facts(tmp_path):
    from PIL import Image

    Image.new("RGB", (1920, 1080)).save(tmp_path / "shot.png")
    q = file_facts(tmp_path / "shot.png")
    assert IMAGES.classify(q) == "medium" and q.text.startswith("1920x1080")
    (tmp_path / "notes.txt").write_text("word " * 5000)
    assert TEXTS.classify(file_facts(tmp_path / "notes.txt")) == "medium"


@pytest.mark.parametrize("name, content, message", [
    ("missing.png", None, "input file not found"), ("clip.mp3", b"x", "unknown input type '.mp3'"),
    ("broken.png", b"not a png", "not a readable image"), ("bad.txt", b"\xff\xfe\xfa", "not a readable UTF-8"),
])
def test_unreadable_inputs_fail_in_one_line(tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(DataError, match=message) as e:
        file_facts(tmp_path / name)
    assert "\n" not in str(e.value) and name in str(e.value)


def test_facts_quantities():
    assert IMAGES.classify(facts_quantities({"width": 8000, "height": 6000})[0]) == "large"
    assert TEXTS.classify(facts_quantities({"pages": 2})[0]) == "small"
    for bad, message in (({"width": 3}, "go together"), ({"words": 0}, "input.words"), ({}, "give path"),
                         ({"colour": 1}, "input.colour: unknown"), ({"words": True}, "input.words")):
        with pytest.raises(DataError, match=message):
            facts_quantities(bad)


def test_hints_facts_before_numbers_before_words():
    classes, sizes = [IMAGES, TEXTS, None], [("small", "medium", "large")] * 3
    hints = size_hints("Caption this 12 MP photo", classes, sizes)
    assert [(h.allowed, h.source) for h in hints] == [
        (("medium",), "number"), (("small", "medium", "large"), "words"), (("small", "medium", "large"), "words")]
    hints = size_hints("Caption this 12 MP photo", classes, sizes, facts=facts_quantities({"width": 64, "height": 64}))
    assert hints[0].allowed == ("small",) and hints[0].source == "input" and hints[1].source == "words"
    hints = size_hints("Caption this 12 MP photo", classes, sizes, input_size="large")
    assert all(h.allowed == ("large",) and h.source == "input" for h in hints)
    assert size_hints("Caption this 12 MP photo", classes, sizes, numbers=False)[0].source == "words"
    narrowed = size_hints("a 64x64 icon and a 50 MP panorama", classes, sizes)[0]
    assert narrowed.allowed == ("small", "large") and narrowed.source == "words"


# --------------------------------------------------------------------------- named products and works

@pytest.mark.parametrize("text, classes, size", [
    ("Shot on my Nikon D850: which owl is this?", IMAGES, "large"),
    ("this iPhone 6 photo of the beach", IMAGES, "medium"),
    ("Moby-Dick in Icelandic, please.", TEXTS, "large"),
    ("summarize moby dick for me", TEXTS, "large"),
])
def test_a_named_product_or_work_reads_as_its_size(text, classes, size):
    assert size_of(text, classes) == (size,)
    hint = size_hints(text, [classes], [("small", "medium", "large")])[0]
    assert hint.source == "named" and hint.allowed == (size,) and "~" in hint.read
    unnamed = size_hints(text, [classes], [("small", "medium", "large")], names=False)[0]  # size_mode unnamed
    assert unnamed.source == "words" and len(unnamed.allowed) == 3


@pytest.mark.parametrize("text", [
    "Summarise the first chapter of Moby-Dick",  # a part of the work
    "an excerpt from Moby-Dick", "Moby-Dick's opening line, in French",
    "a photo of my new Nikon D850 for the listing",  # a picture OF the product, not one it took
    "caption my Nikon D850s box art",  # another model's name, not this one
])
def test_a_part_of_a_named_work_or_a_picture_of_a_product_is_not_its_size(text):
    assert not [q for q in read_quantities(text) if q.named]


def test_a_number_beside_a_name_in_another_class_is_a_conflict():
    assert size_of("a 200 KB crop of a Nikon D850 shot", IMAGES) == ("small", "large")


def test_the_named_table_is_checked(tmp_path):
    from tomas.data.named_sizes import named_sizes

    table = named_sizes()
    assert len([e for e in table if e.kind == "area"]) >= 100 and len([e for e in table if e.kind == "length"]) >= 80
    names = [n.lower() for e in table for n in e.names]
    assert len(names) == len(set(names))  # one entry per name
    bad = tmp_path / "named.yaml"
    for text, message in [("images:\n  - names: [Nikon D850]\n    megapixels: -1\n",
                           "images entry 1 (Nikon D850): field megapixels: expected a positive number"),
                          ("texts:\n  - names: ['1984']\n    words: 89000\n", "'1984' is too short or only a number"),
                          ("videos: []\n", "expected the sections images, texts")]:
        bad.write_text(text)
        with pytest.raises(DataError, match=re.escape(message)):
            named_sizes(bad)
