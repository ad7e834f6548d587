"""How complete an article's capture is: its page's requisites, found again in the archive.

The requisites are read from the archived page itself (archiver.analysis.requisites,
the same code the crawl fetched them with), then from each archived stylesheet
and frame in turn; each is looked up in the archive. So the figure comes from
the WARC alone: the crawl's report and ``archiver audit`` agree, and another
tool's WARC (wget's ``--page-requisites``) gets one too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from archiver.analysis.extract import html_text
from archiver.analysis.health import ALIVE, Resolution
from archiver.analysis.model import Completeness, RequisiteProblem, RequisiteState
from archiver.analysis.pages import is_html
from archiver.analysis.requisites import Requisite, RequisiteKind, html_requisites, stylesheet_requisites
from archiver.warc.index import ArchiveIndex, Capture, url_key
from archiver.warc.reader import read_body
from archiver.warc.vocab import FailureKind

# A stylesheet importing stylesheets without end (generated URLs) stops here.
MAX_REQUISITES = 5_000


class _Bodies:
    """Stylesheets and frames read once, though several articles share them."""

    def __init__(self, index: ArchiveIndex) -> None:
        self.index = index
        self.read: dict[tuple[str, RequisiteKind], list[Requisite] | str] = {}

    def requisites_within(self, capture: Capture, kind: RequisiteKind) -> list[Requisite] | str:
        """What an archived stylesheet or frame needs in turn, or why its body cannot be read."""
        key = (capture.url, kind)
        if key not in self.read:
            self.read[key] = self._read(capture, kind)
        return self.read[key]

    def _read(self, capture: Capture, kind: RequisiteKind) -> list[Requisite] | str:
        payload = self.index.payload_of(capture)
        if payload is None:
            return self.index.unresolved_revisit(capture)
        try:
            body = read_body(*payload)
        except Exception as error:  # noqa: BLE001 - a damaged record is a reason, not a crash
            return f"its body cannot be read: {type(error).__name__}: {error}"
        content_type = capture.header("Content-Type")
        if kind == RequisiteKind.STYLESHEET:
            return stylesheet_requisites(body, content_type, capture.url)
        if not is_html(content_type, body):
            return []
        return html_requisites(html_text(body, content_type), capture.url, frames=False)  # one level deep


class CompletenessJudge:
    """One per analysis: ``resolve`` is the analysis's own (cached) resolution of a URL."""

    def __init__(self, index: ArchiveIndex, resolve: Callable[[str], Resolution]) -> None:
        self.index = index
        self.resolve = resolve
        self.bodies = _Bodies(index)

    def completeness(self, requisites: Iterable[Requisite]) -> Completeness:
        """The figure for a page whose HTML declares ``requisites``."""
        todo = deque(requisites)
        seen: set[str] = set()
        counts = dict.fromkeys(RequisiteState, 0)
        problems: list[RequisiteProblem] = []
        while todo and len(seen) < MAX_REQUISITES:
            requisite = todo.popleft()
            key = url_key(requisite.url)
            if key in seen:
                continue
            seen.add(key)
            state, problem, within = self._judge(requisite)
            counts[state] += 1
            if problem is not None:
                problems.append(problem)
            todo.extend(within)
        return Completeness(
            found=len(seen), archived=counts[RequisiteState.ARCHIVED], failed=counts[RequisiteState.FAILED],
            skipped=counts[RequisiteState.SKIPPED], missing=counts[RequisiteState.MISSING],
            problems=tuple(problems),
        )

    def _judge(self, requisite: Requisite) -> tuple[RequisiteState, RequisiteProblem | None, list[Requisite]]:
        resolution = self.resolve(requisite.url)
        url = requisite.url
        if resolution.status in ALIVE and resolution.capture is not None:
            if requisite.kind == RequisiteKind.RESOURCE:
                return RequisiteState.ARCHIVED, None, []
            within = self.bodies.requisites_within(resolution.capture, requisite.kind)
            if isinstance(within, str):  # archived, but what it needs in turn is unknown
                return RequisiteState.FAILED, RequisiteProblem(url, RequisiteState.FAILED, within,
                                                               resolution.first), []
            return RequisiteState.ARCHIVED, None, within
        end = resolution.final_url or url
        failure = self.index.failure(end) if resolution.capture is None else None
        if failure is not None and failure.kind == FailureKind.OVER_SIZE_LIMIT:
            return RequisiteState.SKIPPED, RequisiteProblem(url, RequisiteState.SKIPPED, failure.message,
                                                            failure.location), []
        if resolution.first is None or (resolution.capture is None and failure is None):
            reason = resolution.detail or "not in the archive"
            return RequisiteState.MISSING, RequisiteProblem(url, RequisiteState.MISSING, reason,
                                                            resolution.first), []
        reason = resolution.status.value
        if resolution.http_status is not None:
            reason += f": HTTP {resolution.http_status}"
        if resolution.detail:
            reason += f": {resolution.detail}"
        return RequisiteState.FAILED, RequisiteProblem(url, RequisiteState.FAILED, reason, resolution.first), []
