"""Tests for archiver.analysis.compare: is a saved copy still what the site shows?"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from pathlib import Path

import pytest

from archiver.analysis.compare import compare_texts, similarity, text_verdict
from archiver.analysis.model import TEXT_VERDICTS

pytestmark = pytest.mark.fast

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MARKDOWN_NAME = "000_8b2f4a9d2286ab78.txt"
PDF_NAME = "001_0575ee14fb1ae997.txt"
# A Markdown clip: title, byline, [links](#), <https://…> autolink.
MARKDOWN = (SEEDS / MARKDOWN_NAME).read_text(encoding="utf-8")
# Copied from a PDF: hard-wrapped, "M4-\nM5" split, bare URLs inside.
PDF = (SEEDS / PDF_NAME).read_text(encoding="utf-8")


def normalised(text: str) -> str:
    return " ".join(text.split())


def article_paragraphs() -> list[str]:
    """The Markdown clip's paragraphs as a live page's extracted text gives them."""
    paragraphs = []
    for block in MARKDOWN.split("\n\n"):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", block)
        text = normalised(re.sub(r"[#*]", "", text))
        if text and not text.startswith(("Original url", "<http")):
            paragraphs.append(text)
    return paragraphs


def pdf_paragraph(prefix: str) -> str:
    [paragraph] = [p for p in map(normalised, PDF.split("\n\n")) if p.startswith(prefix)]
    return paragraph


NAVIGATION = "News Opinion Business Arts and Life Meanwhile Podcasts Newsletters Search"
MOST_READ = [
    "Most read",
    "1. Kremlin Says Peace Talks With Kyiv Have Stalled Over Security Guarantees",
    "2. Ruble Slides to a Two-Year Low as Oil Export Revenues Fall",
    "3. Moscow Court Jails Theater Director for Six Years",
]
NEWSLETTER = [
    "Sign up for our free weekly newsletter",
    "Our weekly email brings you the latest news, analysis and opinion every Monday morning.",
    "Subscribe",
]
FOOTER = "The Moscow Times is an independent news source. About us Privacy policy Contact"


def live_page(paragraphs: list[str]) -> str:
    """Extracted live text: the article wrapped in a site's boilerplate."""
    return "\n\n".join([NAVIGATION, *paragraphs, *MOST_READ, *NEWSLETTER, FOOTER])


# Six of the nineteen paragraphs (~30%) the site later replaced.
REPLACEMENTS = {
    "James Jeffrey, U.S. special envoy": (
        "A Kremlin spokesman said on Thursday that Moscow remained committed to its"
        " agreements with Ankara and blamed militant groups for the latest escalation."
    ),
    "President Donald Trump softened": (
        "Turkish officials, who back some of the rebel factions, said they had reinforced"
        " their observation posts around the city and warned of retaliation if the posts"
        " came under fire."
    ),
    "The Idlib violence has accelerated": (
        "Aid agencies estimate that more than half a million people have fled their homes"
        " since December, many of them sleeping in fields near the Turkish border."
    ),
    "Jeffrey said Moscow could change": (
        "Analysts said the Kremlin sees the offensive as a chance to settle the future of"
        " the province before any new round of talks in Geneva."
    ),
    "Moscow has been filling the vacuum": (
        "A Pentagon official, speaking on condition of anonymity, said Washington had no"
        " plans to send additional forces to the region."
    ),
    "But Jeffrey on Wednesday said": (
        "The State Department later said it would raise the issue with Russian diplomats"
        " at a meeting in Brussels next week."
    ),
}


def edited_article(prefixes: tuple[str, ...] = tuple(REPLACEMENTS)) -> list[str]:
    """The article with the paragraphs starting with ``prefixes`` replaced."""
    paragraphs = article_paragraphs()
    for prefix in prefixes:
        [index] = [i for i, p in enumerate(paragraphs) if p.startswith(prefix)]
        paragraphs[index] = REPLACEMENTS[prefix]
    return paragraphs


OTHER_ARTICLE = """\
Moscow Opens Five New Metro Stations on the Big Circle Line

Moscow opened five new metro stations on Saturday, completing the southern arc of
the Big Circle Line, the longest underground ring in the world.

Mayor Sergei Sobyanin cut the ribbon at Kakhovskaya, where commuters queued to ride
the first trains. The city plans to open another twelve stations before the end of
the decade, officials said.

Construction crews worked around the clock through the winter, and the project came
in roughly on budget, according to the city's transport department.
"""


# --- the reference seeds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "other"), [(MARKDOWN, PDF), (PDF, MARKDOWN)], ids=["markdown-vs-pdf", "pdf-vs-markdown"]
)
def test_reference_seeds_match_each_other(seed: str, other: str) -> None:
    assert similarity(seed, other) >= 0.95


def test_reference_seeds_differ_only_in_the_clip_extras() -> None:
    result = compare_texts(MARKDOWN_NAME, MARKDOWN, PDF_NAME, PDF)
    # The clip's header block (title, byline, date, photo credit) is 4% of
    # its shingles, and the PDF copy has neither the title nor the credit:
    # the copies read as edited against each other, by exactly those two
    # paragraphs. Against the live page, which shows them, both are unchanged.
    assert 0.95 <= result.similarity < 0.965
    assert result.verdict == "edited"
    assert compare_texts(PDF_NAME, PDF, MARKDOWN_NAME, MARKDOWN).verdict == "unchanged"
    assert (result.seed, result.other) == (MARKDOWN_NAME, PDF_NAME)
    # the clip's title and photo credit are not in the PDF text; nothing else is amiss
    assert result.missing_paragraphs == (
        "# U.S. Steps Up Warnings to Russia Over Syria's Idlib, Military De-Confliction",
        "**Mehmet Guzel / AP / TASS**",
    )
    assert result.added_paragraphs == ()


def test_m4_m5_split_over_two_lines_matches_the_clip() -> None:
    [pdf] = [block for block in PDF.split("\n\n") if "M4-\nM5" in block]
    [markdown] = [block for block in MARKDOWN.split("\n\n") if "M4-M5" in block]
    assert similarity(pdf, markdown) == 1.0
    assert similarity(markdown, pdf) == 1.0
    # reported as one paragraph, written as the clip writes it
    result = compare_texts(PDF_NAME, pdf, "live", OTHER_ARTICLE)
    assert len(result.missing_paragraphs) == 1
    assert "get to the M4-M5 road, or it may continue" in result.missing_paragraphs[0]


# --- the live page -------------------------------------------------------------------------


def test_rewrapped_seed_against_live_page_with_boilerplate_is_unchanged() -> None:
    result = compare_texts(PDF_NAME, PDF, "live", live_page(article_paragraphs()))
    assert result.similarity == 1.0
    assert result.verdict == "unchanged"
    assert result.missing_paragraphs == ()
    assert "Sign up for our free weekly newsletter" in result.added_paragraphs


def test_replaced_paragraphs_lower_the_score_and_are_listed() -> None:
    result = compare_texts(PDF_NAME, PDF, "live", live_page(edited_article()))
    assert 0.5 < result.similarity < 0.85
    assert result.verdict in ("edited", "rewritten")
    # exactly the replaced paragraphs are missing, whole, with their hard wraps undone
    assert set(result.missing_paragraphs) == {pdf_paragraph(prefix) for prefix in REPLACEMENTS}
    # the new paragraphs, the boilerplate, and the clip's extras the PDF lacks
    # (title, photo credit); "By Reuters" and the date are too short to list
    assert set(result.added_paragraphs) == {
        *REPLACEMENTS.values(),
        NAVIGATION,
        *MOST_READ[1:],
        *NEWSLETTER[:2],
        FOOTER,
        "U.S. Steps Up Warnings to Russia Over Syria's Idlib, Military De-Confliction",
        "Mehmet Guzel / AP / TASS",
    }


def test_two_replaced_paragraphs_are_an_edit() -> None:
    replaced = ("The Idlib violence has accelerated", "Moscow has been filling the vacuum")
    result = compare_texts(PDF_NAME, PDF, "live", live_page(edited_article(replaced)))
    assert 0.70 <= result.similarity < 0.95
    assert result.verdict == "edited"
    assert set(result.missing_paragraphs) == {pdf_paragraph(prefix) for prefix in replaced}


def test_markdown_seed_against_edited_page_scores_alike() -> None:
    pdf_score = similarity(PDF, live_page(edited_article()))
    markdown_score = similarity(MARKDOWN, live_page(edited_article()))
    assert abs(pdf_score - markdown_score) < 0.05


def test_a_different_article_is_a_different_page() -> None:
    result = compare_texts(PDF_NAME, PDF, "live", live_page([OTHER_ARTICLE]))
    assert result.verdict == "different_page"
    assert result.similarity < 0.05
    assert len(result.missing_paragraphs) >= 15


# --- joining words split across lines -------------------------------------------------------


def test_split_word_joins_when_the_other_text_knows_it() -> None:
    seed = "The agency shared infor-\nmation with its partners on Monday."
    assert similarity(seed, "The agency shared information with its partners on Monday.") == 1.0


def test_split_word_stays_split_when_the_other_text_does_not_know_it() -> None:
    # blind joining would make "m4m5" and lose the shingles around it
    seed = "just to get to the M4-\nM5 road, or it may continue"
    assert similarity(seed, "just to get to the M4-M5 road, or it may continue") == 1.0
    # …and the same rule joins it for a text that does write "M4M5"
    assert similarity(seed, "just to get to the M4M5 road, or it may continue") == 1.0


def test_reported_paragraph_shows_the_join_decision() -> None:
    seed = "The agency shared infor-\nmation with its partners on Monday."
    knows = compare_texts("s", seed, "live", "Information is power, the minister said.")
    assert knows.missing_paragraphs == ("The agency shared information with its partners on Monday.",)
    unknown = compare_texts("s", seed, "live", "Nothing in common, the minister said.")
    assert unknown.missing_paragraphs == ("The agency shared infor-mation with its partners on Monday.",)


def test_soft_hyphen_always_joins() -> None:
    assert similarity("shared infor\u00ad\nmation with its partners", "shared information with its partners") == 1.0


# --- paragraphs -----------------------------------------------------------------------------

PARAGRAPHS = [
    "The United States on Wednesday stepped up warnings to Russia over its Syria policy,"
    " saying Moscow was trying to challenge the U.S. presence in the northeast.",
    "Aid agencies estimate that more than half a million people have fled their homes since"
    " December, many of them sleeping in fields near the Turkish border now.",
    "The Idlib violence has accelerated in recent months despite several ceasefire efforts,"
    " including as recently as January, a war monitor said on Thursday in London.",
]


def test_hard_wrapped_text_without_blank_lines_is_split_into_paragraphs() -> None:
    # as pypdf extracts a PDF: wrapped lines, no blank line between paragraphs
    wrapped = "\n".join(textwrap.fill(p, width=60) for p in PARAGRAPHS)
    live = "\n\n".join([PARAGRAPHS[0], PARAGRAPHS[2]])
    result = compare_texts("pdf", wrapped, "live", live)
    assert result.missing_paragraphs == (PARAGRAPHS[1],)


def test_one_paragraph_per_line_text() -> None:
    # as trafilatura extracts a page: one long line per paragraph
    live = "\n".join([PARAGRAPHS[0], "Most read: the stories everyone is talking about today", PARAGRAPHS[2]])
    result = compare_texts("seed", "\n\n".join(PARAGRAPHS), "live", live)
    assert result.missing_paragraphs == (PARAGRAPHS[1],)
    assert result.added_paragraphs == ("Most read: the stories everyone is talking about today",)


def test_tiny_paragraphs_are_not_listed() -> None:
    result = compare_texts("seed", "Share this\n\n" + PARAGRAPHS[0], "live", PARAGRAPHS[0] + "\n\nRead more")
    assert (result.missing_paragraphs, result.added_paragraphs) == ((), ())


# --- edges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "other"),
    [("", MARKDOWN), (MARKDOWN, ""), ("", ""), (" \n\n — \n", "…"), ("https://example.com/a", MARKDOWN)],
)
def test_an_empty_side_scores_zero(seed: str, other: str) -> None:
    # no words is no evidence: even two empty texts score 0.0, never "unchanged"
    assert similarity(seed, other) == 0.0
    result = compare_texts("seed", seed, "live", other)
    assert (result.similarity, result.verdict) == (0.0, "different_page")


def test_short_seed_falls_back_to_token_containment() -> None:
    assert similarity("Idlib talks", "Moscow says Idlib talks will go on") == 1.0
    assert similarity("Idlib talks stalled", "Moscow says Idlib talks will go on") == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("score", "verdict"),
    [
        (1.0, "unchanged"),
        (0.965, "unchanged"),
        (0.9649, "edited"),
        (0.70, "edited"),
        (0.6999, "rewritten"),
        (0.30, "rewritten"),
        (0.2999, "different_page"),
        (0.0, "different_page"),
    ],
)
def test_text_verdict_thresholds(score: float, verdict: str) -> None:
    assert text_verdict(score) == verdict
    assert verdict in TEXT_VERDICTS


def test_the_text_fingerprint_is_the_sha1_of_the_words_as_stored_in_histories() -> None:
    import hashlib
    import re
    import sys

    from archiver.analysis.compare import text_fingerprint

    def reference(text: str) -> str:
        return hashlib.sha1(" ".join(re.findall(r"\w+", text.lower())).encode("utf-8")).hexdigest()

    every_character = "".join(chr(i) for i in range(0, sys.maxunicode, 7) if not 0xD800 <= i < 0xE000)
    for text in ("Hello, World_x 12³ ½ Ⅻ naïve CAFÉ — ü\u200b日本語 ١٢٣ x\u0301y\n\n tabs\there",
                 every_character, "", "   ", "a",
                 # ASCII texts take a bytes route of their own: every ASCII character, twice
                 "".join(map(chr, range(128))) * 2, "A-B_c d\x0be\x1cF\x1fG  Hi!"):
        assert text_fingerprint(text) == reference(text)
    # Texts with a few non-ASCII separators take a byte route: every 7th code point, 40 at a time
    for start in range(0, len(every_character), 40):
        text = f"Word, {every_character[start:start + 40]} end"
        assert text_fingerprint(text) == reference(text)
    assert text_fingerprint("The cat, sat.") == text_fingerprint("the  CAT sat")
    assert text_fingerprint("the cat sat") != text_fingerprint("the sat cat")


# --- the live page's whole visible text -------------------------------------------------------

LEDE = (
    "Washington accuses Moscow of backing an offensive that has driven hundreds of thousands"
    " of civilians towards the Turkish border."
)
CAPTION = "Turkish soldiers patrol the outskirts of Idlib on Tuesday, where the fighting has moved closer."


def visible_page(paragraphs: list[str]) -> str:
    """What a reader sees: the boilerplate, a lede and a caption trafilatura leaves out, the article."""
    return "\n\n".join([NAVIGATION, LEDE, *paragraphs[:5], CAPTION, *paragraphs[5:], *MOST_READ,
                        *NEWSLETTER, FOOTER])


@pytest.mark.fast
def test_seed_text_outside_the_main_text_is_found_in_the_visible_text() -> None:
    # A clip with the lede and the caption, which the main text (trafilatura) misses.
    paragraphs = article_paragraphs()
    seed = "\n\n".join([LEDE, *paragraphs[:5], CAPTION, *paragraphs[5:]])
    main_only = compare_texts("clip", seed, "live", live_page(paragraphs))
    assert main_only.verdict != "unchanged"  # the old rule's false alarm
    result = compare_texts("clip", seed, "live", live_page(paragraphs), visible_page(paragraphs))
    assert result.verdict == "unchanged"
    assert result.similarity == 1.0
    assert result.missing_paragraphs == ()


SARAQEB = "On Wednesday, Syrian government forces entered Saraqeb"
SARAQEB_REPLACED = (
    "Rebel commanders said on Wednesday that they had withdrawn from two villages east of"
    " the motorway to regroup, and that reinforcements were on their way from the north."
)


@pytest.mark.fast
def test_a_replaced_paragraph_of_five_percent_is_detected() -> None:
    paragraphs = article_paragraphs()
    [index] = [i for i, p in enumerate(paragraphs) if p.startswith(SARAQEB)]
    words = [len(re.findall(r"\w+", p)) for p in paragraphs]
    assert 0.05 <= words[index] / sum(words) < 0.055  # the smallest edit the target names
    edited = [*paragraphs[:index], SARAQEB_REPLACED, *paragraphs[index + 1 :]]
    result = compare_texts(PDF_NAME, PDF, "live", live_page(edited), visible_page(edited))
    assert result.verdict == "edited"
    assert result.missing_paragraphs == (pdf_paragraph(SARAQEB),)
    # Added paragraphs come from the main text: the new one, not the lede or the caption.
    assert SARAQEB_REPLACED in result.added_paragraphs
    assert not {LEDE, CAPTION} & set(result.added_paragraphs)


@pytest.mark.fast
def test_missing_paragraphs_are_those_in_neither_text() -> None:
    paragraphs = article_paragraphs()
    seed = "\n\n".join([LEDE, *paragraphs, SARAQEB_REPLACED])
    result = compare_texts("clip", seed, "live", live_page(paragraphs), visible_page(paragraphs))
    assert result.missing_paragraphs == (SARAQEB_REPLACED,)  # the lede is on the page
    assert compare_texts("clip", seed, "live", live_page(paragraphs)).missing_paragraphs == (
        LEDE, SARAQEB_REPLACED)


@pytest.mark.fast
def test_soft_hyphens_in_the_visible_text_do_not_split_words() -> None:
    lede = "Die Gleich\u00adzeitigkeit von Krieg und Ver\u00adhandlungen prägt die Woche in Genf."
    seed = "Die Gleichzeitigkeit von Krieg und Verhandlungen prägt die Woche in Genf."
    result = compare_texts("clip", seed, "live", "Ein anderer Text ohne diesen Satz.", f"Menü\n\n{lede}")
    assert result.similarity == 1.0


@pytest.mark.fast
def test_without_a_visible_text_the_main_text_alone_counts() -> None:
    seed = "\n\n".join([LEDE, *article_paragraphs()])
    assert compare_texts("clip", seed, "live", live_page(article_paragraphs()), "") == \
        compare_texts("clip", seed, "live", live_page(article_paragraphs()))


@pytest.mark.fast
def test_unicode_forms_and_ligatures_do_not_matter() -> None:
    page = "Le café de la société naïve ferme à Noël, a confirmé la préfecture du département."
    assert similarity(unicodedata.normalize("NFD", page), page) == 1.0  # as macOS copies it
    # a PDF's ligatures, copied as they are
    assert similarity("The oﬃcial ﬁgures were ﬂawed, the ministry said.",
                      "The official figures were flawed, the ministry said.") == 1.0


# --- scripts written without spaces --------------------------------------------------------------

JAPANESE = [
    "北海道の港町で、老朽化した防波堤の建て替え工事が今月から始まった。町によると、工事は三年間続き、"
    "総事業費はおよそ八十億円に上る見通しだ。",
    "防波堤は一九六〇年代に造られたもので、近年は台風のたびに一部が崩れ、漁船の出入りに支障が出ていた。"
    "漁業協同組合は十年以上前から改修を求めてきた。",
    "町長は記者会見で「漁業者の安全を守るための第一歩だ」と述べ、工事中も港の利用をできるだけ妨げない"
    "よう業者に求めたことを明らかにした。",
    "一方、住民の一部からは、工事による騒音や大型車両の通行を心配する声も上がっている。町は説明会を開き、"
    "作業時間を平日の日中に限る方針を示した。",
    "新しい防波堤は従来より二メートル高く設計されており、想定される最大級の高波にも耐えられるという。"
    "完成後は観光客向けの遊歩道も整備される予定だ。",
    "専門家は、同様の老朽化した港湾施設が全国に数多く残っていると指摘し、国と自治体が計画的に更新を"
    "進める必要があると話している。",
]
JAPANESE_OTHER = [
    "東京都内の私立大学で、学生が開発した小型人工衛星の打ち上げに向けた最終試験が行われた。"
    "衛星は来年春にも国際宇宙ステーションから放出される予定だ。",
    "開発を率いた教授は「学生が設計から試験まで自分たちの手で進めたことに意味がある」と話し、"
    "得られたデータを気象研究に役立てたいと語った。",
]
CHINESE = [
    "今年夏天，南方多个城市遭遇持续高温天气，部分地区用电负荷创下历史新高。电力部门表示，"
    "已经启动应急预案，优先保障居民生活用电。",
    "气象专家指出，高温天气可能还将持续一周左右，提醒市民减少午后外出，注意防暑降温。",
]
THAI = [
    "กรุงเทพมหานครเตรียมเปิดใช้สวนสาธารณะแห่งใหม่ริมแม่น้ำเจ้าพระยาในเดือนหน้า"
    "โดยมีพื้นที่สีเขียวกว่าสามสิบไร่สำหรับประชาชนทั่วไป",
]


def pdf_copy(paragraphs: list[str], width: int, between: str = "\n") -> str:
    """Hard-wrapped as pypdf copies a PDF: lines cut mid-run, no blank line between paragraphs."""
    return between.join(textwrap.fill(p, width) for p in paragraphs)


@pytest.mark.fast
@pytest.mark.parametrize(("paragraphs", "width"), [(JAPANESE, 23), (CHINESE, 19), (THAI, 30)],
                         ids=["japanese", "chinese", "thai"])
def test_text_hard_wrapped_mid_run_is_unchanged(paragraphs: list[str], width: int) -> None:
    seed = pdf_copy(paragraphs, width)
    assert any(line[-1].isalpha() for line in seed.splitlines())  # lines end inside a run
    result = compare_texts("pdf", seed, "live", "\n\n".join(paragraphs))
    assert result.similarity == 1.0
    assert result.verdict == "unchanged"
    assert result.missing_paragraphs == ()


@pytest.mark.fast
def test_japanese_with_spaces_or_paragraph_ends_elsewhere_is_unchanged() -> None:
    # A justified PDF puts spaces between characters; a page may end a paragraph
    # where the copy does not.
    seed = "\n\n".join(" ".join(p[:40]) + p[40:] for p in JAPANESE)
    page = "\n\n".join(part for p in JAPANESE for part in (p[:30], p[30:]))
    assert similarity(seed, page) == 1.0


@pytest.mark.fast
def test_a_replaced_japanese_paragraph_is_detected_and_listed() -> None:
    edited = [*JAPANESE[:3], JAPANESE_OTHER[0], *JAPANESE[4:]]
    result = compare_texts("pdf", pdf_copy(JAPANESE, 23, "\n\n"), "live", "\n\n".join(edited))
    assert result.verdict == "edited"
    # listed whole, with the wraps undone (a space where a line ended)
    [missing] = result.missing_paragraphs
    assert missing.replace(" ", "") == JAPANESE[3]
    assert result.added_paragraphs == (JAPANESE_OTHER[0],)


@pytest.mark.fast
def test_unrelated_texts_in_unspaced_scripts_are_different_pages() -> None:
    # Bigrams of common endings (して, ます) must not make two articles alike.
    assert text_verdict(similarity("\n\n".join(JAPANESE), "\n\n".join(JAPANESE_OTHER))) == "different_page"
    assert similarity("\n\n".join(JAPANESE), "\n\n".join(JAPANESE_OTHER)) < 0.05
    assert similarity("\n\n".join(CHINESE), "\n\n".join(JAPANESE)) == 0.0


@pytest.mark.fast
def test_latin_words_inside_japanese_stay_words() -> None:
    assert similarity("新型のiPhone 15が発売された", "新型の iPhone 15 が発売された。") == 1.0
    assert similarity("新型のiPhone 15が発売された", "新型のiPhone 16が発売された") < 0.5


KOREAN = (
    "서울시는 내년부터 한강 공원에 새로운 자전거 도로를 조성하고 시민들이 안전하게 이용할 수 있도록"
    " 야간 조명을 확대하겠다고 밝혔다."
)


@pytest.mark.fast
def test_a_korean_word_wrapped_mid_word_is_joined_when_the_other_text_has_it() -> None:
    # Hangul keeps word tokens (it is written with spaces); Korean typesetting
    # may still wrap inside a word, without a hyphen.
    cut = KOREAN.index("자전거") + 1
    seed = KOREAN[:cut] + "\n" + KOREAN[cut:]
    assert similarity(seed, KOREAN) == 1.0
    # one paragraph, written whole
    knows = compare_texts("pdf", seed, "live", "자전거 타는 시민이 늘었다.")
    assert knows.missing_paragraphs == (KOREAN,)
    # …and the line end stays when the other text does not have the word
    unknown = compare_texts("pdf", seed, "live", "서울시는 내년부터 예산을 늘린다고 밝혔다.")
    assert unknown.missing_paragraphs == (KOREAN[:cut], KOREAN[cut:])


# --- noise a clipper adds, and phrases common to every text ------------------------------------

GLUED_PAGE = (
    "Das Urheberrecht schützt die schöpferische Leistung des Autors, nicht die Idee,"
    " und es endet siebzig Jahre nach seinem Tod, wie das Gericht in Karlsruhe festhielt."
)


@pytest.mark.fast
def test_words_a_clipper_glued_across_inline_tags_are_split_as_the_page_has_them() -> None:
    # "die <em>schöpferische Leistung</em> des": a clipper that drops the spaces around the tags.
    seed = GLUED_PAGE.replace("die schöpferische", "dieschöpferische").replace("Leistung des", "Leistungdes")
    assert similarity(seed, GLUED_PAGE) == 1.0
    # Only into words the page has: an unknown word stays whole, and its shingles are not found.
    assert similarity(seed.replace("Leistungdes", "Leistungxyz"), GLUED_PAGE) < 1.0


@pytest.mark.fast
def test_a_word_a_clipper_split_is_joined_when_the_page_has_it_whole() -> None:
    seed = GLUED_PAGE.replace("Urheberrecht", "Urheber recht")
    assert similarity(seed, GLUED_PAGE) == 1.0
    assert similarity(seed, GLUED_PAGE.replace("Urheberrecht", "Urheberschutz")) < 1.0


@pytest.mark.fast
def test_a_common_phrase_alone_in_a_replaced_paragraph_does_not_count_as_found() -> None:
    kept = " ".join(f"wort{i}" for i in range(40))
    replaced = "alpha beta in der nähe von gamma delta"
    seed = f"{kept}\n\n{replaced}"
    page = f"{kept}\n\nEin ganz anderer Absatz.\n\nDas Haus liegt in der Nähe von Bern."
    # 45 shingles: the 37 inside the kept paragraph are found; "in der nähe von" is found
    # on the page too, but alone, and does not count.
    assert similarity(seed, page) == pytest.approx(37 / 45)
    assert compare_texts("clip", seed, "live", page).missing_paragraphs == (replaced,)


ADVERTISEMENT = "Advertisement"
READ_MORE = "Read more: Moscow Opens Five New Metro Stations on the Big Circle Line"


@pytest.mark.fast
def test_a_clip_that_left_out_what_stands_between_paragraphs_is_unchanged() -> None:
    # The page puts an advertisement and a "Read more" teaser between every two
    # paragraphs; the clip has the paragraphs alone. Each join of the clip is
    # on no page: before joins between found paragraphs were left out, this
    # scored 0.89 (`edited`).
    paragraphs = article_paragraphs()
    seed = "\n\n".join(paragraphs)
    interleaved = [block for p in paragraphs for block in (p, ADVERTISEMENT, READ_MORE)]
    page = live_page(interleaved)
    result = compare_texts("clip", seed, "live", page, page)
    assert result.similarity == 1.0
    assert result.verdict == "unchanged"


@pytest.mark.fast
def test_a_replaced_heading_too_short_for_a_shingle_still_counts() -> None:
    # A heading of one word has no shingle of its own: the joins it stands in
    # are what tells it is gone, so they are not left out.
    paragraphs = article_paragraphs()
    seed = "\n\n".join([*paragraphs[:6], "Background", *paragraphs[6:]])
    kept = compare_texts("clip", seed, "live", live_page([*paragraphs[:6], "Background", *paragraphs[6:]]))
    replaced = compare_texts("clip", seed, "live", live_page([*paragraphs[:6], "Analysis", *paragraphs[6:]]))
    assert kept.similarity == 1.0
    assert replaced.similarity < 1.0


@pytest.mark.fast
def test_a_replaced_heading_is_gone_though_its_words_are_elsewhere_on_the_page() -> None:
    paragraphs = article_paragraphs()
    seed = "\n\n".join([*paragraphs[:6], "Latest comments", *paragraphs[6:]])
    page = [*paragraphs[:6], "More stories", *paragraphs[6:], "The latest news", "Comments are closed"]
    kept = [*paragraphs[:6], "Latest comments", *paragraphs[6:]]
    assert similarity(seed, live_page(kept)) == 1.0
    assert similarity(seed, live_page(page)) < 1.0
