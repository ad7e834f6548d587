"""A web page's publication date, and the markup it was read from.

The one module that uses htmldate's internals (its package exports only
find_date, which answers a string and not where it found it); the version is
pinned below its next minor release in pyproject.toml.

Where a date is read, in order (the first that answers wins):

1. The page's declared publication date ("meta", "json-ld"): the <meta>
   tags htmldate knows (article:published_time, parsely-pub-date, ...) in
   page order, as htmldate reads them; itemprop="datePublished"; JSON-LD
   datePublished; the RDF block blog engines write in an HTML comment
   (dc:date). It says what the URL serves now, so it wins over the URL.
2. A date in the path of the page's address ("url"): the URL it was fetched
   from, else its canonical or og:url link, the address the page states.
3. A date shown on the page ("time", "text"): a <time> element or an element
   named as a date or byline, in page order, outside the regions that date
   something else (see _Layout): the site's header and navigation (today's
   date), readers' comments, lists of other articles, sidebars, hidden parts.
4. A generic <meta name="date"> or Dublin Core date, when it is all the page
   declares: it says "a date", and CMSs fill it with the last change.
5. htmldate's search of the page's text, on a copy without those regions.

A day is read in the offset its timestamp is written in: no conversion, so
"2020-12-06T00:15:00+01:00" is the 6th. A timestamp written in UTC near
midnight gives way to the day the page shows next to it (_local_day). A year
alone is not a day: htmldate's January 1 of a copyright year, or of any year
on the page, leaves the page undated (_searched).
"""

from __future__ import annotations

import copy
import datetime
import itertools
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import htmldate
from dateutil.parser import UnknownTimezoneWarning
from htmldate.core import DATE_ATTRIBUTES
from htmldate.extractors import extract_url_date, try_date_expr
from htmldate.utils import Extractor
from htmldate.validators import get_max_date, get_min_date
from lxml import etree
from lxml.html import HtmlElement, tostring

DATE_FORMAT = "%Y-%m-%d"

# Names that say "a date" without saying which: CMSs fill them with the last
# change as often as with the publication.
_GENERIC_META = frozenset({"date", "dc.date", "dc:date", "dcterms.date", "meta", "timestamp"})
_ITEMPROP_PUBLISHED = frozenset({"datepublished", "datecreated"})
_ITEMPROP_DATE = re.compile(r"itemprop\s*=\s*[\"']?date(?:Published|Created)")

# ISO 8601, read as written: the day is the one in the timestamp's own offset.
_ISO_STAMP = re.compile(
    r"\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE,
)
_ZERO_OFFSET = re.compile(r"Z|UTC|GMT|[+-]00(?::?00)?", re.IGNORECASE)

_JSON_LD_DATE = re.compile(r'"date(Published|Created)"\s*:\s*"([^"]{6,64})"')
_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
_RDF_DATE = re.compile(r"""dc:date\s*=\s*["']([^"']{6,64})|<dc:date>\s*([^<]{6,64})<""", re.IGNORECASE)

_TITLE_SEPARATOR = re.compile(r"\s+[|–—:»·-]+\s+")
# Elements that show a date: <time>, and elements whose class, id or itemprop
# names a date or a byline (htmldate's cues).
_MAY_SHOW_DATE = etree.XPath(".//time | .//*[@class or @id or @itemprop]")
# Elements that may be a region apart (see _Layout.apart): the rest are not.
_MAY_BE_APART = etree.XPath(
    ".//*[@class or @id or @hidden or @aria-hidden or @style or self::header or self::nav or self::aside"
    " or self::menu or self::blockquote or self::select or self::template]"
)
_DATE_NAMED = re.compile(r"date|datum|time|publish|byline|posted|meta|submitted|fecha", re.IGNORECASE)
# A shown date is read from the start of the element's text, as htmldate does.
_SHOWN_TEXT_LENGTH = 52
_TRAILING_NON_DIGITS = re.compile(r"\D+$")

# Regions of a page whose dates are not the page's, by tag or by class/id:
# the site's frame (navigation, header bar with today's date, tickers),
# readers' comments, lists of other articles, sidebars and widgets, embedded
# posts. ("teaser" is not one: sites name their article's own lead so.)
_ELSEWHERE_TAGS = frozenset({"nav", "aside", "menu", "blockquote", "select", "template"})
_ELSEWHERE = re.compile(
    r"comment|kommentar|disqus|(?<![a-z])repl(?:y|ies)|"
    r"related|recommend|popular|trending|most-?read|read-?next|more-?stories|"
    r"sidebar|widget|"
    r"(?<![a-z])nav|nav(?![a-z])|navigation|menu|breadcrumb|masthead|site-?header|top-?bar|toolbar|"
    r"ticker|weather|carousel|slider|current-?(?:time|date)|(?<![a-z])today(?![a-z])"
)
# The visit's time in a page's header: "Aktuelle Zeit: 14.10.2020, 12:18",
# "It is currently Wed Oct 14, 2020", "Heute ist ...".
_NOW_LABEL = re.compile(
    r"(?:it is currently|current (?:time|date)|today is|aktuelle[sr]? (?:zeit|datum)|heute ist|"
    r"date et heure actuelles|nous sommes le|fecha actual|hora actual|data attuale)",
    re.IGNORECASE,
)
# Hidden for everyone ("hidden-xs" hides on small screens only).
_HIDDEN = frozenset({"hidden", "hide", "d-none", "invisible", "is-hidden"})
_TOPIC_PREFIXES = ("tag-", "category-", "tags-", "cat-", "topic-")

# "© 2018-2024", "Copyright (c) 2019", itemprop="copyrightYear" content="2019",
# "copyrightYear": 2019: the last year named.
_COPYRIGHT_YEAR = re.compile(
    r"(?:©|&copy;|\bcopyright(?:year)?\b|\(c\))\D{0,40}?(?:\d{4}\s*[-–]\s*)?(\d{4})(?!\d)", re.IGNORECASE
)


# UTC hours that may be another day where the page was written (see _local_day).
_EVENING_BEFORE, _MORNING_AFTER = 6, 22
# "2017/01", "01.2017": a month, not a day (read as its first by htmldate).
_MONTH_ONLY = re.compile(r"\D*(?:\d{4}[/.-]\d{1,2}|\d{1,2}[/.-]\d{4})\D*")


@dataclass(frozen=True, slots=True)
class Stamp:
    """One date read from one place in a page."""

    day: datetime.date
    source: str
    # The hour of a timestamp written in UTC: the page's own day may be the
    # one before (early hours) or after (late hours).
    utc_hour: int | None = None


def _bounds() -> Extractor:
    # htmldate's window: 1995-01-01 to the end of today.
    return Extractor(True, get_max_date(None), get_min_date(None), True, DATE_FORMAT)


def read_stamp(value: str | None, source: str, options: Extractor | None = None) -> Stamp | None:
    """The day a date or timestamp string names, in the offset it is written in."""
    if not value:
        return None
    options = options or _bounds()
    match = _ISO_STAMP.match(value)
    if match:
        try:
            day = datetime.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
        if not options.min.date() <= day <= options.max.date():
            return None
        utc = match[4] is not None and match[5] is not None and _ZERO_OFFSET.fullmatch(match[5])
        return Stamp(day, source, int(match[4]) if utc else None)
    if _MONTH_ONLY.fullmatch(value):
        return None
    # Everything else ("6. Dezember 2020", "Dec 6, 2020 12:15 pm EST"):
    # htmldate's reader, which keeps the written day too.
    found = try_date_expr(value, DATE_FORMAT, options.extensive, options.min, options.max)
    return Stamp(datetime.date.fromisoformat(found), source) if found else None


# --- the page's declared date ---------------------------------------------------------


def _meta_stamps(tree: HtmlElement, options: Extractor) -> Iterator[tuple[Stamp, bool]]:
    """(stamp, generic) for each <meta> publication date, in page order, as htmldate reads them."""
    for meta in tree.iter("meta"):
        value = meta.get("content") or meta.get("datetime")
        if not value:
            continue
        # htmldate's precedence among the attributes that name a meta tag
        if (name := meta.get("name")) is not None or (name := meta.get("property")) is not None:
            name = name.lower()
            published = name in DATE_ATTRIBUTES
        elif (name := meta.get("itemprop")) is not None:
            name = name.lower()
            published = name in _ITEMPROP_PUBLISHED
            value = meta.get("datetime") or value
        elif meta.get("pubdate", "").lower() == "pubdate":
            name, published = "pubdate", True
        else:
            name = (meta.get("http-equiv") or "").lower()
            published = name == "date"
        if published and (stamp := read_stamp(value, "meta", options)):
            yield stamp, name in _GENERIC_META


def _itemprop_stamps(tree: HtmlElement, html: str | None, options: Extractor) -> Iterator[Stamp]:
    # microdata outside <meta>: <span itemprop="datePublished" content=...>
    if html is not None and not _ITEMPROP_DATE.search(html):
        return  # the search below walks the whole tree
    for element in tree.xpath("//*[@itemprop='datePublished' or @itemprop='dateCreated'][not(self::meta)]"):
        for value in (element.get("content"), element.get("datetime"), element.text_content()):
            if stamp := read_stamp(value, "meta", options):
                yield stamp
                break


def _json_ld_stamps(tree: HtmlElement, options: Extractor) -> Iterator[Stamp]:
    # A regex, not json.loads, as htmldate does: sites ship JSON-LD with
    # trailing commas and raw newlines. datePublished before dateCreated.
    found = [
        match.groups()
        for script in tree.iter("script")
        if "ld+json" in script.get("type", "")
        for match in _JSON_LD_DATE.finditer(script.text or "")
    ]
    for kind in ("Published", "Created"):
        for _, value in (f for f in found if f[0] == kind):
            if stamp := read_stamp(value, "json-ld", options):
                yield stamp


def _comment_stamps(html: str | None, options: Extractor) -> Iterator[Stamp]:
    # The parsed tree has no comments; the one kind worth reading is the RDF
    # block blog engines write there for trackbacks, with the entry's dc:date.
    if not html or "rdf:RDF" not in html:
        return
    for comment in _COMMENT.finditer(html):
        if "rdf:RDF" in comment[1]:
            for match in _RDF_DATE.finditer(comment[1]):
                if stamp := read_stamp(match[1] or match[2], "meta", options):
                    yield stamp


# --- the page's address ----------------------------------------------------------------------


@lru_cache(maxsize=65536)
def url_date(url: str | None) -> datetime.date | None:
    """A date in a URL path such as /2020/02/06/, as htmldate reads it.

    Asked of htmldate's URL reader directly: find_date() on an empty document
    gives the same answer 13 times slower, and an analysis asks for every link.
    """
    if not url:
        return None
    found = extract_url_date(url, _bounds())
    return datetime.date.fromisoformat(found) if found else None


def _address_stamps(tree: HtmlElement, url: str | None) -> Iterator[Stamp]:
    if day := url_date(url):
        yield Stamp(day, "url")
    for element in tree.iter("link", "meta"):
        if element.tag == "link" and element.get("rel") == "canonical":
            link = element.get("href")
        elif element.tag == "meta" and "og:url" in (element.get("property"), element.get("name")):
            link = element.get("content")
        else:
            continue
        if day := url_date(link):
            yield Stamp(day, "url")


# --- dates shown on the page ----------------------------------------------------------------


def _names(element: HtmlElement) -> list[str]:
    """The element's class names and id, lower case, without topic classes.

    WordPress and others name an article's topics in its classes ("tag-menu",
    "category-comments"): those describe the content, not the region.
    """
    names = f"{element.get('class', '')} {element.get('id', '')}".lower().split()
    return [n for n in names if not n.startswith(_TOPIC_PREFIXES)]


def _hidden(element: HtmlElement) -> bool:
    return (any(n in _HIDDEN for n in _names(element)) or element.get("hidden") is not None
            or element.get("aria-hidden") == "true"
            or "display:none" in element.get("style", "").replace(" ", ""))


def _headline(tree: HtmlElement, body: HtmlElement) -> HtmlElement | None:
    """The article's headline: the first heading that the page's title names.

    Titles add the site's name ("Headline | Site"): the longest part counts.
    Without such a heading, the longest <h1> of three words or more (a logo's
    is shorter).
    """
    title = tree.xpath("string(//meta[@property='og:title']/@content)") or tree.findtext(".//title") or ""
    title = max(_TITLE_SEPARATOR.split(" ".join(title.split()).lower()), key=len)
    longest, longest_length = None, 0
    for heading in body.iter("h1", "h2", "h3"):
        text = " ".join(heading.text_content().split()).lower()
        if len(title) >= 10 and len(text) >= 10 and (title in text or text in title):
            return heading
        if heading.tag == "h1" and len(text) > longest_length and len(text.split()) >= 3:
            longest, longest_length = heading, len(text)
    return longest


class _Layout:
    """Which parts of a page are its article, and which date something else."""

    def __init__(self, tree: HtmlElement) -> None:
        body = tree.find("body")
        self.body = body if body is not None else tree
        self._body_length: int | None = None
        self.headline = _headline(tree, self.body)
        # The headline's ancestors are the article's, whatever their names.
        self._headline_path = {self.headline, *self.headline.iterancestors()} if self.headline is not None else set()
        self._article = next(self.headline.iterancestors("article"), None) if self.headline is not None else None
        self._wrappers: dict[HtmlElement, bool] = {}
        self._apart: dict[HtmlElement, bool] = {}

    def _wrapper(self, element: HtmlElement) -> bool:
        """A region named like a side one that holds the article: a layout box ("has-sidebar")."""
        if element in self._headline_path:
            return True
        if element not in self._wrappers:
            if self._body_length is None:
                self._body_length = len(self.body.text_content())
            self._wrappers[element] = 2 * len(element.text_content()) > self._body_length
        return self._wrappers[element]

    def side_region(self, element: HtmlElement) -> bool:
        """Whether the element is a region that dates something other than the page."""
        if element.tag == "header":
            # A <header> without the headline, outside any article: the site's
            # (logo, navigation, today's date).
            return (self.headline is not None and element not in self._headline_path
                    and next(element.iterancestors("article"), None) is None)
        names = _names(element)
        if not (element.tag in _ELSEWHERE_TAGS or any(_ELSEWHERE.search(n) for n in names)):
            return False
        # An <aside> or sidebar inside the headline's <article> is the article's
        # margin (its date, credits), not the site's.
        if (self._article is not None and (element.tag == "aside" or any("sidebar" in n for n in names))
                and self._article in element.iterancestors()):
            return False
        return not self._wrapper(element)

    def apart(self, element: HtmlElement) -> bool:
        """A side region, or a hidden one: what it dates is not the page the reader sees."""
        if element not in self._apart:
            self._apart[element] = self.side_region(element) or (_hidden(element) and not self._wrapper(element))
        return self._apart[element]

    def elsewhere(self, element: HtmlElement) -> bool:
        """Whether a date element sits in a region that dates something other than the page."""
        if any(_ELSEWHERE.search(n) for n in _names(element)):
            return True
        for ancestor in element.iterancestors():
            # The page's own classes describe its layout ("has-sidebar"), not a region.
            if ancestor.tag in ("body", "html"):
                return False
            if self.apart(ancestor):
                return True
        return False


def _head_text(element: HtmlElement) -> str:
    """The first words of an element's text, spaces collapsed."""
    parts, length = [], 0
    for text in element.itertext():
        parts.append(text)
        length += len(text)
        if length > 4 * _SHOWN_TEXT_LENGTH:
            break
    return " ".join(" ".join(parts).split())[:_SHOWN_TEXT_LENGTH]


def _time_stamp(element: HtmlElement, text: str, options: Extractor) -> Stamp | None:
    shown = read_stamp(text, "time", options) if len(text) > 6 else None
    machine = read_stamp(element.get("datetime"), "time", options)
    # The datetime attribute, unless written in UTC and the text the reader
    # sees names the day next to it: that is the local day.
    if machine and shown and machine.utc_hour is not None and abs((machine.day - shown.day).days) == 1:
        return shown
    return machine or shown


def _shown_stamps(tree: HtmlElement, layout: _Layout, options: Extractor) -> Iterator[Stamp]:
    """Dates shown on the page outside side regions, in page order."""
    for element in _MAY_SHOW_DATE(tree):
        if element.tag != "time" and not _DATE_NAMED.search(
                f"{element.get('class', '')} {element.get('id', '')} {element.get('itemprop', '')}"):
            continue
        if element.tag != "time" and element.find(".//time") is not None:
            continue  # a byline holding a <time>: the <time> element speaks for it, next
        text = _head_text(element)
        # "Aktuelle Zeit: 14.10.2020, 12:18": the visit's time, forum software's header
        if _NOW_LABEL.match(text):
            continue
        if element.tag == "time":
            stamp = _time_stamp(element, text, options)
        else:
            stamp = None
            if len(text) > 6:
                stamp = read_stamp(_TRAILING_NON_DIGITS.sub("", text), "text", options)
            stamp = stamp or read_stamp(element.get("title"), "text", options)
        if stamp and not layout.elsewhere(element):
            yield stamp


# --- htmldate's text search ------------------------------------------------------------------


_MONTH_VALUED = etree.XPath("//meta[@content] | //*[@datetime]")


def _pruned(tree: HtmlElement) -> HtmlElement:
    """A copy of the page without the regions that date something else."""
    pruned = copy.deepcopy(tree)
    layout = _Layout(pruned)
    doomed = [e for e in _MAY_BE_APART(layout.body) if layout.apart(e)]
    # A month alone ("2017/01") in a meta tag or a datetime attribute:
    # htmldate hands it to dateutil, which fills in today's day of the month
    # (2017-01-02 on the 2nd). Read above already, and not a day.
    doomed += [e for e in _MONTH_VALUED(pruned)
               if any(_MONTH_ONLY.fullmatch(e.get(name) or "-") for name in ("content", "datetime"))]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    return pruned


def _searched(tree: HtmlElement, html: str | None) -> Stamp | None:
    # url="": the address was read above; htmldate would take the canonical link's.
    found = htmldate.find_date(_pruned(tree), url="", original_date=True, extensive_search=True,
                               outputformat=DATE_FORMAT)
    if not found:
        return None
    day = datetime.date.fromisoformat(found)
    # htmldate's last resorts make a day of a year alone: January 1 of the
    # copyright notice's year, or of any year on the page. Kept only when
    # the page shows that day in full and it is not a copyright year.
    if (day.month, day.day) == (1, 1):
        source = html if html is not None else tostring(tree, encoding="unicode")
        if day.year in copyright_years(source) or not _new_year(day.year).search(source):
            return None
    return Stamp(day, "text")


@lru_cache(maxsize=64)
def _new_year(year: int) -> re.Pattern[str]:
    """January 1 of a year written in full: 2020-01-01, 01.01.2020, 1. Januar 2020, Jan. 1, 2020."""
    return re.compile(
        rf"{year}[-/.]0?1[-/.]0?1(?!\d)|(?<!\d)0?1[-/.]0?1[-/.]{year}"
        rf"|(?<!\d)1(?:st|er|\.)?\s*(?:of\s+)?(?:jan|jän|ene|gen)\w*\.?,?\s+{year}"
        rf"|jan\w*\.?\s+1(?:st)?,?\s+{year}",
        re.IGNORECASE,
    )


def copyright_years(html: str) -> set[int]:
    """The years of a page's copyright notices: "© 2018-2024", copyrightYear fields."""
    return {int(year) for year in _COPYRIGHT_YEAR.findall(html)}


# --- the answer -------------------------------------------------------------------------------


def _local_day(chosen: Stamp, shown: Callable[[], Iterable[Stamp]]) -> Stamp:
    """The page's own day for a timestamp written in UTC, when the page shows it.

    "2020-02-25T02:25:54Z" on a page that shows "February 24, 2020" was
    written at 21:25 in New York: the day the reader sees wins. Only the
    hours where that is likely count: the first six after midnight (the
    evening before in the Americas, UTC-3 to UTC-8) and the last two before
    it (the next morning in Europe and Africa). A date in the URL is no such
    evidence: the page's metadata wins over its URL.
    """
    if chosen.utc_hour is None or _EVENING_BEFORE <= chosen.utc_hour < _MORNING_AFTER:
        return chosen
    step = -1 if chosen.utc_hour < _EVENING_BEFORE else 1
    local = chosen.day + datetime.timedelta(days=step)
    return next((s for s in shown() if s.day == local and s.utc_hour is None), chosen)


def publication_date(tree: HtmlElement, url: str | None, html: str | None = None) -> Stamp | None:
    """The page's publication date and where it was read; None when it has none.

    ``tree`` is left as it is. ``html`` is the page's source, for what the tree
    does not keep (comments); without it they are not read. The tiers are
    read lazily: most pages answer from their <meta> tags alone.
    """
    options = _bounds()
    with warnings.catch_warnings():
        # dateutil warns about time zone names it does not know ("ZZ"); the day stands
        warnings.simplefilter("ignore", UnknownTimezoneWarning)
        metas = list(_meta_stamps(tree, options))
        # A generic date tag alone says "a date": a date shown on the page wins over it.
        specific = not all(is_generic for _, is_generic in metas)
        other_declared = itertools.chain(_itemprop_stamps(tree, html, options), _json_ld_stamps(tree, options),
                                         _comment_stamps(html, options))
        first_other = None if specific else next(other_declared, None)
        generic_only = not specific and first_other is None
        declared = [stamp for stamp, _ in metas] + ([first_other] if first_other else [])

        def tiers() -> Iterator[Stamp]:
            if declared and not generic_only:
                yield declared[0]
            yield from _address_stamps(tree, url)
            yield from _shown_stamps(tree, _Layout(tree), options)
            if declared:
                yield declared[0]

        chosen = next(tiers(), None)
        if chosen is not None:
            return _local_day(chosen, lambda: _shown_stamps(tree, _Layout(tree), options))
        return _searched(tree, html)
