import datetime
import gzip
import multiprocessing
import os
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.warc.records import HttpExchange, exchange_records
from archiver.warc.writer import RollingWarcWriter
from tests.warc_checks import raw_payload, read_records, stored_length_problems, warcio_check

pytestmark = pytest.mark.fast

MOMENT = datetime.datetime(2026, 11, 22, 10, 30, 15, 123456, tzinfo=datetime.UTC)


def exchange(**changes) -> HttpExchange:
    fields = dict(
        url="http://news.example/a?x=1&y=2",
        method="GET",
        request_headers=[(b"User-Agent", b"test"), (b"Accept-Encoding", b"gzip")],
        request_body=b"",
        protocol="HTTP/1.1",
        status=200,
        response_headers=[(b"Content-Type", b"text/html"), (b"Content-Length", b"5")],
        body=b"hello",
        fetched_at=MOMENT,
        ip_address="192.0.2.7",
    )
    fields.update(changes)
    return HttpExchange(**fields)


@pytest.fixture
def writer(tmp_path):
    w = RollingWarcWriter(tmp_path, "test", 10_000_000, lambda: {"software": "tests"})
    yield w
    w.close()


def write_and_close(writer, *exchanges):
    for ex in exchanges:
        writer.write(exchange_records(writer.builder, ex))
    writer.close()
    [path] = writer.closed_files
    return path


def test_pair_is_linked_dated_and_digested(writer):
    path = write_and_close(writer, exchange())
    assert warcio_check(path).returncode == 0
    records = read_records(path)
    assert [r["type"] for r in records] == ["warcinfo", "request", "response"]
    request, response = records[1]["rec_headers"], records[2]["rec_headers"]
    assert request.get_header("WARC-Concurrent-To") == response.get_header("WARC-Record-ID")
    assert response.get_header("WARC-Date") == "2026-11-22T10:30:15.123456Z"
    assert response.get_header("WARC-IP-Address") == "192.0.2.7"
    assert response.get_header("WARC-Payload-Digest").startswith("sha1:")
    assert response.get_header("WARC-Block-Digest").startswith("sha1:")
    assert records[0]["rec_headers"].protocol == "WARC/1.1"
    # the query string stays in the request line
    head, _ = raw_payload(path, records[1]["offset"])
    assert head.split(b"\r\n")[0] == b"GET /a?x=1&y=2 HTTP/1.1"
    assert b"Host: news.example" in head


def test_header_bytes_are_stored_as_received(writer):
    headers = [
        (b"Content-Type", b"text/html"),
        (b"X-Note", b"caf\xe9"),
        (b"Set-Cookie", b"a=1"),
        (b"Set-Cookie", b"b=2"),
    ]
    path = write_and_close(writer, exchange(response_headers=headers))
    head, body = raw_payload(path, read_records(path)[2]["offset"])
    assert head == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Note: caf\xe9\r\n"
        b"Set-Cookie: a=1\r\nSet-Cookie: b=2"
    )
    assert body == b"hello"
    assert warcio_check(path).returncode == 0


def test_stale_content_length_is_corrected_and_kept(writer):
    ex = exchange(response_headers=[(b"Content-Length", b"72")], body=b"x" * 30)
    path = write_and_close(writer, ex)
    assert stored_length_problems(path) == []
    response = read_records(path)[2]
    assert response["http_headers"].get_header("Content-Length") == "30"
    assert response["http_headers"].get_header("X-Archiver-Orig-Content-Length") == "72"
    assert response["rec_headers"].get_header("WARC-Truncated") == "disconnect"


def test_transfer_encoding_is_renamed_for_a_dechunked_body(writer):
    ex = exchange(response_headers=[(b"Transfer-Encoding", b"chunked")], body=b"abc")
    path = write_and_close(writer, ex)
    headers = read_records(path)[2]["http_headers"]
    assert headers.get_header("Transfer-Encoding") is None
    assert headers.get_header("X-Archiver-Orig-Transfer-Encoding") == "chunked"
    assert headers.get_header("Content-Length") == "3"


def test_a_body_without_length_is_stored_without_one(writer):
    path = write_and_close(writer, exchange(response_headers=[], body=b"abc"))
    assert read_records(path)[2]["http_headers"].headers == []


def test_files_roll_over_and_each_opens_with_warcinfo(tmp_path):
    writer = RollingWarcWriter(tmp_path, "roll", 2_000, lambda: {"software": "tests"})
    for n in range(12):
        writer.write(exchange_records(writer.builder, exchange(body=b"%d" % n * 300,
                                                               response_headers=[])))
        assert writer.current_path is not None
        assert (tmp_path / (writer.current_path.name + ".open")).exists()
    writer.close()
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) > 2
    assert not list(tmp_path.glob("*.open"))
    names = [f.name for f in files]
    assert len(set(names)) == len(names)
    serials = []
    for path in files:
        assert path.name.startswith("roll-")
        serials.append(int(path.name.split("-")[2]))
        types = [r["type"] for r in read_records(path)]
        assert types[0] == "warcinfo"
        # a request never leaves its response for another file
        assert types[1:] == ["request", "response"] * ((len(types) - 1) // 2)
        assert warcio_check(path).returncode == 0
        index = path.with_name(path.name.removesuffix(".warc.gz") + ".cdxj")
        assert index.read_text().count("\n") == types.count("response")
    assert serials == sorted(serials) and len(set(serials)) == len(serials)


def test_every_record_is_its_own_gzip_member(writer):
    path = write_and_close(writer, exchange(), exchange())
    offsets = [r["offset"] for r in read_records(path)]
    data = path.read_bytes()
    for offset in offsets:
        assert data[offset:offset + 2] == b"\x1f\x8b"
        with open(path, "rb") as f:
            f.seek(offset)
            assert gzip.GzipFile(fileobj=f).read(4) == b"WARC"


def test_two_writers_in_one_folder_never_share_a_name(tmp_path):
    a = RollingWarcWriter(tmp_path, "same", 10_000, lambda: {})
    b = RollingWarcWriter(tmp_path, "same", 10_000, lambda: {})
    for w in (a, b):
        w.write(exchange_records(w.builder, exchange()))
    assert a.current_path != b.current_path
    a.close()
    b.close()
    assert len(list(tmp_path.glob("*.warc.gz"))) == 2
    with open(a.closed_files[0], "rb") as f:
        assert sum(1 for _ in ArchiveIterator(f)) == 3


def test_write_returns_where_the_records_landed(writer, tmp_path):
    request_at, response_at = writer.write(exchange_records(writer.builder, exchange()))
    assert request_at.filename == response_at.filename == writer.current_path.name
    assert response_at.offset == request_at.offset + request_at.length
    writer.close()
    [path] = writer.closed_files
    offsets = [r["offset"] for r in read_records(path)]
    assert offsets[1:] == [request_at.offset, response_at.offset]


def test_compression_level_is_the_writers(tmp_path):
    # 1-3 are ISA-L's levels, 4-9 zlib's: every one writes gzip warcio reads.
    sizes = {}
    for level in (1, 2, 3, 4, 6, 9):
        folder = tmp_path / str(level)
        w = RollingWarcWriter(folder, "lvl", 10_000_000, lambda: {}, gzip_level=level, index=False)
        w.write(exchange_records(w.builder, exchange(body=b"news " * 20_000, response_headers=[])))
        w.close()
        [path] = w.closed_files
        assert warcio_check(path).returncode == 0
        sizes[level] = path.stat().st_size
    assert sizes[9] < sizes[1]
    assert sizes[3] < sizes[1]


def test_the_index_written_on_the_fly_is_cdxj_indexers(tmp_path):
    from archiver.warc import records
    from archiver.warc.cdxj import index_path_of, index_warc

    writer = RollingWarcWriter(tmp_path, "idx", 10_000_000, {"software": "tests"})
    b = writer.builder
    writer.write(exchange_records(b, exchange()))
    writer.write(exchange_records(b, exchange(url="http://news.example/b", status=404,
                                              response_headers=[(b"Content-Type", b"text/html; charset=utf-8")])))
    writer.write(exchange_records(b, exchange(url="http://news.example/c", response_headers=[])))
    writer.write(records.revisit_records(b, exchange(), "http://news.example/a?x=1&y=2", "2026-11-01T00:00:00Z"))
    writer.write([records.failure_record(b, "http://gone.example/", "dns_error", error="DNSLookupError",
                                         message="no such host", attempt=1, moment=MOMENT)])
    writer.write([records.resource_record(b, "urn:archiver:seed:clip.md", b"# clip", "text/markdown", MOMENT)])
    writer.write([records.json_metadata_record(b, "urn:archiver:article:http://news.example/a", {"a": 1}, MOMENT)])
    writer.close()
    [path] = writer.closed_files
    ours = index_path_of(path).read_text()
    assert ours.count("\n") == 6  # 3 responses, the revisit, the seed, the article
    assert index_warc(path).read_text() == ours


def test_a_writer_process_writes_indexes_and_says_where(tmp_path):
    from archiver.warc import records
    from archiver.warc.process import WarcWriterProcess, WriterSettings

    process = WarcWriterProcess(WriterSettings(tmp_path, "proc", 10_000_000, {"software": "tests"}))
    assert process.write(records.exchange_records, exchange()) is None
    request_at, response_at = process.write(records.exchange_records, exchange(url="http://news.example/b"),
                                            locations=True).result(timeout=30)
    process.write(records.failure_record, "http://gone.example/", "dns_error", error="DNSLookupError",
                  message="no such host", attempt=1, moment=MOMENT)
    closed = process.close()
    [path] = closed.files
    assert closed.written == {"warcinfo": 1, "request": 2, "response": 2, "metadata": 1}
    assert warcio_check(path).returncode == 0
    found = read_records(path)
    assert [r["type"] for r in found] == ["warcinfo", "request", "response", "request", "response", "metadata"]
    assert (request_at.offset, response_at.offset) == (found[3]["offset"], found[4]["offset"])
    assert response_at.filename == path.name
    assert path.with_name(path.name.removesuffix(".warc.gz") + ".cdxj").read_text().count("\n") == 2


def test_a_writer_process_whose_crawl_dies_leaves_an_open_file(tmp_path):
    from archiver.warc import records
    from archiver.warc.process import WarcWriterProcess, WriterSettings

    process = WarcWriterProcess(WriterSettings(tmp_path, "dead", 10_000_000, {}))
    process.write(records.exchange_records, exchange(), locations=True).result(timeout=30)
    process._inbox.close()  # what the kernel does to the pipe when the crawl is killed
    process._process.join(timeout=30)
    assert process._process.exitcode == 0
    [half] = tmp_path.glob("*.warc.gz.open")
    assert [r["type"] for r in read_records(half)] == ["warcinfo", "request", "response"]
    assert not list(tmp_path.glob("*.warc.gz"))


def test_the_index_is_sorted_on_disk_past_its_buffer(tmp_path, monkeypatch):
    from archiver.warc import cdxj as writer_module
    from archiver.warc.cdxj import index_path_of, index_warc

    monkeypatch.setattr(writer_module, "INDEX_BUFFER_CHARS", 2_000)  # a few lines a run
    writer = RollingWarcWriter(tmp_path, "runs", 10_000_000, {"software": "tests"})
    for n in reversed(range(60)):
        writer.write(exchange_records(writer.builder, exchange(url=f"http://news.example/{n:03d}")))
    writer.close()
    [path] = writer.closed_files
    ours = index_path_of(path).read_text()
    assert ours.count("\n") == 60
    assert not list(tmp_path.glob(".cdxj-run-*")), "the sorted runs are removed"
    assert index_warc(path).read_text() == ours


def _write_many(folder: str, count: int) -> None:
    writer = RollingWarcWriter(Path(folder), "shared", 1, lambda: {"software": "tests"})
    for n in range(count):
        writer.write(exchange_records(writer.builder, exchange(url=f"http://news.example/{os.getpid()}/{n}")))
    writer.close()


def test_processes_sharing_a_folder_never_overwrite_each_others_files(tmp_path):
    # A rollover size of 1 byte: a new file for every exchange, so four
    # processes pick names in the same milliseconds again and again.
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(str(tmp_path), 150)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    files = list(tmp_path.glob("*.warc.gz"))
    assert len(files) == 4 * 150
    assert not list(tmp_path.glob("*.open"))
    responses = sum(1 for path in files for record in read_records(path) if record["type"] == "response")
    assert responses == 4 * 150


def test_two_writers_in_one_millisecond_pick_different_names(tmp_path):
    first = RollingWarcWriter(tmp_path, "same", 10_000, lambda: {"software": "tests"})
    second = RollingWarcWriter(tmp_path, "same", 10_000, lambda: {"software": "tests"})
    for writer in (first, second):
        writer.write(exchange_records(writer.builder, exchange()))
    names = first.current_path.name, second.current_path.name
    first.close()
    second.close()
    assert names[0] != names[1]
    assert names[0].split("-")[3].startswith(f"{os.getpid()}_")


def test_closing_never_replaces_a_file_of_the_same_name(tmp_path):
    writer = RollingWarcWriter(tmp_path, "kept", 10_000, lambda: {"software": "tests"})
    writer.write(exchange_records(writer.builder, exchange()))
    final = writer.current_path
    final.write_bytes(b"another process's file")
    writer.close()
    assert final.read_bytes() == b"another process's file"
    assert final.with_name(final.name + ".open").exists()  # ours stays, to be recovered
    assert writer.closed_files == []
