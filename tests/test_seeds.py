"""Acceptance tests for archiver.seeds: loading seed folders into Articles."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest
from fpdf import FPDF

from archiver.seeds import Article, SeedDocument, group_articles, load_seeds, parse_seed

pytestmark = pytest.mark.fast

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MD_SEED = "000_8b2f4a9d2286ab78.txt"
TEXT_SEED = "001_0575ee14fb1ae997.txt"
MT_URL = (
    "https://www.themoscowtimes.com/2020/02/06/"
    "us-steps-up-warnings-to-russia-over-syrias-idlib-military-de-confliction-a69185"
)
MT_2025 = "https://www.themoscowtimes.com/2025/07/16/"
RELATED_URLS = {
    MT_2025 + "4-russian-special-forces-officers-killed-in-syria-reports": (
        "4 Russian Special Forces Officers Killed in Syria \u2013 Reports"
    ),
    MT_2025 + "syrian-army-retreats-after-idlib-attack": (
        "Syrian Army Retreats After Idlib Attack, Russia Says"
    ),
}


def make_pdf(lines: list[str], links: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A real text PDF; an empty string in ``lines`` is a blank line."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        if line:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(6)
    for url, text in links:
        pdf.cell(0, 6, text, link=url, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def image_only_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 80, 60, style="F")
    return bytes(pdf.output())


def fingerprint(root: Path) -> dict[str, tuple[str, int]]:
    """Hash and mtime of every file, hidden ones included."""
    return {
        path.relative_to(root).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def write(root: Path, files: dict[str, bytes | str]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)


def by_name(docs: list[SeedDocument]) -> dict[str, SeedDocument]:
    return {doc.name: doc for doc in docs}


# --- 1. the project's own seeds ------------------------------------------


def test_project_seeds_are_one_article() -> None:
    docs, problems = load_seeds(SEEDS)
    assert problems == []
    assert {doc.name: doc.format for doc in docs} == {MD_SEED: "markdown", TEXT_SEED: "text"}

    articles = group_articles(docs)

    assert len(articles) == 1
    article = articles[0]
    assert article.url == MT_URL
    assert article.published == datetime.date(2020, 2, 6)
    assert article.published_source == "byline"
    assert article.title == (
        "U.S. Steps Up Warnings to Russia Over Syria's Idlib, Military De-Confliction"
    )
    assert article.seeds == (MD_SEED, TEXT_SEED)
    related = [link for link in article.links if link.url and "/2025/07/16/" in link.url]
    assert len(related) == 2
    for link in related:
        assert link.anchor_text == RELATED_URLS[link.url]
        assert link.related is True
        assert set(link.found_in) == {MD_SEED, TEXT_SEED}
    # Both related titles found their URL: no placeholder is left for them.
    leftovers = [link.anchor_text for link in article.links if link.url is None]
    assert leftovers == ["Reuters"]
    assert all(link.url != MT_URL for link in article.links)


def test_project_markdown_seed_details() -> None:
    doc = by_name(load_seeds(SEEDS)[0])[MD_SEED]
    assert doc.url == MT_URL
    assert doc.published_source == "byline"
    assert doc.media_type.startswith("text/markdown")
    assert doc.content == (SEEDS / MD_SEED).read_bytes()
    assert doc.text.startswith("Mehmet Guzel / AP / TASS\n\nThe United States on Wednesday")
    assert doc.text.endswith("de-confliction agreements with the United States.")
    for absent in ("Original url", "themoscowtimes.com", "By Reuters", "February 06, 2020",
                   "Related article", "**", "](#)", "Steps Up Warnings"):
        assert absent not in doc.text
    assert "\n\nRussia violating de-confliction\n\n" in doc.text
    related = [link for link in doc.links if link.related]
    assert [link.anchor_text for link in related] == list(RELATED_URLS.values())
    assert all(link.url is None for link in doc.links)


def test_project_text_seed_details() -> None:
    doc = by_name(load_seeds(SEEDS)[0])[TEXT_SEED]
    assert doc.url is None
    assert doc.published is None
    assert "the M4-\nM5 road" in doc.text  # the line break stays, no "M4M5"
    assert "http" not in doc.text
    assert "Related article" not in doc.text
    assert doc.text.startswith("The United States on Wednesday")
    assert doc.text.endswith("with the United States.")
    assert [link.url for link in doc.links if link.url] == list(RELATED_URLS)
    assert [(link.anchor_text, link.related) for link in doc.links if link.url is None] == [
        (title, True) for title in RELATED_URLS.values()
    ]


# --- 2. one seed of each format ------------------------------------------

ALPHA_URL = "https://news.example.com/2021/03/03/alpha-council-approves-river-bridge"
ALPHA_MD = f"""# Alpha Council Approves River Bridge

By [Jane Doe](#)

March 3, 2021

The city council voted on Tuesday to approve the long debated bridge over the
river, ending a dispute that has lasted for more than a decade.

Engineers said that construction would start in the spring and that the
[planning report](https://planning.example.org/reports/bridge-2021.pdf) was final.

**Related article:** [Beta Ferry Service Ends After Forty Years](#)

Residents on both banks welcomed the decision, although some shop owners fear
the noise and the traffic of the building site.

Original url: <{ALPHA_URL}>
"""
ALPHA_COPY_TXT = """The city council voted on Tuesday to approve the long debated bridge
over the river, ending a dispute that has lasted for more than a decade.

Engineers said that construction would start in the spring and that the planning
report was final.

Related article: Beta Ferry Service Ends After Forty Years

https://news.example.com/2021/02/27/beta-ferry-service-ends-after-forty-years-n1234

Residents on both banks welcomed the decision, although some shop owners fear
the noise and the traffic of the building site.
"""
GAMMA_URL = "https://www.gamma.example.com/world/2022/07/14/glacier-melt-sets-record/"
GAMMA_HTML = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Glacier melt sets record | Gamma News</title>
<link rel="canonical" href="{GAMMA_URL}">
<meta property="og:title" content="Glacier Melt Sets Record">
<meta property="article:published_time" content="2022-07-14T08:30:00+02:00">
</head><body>
<nav><a href="/">Home</a> <a href="#main">Skip</a></nav>
<article id="main"><h1>Glacier Melt Sets Record</h1>
<p>Alpine glaciers lost more ice this summer than in any year since measurements began,
scientists from the monitoring network said on Thursday in their annual survey.</p>
<p>The survey <a href="../../../data/glacier-survey-2022">published its data</a> and a
<a href="https://science.example.org/papers/ice-loss">paper</a>; questions go to
<a href="mailto:press@gamma.example.com">the press office</a>.</p>
</article></body></html>
"""
DELTA_URL = "https://pdf.example.net/reports/delta-harbour-report"
DELTA_PDF_LINES = [
    "Delta Harbour Report",
    "",
    "12 November 2019",
    "",
    "The harbour authority expects container traffic to double within ten years and "
    "plans a second quay on the northern shore of the bay.",
    "",
    "Related article: Port Strike Ends",
    "",
    f"Original url: {DELTA_URL}",
]
LIST_URLS = """# articles to archive
http://gamma.example.com/world/2022/07/14/glacier-melt-sets-record

https://lambda.example.com/2018/01/09/solar-farm-opens
https://lambda.example.com/2018/01/09/solar-farm-opens
"""
EPSILON_MD = """---
url: https://epsilon.example.com/stories/orchard-harvest
date: 2020-09-15
title: Orchard Harvest Beats Forecast
---
# A Heading That Is Not The Title Of Record

September 1, 2020

Apple growers in the valley picked a record crop this autumn after a mild spring
and a wet summer, the growers' association said.
"""
ZETA_TXT = """---
url: https://zeta.example.com/2017/05/05/library-reopens
title: Library Reopens After Renovation
date: 2017-05-06
---
The town library reopened on Friday after two years of renovation work
that added a reading garden and a children's wing.

Visitors queued before the doors opened.
"""


def mixed_folder(root: Path) -> None:
    write(root, {
        "01_alpha.md": ALPHA_MD,
        "02_alpha_copy.txt": ALPHA_COPY_TXT,
        "03_gamma.html": GAMMA_HTML,
        "04_delta.pdf": make_pdf(
            DELTA_PDF_LINES, links=(("https://ports.example.org/strike-ends", "Port strike"),)
        ),
        "05_list.txt": LIST_URLS,
        "06_epsilon.md": EPSILON_MD,
        "07_zeta.txt": ZETA_TXT,
        ".gitkeep": b"",
        ".hidden/ignored.txt": "This hidden seed must be skipped entirely by the loader.",
    })


def test_each_format_loads(tmp_path: Path) -> None:
    mixed_folder(tmp_path)
    docs, problems = load_seeds(tmp_path)
    assert problems == []
    assert [(doc.name, doc.format) for doc in docs] == [
        ("01_alpha.md", "markdown"),
        ("02_alpha_copy.txt", "text"),
        ("03_gamma.html", "html"),
        ("04_delta.pdf", "pdf"),
        ("05_list.txt", "urls"),
        ("06_epsilon.md", "markdown"),
        ("07_zeta.txt", "text"),
    ]
    seeds = by_name(docs)
    assert seeds["04_delta.pdf"].media_type == "application/pdf"
    assert seeds["05_list.txt"].listed_urls == (
        "http://gamma.example.com/world/2022/07/14/glacier-melt-sets-record",
        "https://lambda.example.com/2018/01/09/solar-farm-opens",
    )
    assert seeds["05_list.txt"].text == ""
    assert seeds["07_zeta.txt"].text.startswith("The town library reopened")
    assert "---" not in seeds["07_zeta.txt"].text
    gamma = seeds["03_gamma.html"]
    assert "Alpine glaciers lost more ice" in gamma.text
    assert [(link.url, link.anchor_text) for link in gamma.links] == [
        ("https://www.gamma.example.com/", "Home"),
        ("https://www.gamma.example.com/world/2022/data/glacier-survey-2022",
         "published its data"),
        ("https://science.example.org/papers/ice-loss", "paper"),
        ("mailto:press@gamma.example.com", "the press office"),
    ]


def test_each_format_groups_into_expected_articles(tmp_path: Path) -> None:
    mixed_folder(tmp_path)
    docs, problems = load_seeds(tmp_path)
    assert problems == []

    articles = group_articles(docs)

    summary = [(a.url, a.title, a.published, a.published_source, a.seeds) for a in articles]
    assert summary == [
        (ALPHA_URL, "Alpha Council Approves River Bridge", datetime.date(2021, 3, 3), "byline",
         ("01_alpha.md", "02_alpha_copy.txt")),
        (GAMMA_URL, "Glacier Melt Sets Record", datetime.date(2022, 7, 14), "meta",
         ("03_gamma.html", "05_list.txt")),
        (DELTA_URL, None, datetime.date(2019, 11, 12), "byline", ("04_delta.pdf",)),
        ("https://lambda.example.com/2018/01/09/solar-farm-opens", None,
         datetime.date(2018, 1, 9), "url", ("05_list.txt",)),
        ("https://epsilon.example.com/stories/orchard-harvest", "Orchard Harvest Beats Forecast",
         datetime.date(2020, 9, 15), "front_matter", ("06_epsilon.md",)),
        ("https://zeta.example.com/2017/05/05/library-reopens", "Library Reopens After Renovation",
         datetime.date(2017, 5, 6), "front_matter", ("07_zeta.txt",)),
    ]
    alpha, _, delta, *_ = articles
    assert [(link.url, link.anchor_text, link.related, link.found_in) for link in alpha.links] == [
        (None, "Jane Doe", False, ("01_alpha.md",)),
        ("https://planning.example.org/reports/bridge-2021.pdf", "planning report", False,
         ("01_alpha.md",)),
        ("https://news.example.com/2021/02/27/beta-ferry-service-ends-after-forty-years-n1234",
         "Beta Ferry Service Ends After Forty Years", True, ("01_alpha.md", "02_alpha_copy.txt")),
    ]
    assert [(link.url, link.anchor_text, link.related) for link in delta.links] == [
        (None, "Port Strike Ends", True),
        ("https://ports.example.org/strike-ends", None, False),
    ]


# --- 3. unusable seeds ---------------------------------------------------


def test_unusable_seeds_become_problems(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(8) + b"\x08\x06\x00\x00\x00"
    write(tmp_path, {
        "a_empty.txt": b"",
        "b_blank.md": b"  \n\t\r\n   \n",
        "c_image.png": png,
        "d_latin1.txt": "Caf\u00e9 society news from the old town".encode("latin-1"),
        "e_scan.pdf": image_only_pdf(),
        "f_corrupt.pdf": make_pdf(["A text that will be cut off."])[:400],
        "g_nothing.md": "# Only A Title\n\n**Related article:** [Something Else](#)\n",
        "h_good.txt": "A usable seed: it has text, enough to be grouped later on.\n",
        "sub/i_image.txt": png,
    })

    docs, problems = load_seeds(tmp_path)

    assert [doc.name for doc in docs] == ["h_good.txt"]
    reasons = {problem.name: problem.reason for problem in problems}
    assert list(reasons) == [
        "a_empty.txt", "b_blank.md", "c_image.png", "d_latin1.txt", "e_scan.pdf",
        "f_corrupt.pdf", "g_nothing.md", "sub/i_image.txt",
    ]
    assert reasons["a_empty.txt"] == "empty file"
    assert reasons["b_blank.md"] == "empty file (only whitespace)"
    assert reasons["c_image.png"] == "binary file, not a text seed"
    assert reasons["sub/i_image.txt"] == "binary file, not a text seed"
    assert reasons["d_latin1.txt"] == "not valid UTF-8 text (byte 0xe9 at offset 3)"
    assert reasons["e_scan.pdf"] == "no text could be extracted from the PDF (scanned image?)"
    assert reasons["f_corrupt.pdf"].startswith("unreadable PDF: ")
    assert len(reasons["f_corrupt.pdf"]) > len("unreadable PDF: ")
    assert reasons["g_nothing.md"].startswith("no URL found: give the article's URL")
    assert str(problems[0]) == "a_empty.txt: empty file"


def test_utf8_bom_is_accepted_and_offsets_count_it() -> None:
    doc = parse_seed("bom.txt", b"\xef\xbb\xbfPlain text with a byte order mark in front.")
    assert doc.text == "Plain text with a byte order mark in front."
    with pytest.raises(ValueError, match=r"byte 0xff at offset 5\)"):
        parse_seed("bad.txt", b"\xef\xbb\xbfab\xff")


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does-not-exist"):
        load_seeds(tmp_path / "does-not-exist")


def test_single_file_path(tmp_path: Path) -> None:
    write(tmp_path, {"nested/one.md": ALPHA_MD})
    docs, problems = load_seeds(str(tmp_path / "nested" / "one.md"))
    assert problems == []
    assert [(doc.name, doc.url) for doc in docs] == [("one.md", ALPHA_URL)]


# --- 4. inputs are never modified -----------------------------------------


def test_project_seeds_are_not_modified() -> None:
    before = fingerprint(SEEDS)
    group_articles(load_seeds(SEEDS)[0])
    assert fingerprint(SEEDS) == before


def test_seed_folders_are_not_modified(tmp_path: Path) -> None:
    mixed_folder(tmp_path / "mixed")
    write(tmp_path / "bad", {
        "empty.txt": b"",
        "corrupt.pdf": make_pdf(["cut"])[:300],
        "latin1.txt": "na\u00efve".encode("latin-1"),
    })
    before = fingerprint(tmp_path)
    assert len(before) == 12
    for folder in ("mixed", "bad"):
        group_articles(load_seeds(tmp_path / folder)[0])
    assert fingerprint(tmp_path) == before


# --- 5. content decides the format -----------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("article.txt", ALPHA_MD, "markdown"),
        ("page.txt", GAMMA_HTML, "html"),
        ("saved_page", "<html><body><p>Some saved page text.</p></body></html>", "html"),
        ("fragment.txt", "<head><title>T</title></head><body>Body text</body>", "html"),
        ("page.htm", "Plain words in a file named like a page.", "html"),
        ("links.md", "https://a.example.com/x\n\n# comment\nhttps://b.example.com/y\n", "urls"),
        ("links.txt", "  <https://a.example.com/x>\nhttps://b.example.com/y.\n", "urls"),
        ("mixed.txt", "https://a.example.com/x\nnot a url line\n", "text"),
        ("notes.md", "Plain words, but the name says Markdown.\n", "markdown"),
        ("plain.txt", ALPHA_COPY_TXT, "text"),
        ("front.txt", ZETA_TXT, "text"),
        ("front.md", EPSILON_MD, "markdown"),
        ("bold.txt", "Some **bold** words in a note.\n", "markdown"),
        ("heading", "## Section\n\nBody text.\n", "markdown"),
        ("printed.txt", make_pdf(["Printed text in a PDF named .txt"]), "pdf"),
    ],
)
def test_format_is_detected_by_content(name: str, content: str | bytes, expected: str) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    assert parse_seed(name, data).format == expected


def test_parsed_documents_keep_exact_bytes() -> None:
    data = "\ufeff# T\n\nBody [x](https://x.example.com/a)\n".encode("utf-8")
    doc = parse_seed("x.txt", data)
    assert doc.content == data
    assert isinstance(doc, SeedDocument)
    assert doc.title == "T"
    assert doc.text == "Body x"


def test_group_articles_result_type() -> None:
    docs, _ = load_seeds(SEEDS)
    assert all(isinstance(article, Article) for article in group_articles(docs))
