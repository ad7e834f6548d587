"""From an archive index (and seeds) to a Report: the one analysis.

The report written at the end of a crawl and the one of ``scrapy audit``
both come from :func:`analyse`. Seeds are read back from the archive's
resource records and articles from its article records
(:mod:`archiver.analysis.articles`), so the archive alone is enough.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from archiver.analysis.articles import choose_articles
from archiver.analysis.compare import compare_texts, similarity, text_verdict
from archiver.analysis.completeness import CompletenessJudge
from archiver.analysis.dates import date_findings_for_page, is_after, link_date
from archiver.analysis.health import (
    ALIVE,
    Resolution,
    redirect_soft_404,
    resolve,
    url_shape,
    verdict_for,
)
from archiver.analysis.memento import LookupRequest, parse_response
from archiver.analysis.model import (
    ArchivedCopy,
    ArticleReport,
    Completeness,
    DateSource,
    IntegrityProblem,
    LinkReport,
    LinkStatus,
    PageFacts,
    PageRendering,
    RecordRef,
    Report,
    TextComparison,
    TextSource,
    WarcLocation,
    page_date_source,
)
from archiver.analysis.pages import PageJob, PageResult, examine_all
from archiver.analysis.screenshots import ScreenshotUnreadable, pixel_similarity
from archiver.analysis.titles import title_mismatch
from archiver.seeds import Article, SeedDocument, SeedError, parse_seed
from archiver.seeds.dates import date_from_url
from archiver.warc import vocab
from archiver.warc.decode import UndecodableBody
from archiver.warc.index import ArchiveIndex, Capture, RenderingRecord, url_key
from archiver.warc.reader import read_body
from archiver.warc.replaycheck import ArticleReplay
from archiver.warc.vocab import FailureKind

LIVE = "live"
# A probe page this close to a link's page means the site answers 200 to anything.
SOFT_404_SIMILARITY = 0.9


@dataclass(frozen=True)
class AnalysisOptions:
    date_grace_days: int = 1
    workers: int | None = None  # None: every core
    replay_url: str | None = None  # a pywb collection URL (ARCHIVER_REPLAY_URL), ending in "/"
    read_limit: int | None = None  # ARCHIVER_READ_MAX_SIZE; None: archiver.warc.decode's default


def seeds_from_archive(index: ArchiveIndex) -> tuple[list[SeedDocument], list[IntegrityProblem]]:
    docs: dict[str, SeedDocument] = {}
    problems = []
    for record in index.seeds:
        if record.name in docs and docs[record.name].content == record.content:
            continue  # the same seed, archived by several crawls
        try:
            docs[record.name] = parse_seed(record.name, record.content)
        except SeedError as error:
            problems.append(IntegrityProblem(record.location.filename, record.location.offset,
                                             f"archived seed {record.name} cannot be used: {error}"))
    return list(docs.values()), problems


def network_reachable(index: ArchiveIndex) -> bool:
    """False when nothing answered and names failed to resolve: the run was offline."""
    if next(iter(index.all_captures()), None) is not None:
        return True
    return not any(f.kind == FailureKind.DNS_ERROR for fs in index.failures.values() for f in fs)


def _is_page(capture: Capture) -> bool:
    content_type = (capture.header("Content-Type") or "").lower()
    return (200 <= capture.status < 300 and "html" in content_type and not capture.probe
            and capture.lookup is None and capture.requisite_of is None
            and not capture.url.endswith("/robots.txt")
            and capture.revisit_of is None)


def articles_from_pages(index: ArchiveIndex) -> list[Article]:
    """An archive without seeds: every archived HTML page is an article."""
    urls = sorted({c.url for c in index.all_captures() if _is_page(c)})
    return [Article(url=url) for url in urls]


# The browser's DOM is an article's text when it has more than this many times the words of the HTML's.
RENDERED_TEXT_RATIO = 2
# The crawl's own renderings of a page (the replay check adds its screenshots beside them).
CRAWL_RENDERINGS = (vocab.SCREENSHOT_URN, vocab.THUMBNAIL_URN, vocab.RENDERED_DOM_URN)
SCREENSHOT_READ_LIMIT = 64 << 20  # bytes of PNG: a full page screenshot is a few MB


class _Analysis:
    def __init__(self, index: ArchiveIndex, options: AnalysisOptions) -> None:
        self.index = index
        self.options = options
        self.reachable = network_reachable(index)
        self.resolutions: dict[str, Resolution] = {}
        self.pages: dict[tuple[str, int], PageResult] = {}
        self.probes: dict[tuple[str, str], list[str]] = {}  # url_shape -> the probe URLs archived for it
        self.unresolved: dict[WarcLocation, str] = {}  # revisits whose payload is nowhere to be found
        self.lookups: dict[str, list[Capture]] = {}
        # Bodies that could not be decoded, by record: integrity problems of the report.
        self.undecodable: dict[tuple[str, int], IntegrityProblem] = {}
        # Alive pages no soft-404 probe could be compared with: the report says so.
        self.unprobed: set[str] = set()
        self.judge = CompletenessJudge(index, self.resolve)
        for capture in index.all_captures():
            if capture.probe:
                self.probes.setdefault(url_shape(capture.url), []).append(capture.url)
            if capture.lookup:
                self.lookups.setdefault(url_key(capture.lookup[0]), []).append(capture)

    def resolve(self, url: str) -> Resolution:
        key = url_key(url)
        if key not in self.resolutions:
            self.resolutions[key] = resolve(url, self.index)
        return self.resolutions[key]

    def job(self, resolution: Resolution, want_links: bool = False, want_text: bool = True) -> PageJob | None:
        capture = resolution.capture
        if capture is None or not 200 <= capture.status < 300:
            return None
        payload = self.index.payload_of(capture)
        if payload is None:
            # Only a revisit has its payload elsewhere: say which, and where it was looked for.
            self.unresolved.setdefault(capture.location, self.index.unresolved_revisit(capture))
            return None
        return PageJob(str(payload[0]), payload[1], capture.url, want_links,
                       read_limit=self.options.read_limit, want_text=want_text)

    def examine(self, jobs: Iterable[PageJob | None]) -> None:
        # A page linked twice, or both a link and a probe, is examined once.
        todo = list({(j.path, j.offset): j for j in jobs
                     if j is not None and (j.path, j.offset) not in self.pages}.values())
        left = []
        for job in todo:
            ahead = self.index.examined.get((Path(job.path).name, job.offset))
            if ahead is not None and ahead.serves(job):
                self.pages[(job.path, job.offset)] = ahead.result  # the crawl's writer examined it
            else:
                left.append(job)
        self.pages.update(examine_all(left, self.options.workers))
        for job in todo:
            result = self.pages[(job.path, job.offset)]
            if result.undecodable:
                self.note_undecodable(job.path, job.offset, job.url, result.undecodable, result.too_large)

    def note_undecodable(self, path: str | Path, offset: int, url: str, reason: str,
                         too_large: bool = False) -> None:
        what = "not read" if too_large else "cannot be decoded"
        self.undecodable.setdefault((Path(path).name, offset), IntegrityProblem(
            Path(path).name, offset, f"response body of {url} {what}: {reason}"))

    def page(self, resolution: Resolution) -> PageResult:
        job = self.job(resolution)
        if job is not None:
            return self.pages.get((job.path, job.offset), PageResult())
        capture = resolution.capture
        if capture is not None and capture.location in self.unresolved:
            return PageResult(error=f"text unavailable: {self.unresolved[capture.location]}")
        return PageResult()

    def unresolved_problems(self) -> list[IntegrityProblem]:
        return [IntegrityProblem(location.filename, location.offset, reason)
                for location, reason in self.unresolved.items()]

    def probe_resolutions(self, url: str) -> list[Resolution]:
        return [self.resolve(p) for p in self.probes.get(url_shape(url), []) if url_key(p) != url_key(url)]

    def text_probes(self, url: str, resolution: Resolution) -> list[Resolution]:
        """The probes whose page text soft_404 compares with the page ``url`` led to.

        The pages on both sides need trafilatura's main text; no other
        judgement of a linked page reads it.
        """
        if resolution.status not in ALIVE or redirect_soft_404(url, resolution):
            return []
        return [probe for probe in self.probe_resolutions(url) if probe.status in ALIVE
                and not (probe.final_url and resolution.final_url
                         and url_key(probe.final_url) == url_key(resolution.final_url))]

    def soft_404(self, url: str, resolution: Resolution) -> str | None:
        if resolution.status not in ALIVE:
            return None
        evidence = redirect_soft_404(url, resolution)
        if evidence:
            return evidence
        facts = self.page(resolution).facts
        for probe in self.probe_resolutions(url):
            if probe.status not in ALIVE:
                continue
            if probe.final_url and resolution.final_url and \
                    url_key(probe.final_url) == url_key(resolution.final_url):
                return f"a random URL beside it ({probe.final_url}) lands on the same page"
            # text_probes listed this probe, so both pages were examined with their text.
            probe_facts = self.page(probe).facts
            if facts and probe_facts and facts.text.strip():
                score = similarity(facts.text, probe_facts.text)
                if score >= SOFT_404_SIMILARITY:
                    asked = probe.capture.url if probe.capture else probe.final_url
                    return (f"a random URL beside it ({asked}) answers "
                            f"{probe.http_status} with the same text (similarity {score:.2f})")
        return None

    def archived_copy(self, url: str) -> ArchivedCopy | None:
        """The web archive's answer the crawl archived for this link, if any."""
        for capture in reversed(self.lookups.get(url_key(url), [])):
            assert capture.lookup is not None  # only lookups are listed here
            target, kind, before = capture.lookup
            request = LookupRequest(url=capture.url, headers={}, kind=kind, target=target,
                                    before=datetime.date.fromisoformat(before) if before else None)
            payload = self.index.payload_of(capture)
            try:
                body = read_body(*payload, self.options.read_limit) if payload and kind == "wayback" else b""
            except UndecodableBody as error:
                assert payload is not None  # read_body was called
                self.note_undecodable(payload[0], payload[1], capture.url, str(error))
                body = b""
            except Exception:  # noqa: BLE001 - a damaged answer is no answer
                body = b""
            copy = parse_response(request, capture.status, dict(capture.headers), body, capture.url)
            if copy is not None:
                return copy
        return None

    def rendered_pages(self, originals: dict[str, Resolution]) -> dict[str, PageResult]:
        """Articles whose text scripts wrote: read from the browser's DOM instead of the HTML.

        The HTML has no article text of its own when the DOM's main text has
        more than RENDERED_TEXT_RATIO times its words (a headline alone, or nothing).
        """
        jobs: dict[str, PageJob] = {}
        for url, resolution in originals.items():
            page = self.page(resolution)
            if resolution.capture is None or (page.facts is None and (page.error or page.undecodable)):
                continue  # nothing archived, or the archived page itself is the finding
            dom = self.index.rendering(resolution.capture.url).get(vocab.RENDERED_DOM_URN)
            if dom is not None:
                jobs[url] = PageJob(str(self.index.path_of(dom.location)), dom.location.offset,
                                    resolution.capture.url, want_links=True)
        self.examine(jobs.values())
        chosen = {}
        for url, job in jobs.items():
            result = self.pages[(job.path, job.offset)]
            html = self.page(originals[url]).facts
            html_words = len(html.text.split()) if html else 0
            if result.facts and len(result.facts.text.split()) > RENDERED_TEXT_RATIO * html_words:
                chosen[url] = result
        return chosen

    def rendering(self, resolution: Resolution | None, text_from: TextSource,
                  replay: ArticleReplay | None) -> PageRendering | None:
        """The page's rendering records and the browser's failures; None when it was never rendered.

        With a replay check of the page, its screenshot and how alike it is to ours.
        """
        if resolution is None or resolution.capture is None:
            return None
        url = resolution.capture.url
        records = self.index.rendering(url)
        failures = self.index.browser_failures.get(url_key(url), [])
        if not any(prefix in records for prefix in CRAWL_RENDERINGS) and not failures:
            return None  # the replay check's screenshot alone has nothing of ours to be compared with

        def ref(prefix: str) -> RecordRef | None:
            found: RenderingRecord | None = records.get(prefix)
            return RecordRef(found.uri, found.location, found.length) if found else None

        thumbnail = records.get(vocab.THUMBNAIL_URN)
        replay_thumbnail = records.get(vocab.REPLAY_THUMBNAIL_URN)
        similarity, unavailable = self.replay_similarity(records.get(vocab.SCREENSHOT_URN),
                                                         records.get(vocab.REPLAY_SCREENSHOT_URN), replay)
        return PageRendering(
            screenshot=ref(vocab.SCREENSHOT_URN), thumbnail=ref(vocab.THUMBNAIL_URN),
            rendered_dom=ref(vocab.RENDERED_DOM_URN), text_from=text_from,
            failures=tuple((f.kind, f.message) for f in failures),
            thumbnail_jpeg=thumbnail.payload if thumbnail else None,
            replay_screenshot=ref(vocab.REPLAY_SCREENSHOT_URN), replay_similarity=similarity,
            replay_similarity_unavailable=unavailable,
            replay_thumbnail_jpeg=replay_thumbnail.payload if replay_thumbnail else None,
        )

    def replay_similarity(self, crawl: RenderingRecord | None, replayed: RenderingRecord | None,
                          replay: ArticleReplay | None) -> tuple[float | None, str | None]:
        """The two screenshots' pixel similarity, or None and why it cannot be told."""
        if crawl is None:
            return None, "no similarity: the crawl's browser took no screenshot of the page (see its failures)"
        if replayed is None:
            if replay is None:
                return None, ("no similarity: the archive holds no replay check of this article (run archiver "
                              "replay-check on it, or crawl with ARCHIVER_REPLAY_CHECK = True)")
            why = replay.screenshot_error or replay.error or "the check was written without one"
            return None, f"no similarity: the replay check has no screenshot of the page: {why}"
        try:
            pngs = [read_body(self.index.path_of(r.location), r.location.offset, SCREENSHOT_READ_LIMIT)
                    for r in (crawl, replayed)]
            return pixel_similarity(*pngs), None
        except (ScreenshotUnreadable, UndecodableBody, OSError, ValueError, KeyError, StopIteration) as error:
            return None, f"no similarity: the screenshots could not be compared: {error}"

    def why_no_text(self, article: Article, resolution: Resolution | None, docs: dict[str, SeedDocument]) -> str:
        """Why an article has no text verdict: what stood between its page and its seeds."""
        if resolution is None:
            return "text unavailable: the article has no URL"
        job = self.job(resolution)
        page = self.page(resolution)
        if resolution.capture is None:
            reason = f"the page was not archived ({resolution.status})"
        elif not 200 <= resolution.capture.status < 300:
            reason = f"the page answered HTTP {resolution.capture.status} ({resolution.status})"
        elif job is None:
            reason = self.unresolved.get(resolution.capture.location,
                                         "the archived page's body is not in the archive")
        elif page.undecodable or page.error:
            reason = page.undecodable or page.error or ""
        elif page.facts is None:
            reason = "the page is not HTML"
        elif not page.facts.text.strip() and (failure := page.facts.why_unread("text")):
            reason = failure
        elif not page.facts.text.strip():
            reason = "no article text could be extracted from the page"
            if self.index.rendering(resolution.capture.url).get(vocab.RENDERED_DOM_URN):
                reason += ", nor from the browser's rendering of it"
        elif not any(name in docs and docs[name].text.strip() for name in article.seeds):
            reason = "no seed copy with text to compare the page with"
        else:
            reason = "the page's text could not be compared with the seeds"
        return f"text unavailable: {reason}"

    def completeness(self, resolution: Resolution | None) -> tuple[Completeness | None, str | None]:
        """An article page's requisites in the archive; else None and why that cannot be told."""
        if resolution is None:
            return None, "requisites unknown: the article has no URL"
        capture = resolution.capture
        page = self.page(resolution)
        if capture is None:
            reason = f"the page was not archived ({resolution.status})"
        elif not 200 <= capture.status < 300:
            reason = f"the page answered HTTP {capture.status} ({resolution.status})"
        elif page.undecodable or page.error:
            reason = page.undecodable or page.error or ""
        elif page.facts is None:
            reason = "the page is not HTML"
        else:
            return self.judge.completeness(page.requisites), None
        return None, f"requisites unknown: {reason}"

    def link_report(self, url: str, anchor_text: str | None, found_in: tuple[str, ...],
                    article_date: datetime.date | None) -> LinkReport:
        resolution = self.resolve(url)
        status, detail = resolution.status, resolution.detail
        evidence = self.soft_404(url, resolution)
        if evidence:
            status, detail = LinkStatus.SOFT_404, evidence
        elif status in ALIVE and not self.probe_resolutions(url):
            self.unprobed.add(url_key(url))
        page = self.page(resolution)
        facts = page.facts or PageFacts()
        url_date = date_from_url(url)
        date, date_source = link_date(url_date, facts.published, facts.published_source)
        undated = None if date is not None else _why_undated(status, page)
        mismatch = bool(date and article_date and is_after(date, article_date, self.options.date_grace_days))
        title = facts.title
        titles = facts.titles or (title,)
        warc = resolution.first
        return LinkReport(
            url=url, anchor_text=anchor_text, found_in=found_in, status=status,
            verdict=verdict_for(status, self.reachable), http_status=resolution.http_status,
            final_url=resolution.final_url, redirects=resolution.redirects,
            date=date, date_source=date_source, date_unavailable=undated, url_date=url_date,
            page_date=facts.published, page_date_source=facts.published_source,
            date_mismatch=mismatch, title=title,
            title_mismatch=title_mismatch(anchor_text, titles, facts.sitename) if status in ALIVE else None,
            warc=warc, captured=warc_datetime(resolution.first_captured), detail=detail or page.error or (
                page.undecodable if page.too_large  # "the page is too large to read: …"
                else f"response body cannot be decoded: {page.undecodable}" if page.undecodable
                else facts.why_unread("metadata")),  # why it has no title, if it could not be read
            archived_copy=self.archived_copy(url) if status not in ALIVE else None,
        )


def unprobed_note(count: int) -> str:
    pages = "page was" if count == 1 else "pages were"
    return (f"{count} alive {pages} not checked for a soft 404 (a page that answers 200 but says "
            "'not found'): the archive holds no probe (a random URL beside it) to compare with. "
            "Another tool's archive has none, and a crawl with ARCHIVER_SOFT404_PROBES off makes none.")


def _why_undated(status: LinkStatus, page: PageResult) -> str:
    """Why a link has no date: its URL names none, and its page could not give one."""
    if status not in ALIVE:
        return f"no date in its URL, and no page to read one from ({status})"
    if page.undecodable or page.error:
        return f"no date in its URL, and its page could not be read: {page.undecodable or page.error}"
    if page.facts is None:
        return "no date in its URL, and its page is not HTML"
    if failure := page.facts.why_unread("date"):
        return f"no date in its URL, and its page's date could not be read: {failure}"
    return "no date in its URL, and none found on its page"


def _links(article: Article, live: Sequence, own_url: str | None) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """Seed links and live body links, merged by URL, in order of first sight."""
    merged: dict[str, list] = {}
    own = url_key(own_url) if own_url else None
    def add(url: str | None, anchor: str | None, found: Iterable[str]) -> None:
        if not url:
            return
        key = url_key(url)
        if key == own:
            return
        if key not in merged:
            merged[key] = [url, anchor, list(found)]
            return
        entry = merged[key]
        entry[1] = entry[1] or anchor
        entry[2].extend(f for f in found if f not in entry[2])
    for link in article.links:
        add(link.url, link.anchor_text, link.found_in)
    for link in live:
        add(link.url, link.anchor_text, [LIVE])
    return [(u, a, tuple(f)) for u, a, f in merged.values()]


def _comparisons(article: Article, docs: dict[str, SeedDocument], live: PageFacts | None) -> list[TextComparison]:
    texts = [(name, docs[name].text) for name in article.seeds if name in docs and docs[name].text.strip()]
    out: list[TextComparison] = []
    # Against the live page, a seed counts as found in its main text or anywhere on it.
    if live and live.text.strip():
        out.extend(compare_texts(name, text, LIVE, live.text, live.visible_text) for name, text in texts)
    for (a, text_a), (b, text_b) in itertools.combinations(texts, 2):
        out.append(compare_texts(a, text_a, b, text_b))
    return out


def analyse(index: ArchiveIndex, extra_seeds: Sequence[SeedDocument] = (),
            options: AnalysisOptions = AnalysisOptions(),
            generated: datetime.datetime | None = None) -> Report:
    docs, seed_problems = seeds_from_archive(index)
    names = {d.name for d in docs}
    docs += [d for d in extra_seeds if d.name not in names]
    articles, article_notes = choose_articles(index.articles, docs)
    articles = articles or articles_from_pages(index)
    work = _Analysis(index, options)
    by_name = {d.name: d for d in docs}

    originals = {a.url: work.resolve(a.url) for a in articles if a.url}
    work.examine(work.job(r, want_links=True) for r in originals.values())
    rendered = work.rendered_pages(originals)

    def live_page(url: str) -> PageResult:
        return rendered.get(url) or work.page(originals[url])

    live_links = {url: live_page(url).links for url in originals}
    link_lists = {i: _links(a, live_links.get(a.url, ()) if a.url else (), a.url) for i, a in enumerate(articles)}
    link_urls = [u for links in link_lists.values() for u, _, _ in links]
    targets = [work.resolve(u) for u in link_urls]
    probes = [p for r in [*originals.values(), *targets] if r.capture
              for p in work.probe_resolutions(r.capture.url)]
    # A linked page's titles and date come from its markup; trafilatura's
    # main text only for the pages a soft-404 comparison reads.
    compared: set[WarcLocation] = set()  # the records of those pages
    for url, resolution in itertools.chain(originals.items(), zip(link_urls, targets)):
        if text_probes := work.text_probes(url, resolution):
            compared.update(r.capture.location for r in (resolution, *text_probes) if r.capture)
            # A link that redirects into another folder is compared with its own
            # folder's probe, which the final URL's probes above may not hold.
            probes.extend(text_probes)
    work.examine(work.job(r, want_text=r.capture is not None and r.capture.location in compared)
                 for r in [*targets, *probes])

    reports = []
    for i, article in enumerate(articles):
        original_res = originals.get(article.url) if article.url else None
        live = live_page(article.url).facts if original_res and article.url else None
        published, source = article.published, article.published_source
        if published is None and live and live.published:
            published, source = live.published, page_date_source(live.published_source)
        if published is None and date_from_url(article.url):
            published, source = date_from_url(article.url), DateSource.URL
        original = (work.link_report(article.url, article.title, article.seeds, None)
                    if article.url else None)
        links = [work.link_report(u, a, f, published) for u, a, f in link_lists[i]]
        comparisons = _comparisons(article, by_name, live)
        against_live = [c for c in comparisons if c.other == LIVE]
        best = max((c.similarity for c in against_live), default=None)
        findings = date_findings_for_page(article.url, article.published, article.published_source,
                                          live, options.date_grace_days)
        for link in links:
            findings += date_findings_for_page(link.url, None, None, PageFacts(
                published=link.page_date, published_source=link.page_date_source), options.date_grace_days)
        requisites, requisites_unavailable = work.completeness(original_res)
        replay = index.replay_check(article.url) if article.url else None
        fingerprint = live_page(article.url).fingerprint if original_res and article.url else None
        text_from = TextSource.RENDERED_DOM if article.url in rendered else TextSource.HTML
        reports.append(ArticleReport(
            url=article.url, seeds=article.seeds, title=article.title or (live.title if live else None),
            published=published, published_source=source, original=original,
            text_similarity=best, text_verdict=text_verdict(best) if best is not None else None,
            comparisons=tuple(comparisons), date_findings=tuple(findings), links=tuple(links),
            live_text_fingerprint=fingerprint,
            text_unavailable=work.why_no_text(article, original_res, by_name) if best is None else None,
            requisites=requisites, requisites_unavailable=requisites_unavailable,
            replay=replay,
            rendering=work.rendering(original_res, text_from, replay),
        ))
    notes = article_notes + (() if work.reachable else (
        "The network looked unreachable when this archive was written: every host failed "
        "to resolve and none answered, so no link is called dead.",)) + lookups_stopped(index) + (
        (unprobed_note(len(work.unprobed)),) if work.unprobed else ())
    return Report(
        generated=generated or datetime.datetime.now(datetime.UTC),
        network_reachable=work.reachable, archives=tuple(index.files),
        articles=tuple(reports),
        integrity=tuple(index.problems + seed_problems + work.unresolved_problems()
                        + list(work.undecodable.values())),
        date_grace_days=options.date_grace_days, notes=notes,
        skipped_seeds=skipped_seeds(index), replay_url=options.replay_url,
    )


def lookups_stopped(index: ArchiveIndex) -> tuple[str, ...]:
    """A note per web archive the crawl stopped asking: why a failing link may have no archived copy."""
    notes = dict.fromkeys(
        f"The web archive {s.archive} was not asked again in this crawl: {s.reason}. "
        f"{s.unasked} lookup(s) queued then were not made, nor any after; the failing links "
        "they were for have no archived copy suggested."
        for s in index.lookups_stopped)
    return tuple(notes)


def skipped_seeds(index: ArchiveIndex) -> tuple[tuple[str, str], ...]:
    """Each skipped seed once, with its reason (several crawls may have recorded it)."""
    return tuple(dict.fromkeys((p.name, p.reason) for p in index.seed_problems))


def warc_datetime(value: str | None) -> datetime.datetime | None:
    """A WARC-Date as an aware datetime; None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)

