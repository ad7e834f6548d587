"""Does a linked page still show what its anchor text promised?

A link's anchor ("Government announces new budget plan") names the page it
pointed to when the article was written. When the page's titles no longer
hold the anchor's words, the URL most likely shows something else now.

- Units: words (runs of letters and digits, NFKC-normalised and casefolded)
  and, for Chinese, Japanese and Korean, pairs of adjacent characters: CJK
  text has no spaces to split words on, and a character pair is the usual
  stand-in for a word (a single character, for a run of one).
- An anchor is judged when it has at least two meaningful words, or at least
  three CJK pairs (four characters written together). A meaningful word has
  two characters or more, is not a number alone ("page 2", "[12]"; titles
  also spell numbers differently) and is not a stopword of English, French,
  German, Spanish or Russian.
- Not judged: generic anchors ("read more", "здесь"), anchors that are only a
  URL or a domain, and words of the site's own name: they say which site,
  not which page.
- The score is the best, over the page's candidate titles (<title>,
  og:title, the visible h1), of the share of the anchor's units found in the
  title. A site name a title carries ("… | The Moscow Times") only adds words
  and so never lowers the share; a page whose <title> is "Home | Site" but
  whose h1 is the anchor's headline scores on its h1.
- A mismatch: below MATCH_SHARE. Half, not all: headlines get edited after
  they are linked to, and an anchor may paraphrase the headline.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

MATCH_SHARE = 0.5
MIN_WORDS = 2
MIN_CJK_PAIRS = 3

# Kana, CJK ideographs (and their extensions), halfwidth katakana, Hangul syllables.
_CJK = ("\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
        "\uac00-\ud7af\U00020000-\U0003134f")
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(f"[^\\W_{_CJK}]+")
_TOKEN = re.compile(f"[^\\W_{_CJK}]+|[{_CJK}]+")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*|\bwww\.\S+", re.I)
# "example.com", "bbc.co.uk/news": a host name, maybe with a path.
_DOMAIN = re.compile(r"(?:[\w-]+\.)+[^\W\d_]{2,}\.?(?:[/:?#]\S*)?")

# Function words only. Frequency-based stoplists (jusText's, which trafilatura
# ships) also hold "government", "season" or "people": the words a headline is made of.
_STOPWORDS = """
    a an the and or but nor of in on at to for from by with about as into onto over after before
    under between against during without within than then so if not no is are was were be been
    being am has have had do does did will would can could should may might must shall it its
    this that these those he she they we you his her their our your my me him them us who whom
    whose which what when where why how also just here there up out off down more most very
    le la les un une des du de et ou mais donc ni car en dans sur sous pour par avec sans chez
    entre vers au aux ce cet cette ces qui que quoi dont où il elle ils elles on nous vous je tu
    se sa son ses leur leurs est sont été être ont avait ne pas plus ici comme lui qu tout tous
    der die das den dem des ein eine einen einem einer eines und oder aber doch im an am auf aus
    bei mit nach von vom zu zum zur für über unter vor gegen durch ohne um ist sind war waren wird
    werden wurde hat haben es er sie wir ihr ich sich nicht kein keine auch als wie dass noch nur
    hier mehr
    el la los las un una unos unas lo le les al del con por para sin sobre entre hasta desde
    es son fue ser ha han se su sus que qué como cómo más no ya muy este esta estos estas ese esa
    esos esas aquí
    и в во не на с со что как по к ко о об от из за для до у а но же ли бы это этот эта эти то
    так он она оно они мы вы я его ее её их был была было были быть есть при под над без ещё еще
    уже или также здесь там тут чем где когда
"""

_GENERIC = (
    # English
    "read more", "more", "here", "click here", "this", "this story", "this article", "the story",
    "the article", "link", "this link", "source", "via", "continue reading", "full story",
    "read the full story", "read the story", "read the article", "learn more", "see more",
    # French
    "en savoir plus", "lire la suite", "lire plus", "ici", "cliquez ici", "lien", "ce lien",
    "cet article", "l'article", "source", "suite",
    # German
    "mehr", "weiterlesen", "mehr lesen", "mehr erfahren", "hier", "hier klicken", "link",
    "dieser link", "quelle", "zum artikel", "artikel",
    # Spanish
    "leer más", "seguir leyendo", "aquí", "haga clic aquí", "haz clic aquí", "enlace",
    "este enlace", "esta noticia", "este artículo", "fuente", "más información",
    # Russian
    "подробнее", "читать далее", "читать дальше", "читать полностью", "здесь", "тут",
    "по ссылке", "ссылка", "ссылке", "источник", "эта статья", "этой статье",
)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _normal(text: str) -> str:
    """Case-, width- and punctuation-insensitive form: "Read more »" → "read more"."""
    return " ".join(_TOKEN.findall(_fold(text)))


STOPWORDS = frozenset(_fold(word) for word in _STOPWORDS.split())
GENERIC_ANCHORS = frozenset(_normal(anchor) for anchor in _GENERIC)


def _meaningful(word: str) -> bool:
    return len(word) >= 2 and not word.isdigit() and word not in STOPWORDS


def _cjk_units(text: str) -> set[str]:
    """Adjacent character pairs of each CJK run; a run of one character is itself."""
    units: set[str] = set()
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            units.add(run)
        else:
            units.update(run[i : i + 2] for i in range(len(run) - 1))
    return units


# A page's titles are judged once per link to it, and an anchor quoting them
# as often: 58,000 links to 2,000 pages. Bounded, as url_date's cache is.
@lru_cache(maxsize=65536)
def title_units(title: str | None) -> frozenset[str]:
    """Every unit of a title: its words, CJK pairs and single CJK characters."""
    text = _fold(title or "")
    # Single characters too, for an anchor's one-character run.
    characters = (char for run in _CJK_RUN.findall(text) for char in run)
    return frozenset({*_WORD.findall(text), *_cjk_units(text), *characters})


@lru_cache(maxsize=65536)
def anchor_units(anchor_text: str | None, sitename: str | None = None) -> frozenset[str] | None:
    """The anchor's meaningful units, or None when the anchor is not worth judging."""
    text = _fold(anchor_text or "").strip()
    if not text or _normal(text) in GENERIC_ANCHORS or _DOMAIN.fullmatch(text):
        return None
    text = _URL.sub(" ", text)
    site = title_units(sitename)
    words = {w for w in _WORD.findall(text) if _meaningful(w)} - site
    pairs = _cjk_units(text) - site
    if len(words) < MIN_WORDS and len(pairs) < MIN_CJK_PAIRS:
        return None
    return frozenset(words | pairs)


def title_mismatch(anchor_text: str | None, titles: Iterable[str | None] | str | None,
                   sitename: str | None = None) -> bool | None:
    """True when no title of the page holds half of the anchor's meaningful units.

    None when there is nothing to judge: an anchor too short or generic, or
    a page without a title.
    """
    anchor = anchor_units(anchor_text, sitename)
    if isinstance(titles, str) or titles is None:
        titles = (titles,)
    candidates = [units for units in map(title_units, titles) if units]
    if anchor is None or not candidates:
        return None
    best = max(len(anchor & units) for units in candidates)
    return best / len(anchor) < MATCH_SHARE
