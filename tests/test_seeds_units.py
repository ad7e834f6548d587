"""Unit tests for the parts of archiver.seeds: URLs, dates, parsers, grouping."""

from __future__ import annotations

import datetime

import pytest
from fpdf import FPDF

from archiver.seeds import SeedDocument, SeedError, SeedLink, group_articles, parse_seed
from archiver.seeds.dates import date_from_line, date_from_url, date_from_value
from archiver.seeds.frontmatter import split_front_matter
from archiver.seeds.urls import clean_url, find_urls, loose_key, slug_tokens

pytestmark = pytest.mark.fast

# --- URLs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<https://x.example.com/a>", "https://x.example.com/a"),
        ("https://x.example.com/a.", "https://x.example.com/a"),
        ("https://x.example.com/a),;", "https://x.example.com/a"),
        ("https://en.wikipedia.org/wiki/Idlib_(city)",
         "https://en.wikipedia.org/wiki/Idlib_(city)"),
        ("https://x.example.com/a?b=1&c=2", "https://x.example.com/a?b=1&c=2"),
        ("https://x.example.com/%D0%A1", "https://x.example.com/%D0%A1"),
    ],
)
def test_clean_url_keeps_the_url_as_given(raw: str, expected: str) -> None:
    assert clean_url(raw) == expected


def test_find_urls_in_prose() -> None:
    text = "See (https://en.wikipedia.org/wiki/Idlib_(city)), and <https://a.example.com/b>."
    assert find_urls(text) == [
        "https://en.wikipedia.org/wiki/Idlib_(city)",
        "https://a.example.com/b",
    ]


def test_loose_key_ignores_trivial_differences() -> None:
    same = [
        "https://www.example.com/news/story/",
        "http://example.com/news/story",
        "https://example.com/news/story#comments",
        "https://EXAMPLE.com:443/news/story",
    ]
    assert len({loose_key(url) for url in same}) == 1
    assert loose_key("https://example.com/news/a") != loose_key("https://example.com/news/b")
    assert loose_key("https://example.com/a?x=1") != loose_key("https://example.com/a?x=2")


def test_slug_tokens_drop_trailing_ids() -> None:
    assert slug_tokens("https://x.com/2020/02/06/syrian-army-retreats-a69185") == [
        "syrian", "army", "retreats",
    ]
    assert slug_tokens("https://x.com/4-officers-killed-in-2020/") == [
        "4", "officers", "killed", "in", "2020",
    ]
    assert slug_tokens("https://x.com/") == []


# --- dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["February 06, 2020", "6 February 2020", "Feb. 6, 2020", "Thursday, February 6, 2020",
     "2020-02-06", "**February 6, 2020**", "Published: Feb 6, 2020"],
)
def test_date_lines(line: str) -> None:
    assert date_from_line(line) == datetime.date(2020, 2, 6)


@pytest.mark.parametrize(
    "line",
    ["In February 2020 the fighting grew.", "2020", "February 2020", "January 1, 2999", ""],
)
def test_not_date_lines(line: str) -> None:
    assert date_from_line(line) is None


def test_date_values_and_urls() -> None:
    assert date_from_value("2021-05-04T10:00:00+03:00") == datetime.date(2021, 5, 4)
    assert date_from_value(datetime.datetime(2021, 5, 4, 1, 2)) == datetime.date(2021, 5, 4)
    assert date_from_value(12) is None
    assert date_from_url("https://x.com/2020/02/06/story-a1") == datetime.date(2020, 2, 6)
    assert date_from_url("https://x.com/story-2020") is None
    assert date_from_url(None) is None


def test_front_matter_needs_a_mapping() -> None:
    text = "---\n\nA paragraph between two rules.\n\n---\nMore text.\n"
    assert split_front_matter(text) == (None, text)
    front, rest = split_front_matter("---\ntitle: T\nurl: <https://x.com/a>\n---\nBody\n")
    assert front is not None and (front.title, front.url) == ("T", "https://x.com/a")
    assert rest == "Body\n"


# --- Markdown ----------------------------------------------------------------


def test_markdown_links() -> None:
    doc = parse_seed("a.md", b"""# Title

Text with [a relative link](/other/page-about-things), [a jump](#section),
[a placeholder](#), ![an image](https://img.example.com/i.png) and
a bare URL https://bare.example.com/x.

https://only.example.com/one https://only.example.com/two

Original url: https://site.example.com/2021/01/02/title
""")
    assert doc.url == "https://site.example.com/2021/01/02/title"
    assert doc.published == datetime.date(2021, 1, 2)
    assert doc.published_source == "url"
    assert doc.links == (
        SeedLink("https://site.example.com/other/page-about-things", "a relative link"),
        SeedLink(None, "a placeholder"),
        SeedLink("https://bare.example.com/x"),
        SeedLink("https://only.example.com/one"),
        SeedLink("https://only.example.com/two"),
    )
    assert "only.example.com" not in doc.text
    assert "an image" not in doc.text
    assert doc.text.startswith("Text with a relative link, a jump,\na placeholder,")


def test_markdown_front_matter_wins() -> None:
    doc = parse_seed("b.txt", b"""---
title: From Front Matter
date: 2019-03-04
url: https://fm.example.com/story
---
# From Heading

April 5, 2019

Body text.

Original url: https://other.example.com/story
""")
    assert doc.format == "markdown"
    assert (doc.title, doc.published, doc.published_source, doc.url) == (
        "From Front Matter", datetime.date(2019, 3, 4), "front_matter",
        "https://fm.example.com/story",
    )
    assert doc.text == "Body text."


def test_markdown_without_text_or_url_is_unusable() -> None:
    with pytest.raises(SeedError, match="^no URL found"):
        parse_seed("t.md", b"# Just a title\n\nBy [Someone](#)\n")


def test_markdown_with_only_a_url_is_usable() -> None:
    doc = parse_seed("u.md", b"# Title\n\nOriginal url:\n\n<https://x.example.com/a>\n")
    assert (doc.url, doc.text, doc.title) == ("https://x.example.com/a", "", "Title")


# --- plain text ----------------------------------------------------------------


def test_text_seed() -> None:
    doc = parse_seed("t.txt", b"""6 February 2020

  Body line one with a link https://in.example.com/p, and a hyphen-
ated word.

Related article: Some Other Story https://rel.example.com/some-other-story
Original url:
https://orig.example.com/story

Last line.
""")
    assert doc.format == "text"
    assert doc.published == datetime.date(2020, 2, 6)
    assert doc.published_source == "byline"
    assert doc.url == "https://orig.example.com/story"
    assert doc.text == (
        "Body line one with a link https://in.example.com/p, and a hyphen-\n"
        "ated word.\n\nLast line."
    )
    assert doc.links == (
        SeedLink("https://in.example.com/p"),
        SeedLink("https://rel.example.com/some-other-story", "Some Other Story", related=True),
    )


def test_text_without_url_is_usable() -> None:
    doc = parse_seed("t.txt", b"Just some words, no link at all.\n")
    assert (doc.url, doc.text) == (None, "Just some words, no link at all.")


def test_url_list_dedupes_loosely() -> None:
    doc = parse_seed("l.txt", b"# list\nhttps://a.example.com/x\nhttp://www.a.example.com/x/\n")
    assert doc.format == "urls"
    assert doc.listed_urls == ("https://a.example.com/x",)


# --- HTML --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta name="date" content="2019-04-03">', datetime.date(2019, 4, 3)),
        ('<meta name="sailthru.date" content="2019-04-03">', datetime.date(2019, 4, 3)),
        ('<script type="application/ld+json">[{"@graph": [{"datePublished": '
         '"2017-06-05T01:02:03Z"}]}]</script>', datetime.date(2017, 6, 5)),
        ('<script type="application/ld+json">{broken</script>', None),
    ],
)
def test_html_dates(head: str, expected: datetime.date | None) -> None:
    html = f"<html><head>{head}</head><body><p>Body text.</p></body></html>"
    doc = parse_seed("p.html", html.encode())
    assert doc.published == expected
    assert doc.published_source == ("meta" if expected else None)


def test_html_time_element_and_og_url() -> None:
    doc = parse_seed("p.html", b"""<html><head>
<meta property="og:url" content="https://og.example.com/p/">
<title> Page   title </title></head>
<body><time datetime="2018-02-03T10:00">Feb 3</time><p>Body <a href="x">x</a></p></body></html>""")
    assert doc.url == "https://og.example.com/p/"
    assert doc.title == "Page title"
    assert doc.published == datetime.date(2018, 2, 3)
    assert doc.links == (SeedLink("https://og.example.com/p/x", "x"),)


def test_broken_html_does_not_crash() -> None:
    doc = parse_seed("b.html", b"<html><body><p>unclosed <b>bold <a href='rel'>x</div></td>")
    assert "unclosed" in doc.text
    assert doc.links == (SeedLink("rel", "x"),)  # no page URL: left as the seed has it
    assert "garbage" in parse_seed("g.html", b"<body><<>><p>garbage</x></y>&bogus;<").text
    with pytest.raises(SeedError, match="^no URL found"):
        parse_seed("e.html", b"<html><head></head><body></body></html>")


def test_html_declared_charset() -> None:
    html = '<html><head><meta charset="windows-1251"></head><body><p>Привет</p></body>'
    doc = parse_seed("p.html", html.encode("cp1251"))
    assert doc.text == "Привет"
    assert doc.media_type == "text/html; charset=cp1251"


# --- PDF ---------------------------------------------------------------------


def _pdf(text: str, *, link: str | None = None, password: str | None = None) -> bytes:
    pdf = FPDF()
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    if link:
        pdf.cell(0, 6, "link", link=link)
    return bytes(pdf.output())


def test_pdf_annotations_become_links() -> None:
    data = _pdf("Body of the printed article.", link="https://an.example.com/x")
    doc = parse_seed("a.pdf", data)
    assert doc.format == "pdf"
    assert SeedLink("https://an.example.com/x") in doc.links
    assert "Body of the printed article." in doc.text


def test_encrypted_pdf() -> None:
    with pytest.raises(SeedError, match="^unreadable PDF: encrypted"):
        parse_seed("e.pdf", _pdf("secret", password="user"))


def test_pdf_with_only_a_url() -> None:
    doc = parse_seed("u.pdf", _pdf("Original url: https://only.example.com/2020/01/02/x"))
    assert (doc.url, doc.text) == ("https://only.example.com/2020/01/02/x", "")
    assert (doc.published, doc.published_source) == (datetime.date(2020, 1, 2), "url")
    # A link is not the article's URL: nothing left to archive.
    with pytest.raises(SeedError, match="^no text could be extracted from the PDF"):
        parse_seed("l.pdf", _pdf("https://only.example.com/2020/01/02/x"))
    with pytest.raises(SeedError, match="^unreadable PDF"):
        parse_seed("n.pdf", b"not a pdf at all, only the name says so")


# --- grouping ----------------------------------------------------------------

WORDS = (
    "the harbour authority said on monday that container traffic would double within ten "
    "years and that a second quay was planned on the northern shore of the bay where the old "
    "fishing port used to stand before the storm of the winter"
).split()
OTHER_WORDS = (
    "apple growers in the valley picked a record crop this autumn after a mild spring and a "
    "wet summer according to figures released by the regional growers association on friday"
).split()


def doc(name: str, text: str = "", url: str | None = None, **fields: object) -> SeedDocument:
    return SeedDocument(name=name, format=str(fields.pop("format", "text")),
                        media_type="text/plain", content=b"", text=text, url=url,
                        **fields)  # type: ignore[arg-type]


def wrapped(words: list[str], width: int) -> str:
    return "\n".join(" ".join(words[i : i + width]) for i in range(0, len(words), width))


def test_copies_with_same_loose_url_merge() -> None:
    articles = group_articles([
        doc("b.txt", "one text entirely", "http://example.com/news/story/"),
        doc("a.md", "other words here", "https://www.example.com/news/story", format="markdown",
            title="Story"),
        doc("c.txt", format="urls", listed_urls=("https://example.com/news/story#top",
                                                 "https://example.com/news/other")),
    ])
    assert [(a.url, a.seeds, a.title) for a in articles] == [
        ("https://www.example.com/news/story", ("a.md", "b.txt", "c.txt"), "Story"),
        ("https://example.com/news/other", ("c.txt",), None),
    ]


def test_same_text_merges_transitively_and_takes_the_url() -> None:
    articles = group_articles([
        doc("a.txt", wrapped(WORDS, 7)),
        doc("b.txt", wrapped(WORDS[:30], 11)),
        doc("c.txt", wrapped(WORDS[20:], 5), "https://harbour.example.com/quay"),
        doc("d.txt", wrapped(OTHER_WORDS, 9)),
    ])
    assert [(a.url, a.seeds) for a in articles] == [
        ("https://harbour.example.com/quay", ("a.txt", "b.txt", "c.txt")),
        (None, ("d.txt",)),
    ]


def test_same_text_with_different_urls_stays_apart() -> None:
    articles = group_articles([
        doc("a.txt", " ".join(WORDS), "https://one.example.com/wire-story"),
        doc("b.txt", " ".join(WORDS), "https://two.example.com/wire-story"),
        doc("c.txt", " ".join(WORDS)),
    ])
    assert [(a.url, a.seeds) for a in articles] == [
        ("https://one.example.com/wire-story", ("a.txt", "c.txt")),
        ("https://two.example.com/wire-story", ("b.txt",)),
    ]


def test_half_shared_text_is_the_threshold() -> None:
    # 22 of the 34 shingles of the shorter copy are shared (0.65): one article.
    partial_copy = WORDS[:25] + OTHER_WORDS[:12]
    merged = group_articles([doc("a.txt", " ".join(WORDS)), doc("b.txt", " ".join(partial_copy))])
    assert [a.seeds for a in merged] == [("a.txt", "b.txt")]
    # 9 of 29 shared (0.31): two articles that quote the same sentence.
    quoting = WORDS[:12] + OTHER_WORDS[:20]
    apart = group_articles([doc("a.txt", " ".join(WORDS)), doc("b.txt", " ".join(quoting))])
    assert [a.seeds for a in apart] == [("a.txt",), ("b.txt",)]


def test_published_ranking() -> None:
    url = "https://x.example.com/2001/02/03/story"
    articles = group_articles([
        doc("a.txt", "t", url, published=datetime.date(2001, 2, 4), published_source="byline"),
        doc("b.html", "t", url, published=datetime.date(2001, 2, 5), published_source="meta",
            format="html"),
    ])
    assert (articles[0].published, articles[0].published_source) == (
        datetime.date(2001, 2, 5), "meta",
    )
    only_url = group_articles([doc("a.txt", "t", url)])
    assert (only_url[0].published, only_url[0].published_source) == (
        datetime.date(2001, 2, 3), "url",
    )


def test_placeholder_matching() -> None:
    article, = group_articles([
        doc("a.md", "t", "https://x.example.com/self", format="markdown", links=(
            SeedLink(None, "Syrian Army Retreats After Idlib Attack, Russia Says", related=True),
            SeedLink(None, "Syrian Army Retreats"),
            SeedLink(None, "Idlib News"),
            SeedLink("https://x.example.com/self#top"),
        )),
        doc("b.txt", "t", "https://x.example.com/self", links=(
            SeedLink("https://x.example.com/2025/07/16/syrian-army-retreats-after-idlib-attack"),
            SeedLink("https://x.example.com/idlib"),
            SeedLink("https://x.example.com/2025/07/16/syrian-army-retreats-after-idlib-attack/"),
        )),
    ])
    links = [(link.url, link.anchor_text, link.related, link.found_in) for link in article.links]
    assert links == [
        ("https://x.example.com/2025/07/16/syrian-army-retreats-after-idlib-attack",
         "Syrian Army Retreats After Idlib Attack, Russia Says", True, ("a.md", "b.txt")),
        (None, "Syrian Army Retreats", False, ("a.md",)),
        (None, "Idlib News", False, ("a.md",)),
        ("https://x.example.com/idlib", None, False, ("b.txt",)),
    ]


def test_placeholders_with_same_anchor_merge_across_copies() -> None:
    articles = group_articles([
        doc("a.txt", "t", "https://x.example.com/s", links=(SeedLink(None, "A Title", True),)),
        doc("b.txt", "t", "https://x.example.com/s", links=(SeedLink(None, "a  title", True),)),
    ])
    assert articles[0].links[0].found_in == ("a.txt", "b.txt")
    assert len(articles[0].links) == 1


def test_grouping_order_does_not_depend_on_input_order() -> None:
    docs = [doc(f"{n}.txt", f"text number {n}", f"https://x.example.com/{n}") for n in "cab"]
    assert [a.seeds for a in group_articles(docs)] == [("a.txt",), ("b.txt",), ("c.txt",)]
    assert group_articles(docs) == group_articles(list(reversed(docs)))
