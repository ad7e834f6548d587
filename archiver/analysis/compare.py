"""Is a saved copy of an article still what the site publishes?

Pure functions over two texts: a seed copy (Markdown clip, text copied from
a PDF, extracted HTML …) and another text, usually the live page's.

Method (field notes §5, measured on real news texts):

- Tokens are runs of letters and digits, lowercased and in NFKC (so a
  decomposed "é" or a PDF's ligature "ﬁ" reads as the page's "é" and "fi").
  Line wrapping and punctuation vanish, so "M4-\\nM5" and "M4-M5" give the
  same tokens.
- Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer,
  Myanmar …) have no words to split on: a run of their letters becomes its
  overlapping character bigrams ("東京都" gives "東京", "京都"). Spaces and line
  ends inside a run do not cut it, so a PDF copy wrapped mid-run, or a page
  that ends a paragraph where the copy does not, gives the same bigrams.
- Hangul is written with spaces between words and keeps word tokens, but a
  Korean line may wrap inside a word: a line end between two Hangul syllables
  is joined when the joined word occurs in the other text, as is a word split
  across a line end with a hyphen ("infor-\\nmation"). Blind joining would
  turn "M4-\\nM5" into "m4m5".
- URLs (bare, <autolinks>, Markdown link targets) are dropped: a PDF prints
  the targets a web page hides behind its links, and neither is article text.
- A clipper that drops the spaces around inline tags glues words
  ("dieschöpferische Leistungdes" for "die <em>schöpferische Leistung</em>
  des"): a seed word the other text lacks that splits into two words it has
  is split, and two seed words whose concatenation is a word of the other
  text (one of them unknown there) are joined. Only the seed is mended, and
  only towards the other text's words.
- ``similarity`` is containment: the share of the seed's 4-shingles (of
  tokens, counted where they stand) found among the other text's, a shingle
  counting only inside a run of ``MIN_RUN`` (3) consecutive found ones.
  Common phrases ("in der Nähe von", "one of the most") turn up anywhere on
  a page: alone in a replaced paragraph they no longer count as found, while
  an unchanged text matches in long runs. Boilerplate the live page adds
  (navigation, "Most read", newsletter boxes) does not lower it; text the
  seed lost does. A seed of fewer than 4 tokens falls back to the share of
  its tokens found.
- Against a live page, a seed shingle is found when it is in the main text
  or in the page's whole visible text: a clip often holds what the
  main-text extraction leaves out (ledes, captions, embedded posts, a body
  split into many blocks).
- A clipper leaves out what stands between two paragraphs on the page (an
  advertisement, a caption, a teaser): the shingles that run across such a
  join are on no page. An unfound shingle whose paragraphs are all found on
  the page is left out of the count; a join next to a paragraph the page
  lacks still counts. So an unchanged page scores 1.0 however it was
  clipped, and a replaced paragraph costs its own shingles and its joins.
  (Not in scripts written without spaces: their bigrams run on across
  paragraph ends, and every shingle counts.)
  On 693 real pages, each clipped three ways and compared as it is and
  hard-wrapped (bench/drift.py), 99.9% of unchanged pages read `unchanged`
  and 100% of edits that took >= 5% of the text off the page are detected
  (bench/RESULTS.md; 97.9% and 95.8% before joins were left out and the
  threshold raised, 79.0% unchanged with the main text alone).
- An empty side scores 0.0, even against another empty text: no words is no
  evidence that the copy still matches, and a failed extraction must never
  pass as "unchanged". Callers that can say "no text" should say so.

Verdict thresholds (``text_verdict``), on similarity, with what they were
checked against on the reference seeds (tests/test_compare.py):

- >= 0.965 ``unchanged``: the PDF copy against the live text plus
  boilerplate scores 1.0; a fixed typo costs 4 shingles (under 1% of an
  article). A replaced paragraph of 5% of the words scores 0.95 or a little
  more (a phrase it shares with the rest of the article): the margin above
  it is what detects it. On bench/drift.py's pages 0.95 reads 99.95%
  unchanged and detects 98.1% of the edits, 0.96 99.95% and 99.9%, 0.965
  99.85% and 100%. The Markdown clip against the PDF copy scores 0.957:
  its header (title, byline, date, photo credit) is not in the PDF, and
  the two copies read `edited` against each other, each against the live
  page `unchanged`.
- >= 0.70 ``edited``: 2 of 19 paragraphs replaced scores 0.90. Replacing a
  random 30% scores 0.67 on average (0.51-0.82), so 30% lands either side.
- >= 0.30 ``rewritten``: the story is recognisable but mostly new (half the
  paragraphs replaced: about 0.46).
- below ``different_page``: another article scores 0.0; shared 4-shingles
  between unrelated news texts are rare.

Paragraphs are listed as missing (in the seed, < 50% of their shingles in the
other text, and in the page's visible text when there is one) or added (in
the other text's main text, < 50% of theirs in the seed: the visible text is
mostly navigation and would bury the additions that matter). Paragraphs of
fewer than 4 tokens are too small to judge and not listed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import regex

from .model import TextComparison, TextVerdict

SHINGLE_SIZE = 4

UNCHANGED = 0.965
EDITED = 0.70
REWRITTEN = 0.30

# A seed shingle counts as found only inside a run of at least this many
# consecutive found shingles (module doc: a common phrase alone is no match).
MIN_RUN = 3

# A paragraph counts as present when at least this share of its shingles is.
PARAGRAPH_PRESENT = 0.5
MIN_PARAGRAPH_TOKENS = SHINGLE_SIZE

# \w minus "_": the field notes' \w+, except that Markdown's _emphasis_
# must not glue underscores onto words.
_WORD = re.compile(r"[^\W_]+")
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"<?\b(?:https?://|www\.)[^\s<>]+>?", re.I)
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad[ \t]*\r?\n[ \t]*")
_HYPHEN_BREAK = re.compile(r"([^\W_]+)-[ \t]*\r?\n[ \t]*([^\W_]+)")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# A line ending in a split word goes on, however short it is.
_LINE_CONTINUES = re.compile(r"(?:[^\W_]-|\u00ad)[ \t]*$")

# Letters (and digits, marks) of scripts written without spaces between words.
# Script_Extensions takes in what Japanese shares between its scripts ("ー",
# "々"); intersecting with letters, marks and digits leaves out its punctuation.
_UNSPACED_SCRIPTS = "".join(
    rf"\p{{scx={script}}}"
    for script in ("Han", "Hiragana", "Katakana", "Bopomofo", "Yi", "Thai", "Lao", "Khmer",
                   "Myanmar", "Tai_Le", "New_Tai_Lue", "Tai_Tham", "Javanese", "Balinese")
)
_UNSPACED_LETTER = rf"[[{_UNSPACED_SCRIPTS}]&&[\p{{L}}\p{{M}}\p{{N}}]]"
_UNSPACED_CHAR = regex.compile(_UNSPACED_LETTER, regex.V1)
# Whitespace inside a run is a line wrap or a justification space, not a word end.
_UNSPACED_RUN = regex.compile(rf"{_UNSPACED_LETTER}(?:\s*{_UNSPACED_LETTER})*", regex.V1)
_SPACE = regex.compile(r"\s+")
_HANGUL_BREAK = regex.compile(r"(\p{Hangul}+)[ \t]*\r?\n[ \t]*(\p{Hangul}+)")

# Hard-wrapped text (a PDF's) without blank lines: lines reach the wrap width
# except the last of each paragraph. A one-paragraph-per-line text
# (trafilatura's) has lines far longer than any print width.
_MAX_WRAP_WIDTH = 150
_FULL_LINE = 0.7  # of the wrap width
_WRAPPED_SHARE = 0.6  # of lines that are full


@dataclass(frozen=True)
class _Text:
    paragraphs: tuple[str, ...]  # whitespace-normalised, for the report
    paragraph_tokens: tuple[tuple[str, ...], ...]
    tokens: tuple[str, ...]
    shingles: frozenset[tuple[str, ...]]
    # The paragraph each token stands in, when ``tokens`` are the paragraphs'
    # tokens in a row (not for unspaced scripts, whose runs go on across them).
    token_paragraphs: tuple[int, ...] | None = None

    @cached_property
    def spaced_tokens(self) -> str:
        """The tokens between spaces, to find a run of them with ``in``."""
        return f" {' '.join(self.tokens)} "


class _NotWordToSpace(dict):
    r"""A str.translate table filled as code points are met: \w stays, the rest is a space.

    \w is exactly str.isalnum() or "_" (a test checks every 7th code point).
    Filled lazily, as building it for a text (set(text)) cost more than the
    translation itself.
    """

    def __missing__(self, code: int) -> int:
        char = chr(code)
        value = code if char.isalnum() or char == "_" else 0x20
        self[code] = value
        return value


_NOT_WORD_TO_SPACE = _NotWordToSpace()
# ASCII bytes that are not \w become a space; every other byte (those of
# UTF-8's multi-byte characters included) stays: bytes.translate runs in C.
_ASCII_NOT_WORD_TO_SPACE = bytes(
    code if code >= 0x80 or chr(code).isalnum() or chr(code) == "_" else 0x20 for code in range(256)
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Above this many distinct non-ASCII characters that are not \w, the str route.
_FEW_SEPARATORS = 32


def text_fingerprint(text: str) -> str:
    """sha1 of a text's words: the same words in the same order, the same fingerprint.

    Stored in the history to tell a changed text: keep it stable.
    """
    # The words of re.findall(r"\w+"). A page's text is mostly ASCII with a
    # few punctuation marks of its own (’ “ — …): those are blanked one by
    # one, the ASCII ones by a byte table (0.3 ms for 45 kB, a third of
    # str.translate's per-character lookups, which stay for the rest).
    lowered = text.lower()
    separators = [] if lowered.isascii() else [
        char for char in set("".join(_NON_ASCII.findall(lowered))) if not (char.isalnum() or char == "_")]
    if len(separators) <= _FEW_SEPARATORS:
        for char in separators:
            lowered = lowered.replace(char, " ")
        words = lowered.encode("utf-8").translate(_ASCII_NOT_WORD_TO_SPACE).split()
        return hashlib.sha1(b" ".join(words)).hexdigest()
    words_str = lowered.translate(_NOT_WORD_TO_SPACE).split()
    return hashlib.sha1(" ".join(words_str).encode("utf-8")).hexdigest()


def _folded(text: str) -> str:
    """Lowercased, in NFKC, without soft hyphens: a decomposed "é" (macOS, some
    PDFs) is the composed one, a PDF's ligature "ﬁ" is "fi", a full-width "Ｔ"
    is "t", and "Gleich\u00adzeitigkeit" one word."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKC", text.replace("\u00ad", "")).lower()


def _words(text: str) -> list[str]:
    text = _folded(_strip_links(text))
    if not _UNSPACED_CHAR.search(text):
        return _WORD.findall(text)
    words: list[str] = []
    end = 0
    for run in _UNSPACED_RUN.finditer(text):
        words += _WORD.findall(text, end, run.start())
        letters = _SPACE.sub("", run.group())
        words += [letters[i : i + 2] for i in range(len(letters) - 1)] or [letters]
        end = run.end()
    words += _WORD.findall(text, end)
    return words


def _strip_links(text: str) -> str:
    return _URL.sub(" ", _MARKDOWN_LINK.sub(r"\1", text))


def _join_split_words(text: str, known: set[str]) -> str:
    """Join "infor-\\nmation" only when the other text knows "information".

    Either way the line break goes: a hyphen ending a line is a wrap, and
    "M4-M5" reads better in a report than "M4- M5".
    """
    text = _SOFT_HYPHEN_BREAK.sub("", text).replace("\u00ad", "")

    def join(match: re.Match[str]) -> str:
        head, tail = match.groups()
        if _folded(head + tail) in known:
            return head + tail
        return f"{head}-{tail}"

    return _HYPHEN_BREAK.sub(join, text)


def _join_wrapped_hangul(text: str, known: set[str]) -> str:
    """Join a Korean word cut by a line end (no hyphen) when the other text knows it.

    Done before paragraphs are found: the joined line goes on, and a word
    does not span two paragraphs.
    """

    def join(match: regex.Match[str]) -> str:
        head, tail = match.groups()
        return head + tail if _folded(head + tail) in known else match.group()

    return _HANGUL_BREAK.sub(join, text)


def _is_hard_wrapped(lines: list[str]) -> bool:
    widths = [len(line) for line in lines]
    if len(widths) < 3 or max(widths) > _MAX_WRAP_WIDTH:
        return False
    full = sum(w >= _FULL_LINE * max(widths) for w in widths)
    return full >= _WRAPPED_SHARE * len(widths)


def _split_paragraphs(text: str) -> list[str]:
    """Paragraphs as blocks of lines; a newline inside a block is a hard wrap."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _BLANK_LINE.split(text)
    if len(blocks) > 1:
        return blocks
    # No blank lines: one paragraph per line (trafilatura), or a PDF's
    # wrapped lines where a short line ends a paragraph.
    lines = [line for line in text.split("\n") if line.strip()]
    wrapped = _is_hard_wrapped(lines)
    width = max(map(len, lines), default=0)
    paragraphs, current = [], []
    for line in lines:
        current.append(line)
        if _LINE_CONTINUES.search(line):
            continue
        if not wrapped or len(line) < _FULL_LINE * width:
            paragraphs.append("\n".join(current))
            current = []
    return paragraphs + ["\n".join(current)]


def _shingles(tokens: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    n = SHINGLE_SIZE
    return frozenset(tokens[i : i + n] for i in range(len(tokens) - n + 1))


def _split_glued(token: str, known: set[str]) -> tuple[str, ...]:
    """``token`` as two words the other text knows, when it does not know it whole."""
    best: tuple[str, ...] = (token,)
    # Halves of two letters at least: a lone letter is a word of every page
    # ("e" of "e-mail"), and "kommentare" is not "kommentar e".
    for cut in range(2, len(token) - 1):
        head, tail = token[:cut], token[cut:]
        if head in known and tail in known and (len(best) == 1 or min(cut, len(tail)) > min(map(len, best))):
            best = (head, tail)
    return best


def _mend_tokens(tokens: list[str], known: set[str]) -> tuple[str, ...]:
    """Words a clipper glued or split, mended where the other text says how.

    A clipper that drops the space between inline elements turns "die
    <b>schöpferische</b> Leistung" into "dieschöpferische": a token the other
    text lacks that splits into two words it has is split. The reverse, two
    tokens whose concatenation is one word of the other text (and one of them
    unknown there), is joined. Without ``known`` (no other text) nothing changes.
    """
    if not known:
        return tuple(tokens)
    mended: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in known:
            mended.append(token)
        elif index + 1 < len(tokens) and token + tokens[index + 1] in known:
            mended.append(token + tokens[index + 1])
            index += 1
        elif mended and mended[-1] + token in known:
            mended[-1] += token
        elif len(token) >= 4 and not _UNSPACED_CHAR.match(token):
            mended += _split_glued(token, known)
        else:
            mended.append(token)
        index += 1
    return tuple(mended)


def _prepare(text: str, known: set[str], mend: bool = False) -> _Text:
    """A text's paragraphs, tokens and shingles; ``known``: the other side's words.

    ``mend``: split and join words against ``known`` (the seed, not the page).
    """
    text = _join_wrapped_hangul(text, known)
    blocks = (_join_split_words(block, known) for block in _split_paragraphs(text))
    paragraphs = [p for p in (" ".join(block.split()) for block in blocks) if p]
    paragraph_tokens = tuple(
        _mend_tokens(_words(p), known) if mend else tuple(_words(p)) for p in paragraphs
    )
    # Shingles run across paragraph ends, so a paragraph that the other copy
    # splits in two (a page break, a Markdown clip) still matches whole; for
    # the same reason a run of unspaced script goes on across them.
    whole = " ".join(paragraphs)
    if _UNSPACED_CHAR.search(whole):
        tokens = tuple(_words(whole))
        token_paragraphs = None
    else:
        tokens = tuple(token for tokens in paragraph_tokens for token in tokens)
        token_paragraphs = tuple(i for i, tokens in enumerate(paragraph_tokens) for _ in tokens)
    return _Text(tuple(paragraphs), paragraph_tokens, tokens, _shingles(tokens), token_paragraphs)


def _prepare_visible(text: str) -> _Text:
    """A page's visible text, only ever the other side: its tokens and shingles.

    Its blocks hold no line ends (extraction normalises them), so there is no
    split word to join, and no paragraph is listed from it: half the cost of
    ``_prepare`` on a text that is often the longest of a comparison.
    """
    tokens = tuple(_words(text))
    return _Text((), (), tokens, _shingles(tokens))


def _prepare_pair(seed_text: str, other_text: str) -> tuple[_Text, _Text]:
    seed = _prepare(seed_text, set(_words(other_text)), mend=True)
    return seed, _prepare(other_text, set(_words(seed_text)))


def _containment(part: tuple[str, ...], whole: _Text) -> float:
    """Share of ``part``'s shingles (tokens, if too short) found in ``whole``.

    A shingle counts only inside a run of ``MIN_RUN`` consecutive found ones
    (all of them, in a part with fewer shingles).
    """
    if len(part) < SHINGLE_SIZE:
        if not part:
            return 0.0
        vocabulary = set(part)
        return len(vocabulary & set(whole.tokens)) / len(vocabulary)
    return _counted_share(_found_shingles(part, whole), ())


def _found_shingles(part: tuple[str, ...], whole: _Text) -> list[bool]:
    n = SHINGLE_SIZE
    return [part[i : i + n] in whole.shingles for i in range(len(part) - n + 1)]


def _counted_share(found: list[bool], left_out: Iterable[int]) -> float:
    """Share of found shingles standing in runs of ``MIN_RUN``, ``left_out`` not counted at all.

    A left-out shingle neither counts nor breaks a run.
    """
    skip = set(left_out)
    min_run = min(MIN_RUN, len(found) - len(skip))
    counted = run = 0
    for index, hit in enumerate([*found, False]):
        if index in skip:
            continue
        if hit:
            run += 1
            continue
        if run >= min_run:
            counted += run
        run = 0
    total = len(found) - len(skip)
    return counted / total if total else 0.0


def _on_page(paragraph: tuple[str, ...], page: _Text) -> bool:
    """Whether a seed paragraph is on the page: half its shingles, or a short one whole, in a row."""
    if not paragraph:
        return True  # a paragraph without words ("* * *") is no text to miss
    if len(paragraph) >= SHINGLE_SIZE:
        return _containment(paragraph, page) >= PARAGRAPH_PRESENT
    # A heading of a word or two has no shingle: its words must stand together
    # on the page, not each somewhere (a replaced "Neueste Kommentare" keeps
    # "neueste" in one teaser and "kommentare" in another).
    return f" {' '.join(paragraph)} " in page.spaced_tokens


def _seed_containment(seed: _Text, page: _Text) -> float:
    """The seed's containment in the page, joins between the seed's found paragraphs left out.

    A clipper leaves out what stands between two paragraphs on the page (an
    advertisement, a caption, a "Read more" box): a shingle that runs from
    the end of one paragraph into the next is then on no page, though both
    paragraphs are. Such a shingle, unfound, whose paragraphs are all found
    on the page, is left out, so that an unchanged page scores 1.0 however
    its clipper cut it. A join next to a paragraph the page lacks still
    counts: a replaced paragraph costs its own shingles and both of its
    joins, and a replaced heading of one or two words, which has no shingle
    of its own, costs the joins it stands in.
    """
    tokens = seed.tokens
    if len(tokens) < SHINGLE_SIZE or seed.token_paragraphs is None:
        return _containment(tokens, page)
    found = _found_shingles(tokens, page)
    on_page = [_on_page(tokens, page) for tokens in seed.paragraph_tokens]
    where = seed.token_paragraphs
    last = SHINGLE_SIZE - 1
    left_out = [
        index for index, hit in enumerate(found)
        if not hit and where[index] != where[index + last]
        and all(on_page[where[index] : where[index + last] + 1])
    ]
    return _counted_share(found, left_out)


def _absent_paragraphs(text: _Text, *others: _Text) -> tuple[str, ...]:
    """``text``'s paragraphs found in none of ``others``."""
    return tuple(
        paragraph
        for paragraph, tokens in zip(text.paragraphs, text.paragraph_tokens)
        if len(tokens) >= MIN_PARAGRAPH_TOKENS
        and all(_containment(tokens, other) < PARAGRAPH_PRESENT for other in others)
    )


def similarity(seed_text: str, other_text: str) -> float:
    """Share of the seed copy's word 4-shingles found in the other text (0..1)."""
    seed, other = _prepare_pair(seed_text, other_text)
    return _seed_containment(seed, other)


def text_verdict(similarity: float) -> TextVerdict:
    """The verdict for a similarity; thresholds in the module doc."""
    if similarity >= UNCHANGED:
        return TextVerdict.UNCHANGED
    if similarity >= EDITED:
        return TextVerdict.EDITED
    if similarity >= REWRITTEN:
        return TextVerdict.REWRITTEN
    return TextVerdict.DIFFERENT_PAGE


def compare_texts(
    seed_name: str, seed_text: str, other_name: str, other_text: str, other_visible_text: str = ""
) -> TextComparison:
    """The seed copy against the other text, with the paragraphs that differ.

    ``other_visible_text``: when the other text is a page's main text, the
    page's whole visible text. A seed shingle is then found when it is in
    either; a seed paragraph is missing only when it is in neither; added
    paragraphs still come from the main text alone.
    """
    seed_words, other_words = set(_words(seed_text)), set(_words(other_text))
    others = [_prepare(other_text, seed_words)]
    if other_visible_text.strip():
        visible = _prepare_visible(other_visible_text)
        other_words.update(visible.tokens)
        others.append(visible)
    seed = _prepare(seed_text, other_words, mend=True)
    # Found anywhere on the page: a run may go on from the main text into a
    # caption only the visible text holds.
    page = _Text((), (), tuple(token for other in others for token in other.tokens),
                 frozenset().union(*(other.shingles for other in others)))
    score = _seed_containment(seed, page)
    return TextComparison(
        seed=seed_name,
        other=other_name,
        similarity=score,
        verdict=text_verdict(score),
        missing_paragraphs=_absent_paragraphs(seed, *others),
        added_paragraphs=_absent_paragraphs(others[0], seed),
    )
