"""A crawl that cannot archive what it fetches stops and says why."""

from __future__ import annotations

import pytest

from archiver.warc import records
from archiver.warc.process import WarcWriterProcess, WriterSettings
from tests.conftest import run_crawl, small_disk_at
from tests.test_warc_writer import exchange


def url_list(folder, urls):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "urls.txt").write_text("\n".join(urls) + "\n")
    return folder


def test_an_unwritable_warc_folder_stops_the_crawl_before_it_fetches(site, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    seeds = url_list(tmp_path / "seeds", [site.url("/many/1")])
    result = run_crawl(seeds, blocker / "warcs")
    assert result.returncode == 1
    assert f"cannot write WARC files to {blocker / 'warcs'}: Not a directory" in result.log
    assert "set ARCHIVER_WARC_DIR to a writable folder" in result.log
    assert site.site.hits.get("/many/1", 0) == 0


def test_the_writer_process_reports_records_it_could_not_write(tmp_path):
    folder = tmp_path / "warcs"
    errors = []
    # Every write rolls over to a new file, so every write opens one.
    process = WarcWriterProcess(WriterSettings(folder, "gone", 1, {}), on_error=errors.append)
    process.write(records.exchange_records, exchange(), locations=True).result(timeout=30)
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("the folder is now a file")
    failed = process.write(records.exchange_records, exchange(), locations=True)
    with pytest.raises(OSError, match="File exists"):  # the folder's name, taken by a file
        failed.result(timeout=30)
    process.close()
    assert "File exists" in errors[0]
    # closing cannot index the last file either, and says where
    assert all("warcs" in message for message in errors)


@pytest.fixture
def small_disk(tmp_path):
    with small_disk_at(tmp_path / "disk", "16k") as mount:
        yield mount


def test_a_full_disk_stops_the_crawl_with_a_failing_status(site, tmp_path, small_disk):
    # Enough pages that the stop shows: the crawl (256 requests in flight
    # overall) fetched 172 of 300 before it took effect on CI.
    urls = [site.url(f"/many/{n}") for n in range(1000)]
    seeds = url_list(tmp_path / "seeds", urls)
    result = run_crawl(seeds, small_disk / "warcs", {"ARCHIVER_REPORT_DIR": str(tmp_path / "report")})
    assert result.returncode == 1, result.log
    assert "No space left on device" in result.log
    assert "Stopping the crawl: WARC records could not be written" in result.log
    assert "'finish_reason': 'warc_write_failed'" in result.log
    fetched = sum(1 for n in range(1000) if site.site.hits.get(f"/many/{n}"))
    assert fetched < 500, f"the crawl went on fetching what it could not keep ({fetched} of 1000)"
