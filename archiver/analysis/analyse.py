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
from archiver.analysis.dates import date_findings_for_page, is_after, link_date
from archiver.analysis.health import (
    ALIVE,
    Resolution,
    directory_of,
    redirect_soft_404,
    resolve,
    verdict_for,
)
from archiver.analysis.memento import LookupRequest, parse_response
from archiver.analysis.model import (
    ArchivedCopy,
    ArticleReport,
    DateSource,
    IntegrityProblem,
    LinkReport,
    LinkStatus,
    PageFacts,
    Report,
    TextComparison,
    WarcLocation,
    page_date_source,
)
from archiver.analysis.pages import PageJob, PageResult, examine_all
from archiver.analysis.titles import title_mismatch
from archiver.seeds import Article, SeedDocument, SeedError, parse_seed
from archiver.seeds.dates import date_from_url
from archiver.warc.decode import UndecodableBody
from archiver.warc.index import ArchiveIndex, Capture, url_key
from archiver.warc.reader import read_body
from archiver.warc.vocab import FailureKind

LIVE = "live"
# A probe page this close to a link's page means the site answers 200 to anything.
SOFT_404_SIMILARITY = 0.9


@dataclass(frozen=True)
class AnalysisOptions:
    date_grace_days: int = 1
    workers: int | None = None  # None: every core
    replay_url: str | None = None  # a pywb collection URL (ARCHIVER_REPLAY_URL), ending in "/"


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
            and capture.lookup is None and not capture.url.endswith("/robots.txt")
            and capture.revisit_of is None)


def articles_from_pages(index: ArchiveIndex) -> list[Article]:
    """An archive without seeds: every archived HTML page is an article."""
    urls = sorted({c.url for c in index.all_captures() if _is_page(c)})
    return [Article(url=url) for url in urls]


class _Analysis:
    def __init__(self, index: ArchiveIndex, options: AnalysisOptions) -> None:
        self.index = index
        self.options = options
        self.reachable = network_reachable(index)
        self.resolutions: dict[str, Resolution] = {}
        self.pages: dict[tuple[str, int], PageResult] = {}
        self.probes: dict[tuple[str, str], list[str]] = {}
        self.unresolved: dict[WarcLocation, str] = {}  # revisits whose payload is nowhere to be found
        self.lookups: dict[str, list[Capture]] = {}
        # Bodies that could not be decoded, by record: integrity problems of the report.
        self.undecodable: dict[tuple[str, int], IntegrityProblem] = {}
        for capture in index.all_captures():
            if capture.probe:
                self.probes.setdefault(directory_of(capture.url), []).append(capture.url)
            if capture.lookup:
                self.lookups.setdefault(url_key(capture.lookup[0]), []).append(capture)

    def resolve(self, url: str) -> Resolution:
        key = url_key(url)
        if key not in self.resolutions:
            self.resolutions[key] = resolve(url, self.index)
        return self.resolutions[key]

    def job(self, resolution: Resolution, want_links: bool = False) -> PageJob | None:
        capture = resolution.capture
        if capture is None or not 200 <= capture.status < 300:
            return None
        payload = self.index.payload_of(capture)
        if payload is None:
            # Only a revisit has its payload elsewhere: say which, and where it was looked for.
            self.unresolved.setdefault(capture.location, self.index.unresolved_revisit(capture))
            return None
        return PageJob(str(payload[0]), payload[1], capture.url, want_links)

    def examine(self, jobs: Iterable[PageJob | None]) -> None:
        todo = [j for j in jobs if j is not None and (j.path, j.offset) not in self.pages]
        self.pages.update(examine_all(todo, self.options.workers))
        for job in todo:
            reason = self.pages[(job.path, job.offset)].undecodable
            if reason:
                self.note_undecodable(job.path, job.offset, job.url, reason)

    def note_undecodable(self, path: str | Path, offset: int, url: str, reason: str) -> None:
        self.undecodable.setdefault((Path(path).name, offset), IntegrityProblem(
            Path(path).name, offset, f"response body of {url} cannot be decoded: {reason}"))

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
        return [self.resolve(p) for p in self.probes.get(directory_of(url), []) if url_key(p) != url_key(url)]

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
                body = read_body(*payload) if payload and kind == "wayback" else b""
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
        elif not page.facts.text.strip():
            reason = "no article text could be extracted from the page"
        elif not any(name in docs and docs[name].text.strip() for name in article.seeds):
            reason = "no seed copy with text to compare the page with"
        else:
            reason = "the page's text could not be compared with the seeds"
        return f"text unavailable: {reason}"

    def link_report(self, url: str, anchor_text: str | None, found_in: tuple[str, ...],
                    article_date: datetime.date | None) -> LinkReport:
        resolution = self.resolve(url)
        status, detail = resolution.status, resolution.detail
        evidence = self.soft_404(url, resolution)
        if evidence:
            status, detail = LinkStatus.SOFT_404, evidence
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
                f"response body cannot be decoded: {page.undecodable}" if page.undecodable else None),
            archived_copy=self.archived_copy(url) if status not in ALIVE else None,
        )


def _why_undated(status: LinkStatus, page: PageResult) -> str:
    """Why a link has no date: its URL names none, and its page could not give one."""
    if status not in ALIVE:
        return f"no date in its URL, and no page to read one from ({status})"
    if page.undecodable or page.error:
        return f"no date in its URL, and its page could not be read: {page.undecodable or page.error}"
    if page.facts is None:
        return "no date in its URL, and its page is not HTML"
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
    live_links = {url: work.page(r).links for url, r in originals.items()}
    link_lists = {i: _links(a, live_links.get(a.url, ()) if a.url else (), a.url) for i, a in enumerate(articles)}
    targets = [work.resolve(u) for links in link_lists.values() for u, _, _ in links]
    probes = [p for r in [*originals.values(), *targets] if r.capture
              for p in work.probe_resolutions(r.capture.url)]
    work.examine(work.job(r) for r in [*targets, *probes])

    reports = []
    for i, article in enumerate(articles):
        original_res = originals.get(article.url) if article.url else None
        live = work.page(original_res).facts if original_res else None
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
        fingerprint = work.page(original_res).fingerprint if original_res else None
        reports.append(ArticleReport(
            url=article.url, seeds=article.seeds, title=article.title or (live.title if live else None),
            published=published, published_source=source, original=original,
            text_similarity=best, text_verdict=text_verdict(best) if best is not None else None,
            comparisons=tuple(comparisons), date_findings=tuple(findings), links=tuple(links),
            live_text_fingerprint=fingerprint,
            text_unavailable=work.why_no_text(article, original_res, by_name) if best is None else None,
        ))
    notes = article_notes + (() if work.reachable else (
        "The network looked unreachable when this archive was written: every host failed "
        "to resolve and none answered, so no link is called dead.",)) + lookups_stopped(index)
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
