from collections.abc import Iterator

import pytest

from .smtp import SmtpSink, use_sink


@pytest.fixture
def smtp(settings) -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1; Django's mail goes there for the test."""
    sink = SmtpSink().start()
    use_sink(settings, sink)
    yield sink
    sink.stop()
