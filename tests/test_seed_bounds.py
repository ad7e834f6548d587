"""Seeds read within bounds (issue 16, item 2): what each bound keeps and refuses.

Times and memory are measured by ``python -m bench.hostile_seeds``, not here.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from archiver.seeds import SeedError, load_seeds, parse_seed
from archiver.seeds.detect import text_format
from archiver.seeds.frontmatter import FRONT_MATTER_MAX_CHARS, split_front_matter
from archiver.seeds.load import MARKDOWN_MAX_CHARS, shown_name
from archiver.seeds.urls import clean_url
from bench.hostile_seeds import ALIAS_BOMB

pytestmark = pytest.mark.fast


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    with pytest.raises(SeedError, match=r"YAML alias of the value on line 2: aliases are not expanded"):
        parse_seed("bomb.md", ALIAS_BOMB.encode())


def test_one_alias_is_refused_too() -> None:
    with pytest.raises(SeedError, match="YAML alias"):
        split_front_matter("---\ndate: &d 2020-01-02\nupdated: *d\n---\nText\n")


def test_front_matter_without_aliases_is_read() -> None:
    front, body = split_front_matter(
        "---\ntitle: A story\nurl: https://news.example/2020/01/02/a\ndate: 2020-01-02\n"
        "tags: [a, b]\nauthor: {name: X}\n---\nText\n")
    assert front is not None and (front.title, front.url) == ("A story", "https://news.example/2020/01/02/a")
    assert str(front.published) == "2020-01-02" and body == "Text\n"


def test_front_matter_over_the_cap_is_refused_with_its_size() -> None:
    fields = "".join(f"k{i}: v\n" for i in range(FRONT_MATTER_MAX_CHARS // 6 + 1))
    with pytest.raises(SeedError, match=r"front matter of [\d,]+ characters: at most 65,536 are read"):
        split_front_matter(f"---\n{fields}---\nText\n")


def test_deep_nesting_in_front_matter_is_no_crash() -> None:
    # The pure-Python loader recursed until RecursionError; libyaml stops at its depth limit.
    front, body = split_front_matter("---\ntitle: " + "[" * 10_000 + "]" * 10_000 + "\n---\nText\n")
    assert front is None and body.startswith("---")


@pytest.mark.parametrize("field, title, published", [
    ("date: 2020-13-45", None, None),  # an impossible date: ValueError from the YAML constructor before
    ("published: 2020-02-30", None, None),
    ("date: 2020-01-02", None, "2020-01-02"),
    ("title: " + "1" * 5000, "1" * 5000, None),  # over Python's 4,300-digit limit for int()
    ("title: 0x" + "f" * 5000, "0x" + "f" * 5000, None),  # built, but too long to print
    ("title: 42", "42", None),
])
def test_a_value_yaml_cannot_build_stays_text(field: str, title: str | None, published: str | None) -> None:
    front, _ = split_front_matter(f"---\n{field}\n---\nText\n")
    assert front is not None
    assert front.title == title
    assert (str(front.published) if front.published else None) == published


@pytest.mark.parametrize("text, kind", [
    ("See [the story](https://news.example/a) here.", "markdown"),
    ("See [the story](https://en.wikipedia.org/wiki/Idlib_(city)) here.", "markdown"),
    ("**Bold** words.", "markdown"),
    ("## A heading\n\nText.", "markdown"),
    ("[" * 200_000, "text"),
    ("[x](" * 50_000, "text"),
    ("[a] [b](c" + "[" * 1000, "text"),
])
def test_markdown_markers(text: str, kind: str) -> None:
    assert text_format("seed.txt", text) == kind


@pytest.mark.parametrize("raw, clean", [
    ("https://en.wikipedia.org/wiki/Idlib_(city)", "https://en.wikipedia.org/wiki/Idlib_(city)"),
    ("https://en.wikipedia.org/wiki/Idlib_(city)).", "https://en.wikipedia.org/wiki/Idlib_(city)"),
    ("(https://news.example/a)", "(https://news.example/a)"),
    ("https://news.example/a).", "https://news.example/a"),
    ("https://news.example/(a)]),", "https://news.example/(a)"),
    ("https://news.example/[a](b)]).", "https://news.example/[a](b)"),
    ("<https://news.example/a>", "https://news.example/a"),
    ("https://news.example/a" + ")" * 100_000, "https://news.example/a"),
    ("https://news.example/" + "(" * 3 + ")" * 100_000, "https://news.example/" + "(" * 3 + ")" * 3),
])
def test_clean_url_cuts_what_surrounds_a_url(raw: str, clean: str) -> None:
    assert clean_url(raw) == clean


def test_long_markdown_is_read_as_text_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    link = "A line with [a link](https://news.example/linked).\n\n"
    text = "Original url: https://news.example/2020/01/02/long\n\n" + link * (MARKDOWN_MAX_CHARS // len(link) + 1)
    with caplog.at_level(logging.WARNING, logger="archiver.seeds.load"):
        doc = parse_seed("long.md", text.encode())
    assert doc.format == "text" and doc.url == "https://news.example/2020/01/02/long"
    assert [link.url for link in doc.links] == ["https://news.example/linked"]
    assert "long.md is" in caplog.text and "read as plain text" in caplog.text
    short = parse_seed("short.md", (link * 3).encode())
    assert short.format == "markdown" and short.links[0].anchor_text == "a link"


def test_a_file_name_that_is_not_utf8_is_read_and_shown_escaped(tmp_path: Path) -> None:
    raw_name = os.fsencode(tmp_path) + b"/caf\xff.txt"
    with open(raw_name, "wb") as handle:
        handle.write(b"Original url: https://news.example/2020/01/02/a\n\nText.\n")
    (tmp_path / "plain.txt").write_text("Original url: https://news.example/2020/01/03/b\n\nText.\n")
    docs, problems = load_seeds(tmp_path)
    assert problems == []
    assert [d.name for d in docs] == ["caf\\xff.txt", "plain.txt"]
    assert docs[0].content.startswith(b"Original url:")
    docs[0].name.encode("utf-8")  # writable as UTF-8: no lone surrogate left
    assert shown_name("naïve.txt") == "naïve.txt"


def test_a_file_larger_than_any_seed_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("archiver.seeds.load.SEED_MAX_BYTES", 1000)
    (tmp_path / "big.txt").write_bytes(b"https://news.example/a\n" * 100)
    (tmp_path / "small.txt").write_bytes(b"https://news.example/b\n")
    docs, problems = load_seeds(tmp_path)
    assert [d.name for d in docs] == ["small.txt"]
    assert [(p.name, p.reason) for p in problems] == [
        ("big.txt", "over 1,000 bytes, larger than any seed: not read "
                    "(split a URL list; give a large page by its URL)")]
