"""Title mismatch: does a linked page still show what its anchor promised?"""

from __future__ import annotations

import pytest

from archiver.analysis.extract import page_facts
from archiver.analysis.titles import GENERIC_ANCHORS, STOPWORDS, anchor_units, title_mismatch

pytestmark = pytest.mark.fast


def html(title: str = "", head: str = "", body: str = "") -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body><nav><a href='/'>Home</a></nav>{body}"
            "<p>Some words of the page, long enough to be a paragraph of a news article.</p>"
            "</body></html>")


# --- which anchors are judged ------------------------------------------------

def test_a_two_word_anchor_is_judged():
    assert title_mismatch("Market report", "Holiday recipes for the new season") is True
    assert title_mismatch("Market report", "Market report: stocks fall") is False


@pytest.mark.parametrize("anchor", [
    "read more", "Read more »", "READ MORE…", "here", "click here", "[click here]", "this story",
    "link", "en savoir plus", "Lire la suite", "ici", "mehr", "Weiterlesen", "hier", "leer más",
    "aquí", "Подробнее", "читать далее", "здесь",
])
def test_generic_anchors_are_not_judged(anchor):
    assert title_mismatch(anchor, "Holiday recipes for the new season") is None


@pytest.mark.parametrize("anchor", [
    "https://example.com/x", "http://example.com", "www.example.com/news/a-story", "example.com",
    "bbc.co.uk/news", "<https://example.com/2020/01/01/market-report>",
])
def test_url_and_domain_anchors_are_not_judged(anchor):
    assert title_mismatch(anchor, "Holiday recipes for the new season") is None


@pytest.mark.parametrize("anchor", ["report", "The report", "story 5", "Page 2", "de la", "в России"])
def test_fewer_than_two_meaningful_words_are_not_judged(anchor):
    assert anchor_units(anchor) is None


def test_stopwords_do_not_count_as_words():
    # 1 of 2 meaningful words found: a match, though 1 of 5 of all the words.
    assert title_mismatch("The market and the weather", "Market falls") is False
    assert anchor_units("The market and the weather") == {"market", "weather"}


def test_stopwords_are_function_words_only():
    # A frequency-based stoplist would drop the words headlines are made of.
    assert not {"government", "season", "people", "market", "report", "world", "new"} & STOPWORDS


def test_generic_anchors_are_stored_normalised():
    assert "read more" in GENERIC_ANCHORS and "leer más" in GENERIC_ANCHORS
    assert "Read more" not in GENERIC_ANCHORS  # normalised: lowercase, no punctuation


def test_no_title_is_not_judged():
    assert title_mismatch("Market report", ()) is None
    assert title_mismatch("Market report", None) is None
    assert title_mismatch("Market report", ["", "  "]) is None


# --- the best of several titles ---------------------------------------------

def test_best_of_the_titles():
    titles = ["Home | Site", "Stocks fall as market report disappoints"]
    assert title_mismatch("Market report", titles) is False
    assert title_mismatch("Market report", titles[:1]) is True


def test_a_site_name_in_the_title_does_not_count_against():
    anchor = "US steps up warnings to Russia over Idlib"
    assert title_mismatch(anchor, "US Steps Up Warnings to Russia Over Idlib | The Moscow Times") is False
    assert title_mismatch(anchor, "The Moscow Times — US steps up warnings to Russia over Idlib") is False


def test_the_site_name_does_not_count_for_the_anchor_either():
    anchor, title = "Moscow Times budget report", "Holiday recipes | The Moscow Times"
    assert title_mismatch(anchor, title) is False  # 2 of 4 words, all of them the site's name
    assert title_mismatch(anchor, title, sitename="The Moscow Times") is True
    assert title_mismatch("The Moscow Times", title, sitename="The Moscow Times") is None


def test_half_of_the_words_is_a_match():
    assert title_mismatch("Government announces new budget plan", "Celebrity gossip roundup") is True
    assert title_mismatch("Government announces budget plan", "Government budget: what changes") is False
    assert title_mismatch("Government announces new budget plan", "Government budget: what changes") is True


def test_case_width_and_accents():
    assert title_mismatch("ÉCONOMIE FRANÇAISE", "L'économie française ralentit") is False
    assert title_mismatch("Ｍａｒｋｅｔ Ｒｅｐｏｒｔ", "Market report") is False  # fullwidth letters


# --- CJK: by characters --------------------------------------------------------

def test_a_four_character_japanese_anchor():
    assert title_mismatch("株価急落", "株価が急落、市場に動揺 | 日経") is False
    assert title_mismatch("株価急落", "休日の料理レシピ特集") is True


def test_a_chinese_anchor_against_a_changed_page():
    assert title_mismatch("政府公布新预算案", "政府公布新预算案 - 新华网") is False
    assert title_mismatch("政府公布新预算案", "名人八卦汇总") is True


def test_short_cjk_anchors_are_not_judged():
    assert anchor_units("株価") is None
    assert anchor_units("株価急") is None  # three characters: two pairs
    assert anchor_units("株価急落") is not None


# --- the titles extraction finds ------------------------------------------------

def test_page_titles_hold_title_og_title_and_h1():
    facts = page_facts(html("Home | Site", "<meta property='og:title' content='Budget passes'>",
                            "<article><h1>Market report: stocks fall</h1></article>"), None)
    assert set(facts.titles) == {"Home | Site", "Budget passes", "Market report: stocks fall"}
    assert facts.titles[0] == facts.title


def test_an_h1_matching_the_anchor_is_not_a_mismatch():
    # og:title is the title trafilatura picks; here it is the site's name.
    facts = page_facts(html("Home | Site", "<meta property='og:title' content='Site'>",
                            "<article><h1>Market report: stocks fall</h1></article>"), None)
    assert facts.title == "Site"
    assert title_mismatch("Market report", facts.titles, facts.sitename) is False
    assert title_mismatch("Market report", facts.title, facts.sitename) is True


def test_an_og_title_matching_the_anchor_is_not_a_mismatch():
    facts = page_facts(html("Home | Site", "<meta property='og:title' content='Market report: stocks fall'>",
                            "<h1>Welcome</h1>"), None)
    assert title_mismatch("Market report", facts.titles, facts.sitename) is False


def test_a_hidden_h1_is_not_the_headline():
    facts = page_facts(html("Home | Site", body=(
        "<h1 style='display: none'>Market report</h1><div hidden><h1>Market report</h1></div>"
        "<h1>Holiday recipes for the new season</h1>")), None)
    assert "Market report" not in facts.titles
    assert "Holiday recipes for the new season" in facts.titles
    assert title_mismatch("Market report", facts.titles, facts.sitename) is True


def test_a_page_without_titles_has_none():
    assert page_facts("<html><body><p>Only text here.</p></body></html>", None).titles == ()
