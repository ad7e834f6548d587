"""A failed fetch's reason, as the archive stores it and the report shows it: one readable line."""

from __future__ import annotations

import pytest
from OpenSSL import SSL
from scrapy.exceptions import CannotResolveHostError
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

from archiver.crawl.failures import classify_failure, failure_message
from archiver.warc.vocab import FailureKind

pytestmark = pytest.mark.fast


def wrapped(error: BaseException) -> ResponseFailed:
    try:
        raise error
    except type(error):
        return ResponseFailed([Failure()])


def test_a_tls_failure_reads_as_one_line_not_a_repr_of_twisted_failures() -> None:
    failed = wrapped(SSL.Error([("SSL routines", "", "wrong version number")]))
    assert "<twisted.python.failure.Failure" in str(failed)  # what was stored before
    assert classify_failure(failed) == FailureKind.TLS_ERROR
    assert failure_message(failed) == "TLS handshake failed: SSL routines: wrong version number"


def test_a_wrapped_error_gives_its_inner_reason() -> None:
    failed = wrapped(ConnectionResetError("Connection reset by peer"))
    assert failure_message(failed) == "ConnectionResetError: Connection reset by peer"


def test_a_plain_message_is_kept_on_one_line() -> None:
    error = CannotResolveHostError("DNS lookup failed:\n no results for hostname lookup: no-such-host.invalid.")
    assert failure_message(error) == "DNS lookup failed: no results for hostname lookup: no-such-host.invalid."
