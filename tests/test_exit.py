"""A finished run keeps its objects out of Python's last collection (archiver.skip_last_collection)."""

import datetime
import gc

import pytest

from archiver.cli import main
from archiver.warc.records import HttpExchange, exchange_records
from archiver.warc.writer import RollingWarcWriter

pytestmark = pytest.mark.fast


def test_a_finished_audit_leaves_its_objects_out_of_the_last_collection(tmp_path):
    body = b"<html><title>A page</title><p>Some words.</p></html>"
    writer = RollingWarcWriter(tmp_path, "exit", 10**9, {"software": "tests"})
    writer.write(exchange_records(writer.builder, HttpExchange(
        url="http://news.example/a", method="GET", request_headers=[], request_body=b"", protocol="HTTP/1.1",
        status=200, response_headers=[(b"Content-Type", b"text/html")], body=body,
        fetched_at=datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC))))
    writer.close()
    gc.unfreeze()
    try:
        assert main(["audit", str(tmp_path), "-o", str(tmp_path / "report")]) in (0, 1)
        # The collection at exit would traverse them all (0.4 s after a 2,000-link check).
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
