"""The replay's screenshot beside the crawl's (issue 14, item 3), in-process: no pywb, no browser.

Screenshots are drawn here with Pillow, archived as the crawl and the replay
check write them, and the report's similarity is checked against the share
of pixels the test itself changed.
"""

from __future__ import annotations

import base64
import json
from io import BytesIO

import pytest
from PIL import Image, ImageDraw

from archiver.analysis import screenshots
from archiver.analysis.analyse import analyse
from archiver.analysis.screenshots import ScreenshotUnreadable, pixel_similarity
from archiver.replay.check import write_results
from archiver.report.html import render_html
from archiver.report.json import report_to_dict
from archiver.report.markdown import render_markdown
from archiver.seeds import Article
from archiver.warc import records, vocab
from archiver.warc.reader import read_archives
from archiver.warc.replaycheck import ArticleReplay, from_json, to_json
from tests.warc_checks import read_records
from tests.warcs import WarcBuilder, html_page

pytestmark = pytest.mark.fast

URL = "http://news.example/2026/11/bridge"
WIDTH, HEIGHT = 128, 200


def png(height: int = HEIGHT, box: tuple[int, int, int, int] | None = None, shade: int = 0) -> bytes:
    """A white page with a grey band; ``box`` filled black (what the replay lost or gained)."""
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 100, 40), fill=(120 + shade, 120 + shade, 120 + shade))
    if box:
        draw.rectangle(box, fill="black")
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_identical_screenshots_are_fully_alike() -> None:
    assert pixel_similarity(png(), png()) == 1.0


def test_a_changed_region_costs_its_share_of_pixels() -> None:
    # A 20 × 50 px box (inclusive corners) on a 128 × 200 px page.
    assert pixel_similarity(png(), png(box=(0, 100, 19, 149))) == 1 - 20 * 50 / (WIDTH * HEIGHT)


def test_a_shade_within_the_tolerance_matches_and_one_past_it_does_not() -> None:
    band = 91 * 31
    assert pixel_similarity(png(), png(shade=screenshots.PIXEL_TOLERANCE)) == 1.0
    assert pixel_similarity(png(), png(shade=screenshots.PIXEL_TOLERANCE + 1)) == 1 - band / (WIDTH * HEIGHT)


def test_a_shorter_replay_loses_the_pixels_it_lacks() -> None:
    assert pixel_similarity(png(), png(height=150)) == 150 / HEIGHT
    assert pixel_similarity(png(height=150), png()) == 150 / HEIGHT


def test_what_cannot_be_compared_says_which_side_and_why(monkeypatch) -> None:
    with pytest.raises(ScreenshotUnreadable, match="the replay's screenshot is not a readable PNG"):
        pixel_similarity(png(), b"png")
    monkeypatch.setattr(screenshots, "MAX_PIXELS", WIDTH * HEIGHT - 1)
    with pytest.raises(ScreenshotUnreadable, match=r"the crawl's screenshot is 128 × 200 px, more than"):
        pixel_similarity(png(), png(box=(0, 0, 9, 9)))
    assert pixel_similarity(png(), png()) == 1.0  # the same file is not decoded: no size to exceed


def archive(tmp_path, replay: ArticleReplay | None, crawl_screenshot: bytes | None = None):
    response_id = records.new_record_id()
    with WarcBuilder(tmp_path / "warcs") as warc:
        warc.article(Article(url=URL, title="Bridge"))
        warc.response(URL, html_page("Bridge", ["The bridge reopened."]), record_id=response_id)
        warc.rendering(URL, "<html></html>", concurrent_to=response_id, screenshot=crawl_screenshot or png(),
                       thumbnail=b"\xff\xd8crawl")
    if replay is not None:
        write_results(tmp_path / "warcs", "check", [replay], gzip_level=3)
    return read_archives(sorted((tmp_path / "warcs").glob("*.warc.gz")))


def replayed(**fields) -> ArticleReplay:
    return ArticleReplay(URL, "20261122103015", "2026-12-01T10:00:00+00:00", "pywb 2.10.0 (frameless) in Chromium",
                         **fields)


def test_the_replays_screenshot_is_archived_beside_its_check_and_compared(tmp_path) -> None:
    index = archive(tmp_path, replayed(screenshot=png(box=(0, 100, 19, 149)), thumbnail=b"\xff\xd8replay"))
    [check_file] = (tmp_path / "warcs").glob("check-*.warc.gz")
    recs = read_records(check_file)
    [check] = [r for r in recs if r["uri"] == vocab.replay_check_uri(URL)]
    photographs = {r["uri"]: r for r in recs if r["type"] == "resource"}
    assert set(photographs) == {vocab.REPLAY_SCREENSHOT_URN + URL, vocab.REPLAY_THUMBNAIL_URN + URL}
    check_id = check["rec_headers"].get_header("WARC-Record-ID")
    assert {r["rec_headers"].get_header("WARC-Concurrent-To") for r in photographs.values()} == {check_id}
    assert photographs[vocab.REPLAY_SCREENSHOT_URN + URL]["rec_headers"].get_header("Content-Type") == "image/png"

    report = analyse(index)
    [article] = report.articles
    rendering = article.rendering
    assert rendering is not None and rendering.replay_similarity == 1 - 20 * 50 / (WIDTH * HEIGHT)
    assert rendering.replay_similarity_unavailable is None
    out = report_to_dict(report)["articles"][0]["rendering"]
    assert out["replay_screenshot"]["uri"] == vocab.REPLAY_SCREENSHOT_URN + URL
    assert out["replay_screenshot"]["file"] == check_file.name
    assert out["replay_similarity"] == round(1 - 1000 / (WIDTH * HEIGHT), 4)
    assert out["replay_similarity_unavailable"] is None
    html = render_html(report)
    for jpeg in (b"\xff\xd8crawl", b"\xff\xd8replay"):
        assert f'src="data:image/jpeg;base64,{base64.b64encode(jpeg).decode()}"' in html
    assert f"pixel similarity with the crawl's screenshot: {1 - 1000 / (WIDTH * HEIGHT):.1%}" in html
    assert f"pixel similarity with the crawl's screenshot {1 - 1000 / (WIDTH * HEIGHT):.1%}" in render_markdown(report)


def test_without_a_replay_check_the_similarity_is_null_and_says_why(tmp_path) -> None:
    report = analyse(archive(tmp_path, None))
    rendering = report.articles[0].rendering
    assert rendering is not None and rendering.replay_similarity is None and rendering.replay_screenshot is None
    assert "holds no replay check of this article" in rendering.replay_similarity_unavailable
    assert "holds no replay check of this article" in render_html(report)
    assert "- **Replay's screenshot:** no similarity: the archive holds no replay check" in render_markdown(report)
    assert "holds no replay check" in report_to_dict(report)["articles"][0]["rendering"][
        "replay_similarity_unavailable"]


def test_a_replay_without_a_screenshot_says_why(tmp_path) -> None:
    replay = replayed(screenshot_error="the replay check could not take the screenshot: Target crashed")
    rendering = analyse(archive(tmp_path, replay)).articles[0].rendering
    assert rendering is not None and rendering.replay_similarity is None
    assert rendering.replay_similarity_unavailable == (
        "no similarity: the replay check has no screenshot of the page: "
        "the replay check could not take the screenshot: Target crashed")


def test_a_damaged_crawl_screenshot_is_not_compared_and_says_so(tmp_path) -> None:
    rendering = analyse(archive(tmp_path, replayed(screenshot=png()), crawl_screenshot=b"png")).articles[0].rendering
    assert rendering is not None and rendering.replay_similarity is None
    assert rendering.replay_similarity_unavailable.startswith(
        "no similarity: the screenshots could not be compared: the crawl's screenshot is not a readable PNG")


def test_a_check_written_before_screenshots_reads_as_none_taken() -> None:
    data = to_json(replayed())
    assert data["screenshot_error"] is None and "screenshot" not in data  # the PNG is a record, not JSON
    del data["screenshot_error"]
    assert from_json(json.loads(json.dumps(data))).screenshot_error is None
