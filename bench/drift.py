"""Drift on real pages: does an unchanged page read `unchanged`, is an edit seen?

    python -m bench.drift                    # every page of ../shared/eval/dates
    python -m bench.drift --limit 100        # the first 100 pages
    python -m bench.drift --rule main        # compare with the main text only (the old rule)

No network: the pages are htmldate's evaluation set (745 real pages, many
languages), saved as gzip files. For each page with an article text (>= 600
characters of main text; 693 of them):

1. Clips. A user's copy of the page, three ways: the main text the archiver
   itself extracts (trafilatura), trafilatura in recall mode (a clipper that
   keeps more) and jusText (another algorithm, as a third-party clipper
   would be), given the page without what its markup hides, as a clipper
   working in a browser sees it. Each is compared as it is and hard-wrapped at 70 columns (35
   for wide scripts), as text copied out of a PDF is.
2. Unchanged: each clip against the page it came from. Target: >= 99% read
   `unchanged`.
3. Edited: in the page's HTML, the shortest run of consecutive clip
   paragraphs (usually one) that is >= 5% of the clip's words is replaced with
   paragraphs of another page in the same language; the page is extracted
   again and the clip compared with it. Target: 100% read other than
   `unchanged`, counted over the edits that took >= 5% of the clip's words
   off the page. Pages repeat text (a teaser holding the lede, a hidden copy
   for search engines): a word of a replaced paragraph that still stands in
   a run of 8 words on the edited page is not gone, and an edit left with
   < 5% gone is reported apart ("kept").

Figures are printed overall, per clip and per language (the page's
``<html lang>``, else its script, else a count of common words), with the
pages that missed, the cost of the visible text per page and of a comparison.
About 10 minutes on 2 cores.

Works with an archiver that has no visible text (``git stash`` the change):
the comparison is then with the main text only, as ``--rule main`` does.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import multiprocessing
import os
import re
import statistics
import textwrap
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import justext
import trafilatura
from lxml import etree

from archiver.analysis import extract
from archiver.analysis.compare import compare_texts

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_PAGES = PROJECT.parent / "shared" / "eval" / "dates"

MIN_ARTICLE_CHARS = 600  # non-space characters of main text: shorter pages are not articles
MIN_CLIP_CHARS = 300
EDIT_SHARE = 0.05
WRAP = 70
WIDE_WRAP = 35
CLIPS = ("main", "recall", "justext")

# Words common in one language and rare in the others, for pages that do not say.
COMMON_WORDS = {
    "de": {"der", "die", "und", "nicht", "ist", "mit", "auch", "sich", "dem", "wir"},
    "en": {"the", "and", "of", "is", "that", "with", "was", "for", "this", "are"},
    "fr": {"le", "les", "et", "est", "une", "dans", "pour", "pas", "qui", "sur"},
    "es": {"el", "los", "las", "y", "que", "una", "por", "con", "para", "del"},
    "it": {"il", "della", "che", "di", "una", "per", "sono", "gli", "anche", "nel"},
}
JUSTEXT_LANGUAGES = {
    "de": "German", "en": "English", "fr": "French", "es": "Spanish", "it": "Italian",
    "pl": "Polish", "fi": "Finnish", "no": "Norwegian_Bokmal", "id": "Indonesian", "vi": "Vietnamese",
}
_HTML_LANG = re.compile(r"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.I)


# --- phase 1: each page's texts and clips ---------------------------------------------------


@dataclass
class Page:
    url: str
    file: str
    lang: str = "?"
    main: str = ""
    visible: str = ""
    clips: dict[str, str] = field(default_factory=dict)
    facts_ms: float = 0.0
    visible_ms: float | None = None  # None: this archiver has no visible text
    error: str | None = None


def read_html(path: Path) -> str:
    return extract.html_text(gzip.decompress(path.read_bytes()), None)


def language(html: str, text: str) -> str:
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    match = _HTML_LANG.search(html[:20_000])
    if match:
        return match.group(1).lower()[:2]
    if re.search(r"[\uac00-\ud7a3]", text):
        return "ko"
    if len(re.findall(r"[\u4e00-\u9fff]", text)) > 100:
        return "zh"
    words = collections.Counter(re.findall(r"\w+", text.lower()))
    votes = {lang: sum(words[w] for w in common) for lang, common in COMMON_WORDS.items()}
    best = max(votes, key=lambda lang: votes[lang])
    return best if votes[best] >= 10 else "?"


def recall_clip(html: str) -> str:
    text = trafilatura.extract(html, favor_recall=True, include_comments=False) or ""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


# What Readability (behind most browser clippers) takes for hidden
# (_isProbablyVisible): the hidden attribute, aria-hidden="true", an inline
# display:none or visibility:hidden.
_HIDDEN = etree.XPath(
    "//*[@hidden or @aria-hidden='true'"
    " or contains(translate(translate(@style, ' ', ''), 'DISPLAYNOEVIBT', 'displaynoevibt'), 'display:none')"
    " or contains(translate(translate(@style, ' ', ''), 'DISPLAYNOEVIBT', 'displaynoevibt'), 'visibility:hidden')]"
)


def without_hidden(html: str) -> str:
    """The page as a browser clipper reads it: what the markup hides is gone.

    jusText reads the HTML as it is, so alone it would clip cookie banners,
    comment forms and "Thank you for signing up!" boxes that the page only
    shows on demand, which no reader saw and no clipper working in a
    browser keeps.
    """
    tree = trafilatura.load_html(html)
    if tree is None:
        return html
    for element in _HIDDEN(tree):
        if element.getparent() is not None:
            element.drop_tree()
    return etree.tostring(tree, encoding="unicode", method="html")


def justext_clip(html: str, lang: str) -> str:
    html = without_hidden(html)
    if lang in JUSTEXT_LANGUAGES:
        stoplist = justext.get_stoplist(JUSTEXT_LANGUAGES[lang])
    else:
        stoplist = frozenset(w for name in justext.get_stoplists() for w in justext.get_stoplist(name))
    paragraphs = justext.justext(html.encode("utf-8"), stoplist, encoding="utf-8")
    return "\n\n".join(p.text.strip() for p in paragraphs if not p.is_boilerplate and p.text.strip())


def chars(text: str) -> int:
    return len("".join(text.split()))


# A character of Chinese, Japanese or Thai counts as a word, as it is a token
# (a bigram) of the comparison; URLs count for nothing, as they are dropped.
_UNSPACED = "\u0e00-\u0eff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(f"[{_UNSPACED}]|(?:(?![{_UNSPACED}])[^\\W_])+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)


def words(text: str) -> int:
    """The size of a text as the comparison sees it: words, or characters of unspaced scripts."""
    return len(_WORD.findall(_URL.sub(" ", text)))


def read_page(root: Path, url: str, file: str) -> Page:
    page = Page(url, file)
    try:
        html = read_html(root / file)
        started = time.perf_counter()
        facts = extract.page_facts(html, url)
        page.facts_ms = (time.perf_counter() - started) * 1000
        page.main, page.visible = facts.text, getattr(facts, "visible_text", "")
        if hasattr(extract, "visible_text"):
            tree = trafilatura.load_html(html)
            started = time.perf_counter()
            extract.visible_text(tree)
            page.visible_ms = (time.perf_counter() - started) * 1000
        page.lang = language(html, page.main)
        if chars(page.main) < MIN_ARTICLE_CHARS:
            return page
        clips = {"main": page.main, "recall": recall_clip(html), "justext": justext_clip(html, page.lang)}
        page.clips = {name: clip for name, clip in clips.items() if chars(clip) >= MIN_CLIP_CHARS}
    except Exception as error:  # noqa: BLE001 - one odd page must not stop the bench
        page.error = f"{type(error).__name__}: {error}"
    return page


# --- phase 2: unchanged and edited --------------------------------------------------------


def is_wide(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in letters)
    return wide > len(letters) / 2


def hard_wrapped(clip: str) -> str:
    """The clip as copied out of a PDF: every paragraph wrapped, words cut when too long."""
    paragraphs = clip.split("\n\n")
    return "\n\n".join(textwrap.fill(p, WIDE_WRAP if is_wide(p) else WRAP) for p in paragraphs)


def normalised(text: str) -> str:
    return " ".join(text.split())


# A replaced paragraph's word counts as still on the page when it stands in
# a run of this many consecutive words of the paragraph that the edited page
# (main or visible text) holds: no common phrase is that long. A shorter
# paragraph (a title, a dateline) is still there when all of it is.
RUN_WORDS = 8


def word_list(text: str) -> list[str]:
    return _WORD.findall(_URL.sub(" ", text.lower().replace("\u00ad", "")))


class WordRuns:
    """The runs of RUN_WORDS consecutive words of a text, and the text's words in a row."""

    def __init__(self, *texts: str) -> None:
        lists = [word_list(text) for text in texts]
        self.runs = {tuple(found[i : i + RUN_WORDS]) for found in lists
                     for i in range(len(found) - RUN_WORDS + 1)}
        self.joined = "".join(f" {' '.join(found)} \n" for found in lists)

    def share_of(self, paragraph: str) -> float:
        """Share of the paragraph's words standing in a run found here (a shorter paragraph: whole)."""
        found = word_list(paragraph)
        if len(found) < RUN_WORDS:
            return 1.0 if found and f" {' '.join(found)} " in self.joined else 0.0
        covered = [False] * len(found)
        for i in range(len(found) - RUN_WORDS + 1):
            if tuple(found[i : i + RUN_WORDS]) in self.runs:
                covered[i : i + RUN_WORDS] = [True] * RUN_WORDS
        return sum(covered) / len(found)


def edit_span(paragraphs: list[str]) -> tuple[int, int] | None:
    """The shortest run of consecutive paragraphs that is >= 5% of the words (earliest of equals)."""
    total = sum(map(words, paragraphs))
    best = None
    for start in range(len(paragraphs)):
        size = 0
        for end in range(start, len(paragraphs)):
            size += words(paragraphs[end])
            if size >= EDIT_SHARE * total:
                if best is None or size < best[0]:
                    best = (size, start, end + 1)
                break
    return (best[1], best[2]) if best else None


def elements_holding(tree: etree._Element, paragraph: str) -> list[etree._Element]:
    """The innermost elements whose whole text is the paragraph.

    All of them: a site that edits a paragraph (a title, a lede) edits it
    where its CMS shows it again (a teaser, a breadcrumb) as well.
    """
    wanted = normalised(paragraph)
    found = [
        element for element in tree.iter()
        if isinstance(element.tag, str) and element.tag not in ("html", "body", "head", "title")
        and normalised(element.text_content()) == wanted
    ]
    holders = set(found)
    return [e for e in found if not any(d in holders for d in e.iterdescendants())]


def edited_html(html: str, old: list[str], new: list[str]) -> str | None:
    """The page with the old paragraphs' elements holding the new text; None if one is not found."""
    tree = trafilatura.load_html(html)
    if tree is None:
        return None
    found = [elements_holding(tree, paragraph) for paragraph in old]
    if not all(found):
        return None
    for elements, text in zip(found, new):
        for element in elements:
            for child in list(element):
                element.remove(child)  # its tail goes with it: the text is all the new one's
            element.text = text
    return etree.tostring(tree, encoding="unicode", method="html")


def donor_text(pages: list[Page], index: int) -> str:
    """The main text of another article in the same language (any, if it is the only one)."""
    page = pages[index]
    others = [p for p in pages if p.clips and p.url != page.url]
    same = [p for p in others if p.lang == page.lang] or others
    return same[index % len(same)].main


def closest_paragraphs(text: str, sizes: list[int]) -> list[str]:
    candidates = [p for p in text.split("\n\n") if words(p) >= 4]
    return [min(candidates, key=lambda p: abs(words(p) - size)) for size in sizes]


@dataclass
class Outcome:
    url: str
    lang: str
    clip: str
    wrapped: bool
    test: str  # "unchanged", "edited", or "kept": edited, but some of the old text stays on the page
    similarity: float
    verdict: str
    note: str = ""
    replaced: float = 0.0  # share of the clip's words replaced (edited pages)
    removed: float = 0.0  # of which gone from the page: not in a run of RUN_WORDS words still on it
    ms: float = 0.0  # the comparison's time

    @property
    def passed(self) -> bool:
        return (self.verdict == "unchanged") == (self.test == "unchanged")


def compare(clip: str, main: str, visible: str, rule: str) -> tuple[float, str, float]:
    # The old API has no visible text: leave the argument out.
    extra = (visible,) if rule == "both" and visible else ()
    started = time.perf_counter()
    result = compare_texts("clip", clip, "live", main, *extra)
    return result.similarity, result.verdict, (time.perf_counter() - started) * 1000


def evaluate(root: Path, page: Page, donor: str, rule: str) -> tuple[list[Outcome], list[str]]:
    outcomes, skipped = [], []
    html = read_html(root / page.file)
    for name, clip in page.clips.items():
        variants = ((False, clip), (True, hard_wrapped(clip)))
        for wrapped, seed in variants:
            score, verdict, ms = compare(seed, page.main, page.visible, rule)
            outcomes.append(Outcome(page.url, page.lang, name, wrapped, "unchanged", score, verdict, ms=ms))
        paragraphs = clip.split("\n\n")
        span = edit_span(paragraphs)
        if span is None:
            skipped.append(f"{page.url} [{name}]: no paragraphs")
            continue
        old = paragraphs[span[0] : span[1]]
        new = closest_paragraphs(donor, [words(p) for p in old])
        changed = edited_html(html, old, new)
        if changed is None:
            skipped.append(f"{page.url} [{name}]: the paragraph to replace is not one element's text")
            continue
        facts = extract.page_facts(changed, page.url)
        visible = getattr(facts, "visible_text", "")
        total = sum(map(words, paragraphs))
        share = sum(map(words, old)) / total
        # Where the old text still is: a copy outside the replaced elements (a
        # teaser holding the lede, a hidden copy for search engines, a link
        # holding the title) keeps it on the page, and then it was not replaced.
        on_page = WordRuns(facts.text, visible)
        removed = sum(words(o) * (1 - on_page.share_of(o)) for o in old) / total
        still = [place for place, text in (("main text", facts.text), ("visible text", visible))
                 if any(normalised(o) in normalised(text) for o in old)]
        where = f"; old text still in the {' and '.join(still)}" if still else ""
        if removed < share:
            where += f"; {removed:.1%} of the clip's words gone from the page"
        for wrapped, seed in variants:
            score, verdict, _ = compare(seed, facts.text, visible, rule)
            # The target counts the edits that took >= 5% of the clip's text off the page.
            test = "edited" if removed >= EDIT_SHARE else "kept"
            outcomes.append(Outcome(page.url, page.lang, name, wrapped, test, score, verdict,
                                    f"{len(old)} paragraph(s), {share:.1%} of the clip's words{where}",
                                    share, removed=removed))
    return outcomes, skipped


# --- running and reporting ------------------------------------------------------------------


def pool_map(function, items, workers: int):
    if workers <= 1:
        return [function(*item) for item in items]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(function, *zip(*items), chunksize=4))


def share(outcomes: list[Outcome], test: str) -> str:
    picked = [o for o in outcomes if o.test == test]
    if not picked:
        return "—"
    passed = sum(o.passed for o in picked)
    return f"{passed / len(picked):.1%} ({passed}/{len(picked)})"


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return (f"median {statistics.median(ordered):.2f}, mean {statistics.mean(ordered):.2f}, "
            f"p90 {p90:.2f}, max {ordered[-1]:.2f}")


def report(pages: list[Page], outcomes: list[Outcome], skipped: list[str], rule: str) -> None:
    articles = [p for p in pages if p.clips]
    if not any(p.visible for p in pages):
        print("rule: main text only (this archiver has no visible text)")
    else:
        print(f"rule: {'main text or visible text, the higher' if rule == 'both' else 'main text only'}")
    print(f"pages: {len(pages)} read, {sum(p.error is not None for p in pages)} failed, "
          f"{len(articles)} with >= {MIN_ARTICLE_CHARS} characters of main text")
    print(f"edits not made: {len(skipped)} (a paragraph to replace that is not one element's whole text)")
    print()
    print(f"unchanged pages read `unchanged`: {share(outcomes, 'unchanged')}   (target >= 99%)")
    print(f"edited pages (>= 5% replaced) detected: {share(outcomes, 'edited')}   (target 100%)")
    print(f"edits that left some of the old text on the page (< 5% of the clip gone from it), "
          f"detected: {share(outcomes, 'kept')}   (not in the target: the paragraph was not replaced "
          f"wherever the page shows it)")
    print()
    print("| clip | form | unchanged | edited, detected |")
    print("|---|---|---|---|")
    for clip in CLIPS:
        for wrapped in (False, True):
            picked = [o for o in outcomes if o.clip == clip and o.wrapped == wrapped]
            form = "hard-wrapped" if wrapped else "as extracted"
            print(f"| {clip} | {form} | {share(picked, 'unchanged')} | {share(picked, 'edited')} |")
    print()
    print("| words replaced | edited, detected |")
    print("|---|---|")
    for low, high in ((0.05, 0.055), (0.055, 0.06), (0.06, 0.08), (0.08, 1.01)):
        picked = [o for o in outcomes if o.test == "edited" and low <= o.replaced < high]
        label = f">= {low:.1%}" if high > 1 else f"{low:.1%} to {high:.1%}"
        print(f"| {label} | {share(picked, 'edited')} |")
    print()
    print("| language | pages | unchanged | edited, detected |")
    print("|---|---|---|---|")
    by_lang = collections.Counter(p.lang for p in articles)
    for lang, count in by_lang.most_common():
        picked = [o for o in outcomes if o.lang == lang]
        print(f"| {lang} | {count} | {share(picked, 'unchanged')} | {share(picked, 'edited')} |")
    print()
    facts_ms = [p.facts_ms for p in pages if p.error is None]
    visible_ms = [p.visible_ms for p in pages if p.visible_ms is not None]
    if facts_ms:
        print(f"page facts (whole extraction), ms per page: {percentiles(facts_ms)}")
    if visible_ms:
        print(f"of which the visible text, ms per page: {percentiles(visible_ms)} "
              f"({sum(visible_ms) / sum(facts_ms):.1%} of the total)")
    compare_ms = [o.ms for o in outcomes if o.test == "unchanged" and o.clip == "main" and not o.wrapped]
    if compare_ms:
        print(f"comparing the main-text clip with the page, ms per seed: {percentiles(compare_ms)}")
    misses = [o for o in outcomes if not o.passed]
    if misses:
        print()
        print("misses:")
        for o in sorted(misses, key=lambda o: (o.test, o.lang, o.url, o.clip, o.wrapped)):
            form = "wrapped" if o.wrapped else "plain"
            print(f"  {o.test:9} {o.lang:2} {o.clip:7} {form:7} {o.similarity:.3f} {o.verdict:14} "
                  f"{o.url} {o.note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES,
                        help="folder holding gold.json and pages/ (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rule", choices=("both", "main"), default="both",
                        help="compare with main and visible text (default) or the main text only")
    args = parser.parse_args(argv)
    gold_path = args.pages / "gold.json"
    if not gold_path.is_file():
        parser.error(f"{gold_path} not found: pass --pages with the folder of htmldate's evaluation pages")
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    items = sorted(gold.items())[: args.limit]
    pages = pool_map(read_page, [(args.pages, url, entry["file"]) for url, entry in items], args.workers)
    articles = [i for i, p in enumerate(pages) if p.clips]
    jobs = [(args.pages, pages[i], donor_text(pages, i), args.rule) for i in articles]
    results = pool_map(evaluate, jobs, args.workers)
    outcomes = [o for found, _ in results for o in found]
    skipped = [s for _, missed in results for s in missed]
    report(pages, outcomes, skipped, args.rule)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
